#!/bin/sh
# @kernels: 6.12
# In-kernel decompression that cannot strand a module. 6.12 decompresses xz
# itself (/sys/module/compression = xz), so insmod and modprobe hand it .ko.xz
# files with MODULE_INIT_COMPRESSED_FILE; its decoder refuses what `xz` makes
# with its defaults (the harness's /testmods/fallback, see add_fallback_modules),
# and we must then decompress in user space and init_module, saying so under -v.
# A module that really is bad still reports the kernel's error, once. kmod 30
# (/kmod/*), which always decompresses in user space, is compared on the same files.
. /scenarios/lib.sh

F=$TM/fallback
M=lib/modules/$KVER
# fallback_line TOOL FILE: the -v line of a fallback, as the tools print it.
fallback_line() {
    echo "$1: finit_module (in-kernel xz decompression) failed for $2: Invalid argument; retrying with xz decompressed in user space"
}
# expect_err_lines N: the last run's stderr has N lines.
expect_err_lines() {
    n=$(wc -l </tmp/run.err)
    if [ "$n" = "$1" ]; then ok "stderr has $1 line(s)"; else bad "stderr has $n lines, expected $1"; fi
}
expect_no_fallback() {
    if grep -qF 'retrying with' /tmp/run.err; then bad "a fallback where none was expected"; else ok "no fallback"; fi
}
# kernel_refused: since the last dmesg -c, the kernel's xz decoder stopped with status 6,
# XZ_OPTIONS_ERROR (include/linux/xz.h): what Linux's decoder says of a check it lacks.
kernel_refused() {
    dmesg -c >/tmp/dmesg.txt
    grep -i 'decompress' /tmp/dmesg.txt | sed 's/^/    dmesg: /'
    if grep -q 'decompression failed with status 6$' /tmp/dmesg.txt; then
        ok "the kernel's decoder refused it (status 6, XZ_OPTIONS_ERROR)"
    else
        bad "no 'decompression failed with status 6' in dmesg"
    fi
}

echo "  the files, as the host's xz -lvv / zstd -lv see them:"
sed 's/^/    /' $F/lvv.txt
comp=$(cat /sys/module/compression 2>&1)
if [ "$comp" = xz ]; then ok "/sys/module/compression = xz"; else bad "/sys/module/compression = '$comp'"; fi

echo "== insmod -v of dummy recompressed with xz's defaults (CRC64, 8 MiB dictionary)"
dmesg -c >/dev/null
run /tools/insmod -v $F/dummy.ko.xz
expect_rc 0
expect_err_line "insmod: loading $F/dummy.ko.xz via finit_module (in-kernel xz decompression)"
expect_err_line "$(fallback_line insmod $F/dummy.ko.xz)"
expect_err_contains "insmod: loading $F/dummy.ko.xz via init_module (xz decompressed in user space, "
expect_err_lines 3
kernel_refused
expect_loaded dummy
run /tools/lsmod
if grep -q '^dummy ' /tmp/run.out; then ok "lsmod lists dummy"; else bad "lsmod does not list dummy"; fi
run /tools/rmmod dummy
expect_rc 0
expect_not_loaded dummy

# Measured on 6.12: the check. The kernel sizes its dictionary from the header (XZ_DYNALLOC, no
# limit), so a 64 MiB one decompresses in the kernel; CRC64 is refused whatever the dictionary.
echo "== which property the kernel refuses: the check (CRC64) or the dictionary (64 MiB)?"
dmesg -c >/dev/null
run /tools/insmod -v $F/dummy-crc64-1m.ko.xz
expect_rc 0
expect_err_line "$(fallback_line insmod $F/dummy-crc64-1m.ko.xz)"
kernel_refused
expect_loaded dummy
busybox rmmod dummy
dmesg -c >/dev/null
run /tools/insmod -v $F/dummy-crc32-64m.ko.xz
expect_rc 0
expect_no_fallback
if dmesg -c | grep -q 'decompression failed'; then bad "the kernel's decoder failed on a 64 MiB dictionary"; else ok "the kernel decompressed a 64 MiB dictionary"; fi
expect_err_line "insmod: loading $F/dummy-crc32-64m.ko.xz via finit_module (in-kernel xz decompression)"
expect_err_lines 1
expect_loaded dummy
busybox rmmod dummy

echo "== a test module with xz's defaults: parameters pass through the fallback"
run /tools/insmod $F/mt_params.ko.xz i=-5 s=hello
expect_rc 0
expect_err_empty
expect_param i -5
expect_param s hello
busybox rmmod mt_params

echo "== a bad parameter: the kernel's error, once"
run /tools/insmod $F/mt_params.ko.xz i=notanumber
expect_rc 1
expect_err_line "insmod: ERROR: could not insert module $F/mt_params.ko.xz: Invalid parameters"
expect_err_lines 1
expect_not_loaded mt_params
run /tools/insmod -v $F/mt_params.ko.xz i=notanumber
expect_rc 1
expect_err_line "$(fallback_line insmod $F/mt_params.ko.xz)"
expect_err_line "insmod: ERROR: could not insert module $F/mt_params.ko.xz: Invalid parameters"
n=$(grep -c 'ERROR' /tmp/run.err)
if [ "$n" = 1 ]; then ok "-v: one ERROR line"; else bad "-v: $n ERROR lines"; fi
expect_not_loaded mt_params

