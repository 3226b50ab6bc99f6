#!/usr/bin/env bash
# Real, unmodified clients of libkmod.so.2 in the Debian 13 root, run once with kmod 34.2's
# library and once with ours in its place: Debian 13's dracut-install (dracut 106), lspci -k
# (pciutils 3.13) and a whole dracut run. dracut-install needs LIBKMOD_33
# (kmod_module_get_weakdeps): kmod 30's library cannot run it, so kmod 34.2 is the only oracle.
#
# Nothing of the cached root is written: every run happens in an overlay of it (lower: the
# root, upper: this run's scratch directory) mounted in this script's private mount namespace.
# "Ours" is our library bound over the root's libkmod.so.2.5.1 (what libkmod.so.2 points to) in
# a further namespace, so the clients load it by their usual name and path, as they would once it
# is installed; "kmod" is the root as it is. Two checks first assert which library each side
# loads (the loader's answer for dracut-install, and the bytes at that path).
#
# Debian's 6.1 (.ko) and 6.12 (.ko.xz) trees, hard-linked copies indexed by kmod 34.2's depmod
# (in the root), are bound at /lib/modules/<version> in the overlay. The root gets a
# configuration (/etc/modprobe.d/dracut-test.conf: softdep and weakdep lines, an alias; Debian's
# modules declare no weakdep: two lines are added to modules.weakdep) and firmware files named as
# e100, tg3 and brcmfmac ask (some .zst or .xz, one missing; /lib/firmware and /srv/fw).
#
# dracut-install (section `install`): each invocation runs with kmod's library and with ours, the
# same DESTDIR (-D /dest) emptied in between; compared: the exit status, stdout, stderr
# (addresses masked), and the installed tree (each path, its type and mode, a symlink's target,
# a file's SHA-256); a case that should install something asserts that kmod's side did. The
# invocations are dracut's own (modules.d/90kernel-modules: `instmods hid_generic unix`,
# `=drivers/hid`, `dracut_instmods -o -s "$_blockfuncs" =drivers`, `-o -P ... =fs`; 45drm: `-o
# -s drm_... -S iw_handler_get_spy`; 90lvm: `-o -P ... =drivers/md`) plus each option that
# reaches the library: names (also with .ko / .ko.xz), aliases (crypto-, fs-, a PCI modalias,
# one of the configuration), absolute paths, softdeps of the index and of the configuration,
# weakdeps, firmware (plain, .zst, .xz, globs, missing, --firmwaredirs, the default
# directories), --mod-filter-path, -nopath, -symbol, -nosymbol (matched against
# kmod_module_symbol_get_symbol of a dependency symbol: see docs/libkmod-clients.md), -noname,
# -o, --silent, --kerneldir (under .../lib/modules/ and elsewhere), -r SYSROOTDIR, the default
# kernel directory (/lib/modules/$(uname -r)), -H with DRACUT_KERNEL_MODALIASES and -H asking the
# library for the loaded modules (this machine's /proc and /sys), --modalias (what dracut runs
# first in host-only mode: this machine's /sys/devices), KMOD_LOG=info (the library's own
# messages), --debug.
#
# lspci (section `lspci`; -k, -vmmk, -nnk): /sys, /proc and /dev of this machine bound read-only
# into the overlay, /lib/modules/$(uname -r) a Debian tree (each in turn): the whole output
# compared ("Kernel modules:" comes from the library's lookups of the devices' modaliases); then
# 22 made-up devices of common hardware (libpci's sysfs.path), where kmod's must name 15 modules
# or more. The same again with Debian 12's lspci on this machine, kmod 30's library against ours
# (LD_LIBRARY_PATH).
#
# dracut (section `full`, 6.12 only): `dracut --no-hostonly --no-compress --reproducible --kver
# 6.12...` in the overlay (/sys, /proc, /dev bound read-only), twice with kmod's library, then
# with ours. Compared: the exit status, the image's tree (unpacked with cpio: paths, types, modes,
# symlink targets, SHA-256s), then dracut's output (its temporary directory's name masked). Left
# out of the tree: the library file itself (dracut copies the libkmod.so.2 it finds: ours on our
# side) and what differs between the two runs with kmod's library (shown as NOTE lines; nothing
# so far; the image must hold more than 100 modules). Each
# dracut run takes 10 to 30 s here; the whole script 1.5 to 3.5 minutes (our side does less
# work while info is a stub).
#
# Usage: tests/diff/dracut.sh [install|lspci|full|all] [6.1|6.12|all]   (default: all, both)
# Environment: MODUTILS_LIBKMOD (our library, a file; default: a release build of libkmod),
# MODUTILS_CACHE, MODUTILS_WORK, KEEP_SCRATCH (tests/lib/lib.sh). Root only.
#
# Prints `PASS <name>` / `FAIL <name>` per check and a last line `N passed, N failed`; exits 1 if
# any check failed, 2 if the setup failed.
set -euo pipefail

# shellcheck source=tests/lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"
CHECK_LINES=60

