#!/bin/sh
# modprobe NAME loads the module with its dependencies from the packed tree's
# indexes (/lib/modules/$KVER, indexed on the host by kmod's depmod): the real
# $DEP_MOD (8021q -> garp, mrp -> stp, llc) and the test modules under extra/
# (mt_user -> mt_dep); a name with '-' for '_'; already loaded (exit 0); a
# dependency already loaded. Each also against kmod's modprobe (/kmod/modprobe):
# same exit status, output and resulting modules (in load order), with -v too.
. /scenarios/lib.sh

run /tools/modprobe "$DEP_MOD"
expect_rc 0
expect_err_empty
expect_out_empty
expect_all_loaded "$DEP_MOD" garp mrp stp llc
if [ -e /sys/module/garp/holders/$DEP_MOD ]; then ok "garp held by $DEP_MOD"; else bad "garp not held by $DEP_MOD"; fi
order=$(load_order "$DEP_MOD" garp mrp stp llc)
echo "  load order: $order"
case "$order" in
    *"$DEP_MOD") ok "$DEP_MOD loaded last" ;;
    *) bad "$DEP_MOD not loaded last: $order" ;;
esac
case "$order" in
    llc*) ok "llc loaded first" ;;
    *) bad "llc not loaded first: $order" ;;
esac
reset_modules

run /tools/modprobe mt_user
expect_rc 0
expect_err_empty
expect_all_loaded mt_user mt_dep
if [ -e /sys/module/mt_dep/holders/mt_user ]; then ok "mt_dep held by mt_user"; else bad "mt_dep not held by mt_user"; fi
run /tools/modprobe mt_user
expect_rc 0
expect_err_empty
run /tools/modprobe mt-user
expect_rc 0
expect_err_empty
reset_modules

run /tools/modprobe mt-params
expect_rc 0
expect_loaded mt_params
reset_modules

same_as_kmod "$DEP_MOD with dependencies" "" modprobe "$DEP_MOD"
same_as_kmod "$DEP_MOD, -v" "" modprobe -v "$DEP_MOD"
same_as_kmod "mt_user with mt_dep" "" modprobe mt_user
same_as_kmod "mt_user, -v" "" modprobe -v mt_user
same_as_kmod "name with '-'" "" modprobe mt-user
same_as_kmod "already loaded" "load mt_dep mt_user" modprobe mt_user
same_as_kmod "already loaded, -v" "load mt_dep mt_user" modprobe -v mt_user
same_as_kmod "dependency already loaded" "load mt_dep" modprobe -v mt_user
same_as_kmod "module whose init fails (mt_fail: -ENODEV)" "" modprobe mt_fail
same_as_kmod "parameter the module lacks" "" modprobe mt_dep nosuch=1
same_as_kmod "bad parameter value" "" modprobe mt_params i=notanumber
same_as_kmod "built-in module (8250)" "" modprobe 8250
same_as_kmod "built-in module, -v" "" modprobe -v 8250
finish
