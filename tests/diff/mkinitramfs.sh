#!/usr/bin/env bash
# A real client: Debian's initramfs-tools building an initramfs with our modprobe, depmod and
# modinfo, against the same build with Debian's kmod, on two systems:
#   12  Debian 12 (this host): initramfs-tools 0.142 and kmod 30, for Debian's 6.1 kernel;
#   13  Debian 13 (the root of ensure_trixie_root, run with chroot): initramfs-tools 0.148 and
#       kmod 34.2, for Debian's 6.12 kernel (.ko.xz).
#
# Each build runs in a private mount namespace (unshare -m; root only) where
#   - a hard-linked copy of the extracted tree (tests/lib/kernels.sh prepare_kernel; no index
#     files, as the package ships it) is bound at /lib/modules/<version>: on the host over a
#     tmpfs on /lib/modules; in the Debian 13 root (which has no /usr/lib/modules) in an
#     overlay on its /usr/lib whose upper layer is a tmpfs, so the root itself is not written;
#   - the kernel package's /boot (config-<version>) is bound on /boot;
#   - for our build, our static kmod multi-call binary is bound over /usr/bin/kmod: modprobe,
#     depmod and modinfo are links to it, so the kmod that lands in the image is ours, and so
#     is every tool initramfs-tools runs. Debian 12's runs all three (`depmod V` for the missing
#     indexes, `modprobe --all --set-version=V [--ignore-install] --quiet --show-depends ...`,
#     `modinfo -k V -F firmware`, `depmod -a -b DESTDIR V`); Debian 13's runs only depmod
#     (`depmod V`, `depmod -a -b DESTDIR V`): it copies modules with dracut-install, which
#     resolves dependencies, aliases and firmware with kmod 34.2's libkmod from the indexes
#     our depmod wrote, so there our indexes are what is under test.
#   - Debian 13 only: the root is bound on itself (so /proc/mounts in it names the cache's
#     block device for `/`, as MODULES=dep needs), with /proc, /sys and /dev of this machine,
#     and tmpfs on /tmp and /var/tmp.
# `mkinitramfs -d CONF -o IMAGE V` with MODULES=most (the default) and with MODULES=dep (the
# running machine's root device and file system; this machine's kernel is not the one built
# for, so dep picks what it finds); compression: gzip on 12, Debian 13's default (zstd) on 13.
# The images are unpacked with the same system's unmkinitramfs.
# Per system and MODULES setting the checks are:
#   - both builds succeed (exit 0) and print the same messages;
#   - the unpacked images hold exactly the same paths (type, path, symlink target), with more
#     than a few hundred modules for MODULES=most;
#   - every module file is byte-identical;
#   - every other file is identical too, but the kmod binary itself (/usr/bin/kmod: that is the
#     program under test), modules.symbols (written by depmod in the image, line order free:
#     compared sorted), modules.symbols.bin and, on Debian 12, every .bin index (kmod 30's
#     node order: bin-layout in docs/compatibility.md) compared by content: dumps, sorted, by
#     index-dump, tests/src/bin;
#   - the indexes the first `depmod V` wrote into the tree are the same (the same rules);
#   - the image's /usr/bin/kmod is ours in our build (`--version`), kmod's in kmod's.
#
# Prints `PASS <name>` / `FAIL <name>` per check and a last line `N passed, N failed`; exits 1
# if any check failed, 2 if the setup failed.
#
# Usage: tests/diff/mkinitramfs.sh [most|dep|all] [12|13|all]   (default: all all)
# Environment: MODUTILS_CACHE (see tests/lib/lib.sh); KMOD_BIN: our kmod, statically linked
# (default: `make static`, the initramfs build); KEEP_SCRATCH=1 keeps the scratch dir.
set -euo pipefail

# shellcheck source=tests/lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"
CHECK_LINES=80
DUMP=$(our_tool INDEX_DUMP "$RELEASE_DIR/index-dump" cargo_release tests)

MODES=(most dep)
SYSTEMS=(12 13)
case "${1:-all}" in
    all) ;;
    most | dep) MODES=("$1") ;;
    *) die "usage: $0 [most|dep|all] [12|13|all]" ;;
esac
case "${2:-all}" in
    all) ;;
    12 | 13) SYSTEMS=("$2") ;;
    *) die "usage: $0 [most|dep|all] [12|13|all]" ;;
esac

