#!/usr/bin/env bash
# libkmod.so.2's API, ours against kmod's libraries: kmod 34.2 (Debian 13, in the Debian 13 root
# with chroot) and kmod 30 (Debian 12, this host).
#
# One C program, tests/libkmod/api-exercise.c, calls the API and prints what it returns (no
# pointer values). It runs four ways: with kmod 34.2's library and with ours in the Debian 13
# root (ours through LD_LIBRARY_PATH), with kmod 30's and with ours on the host (EX_API=30: the
# functions kmod 30 lacks are not called). Compared: stdout, stderr (kmod 30's source locations
# and its DEBUG lines, which kmod 34.2's build doesn't have, taken out; pointers as PTR) and the
# exit status, on Debian's 6.1 (.ko) and 6.12 (.ko.xz) trees indexed by kmod 34.2's depmod, with
# a modprobe.d configuration (aliases with wildcards, options also for aliases, blacklists,
# install and remove commands, softdeps with pre and post, weakdeps, bad lines) given as
# config_paths, with config_paths NULL and empty, and with modules.softdep and modules.weakdep
# lines in the module directory. Modes of the program (see its header): ctx, main, null,
# corrupt (damaged indexes), threads.
#
# Also: our header against kmod 34.2's (every prototype of each redeclared after including the
# other; every enum constant of kmod's header with the same value and size); `objdump -T` of our
# library against Debian 13's (the same functions and versions, nothing else exported but the
# version nodes); valgrind (installed if missing) over the program with our library and with
# kmod 30's: no invalid access, nothing definitely or indirectly lost.
#
# Deliberate differences are tagged with an ID of docs/compatibility.md or docs/libkmod-api.md:
# the lines of a tagged difference must differ (a stale tag fails), then they are left out and
# the rest compares exactly.
#
# Usage: tests/diff/libkmod.sh [6.1|6.12|all]     (root: it uses a private mount namespace)
# Environment: MODUTILS_LIBKMOD: our library (default: a release build of the libkmod crate);
# MODUTILS_CACHE (see tests/lib/lib.sh); KEEP_SCRATCH=1 keeps the outputs.
# Prints `PASS`/`FAIL` per check and `N passed, N failed`; exits 1 if a check failed.
set -euo pipefail

# shellcheck source=tests/lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"

# kmod 34.2's header, for the header checks, is Debian 13's libkmod-dev (TRIXIE_PACKAGES).

if [ "${LIBKMOD_IN_NS:-0}" != 1 ]; then
    series_from "${1:-all}"
    ensure_packages
    install_missing gcc=gcc valgrind=valgrind objdump=binutils
    ensure_trixie_root
    build_libkmod
    ns_ready
    exec unshare -m --propagation private env LIBKMOD_IN_NS=1 MODUTILS_APT_UPDATED=1 \
        MODUTILS_LIBKMOD="$LIBKMOD_DIR/libkmod.so.2" "$0" "$@"
fi
series_from "${1:-all}"
ensure_trixie_root
build_libkmod
SRC=$ROOT/tests/libkmod
COMPAT_DOC=$ROOT/docs/compatibility.md
API_DOC=$ROOT/docs/libkmod-api.md
K34_LIB=$TRIXIE/usr/lib/x86_64-linux-gnu/libkmod.so.2
K34_H=$TRIXIE/usr/include/libkmod.h
OUR_H=$LIBKMOD_INCLUDE/libkmod.h
[ -f "$K34_H" ] || die "no kmod 34.2 header at $K34_H (libkmod-dev in the Debian 13 root)"

make_scratch libkmod "$WORK" # on the cache's filesystem: hard-linked trees
# The scratch directory at the same path inside the Debian 13 root.
trixie_bind_same "$SCR"

mkdir -p "$SCR/lib" "$SCR/bin" "$SCR/res"
cp "$LIBKMOD_DIR/libkmod.so.2" "$SCR/lib/libkmod.so.2"
CFLAGS=(-std=gnu11 -O1 -g -Wall -Wextra -Werror -Wno-unused-parameter -Wno-deprecated-declarations)
EX=$SCR/bin/api-exercise
gcc "${CFLAGS[@]}" -I "$LIBKMOD_INCLUDE" "$SRC/api-exercise.c" -o "$EX" \
    -L "$LIBKMOD_DIR" -lkmod -ldl -lpthread || die "compiling api-exercise.c failed"