case "${1:-default}" in
    default | all) SECTIONS=(install lspci full) ;;
    install | lspci | full) SECTIONS=("$1") ;;
    *) die "usage: $0 [install|lspci|full|all] [6.1|6.12|all]" ;;
esac
series_from "${2:-all}"

if [ "${DRACUT_IN_NS:-0}" != 1 ]; then
    ns_ready
    exec unshare -m --propagation private env DRACUT_IN_NS=1 "$0" "$@"
fi
mount --make-rprivate /

ensure_trixie_root
ns_ready lib-modules
install_missing lspci=pciutils cpio=cpio
build_libkmod
make_scratch dracut "$WORK" # on the cache's filesystem: hard-linked trees

# The overlay: every write of this script and of the clients lands in $SCR/upper.
RT=$SCR/root
mkdir -p "$SCR/upper" "$SCR/ovwork" "$RT"
mount -t overlay overlay -o "lowerdir=$TRIXIE,upperdir=$SCR/upper,workdir=$SCR/ovwork" "$RT" ||
    die "cannot mount an overlay of $TRIXIE"
at_exit umount -R -l "$RT"

LIBDIR=/usr/lib/x86_64-linux-gnu
KLIBFILE=$(readlink "$RT$LIBDIR/libkmod.so.2") || die "no $LIBDIR/libkmod.so.2 in the root"
KLIB=$LIBDIR/$KLIBFILE
OURLIB=$SCR/libkmod.so.2
cp "$LIBKMOD_DIR/libkmod.so.2" "$OURLIB"
chmod --reference="$RT$KLIB" "$OURLIB"
RELEASE=$(uname -r)

# in_root SIDE CMD ARGS...: CMD in the overlay (chroot), with kmod's library (SIDE k) or ours
# bound over it (SIDE o), in a mount namespace of its own; `--sys` first binds this machine's
# /sys, /proc and /dev read-only.
in_root() {
    local side=$1 sys=
    shift
    [ "$1" != --sys ] || { sys=1; shift; }
    # shellcheck disable=SC2016 # expanded by the inner sh
    unshare -m sh -c '
        set -e
        rt=$1 side=$2 ours=$3 klib=$4 sys=$5
        shift 5
        if [ "$side" = o ]; then mount --bind "$ours" "$rt$klib"; fi
        if [ -n "$sys" ]; then
            mount --rbind /sys "$rt/sys"; mount -o remount,bind,ro "$rt/sys"
            mount --rbind /proc "$rt/proc"; mount -o remount,bind,ro "$rt/proc"
            mount --rbind /dev "$rt/dev"; mount -o remount,bind,ro "$rt/dev"
        fi
        exec chroot "$rt" "$@"' sh "$RT" "$side" "$OURLIB" "$KLIB" "$sys" "$@"
}

# The library each side maps, asserted (a client that loaded another library would prove
# nothing).
maps_lib() {
    local side=$1 want=$2 got
    # The dynamic loader's answer for a client (LD_TRACE_LOADED_OBJECTS, as ldd), then the
    # bytes at that path as the side sees them.
    in_root "$side" env LD_TRACE_LOADED_OBJECTS=1 /usr/lib/dracut/dracut-install </dev/null |
        grep libkmod
    got=$(in_root "$side" sha256sum "$KLIB" | awk '{ print $1 }')
    [ "$got" = "$want" ] || { echo "$KLIB seen by side $side: $got, want $want"; return 1; }
}
K_SUM=$(sha256sum "$RT$KLIB" | awk '{ print $1 }')
O_SUM=$(sha256sum "$OURLIB" | awk '{ print $1 }')
check "setup: kmod's side loads kmod 34.2's $KLIB" maps_lib k "$K_SUM"
check "setup: our side loads our library at $KLIB" maps_lib o "$O_SUM"

# The configuration both sides read (the root's /etc/modprobe.d, in the overlay).
mkdir -p "$RT/etc/modprobe.d"
cat >"$RT/etc/modprobe.d/dracut-test.conf" <<'EOF'
# softdeps and weakdeps dracut-install follows (kmod_module_get_softdeps, _get_weakdeps)
softdep dummy pre: bonding post: veth
softdep macvlan pre: no-such-module-pre post: dummy
weakdep ipvlan vxlan geneve
weakdep veth no-such-module-weak
alias my-test-alias tun
EOF

# Firmware: /lib/firmware (a default directory) and /srv/fw (--firmwaredirs): empty files
# named as e100, tg3 and brcmfmac ask (one e100 file missing everywhere; brcmfmac's globs).
fw() {
    local f=$1/$2
    mkdir -p "$(dirname "$f")"
    printf '%s\n' "$2" >"$f"
}
mkdir -p "$RT/usr/lib/firmware" "$RT/srv/fw"
fw "$RT/usr/lib/firmware" e100/d101m_ucode.bin
fw "$RT/usr/lib/firmware" tigon/tg3.bin
fw "$RT/usr/lib/firmware" tigon/tg3_tso.bin.zst
fw "$RT/usr/lib/firmware" tigon/tg3_tso5.bin.xz
fw "$RT/srv/fw" e100/d101s_ucode.bin
fw "$RT/srv/fw" tigon/tg357766.bin
fw "$RT/usr/lib/firmware" brcm/brcmfmac4350-pcie.bin
fw "$RT/usr/lib/firmware" brcm/brcmfmac4356-pcie.txt
fw "$RT/srv/fw" brcm/brcmfmac43455-sdio.raspberrypi,4-model-b.bin

