#!/bin/sh
# udev (Debian 13's systemd-udevd and udevadm, which dlopen() libkmod.so.2): coldplug of the
# PCI devices (`udevadm trigger --action=add`) through 80-drivers.rules' `RUN{builtin}+="kmod
# load"` loads each device's driver by its modalias (e1000, i2c_piix4 with its dependency),
# with modprobe.d options and a blacklisted driver, exactly as with kmod 34.2's library (loaded
# modules and udevd's module lines compared); `udevadm test-builtin 'kmod load ...'` (which
# systemd 257 runs in test mode: it loads the index and skips the loading) gives the same
# output; `lspci -k` (pciutils, linked to libkmod.so.2) prints the same drivers and modules.
. /scenarios/lib.sh
trixie_ready
UDEVADM=/usr/bin/udevadm
DEV=/sys/devices/virtual/mem/null
TRIXIE_ENV="SYSTEMD_LOG_COLOR=0"

# coldplug LIB: the coldplug with LIB's libkmod.so.2: udevd (one worker at a time, so that the
# load order is the events' order; its log in /tmp/udevd.log), `udevadm trigger --action=add`
# of the PCI devices, settle, exit. Each step with a time limit.
coldplug() {
    TRIXIE_ENV="$TRIXIE_ENV SYSTEMD_LOG_TARGET=console" in_trixie "$1" \
        /usr/lib/systemd/systemd-udevd --debug --children-max=1 >/tmp/udevd.log 2>&1 &
    _n=0
    until in_trixie kmod $UDEVADM control --ping >/dev/null 2>&1; do
        _n=$((_n + 1))
        if [ $_n -gt 50 ]; then
            echo "udevd did not start:"
            cat /tmp/udevd.log
            return 1
        fi
        sleep 0.2
    done
    timeout 20 env SYSTEMD_IGNORE_CHROOT=1 chroot /trixie $UDEVADM trigger --action=add --subsystem-match=pci || echo "trigger failed"
    timeout 30 env SYSTEMD_IGNORE_CHROOT=1 chroot /trixie $UDEVADM settle --timeout=25 || echo "settle failed"
    timeout 10 env SYSTEMD_IGNORE_CHROOT=1 chroot /trixie $UDEVADM control --exit || echo "control --exit failed"
    wait
}

# udevd's lines about modules (device, then the message; no PIDs or sequence numbers).
STATE_EXTRA='grep -E "Inserted|deny-listed|[Ff]ailed to (insert|find|load)|kmod" /tmp/udevd.log | grep -v -E "Loaded .libkmod|module index" | sed "s/^/udevd: /"'

trixie_conf modprobe.d test <<'CONF'
options e1000 copybreak=128
CONF
same_lib_fn "udevd coldplug: drivers by modalias" "" coldplug
run coldplug ours
expect_all_loaded e1000 i2c_piix4
expect_param_of e1000 copybreak 128
if grep -q 'Loaded .libkmod.so.2. via dlopen' /tmp/udevd.log; then ok "udevd dlopen()ed libkmod.so.2"; else bad "udevd did not say it loaded libkmod.so.2"; fi
reset_modules

trixie_conf modprobe.d test <<'CONF'
blacklist i2c_piix4
alias pci:v00008086d0000100Esv*sd*bc*sc*i* dummy
CONF
same_lib_fn "udevd coldplug: a blacklisted driver, a configured alias" "" coldplug
STATE_EXTRA=
rm -f /trixie/etc/modprobe.d/test.conf

trixie_conf modprobe.d test <<'CONF'
blacklist psnap
alias snapalias psnap
CONF
expect_our_library $UDEVADM test-builtin 'kmod load dummy' $DEV
same_lib "udevadm test-builtin kmod load" "" $UDEVADM test-builtin 'kmod load dummy 8021q snapalias nosuch_module' $DEV

# lspci -k: the driver in use and the modules that could drive each device.
expect_our_library /usr/bin/lspci -k
same_lib "lspci -k" "" /usr/bin/lspci -k
same_lib "lspci -nnk, e1000 loaded" "/kmod/modprobe e1000" /usr/bin/lspci -nnk
finish
