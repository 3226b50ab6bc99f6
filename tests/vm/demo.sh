#!/usr/bin/env bash
# The main job, shown: builds our static insmod/rmmod/lsmod, boots Debian's
# kernel under QEMU with them, and prints the guest's transcript: a real Debian
# module (.ko.xz) loaded with `insmod -v`, lsmod, parameters reaching sysfs, a
# dependency pair and rmmod refusing the held module, then everything removed.
# Same machinery (harness.sh) and cache as run.sh; on a fresh Debian 12 machine
# run as root: it installs what it needs.
#
# Usage: tests/vm/demo.sh [6.12|6.1|all]        (default: all, 6.12 first)
#
# Exit status: 0 if each guest booted and every step did what it should.
set -euo pipefail

# shellcheck source=tests/vm/harness.sh
. "$(dirname "${BASH_SOURCE[0]}")/harness.sh"

series_from "${1:-all}" 6.12 6.1

# transcript LOG: the guest's part of the console, from the boot marker to the
# result marker. The kernel's own messages are not in it: those of the boot
# come before the marker, and the demo's /init turns the console's log level
# down (dmesg -n 1) before it. (Filtering "[  1.23] ..." lines would also drop
# the demo's dmesg step.)
transcript() {
    awk '/^@@BOOTED / { on = 1; next } /^@@DEMO / { exit } on { print }' "$1"
}

ensure_packages
build_tools
status=0
for s in "${SERIES[@]}"; do
    prepare_kernel "$s"
    out=$CACHE/demo/$KVER
    mkdir -p "$out"
    build_test_modules "$out/modules"
    build_initramfs "$s" "$out" "$out/modules" "$HERE/demo-init"
    boot_guest "$out" "$out/serial.log"
    echo "==== Debian's Linux $KVER under QEMU, our tools in /tools ===="
    if ! grep -aq '^@@BOOTED ' "$out/serial.log"; then
        echo "!! the guest did not boot (qemu status $QEMU_RC); last lines of $out/serial.log:"
        tail -n 30 "$out/serial.log" | sed 's/^/   | /'
        status=1
        continue
    fi
    transcript "$out/serial.log"
    if [ "$QEMU_RC" = 0 ] && grep -aqx '@@DEMO PASS' "$out/serial.log"; then
        echo "==== $KVER: every step did what it should ===="
    else
        if grep -aqx '@@DEMO FAIL' "$out/serial.log"; then
            echo "==== $KVER: FAILED (see the !! lines above) ===="
        else
            echo "==== $KVER: FAILED: the guest did not finish (qemu status $QEMU_RC) ===="
        fi
        status=1
    fi
done
log "done"
exit "$status"
