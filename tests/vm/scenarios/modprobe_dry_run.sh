#!/bin/sh
# modprobe -n (--dry-run) loads and removes nothing, with or without -v
# (which prints what would be done); as kmod's modprobe.
. /scenarios/lib.sh

run /tools/modprobe -n mt_user
expect_rc 0
expect_none_loaded mt_user mt_dep
run /tools/modprobe -n -v "$DEP_MOD"
expect_rc 0
expect_none_loaded "$DEP_MOD" garp mrp stp llc
run /tools/modprobe --dry-run -v fs-vfat
expect_rc 0
expect_none_loaded vfat fat
echo "  setup: /kmod/modprobe mt_user"
/kmod/modprobe mt_user
run /tools/modprobe -n -r mt_user
expect_rc 0
expect_all_loaded mt_user mt_dep
reset_modules

same_as_kmod "-n" "" modprobe -n mt_user
same_as_kmod "-n -v" "" modprobe -n -v "$DEP_MOD"
same_as_kmod "-n -v with parameters" "" modprobe -n -v mt_params u=1
same_as_kmod "--dry-run alias" "" modprobe --dry-run -v fs-vfat
same_as_kmod "-n -v, partly loaded" "load mt_dep" modprobe -n -v mt_user
same_as_kmod "-n -r -v" "/kmod/modprobe mt_user" modprobe -n -r -v mt_user
same_as_kmod "-n unknown" "" modprobe -n no_such_module
finish
