#!/bin/sh
# A modprobe.d of 1 MiB or more is kept parsed in /run/modutils-rs (common's
# config/modprobe/cache.rs). On the real kernel: a module loads with the options
# of the cached configuration; a run that finds the cache valid keeps it (the
# same inode), which only a run that used it does; a change is seen at once:
# an options line rewritten in place at the same size changes the parameter,
# an `install ... /bin/false` appended stops the load, as with kmod.
. /scenarios/lib.sh

mkdir -p /run /etc/modprobe.d
rm -rf /run/modutils-rs
BIG=/etc/modprobe.d/big.conf
# 40,000 lines for made-up modules (1.3 MB), then mt_params' own.
awk 'BEGIN { for (i = 0; i < 40000; i++) printf "options gen_mod_%d p%d=%d\n", i, i % 7, i }' >$BIG
echo "options mt_params u=11" >>$BIG
size=$(wc -c <$BIG)
if [ "$size" -ge 1048576 ]; then ok "big.conf: $size bytes"; else bad "big.conf: only $size bytes"; fi
sleep 1 # past the window in which a just-changed file keeps the cache from being written

cache_inode() { ls -i /run/modutils-rs/modprobe-config-*.cache 2>/dev/null | awk '{ print $1 }'; }

run /tools/modprobe mt_params
expect_rc 0
expect_err_empty
expect_param u 11
reset_modules
ino=$(cache_inode)
if [ -n "$ino" ]; then ok "the first run wrote the cache"; else bad "no cache in /run/modutils-rs"; fi
run /tools/modprobe mt_params
expect_rc 0
expect_param u 11
reset_modules
if [ -n "$ino" ] && [ "$(cache_inode)" = "$ino" ]; then
    ok "the second run used the cache (kept)"
else
    bad "the second run replaced the cache ($ino -> $(cache_inode))"
fi

# The last line rewritten in place, same size, at once.
printf 'options mt_params u=12\n' | dd of=$BIG bs=1 seek=$((size - 23)) conv=notrunc 2>/dev/null
tail -n 1 $BIG
run /tools/modprobe mt_params
expect_rc 0
expect_param u 12
reset_modules
same_as_kmod "options rewritten in place" "" modprobe -v mt_params

# An install command added: the next run runs it, as kmod.
echo "install mt_params /bin/false" >>$BIG
run /tools/modprobe mt_params
expect_rc 1
expect_not_loaded mt_params
same_as_kmod "install /bin/false appended" "" modprobe -v mt_params
sleep 1
run /tools/modprobe mt_params
ino=$(cache_inode)
run /tools/modprobe mt_params
expect_rc 1
if [ -n "$ino" ] && [ "$(cache_inode)" = "$ino" ]; then
    ok "cached again, and used"
else
    bad "not cached again ($ino -> $(cache_inode))"
fi
same_as_kmod "install /bin/false, from the cache" "" modprobe -v mt_params
same_as_kmod "--show-depends, from the cache" "" modprobe --show-depends mt_params
rm -f $BIG
rm -rf /run/modutils-rs
finish
