#!/bin/sh
# modprobe through aliases of the packed tree's modules.alias / .symbols:
# the file-system alias fs-vfat (vfat needs fat), a PCI modalias of hpilo
# (a PCI driver whose init only registers the driver) given as the pattern's
# minimal instance and as a full modalias string as the kernel's uevent
# carries it, and symbol:mt_dep_value; -R prints the resolved names. Each also
# against kmod's modprobe.
. /scenarios/lib.sh

PCI_SHORT=pci:v0000103Cd00003307sv0sd0bc0sc0i0
PCI_FULL=pci:v0000103Cd00003307sv0000103Csd00003309bc08sc80i00
if grep -q '^alias pci:v0000103Cd00003307sv\*sd\*bc\*sc\*i\* hpilo$' "/lib/modules/$KVER/modules.alias"; then
    ok "modules.alias has hpilo's PCI pattern"
else
    bad "modules.alias lacks hpilo's pattern pci:v0000103Cd00003307sv*sd*bc*sc*i*"
fi

run /tools/modprobe fs-vfat
expect_rc 0
expect_err_empty
expect_all_loaded vfat fat
reset_modules

for a in "$PCI_SHORT" "$PCI_FULL"; do
    run /tools/modprobe "$a"
    expect_rc 0
    expect_err_empty
    expect_loaded hpilo
    reset_modules
done

run /tools/modprobe symbol:mt_dep_value
expect_rc 0
expect_err_empty
expect_loaded mt_dep
reset_modules

run /tools/modprobe -R fs-vfat
expect_rc 0
expect_out_line vfat
run /tools/modprobe -R "$PCI_FULL"
expect_rc 0
expect_out_line hpilo
run /tools/modprobe -R symbol:mt_dep_value
expect_rc 0
expect_out_line mt_dep
run /tools/modprobe --show-depends fs-vfat
expect_rc 0
fat=$(ls /lib/modules/$KVER/kernel/fs/fat/fat.ko*)
expect_out_line "insmod $fat "

same_as_kmod "fs-vfat" "" modprobe fs-vfat
same_as_kmod "fs-vfat, -v" "" modprobe -v fs-vfat
same_as_kmod "PCI modalias (minimal)" "" modprobe "$PCI_SHORT"
same_as_kmod "PCI modalias (full)" "" modprobe -v "$PCI_FULL"
same_as_kmod "PCI modalias, lower-case hex (matches nothing)" "" modprobe pci:v0000103cd00003307sv0sd0bc0sc0i0
same_as_kmod "symbol:mt_dep_value" "" modprobe -v symbol:mt_dep_value
same_as_kmod "-R fs-vfat" "" modprobe -R fs-vfat
same_as_kmod "-R PCI modalias" "" modprobe -R "$PCI_FULL"
same_as_kmod "--show-depends PCI modalias" "" modprobe --show-depends "$PCI_FULL"
same_as_kmod "--show-depends 8021q" "" modprobe --show-depends 8021q
same_as_kmod "fs-vfat, already loaded" "/kmod/modprobe vfat" modprobe -v fs-vfat
finish