echo "== a corrupt (truncated) xz file: the kernel's error, once, as before"
run /tools/insmod $F/mt_params-cut.ko.xz
expect_rc 1
expect_err_line "insmod: ERROR: could not insert module $F/mt_params-cut.ko.xz: Invalid parameters"
expect_err_lines 1
run /tools/insmod -v $F/mt_params-cut.ko.xz
expect_rc 1
expect_err_line "$(fallback_line insmod $F/mt_params-cut.ko.xz)"
expect_err_contains "insmod: $F/mt_params-cut.ko.xz: not decompressed in user space either: "
expect_err_line "insmod: ERROR: could not insert module $F/mt_params-cut.ko.xz: Invalid parameters"
expect_err_lines 4
expect_not_loaded mt_params

echo "== zstd with a 128 MiB window: this kernel decompresses xz only, so zstd is never handed to it"
run /tools/insmod -v $F/dummy.ko.zst
expect_rc 0
expect_no_fallback
expect_err_contains "insmod: loading $F/dummy.ko.zst via init_module (zstd decompressed in user space, "
expect_err_lines 1
expect_loaded dummy
run /tools/rmmod dummy
expect_rc 0
expect_not_loaded dummy

echo "== modprobe, after our depmod, in a copy of the tree with the xz-defaults files"
mkdir -p /tmp/t/lib/modules
cp -a "/lib/modules/$KVER" /tmp/t/lib/modules/
for f in /tmp/t/$M/modules.*; do
    case "${f##*/}" in modules.order | modules.builtin | modules.builtin.modinfo) ;; *) rm -f "$f" ;; esac
done
D=$(cd /tmp/t/$M && find . -name 'dummy.ko*' | sed 's|^\./||')
cp $F/dummy.ko.xz "/tmp/t/$M/$D"
rm -f /tmp/t/$M/extra/mt_params.ko
cp $F/mt_params.ko.xz /tmp/t/$M/extra/
run /tools/depmod -b /tmp/t "$KVER"
expect_rc 0
if grep -q "^extra/mt_params.ko.xz:" /tmp/t/$M/modules.dep && grep -q "^$D:" /tmp/t/$M/modules.dep; then
    ok "modules.dep lists $D and extra/mt_params.ko.xz"
else
    bad "modules.dep lacks $D or extra/mt_params.ko.xz"
fi
run /tools/modprobe -d /tmp/t -v dummy
expect_rc 0
expect_out_line_ts "insmod /tmp/t/$M/$D"
expect_err_line "$(fallback_line modprobe /tmp/t/$M/$D)"
expect_err_lines 1
expect_loaded dummy
run /tools/modprobe -d /tmp/t -r dummy
expect_rc 0
expect_not_loaded dummy
run /tools/modprobe -d /tmp/t dummy
expect_rc 0
expect_err_empty
expect_loaded dummy
busybox rmmod dummy
run /tools/modprobe -d /tmp/t mt_params i=7
expect_rc 0
expect_err_empty
expect_param i 7
busybox rmmod mt_params
run /tools/modprobe -d /tmp/t mt_params i=notanumber
expect_rc 1
expect_err_line "modprobe: ERROR: could not insert 'mt_params': Invalid argument"
expect_err_lines 1
expect_not_loaded mt_params
run /tools/modprobe -d /tmp/t -v mt_params i=notanumber
expect_rc 1
expect_err_line "$(fallback_line modprobe /tmp/t/$M/extra/mt_params.ko.xz)"
expect_err_line "modprobe: ERROR: could not insert 'mt_params': Invalid argument"
expect_err_lines 2
expect_not_loaded mt_params

echo "== kmod 30 (user-space decompression) on the same files"
same_as_kmod "xz defaults" "" insmod $F/dummy.ko.xz
same_as_kmod "CRC64, 1 MiB dictionary" "" insmod $F/dummy-crc64-1m.ko.xz
same_as_kmod "CRC32, 64 MiB dictionary" "" insmod $F/dummy-crc32-64m.ko.xz
same_as_kmod "xz defaults, parameters" "" insmod $F/mt_params.ko.xz i=-5 s=hello
same_as_kmod "xz defaults, bad parameter" "" insmod $F/mt_params.ko.xz i=notanumber
same_as_kmod "truncated xz" "" insmod $F/mt_params-cut.ko.xz
same_as_kmod "zstd, 128 MiB window" "" insmod $F/dummy.ko.zst
same_as_kmod "modprobe xz defaults" "" modprobe -d /tmp/t dummy
same_as_kmod "modprobe xz defaults, parameter" "" modprobe -d /tmp/t mt_params i=7
same_as_kmod "modprobe xz defaults, bad parameter" "" modprobe -d /tmp/t mt_params i=notanumber
finish