# A tree for each series: a hard-linked copy of Debian's, indexed by kmod 34.2's depmod in the
# root, bound at /lib/modules/VERSION in the overlay.
declare -A KVERS
setup_tree() {
    local t=$SCR/trees/$KVER
    tree_copy "$t"
    mkdir -p "$RT/usr/lib/modules/$KVER"
    mount --bind "$t/lib/modules/$KVER" "$RT/usr/lib/modules/$KVER"
    log "kmod 34.2's depmod on $KVER"
    chroot "$RT" depmod -a "$KVER" || die "depmod $KVER failed"
    # Debian's modules declare no weak dependency: two lines as depmod writes them from a
    # `weakdep:` modinfo key (a new file: the cached tree stays as it is).
    local w=$t/lib/modules/$KVER/modules.weakdep
    { cat "$w"; printf 'weakdep tun macvtap\nweakdep e1000e vxlan\n'; } >"$w.new"
    mv "$w.new" "$w"
    KVERS[$1]=$KVER
}

# tree_listing DIR: what DIR holds, one line per entry: its path, type (find's %y), mode, and a
# symlink's target or a file's SHA-256.
tree_listing() {
    [ -d "$1" ] || { echo "(no $1)"; return; }
    (
        cd "$1"
        find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum |
            sed 's|  \./|\t|' >"$SCR/sums"
        find . -mindepth 1 -printf '%P\t%y\t%m\t%l\n' | LC_ALL=C sort |
            awk -F '\t' 'NR == FNR { sum[$2] = $1; next }
                { print $1, $2, $3, ($2 == "f" ? sum[$1] : $4) }' "$SCR/sums" -
    )
}

# files LISTING: how many regular files a tree_listing holds.
files() { awk '$2 == "f"' "$1" | wc -l; }

# di NAME ARGS...: `dracut-install -D /dest ARGS...` with each library, /dest emptied before;
# $SCR/r/NAME.{k,o}.{rc,out,err,tree}. The environment of the call: $DI_ENV (VAR=VALUE...), and
# $DI_SYS=1 binds /sys and /proc.
DI_ENV=()
DI_SYS=
di() {
    local name=$1 side rc
    shift
    mkdir -p "$SCR/r"
    for side in k o; do
        rm -rf "$RT/dest"
        mkdir "$RT/dest"
        in_root "$side" ${DI_SYS:+--sys} env ${DI_ENV[@]+"${DI_ENV[@]}"} \
            /usr/lib/dracut/dracut-install -D /dest "$@" \
            >"$SCR/r/$name.$side.out" 2>"$SCR/r/$name.$side.err" </dev/null && rc=0 || rc=$?
        echo "$rc" >"$SCR/r/$name.$side.rc"
        sed -i -E 's/0x[0-9a-f]{6,}/0xADDRESS/g' "$SCR/r/$name.$side.err"
        tree_listing "$RT/dest" >"$SCR/r/$name.$side.tree"
    done
}

# same NAME [MIN]: the last `di NAME` compared: exit status, stdout, stderr, installed tree;
# with MIN, kmod's side must have installed at least MIN files (the case proves something).
same() {
    local n=$SCR/r/$1 min=${2:-0} files
    diff -u "$n.k.rc" "$n.o.rc" || { echo "exit status differs (kmod: $(cat "$n.k.rc"), ours: $(cat "$n.o.rc"))"; return 1; }
    diff -u "$n.k.out" "$n.o.out" || return 1
    diff -u "$n.k.err" "$n.o.err" || return 1
    diff -u "$n.k.tree" "$n.o.tree" || return 1
    files=$(files "$n.k.tree")
    echo "NOTE exit status $(cat "$n.k.rc"), $files files installed, $(wc -l <"$n.k.err") lines of stderr"
    [ "$files" -ge "$min" ] || { echo "kmod's side installed $files files, expected at least $min"; return 1; }
}

# lines_at_least FILE N: FILE has N lines or more.
lines_at_least() {
    local n
    n=$(wc -l <"$1")
    echo "NOTE $n lines"
    [ "$n" -ge "$2" ] || { cat "$1"; echo "$n lines, expected at least $2"; return 1; }
}

# case_ LABEL MIN ARGS...: di, then the comparison.
case_() {
    local label=$1 min=$2 name
    shift 2
    name=$(printf '%s' "$S-$label" | tr -c 'A-Za-z0-9._-' '_')
    di "$name" "$@"
    check "dracut-install $S: $label" same "$name" "$min"
}

