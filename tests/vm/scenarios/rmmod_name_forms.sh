#!/bin/sh
# rmmod takes a path to the module file as well as a name, and '-' and '_'
# are the same in names.
. /scenarios/lib.sh
setup_insmod $TM/mt_params.ko
run /tools/rmmod $TM/mt_params.ko
expect_rc 0
expect_err_empty
expect_not_loaded mt_params

setup_insmod $TM/mt_params.ko
run /tools/rmmod mt-params
expect_rc 0
expect_err_empty
expect_not_loaded mt_params
finish
