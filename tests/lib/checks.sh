# PASS/FAIL reporting (part of tests/lib/lib.sh): one line per check, the counters, and the last
# line `N passed, N failed`.
#
# shellcheck shell=bash

PASSED=0
FAILED=0

# pass NAME / fail NAME: counts one check and prints its PASS or FAIL line.
pass() {
    echo "PASS $1"
    PASSED=$((PASSED + 1))
}
fail() {
    echo "FAIL $1"
    FAILED=$((FAILED + 1))
}

# check NAME CMD ARGS...: runs CMD (a function or a program; its output is the details) in this
# shell: PASS NAME if it returns 0, with its lines that start with NOTE; else FAIL NAME with the
# first $CHECK_LINES (default 40) lines of its output. The output goes through $SCR/check.out.
check() {
    local name=$1 out=$SCR/check.out max=${CHECK_LINES:-40}
    shift
    if "$@" >"$out" 2>&1; then
        pass "$name"
        grep -a '^NOTE' "$out" | sed 's/^/    /' || true
    else
        fail "$name"
        head -n "$max" "$out" | sed 's/^/    /'
        [ "$(wc -l <"$out")" -le "$max" ] || echo "    ... ($(wc -l <"$out") lines)"
    fi
}

# summary: the last line, `N passed, N failed`; returns non-zero if any check failed.
summary() {
    log "done"
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" = 0 ]
}