# vg NAME ARGS...: `dracut-install -D /dest ARGS...` under valgrind (memcheck, full leak check)
# with each library; $SCR/r/NAME.vg.{k,o}: valgrind's report.
vg() {
    local name=$1 side
    shift
    mkdir -p "$SCR/r"
    for side in k o; do
        rm -rf "$RT/dest"
        mkdir "$RT/dest"
        # valgrind needs /proc.
        in_root "$side" --sys valgrind --leak-check=full --show-leak-kinds=definite,indirect \
            --num-callers=30 /usr/lib/dracut/dracut-install -D /dest "$@" \
            >/dev/null 2>"$SCR/r/$name.vg.$side" </dev/null || true
    done
}

# vg_leaks FILE: the library functions whose results a valgrind report says were lost: for each
# definitely lost block, the first exported `kmod_*` function on its stack (ours show as
# kmod_rs::api::NAME), one per line, sorted and unique.
vg_leaks() {
    awk '/are definitely lost/ { inrec = 1; next }
        inrec && match($0, /kmod_[a-z_]+ \(in /) { print substr($0, RSTART, RLENGTH - 5); inrec = 0 }
        /^==[0-9]+== $/ { inrec = 0 }' "$1" | sed 's/^kmod_rs::api:://' | LC_ALL=C sort -u
}

# vg_clean NAME: our library's run of the last `vg NAME`: no memory error at all (invalid
# reads or writes, uninitialised values, bad frees), and nothing lost that kmod's library
# doesn't lose in the same run: dracut-install never frees its context nor some lookup lists,
# with either library, so the check is that the lost blocks come from the same library calls.
vg_clean() {
    local k=$SCR/r/$1.vg.k o=$SCR/r/$1.vg.o extra
    grep -q 'ERROR SUMMARY' "$o" && grep -q 'ERROR SUMMARY' "$k" || { tail -n 20 "$o" "$k"; return 1; }
    if grep -E '^==[0-9]+== (Invalid|Conditional jump|Use of uninitialised|Mismatched free|Syscall param)' "$o"; then
        return 1
    fi
    extra=$(LC_ALL=C comm -23 <(vg_leaks "$o") <(vg_leaks "$k"))
    echo "NOTE lost through: kmod's library: $(vg_leaks "$k" | tr '\n' ' ')ours: $(vg_leaks "$o" | tr '\n' ' ')"
    echo "NOTE kmod's: $(grep -o 'definitely lost: [0-9,]* bytes in [0-9,]* blocks' "$k"); ours: $(grep -o 'definitely lost: [0-9,]* bytes in [0-9,]* blocks' "$o")"
    [ -z "$extra" ] || { echo "lost only with ours, through: $extra"; return 1; }
}

# dracut's own lists (modules.d/90kernel-modules/module-setup.sh).
BLOCKFUNCS='ahci_platform_get_resources|ata_scsi_ioctl|scsi_add_host|blk_cleanup_queue|register_mtd_blktrans|scsi_esp_register|register_virtio_device|usb_stor_disconnect|mmc_add_host|sdhci_add_host|scsi_add_host_with_dma|blk_alloc_disk|blk_mq_alloc_disk|blk_mq_alloc_request|blk_mq_destroy_queue|blk_cleanup_disk'
NETFUNCS='register_netdev|register_netdevice|usbnet_open'
DRMFUNCS='drm_crtc_init|drm_dev_register|drm_encoder_init'

install_suite() {
    local S=$1 kd=/lib/modules/$KVER ext
    case $S in 6.1) ext=ko ;; *) ext=ko.xz ;; esac
    log "dracut-install on $KVER"
    case_ "a name" 3 --kerneldir "$kd" -m ext4
    case_ "names, .ko suffixes" 4 --kerneldir "$kd" -m dummy.ko "veth.$ext" btrfs
    case_ "instmods hid_generic unix (90kernel-modules)" 0 --kerneldir "$kd" -m hid_generic unix
    case_ "aliases" 3 --kerneldir "$kd" -m crypto-crc32c fs-vfat my-test-alias \
        'pci:v00008086d000010D3sv00008086sd0000A01Fbc02sc00i00'
    case_ "absolute path" 1 --kerneldir "$kd" -m "$kd/kernel/drivers/net/bonding/bonding.$ext"
    case_ "=drivers/hid =drivers/input/serio (90kernel-modules)" 20 --kerneldir "$kd" \
        -m =drivers/hid =drivers/input/serio
    case_ "softdeps and weakdeps of the configuration" 5 --kerneldir "$kd" -m dummy macvlan ipvlan veth
    case_ "softdeps of the index (modules.softdep)" 3 --kerneldir "$kd" -m nfsd
    case_ "weakdeps of the index (modules.weakdep)" 4 --kerneldir "$kd" -m tun e1000e
    case_ "firmware: plain, .zst, .xz, --firmwaredirs, missing" 4 --kerneldir "$kd" \
        --firmwaredirs /srv/fw:/lib/firmware -m e100 tg3
    case_ "firmware: globs" 2 --kerneldir "$kd" --firmwaredirs /lib/firmware:/srv/fw -m brcmfmac
    # Under valgrind (slow: a few names, and one symbol filter over one directory).
    vg "$S-vg-names" --kerneldir "$kd" --firmwaredirs /srv/fw:/lib/firmware \
        -m e100 dummy macvlan crypto-crc32c ext4 nfsd tun
    check "dracut-install $S under valgrind: names, aliases, softdeps, weakdeps, firmware: our library clean" \
        vg_clean "$S-vg-names"
    vg "$S-vg-symbols" --kerneldir "$kd" -o -s "$NETFUNCS" =drivers/net/ethernet/intel
    check "dracut-install $S under valgrind: -s over =drivers/net/ethernet/intel: our library clean" \
        vg_clean "$S-vg-symbols"
    case_ "firmware: the default directories" 2 --kerneldir "$kd" -m e100 tg3
    case_ "-o -s BLOCKFUNCS =drivers (dracut_instmods of 90kernel-modules)" 50 \
        --kerneldir "$kd" -o -s "$BLOCKFUNCS" -m =drivers
    case_ "-o -s DRMFUNCS -S iw_handler_get_spy (45drm)" 1 --kerneldir "$kd" --silent -o \
        -s "$DRMFUNCS" -S iw_handler_get_spy -m bochs cirrus qxl virtio-gpu i915
    case_ "-o -s DRMFUNCS =drivers/gpu/drm =drivers/staging (45drm)" 20 --kerneldir "$kd" -o \
        -s "$DRMFUNCS" -m =drivers/gpu/drm =drivers/staging
    case_ "--mod-filter-symbol NETFUNCS =drivers/net/ethernet/intel" 5 --kerneldir "$kd" -o \
        --mod-filter-symbol "$NETFUNCS" -m =drivers/net/ethernet/intel
    case_ "--mod-filter-symbol, not optional: a module that does not match" 0 --kerneldir "$kd" \
        --mod-filter-symbol "$NETFUNCS" -m e1000e ext4
    # kmod_module_symbol_get_symbol on kmod_module_get_dependency_symbols's list (dracut does
    # so for -S): kmod 34.2 answers the bind letter and the name ("Uregister_netdev"), so an
    # anchored expression matches nothing.
    case_ "--mod-filter-nosymbol, unanchored" 1 --kerneldir "$kd" -o \
        --mod-filter-nosymbol 'register_netdev' -m =drivers/net/ethernet/intel =fs/fat
    case_ "--mod-filter-nosymbol, anchored" 1 --kerneldir "$kd" -o \
        --mod-filter-nosymbol '^register_netdev$' -m =drivers/net/ethernet/intel =fs/fat
    case_ "--mod-filter-nosymbol, the bind letter" 1 --kerneldir "$kd" -o \
        --mod-filter-nosymbol '^Uregister_netdev$' -m =drivers/net/ethernet/intel =fs/fat
    case_ "-o -P nfs|nfsd|lockd =fs (90kernel-modules)" 20 --kerneldir "$kd" -o \
        -P '.*/(kernel/fs/nfs|kernel/fs/nfsd|kernel/fs/lockd)/.*' -m =fs
    case_ "-o -P bcache|md-cluster =drivers/md (90lvm)" 5 --kerneldir "$kd" -o \
        -P '.*/(bcache/|md-cluster).*' -m =drivers/md
    case_ "--mod-filter-path, --mod-filter-nopath" 3 --kerneldir "$kd" -o \
        --mod-filter-path '/drivers/' --mod-filter-nopath 'e1000' -m =drivers/net/ethernet/intel ext4
    case_ "--mod-filter-path, not optional: a module that does not match" 0 --kerneldir "$kd" \
        --mod-filter-path '/drivers/' -m dummy ext4
    case_ "--mod-filter-noname (omit_drivers)" 3 --kerneldir "$kd" -o --mod-filter-noname 'igb|jbd2|crc16' \
        -m =drivers/net/ethernet/intel ext4
    case_ "an unknown name" 0 --kerneldir "$kd" -m dummy no-such-module
    case_ "an unknown name, --silent" 0 --kerneldir "$kd" --silent -m no-such-module
    case_ "an unknown name, -o" 1 --kerneldir "$kd" -o -m no-such-module dummy
    case_ "a missing path" 0 --kerneldir "$kd" -m "$kd/kernel/no/such.$ext"
    case_ "a built-in module" 0 --kerneldir "$kd" -m "$(sed -n '1{s|.*/||; s|\.ko$||; p}' \
        "$RT/usr/lib/modules/$KVER/modules.builtin")"
    # --kerneldir elsewhere: under some other .../lib/modules/ (the destination keeps
    # lib/modules/...) and in a directory without it (the full path is kept).
    mkdir -p "$RT/srv/a/lib/modules/$KVER" "$RT/srv/k-$KVER"
    mount --bind "$SCR/trees/$KVER/lib/modules/$KVER" "$RT/srv/a/lib/modules/$KVER"
    mount --bind "$SCR/trees/$KVER/lib/modules/$KVER" "$RT/srv/k-$KVER"
    case_ "--kerneldir /srv/a/lib/modules/VERSION" 3 --kerneldir "/srv/a/lib/modules/$KVER" -m ext4 dummy
    case_ "--kerneldir without /lib/modules/" 3 --kerneldir "/srv/k-$KVER" -m ext4 =drivers/net/vxlan
    # -r SYSROOTDIR, as dracut_instmods passes it with --kerneldir under it (dracutsysrootdir).
    mkdir -p "$RT/srv/sysroot/lib/modules/$KVER"
    mount --bind "$SCR/trees/$KVER/lib/modules/$KVER" "$RT/srv/sysroot/lib/modules/$KVER"
    case_ "-r SYSROOTDIR --kerneldir SYSROOTDIR/lib/modules/VERSION" 3 -r /srv/sysroot \
        --kerneldir "/srv/sysroot/lib/modules/$KVER" -m ext4 dummy
    # The default kernel directory: /lib/modules/$(uname -r) (this machine's release).
    mkdir -p "$RT/usr/lib/modules/$RELEASE"
    mount --bind "$SCR/trees/$KVER/lib/modules/$KVER" "$RT/usr/lib/modules/$RELEASE"
    case_ "no --kerneldir: /lib/modules/\$(uname -r)" 3 -m ext4 veth
    umount "$RT/usr/lib/modules/$RELEASE"
    # Host-only: the modaliases of a file, or what the library says is loaded (the library
    # asked for /proc/modules; this machine's /proc bound).
    printf '%s\n' ext4 dummy >"$RT/srv/hostonly-modules"
    DI_ENV=(DRACUT_KERNEL_MODALIASES=/srv/hostonly-modules)
    case_ "-H with DRACUT_KERNEL_MODALIASES" 2 --kerneldir "$kd" -H -m ext4 veth dummy
    DI_ENV=()
    DI_SYS=1
    case_ "-H: the loaded modules (/proc, /sys bound)" 0 --kerneldir "$kd" -H -m ext4 veth
    # What dracut runs first in host-only mode (dracut-init.sh: `--modalias >
    # $DRACUT_KERNEL_MODALIASES`): the modules of every modalias under /sys/devices, then the
    # loaded ones.
    case_ "--modalias (/sys/devices of this machine)" 0 --kerneldir "$kd" --modalias
    check "dracut-install $S: --modalias names modules with kmod's library" lines_at_least \
        "$SCR/r/$S---modalias___sys_devices_of_this_machine_.k.out" 5
    DI_SYS=
    # The library's own messages through its default log function (KMOD_LOG=info: kmod_new's
    # and kmod_unref's lines; the context's address masked).
    DI_ENV=(KMOD_LOG=info)
    case_ "KMOD_LOG=info: the library's messages" 1 --kerneldir "$kd" -m dummy no-such-module
    DI_ENV=()
    case_ "--debug, names, aliases, softdeps, firmware" 5 --debug --kerneldir "$kd" \
        --firmwaredirs /srv/fw:/lib/firmware -m e100 dummy macvlan crypto-crc32c ext4
}

