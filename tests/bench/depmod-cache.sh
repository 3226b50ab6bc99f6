#!/usr/bin/env bash
# depmod's module cache (docs/depmod-cache.md) against kmod's full run, on Debian's 6.12 tree
# (.ko.xz; or 6.1, plain .ko): wall time (median of RUNS runs each, the cases interleaved) and
# peak RSS of
#   kmod        Debian 12's kmod depmod (a full run; it has no cache)
#   no-cache    ours with --no-cache (a full run)
#   empty       ours with the cache on and no cache file (a full run that writes the cache)
#   unchanged   ours again, nothing changed (every module from the cache)
#   1-changed   ours after one module changed (touch; the run reads it and rewrites the cache)
#   100-changed ours after 100 modules changed
# and each one's ratios to kmod's (time, peak RSS). A benchmark, not a test: it asserts nothing
# about speed (these machines are shared and noisy). Each change is made 2.2 s before the run it
# is measured by, so the changed modules are stored (files changed within 2 s of a run are read
# but not cached).
#
# Usage: tests/bench/depmod-cache.sh [RUNS] [6.12|6.1]   (default 5, 6.12)
set -euo pipefail
# shellcheck source=tests/lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"
RUNS=${1:-5}
BENCH_SERIES=${2:-6.12}

ensure_packages
install_missing /usr/bin/time=time
cargo_release depmod
OURS=$RELEASE_DIR/depmod
KMOD=$(command -v depmod)
make_scratch depmod-cache-bench "$WORK"
prepare_kernel "$BENCH_SERIES"
tree_copy "$SCR/kmod"
# Ours: a real copy. The cache keys modules by inode status-change time, which any hard link
# made to the shared cached tree (another test's tree_copy) would change.
mkdir -p "$SCR/ours/lib/modules"
cp -a "$KDIR/lib/modules/$KVER" "$SCR/ours/lib/modules/"
M=$SCR/ours/lib/modules/$KVER
for f in "$M"/modules.*; do
    case "${f##*/}" in modules.order | modules.builtin | modules.builtin.modinfo) ;; *) rm -f "$f" ;; esac
done
mapfile -t MODS < <(cd "$M" && find kernel -name '*.ko*' | LC_ALL=C sort)
log "$BENCH_SERIES: ${#MODS[@]} modules; $RUNS runs of each case"
cat "${MODS[@]/#/$M/}" >/dev/null # page cache warm
sleep 2.2

# one_run CASE TOOL ARGS...: appends "seconds max_rss_kib" to $SCR/CASE.runs.
one_run() {
    local c=$1
    shift
    /usr/bin/time -f '%e %M' -o "$SCR/time" "$@" >/dev/null 2>"$SCR/err" ||
        { cat "$SCR/err" >&2; die "$c: $* failed"; }
    cat "$SCR/time" >>"$SCR/$c.runs"
}

# change N: touches N modules (a different set each time).
NEXT=0
change() {
    local i
    for ((i = 0; i < $1; i++)); do
        touch "$M/${MODS[NEXT % ${#MODS[@]}]}"
        NEXT=$((NEXT + 7))
    done
    sleep 2.2
}

CASES=(kmod no-cache empty unchanged 1-changed 100-changed)
for c in "${CASES[@]}"; do : >"$SCR/$c.runs"; done
export MODUTILS_DEPMOD_CACHE=1 # the tree is under -b: create the cache there
for r in $(seq "$RUNS"); do
    log "run $r"
    one_run kmod "$KMOD" -b "$SCR/kmod" "$KVER"
    one_run no-cache "$OURS" --no-cache -b "$SCR/ours" "$KVER"
    rm -f "$M/modules.cache.bin"
    one_run empty "$OURS" -b "$SCR/ours" "$KVER"
    one_run unchanged "$OURS" -b "$SCR/ours" "$KVER"
    change 1
    one_run 1-changed "$OURS" -b "$SCR/ours" "$KVER"
    change 100
    one_run 100-changed "$OURS" -b "$SCR/ours" "$KVER"
done

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
k=$(cut -d' ' -f1 "$SCR/kmod.runs" | median)
km=$(cut -d' ' -f2 "$SCR/kmod.runs" | sort -n | tail -1)
printf '%s, %s modules, median of %s runs; cache file %s bytes\n' "$KVER" "${#MODS[@]}" "$RUNS" \
    "$(stat -c %s "$M/modules.cache.bin")"
printf '%-12s %9s %12s %9s %9s\n' case seconds peak_RSS_MiB ratio rss_ratio
for c in "${CASES[@]}"; do
    s=$(cut -d' ' -f1 "$SCR/$c.runs" | median)
    m=$(cut -d' ' -f2 "$SCR/$c.runs" | sort -n | tail -1)
    awk -v c="$c" -v s="$s" -v m="$m" -v k="$k" -v km="$km" 'BEGIN {
        printf "%-12s %9.3f %12.1f %9.4f %9.2f\n", c, s, m / 1024, s / k, m / km }'
done