# ---- The header and the ABI -----------------------------------------------------------------

# protos HEADER: its prototypes, one a line.
protos() {
    awk '/^[a-z].*\(/,/;/' "$1" | tr '\n' ' ' | sed 's/;/;\n/g' | grep '('
}

# hdrcheck FIRST SECOND: every prototype of SECOND redeclared after including FIRST (gcc
# rejects an incompatible one); prints how many.
hdrcheck() {
    local d=$SCR/hdr.$RANDOM
    mkdir -p "$d"
    protos "$2" >"$d/protos.h"
    [ -s "$d/protos.h" ] || { echo "no prototypes in $2"; return 1; }
    printf '#include "%s"\n#include "%s"\n' "$1" "$d/protos.h" >"$d/t.c"
    gcc -std=gnu11 -Wall -Werror -fsyntax-only "$d/t.c" || return 1
    echo "NOTE $(wc -l <"$d/protos.h") prototypes of $(basename "$(dirname "$2")")/$(basename "$2") compatible"
}

check "header: kmod 34.2's prototypes compatible with ours" hdrcheck "$OUR_H" "$K34_H"
check "header: our prototypes compatible with kmod 34.2's" hdrcheck "$K34_H" "$OUR_H"
same_protos() {
    local a b
    a=$(protos "$K34_H" | grep -o 'kmod_[a-z_]* *(' | tr -d ' (' | sort)
    b=$(protos "$OUR_H" | grep -o 'kmod_[a-z_]* *(' | tr -d ' (' | sort)
    diff <(echo "$a") <(echo "$b") || return 1
    echo "NOTE $(echo "$a" | wc -l) functions declared by both"
}
check "header: the same functions declared" same_protos

# Every enum constant of kmod's header, printed with its value and the size of its type.
enum_printer() {
    local n
    {
        echo '#include <stdio.h>'
        echo '#include <libkmod.h>'
        echo 'int main(void) {'
        for n in $(grep -oE '^\s+_?KMOD_[A-Z_0-9]+' "$K34_H" | tr -d ' \t' | sort -u); do
            printf '\tprintf("%%s %%lld %%zu\\n", "%s", (long long)%s, sizeof(%s));\n' "$n" "$n" "$n"
        done
        for n in $(grep -oE '^enum kmod_[a-z_]+' "$K34_H" | awk '{print $2}' | sort -u); do
            printf '\tprintf("enum %s %%zu\\n", sizeof(enum %s));\n' "$n" "$n"
        done
        echo '\treturn 0;'
        echo '}'
    } >"$SCR/enums.c"
    sed -i 's/^\\t/\t/' "$SCR/enums.c"
}
enum_values() {
    enum_printer
    mkdir -p "$SCR/k34inc"
    cp "$K34_H" "$SCR/k34inc/libkmod.h"
    gcc -std=gnu11 -Wall -Werror -I "$SCR/k34inc" "$SCR/enums.c" -o "$SCR/enums34" || return 1
    gcc -std=gnu11 -Wall -Werror -I "$LIBKMOD_INCLUDE" "$SCR/enums.c" -o "$SCR/enums-ours" || return 1
    "$SCR/enums34" >"$SCR/enums34.out"
    "$SCR/enums-ours" >"$SCR/enums-ours.out"
    diff "$SCR/enums34.out" "$SCR/enums-ours.out" || return 1
    echo "NOTE $(grep -vc '^enum' "$SCR/enums34.out") constants and $(grep -c '^enum' "$SCR/enums34.out") enum sizes equal"
}
check "header: every enum constant of kmod 34.2's header with the same value" enum_values
# The exerciser compiles against kmod's header too.
check "header: api-exercise.c compiles against kmod 34.2's header" \
    gcc "${CFLAGS[@]}" -I "$SCR/k34inc" -fsyntax-only "$SRC/api-exercise.c"

