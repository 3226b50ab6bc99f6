#!/usr/bin/env bash
# The Debian packages (`make deb`: modutils-rs and libkmod2-rs, docs/debian-package.md) and
# their install/remove round trip in a copy of the Debian 13 root, over kmod 34.2 and libkmod2.
#
# The copy is a full one (cp -a of the cached root, ensure_trixie_root, made holding its lock;
# an overlay on it would see what other suites do to it meanwhile, such as their mount points);
# every step runs in its own private mount namespace (unshare -m) where /proc, /sys, /dev and
# Debian's 6.12 module tree (a hard-linked copy, at /usr/lib/modules/<version>) are mounted in
# the copy, then chroot. The cached root is never written.
#
# Checks:
#   - the packages: lintian (this host's) reports no error; every path of kmod's and
#     libkmod2's packages that a system uses is in ours (not kmod's docs, nor its completions,
#     whose commands ours complete from other paths: see the Makefile);
#   - with kmod 34.2 (as debootstrap left it): depmod on the tree, modprobe --show-depends,
#     modinfo, and `update-initramfs -c` (its image lists kmod's kmod) as the references;
#   - `dpkg -i` of our two packages over kmod and libkmod2: succeeds, runs the initramfs
#     trigger (the image now holds our kmod), and leaves `dpkg --audit` empty, `apt-get check`
#     content, kmod and libkmod2 gone, ours installed as shipped (dpkg --verify), and every
#     package that depends on kmod or libkmod2 (systemd, udev, initramfs-tools, dracut,
#     pciutils, libkmod-dev) installed;
#   - the installed files are ours: each tool's --version, /usr/sbin/* links to /usr/bin/kmod,
#     libkmod.so.2 as ldconfig and lspci's and dracut-install's loader find it;
#   - with ours: depmod writes the same indexes as kmod's, modprobe and modinfo print the same,
#     `update-initramfs -u` builds an image with the same file list as kmod's (dracut-install
#     copies the modules with our libkmod);
#   - removing ours and installing kmod and libkmod2 again (apt-get install from the root's
#     apt cache, then dpkg --purge of ours): succeeds, `dpkg --audit` empty, `apt-get check`
#     content, kmod's files as shipped (dpkg --verify), the initramfs trigger put kmod's kmod
#     back into the image, and the root holds exactly the paths it held before with the same
#     content (find / -xdev; but logs, caches, dpkg's and apt's state: see VOLATILE);
#   - the same through apt: `apt-get install` of our .deb files (audit, check, the clients
#     installed), back to kmod again, and again the same root as before.
#
# Prints `PASS <name>` / `FAIL <name>` per check and a last line `N passed, N failed`; exits 1
# if any check failed, 2 if the setup failed. Root only.
#
# Usage: tests/deb.sh
# Environment: MODUTILS_CACHE (see tests/lib/lib.sh); MODUTILS_DEBS: a directory holding
# modutils-rs_*.deb and libkmod2-rs_*.deb to test (default: `make deb`, into target/deb);
# KEEP_SCRATCH=1 keeps the scratch directory (with the root as the test left it).
set -euo pipefail
# shellcheck source=tests/lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/lib.sh"
cd "$ROOT"
CHECK_LINES=60

ns_ready ""
install_missing dh=debhelper lintian=lintian make=make
ensure_trixie_root
prepare_kernel 6.12

if [ -n "${MODUTILS_DEBS:-}" ]; then
    DEBS_DIR=$(cd "$MODUTILS_DEBS" && pwd)
else
    log "make deb"
    make -s deb >&2 || die "make deb failed"
    DEBS_DIR=$ROOT/target/deb
fi
OUR_DEBS=()
for p in modutils-rs libkmod2-rs; do
    f=("$DEBS_DIR/${p}_"*.deb)
    [ -f "${f[0]}" ] || die "no ${p}_*.deb in $DEBS_DIR"
    OUR_DEBS+=("${f[0]}")
