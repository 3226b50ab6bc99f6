#!/bin/sh
. /scenarios/lib.sh
setup_insmod $TM/mt_params.ko
run /tools/insmod $TM/mt_params.ko
expect_rc 1
expect_err_line "insmod: ERROR: could not insert module $TM/mt_params.ko: File exists"
expect_loaded mt_params
finish
