#!/usr/bin/env bash
# Every test: formatting and lints, the hermetic unit tests, the differential tests against
# Debian's kmod on this host (cargo test; tests/diff/depmod.sh, modinfo.sh, modprobe.sh and
# kmod.sh on Debian's real module trees; tests/diff/cmdline.sh: every tool's command line
# against kmod 30 and against kmod 34.2 in a Debian 13 root), real clients (systemd's
# `modprobe -abq`, initramfs-tools' mkinitramfs on Debian 12 and in the Debian 13 root:
# tests/diff/systemd-modprobe.sh, mkinitramfs.sh), libkmod.so.2 against kmod 30's and kmod
# 34.2's libraries and under dracut, systemd, udev and lspci (tests/diff/libkmod.sh,
# libkmod-probe.sh, dracut.sh; the VM's libkmod_* scenarios), the install path (tests/install.sh), the
# shell completions (tests/completions.sh), the robustness sweeps (tests/robust/: damaged
# modules and indexes, depmod killed while writing), and the real-kernel tests in QEMU
# (Debian's 6.1 and 6.12 kernels). This, with no argument, is the README's test command and
# CI's (.ci/run).
#
# tests/run-all.sh --quick: the tier for the edit-test loop: formatting, lints, cargo test, and
# the differential tests on Debian's 6.1 tree only (depmod, modinfo, modprobe, kmod, systemd's
# modprobe -abq, libkmod's API and probe).
#
# Installs what it needs on a fresh Debian machine (run as root). Downloads are cached in
# ${MODUTILS_CACHE:-$HOME/.cache/modutils-rs}.
set -euo pipefail
# shellcheck source=tests/lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/lib.sh"
cd "$ROOT"

case "${1:-}" in
    "") QUICK=0 ;;
    --quick) QUICK=1 ;;
    *) die "usage: $0 [--quick]" ;;
esac

# Before cargo test: its differential tests run Debian's kmod. (After an apt-get update here,
# MODUTILS_APT_UPDATED=1 spares the suites a second one.)
ensure_packages

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "== cargo test (unit + differential against kmod)"
cargo test --workspace --quiet
if [ "$QUICK" = 1 ]; then
    echo "== depmod, modinfo, modprobe, kmod, systemd's modprobe -abq against Debian's kmod on Debian's 6.1 tree"
    tests/diff/depmod.sh 6.1
    tests/diff/depmod-cache.sh 6.1
    tests/diff/modinfo.sh 6.1
    tests/diff/modprobe.sh 6.1
    tests/diff/kmod.sh 6.1
    tests/diff/systemd-modprobe.sh
    tests/diff/libkmod.sh 6.1
    tests/diff/libkmod-probe.sh 6.1
    tests/diff/json.sh 6.1
    exit 0
fi
echo "== depmod against Debian's kmod depmod on Debian's 6.1 and 6.12 module trees"
tests/diff/depmod.sh all
echo "== depmod's module cache: outputs against kmod 34.2 and a run without cache after each change, on Debian's 6.1 and 6.12 trees"
tests/diff/depmod-cache.sh all
echo "== modinfo against Debian's kmod modinfo on Debian's 6.1 and 6.12 module trees"
tests/diff/modinfo.sh all
echo "== modprobe against Debian's kmod modprobe on Debian's 6.1 and 6.12 module trees"
tests/diff/modprobe.sh all
echo "== random modprobe.d configurations against Debian's kmod modprobe (-c, -R, -D, -b -R, -n -v, each case through the cache; 6.1 tree)"
tests/diff/config-sweep.sh
echo "== modprobe's parsed-configuration cache: answers as kmod 30's after each change of a 3.7 MB modprobe.d, hostile caches, strace telling a parse from a cache read (6.1 tree)"
tests/diff/modprobe-config-cache.sh
echo "== --json and modprobe --explain against kmod's text output (6.1 and 6.12 trees)"
tests/diff/json.sh all
echo "== errors that say what to do: HINT: lines and modprobe -v's skip lines, beside kmod 30"
tests/diff/hints.sh
echo "== a reader gone from stdout: killed by SIGPIPE silently, or going on when it is ignored, against kmod 30 and kmod 34.2"
tests/diff/closed-stdout.sh
echo "== every tool's command line against kmod 30 and kmod 34.2 (Debian 13 root)"
tests/diff/cmdline.sh
echo "== kmod static-nodes and kmod list against Debian's kmod (6.1 and 6.12 trees)"
tests/diff/kmod.sh all
echo "== systemd's modprobe@.service command line (modprobe -abq) against Debian's kmod"
tests/diff/systemd-modprobe.sh
echo "== libkmod.so.2's API against kmod 30's and 34.2's libraries (lookups, config, NULL arguments, damaged indexes, threads, header, ABI, valgrind)"
tests/diff/libkmod.sh all
echo "== libkmod.so.2's probe, insert and remove against kmod 30's and 34.2's libraries (dry runs, 6.1 and 6.12 trees)"
tests/diff/libkmod-probe.sh all
echo "== libkmod.so.2: module files, kernel state, dump_index, validate_resources against kmod 34.2's and 30's libraries"
tests/diff/libkmod-info.sh all
echo "== libkmod.so.2 under real clients in the Debian 13 root: dracut-install, dracut, lspci -k, against kmod 34.2's library"
tests/diff/dracut.sh all all
echo "== kmod 34.2's own libkmod test programs (its testsuite, relinked against libkmod.so.2), kmod's library and ours"
tests/kmod-testsuite.sh
echo "== initramfs-tools' mkinitramfs with our modprobe, depmod and modinfo, against kmod's (Debian 12: kmod 30, 6.1; Debian 13 root: kmod 34.2, 6.12)"
tests/diff/mkinitramfs.sh all all
echo "== make install / uninstall (DESTDIR, PREFIX, SBINDIR, MULTICALL, STATIC)"
tests/install.sh
echo "== bash, zsh and fish completions, and where make install puts them"
tests/completions.sh
echo "== the Debian packages (make deb): lintian, dpkg -i / apt-get install over kmod 34.2 and libkmod2 in the Debian 13 root and back"
tests/deb.sh
echo "== robustness: mistaken depmod arguments, damaged modules and indexes, depmod killed while writing"
tests/robust/depmod-args.sh
tests/robust/sweep.sh
tests/robust/atomic.sh
echo "== real kernels in QEMU"
tests/vm/run.sh all
