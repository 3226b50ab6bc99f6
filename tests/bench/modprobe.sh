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
source "$(dirname "${BASH_SOURCE[0]}")/../vm/harness.sh"
RUNS=${1:-5}
LINK=${LINK:-static}

ensure_packages
# build_ours PACKAGE: builds our PACKAGE (release, LINK) and prints the binary's path.
build_ours() {
    log "building $1 (release, $LINK)"
    case $LINK in
    static)
        (cd "$ROOT" && RUSTFLAGS='-C target-feature=+crt-static' \
            cargo build --release --quiet --target "$TARGET" -p "$1") >&2
        echo "${CARGO_TARGET_DIR:-$ROOT/target}/$TARGET/release/$1"
        ;;
    dynamic)
        (cd "$ROOT" && cargo build --release --quiet -p "$1") >&2
        echo "${CARGO_TARGET_DIR:-$ROOT/target}/release/$1"
        ;;
    *) die "LINK must be static or dynamic, not $LINK" ;;
    esac
}
if [ -n "${MODPROBE:-}" ]; then
    OURS=$(cd "$(dirname "$MODPROBE")" && pwd)/$(basename "$MODPROBE")
else
    OURS=$(build_ours modprobe)
fi
KMOD=$(command -v kmod) || die "kmod not found"
SCRATCH=$(mktemp -d /tmp/modprobe-bench.XXXXXX)
trap 'rm -rf "$SCRATCH"' EXIT
# kmod picks the tool from argv[0].
mkdir -p "$SCRATCH/kbin" "$SCRATCH/empty.d"
ln -s "$KMOD" "$SCRATCH/kbin/modprobe"
ln -s "$KMOD" "$SCRATCH/kbin/depmod"
KMP=$SCRATCH/kbin/modprobe

prepare_kernel 6.1
T=$SCRATCH/tree
M=$T/lib/modules/$KVER
mkdir -p "$T/lib/modules"
cp -al "$KDIR/lib/modules/$KVER" "$T/lib/modules/"
rm -f "$M"/modules.{dep,alias,softdep,weakdep,symbols,devname} "$M"/modules.*.bin
log "kmod's depmod -b (indexes for both)"
"$SCRATCH/kbin/depmod" -b "$T" "$KVER"

# inst: modules.alias pattern -> a string it matches (* -> "", ? -> 0,
# [class] -> its first character; negated classes skipped).
INST='function inst(p,   r, i, c, j, cls) {
        r = ""
        for (i = 1; i <= length(p); i++) {
            c = substr(p, i, 1)
            if (c == "*") continue
            else if (c == "?") r = r "0"
            else if (c == "[") {
                j = index(substr(p, i + 1), "]")
                if (j < 2) return ""
                cls = substr(p, i + 1, j - 1)
                if (cls ~ /^[!^]/) return ""
                r = r substr(cls, 1, 1)
                i += j
            } else r = r c
        }
        return r
    }'
# 200 queries: 100 names (every 40th of modules.order; every 4th with '-'
# and '_' swapped), 100 aliases (every 262nd pattern).
{
    awk 'NR % 40 == 1 && k < 100 { b = $0; sub(/.*\//, "", b); sub(/\.ko.*$/, "", b)
                        if (++k % 4 == 0) { if (b ~ /-/) gsub(/-/, "_", b); else gsub(/_/, "-", b) }
                        print b }' "$M/modules.order"
    n=$(($(grep -c '^alias ' "$M/modules.alias") / 100))
    awk -v n="$n" -v max=100 "$INST"' /^alias / && ++k % n == 0 && c < max { q = inst($2); if (q != "") { print q; c++ } }' \
        "$M/modules.alias"
} >"$SCRATCH/q200"
n=$(($(grep -c '^alias ' "$M/modules.alias") / 3000))
awk -v n="$n" -v max=3000 "$INST"' /^alias / && ++k % n == 0 && c < max { q = inst($2); if (q != "") { print q; c++ } }' \
    "$M/modules.alias" >"$SCRATCH/q3000"
log "$(wc -l <"$SCRATCH/q200") queries for the separate processes, $(wc -l <"$SCRATCH/q3000") for -a -D"

