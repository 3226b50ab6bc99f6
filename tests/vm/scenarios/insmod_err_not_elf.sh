#!/bin/sh
. /scenarios/lib.sh
echo "this is not an ELF module, just text" > /tmp/notelf.ko
run /tools/insmod /tmp/notelf.ko
expect_rc 1
expect_err_line "insmod: ERROR: could not insert module /tmp/notelf.ko: Invalid module format"
expect_not_loaded notelf
finish