ensure_packages
ns_ready lib-modules
make_static() {
    log "make static (our kmod, statically linked)"
    make -s -C "$ROOT" static
}
OURS=$(our_tool KMOD_BIN "$STATIC_DIR/kmod" make_static)
make_scratch mkinitramfs-diff "$WORK" # hard links to the cached trees
for sys in "${SYSTEMS[@]}"; do
    case $sys in
        12)
            install_missing mkinitramfs=initramfs-tools unmkinitramfs=initramfs-tools
            THEIRS=$(readlink -f "$(command -v kmod)") || die "kmod not found"
            [ "$THEIRS" = /usr/bin/kmod ] || die "kmod is $THEIRS, expected /usr/bin/kmod (Debian's layout)"
            ;;
        13)
            ensure_trixie_root # kmod 34.2, initramfs-tools, busybox, zstd
            [ -x "$TRIXIE/usr/sbin/mkinitramfs" ] || die "no mkinitramfs in $TRIXIE"
            ;;
    esac
done

# build12 WHO MODE P: mkinitramfs on this host (Debian 12) with kmod's tools (WHO=k) or ours
# (WHO=o), for $KVER; image $SCR/img.P.WHO, unpacked in $SCR/x.P.WHO.
build12() {
    local who=$1 mode=$2 p=$3 tree=$SCR/tree.$3.$1 conf=$SCR/conf.$3 img=$SCR/img.$3.$1 rc
    if [ ! -d "$conf" ]; then
        cp -a /etc/initramfs-tools "$conf"
        sed -i -e "s/^MODULES=.*/MODULES=$mode/" -e 's/^COMPRESS=.*/COMPRESS=gzip/' "$conf/initramfs.conf"
    fi
    # The tree as the running kernel's, the package's /boot; ours over /usr/bin/kmod.
    local steps=(--tree "$KVER" "$tree/lib/modules/$KVER" --bind "$KDIR/boot" /boot)
    [ "$who" = k ] || steps+=(--bind "$OURS" /usr/bin/kmod)
    in_ns "${steps[@]}" -- mkinitramfs -d "$conf" -o "$img" "$KVER" >"$img.log" 2>&1 && rc=0 || rc=$?
    echo "$rc" >"$img.rc"
    rm -rf "$SCR/x.$p.$who"
    [ ! -f "$img" ] || unmkinitramfs "$img" "$SCR/x.$p.$who" >&2
}

# build13 WHO MODE P: the same in the Debian 13 root, for $KVER (see the top for the mounts);
# the root's mkinitramfs and unmkinitramfs write in its /tmp (a tmpfs), copied out to $SCR
# before the namespace ends; $SCR/ver.P.WHO: `kmod --version` of the image's kmod, run in the
# root.
build13() {
    local who=$1 mode=$2 p=$3 tree=$SCR/tree.$3.$1 conf=$SCR/conf.$3 img=$SCR/img.$3.$1
    if [ ! -d "$conf" ]; then
        cp -a "$TRIXIE/etc/initramfs-tools" "$conf"
        sed -i -e "s/^MODULES=.*/MODULES=$mode/" "$conf/initramfs.conf"
    fi
    local ours=
    [ "$who" = k ] || ours=$OURS
    rm -rf "$SCR/x.$p.$who"
    # shellcheck disable=SC2016 # expanded by the inner sh
    unshare -m sh -c '
        set -e
        R=$1 V=$2 TREE=$3 BOOT=$4 CONF=$5 OUT=$6 X=$7 OURS=$8 VER=$9
        mount --make-rprivate /
        # "/" in the root: a mount of the block device under the cache (for MODULES=dep).
        mount --bind "$R" "$R"
        mount -t proc proc "$R/proc"
        mount -t sysfs sysfs "$R/sys"
        mount --rbind /dev "$R/dev"
        mount -t tmpfs none "$R/tmp"
        mount -t tmpfs none "$R/var/tmp"
        # No /usr/lib/modules in the root: made in an overlay, the root left as it is.
        mkdir "$R/tmp/upper" "$R/tmp/work"
        mount -t overlay overlay -o "lowerdir=$R/usr/lib,upperdir=$R/tmp/upper,workdir=$R/tmp/work" "$R/usr/lib"
        mkdir -p "$R/usr/lib/modules/$V"
        mount --bind "$TREE" "$R/usr/lib/modules/$V"
        mount --bind "$BOOT" "$R/boot"
        [ -z "$OURS" ] || mount --bind "$OURS" "$R/usr/bin/kmod"
        cp -a "$CONF" "$R/tmp/conf"
        run() { chroot "$R" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root "$@"; }
        rc=0
        run mkinitramfs -d /tmp/conf -o /tmp/img "$V" >"$OUT.log" 2>&1 || rc=$?
        echo "$rc" >"$OUT.rc"
        [ -f "$R/tmp/img" ] || exit 0
        cp "$R/tmp/img" "$OUT"
        run unmkinitramfs /tmp/img /tmp/x >&2
        cp -a "$R/tmp/x" "$X"
        k=$(cd "$R/tmp/x" && find . -path "*/usr/bin/kmod" | head -n 1)
        [ -z "$k" ] || run "/tmp/x/$k" --version >"$VER" 2>&1 || true
    ' sh "$TRIXIE" "$KVER" "$tree/lib/modules/$KVER" "$KDIR/boot" "$conf" "$img" \
        "$SCR/x.$p.$who" "$ours" "$SCR/ver.$p.$who" || die "setting up the Debian 13 build failed"
}

