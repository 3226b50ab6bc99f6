#!/usr/bin/env bash
# kmod 34.2's own test programs for libkmod (its testsuite/), run against our libkmod.so.2
# (issue 15). kmod's source is Debian's orig tarball, downloaded into the cache, checked against
# the sha256 below and built there with meson (its test modules against Debian's 6.1 headers);
# nothing of it enters this repository. See docs/libkmod-kmod-testsuite.md.
#
# kmod links its test programs with its library's objects (a static archive). The programs that
# use only libkmod's public API are linked again here from their own object files against the
# shared libkmod.so.2 (NEEDED libkmod.so.2, no RUNPATH), so that LD_LIBRARY_PATH picks the
# library: kmod's freshly built one, or ours. kmod is configured with
# -Wl,--exclude-libs,ALL: without it the LD_PRELOAD traps (init_module.so links kmod's library
# objects too) would export the 75 kmod_* functions and stand in for the library under test.
#
# Each test case of those programs (test-dependencies, test-init, test-initstate, test-loaded,
# test-new-module, test-weakdep) runs on its own, on a fresh copy of kmod's test root, four
# ways: kmod's library and ours, each with kmod's traps only and with kmod's traps plus ours,
# tests/kmod-testsuite-trap.c (statx(), which Rust's std::fs::metadata calls and kmod's path trap
# does not rewrite; syscall(SYS_init_module) and syscall(SYS_delete_module), as the nix crate
# makes them, sent to the init_module() and delete_module() kmod's traps replace). Checks:
#   - the traps export no kmod_* function; each relinked program needs libkmod.so.2, has no
#     RUNPATH and defines no kmod_* function;
#   - our traps change no result of kmod's library;
#   - per test case kmod's library passes here: PASS/FAIL of ours (kmod's traps + ours), where
#     every kmod_* symbol the processes bind is bound to our libkmod.so.2 (LD_DEBUG=bindings);
#     a NOTE says how ours does with kmod's traps only, and one shows the lines on stdout and
#     stderr other than the runner's (the library's log) where they differ from kmod's. A case
#     kmod's own library fails here gets a KMOD-FAILS line and is not counted; test-weakdep's
#     modprobe_config runs kmod's modprobe tool, not the library: a SKIP line, not counted.
# Prints `PASS`/`FAIL` per check and `N passed, N failed`; exits 1 if ours fails a case kmod's
# library passes (or a check fails), 2 if the setup failed.
#
# Environment: MODUTILS_CACHE (see tests/lib/lib.sh); MODUTILS_LIBKMOD: the library to test (a
# file; default: `cargo build --release -p libkmod`); KEEP_SCRATCH=1 keeps the logs.
set -euo pipefail
# shellcheck source=tests/lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/lib.sh"

KMOD_TARBALL=kmod_34.2.orig.tar.xz
KMOD_URL=http://deb.debian.org/debian/pool/main/k/kmod/$KMOD_TARBALL
KMOD_SHA256=012d16e2099115486d8aa9f2c2a23d058d3d0cad83113a60512647d25d3869e8
KT=$CACHE/kmod-testsuite
KSRC=$KT/kmod-34.2
KBUILD=$KT/build  # the test programs have this path compiled in
RELINKED=$KT/relinked
ROOTFS=$KBUILD/testsuite/rootfs
# The programs whose tests use only libkmod's public API. Not run: test-blacklist and test-list
# (they call kmod_list_append & co., internal functions no libkmod.so.2 exports), test-array,
# test-hash, test-strbuf, test-util (kmod's internal helpers), test-testsuite (the traps
# themselves), test-depmod, test-modinfo, test-modprobe (kmod's tools).
PROGRAMS=(test-dependencies test-init test-initstate test-loaded test-new-module test-weakdep)
TOOL_CASES=" test-weakdep/modprobe_config "
# What the build and the stamp depend on (a change rebuilds).
BUILD_ID="kmod-testsuite v1 $KMOD_SHA256 6.1"

