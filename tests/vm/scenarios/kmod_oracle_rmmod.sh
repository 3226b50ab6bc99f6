#!/bin/sh
# rmmod against Debian's kmod 30 (/kmod/rmmod) on the same kernel state:
# same exit status, same stdout and stderr bytes, same modules afterwards.
. /scenarios/lib.sh

# A built-in module: the 8250 serial driver is in modules.builtin and has a
# /sys/module directory (parameters) without initstate, on both kernels. (Not
# printk or kernel: those have /sys/module directories but are not in
# modules.builtin, and kmod 30 does not call them built-in.)
if [ -d /sys/module/8250 ] && [ ! -e /sys/module/8250/initstate ]; then
    ok "/sys/module/8250 exists without initstate"
else
    bad "/sys/module/8250 is not a built-in module's directory"
fi
if grep -q '/8250\.ko$' "/lib/modules/$KVER/modules.builtin"; then
    ok "8250 is in modules.builtin"
else
    bad "8250 is not in modules.builtin"
fi

same_as_kmod "no module argument" "" rmmod
same_as_kmod "not loaded" "" rmmod mt_dep
same_as_kmod "not loaded, name with '-'" "" rmmod mt-dep
same_as_kmod "not loaded, unknown name" "" rmmod no_such_module
same_as_kmod "in use (mt_dep held by mt_user)" "load mt_dep mt_user" rmmod mt_dep
same_as_kmod "built-in (8250)" "" rmmod 8250
same_as_kmod "success" "load mt_params" rmmod mt_params
same_as_kmod "success, name with '-'" "load mt_params" rmmod mt-params
same_as_kmod "by file path" "load mt_params" rmmod $TM/mt_params.ko
same_as_kmod "name with .ko (no such file here)" "load mt_params" rmmod mt_params.ko
same_as_kmod "several, first not loaded" "load mt_params" rmmod mt_dep mt_params
same_as_kmod "several, last not loaded" "load mt_params" rmmod mt_params mt_dep
same_as_kmod "several, holder after held" "load mt_dep mt_user" rmmod mt_dep mt_user
same_as_kmod "several, holder first" "load mt_dep mt_user" rmmod mt_user mt_dep
finish
