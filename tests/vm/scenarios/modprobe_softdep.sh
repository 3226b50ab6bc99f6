#!/bin/sh
# softdep pre: modules load before the module, post: ones after it; the order
# checked in /proc/modules (newest first) and through install commands that
# log each load. As kmod's modprobe (whose module state lists /proc/modules
# in order, so the order is compared too).
. /scenarios/lib.sh

conf sd <<'CONF'
softdep mt_user pre: mt_params post: dummy
CONF
run /tools/modprobe mt_user
expect_rc 0
expect_err_empty
expect_all_loaded mt_user mt_dep mt_params dummy
order=$(load_order mt_user mt_dep mt_params dummy)
echo "  load order: $order"
expect_before mt_params mt_user "$order" "pre (mt_params) before mt_user"
expect_before mt_user dummy "$order" "post (dummy) after mt_user"
expect_before mt_dep mt_user "$order" "mt_dep before mt_user"
reset_modules

# The same order seen by install commands of the softdeps and the dependency
# (not of mt_user: kmod ignores the install command of a module that has
# softdeps).
conf log <<'CONF'
install mt_params echo mt_params >> /tmp/order; /tools/modprobe -i mt_params
install mt_dep echo mt_dep >> /tmp/order; /tools/modprobe -i mt_dep
install dummy echo dummy >> /tmp/order; /tools/modprobe -i dummy
CONF
rm -f /tmp/order
run /tools/modprobe mt_user
expect_rc 0
order=$(cat /tmp/order 2>/dev/null | tr '\n' ' ')
echo "  install commands ran in this order: $order"
expect_before mt_params dummy "$order" "install commands: pre (mt_params) before post (dummy)"
expect_before mt_dep dummy "$order" "install commands: dependency (mt_dep) before post (dummy)"
expect_all_loaded mt_user mt_dep mt_params dummy
reset_modules
STATE_EXTRA="cat /tmp/order 2>/dev/null"
same_as_kmod "softdep, install commands logging" "rm -f /tmp/order" modprobe mt_user
same_as_kmod "softdep, install commands, -i" "rm -f /tmp/order" modprobe -i -v mt_user
conf log2 <<'CONF'
install mt_user echo mt_user >> /tmp/order; /tools/modprobe -i mt_user
CONF
same_as_kmod "softdep, install commands, mt_user's too" "rm -f /tmp/order" modprobe -v mt_user
rm -f /etc/modprobe.d/log2.conf
rm -f /etc/modprobe.d/log.conf
STATE_EXTRA=
same_as_kmod "softdep" "" modprobe mt_user
same_as_kmod "softdep, -v" "" modprobe -v mt_user
same_as_kmod "softdep, --show-depends" "" modprobe --show-depends mt_user
same_as_kmod "softdep, pre already loaded" "load mt_params" modprobe -v mt_user
same_as_kmod "softdep, -r" "/kmod/modprobe mt_user" modprobe -r -v mt_user
conf sd2 <<'CONF'
softdep mt_dep pre: vfat post: psnap
softdep mt_params pre: no_such_module
CONF
same_as_kmod "softdep of a dependency" "" modprobe -v mt_user
same_as_kmod "softdep on a missing module" "" modprobe -v mt_params
finish
