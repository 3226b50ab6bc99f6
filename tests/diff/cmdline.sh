#!/usr/bin/env bash
# Command lines of every tool, side by side with Debian's kmod: kmod 30 (Debian 12, this host)
# and kmod 34.2 (Debian 13, a debootstrap'd root run with chroot; ensure_trixie_root).
#
# Each case runs one command line three ways: kmod 30's tool and ours on the host, kmod
# 34.2's and ours in the Debian 13 root (the scratch directory is bound at the same path in
# it, so every path in the output is the same). Compared: stdout, stderr, exit status, and for
# depmod the files of a small module tree (byte for byte against kmod 34.2; against kmod 30
# the text files and the .bin names, without modules.weakdep: `bin-layout`, `weakdep-file`).
# argv[0] is `./TOOL` on every side, so getopt's messages compare too.
#
# Cases cover every option of every tool, in permuted positions, abbreviated, repeated, with
# its argument in each spelling, after `--`, unknown, and with the argument missing; the
# deliberate differences are tagged with an ID listed in docs/compatibility.md:
#   not30=ID / not34=ID   ours differs from that kmod on purpose; the check asserts that the
#                         outputs do differ (a stale tag fails) and the other side still
#                         compares exactly;
#   help                  help text (ours is our own words): same status and stderr, both
#                         print a help text on stdout;
#   version               -V: kmod 30's first line, then ours (status and stderr compared);
#   unchanged             ours must leave the module tree byte for byte as it was.
#
# Usage: tests/diff/cmdline.sh          (root: it uses a private mount namespace)
# Environment: MODUTILS_CACHE (see tests/lib/lib.sh); MODUTILS_VM_TOOLS: a directory with
# our static tools (default: built as the QEMU harness builds them, build_tools).
# Prints `PASS`/`FAIL` per check and `N passed, N failed`; exits 1 if a check failed.
set -euo pipefail

# shellcheck source=tests/lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"

if [ "${CMDLINE_IN_NS:-0}" != 1 ]; then
    ensure_packages
    ensure_trixie_root
    prepare_kernel 6.1
    build_tools
    ns_ready
    exec unshare -m --propagation private env CMDLINE_IN_NS=1 MODUTILS_VM_TOOLS="$TOOLS_DIR" \
        MODUTILS_APT_UPDATED=1 "$0" "$@"
fi
# In the namespace (the whole script's, for the bind mount below): the same settings again,
# all cached by now.
ensure_trixie_root
prepare_kernel 6.1 >/dev/null
build_tools
V=$KVER
COMPAT_DOC=$ROOT/docs/compatibility.md

make_scratch cmdline "$WORK" # on the cache's filesystem: hard-linked trees

# The scratch directory at the same path inside the Debian 13 root.
trixie_bind_same "$SCR"

# ./TOOL in each directory: k30 -> the host's kmod, k34 -> the root's kmod (the link is
# resolved inside the chroot), ours -> our static binaries, copied into the scratch directory.
mkdir -p "$SCR/ours" "$SCR/bin"
for t in "${ALL_TOOLS[@]}"; do
    cp "$TOOLS_DIR/$t" "$SCR/bin/$t"
    ln -s "$SCR/bin/$t" "$SCR/ours/$t"
done
tool_links "$SCR/k30" "$(command -v kmod)" "${ALL_TOOLS[@]}"
tool_links "$SCR/k34" /usr/bin/kmod "${ALL_TOOLS[@]}"

# R: Debian's 6.1 tree with kmod 30's indexes (read only). B: a small tree depmod writes to,
# made afresh from $SCR/btpl before every run.
R=$SCR/r
tree_copy "$R"
"$SCR/k30/depmod" -b "$R" "$V"
B=$SCR/b
BT=$SCR/btpl/lib/modules/$V
MODS=(kernel/fs/fat/fat.ko kernel/fs/fat/vfat.ko kernel/fs/fat/msdos.ko kernel/fs/nls/nls_cp437.ko
    kernel/drivers/net/dummy.ko kernel/drivers/block/loop.ko kernel/lib/crc16.ko
    kernel/fs/mbcache.ko kernel/fs/jbd2/jbd2.ko kernel/fs/ext4/ext4.ko kernel/crypto/crc32c_generic.ko)
