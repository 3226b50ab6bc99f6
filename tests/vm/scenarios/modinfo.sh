#!/bin/sh
# modinfo against Debian's kmod 30 (/kmod/modinfo) on the guest's installed
# module tree (/lib/modules/$(uname -r), no -b/-k): byte-identical stdout and
# stderr, same exit status. Real signed modules by name and by path (plain and
# .ko.xz), aliases, a built-in module by name and by alias (sha256_generic is
# built into both kernels), the test modules' parameters, -F / -0 / -p, and
# unknown names.
. /scenarios/lib.sh

same_as_kmod "a real module by name" "" modinfo "$REAL_MOD"
same_as_kmod "modules with dependencies by name" "" modinfo "$DEP_MOD" garp mrp stp llc
same_as_kmod "by path" "" modinfo "$REAL_KO"
same_as_kmod "by path, xz-compressed" "" modinfo "$REAL_KO_XZ"
same_as_kmod "by alias" "" modinfo rtnl-link-dummy fs-vfat
same_as_kmod "a built-in module" "" modinfo sha256_generic
same_as_kmod "a built-in module by alias" "" modinfo crypto-sha256
same_as_kmod "test modules with parameters" "" modinfo mt_params mt_dep mt_user
same_as_kmod "-p" "" modinfo -p mt_params
same_as_kmod "-F depends" "" modinfo -F depends "$DEP_MOD" garp vfat
same_as_kmod "-F signer" "" modinfo -F signer "$REAL_MOD" "$DEP_MOD"
same_as_kmod "-F signature" "" modinfo -F signature "$REAL_KO_XZ"
same_as_kmod "-0" "" modinfo -0 "$REAL_MOD" sha256_generic
same_as_kmod "-n" "" modinfo -n "$REAL_MOD" sha256_generic "$TM/mt_params.ko"
same_as_kmod "unknown name among known ones" "" modinfo "$REAL_MOD" no_such_module vfat
same_as_kmod "unknown name alone" "" modinfo no-such-module
finish