# lspci_run SIDE NAME ARGS...: `lspci ARGS` with SIDE's library, $SCR/lspci/NAME.SIDE.{out,err,rc}:
# sides k and o in the Debian 13 root; k30 and o30 this machine's lspci (Debian 12, kmod 30's
# library or ours by LD_LIBRARY_PATH), each with the tree at /lib/modules/$(uname -r).
lspci_run() {
    local side=$1 name=$2 n rc
    shift 2
    n=$SCR/lspci/$name.$side
    mkdir -p "$SCR/lspci"
    case $side in
        k | o) in_root "$side" --sys lspci "$@" ;;
        k30) in_ns --tree "$RELEASE" "$SCR/trees/$KVER/lib/modules/$KVER" -- lspci "$@" ;;
        o30) in_ns --tree "$RELEASE" "$SCR/trees/$KVER/lib/modules/$KVER" -- \
            env LD_LIBRARY_PATH="$LIBKMOD_DIR" lspci "$@" ;;
    esac >"$n.out" 2>"$n.err" </dev/null && rc=0 || rc=$?
    echo "$rc" >"$n.rc"
}

# lspci_same NAME THEIRS OURS MIN: the two runs compared; kmod's names at least MIN modules.
lspci_same() {
    local n=$SCR/lspci/$1 k=$2 o=$3 min=$4 m
    diff -u "$n.$k.rc" "$n.$o.rc" || return 1
    diff -u "$n.$k.out" "$n.$o.out" || return 1
    diff -u "$n.$k.err" "$n.$o.err" || return 1
    m=$(grep -c -E '^\s*(Kernel modules|Module):' "$n.$k.out" || true)
    echo "NOTE $(grep -c -E '^([0-9a-f]|Slot:)' "$n.$k.out") devices, $m lines naming modules"
    [ "$m" -ge "$min" ] || { cat "$n.$k.out"; echo "fewer than $min modules named with kmod's library"; return 1; }
}

