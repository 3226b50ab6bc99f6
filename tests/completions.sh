#!/usr/bin/env bash
# The shell completions (completions/bash, zsh, fish) and how `make install` lays them out.
# Run as root on Debian 12 (it uses private mount namespaces); installs bash-completion, zsh and
# fish if they are missing (apt-get update first unless MODUTILS_APT_UPDATED=1). Checks:
#   - `make completions` puts each shell's common part into every command's file, and each file
#     so made loads and registers for its command, in each shell;
#   - option completion offers exactly the options of the tool's table (`pub const OPTIONS` in
#     the tool's source, kmod's STATIC_NODES_OPTIONS and COMMANDS), none marked .compat();
#   - bash (bash-completion's bash_completion sourced, then without it), zsh (a real TAB in an
#     interactive zsh on a pty, matches caught at compadd) and fish (complete -C) complete, on a
#     made-up module tree: modprobe's module names with -d DIR / -S VERSION on the line (the
#     default version is `uname -r`), loaded modules for -r; kernel versions for -S, -k and
#     depmod's VERSION (in DIR/lib/modules with -d/-b, BASEDIR/MODULEDIR with depmod -m);
#     modinfo's names and files; insmod's module files; files and directories for option values;
#     kmod's commands and static-nodes' formats; - and _ alike in module names;
#   - loaded modules come from /proc/modules: checked against the real one (which lists nothing
#     on a kernel without modules, or is missing: then the answer must be empty), and against a
#     made-up one (a tmpfs over /proc in a private mount namespace);
#   - `make install-completions` (what `make install` runs for them) with PREFIX=/usr and with
#     the default /usr/local: the exact file list; no path that bash-completion, zsh-common or
#     fish-common install (for /usr/local: that any package installs); and, with the files laid
#     over the real directories in a private mount namespace, that bash (a login shell on a pty,
#     as Debian starts bash-completion), zsh (compinit with the default fpath) and fish (the
#     default fish_complete_path, XDG_DATA_DIRS unset) use ours, not their own or
#     bash-completion's; `make uninstall-completions` removes every file.
# Prints `PASS`/`FAIL` per check and `N passed, N failed`; exits 1 on failure.
# shellcheck disable=SC2191 # a lone = in the case tables is a word: "as bash gives"
set -euo pipefail
# shellcheck source=tests/lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/lib.sh"
cd "$ROOT"
TOP=$PWD

install_missing /usr/share/bash-completion/bash_completion=bash-completion zsh=zsh fish=fish make=make

make_scratch completions-test
D=$SCR
# same WHAT EXPECTED GOT: words compared as sorted sets.
same() {
    local want got
    want=$(tr ' ' '\n' <<<"$2" | sed '/^$/d' | LC_ALL=C sort -u | tr '\n' ' ')
    got=$(tr ' ' '\n' <<<"$3" | sed '/^$/d' | LC_ALL=C sort -u | tr '\n' ' ')
    [ "$want" = "$got" ] && return 0
    printf '%s\n  expected: %s\n  got:      %s\n' "$1" "$want" "$got"
    return 1
}

PROGRAMS=(kmod insmod rmmod lsmod modprobe depmod modinfo)
H=$D/home # an empty home: no user configuration of any shell
mkdir -p "$H"

# ---- a made-up module tree ----
R=$D/root
M=$R/lib/modules
mkdir -p "$M"/6.1.0-test/kernel/{drivers/net,drivers/block,fs/fat,sound/pci/hda} \
    "$M"/6.12.0-other/kernel/{fs/ext4,drivers/net} "$M"/6.5.0-nodep/kernel/net
touch "$M"/6.1.0-test/kernel/drivers/net/dummy.ko "$M"/6.1.0-test/kernel/fs/fat/vfat.ko.xz \
    "$M"/6.1.0-test/kernel/fs/fat/fat.ko.xz "$M"/6.1.0-test/kernel/sound/pci/hda/snd-hda-intel.ko.zst \
    "$M"/6.1.0-test/kernel/drivers/block/loop.ko.gz \
    "$M"/6.12.0-other/kernel/fs/ext4/ext4.ko.xz "$M"/6.12.0-other/kernel/drivers/net/dummy.ko.xz \
    "$M"/6.5.0-nodep/kernel/net/foo-bar.ko "$M"/README