done

make_scratch deb-test "$WORK" # the tree's hard links want the cache's filesystem
mkdir -p "$SCR/out"
tree_copy "$SCR/tree"
log "copying the Debian 13 root"
R=$SCR/root
(
    flock 9
    cp -a "$TRIXIE" "$R"
) 9>"$CACHE/trixie-root.lock" || die "copying $TRIXIE failed"

# in_root CMD ARGS...: CMD (a command of the root) run with chroot in the copy, in its own
# mount namespace (see the top); stdin, stdout and stderr are the caller's.
in_root() {
    # shellcheck disable=SC2016 # expanded by the inner sh
    unshare -m sh -c '
        set -e
        R=$1 V=$2 TREE=$3
        shift 3
        mount --make-rprivate /
        mount -t proc proc "$R/proc"
        mount -t sysfs sysfs "$R/sys"
        mount --rbind /dev "$R/dev"
        mkdir -p "$R/usr/lib/modules/$V"
        mount --bind "$TREE" "$R/usr/lib/modules/$V"
        exec chroot "$R" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \
            DEBIAN_FRONTEND=noninteractive "$@"' sh "$R" "$KVER" "$SCR/tree/lib/modules/$KVER" "$@"
}

# The packages' files, in the root's /tmp.
mkdir -p "$R/tmp/debs"
cp "${OUR_DEBS[@]}" "$R/tmp/debs/"
# Debian's kmod and libkmod2 as the root has them: its apt cache, else apt-get download there.
KMOD_DEBS=()
for p in kmod libkmod2; do
    # shellcheck disable=SC2016 # dpkg-query's format
    v=$(chroot "$R" dpkg-query -W -f='${Version}' "$p") || die "$p is not installed in $TRIXIE"
    f=("$R/var/cache/apt/archives/${p}_${v//:/%3a}_"*.deb)
    if [ -f "${f[0]}" ]; then
        cp "${f[0]}" "$R/tmp/debs/"
    else
        log "apt-get download $p=$v (in the root's copy)"
        in_root sh -c "cd /tmp/debs && apt-get download -qq $p=$v" >&2 || die "apt-get download $p failed"
        f=("$R/tmp/debs/${p}_"*.deb)
        [ -f "${f[0]}" ] || die "apt-get download $p gave no file"
    fi
    KMOD_DEBS+=("$R/tmp/debs/$(basename "${f[0]}")")
done
# The kernel's /boot files: update-initramfs -u (the trigger's) builds for the kernels it finds
# there.
mkdir -p "$R/boot"
cp "$KDIR/boot/config-$KVER" "$KDIR/boot/vmlinuz-$KVER" "$R/boot/"
DUMP=$(our_tool INDEX_DUMP "$RELEASE_DIR/index-dump" cargo_release tests)

# ---------------------------------------------------------------- the packages themselves

lintian_clean() {
    local out=$SCR/out/lintian
    lintian --pedantic --display-info "${OUR_DEBS[@]}" >"$out" 2>&1 || true
    sed 's/^/NOTE: /' "$out"
    [ -s "$out" ] || { echo "no lintian output at all"; return 1; }
    ! grep -q '^E:' "$out"
}

# deb_paths DEB...: the paths the packages ship (directories too), sorted.
deb_paths() {
    local d
    for d; do dpkg-deb -c "$d"; done | awk '{ print $6 }' | sed 's|^\./|/|; s|/$||' |
        grep -v '^$' | LC_ALL=C sort -u
}

# kmod's paths a system relies on: all but its docs and its completions (see the top).
kmods_paths() {
    deb_paths "${KMOD_DEBS[@]}" | grep -v -e '^/usr/share/doc' -e '^/usr/share/bash-completion' \
        -e '^/usr/share/fish' -e '^/usr/share/zsh'
}

