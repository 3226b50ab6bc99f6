#!/usr/bin/env bash
# Random modprobe.d configurations read by Debian's kmod 30 modprobe and ours, on Debian's 6.1
# tree (kmod's indexes for both): tests/diff/config-sweep.py writes each case's files from a
# grammar of every directive (and unknown ones, bad lines, comments, continued lines, tabs, odd
# option values, names spelt with '-' or '_', alias patterns with wildcards, brackets and
# escapes) and compares `-c` and, for a dozen names per case, `-R`, `-D` and `-b -R`: exit
# status and stdout byte for byte, stderr without each tool's prefix. Seeded: a failure names
# its seed, which `config-sweep.py ... 1 SEED` replays alone. Every case goes through our
# parsed-configuration cache too (MODUTILS_MODPROBE_CACHE_MIN=0): the files are older than its
# 100 ms window before a case starts, so the first call (-c) writes the cache, and all later
# calls read it (inotify tells what each of our calls opened); a case counts as a mismatch if its
# first call did not parse and write, or a later call opened a .conf file, not the cache, or
# replaced it.
#
# Found and fixed with it (commit of this script): `softdep m  pre: x` (two blanks after the
# module) has no tag; an install command is set aside only when a softdep name is found; the
# options of a wildcard alias are those of the alias as written; a query with unbalanced
# brackets matches no configuration alias. The binary from before those fixes (e27fe12) fails 49
# of the 1282 calls of `config-sweep.py ... 40 1000`.
#
# Prints `PASS <name>` / `FAIL <name>` and `N passed, N failed`; exits 1 if a check failed, 2 if
# the setup failed.
#
# Usage: tests/diff/config-sweep.sh [CASES] [SEED]     (defaults 300, 1000)
# Environment: MODPROBE: our modprobe (default `cargo build --release -p modprobe`); see
# tests/lib/lib.sh.
set -euo pipefail
# shellcheck source=tests/lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"
CASES=${1:-300}
SEED=${2:-1000}

ensure_packages
command -v python3 >/dev/null || die "python3 not found"
OURS=$(our_tool MODPROBE "$RELEASE_DIR/modprobe" cargo_release modprobe)
KMP=/usr/sbin/modprobe
"$KMP" --version 2>/dev/null | grep -q '^kmod version' || die "$KMP is not kmod's modprobe"
make_scratch config-sweep "$WORK"
prepare_kernel 6.1
T=$SCR/t
tree_copy "$T"
depmod -b "$T" "$KVER" 2>/dev/null || die "kmod's depmod -b $T failed"

log "$CASES cases from seed $SEED"
check "6.1 $CASES random configurations (seeds $SEED..$((SEED + CASES - 1))): -c, -R, -D, -b -R, -n -v as kmod 30, through the cache" \
    python3 "$ROOT/tests/diff/config-sweep.py" "$KMP" "$OURS" "$T" "$KVER" "$SCR" "$CASES" "$SEED"
summary
