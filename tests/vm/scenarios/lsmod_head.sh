#!/bin/sh
# lsmod into a pipe whose reader stops early: just the header, nothing on
# stderr (no "Broken pipe" complaint, no panic), killed by SIGPIPE as kmod's.
. /scenarios/lib.sh
setup_insmod $TM/mt_dep.ko
setup_insmod $TM/mt_user.ko
setup_insmod $TM/mt_params.ko

echo '  $ /tools/lsmod | head -1'
/tools/lsmod 2>/tmp/lsmod.err | head -1 >/tmp/head.out
sed 's/^/    stdout: /' /tmp/head.out
sed 's/^/    stderr: /' /tmp/lsmod.err
if [ "$(cat /tmp/head.out)" = "$HEADER" ]; then ok "head -1 prints the header"; else bad "head -1 printed something else than the header"; fi
if [ -s /tmp/lsmod.err ]; then bad "lsmod wrote to stderr"; else ok "lsmod stderr empty"; fi

# Deterministic variant: the reader has exited before lsmod writes anything.
echo '  $ (sleep 1; /tools/lsmod) | true'
(sleep 1; /tools/lsmod 2>/tmp/lsmod.err; echo "$?" >/tmp/lsmod.rc) | true
sleep 1
echo "    lsmod exit status: $(cat /tmp/lsmod.rc 2>/dev/null)"
sed 's/^/    stderr: /' /tmp/lsmod.err
if [ -s /tmp/lsmod.err ]; then bad "lsmod wrote to stderr on a closed pipe"; else ok "lsmod stderr empty on a closed pipe"; fi
# kmod 30's and 34.2's lsmod are killed by SIGPIPE there (tests/diff/closed-stdout.sh).
if [ "$(cat /tmp/lsmod.rc 2>/dev/null)" = 141 ]; then ok "lsmod killed by SIGPIPE (141) as kmod's"; else bad "lsmod exit status $(cat /tmp/lsmod.rc 2>/dev/null), kmod's is 141"; fi
finish
