#!/usr/bin/env bash
# modprobe and modinfo side by side with Debian's kmod 30, on Debian's 6.1 module tree indexed by
# kmod's depmod (the same indexes for both): wall time of
#   - 200 separate `modprobe --show-depends X` processes, X a mix of module names (every 40th of
#     modules.order, some with '-' for '_') and aliases instantiated from modules.alias patterns
#     (wildcards filled: pci:, usb:, of:, acpi:, fs-, ...);
#   - one `modprobe -a -D` process over 3000 aliases (every ~9th pattern of modules.alias,
#     instantiated);
#   - 200 separate `modinfo -b ROOT -k VERSION X` processes over the same 200 names and aliases
#     (signed modules: the signature fields are in the output);
# each separate process timed alone, kmod's and ours in turn per query; the median over RUNS runs
# of each total, and the ratio ours/kmod (per process, as the totals cover the same 200 queries;
# bash's own fork and wait are in both). Both modprobes read an empty -C directory (no host
# configuration). A benchmark, not a test: it asserts nothing about speed (these machines are
# shared and noisy), only reports whether both print the same.
#
# Our tools are built as they are shipped and as the QEMU tests run them: statically linked
# (`RUSTFLAGS='-C target-feature=+crt-static' cargo build --release --target
# x86_64-unknown-linux-gnu`), which saves the dynamic loader's work in every process.
# LINK=dynamic measures plain `cargo build --release` instead.
#
# Usage: tests/bench/modprobe.sh [RUNS]   (default 5; installs what's missing, fetches the kernel)
# Environment: MODPROBE, MODINFO: the binaries to measure (default: built as above); LINK=static
# (default) or dynamic.
set -euo pipefail
# shellcheck source=tests/lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"
RUNS=${1:-5}
LINK=${LINK:-static}

ensure_packages
case $LINK in
    static) OUR_DIR=$STATIC_DIR BUILD=cargo_static ;;
    dynamic) OUR_DIR=$RELEASE_DIR BUILD=cargo_release ;;
    *) die "LINK must be static or dynamic, not $LINK" ;;
esac
OURS=$(our_tool MODPROBE "$OUR_DIR/modprobe" "$BUILD" modprobe)
KMOD=$(command -v kmod) || die "kmod not found"
make_scratch modprobe-bench
mkdir -p "$SCR/empty.d"
tool_links "$SCR/kbin" "$KMOD" modprobe depmod modinfo
KMP=$SCR/kbin/modprobe

prepare_kernel 6.1
T=$SCR/tree
M=$T/lib/modules/$KVER
tree_copy "$T"
log "kmod's depmod -b (indexes for both)"
"$SCR/kbin/depmod" -b "$T" "$KVER"

# 200 queries: 100 names (every 40th of modules.order; every 4th with '-'
# and '_' swapped), 100 aliases (every 262nd pattern, instantiated with '*' as
# nothing and '?' as 0: tests/lib/aliases.sh).
{
    awk 'NR % 40 == 1 && k < 100 { b = $0; sub(/.*\//, "", b); sub(/\.ko.*$/, "", b)
                        if (++k % 4 == 0) { if (b ~ /-/) gsub(/-/, "_", b); else gsub(/_/, "-", b) }
                        print b }' "$M/modules.order"
    n=$(($(grep -c '^alias ' "$M/modules.alias") / 100))
    awk -v n="$n" '/^alias / && ++k % n == 0 { print $2 }' "$M/modules.alias" | instantiate '' 0 100
} >"$SCR/q200"
n=$(($(grep -c '^alias ' "$M/modules.alias") / 3000))
awk -v n="$n" '/^alias / && ++k % n == 0 { print $2 }' "$M/modules.alias" | instantiate '' 0 3000 >"$SCR/q3000"
log "$(wc -l <"$SCR/q200") queries for the separate processes, $(wc -l <"$SCR/q3000") for -a -D"

