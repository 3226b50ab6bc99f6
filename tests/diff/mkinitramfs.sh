#!/usr/bin/env bash
# A real client: Debian's initramfs-tools building an initramfs for Debian's
# 6.1 kernel with our modprobe, depmod and modinfo, against the same build
# with Debian's kmod.
#
# Each build runs in a private mount namespace (unshare -m; root only) where
#   - a tmpfs covers /lib/modules, and a hard-linked copy of the extracted 6.1
#     tree (tests/lib/kernels.sh prepare_kernel 6.1; no index files, as the
#     package ships it) is bind-mounted at /lib/modules/<version>;
#   - the kernel package's /boot (config-<version>) is bind-mounted on /boot;
#   - for our build, our static kmod multi-call binary is bind-mounted over
#     /usr/bin/kmod: /sbin/modprobe, depmod and modinfo are links to it, so
#     everything initramfs-tools runs (`depmod V` for the missing indexes,
#     `modprobe --all --set-version=V [--ignore-install] --quiet
#     --show-depends ...`, `modinfo -k V -F firmware`, `depmod -a -b DESTDIR
#     V`) is ours, and so is the kmod that lands in the image.
# `mkinitramfs -d CONF -o IMAGE V` with MODULES=most (the default) and with
# MODULES=dep (the running machine's root device and file system; the host
# kernel is not the 6.1 one, so dep picks what it finds), COMPRESS=gzip.
# Per MODULES setting the checks are:
#   - both builds succeed (exit 0) and print the same messages;
#   - the unpacked images hold exactly the same paths (type, path, symlink
#     target), with more than a few hundred modules for MODULES=most;
#   - every module file is byte-identical;
#   - every other file is identical too, but the kmod binary itself
#     (/usr/bin/kmod: that is the program under test) and modules.symbols /
#     modules.symbols.bin, written by depmod in the image, whose line order is
#     free (compared sorted for the text file; the .bin only when identical
#     otherwise reported);
#   - the indexes the first `depmod V` wrote into the tree are the same;
#   - the image's /usr/bin/kmod is ours in our build (`--version`), kmod's in
#     kmod's.
#
# Prints `PASS <name>` / `FAIL <name>` per check and a last line
# `N passed, N failed`; exits 1 if any check failed, 2 if the setup failed.
#
# Usage: tests/diff/mkinitramfs.sh [most|dep|all]   (default: all)
# Environment: MODUTILS_CACHE (see tests/lib/lib.sh); KMOD_BIN: our kmod,
# statically linked (default: `make static`, the initramfs build);
# KEEP_SCRATCH=1 keeps the scratch dir.
set -euo pipefail

# shellcheck source=tests/lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"
CHECK_LINES=80

case "${1:-all}" in
    all) MODES=(most dep) ;;
    most | dep) MODES=("$1") ;;
    *) die "usage: $0 [most|dep|all]" ;;
esac

ensure_packages
ns_ready lib-modules
install_missing mkinitramfs=initramfs-tools unmkinitramfs=initramfs-tools
THEIRS=$(readlink -f "$(command -v kmod)") || die "kmod not found"
[ "$THEIRS" = /usr/bin/kmod ] || die "kmod is $THEIRS, expected /usr/bin/kmod (Debian's layout)"
make_static() {
    log "make static (our kmod, statically linked)"
    make -s -C "$ROOT" static
}
OURS=$(our_tool KMOD_BIN "$STATIC_DIR/kmod" make_static)

prepare_kernel 6.1
make_scratch mkinitramfs-diff "$WORK" # hard links to the cached tree

# build WHO MODE: mkinitramfs with kmod's tools (WHO=k) or ours (WHO=o);
# image $SCR/img.WHO.MODE, unpacked in $SCR/x.WHO.MODE, messages in .log,
# exit status in .rc, the tree's first indexes in $SCR/tree.WHO.MODE.
build() {
    local who=$1 mode=$2 tree=$SCR/tree.$1.$2 conf=$SCR/conf.$2 img=$SCR/img.$1.$2 rc
    tree_copy "$tree"
    if [ ! -d "$conf" ]; then
        cp -a /etc/initramfs-tools "$conf"
        sed -i -e "s/^MODULES=.*/MODULES=$mode/" -e 's/^COMPRESS=.*/COMPRESS=gzip/' "$conf/initramfs.conf"
    fi
    # The tree as the running kernel's, the package's /boot; ours over /usr/bin/kmod.
    local steps=(--tree "$KVER" "$tree/lib/modules/$KVER" --bind "$KDIR/boot" /boot) t0
    [ "$who" = k ] || steps+=(--bind "$OURS" /usr/bin/kmod)
    t0=$(date +%s.%N)
    in_ns "${steps[@]}" -- mkinitramfs -d "$conf" -o "$img" "$KVER" >"$img.log" 2>&1 && rc=0 || rc=$?
    echo "$rc" >"$img.rc"
    awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN { printf "%.1f\n", a - b }' >"$img.time"
    # The scratch paths differ between the two builds.
    sed -i "s|$tree|\$TREE|g; s|$SCR/|\$SCR/|g" "$img.log"
    rm -rf "$SCR/x.$who.$mode"
    [ -f "$img" ] && unmkinitramfs "$img" "$SCR/x.$who.$mode" >&2
    (cd "$SCR/x.$who.$mode" 2>/dev/null && find . -printf '%y %p %l\n' | LC_ALL=C sort) >"$SCR/list.$who.$mode" || true
}

