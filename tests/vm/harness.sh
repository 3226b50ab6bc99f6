# The QEMU harness, sourced (bash) by run.sh and demo.sh: the initramfs (our static tools, the
# test modules, real Debian modules, Debian's kmod as the oracle, the scenarios) and the QEMU
# boot. The general machinery it stands on (host packages, Debian's kernels, our static tools,
# the test modules' build, log/die) is the test library, tests/lib/lib.sh. Defines functions and
# settings only; the caller sets `set -euo pipefail` first.
#
# Environment: see tests/lib/lib.sh (MODUTILS_CACHE, MODUTILS_WORK, MODUTILS_APT_UPDATED) and
# run.sh (MODUTILS_VM_TOOLS, VM_TIMEOUT, VM_ONLY, GUEST_CMDLINE_EXTRA).
#
# shellcheck shell=bash

# shellcheck source=tests/lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"
HERE=$ROOT/tests/vm
VM_TIMEOUT=${VM_TIMEOUT:-600}

# ---------------------------------------------------------------- initramfs
# Path (relative to lib/modules/$KVER) of module NAME from modules.order
# ('-' and '_' equal); prints the file's real relative name (.ko or .ko.xz).
module_relpath() {
    local mdir=$1 name=${2//-/_} rel
    rel=$(awk -v n="$name" '{ b = $0; sub(/.*\//, "", b); sub(/\.ko$/, "", b); gsub(/-/, "_", b);
                               if (b == n) { print; exit } }' "$mdir/modules.order")
    [ -n "$rel" ] || return 1
    for f in "$rel" "$rel.xz" "$rel.zst" "$rel.gz"; do
        if [ -f "$mdir/$f" ]; then
            printf '%s\n' "$f"
            return 0
        fi
    done
    return 1
}

# add_module_with_deps NAME: copies the module and (recursively) its depends=
# into the staging tree.
add_module_with_deps() {
    local name=$1 mdir=$KDIR/lib/modules/$KVER rel deps d
    rel=$(module_relpath "$mdir" "$name") || die "module $name not found in $KVER's modules.order"
    [ -f "$STAGE/lib/modules/$KVER/$rel" ] && return 0
    mkdir -p "$STAGE/lib/modules/$KVER/$(dirname "$rel")"
    cp "$mdir/$rel" "$STAGE/lib/modules/$KVER/$rel"
    deps=$(modinfo -F depends "$mdir/$rel" | tr ',' ' ')
    for d in $deps; do
        add_module_with_deps "$d"
    done
}

# copy_tool SRC DEST: copies a tool; a dynamic ELF gets its libraries too.
copy_tool() {
    local src=$1 dest=$2 lib
    cp -L "$src" "$dest"
    if readelf -l "$src" 2>/dev/null | grep -q 'Requesting program interpreter'; then
        for lib in $(ldd "$src" | grep -o '/[^ ]*'); do
            mkdir -p "$STAGE$(dirname "$lib")"
            cp -L "$lib" "$STAGE$lib"
        done
    fi
}

# Names of scenarios for a series (header line "# @kernels: 6.12" restricts).
scenarios_for() {
    local series=$1 f name ks
    for f in "$HERE"/scenarios/*.sh; do
        name=$(basename "$f" .sh)
        [ "$name" = lib ] && continue
        if [ -n "${VM_ONLY:-}" ] && ! [[ " $VM_ONLY " == *" $name "* ]]; then
            continue
        fi
        ks=$(sed -n 's/^# @kernels: *//p' "$f")
        if [ -n "$ks" ] && ! [[ " $ks " == *" $series "* ]]; then
            continue
        fi
        printf '%s\n' "$name"
    done
}

# The real Debian module used by the plain and compressed scenarios: =m in both
# trees, no dependencies, loads and unloads without hardware.
REAL_MOD=dummy
# A real Debian module with (transitive) dependencies, for depmod_then_modprobe:
# 8021q needs garp and mrp, garp needs stp and llc; no hardware needed.
DEP_MOD=8021q
# More real modules for the modprobe scenarios, all loading without hardware:
# vfat (needs fat; alias fs-vfat), hpilo (a PCI driver: its init only
# registers the driver; aliases pci:v0000103Cd00003307sv*sd*bc*sc*i*, ...),
# psnap (needs llc, which 8021q's garp and stp use too).
MODPROBE_MODS="vfat hpilo psnap"
# Appended to the guest kernel's command line: a module parameter and a
# blacklist that modprobe reads from /proc/cmdline (the kernel itself ignores
# both for loadable modules).
GUEST_CMDLINE_EXTRA=${GUEST_CMDLINE_EXTRA-mt_params.i=5 modprobe.blacklist=mt_fail}

# Debian's kmod, the oracle, in the guest as /kmod/bin/kmod with its libraries
# (at the paths ldd gives) and /kmod/{insmod,rmmod,lsmod,modprobe,depmod,modinfo}
# symlinks: kmod picks the tool from argv[0].
add_kmod_oracle() {
    local kmod a
    kmod=$(command -v kmod) || die "kmod not found (apt-get install kmod)"
    mkdir -p "$STAGE/kmod/bin"
    copy_tool "$kmod" "$STAGE/kmod/bin/kmod"
    for a in insmod rmmod lsmod modprobe depmod modinfo; do
        ln -s bin/kmod "$STAGE/kmod/$a"
    done
}

# add_fallback_modules SRC MODS: /testmods/fallback/, for compressed_fallback (6.12): modules
# compressed the ways the kernel's own decoder may refuse, from SRC (Debian's dummy.ko.xz) and
# MODS/mt_params.ko, each checked with xz -lvv / zstd -lv; the checks go to lvv.txt.
#   dummy.ko.xz               `xz -d`, then `xz` with its defaults (CRC64, dict=8MiB), as DKMS
#                             and people compressing by hand make them
#   dummy-crc64-1m.ko.xz      CRC64 with the kernel build's 1 MiB dictionary (the check alone)
#   dummy-crc32-64m.ko.xz     CRC32 with a 64 MiB dictionary (`xz -C crc32 -9`: the dict alone)
#   dummy.ko.zst              `zstd --long=27` from a pipe: a 128 MiB window in the header
#   mt_params.ko.xz           `xz` defaults
#   mt_params-cut.ko.xz       its first half: corrupt for the kernel and user space alike
add_fallback_modules() {
    local src=$1 mods=$2 d=$STAGE/testmods/fallback f
    mkdir -p "$d"
    xz -dc "$src" >"$d/dummy.ko"
    cp "$d/dummy.ko" "$d/plain.ko"
    xz "$d/dummy.ko"
    xz -C crc64 --lzma2=dict=1MiB -c "$d/plain.ko" >"$d/dummy-crc64-1m.ko.xz"
    xz -C crc32 -9 -c "$d/plain.ko" >"$d/dummy-crc32-64m.ko.xz"
    zstd -q --long=27 -c <"$d/plain.ko" >"$d/dummy.ko.zst"
    cp "$mods/mt_params.ko" "$d/mt_params.ko"
    xz "$d/mt_params.ko"
    head -c "$(($(stat -c %s "$d/mt_params.ko.xz") / 2))" "$d/mt_params.ko.xz" >"$d/mt_params-cut.ko.xz"
    rm "$d/plain.ko"
    : >"$d/lvv.txt"
    for f in dummy.ko.xz dummy-crc64-1m.ko.xz dummy-crc32-64m.ko.xz mt_params.ko.xz; do
        printf '%s: %s, %s\n' "$f" \
            "$(xz -lvv "$d/$f" | awk '$1 == "Check:" { print $2; exit }')" \
            "$(xz -lvv "$d/$f" | grep -o -- '--lzma2=[^ ]*' | head -1)" >>"$d/lvv.txt"
    done
    printf 'dummy.ko.zst: window %s\n' \
        "$(zstd -lv "$d/dummy.ko.zst" 2>&1 | sed -n 's/^Window Size: *//p')" >>"$d/lvv.txt"
    grep -q '^dummy.ko.xz: CRC64, --lzma2=dict=8MiB$' "$d/lvv.txt" &&
        grep -q '^mt_params.ko.xz: CRC64,' "$d/lvv.txt" &&
        grep -q '^dummy-crc64-1m.ko.xz: CRC64, --lzma2=dict=1MiB$' "$d/lvv.txt" &&
        grep -q '^dummy-crc32-64m.ko.xz: CRC32, --lzma2=dict=64MiB$' "$d/lvv.txt" &&
        grep -q '^dummy.ko.zst: window 128 MiB' "$d/lvv.txt" ||
        die "fallback modules not compressed as intended: $(cat "$d/lvv.txt")"
}

# Dynamically linked clients of libkmod.so.2, for the libkmod_* scenarios: Debian 13's
# systemd-modules-load, udevadm and lspci, kmod 34.2's libkmod.so.2 and our C client
# (tests/libkmod/probe.c), in /trixie: a minimal Debian 13 root (the files and the libraries
# `ldd` names in $TRIXIE, at their paths there, with its merged-usr links), which the scenarios
# enter with chroot (scenarios/lib.sh `in_trixie`). Our library is /trixie/ours/libkmod.so.2,
# chosen per run with LD_LIBRARY_PATH=/ours (systemd dlopen()s libkmod.so.2 by that name, and
# dlopen follows LD_LIBRARY_PATH); without it the root's own, kmod 34.2's, is loaded. Set up by
# prepare_libkmod_clients (LIBKMOD_CLIENTS=1); run.sh does that when a libkmod_* scenario is
# selected.
LIBKMOD_CLIENTS=0
prepare_libkmod_clients() {
    ensure_trixie_root
    build_libkmod
    mkdir -p "$WORK/libkmod-clients"
    gcc -O1 -Wall -Werror -I"$LIBKMOD_INCLUDE" -o "$WORK/libkmod-clients/libkmod-probe" \
        "$ROOT/tests/libkmod/probe.c" -L"$LIBKMOD_DIR" -lkmod || die "building tests/libkmod/probe.c failed"
    LIBKMOD_CLIENTS=1
}

# trixie_copy PATH: PATH of the Debian 13 root into /trixie, with the libraries it needs
# (resolved by the root's own ldd).
trixie_copy() {
    local r=$STAGE/trixie lib
    mkdir -p "$r$(dirname "$1")"
    cp -L "$TRIXIE$1" "$r$1"
    for lib in $(chroot "$TRIXIE" ldd "$1" | grep -o '/[^ ]*'); do
        [ -e "$r$lib" ] && continue
        mkdir -p "$r$(dirname "$lib")"
        cp -L "$TRIXIE$lib" "$r$lib"
    done
}

add_libkmod_clients() {
    local r=$STAGE/trixie f
    mkdir -p "$r"/usr/{bin,sbin,lib,lib64} "$r"/{proc,sys,dev,tmp,run,etc,ours}
    mkdir -p "$r/usr/lib/modules" "$r/etc/modprobe.d" "$r/etc/modules-load.d"
    for f in bin lib lib64 sbin; do ln -s "usr/$f" "$r/$f"; done
    for f in /usr/lib/systemd/systemd-modules-load /usr/bin/udevadm /usr/lib/systemd/systemd-udevd \
        /usr/bin/lspci /usr/lib/udev/rules.d/80-drivers.rules \
        /usr/lib/x86_64-linux-gnu/libkmod.so.2 /usr/lib/x86_64-linux-gnu/liblzma.so.5 \
        /usr/lib/x86_64-linux-gnu/libgcc_s.so.1 /usr/bin/dash /usr/bin/true; do
        trixie_copy "$f"
    done
    ln -s dash "$r/usr/bin/sh" # system(3) runs /bin/sh
    [ -e "$TRIXIE/usr/share/misc/pci.ids" ] && trixie_copy /usr/share/misc/pci.ids
    cp "$LIBKMOD_DIR/libkmod.so.2" "$r/ours/libkmod.so.2"
    cp "$WORK/libkmod-clients/libkmod-probe" "$r/usr/bin/libkmod-probe"
    chroot "$TRIXIE" kmod --version | head -n 1 >"$r/kmod-version"
    # Drivers of QEMU's PCI devices, for udev's coldplug by modalias (and lspci -k): e1000
    # (82540EM) and i2c_piix4 (PIIX4 ACPI, needs i2c_smbus on 6.12).
    for f in $LIBKMOD_DRIVERS; do add_module_with_deps "$f"; done
}
LIBKMOD_DRIVERS="e1000 i2c_piix4"

# build_initramfs SERIES OUT MODS [INIT]: packs OUT/initrd.gz with INIT
# (default: $HERE/init) as /init.
build_initramfs() {
    local series=$1 out=$2 mods=$3 init=${4:-$HERE/init} a rel plain xz mdir=$KDIR/lib/modules/$KVER
    STAGE=$out/stage
    rm -rf "$STAGE"
    mkdir -p "$STAGE"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,tools,testmods,scenarios,lib/modules/"$KVER"}

    if readelf -l /bin/busybox | grep -q 'Requesting program interpreter'; then
        die "/bin/busybox is not the static one (apt-get install busybox-static)"
    fi
    cp /bin/busybox "$STAGE/bin/busybox"
    for a in $("$STAGE/bin/busybox" --list-full); do
        case "${a##*/}" in
            # Module tools: never let anything reach busybox's versions by name.
            insmod | rmmod | lsmod | modprobe | depmod | modinfo) continue ;;
        esac
        [ -e "$STAGE/$a" ] || ln -s /bin/busybox "$STAGE/$a"
    done

    for a in insmod rmmod lsmod; do
        copy_tool "$TOOLS_DIR/$a" "$STAGE/tools/$a"
    done
    # depmod, modprobe, modinfo: ours when built here; MODUTILS_VM_TOOLS may lack them.
    for a in depmod modprobe modinfo; do
        if [ -e "$TOOLS_DIR/$a" ]; then
            copy_tool "$TOOLS_DIR/$a" "$STAGE/tools/$a"
        fi
    done
    if [ -n "${MODUTILS_VM_TOOLS:-}" ]; then
        for a in "$TOOLS_DIR"/*; do # e.g. kmod itself, for symlinked tools
            [ -e "$STAGE/tools/${a##*/}" ] || copy_tool "$a" "$STAGE/tools/${a##*/}"
        done
    fi

    add_kmod_oracle
    [ "$LIBKMOD_CLIENTS" = 0 ] || add_libkmod_clients

    cp "$mods"/mt_*.ko "$STAGE/testmods/"

    add_module_with_deps "$REAL_MOD"
    add_module_with_deps "$DEP_MOD"
    for a in $MODPROBE_MODS; do
        add_module_with_deps "$a"
    done
    # The test modules in the tree too (extra/, as out-of-tree modules are
    # installed), so that modprobe finds them by name.
    mkdir -p "$STAGE/lib/modules/$KVER/extra"
    cp "$mods"/mt_*.ko "$STAGE/lib/modules/$KVER/extra/"
    cp "$mdir/modules.order" "$mdir/modules.builtin" "$mdir/modules.builtin.modinfo" \
        "$STAGE/lib/modules/$KVER/" 2>/dev/null || true
    # mt_params, mt_fail and the mt_slow ones listed in modules.order (mt_dep
    # and mt_user stay unlisted, as depmod_then_modprobe has always had them):
    # depmod orders the unlisted ones as it finds them, and kmod's depmod finds
    # them in readdir order, which tmpfs makes differ from name order once
    # there are more than two.
    printf 'extra/%s.ko\n' mt_params mt_fail mt_slow_core mt_slow_a mt_slow_b mt_slow_c mt_slow_d \
        >>"$STAGE/lib/modules/$KVER/modules.order"
    # depmod's indexes, as on an installed system (kmod's rmmod looks built-in
    # modules up in modules.builtin.bin). Host kmod's depmod: not under test.
    depmod -b "$STAGE" "$KVER" || die "depmod -b $STAGE $KVER failed"
    plain=/lib/modules/$KVER/$(module_relpath "$mdir" "$REAL_MOD")
    case "$series" in
        6.1)
            [[ "$plain" == *.ko ]] || die "$REAL_MOD is not a plain .ko on $KVER"
            # No .ko.xz ships with 6.1: compress it the way the kernel's build does.
            xz -C crc32 --lzma2=dict=1MiB -c "$STAGE$plain" >"$STAGE/testmods/$REAL_MOD.ko.xz"
            xz=/testmods/$REAL_MOD.ko.xz
            ;;
        6.12)
            [[ "$plain" == *.ko.xz ]] || die "$REAL_MOD is not a .ko.xz on $KVER"
            xz=$plain
            add_fallback_modules "$STAGE$plain" "$mods"
            ;;
    esac

    cp "$HERE"/scenarios/*.sh "$STAGE/scenarios/"
    {
        printf 'KSERIES=%s\n' "$series"
        printf 'KVER=%s\n' "$KVER"
        printf 'REAL_MOD=%s\n' "$REAL_MOD"
        printf 'REAL_KO=%s\n' "$plain"
        printf 'REAL_KO_XZ=%s\n' "$xz"
        printf 'DEP_MOD=%s\n' "$DEP_MOD"
        printf 'SCENARIOS="%s"\n' "$(scenarios_for "$series" | tr '\n' ' ')"
    } >"$STAGE/scenarios/env.sh"
    cp "$init" "$STAGE/init"
    chmod 755 "$STAGE/init" "$STAGE"/tools/*

    (cd "$STAGE" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) |
        gzip -1 >"$out/initrd.gz"
}

# boot_guest OUT LOG: boots $KVER with OUT/initrd.gz, the console (cleaned of
# \r and terminal escapes) into LOG; sets QEMU_RC (124: timed out).
boot_guest() {
    local out=$1 log=$2
    log "booting $KVER ($(du -h "$out/initrd.gz" | cut -f1) initrd)"
    set +e
    timeout "$VM_TIMEOUT" qemu-system-x86_64 -accel tcg -m 1536 -smp "${VM_SMP:-2}" -nographic -no-reboot \
        -kernel "$KDIR/boot/vmlinuz-$KVER" -initrd "$out/initrd.gz" \
        -append "console=ttyS0 quiet panic=-1${GUEST_CMDLINE_EXTRA:+ $GUEST_CMDLINE_EXTRA}" </dev/null 2>&1 |
        sed -e 's/\r//g' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1b[c78]//g' >"$log"
    QEMU_RC=${PIPESTATUS[0]}
    set -e
    log "guest $KVER finished (qemu status $QEMU_RC), serial log: $log"
}
