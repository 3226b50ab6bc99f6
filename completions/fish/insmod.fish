# fish completion for insmod (modutils-rs)
#
# insmod's options and, for the FILE operand, module files (*.ko, *.ko.xz, *.ko.zst, *.ko.gz).
#
# Written for this project (not derived from kmod's or fish's own completions). Found before
# fish's own completions for the command (see the Makefile's install rules).

# @common@

# Whether the operand being completed is the module file (the first operand).
function __modutils_rs_insmod_file
    test (__modutils_rs_operands (__modutils_rs_scan f:force s:syslog v:verbose V:version h:help)) = 0
end

complete -c insmod -f
complete -c insmod -s f -l force -d "load even when the version magic or symbol versions don't match (dangerous)"
complete -c insmod -s s -l syslog -d 'report errors to syslog, not stderr'
complete -c insmod -s v -l verbose -d 'say how the module is handed to the kernel'
complete -c insmod -s V -l version -d 'print the version and exit'
complete -c insmod -s h -l help -d 'print this help and exit'
complete -c insmod -n __modutils_rs_insmod_file -a '(__modutils_rs_module_files)' -d 'module file'
