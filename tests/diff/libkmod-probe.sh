#!/usr/bin/env bash
# libkmod.so.2's probing, inserting and removing against kmod's library, without loading
# anything: a C client (tests/libkmod/probe.c) records every print_action and run_install call,
# the library's log lines and each return value, for the same commands with our library and
# kmod's. kmod 30 is the host's library; kmod 34.2 the Debian 13 root's (chroot), where ours
# runs too (LD_LIBRARY_PATH): the same binary, four libraries.
#
# On each of Debian's trees (6.1 plain, 6.12 .ko.xz; indexed by the host's depmod), with
# modprobe.d configurations given as kmod_new's config_paths (-C):
#   - dry runs (KMOD_PROBE_DRY_RUN) of names, aliases (configured, module aliases, symbol:),
#     blacklisted names, built-in modules, install commands (of the module, of a dependency, of
#     a module with softdeps: ignored), softdeps pre/post (through aliases, with their options,
#     a module's own softdep on itself), weakdeps (configured: not loaded), unknown names, each
#     with flag sets (IGNORE_LOADED, IGNORE_COMMAND, FAIL_ON_LOADED, the three APPLY_BLACKLIST
#     flags alone and together), with and without extra options, from a lookup and from
#     kmod_module_new_from_name, and for modules made from a path (kmod_module_new_from_path),
#     with and without callbacks, and a NULL module;
#   - real runs of what loads nothing: install commands through run_install (its return value
#     passed on: 0, 5, -2) and through system() (exit 0, exit 1: -EINVAL and kmod's log line),
#     $CMDLINE_OPTS (twice), softdeps that fail, modules without a file (-ENOENT), insertion of
#     fat.ko replaced by a file that is not a module (a dependency that fails: the probe stops
#     with its errno; the host kernel refuses it, whatever it is), insert with the FORCE flags,
#     remove with FORCE and NOLOG;
#   - a made-up /sys/module (a tmpfs in this script's private mount namespace, bound into the
#     Debian 13 root too): modules live, coming, going, and a directory without initstate, so
#     that "already loaded" is compared: FAIL_ON_LOADED (-EEXIST), IGNORE_LOADED, a loaded
#     dependency, a loaded blacklisted module with APPLY_BLACKLIST_ALL.
# Each check compares our output with kmod's, stdout (the client's record) and stderr. kmod 30
# rejects `weakdep` lines on stderr (kmod 34.2 reads them; we do as 34.2): those two lines are
# left out of kmod 30's stderr.
#
# Prints `PASS <name>` / `FAIL <name>` per check and `N passed, N failed`; exits 1 if any check
# failed, 2 if the setup failed. Root only (mount namespace, chroot).
#
# Usage: tests/diff/libkmod-probe.sh [6.1|6.12|all]
# Environment: MODUTILS_CACHE (tests/lib/lib.sh); MODUTILS_LIBKMOD: our libkmod.so.2 (default:
# `cargo build --release -p libkmod`).
set -euo pipefail

# shellcheck source=tests/lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"
CHECK_LINES=60

if [ "${PROBE_IN_NS:-0}" != 1 ]; then
    ns_ready
    exec unshare -m --propagation private env PROBE_IN_NS=1 "$0" "$@"
fi
series_from "${1:-all}"
ensure_packages
command -v gcc >/dev/null || die "gcc not found"
ensure_trixie_root
build_libkmod
make_scratch libkmod-probe "$WORK" # on the cache's filesystem: hard links to the trees

# The scratch dir at the same path inside the Debian 13 root.
trixie_bind_same "$SCR"

mkdir -p "$SCR/ours" "$SCR/bin"
cp "$LIBKMOD_DIR/libkmod.so.2" "$SCR/ours/libkmod.so.2"
gcc -O1 -Wall -Werror -I"$LIBKMOD_INCLUDE" -o "$SCR/bin/probe" "$ROOT/tests/libkmod/probe.c" \
    -L"$LIBKMOD_DIR" -lkmod || die "building tests/libkmod/probe.c failed"

# A made-up /sys/module, here and in the Debian 13 root.
SYSMOD=$SCR/sysmodule
mkdir -p "$SYSMOD"
sysmod() { # NAME STATE (live, coming, going, or none: a directory without initstate)
    mkdir -p "$SYSMOD/$1"
    [ "$2" = none ] || echo "$2" >"$SYSMOD/$1/initstate"
}
sysmod cdrom live
sysmod crc16 coming
sysmod mbcache going
sysmod nls_utf8 none
sysmod xfs live
sysmod dummy live
sysmod libcrc32c live
mount --bind "$SYSMOD" /sys/module
if [ ! -d "$TRIXIE/sys/module" ]; then
    mkdir -p "$TRIXIE/sys/module"
    at_exit rmdir "$TRIXIE/sys/module"