# The separate processes are timed one by one, kmod's and ours in turn for each query (which of
# the two goes first alternates), so that the load of this shared machine, which drifts over
# seconds, weighs on both alike. $EPOCHREALTIME (bash 5) reads the clock without a process.
usec() { echo "${EPOCHREALTIME//[!0-9]/}"; }
# mp TOOL Q, mi TOOL Q: one process.
mp() { "$1" -C "$SCRATCH/empty.d" -d "$T" -S "$KVER" --show-depends "$2"; }
mi() { "$1" -b "$T" -k "$KVER" "$2"; }
# pairs KIND KTOOL OTOOL NAME: KIND (mp or mi) for each of the 200 queries with kmod's tool and
# with ours; appends each side's total seconds to $SCRATCH/NAME.k and NAME.o, and writes the
# outputs (stdout and stderr) to $SCRATCH/out.NAME.k and out.NAME.o.
pairs() {
    local kind=$1 name=$4 q t0 t1 t2 k=0 o=0 first=k
    exec 3>"$SCRATCH/out.$name.k" 4>"$SCRATCH/out.$name.o"
    while IFS= read -r q; do
        if [ $first = k ]; then
            t0=${EPOCHREALTIME//[!0-9]/}
            "$kind" "$2" "$q" >&3 2>&3 || true
            t1=${EPOCHREALTIME//[!0-9]/}
            "$kind" "$3" "$q" >&4 2>&4 || true
            t2=${EPOCHREALTIME//[!0-9]/}
            k=$((k + t1 - t0)) o=$((o + t2 - t1)) first=o
        else
            t0=${EPOCHREALTIME//[!0-9]/}
            "$kind" "$3" "$q" >&4 2>&4 || true
            t1=${EPOCHREALTIME//[!0-9]/}
            "$kind" "$2" "$q" >&3 2>&3 || true
            t2=${EPOCHREALTIME//[!0-9]/}
            o=$((o + t1 - t0)) k=$((k + t2 - t1)) first=k
        fi
    done <"$SCRATCH/q200"
    exec 3>&- 4>&-
    awk -v s="$k" 'BEGIN { printf "%.3f\n", s / 1e6 }' >>"$SCRATCH/$name.k"
    awk -v s="$o" 'BEGIN { printf "%.3f\n", s / 1e6 }' >>"$SCRATCH/$name.o"
}
# batch TOOL OUT: one -a -D process; prints seconds.
batch() {
    local t0 t1
    mapfile -t qs <"$SCRATCH/q3000"
    t0=$(usec)
    "$1" -C "$SCRATCH/empty.d" -d "$T" -S "$KVER" -a -D "${qs[@]}" >"$2" 2>&1 || true
    t1=$(usec)
    awk -v s=$((t1 - t0)) 'BEGIN { printf "%.3f\n", s / 1e6 }'
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

if [ -n "${MODINFO:-}" ]; then
    OURS_MI=$(cd "$(dirname "$MODINFO")" && pwd)/$(basename "$MODINFO")
else
    OURS_MI=$(build_ours modinfo)
fi
ln -s "$KMOD" "$SCRATCH/kbin/modinfo"
KMI=$SCRATCH/kbin/modinfo

# Warm up (page cache, both binaries).
pairs mp "$KMP" "$OURS" warm
pairs mi "$KMI" "$OURS_MI" warm
for _ in $(seq "$RUNS"); do
    pairs mp "$KMP" "$OURS" loop
    batch "$KMP" "$SCRATCH/out.batch.k" >>"$SCRATCH/batch.k"
    batch "$OURS" "$SCRATCH/out.batch.o" >>"$SCRATCH/batch.o"
    pairs mi "$KMI" "$OURS_MI" mi
done
for w in loop batch mi; do
    if cmp -s "$SCRATCH/out.$w.k" "$SCRATCH/out.$w.o"; then
        echo "($w: same output, $(wc -l <"$SCRATCH/out.$w.o") lines)"
    else
        echo "($w: OUTPUT DIFFERS: kmod $(wc -l <"$SCRATCH/out.$w.k") lines, ours $(wc -l <"$SCRATCH/out.$w.o"))"
    fi
done

printf '%-42s %10s %10s %8s\n' "$KVER, median of $RUNS, ours $LINK" kmod_s ours_s ratio
row() { # LABEL KFILE OFILE
    awk -v l="$1" -v k="$(median <"$2")" -v o="$(median <"$3")" 'BEGIN {
        printf "%-42s %10.3f %10.3f %8.2f\n", l, k, o, o / k }'
}
row "200 x modprobe --show-depends (processes)" "$SCRATCH/loop.k" "$SCRATCH/loop.o"
row "modprobe -a -D over 3000 aliases" "$SCRATCH/batch.k" "$SCRATCH/batch.o"
row "200 x modinfo (processes)" "$SCRATCH/mi.k" "$SCRATCH/mi.o"