# build SYS WHO MODE: build12 or build13, timed; the file list in $SCR/list.P.WHO (P =
# SYS.MODE); messages in $SCR/img.P.WHO.log (scratch paths replaced), exit status in .rc,
# seconds in .time.
build() {
    local sys=$1 who=$2 mode=$3 p=$1.$3 t0 img=$SCR/img.$1.$3.$2
    tree_copy "$SCR/tree.$p.$who"
    t0=$(date +%s.%N)
    "build$sys" "$who" "$mode" "$p"
    awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN { printf "%.1f\n", a - b }' >"$img.time"
    # The scratch paths differ between the two builds.
    sed -i "s|$SCR/tree.$p.$who|\$TREE|g; s|$SCR/|\$SCR/|g" "$img.log"
    (cd "$SCR/x.$p.$who" 2>/dev/null && find . -printf '%y %p %l\n' | LC_ALL=C sort) >"$SCR/list.$p.$who" || true
}

# Debian 12: files ours may write where kmod 30 does not, since kmod 34.2 does
# (docs/compatibility.md): modules.weakdep. Only a NOTE when ours has one and kmod 30 not.
EXTRA_12=(modules.weakdep)

# extra_ok P FILE: true if FILE (a path or a name) is one of EXTRA_12 and P a Debian 12 build.
extra_ok() {
    local f
    [ "${1%%.*}" = 12 ] || return 1
    for f in "${EXTRA_12[@]}"; do
        [ "${2##*/}" != "$f" ] || return 0
    done
    return 1
}

same_status() {
    local p=$1
    echo "NOTE: exit status kmod $(cat "$SCR/img.$p.k.rc"), ours $(cat "$SCR/img.$p.o.rc")"
    echo "NOTE: mkinitramfs took $(cat "$SCR/img.$p.k.time") s with kmod's tools, $(cat "$SCR/img.$p.o.time") s with ours (with unpacking)"
    cat "$SCR/img.$p.o.log"
    [ "$(cat "$SCR/img.$p.k.rc")" = 0 ] && [ "$(cat "$SCR/img.$p.o.rc")" = 0 ] || return 1
    diff "$SCR/img.$p.k.log" "$SCR/img.$p.o.log"
}

# list_for_diff P WHO: the file list of that build for the comparison, in ours on Debian 12
# without modules.weakdep (see EXTRA_12); the names of what it leaves out in
# $SCR/left-out.P.WHO.
list_for_diff() {
    local p=$1 who=$2 line path
    : >"$SCR/left-out.$p.$who"
    while IFS= read -r line; do
        path=${line#? }
        path=${path%% *}
        if [ "$who" = o ] && extra_ok "$p" "$path"; then
            echo "${path##*/}" >>"$SCR/left-out.$p.$who"
        else
            printf '%s\n' "$line"
        fi
    done <"$SCR/list.$p.$who"
}

same_list() {
    local p=$1 n min=$2 rc=0
    n=$(grep -c '\.ko\(\.xz\|\.zst\|\.gz\)\? *$' "$SCR/list.$p.o" || true)
    echo "NOTE: $(wc -l <"$SCR/list.$p.o") paths, $n modules"
    [ "$n" -ge "$min" ] || { echo "only $n modules (expected at least $min)"; return 1; }
    diff <(list_for_diff "$p" k) <(list_for_diff "$p" o) || rc=1
    local who
    for who in k o; do
        [ -s "$SCR/left-out.$p.$who" ] || continue
        echo "NOTE: left out of the list comparison, in $([ "$who" = k ] && echo "kmod's" || echo ours):" \
            "$(sort "$SCR/left-out.$p.$who" | tr '\n' ' ')"
    done
    return "$rc"
}

same_modules() {
    local p=$1 f bad=0 n=0
    while read -r f; do
        n=$((n + 1))
        cmp -s "$SCR/x.$p.k/$f" "$SCR/x.$p.o/$f" || { echo "differs: $f"; bad=1; }
    done < <(cd "$SCR/x.$p.k" && find . -type f -name '*.ko*')
    echo "NOTE: $n module files compared"
    [ "$n" -gt 0 ] && [ "$bad" = 0 ]
}

# same_dump K O NAME: two .bin indexes with the same entries (their dumps, sorted).
same_dump() {
    cmp -s <("$DUMP" "$1" | LC_ALL=C sort) <("$DUMP" "$2" | LC_ALL=C sort) ||
        { echo "$3: other content"; return 1; }
    echo "NOTE: $3: same content (dumped, sorted), other bytes"
}

# same_file P K O NAME: compares kmod's file K with ours O (NAME: how to report it) by the
# rules at the top; prints why it differs (a NOTE where that is allowed).
same_file() {
    local p=$1 k=$2 o=$3 f=$4
    cmp -s "$k" "$o" && return 0
    case "$f" in
        ./usr/bin/kmod | ./main/usr/bin/kmod | ./bin/kmod | ./main/bin/kmod)
            echo "NOTE: $f differs (the program under test)"
            ;;
        */modules.symbols | modules.symbols)
            cmp -s <(LC_ALL=C sort "$k") <(LC_ALL=C sort "$o") || { diff "$k" "$o" | head -20; return 1; }
            echo "NOTE: $f: same lines, another order"
            ;;
        */modules.symbols.bin | modules.symbols.bin)
            same_dump "$k" "$o" "$f"
            ;;
        *.bin)
            # kmod 30 writes its tries in another node order (docs/compatibility.md, bin-layout).
            [ "${p%%.*}" = 12 ] || { echo "differs: $f"; return 1; }
            same_dump "$k" "$o" "$f"
            ;;
        *)
            echo "differs: $f"
            return 1
            ;;
    esac
}

