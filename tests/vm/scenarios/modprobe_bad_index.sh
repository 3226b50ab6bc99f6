#!/bin/sh
# Damaged indexes in a copy of the tree (-d /tmp/t): modules.dep.bin
# truncated to half, to 12 bytes (the header) and to nothing, filled with
# garbage; modules.alias.bin truncated. modprobe must not crash: exit status
# 0 or 1 (with a message when 1), no signal. kmod's behaviour is shown, with
# a note saying whether ours is the same (kmod prints libkmod's internal
# "../libkmod/libkmod-index.c:790 index_mm_open() magic check fail" for some).
. /scenarios/lib.sh

T=/tmp/t
M=$T/lib/modules/$KVER
mkdir -p $T/lib/modules
cp -a /lib/modules/$KVER $T/lib/modules/
cp $M/modules.dep.bin /tmp/dep.bin.orig
cp $M/modules.alias.bin /tmp/alias.bin.orig
size=$(wc -c </tmp/dep.bin.orig)

try() { # LABEL ARGS...: ours, checked; kmod's, shown
    _l=$1
    shift
    echo "  == $_l"
    run /tools/modprobe -d $T "$@"
    expect_no_signal
    case $RC in
        0) ok "$_l: exit 0" ;;
        1) if [ -s /tmp/run.err ]; then ok "$_l: exit 1 with a message"; else bad "$_l: exit 1 without a message"; fi ;;
        *) bad "$_l: exit status $RC (expected 0 or 1)" ;;
    esac
    reset_modules
    echo "  kmod's modprobe, for comparison:"
    /kmod/modprobe -d $T "$@" >/tmp/k.out 2>/tmp/k.err
    _krc=$?
    echo "    exit status $_krc"
    sed 's/^/    stdout: /' /tmp/k.out
    sed 's/^/    stderr: /' /tmp/k.err
    if [ "$_krc" = "$RC" ] && cmp -s /tmp/k.out /tmp/run.out && cmp -s /tmp/k.err /tmp/run.err; then
        echo "  note: the same as kmod's"
    else
        echo "  note: NOT the same as kmod's (not a failure here)"
    fi
    reset_modules
}

dd if=/tmp/dep.bin.orig of=$M/modules.dep.bin bs=1 count=$((size / 2)) 2>/dev/null
try "modules.dep.bin truncated to half" mt_user
try "modules.dep.bin truncated to half, --show-depends" --show-depends "$DEP_MOD"
dd if=/tmp/dep.bin.orig of=$M/modules.dep.bin bs=1 count=12 2>/dev/null
try "modules.dep.bin truncated to 12 bytes" mt_user
: >$M/modules.dep.bin
try "modules.dep.bin empty" mt_user
try "modules.dep.bin empty, -r" -r mt_user
dd if=/dev/urandom of=$M/modules.dep.bin bs=1024 count=4 2>/dev/null
try "modules.dep.bin garbage" mt_user
# A valid header, then garbage.
dd if=/tmp/dep.bin.orig of=$M/modules.dep.bin bs=1 count=12 2>/dev/null
dd if=/dev/urandom bs=1024 count=4 2>/dev/null >>$M/modules.dep.bin
try "modules.dep.bin header + garbage" mt_user
rm -f $M/modules.dep.bin
try "modules.dep.bin missing" mt_user
cp /tmp/dep.bin.orig $M/modules.dep.bin
asize=$(wc -c </tmp/alias.bin.orig)
dd if=/tmp/alias.bin.orig of=$M/modules.alias.bin bs=1 count=$((asize / 2)) 2>/dev/null
try "modules.alias.bin truncated to half" fs-vfat
try "modules.alias.bin truncated to half, -R" -R pci:v0000103Cd00003307sv0sd0bc0sc0i0
try "modules.alias.bin truncated, by name" mt_user
rm -rf $T /tmp/dep.bin.orig /tmp/alias.bin.orig
finish
