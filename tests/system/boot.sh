#!/usr/bin/env bash
# A whole Debian 13 system booted on Debian's kmod and on ours (issue 18, part 2). In QEMU (TCG),
# Debian's 6.12 kernel boots a Debian 13 root file system (systemd as PID 1, udev's coldplug,
# systemd-modules-load, an initramfs made by the system's own initramfs-tools) twice over:
#   kmod   the Debian 13 root as it is: kmod 34.2 and libkmod2;
#   ours   the same root with our tools and library in their place: with MODUTILS_DEB, our
#          package(s) installed with apt-get (dpkg) in the root; without, `make install` of the
#          release build (multi-call kmod, libkmod.so.2) put over kmod's files, at kmod's paths.
# In each root the kernel package is installed with dpkg in a chroot, so its own hooks run
# depmod and update-initramfs with that root's tools. The guest (tests/system/guest/) waits
# for the boot to settle, writes what it did onto a results disk and powers off; the first
# boot of each ("full") then also runs modprobe/rmmod of drivers, restarts
# systemd-modules-load with a new modules-load.d file and installs a second kernel package
# (Debian's 6.1) with apt-get. Devices: virtio disk and net, e1000, USB (xhci, keyboard,
# tablet), sound (intel-hda, hda-duplex), AHCI with a small disk (q35's ich9-ahci).
#
# Compared (kmod's first boot against every boot of ours and kmod's other boots): loaded
# modules (/proc/modules), their parameters (/sys/module/*/parameters), failed units, journal
# and kernel lines about modules (normalized), the initramfs contents (lsinitramfs) and the
# 6.12 tree's modules.* indexes as each root's hooks made them, and the full boot's actions
# (outputs, exit codes, the 6.1 kernel's indexes and initramfs). Differences not in the
# allow-list (ALLOW_* below, each with its reason) fail. Prints each boot's time
# (systemd-analyze; the host's wall clock from QEMU's start to its exit) and the medians.
#
# Prints `PASS <name>` / `FAIL <name>` per check and a last line `N passed, N failed`; exits 1
# if a check failed, 2 if the setup failed.
#
# Usage: tests/system/boot.sh
# Environment:
#   MODUTILS_DEB=a.deb[:b.deb]  our package(s), installed in the "ours" root in place of kmod
#                               and libkmod2 (default: the release build, files put in place)
#   BOOT_RUNS=N                 boots per variant (default 2: the full one and N-1 more)
#   BOOT_SMP, BOOT_MEM          the guest's CPUs (default 1) and memory in MiB (default 2048)
#   BOOT_TIMEOUT                seconds a boot may take (default 900; a full boot 3 times that)
#   KEEP_SCRATCH=1              keep the work directory (images, serial logs, results)
#   BOOT_REUSE=DIR              boot the images of a kept work directory again (no build);
#                               with BOOT_COMPARE_ONLY=1 only compare its results again
#   MODUTILS_CACHE, MODUTILS_WORK: see tests/lib/lib.sh
set -euo pipefail

# shellcheck source=tests/lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"
HERE=$ROOT/tests/system
RUNS=${BOOT_RUNS:-2}
SMP=${BOOT_SMP:-1}
MEM=${BOOT_MEM:-2048}
TIMEOUT=${BOOT_TIMEOUT:-900}
VARIANTS=(kmod ours)
# The root file system's UUID, the same in both images.
ROOT_UUID=6d6f6475-7469-6c73-2d72-732d626f6f74
MACHINE_ID=0b5d1e3f6d6f6475746c732d72730001

[ "$(id -u)" = 0 ] || die "run as root (chroot, mount namespaces)"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "BOOT_RUNS must be a positive number"
install_missing qemu-system-x86_64=qemu-system-x86 mke2fs=e2fsprogs unshare=util-linux
ensure_trixie_root
prepare_kernel 6.1
K61=$KVER
DEB61=$(find "$DEBS" -maxdepth 1 -name "linux-image-${K61}_*.deb" | head -n 1)
prepare_kernel 6.12
K612=$KVER
DEB612=$(find "$DEBS" -maxdepth 1 -name "linux-image-${K612}_*.deb" | head -n 1)
[ -f "$DEB61" ] || die "no linux-image-$K61 package in $DEBS"
[ -f "$DEB612" ] || die "no linux-image-$K612 package in $DEBS"
if [ -n "${BOOT_REUSE:-}" ]; then
    W=$(cd "$BOOT_REUSE" && pwd)
    SCR=$W
    log "reusing the images of $W"
