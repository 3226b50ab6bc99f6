# Shared machinery of the QEMU harness, sourced (bash) by run.sh and demo.sh
# (and tests/diff/depmod.sh, for the packages, kernels and module builds):
# host packages, Debian's kernel packages, our static tools, the test modules,
# the initramfs and the QEMU boot. Defines functions and settings only; the
# caller sets `set -euo pipefail` first.
#
# Environment: MODUTILS_CACHE, MODUTILS_VM_TOOLS, VM_TIMEOUT (see run.sh); MODUTILS_WORK:
# the per-run work dir (default $MODUTILS_CACHE/work; another one lets runs from
# several worktrees share the cache at the same time);
# MODUTILS_APT_UPDATED=1: `apt-get update` already ran (tests/run-all.sh).

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CACHE=${MODUTILS_CACHE:-${HOME:-/root}/.cache/modutils-rs}
DEBS=$CACHE/debs
KROOT=$CACHE/kernels
WORK=${MODUTILS_WORK:-$CACHE/work} # per-run build output (initrd, serial logs, test modules)
TARGET=x86_64-unknown-linux-gnu
VM_TIMEOUT=${VM_TIMEOUT:-600}
T0=$(date +%s)

log() { printf '[vm %3ds] %s\n' "$(($(date +%s) - T0))" "$*" >&2; }
die() { printf 'vm: ERROR: %s\n' "$*" >&2; exit 2; }

# ---------------------------------------------------------------- host packages
APT_UPDATED=${MODUTILS_APT_UPDATED:-0}
apt_update_once() {
    if [ "$APT_UPDATED" = 0 ]; then
        log "apt-get update"
        apt-get update -qq >&2
        APT_UPDATED=1
    fi
}

ensure_packages() {
    local missing=() p
    command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
    command -v cpio >/dev/null || missing+=(cpio)
    command -v gcc-12 >/dev/null || missing+=(gcc-12)
    command -v make >/dev/null || missing+=(make)
    command -v xz >/dev/null || missing+=(xz-utils)
    command -v modinfo >/dev/null || missing+=(kmod)
    command -v kmod >/dev/null || missing+=(kmod) # packed into the guest as the oracle
    command -v depmod >/dev/null || missing+=(kmod)
    command -v objcopy >/dev/null || missing+=(binutils)
    # busybox-static: the initramfs needs the static binary, not just any busybox.
    # libelf1/libssl3/zlib1g: linux-kbuild's prebuilt tools (modpost, objtool) link them.
    for p in busybox-static libelf1 libssl3 zlib1g; do
        dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        apt_update_once
        log "apt-get install ${missing[*]}"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            qemu-system-x86 cpio busybox-static gcc-12 make xz-utils kmod binutils \
            libelf1 libssl3 zlib1g >&2
    fi
}

# ------------------------------------------------------- kernel package fetching
# apt_deps PKG...: "PKG DEP" lines (alternatives' markers and <virtual> stripped).
apt_deps() {
    apt-cache depends "$@" 2>/dev/null | awk '/^[^ ]/ { p = $1; next }
        { sub(/^ *\|?/, "") } /^Depends: / { d = $2; gsub(/[<>]/, "", d); print p, d }'
}

# pick DEPS_TEXT PKG PATTERN: the dependency of PKG whose name matches PATTERN.
pick() {
    local name
    name=$(printf '%s\n' "$1" | awk -v p="$2" -v re="$3" '$1 == p && $2 ~ re { print $2; exit }')
    [ -n "$name" ] || die "cannot resolve $3 from $2 (apt-cache depends $2)"
    printf '%s\n' "$name"
}

