# fish completion for rmmod (modutils-rs)
#
# rmmod's options and the loaded modules (/proc/modules).
#
# Written for this project (not derived from kmod's or fish's own completions). Found before
# fish's own completions for the command (see the Makefile's install rules).

# @common@

complete -c rmmod -f
complete -c rmmod -s f -l force -d 'remove even a module in use (needs CONFIG_MODULE_FORCE_UNLOAD; dangerous)'
complete -c rmmod -s s -l syslog -d 'report errors to syslog, not stderr'
complete -c rmmod -s v -l verbose -d 'say what is removed'
complete -c rmmod -s V -l version -d 'print the version and exit'
complete -c rmmod -s h -l help -d 'print this help and exit'
complete -c rmmod -a '(__modutils_rs_loaded)' -d 'loaded module'