else
    make_scratch boot "$WORK"
    W=$SCR
    log "work directory $W"
fi

# in_root DIR CMD...: CMD chrooted in DIR, in a private mount namespace with /proc and /dev.
in_root() {
    local dir=$1
    shift
    # shellcheck disable=SC2016 # expanded by the inner sh
    unshare -m sh -c '
        set -e
        mount --make-rprivate /
        d=$1
        shift
        mount -t proc proc "$d/proc"
        mount --rbind /dev "$d/dev"
        exec chroot "$d" "$@"' sh "$dir" "$@"
}

# ---------------------------------------------------------------- the roots
# make_base DIR: a copy of the Debian 13 root made bootable: fstab, hostname, machine-id, a root
# password (root), the collection service, a module loaded at boot by systemd-modules-load
# with options from modprobe.d, a blacklisted one udev would load, the second kernel package.
make_base() {
    local r=$1
    log "copying the Debian 13 root"
    cp -a "$TRIXIE" "$r"
    rm -f "$r/.stamp"
    printf 'UUID=%s / ext4 defaults 0 1\n' "$ROOT_UUID" >"$r/etc/fstab"
    echo boottest >"$r/etc/hostname"
    printf '127.0.0.1 localhost\n127.0.1.1 boottest\n' >"$r/etc/hosts"
    chmod 644 "$r/etc/machine-id"
    echo "$MACHINE_ID" >"$r/etc/machine-id"
    echo root:root | chroot "$r" chpasswd
    install -m 755 "$HERE/guest/boot-collect" "$r/usr/local/sbin/boot-collect"
    install -m 644 "$HERE/guest/boot-collect.service" "$r/etc/systemd/system/boot-collect.service"
    ln -sf /etc/systemd/system/boot-collect.service \
        "$r/etc/systemd/system/multi-user.target.wants/boot-collect.service"
    echo dummy >"$r/etc/modules-load.d/boot-test.conf"
    printf 'options dummy numdummies=3\nblacklist pcspkr\n' >"$r/etc/modprobe.d/boot-test.conf"
    mkdir -p "$r/root/debs"
    cp "$DEB61" "$r/root/debs/"
}

