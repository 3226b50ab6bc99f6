#!/usr/bin/env bash
# depmod never leaves a half-written index: our depmod on a copy of Debian's 6.1 tree whose
# contents alternate between two states (A: the whole tree; B: without mii.ko and dummy.ko, which
# changes modules.dep, .alias, .symbols and their .bin files), killed with SIGKILL at random
# moments (tests/robust/killer.pl: a third at any time, the rest while it writes its files).
# After every kill each index file must be byte-identical to A's or to B's complete file (the
# state before or after the run). Then:
#   - two depmods at once, several times: both exit 0 and leave the state's files;
#   - symlinks planted at every temporary name a depmod will try first
#     (.<file>.<pid>.tmp, the pid known in advance by exec'ing from a subshell), pointing at a
#     victim file and at a missing one: depmod exits 0 with the right files, the victim is
#     unchanged, nothing is created through the dangling link, the links are still there;
#   - the temporary files killed runs left behind: counted, and a full run after them works.
#
# Prints the figures and PASS/FAIL per check; exits 1 if a check failed, 2 if the setup failed.
#
# Usage: tests/robust/atomic.sh [ITERATIONS]     (default 80; about a minute)
# Environment: SEED (default 1), MODUTILS_CACHE (see tests/lib/lib.sh); DEPMOD: the depmod
# to test (default: `cargo build --release -p depmod`, target/release/depmod).
set -euo pipefail

# shellcheck source=tests/lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"
CHECK_LINES=30
KILLER=$ROOT/tests/robust/killer.pl
ITER=${1:-80}
SEED=${SEED:-1}

ensure_packages
command -v perl >/dev/null || die "perl not found"
DEPMOD=$(our_tool DEPMOD "$RELEASE_DIR/depmod" cargo_release depmod)

prepare_kernel 6.1
make_scratch robust-atomic
T=$SCR/tree
M=$T/lib/modules/$KVER
mkdir -p "$SCR/aside"
tree_copy "$T"
TOGGLED=(kernel/drivers/net/mii.ko kernel/drivers/net/dummy.ko)
FILES=(modules.dep modules.dep.bin modules.alias modules.alias.bin modules.softdep modules.symbols
    modules.symbols.bin modules.builtin.bin modules.builtin.alias.bin modules.devname)

STATE=A
to_state() { # A | B
    local f
    for f in "${TOGGLED[@]}"; do
        if [ "$1" = B ] && [ -e "$M/$f" ]; then mv "$M/$f" "$SCR/aside/${f//\//_}"; fi
        if [ "$1" = A ] && [ -e "$SCR/aside/${f//\//_}" ]; then mv "$SCR/aside/${f//\//_}" "$M/$f"; fi
    done
    STATE=$1
}

# The reference files of each state, from complete runs (timed, for the kill delays).
for s in A B; do
    to_state "$s"
    start=$(date +%s%N)
    "$DEPMOD" -b "$T" "$KVER" || die "depmod on state $s failed"
    ms=$((($(date +%s%N) - start) / 1000000))
    mkdir -p "$SCR/ref-$s"
    for f in "${FILES[@]}"; do cp "$M/$f" "$SCR/ref-$s/"; done
    log "state $s: a complete run takes $ms ms"
done
FULL_MS=$ms
differ=0
for f in "${FILES[@]}"; do cmp -s "$SCR/ref-A/$f" "$SCR/ref-B/$f" || differ=$((differ + 1)); done
log "$differ of the ${#FILES[@]} index files differ between states A and B"
[ "$differ" -ge 6 ] || die "the two states should differ in at least 6 files"

# consistent: every index file is A's or B's; counts how many are each into NA / NB.
NA=0 NB=0
consistent() {
    local f bad=0
    NA=0 NB=0
    for f in "${FILES[@]}"; do
        if [ ! -e "$M/$f" ]; then
            echo "$f is missing"
            bad=1
        elif cmp -s "$M/$f" "$SCR/ref-A/$f"; then
            cmp -s "$M/$f" "$SCR/ref-B/$f" || NA=$((NA + 1))
        elif cmp -s "$M/$f" "$SCR/ref-B/$f"; then
            NB=$((NB + 1))
        else
            echo "$f is neither state's file ($(stat -c %s "$M/$f") bytes; A $(stat -c %s "$SCR/ref-A/$f"), B $(stat -c %s "$SCR/ref-B/$f"))"
            cp "$M/$f" "$SCR/bad-$f"
            bad=1
        fi
    done
    return $bad
}

leftovers() { find "$M" -maxdepth 1 -name '.modules.*.tmp' | wc -l; }

