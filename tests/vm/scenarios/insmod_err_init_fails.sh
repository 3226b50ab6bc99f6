#!/bin/sh
# mt_fail's init returns -ENODEV.
. /scenarios/lib.sh
run /tools/insmod $TM/mt_fail.ko
expect_rc 1
expect_err_contains "could not insert module"
expect_err_contains "No such device"
expect_err_line "insmod: ERROR: could not insert module $TM/mt_fail.ko: No such device"
expect_not_loaded mt_fail
finish
