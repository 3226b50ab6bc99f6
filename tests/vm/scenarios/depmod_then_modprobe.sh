#!/bin/sh
# Our depmod makes the indexes of a module tree, and Debian's modprobe (kmod
# 30, /kmod/modprobe) loads and unloads modules with dependencies from them:
# mt_user -> mt_dep (test modules put under extra/) and the real $DEP_MOD
# (8021q -> garp, mrp -> stp, llc). The indexes must also equal the ones kmod's
# own depmod (/kmod/depmod) makes of the same tree in the guest.
# Part 1 works on a copy of the packed tree under /tmp/t (depmod -b, modprobe
# -d); part 2 on /lib/modules itself (a copy bind-mounted over it): `depmod -a`
# and `modprobe NAME` with no directory options, as on an installed system.
. /scenarios/lib.sh

M=lib/modules/$KVER
INDEXES="modules.dep modules.dep.bin modules.alias modules.alias.bin modules.softdep
modules.symbols modules.symbols.bin modules.builtin.bin modules.builtin.alias.bin modules.devname"

# make_tree DIR: DIR/$M = the packed tree without the host-made indexes, plus
# mt_dep and mt_user under extra/.
make_tree() {
    mkdir -p "$1/lib/modules"
    cp -a "/lib/modules/$KVER" "$1/lib/modules/"
    for f in $INDEXES modules.weakdep; do rm -f "$1/$M/$f"; done
    mkdir -p "$1/$M/extra"
    cp "$TM/mt_dep.ko" "$TM/mt_user.ko" "$1/$M/extra/"
}

# expect_indexes DIR: each index file exists in DIR/$M.
expect_indexes() {
    missing=
    for f in $INDEXES; do
        [ -f "$1/$M/$f" ] || missing="$missing $f"
    done
    if [ -z "$missing" ]; then ok "all indexes written in $1/$M"; else bad "not written in $1/$M:$missing"; fi
}

# expect_same_as_kmod_depmod OURS KMOD: same files, same bytes (modules.symbols
# compared sorted: its order is free). The guest's kmod is kmod 30: ours writes
# modules.weakdep as kmod 34.2 does (`weakdep-file` in docs/compatibility.md),
# and the .bin files in kmod 34's node order (`bin-layout`): those are compared
# by content in tests/diff/depmod.sh, here only by kmod 30's modprobe reading
# them below.
expect_same_as_kmod_depmod() {
    # Our module cache (`depmod-cache`): in the system's tree only, not under -b.
    if [ -z "$1" ]; then
        if [ -s "/$M/modules.cache.bin" ]; then ok "modules.cache.bin in the system's tree"; else bad "no modules.cache.bin in /$M"; fi
    elif [ -e "$1/$M/modules.cache.bin" ]; then
        bad "modules.cache.bin made under -b $1"
    else
        ok "no modules.cache.bin under -b $1"
    fi
    (cd "$1/$M" && ls | grep -vx -e modules.weakdep -e modules.cache.bin) >/tmp/ls.ours
    (cd "$2/$M" && ls | grep -vx modules.weakdep) >/tmp/ls.kmod
    if cmp -s /tmp/ls.kmod /tmp/ls.ours; then
        ok "same files as kmod's depmod"
    else
        bad "not the same files as kmod's depmod"
        diff /tmp/ls.kmod /tmp/ls.ours | sed 's/^/    /'
    fi
    for f in $INDEXES; do
        [ -f "$2/$M/$f" ] || [ -f "$1/$M/$f" ] || continue
        case $f in *.bin) continue ;; esac
        if [ "$f" = modules.symbols ]; then
            sort "$2/$M/$f" >/tmp/sym.kmod 2>/dev/null
            sort "$1/$M/$f" >/tmp/sym.ours 2>/dev/null
            a=/tmp/sym.kmod b=/tmp/sym.ours
        else
            a=$2/$M/$f b=$1/$M/$f
        fi
        if cmp -s "$a" "$b"; then
            ok "$f same as kmod's"
        else
            bad "$f differs from kmod's"
            diff "$a" "$b" 2>&1 | head -n 20 | sed 's/^/    /'
        fi
    done
}

# dep_names RELPATH DIR: module names of RELPATH's modules.dep line in DIR/$M.
dep_names() {
    grep "^$1:" "$2/$M/modules.dep" | cut -d: -f2 | tr ' ' '\n' |
        sed -e '/^$/d' -e 's|.*/||' -e 's/\.ko.*//' -e 's/-/_/g'
}

# expect_all_loaded NAME...: each one live.
expect_all_loaded() {
    for _n in "$@"; do expect_loaded "$_n"; done
}