same_layout() {
    local missing
    missing=$(LC_ALL=C comm -23 <(kmods_paths) <(deb_paths "${OUR_DEBS[@]}"))
    echo "NOTE: $(kmods_paths | wc -l) of kmod's and libkmod2's paths checked"
    [ -z "$missing" ] || { echo "kmod's packages ship, ours not:"; echo "$missing"; return 1; }
}

check "lintian: no error (warnings and infos listed)" lintian_clean
check "our packages ship every path of kmod's and libkmod2's but docs and completions" same_layout

# ---------------------------------------------------------------- helpers for the root

# VOLATILE: what the package operations may change besides the packages' own files; left out
# of the before/after comparison.
VOLATILE='^(/var/log|/var/cache|/var/lib/dpkg|/var/lib/apt|/var/backups|/tmp|/var/tmp|/run|/proc|/sys|/dev|/usr/lib/modules)(/|$)'

# snapshot NAME: every path of the root (find -xdev) with its type, link target
# and, for regular files, md5sum, but VOLATILE; in $SCR/out/NAME. /boot/initrd.img-* by path
# only (each image build writes another).
snapshot() {
    in_root sh -c 'find / -xdev -printf "%y %p %l\n"' | grep -Ev "^. ${VOLATILE:1}" |
        LC_ALL=C sort >"$SCR/out/$1.paths"
    in_root sh -c 'find / -xdev -type f ! -path "/boot/initrd.img-*" -print0 | xargs -0 md5sum' |
        awk '{ print $2, $1 }' | grep -Ev "${VOLATILE}" | LC_ALL=C sort >"$SCR/out/$1.md5"
}

# status PKG: its dpkg status (installed, config-files, not-installed, ...).
status() {
    local s
    # shellcheck disable=SC2016 # dpkg-query's format
    s=$(in_root dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) || s=not-installed
    echo "${s:-not-installed}"
}

audit_empty() {
    local out
    out=$(in_root dpkg --audit 2>&1) || { echo "$out"; return 1; }
    [ -z "$out" ] || { echo "$out"; return 1; }
}

apt_check() { in_root apt-get check; }

# installed PKG...: each has status installed.
installed() {
    local p bad=0 s
    for p; do
        s=$(status "$p")
        echo "NOTE: $p: $s"
        [ "$s" = installed ] || bad=1
    done
    [ "$bad" = 0 ]
}

# gone PKG...: none is installed (not-installed or config-files).
gone() {
    local p bad=0 s
    for p; do
        s=$(status "$p")
        echo "NOTE: $p: $s"
        case $s in not-installed | config-files) ;; *) bad=1 ;; esac
    done
    [ "$bad" = 0 ]
}

# verified PKG...: dpkg --verify says nothing (every file as the package shipped it).
verified() {
    local out
    out=$(in_root dpkg --verify "$@" 2>&1) || { echo "$out"; return 1; }
    [ -z "$out" ] || { echo "$out"; return 1; }
}

# The clients: every package of the root that depends on kmod or libkmod2 (or recommends it).
CLIENTS=()
# shellcheck disable=SC2016 # dpkg-query's format
mapfile -t CLIENTS < <(chroot "$R" dpkg-query -W -f='${Package}\t${Depends}, ${Pre-Depends}, ${Recommends}\n' |
    awk -F'\t' '$2 ~ /(^|[ ,|])(kmod|libkmod2)([ ,(:]|$)/ && $1 != "kmod" { print $1 }')
