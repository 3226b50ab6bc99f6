# Helpers for the scenario scripts (busybox sh, run in the guest by /init).
# A scenario sources this, makes checks, and ends with `finish`, which prints
#   @@RESULT <scenario> PASS        or   @@RESULT <scenario> FAIL <first failed check>
# Tools under test are called by absolute path (/tools/insmod ...): busybox's
# shell would run its own applets for a bare `insmod`.
# Setup steps that are not under test use `busybox insmod|rmmod` explicitly.

. /scenarios/env.sh
SCENARIO=$(basename "$0" .sh)
FAILS=0
FIRST_FAIL=

TM=/testmods
HEADER='Module                  Size  Used by'

ok() { echo "  ok: $*"; }
bad() {
    echo "  NOT OK: $*"
    FAILS=$((FAILS + 1))
    [ -n "$FIRST_FAIL" ] || FIRST_FAIL="$*"
}

# run CMD ARGS...: runs CMD, sets RC, OUT, ERR and shows all of it.
run() {
    printf '  $'
    for a in "$@"; do
        case "$a" in
            *[!A-Za-z0-9_./=,:+-]* | '') printf " '%s'" "$a" ;;
            *) printf ' %s' "$a" ;;
        esac
    done
    echo
    "$@" >/tmp/run.out 2>/tmp/run.err
    RC=$?
    OUT=$(cat /tmp/run.out)
    ERR=$(cat /tmp/run.err)
    sed 's/^/    stdout: /' /tmp/run.out
    sed 's/^/    stderr: /' /tmp/run.err
    echo "    exit status: $RC"
}

expect_rc() {
    if [ "$RC" = "$1" ]; then ok "exit status $1"; else bad "exit status $RC, expected $1"; fi
}

# expect_err_line LINE: stderr has LINE as one whole line.
expect_err_line() {
    if grep -qxF -- "$1" /tmp/run.err; then
        ok "stderr has: $1"
    else
        bad "stderr lacks the line: $1"
    fi
}

expect_err_contains() {
    if grep -qF -- "$1" /tmp/run.err; then
        ok "stderr contains: $1"
    else
        bad "stderr does not contain: $1"
    fi
}

expect_err_empty() {
    if [ -s /tmp/run.err ]; then bad "stderr is not empty"; else ok "stderr is empty"; fi
}

in_proc_modules() { grep -q "^$1 " /proc/modules; }

expect_loaded() {
    if in_proc_modules "$1"; then ok "$1 in /proc/modules"; else bad "$1 not in /proc/modules"; fi
    expect_initstate "$1" live
}

expect_initstate() {
    st=$(cat "/sys/module/$1/initstate" 2>/dev/null)
    if [ "$st" = "$2" ]; then ok "/sys/module/$1/initstate = $2"; else bad "/sys/module/$1/initstate = '$st', expected $2"; fi
}

expect_not_loaded() {
    if in_proc_modules "$1"; then bad "$1 still in /proc/modules"; else ok "$1 not in /proc/modules"; fi
    if [ -e "/sys/module/$1" ]; then bad "/sys/module/$1 still exists"; else ok "/sys/module/$1 absent"; fi
}

# setup_insmod FILE: load a module with busybox's insmod (not under test).
setup_insmod() {
    echo "  setup: busybox insmod $*"
    if ! busybox insmod "$@"; then
        bad "setup: busybox insmod $* failed"
        finish
    fi
}

# expect_param NAME VALUE: /sys/module/mt_params/parameters/NAME reads VALUE.
expect_param() {
    v=$(cat "/sys/module/mt_params/parameters/$1" 2>&1)
    if [ "$v" = "$2" ]; then ok "param $1 = '$2'"; else bad "param $1 = '$v', expected '$2'"; fi
}

# expect_lsmod_matches_proc: /tools/lsmod prints the header, then one line per
# /proc/modules entry in the same order: %-19s %8lu  %d [ holder1,holder2].
expect_lsmod_matches_proc() {
    {
        echo "$HEADER"
        while read -r name size refcnt holders rest; do
            line=$(printf '%-19s %8s  %s' "$name" "$size" "$refcnt")
            if [ "$holders" != "-" ]; then line="$line ${holders%,}"; fi
            echo "$line"
        done </proc/modules
    } >/tmp/lsmod.expected
    echo "  /proc/modules:"
    sed 's/^/    /' /proc/modules
    run /tools/lsmod
    expect_rc 0
    expect_err_empty
    if cmp -s /tmp/lsmod.expected /tmp/run.out; then
        ok "lsmod output matches /proc/modules"
    else
        bad "lsmod output differs from /proc/modules"
        echo "  expected (from /proc/modules), then diff:"
        sed 's/^/    |/' /tmp/lsmod.expected
        diff -u /tmp/lsmod.expected /tmp/run.out | sed 's/^/    /'
    fi
}

finish() {
    if [ "$FAILS" = 0 ]; then
        echo "@@RESULT $SCENARIO PASS" | tee /tmp/result
    else
        echo "  --- dmesg ---"
        dmesg | tail -n 30 | sed 's/^/  /'
        echo "@@RESULT $SCENARIO FAIL $FIRST_FAIL" | tee /tmp/result
    fi
    exit 0
}
