#!/usr/bin/env bash
# modprobe with a large modprobe.d configuration, side by side with Debian's kmod 30 (issue 16,
# "modprobe.d at any size"), on Debian's 6.1 module tree indexed by kmod's depmod (the same
# indexes for both). The configuration is generated: LINES lines (default 100000) for made-up
# modules gen_mod_N (a quarter of them spelt gen-mod-N): `options`, `alias` (literal names
# and pci: wildcard patterns, for a handful of real modules), `blacklist`, `softdep`, `install`
# and `remove` lines, then a few lines for the queried modules at the very end (a linear scan
# has to go through everything before finding them). Measured, each a single process, the
# median of RUNS runs, kmod's and ours in turn:
#   - `modprobe -D MODULE` (a real module with dependencies) and `modprobe -D ALIAS` (a
#     configured alias of a real module) with an empty configuration (-C of an empty
#     directory) and with the big one; ours keeps the big one parsed in its cache (common's
#     config/modprobe/cache.rs, here in the scratch directory), so `-D MODULE` is also measured
#     without the cache (MODUTILS_MODPROBE_CACHE empty) and writing it (the cache file removed
#     before each run of ours);
#   - `modprobe -a -D` over NAMES real module names (default 1000, spread over modules.order):
#     one process making thousands of lookups (each name, and each of its dependencies: aliases,
#     options, softdeps, install commands, blacklist), where a linear scan per lookup shows
#     (ours before issue 16 took minutes);
#   - `modprobe -c` with a tenth of the lines and with all of them: it prints in reading order,
#     so its time should grow about linearly (the 1/10 ratio near 10; the index dump of the
#     tree's modules.alias.bin is the same in both).
# Then the ratios: ours / kmod per row, and ours with the big configuration / ours with the
# empty one (issue 16's target: within 2x). A benchmark, not a test: it asserts nothing about
# speed, only reports whether both print the same.
#
# Our modprobe is built as shipped (statically linked, see tests/bench/modprobe.sh);
# LINK=dynamic measures plain `cargo build --release` instead.
#
# Usage: tests/bench/modprobe-config.sh [RUNS] [LINES] [NAMES]   (defaults 5, 100000, 1000)
# Environment: MODPROBE: the binary to measure (default: built as above); LINK=static (default)
# or dynamic.
set -euo pipefail
# shellcheck source=tests/lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"
RUNS=${1:-5}
LINES=${2:-100000}
NAMES=${3:-1000}
LINK=${LINK:-static}

ensure_packages
case $LINK in
    static) OUR_DIR=$STATIC_DIR BUILD=cargo_static ;;
    dynamic) OUR_DIR=$RELEASE_DIR BUILD=cargo_release ;;
    *) die "LINK must be static or dynamic, not $LINK" ;;
esac
OURS=$(our_tool MODPROBE "$OUR_DIR/modprobe" "$BUILD" modprobe)
KMOD=$(command -v kmod) || die "kmod not found"
make_scratch modprobe-config-bench "$WORK"
tool_links "$SCR/kbin" "$KMOD" modprobe depmod
KMP=$SCR/kbin/modprobe

prepare_kernel 6.1
T=$SCR/tree
M=$T/lib/modules/$KVER
tree_copy "$T"
log "kmod's depmod -b (indexes for both)"
"$SCR/kbin/depmod" -b "$T" "$KVER"

# The queried module (ext4: a few dependencies) and eight real modules the generated aliases
# point to (every 400th of modules.order).
QMOD=ext4
grep -q "/$QMOD\.ko" "$M/modules.order" || die "no $QMOD in $M/modules.order"
mapfile -t REAL < <(awk 'NR % 400 == 1 && k++ < 8 { sub(/.*\//, ""); sub(/\.ko.*$/, ""); print }' \
    "$M/modules.order")
