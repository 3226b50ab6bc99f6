#!/bin/sh
# Two arguments: the first is not loaded (fails), the second is removed anyway;
# the exit status reports the failure.
. /scenarios/lib.sh
setup_insmod $TM/mt_params.ko
run /tools/rmmod mt_dep mt_params
expect_rc 1
expect_err_line "rmmod: ERROR: Module mt_dep is not currently loaded"
expect_not_loaded mt_params
finish