for m in "${MODS[@]}"; do
    mkdir -p "$BT/$(dirname "$m")"
    cp "$R/lib/modules/$V/$m" "$BT/$m"
done
printf '%s\n' "${MODS[@]}" >"$BT/modules.order"
cp "$R/lib/modules/$V/modules.builtin" "$R/lib/modules/$V/modules.builtin.modinfo" "$BT/"
ln -s lib/modules "$SCR/btpl/mods" # the same tree for depmod -m /mods
VFAT=$B/lib/modules/$V/kernel/fs/fat/vfat.ko
DUMMY=$B/lib/modules/$V/kernel/drivers/net/dummy.ko
RVFAT=$R/lib/modules/$V/kernel/fs/fat/vfat.ko
# Configuration: an install and a remove command, an alias, options.
mkdir -p "$SCR/conf" "$SCR/conf2" "$SCR/dconf" "$SCR/empty"
printf 'install dummy echo INSTALL $CMDLINE_OPTS\nremove dummy echo REMOVE\n' >"$SCR/conf/a.conf"
printf 'alias myfat vfat\noptions vfat utf8=1\n' >"$SCR/conf2/b.conf"
printf 'search updates built-in\n' >"$SCR/dconf/depmod.conf"
printf 'not a module\n' >"$SCR/corrupt.ko"
# A System.map and Module.symvers for depmod -e (no kernel symbols: every need is unknown).
printf '0000000000000000 T _stext\n' >"$SCR/System.map"
printf '0x00000000\tprintk\tvmlinux\tEXPORT_SYMBOL\t\n' >"$SCR/Module.symvers"

# run SIDE DIR TOOL ARGS...: runs ./TOOL ARGS in $SCR/DIR on the host (SIDE 30) or in the
# Debian 13 root (34), with a clean environment plus CASE_ENV; outputs in $SCR/res/DIR.SIDE.*.
run() {
    local side=$1 dir=$2 tool=$3 out=$SCR/res/$2.$1
    shift 3
    mkdir -p "$SCR/res"
    if [ -n "$CASE_TREE" ]; then
        rm -rf "$B"
        cp -a "$SCR/btpl" "$B"
        manifest full >"$out.before"
    fi
    local envs=(PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C "${CASE_ENV[@]}")
    local rc=0
    if [ "$side" = 30 ]; then
        timeout 120 env -i -C "$SCR/$dir" "${envs[@]}" "./$tool" "$@" >"$out.out" 2>"$out.err" || rc=$?
    else
        timeout 120 chroot "$TRIXIE" env -i -C "$SCR/$dir" "${envs[@]}" "./$tool" "$@" \
            >"$out.out" 2>"$out.err" || rc=$?
    fi
    echo "$rc" >"$out.rc"
    # Lines we add to kmod's messages (HINT: after an error, -v's `skipping NAME: why`) are
    # ours alone: tests/diff/hints.sh checks them; the rest must be kmod's.
    grep -E "$ADDED_LINES" "$out.err" >"$out.hints" || true
    sed -i -E "/$ADDED_LINES/d" "$out.err"
    # kmod 30's libkmod messages carry their source location (`libkmod-prefix`): compare what
    # follows it.
    [ "$dir" != k30 ] || sed -i -E 's#^([a-z]+: [A-Z]+:) \.\./libkmod/[a-z-]+\.c:[0-9]+ [a-z_]+\(\) #\1 #' "$out.err"
    if [ -n "$CASE_TREE" ]; then
        normalize "$out.out" "$side"
        manifest full >"$out.after"
        manifest text >"$out.text"
    fi
}

# manifest full|text: the files of tree B with their checksums. modules.symbols is compared
# sorted (kmod writes its lines in its hash table's order: a known difference, see
# tests/diff/depmod.sh). full: every file, for comparing with kmod 34.2 (whose .bin layout and
# modules.weakdep ours are). text: for comparing with kmod 30, .bin files by name only (kmod
# 30's node order differs: `bin-layout`; tests/diff/depmod.sh shows the contents equal) and
# modules.weakdep left out (kmod 30 writes none: `weakdep-file`).
manifest() {
    [ -d "$B" ] || return 0
    (cd "$B" && find . -type f | LC_ALL=C sort | while read -r f; do
        case "$1:$f" in
            text:*/modules.weakdep) ;;
            text:*.bin) echo "$f" ;;
            *modules.symbols) echo "$f $(LC_ALL=C sort "$f" | sha256sum | cut -c1-16)" ;;
            *) echo "$f $(sha256sum <"$f" | cut -c1-16)" ;;
        esac
    done)
}

