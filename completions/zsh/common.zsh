# modutils-rs zsh completion: the part every command's file shares. `make completions` puts it
# in place of the `# @common@` line of each file of completions/zsh/, so that every installed
# file stands alone while the code is written once.

# Reads the command line ($words, the word being completed left out) as getopt_long reads it
# (options anywhere, `--` ends them; short options grouped, a value attached or in the next
# word; --long=value, --long value, unique abbreviations of long names), with the options given
# as arguments: X:long (a flag) or X=long (takes a value), X or long possibly empty. Sets the
# caller's vals[NAME] to the last value of each option given one, flags[NAME] for each flag
# given (NAME: the long name, else the letter), and nopnd to the number of operands before the
# word being completed. (_arguments' opt_args and operand count are not used: zsh 5.9 gets a
# value wrong in a group such as -vdDIR, and knows no abbreviated long option.)
(( $+functions[_modutils_rs_scan] )) ||
_modutils_rs_scan() {
  local i j w pending dashdash
  nopnd=0
  for (( i = 2; i <= $#words; i++ )); do
    (( i == CURRENT )) && { pending=; continue }
    w=$words[i]
    if [[ -n $pending ]]; then
      vals[$pending]=$w
      pending=
    elif [[ -n $dashdash || $w != -?* ]]; then
      (( i < CURRENT && nopnd++ ))
    elif [[ $w == -- ]]; then
      dashdash=1
    elif [[ $w == --?* ]]; then
      w=${w#--}
      _modutils_rs_option long ${w%%=*} "$@"
      if [[ -z $reply[2] ]]; then
        flags[$reply[1]]=1
      elif [[ $w == *=* ]]; then
        vals[$reply[1]]=${w#*=}
      else
        pending=$reply[1]
      fi
    else
      for (( j = 2; j <= $#w; j++ )); do
        _modutils_rs_option short $w[j] "$@"
        if [[ -z $reply[2] ]]; then
          flags[$reply[1]]=1
        elif (( j < $#w )); then
          vals[$reply[1]]=$w[j+1,-1]
          break
        else
          pending=$reply[1]
        fi
      done
    fi
  done
}

# _modutils_rs_option short|long NAME SPEC...: reply=(the option's name (long, else the letter),
# `arg` if it takes a value). An unknown or ambiguous name is taken as a flag.
(( $+functions[_modutils_rs_option] )) ||
_modutils_rs_option() {
  local kind=$1 name=$2 e found s l
  shift 2
  for e; do
    s=${(M)e#?[:=]} l=${e#*[:=]}
    s=${s%[:=]}
    if [[ $kind == short ]]; then
      [[ -n $s && $s == $name ]] && { found=$e; break }
    elif [[ -n $l && $l == $name ]]; then
      found=$e
      break
    elif [[ -n $l && $l == ${(b)name}* ]]; then
      [[ -n $found ]] && found=ambiguous || found=$e
    fi
  done
  if [[ -z $found || $found == ambiguous ]]; then
    reply=($name '')
    return 1
  fi
  l=${found#*[:=]}
  reply=(${l:-$name} ${${(M)found#?=}:+arg})
  [[ $found == [=]* ]] && reply[2]=arg
  return 0
}

# The value of option NAME ($1) from _modutils_rs_scan in REPLY, unquoted and with a leading ~
# expanded; $2 (the default) when the option is not on the line.
(( $+functions[_modutils_rs_value] )) ||
_modutils_rs_value() {
  if (( $+vals[$1] )); then
    REPLY=${(Q)vals[$1]}
    REPLY=${REPLY/#\~/$HOME}
  else
    REPLY=$2
  fi
}

# The kernel versions: the directories in $1, a modules root such as /lib/modules.
(( $+functions[_modutils_rs_versions] )) ||
_modutils_rs_versions() {
  local -a expl versions
  versions=( $1/*(N-/:t) )
  _wanted kernel-versions expl 'kernel version' compadd -a versions
}

# The modules of module directory $1 (from its modules.dep, else its module files): file names
# without .ko, .ko.xz, .ko.zst or .ko.gz; - and _ match each other.
(( $+functions[_modutils_rs_modules] )) ||
_modutils_rs_modules() {
  local -a expl names
  if [[ -r $1/modules.dep ]]; then
    names=( ${${(f)"$(<$1/modules.dep)"}%%:*} )
  elif [[ -d $1 ]]; then
    names=( $1/**/*.ko(|.xz|.zst|.gz)(N) )
  fi
  names=( ${(u)${${names:t}%.ko(|.xz|.zst|.gz)}} )
  _wanted modules expl module compadd -M 'm:-=_ m:_=-' -a names
}

# The loaded modules, from /proc/modules.
(( $+functions[_modutils_rs_loaded] )) ||
_modutils_rs_loaded() {
  local -a expl names
  [[ -r /proc/modules ]] && names=( ${${(f)"$(</proc/modules)"}%% *} )
  _wanted modules expl 'loaded module' compadd -M 'm:-=_ m:_=-' -a names
}

# Module files (and directories).
(( $+functions[_modutils_rs_module_files] )) ||
_modutils_rs_module_files() {
  _files -g '*.ko(|.xz|.zst|.gz)(-.)'
}
