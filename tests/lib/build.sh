# Our tools, built for the tests (part of tests/lib/lib.sh).
#
# shellcheck shell=bash
# shellcheck disable=SC2034 # settings for the scripts that source this

TARGET=x86_64-unknown-linux-gnu
RELEASE_DIR=${CARGO_TARGET_DIR:-$ROOT/target}/release
STATIC_DIR=${CARGO_TARGET_DIR:-$ROOT/target}/$TARGET/release
ALL_TOOLS=(insmod rmmod lsmod depmod modprobe modinfo kmod)

# cargo_release PACKAGE...: `cargo build --release` of those packages; binaries in
# $RELEASE_DIR.
cargo_release() {
    local pkgs=() p
    for p; do pkgs+=(-p "$p"); done
    log "cargo build --release ${pkgs[*]}"
    (cd "$ROOT" && cargo build --release --quiet "${pkgs[@]}" >&2) || die "cargo build ${pkgs[*]} failed"
}

# cargo_static PACKAGE...: the same, statically linked (glibc, crt-static; --target keeps the
# flag away from build scripts and proc macros): the recipe of `make static`, binaries in
# $STATIC_DIR. Dies if a binary asks for a program interpreter.
cargo_static() {
    local pkgs=() p
    for p; do pkgs+=(-p "$p"); done
    command -v cargo >/dev/null || die "cargo not found"
    log "building static $*"
    (cd "$ROOT" && RUSTFLAGS='-C target-feature=+crt-static' \
        cargo build --release --target "$TARGET" "${pkgs[@]}" >&2) || die "cargo build of static $* failed"
    for p; do
        [ -x "$STATIC_DIR/$p" ] || die "missing $STATIC_DIR/$p"
        if readelf -l "$STATIC_DIR/$p" | grep -q 'Requesting program interpreter'; then
            die "$STATIC_DIR/$p is not statically linked"
        fi
    done
}

# our_tool VAR PATH BUILD...: prints the path of the binary under test: the one the environment
# names in $VAR (made absolute) if set, else PATH after running BUILD... (e.g. `cargo_release
# depmod`). Dies unless it is an executable. Use it as OURS=$(our_tool ...).
our_tool() {
    local var=$1 path=$2
    shift 2
    if [ -n "${!var:-}" ]; then
        path=$(cd "$(dirname "${!var}")" && pwd)/$(basename "${!var}")
    else
        "$@" >&2 || die "$* failed"
    fi
    [ -x "$path" ] || die "no $(basename "$path") at $path"
    printf '%s\n' "$path"
}

# tool_links DIR BINARY NAME...: DIR/NAME, a symbolic link to BINARY, for each NAME: kmod picks
# the tool from argv[0], and getopt's messages name it.
tool_links() {
    local dir=$1 bin=$2 name
    shift 2
    mkdir -p "$dir"
    for name; do ln -s "$bin" "$dir/$name"; done
}

# build_tools: sets TOOLS_DIR, a directory with all our tools statically linked (cargo_static),
# or the one MODUTILS_VM_TOOLS names.
TOOLS_DIR=
build_tools() {
    if [ -n "${MODUTILS_VM_TOOLS:-}" ]; then
        TOOLS_DIR=$(cd "$MODUTILS_VM_TOOLS" && pwd)
        log "using tools from $TOOLS_DIR"
        return
    fi
    cargo_static "${ALL_TOOLS[@]}"
    TOOLS_DIR=$STATIC_DIR
}

# build_libkmod: sets LIBKMOD_DIR, a directory holding our library as libkmod.so.2 (and the
# libkmod.so link a linker wants) and LIBKMOD_INCLUDE, the directory of our libkmod.h: a
# release build of the libkmod crate, or the library MODUTILS_LIBKMOD names (a file).
LIBKMOD_DIR=
LIBKMOD_INCLUDE=$ROOT/libkmod/include
build_libkmod() {
    local so
    if [ -n "${MODUTILS_LIBKMOD:-}" ]; then
        so=$(cd "$(dirname "$MODUTILS_LIBKMOD")" && pwd)/$(basename "$MODUTILS_LIBKMOD")
    else
        cargo_release libkmod
        so=$RELEASE_DIR/libkmod_rs.so
    fi
    [ -f "$so" ] || die "no library at $so"
    LIBKMOD_DIR=${CARGO_TARGET_DIR:-$ROOT/target}/libkmod
    mkdir -p "$LIBKMOD_DIR"
    cp "$so" "$LIBKMOD_DIR/libkmod.so.2.tmp"
    mv "$LIBKMOD_DIR/libkmod.so.2.tmp" "$LIBKMOD_DIR/libkmod.so.2"
    ln -sfn libkmod.so.2 "$LIBKMOD_DIR/libkmod.so"
}