QALIAS=gen-alias-q
n=$(($(wc -l <"$M/modules.order") / NAMES))
mapfile -t QNAMES < <(awk -v n="$((n > 0 ? n : 1))" -v max="$NAMES" 'NR % n == 0 && k++ < max {
    sub(/.*\//, ""); sub(/\.ko.*$/, ""); print }' "$M/modules.order")

# gen N: N generated lines, then the queried modules' own lines.
gen() {
    awk -v n="$1" -v real="${REAL[*]}" -v q="$QMOD" -v qa="$QALIAS" 'BEGIN {
        nr = split(real, r, " ")
        for (i = 1; i <= n; i++) {
            m = (i % 4 == 0) ? "gen-mod-" i : "gen_mod_" i
            k = i % 20
            if (k < 5) printf "options %s p%d=%d x=y\n", m, i % 7, i
            else if (k < 7) printf "alias gen-alias-%d %s\n", i, r[i % nr + 1]
            else if (k < 9) printf "alias pci:v%08Xd%08Xsv*sd*bc*sc*i* %s\n", i, i * 7, r[i % nr + 1]
            else if (k < 12) printf "blacklist %s\n", m
            else if (k < 15) printf "softdep %s pre: gen_pre_%d post: gen_post_%d\n", m, i, i
            else if (k < 18) printf "install %s /sbin/modprobe --ignore-install %s $CMDLINE_OPTS\n", m, m
            else printf "remove %s /sbin/modprobe -r --ignore-remove %s\n", m, m
        }
        printf "options %s gen_opt=1\n", q
        printf "alias %s %s\n", qa, q
        printf "options %s via_alias=1\n", qa
    }'
}
mkdir -p "$SCR/empty.d" "$SCR/big.d" "$SCR/tenth.d"
gen "$LINES" >"$SCR/big.d/gen.conf"
gen "$((LINES / 10))" >"$SCR/tenth.d/gen.conf"
# The empty configuration still needs the alias for the alias query.
printf 'alias %s %s\n' "$QALIAS" "$QMOD" >"$SCR/empty.d/q.conf"
sleep 0.2 # past the cache's window for files changed just now
log "$(wc -l <"$SCR/big.d/gen.conf") and $(wc -l <"$SCR/tenth.d/gen.conf") lines ($(du -h "$SCR/big.d/gen.conf" | cut -f1))"

usec() { echo "${EPOCHREALTIME//[!0-9]/}"; }
# one NAME CONF ARGS...: kmod's and ours (which first alternates with the run) on
# `-C CONF -d T -S KVER ARGS`; appends each side's seconds to $SCR/NAME.k and NAME.o and
# writes the outputs to $SCR/out.NAME.k and .o.
# Ours keeps a large configuration parsed in MODUTILS_MODPROBE_CACHE (common's
# config/modprobe/cache.rs); here in the scratch directory, not /run. OURS_ENV (for one case)
# adds to ours's environment; PRE_OURS (a command, for one case) runs before ours, untimed.
export MODUTILS_MODPROBE_CACHE=$SCR/cache
OURS_ENV=()
PRE_OURS=:
FIRST=k
one() {
    local name=$1 conf=$2 side t0 t1
    shift 2
    local -A tool=([k]=$KMP [o]=$OURS)
    local sides=(k o)
    [ "$FIRST" = k ] || sides=(o k)
    for side in "${sides[@]}"; do
        if [ "$side" = o ]; then $PRE_OURS; fi
        t0=$(usec)
        if [ "$side" = o ]; then
            env "${OURS_ENV[@]}" "$OURS" -C "$conf" -d "$T" -S "$KVER" "$@" \
                >"$SCR/out.$name.o" 2>&1 || true
        else
            "$KMP" -C "$conf" -d "$T" -S "$KVER" "$@" >"$SCR/out.$name.k" 2>&1 || true
        fi
        t1=$(usec)
        awk -v s=$((t1 - t0)) 'BEGIN { printf "%.4f\n", s / 1e6 }' >>"$SCR/$name.$side"
    done
}
drop_cache() { rm -f "$SCR"/cache/*.cache; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

CASES=(mod-empty mod-big mod-nocache mod-write alias-empty alias-big many-empty many-big c-tenth
    c-big)
run_all() {
    one mod-empty "$SCR/empty.d" -D "$QMOD"
    one mod-big "$SCR/big.d" -D "$QMOD"
    OURS_ENV=(MODUTILS_MODPROBE_CACHE=)
    one mod-nocache "$SCR/big.d" -D "$QMOD"
    OURS_ENV=()
    PRE_OURS=drop_cache
    one mod-write "$SCR/big.d" -D "$QMOD"
    PRE_OURS=:
    one alias-empty "$SCR/empty.d" -D "$QALIAS"
    one alias-big "$SCR/big.d" -D "$QALIAS"
    one many-empty "$SCR/empty.d" -a -D "${QNAMES[@]}"
    one many-big "$SCR/big.d" -a -D "${QNAMES[@]}"
    one c-tenth "$SCR/tenth.d" -c
    one c-big "$SCR/big.d" -c
}
run_all # warm up (page cache, both binaries)
for c in "${CASES[@]}"; do rm -f "$SCR/$c.k" "$SCR/$c.o"; done
for _ in $(seq "$RUNS"); do
    run_all
    if [ "$FIRST" = k ]; then FIRST=o; else FIRST=k; fi
done
for c in "${CASES[@]}"; do
    if cmp -s "$SCR/out.$c.k" "$SCR/out.$c.o"; then
        echo "($c: same output, $(wc -l <"$SCR/out.$c.o") lines)"
    else
        echo "($c: OUTPUT DIFFERS: kmod $(wc -l <"$SCR/out.$c.k") lines, ours $(wc -l <"$SCR/out.$c.o"))"
    fi
done

printf '%-50s %10s %10s %8s\n' "$KVER, $LINES lines, median of $RUNS, $LINK" kmod_s ours_s ratio
row() { # LABEL CASE
    awk -v l="$1" -v k="$(median <"$SCR/$2.k")" -v o="$(median <"$SCR/$2.o")" 'BEGIN {
        printf "%-50s %10.4f %10.4f %8.2f\n", l, k, o, o / k }'
}
row "modprobe -D $QMOD, empty configuration" mod-empty
row "modprobe -D $QMOD, $LINES lines" mod-big
row "modprobe -D $QMOD, $LINES lines, ours without cache" mod-nocache
row "modprobe -D $QMOD, $LINES lines, ours writing cache" mod-write
row "modprobe -D $QALIAS, empty configuration" alias-empty
row "modprobe -D $QALIAS, $LINES lines" alias-big
row "modprobe -a -D ${#QNAMES[@]} names, empty configuration" many-empty
row "modprobe -a -D ${#QNAMES[@]} names, $LINES lines" many-big
row "modprobe -c, $((LINES / 10)) lines" c-tenth
row "modprobe -c, $LINES lines" c-big
# scale LABEL BIG SMALL: each side's median of BIG over its median of SMALL.
scale() {
    awk -v l="$1" -v kb="$(median <"$SCR/$2.k")" -v ks="$(median <"$SCR/$3.k")" \
        -v ob="$(median <"$SCR/$2.o")" -v os="$(median <"$SCR/$3.o")" 'BEGIN {
        printf "%-50s %10.2f %10.2f\n", l, kb / ks, ob / os }'
}
printf '%-50s %10s %10s\n' "growth (big / small, same tool)" kmod ours
scale "-D $QMOD: $LINES lines / empty" mod-big mod-empty
scale "-D $QMOD: $LINES lines, no cache / empty" mod-nocache mod-empty
scale "-D $QMOD: $LINES lines, writing / empty" mod-write mod-empty
scale "-D $QALIAS: $LINES lines / empty" alias-big alias-empty
scale "-a -D ${#QNAMES[@]} names: $LINES lines / empty" many-big many-empty
scale "-c: $LINES / $((LINES / 10)) lines" c-big c-tenth