same_status() {
    local m=$1
    echo "NOTE: exit status kmod $(cat "$SCR/img.k.$m.rc"), ours $(cat "$SCR/img.o.$m.rc")"
    echo "NOTE: mkinitramfs took $(cat "$SCR/img.k.$m.time") s with kmod's tools, $(cat "$SCR/img.o.$m.time") s with ours"
    cat "$SCR/img.o.$m.log"
    [ "$(cat "$SCR/img.k.$m.rc")" = 0 ] && [ "$(cat "$SCR/img.o.$m.rc")" = 0 ] || return 1
    diff "$SCR/img.k.$m.log" "$SCR/img.o.$m.log"
}

same_list() {
    local m=$1 n min=$2
    n=$(grep -c '\.ko *$' "$SCR/list.o.$m" || true)
    echo "NOTE: $(wc -l <"$SCR/list.o.$m") paths, $n modules"
    [ "$n" -ge "$min" ] || { echo "only $n modules (expected at least $min)"; return 1; }
    diff "$SCR/list.k.$m" "$SCR/list.o.$m"
}

same_modules() {
    local m=$1 f bad=0 n=0
    while read -r f; do
        n=$((n + 1))
        cmp -s "$SCR/x.k.$m/$f" "$SCR/x.o.$m/$f" || { echo "differs: $f"; bad=1; }
    done < <(cd "$SCR/x.k.$m" && find . -type f -name '*.ko*')
    echo "NOTE: $n module files compared"
    [ "$n" -gt 0 ] && [ "$bad" = 0 ]
}

same_other_files() {
    local m=$1 f bad=0 n=0 k=$SCR/x.k.$1 o=$SCR/x.o.$1
    while read -r f; do
        n=$((n + 1))
        cmp -s "$k/$f" "$o/$f" && continue
        case "$f" in
            ./usr/bin/kmod | ./main/usr/bin/kmod | ./bin/kmod | ./main/bin/kmod)
                echo "NOTE: $f differs (the program under test)" ;;
            */modules.symbols)
                if cmp -s <(LC_ALL=C sort "$k/$f") <(LC_ALL=C sort "$o/$f"); then
                    echo "NOTE: $f: same lines, another order"
                else
                    diff "$k/$f" "$o/$f" | head -20
                    bad=1
                fi
                ;;
            */modules.symbols.bin)
                echo "NOTE: $f differs (modules.symbols' order is free; its answers are checked by tests/diff/depmod.sh)" ;;
            *)
                echo "differs: $f"
                bad=1
                ;;
        esac
    done < <(cd "$k" && find . -type f ! -name '*.ko*')
    echo "NOTE: $n other files compared"
    [ "$bad" = 0 ]
}

same_tree_indexes() {
    local m=$1 f bad=0 n=0 k=$SCR/tree.k.$1/lib/modules/$KVER o=$SCR/tree.o.$1/lib/modules/$KVER
    for f in "$k"/modules.*; do
        f=$(basename "$f")
        n=$((n + 1))
        case "$f" in
            modules.symbols | modules.symbols.bin) continue ;;
        esac
        cmp "$k/$f" "$o/$f" || bad=1
    done
    echo "NOTE: $n files of the tree compared"
    [ "$n" -gt 5 ] && [ "$bad" = 0 ]
}

# ran_ours MODE: the images' kmod binaries say who built them (so the tools
# that ran in our build were ours: they are links to that binary).
ran_ours() {
    local m=$1 k o
    k=$(find "$SCR/x.k.$m" -path '*/usr/bin/kmod' | head -n 1)
    o=$(find "$SCR/x.o.$m" -path '*/usr/bin/kmod' | head -n 1)
    # Both start with kmod's line; ours names itself on its third.
    "$o" --version | tee /dev/stderr | grep -q '^modutils-rs ' || return 1
    "$k" --version | tee /dev/stderr | grep -q '^kmod version ' || return 1
    ! "$k" --version | grep -q 'modutils-rs'
}

for m in "${MODES[@]}"; do
    log "MODULES=$m: mkinitramfs with kmod's tools"
    build k "$m"
    log "MODULES=$m: mkinitramfs with ours"
    build o "$m"
    min=1
    [ "$m" != most ] || min=300
    check "MODULES=$m: both builds succeed, same messages" same_status "$m"
    check "MODULES=$m: same file list in the image" same_list "$m" "$min"
    check "MODULES=$m: module files byte-identical" same_modules "$m"
    check "MODULES=$m: every other file identical (but /usr/bin/kmod)" same_other_files "$m"
    check "MODULES=$m: the indexes 'depmod V' wrote into the tree" same_tree_indexes "$m"
    check "MODULES=$m: the kmod in our image is ours, kmod's in kmod's" ran_ours "$m"
done

summary