# normalize FILE SIDE: depmod -n's stdout with the modules.symbols lines sorted within their
# block; on the kmod 30 side, our modules.weakdep header dropped (`weakdep-file`).
normalize() {
    awk -v side="$2" '/^alias symbol:/ { print | "LC_ALL=C sort"; next }
        { close("LC_ALL=C sort")
          if (side != 30 || $0 != "# Weak dependencies extracted from modules themselves.") print }' \
        "$1" >"$1.n" && mv "$1.n" "$1"
}

# same KMOD OURS [files]: exit status, stdout and stderr equal (and the tree, if asked).
same() {
    local k=$SCR/res/$1 o=$SCR/res/$2 f
    for f in rc out err; do
        cmp -s "$k.$f" "$o.$f" || {
            echo "$f differs (kmod < > ours):"
            diff "$k.$f" "$o.$f" | head -n 20
            return 1
        }
    done
    if [ -n "$CASE_TREE" ]; then
        f=$3
        cmp -s "$k.$f" "$o.$f" || {
            echo "module tree differs after the run (kmod < > ours):"
            diff "$k.$f" "$o.$f" | head -n 20
            return 1
        }
    fi
}

# differs KMOD OURS ID: the deliberate difference is real and documented.
differs() {
    grep -q "\`$3\`" "$COMPAT_DOC" || {
        echo "difference $3 is not listed in docs/compatibility.md"
        return 1
    }
    if same "$1" "$2" "${4:-after}" >/dev/null; then
        echo "tagged $3, but ours is the same as kmod's: remove the tag"
        return 1
    fi
}

# helpish KMOD OURS: a help text: same status and stderr; both print something on stdout.
helpish() {
    local k=$SCR/res/$1 o=$SCR/res/$2
    cmp -s "$k.rc" "$o.rc" || { echo "status: kmod $(cat "$k.rc"), ours $(cat "$o.rc")"; return 1; }
    cmp -s "$k.err" "$o.err" || { diff "$k.err" "$o.err"; return 1; }
    if [ -s "$k.out" ] && [ ! -s "$o.out" ]; then echo "kmod printed help, ours nothing"; return 1; fi
    if [ ! -s "$k.out" ] && [ -s "$o.out" ]; then echo "ours printed on stdout, kmod nothing"; return 1; fi
}

# versionish KMOD OURS SIDE: -V: status and stderr as kmod's; our three lines; on the kmod 34.2
# side, its first line is ours.
versionish() {
    local k=$SCR/res/$1 o=$SCR/res/$2
    cmp -s "$k.rc" "$o.rc" || { echo "status differs"; return 1; }
    cmp -s "$k.err" "$o.err" || { diff "$k.err" "$o.err"; return 1; }
    if [ "$(cat "$o.rc")" = 0 ]; then
        printf 'kmod version 34.2\n+ZSTD +XZ +ZLIB +OPENSSL\nmodutils-rs %s\n' \
            "$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/Cargo.toml" | head -n 1)" | diff - "$o.out" || return 1
        if [ "$3" = 34 ]; then
            [ "$(head -n 1 "$k.out")" = "$(head -n 1 "$o.out")" ] || { echo "first line differs"; return 1; }
        fi
    fi
}

# sane OURS COMPARISON ARGS...: our messages are whole (no panic, no Rust "(os error N)"
# suffix), then the comparison.
sane() {
    local o=$SCR/res/$1
    shift
    if grep -qE 'panicked|\(os error [0-9]+\)' "$o.err"; then
        echo "our message is not one of ours:"
        cat "$o.err"
        return 1
    fi
    "$@"
}