# Made-up PCI devices (sysfs.path of libpci: DIR/devices/SLOT/{config,vendor,...,modalias}),
# with the IDs of common real hardware, so that lspci asks the library about many modaliases
# (this machine has a handful of virtio devices): vendor device class subvendor subdevice.
FAKE_PCI=(
    "8086 15bb 020000 17aa 2292" # Intel I219-LM: e1000e
    "8086 1533 020000 8086 0001" # Intel I210: igb
    "8086 10fb 020000 8086 000c" # Intel 82599: ixgbe
    "10ec 8168 020000 1043 8677" # Realtek RTL8111: r8169
    "14e4 1657 020000 103c 22be" # Broadcom BCM5719: tg3
    "15ad 07b0 020000 15ad 07b0" # VMware vmxnet3
    "1af4 1000 020000 1af4 0001" # virtio (legacy) network
    "8086 2723 028000 8086 0084" # Intel Wi-Fi 6 AX200: iwlwifi
    "168c 003e 028000 1a56 1535" # Qualcomm QCA6174: ath10k_pci
    "14e4 43a0 028000 106b 0117" # Broadcom BCM4360: brcmfmac? wl? bcma?
    "8086 a282 010601 1462 7a72" # Intel 200 series SATA AHCI: ahci
    "144d a808 010802 144d a801" # Samsung NVMe: nvme
    "1000 0097 010700 1000 3090" # Broadcom SAS3008: mpt3sas
    "9005 028d 010400 9005 0554" # Adaptec: aacraid
    "8086 a36d 0c0330 1028 0869" # Intel Cannon Lake xHCI: xhci_pci
    "8086 a323 0c0500 1028 0869" # Intel Cannon Lake SMBus: i2c_i801
    "8086 3e92 030000 1028 0869" # Intel UHD 630: i915
    "10de 1b80 030000 1043 8591" # NVIDIA GTX 1080: nouveau
    "1002 67df 030000 1458 22fc" # AMD Polaris: amdgpu
    "1234 1111 030000 1af4 1100" # QEMU VGA: bochs
    "8086 a348 040300 1028 0869" # Intel Cannon Lake HDA: snd_hda_intel, SOF
    "8086 0d57 060000 0000 0000" # this machine's host bridge: none
)

