# The host's packages and the Debian 13 root (part of tests/lib/lib.sh). On a fresh Debian 12
# machine (as root) the suites install what they need: `apt-get update` once per run (none when
# MODUTILS_APT_UPDATED=1), then `apt-get install`.
#
# shellcheck shell=bash

APT_UPDATED=${MODUTILS_APT_UPDATED:-0}
# apt_update_once: `apt-get update`, unless it already ran (here or in the script that started
# this one).
apt_update_once() {
    if [ "$APT_UPDATED" = 0 ]; then
        log "apt-get update"
        apt-get update -qq >&2
        APT_UPDATED=1
        export MODUTILS_APT_UPDATED=1 # for the scripts this one starts
    fi
}

# apt_install PACKAGE...: installs them (after apt_update_once).
apt_install() {
    apt_update_once
    log "apt-get install $*"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

# install_missing WHAT=PACKAGE...: installs each PACKAGE whose WHAT is missing: a command not on
# PATH, or a file (an absolute path) that does not exist.
install_missing() {
    local spec what pkgs=()
    for spec; do
        what=${spec%%=*}
        case $what in
            /*) [ -e "$what" ] && continue ;;
            *) command -v "$what" >/dev/null && continue ;;
        esac
        pkgs+=("${spec#*=}")
    done
    [ ${#pkgs[@]} = 0 ] || apt_install "${pkgs[@]}"
}

# ensure_packages: what the kernel-tree and QEMU suites need, all of it installed when any is
# missing: QEMU, cpio, static busybox (the initramfs needs the static binary, not just any
# busybox), gcc-12 and make (test modules), xz and zstd (the VM's recompressed modules), Debian's kmod (the oracle, also packed into the
# guest), binutils, and the libraries linux-kbuild's prebuilt tools (modpost, objtool) link.
ensure_packages() {
    local missing=() p
    command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
    command -v cpio >/dev/null || missing+=(cpio)
    command -v gcc-12 >/dev/null || missing+=(gcc-12)
    command -v make >/dev/null || missing+=(make)
    command -v xz >/dev/null || missing+=(xz-utils)
    command -v zstd >/dev/null || missing+=(zstd)
    command -v modinfo >/dev/null || missing+=(kmod)
    command -v kmod >/dev/null || missing+=(kmod)
    command -v depmod >/dev/null || missing+=(kmod)
    command -v objcopy >/dev/null || missing+=(binutils)
    for p in busybox-static libelf1 libssl3 zlib1g; do
        dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        log "missing: ${missing[*]}"
        apt_install qemu-system-x86 cpio busybox-static gcc-12 make xz-utils zstd kmod binutils \
            libelf1 libssl3 zlib1g
    fi
}

# The Debian 13 root's packages: kmod (34.2, the oracle), and initramfs-tools with what Debian
# 13 recommends for it, busybox and zstd (the real client of tests/diff/mkinitramfs.sh); the
# clients of libkmod.so.2 (dracut, systemd and udev, pciutils), kmod 34.2's libkmod.h
# (libkmod-dev) for tests/diff/libkmod.sh, and valgrind for tests/diff/dracut.sh. A new
# root gets them from debootstrap (--include, with their dependencies); a root made before this
# list grew gets what it lacks with apt-get in the root.
TRIXIE_PACKAGES=(kmod initramfs-tools busybox zstd dracut-core dracut-install systemd udev pciutils libkmod-dev valgrind)

# ensure_trixie_root: sets TRIXIE, a Debian 13 root with $TRIXIE_PACKAGES (debootstrap
# --variant=minbase, from the mirror this machine's apt uses), made once and kept in the cache:
# kmod 34.2 and Debian 13's clients, run with chroot. A root whose debootstrap didn't finish is
# made again; a package missing from a root made before is installed into it (`apt-get update`
# and `apt-get install --no-install-recommends` in the root; what is installed stays as it
# is). Suites run at the same time: one at a time checks, makes or extends the root, holding
# an exclusive flock on $CACHE/trixie-root.lock; the others wait. Running tools in the root needs
# no lock: installing packages leaves kmod alone.
ensure_trixie_root() {
    TRIXIE=$CACHE/trixie-root
    mkdir -p "$CACHE"
    local lock
    exec {lock}>"$CACHE/trixie-root.lock"
    flock "$lock"
    if [ ! -f "$TRIXIE/.stamp" ] || [ ! -x "$TRIXIE/usr/bin/kmod" ]; then
        trixie_debootstrap
    fi
    trixie_install_missing
    exec {lock}>&-
}

# trixie_mount_point DIR: an empty directory at DIR inside the Debian 13 root, for a bind mount
# in a private mount namespace (removed at exit if made here), and the root's /usr/lib/modules
# (where kmod 34.2 looks too).
trixie_mount_point() {
    if [ ! -d "$TRIXIE$1" ]; then
        mkdir -p "$TRIXIE$1"
        at_exit rmdir "$TRIXIE$1"
    fi
    mkdir -p "$TRIXIE/usr/lib/modules"
}

# trixie_bind_same DIR...: each DIR bound at the same path inside the Debian 13 root (call it in
# a private mount namespace); the mounts, and the mount points made for them, go at exit.
trixie_bind_same() {
    local d
    for d; do
        trixie_mount_point "$d"
        mount --bind "$d" "$TRIXIE$d"
        at_exit umount "$TRIXIE$d"
    done
}

# trixie_debootstrap: makes $TRIXIE afresh (ensure_trixie_root, holding the lock).
trixie_debootstrap() {
    install_missing debootstrap=debootstrap
    local mirror
    mirror=$(awk '$1 == "URIs:" && $2 ~ /\/debian\/?$/ { print $2; exit }' \
        /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
    [ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $3 !~ /security/ { print $2; exit }' \
        /etc/apt/sources.list 2>/dev/null || true)
    mirror=${mirror:-http://deb.debian.org/debian}
    log "debootstrap trixie (${TRIXIE_PACKAGES[*]}) from $mirror"
    rm -rf "$TRIXIE"
    debootstrap --variant=minbase --include="$(IFS=,; echo "${TRIXIE_PACKAGES[*]}")" trixie \
        "$TRIXIE" "$mirror" >"$CACHE/trixie-debootstrap.log" 2>&1 ||
        die "debootstrap trixie failed (log: $CACHE/trixie-debootstrap.log)"
    chroot "$TRIXIE" kmod --version | head -n 1 >"$TRIXIE/.stamp"
    log "trixie root: $(cat "$TRIXIE/.stamp")"
}

# trixie_install_missing: installs the packages of $TRIXIE_PACKAGES that $TRIXIE lacks
# (ensure_trixie_root, holding the lock). A policy-rc.d that says no keeps the packages'
# scripts from starting services.
trixie_install_missing() {
    local missing=() p
    for p in "${TRIXIE_PACKAGES[@]}"; do
        [ "$(chroot "$TRIXIE" dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" = installed ] ||
            missing+=("$p")
    done
    [ ${#missing[@]} -gt 0 ] || return 0
    log "installing into the Debian 13 root: ${missing[*]}"
    if [ ! -e "$TRIXIE/usr/sbin/policy-rc.d" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$TRIXIE/usr/sbin/policy-rc.d"
        chmod 755 "$TRIXIE/usr/sbin/policy-rc.d"
    fi
    {
        chroot "$TRIXIE" apt-get update -qq &&
            chroot "$TRIXIE" env DEBIAN_FRONTEND=noninteractive \
                apt-get install -y -qq --no-install-recommends "${missing[@]}"
    } >"$CACHE/trixie-apt.log" 2>&1 || die "apt-get install ${missing[*]} in $TRIXIE failed (log: $CACHE/trixie-apt.log)"
    log "installed into the Debian 13 root: ${missing[*]}"
}