install_missing meson=meson ninja=ninja-build pkg-config=pkg-config gcc=gcc make=make \
    /usr/include/zstd.h=libzstd-dev /usr/include/lzma.h=liblzma-dev \
    /usr/include/openssl/ssl.h=libssl-dev /usr/include/zlib.h=zlib1g-dev \
    /usr/lib/x86_64-linux-gnu/libelf.so.1=libelf1 curl=curl xz=xz-utils zstd=zstd gzip=gzip \
    readelf=binutils nm=binutils flock=util-linux

mkdir -p "$KT"
# One run at a time: the test root's path is compiled into kmod's test programs.
exec 9>"$KT/lock"
flock 9

# fetch_kmod: the tarball in $KT, its sha256 checked.
fetch_kmod() {
    local f=$KT/$KMOD_TARBALL
    if [ ! -f "$f" ] || ! echo "$KMOD_SHA256  $f" | sha256sum -c --status; then
        log "downloading $KMOD_URL"
        curl -fsSL -o "$f.tmp" "$KMOD_URL" || die "download of $KMOD_URL failed"
        mv "$f.tmp" "$f"
    fi
    echo "$KMOD_SHA256  $f" | sha256sum -c --status || die "$f: sha256 is not $KMOD_SHA256"
}

# relink PROGRAM: $RELINKED/PROGRAM from kmod's object file, its static helpers, and the
# shared libkmod.so.2 of kmod's build (linked by soname: no RUNPATH).
relink() {
    local p=$1
    gcc -pie -Wl,--as-needed -Wl,--no-undefined -o "$RELINKED/$p" \
        "$KBUILD/testsuite/$p.p/$p.c.o" \
        -Wl,--start-group "$KBUILD/testsuite/libtestsuite.a" "$KBUILD/libshared.a" -Wl,--end-group \
        -L"$KBUILD" -lkmod -lrt || die "relinking $p against libkmod.so.2 failed"
}

# build_kmod: kmod 34.2 built in $KBUILD with its testsuite (test modules against the 6.1
# headers, the test root), the programs relinked, the root saved as rootfs.clean. Kept while
# $KT/stamp says $BUILD_ID.
build_kmod() {
    local p
    if [ -f "$KT/stamp" ] && [ "$(cat "$KT/stamp")" = "$BUILD_ID" ] && [ -d "$KBUILD/testsuite/rootfs.clean" ]; then
        return
    fi
    rm -f "$KT/stamp"
    fetch_kmod
    prepare_kernel 6.1
    rm -rf "$KSRC" "$KBUILD" "$RELINKED"
    tar -C "$KT" -xJf "$KT/$KMOD_TARBALL" || die "unpacking $KMOD_TARBALL failed"
    log "meson setup (kmod 34.2)"
    meson setup "$KBUILD" "$KSRC" -Dmanpages=false -Ddocs=false -Dbuild-tests=true \
        -Dbashcompletiondir=no -Dfishcompletiondir=no -Dzshcompletiondir=no \
        -Dc_link_args=-Wl,--exclude-libs,ALL >"$KT/meson-setup.log" 2>&1 ||
        { tail -n 30 "$KT/meson-setup.log" >&2; die "meson setup failed"; }
    log "building kmod 34.2, its test programs, modules (against $KVER) and test root"
    # The module Makefile takes KDIR; the variable in MAKEFLAGS reaches kbuild as a command-line
    # one: no BTF for the modules (no pahole here), as build_test_modules.
    KDIR=$KBUILD_DIR MAKEFLAGS="-j$(nproc) CONFIG_DEBUG_INFO_BTF_MODULES=" \
        ninja -C "$KBUILD" all testsuite/stamp-rootfs >"$KT/build.log" 2>&1 ||
        { tail -n 40 "$KT/build.log" >&2; die "building kmod 34.2 failed (log: $KT/build.log)"; }
    mkdir -p "$RELINKED"
    for p in "${PROGRAMS[@]}"; do relink "$p"; done
    cp -a "$ROOTFS" "$KBUILD/testsuite/rootfs.clean"
    echo "$BUILD_ID" >"$KT/stamp"
}

