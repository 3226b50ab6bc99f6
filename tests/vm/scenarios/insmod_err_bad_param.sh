#!/bin/sh
. /scenarios/lib.sh
run /tools/insmod $TM/mt_params.ko i=notanumber
expect_rc 1
expect_err_line "insmod: ERROR: could not insert module $TM/mt_params.ko: Invalid parameters"
expect_not_loaded mt_params
finish
