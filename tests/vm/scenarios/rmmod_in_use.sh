#!/bin/sh
. /scenarios/lib.sh
setup_insmod $TM/mt_dep.ko
setup_insmod $TM/mt_user.ko
run /tools/rmmod mt_dep
expect_rc 1
expect_err_line "rmmod: ERROR: Module mt_dep is in use by: mt_user"
expect_loaded mt_dep
expect_loaded mt_user
finish
