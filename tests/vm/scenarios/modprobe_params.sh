#!/bin/sh
# Module parameters reach /sys/module/mt_params/parameters from modprobe's
# command line, from `options` in /etc/modprobe.d/*.conf and from the kernel
# command line (the harness boots with mt_params.i=5), and combine: config,
# then the kernel command line, then the command line (the kernel keeps the
# last value). Each also against kmod's modprobe.
. /scenarios/lib.sh

if grep -qw 'mt_params.i=5' /proc/cmdline; then
    ok "kernel command line has mt_params.i=5"
else
    bad "kernel command line lacks mt_params.i=5 (harness): $(cat /proc/cmdline)"
fi

# Kernel command line alone.
run /tools/modprobe mt_params
expect_rc 0
expect_err_empty
expect_param i 5
expect_param u 0
reset_modules

# Command line.
run /tools/modprobe mt_params u=7 s=hello b=1 arr=1,-2,3
expect_rc 0
expect_err_empty
expect_param i 5
expect_param u 7
expect_param s hello
expect_param b Y
expect_param arr 1,-2,3
reset_modules

# /etc/modprobe.d.
conf params <<'CONF'
options mt_params u=3 s=fromconf
options mt-params l=-9
CONF
run /tools/modprobe mt_params
expect_rc 0
expect_err_empty
expect_param i 5
expect_param u 3
expect_param s fromconf
expect_param l -9
reset_modules

# All three; the command line wins.
run /tools/modprobe mt_params u=9 i=6
expect_rc 0
expect_param u 9
expect_param i 6
expect_param s fromconf
reset_modules

# --show-depends shows them too.
run /tools/modprobe --show-depends mt_params u=9
expect_rc 0
expect_out_line_ts "insmod /lib/modules/$KVER/extra/mt_params.ko u=3 s=fromconf l=-9 i=5 u=9"

same_as_kmod "config + kernel command line" "" modprobe mt_params
same_as_kmod "config + kernel command line + command line" "" modprobe mt_params u=9 i=6
same_as_kmod "-v" "" modprobe -v mt_params u=9 i=6
same_as_kmod "--show-depends" "" modprobe --show-depends mt_params u=9
same_as_kmod "value with a space" "" modprobe mt_params 's=a b'
same_as_kmod "quoted value" "" modprobe mt_params 's="a b"'
conf alias <<'CONF'
alias mtp mt_params
options mtp ul=42
CONF
same_as_kmod "options of an alias" "" modprobe -v mtp
rm -f /etc/modprobe.d/*.conf
conf ignore <<'CONF'
options mt_params s=x \
    u=11
CONF
same_as_kmod "options continued with \\" "" modprobe -v mt_params
rm -f /etc/modprobe.d/*.conf
same_as_kmod "kernel command line only" "" modprobe -v mt_params
finish
