#!/bin/sh
# install and remove commands run (through /bin/sh) instead of loading or
# removing, with $CMDLINE_OPTS replaced by the options (config, kernel command
# line, command line); they write a marker file. -i/--ignore-install and
# --ignore-remove skip them; a failing command fails modprobe. As kmod's
# modprobe (the marker file is compared too).
. /scenarios/lib.sh

M=/tmp/marker
conf cmds <<'CONF'
options mt_params u=4
install mt_params echo "install mt_params [$CMDLINE_OPTS]" >> /tmp/marker; /tools/modprobe --ignore-install mt_params $CMDLINE_OPTS
remove mt_params echo "remove mt_params" >> /tmp/marker; /tools/modprobe -r --ignore-remove mt_params
install mt_dep echo "install mt_dep" >> /tmp/marker; /tools/modprobe -i mt_dep
install dummy /bin/false
remove psnap /bin/false
CONF

rm -f $M
run /tools/modprobe mt_params s=cli
expect_rc 0
expect_err_empty
expect_loaded mt_params
expect_param u 4
expect_param s cli
expect_param i 5
echo "  marker:"; sed 's/^/    | /' $M 2>/dev/null
if grep -qx 'install mt_params \[u=4 i=5 s=cli\]' $M 2>/dev/null; then
    ok "install command ran with \$CMDLINE_OPTS = 'u=4 i=5 s=cli'"
elif grep -q '^install mt_params ' $M 2>/dev/null; then
    ok "install command ran"
    echo "  note: \$CMDLINE_OPTS was: $(sed -n 's/^install mt_params //p' $M)"
else
    bad "install command did not run"
fi
run /tools/modprobe -r mt_params
expect_rc 0
if grep -qx 'remove mt_params' $M 2>/dev/null; then ok "remove command ran"; else bad "remove command did not run"; fi
expect_not_loaded mt_params

rm -f $M
run /tools/modprobe -i mt_params
expect_rc 0
expect_loaded mt_params
if [ -e $M ]; then bad "-i: install command ran"; else ok "-i: install command skipped"; fi
run /tools/modprobe -r --ignore-remove mt_params
expect_rc 0
expect_not_loaded mt_params
if [ -e $M ]; then bad "--ignore-remove: remove command ran"; else ok "--ignore-remove: remove command skipped"; fi

run /tools/modprobe dummy
expect_rc 1
expect_not_loaded dummy
expect_err_contains "/bin/false"

STATE_EXTRA="cat $M 2>/dev/null"
same_as_kmod "install command" "rm -f $M" modprobe mt_params s=cli
same_as_kmod "install command, -v" "rm -f $M" modprobe -v mt_params
same_as_kmod "install command, -n -v" "rm -f $M" modprobe -n -v mt_params
same_as_kmod "install command, --show-depends" "rm -f $M" modprobe --show-depends mt_params s=cli
same_as_kmod "-i" "rm -f $M" modprobe -i mt_params
same_as_kmod "--ignore-install" "rm -f $M" modprobe --ignore-install mt_params
same_as_kmod "install command of a dependency" "rm -f $M" modprobe mt_user
same_as_kmod "remove command" "rm -f $M; load mt_params" modprobe -r mt_params
same_as_kmod "remove command, -v" "rm -f $M; load mt_params" modprobe -rv mt_params
same_as_kmod "remove command, not loaded" "rm -f $M" modprobe -r mt_params
same_as_kmod "--ignore-remove" "rm -f $M; load mt_params" modprobe -r --ignore-remove mt_params
same_as_kmod "failing install command" "rm -f $M" modprobe dummy
same_as_kmod "failing remove command" "rm -f $M; /kmod/modprobe psnap" modprobe -r psnap
same_as_kmod "install command, module already loaded" "rm -f $M; load mt_params" modprobe mt_params
finish
