#!/bin/sh
# A real Debian module with no dependencies ($REAL_MOD: the .ko on 6.1, the
# .ko.xz on 6.12): insmod loads it, lsmod agrees with /proc/modules, rmmod
# removes it.
. /scenarios/lib.sh

expect_not_loaded "$REAL_MOD"
run /tools/insmod "$REAL_KO"
expect_rc 0
expect_err_empty
expect_loaded "$REAL_MOD"

expect_lsmod_matches_proc
if grep -q "^$REAL_MOD " /tmp/run.out; then ok "lsmod lists $REAL_MOD"; else bad "lsmod does not list $REAL_MOD"; fi

run /tools/rmmod "$REAL_MOD"
expect_rc 0
expect_err_empty
expect_not_loaded "$REAL_MOD"
finish