fi
mount --bind "$SYSMOD" "$TRIXIE/sys/module"
at_exit umount "$TRIXIE/sys/module"

# The configurations: conf.dry for the dry runs, conf.run for the real ones.
mkdir -p "$SCR/conf.dry" "$SCR/conf.run"
cat >"$SCR/conf.dry/test.conf" <<'EOF'
alias myalias vfat
alias mydummy dummy
alias twomods vfat
alias twomods msdos
blacklist msdos
blacklist dummy
blacklist fat
options vfat utf8=1
options fat codepage=850
options fs-vfat aliasopt=1
options myalias viaalias=1
install loop /bin/true $CMDLINE_OPTS loopinstall
install dummy /bin/echo dummy $CMDLINE_OPTS end
remove dummy /bin/true
install fat /bin/echo fat-install $CMDLINE_OPTS
install isofs /bin/echo iso
softdep vfat pre: crc16 post: nls_utf8
softdep btrfs pre: msdos post: loop
softdep isofs pre: dummy post: myalias
softdep ext4 post: nonexistent_mod
weakdep vfat mbcache
weakdep ext4 loop
install nosuchmod /bin/echo nosuch $CMDLINE_OPTS
options nosuchmod x=1
install unix /bin/echo unix
install softonly /bin/echo so
softdep softonly pre: loop
options loop max_loop=4
softdep xfs pre: xfs
softdep cdrom post: nls_utf8
EOF
cat >"$SCR/conf.run/test.conf" <<'EOF'
install nosuchmod /bin/echo nosuch $CMDLINE_OPTS end
options nosuchmod x=1
install falsemod /bin/false $CMDLINE_OPTS
install two1 /bin/echo two1 $CMDLINE_OPTS and $CMDLINE_OPTS
softdep two1 pre: falsemod
alias instalias nosuchmod
install unix /bin/echo unix-install
install bad1 exit 3
install chain1 /bin/echo chain1
softdep chain1 post: falsemod
install withpre /bin/echo withpre
softdep withpre pre: falsemod post: nosuchmod
options falsemod fo=1
install dbl /bin/echo $CMDLINE_OPTS and $CMDLINE_OPTS
options vfat v=1
softdep msdos pre: nosuchmod falsemod post: dbl
EOF

# The dry runs: every name with every flag set, with and without extra options, then by name
# and without callbacks.
dry_script() { # BUILTIN
    local names flagsets n f
    names="vfat fat myalias mydummy dummy msdos twomods fs-vfat fs-msdos loop char-major-10-237
        ext4 btrfs isofs cdrom nosuchmod unix $1 crc32c softonly xfs nls_utf8 mbcache crc16
        nonexistent_mod symbol:fat_fill_super"
    flagsets="DRY_RUN DRY_RUN|IGNORE_LOADED DRY_RUN|IGNORE_COMMAND DRY_RUN|FAIL_ON_LOADED
        DRY_RUN|APPLY_BLACKLIST DRY_RUN|APPLY_BLACKLIST_ALL DRY_RUN|APPLY_BLACKLIST_ALIAS_ONLY
        DRY_RUN|IGNORE_LOADED|FAIL_ON_LOADED DRY_RUN|IGNORE_COMMAND|APPLY_BLACKLIST_ALL|IGNORE_LOADED
        DRY_RUN|APPLY_BLACKLIST_ALL|APPLY_BLACKLIST|APPLY_BLACKLIST_ALIAS_ONLY
        DRY_RUN|FAIL_ON_LOADED|APPLY_BLACKLIST_ALL"
    for n in $names; do
        for f in $flagsets; do
            echo "probe $f $n"
            echo "probe $f $n extra=1"
        done
        echo "probe-name DRY_RUN $n opt=2"
        echo "probe-name DRY_RUN|IGNORE_LOADED $n opt=2"
        echo "probe-nocb DRY_RUN $n -"
    done
}

# The real runs (nothing that could load: install commands, files that are not modules).
cat >"$SCR/run.script" <<'EOF'
probe 0 nosuchmod
probe 0 nosuchmod extra=1
probe-nocb 0 nosuchmod a=b
probe 0 instalias
probe 0 falsemod
probe-nocb 0 falsemod
probe 0 two1 e=2
probe 0 bad1
probe-nocb 0 bad1
probe 0 chain1
probe 0 withpre
probe-name 0 nosuchmod
probe IGNORE_LOADED unix
probe-name IGNORE_LOADED|DRY_RUN unix
probe-name FAIL_ON_LOADED|DRY_RUN unix
probe FAIL_ON_LOADED unix
probe IGNORE_LOADED|IGNORE_COMMAND|DRY_RUN unix
install-ret 5
probe 0 nosuchmod
probe 0 withpre
probe 0 chain1
install-ret -2
probe 0 nosuchmod
probe 0 withpre
install-ret 0
probe-name 0 zzz
probe-name IGNORE_COMMAND nosuchmod
insert 0 nosuchmod
insert 0 unix
insert 0 zzz
remove 0 zzz
remove REMOVE_NOLOG zzz
remove REMOVE_FORCE zzz
remove REMOVE_FORCE|REMOVE_NOWAIT|REMOVE_NOLOG zzz
remove 0 unix
probe 0 dbl a=1
probe 0 vfat x=1
probe-nocb 0 vfat x=1
probe 0 msdos
probe IGNORE_COMMAND msdos
insert 0 fat
insert FORCE_VERMAGIC|FORCE_MODVERSION fat o=1
probe FORCE_VERMAGIC fat
install-ret 7
probe 0 msdos
probe FAIL_ON_LOADED xfs
probe 0 xfs
EOF

