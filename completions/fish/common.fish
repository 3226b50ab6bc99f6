# modutils-rs fish completion: the part every command's file shares. `make completions` puts it
# in place of the `# @common@` line of each file of completions/fish/, so that every installed
# file stands alone while the code is written once.

# Reads the command line before the token being completed as getopt_long reads it (options
# anywhere, `--` ends them; short options grouped, values attached or in the next word;
# `--long=value`, `--long value`, unique abbreviations of long options), the tool's options
# given as arguments: X:long (a flag) or X=long (takes a value), X or long possibly empty.
# Prints NAME=VALUE for each value given and NAME for each flag (NAME: the long name, else the
# letter), then `operands N` (the operands before the token) and, when the token is the value
# of an option, `value NAME`.
function __modutils_rs_scan
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l pending
    set -l dashdash
    set -l n 0
    for t in $tokens
        if set -q pending[1]
            echo "$pending[1]=$t"
            set -e pending[1]
        else if set -q dashdash[1]; or not string match -qr -- '^-.' $t
            set n (math $n + 1)
        else if test "$t" = --
            set dashdash 1
        else if string match -q -- '--*' $t
            set -l name (string replace -r -- '^--([^=]*).*$' '$1' $t)
            set -l o (__modutils_rs_option long $name $argv)
            if not set -q o[2]
                echo $o[1]
            else if string match -q -- '*=*' $t
                echo $o[1]=(string replace -r -- '^[^=]*=' '' $t)
            else
                set pending $o[1]
            end
        else
            set -l letters (string split '' -- (string sub -s 2 -- $t))
            for k in (seq (count $letters))
                set -l o (__modutils_rs_option short $letters[$k] $argv)
                if not set -q o[2]
                    echo $o[1]
                else if test $k -lt (count $letters)
                    echo $o[1]=(string join '' -- $letters[(math $k + 1)..-1])
                    break
                else
                    set pending $o[1]
                end
            end
        end
    end
    echo operands $n
    set -q pending[1]; and echo value $pending[1]
end

# __modutils_rs_option short|long NAME SPEC...: prints the option's name (long, else the
# letter), then `arg` if it takes a value. An unknown or ambiguous name is printed as a flag.
function __modutils_rs_option
    set -l kind $argv[1]
    set -l name $argv[2]
    set -l found
    for e in $argv[3..-1]
        set -l s (string replace -r -- '^(.?)[:=].*$' '$1' $e)
        set -l l (string replace -r -- '^.?[:=]' '' $e)
        if test $kind = short
            test "$s" = "$name"; or continue
            set found $e
            break
        end
        test -n "$l"; or continue
        if test "$l" = "$name"
            set found $e
            break
        else if string match -q -- "$name*" $l
            if set -q found[1]
                set found ambiguous
            else
                set found $e
            end
        end
    end
    if not set -q found[1]; or test "$found" = ambiguous
        echo $name
        return 1
    end
    set -l l (string replace -r -- '^.?[:=]' '' $found)
    test -n "$l"; and echo $l; or echo $name
    string match -qr -- '^.?=' $found; and echo arg
    return 0
end

# __modutils_rs_value NAME DEFAULT SCAN-LINES...: the last value of option NAME in the output of
# __modutils_rs_scan (a leading ~ expanded), else DEFAULT.
function __modutils_rs_value
    set -l v $argv[2]
    for line in $argv[3..-1]
        string match -q -- "$argv[1]=*" $line; and set v (string sub -s (math (string length -- $argv[1]) + 2) -- $line)
    end
    string replace -r -- '^~(?=/|$)' $HOME $v
end

# How many operands come before the token being completed, from the scan lines.
function __modutils_rs_operands
    string replace -rf -- '^operands ' '' $argv
end

# Module names (arguments) that match the token being completed, - and _ alike: each is
# completed from what was typed, with the separator typed last, else the name's own.
function __modutils_rs_names
    set -l cur (commandline -ct)
    set -l re (string escape --style=regex -- "$cur" | string replace -ra -- '\\\\?[-_]' '[-_]')
    set -l rest (string match -r -- "^$re.*" $argv | string sub -s (math (string length -- "$cur") + 1))
    set -q rest[1]; or return 0
    switch (string replace -ra -- '[^_-]' '' "$cur" | string sub -s -1)
        case _
            set rest (string replace -a -- - _ $rest)
        case -
            set rest (string replace -a -- _ - $rest)
    end
    printf '%s\n' "$cur"$rest | sort -u
end

# The modules of module directory $argv[1] (its modules.dep, else its module files).
function __modutils_rs_modules
    set -l names
    if test -r $argv[1]/modules.dep
        set names (string replace -r -- ':.*' '' <$argv[1]/modules.dep)
    else if test -d $argv[1]
        set names (find -L $argv[1] -name '*.ko*' 2>/dev/null)
    end
    __modutils_rs_names (string replace -r -- '^.*/' '' $names | string replace -rf -- '\.ko(\.xz|\.zst|\.gz)?$' '')
end

# The loaded modules, from /proc/modules.
function __modutils_rs_loaded
    test -r /proc/modules; or return 0
    __modutils_rs_names (string replace -r -- ' .*' '' </proc/modules)
end

# The kernel versions: the directories in $argv[1], a modules root such as /lib/modules.
function __modutils_rs_versions
    for d in $argv[1]/*/
        string replace -r -- '^.*/([^/]+)/$' '$1' $d
    end
end

# Module files (*.ko, *.ko.xz, *.ko.zst, *.ko.gz) and directories that match the token.
function __modutils_rs_module_files
    set -l cur (commandline -ct)
    set -l path (string replace -r -- '^~(?=/|$)' $HOME "$cur")
    for f in $path*
        if test -d $f
            echo $cur(string sub -s (math (string length -- "$path") + 1) -- $f)/
        else if string match -qr -- '\.ko(\.xz|\.zst|\.gz)?$' $f
            echo $cur(string sub -s (math (string length -- "$path") + 1) -- $f)
        end
    end
end