CASE_ENV=()
CASE_TREE=
# c NAME FLAGS TOOL ARGS...: one case, checked on both sides. FLAGS: comma-separated (see the
# header), or - for none.
c() {
    local name=$1 flags=$2 tool=$3 side not file
    shift 3
    CASE_TREE=
    [ "$tool" != depmod ] || CASE_TREE=1
    for side in 30 34; do
        run "$side" "k$side" "$tool" "$@"
        run "$side" ours "$tool" "$@"
        not=$(tr ',' '\n' <<<"$flags" | sed -n "s/^not$side=//p")
        file=after
        [ "$side" = 34 ] || file=text
        if [ -n "$not" ]; then
            check "$name [$side: $not]" sane "ours.$side" differs "k$side.$side" "ours.$side" "$not" "$file"
        elif [[ ",$flags," == *,help,* ]]; then
            check "$name [$side]" sane "ours.$side" helpish "k$side.$side" "ours.$side"
        elif [[ ",$flags," == *,version,* ]]; then
            check "$name [$side]" sane "ours.$side" versionish "k$side.$side" "ours.$side" "$side"
        else
            check "$name [$side]" sane "ours.$side" same "k$side.$side" "ours.$side" "$file"
        fi
        if [[ ",$flags," == *,unchanged,* ]]; then
            check "$name [$side: tree unchanged]" cmp "$SCR/res/ours.$side.before" "$SCR/res/ours.$side.after"
        fi
    done
    CASE_ENV=()
}

Q=(-C "$SCR/empty" -d "$R" -S "$V") # modprobe: the 6.1 tree, no configuration

log "every tool: unknown, ambiguous and malformed options, help, version"
# The whole option table (glibc lists every option for `--=`): kmod 34.2's, not kmod 30's.
declare -A TABLE=([insmod]=not30=insmod-options [depmod]=not30=depmod-options)
for t in insmod rmmod modprobe depmod modinfo kmod; do
    c "$t --zz" - "$t" --zz
    c "$t --zz=1" - "$t" --zz=1
    c "$t -Z" - "$t" -Z
    c "$t --=" "${TABLE[$t]:--}" "$t" --=
    c "$t -h" help "$t" -h
    c "$t --help" help "$t" --help
    c "$t --he" help "$t" --he
    c "$t --help=1" - "$t" --help=1
    c "$t -V" version "$t" -V
    c "$t --version" version "$t" --version
    c "$t --vers" version "$t" --vers
done
for t in rmmod modprobe depmod; do
    c "$t --v" - "$t" --v
done
for t in rmmod modprobe depmod modinfo; do
    c "$t -" - "$t" -
done
c "insmod -" - insmod -
c "kmod -" help kmod -
c "lsmod" not30=lsmod-messages lsmod
c "lsmod x" not30=lsmod-options lsmod x
c "lsmod --zz" not30=lsmod-options lsmod --zz
c "lsmod -h" not30=lsmod-options,help lsmod -h
c "lsmod -V" not30=lsmod-options,version lsmod -V
c "lsmod -s" not30=lsmod-options lsmod -s
c "lsmod --verb" not30=lsmod-options lsmod --verb
c "insmod --v" not30=insmod-options insmod --v

log "insmod"
c "insmod" - insmod
c "insmod FILE missing" - insmod /nonexistent/x.ko
c "insmod FILE -Z" - insmod /nonexistent/x.ko -Z
c "insmod FILE -- -Z" - insmod /nonexistent/x.ko a=1 -- -Z
c "insmod DIR" - insmod "$SCR/empty"
c "insmod -f FILE" - insmod -f /nonexistent/x.ko
c "insmod FILE -f" - insmod /nonexistent/x.ko -f
c "insmod --force FILE" not30=insmod-options insmod --force /nonexistent/x.ko
c "insmod -s FILE" not30=insmod-options insmod -s /nonexistent/x.ko
c "insmod -v FILE" not30=insmod-options insmod -v /nonexistent/x.ko
c "insmod -p FILE" not34=insmod-p insmod -p /nonexistent/x.ko
c "insmod real module" - insmod "$RVFAT"
c "insmod real module params" - insmod "$RVFAT" a=1 'b=x y'

log "rmmod"
c "rmmod" - rmmod
c "rmmod NAME" - rmmod no_such_mod
c "rmmod NAMES" - rmmod no_such_mod other-mod
c "rmmod -f NAME" - rmmod -f no_such_mod
c "rmmod NAME -v" - rmmod no_such_mod -v
c "rmmod --verb NAME" - rmmod --verb no_such_mod
c "rmmod --force NAME" - rmmod --force no_such_mod
c "rmmod -- -Z" - rmmod -- -Z
c "rmmod PATH" - rmmod "$RVFAT"
c "rmmod -s NAME" - rmmod -s no_such_mod
c "rmmod -w NAME" not30=rmmod-w rmmod -w no_such_mod

