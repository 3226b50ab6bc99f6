# fish completion for lsmod (modutils-rs)
#
# lsmod's options.
#
# Written for this project (not derived from kmod's or fish's own completions). Found before
# fish's own completions for the command (see the Makefile's install rules).

# @common@

complete -c lsmod -f
complete -c lsmod -s s -l syslog -d 'report errors to syslog, not stderr'
complete -c lsmod -s v -l verbose -d 'print more messages'
complete -c lsmod -s V -l version -d 'print the version and exit'
complete -c lsmod -s h -l help -d 'print this help and exit'
complete -c lsmod -l json -d 'print JSON (docs/json.md)'
