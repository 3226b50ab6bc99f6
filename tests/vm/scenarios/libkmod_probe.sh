#!/bin/sh
# Our C client (tests/libkmod/probe.c) doing real probes, inserts and removals: with kmod 34.2's
# libkmod.so.2 and with ours, from the same state, the same records (print_action, return
# values, log lines) and the same modules loaded afterwards. FAIL_ON_LOADED and IGNORE_LOADED
# on a loaded module, dependencies (8021q, mt_user), a dependency that fails, softdeps, install
# commands (run_install and system()), the blacklist flags, remove with and without FORCE (in
# use, not loaded), insert of module files: compressed (.ko.xz: the kernel decompresses it on
# 6.12; user space on 6.1; a CRC64 one on 6.12 through the fallback), with options, bad options.
. /scenarios/lib.sh
trixie_ready
P=/usr/bin/libkmod-probe

trixie_conf modprobe.d test <<'CONF'
blacklist psnap
alias snapalias psnap
options mt_params i=3
softdep mt_user pre: mt_params post: dummy
install mt_fail /bin/true
install nosuch_cmd echo installed $CMDLINE_OPTS > /tmp/installed
CONF

script() { # NAME: stdin becomes /tmp/NAME.script, the client's script (shown)
    cat >"/tmp/$1.script"
    SAME_LIB_STDIN=/tmp/$1.script
    sed 's/^/    | /' "/tmp/$1.script"
}

script loaded <<'S'
probe 0 dummy
probe 0 dummy
probe FAIL_ON_LOADED dummy
probe IGNORE_LOADED dummy
probe IGNORE_LOADED|FAIL_ON_LOADED dummy
insert 0 dummy
S
same_lib "probe: loaded module and the LOADED flags" "" $P -
script deps <<'S'
probe 0 8021q
probe 0 mt_user x=1
probe-name 0 mt_dep
S
same_lib "probe: dependencies and softdeps" "" $P -
same_lib "probe: a dependency already loaded" "load mt_dep" $P -
script fail <<'S'
probe IGNORE_COMMAND mt_fail
probe 0 mt_fail
probe-nocb 0 nosuch_cmd a=1
probe APPLY_BLACKLIST psnap
probe APPLY_BLACKLIST_ALIAS_ONLY snapalias
probe APPLY_BLACKLIST_ALL snapalias
probe 0 snapalias
insert 0 mt_user
insert 0 nosuch_module
probe 0 mt_params i=notanumber
S
STATE_EXTRA='cat /trixie/tmp/installed 2>/dev/null; rm -f /trixie/tmp/installed'
same_lib "probe: failures, install commands, the blacklist" "" $P -
STATE_EXTRA=
script remove <<'S'
remove 0 mt_dep
remove REMOVE_NOLOG mt_dep
remove REMOVE_FORCE mt_dep
remove 0 mt_user
remove 0 mt_dep
remove 0 mt_dep
remove REMOVE_NOLOG mt_dep
remove 0 8250
S
same_lib "remove: in use, FORCE, not loaded, built in" "load mt_dep mt_user" $P -
script files <<EOF2
insert-path 0 $REAL_KO_XZ
insert-path 0 /testmods/mt_params.ko i=7
insert-path FORCE_VERMAGIC|FORCE_MODVERSION /testmods/mt_dep.ko
insert-path 0 $REAL_KO_XZ
EOF2
same_lib "insert: module files, compressed ($REAL_KO_XZ)" "" $P -
if [ "$KSERIES" = 6.12 ]; then
    # A .ko.xz with CRC64 (xz's default check), which the kernel's decoder refuses: kmod 34.2's
    # library returns the kernel's -EINVAL; ours decompresses it in user space (common's
    # fallback, as our insmod and modprobe do: compatibility row decompress-fallback).
    printf 'insert-path 0 /testmods/fallback/dummy-crc64-1m.ko.xz\n' >/tmp/fallback.script
    reset_modules
    run in_trixie kmod $P - </tmp/fallback.script
    expect_out_line "= -22 (EINVAL)"
    expect_not_loaded dummy
    run in_trixie ours $P - </tmp/fallback.script
    expect_out_line "= 0"
    expect_loaded dummy
    reset_modules
fi
finish
