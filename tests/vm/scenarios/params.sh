#!/bin/sh
# Parameters given to insmod reach the kernel, one of each type, read back
# from /sys/module/mt_params/parameters/.
. /scenarios/lib.sh
P=/sys/module/mt_params/parameters

# Defaults first (no parameters at all).
run /tools/insmod $TM/mt_params.ko
expect_rc 0
expect_loaded mt_params
expect_param s unset
expect_param b N
expect_param ib N
run /tools/rmmod mt_params
expect_rc 0
expect_not_loaded mt_params

# Simple values.
run /tools/insmod $TM/mt_params.ko i=-5 u=7 s=hello b=1
expect_rc 0
expect_err_empty
expect_loaded mt_params
expect_param i -5
expect_param u 7
expect_param s hello
expect_param b Y
run /tools/rmmod mt_params
expect_rc 0
expect_not_loaded mt_params

# Every type, extremes, and a charp value with a space passed as one argv
# element (the tool must quote it as s="a b" for the kernel).
run /tools/insmod $TM/mt_params.ko by=255 sh=-32768 us=65535 i=-2147483648 \
    u=4294967295 l=-9223372036854775808 ul=18446744073709551615 b=y ib=1 \
    hx=0xbeef 's=a b' str=hello-world arr=1,-2,3
expect_rc 0
expect_err_empty
expect_loaded mt_params
expect_param by 255
expect_param sh -32768
expect_param us 65535
expect_param i -2147483648
expect_param u 4294967295
expect_param l -9223372036854775808
expect_param ul 18446744073709551615
expect_param b Y
expect_param ib Y
expect_param hx 0x00beef
expect_param s 'a b'
expect_param str hello-world
expect_param arr 1,-2,3
echo "  all parameters:"
for f in $P/*; do echo "    ${f##*/}=$(cat "$f")"; done
run /tools/rmmod mt_params
expect_rc 0
expect_not_loaded mt_params
finish