# fetch_debs PKG...: makes sure $DEBS holds each PKG's candidate version;
# prints their paths.
fetch_debs() {
    local pkg ver f dl
    apt-cache policy "$@" 2>/dev/null | awk '/^[^ ]/ { sub(/:$/, "", $1); p = $1 }
        /^ *Candidate:/ { print p, $2 }' >"$DEBS/.candidates"
    for pkg in "$@"; do
        ver=$(awk -v p="$pkg" '$1 == p { print $2 }' "$DEBS/.candidates")
        [ -n "$ver" ] && [ "$ver" != "(none)" ] || die "no candidate version for $pkg"
        f=$(ls "$DEBS/${pkg}_${ver//:/%3a}_"*.deb 2>/dev/null | head -n1 || true)
        if [ -z "$f" ]; then
            log "apt-get download $pkg=$ver"
            # Into a dir apt's _apt user can write (no "unsandboxed" warning),
            # then moved into the cache.
            dl=$(mktemp -d)
            chmod 777 "$dl"
            (cd "$dl" && apt-get download -qq "$pkg=$ver" >&2) || die "apt-get download $pkg failed"
            mv "$dl"/*.deb "$DEBS/"
            rm -rf "$dl"
            f=$(ls "$DEBS/${pkg}_${ver//:/%3a}_"*.deb | head -n1)
        fi
        printf '%s\n' "$f"
    done
}

# prepare_kernel SERIES: sets KVER, KDIR (extracted image+headers), KBUILD_DIR.
prepare_kernel() {
    local series=$1 img_meta hdr_meta deps img hdr common kbuild debs stamp d
    case "$series" in
        6.1) img_meta=linux-image-amd64 hdr_meta=linux-headers-amd64 ;;
        6.12) img_meta=linux-image-6.12-amd64 hdr_meta=linux-headers-6.12-amd64 ;;
    esac
    deps=$(apt_deps "$img_meta" "$hdr_meta")
    if [ -z "$deps" ]; then # no package lists yet (fresh machine)
        apt_update_once
        deps=$(apt_deps "$img_meta" "$hdr_meta")
    fi
    img=$(pick "$deps" "$img_meta" '^linux-image-[0-9]')
    hdr=$(pick "$deps" "$hdr_meta" '^linux-headers-[0-9]')
    deps=$(apt_deps "$hdr")
    common=$(pick "$deps" "$hdr" '^linux-headers-.*-common$')
    kbuild=$(pick "$deps" "$hdr" '^linux-kbuild-')
    mkdir -p "$DEBS"
    mapfile -t debs < <(fetch_debs "$img" "$hdr" "$common" "$kbuild")
    [ ${#debs[@]} = 4 ] || die "fetching the packages of $img failed"
    KVER=${img#linux-image-}
    KDIR=$KROOT/$KVER
    stamp=$(for d in "${debs[@]}"; do basename "$d"; done)
    if [ ! -f "$KDIR/.stamp" ] || [ "$(cat "$KDIR/.stamp")" != "$stamp" ]; then
        log "extracting $KVER"
        rm -rf "$KDIR"
        mkdir -p "$KDIR"
        for d in "${debs[@]}"; do
            dpkg -x "$d" "$KDIR"
        done
        # The arch headers' Makefile includes the -common one by absolute path.
        sed -i "s|include /usr/src/|include $KDIR/usr/src/|" \
            "$KDIR/usr/src/linux-headers-$KVER/Makefile"
        printf '%s\n' "$stamp" >"$KDIR/.stamp"
    fi
    [ -f "$KDIR/boot/vmlinuz-$KVER" ] || die "no vmlinuz in $KDIR"
    [ -d "$KDIR/lib/modules/$KVER/kernel" ] || die "no module tree in $KDIR"
    KBUILD_DIR=$KDIR/usr/src/linux-headers-$KVER
}

# ------------------------------------------------- the Debian 13 (kmod 34.2) root
# ensure_trixie_root: sets TRIXIE, a Debian 13 root with kmod (debootstrap --variant=minbase,
# from the mirror this machine's apt uses), made once and kept in the cache: the kmod 34.2
# oracle, run with chroot. A root whose debootstrap didn't finish is made again.
ensure_trixie_root() {
    TRIXIE=$CACHE/trixie-root
    [ -f "$TRIXIE/.stamp" ] && [ -x "$TRIXIE/usr/bin/kmod" ] && return 0
    command -v debootstrap >/dev/null || {
        apt_update_once
        log "apt-get install debootstrap"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >&2
    }
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

# ------------------------------------------------------------------- our tools
TOOLS_DIR=
build_tools() {
    if [ -n "${MODUTILS_VM_TOOLS:-}" ]; then
        TOOLS_DIR=$(cd "$MODUTILS_VM_TOOLS" && pwd)
        log "using tools from $TOOLS_DIR"
        return
    fi
    command -v cargo >/dev/null || die "cargo not found"
    log "building static insmod/rmmod/lsmod/depmod/modprobe/modinfo"
    (cd "$ROOT" && RUSTFLAGS='-C target-feature=+crt-static' \
        cargo build --release --target "$TARGET" -p insmod -p rmmod -p lsmod -p depmod -p modprobe -p modinfo -p kmod >&2) ||
        die "cargo build of the tools failed"
    TOOLS_DIR=${CARGO_TARGET_DIR:-$ROOT/target}/$TARGET/release
    local t
    for t in insmod rmmod lsmod depmod modprobe modinfo kmod; do
        [ -x "$TOOLS_DIR/$t" ] || die "missing $TOOLS_DIR/$t"
        if readelf -l "$TOOLS_DIR/$t" | grep -q 'Requesting program interpreter'; then
            die "$TOOLS_DIR/$t is not statically linked"
        fi
    done
}

# --------------------------------------------------------------- test modules
# build_test_modules OUT [SRC]: builds the modules of SRC (*.c and a Kbuild;
# default $HERE/modules) out of tree against $KVER's headers, in OUT.
build_test_modules() {
    local out=$1 src=${2:-$HERE/modules}
    rm -rf "$out"
    mkdir -p "$out"
    cp "$src"/*.c "$src"/Kbuild "$out/"
    log "building test modules ($(basename "$src")) for $KVER"
    # No pahole here: skip BTF for modules (harmless where it is off anyway).
    if ! make -s -C "$KBUILD_DIR" M="$out" CONFIG_DEBUG_INFO_BTF_MODULES= modules \
        >"$out/build.log" 2>&1; then
        cat "$out/build.log" >&2
        die "building test modules for $KVER failed"
    fi
}

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
    # mt_params and mt_fail listed in modules.order (mt_dep and mt_user stay
    # unlisted, as depmod_then_modprobe has always had them): depmod orders
    # the unlisted ones as it finds them, and kmod's depmod finds them in
    # readdir order, which tmpfs makes differ from name order once there are
    # more than two.
    printf 'extra/%s.ko\n' mt_params mt_fail >>"$STAGE/lib/modules/$KVER/modules.order"
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
    timeout "$VM_TIMEOUT" qemu-system-x86_64 -accel tcg -m 1536 -smp 1 -nographic -no-reboot \
        -kernel "$KDIR/boot/vmlinuz-$KVER" -initrd "$out/initrd.gz" \
        -append "console=ttyS0 quiet panic=-1${GUEST_CMDLINE_EXTRA:+ $GUEST_CMDLINE_EXTRA}" </dev/null 2>&1 |
        sed -e 's/\r//g' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1b[c78]//g' >"$log"
    QEMU_RC=${PIPESTATUS[0]}
    set -e
    log "guest $KVER finished (qemu status $QEMU_RC), serial log: $log"
}
