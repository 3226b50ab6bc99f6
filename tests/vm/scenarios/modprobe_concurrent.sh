#!/bin/sh
# Two modprobe processes loading the same module at the same time (as udev
# does at boot): both exit 0 and the module is loaded once; five rounds each
# for 8021q (with its dependencies), mt_user (with mt_dep) and an alias.
. /scenarios/lib.sh

round() { # NAME CHECK_MODULE...
    _name=$1
    shift
    reset_modules
    /tools/modprobe "$_name" >/tmp/c1.out 2>&1 &
    _p1=$!
    /tools/modprobe "$_name" >/tmp/c2.out 2>&1 &
    _p2=$!
    wait $_p1
    _r1=$?
    wait $_p2
    _r2=$?
    if [ $_r1 = 0 ] && [ $_r2 = 0 ]; then
        ok "two at once, $_name: both exit 0"
    else
        bad "two at once, $_name: exit statuses $_r1 and $_r2"
        sed 's/^/    1: /' /tmp/c1.out
        sed 's/^/    2: /' /tmp/c2.out
    fi
    for _m in "$@"; do
        if in_proc_modules "$_m"; then :; else bad "$_m not loaded after two at once"; fi
    done
}

for i in 1 2 3 4 5; do
    round "$DEP_MOD" "$DEP_MOD" garp mrp stp llc
    round mt_user mt_user mt_dep
    round fs-vfat vfat fat
done
# Ours and kmod's at once.
reset_modules
/tools/modprobe "$DEP_MOD" >/tmp/c1.out 2>&1 &
p1=$!
/kmod/modprobe "$DEP_MOD" >/tmp/c2.out 2>&1 &
p2=$!
wait $p1
r1=$?
wait $p2
r2=$?
if [ $r1 = 0 ] && [ $r2 = 0 ]; then ok "ours and kmod's at once: both exit 0"; else bad "ours and kmod's at once: $r1 (ours), $r2 (kmod)"; cat /tmp/c1.out /tmp/c2.out; fi
reset_modules
finish