log "modprobe: options anywhere, --, arguments in every spelling"
c "modprobe" - modprobe
c "modprobe NAME --show-depends" - modprobe "${Q[@]}" vfat --show-depends
c "modprobe -D NAME -- -v" - modprobe "${Q[@]}" -D vfat -- -v
c "modprobe -D NAME params -- params" - modprobe "${Q[@]}" -D vfat a=1 -- -v b=2
c "modprobe -D -- NAME -v" - modprobe "${Q[@]}" -D -- vfat -v
c "modprobe NAME options after" - modprobe -D vfat -C "$SCR/empty" -d "$R" -S "$V" x=1
c "modprobe abbreviations" - modprobe --show-dep vfat -C "$SCR/empty" --dirn "$R" --set-v="$V"
c "modprobe --dirname=" - modprobe --show-dep vfat -C "$SCR/empty" --dirname="$R" -S"$V"
c "modprobe -DSV" - modprobe -DS"$V" vfat -C "$SCR/empty" -d"$R"
c "modprobe -DS V" - modprobe -DS "$V" vfat -C"$SCR/empty" -d"$R"
c "modprobe --config=" - modprobe -D vfat --config="$SCR/empty" -d "$R" -S "$V"
c "modprobe --conf" - modprobe -D vfat --conf "$SCR/empty" -d "$R" -S "$V"
c "modprobe repeated -S -d" - modprobe -D vfat -S 1.0 -S "$V" -d /x -d "$R" -C "$SCR/empty"
c "modprobe repeated -D" - modprobe -D -D vfat "${Q[@]}"
c "modprobe repeated -C" - modprobe -c -C "$SCR/conf" -C "$SCR/conf2" -d "$R" -S "$V"
c "modprobe -n -v NAME -d -S" - modprobe -n -v vfat -d "$R" -S "$V" -C "$SCR/empty"
c "modprobe --dry --verb" - modprobe --dry --verb vfat "${Q[@]}"
c "modprobe --show" - modprobe --show -v vfat "${Q[@]}"
c "modprobe -nv" - modprobe -nv vfat "${Q[@]}"
c "modprobe -r -n -v NAME -f" - modprobe -r -n -v vfat -f "${Q[@]}"
c "modprobe -rnv NAME" - modprobe -rnv no_such "${Q[@]}"
c "modprobe --remove-holders" - modprobe -r --remove-holders -n -v vfat "${Q[@]}"
c "modprobe --remove-dep" - modprobe --remove-dep -r -n -v vfat "${Q[@]}"
c "modprobe --remove-" - modprobe --remove- -r -n vfat "${Q[@]}"
c "modprobe -w 10" - modprobe -w 10 -r -n vfat "${Q[@]}"
c "modprobe --wait=0x10" - modprobe --wait=0x10 -r -n vfat "${Q[@]}"
c "modprobe --wait 7" - modprobe --wait ' 7' -r -n vfat "${Q[@]}"
c "modprobe -w abc" - modprobe -w abc -r vfat "${Q[@]}"
c "modprobe -w 10x" - modprobe -w 10x -r vfat "${Q[@]}"
c "modprobe -w ''" - modprobe -w '' -r vfat "${Q[@]}"
c "modprobe -w -h" - modprobe -w abc -h
c "modprobe -h -w" help modprobe -h -w abc
c "modprobe -w" - modprobe -w
c "modprobe --wait" - modprobe --wait
c "modprobe -C" - modprobe -C
c "modprobe --config" - modprobe --config
c "modprobe -S" - modprobe vfat -S
c "modprobe -d" - modprobe vfat -d
c "modprobe --all=1" - modprobe --all=1
c "modprobe --s" - modprobe --s
c "modprobe --s=1" - modprobe --s=1
c "modprobe --show-" - modprobe --show-
c "modprobe --d" - modprobe --d
c "modprobe --f" - modprobe --f
c "modprobe --r" - modprobe --r
c "modprobe --frobnicate" - modprobe --frobnicate
c "modprobe --frobnicate NAME" - modprobe vfat --frobnicate "${Q[@]}"
c "modprobe -R" - modprobe -R "${Q[@]}" fs-vfat
c "modprobe --resolve" - modprobe --resolve "${Q[@]}" fs-vfat
c "modprobe --show-alias" not30=show-alias,not34=show-alias modprobe --show-alias "${Q[@]}" fs-vfat
c "modprobe -a -D" - modprobe -a -D vfat loop "${Q[@]}"
c "modprobe -aD" - modprobe -aD vfat no_such loop "${Q[@]}"
c "modprobe --all --show-d" - modprobe vfat --all loop --show-d "${Q[@]}"
c "modprobe -q" - modprobe -q no_such "${Q[@]}"
c "modprobe --quiet -n" - modprobe no_such --quiet -n "${Q[@]}"
c "modprobe -v no_such" - modprobe -v no_such "${Q[@]}"
c "modprobe -vq" - modprobe -vq -n vfat "${Q[@]}"
c "modprobe -b" - modprobe -b -D vfat "${Q[@]}"
c "modprobe --use-b" - modprobe --use-b -D vfat "${Q[@]}"
c "modprobe --first-time -n" - modprobe --first-time -n -v vfat "${Q[@]}"
c "modprobe --force-mod" - modprobe --force-mod -n -v vfat "${Q[@]}"
c "modprobe --force-ver" - modprobe --force-ver -n -v vfat "${Q[@]}"
c "modprobe install command" - modprobe -n -v -C "$SCR/conf" -d "$R" -S "$V" dummy
c "modprobe -i" - modprobe -i -n -v -C "$SCR/conf" -d "$R" -S "$V" dummy
c "modprobe --ignore-install" - modprobe --ignore-install -n -v -C "$SCR/conf" -d "$R" -S "$V" dummy
c "modprobe --ignore-remove" - modprobe --ignore-remove -n -v -C "$SCR/conf" -d "$R" -S "$V" dummy
c "modprobe --ignore-" - modprobe --ignore- -n -v -C "$SCR/conf" -d "$R" -S "$V" dummy
c "modprobe -r --ignore-remove" - modprobe -r --ignore-remove -n -v -C "$SCR/conf" -d "$R" -S "$V" dummy
c "modprobe -r remove command" - modprobe -r -n -v -C "$SCR/conf" -d "$R" -S "$V" dummy
c "modprobe -c" - modprobe -c -C "$SCR/conf2" -d "$R" -S "$V"
c "modprobe --showconfig" - modprobe --showconfig -C "$SCR/conf2" -d "$R" -S "$V"
c "modprobe --show-config" - modprobe --show-config -C "$SCR/conf2" -d "$R" -S "$V"
c "modprobe alias via config" - modprobe -D myfat -C "$SCR/conf2" -d "$R" -S "$V"
c "modprobe --show-modversions" - modprobe --show-modversions "$RVFAT"
c "modprobe --dump-modversions" - modprobe --dump-modversions "$RVFAT"
c "modprobe --show-exports" - modprobe --show-exports "$R/lib/modules/$V/kernel/fs/fat/fat.ko"
c "modprobe --show-e" - modprobe --show-e "$R/lib/modules/$V/kernel/fs/fat/fat.ko"
c "modprobe --show-m no file" - modprobe --show-m /nonexistent.ko
c "modprobe no name" - modprobe "${Q[@]}"
c "modprobe unknown" - modprobe no_such "${Q[@]}"
c "modprobe empty name" - modprobe '' "${Q[@]}"
c "modprobe non-UTF-8 name" not30=non-utf8-names,not34=non-utf8-names modprobe $'ab\xffc' "${Q[@]}"
CASE_ENV=(MODPROBE_OPTIONS="-S $V")
c "MODPROBE_OPTIONS -S" - modprobe -D -d "$R" -C "$SCR/empty" vfat
CASE_ENV=(MODPROBE_OPTIONS="vfat -S $V")
c "MODPROBE_OPTIONS name" - modprobe -D -d "$R" -C "$SCR/empty"
CASE_ENV=(MODPROBE_OPTIONS="-S")
c "MODPROBE_OPTIONS -S alone" - modprobe -D -d "$R" -C "$SCR/empty" "$V" vfat
CASE_ENV=(MODPROBE_OPTIONS="  -S    $V   ")
c "MODPROBE_OPTIONS spaces" - modprobe -D -d "$R" -C "$SCR/empty" vfat
CASE_ENV=(MODPROBE_OPTIONS="--")
c "MODPROBE_OPTIONS --" - modprobe -D -d "$R" -C "$SCR/empty" -S "$V" vfat
CASE_ENV=(MODPROBE_OPTIONS="-v")
c "MODPROBE_OPTIONS -v install" - modprobe -n -C "$SCR/conf" -d "$R" -S "$V" dummy
CASE_ENV=(MODPROBE_OPTIONS="-q")
c "MODPROBE_OPTIONS -q" - modprobe -d "$R" -S "$V" -C "$SCR/empty" no_such
CASE_ENV=(POSIXLY_CORRECT=1)
c "POSIXLY_CORRECT: options end at the name" - modprobe -n -v "${Q[@]}" vfat -D

