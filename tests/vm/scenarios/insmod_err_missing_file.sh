#!/bin/sh
. /scenarios/lib.sh
run /tools/insmod /nonexistent.ko
expect_rc 1
expect_err_line "insmod: ERROR: could not load module /nonexistent.ko: No such file or directory"
finish
