#!/usr/bin/env bash
# Every test: formatting and lints, the hermetic unit tests, the differential tests against
# Debian's kmod on this host (cargo test; tests/diff/depmod.sh, modinfo.sh, modprobe.sh and
# kmod.sh on Debian's real module trees; tests/diff/cmdline.sh: every tool's command line
# against kmod 30 and against kmod 34.2 in a Debian 13 root), real clients (systemd's `modprobe -abq`,
# initramfs-tools' mkinitramfs: tests/diff/systemd-modprobe.sh, mkinitramfs.sh), the install
# path (tests/install.sh), the shell completions (tests/completions.sh), the robustness sweeps (tests/robust/: damaged modules and
# indexes, depmod killed while writing),
# and the real-kernel tests in QEMU (Debian's 6.1 and 6.12 kernels).
# Installs what it needs on a fresh Debian machine (run as root). Downloads are cached in
# ${MODUTILS_CACHE:-$HOME/.cache/modutils-rs}.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v kmod >/dev/null || need+=(kmod)
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
command -v cpio >/dev/null || need+=(cpio)
[ -x /bin/busybox ] || need+=(busybox-static)
command -v xz >/dev/null || need+=(xz-utils)
command -v make >/dev/null || need+=(make)
command -v gcc-12 >/dev/null || need+=(gcc-12)
if [ ${#need[@]} -gt 0 ]; then
  echo "== installing: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  export MODUTILS_APT_UPDATED=1 # harness.sh: no second apt-get update
fi

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "== cargo test (unit + differential against kmod)"
cargo test --workspace --quiet
echo "== depmod against Debian's kmod depmod on Debian's 6.1 and 6.12 module trees"
tests/diff/depmod.sh all
echo "== modinfo against Debian's kmod modinfo on Debian's 6.1 and 6.12 module trees"
tests/diff/modinfo.sh all
echo "== modprobe against Debian's kmod modprobe on Debian's 6.1 and 6.12 module trees"
tests/diff/modprobe.sh all
echo "== every tool's command line against kmod 30 and kmod 34.2 (Debian 13 root)"
tests/diff/cmdline.sh
echo "== kmod static-nodes and kmod list against Debian's kmod (6.1 and 6.12 trees)"
tests/diff/kmod.sh all
echo "== systemd's modprobe@.service command line (modprobe -abq) against Debian's kmod"
tests/diff/systemd-modprobe.sh
echo "== initramfs-tools' mkinitramfs with our modprobe, depmod and modinfo, against kmod's"
tests/diff/mkinitramfs.sh all
echo "== make install / uninstall (DESTDIR, PREFIX, SBINDIR, MULTICALL, STATIC)"
tests/install.sh
echo "== bash, zsh and fish completions, and where make install puts them"
tests/completions.sh
echo "== robustness: mistaken depmod arguments, damaged modules and indexes, depmod killed while writing"
tests/robust/depmod-args.sh
tests/robust/sweep.sh
tests/robust/atomic.sh
echo "== real kernels in QEMU"
tests/vm/run.sh all
