# fish completion for depmod (modutils-rs)
#
# depmod's options; the VERSION operand from the module trees (directories in
# BASEDIR/lib/modules, or BASEDIR/MODULEDIR with -b BASEDIR and -m MODULEDIR on the line); module
# files for the FILE operands; directories for -b, -m and -o, files for -C, -E and -F.
#
# Written for this project (not derived from kmod's or fish's own completions). Found before
# fish's own completions for the command (see the Makefile's install rules).

# @common@

function __modutils_rs_depmod_scan
    __modutils_rs_scan a:all A:quick b=basedir m=moduledir o=outdir C=config E=symvers F=filesyms \
        e:errsyms v:verbose n:show :dry-run P=symbol-prefix w:warn :no-cache V:version h:help
end

# The module trees of the command line: BASEDIR/lib/modules, or BASEDIR/MODULEDIR with -m.
function __modutils_rs_depmod_versions
    set -l s (__modutils_rs_depmod_scan)
    set -l root (string replace -r -- '/$' '' (__modutils_rs_value basedir '' $s))
    set -l dir (string replace -r -- '^/' '' (__modutils_rs_value moduledir /lib/modules $s))
    __modutils_rs_versions "$root/$dir"
end

# Whether the operand being completed is the version (version) or a module file (file).
function __modutils_rs_depmod_operand
    set -l s (__modutils_rs_depmod_scan)
    string match -q -- 'value *' $s; and return 1
    if test (__modutils_rs_operands $s) = 0
        test "$argv[1]" = version
    else
        test "$argv[1]" = file
    end
end

complete -c depmod -f
complete -c depmod -s a -l all -d 'index every module (the default without FILEs)'
complete -c depmod -s A -l quick -d 'do nothing if no module is newer than modules.dep'
complete -c depmod -s b -l basedir -x -a '(__fish_complete_directories)' -d 'the module tree is an image under DIR'
complete -c depmod -s m -l moduledir -x -a '(__fish_complete_directories)' -d 'module trees are in DIR, not /lib/modules'
complete -c depmod -s o -l outdir -x -a '(__fish_complete_directories)' -d 'write the indexes under DIR, not the base directory'
complete -c depmod -s C -l config -r -F -d 'read configuration from PATH, not depmod.d (repeatable)'
complete -c depmod -s E -l symvers -r -F -d "with -e: the kernel's symbols and CRCs from Module.symvers"
complete -c depmod -s F -l filesyms -r -F -d "with -e: the kernel's symbols from System.map"
complete -c depmod -s e -l errsyms -d 'report symbols that nothing provides (with -E or -F)'
complete -c depmod -s v -l verbose -d 'print what is done'
complete -c depmod -s n -l show -d 'write the text indexes to stdout, no file'
complete -c depmod -l dry-run -d 'the same as --show'
complete -c depmod -s P -l symbol-prefix -x -d "ignore the architecture's symbol prefix C"
complete -c depmod -s w -l warn -d 'warn about duplicate dependencies and aliases'
complete -c depmod -l no-cache -d 'neither read nor write the module cache (modules.cache.bin)'
complete -c depmod -s V -l version -d 'print the version and exit'
complete -c depmod -s h -l help -d 'print this help and exit'
complete -c depmod -n '__modutils_rs_depmod_operand version' -a '(__modutils_rs_depmod_versions)' -d 'kernel version'
complete -c depmod -n '__modutils_rs_depmod_operand file' -a '(__modutils_rs_module_files)' -d 'module file'
