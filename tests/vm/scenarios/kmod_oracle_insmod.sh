#!/bin/sh
# insmod against Debian's kmod 30 (/kmod/insmod) on the same kernel state:
# same exit status, same stdout and stderr bytes, same modules afterwards.
. /scenarios/lib.sh

mkdir -p /tmp/adir
echo "this is not an ELF module, just text" >/tmp/notelf.ko
: >/tmp/empty.ko
head -c 200 $TM/mt_params.ko >/tmp/truncated.ko

same_as_kmod "no file argument" "" insmod
same_as_kmod "missing file" "" insmod /nonexistent.ko
same_as_kmod "a directory" "" insmod /tmp/adir
same_as_kmod "a non-ELF file" "" insmod /tmp/notelf.ko
same_as_kmod "an empty file" "" insmod /tmp/empty.ko
same_as_kmod "a truncated ELF file" "" insmod /tmp/truncated.ko
same_as_kmod "bad parameter value" "" insmod $TM/mt_params.ko i=notanumber
same_as_kmod "unknown parameter (ignored by the kernel)" "" insmod $TM/mt_params.ko nosuch=1
same_as_kmod "already loaded" "load mt_params" insmod $TM/mt_params.ko
same_as_kmod "unknown symbol (mt_user without mt_dep)" "" insmod $TM/mt_user.ko
same_as_kmod "init fails (mt_fail: -ENODEV)" "" insmod $TM/mt_fail.ko
same_as_kmod "success: test module" "" insmod $TM/mt_dep.ko
same_as_kmod "success: with parameters" "" insmod $TM/mt_params.ko i=-5 u=7 s=hello b=1 arr=1,-2,3
same_as_kmod "success: dependency present" "load mt_dep" insmod $TM/mt_user.ko
same_as_kmod "success: Debian's $REAL_MOD ($REAL_KO)" "" insmod "$REAL_KO"
same_as_kmod "success: Debian's $REAL_MOD xz ($REAL_KO_XZ)" "" insmod "$REAL_KO_XZ"
finish
