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

case "$KSERIES" in
    6.1)
        if grep -w init_module /tmp/run.err | grep -qF 'decompressed in user space'; then
            ok "-v: one line says init_module + decompressed in user space"
        else
            bad "-v: no stderr line with init_module and 'decompressed in user space'"
        fi
        if grep -qF 'in-kernel xz decompression' /tmp/run.err; then
            bad "-v claims in-kernel decompression on a kernel without it"
        fi
        ;;
    6.12)
        if grep -F finit_module /tmp/run.err | grep -qF 'in-kernel xz decompression'; then
            ok "-v: one line says finit_module + in-kernel xz decompression"
        else
            bad "-v: no stderr line with finit_module and 'in-kernel xz decompression'"
        fi
        if grep -qF 'decompressed in user space' /tmp/run.err; then
            bad "-v says it decompressed in user space although the kernel does xz"
        fi
        ;;
esac

run /tools/rmmod "$REAL_MOD"
expect_rc 0
expect_not_loaded "$REAL_MOD"
finish
