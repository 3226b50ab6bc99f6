#!/bin/sh
# -a (--all): every argument is a module; an unknown one in the middle does
# not stop the others; -r -a; mkinitcpio's -qaR. As kmod's modprobe.
. /scenarios/lib.sh
# -a loads independent modules side by side (parallel_load): /proc/modules order compared as a set.
# shellcheck disable=SC2034 # read by module_state (lib.sh)
STATE_SORTED=1

run /tools/modprobe -a mt_dep mt_params dummy
expect_rc 0
expect_err_empty
expect_all_loaded mt_dep mt_params dummy
reset_modules

run /tools/modprobe -a mt_params no_such_module dummy
expect_rc 1
expect_all_loaded mt_params dummy
expect_err_contains "no_such_module"
reset_modules

run /tools/modprobe -qaR fs-vfat mt_user no_such_module
expect_out_line vfat
expect_out_line mt_user

same_as_kmod "-a three" "" modprobe -a mt_dep mt_params dummy
same_as_kmod "-a with aliases" "" modprobe -av fs-vfat symbol:mt_dep_value
same_as_kmod "-a, unknown in the middle" "" modprobe -a mt_params no_such_module dummy
same_as_kmod "-a -q, unknown in the middle" "" modprobe -aq mt_params no_such_module dummy
same_as_kmod "-a, init failing in the middle" "" modprobe -a mt_params mt_fail dummy
same_as_kmod "-a, already loaded" "load mt_params" modprobe -a mt_params dummy
same_as_kmod "-r -a" "/kmod/modprobe -a mt_user mt_params" modprobe -r -a mt_user mt_params
same_as_kmod "-ra, one in use" "/kmod/modprobe mt_user" modprobe -ra mt_dep mt_user
same_as_kmod "-qaR" "" modprobe -qaR fs-vfat mt_user no_such_module 8021q
same_as_kmod "-aR" "" modprobe -aR fs-vfat no_such_module
same_as_kmod "-a --show-depends" "" modprobe -a --show-depends mt_user fs-vfat 8250 no_such_module
same_as_kmod "no argument" "" modprobe
same_as_kmod "-a without arguments" "" modprobe -a
finish
