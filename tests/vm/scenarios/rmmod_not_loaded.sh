#!/bin/sh
. /scenarios/lib.sh
run /tools/rmmod mt_dep
expect_rc 1
expect_err_line "rmmod: ERROR: Module mt_dep is not currently loaded"
finish
