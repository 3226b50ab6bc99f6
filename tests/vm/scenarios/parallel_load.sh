#!/bin/sh
# @timeout: 150
# modprobe -a loads independent modules side by side (issue 17, part 4), on a guest with 2
# CPUs. mt_slow_a..d each take 0.5 s asleep in their init and depend on mt_slow_core, which
# counts their init functions: max_inflight (most at once) and loads (how many ran). Counted,
# not timed: side by side, 2 ran at once (one per CPU); with MODUTILS_JOBS=1, 1; every module
# loaded exactly once, also by two modprobe processes loading overlapping sets at the same
# time. Output, exit status and the modules left loaded are kmod's (same_as_kmod), with a
# failing init in the middle, a shared dependency, a name given twice, -v.
. /scenarios/lib.sh

# Independent modules load in either order side by side: the state is compared as sets.
# shellcheck disable=SC2034 # read by module_state (lib.sh)
STATE_SORTED=1
SLOW="mt_slow_a mt_slow_b mt_slow_c mt_slow_d"
core() { cat "/sys/module/mt_slow_core/parameters/$1" 2>&1; }
uptime_cs() { tr -d . </proc/uptime | cut -d' ' -f1; }

cpus=$(grep -c '^processor' /proc/cpuinfo)
if [ "$cpus" -ge 2 ]; then ok "guest has $cpus CPUs"; else bad "guest has $cpus CPU: parallel loading can't show"; fi

t0=$(uptime_cs)
run /tools/modprobe -a $SLOW
t1=$(uptime_cs)
expect_rc 0
expect_err_empty
expect_all_loaded mt_slow_core $SLOW
v=$(core max_inflight)
if [ "$v" = 2 ]; then ok "side by side: 2 init functions at once"; else bad "side by side: max_inflight '$v', expected 2"; fi
v=$(core loads)
if [ "$v" = 4 ]; then ok "each of the 4 loaded once"; else bad "loads '$v', expected 4"; fi
echo "  wall time, side by side: $((t1 - t0))0 ms"
reset_modules

t0=$(uptime_cs)
run busybox env MODUTILS_JOBS=1 /tools/modprobe -a $SLOW
t1=$(uptime_cs)
expect_rc 0
expect_all_loaded mt_slow_core $SLOW
v=$(core max_inflight)
if [ "$v" = 1 ]; then ok "MODUTILS_JOBS=1: one at a time"; else bad "MODUTILS_JOBS=1: max_inflight '$v', expected 1"; fi
echo "  wall time, one at a time: $((t1 - t0))0 ms"
reset_modules

echo "  \$ /tools/modprobe -a mt_slow_a mt_slow_b mt_slow_c & /tools/modprobe -a mt_slow_b mt_slow_c mt_slow_d"
/tools/modprobe -a mt_slow_a mt_slow_b mt_slow_c 2>/tmp/p1.err &
p1=$!
/tools/modprobe -a mt_slow_b mt_slow_c mt_slow_d 2>/tmp/p2.err
rc2=$?
wait $p1
rc1=$?
if [ "$rc1" = 0 ] && [ "$rc2" = 0 ]; then ok "two processes, overlapping sets: both exit 0"; else bad "two processes: exit $rc1 and $rc2"; fi
if [ ! -s /tmp/p1.err ] && [ ! -s /tmp/p2.err ]; then ok "two processes: no message"; else bad "two processes: messages: $(cat /tmp/p1.err /tmp/p2.err)"; fi
expect_all_loaded mt_slow_core $SLOW
v=$(core loads)
if [ "$v" = 4 ]; then ok "two processes: each module's init ran once"; else bad "two processes: loads '$v', expected 4"; fi
reset_modules

same_as_kmod "-a, four slow ones" "" modprobe -a $SLOW
same_as_kmod "-a -v, four slow ones" "" modprobe -av $SLOW
same_as_kmod "-a, a failing init in the middle" "" modprobe -a mt_slow_a mt_fail mt_slow_b
same_as_kmod "-a -v, a shared dependency, a name twice" "" modprobe -av mt_user mt_dep mt_slow_a mt_user
same_as_kmod "-a, some loaded already" "load mt_slow_core mt_slow_b" modprobe -av $SLOW
same_as_kmod "-a, an unknown name in the middle" "" modprobe -a mt_slow_a no_such_module mt_slow_b
same_as_kmod "-a --first-time, one loaded already" "load mt_slow_core mt_slow_b" modprobe -a --first-time $SLOW
finish