log "depmod: the version and file arguments, nothing written on a mistake"
c "depmod NOTAVERSION" unchanged depmod -b "$B" vfat
c "depmod 1" unchanged depmod -b "$B" 1
c "depmod 1.x" unchanged depmod -b "$B" 1.x
c "depmod x1.2" unchanged depmod -b "$B" x1.2
c "depmod V relative file" unchanged depmod -b "$B" "$V" vfat.ko
c "depmod V missing file" unchanged depmod -b "$B" "$V" /no/such.ko
c "depmod V file, then missing" unchanged depmod -b "$B" "$V" "$VFAT" /no/such.ko
c "depmod missing version dir" unchanged depmod -b "$B" 9.9.9
c "depmod missing version dir, file" not34=depmod-missing-dir,unchanged depmod -b "$B" 9.9.9 "$VFAT"
c "depmod V unreadable file" not30=depmod-unreadable-files,not34=depmod-unreadable-files,unchanged depmod -b "$B" "$V" "$SCR/corrupt.ko"
c "depmod V FILE" - depmod -b "$B" "$V" "$VFAT"
c "depmod V FILES" - depmod -b "$B" "$V" "$VFAT" "$DUMMY"
c "depmod -a V FILE" - depmod -a -b "$B" "$V" "$VFAT"
c "depmod -a relative file ignored" - depmod -a -b "$B" "$V" vfat.ko
c "depmod V" - depmod -b "$B" "$V"
c "depmod V -b after" - depmod "$V" -b "$B"
c "depmod -bB" - depmod -b"$B" "$V"
c "depmod --basedir=" - depmod --basedir="$B" "$V"
c "depmod --bas" - depmod --bas "$B" "$V"
c "depmod -b twice" - depmod -b /nonexistent -b "$B" "$V"
c "depmod -n" - depmod -n -b "$B" "$V"
c "depmod --show" - depmod --show -b "$B" "$V"
c "depmod --dry-run" - depmod "$V" --dry-run -b "$B"
c "depmod -A" - depmod -A -b "$B" "$V"
c "depmod --quick" - depmod --quick -b "$B" "$V"
c "depmod -a" - depmod -a -b "$B" "$V"
c "depmod -C" - depmod -C "$SCR/dconf/depmod.conf" -b "$B" "$V"
c "depmod -C twice" - depmod -C "$SCR/empty" -C "$SCR/dconf/depmod.conf" -b "$B" "$V"
c "depmod -e -F" - depmod -e -F "$SCR/System.map" -b "$B" "$V"
c "depmod -e -E" - depmod -e -E "$SCR/Module.symvers" -b "$B" "$V"
c "depmod -eE" - depmod -eE"$SCR/Module.symvers" -b "$B" "$V"
c "depmod -e -F missing" unchanged depmod -e -F /no/such/System.map -b "$B" "$V"
c "depmod -F missing -n" - depmod -F /no/such/System.map -n -b "$B" "$V"
c "depmod -E missing, no tree" unchanged depmod -E /no/such/Module.symvers -b "$B" 9.9.9
c "depmod -P" - depmod -P _ -b "$B" "$V"
c "depmod -w" - depmod -w -b "$B" "$V"
c "depmod -v" - depmod -v -b "$B" "$V"
c "depmod -b missing arg" - depmod -b
c "depmod -C missing arg" - depmod "$V" -C
c "depmod -q" not34=depmod-removed-options depmod -q -b "$B" "$V"
c "depmod -qru" not34=depmod-removed-options depmod -qru -b "$B" "$V"
c "depmod --quiet" not34=depmod-removed-options depmod --quiet -b "$B" "$V"
c "depmod --root" not34=depmod-removed-options depmod --root -b "$B" "$V"
c "depmod --unres" not34=depmod-removed-options depmod --unres -b "$B" "$V"
c "depmod --qui" not30=depmod-options depmod --qui -b "$B" "$V"
c "depmod --map" not30=depmod-m depmod --map -b "$B" "$V"
c "depmod -m" not30=depmod-m depmod -m /lib/modules -b "$B" "$V"
c "depmod -o" not30=depmod-o depmod -o "$B/out" -b "$B" "$V"
c "depmod -o -m" not30=depmod-o depmod -o "$B/out" -m /mods -b "$B" "$V"
c "depmod -o -m relative" not30=depmod-o depmod -b "$B" --moduledir=mods --outdir "$B/out" "$V"
c "depmod -m, no -o" not30=depmod-m depmod -b "$B" -m /mods "$V"