# install_ours ROOT: our tools and library in place of kmod's (see the header).
install_ours() {
    local r=$1 d f
    if [ -n "${MODUTILS_DEB:-}" ]; then
        local debs=() files=()
        mkdir -p "$r/tmp/ours"
        IFS=: read -ra files <<<"$MODUTILS_DEB"
        for f in "${files[@]}"; do
            [ -f "$f" ] || die "MODUTILS_DEB: no file $f"
            cp "$f" "$r/tmp/ours/"
            debs+=("/tmp/ours/$(basename "$f")")
        done
        log "installing ${debs[*]} in the ours root"
        # shellcheck disable=SC2016 # dpkg-query's format
        chroot "$r" dpkg-query -W -f '${Package}\n' | sort >"$W/packages.before"
        in_root "$r" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
            "${debs[@]}" >"$W/ours-install.log" 2>&1 || die "installing our package failed (log: $W/ours-install.log)"
        rm -rf "$r/tmp/ours"
        # Only kmod and libkmod2 may go: a client whose dependency our package does not satisfy
        # (e.g. libkmod-dev's libkmod2 (= 34.2-2), dracut-install's libkmod2 (>= 33~),
        # pciutils' libkmod2 (>= 5~), which want a versioned Provides) would be removed with
        # them, and the two systems would differ by more than the tools.
        # shellcheck disable=SC2016 # dpkg-query's format
        chroot "$r" dpkg-query -W -f '${Package}\n' | sort >"$W/packages.after"
        f=$(comm -23 "$W/packages.before" "$W/packages.after" | { grep -vxE 'kmod|libkmod2' || true; } | tr '\n' ' ')
        [ -z "$f" ] || die "installing our package removed more than kmod and libkmod2: $f(log: $W/ours-install.log)"
        if ! chroot "$r" dpkg --audit >"$W/ours-audit.log" 2>&1 || [ -s "$W/ours-audit.log" ]; then
            die "dpkg --audit after installing our package: $(cat "$W/ours-audit.log")"
        fi
    else
        d=$W/ours-dest
        log "make install (release build, multi-call kmod, libkmod.so.2)"
        (cd "$ROOT" && make install DESTDIR="$d" PREFIX=/usr MULTICALL=1 \
            LIBDIR=/usr/lib/x86_64-linux-gnu SBINDIR=/usr/sbin BINDIR=/usr/bin) \
            >"$W/make.log" 2>&1 || die "make install failed (log: $W/make.log)"
        # kmod's files that are programs or the library: the binary, and the library under its
        # real name; the links to them (/usr/sbin/*, /usr/bin/lsmod, libkmod.so.2) stay kmod's.
        for f in /usr/bin/kmod /usr/lib/x86_64-linux-gnu/libkmod.so.2.5.1; do
            grep -qx "$f" "$r/var/lib/dpkg/info/kmod.list" "$r/var/lib/dpkg/info/libkmod2:amd64.list" ||
                die "$f is not kmod's or libkmod2's in the Debian 13 root"
            [ -f "$d$f" ] || die "make install made no $f"
            cp "$d$f" "$r$f"
        done
        for f in /usr/sbin/{insmod,rmmod,lsmod,modprobe,depmod,modinfo} /usr/bin/lsmod; do
            [ "$(readlink -f "$r$f")" = "$r/usr/bin/kmod" ] || die "$f is not a link to kmod in the root"
        done
        [ "$(readlink -f "$r/usr/lib/x86_64-linux-gnu/libkmod.so.2")" = "$r/usr/lib/x86_64-linux-gnu/libkmod.so.2.5.1" ] ||
            die "libkmod.so.2 is not a link to libkmod.so.2.5.1 in the root"
    fi
    in_root "$r" kmod --version | grep -q modutils-rs || die "the ours root's kmod is not ours: $(in_root "$r" kmod --version | head -n 1)"
}

# make_variant NAME: $W/NAME/root with the 6.12 kernel installed (its hooks: depmod,
# update-initramfs), and from it root.img, vmlinuz, initrd.img, initramfs.list (lsinitramfs),
# indexes (sha256 of the tree's modules.* files).
make_variant() {
    local v=$1 r=$W/$1/root size
    mkdir -p "$W/$v"
    cp -a "$W/base" "$r"
    [ "$v" = ours ] && install_ours "$r"
    in_root "$r" kmod --version >"$W/$v/kmod-version"
    log "$v: dpkg -i $(basename "$DEB612") (kmod --version: $(tail -n 1 "$W/$v/kmod-version"))"
    cp "$DEB612" "$r/tmp/"
    in_root "$r" env DEBIAN_FRONTEND=noninteractive dpkg -i "/tmp/$(basename "$DEB612")" \
        >"$W/$v/kernel-install.log" 2>&1 || die "$v: installing the kernel failed (log: $W/$v/kernel-install.log)"
    rm "$r/tmp/$(basename "$DEB612")"
    [ -f "$r/boot/initrd.img-$K612" ] || die "$v: the kernel's hooks made no initramfs"
    [ -s "$r/usr/lib/modules/$K612/modules.dep" ] || die "$v: the kernel's hooks made no modules.dep"
    in_root "$r" lsinitramfs "/boot/initrd.img-$K612" | sort >"$W/$v/initramfs.list"
    # modules.symbols by its sorted lines: ours writes them in module order, kmod in its hash
    # table's (docs/compatibility.md, row symbols-order).
    (
        cd "$r/usr/lib/modules/$K612"
        for f in modules.*; do
            if [ "$f" = modules.symbols ]; then
                printf '%s  %s (sorted)\n' "$(sort "$f" | sha256sum | cut -d' ' -f1)" "$f"
            else
                sha256sum "$f"
            fi
        done
    ) >"$W/$v/indexes"
    cp "$r/boot/vmlinuz-$K612" "$W/$v/vmlinuz"
    cp "$r/boot/initrd.img-$K612" "$W/$v/initrd.img"
    rm -f "$r/usr/sbin/policy-rc.d" # the system as booted starts services as usual
    size=$(($(du -sm "$r" | cut -f1) + 2048))
    log "$v: mke2fs -d (${size} MiB)"
    mke2fs -q -F -t ext4 -L boottest -U "$ROOT_UUID" -d "$r" "$W/$v/root.img" "${size}M" ||
        die "$v: mke2fs failed"
    rm -rf "$r"
}

