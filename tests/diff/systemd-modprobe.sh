#!/usr/bin/env bash
# A real client: systemd's modprobe@.service, whose command line is
# `modprobe -abq NAME` (ExecStart=-/sbin/modprobe -abq %i; systemd ships
# modprobe@configfs, @dm_mod, @drm, @efi_pstore, @fuse, @loop and others start
# it at boot). systemd only reads the exit status (and the journal keeps
# stderr): we must exit and print exactly as Debian's kmod 30 does.
#
# Both run as systemd runs them: no -d/-S/-C, the running kernel's tree and
# the system's configuration. So each call runs in a private mount namespace
# (unshare -m; root only) with
#   - the Debian 6.1 tree, indexed by kmod's depmod, at
#     /lib/modules/$(uname -r) (tmpfs on /lib/modules, bind mount);
#   - a configuration of ours on /etc/modprobe.d (a blacklisted module, an
#     alias to it, install commands that succeed and fail);
#   - a made-up /sys/module (tmpfs) where one module is loaded (initstate
#     live) and one is still coming.
# Loading anything else reaches the host kernel, which refuses it (it is not
# the 6.1 kernel): that error path is compared too.
#
# Checks, each comparing exit status and stdout, then stderr, with kmod's:
#   - every name alone: systemd's units (configfs, dm_mod, drm, efi_pstore,
#     fuse, loop), an unknown name, a blacklisted module (-b applies the
#     blacklist to names), an alias to it, a module alias of it, a built-in
#     module, a loaded one, a coming one, install commands exiting 0 and 1;
#   - several names in one call, as `modprobe -abq a b c`;
#   - `-abq` with MODPROBE_OPTIONS=-v (verbose), and without -q;
# plus the exit statuses systemd relies on, asserted outright: 0 for loaded,
# built-in and blacklisted names, 1 for unknown ones.
#
# Prints `PASS <name>` / `FAIL <name>` per check and a last line
# `N passed, N failed`; exits 1 if any check failed, 2 if the setup failed.
#
# kmod 34.2 too (unless MODUTILS_NO_K34=1): each call again in the Debian 13 root (chroot),
# with the same tree, configuration and /sys/module mounted there; kmod 34.2's and ours.
#
# Usage: tests/diff/systemd-modprobe.sh
# Environment: MODUTILS_CACHE (see tests/lib/lib.sh); MODPROBE: our
# modprobe (default: `cargo build --release -p modprobe`).
set -euo pipefail

# shellcheck source=tests/lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"
CHECK_LINES=60

ensure_packages
ns_ready lib-modules
THEIRS=$(command -v kmod) || die "kmod not found"
OURS=$(our_tool MODPROBE "$RELEASE_DIR/modprobe" cargo_release modprobe)
prepare_kernel 6.1
RELEASE=$(uname -r)
make_scratch systemd-modprobe "$WORK" # on the cache's filesystem: hard links

# Both as /sbin/modprobe would be: a program named modprobe (ours a copy in $SCR, so that the
# link resolves in the Debian 13 root too).
mkdir -p "$SCR/bin"
cp "$OURS" "$SCR/bin/modprobe"
tool_links "$SCR/k" "$THEIRS" modprobe depmod
tool_links "$SCR/o" "$SCR/bin/modprobe" modprobe
# kmod 34.2 (unless MODUTILS_NO_K34=1): every call again in the Debian 13 root (chroot), kmod
# 34.2's modprobe and ours, with the same tree, configuration and /sys/module mounted there.
SIDES=(k o)
if [ "${MODUTILS_NO_K34:-0}" != 1 ]; then
    ensure_trixie_root
    SIDES=(k o k34 o34)
    tool_links "$SCR/k34" /usr/bin/kmod modprobe
    ln -s o "$SCR/o34"
    trixie_mount_point "$SCR"
fi

log "kmod's depmod on a hard-linked copy of $KVER"
T=$SCR/tree
tree_copy "$T"
"$SCR/k/depmod" -b "$T" "$KVER"
M=$T/lib/modules/$KVER
BUILTIN=$(sed -n '1{s|.*/||; s|\.ko$||; p}' "$M/modules.builtin")
[ -n "$BUILTIN" ] || die "no built-in module in $M/modules.builtin"

mkdir -p "$SCR/modprobe.d" "$SCR/sys"
cat >"$SCR/modprobe.d/test.conf" <<'EOF'
blacklist pcspkr
alias my-blacklisted-alias pcspkr
alias my-alias dummy
install ok-install /bin/true
install failing-install /bin/false
EOF
# A loaded module and one still coming; the rest are not loaded.
mkdir -p "$SCR/sys/dummy/holders" "$SCR/sys/bonding/holders"
echo live >"$SCR/sys/dummy/initstate"
echo 0 >"$SCR/sys/dummy/refcnt"
echo coming >"$SCR/sys/bonding/initstate"
echo 0 >"$SCR/sys/bonding/refcnt"

