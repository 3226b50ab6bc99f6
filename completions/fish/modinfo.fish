# fish completion for modinfo (modutils-rs)
#
# modinfo's options; module names of the chosen kernel (DIR/lib/modules/VERSION/modules.dep,
# with -b/--basedir DIR and -k/--set-version VERSION on the line, else / and `uname -r`) and
# module files; kernel versions for -k, directories for -b, field names for -F.
#
# Written for this project (not derived from kmod's or fish's own completions). Found before
# fish's own completions for the command (see the Makefile's install rules).

# @common@

function __modutils_rs_modinfo_scan
    __modutils_rs_scan a:author d:description l:license p:parameters n:filename 0:null \
        m:modname F=field k=set-version b=basedir V:version h:help :json
end

# The modules root of the command line: DIR/lib/modules with -b DIR.
function __modutils_rs_modinfo_root
    set -l root (__modutils_rs_value basedir '' $argv)
    echo (string replace -r -- '/$' '' "$root")/lib/modules
end

function __modutils_rs_modinfo_versions
    __modutils_rs_versions (__modutils_rs_modinfo_root (__modutils_rs_modinfo_scan))
end

function __modutils_rs_modinfo_operand
    not string match -q -- 'value *' (__modutils_rs_modinfo_scan)
end

function __modutils_rs_modinfo_modules
    set -l s (__modutils_rs_modinfo_scan)
    __modutils_rs_modules (__modutils_rs_modinfo_root $s)/(__modutils_rs_value set-version (uname -r) $s)
end

complete -c modinfo -f
complete -c modinfo -s a -l author -d 'print only the author'
complete -c modinfo -s d -l description -d 'print only the description'
complete -c modinfo -s l -l license -d 'print only the license'
complete -c modinfo -s p -l parameters -d 'print only the parameters'
complete -c modinfo -s n -l filename -d 'print only the file name'
complete -c modinfo -s 0 -l null -d 'end each value with a NUL byte, not a newline'
complete -c modinfo -s m -l modname -d 'take arguments as module names, never as aliases or files'
complete -c modinfo -s F -l field -x -a 'alias author depends description file filename firmware import_ns intree license name parm retpoline sig_hashalgo sig_id sig_key signat signer softdep srcversion vermagic' -d 'print only the values of FIELD'
complete -c modinfo -s k -l set-version -x -a '(__modutils_rs_modinfo_versions)' -d 'use kernel VERSION, not `uname -r`'
complete -c modinfo -s b -l basedir -x -a '(__fish_complete_directories)' -d 'modules are in DIR/lib/modules'
complete -c modinfo -s V -l version -d 'print the version and exit'
complete -c modinfo -s h -l help -d 'print this help and exit'
complete -c modinfo -l json -d 'print JSON (docs/json.md); -F selects the field, -0 is ignored'
complete -c modinfo -n __modutils_rs_modinfo_operand -a '(__modutils_rs_modinfo_modules)' -d module
complete -c modinfo -n __modutils_rs_modinfo_operand -a '(__modutils_rs_module_files)' -d 'module file'