dep_rel=$(grep -m1 "/$DEP_MOD\.ko" "/lib/modules/$KVER/modules.order")
[ -n "$dep_rel" ] || bad "$DEP_MOD is not in modules.order"
dep_file=$(ls "/lib/modules/$KVER/$dep_rel"* 2>/dev/null | head -n 1)
dep_file=${dep_file#/lib/modules/$KVER/}
echo "  $DEP_MOD: $dep_file"

# ------------------------------------------------------ part 1: depmod -b
make_tree /tmp/t
make_tree /tmp/k
run /tools/depmod -b /tmp/t "$KVER"
expect_rc 0
expect_err_empty
expect_indexes /tmp/t
run /kmod/depmod -b /tmp/k "$KVER"
expect_rc 0
expect_same_as_kmod_depmod /tmp/t /tmp/k

if grep -qx 'extra/mt_user.ko: extra/mt_dep.ko' /tmp/t/$M/modules.dep; then
    ok "modules.dep: extra/mt_user.ko: extra/mt_dep.ko"
else
    bad "modules.dep lacks 'extra/mt_user.ko: extra/mt_dep.ko'"
    grep '^extra/' /tmp/t/$M/modules.dep | sed 's/^/    /'
fi
deps=$(dep_names "$dep_file" /tmp/t | tr '\n' ' ')
echo "  $DEP_MOD needs: $deps"
if [ -n "$deps" ]; then ok "$DEP_MOD has dependencies in modules.dep"; else bad "$DEP_MOD has no dependencies in modules.dep"; fi

run /kmod/modprobe -d /tmp/t --show-depends mt_user
expect_rc 0
sed "s|/tmp/t/|/tmp/k/|" /tmp/run.out >/tmp/sd.ours
run /kmod/modprobe -d /tmp/k --show-depends mt_user
if cmp -s /tmp/sd.ours /tmp/run.out; then ok "--show-depends mt_user: same on kmod's indexes"; else bad "--show-depends mt_user differs on kmod's indexes"; fi

# load_unload LABEL DIR NAME DEPS...: modprobe NAME (-d DIR unless DIR is
# empty): NAME and DEPS live; then modprobe -r NAME: NAME gone. The module
# state after each step goes to /tmp/lu.LABEL.load and /tmp/lu.LABEL.rm.
load_unload() {
    _label=$1 _dir=$2 _name=$3
    shift 3
    _d=
    [ -z "$_dir" ] || _d="-d $_dir"
    reset_modules
    run /kmod/modprobe $_d "$_name"
    expect_rc 0
    expect_err_empty
    expect_all_loaded "$_name" "$@"
    module_state >/tmp/lu.$_label.load
    run /kmod/modprobe $_d -r "$_name"
    expect_rc 0
    expect_err_empty
    expect_not_loaded "$_name"
    module_state >/tmp/lu.$_label.rm
    echo "  loaded after modprobe -r $_name:"
    sed 's/^/    /' /tmp/lu.$_label.rm
    reset_modules
}

# expect_same_state LABEL_A LABEL_B WHAT: same module state after both steps.
expect_same_state() {
    for _s in load rm; do
        if cmp -s /tmp/lu.$1.$_s /tmp/lu.$2.$_s; then
            ok "modules loaded after modprobe ($_s) $3"
        else
            bad "modules loaded after modprobe ($_s) differ: $3"
            diff /tmp/lu.$2.$_s /tmp/lu.$1.$_s | sed 's/^/    /'
        fi
    done
}

# With our indexes (/tmp/t), then with kmod's (/tmp/k): the same results.
load_unload user.ours /tmp/t mt_user mt_dep
if grep -q '^mt_dep ' /tmp/lu.user.ours.rm; then bad "modprobe -r mt_user left mt_dep loaded"; else ok "modprobe -r mt_user removed mt_dep"; fi
echo "  (the same with the indexes of kmod's depmod:)"
load_unload user.kmod /tmp/k mt_user mt_dep
expect_same_state user.ours user.kmod "mt_user: as with kmod's indexes"
# (kmod 30's modprobe -r 8021q removes garp and mrp but leaves stp and llc,
# whichever depmod made the indexes: compared, not asserted.)
load_unload dep.ours /tmp/t "$DEP_MOD" $deps
echo "  (the same with the indexes of kmod's depmod:)"
load_unload dep.kmod /tmp/k "$DEP_MOD" $deps
expect_same_state dep.ours dep.kmod "$DEP_MOD: as with kmod's indexes"

# A module alias and a symbol, resolved through our .bin indexes.
alias=$(grep -m1 " $DEP_MOD\$" /tmp/t/$M/modules.alias | cut -d' ' -f2)
if [ -n "$alias" ]; then
    run /kmod/modprobe -d /tmp/t -R "$alias"
    expect_rc 0
    if [ "$OUT" = "$DEP_MOD" ]; then ok "alias $alias -> $DEP_MOD"; else bad "alias $alias resolved to '$OUT'"; fi
fi
run /kmod/modprobe -d /tmp/t -R symbol:mt_dep_value
expect_rc 0
if [ "$OUT" = mt_dep ]; then ok "symbol:mt_dep_value -> mt_dep"; else bad "symbol:mt_dep_value resolved to '$OUT'"; fi

# --------------------------------- part 2: the real /lib/modules, depmod -a
make_tree /tmp/m
if mount --bind /tmp/m/lib/modules /lib/modules; then
    ok "bind-mounted a copy over /lib/modules"
    run /tools/depmod -a
    expect_rc 0
    expect_err_empty
    expect_indexes ""
    expect_same_as_kmod_depmod "" /tmp/k
    load_unload user.sys "" mt_user mt_dep
    expect_same_state user.sys user.kmod "mt_user: as in part 1 with kmod's indexes"
    load_unload dep.sys "" "$DEP_MOD" $deps
    expect_same_state dep.sys dep.kmod "$DEP_MOD: as in part 1 with kmod's indexes"
    umount /lib/modules
else
    bad "mount --bind over /lib/modules failed"
fi
rm -rf /tmp/t /tmp/k /tmp/m
finish