build_kmod
build_libkmod
OURS_SO=$LIBKMOD_DIR/libkmod.so.2
make_scratch kmod-testsuite
gcc -shared -fPIC -Wall -Wno-nonnull-compare -DBUILD_ROOT="\"$KBUILD\"" -o "$SCR/trap.so" \
    "$ROOT/tests/kmod-testsuite-trap.c" -ldl || die "building our traps failed"
KMOD_SO=$KBUILD/libkmod.so.2 # as the loader names it (LD_DEBUG)

# The directories of kmod's test root the programs use (each test names its own; a name can
# continue on the next line, hence the prefix match).
mapfile -t ROOT_DIRS < <(for p in "${PROGRAMS[@]}"; do
    grep -o 'TESTSUITE_ROOTFS "test-[a-z0-9-]*' "$KSRC/testsuite/$p.c" | sed 's/.*"//' |
        while read -r d; do (cd "$KBUILD/testsuite/rootfs.clean" && ls -d "$d"*); done
done | sort -u)
[ ${#ROOT_DIRS[@]} -gt 0 ] || die "no test root named in the programs"

# restore_rootfs: fresh copies of those directories of kmod's test root (tests write to them;
# kmod's runner refuses a root newer than its stamp).
restore_rootfs() {
    local d
    for d in "${ROOT_DIRS[@]}"; do
        rm -rf "${ROOTFS:?}/$d"
        cp -a "$KBUILD/testsuite/rootfs.clean/$d" "$ROOTFS/"
    done
    touch "$KBUILD/testsuite/stamp-rootfs"
}

# run_case LIBDIR PRELOAD PROGRAM CASE OUT: runs one test case (kmod's runner forks and execs
# it with its traps; PRELOAD, if not empty, is preloaded before them) with LIBDIR first in the
# library path, kmod_* bindings logged to OUT.ld.*; output in OUT. Returns 0 if the runner says
# PASSED (or EXPECTED FAIL) for it: its exit status does not tell (a failed case's wait status,
# 256, is returned from main).
run_case() {
    local libdir=$1 preload=$2 prog=$3 name=$4 out=$5
    restore_rootfs
    rm -f "$out".ld.*
    (cd "$RELINKED" && env LD_LIBRARY_PATH="$libdir" ${preload:+LD_PRELOAD="$preload"} \
        LD_DEBUG=bindings LD_DEBUG_OUTPUT="$out.ld" timeout 60 "$RELINKED/$prog" "$name") >"$out" 2>&1 || true
    grep -qx "TESTSUITE: \(PASSED\|EXPECTED FAIL\): $name" "$out"
}

# bound_to OUT SO: every kmod_* symbol the run OUT's processes bound is bound to SO (and there is
# at least one).
bound_to() {
    local out=$1 so=$2 all other
    all=$(cat "$out".ld.* 2>/dev/null | grep "normal symbol \`kmod_" || true)
    [ -n "$all" ] || { echo "no kmod_* symbol bound in $out"; return 1; }
    other=$(printf '%s\n' "$all" | grep -v " to $so \[" || true)
    [ -z "$other" ] || { echo "kmod_* bound elsewhere than $so:"; printf '%s\n' "$other" | head -n 5; return 1; }
}

# (Outputs are read whole before grep -q: with pipefail, grep -q's early exit would fail the
# pipeline.)
check_build() {
    local f p bad=0 out
    for f in "$KBUILD"/testsuite/*.so; do
        out=$(nm -D --defined-only "$f")
        if grep -q ' kmod_' <<<"$out"; then
            echo "$f exports kmod_* functions"
            bad=1
        fi
    done
    for p in "${PROGRAMS[@]}"; do
        f=$RELINKED/$p
        out=$(readelf -d "$f")
        grep -q 'NEEDED.*\[libkmod\.so\.2\]' <<<"$out" || { echo "$p: no NEEDED libkmod.so.2"; bad=1; }
        if grep -Eq 'RPATH|RUNPATH' <<<"$out"; then echo "$p: has a RUNPATH"; bad=1; fi
        out=$(nm --defined-only "$f")
        if grep -q ' [TtWw] kmod_' <<<"$out"; then echo "$p: defines kmod_* itself"; bad=1; fi
        out=$(LD_LIBRARY_PATH=$LIBKMOD_DIR ldd "$f")
        grep -q "libkmod.so.2 => $OURS_SO " <<<"$out" ||
            { echo "$p: ldd does not resolve libkmod.so.2 to $OURS_SO"; bad=1; }
    done
    return "$bad"
}
check "kmod testsuite: traps export no kmod_*, programs link libkmod.so.2 dynamically" check_build

# case_check: ours (kmod's traps + ours) passes case $tcase of $prog, and the runs bound
# kmod_* to the library they were meant to use; uses $o (log prefix) and $r (0: ours passed with
# kmod's traps only).
case_check() {
    local ok=0
    run_case "$LIBKMOD_DIR" "$SCR/trap.so" "$prog" "$tcase" "$o.ours" || ok=1
    bound_to "$o.kmod" "$KMOD_SO" || ok=1
    bound_to "$o.ours" "$OURS_SO" || ok=1
    if [ "$r" = 0 ]; then
        echo "NOTE with kmod's traps only: passes too"
    else
        echo "NOTE with kmod's traps only: fails ($(grep -m1 'ERR: ' "$o.raw" | sed 's/^TESTSUITE: //'))"
    fi
    messages_note
    [ "$ok" = 0 ] || grep -v '^TESTSUITE: ------' "$o.ours"
    return "$ok"
}

# messages OUT: the lines of a run that are not the runner's (the library's log, the test's own
# stderr), pointers made 0xP.
messages() { grep -v '^TESTSUITE: ' "$1" | sed 's/0x[0-9a-f]\+/0xP/g' || true; }

# messages_note: NOTE lines (not counted) where the library's messages of ours differ from
# kmod's in the same case (both with our traps).
messages_note() {
    local d
    d=$(diff <(messages "$o.kmod-traps") <(messages "$o.ours") | sed -n 's/^< /kmod: /p; s/^> /ours: /p') || true
    [ -z "$d" ] || printf 'NOTE messages differ: %s\n' "$d" | sed '2,$s/^/NOTE   /'
}

log "running ${#PROGRAMS[@]} programs' test cases 4 ways"
NEUTRAL_DIFF=()
RAW_FAILS=()
for prog in "${PROGRAMS[@]}"; do
    mapfile -t cases < <(LD_LIBRARY_PATH=$KBUILD "$RELINKED/$prog" -l | sed -n 's/^\t\([^,]*\),.*/\1/p')
    [ ${#cases[@]} -gt 0 ] || { fail "$prog: lists no test case"; continue; }
    for tcase in "${cases[@]}"; do
        id=$prog/$tcase
        o=$SCR/$prog.$tcase
        if [[ $TOOL_CASES == *" $id "* ]]; then
            echo "SKIP $id: runs kmod's own modprobe tool, not the library (not counted)"
            continue
        fi
        k=0 ks=0 r=0
        run_case "$KBUILD" "" "$prog" "$tcase" "$o.kmod" || k=1
        run_case "$KBUILD" "$SCR/trap.so" "$prog" "$tcase" "$o.kmod-traps" || ks=1
        [ "$k" = "$ks" ] || NEUTRAL_DIFF+=("$id")
        if [ "$k" != 0 ]; then
            echo "KMOD-FAILS $id: kmod 34.2's own library fails it here (not counted)"
            sed 's/^/    /' "$o.kmod" | head -n 10
            continue
        fi
        run_case "$LIBKMOD_DIR" "" "$prog" "$tcase" "$o.raw" || r=1
        [ "$r" = 0 ] || RAW_FAILS+=("$id")
        check "$id" case_check
    done
done

neutral() {
    [ ${#NEUTRAL_DIFF[@]} = 0 ] || { echo "kmod's results differ with our traps: ${NEUTRAL_DIFF[*]}"; return 1; }
}
check "our traps: change no result of kmod's own library" neutral
[ ${#RAW_FAILS[@]} = 0 ] || log "ours with kmod's traps only (not counted) fails: ${RAW_FAILS[*]}"
summary
