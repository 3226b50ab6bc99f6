#!/usr/bin/env bash
# Our libkmod.so.2 side by side with kmod 34.2's (the Debian 13 root) and kmod 30's (this host's
# library, copied into that root), on Debian's 6.12 module tree indexed by kmod's depmod: one
# program, tests/bench/libkmod-bench.c, run with each library (LD_LIBRARY_PATH) in the Debian 13
# root, an empty fake /sys/module and /proc/modules bound there (nothing loaded), times
#   - one context (kmod_new with the default configuration, kmod_load_resources, as udev and
#     modprobe make theirs) and kmod_module_new_from_lookup of 3000 aliases (every ~N-th
#     pattern of modules.alias, instantiated: tests/lib/aliases.sh);
#   - in the same context, each lookup again and kmod_module_probe_insert_module with
#     KMOD_PROBE_DRY_RUN on every module found (what `modprobe -n` does); `n/a` while our
#     library answers -ENOSYS (its probe is another part of issue 15);
#   - 1000 x kmod_new + kmod_unref;
# the three libraries in turn (the order rotating) RUNS times; the median of each and the
# ratios ours/kmod 34.2 and ours/kmod 30. The lines also say whether each library found the
# same modules and printed the same actions (counts and a hash). Then the size of each library
# and `ldd` of ours. A benchmark, not a test: it asserts nothing about speed.
#
# Usage: tests/bench/libkmod.sh [RUNS]   (default 5; root: a private mount namespace, chroot)
# Environment: MODUTILS_LIBKMOD: the library to measure (default: a release build of the crate).
set -euo pipefail
# shellcheck source=tests/lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"
if [ "${LIBBENCH_IN_NS:-0}" != 1 ]; then
    ns_ready
    exec unshare -m --propagation private env LIBBENCH_IN_NS=1 "$0" "$@"
fi
RUNS=${1:-5}
ensure_packages
CC=$(command -v gcc || command -v gcc-12) || die "no C compiler"
K30_LIB=/lib/x86_64-linux-gnu/libkmod.so.2
[ -f "$K30_LIB" ] || die "no kmod 30 library at $K30_LIB"
ensure_trixie_root
build_libkmod
make_scratch libkmod-bench
mkdir -p "$WORK"
TREES=$(mktemp -d "$WORK/libkmod-bench.XXXXXX")
at_exit remove_scratch "$TREES"
trixie_bind_same "$SCR" "$TREES"
# Nothing loaded: an empty /sys/module and /proc/modules, and this host's /proc/cmdline (every
# kmod_new reads it).
mkdir -p "$SCR/state/sys/module" "$SCR/state/proc"
: >"$SCR/state/proc/modules"
cp /proc/cmdline "$SCR/state/proc/cmdline"
mount --bind "$SCR/state/sys" "$TRIXIE/sys"
at_exit umount "$TRIXIE/sys"
mount --bind "$SCR/state/proc" "$TRIXIE/proc"
at_exit umount "$TRIXIE/proc"

mkdir -p "$SCR/k30" "$SCR/ours"
cp "$K30_LIB" "$SCR/k30/libkmod.so.2"
cp "$LIBKMOD_DIR/libkmod.so.2" "$SCR/ours/libkmod.so.2"
"$CC" -O2 -Wall -Werror -I"$LIBKMOD_INCLUDE" -o "$SCR/bench" "$ROOT/tests/bench/libkmod-bench.c" \
    -L"$LIBKMOD_DIR" -lkmod || die "building libkmod-bench failed"

prepare_kernel 6.12
T=$TREES/tree
M=$T/lib/modules/$KVER
tree_copy "$T"
log "kmod's depmod -b"
depmod -b "$T" "$KVER"
n=$(($(grep -c '^alias ' "$M/modules.alias") / 3000))
awk -v n="$n" '/^alias / && ++k % n == 0 { print $2 }' "$M/modules.alias" | instantiate '' 0 3000 >"$SCR/aliases"
log "$(wc -l <"$SCR/aliases") aliases; kmod 34.2: $(cat "$TRIXIE/.stamp")"

# one LIB: a run of the program with library LIB (k30, k34, ours); appends its times to
# $SCR/LIB.{lookup,probe,new} and its lines to $SCR/LIB.out.
one() {
    local lp= out
    case $1 in k30 | ours) lp=$SCR/$1 ;; esac
    out=$(chroot "$TRIXIE" env LD_LIBRARY_PATH="$lp" "$SCR/bench" "$M" "$SCR/aliases" 1000) ||
        die "the benchmark failed with $1"
    printf '%s\n' "$out" >>"$SCR/$1.out"
    awk '$1 == "lookup" { print $2 }' <<<"$out" >>"$SCR/$1.lookup"
    awk '$1 == "probe" { print $2 }' <<<"$out" >>"$SCR/$1.probe"
    awk '$1 == "new_unref" { print $2 }' <<<"$out" >>"$SCR/$1.new"
}
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "n/a" }'; }

one k34 >/dev/null # warm up (page cache)
libs=(k34 ours k30)
for ((r = 0; r < RUNS; r++)); do
    for ((i = 0; i < 3; i++)); do one "${libs[(r + i) % 3]}"; done
done

for what in lookup probe; do
    for l in k30 k34 ours; do
        printf '(%s %s: %s)\n' "$l" "$what" "$(awk -v w="$what" '$1 == w { if ($2 != "n/a") $2 = "s"; print }' "$SCR/$l.out" | sort -u | tr '\n' ' ')"
    done
done
printf '%-44s %9s %9s %9s %9s %9s\n' "6.12, median of $RUNS (seconds)" kmod30 kmod34 ours o/k34 o/k30
row() { # LABEL KIND
    local k30 k34 ours
    k30=$(median <"$SCR/k30.$2")
    k34=$(median <"$SCR/k34.$2")
    ours=$(median <"$SCR/ours.$2")
    awk -v l="$1" -v a="$k30" -v b="$k34" -v c="$ours" 'BEGIN {
        if (c == "n/a") printf "%-44s %9.4f %9.4f %9s %9s %9s\n", l, a, b, "n/a", "-", "-"
        else printf "%-44s %9.4f %9.4f %9.4f %9.2f %9.2f\n", l, a, b, c, c / b, c / a }'
}
row "3000 lookups (new_from_lookup)" lookup
row "3000 lookups + probe_insert_module dry run" probe
row "1000 x kmod_new + kmod_unref" new
echo
echo "library sizes (bytes):"
printf '  %-10s %10s  %s\n' ours "$(stat -c %s "$SCR/ours/libkmod.so.2")" "$LIBKMOD_DIR/libkmod.so.2"
strip -o "$SCR/stripped.so" "$SCR/ours/libkmod.so.2"
printf '  %-10s %10s  %s\n' "" "$(stat -c %s "$SCR/stripped.so")" "(stripped; xz and zstd decoders linked in, kmod loads liblzma and libzstd)"
printf '  %-10s %10s  %s\n' kmod34 "$(stat -L -c %s "$TRIXIE/usr/lib/x86_64-linux-gnu/libkmod.so.2")" "(Debian 13)"
printf '  %-10s %10s  %s\n' kmod30 "$(stat -L -c %s "$K30_LIB")" "(Debian 12)"
echo "ldd of ours (this host):"
ldd "$SCR/ours/libkmod.so.2" | sed 's/ (0x[0-9a-f]*)//; s/^/  /'