cat >"$M"/6.1.0-test/modules.dep <<'EOF'
kernel/drivers/net/dummy.ko:
kernel/fs/fat/vfat.ko.xz: kernel/fs/fat/fat.ko.xz
kernel/fs/fat/fat.ko.xz:
kernel/sound/pci/hda/snd-hda-intel.ko.zst:
kernel/drivers/block/loop.ko.gz:
EOF
printf '%s\n' kernel/fs/ext4/ext4.ko.xz: kernel/drivers/net/dummy.ko.xz: >"$M"/6.12.0-other/modules.dep
# A tree for the running kernel's version, for the default of -S / -k.
R2=$D/running
mkdir -p "$R2/lib/modules/$(uname -r)"
echo "kernel/misc/running-only.ko:" >"$R2/lib/modules/$(uname -r)/modules.dep"
VERSIONS="6.1.0-test 6.12.0-other 6.5.0-nodep"
# The working directory: module files and others.
C=$D/cwd
mkdir -p "$C/sub"
touch "$C"/{a.ko,b.ko.xz,c.ko.zst,d.ko.gz,e.txt,f.ko.bz2} "$C/sub/g.ko"
KOFILES="a.ko b.ko.xz c.ko.zst d.ko.gz"
ALLFILES="$KOFILES e.txt f.ko.bz2"
# What the real system gives: versions in /lib/modules, loaded modules in /proc/modules.
REAL_VERSIONS=$(for d in /lib/modules/*/; do if [ -d "$d" ]; then basename "$d"; fi; done | tr '\n' ' ')
REAL_LOADED=$([ -r /proc/modules ] && cut -d' ' -f1 /proc/modules | tr '\n' ' ' || true)
FAKE_LOADED="dummy fat snd_hda_intel vfat"

# ---- the options each tool takes, from its table in the sources ----
cat >"$D/opts.pl" <<'EOF'
# opts.pl FILE CONST: the options of `pub const CONST` in FILE, one per line (-x, --long),
# without those marked .compat(); for CONST=COMMANDS the command names. An entry is
# Opt::flag(...), Opt::value(...) or one of common/src/getopt.rs's shorthands for a flag
# (Opt::version(KEY), Opt::help(KEY): read there).
my ($file, $const) = @ARGV;
open my $fh, '<', $file or die "$file: $!";
my $src = do { local $/; <$fh> };
$src =~ /pub const \Q$const\E\b[^=]*=\s*(.*?)\n};?\n/s or die "$file: no pub const $const\n";
my $body = $1;
if ($const eq 'COMMANDS') {
    print "$1\n" while $body =~ /\(\s*"([^"]+)",/g;
    exit;
}
my $str = qr/"(?:[^"\\]|\\[\s\S])*"/;
my $args;
$args = qr/\((?:$str|'(?:[^'\\]|\\.)'|[^()"']++|(??{$args}))*\)/;
my %shorthand;
{
    open my $g, '<', 'common/src/getopt.rs' or die "common/src/getopt.rs: $!";
    my $gs = do { local $/; <$g> };
    $shorthand{$1} = $2 while $gs =~ /pub const fn (\w+)\(key: K\) -> Opt<K> \{\s*Opt::flag\s*($args)/g;
}
my $n = 0;
while ($body =~ /Opt::(\w+)\s*($args)(\s*\.compat\(\))?/g) {
    my ($fn, $a, $compat) = ($1, $2, $3);
    next unless $fn eq 'flag' || $fn eq 'value' || exists $shorthand{$fn};
    $a = $shorthand{$fn} if exists $shorthand{$fn};
    $n++;
    next if $compat;
    $a =~ /^\(\s*(None|Some\('(.)'\))\s*,\s*(None|Some\("([^"]+)"\))/ or die "$file: cannot read $a\n";
    print "-$2\n" if defined $2;
    print "--$4\n" if defined $4;
}
$n or die "$file: no option in $const\n";
EOF
# table CRATE CONST: the options of `pub const CONST` in the crate's sources, wherever it is.
table() {
    local file
    file=$(grep -rlE "pub const $2\b" "$1/src" | head -n 1)
    [ -n "$file" ] || die "no pub const $2 in $1/src"
    perl "$D/opts.pl" "$file" "$2" | tr '\n' ' '
}
declare -A OPTS
for t in insmod rmmod lsmod modprobe depmod modinfo kmod; do
    OPTS[$t]=$(table "$t" OPTIONS)
done
OPTS[static-nodes]=$(table kmod STATIC_NODES_OPTIONS)
COMMANDS=$(table kmod COMMANDS)
# What the tables say, so that a broken extraction fails here rather than passing silently.
tables_read() {
    [[ " ${OPTS[modprobe]} " == *" --show-depends "* && " ${OPTS[modprobe]} " == *" -S "* ]] &&
        [[ " ${OPTS[modprobe]} " != *" --show-alias "* ]] && # .compat()
        [[ " ${OPTS[insmod]} " != *" -p "* && " ${OPTS[depmod]} " != *" --quiet "* ]] &&
        [[ " ${OPTS[static-nodes]} " == *" --format "* ]] &&
        same "kmod commands" "help list static-nodes" "$COMMANDS"
}
check "the options tables read from the sources (compat options left out)" tables_read

# ---- the files as installed ----
# `make completions` puts each shell's common part into every command's file.
make -s completions COMPLETIONS="$D/completions" >"$D/make-completions.log" 2>&1 ||
    { cat "$D/make-completions.log"; exit 2; }
CMP=$D/completions
# assembled SHELL FILE...: every FILE holds the shell's common part where its marker was.
assembled() {
    local shell=$1 f
    shift
    for f; do
        grep -q '^# @common@$' "$f" && { echo "$f: the marker is still there"; return 1; }
        grep -qF -f <(head -n 5 "completions/$shell/common.$shell") "$f" ||
            { echo "$f: no common part"; return 1; }
    done
}
check "bash: every file has the common part" assembled bash "$CMP"/bash/{kmod,insmod,rmmod,lsmod,modprobe,depmod,modinfo}
check "zsh: every file has the common part" assembled zsh "$CMP"/zsh/_{kmod,insmod,rmmod,lsmod,modprobe,depmod,modinfo}
check "fish: every file has the common part" assembled fish "$CMP"/fish/{kmod,insmod,rmmod,lsmod,modprobe,depmod,modinfo}.fish

# ---- bash ----
# bash-complete.sh MODE LINE: COMPREPLY for LINE, the cursor at its end, one per line. MODE
# bc: bash-completion loaded, then our file for the command; plain: our file alone; system:
# bash-completion alone (it loads whatever is installed). COMP_WORDS are made as bash makes them: split at
# blanks, and a `=` (in COMP_WORDBREAKS) a word of its own; the function is called with the
# command, the current word ("" after a `=`) and the previous word, as bash calls it: the
# command's own (complete -F), else the default one (complete -D, bash-completion's on-demand
# loader), and again after a 124 (loaded, try again).
cat >"$D/bash-complete.sh" <<'EOF'
mode=$1 line=$2
[ "$mode" = plain ] || . /usr/share/bash-completion/bash_completion
[ "$mode" = system ] || . "$COMPDIR/${line%% *}"
COMP_WORDS=()
read -ra ws <<<"$line"
for w in "${ws[@]}"; do
    while [[ $w == *=* ]]; do
        [[ ${w%%=*} ]] && COMP_WORDS+=("${w%%=*}")
        COMP_WORDS+=("=")
        w=${w#*=}
    done
    [[ $w ]] && COMP_WORDS+=("$w")
done
[[ $line == *[[:blank:]] ]] && COMP_WORDS+=("")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMP_LINE=$line
COMP_POINT=${#line}
cur=${COMP_WORDS[COMP_CWORD]}
[[ $cur == = ]] && cur=
for try in 1 2; do
    spec=$(complete -p "${COMP_WORDS[0]}" 2>/dev/null || complete -p -D) || exit 1
    fn=${spec#* -F }
    fn=${fn%% *}
    COMPREPLY=()
    rc=0
    "$fn" "${COMP_WORDS[0]}" "$cur" "${COMP_WORDS[COMP_CWORD - 1]}" || rc=$?
    ((rc == 124)) || break
done
complete -p "${COMP_WORDS[0]}" >/dev/null 2>&1 || exit 1
printf '%s\n' "${COMPREPLY[@]}"
EOF
# bash_case MODE LINE EXPECTED: completing LINE in the working directory gives EXPECTED.
bash_case() {
    local got
    got=$(cd "$C" && COMPDIR=$CMP/bash HOME=$H bash "$D/bash-complete.sh" "$1" "$2") ||
        { echo "no completion for ${2%% *}"; return 1; }
    same "$2" "$3" "$got"
}

loads_bash() {
    local p
    for p in "${PROGRAMS[@]}"; do
        [ "$(bash -c '. "$1" && complete -p "$2"' sh "$CMP/bash/$p" "$p")" = "complete -F _modutils_rs_$p $p" ] ||
            { echo "completions/bash/$p: no completion registered for $p"; return 1; }
    done
}
check "bash: each file loads (without bash-completion) and registers its command" loads_bash

# The cases, for each shell: LINE then what bash, zsh and fish give (= for the same as bash).
# zsh reports the candidates as it matched them (a directory without its /, an attached value
# without its option, a module in its file's spelling); fish adds / to directories and keeps
# what comes before the value in the word.
CASES=(
    # option names
    "modprobe --show-d" "--show-depends" = =
    "modprobe --sho" "--show --show-config --show-depends --show-exports --show-modversions --showconfig" = =
    "depmod --q" "--quick" = =
    "modinfo --set" "--set-version" = =
    # module names: modules.dep of DIR/lib/modules/VERSION, from -d and -S in any spelling and place
    "modprobe -d $R -S 6.1.0-test vf" "vfat" = =
    "modprobe -d $R -S 6.1.0-test " "dummy fat loop snd-hda-intel vfat" = =
    "modprobe -d $R -S 6.12.0-other " "dummy ext4" = =
    "modprobe -S 6.12.0-other -d $R e" "ext4" = =
    "modprobe --dirname=$R --set-version=6.1.0-test l" "loop" = =
    "modprobe --dirname $R --set-version 6.1.0-test --first-time -b l" "loop" = =
    "modprobe -vd $R -S 6.1.0-test l" "loop" = =
    "modprobe -vd$R -S6.1.0-test l" "loop" = =
    "modprobe -d $R -S 6.5.0-nodep f" "foo-bar" = =
    "modprobe -d $R2 run" "running-only" = =
    "modprobe -d $R -S 6.1.0-test -- d" "dummy" = =
    # - and _ alike
    "modprobe -d $R -S 6.1.0-test snd_h" "snd_hda_intel" "snd-hda-intel" =
    "modprobe -d $R -S 6.1.0-test snd-h" "snd-hda-intel" = =
    # the module's parameters come after its name (with -a, more names)
    "modprobe -d $R -S 6.1.0-test dummy " "" = =
    "modprobe -d $R -S 6.1.0-test -a dummy " "dummy fat loop snd-hda-intel vfat" = =
    # kernel versions
    "modprobe -d $R -S " "$VERSIONS" = =
    "modprobe -d $R -S 6.12" "6.12.0-other" = =
    "modprobe -d $R --set-version=" "$VERSIONS" = "--set-version=6.1.0-test --set-version=6.12.0-other --set-version=6.5.0-nodep"
    "modprobe -d $R -S6.1" "-S6.1.0-test -S6.12.0-other" "6.1.0-test 6.12.0-other" =
    "modprobe -S " "$REAL_VERSIONS" = =
    "modinfo -b $R -k " "$VERSIONS" = =
    "depmod -b $R " "$VERSIONS" = =
    "depmod --basedir=$R -a 6.1" "6.1.0-test 6.12.0-other" = =
    "depmod -b $R -m /lib/modules 6.5" "6.5.0-nodep" = =
    "depmod -b $D -m root/lib/modules 6.5" "6.5.0-nodep" = =
    # files and directories
    "insmod " "$KOFILES sub" = "$KOFILES sub/"
    "insmod sub/" "sub/g.ko" "g.ko" =
    "insmod -f a" "a.ko" = =
    "insmod a.ko " "" = =
    "modprobe -d $R -S 6.1.0-test --show-exports " "$KOFILES sub" = "$KOFILES sub/"
    "modprobe -C " "$ALLFILES sub" = "$ALLFILES sub/"
    "modprobe -d " "sub" = "sub/"
    "depmod -b $R 6.1.0-test " "$KOFILES sub" = "$KOFILES sub/"
    "depmod -E " "$ALLFILES sub" = "$ALLFILES sub/"
    "depmod -o " "sub" = "sub/"
    "depmod -m " "sub" = "sub/"
    "depmod -F " "$ALLFILES sub" = "$ALLFILES sub/"
    "modinfo -b " "sub" = "sub/"
    "modprobe --config=" "$ALLFILES sub" = "$(printf -- '--config=%s ' $ALLFILES sub/)"
    # modinfo: names and files
    "modinfo -b $R -k 6.1.0-test du" "dummy" = =
    "modinfo --basedir $R --set-version 6.1.0-test vf" "vfat" = =
    "modinfo -b $R -k 6.12.0-other " "dummy ext4 $KOFILES sub" = "dummy ext4 $KOFILES sub/"
    "modinfo -b $R2 run" "running-only" = =
    "modinfo -F sig" "sig_hashalgo sig_id sig_key signat signer" = =
    # kmod
    "kmod " "$COMMANDS" = =
    "kmod s" "static-nodes" = =
    "kmod -- l" "list" = =
    "kmod static-nodes -f " "devname human tmpfiles" = =
    "kmod static-nodes --format=t" "tmpfiles" = "--format=tmpfiles"
    "kmod static-nodes -o " "$ALLFILES sub" = "$ALLFILES sub/"
    "kmod help " "" = =
)
# Option lists: `TOOL -` offers exactly the table's options.
for t in insmod rmmod lsmod modprobe depmod modinfo kmod; do
    CASES+=("$t -" "${OPTS[$t]}" = =)
done
CASES+=("kmod static-nodes -" "${OPTS[static-nodes]}" = =
    "kmod list -" "${OPTS[lsmod]}" = =)
# Loaded modules: the real /proc/modules.
CASES+=("rmmod " "$REAL_LOADED" = =
    "modprobe -r " "$REAL_LOADED" = =)

for ((i = 0; i < ${#CASES[@]}; i += 4)); do
    check "bash: ${CASES[i]}" bash_case bc "${CASES[i]}" "${CASES[i + 1]}"
done
# Without bash-completion (the files' own word splitting and file listing): the same answers.
for ((i = 0; i < ${#CASES[@]}; i += 4)); do
    check "bash without bash-completion: ${CASES[i]}" bash_case plain "${CASES[i]}" "${CASES[i + 1]}"
done

# ---- zsh ----
# zsh-complete.zsh FPATHDIR OUT LINE...: types each LINE and TAB in an interactive zsh on a pty
# (compinit, FPATHDIR first in fpath unless it is -), and writes to OUT.N the candidates that
# matched in the completion of LINE N: a compadd wrapper records them.
cat >"$D/zsh-complete.zsh" <<'EOF'
zmodload zsh/zpty || exit 2
fp=$1 out=$2
shift 2
zpty -b z zsh -f -i
[[ $fp != - ]] && zpty -w z "fpath=($fp \$fpath)"
zpty -w z "PS1='' RPS1=''; autoload -U compinit; compinit -u -D"
zpty -w z "zstyle ':completion:*' menu no; unsetopt automenu autolist listambiguous beep"
zpty -w z 'compadd() { if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi; local -a __h; builtin compadd -O __h "$@"; (( $#__h )) && print -rl -- $__h >>$__OUT; builtin compadd "$@"; }'
n=0
for line; do
  n=$((n + 1))
  zpty -w z "__OUT=$out.$n; : >\$__OUT"
  zpty -w -n z "$line"$'\t'
  zpty -w -n z $'\C-a\C-k'
  zpty -w z "print DONE-\$((${n}000 + 1))"
  zpty -r z got "*DONE-${n}001*" || exit 3
done
zpty -d z
EOF
zsh_run() { # zsh_run FPATHDIR OUT LINE...
    (cd "$C" && HOME=$H timeout 120 zsh -f "$D/zsh-complete.zsh" "$@")
}
zsh_got() { sort -u "$1" | tr '\n' ' '; }
# zsh_case N LINE EXPECTED: what zsh_run wrote for its Nth line.
zsh_case() { [ -e "$D/zout.$1" ] || { cat "$D/zsh.log"; return 1; }; same "$2" "$3" "$(zsh_got "$D/zout.$1")"; }

loads_zsh() {
    local p got
    for p in "${PROGRAMS[@]}"; do
        [ "$(head -n 1 "$CMP/zsh/_$p")" = "#compdef $p" ] || { echo "_$p: first line"; return 1; }
    done
    got=$(HOME=$H zsh -f -c 'fpath=($1 $fpath); autoload -U compinit; compinit -u -D
        for p in kmod insmod rmmod lsmod modprobe depmod modinfo; do
            print -rn -- "$p=$_comps[$p] "; autoload +X _$p || exit 1
        done' zsh "$CMP/zsh" 2>&1)
    same "compinit: command=function" \
        "kmod=_kmod insmod=_insmod rmmod=_rmmod lsmod=_lsmod modprobe=_modprobe depmod=_depmod modinfo=_modinfo" "$got"
}
check "zsh: each file loads in compinit without errors and registers for its command" loads_zsh

ZL=()
for ((i = 0; i < ${#CASES[@]}; i += 4)); do ZL+=("${CASES[i]}"); done
rm -f "$D"/zout.*
zsh_run "$CMP/zsh" "$D/zout" "${ZL[@]}" >"$D/zsh.log" 2>&1 || true
for ((i = 0; i < ${#CASES[@]}; i += 4)); do
    want=${CASES[i + 2]}
    [ "$want" = = ] && want=${CASES[i + 1]}
    n=$((i / 4 + 1))
    check "zsh: ${CASES[i]}" zsh_case "$n" "${CASES[i]}" "$want"
done

# ---- fish ----
# fish_case DIR LINE EXPECTED: `complete -C LINE` with DIR first in fish_complete_path (none if
# DIR is -) gives EXPECTED (the candidates, descriptions cut).
fish_case() {
    local got
    got=$(cd "$C" && HOME=$H fish -c 'test $argv[1] != -; and set -p fish_complete_path $argv[1]
        complete -C$argv[2]' "$1" "$2" | cut -f1)
    same "$2" "$3" "$got"
}
loads_fish() {
    local p out
    for p in "${PROGRAMS[@]}"; do
        fish -n "$CMP/fish/$p.fish" || return 1
        grep -q "^complete -c $p " "$CMP/fish/$p.fish" || { echo "$p.fish: no complete -c $p"; return 1; }
        out=$(HOME=$H fish -c 'set -p fish_complete_path $argv[1]; complete -C"$argv[2] -" >/dev/null
            complete -c $argv[2]' "$CMP/fish" "$p")
        grep -q -- "^complete $p .*-s h" <<<"$out" || { echo "$p.fish: not loaded"; return 1; }
    done
}
check "fish: each file parses, loads and registers for its command" loads_fish
for ((i = 0; i < ${#CASES[@]}; i += 4)); do
    want=${CASES[i + 3]}
    [ "$want" = = ] && want=${CASES[i + 1]}
    check "fish: ${CASES[i]}" fish_case "$CMP/fish" "${CASES[i]}" "$want"
done

# ---- loaded modules from a made-up /proc/modules ----
# fake_proc CMD...: runs CMD in a private mount namespace where /proc is a tmpfs holding the
# real /proc's entries (as symbolic links) and a modules file listing $FAKE_LOADED.
fake_proc() {
    mkdir -p "$D/realproc"
    unshare -m --propagation private bash -c '
        set -e
        mount --bind /proc "$1"
        mount -t tmpfs tmpfs /proc
        for e in "$1"/*; do ln -s "$e" /proc/; done
        rm -f /proc/modules
        printf "%s\n" "dummy 16384 0 - Live 0x0000000000000000" "snd_hda_intel 57344 0 - Live 0x0000000000000000" \
            "vfat 24576 0 - Live 0x0000000000000000" "fat 86016 1 vfat, Live 0x0000000000000000" >/proc/modules
        shift
        exec "$@"' sh "$D/realproc" "$@"
}
fake_proc_works() { fake_proc cut -d' ' -f1 /proc/modules >"$D/fake.out" && same /proc/modules "$FAKE_LOADED" "$(cat "$D/fake.out")"; }
check "a made-up /proc/modules in a private mount namespace" fake_proc_works
LOADED_CASES=(
    "rmmod " "$FAKE_LOADED" = =
    "rmmod -v snd-" "snd-hda-intel" "snd_hda_intel" =
    "modprobe -r v" "vfat" = =
    "modprobe -d $R -S 6.1.0-test --remove " "$FAKE_LOADED" = =
    "modprobe -rv f" "fat" = =
    "modprobe -d $R -S 6.1.0-test f" "fat" = =
)
for ((i = 0; i < ${#LOADED_CASES[@]}; i += 4)); do
    check "bash, loaded modules: ${LOADED_CASES[i]}" fake_proc bash -c "$(declare -f bash_case same); C=$C H=$H D=$D TOP=$TOP CMP=$CMP; bash_case bc \"\$1\" \"\$2\"" sh "${LOADED_CASES[i]}" "${LOADED_CASES[i + 1]}"
done
ZL=()
for ((i = 0; i < ${#LOADED_CASES[@]}; i += 4)); do ZL+=("${LOADED_CASES[i]}"); done
rm -f "$D"/zout.*
fake_proc bash -c "$(declare -f zsh_run); C=$C H=$H D=$D; zsh_run \"\$@\"" sh "$CMP/zsh" "$D/zout" "${ZL[@]}" >"$D/zsh.log" 2>&1 || true
for ((i = 0; i < ${#LOADED_CASES[@]}; i += 4)); do
    want=${LOADED_CASES[i + 2]}
    [ "$want" = = ] && want=${LOADED_CASES[i + 1]}
    check "zsh, loaded modules: ${LOADED_CASES[i]}" zsh_case $((i / 4 + 1)) "${LOADED_CASES[i]}" "$want"
done
for ((i = 0; i < ${#LOADED_CASES[@]}; i += 4)); do
    want=${LOADED_CASES[i + 3]}
    [ "$want" = = ] && want=${LOADED_CASES[i + 1]}
    check "fish, loaded modules: ${LOADED_CASES[i]}" fake_proc bash -c "$(declare -f fish_case same); C=$C H=$H; fish_case \"\$@\"" sh "$CMP/fish" "${LOADED_CASES[i]}" "$want"
done

# ---- the installed layout ----
# Files of the packages whose completions ours must not replace.
OTHERS=$D/others
dpkg -L bash-completion zsh-common fish-common | LC_ALL=C sort -u >"$OTHERS"
others_known() {
    grep -qx /usr/share/bash-completion/completions/modprobe "$OTHERS" &&
        grep -qx /usr/share/zsh/functions/Completion/Linux/_modutils "$OTHERS" &&
        grep -qx /usr/share/fish/completions/modprobe.fish "$OTHERS"
}
check "bash-completion, zsh-common and fish-common ship their modprobe completions" others_known

# expected PREFIX: the files `make install-completions` installs.
expected() {
    local p
    for p in "${PROGRAMS[@]}"; do
        echo "$1/share/modutils-rs/bash-completion/$p"
        if [ "$1" = /usr ]; then
            echo "/usr/share/zsh/vendor-completions/_$p"
            echo "/usr/share/fish/vendor_completions.d/$p.fish"
        else
            echo "$1/share/zsh/site-functions/_$p"
            echo "/etc/fish/completions/$p.fish"
        fi
    done
    echo /etc/bash_completion.d/modutils-rs
}
same_files() { diff <(expected "$2" | LC_ALL=C sort) <(files "$1"); }
no_collision() {
    local f owner bad=0
    while read -r f; do
        if grep -qxF -- "$f" "$OTHERS"; then
            echo "$f is a file of bash-completion, zsh-common or fish-common"
            bad=1
        fi
        # For /usr/local: no package at all.
        if [ "$2" = any ] && owner=$(dpkg -S "$f" 2>/dev/null); then
            echo "$f belongs to $owner"
            bad=1
        fi
    done < <(files "$1")
    return $bad
}

# in_layout STAGE CMD...: runs CMD in a private mount namespace where the directories of STAGE
# (a DESTDIR) are laid over the real ones (read-only overlays), as if installed there; with an
# empty home and no XDG_* variables, as a fresh login has them.
in_layout() {
    local stage=$1
    shift
    env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME="$H" TERM=dumb \
        LANG=C.UTF-8 unshare -m --propagation private bash -c '
        set -e
        s=$1
        shift
        for d in etc/bash_completion.d etc/fish/completions usr/share usr/local/share; do
            [ -d "$s/$d" ] || continue
            mount -t overlay overlay -o "lowerdir=$s/$d:/$d" "/$d"
        done
        cd "$0"
        exec "$@"' "$C" "$stage" "$@"
}

# bash-interactive.zsh OUT LINE...: a bash login shell on a pty (as a terminal starts it: Debian
# starts bash-completion from /etc/profile.d), each LINE typed and TAB pressed; OUT.N gets the
# line as completed.
cat >"$D/bash-interactive.zsh" <<'EOF'
zmodload zsh/zpty || exit 2
out=$1
shift
zpty -b b bash --login -i
zpty -w b "PS1=''; bind 'set bell-style none'; __r() { printf '%s\n' \"\$1\" >\"\$2\"; echo DONE-\$((\$3 + 1)); }"
n=0
for line; do
  n=$((n + 1))
  zpty -w -n b "$line"$'\t'
  zpty -w -n b $'\C-a''__r "'
  zpty -w b $'\C-e'"\" $out.$n $((n * 1000))"
  zpty -r b got "*DONE-${n}001*" || exit 3
done
zpty -d b
EOF

layout() { # layout PREFIX NAME: install, check, use, uninstall
    local prefix=$1 tag=$2 S=$D/stage-$2 p args=()
    [ "$prefix" = /usr ] && args=(PREFIX=/usr)
    make -s install-completions DESTDIR="$S" "${args[@]}" >"$D/make.log" 2>&1 || { cat "$D/make.log"; exit 2; }
    check "$tag: exactly the expected files" same_files "$S" "$prefix"
    if [ "$prefix" = /usr ]; then
        check "$tag: no path of bash-completion, zsh-common or fish-common" no_collision "$S" others
    else
        check "$tag: no path of any package" no_collision "$S" any
    fi

    # bash: bash-completion, started as Debian starts it, has our loader for the seven commands
    # from the start, and the loader gives our completion.
    bash_registered() {
        local got
        got=$(in_layout "$S" bash -c '. /usr/share/bash-completion/bash_completion
            for p in "$@"; do complete -p $p; done' sh "${PROGRAMS[@]}" 2>&1)
        same "complete -p" "$(for p in "${PROGRAMS[@]}"; do echo "complete -F _modutils_rs_load $p"; done)" "$got"
    }
    check "$tag: bash-completion registers our loader for each command" bash_registered
    for l in "modprobe -d $R -S 6.1.0-test vf|vfat" "modinfo -b $R -k 6.1.0-test du|dummy" \
        "insmod |$KOFILES sub" "kmod static-nodes -|${OPTS[static-nodes]}" "depmod --q|--quick" \
        "lsmod --verb|--verbose" "rmmod -|${OPTS[rmmod]}"; do
        system_case() { same "$1" "$2" "$(in_layout "$S" bash "$D/bash-complete.sh" system "$1")"; }
        check "$tag: bash-completion gives ours: ${l%%|*}" system_case "${l%%|*}" "${l#*|}"
    done
    bash_tab() {
        rm -f "$D"/bout.*
        in_layout "$S" timeout 60 zsh -f "$D/bash-interactive.zsh" "$D/bout" \
            "modprobe -d $R -S 6.1.0-test vf" "modinfo -b $R -k 6.12.0-other ex" "rmmod --fo" >"$D/bash.log" 2>&1 ||
            { cat "$D/bash.log"; return 1; }
        [ "$(cat "$D/bout.1")" = "modprobe -d $R -S 6.1.0-test vfat " ] &&
            [ "$(cat "$D/bout.2")" = "modinfo -b $R -k 6.12.0-other ext4 " ] &&
            [ "$(cat "$D/bout.3")" = "rmmod --force " ] || { head "$D"/bout.*; return 1; }
    }
    check "$tag: TAB in an interactive bash completes with ours" bash_tab

    # zsh: compinit with the default fpath maps each command to our function.
    zsh_registered() {
        local got
        got=$(in_layout "$S" zsh -f -c 'autoload -U compinit; compinit -u -D
            for p in kmod insmod rmmod lsmod modprobe depmod modinfo; do
                print -rn -- "$p=$_comps[$p] "; autoload +X _$p || exit 1
            done
            print -r -- $functions_source[_modprobe]' 2>&1)
        same "compinit" "kmod=_kmod insmod=_insmod rmmod=_rmmod lsmod=_lsmod modprobe=_modprobe depmod=_depmod modinfo=_modinfo
            $(expected "$prefix" | grep '/_modprobe$')" "$got"
    }
    check "$tag: zsh's compinit takes ours for each command" zsh_registered
    zsh_dump() {
        local got
        got=$(in_layout "$S" zsh -f -c 'autoload -U compinit; compinit -u -d $HOME/dump.$1; compinit -u -d $HOME/dump.$1
            print -r -- $_comps[modprobe] $_comps[modinfo] $_comps[insmod] $_comps[rmmod] $_comps[lsmod]' zsh "$tag" 2>&1)
        same "compinit with a dump file" "_modprobe _modinfo _insmod _rmmod _lsmod" "$got"
    }
    check "$tag: zsh's compinit with its dump file takes ours" zsh_dump
    zsh_tab() {
        rm -f "$D"/zout.*
        in_layout "$S" bash -c "$(declare -f zsh_run); C=$C H=$H D=$D; zsh_run - \"\$@\"" sh "$D/zout" \
            "modprobe -d $R -S 6.1.0-test vf" "modinfo -b $R -k 6.12.0-other ex" "rmmod --fo" >"$D/zsh.log" 2>&1 ||
            { cat "$D/zsh.log"; return 1; }
        same "modprobe" vfat "$(zsh_got "$D/zout.1")" && same "modinfo" ext4 "$(zsh_got "$D/zout.2")" &&
            same "rmmod" --force "$(zsh_got "$D/zout.3")"
    }
    check "$tag: TAB in zsh (default fpath) completes with ours" zsh_tab

    # fish: the default fish_complete_path finds ours first (fish-common's modprobe, modinfo
    # and rmmod completions know neither -d nor our descriptions).
    fish_ours() {
        local got
        got=$(in_layout "$S" fish -c 'complete -C"modprobe -d $argv[1] -S 6.1.0-test vf"
            complete -C"modinfo -b $argv[1] -k 6.1.0-test du"; complete -C"rmmod --fo"
            complete -C"kmod static-nodes --format=d"; complete -C"depmod --q"' "$R" 2>&1)
        printf '%s\n' "$got"
        [ "$got" = "vfat	module
dummy	module
--force	remove even a module in use (needs CONFIG_MODULE_FORCE_UNLOAD; dangerous)
--format=devname	modules.devname's
--quick	do nothing if no module is newer than modules.dep" ]
    }
    check "$tag: fish (default fish_complete_path) completes with ours" fish_ours

    make -s uninstall-completions DESTDIR="$S" "${args[@]}" >/dev/null
    check "$tag: make uninstall-completions removes every file" uninstalled "$S"
}
echo "== make install-completions PREFIX=/usr"
layout /usr "PREFIX=/usr"
echo "== make install-completions (PREFIX=/usr/local)"
layout /usr/local "PREFIX=/usr/local"

summary
