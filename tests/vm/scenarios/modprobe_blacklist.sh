#!/bin/sh
# blacklist: applies to a module reached through an alias, not to its name
# (unless -b); modprobe.blacklist= on the kernel command line (the harness
# boots with modprobe.blacklist=mt_fail) likewise. systemd's `modprobe -abq`.
# As kmod's modprobe.
. /scenarios/lib.sh
# -a loads independent modules side by side (parallel_load): /proc/modules order compared as a set.
# shellcheck disable=SC2034 # read by module_state (lib.sh)
STATE_SORTED=1

conf bl <<'CONF'
blacklist mt_params
alias mtp mt_params
alias mtdep mt_dep
blacklist mt_dep
CONF

run /tools/modprobe mtp
expect_err_empty
expect_not_loaded mt_params
echo "  (exit status $RC)"
run /tools/modprobe mt_params
expect_rc 0
expect_loaded mt_params
reset_modules
run /tools/modprobe -b mt_params
expect_not_loaded mt_params
reset_modules
# A blacklisted dependency is loaded all the same.
run /tools/modprobe mt_user
expect_rc 0
expect_all_loaded mt_user mt_dep
reset_modules

if grep -qw 'modprobe.blacklist=mt_fail' /proc/cmdline; then
    ok "kernel command line has modprobe.blacklist=mt_fail"
else
    bad "kernel command line lacks modprobe.blacklist=mt_fail (harness)"
fi
run /tools/modprobe -b mt_fail
expect_not_loaded mt_fail
if grep -q 'mt_fail' /tmp/run.err; then bad "mt_fail was tried"; else ok "mt_fail not tried"; fi

same_as_kmod "blacklisted, through an alias" "" modprobe mtp
same_as_kmod "blacklisted, through an alias, -v" "" modprobe -v mtp
same_as_kmod "blacklisted, by name" "" modprobe mt_params
same_as_kmod "blacklisted, by name, -b" "" modprobe -b mt_params
same_as_kmod "blacklisted, by name, -b -v" "" modprobe -bv mt_params
same_as_kmod "blacklisted, alias, -b" "" modprobe -b mtp
same_as_kmod "blacklisted dependency" "" modprobe mt_user
same_as_kmod "blacklisted dependency, -b" "" modprobe -b mt_user
same_as_kmod "-R blacklisted alias" "" modprobe -R mtp
same_as_kmod "-b -R blacklisted alias" "" modprobe -b -R mtp
same_as_kmod "--show-depends blacklisted alias" "" modprobe --show-depends mtp
same_as_kmod "systemd's -abq, blacklisted" "" modprobe -abq mt_params
same_as_kmod "systemd's -abq, not blacklisted" "" modprobe -abq mt_user
same_as_kmod "kernel command line blacklist, by name (init fails)" "" modprobe mt_fail
same_as_kmod "kernel command line blacklist, -b" "" modprobe -b mt_fail
same_as_kmod "kernel command line blacklist, -abq" "" modprobe -abq mt_fail
finish