[ ${#CLIENTS[@]} -ge 5 ] || die "only ${#CLIENTS[@]} clients of kmod/libkmod2 in $TRIXIE: ${CLIENTS[*]}"
log "clients of kmod and libkmod2 in the root: ${CLIENTS[*]}"

# references WHO: depmod on the tree, then modprobe and modinfo; outputs in $SCR/out/WHO.*.
MODS=(ext4 btrfs e1000 virtio_net snd-hda-intel xhci-pci)
references() {
    local who=$1 m
    in_root depmod "$KVER" >"$SCR/out/$who.depmod.log" 2>&1 || echo "depmod: exit $?" >>"$SCR/out/$who.depmod.log"
    mkdir -p "$SCR/out/$who.idx"
    cp "$SCR/tree/lib/modules/$KVER"/modules.* "$SCR/out/$who.idx/"
    for m in "${MODS[@]}"; do
        echo "== $m"
        in_root modprobe -S "$KVER" --show-depends "$m" 2>&1 || echo "exit $?"
        in_root modprobe -n -v -S "$KVER" "$m" 2>&1 || echo "exit $?"
        in_root modinfo -k "$KVER" "$m" 2>&1 || echo "exit $?"
    done >"$SCR/out/$who.tools"
}

# same_indexes: the same files (ours with its modules.cache.bin), each byte-identical but modules.symbols (the same lines, in
# another order: symbols-order in docs/compatibility.md), compared sorted, and
# modules.symbols.bin, compared by content (index-dump, sorted).
same_indexes() {
    local files f k o bad=0
    files=("$SCR/out/k.idx"/modules.*)
    echo "NOTE: ${#files[@]} index files"
    [ "${#files[@]}" -gt 5 ] || return 1
    diff "$SCR/out/k.depmod.log" "$SCR/out/o.depmod.log" || return 1
    # Ours also keeps its module cache beside the indexes in the system's tree (depmod-cache in
    # docs/compatibility.md): there, and no other file kmod's didn't write.
    [ -s "$SCR/out/o.idx/modules.cache.bin" ] || { echo "no modules.cache.bin from our depmod"; return 1; }
    diff <(cd "$SCR/out/k.idx" && echo modules.*) \
        <(cd "$SCR/out/o.idx" && echo modules.* | sed 's/ modules\.cache\.bin//') || return 1
    for f in "${files[@]}"; do
        f=${f##*/}
        k=$SCR/out/k.idx/$f o=$SCR/out/o.idx/$f
        cmp -s "$k" "$o" && continue
        case $f in
            modules.symbols)
                cmp -s <(LC_ALL=C sort "$k") <(LC_ALL=C sort "$o") || { echo "differs: $f"; bad=1; continue; }
                ;;
            modules.symbols.bin)
                cmp -s <("$DUMP" "$k" | LC_ALL=C sort) <("$DUMP" "$o" | LC_ALL=C sort) ||
                    { echo "differs: $f"; bad=1; continue; }
                ;;
            *) echo "differs: $f"; bad=1; continue ;;
        esac
        echo "NOTE: $f: the same entries in another order (symbols-order)"
    done
    [ "$bad" = 0 ]
}

same_tools() {
    echo "NOTE: $(wc -l <"$SCR/out/o.tools") lines"
    grep -q 'kernel/fs/ext4/ext4.ko' "$SCR/out/k.tools" || { echo "kmod's output lacks ext4"; return 1; }
    diff "$SCR/out/k.tools" "$SCR/out/o.tools"
}

# image_list NAME: the file list of /boot/initrd.img-$KVER (lsinitramfs), in $SCR/out/NAME.img,
# and `kmod --version` of the image's kmod in $SCR/out/NAME.imgver.
image_list() {
    # shellcheck disable=SC2016 # expanded by the inner sh
    in_root sh -c 'set -e; rm -rf /tmp/x; unmkinitramfs /boot/initrd.img-$1 /tmp/x
        cd /tmp/x; find . -printf "%y %p %l\n" | LC_ALL=C sort >/tmp/img.list
        k=$(find . -path "*/usr/bin/kmod" | head -n 1); /tmp/x/$k --version >/tmp/img.ver 2>&1
        rm -rf /tmp/x' sh "$KVER" || return 1
    cp "$R/tmp/img.list" "$SCR/out/$1.img"
    cp "$R/tmp/img.ver" "$SCR/out/$1.imgver"
}