if [ -z "${BOOT_REUSE:-}" ]; then
    make_base "$W/base"
    for v in "${VARIANTS[@]}"; do make_variant "$v"; done
    rm -rf "$W/base"
    truncate -s 64M "$W/ahci.img"
fi

# ---------------------------------------------------------------- the boots
# boot VARIANT N MODE: boots $W/VARIANT's image (changes discarded), results in
# $W/VARIANT/bootN/ (the results disk's files), serial log $W/VARIANT/bootN.log, the host's
# wall clock in $W/VARIANT/bootN/wall.
boot() {
    local v=$1 n=$2 mode=$3 d=$W/$1/boot$2 t0 rc limit=$TIMEOUT
    [ "$mode" = full ] && limit=$((TIMEOUT * 3))
    rm -rf "$d"
    mkdir -p "$d"
    rm -f "$W/results.img"
    truncate -s 64M "$W/results.img"
    log "boot $v #$n ($mode)"
    t0=$(date +%s)
    set +e
    timeout "$limit" qemu-system-x86_64 -accel tcg -machine q35 -m "$MEM" -smp "$SMP" \
        -nographic -no-reboot \
        -kernel "$W/$v/vmlinuz" -initrd "$W/$v/initrd.img" \
        -append "console=ttyS0 root=UUID=$ROOT_UUID rw init=/usr/lib/systemd/systemd quiet panic=-1 bootcollect=$mode" \
        -drive "file=$W/$v/root.img,if=none,id=root,format=raw,snapshot=on" \
        -device virtio-blk-pci,drive=root \
        -drive "file=$W/results.img,if=none,id=res,format=raw" \
        -device virtio-blk-pci,drive=res,serial=results \
        -netdev user,id=n0,restrict=on -device virtio-net-pci,netdev=n0 \
        -netdev user,id=n1,restrict=on -device e1000,netdev=n1 \
        -device qemu-xhci,id=xhci -device usb-kbd,bus=xhci.0 -device usb-tablet,bus=xhci.0 \
        -audiodev none,id=snd0 -device intel-hda -device hda-duplex,audiodev=snd0 \
        -drive "file=$W/ahci.img,if=none,id=sata0,format=raw,snapshot=on" \
        -device ide-hd,drive=sata0,bus=ide.0 \
        </dev/null 2>&1 | sed -u -e 's/\r//g' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1b[c78]//g' \
        >"$W/$v/boot$n.log"
    rc=${PIPESTATUS[0]}
    set -e
    echo "$(($(date +%s) - t0))" >"$d/wall"
    log "boot $v #$n: qemu status $rc, $(cat "$d/wall") s"
    (cd "$d" && tar xf "$W/results.img" --strip-components=1 2>/dev/null) || true
    [ -f "$d/modules" ] || {
        echo "qemu status $rc; no results; serial log $W/$v/boot$n.log" >"$d/error"
        return 1
    }
}

# Boots alternate between the variants, so that the host's load falls on both alike.
BOOTS_OK=1
[ "${BOOT_COMPARE_ONLY:-0}" = 1 ] && [ -n "${BOOT_REUSE:-}" ] && RUNS_TO_BOOT=0 || RUNS_TO_BOOT=$RUNS
for ((n = 1; n <= RUNS_TO_BOOT; n++)); do
    mode="time"
    [ "$n" = 1 ] && mode="full"
    for v in "${VARIANTS[@]}"; do
        boot "$v" "$n" "$mode" || BOOTS_OK=0
    done
done

