#!/usr/bin/env bash
# The packager's path: `make install` with DESTDIR, PREFIX, BINDIR, SBINDIR,
# MULTICALL=1 and STATIC=1, then `make uninstall`. Checks:
#   - exactly the expected files land under DESTDIR (binaries, 10 man pages
#     in sections 8 and 5, bash, zsh and fish completions for kmod and each tool),
#     at the PREFIX/SBINDIR given, and at /usr/local by default;
#   - each installed tool runs and its --version starts with kmod's line and names the project;
#   - each man page renders with man-db without warnings and names its tool;
#   - each bash completion loads and registers for its command, each zsh one
#     starts with `#compdef <tool>`, each fish one completes its command;
#   - MULTICALL=1: the tools are symlinks to BINDIR/kmod, and kmod run by a
#     tool's name is that tool;
#   - STATIC=1: no installed binary asks for a program interpreter;
#   - libkmod.so.2 (not with STATIC=1): LIBDIR/libkmod.so.2.5.1 with soname libkmod.so.2 and the
#     links libkmod.so.2 and libkmod.so, libkmod.h and libkmod.pc; a C program built with
#     `pkg-config --cflags --libs libkmod` against the installed files runs on the installed
#     library and prints what it prints with Debian's libkmod;
#   - `make uninstall` removes every file it installed.
# Prints `PASS`/`FAIL` per check and `N passed, N failed`; exits 1 on failure.
set -euo pipefail
# shellcheck source=tests/lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/lib.sh"
cd "$ROOT"

install_missing man=man-db readelf=binutils make=make pkg-config=pkg-config gcc=gcc

make_scratch install-test
D=$SCR
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
TOOLS=(insmod rmmod lsmod modprobe depmod modinfo)

# expected ROOT PREFIX BINDIR SBINDIR [LIBDIR]: the file list `make install` should give
# (completions where the Makefile puts them: see its comment and tests/completions.sh; the
# library's files in LIBDIR, PREFIX/lib by default, unless LIBDIR is `none`).
expected() {
    local p=$2 b=$3 s=$4 l=${5:-$2/lib} t
    {
        if [ "$l" != none ]; then
            printf '%s\n' "$l/libkmod.so.2.5.1" "$l/libkmod.so.2" "$l/libkmod.so" \
                "$l/pkgconfig/libkmod.pc" "$p/include/libkmod.h"
        fi
        echo "$b/kmod"
        for t in "${TOOLS[@]}"; do echo "$s/$t"; done
        for t in kmod "${TOOLS[@]}"; do echo "$p/share/man/man8/$t.8"; done
        for t in modprobe.d depmod.d modules.dep modules.dep.bin; do echo "$p/share/man/man5/$t.5"; done
        echo /etc/bash_completion.d/modutils-rs
        for t in kmod "${TOOLS[@]}"; do
            echo "$p/share/modutils-rs/bash-completion/$t"
            echo "$(zsh_dir "$p")/_$t"
            echo "$(fish_dir "$p")/$t.fish"
        done
    } | LC_ALL=C sort
}
zsh_dir() { if [ "$1" = /usr ]; then echo /usr/share/zsh/vendor-completions; else echo "$1/share/zsh/site-functions"; fi; }
fish_dir() {
    case $1 in
        /usr/local) echo /etc/fish/completions ;;
        *) echo "$1/share/fish/vendor_completions.d" ;;
    esac
}
same_files() { diff <(expected "$@") <(files "$1"); }

# The first line is kmod's (the release whose behaviour we follow), the last ours.
version_ok() { [ "$(sed -n 1p <<<"$1")" = "kmod version 34.2" ] && [ "$(sed -n 3p <<<"$1")" = "modutils-rs $VERSION" ]; }

tools_run() {
    local root=$1 b=$2 s=$3 t out
    out=$("$root$b/kmod" --version)
    version_ok "$out" || { echo "kmod --version: $out"; return 1; }
    for t in "${TOOLS[@]}"; do
        out=$("$root$s/$t" --version)
        version_ok "$out" || { echo "$t --version: $out"; return 1; }
    done
}

