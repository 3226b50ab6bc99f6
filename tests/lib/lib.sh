# The shell test library, sourced (bash) by every test script of tests/: settings, logging,
# the scratch directory and what runs at exit, then the parts in this directory:
#   checks.sh   PASS/FAIL per check, the counters and the `N passed, N failed` line
#   host.sh     the host's packages (apt-get update once, then install), the Debian 13 root
#   kernels.sh  Debian's kernel packages fetched and extracted, trees to work on, test modules
#   build.sh    our tools: release builds, static builds, a binary from the environment
#   ns.sh       private mount namespaces (a module tree at /lib/modules/<version>, ...)
#   aliases.sh  modules.alias patterns turned into strings they match
#   destdir.sh  what `make install DESTDIR=...` left
# Defines functions and settings only; the caller sets `set -euo pipefail` first.
#
# Environment: MODUTILS_CACHE (default ~/.cache/modutils-rs): downloads, extracted kernels, the
# Debian 13 root; MODUTILS_WORK: per-run work dir (default $MODUTILS_CACHE/work; another one lets
# runs from several worktrees share the cache at the same time); MODUTILS_APT_UPDATED=1:
# `apt-get update` already ran (set for the scripts a script starts, once it ran it);
# KEEP_SCRATCH=1: keep the scratch directories (their paths are logged).
#
# shellcheck shell=bash
# shellcheck disable=SC2034 # settings for the scripts that source this

TESTS_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$TESTS_LIB/../.." && pwd)
CACHE=${MODUTILS_CACHE:-${HOME:-/root}/.cache/modutils-rs}
WORK=${MODUTILS_WORK:-$CACHE/work} # per-run output that wants the cache's filesystem
T0=$(date +%s)
# Lines our tools add to kmod's messages: `<tool>: HINT: ...` after an error, modprobe -v's
# `modprobe: skipping NAME: why` (tests/src/lib.rs is_added_line says the same; checked by
# tests/diff/hints.sh). Suites that compare stderr with kmod's leave them out.
ADDED_LINES='^[a-z]+: (HINT: |skipping [^ ]+: (blacklisted|built into the kernel|already loaded)$)'
# Who speaks in log and die lines: the script, as tests/<dir>/<name>.sh names it.
LOG_TAG=${LOG_TAG:-$(basename "$(dirname "$0")")/$(basename "$0")}

log() { printf '[%s %3ds] %s\n' "$LOG_TAG" "$(($(date +%s) - T0))" "$*" >&2; }
die() { printf '%s: ERROR: %s\n' "$LOG_TAG" "$*" >&2; exit 2; }

# at_exit CMD ARGS...: runs CMD ARGS when the script exits, after those registered later.
AT_EXIT=()
at_exit() {
    AT_EXIT+=("$(printf '%q ' "$@")")
    trap run_at_exit EXIT
}
run_at_exit() {
    local i
    for ((i = ${#AT_EXIT[@]} - 1; i >= 0; i--)); do
        eval "${AT_EXIT[i]}" || true
    done
}

# make_scratch NAME [DIR]: sets SCR, a new directory NAME.XXXXXX in DIR (default $TMPDIR or
# /tmp; $WORK where it holds hard links to the cached trees), removed at exit (see
# remove_scratch).
make_scratch() {
    local dir=${2:-${TMPDIR:-/tmp}}
    mkdir -p "$dir"
    SCR=$(mktemp -d "$dir/$1.XXXXXX")
    at_exit remove_scratch "$SCR"
}

# remove_scratch DIR: removes DIR, or with KEEP_SCRATCH=1 says where it is.
remove_scratch() {
    if [ "${KEEP_SCRATCH:-0}" = 1 ]; then
        log "scratch kept: $1"
    else
        rm -rf "$1"
    fi
}

# shellcheck source=tests/lib/checks.sh
. "$TESTS_LIB/checks.sh"
# shellcheck source=tests/lib/host.sh
. "$TESTS_LIB/host.sh"
# shellcheck source=tests/lib/kernels.sh
. "$TESTS_LIB/kernels.sh"
# shellcheck source=tests/lib/build.sh
. "$TESTS_LIB/build.sh"
# shellcheck source=tests/lib/ns.sh
. "$TESTS_LIB/ns.sh"
# shellcheck source=tests/lib/aliases.sh
. "$TESTS_LIB/aliases.sh"
# shellcheck source=tests/lib/destdir.sh
. "$TESTS_LIB/destdir.sh"
