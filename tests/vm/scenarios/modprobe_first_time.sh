#!/bin/sh
# --first-time: loading a module already loaded fails (without it: exit 0),
# removing one not loaded fails; as kmod's modprobe.
. /scenarios/lib.sh

echo "  setup: /kmod/modprobe mt_params"
/kmod/modprobe mt_params
run /tools/modprobe mt_params
expect_rc 0
expect_err_empty
run /tools/modprobe --first-time mt_params
expect_rc 1
expect_err_contains "mt_params"
expect_loaded mt_params
reset_modules

run /tools/modprobe --first-time mt_params
expect_rc 0
expect_loaded mt_params
reset_modules

run /tools/modprobe --first-time -r mt_params
expect_rc 1
expect_err_contains "mt_params"

same_as_kmod "--first-time, loaded" "load mt_params" modprobe --first-time mt_params
same_as_kmod "--first-time, not loaded" "" modprobe --first-time mt_params
same_as_kmod "--first-time, dependency loaded" "load mt_dep" modprobe --first-time mt_user
same_as_kmod "--first-time, loaded, via alias" "/kmod/modprobe vfat" modprobe --first-time fs-vfat
same_as_kmod "--first-time -q, loaded" "load mt_params" modprobe -q --first-time mt_params
same_as_kmod "--first-time -r, not loaded" "" modprobe --first-time -r mt_params
same_as_kmod "--first-time -r, loaded" "load mt_params" modprobe --first-time -r mt_params
same_as_kmod "--first-time built-in (8250)" "" modprobe --first-time 8250
same_as_kmod "without --first-time, loaded" "load mt_params" modprobe mt_params
finish