# The separate processes are timed one by one, kmod's and ours in turn for each query (which of
# the two goes first alternates), so that the load of this shared machine, which drifts over
# seconds, weighs on both alike. $EPOCHREALTIME (bash 5) reads the clock without a process.
usec() { echo "${EPOCHREALTIME//[!0-9]/}"; }
# mp TOOL Q, mi TOOL Q: one process.
mp() { "$1" -C "$SCR/empty.d" -d "$T" -S "$KVER" --show-depends "$2"; }
mi() { "$1" -b "$T" -k "$KVER" "$2"; }
# pairs KIND KTOOL OTOOL NAME: KIND (mp or mi) for each of the 200 queries with kmod's tool and
# with ours; appends each side's total seconds to $SCR/NAME.k and NAME.o, and writes the
# outputs (stdout and stderr) to $SCR/out.NAME.k and out.NAME.o.
pairs() {
    local kind=$1 name=$4 q t0 t1 t2 a b first=k
    local -A tool=([k]=$2 [o]=$3) fd=([k]=3 [o]=4) sum=([k]=0 [o]=0)
    exec 3>"$SCR/out.$name.k" 4>"$SCR/out.$name.o"
    while IFS= read -r q; do
        a=$first
        if [ "$a" = k ]; then b=o; else b=k; fi
        t0=${EPOCHREALTIME//[!0-9]/}
        "$kind" "${tool[$a]}" "$q" 1>&"${fd[$a]}" 2>&"${fd[$a]}" || true
        t1=${EPOCHREALTIME//[!0-9]/}
        "$kind" "${tool[$b]}" "$q" 1>&"${fd[$b]}" 2>&"${fd[$b]}" || true
        t2=${EPOCHREALTIME//[!0-9]/}
        sum[$a]=$((sum[$a] + t1 - t0)) sum[$b]=$((sum[$b] + t2 - t1)) first=$b
    done <"$SCR/q200"
    exec 3>&- 4>&-
    awk -v s="${sum[k]}" 'BEGIN { printf "%.3f\n", s / 1e6 }' >>"$SCR/$name.k"
    awk -v s="${sum[o]}" 'BEGIN { printf "%.3f\n", s / 1e6 }' >>"$SCR/$name.o"
}
# batch TOOL OUT: one -a -D process; prints seconds.
batch() {
    local t0 t1
    mapfile -t qs <"$SCR/q3000"
    t0=$(usec)
    "$1" -C "$SCR/empty.d" -d "$T" -S "$KVER" -a -D "${qs[@]}" >"$2" 2>&1 || true
    t1=$(usec)
    awk -v s=$((t1 - t0)) 'BEGIN { printf "%.3f\n", s / 1e6 }'
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

OURS_MI=$(our_tool MODINFO "$OUR_DIR/modinfo" "$BUILD" modinfo)
KMI=$SCR/kbin/modinfo

# Warm up (page cache, both binaries).
pairs mp "$KMP" "$OURS" warm
pairs mi "$KMI" "$OURS_MI" warm
for _ in $(seq "$RUNS"); do
    pairs mp "$KMP" "$OURS" loop
    batch "$KMP" "$SCR/out.batch.k" >>"$SCR/batch.k"
    batch "$OURS" "$SCR/out.batch.o" >>"$SCR/batch.o"
    pairs mi "$KMI" "$OURS_MI" mi
done
for w in loop batch mi; do
    if cmp -s "$SCR/out.$w.k" "$SCR/out.$w.o"; then
        echo "($w: same output, $(wc -l <"$SCR/out.$w.o") lines)"
    else
        echo "($w: OUTPUT DIFFERS: kmod $(wc -l <"$SCR/out.$w.k") lines, ours $(wc -l <"$SCR/out.$w.o"))"
    fi
done

printf '%-42s %10s %10s %8s\n' "$KVER, median of $RUNS, ours $LINK" kmod_s ours_s ratio
row() { # LABEL KFILE OFILE
    awk -v l="$1" -v k="$(median <"$2")" -v o="$(median <"$3")" 'BEGIN {
        printf "%-42s %10.3f %10.3f %8.2f\n", l, k, o, o / k }'
}
row "200 x modprobe --show-depends (processes)" "$SCR/loop.k" "$SCR/loop.o"
row "modprobe -a -D over 3000 aliases" "$SCR/batch.k" "$SCR/batch.o"
row "200 x modinfo (processes)" "$SCR/mi.k" "$SCR/mi.o"
