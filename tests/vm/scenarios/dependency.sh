#!/bin/sh
# mt_user needs mt_dep's export: it fails alone, loads after mt_dep, holds
# mt_dep (which then cannot be removed) and both unload in order.
. /scenarios/lib.sh

run /tools/insmod $TM/mt_user.ko
expect_rc 1
expect_err_line "insmod: ERROR: could not insert module $TM/mt_user.ko: Unknown symbol in module"
expect_not_loaded mt_user

run /tools/insmod $TM/mt_dep.ko
expect_rc 0
expect_err_empty
expect_loaded mt_dep
run /tools/insmod $TM/mt_user.ko
expect_rc 0
expect_err_empty
expect_loaded mt_user

line=$(grep '^mt_dep ' /proc/modules)
echo "  /proc/modules: $line"
refcnt=$(echo "$line" | cut -d' ' -f3)
holders=$(echo "$line" | cut -d' ' -f4)
if [ "$refcnt" = 1 ]; then ok "mt_dep use count 1"; else bad "mt_dep use count '$refcnt', expected 1"; fi
if [ "$holders" = "mt_user," ]; then ok "mt_dep used by mt_user"; else bad "mt_dep holders '$holders', expected mt_user,"; fi
expect_lsmod_matches_proc
if grep -q "^mt_dep .* 1 mt_user\$" /tmp/run.out; then ok "lsmod: mt_dep used by 1 mt_user"; else bad "lsmod line for mt_dep lacks '1 mt_user'"; fi

run /tools/rmmod mt_dep
expect_rc 1
expect_err_line "rmmod: ERROR: Module mt_dep is in use by: mt_user"
expect_loaded mt_dep

run /tools/rmmod mt_user
expect_rc 0
expect_err_empty
expect_not_loaded mt_user
run /tools/rmmod mt_dep
expect_rc 0
expect_err_empty
expect_not_loaded mt_dep
finish
