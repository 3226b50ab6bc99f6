#!/bin/sh
# lsmod against Debian's kmod 30 (/kmod/lsmod): byte-identical output.
. /scenarios/lib.sh

same_as_kmod "nothing loaded" "" lsmod
same_as_kmod "one module" "load mt_params" lsmod
same_as_kmod "several, with a holder" \
    "load mt_dep mt_user mt_params && busybox insmod $REAL_KO" lsmod
finish
