#!/bin/sh
# A .ko.xz: 6.1 cannot decompress modules (no /sys/module/compression), so
# insmod must decompress in user space and call init_module; 6.12 has in-kernel
# xz, so insmod passes the file to finit_module. -v says which path it took.
. /scenarios/lib.sh

case "$KSERIES" in
    6.1)
        if [ -e /sys/module/compression ]; then bad "/sys/module/compression exists on 6.1"; else ok "/sys/module/compression absent"; fi
        ;;
    6.12)
        comp=$(cat /sys/module/compression 2>&1)
        case " $comp " in
            *" xz "*) ok "/sys/module/compression = $comp" ;;
            *) bad "/sys/module/compression = '$comp', expected xz" ;;
        esac
        ;;
esac

expect_not_loaded "$REAL_MOD"
run /tools/insmod -v "$REAL_KO_XZ"
expect_rc 0
expect_loaded "$REAL_MOD"

# The syscall insmod -v names, how the module was decompressed, and what it must not claim.
case "$KSERIES" in
    6.1) call=init_module how='decompressed in user space' not='in-kernel xz decompression' ;;
    6.12) call=finit_module how='in-kernel xz decompression' not='decompressed in user space' ;;
esac
if grep -w "$call" /tmp/run.err | grep -qF "$how"; then
    ok "-v: one line says $call + $how"
else
    bad "-v: no stderr line with $call and '$how'"
fi
if grep -qF "$not" /tmp/run.err; then
    bad "-v says '$not' on $KSERIES"
fi

run /tools/rmmod "$REAL_MOD"
expect_rc 0
expect_not_loaded "$REAL_MOD"
finish