# exports LIB: `VERSION NAME` of each symbol LIB defines, and `node VERSION` for the version
# nodes (objdump -T: the absolute symbols named as their version).
exports() {
    objdump -T "$1" | awk '$2 ~ /^[gw]/ && $0 !~ /\*UND\*/ {
        name = $NF; ver = $(NF - 1)
        if ($0 ~ /\*ABS\*/ && name == ver) print "node", ver
        else print ver, name, ($0 ~ / DF /) ? "function" : "object"
    }' | LC_ALL=C sort
}
abi() {
    exports "$K34_LIB" >"$SCR/abi34"
    exports "$SCR/lib/libkmod.so.2" >"$SCR/abi-ours"
    # GNU ld (kmod's) also exports each version node as an absolute symbol named after it; lld
    # (ours) doesn't: nothing uses them (row abi-version-nodes). Ours may have them or not.
    diff <(grep -v '^node ' "$SCR/abi34") <(grep -v '^node ' "$SCR/abi-ours") || return 1
    if grep -v ' function$' "$SCR/abi-ours" | grep -v '^node '; then
        echo "ours exports more than functions and version nodes"
        return 1
    fi
    [ "$(grep -c ' function$' "$SCR/abi-ours")" = 75 ] || { echo "not 75 functions"; return 1; }
    echo "NOTE $(grep -c ' function$' "$SCR/abi-ours") functions with the same versions, nothing else"
}
# verdefs LIB: the names of its version definitions, in order.
verdefs() {
    objdump -p "$1" | sed -n '/^Version definitions:/,/^$/p' | awk 'NF == 4 { print $4 }'
}
version_defs() {
    diff <(verdefs "$K34_LIB") <(verdefs "$SCR/lib/libkmod.so.2") || return 1
    echo "NOTE $(verdefs "$K34_LIB" | tr '\n' ' ')"
}
check "abi: objdump -T: the same functions and versions as Debian 13's libkmod.so.2" abi
soname() {
    local s
    s=$(objdump -p "$SCR/lib/libkmod.so.2" | awk '$1 == "SONAME" { print $2 }')
    [ "$s" = libkmod.so.2 ] || { echo "soname $s"; return 1; }
}
check "abi: soname libkmod.so.2" soname
check "abi: the same version definitions, in the same order" version_defs

# ---- Running the exerciser --------------------------------------------------------------------

# run SIDE NAME ARGS...: the exerciser with ARGS; SIDE k34/o34 (Debian 13 root, kmod's library
# or ours), k30/o30 (host); outputs $SCR/res/NAME.SIDE.{out,err,rc}. Environment: EXENV
# (an array of NAME=VALUE), the working directory $SCR.
EXENV=()
run() {
    local side=$1 name=$2 out rc=0
    shift 2
    out=$SCR/res/$name.$side
    local envs=(PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C "${EXENV[@]}")
    case $side in
        o34 | o30) envs+=(LD_LIBRARY_PATH="$SCR/lib") ;;
    esac
    case $side in
        k30 | o30) envs+=(EX_API=30) ;;
    esac
    case $side in
        k34 | o34)
            timeout 600 chroot "$TRIXIE" env -i -C "$SCR" "${envs[@]}" "$EX" "$@" \
                >"$out.out" 2>"$out.err" || rc=$?
            ;;
        *)
            timeout 600 env -i -C "$SCR" "${envs[@]}" "$EX" "$@" >"$out.out" 2>"$out.err" || rc=$?
            ;;
    esac
    echo "$rc" >"$out.rc"
    # Pointers as PTR; kmod 30's source locations and DEBUG lines out (kmod 34.2's Debian
    # build has no debug messages, nor have we).
    sed -i -E 's/0x[0-9a-f]+/PTR/g' "$out.out" "$out.err"
    if [ "$side" = k30 ]; then
        sed -i -E 's#^libkmod: ([A-Z]+) \.\./libkmod/[a-z-]+\.c:[0-9]+ #libkmod: \1: #' "$out.err"
        sed -i -E '/^libkmod: DEBUG: /d' "$out.err"
        # The log function's DEBUG lines, also where they cut into a line of the program.
        perl -0pi -e 's/  log [a-z?]+ prio=7 fn=[^\n]*\n//g' "$out.out"
    fi
    # Two threads log at the same time: their lines in any order, and without the default
    # logger's `libkmod: LEVEL: function: ` prefix (kmod 30: `libkmod: LEVEL FILE:LINE function: `),
    # which kmod writes apart from the message
    # (so another thread's line may come between them; ours writes each line at once).
    case $name in
        threads*)
            sed -i -E 's#libkmod: [A-Z]+(:| \.\./libkmod/[a-z-]+\.c:[0-9]+) [a-z_]+: ##g' "$out.err"
            LC_ALL=C sort -o "$out.err" "$out.err"
            ;;
    esac
}