# image_kmod NAME WHO: the image's kmod is ours (WHO=o) or kmod's (k).
image_kmod() {
    image_list "$1" || return 1
    cat "$SCR/out/$1.imgver"
    if [ "$2" = o ]; then
        grep -q '^modutils-rs ' "$SCR/out/$1.imgver"
    else
        grep -q '^kmod version ' "$SCR/out/$1.imgver" && ! grep -q modutils-rs "$SCR/out/$1.imgver"
    fi
}

# ---------------------------------------------------------------- before: kmod 34.2

log "with kmod 34.2: depmod, modprobe, modinfo, update-initramfs -c"
installed kmod libkmod2 >/dev/null || die "kmod and libkmod2 are not installed in $TRIXIE"
references k
in_root update-initramfs -c -k "$KVER" >"$SCR/out/k.update-initramfs" 2>&1 ||
    die "update-initramfs -c with kmod failed (log: $SCR/out/k.update-initramfs)"
check "kmod's image holds kmod's kmod" image_kmod k.c k
# ld.so.cache as ldconfig writes it for the files there now (the root's may predate some, such
# as libkmod-dev's libkmod.so link): the packages' triggers run ldconfig.
in_root ldconfig || die "ldconfig in the root failed"
snapshot before
log "snapshot: $(wc -l <"$SCR/out/before.paths") paths"

# ---------------------------------------------------------------- dpkg -i ours

log "dpkg -i ${OUR_DEBS[*]##*/}"
dpkg_install() {
    in_root sh -c 'dpkg -i /tmp/debs/modutils-rs_*.deb /tmp/debs/libkmod2-rs_*.deb' >"$SCR/out/dpkg-i.log" 2>&1 ||
        { cat "$SCR/out/dpkg-i.log"; return 1; }
    grep -E 'Removing|Replac|trigger|update-initramfs' "$SCR/out/dpkg-i.log" | sed 's/^/NOTE: /'
}
check "dpkg -i modutils-rs libkmod2-rs over kmod and libkmod2" dpkg_install
check "dpkg -i: dpkg --audit says nothing" audit_empty
check "dpkg -i: apt-get check" apt_check
check "dpkg -i: kmod and libkmod2 are gone" gone kmod libkmod2
ours_as_shipped() { installed modutils-rs libkmod2-rs && verified modutils-rs libkmod2-rs; }
check "dpkg -i: ours installed, every file as shipped (dpkg --verify)" ours_as_shipped
check "dpkg -i: the clients of kmod and libkmod2 stay installed (${CLIENTS[*]})" installed "${CLIENTS[@]}"
check "dpkg -i: the initramfs trigger put our kmod into the image" image_kmod o.trigger o

ours_run() {
    local t out bad=0
    for t in kmod insmod rmmod lsmod modprobe depmod modinfo; do
        out=$(in_root "$t" --version 2>&1) || true
        echo "NOTE: $t: $(echo "$out" | tr '\n' ' ')"
        grep -q '^modutils-rs ' <<<"$out" || bad=1
    done
    for t in insmod rmmod lsmod modprobe depmod modinfo; do
        [ "$(in_root readlink "/usr/sbin/$t")" = ../bin/kmod ] ||
            { echo "/usr/sbin/$t is not a link to ../bin/kmod"; bad=1; }
    done
    [ "$(in_root readlink /usr/bin/lsmod)" = kmod ] || { echo "/usr/bin/lsmod is not a link to kmod"; bad=1; }
    [ "$bad" = 0 ]
}

