#!/bin/sh
# modprobe -r removes the module, then those of its dependencies nothing else
# uses, and keeps the used ones: mt_user takes mt_dep with it; with psnap
# loaded (it uses llc), -r 8021q removes 8021q, garp and mrp but keeps llc.
# A module in use, one not loaded, a name with '-', -r -v, several names.
# Each also against kmod's modprobe (kmod 30 keeps stp too: it tries the
# dependencies in modules.dep's order, llc and stp before garp, which still
# holds them then).
. /scenarios/lib.sh

setup() {
    echo "  setup: /kmod/modprobe $*"
    /kmod/modprobe "$@" || bad "setup: /kmod/modprobe $* failed"
}

setup mt_user
run /tools/modprobe -r mt_user
expect_rc 0
expect_err_empty
expect_none_loaded mt_user mt_dep
reset_modules

setup psnap
setup "$DEP_MOD"
run /tools/modprobe -r "$DEP_MOD"
expect_rc 0
expect_err_empty
expect_none_loaded "$DEP_MOD" garp mrp
expect_all_loaded psnap llc
echo "  left loaded: $(extra_modules | tr '\n' ' ')"
reset_modules

# In use: refused, nothing removed.
setup mt_user
run /tools/modprobe -r mt_dep
expect_rc 1
expect_err_line "modprobe: FATAL: Module mt_dep is in use."
expect_all_loaded mt_dep mt_user
reset_modules

# Not loaded: nothing to do (kmod 30: exit 0, silent); with --first-time an
# error.
run /tools/modprobe -r mt_dep
expect_rc 0
expect_err_empty
run /tools/modprobe -r --first-time mt_dep
expect_rc 1
expect_err_line "modprobe: FATAL: Module mt_dep is not in kernel."

same_as_kmod "-r mt_user (mt_dep unused)" "/kmod/modprobe mt_user" modprobe -r mt_user
same_as_kmod "-r -v mt_user" "/kmod/modprobe mt_user" modprobe -r -v mt_user
same_as_kmod "-r mt-user" "/kmod/modprobe mt_user" modprobe -r mt-user
same_as_kmod "-r $DEP_MOD" "/kmod/modprobe $DEP_MOD" modprobe -r "$DEP_MOD"
same_as_kmod "-r $DEP_MOD, psnap using llc" "/kmod/modprobe psnap && /kmod/modprobe $DEP_MOD" modprobe -rv "$DEP_MOD"
same_as_kmod "-r mt_dep in use" "/kmod/modprobe mt_user" modprobe -r mt_dep
same_as_kmod "-r not loaded" "" modprobe -r mt_dep
same_as_kmod "-r -q not loaded" "" modprobe -rq mt_dep
same_as_kmod "-r unknown name" "" modprobe -r no_such_module
same_as_kmod "-r built-in (8250)" "" modprobe -r 8250
same_as_kmod "-r several" "/kmod/modprobe mt_user && /kmod/modprobe mt_params" modprobe -r mt_user mt_params
same_as_kmod "-r several, one not loaded" "/kmod/modprobe mt_params" modprobe -r mt_user mt_params
same_as_kmod "-r --remove-holders mt_dep" "/kmod/modprobe mt_user" modprobe -r --remove-holders mt_dep
same_as_kmod "-r through an alias (fs-vfat)" "/kmod/modprobe vfat" modprobe -r fs-vfat
same_as_kmod "-r a dependency only (fat, used by vfat)" "/kmod/modprobe vfat" modprobe -r fat
finish
