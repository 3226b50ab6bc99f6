#!/usr/bin/env bash
# depmod never loses an index to a mistaken argument: our depmod on a copy of Debian's 6.1 tree
# with its indexes written, then command lines a person gets wrong (a word that is not a
# version, relative, missing and unreadable module files, a version whose tree doesn't exist,
# unknown options, missing option arguments, missing -E/-F files). After each: exit status 1,
# one message naming the problem on stderr (`depmod: ...` or getopt's `./depmod: ...`), and
# every file of the tree byte for byte as before, with nothing created (no lib/modules/<word>
# directory, no temporary file). Then two good runs: both exit 0 and leave identical indexes.
#
# Prints PASS/FAIL per check and `N passed, N failed`; exits 1 if a check failed, 2 if the setup
# failed.
#
# Usage: tests/robust/depmod-args.sh          (about 30 seconds)
# Environment: MODUTILS_CACHE (see tests/lib/lib.sh); DEPMOD: the depmod to test (default:
# `cargo build --release -p depmod`, target/release/depmod).
set -euo pipefail

# shellcheck source=tests/lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"

ensure_packages
DEPMOD=$(our_tool DEPMOD "$RELEASE_DIR/depmod" cargo_release depmod)

prepare_kernel 6.1
make_scratch robust-depmod-args
T=$SCR/tree
V=$KVER
M=$T/lib/modules/$V
tree_copy "$T"
tool_links "$SCR/bin" "$DEPMOD" depmod
printf 'not a module\n' >"$SCR/corrupt.ko"
"$DEPMOD" -b "$T" "$V" 2>/dev/null || die "the first depmod run failed"
[ -s "$M/modules.dep.bin" ] || die "no indexes after the first run"

# state: every path under the tree with its type and, for files, a checksum (the first 16 hex
# digits of its SHA-256), one line each, sorted: `d ./PATH`, `f ./PATH SUM`, `l ./PATH`.
state() {
    (cd "$T" && {
        find . ! -type f -printf '%y %p\n'
        find . -type f -print0 | xargs -0 -r sha256sum | awk '{ print "f " substr($0, 67) " " substr($1, 1, 16) }'
    } | LC_ALL=C sort)
}
state >"$SCR/state.0"

# refused ARGS...: depmod ARGS exits 1 with a message and leaves the tree as it was.
refused() {
    local rc=0
    (cd "$SCR/bin" && ./depmod "$@") >"$SCR/out" 2>"$SCR/err" || rc=$?
    [ "$rc" = 1 ] || { echo "exit status $rc, expected 1"; cat "$SCR/err"; return 1; }
    grep -qE '^(\./)?depmod: ' "$SCR/err" || { echo "no depmod message:"; cat "$SCR/err"; return 1; }
    grep -q 'panicked' "$SCR/err" && { echo "a panic:"; cat "$SCR/err"; return 1; }
    state >"$SCR/state.1"
    diff "$SCR/state.0" "$SCR/state.1" || { echo "the tree changed (< before, > after)"; return 1; }
    echo "NOTE $(head -n 1 "$SCR/err")"
}

check "a word, not a version" refused -b "$T" vfat
check "a number, not a version" refused -b "$T" 1
check "1.x" refused -b "$T" 1.x
check "a module file as the version" refused -b "$T" "$M/kernel/fs/fat/vfat.ko"
check "a relative module file" refused -b "$T" "$V" vfat.ko
check "a missing module file" refused -b "$T" "$V" /no/such.ko
check "a good module file, then a missing one" refused -b "$T" "$V" "$M/kernel/fs/fat/vfat.ko" /no/such.ko
check "an unreadable module file" refused -b "$T" "$V" "$SCR/corrupt.ko"
check "a version without a tree" refused -b "$T" 9.9.9
check "a version without a tree, with a file" refused -b "$T" 9.9.9 "$M/kernel/fs/fat/vfat.ko"
check "a base directory that doesn't exist" refused -b "$SCR/nowhere" "$V"
check "an unknown option" refused -b "$T" --frobnicate "$V"
check "an unknown short option" refused -b "$T" -Z "$V"
check "an ambiguous abbreviation" refused -b "$T" --s "$V"
check "-b without its argument" refused "$V" -b
check "-C without its argument" refused -b "$T" "$V" -C
check "-o without its argument" refused -b "$T" "$V" -o
check "an argument to a flag" refused -b "$T" --all=yes "$V"
check "-e with a missing System.map" refused -b "$T" -e -F /no/such/System.map "$V"
check "-e with a missing Module.symvers" refused -b "$T" -e -E /no/such/Module.symvers "$V"

# good_runs: two full runs leave the same files (and the first run's, since nothing changed).
good_runs() {
    (cd "$SCR/bin" && ./depmod -b "$T" "$V" && ./depmod -a -b "$T" "$V") || return 1
    state >"$SCR/state.2"
    diff "$SCR/state.0" "$SCR/state.2"
}
check "two good runs after the mistakes leave the same tree" good_runs

summary
