#!/usr/bin/env bash
# Real-kernel tests for insmod/rmmod/lsmod (and depmod's indexes, read by
# Debian's modprobe): boots Debian's 6.1 and 6.12 kernels
# under QEMU (TCG) with an initramfs holding our static tools, test modules and
# the scenario scripts, then reports one PASS/FAIL line per scenario.
#
# Usage: tests/vm/run.sh [6.1|6.12|all]        (default: all)
#
# Environment:
#   MODUTILS_CACHE    cache dir (default ~/.cache/modutils-rs): .debs, extracted
#                     kernels and per-run build output (initrd, serial logs)
#   MODUTILS_VM_TOOLS dir with insmod/rmmod/lsmod (depmod) to test instead of building
#                     ours (dynamic binaries get their libraries copied along)
#   VM_TIMEOUT        seconds one guest may run (default 600)
#   VM_ONLY           space-separated scenario names to run (default: all)
set -euo pipefail

# shellcheck source=tests/vm/harness.sh
. "$(dirname "${BASH_SOURCE[0]}")/harness.sh"

series_from "${1:-all}"

# ---------------------------------------------------------------- run + report
boot_and_report() {
    local series=$1 out=$2 log=$2/serial.log rc name line status
    boot_guest "$out" "$log"
    rc=$QEMU_RC

    for name in $(scenarios_for "$series"); do
        line=$(grep -a -m1 "^@@RESULT $name " "$log" || true)
        status=$(printf '%s\n' "$line" | awk '{print $3}')
        if [ "$status" = PASS ]; then
            pass "$series $name"
        else
            fail "$series $name"
            [ -n "$line" ] || echo "    (scenario never reported a result)"
            # The scenario's output, from its BEGIN marker to its END marker.
            awk -v n="$name" '$0 == "@@BEGIN " n { on = 1; next }
                              $0 == "@@END " n { exit }
                              on { print "    | " $0 }' "$log"
        fi
    done
    if [ "$rc" = 0 ] && grep -aq '@@BOOTED' "$log" && grep -aq '^@@ALLDONE' "$log"; then
        pass "$series boot"
    else
        if [ "$rc" = 124 ]; then
            fail "$series boot (guest timed out after ${VM_TIMEOUT}s)"
        else
            fail "$series boot (qemu status $rc; guest did not boot or did not finish)"
        fi
        echo "    last lines of $log:"
        tail -n 30 "$log" | sed 's/^/    | /'
    fi
}

ensure_packages
build_tools
# The libkmod_* scenarios need the Debian 13 root's clients and our library.
if [[ "$(for s in "${SERIES[@]}"; do scenarios_for "$s"; done)" == *libkmod_* ]]; then
    prepare_libkmod_clients
fi
for s in "${SERIES[@]}"; do
    prepare_kernel "$s"
    out=$WORK/$KVER
    mkdir -p "$out"
    build_test_modules "$out/modules"
    build_initramfs "$s" "$out" "$out/modules"
    boot_and_report "$s" "$out"
done

summary