# fake_pci DIR: the devices of FAKE_PCI under DIR/devices.
fake_pci() {
    local i=0 v d c sv sd dev
    for dev in "${FAKE_PCI[@]}"; do
        read -r v d c sv sd _ <<<"$dev"
        local p
        p=$1/devices/$(printf '0000:00:%02x.0' "$i")
        mkdir -p "$p"
        echo "0x$v" >"$p/vendor"
        echo "0x$d" >"$p/device"
        echo "0x$c" >"$p/class"
        echo "0x$sv" >"$p/subsystem_vendor"
        echo "0x$sd" >"$p/subsystem_device"
        echo 0x01 >"$p/revision"
        echo 0 >"$p/irq"
        printf 'pci:v0000%sd0000%ssv0000%ssd0000%sbc%ssc%si%s\n' "${v^^}" "${d^^}" "${sv^^}" \
            "${sd^^}" "${c:0:2}" "${c:2:2}" "${c:4:2}" >"$p/modalias"
        # The configuration header: IDs, revision and class, header type 0, subsystem IDs.
        {
            printf '%b' "\\x${v:2:2}\\x${v:0:2}\\x${d:2:2}\\x${d:0:2}\\x00\\x00\\x00\\x00"
            printf '%b' "\\x01\\x${c:4:2}\\x${c:2:2}\\x${c:0:2}\\x00\\x00\\x00\\x00"
            head -c 28 /dev/zero
            printf '%b' "\\x${sv:2:2}\\x${sv:0:2}\\x${sd:2:2}\\x${sd:0:2}"
            head -c 208 /dev/zero
        } >"$p/config"
        i=$((i + 1))
    done
}

