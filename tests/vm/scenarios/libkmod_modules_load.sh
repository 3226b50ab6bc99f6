#!/bin/sh
# systemd-modules-load (Debian 13's, a real client that dlopen()s libkmod.so.2) with a
# modules-load.d list: plain names, an alias (fs-vfat: vfat + fat), a blacklisted name
# (APPLY_BLACKLIST: "deny-listed"), a missing name, modules with dependencies (8021q: garp,
# mrp, stp, llc; mt_user: mt_dep), options from modprobe.d, one already loaded. Same exit
# status, messages and loaded modules with our libkmod.so.2 as with kmod 34.2's; and ours is
# the library it runs.
. /scenarios/lib.sh
trixie_ready
SML=/usr/lib/systemd/systemd-modules-load
TRIXIE_ENV="SYSTEMD_LOG_TARGET=console SYSTEMD_LOG_COLOR=0"

trixie_conf modprobe.d test <<'CONF'
blacklist psnap
options mt_params i=3 s=fromconf
alias mtp mt_params
CONF
trixie_conf modules-load.d a <<'CONF'
# plain names, an alias, a dependency chain
dummy
fs-vfat
8021q
mt_user
CONF
trixie_conf modules-load.d b <<'CONF'
psnap
nosuch_module
mtp
CONF

expect_our_library $SML
same_lib "systemd-modules-load: the whole list" "" $SML
# A name that is not found is not a failure for systemd-modules-load.
run in_trixie ours $SML
expect_rc 0
expect_all_loaded dummy vfat fat 8021q garp mrp stp llc mt_user mt_dep mt_params
expect_not_loaded psnap
expect_err_contains "nosuch_module"
expect_param_of mt_params s fromconf
reset_modules
same_lib "systemd-modules-load: one file, a module already loaded" "load mt_dep" $SML /etc/modules-load.d/a.conf
same_lib "systemd-modules-load: the blacklisted and the missing" "" $SML /etc/modules-load.d/b.conf
TRIXIE_ENV="$TRIXIE_ENV SYSTEMD_LOG_LEVEL=debug"
same_lib "systemd-modules-load: debug messages" "" $SML /etc/modules-load.d/a.conf
finish
