# Shared by the differential scripts (tests/diff/<tool>.sh): the series argument, our tool built
# (or taken from the environment), kmod's tools as argv[0] links, a scratch directory, and
# PASS/FAIL reporting. Source it, then call `diff_setup TOOL "$@"`.
#
# shellcheck shell=bash

# The package and kernel machinery of the QEMU harness.
# shellcheck source=tests/vm/harness.sh
. "$(dirname "${BASH_SOURCE[0]}")/../vm/harness.sh"
DIFF_DIR=$ROOT/tests/diff

# diff_setup TOOL [SERIES] [KMOD_TOOL...]: sets SERIES (6.1, 6.12 or both, from the script's
# first argument), KMOD, OURS (our TOOL: $<TOOL> from the environment, e.g. MODPROBE=..., or
# `cargo build --release -p TOOL`), SCR (scratch dir, removed at exit unless KEEP_SCRATCH=1),
# and for each of TOOL and the KMOD_TOOLs a link $SCR/kbin/NAME to kmod with K<NAME> set to it
# (KMODPROBE, KDEPMOD, ...), plus an empty config dir $SCR/empty.d.
diff_setup() {
    local tool=$1 series=${2:-all} var t
    shift 2 || shift $#
    case "$series" in
        all) SERIES=(6.1 6.12) ;;
        6.1 | 6.12) SERIES=("$series") ;;
        *) die "usage: $0 [6.1|6.12|all]" ;;
    esac
    ensure_packages
    KMOD=$(command -v kmod) || die "kmod not found"
    var=${tool^^}
    if [ -n "${!var:-}" ]; then
        OURS=$(cd "$(dirname "${!var}")" && pwd)/$(basename "${!var}")
    else
        log "cargo build --release -p $tool"
        (cd "$ROOT" && cargo build --release --quiet -p "$tool" >&2) || die "cargo build -p $tool failed"
        OURS=${CARGO_TARGET_DIR:-$ROOT/target}/release/$tool
    fi
    [ -x "$OURS" ] || die "no $tool at $OURS"

    SCR=$(mktemp -d "${TMPDIR:-/tmp}/$tool-diff.XXXXXX")
    DIFF_TOOL=$tool
    TREES=
    trap diff_cleanup EXIT
    # kmod picks the tool from argv[0].
    mkdir -p "$SCR/kbin" "$SCR/empty.d"
    for t in "$tool" "$@"; do
        ln -s "$KMOD" "$SCR/kbin/$t"
        printf -v "K${t^^}" '%s' "$SCR/kbin/$t"
    done
    PASSED=0
    FAILED=0
}

# scratch_for_trees: sets TREES, a dir on the same filesystem as $KDIR, for hard-linked copies
# of the cached trees: $SCR, or a dir in the cache when /tmp is another filesystem (a tmpfs).
scratch_for_trees() {
    [ -z "$TREES" ] || return 0
    if ln "$KDIR/.stamp" "$SCR/.linktest" 2>/dev/null; then
        TREES=$SCR
    else
        mkdir -p "$WORK"
        TREES=$(mktemp -d "$WORK/$DIFF_TOOL-diff.XXXXXX")
        log "$SCR is not on the cache's filesystem: scratch trees in $TREES"
    fi
    rm -f "$SCR/.linktest"
}

diff_cleanup() {
    if [ "${KEEP_SCRATCH:-0}" = 1 ]; then
        log "scratch kept: $SCR"
    else
        rm -rf "$SCR"
        [ -z "$TREES" ] || [ "$TREES" = "$SCR" ] || rm -rf "$TREES"
    fi
}

# check NAME CMD ARGS...: runs the check function CMD (its output = details); PASS if it returns
# 0 (its lines starting with NOTE shown), else FAIL with the first $CHECK_LINES (default 40)
# lines of its output.
check() {
    local name=$1 out=$SCR/check.out max=${CHECK_LINES:-40}
    shift
    if "$@" >"$out" 2>&1; then
        echo "PASS $name"
        grep -a '^NOTE' "$out" | sed 's/^/    /' || true
        PASSED=$((PASSED + 1))
    else
        echo "FAIL $name"
        head -n "$max" "$out" | sed 's/^/    /'
        [ "$(wc -l <"$out")" -le "$max" ] || echo "    ... ($(wc -l <"$out") lines)"
        FAILED=$((FAILED + 1))
    fi
}

# diff_summary: the last line, `N passed, N failed`; fails if any check failed.
diff_summary() {
    log "done"
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" = 0 ]
}