# run WHO ARGS...: one call in the namespace; `== args`, stdout, stderr, rc.
run() {
    local who=$1 rc
    shift
    echo "== modprobe $*"
    case $who in
        k | o)
            in_ns --tree "$RELEASE" "$M" --bind "$SCR/modprobe.d" /etc/modprobe.d \
                --tmpfs /sys/module --copy "$SCR/sys/." /sys/module/ -- \
                env ${ENVV:+"$ENVV"} "$SCR/$who/modprobe" "$@" >"$SCR/out" 2>"$SCR/err" && rc=0 || rc=$?
            ;;
        *)
            in_ns --bind "$SCR" "$TRIXIE$SCR" --tmpfs "$TRIXIE/usr/lib/modules" \
                --mkdir "$TRIXIE/usr/lib/modules/$RELEASE" --bind "$M" "$TRIXIE/usr/lib/modules/$RELEASE" \
                --bind "$SCR/modprobe.d" "$TRIXIE/etc/modprobe.d" --tmpfs "$TRIXIE/sys" \
                --mkdir "$TRIXIE/sys/module" --copy "$SCR/sys/." "$TRIXIE/sys/module/" -- \
                chroot "$TRIXIE" env ${ENVV:+"$ENVV"} "$SCR/$who/modprobe" "$@" \
                >"$SCR/out" 2>"$SCR/err" && rc=0 || rc=$?
            ;;
    esac
    cat "$SCR/out"
    echo "-- stderr:"
    cat "$SCR/err"
    echo "rc=$rc"
}

# both ARGS...: kmod's and our transcripts of one call, split into
# $SCR/{k,o}.{rc,out,err}.
both() {
    local who
    for who in "${SIDES[@]}"; do
        run "$who" "$@" >"$SCR/t.$who"
        sed -n 's/^rc=//p' "$SCR/t.$who" >"$SCR/$who.rc"
        awk 'NR > 1 && /^-- stderr:$/ { exit } NR > 1' "$SCR/t.$who" >"$SCR/$who.out"
        awk 'e && !/^rc=[0-9]+$/ { print } /^-- stderr:$/ { e = 1 }' "$SCR/t.$who" >"$SCR/$who.err"
    done
}
# same_rc_out / same_err: the last `both` call's status and stdout, stderr.
# With kmod 34.2, its pair too (libkmod's own messages read as ours: libkmod-prefix).
same_rc() {
    diff "$SCR/k.rc" "$SCR/o.rc" && echo "exit status $(cat "$SCR/o.rc")" || return 1
    [ ${#SIDES[@]} = 2 ] || { diff "$SCR/k34.rc" "$SCR/o34.rc" && echo "kmod 34.2: exit status $(cat "$SCR/o34.rc")"; }
}
same_rc_out() {
    same_rc && diff "$SCR/k.out" "$SCR/o.out" || return 1
    [ ${#SIDES[@]} = 2 ] || diff "$SCR/k34.out" "$SCR/o34.out"
}
same_err() {
    diff "$SCR/k.err" "$SCR/o.err" || return 1
    [ ${#SIDES[@]} = 2 ] || {
        sed -i -E 's/^libkmod: ERROR: [A-Za-z_0-9]+: /modprobe: ERROR: /' "$SCR/k34.err"
        diff "$SCR/k34.err" "$SCR/o34.err"
    }
}

# case LABEL ARGS...: one call compared, exit status and stdout, then stderr.
case_() {
    local label=$1
    shift
    both "$@"
    check "$label: exit status and stdout as kmod" same_rc_out
    check "$label: stderr as kmod" same_err
}

for n in configfs dm_mod drm efi_pstore fuse loop no_such_module pcspkr my-blacklisted-alias \
    platform:pcspkr my-alias "$BUILTIN" dummy bonding ok-install failing-install; do
    case_ "modprobe -abq $n" -abq "$n"
done
case_ "modprobe -abq with several names" -abq no_such_module dummy pcspkr fuse "$BUILTIN"
case_ "modprobe -abq, all names answered without loading" -abq no_such_module dummy pcspkr \
    my-blacklisted-alias "$BUILTIN" ok-install
case_ "modprobe -ab (not quiet) with several names" -ab no_such_module my-blacklisted-alias dummy
ENVV=MODPROBE_OPTIONS=-v case_ "MODPROBE_OPTIONS=-v modprobe -abq" -abq dummy pcspkr "$BUILTIN" loop

# What systemd relies on, outright.
status() {
    local want=$1 got
    shift
    run o "$@" >"$SCR/t.o"
    got=$(sed -n 's/^rc=//p' "$SCR/t.o")
    [ "$got" = "$want" ] || { cat "$SCR/t.o"; echo "exit status $got, expected $want"; return 1; }
}
check "exit 0: a loaded module" status 0 -abq dummy
check "exit 0: a built-in module ($BUILTIN)" status 0 -abq "$BUILTIN"
check "exit 0: a blacklisted module" status 0 -abq pcspkr
check "exit 0: an alias to a blacklisted module" status 0 -abq my-blacklisted-alias
check "exit 0: an install command that succeeds" status 0 -abq ok-install
check "exit 1: an unknown name" status 1 -abq no_such_module
check "exit 1: a module the kernel refuses" status 1 -abq loop

summary
