# Debian's kernels (part of tests/lib/lib.sh): the 6.1 (linux-image-amd64, plain .ko) and 6.12
# (linux-image-6.12-amd64, .ko.xz) packages resolved at run time, downloaded into the cache and
# extracted (image, headers, kbuild); copies of their module trees to work on; test modules
# built against their headers.
#
# shellcheck shell=bash
# shellcheck disable=SC2034 # settings for the scripts that source this

DEBS=$CACHE/debs
KROOT=$CACHE/kernels

# series_from ARG [FIRST SECOND]: sets SERIES from a script's argument: `all` (or none) both
# series, 6.1 then 6.12 (or FIRST then SECOND); `6.1` or `6.12` that one; else dies with the
# usage.
series_from() {
    local order=("${@:2}")
    [ ${#order[@]} -gt 0 ] || order=(6.1 6.12)
    case "${1:-all}" in
        all) SERIES=("${order[@]}") ;;
        6.1 | 6.12) SERIES=("$1") ;;
        *) die "usage: $0 [${order[0]}|${order[1]}|all]" ;;
    esac
}

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

# fetch_debs PKG...: makes sure $DEBS holds each PKG's candidate version; prints their paths.
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

# tree_copy DEST: DEST/lib/modules/$KVER becomes a copy of the prepared kernel's module tree,
# hard-linked (DEST on the cache's filesystem: $WORK, or see tests/diff/lib.sh
# scratch_for_trees), as the package ships it: no index file, only the kernel's
# modules.order, modules.builtin and modules.builtin.modinfo. Tools that write replace files by
# rename, so the cached files are never written through the links.
tree_copy() {
    local m=$1/lib/modules/$KVER f
    rm -rf "$1"
    mkdir -p "$1/lib/modules"
    cp -al "$KDIR/lib/modules/$KVER" "$1/lib/modules/"
    for f in "$m"/modules.*; do
        case "${f##*/}" in
            modules.order | modules.builtin | modules.builtin.modinfo) ;;
            *) rm -f "$f" ;;
        esac
    done
}

# build_test_modules OUT [SRC]: builds the modules of SRC (*.c and a Kbuild; default
# tests/vm/modules) out of tree against $KVER's headers, in OUT.
build_test_modules() {
    local out=$1 src=${2:-$ROOT/tests/vm/modules}
    rm -rf "$out"
    mkdir -p "$out"
    cp "$src"/*.c "$src"/Kbuild "$out/"
    cp "$src"/*.h "$out/" 2>/dev/null || true
    log "building test modules ($(basename "$src")) for $KVER"
    # No pahole here: skip BTF for modules (harmless where it is off anyway).
    if ! make -s -C "$KBUILD_DIR" M="$out" CONFIG_DEBUG_INFO_BTF_MODULES= modules \
        >"$out/build.log" 2>&1; then
        cat "$out/build.log" >&2
        die "building test modules for $KVER failed"
    fi
}
