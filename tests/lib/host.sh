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

# ensure_trixie_root: sets TRIXIE, a Debian 13 root with kmod (debootstrap --variant=minbase,
# from the mirror this machine's apt uses), made once and kept in the cache: the kmod 34.2
# oracle, run with chroot. A root whose debootstrap didn't finish is made again.
ensure_trixie_root() {
    TRIXIE=$CACHE/trixie-root
    [ -f "$TRIXIE/.stamp" ] && [ -x "$TRIXIE/usr/bin/kmod" ] && return 0
    install_missing debootstrap=debootstrap
    local mirror
    mirror=$(awk '$1 == "URIs:" && $2 ~ /\/debian\/?$/ { print $2; exit }' \
        /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
    [ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $3 !~ /security/ { print $2; exit }' \
        /etc/apt/sources.list 2>/dev/null || true)
    mirror=${mirror:-http://deb.debian.org/debian}
    log "debootstrap trixie (kmod 34.2) from $mirror"
    rm -rf "$TRIXIE"
    mkdir -p "$CACHE"
    debootstrap --variant=minbase --include=kmod trixie "$TRIXIE" "$mirror" >"$CACHE/trixie-debootstrap.log" 2>&1 ||
        die "debootstrap trixie failed (log: $CACHE/trixie-debootstrap.log)"
    chroot "$TRIXIE" kmod --version | head -n 1 >"$TRIXIE/.stamp"
    log "trixie root: $(cat "$TRIXIE/.stamp")"
}
