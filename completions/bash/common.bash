# modutils-rs bash completion: the part every command's file shares. `make completions` puts it
# in place of the `# @common@` line of each file of completions/bash/, so that every installed
# file stands alone while the code is written once.
# Names start with _modutils_rs_ so that another package's completions are left alone.

# Sets the caller's cur, prev, words, cword and split: bash-completion's _init_completion -s
# when bash-completion is loaded, else the same read from COMP_WORDS, `--opt=value` as one word
# (bash splits it at the `=`). Returns non-zero when there is nothing more to do.
_modutils_rs_init() {
    if declare -F _init_completion >/dev/null; then
        _init_completion -s
        return
    fi
    local i w n
    words=() cword=0 split=false
    for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
        w=${COMP_WORDS[i]}
        n=${#words[@]}
        if ((n > 1)) && { [[ $w == = && ${words[n - 1]} == --* && ${words[n - 1]} != *=* ]] ||
            [[ ${COMP_WORDS[i - 1]} == = && ${words[n - 1]} == --*= ]]; }; then
            words[n - 1]+=$w
        else
            words+=("$w")
        fi
        ((i == COMP_CWORD)) && cword=$((${#words[@]} - 1))
    done
    cur=${2-${COMP_WORDS[COMP_CWORD]}}
    [[ ${COMP_WORDS[COMP_CWORD]} == = ]] && cur=
    if [[ ${words[cword]} == --*=* ]]; then
        prev=${words[cword]%%=*}
        split=true
    else
        prev=${words[cword - 1]}
    fi
    return 0
}

# Finds option NAME (a long option without its dashes, or a unique abbreviation of one) in the
# caller's spec: sets canon (its long name) and hasarg (yes or empty). Unknown or ambiguous
# names are taken as flags, as nothing here depends on them.
_modutils_rs_long() {
    local e l found=
    canon=$1 hasarg=
    for e in "${spec[@]}"; do
        l=${e#*[:=]}
        [[ $l ]] || continue
        if [[ $l == "$1" ]]; then
            found=$e
            break
        fi
        if [[ $l == "$1"* ]]; then
            [[ $found ]] && found=ambiguous || found=$e
        fi
    done
    [[ $found && $found != ambiguous ]] || return 1
    canon=${found#*[:=]}
    [[ $found == *=* ]] && hasarg=yes
    return 0
}

# The same for short option letter C: canon is its long name (or the letter if it has none).
_modutils_rs_short() {
    local e
    canon=$1 hasarg=
    for e in "${spec[@]}"; do
        if [[ $e == "$1"[:=]* ]]; then
            canon=${e:2}
            [[ $canon ]] || canon=$1
            [[ $e == ?=* ]] && hasarg=yes
            return 0
        fi
    done
    return 1
}

# Reads words[START...] as getopt_long reads them (options anywhere, `--` ends them; short
# options grouped, their values attached or in the next word; `--long=value`, `--long value`,
# abbreviated long options), with the options of the caller's spec: entries `X:long` (a flag)
# or `X=long` (takes a value), X or long possibly empty. Sets the caller's vals[NAME] (the last
# value given to option NAME, long name or letter), flags[NAME]=1 for flags, nopnd (how many
# operands come before the current word), and ctx, what the current word is: `arg NAME` (a value
# of option NAME; when the value is attached, as in -S6.1, pre is what comes before it and cur
# is left with the value), `opt` (an option) or `operand`.
_modutils_rs_parse() {
    local i=$1 w j c canon hasarg pending= dashdash=
    ctx=operand pre= nopnd=0
    for (( ; i < ${#words[@]}; i++)); do
        w=${words[i]}
        if ((i == cword)); then
            if [[ $pending ]]; then
                ctx="arg $pending"
                pending=
            elif [[ $split == true && $prev == --?* ]]; then
                _modutils_rs_long "${prev#--}"
                [[ $hasarg ]] && ctx="arg $canon" || ctx=none
            elif [[ ! $dashdash && $cur == -?* && $cur != --* ]]; then
                ctx=opt
                for ((j = 1; j < ${#cur} - 1; j++)); do
                    _modutils_rs_short "${cur:j:1}"
                    if [[ $hasarg ]]; then
                        ctx="arg $canon" pre=${cur:0:j+1} cur=${cur:j+1}
                        break
                    fi
                done
            elif [[ ! $dashdash && $cur == -* ]]; then
                ctx=opt
            fi
            continue
        fi
        if [[ $pending ]]; then
            vals[$pending]=$w
            pending=
        elif [[ $dashdash || $w != -?* ]]; then
            ((i < cword)) && ((nopnd++))
        elif [[ $w == -- ]]; then
            dashdash=yes
        elif [[ $w == --* ]]; then
            w=${w#--}
            _modutils_rs_long "${w%%=*}"
            if [[ ! $hasarg ]]; then
                flags[$canon]=1
            elif [[ $w == *=* ]]; then
                vals[$canon]=${w#*=}
            else
                pending=$canon
            fi
        else
            for ((j = 1; j < ${#w}; j++)); do
                _modutils_rs_short "${w:j:1}"
                if [[ ! $hasarg ]]; then
                    flags[$canon]=1
                elif ((j + 1 < ${#w})); then
                    vals[$canon]=${w:j+1}
                    break
                else
                    pending=$canon
                fi
            done
        fi
    done
}

# The value of option NAME as the tool will see it (quotes removed, a leading ~ expanded), in
# REPLY; REPLY is DEFAULT when the option is not on the line.
_modutils_rs_value() {
    REPLY=${2-}
    [[ -v vals[$1] ]] || return 0
    local v=${vals[$1]} q= c i
    REPLY=
    for ((i = 0; i < ${#v}; i++)); do
        c=${v:i:1}
        if [[ $q == \' ]]; then
            [[ $c == \' ]] && q= || REPLY+=$c
        elif [[ $c == \\ ]]; then
            ((i++))
            REPLY+=${v:i:1}
        elif [[ $q == \" ]]; then
            [[ $c == \" ]] && q= || REPLY+=$c
        elif [[ $c == [\'\"] ]]; then
            q=$c
        else
            REPLY+=$c
        fi
    done
    [[ $REPLY == \~ ]] && REPLY=$HOME
    [[ $REPLY == \~/* ]] && REPLY=$HOME/${REPLY#\~/}
    return 0
}

# Adds to COMPREPLY each argument that starts with cur, pre before it.
_modutils_rs_reply() {
    local w
    for w; do
        [[ $w == "$cur"* ]] && COMPREPLY+=("$pre$w")
    done
}

# The options of the caller's spec that start with cur.
_modutils_rs_options() {
    local e s l
    local -a all=()
    for e in "${spec[@]}"; do
        s=${e%%[:=]*} l=${e#*[:=]}
        [[ $s ]] && all+=("-$s")
        [[ $l ]] && all+=("--$l")
    done
    _modutils_rs_reply "${all[@]}"
}

# Module names that match cur, - and _ being the same: each is completed from what was typed,
# with the separator typed last (else the file's own), so snd_h gives snd_hda_intel for
# snd-hda-intel.ko.
_modutils_rs_reply_names() {
    local name rest sep=${cur//[!_-]/}
    local -A seen=()
    sep=${sep: -1}
    for name; do
        [[ ${name//-/_} == "${cur//-/_}"* ]] || continue
        rest=${name:${#cur}}
        case $sep in
            _) rest=${rest//-/_} ;;
            -) rest=${rest//_/-} ;;
        esac
        [[ -v seen[$cur$rest] ]] && continue
        seen[$cur$rest]=1
        COMPREPLY+=("$pre$cur$rest")
    done
}

# The modules of module directory DIR (DIR/modules.dep, else the module files under DIR),
# matched against cur: a name is a file's name without its .ko, .ko.xz, .ko.zst or .ko.gz.
_modutils_rs_modules() {
    local -a names=()
    if [[ -r $1/modules.dep ]]; then
        mapfile -t names < <(sed -En 's/:.*//; s|.*/||; s/\.ko(\.xz|\.zst|\.gz)?$//p' "$1/modules.dep")
    elif [[ -d $1 ]]; then
        mapfile -t names < <(find -L "$1" \( -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.zst' \
            -o -name '*.ko.gz' \) -printf '%f\n' 2>/dev/null | sed -E 's/\.ko(\.xz|\.zst|\.gz)?$//')
    fi
    _modutils_rs_reply_names "${names[@]}"
}

# The loaded modules (from /proc/modules) that match cur.
_modutils_rs_loaded() {
    local name rest
    local -a names=()
    if [[ -r /proc/modules ]]; then
        while read -r name rest; do
            names+=("$name")
        done </proc/modules
    fi
    _modutils_rs_reply_names "${names[@]}"
}

# The kernel versions, the directories in DIR (a modules root such as /lib/modules), that
# start with cur.
_modutils_rs_versions() {
    local d
    local -a all=()
    for d in "$1"/*/; do
        d=${d%/}
        [[ -d $d ]] && all+=("${d##*/}")
    done
    _modutils_rs_reply "${all[@]}"
}

# Files (any, or with -d directories only, or with -m module files and directories) that start
# with cur.
_modutils_rs_files() {
    local f
    if [[ $pre ]]; then
        compopt -o filenames 2>/dev/null
        if [[ ${1-} == -d ]]; then
            mapfile -t -O ${#COMPREPLY[@]} COMPREPLY < <(compgen -P "$pre" -d -- "$cur")
        else
            mapfile -t -O ${#COMPREPLY[@]} COMPREPLY < <(compgen -P "$pre" -f -- "$cur")
        fi
    elif declare -F _filedir >/dev/null; then
        case ${1-} in
            -d) _filedir -d ;;
            -m) _filedir 'ko?(.@(xz|zst|gz))' ;;
            *) _filedir ;;
        esac
    else
        compopt -o filenames 2>/dev/null
        while IFS= read -r f; do
            case ${1-} in
                -d) [[ -d $f ]] || continue ;;
                -m) [[ -d $f || $f == *.ko || $f == *.ko.xz || $f == *.ko.zst || $f == *.ko.gz ]] ||
                    continue ;;
            esac
            COMPREPLY+=("$f")
        done < <(compgen -f -- "$cur")
    fi
}