# ours_lib: libkmod.so.2 as the loader finds it is libkmod2-rs's file, for ldconfig's cache and
# for lspci and dracut-install (systemd and udev load it with dlopen, by the same name).
ours_lib() {
    local p path owner bad=0
    # shellcheck disable=SC2016 # expanded by the inner sh
    path=$(in_root sh -c 'ldconfig -p | awk "\$1 == \"libkmod.so.2\" { print \$NF; exit }"')
    path=$(in_root readlink -f "$path")
    owner=$(in_root dpkg-query -S "$path" 2>/dev/null | cut -d: -f1)
    echo "NOTE: ldconfig: libkmod.so.2 is $path ($owner)"
    [ "$owner" = libkmod2-rs ] || bad=1
    for p in /usr/bin/lspci /usr/lib/dracut/dracut-install; do
        path=$(in_root ldd "$p" | awk '$1 == "libkmod.so.2" { print $3 }')
        path=$(in_root readlink -f "$path")
        owner=$(in_root dpkg-query -S "$path" 2>/dev/null | cut -d: -f1)
        echo "NOTE: $p loads $path ($owner)"
        [ "$owner" = libkmod2-rs ] || bad=1
    done
    [ "$bad" = 0 ]
}

check "ours: kmod and every tool say modutils-rs, in kmod's layout of links" ours_run
check "ours: libkmod.so.2 is ours for ldconfig, lspci and dracut-install" ours_lib

log "with ours: depmod, modprobe, modinfo, update-initramfs -u"
references o
check "ours: depmod writes the indexes kmod 34.2's wrote (byte for byte, but modules.symbols' order)" same_indexes
check "ours: modprobe --show-depends, modprobe -n -v and modinfo print what kmod's print" same_tools

# What our image holds that kmod's does not: the unwinder library Rust's standard library links
# (our kmod needs libgcc_s.so.1; kmod's C program does not), copied by copy_exec.
IMAGE_EXTRA=("f ./usr/lib/x86_64-linux-gnu/libgcc_s.so.1 ")
update_ours() {
    in_root update-initramfs -u -k "$KVER" >"$SCR/out/o.update-initramfs" 2>&1 ||
        { cat "$SCR/out/o.update-initramfs"; return 1; }
    image_kmod o.u o || return 1
    echo "NOTE: $(wc -l <"$SCR/out/o.u.img") paths in the image, $(grep -c '\.ko' "$SCR/out/o.u.img") modules"
    [ "$(grep -c '\.ko' "$SCR/out/o.u.img")" -gt 100 ] || { echo "too few modules"; return 1; }
    diff "$SCR/out/k.c.img" <(grep -v -x -F -f <(printf '%s\n' "${IMAGE_EXTRA[@]}") "$SCR/out/o.u.img") || return 1
    printf 'NOTE: only in ours: %s\n' "${IMAGE_EXTRA[@]}"
    grep -q -x -F -f <(printf '%s\n' "${IMAGE_EXTRA[@]}") "$SCR/out/o.u.img"
}
check "ours: update-initramfs -u works, the image has kmod's file list (and libgcc_s.so.1)" update_ours

# etc_modules: our maintainer scripts and /etc/modules (run as dpkg runs them, kmod not
# installed): postinst configure makes it when it is missing, comments only, mode 644;
# postrm purge removes that file again but keeps one with a module in it; postinst keeps an
# existing one as it is. The root's own /etc/modules is put back.
etc_modules() {
    # shellcheck disable=SC2016 # expanded by the inner sh
    in_root sh -c '
        set -e
        I=/var/lib/dpkg/info
        mv /etc/modules /etc/modules.deb-test
        trap "rm -f /etc/modules; mv /etc/modules.deb-test /etc/modules" EXIT
        $I/modutils-rs.postinst configure 0.1.0
        [ -f /etc/modules ] || { echo "postinst made no /etc/modules"; exit 1; }
        [ "$(stat -c %a /etc/modules)" = 644 ] || { echo "mode $(stat -c %a /etc/modules)"; exit 1; }
        ! grep -v "^#" /etc/modules || { echo "not comments only"; exit 1; }
        cp /etc/modules /tmp/modules.made
        echo loop >>/etc/modules
        $I/modutils-rs.postinst configure 0.1.0
        grep -qx loop /etc/modules || { echo "postinst changed an existing /etc/modules"; exit 1; }
        $I/modutils-rs.postrm purge
        [ -f /etc/modules ] || { echo "postrm purge removed an /etc/modules naming a module"; exit 1; }
        cp /tmp/modules.made /etc/modules
        $I/modutils-rs.postrm purge
        [ ! -e /etc/modules ] || { echo "postrm purge left the comment-only /etc/modules"; exit 1; }
        echo "NOTE: postinst wrote:"; sed "s/^/NOTE:   /" /tmp/modules.made
    '
}
check "ours: postinst makes a missing /etc/modules, postrm purge removes only that one" etc_modules