# tagged ID KFILE OFILE PATTERN: the lines matching PATTERN (grep -E) are a deliberate
# difference ID: they must differ, and are then removed from both files.
tagged() {
    local id=$1 k=$2 o=$3 pat=$4
    grep -q "\`$id\`" "$COMPAT_DOC" "$API_DOC" 2>/dev/null || {
        echo "difference $id is listed neither in docs/compatibility.md nor docs/libkmod-api.md"
        return 1
    }
    if [ "$(grep -E -- "$pat" "$k" || true)" = "$(grep -E -- "$pat" "$o" || true)" ]; then
        echo "tagged $id ($pat), but ours is the same as kmod's: remove the tag"
        return 1
    fi
    sed -i -E "\\#$pat#d" "$k" "$o"
}

# compare SIDE NAME [ID PATTERN FILE]...: kmod's run (k34 or k30) and ours (o34 or o30) of
# NAME give the same stdout, stderr and status, after the tagged differences (FILE: out or
# err) are taken out.
compare() {
    local side=$1 name=$2 k o f
    shift 2
    k=$SCR/res/$name.k$side
    o=$SCR/res/$name.o$side
    # The program ran through with kmod's library (a crash of a call is its child's).
    if [ "$(cat "$k.rc")" != 0 ] || [ ! -s "$k.out" ]; then
        echo "the exerciser failed with kmod's library (status $(cat "$k.rc")):"
        head -n 5 "$k.err"
        return 1
    fi
    for f in out err rc; do cp "$k.$f" "$k.$f.c"; cp "$o.$f" "$o.$f.c"; done
    while [ $# -ge 3 ]; do
        tagged "$1" "$k.$3.c" "$o.$3.c" "$2" || return 1
        shift 3
    done
    for f in rc out err; do
        cmp -s "$k.$f.c" "$o.$f.c" || {
            echo "$f differs (kmod $side < > ours), $(basename "$k").$f:"
            diff "$k.$f.c" "$o.$f.c" | head -n 30
            return 1
        }
    done
    echo "NOTE $(wc -l <"$k.out.c") lines compared"
}

# both NAME ARGS...: runs NAME on all four sides.
both() {
    local s
    for s in k34 o34 k30 o30; do run "$s" "$@"; done
}

# The kmod 30 differences common to every mode: kmod 30 reads no weakdep line (row weakdep).
NOT30_WEAKDEP=(weakdep "ignoring bad line starting with 'weakdep'" err)

# ---- Per tree ---------------------------------------------------------------------------------

# setup_tree SERIES: T (a copy of the series' tree indexed by kmod 34.2's depmod, with lines of
# ours in modules.softdep and modules.weakdep), M (its module directory), the configuration
# (CONFD, CONFFILE), the names file (NAMES) and damaged copies of the indexes ($SCR/p-*).
setup_tree() {
    local s=$1 d
    T=$SCR/t$s
    tree_copy "$T"
    chroot "$TRIXIE" depmod -b "$T" "$KVER" || die "kmod 34.2's depmod on $KVER failed"
    M=$T/lib/modules/$KVER
    printf 'softdep dummy pre: loop\n' >>"$M/modules.softdep"
    printf 'weakdep dummy crc16\n' >>"$M/modules.weakdep"
    CONFD=$SCR/conf$s.d
    CONFFILE=$SCR/file$s.conf
    mkdir -p "$CONFD/sub"
    # shellcheck disable=SC2016 # $CMDLINE_OPTS is text of the configuration
    cat >"$CONFD/a.conf" <<'EOF'
# comment
alias myalias dummy
alias wild* loop
alias pci:v0000DEADd0000BEEFsv*sd*bc*sc*i* e1000e
options dummy numdummies=3
options myalias foo=1 bar="x y"
options  loop   max_loop=8
options vfat utf8=1 \
  shortname=mixed
blacklist floppy
blacklist pcspkr
install dummy /bin/true install-dummy $CMDLINE_OPTS
remove dummy /bin/true remove-dummy
install onlyinstall /bin/echo hello
softdep vfat pre: nls_cp437 post: nls-iso8859-1 crc32c_generic
softdep ext4 pre: crc16 mbcache post:
softdep fat pre: pre: nls_cp437
softdep loop post: dummy pre: crc16
weakdep loop dummy nls_cp437
bogus line here
options
alias onlyone
install
blacklist
softdep
EOF
    printf 'alias fat-alias vfat\noptions fat-alias codepage=850\nblacklist floppy\n' >"$CONFD/b.conf"
    printf 'alias ignored dummy\n' >"$CONFD/c.conf.bak"
    printf 'alias insub dummy\n' >"$CONFD/sub/d.conf"
    # Names with '-', bracket classes, tabs, a continued comment, repeated keys.
    cat >"$CONFD/e.conf" <<'EOF'
options nls-cp437 x=1
options nls_cp437 y=2
blacklist snd-pcsp
install snd-hda-intel /bin/true hda
remove snd_hda_intel /bin/true hda-rm
softdep snd-hda-intel pre: snd-hda-codec post: snd-intel-dspcfg
softdep crc16 post: crc-itu-t
alias	tabbed	loop
alias fo[ab]r loop
alias bad]alias loop
alias bad[alias loop
alias x-y_z* dummy
weakdep snd-hda-intel snd-hda-codec-hdmi
# a comment \
alias commented-out loop
options loop
EOF
    printf 'alias fromfile loop\noptions dummy fromfile=1\n' >"$CONFFILE"
    NAMES=$SCR/names$s
    {
        cat <<'EOF'
dummy
loop
vfat
ext4
fat
nls-cp437
nls_cp437
snd-hda-intel
snd_hda_intel
myalias
wildcard
wild
fat-alias
fat_alias
fob
foar
tabbed
x_y-zz
commented-out
fromfile
insub
ignored
onlyinstall
nosuchmodule
floppy
pcspkr
pci:v0000DEADd0000BEEFsv00001234sd00005678bc02sc00i00
pci:v00008086d000010D3sv00008086sd0000A01Fbc02sc00i00
usb:v0BDAp8153d3000dc00dsc00dp00icFFiscFFip00in00
symbol:fat_attach
symbol:nosuchsym
crypto-crc32c
fs-vfat
char-major-10-237
DUMMY
dummy.ko
a*

EOF
        # An alias of each bus from modules.alias, as a device would ask.
        for d in pci usb acpi of platform input; do
            awk -v p="^$d[:*]" '$1 == "alias" && $2 ~ p { print $2; exit }' "$M/modules.alias"
        done | instantiate
        # Built-in modules (by name, with '-'), and aliases of built-in modules.
        head -n 2 "$M/modules.builtin" | sed 's#.*/##; s#\.ko$##'
        head -n 1 "$M/modules.builtin" | sed 's#.*/##; s#\.ko$##; s#_#-#g'
        tr '\0' '\n' <"$M/modules.builtin.modinfo" | sed -n 's/^[^.]*\.alias=//p' | head -n 3
    } >"$NAMES"
    # Damaged and missing indexes, each in a directory of its own.
    for d in nodep noalias nosymbols nobuiltin nobuiltinalias empty truncdep truncalias \
        garbagealias garbagedep zerodep; do
        mkdir -p "$SCR/p-$d"
        [ "$d" = empty ] || cp "$M"/modules.*.bin "$M/modules.dep" "$M/modules.alias" "$SCR/p-$d/"
    done
    rm "$SCR/p-nodep/modules.dep.bin" "$SCR/p-noalias/modules.alias.bin" \
        "$SCR/p-nosymbols/modules.symbols.bin" "$SCR/p-nobuiltin/modules.builtin.bin" \
        "$SCR/p-nobuiltinalias/modules.builtin.alias.bin"
    head -c 5000 "$M/modules.dep.bin" >"$SCR/p-truncdep/modules.dep.bin"
    head -c 100000 "$M/modules.alias.bin" >"$SCR/p-truncalias/modules.alias.bin"
    # The header kept, the rest bytes of no meaning (fixed, so that every run reads the same).
    for d in alias dep; do
        { head -c 12 "$M/modules.$d.bin"; head -c 4000 "$M/modules.symbols.bin" | tail -c 3000 |
            LC_ALL=C tr '\000-\377' '\177-\377\000-\176'; } \
            >"$SCR/p-garbage$d/modules.$d.bin.new"
        mv "$SCR/p-garbage$d/modules.$d.bin.new" "$SCR/p-garbage$d/modules.$d.bin"
    done
    : >"$SCR/p-zerodep/modules.dep.bin"
    printf 'dummy\nloop\nvfat\nsymbol:fat_attach\nnosuchmodule\n%s\n' \
        "$(head -n 1 "$M/modules.builtin" | sed 's#.*/##; s#\.ko$##')" >"$SCR/names-corrupt"
    sed -n '/^pci:v00008086/p; /^fs-/p' "$NAMES" | head -n 2 >>"$SCR/names-corrupt"
    # new_from_path: a relative path, another file named dummy, a file not named .ko.
    DUMMY=$(awk -F: '$1 ~ /\/dummy\.ko/ { print $1; exit }' "$M/modules.dep")
    mkdir -p "$SCR/other$s"
    cp "$M/$DUMMY" "$SCR/other$s/"
    cp "$M/$DUMMY" "$SCR/other$s/odd-file.bin"
    EXENV=(EX_RELPATH="t$s/lib/modules/$KVER/$DUMMY" EX_OTHERDUMMY="$SCR/other$s/$(basename "$DUMMY")"
        EX_ODDFILE="$SCR/other$s/odd-file.bin")
}

tree_checks() {
    local s=$1 p side
    setup_tree "$s"
    log "$KVER: $(wc -l <"$NAMES") queries"

    # ctx: kmod_new's arguments, priorities, resources (kmod_validate_resources after files
    # change: on a copy made afresh for every run).
    ctx_run() {
        local side
        for side in k34 o34 k30 o30; do
            rm -rf "$SCR/v-mod" "$SCR/v-conf"
            mkdir -p "$SCR/v-conf" "$SCR/v-mod"
            cp -a "$M"/modules.* "$SCR/v-mod/"
            cp "$CONFD/b.conf" "$SCR/v-conf/a.conf"
            cp "$CONFFILE" "$SCR/v-file.conf"
            run "$side" "$@"
        done
    }
    EXENV+=(EX_VDIR="$SCR/v-mod" EX_VCONF="$SCR/v-conf" EX_VFILE="$SCR/v-file.conf")
    ctx_run "ctx$s" ctx "$M" "$CONFD" "$CONFFILE" "$SCR/missing" "t$s/lib/modules/$KVER" "$SCR"/p-*
    unset 'EXENV[-1]'
    unset 'EXENV[-1]'
    unset 'EXENV[-1]'
    check "$s ctx: kmod 34.2" compare 34 "ctx$s"
    check "$s ctx: kmod 30" compare 30 "ctx$s" "${NOT30_WEAKDEP[@]}"

    # main: lookups with the configuration, with config_paths NULL, with an empty list.
    both "main$s" main "$M" "$NAMES" "$CONFD" "$CONFFILE" "$SCR/missing"
    check "$s lookups with a configuration: kmod 34.2" compare 34 "main$s"
    check "$s lookups with a configuration: kmod 30" compare 30 "main$s" "${NOT30_WEAKDEP[@]}"
    both "default$s" main "$M" "$NAMES" @null
    check "$s lookups, config_paths NULL: kmod 34.2" compare 34 "default$s"
    check "$s lookups, config_paths NULL: kmod 30" compare 30 "default$s"
    EXENV+=(EX_PRIO=7)
    both "debug$s" main "$M" "$NAMES" "$CONFD" "$CONFFILE"
    unset 'EXENV[-1]'
    check "$s lookups at LOG_DEBUG: kmod 34.2" compare 34 "debug$s"
    check "$s lookups at LOG_DEBUG: kmod 30" compare 30 "debug$s" "${NOT30_WEAKDEP[@]}"
    both "noconf$s" main "$M" "$NAMES"
    check "$s lookups, no configuration: kmod 34.2" compare 34 "noconf$s"
    check "$s lookups, no configuration: kmod 30" compare 30 "noconf$s"
    for p in "$SCR"/res/main"$s".*.out; do
        grep -q "^query 'myalias'" "$p" || die "$p: the exerciser did not run the queries"
    done

    # null: NULL for every pointer argument.
    both "null$s" null "$M" "$CONFD"
    check "$s NULL arguments: kmod 34.2" compare 34 "null$s" \
        assert-nonempty '^get_(softdeps|weakdeps|dependency_symbols)\(m, &nonempty' out \
        assert-nonempty 'Assertion .* failed' err \
        wrong-entry '^info_get_key\(module list entry\)' out
    check "$s NULL arguments: kmod 30" compare 30 "null$s" "${NOT30_WEAKDEP[@]}" \
        assert-nonempty '^get_(softdeps|dependency_symbols)\(m, &nonempty' out \
        assert-nonempty 'Assertion .* failed' err \
        wrong-entry '^info_get_key\(module list entry\)' out \
        null30 '^kmod_(get_dirname|config_iter_free_iter)\(NULL\)' out
    no_crash() {
        if grep -a 'CRASH' "$SCR/res/null$s.o34.out" "$SCR/res/null$s.o30.out"; then return 1; fi
        echo "NOTE $(grep -c . "$SCR/res/null$s.o34.out") calls, none crashed"
    }
    check "$s NULL arguments: ours never crashes" no_crash

    # corrupt: damaged and missing indexes.
    for p in "$SCR"/p-*; do
        run k34 "corrupt$s-${p##*/p-}" corrupt "$p" "$SCR/names-corrupt"
        run o34 "corrupt$s-${p##*/p-}" corrupt "$p" "$SCR/names-corrupt"
        check "$s damaged indexes ${p##*/p-}: kmod 34.2" compare 34 "corrupt$s-${p##*/p-}"
        EXENV+=(EX_LOAD=1)
        run k34 "corruptl$s-${p##*/p-}" corrupt "$p" "$SCR/names-corrupt"
        run o34 "corruptl$s-${p##*/p-}" corrupt "$p" "$SCR/names-corrupt"
        unset 'EXENV[-1]'
        check "$s damaged indexes ${p##*/p-}, loaded first: kmod 34.2" compare 34 "corruptl$s-${p##*/p-}"
    done

    # threads: two threads, each with its own context.
    both "threads$s" threads "$M" "$NAMES" "$CONFD" "$CONFFILE"
    threads_ok() {
        local f
        for f in "$SCR/res/threads$s".{o34,o30}.out; do
            grep -q '^thread 1: [1-9][0-9]* modules, as alone$' "$f" || { cat "$f"; return 1; }
        done
    }
    check "$s two threads with a context each: kmod 34.2" compare 34 "threads$s"
    check "$s two threads with a context each: kmod 30" compare 30 "threads$s" "${NOT30_WEAKDEP[@]}"
    check "$s two threads with a context each: every result as alone" threads_ok

    # valgrind: ours and kmod 30's (the exerciser itself clean) on the host.
    for side in k30 o30; do
        valgrind_run "$side" "$s"
    done
}

# valgrind_run SIDE SERIES: the exerciser's modes under valgrind (corrupt: on a damaged
# modules.alias.bin) with kmod 30's library (k30) or ours (o30): no error, nothing definitely
# or indirectly lost.
valgrind_run() {
    local side=$1 s=$2 mode args
    for mode in ctx main null threads corrupt; do
        case $mode in
            corrupt) args=("$SCR/p-garbagealias" "$SCR/names-corrupt") ;;
            ctx) args=("$M" "$CONFD" "$CONFFILE" "$SCR/missing" "t$s/lib/modules/$KVER" "$SCR/p-nodep") ;;
            main) args=("$M" "$NAMES" "$CONFD" "$CONFFILE") ;;
            null) args=("$M" "$CONFD") ;;
            threads) args=("$M" "$NAMES" "$CONFD") ;;
        esac
        # kmod 30's library crashes on some NULL arguments (row null30): its null mode is not
        # a valgrind check.
        [ "$side:$mode" != k30:null ] || continue
        vg() {
            local out=$SCR/res/vg$s-$mode.$side rc=0 envs=(LC_ALL=C EX_API=30 EX_ROUNDS=2 "${EXENV[@]}")
            [ "$side" = k30 ] || envs+=(LD_LIBRARY_PATH="$SCR/lib")
            timeout 1200 env -i -C "$SCR" "${envs[@]}" valgrind -q --error-exitcode=99 \
                --leak-check=full --errors-for-leak-kinds=definite,indirect \
                --show-leak-kinds=definite,indirect --child-silent-after-fork=no \
                "$EX" "$mode" "${args[@]}" >"$out.out" 2>"$out.err" || rc=$?
            if [ "$rc" != 0 ] || grep -q '^==[0-9]*== ' "$out.err"; then
                echo "status $rc"
                grep '^==[0-9]*== ' "$out.err" | head -n 30
                return 1
            fi
        }
        check "$s valgrind $mode: $([ "$side" = k30 ] && echo "kmod 30's library" || echo ours)" vg
    done
}

each_series() {
    local s
    for s in "${SERIES[@]}"; do
        prepare_kernel "$s"
        tree_checks "$s"
    done
}
each_series
summary