# ------------------------------------------------------------------ kills
log "$ITER runs killed at random moments"
killed=0 finished=0 mixed=0 inconsistent=0
for i in $(seq "$ITER"); do
    if [ "$STATE" = A ]; then to_state B; else to_state A; fi
    if [ $((i % 3)) = 0 ]; then
        mode=any max=$((FULL_MS * 5 / 4))
    else
        mode=write max=40
    fi
    r=$(perl "$KILLER" "$SEED$i" "$mode" "$max" "$M" "$DEPMOD" -b "$T" "$KVER")
    case $r in
        killed) killed=$((killed + 1)) ;;
        "finished 0") finished=$((finished + 1)) ;;
        *) echo "run $i: depmod $r:"; sed 's/^/    | /' "$SCR/tree/lib/modules/killer.out" | head; inconsistent=$((inconsistent + 1)) ;;
    esac
    if consistent >"$SCR/c.out"; then
        if [ "$NA" != 0 ] && [ "$NB" != 0 ]; then mixed=$((mixed + 1)); fi
    else
        echo "after run $i ($r, mode $mode):"
        sed 's/^/    /' "$SCR/c.out"
        inconsistent=$((inconsistent + 1))
    fi
done
left=$(leftovers)
echo "kills: $ITER runs, $killed killed, $finished finished first; $mixed left some files of each state; $inconsistent inconsistent; $left temporary files left behind"
check_kills() {
    echo "NOTE: $killed killed ($mixed mid-way through the files), $finished finished first, $left temporary files left"
    [ "$inconsistent" = 0 ]
}
check "SIGKILL at random moments: every index file is the complete old or new one" check_kills

# A complete run after the kills: it copes with the leftovers (which stay: nothing removes
# another run's files).
complete_run() {
    "$DEPMOD" -b "$T" "$KVER" || { echo "depmod failed"; return 1; }
    consistent || return 1
    [ "$NB" = 0 ] || [ "$STATE" = B ] || { echo "state A but $NB files of B"; return 1; }
    [ "$NA" = 0 ] || [ "$STATE" = A ] || { echo "state B but $NA files of A"; return 1; }
    echo "NOTE: $(leftovers) temporary files of killed runs still there"
}
check "a complete run after the kills writes state $STATE's files" complete_run

# ------------------------------------------------------------------ two at once
two_at_once() {
    local i p1 p2 rc1 rc2 bad=0
    for i in $(seq 8); do
        if [ "$STATE" = A ]; then to_state B; else to_state A; fi
        "$DEPMOD" -b "$T" "$KVER" >"$SCR/d1.out" 2>&1 &
        p1=$!
        sleep "0.0$((i * 7 % 10))"
        "$DEPMOD" -b "$T" "$KVER" >"$SCR/d2.out" 2>&1 &
        p2=$!
        rc1=0 rc2=0
        wait "$p1" || rc1=$?
        wait "$p2" || rc2=$?
        if [ "$rc1" != 0 ] || [ "$rc2" != 0 ]; then
            echo "round $i: exit statuses $rc1 $rc2"
            cat "$SCR/d1.out" "$SCR/d2.out"
            bad=1
        fi
        consistent || bad=1
        if [ "$STATE" = A ] && [ "$NB" != 0 ] || [ "$STATE" = B ] && [ "$NA" != 0 ]; then
            echo "round $i: files of the other state"
            bad=1
        fi
    done
    return $bad
}
check "two depmods at once (8 times): both exit 0, the state's files" two_at_once

# ------------------------------------------------------------------ planted links
planted() {
    local f pid bad=0
    if [ "$STATE" = A ]; then to_state B; else to_state A; fi
    echo precious >"$SCR/victim"
    rm -f "$SCR/through-link"
    pid=$(
        exec 3>&1
        (
            for f in "${FILES[@]}" modules.weakdep; do
                ln -s "$SCR/victim" "$M/.$f.$BASHPID.tmp"
            done
            # One dangling link: following it would create its target.
            rm -f "$M/.modules.dep.$BASHPID.tmp"
            ln -s "$SCR/through-link" "$M/.modules.dep.$BASHPID.tmp"
            echo "$BASHPID" >&3
            exec "$DEPMOD" -b "$T" "$KVER" >"$SCR/planted.out" 2>&1
        ) || echo "depmod failed" >&3
    )
    case $pid in *failed*) echo "$pid"; cat "$SCR/planted.out"; return 1 ;; esac
    [ "$(cat "$SCR/victim")" = precious ] || { echo "the victim file was written"; bad=1; }
    [ ! -e "$SCR/through-link" ] || { echo "a file was created through the dangling link"; bad=1; }
    for f in "${FILES[@]}" modules.weakdep; do
        [ -L "$M/.$f.$pid.tmp" ] || { echo ".$f.$pid.tmp is no longer the planted link"; bad=1; }
    done
    consistent || bad=1
    if [ "$STATE" = A ] && [ "$NB" != 0 ] || [ "$STATE" = B ] && [ "$NA" != 0 ]; then
        echo "files of the other state"
        bad=1
    fi
    echo "NOTE: depmod (pid $pid) wrote every file past $((${#FILES[@]} + 1)) planted links"
    rm -f "$M"/.modules.*."$pid".tmp
    return $bad
}
check "symlinks planted at the temporary names: not followed, not removed, files written" planted

summary