log "modinfo"
M=(-b "$R" -k "$V")
c "modinfo" - modinfo
c "modinfo NAME" - modinfo "${M[@]}" vfat
c "modinfo NAME -F" - modinfo "${M[@]}" vfat -F license
c "modinfo -F twice" - modinfo "${M[@]}" vfat -F license -F author
c "modinfo -a -l" - modinfo "${M[@]}" vfat -a -l
c "modinfo -F -a" - modinfo "${M[@]}" vfat -F license -a
c "modinfo -d -p -n" - modinfo "${M[@]}" -d -p -n vfat
c "modinfo -0 -F" - modinfo "${M[@]}" -0 -F alias vfat
c "modinfo --null --field=" - modinfo "${M[@]}" --null --field=alias vfat
c "modinfo --auth" - modinfo --auth "${M[@]}" vfat
c "modinfo --desc --lic --param --filen" - modinfo --desc --lic --param --filen "${M[@]}" vfat
c "modinfo --f" - modinfo --f "${M[@]}" vfat
c "modinfo --fi" - modinfo --fi "${M[@]}" vfat
c "modinfo --fie" - modinfo --fie license "${M[@]}" vfat
c "modinfo -k -b twice" - modinfo -k 1 -k "$V" -b / -b "$R" vfat -F license
c "modinfo --set-version= --basedir=" - modinfo --set-version="$V" --basedir="$R" vfat
c "modinfo -kV -bR" - modinfo -k"$V" -b"$R" vfat
c "modinfo -- NAME -F" - modinfo "${M[@]}" -- vfat -F
c "modinfo -m" - modinfo -m "${M[@]}" vfat
c "modinfo --modname alias" - modinfo --modname "${M[@]}" fs-vfat
c "modinfo alias" - modinfo "${M[@]}" fs-vfat
c "modinfo FILE" - modinfo "$RVFAT"
c "modinfo NAMES" - modinfo "${M[@]}" vfat no_such fat
c "modinfo -F missing" - modinfo -F
c "modinfo -k missing" - modinfo vfat -k
c "modinfo -b missing" - modinfo vfat -b

log "kmod"
c "kmod" help kmod
c "kmod help" help kmod help
c "kmod help list" help kmod help list
c "kmod bogus" help kmod bogus
c "kmod -V list" version kmod -V list
c "kmod list" not30=lsmod-messages kmod list
c "kmod list x" not30=lsmod-options kmod list x
c "kmod list -h" not30=lsmod-options,help kmod list -h
c "kmod list --zz" not30=lsmod-options kmod list --zz
c "kmod static-nodes" - kmod static-nodes
c "kmod static-nodes -h" help kmod static-nodes -h
c "kmod static-nodes --zz" - kmod static-nodes --zz
c "kmod static-nodes -f" - kmod static-nodes -f
c "kmod static-nodes --format=bogus" help kmod static-nodes --format=bogus
c "kmod static-nodes --f= -o extra" - kmod static-nodes --f=devname -o /dev/null extra
c "kmod static-nodes --=" - kmod static-nodes --=

summary
