#!/usr/bin/env bash
# depmod side by side with Debian's kmod depmod, on Debian's 6.1 (plain .ko) and 6.12 (.ko.xz)
# module trees: wall time (median of RUNS runs each, alternating) and peak RSS, and the ratio
# ours/kmod. A benchmark, not a test: it asserts nothing about speed (these machines are shared
# and noisy); it prints the figures the README quotes.
#
# Usage: tests/bench/depmod.sh [RUNS]   (default 5; installs what's missing, fetches the kernels)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../vm/harness.sh"
RUNS=${1:-5}

ensure_packages
[ -x /usr/bin/time ] || { apt_update_once; apt-get install -y -qq time >&2; }
log "building depmod (release)"
(cd "$ROOT" && cargo build --release --quiet -p depmod)
OURS=$ROOT/target/release/depmod
KMOD=$(command -v depmod)
SCRATCH=$(mktemp -d /tmp/depmod-bench.XXXXXX)
trap 'rm -rf "$SCRATCH"' EXIT

# one_run TOOL ROOT VERSION: prints "seconds max_rss_kib"
one_run() {
    /usr/bin/time -f '%e %M' -o "$SCRATCH/time" "$1" -b "$2" "$3" 2>/dev/null >/dev/null
    cat "$SCRATCH/time"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

printf '%-8s %-6s %10s %10s %12s %12s %8s\n' kernel files kmod_s ours_s kmod_rss_MiB ours_rss_MiB ratio
for series in 6.1 6.12; do
    prepare_kernel "$series"
    tree=$KDIR/lib/modules/$KVER
    count=$(find "$tree/kernel" -name '*.ko*' | wc -l)
    for who in kmod ours; do
        mkdir -p "$SCRATCH/$who/lib/modules"
        rm -rf "${SCRATCH:?}/$who/lib/modules/$KVER"
        cp -al "$tree" "$SCRATCH/$who/lib/modules/"
    done
    # Warm the page cache so both read from memory.
    cat $(find "$tree/kernel" -name '*.ko*') >/dev/null
    : >"$SCRATCH/kmod.runs"
    : >"$SCRATCH/ours.runs"
    for _ in $(seq "$RUNS"); do
        one_run "$KMOD" "$SCRATCH/kmod" "$KVER" >>"$SCRATCH/kmod.runs"
        one_run "$OURS" "$SCRATCH/ours" "$KVER" >>"$SCRATCH/ours.runs"
    done
    k=$(cut -d' ' -f1 "$SCRATCH/kmod.runs" | median)
    o=$(cut -d' ' -f1 "$SCRATCH/ours.runs" | median)
    km=$(cut -d' ' -f2 "$SCRATCH/kmod.runs" | sort -n | tail -1)
    om=$(cut -d' ' -f2 "$SCRATCH/ours.runs" | sort -n | tail -1)
    awk -v s="$series" -v c="$count" -v k="$k" -v o="$o" -v km="$km" -v om="$om" 'BEGIN {
        printf "%-8s %-6s %10s %10s %12.1f %12.1f %8.2f\n", s, c, k, o, km / 1024, om / 1024, o / k }'
done
