# fish completion for modprobe (modutils-rs)
#
# modprobe's options; module names of the chosen kernel (the modules.dep of
# DIR/lib/modules/VERSION: -d/--dirname DIR and -S/--set-version VERSION on the line, else / and
# `uname -r`); the loaded modules with -r/--remove; module files with --show-modversions,
# --dump-modversions or --show-exports; kernel versions for -S; files for -C, directories for -d.
#
# Written for this project (not derived from kmod's or fish's own completions). Found before
# fish's own completions for the command (see the Makefile's install rules).

# @common@

function __modutils_rs_modprobe_scan
    __modutils_rs_scan a:all r:remove :remove-dependencies :remove-holders w=wait R:resolve-alias \
        :first-time i:ignore-install :ignore-remove b:use-blacklist f:force :force-modversion \
        :force-vermagic D:show-depends c:showconfig :show-config :show-modversions \
        :dump-modversions :show-exports n:dry-run :show C=config d=dirname S=set-version \
        s:syslog q:quiet v:verbose V:version h:help :explain :json
end

# The modules root of the command line: DIR/lib/modules with -d DIR.
function __modutils_rs_modprobe_root
    set -l root (__modutils_rs_value dirname '' $argv)
    echo (string replace -r -- '/$' '' "$root")/lib/modules
end

function __modutils_rs_modprobe_versions
    __modutils_rs_versions (__modutils_rs_modprobe_root (__modutils_rs_modprobe_scan))
end

# Whether the operand being completed is a KIND: module (a name), loaded (a loaded module, with
# -r) or file (with --show-modversions, --dump-modversions, --show-exports).
function __modutils_rs_modprobe_operand
    set -l s (__modutils_rs_modprobe_scan)
    string match -q -- 'value *' $s; and return 1
    set -l kind
    if contains -- remove $s
        set kind loaded
    else if contains -- show-modversions $s; or contains -- dump-modversions $s; or contains -- show-exports $s
        set kind file
    else if contains -- all $s; or test (__modutils_rs_operands $s) = 0
        set kind module
    end
    test "$kind" = "$argv[1]"
end

function __modutils_rs_modprobe_modules
    set -l s (__modutils_rs_modprobe_scan)
    __modutils_rs_modules (__modutils_rs_modprobe_root $s)/(__modutils_rs_value set-version (uname -r) $s)
end

complete -c modprobe -f
complete -c modprobe -s a -l all -d 'treat every argument as a module name'
complete -c modprobe -s r -l remove -d 'remove modules instead of inserting them'
complete -c modprobe -l remove-dependencies -d 'old name of --remove-holders'
complete -c modprobe -l remove-holders -d 'with -r: first remove the modules that use it'
complete -c modprobe -s w -l wait -x -d 'with -r: retry a module in use for up to MSEC ms'
complete -c modprobe -s R -l resolve-alias -d 'print the modules a name resolves to, and exit'
complete -c modprobe -l first-time -d 'fail if the module is already in (or, with -r, not in) the kernel'
complete -c modprobe -s i -l ignore-install -d 'ignore install and remove commands'
complete -c modprobe -l ignore-remove -d 'the same as --ignore-install'
complete -c modprobe -s b -l use-blacklist -d 'apply the blacklist to names too, not only to aliases'
complete -c modprobe -s f -l force -d '--force-modversion and --force-vermagic; with -r, force removal'
complete -c modprobe -l force-modversion -d 'ignore symbol version mismatches'
complete -c modprobe -l force-vermagic -d 'ignore a version magic mismatch'
complete -c modprobe -s D -l show-depends -d 'print what would be loaded, and exit'
complete -c modprobe -s c -l showconfig -d 'print the effective configuration, and exit'
complete -c modprobe -l show-config -d 'the same as --showconfig'
complete -c modprobe -l show-modversions -d 'print the symbol versions a module needs, and exit'
complete -c modprobe -l dump-modversions -d 'the same as --show-modversions'
complete -c modprobe -l show-exports -d 'print the symbols a module exports, and exit'
complete -c modprobe -s n -l dry-run -d 'do everything but insert or remove'
complete -c modprobe -l show -d 'the same as --dry-run'
complete -c modprobe -s C -l config -r -F -d 'read configuration from PATH, not modprobe.d (repeatable)'
complete -c modprobe -s d -l dirname -x -a '(__fish_complete_directories)' -d 'modules are in DIR/lib/modules'
complete -c modprobe -s S -l set-version -x -a '(__modutils_rs_modprobe_versions)' -d 'use kernel VERSION, not `uname -r`'
complete -c modprobe -s s -l syslog -d 'report errors to syslog too'
complete -c modprobe -s q -l quiet -d 'print no messages'
complete -c modprobe -s v -l verbose -d 'print what is done'
complete -c modprobe -s V -l version -d 'print the version and exit'
complete -c modprobe -s h -l help -d 'print this help and exit'
complete -c modprobe -l explain -d 'say how each name resolves and what loading it takes, and exit'
complete -c modprobe -l json -d 'print JSON (docs/json.md) with --show-depends, -c or --explain'
complete -c modprobe -n '__modutils_rs_modprobe_operand module' -a '(__modutils_rs_modprobe_modules)' -d module
complete -c modprobe -n '__modutils_rs_modprobe_operand loaded' -a '(__modutils_rs_loaded)' -d 'loaded module'
complete -c modprobe -n '__modutils_rs_modprobe_operand file' -a '(__modutils_rs_module_files)' -d 'module file'