lspci_suite() {
    local S=$1 args name min=1
    # This machine's PCI devices are virtio ones: virtio_pci is a module in 6.1, built into
    # 6.12 (and lspci names no built-in module), so only 6.1 must name some.
    [ "$S" = 6.1 ] || min=0
    log "lspci with $KVER at /lib/modules/$RELEASE"
    [ -d "$RT/srv/fakepci" ] || fake_pci "$RT/srv/fakepci"
    mkdir -p "$RT/usr/lib/modules/$RELEASE"
    mount --bind "$SCR/trees/$KVER/lib/modules/$KVER" "$RT/usr/lib/modules/$RELEASE"
    for args in "-k" "-vmmk" "-nnk"; do
        name=$S$args
        lspci_run k "$name" $args
        lspci_run o "$name" $args
        check "lspci $args $S: output as with kmod 34.2's library" lspci_same "$name" k o "$min"
        lspci_run k30 "$name" $args
        lspci_run o30 "$name" $args
        check "lspci $args $S (Debian 12's lspci): output as with kmod 30's library" \
            lspci_same "$name" k30 o30 "$min"
    done
    # The made-up devices, read from /srv/fakepci (libpci's sysfs.path).
    for args in "-k" "-vmmk"; do
        name=$S-fake$args
        lspci_run k "$name" -O sysfs.path=/srv/fakepci $args
        lspci_run o "$name" -O sysfs.path=/srv/fakepci $args
        check "lspci $args $S, made-up devices: output as with kmod 34.2's library" \
            lspci_same "$name" k o 15
        lspci_run k30 "$name" -O "sysfs.path=$RT/srv/fakepci" $args
        lspci_run o30 "$name" -O "sysfs.path=$RT/srv/fakepci" $args
        check "lspci $args $S, made-up devices (Debian 12's lspci): output as with kmod 30's library" \
            lspci_same "$name" k30 o30 15
    done
    umount "$RT/usr/lib/modules/$RELEASE"
}

# initramfs_listing IMAGE DIR: IMAGE (dracut's, uncompressed) unpacked into DIR (emptied first),
# then its tree_listing.
initramfs_listing() {
    rm -rf "$2"
    mkdir -p "$2"
    (cd "$2" && cpio -id --quiet --no-absolute-filenames <"$1") || return 1
    tree_listing "$2"
}

# full_run SIDE NAME: `dracut --no-hostonly --kver $KVER` in the root with SIDE's library,
# uncompressed, into $SCR/full/NAME.img; its status, output and time in $SCR/full/NAME.*.
full_run() {
    local side=$1 name=$2 t0 rc
    mkdir -p "$SCR/full" "$RT/out"
    t0=$(date +%s)
    in_root "$side" --sys dracut --no-hostonly --no-hostonly-cmdline --no-compress --no-early-microcode \
        --reproducible --force --kver "$KVER" /out/initrd.img \
        >"$SCR/full/$name.log" 2>&1 </dev/null && rc=0 || rc=$?
    echo "$rc" >"$SCR/full/$name.rc"
    log "dracut ($name): exit status $rc, $(($(date +%s) - t0)) s"
    [ "$rc" = 0 ] || return 0
    mv "$RT/out/initrd.img" "$SCR/full/$name.img"
    initramfs_listing "$SCR/full/$name.img" "$SCR/full/$name.d" >"$SCR/full/$name.list"
}

full_suite() {
    local S=$1
    log "dracut --no-hostonly --kver $KVER: kmod's library twice, then ours"
    full_run k k1
    full_run k k2
    full_run o o
    full_same() {
        local f=$SCR/full lib=${KLIB#/} mods
        [ "$(cat "$f/k1.rc")" = 0 ] || { tail -n 30 "$f/k1.log"; echo "dracut with kmod's library failed"; return 1; }
        # What differs between two runs with the same library varies by nature: left out, shown.
        diff "$f/k1.list" "$f/k2.list" | sed -n 's/^[<>] //p' | awk '{ print $1 }' | sort -u >"$f/varies"
        sed 's/^/NOTE varies between two runs of kmod: /' "$f/varies"
        diff -u "$f/k1.rc" "$f/o.rc" || { tail -n 30 "$f/o.log"; return 1; }
        # The image: every entry but those and the library file (ours on our side).
        # shellcheck disable=SC2016 # an awk program
        local keep='NR == FNR { skip[$1] = 1; next } !($1 in skip) && $1 != lib'
        diff -u <(awk -v lib="$lib" "$keep" "$f/varies" "$f/k1.list") \
            <(awk -v lib="$lib" "$keep" "$f/varies" "$f/o.list") || return 1
        # dracut's output; its temporary directory has a random name.
        sed -E 's/dracut\.[A-Za-z0-9]{6}/dracut.XXXXXX/g' "$f/k1.log" >"$f/k1.log.n"
        sed -E 's/dracut\.[A-Za-z0-9]{6}/dracut.XXXXXX/g' "$f/o.log" >"$f/o.log.n"
        diff -u "$f/k1.log.n" "$f/o.log.n" || return 1
        mods=$(awk '$2 == "f" && $1 ~ /\.ko(\.xz)?$/' "$f/k1.list" | wc -l)
        echo "NOTE $(files "$f/k1.list") files in the image, $mods of them modules"
        [ "$mods" -gt 100 ] || { echo "kmod's image holds too few modules"; return 1; }
    }
    check "dracut $S: the initramfs as with kmod's library" full_same
}

for s in "${SERIES[@]}"; do
    prepare_kernel "$s"
    setup_tree "$s"
done
for s in "${SERIES[@]}"; do
    KVER=${KVERS[$s]}
    for sec in "${SECTIONS[@]}"; do
        case $sec in
            install) install_suite "$s" ;;
            lspci) lspci_suite "$s" ;;
            full) [ "$s" != 6.12 ] || full_suite "$s" ;;
        esac
    done
done

summary