# ---------------------------------------------------------------- the comparison
# Allow-lists: lines of a compared file that may differ, each as an extended regular
# expression on the normalized line, with the reason. Checked below on every pair.
# (Filled from the runs; see docs/system-boot.md.) Used by name (filtered).
# shellcheck disable=SC2034
ALLOW_MODULES=()
# fuse sets the defaults of max_user_bgreq and max_user_congthresh from the RAM the kernel
# manages when fuse loads (total RAM / 8192 / 392 bytes, one step per 3136 KiB); the RAM
# reserved at boot includes the initramfs image, larger with ours (see ALLOW_INITRAMFS), so
# the value may be one lower. check_fuse checks each boot's value against the kernel's formula
# and its own "Memory:" line instead.
# shellcheck disable=SC2034
# ttm's dma32_pages_limit is also derived from the RAM the kernel manages when ttm loads, which
# varies by a page from boot to boot of the same image (kmod's own boots: 505350 and 505351,
# dmesg's reserved 117036K and 117040K); check_near checks it within 512 pages (2 MiB: that
# and the initramfs's difference).
ALLOW_PARAMS=('^fuse/parameters/max_user_(bgreq|congthresh)=' '^ttm/parameters/dma32_pages_limit=')
# shellcheck disable=SC2034
ALLOW_FAILED=()
# shellcheck disable=SC2034
ALLOW_MESSAGES=()
# Our depmod keeps its module cache beside the indexes in the system's tree (docs/compatibility.md,
# row depmod-cache; the indexes themselves must match).
# shellcheck disable=SC2034
ALLOW_INDEXES=('  modules\.cache\.bin$')
# initramfs-tools' kmod hook copies /usr/bin/kmod with the libraries it links: ours (a Rust
# program) links libgcc_s.so.1 too (the unwinder of Rust's standard library).
ALLOW_INITRAMFS=('^usr/lib/x86_64-linux-gnu/libgcc_s\.so\.1$')
# The same in the second kernel's initramfs (act.33).
# shellcheck disable=SC2034
# The lines our tools add to kmod's messages (ADDED_LINES, tests/lib/lib.sh: HINT: lines,
# modprobe -v's `skipping NAME: already loaded`; rows hint-lines and verbose-skips).
# The second kernel's tree holds our module cache too (as ALLOW_INDEXES).
ALLOW_ACTS=("${ALLOW_INITRAMFS[@]}" "$ADDED_LINES" ' modules\.cache\.bin$')

# messages FILE...: the journal's and the kernel's lines about modules, normalized: no time
# stamps, host name, PIDs, addresses or durations.
messages() {
    grep -ahiE 'modul|libkmod|modprobe|kmod|insmod|rmmod|depmod|modules-load' "$@" |
        sed -E -e 's/^\[ *[0-9]+\.[0-9]+\] //' -e 's/^boottest //' -e 's/\[[0-9]+\]:/:/' \
            -e 's/0x[0-9a-f]+/0x../g' -e 's/[0-9]+(\.[0-9]+)?(ms|s|us)\b/N\2/g' \
            -e '/: Consumed .* (CPU time|memory peak)/d' |
        sort -u
}

