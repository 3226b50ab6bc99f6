#!/usr/bin/env bash
# depmod side by side with Debian's kmod depmod, on Debian's 6.1 (plain .ko) and 6.12 (.ko.xz)
# module trees: wall time (median of RUNS runs each, alternating), CPU time (user + system,
# median; steadier than wall time on a loaded machine, but ours runs on every core) and peak RSS
# (largest), and the ratios ours/kmod. A benchmark, not a test: it asserts nothing about speed
# (these machines are shared and noisy); it prints the figures the README quotes.
#
# Usage: tests/bench/depmod.sh [RUNS]   (default 5; installs what's missing, fetches the kernels)
set -euo pipefail
# shellcheck source=tests/lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"
RUNS=${1:-5}

ensure_packages
install_missing /usr/bin/time=time
cargo_release depmod
OURS=$RELEASE_DIR/depmod
KMOD=$(command -v depmod)
make_scratch depmod-bench

# one_run TOOL ROOT VERSION: prints "seconds max_rss_kib cpu_seconds"
one_run() {
    /usr/bin/time -f '%e %M %U %S' -o "$SCR/time" "$1" -b "$2" "$3" 2>/dev/null >/dev/null
    awk '{ printf "%s %s %.2f\n", $1, $2, $3 + $4 }' "$SCR/time"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

printf '%-8s %-6s %8s %8s %6s %9s %9s %6s %12s %12s %6s\n' kernel files kmod_s ours_s ratio \
    kmod_cpu ours_cpu ratio kmod_rss_MiB ours_rss_MiB ratio
for series in 6.1 6.12; do
    prepare_kernel "$series"
    tree=$KDIR/lib/modules/$KVER
    count=$(find "$tree/kernel" -name '*.ko*' | wc -l)
    for who in kmod ours; do
        tree_copy "$SCR/$who"
    done
    # Warm the page cache so both read from memory.
    find "$tree/kernel" -name '*.ko*' -exec cat {} + >/dev/null
    : >"$SCR/kmod.runs"
    : >"$SCR/ours.runs"
    for _ in $(seq "$RUNS"); do
        one_run "$KMOD" "$SCR/kmod" "$KVER" >>"$SCR/kmod.runs"
        one_run "$OURS" "$SCR/ours" "$KVER" >>"$SCR/ours.runs"
    done
    k=$(cut -d' ' -f1 "$SCR/kmod.runs" | median)
    o=$(cut -d' ' -f1 "$SCR/ours.runs" | median)
    km=$(cut -d' ' -f2 "$SCR/kmod.runs" | sort -n | tail -1)
    om=$(cut -d' ' -f2 "$SCR/ours.runs" | sort -n | tail -1)
    kc=$(cut -d' ' -f3 "$SCR/kmod.runs" | median)
    oc=$(cut -d' ' -f3 "$SCR/ours.runs" | median)
    awk -v s="$series" -v c="$count" -v k="$k" -v o="$o" -v km="$km" -v om="$om" \
        -v kc="$kc" -v oc="$oc" 'BEGIN {
        printf "%-8s %-6s %8s %8s %6.2f %9s %9s %6.2f %12.1f %12.1f %6.2f\n", s, c, k, o, o / k,
            kc, oc, oc / kc, km / 1024, om / 1024, om / km }'
done