# run WHO OUT CONF SCRIPT: the client with WHO's library (k30, o30 on the host; k34, o34 in
# the Debian 13 root) on $TREE; OUT and OUT.err.
run() {
    local who=$1 out=$2 conf=$3 script=$4 env=()
    case $who in o30 | o34) env=(env "LD_LIBRARY_PATH=$SCR/ours") ;; esac
    case $who in
        k30 | o30) "${env[@]}" "$SCR/bin/probe" -d "$TREE" -C "$conf" "$script" >"$out" 2>"$out.err" ;;
        k34 | o34) chroot "$TRIXIE" "${env[@]}" "$SCR/bin/probe" -d "$TREE" -C "$conf" "$script" \
            >"$out" 2>"$out.err" ;;
    esac || echo "exit $?" >>"$out"
}

# same KMOD OURS: the records and the stderr of both are the same (kmod 30's weakdep
# rejections left out).
same() {
    local bad=0
    grep -v "ignoring bad line starting with 'weakdep'" "$1.err" >"$1.err.f" || true
    diff -u "$1" "$2" || bad=1
    diff -u "$1.err.f" "$2.err" || bad=1
    return $bad
}

# exercised FILE: the record is not trivial (what each part is there for happened).
exercised() {
    local n
    n=$(grep -c '^action ' "$1") || true
    [ "$n" -ge 100 ] || { echo "only $n print_action calls"; return 1; }
    local v
    for v in 65536 131072 262144 '-17 (EEXIST)' '-2 (ENOENT)'; do
        grep -qxF "= $v" "$1" || { echo "'= $v' never returned"; return 1; }
    done
}

for s in "${SERIES[@]}"; do
    prepare_kernel "$s"
    tree_copy "$SCR/t$s"
    TREE=$SCR/t$s/lib/modules/$KVER
    depmod -b "$SCR/t$s" "$KVER" || die "depmod of $KVER failed"
    # fat.ko(.xz): a file that is not a module (no kernel takes it).
    f=$(echo "$TREE"/kernel/fs/fat/fat.ko*)
    rm -f "$f"
    echo "not a module" >"$f"
    builtin=$(sed -n '1{s|.*/||;s|\.ko$||;p}' "$TREE/modules.builtin")
    {
        dry_script "$builtin"
        # Modules made from a path: the file's dependencies, options and softdeps.
        for f in fs/fat/vfat fs/isofs/isofs fs/ext4/ext4; do
            f=$(echo "$TREE/kernel/$f".ko*)
            echo "probe-path DRY_RUN $f"
            echo "probe-path DRY_RUN|IGNORE_COMMAND|APPLY_BLACKLIST_ALL $f e=1"
        done
        echo "probe-null DRY_RUN -"
        echo "probe-null 0 -"
    } >"$SCR/dry$s.script"
    calls=$(grep -c . "$SCR/dry$s.script")
    log "$s: $calls dry-run calls, $(grep -c . "$SCR/run.script") real ones, four libraries"
    for who in k30 o30 k34 o34; do
        run "$who" "$SCR/dry$s.$who" "$SCR/conf.dry" "$SCR/dry$s.script" &
        run "$who" "$SCR/run$s.$who" "$SCR/conf.run" "$SCR/run.script" &
    done
    wait
    check "$s dry-run probes ($calls calls) [kmod 30]" same "$SCR/dry$s.k30" "$SCR/dry$s.o30"
    check "$s dry-run probes ($calls calls) [kmod 34.2]" same "$SCR/dry$s.k34" "$SCR/dry$s.o34"
    check "$s dry-run probes: every flag's outcome happened [kmod 34.2]" exercised "$SCR/dry$s.k34"
    check "$s install commands, failures, insert and remove [kmod 30]" same "$SCR/run$s.k30" "$SCR/run$s.o30"
    check "$s install commands, failures, insert and remove [kmod 34.2]" same "$SCR/run$s.k34" "$SCR/run$s.o34"
done
summary