same_other_files() {
    local p=$1 f bad=0 n=0 k=$SCR/x.$1.k o=$SCR/x.$1.o
    while read -r f; do
        n=$((n + 1))
        same_file "$p" "$k/$f" "$o/$f" "$f" || bad=1
    done < <(cd "$k" && find . -type f ! -name '*.ko*')
    echo "NOTE: $n other files compared"
    [ "$bad" = 0 ]
}

same_tree_indexes() {
    local p=$1 f bad=0 n=0 k=$SCR/tree.$1.k/lib/modules/$KVER o=$SCR/tree.$1.o/lib/modules/$KVER
    for f in "$k"/modules.*; do
        f=$(basename "$f")
        n=$((n + 1))
        same_file "$p" "$k/$f" "$o/$f" "$f" || bad=1
    done
    # Ours may not write a file kmod does not (but EXTRA_12 and our module cache).
    for f in "$o"/modules.*; do
        f=${f##*/}
        [ ! -e "$k/$f" ] || continue
        if [ "$f" = modules.cache.bin ]; then
            # Our depmod's module cache, in the system's tree only (row depmod-cache): the
            # images' file lists, compared above, must not have it.
            echo "NOTE: only ours wrote $f (our module cache)"
        elif extra_ok "$p" "$f"; then
            echo "NOTE: only ours wrote $f (EXTRA_12)"
        else
            echo "only ours wrote $f"
            bad=1
        fi
    done
    echo "NOTE: $n files of the tree compared"
    [ "$n" -gt 5 ] && [ "$bad" = 0 ]
}

# ran_ours P: the images' kmod binaries say who built them (so the tools that ran in our build
# were ours: they are links to that binary). Debian 12's run here; Debian 13's ran in its root.
ran_ours() {
    local p=$1 k o kv ov
    if [ "${p%%.*}" = 13 ]; then
        kv=$(cat "$SCR/ver.$p.k") ov=$(cat "$SCR/ver.$p.o")
    else
        k=$(find "$SCR/x.$p.k" -path '*/usr/bin/kmod' | head -n 1)
        o=$(find "$SCR/x.$p.o" -path '*/usr/bin/kmod' | head -n 1)
        kv=$("$k" --version) ov=$("$o" --version)
    fi
    printf 'kmod:\n%s\nours:\n%s\n' "$kv" "$ov"
    # Both start with kmod's line; ours names itself on its third.
    grep -q '^modutils-rs ' <<<"$ov" || return 1
    grep -q '^kmod version ' <<<"$kv" || return 1
    ! grep -q 'modutils-rs' <<<"$kv"
}

for sys in "${SYSTEMS[@]}"; do
    case $sys in
        12) prepare_kernel 6.1 ;;
        13) prepare_kernel 6.12 ;;
    esac
    for m in "${MODES[@]}"; do
        p=$sys.$m
        log "Debian $sys, MODULES=$m: mkinitramfs with kmod's tools"
        build "$sys" k "$m"
        log "Debian $sys, MODULES=$m: mkinitramfs with ours"
        build "$sys" o "$m"
        min=1
        [ "$m" != most ] || min=300
        t="Debian $sys ($KVER), MODULES=$m"
        check "$t: both builds succeed, same messages" same_status "$p"
        check "$t: same file list in the image" same_list "$p" "$min"
        check "$t: module files byte-identical" same_modules "$p"
        check "$t: every other file identical (but /usr/bin/kmod)" same_other_files "$p"
        check "$t: the indexes 'depmod V' wrote into the tree" same_tree_indexes "$p"
        check "$t: the kmod in our image is ours, kmod's in kmod's" ran_ours "$p"
    done
done

summary
