#!/bin/sh
# An unknown module: exit 1 and kmod's message
# `modprobe: FATAL: Module X not found in directory /lib/modules/V`; nothing
# with -q. As kmod's modprobe, for names, aliases and symbols.
. /scenarios/lib.sh

run /tools/modprobe no_such_module
expect_rc 1
expect_out_empty
expect_err_line "modprobe: FATAL: Module no_such_module not found in directory /lib/modules/$KVER"
run /tools/modprobe -q no_such_module
expect_rc 1
expect_out_empty
expect_err_empty

same_as_kmod "unknown name" "" modprobe no_such_module
same_as_kmod "unknown name, -q" "" modprobe -q no_such_module
same_as_kmod "unknown name with '-'" "" modprobe no-such-module
same_as_kmod "unknown alias" "" modprobe fs-nosuchfs
same_as_kmod "unknown modalias" "" modprobe pci:v0000DEADd0000BEEFsv00000000sd00000000bc00sc00i00
same_as_kmod "unknown symbol" "" modprobe symbol:no_such_symbol
same_as_kmod "unknown, -q" "" modprobe -q symbol:no_such_symbol
same_as_kmod "unknown, -v" "" modprobe -v no_such_module
same_as_kmod "unknown, --show-depends" "" modprobe --show-depends no_such_module
same_as_kmod "unknown, -R" "" modprobe -R no_such_module
same_as_kmod "a relative path is a name" "" modprobe ../testmods/mt_params.ko
# A module file: kmod 34.2 loads it (kmod 30 looks `/testmods/mt_params.ko` up as a name and
# fails; compatibility row modprobe-path); a missing one is kmod 34.2's error.
reset_modules
run /tools/modprobe /testmods/mt_params.ko
expect_rc 0
expect_loaded mt_params
run /tools/modprobe -r mt_params
expect_rc 0
expect_not_loaded mt_params
run /tools/modprobe /testmods/no_such.ko
expect_rc 1
expect_err_line "modprobe: FATAL: Failed to get module from path /testmods/no_such.ko: No such file or directory"
same_as_kmod "unknown version (-S)" "" modprobe -S 0.0.0-none mt_params
finish
