# fish completion for kmod (modutils-rs)
#
# kmod's options and commands (help, list, static-nodes), and the commands' options:
# static-nodes' formats (human, tmpfiles, devname) and output file, list's (lsmod's) options.
#
# Written for this project (not derived from kmod's or fish's own completions). Found before
# fish's own completions for the command (see the Makefile's install rules).

# @common@

# kmod's command on the line (options end at it, as kmod reads them), if any: prints it.
function __modutils_rs_kmod_command
    set -l tokens (commandline -opc)
    set -l dashdash
    for t in $tokens[2..-1]
        if not set -q dashdash[1]; and test "$t" = --
            set dashdash 1
        else if set -q dashdash[1]; or not string match -q -- '-*' $t
            echo $t
            return 0
        end
    end
    return 1
end

# Whether the command on the line is $argv[1] (or, with no argument, whether there is none).
function __modutils_rs_kmod_is
    set -l c (__modutils_rs_kmod_command)
    test "$c" = "$argv[1]"
end

complete -c kmod -f
complete -c kmod -n '__modutils_rs_kmod_is ""' -s h -l help -d 'print this help and exit'
complete -c kmod -n '__modutils_rs_kmod_is ""' -s V -l version -d 'print the version and exit'
complete -c kmod -n '__modutils_rs_kmod_is ""' -a help -d 'print this help'
complete -c kmod -n '__modutils_rs_kmod_is ""' -a list -d 'list the loaded modules, as lsmod does'
complete -c kmod -n '__modutils_rs_kmod_is ""' -a static-nodes -d "print the device nodes the running kernel's modules ask for"
complete -c kmod -n '__modutils_rs_kmod_is static-nodes' -s o -l output -r -F -d 'write to FILE (its directory is created), not stdout'
complete -c kmod -n '__modutils_rs_kmod_is static-nodes' -s f -l format -x -d 'output format' -a "human\t'the default, not for parsing' tmpfiles\t'systemd-tmpfiles\' tmpfiles.d(5)' devname\t'modules.devname\'s'"
complete -c kmod -n '__modutils_rs_kmod_is static-nodes' -s h -l help -d 'print this help and exit'
complete -c kmod -n '__modutils_rs_kmod_is list' -s s -l syslog -d 'report errors to syslog, not stderr'
complete -c kmod -n '__modutils_rs_kmod_is list' -s v -l verbose -d 'print more messages'
complete -c kmod -n '__modutils_rs_kmod_is list' -s V -l version -d 'print the version and exit'
complete -c kmod -n '__modutils_rs_kmod_is list' -s h -l help -d 'print this help and exit'
complete -c kmod -n '__modutils_rs_kmod_is list' -l json -d 'print JSON (docs/json.md)'