man_pages() {
    local root=$1 p=$2 f err name
    for f in "$root$p"/share/man/man8/*.8 "$root$p"/share/man/man5/*.5; do
        if [ "$(head -c 4 "$f")" = ".so " ]; then
            # A link page: its target must be installed beside it.
            [ -f "$root$p/share/man/$(cut -c5- "$f")" ] || { echo "$f: $(cat "$f"): no such page"; return 1; }
            continue
        fi
        err=$(MANWIDTH=80 man --warnings -l "$f" 2>&1 >"$D/page.txt") || { echo "$f: $err"; return 1; }
        [ -z "$err" ] || { echo "$f: warnings: $err"; return 1; }
        grep -q "^NAME" "$D/page.txt" || { echo "$f: no NAME section"; return 1; }
        name=$(basename "$f")
        sed -n '/^NAME/{n;p;}' "$D/page.txt" | grep -Eq "(^| )${name%.?}(,| )" ||
            { echo "$f: NAME doesn't name it"; return 1; }
    done
    grep -q -- '--show-depends' <(MANWIDTH=80 man -l "$root$p/share/man/man8/modprobe.8")
}

completions() {
    local root=$1 p=$2 t
    for t in kmod "${TOOLS[@]}"; do
        bash -c 'source "$1" && complete -p "$2"' sh "$root$p/share/modutils-rs/bash-completion/$t" "$t" ||
            { echo "bash completion of $t"; return 1; }
        [ "$(head -n 1 "$root$(zsh_dir "$p")/_$t")" = "#compdef $t" ] ||
            { echo "zsh completion of $t"; return 1; }
        grep -q "^complete -c $t " "$root$(fish_dir "$p")/$t.fish" ||
            { echo "fish completion of $t"; return 1; }
    done
    # The loader points at where the files went; options are there.
    grep -q "$p/share/modutils-rs/bash-completion" "$root/etc/bash_completion.d/modutils-rs" ||
        { echo "the bash loader doesn't name $p/share/modutils-rs/bash-completion"; return 1; }
    grep -q -- 'show-depends' "$root$p/share/modutils-rs/bash-completion/modprobe"
    grep -q 'static-nodes' "$root$(zsh_dir "$p")/_kmod"
}

multicall() {
    local root=$1 b=$2 s=$3 t out
    for t in "${TOOLS[@]}"; do
        if [ ! -L "$root$s/$t" ] || [ "$(readlink "$root$s/$t")" != "$b/kmod" ]; then
            echo "$s/$t is not a link to $b/kmod"
            ls -l "$root$s/$t"
            return 1
        fi
        # The link's target is the installed system's path: run the staged
        # kmod under the tool's name instead.
        ln -sf "$root$b/kmod" "$D/$t"
        out=$("$D/$t" --help | sed -n 2p)
        [[ $out == "	$t "* ]] || { echo "kmod as $t: its help's usage line is $out"; return 1; }
    done
}

static() {
    local root=$1 f
    for f in "$root"/usr/bin/kmod "$root"/sbin/*; do
        if readelf -l "$f" | grep -q 'Requesting program interpreter'; then
            echo "$f is dynamically linked"
            return 1
        fi
    done
    "$root/sbin/modprobe" --version
}

# library ROOT LIBDIR: the installed library's soname and links, and a C program built with
# pkg-config against the installed header and library prints on it what it prints on Debian's
# libkmod.so.2 (kmod 30, this host's).
library() {
    local root=$1 l=$2 soname prog=$D/libkmod-prog
    soname=$(readelf -d "$root$l/libkmod.so.2.5.1" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
    [ "$soname" = libkmod.so.2 ] || { echo "soname: $soname"; return 1; }
    [ "$(readlink "$root$l/libkmod.so.2")" = libkmod.so.2.5.1 ] &&
        [ "$(readlink "$root$l/libkmod.so")" = libkmod.so.2 ] || { ls -l "$root$l"; return 1; }
    cat >"$prog.c" <<'C'
#include <stdio.h>
#include <libkmod.h>
int main(void)
{
	struct kmod_ctx *ctx = kmod_new("/nonexistent/modules", NULL);
	struct kmod_module *mod = NULL;
	int r = kmod_module_new_from_name(ctx, "snd-hda_intel", &mod);
	printf("%d %s %s %s\n", r, kmod_module_get_name(mod), kmod_get_dirname(ctx),
	       kmod_module_initstate_str(KMOD_MODULE_COMING));
	kmod_module_unref(mod);
	printf("%s\n", kmod_unref(ctx) == NULL ? "freed" : "held");
	return 0;
}
C
    local flags
    flags=$(PKG_CONFIG_SYSROOT_DIR=$root PKG_CONFIG_LIBDIR=$root$l/pkgconfig pkg-config --cflags --libs libkmod) ||
        return 1
    # shellcheck disable=SC2086 # the flags are words
    gcc -o "$prog" "$prog.c" $flags || return 1
    gcc -o "$prog-debian" "$prog.c" -I "$root/usr/include" -l:libkmod.so.2 || return 1
    local ours theirs
    ours=$(LD_LIBRARY_PATH=$root$l "$prog") || return 1
    theirs=$("$prog-debian") || return 1
    # The program really ran on the installed library.
    LD_LIBRARY_PATH=$root$l ldd "$prog" | grep -q "$root$l/libkmod.so.2" || { LD_LIBRARY_PATH=$root$l ldd "$prog"; return 1; }
    [ "$ours" = "$theirs" ] || { printf 'ours:\n%s\nDebian:\n%s\n' "$ours" "$theirs"; return 1; }
}

echo "== make install DESTDIR=... PREFIX=/usr SBINDIR=/sbin LIBDIR=/usr/lib/x86_64-linux-gnu"
A=$D/a
MA=(DESTDIR="$A" PREFIX=/usr SBINDIR=/sbin LIBDIR=/usr/lib/x86_64-linux-gnu)
make -s install "${MA[@]}" >"$D/make.log" 2>&1 || { cat "$D/make.log"; exit 2; }
check "PREFIX=/usr SBINDIR=/sbin: exactly the expected files" \
    same_files "$A" /usr /usr/bin /sbin /usr/lib/x86_64-linux-gnu
check "libkmod.so.2: soname, links, and a program built with pkg-config runs on it as on Debian's" \
    library "$A" /usr/lib/x86_64-linux-gnu
check "installed tools run; --version names the project" tools_run "$A" /usr/bin /sbin
check "man pages render without warnings and name their tool" man_pages "$A" /usr
check "bash, zsh and fish completions for kmod and each tool" completions "$A" /usr
make -s uninstall "${MA[@]}" >/dev/null
check "make uninstall removes every file" uninstalled "$A"

echo "== make install DESTDIR=... (PREFIX=/usr/local by default)"
B=$D/b
make -s install DESTDIR="$B" >"$D/make.log" 2>&1 || { cat "$D/make.log"; exit 2; }
check "default PREFIX /usr/local: exactly the expected files" \
    same_files "$B" /usr/local /usr/local/bin /usr/local/sbin

echo "== make install MULTICALL=1 (Debian's layout)"
C=$D/c
make -s install MULTICALL=1 DESTDIR="$C" PREFIX=/usr BINDIR=/bin SBINDIR=/sbin >"$D/make.log" 2>&1 ||
    { cat "$D/make.log"; exit 2; }
check "MULTICALL=1: exactly the expected files" same_files "$C" /usr /bin /sbin
check "MULTICALL=1: the tools are links to kmod, and kmod by their names is them" multicall "$C" /bin /sbin
make -s uninstall MULTICALL=1 DESTDIR="$C" PREFIX=/usr BINDIR=/bin SBINDIR=/sbin >/dev/null
check "MULTICALL=1: make uninstall removes every file" uninstalled "$C"

echo "== make install STATIC=1 (for an initramfs)"
S=$D/s
make -s install STATIC=1 DESTDIR="$S" PREFIX=/usr SBINDIR=/sbin >"$D/make.log" 2>&1 || { cat "$D/make.log"; exit 2; }
check "STATIC=1: exactly the expected files (no library)" same_files "$S" /usr /usr/bin /sbin none
check "STATIC=1: every binary statically linked, and runs" static "$S"

summary