# ---------------------------------------------------------------- back to kmod 34.2

log "apt-get install kmod libkmod2, dpkg --purge modutils-rs libkmod2-rs"
back_to_kmod() {
    # shellcheck disable=SC2016 # expanded by the inner sh
    in_root sh -c 'apt-get install -y --no-download -o Dpkg::Use-Pty=0 /tmp/debs/kmod_*.deb /tmp/debs/libkmod2_*.deb &&
        dpkg --purge modutils-rs libkmod2-rs' >"$SCR/out/back.log" 2>&1 || { cat "$SCR/out/back.log"; return 1; }
    grep -E 'REMOVED|Removing|Purging|trigger' "$SCR/out/back.log" | sed 's/^/NOTE: /'
}
check "apt-get install kmod libkmod2 (removes ours), dpkg --purge ours" back_to_kmod
check "back: dpkg --audit says nothing" audit_empty
check "back: apt-get check" apt_check
check "back: ours are gone" gone modutils-rs libkmod2-rs
purged() { [ "$(status modutils-rs)" = not-installed ] && [ "$(status libkmod2-rs)" = not-installed ]; }
check "back: purged, not config-files" purged
kmod_as_shipped() { installed kmod libkmod2 && verified kmod libkmod2; }
check "back: kmod and libkmod2 installed, every file as shipped (dpkg --verify)" kmod_as_shipped
check "back: the clients of kmod and libkmod2 stay installed" installed "${CLIENTS[@]}"
check "back: the initramfs trigger put kmod's kmod back into the image" image_kmod k.back k

same_root() {
    snapshot after
    echo "NOTE: $(wc -l <"$SCR/out/after.paths") paths, $(wc -l <"$SCR/out/after.md5") files compared"
    diff "$SCR/out/before.paths" "$SCR/out/after.paths" || return 1
    diff "$SCR/out/before.md5" "$SCR/out/after.md5"
}
check "back: the root holds the same paths with the same content as before (no stray file)" same_root

# ---------------------------------------------------------------- the same through apt

log "apt-get install of our .deb files, then back again"
apt_ours() {
    # Absolute paths, and no --no-download: apt 3.0 then fails to find local files (after
    # removing kmod).
    in_root sh -c 'apt-get install -y -o Dpkg::Use-Pty=0 /tmp/debs/modutils-rs_*.deb /tmp/debs/libkmod2-rs_*.deb' \
        >"$SCR/out/apt-ours.log" 2>&1 || { cat "$SCR/out/apt-ours.log"; return 1; }
    grep -E 'REMOVED|NEW|Removing|Setting up' "$SCR/out/apt-ours.log" | sed 's/^/NOTE: /'
}
check "apt-get install ./modutils-rs*.deb ./libkmod2-rs*.deb over kmod and libkmod2" apt_ours
apt_state_ours() { audit_empty && apt_check && installed modutils-rs libkmod2-rs "${CLIENTS[@]}" && gone kmod libkmod2; }
check "apt: dpkg --audit says nothing, apt-get check, ours installed, kmod's gone, the clients installed" apt_state_ours
apt_back() { back_to_kmod && audit_empty && apt_check && installed kmod libkmod2 "${CLIENTS[@]}" && purged; }
check "apt: back to kmod and libkmod2, purged, dpkg --audit, apt-get check" apt_back
check "apt: the root holds the same paths with the same content as before" same_root

summary