# filtered ALLOW_ARRAY_NAME FILE: FILE without the allowed lines.
filtered() {
    local -n allow=$1
    local re
    if [ ${#allow[@]} = 0 ]; then
        cat "$2"
        return
    fi
    re=$(IFS='|'; echo "${allow[*]}")
    grep -avE "$re" "$2" || true
}

# same WHAT ALLOW_ARRAY A B: no difference between files A (kmod) and B, allowed lines aside.
same() {
    local what=$1 allow=$2 a=$3 b=$4
    if diff <(filtered "$allow" "$a") <(filtered "$allow" "$b") >"$W/diff.out"; then
        echo "NOTE $what: $(wc -l <"$a") lines, same"
        return 0
    fi
    echo "$what differs (< $a, > $b):"
    cat "$W/diff.out"
    return 1
}

# check_fuse BOOTDIR: fuse's max_user_bgreq and max_user_congthresh are what fuse computes from
# the boot's managed RAM (dmesg: "Memory: free/physical available (..., N reserved, ...)").
check_fuse() {
    local kib want p
    kib=$(sed -n 's/.*Memory: [0-9]*K\/\([0-9]*\)K available.* \([0-9]*\)K reserved,.*/\1 \2/p' "$1/dmesg" |
        awk '{ print $1 - $2; exit }')
    [ -n "$kib" ] || { echo "no Memory: line in $1/dmesg"; return 1; }
    want=$((kib * 1024 / 8192 / 392))
    for p in max_user_bgreq max_user_congthresh; do
        grep -qx "fuse/parameters/$p=$want" "$1/params" ||
            { echo "fuse $p: $(grep "^fuse/parameters/$p=" "$1/params"), want $want ($kib KiB)"; return 1; }
    done
    echo "NOTE fuse: $want for $kib KiB"
}

# check_near BOOTDIR PARAM TOLERANCE: PARAM's value in BOOTDIR within TOLERANCE of kmod's first
# boot's.
check_near() {
    local a b
    a=$(sed -n "s|^$2=||p" "$REF/params")
    b=$(sed -n "s|^$2=||p" "$1/params")
    [[ $a =~ ^[0-9]+$ && $b =~ ^[0-9]+$ ]] || { echo "$2: kmod's '$a', this boot's '$b'"; return 1; }
    if [ $((a > b ? a - b : b - a)) -gt "$3" ]; then
        echo "$2: kmod's $a, this boot's $b (more than $3 apart)"
        return 1
    fi
    echo "NOTE $2: $b (kmod's boot 1: $a)"
}

check_boots() {
    [ "$BOOTS_OK" = 1 ] || {
        cat "$W"/*/boot*/error
        return 1
    }
    echo "NOTE $RUNS boot(s) of each variant, results read"
}
check "boots finished (${VARIANTS[*]}, $RUNS each)" check_boots

REF=$W/kmod/boot1
# check_identity: each system ran its own tools and library: the guest's `kmod --version` and the
# sha256 of its /usr/bin/kmod and libkmod.so.2 (kmod-files); with the release build, ours are
# the files make install made.
check_identity() {
    local rc=0 lib k o
    grep -q modutils-rs "$W/kmod/boot1/kmod-version" && { echo "kmod's system ran ours"; rc=1; }
    grep -q modutils-rs "$W/ours/boot1/kmod-version" || { echo "ours' system ran kmod"; rc=1; }
    lib=/usr/lib/x86_64-linux-gnu/libkmod.so.2
    k=$(awk -v f="$lib" '$2 == f { print $1 }' "$W/kmod/boot1/kmod-files")
    o=$(awk -v f="$lib" '$2 == f { print $1 }' "$W/ours/boot1/kmod-files")
    if [ -z "$k" ] || [ -z "$o" ] || [ "$k" = "$o" ]; then
        echo "libkmod.so.2: kmod's $k, ours $o"
        rc=1
    fi
    if [ -z "${MODUTILS_DEB:-}" ] && [ -f "$W/ours-dest$lib.5.1" ]; then
        [ "$o" = "$(sha256sum <"$W/ours-dest$lib.5.1" | cut -d' ' -f1)" ] || { echo "ours' libkmod.so.2 is not the build's"; rc=1; }
        grep -q "$(sha256sum <"$W/ours-dest/usr/bin/kmod" | cut -d' ' -f1)  /usr/bin/kmod" "$W/ours/boot1/kmod-files" ||
            { echo "ours' /usr/bin/kmod is not the build's"; rc=1; }
    fi
    echo "NOTE libkmod.so.2: kmod's ${k:0:12}, ours ${o:0:12}"
    return $rc
}
check "each system ran its own kmod and libkmod.so.2" check_identity
check "kmod boot 1: fuse's limits as the kernel's formula gives for the boot's RAM" check_fuse "$REF"
for v in "${VARIANTS[@]}"; do
    for ((n = 1; n <= RUNS; n++)); do
        d=$W/$v/boot$n
        [ "$d" = "$REF" ] && continue
        if [ ! -f "$d/modules" ] || [ ! -f "$REF/modules" ]; then continue; fi
        for f in "$REF" "$d"; do messages "$f/journal" "$f/dmesg" >"$f/messages"; done
        check "$v boot $n: loaded modules as kmod's boot 1" same modules ALLOW_MODULES "$REF/modules" "$d/modules"
        check "$v boot $n: module parameters as kmod's boot 1" same parameters ALLOW_PARAMS "$REF/params" "$d/params"
        check "$v boot $n: fuse's limits as the kernel's formula gives for the boot's RAM" check_fuse "$d"
        check "$v boot $n: ttm's dma32_pages_limit near kmod's boot 1" check_near "$d" ttm/parameters/dma32_pages_limit 512
        check "$v boot $n: failed units as kmod's boot 1" same failed-units ALLOW_FAILED "$REF/failed" "$d/failed"
        check "$v boot $n: module messages as kmod's boot 1" same messages ALLOW_MESSAGES "$REF/messages" "$d/messages"
    done
done
check "initramfs contents (lsinitramfs) as kmod's" same initramfs ALLOW_INITRAMFS "$W/kmod/initramfs.list" "$W/ours/initramfs.list"
log "initramfs of $K612: kmod $(stat -c %s "$W/kmod/initrd.img") bytes, ours $(stat -c %s "$W/ours/initrd.img") bytes"
check "6.12's modules.* made by the package's hooks as kmod's" same indexes ALLOW_INDEXES "$W/kmod/indexes" "$W/ours/indexes"

# The full boot's actions, file by file.
check_acts() {
    local a=$W/kmod/boot1 b=$W/ours/boot1 f rc=0
    # shellcheck disable=SC2012 # plain names (act.NN-name)
    ls "$a"/act.* >/dev/null 2>&1 || { echo "no act.* files in $a"; return 1; }
    for f in $( (cd "$a" && ls act.*; cd "$b" && ls act.*) | sort -u); do
        case $f in act.31-apt-time | act.30-apt-install) continue ;; esac
        if [ ! -f "$a/$f" ] || [ ! -f "$b/$f" ]; then echo "$f: only in one"; rc=1; continue; fi
        # lsmod lists modules newest first: udev loads them in parallel, in an order that
        # changes from boot to boot with either tool; compared as sorted lines.
        if [ "$f" = act.19-lsmod ]; then
            diff <(sort "$a/$f") <(sort "$b/$f") >"$W/diff.out"
        else
            diff <(filtered ALLOW_ACTS "$a/$f") <(filtered ALLOW_ACTS "$b/$f") >"$W/diff.out"
        fi || { echo "$f differs:"; cat "$W/diff.out"; rc=1; }
    done
    grep -q '^exit=0$' "$b/act.30-apt-install" || { echo "apt-get install failed:"; tail "$b/act.30-apt-install"; rc=1; }
    grep -q "^exit=0$" "$a/act.30-apt-install" || { echo "apt-get install failed with kmod:"; tail "$a/act.30-apt-install"; rc=1; }
    grep -q "modules.dep made$" "$b/act.32-kernel2-files" || { echo "no modules.dep for $K61"; rc=1; }
    grep -q "initrd.img-$K61 made$" "$b/act.32-kernel2-files" || { echo "no initramfs for $K61"; rc=1; }
    echo "NOTE apt-get install of $K61: kmod $(cat "$a/act.31-apt-time"), ours $(cat "$b/act.31-apt-time")"
    return $rc
}
check "full boot's actions (modprobe/rmmod, systemd-modules-load, apt-get install $K61) as kmod's" check_acts

# seconds TEXT: systemd-analyze's total ("= 1min 2.345s") in seconds.
seconds() {
    sed -n 's/.*= *//p' | head -n 1 | awk '{ t = 0; for (i = 1; i <= NF; i++) {
        v = $i; if (v ~ /min$/) t += v * 60; else if (v ~ /ms$/) t += v / 1000; else if (v ~ /s$/) t += v + 0 }
        printf "%.1f\n", t }'
}
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print a[(NR + 1) / 2]; else printf "%.1f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
for v in "${VARIANTS[@]}"; do
    : >"$W/$v/times"
    : >"$W/$v/walls"
    for ((n = 1; n <= RUNS; n++)); do
        d=$W/$v/boot$n
        [ -f "$d/analyze" ] || continue
        seconds <"$d/analyze" >>"$W/$v/times"
        [ "$n" = 1 ] || cat "$d/wall" >>"$W/$v/walls" # the full boot's wall clock has its actions
        log "$v boot $n: $(head -n 1 "$d/analyze"); wall $(cat "$d/wall") s"
    done
    log "$v: boot time median $(median <"$W/$v/times") s (systemd-analyze), wall median $(median <"$W/$v/walls") s (boots 2-$RUNS), $RUNS boot(s)"
done
summary
