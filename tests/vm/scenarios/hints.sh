#!/bin/sh
# Lines of ours that kmod never prints (issue 17, part 3), on a real kernel: modprobe -v says
# which module it skips because it is already loaded (and prints kmod's lines for the rest);
# -q stays silent; insmod given a module name suggests modprobe. same_as_kmod checks that the
# rest is kmod's (it leaves ADDED_LINES out of our stderr).
. /scenarios/lib.sh

echo "  setup: load mt_dep"
load mt_dep
run /tools/modprobe -v mt_dep
expect_rc 0
expect_out_empty
expect_err_line "modprobe: skipping mt_dep: already loaded"
run /tools/modprobe -v mt_user
expect_rc 0
expect_err_line "modprobe: skipping mt_dep: already loaded"
expect_all_loaded mt_dep mt_user
reset_modules

echo "  setup: load mt_dep"
load mt_dep
run /tools/modprobe -q -v mt_dep
expect_rc 0
expect_err_empty
run /tools/modprobe mt_dep
expect_rc 0
expect_err_empty
reset_modules

run /tools/insmod mt_dep
expect_rc 1
expect_err_line "insmod: ERROR: could not load module mt_dep: No such file or directory"
expect_err_line "insmod: HINT: insmod takes the path of a module file; to load a module by its name, with what it depends on, run: modprobe mt_dep"
expect_not_loaded mt_dep

same_as_kmod "-v, already loaded" "load mt_dep" modprobe -v mt_user
same_as_kmod "-v, target already loaded" "load mt_dep" modprobe -v mt_dep
same_as_kmod "insmod NAME" "" insmod mt_dep
finish
