#!/bin/sh
# Two modprobe processes loading the same module at the same time (as udev
# does at boot): both exit 0 and the module is loaded once; five rounds each
# for 8021q (with its dependencies), mt_user (with mt_dep) and an alias.
. /scenarios/lib.sh

# at_once PROG1 PROG2 LABEL NAME [CHECK_MODULE...]: `PROG1 NAME` and `PROG2 NAME` started
# together, from the boot's modules: both exit 0, and each CHECK_MODULE is loaded after.
at_once() {
    _p1=$1 _p2=$2 _label=$3 _name=$4
    shift 4
    reset_modules
    $_p1 "$_name" >/tmp/c1.out 2>&1 &
    _pid1=$!
    $_p2 "$_name" >/tmp/c2.out 2>&1 &
    _pid2=$!
    wait $_pid1
    _r1=$?
    wait $_pid2
    _r2=$?
    if [ $_r1 = 0 ] && [ $_r2 = 0 ]; then
        ok "$_label: both exit 0"
    else
        bad "$_label: exit statuses $_r1 ($_p1) and $_r2 ($_p2)"
        sed 's/^/    1: /' /tmp/c1.out
        sed 's/^/    2: /' /tmp/c2.out
    fi
    for _m in "$@"; do
        if in_proc_modules "$_m"; then :; else bad "$_m not loaded after $_label"; fi
    done
}
# round NAME CHECK_MODULE...: two of ours at once.
round() { at_once /tools/modprobe /tools/modprobe "two at once, $1" "$@"; }

for i in 1 2 3 4 5; do
    round "$DEP_MOD" "$DEP_MOD" garp mrp stp llc
    round mt_user mt_user mt_dep
    round fs-vfat vfat fat
done
at_once /tools/modprobe /kmod/modprobe "ours and kmod's at once" "$DEP_MOD"
reset_modules
finish
