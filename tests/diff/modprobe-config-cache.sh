#!/usr/bin/env bash
# modprobe's parsed-configuration cache (issue 16, "modprobe.d at any size"): Debian's kmod 30
# modprobe (/usr/sbin/modprobe, which has no cache) and ours with the cache on
# (MODUTILS_MODPROBE_CACHE=$SCR/cache), on Debian's 6.1 tree indexed by kmod's depmod, with a
# generated modprobe.d of a few MB (above the 1 MiB threshold): options, alias (names and pci:
# patterns), blacklist, softdep, install and remove lines for made-up modules, bad lines (so
# there are "ignoring bad line" messages to replay), and a small file of lines for the queried
# names. After each change below (and a wait past the cache's 100 ms window), every query:
#   -c, and for ext4 (dependencies, a softdep in modules.softdep), cc-alias (an alias of vfat),
#   dummy (blacklisted), cc-blk (an alias of it), mii (install and remove commands),
#   nf_conntrack (a configured softdep) and cc-none (no such module): -D, -R, -n -v, -b -R;
#   and -q -D ext4 (-q still prints the configuration's `ignoring bad line`, as kmod's),
#   --show-depends cc-alias, -a -D ext4 mii dummy, -r -n -v mii;
# runs with both tools: exit status and stdout byte for byte, stderr without each tool's prefix
# and without our added lines (ADDED_LINES; under -v also our lines about the cache), as
# tests/diff/config-sweep.py compares them. And strace (open/openat of ours) tells how ours got
# the configuration: a run that parsed opens .conf files; a run that used the cache opens the
# cache file and no .conf file. Expected: after each change, the first run parses and writes a
# new cache (a new inode: temp file + rename), every later run reads it without rewriting it.
#
# The changes: none; a `blacklist vfat` appended; an `install dummy /bin/false` appended (the
# next run must honour it); a line rewritten in place, same size, mtime restored (only the ctime
# tells); a line appended, the first run after it `-q` (the later ones say the messages it did
# not); a .conf file added; one removed; one renamed (parse order changes); a file replaced by a
# symbolic link to a copy, then that copy rewritten in place (mtime restored); modules.softdep
# of the module directory changed; no -C (the default locations, bound over in a private mount
# namespace; a file of /etc/modprobe.d hiding /lib/modprobe.d's, then removed); a second -C
# location (another cache file), then back to one;
# a directory named *.conf in the location (a message every run, the cache still valid), then
# removed; the -C location
# a symbolic link to the directory, then turned to a copy with a line rewritten in place.
# Hostile caches (each: same answers as kmod, no crash, no hang, and where the file is ours to
# replace, a valid cache afterwards): truncated to half, emptied, one byte changed (first,
# tenth, middle, last), garbage, a symbolic link to a valid copy (not followed, not written
# through), mode 0666 and 0620, owned by nobody, a FIFO, a directory; the cache directory mode
# 0777 or 0770 or owned by nobody, or MODUTILS_MODPROBE_CACHE naming a symbolic link to it (not
# trusted: every run parses, nothing written), locked by another process (flock: every run
# parses, none waits or writes), missing (created 0700, the file 0600); FLIPS random
# single-byte changes (no crash or hang, kmod's exit status; the changed answers counted).
# Then: a copy of our binary elsewhere (another executable: its own parse), our kmod multi-call
# binary as modprobe, /proc/cmdline (bound over in a private mount namespace) read fresh by a
# cached run, six first runs at once, a writer killed before its rename (its temporary file
# removed by a later writer once stale), a filesystem with whole-second timestamps (the window
# is 2 s), the threshold (MODUTILS_MODPROBE_CACHE_MIN at the configuration's size writes, one
# byte more neither reads, writes nor looks for a cache; values that are not numbers), a
# configuration below the default threshold, and MODUTILS_MODPROBE_CACHE empty or `0` (no
# cache looked for, not in /run/modutils-rs either); our libkmod.so.2 looks for no cache.
#
# Prints `PASS <name>` / `FAIL <name>` per check and `N passed, N failed`; exits 1 if a check
# failed, 2 if the setup failed.
#
# Usage: tests/diff/modprobe-config-cache.sh [LINES]   (generated lines per big file, default
#                                                      40000: two files, about 3.7 MB)
# Environment: MODPROBE: our modprobe (default `cargo build --release -p modprobe -p kmod`);
# MODUTILS_KMOD: our kmod multi-call binary (default the build's); FLIPS: random byte changes
# (default 40); see tests/lib/lib.sh.
set -euo pipefail
# shellcheck source=tests/lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"
LINES=${1:-40000}
unset MODUTILS_MODPROBE_CACHE MODUTILS_MODPROBE_CACHE_MIN

ensure_packages
command -v strace >/dev/null || install_missing strace=strace
OURS=$(our_tool MODPROBE "$RELEASE_DIR/modprobe" cargo_release modprobe kmod)
OURKMOD=$(our_tool MODUTILS_KMOD "$RELEASE_DIR/kmod" true)
KMP=/usr/sbin/modprobe
"$KMP" --version 2>/dev/null | grep -q '^kmod version' || die "$KMP is not kmod's modprobe"
# shellcheck disable=SC2119 # no /lib/modules needed
ns_ready
id nobody >/dev/null 2>&1 || die "no user nobody"
make_scratch mpconf-test "$WORK"
prepare_kernel 6.1
T=$SCR/t
M=$T/lib/modules/$KVER
tree_copy "$T"
depmod -b "$T" "$KVER" 2>/dev/null || die "kmod's depmod -b $T failed"
case $(stat -c %z "$M/modules.dep") in
    *.000000000' '*) die "$SCR has whole-second timestamps: the 0.25 s waits are too short" ;;
esac

CONF=$SCR/conf.d
CONF2=$SCR/second.conf
ELSEWHERE=$SCR/elsewhere
CDIR=$SCR/cache
mkdir -p "$CONF" "$ELSEWHERE"
NAMES=(ext4 cc-alias dummy cc-blk mii nf_conntrack cc-none)

# gen TAG N: N generated lines for made-up modules gen_TAG_I (a quarter spelt gen-TAG-I), with a
# bad line now and then (an unknown directive, an alias without its module).
gen() {
    awk -v tag="$1" -v n="$2" 'BEGIN {
        for (i = 1; i <= n; i++) {
            m = (i % 4 == 0) ? "gen-" tag "-" i : "gen_" tag "_" i
            k = i % 20
            if (i % 997 == 0) printf "frobnicate %s\n", m
            else if (i % 1999 == 0) printf "alias %s\n", m
            else if (k < 5) printf "options %s p%d=%d x=y\n", m, i % 7, i
            else if (k < 7) printf "alias gen-alias-%s-%d %s\n", tag, i, m
            else if (k < 9) printf "alias pci:v%08Xd%08Xsv*sd*bc*sc*i* %s\n", i, i * 7, m
            else if (k < 12) printf "blacklist %s\n", m
            else if (k < 15) printf "softdep %s pre: gen_pre_%d post: gen_post_%d\n", m, i, i
            else if (k < 18) printf "install %s /sbin/modprobe --ignore-install %s $CMDLINE_OPTS\n", m, m
            else printf "remove %s /sbin/modprobe -r --ignore-remove %s\n", m, m
        }
    }'
}
gen a "$LINES" >"$CONF/10-gen-a.conf"
echo "install mii /bin/echo gen-a" >>"$CONF/10-gen-a.conf"
gen b "$LINES" >"$CONF/20-gen-b.conf"
printf '%s\n' 'options snd_hda_intel cc_extra=1' 'alias cc-extra loop' >"$CONF/60-extra.conf"
cat >"$CONF/90-q.conf" <<'EOF'
# The queried names.
options ext4 cc_ext4=1
alias cc-alias vfat
options cc-alias cc_via_alias=1
options fat cc_fat=1
alias cc-blk dummy
blacklist dummy
install mii /bin/true
remove mii /bin/true
softdep nf_conntrack pre: loop post: mii
options loop max_loop=8
bogus line here
options
EOF
# The queried module names must be real modules of the tree.
for n in ext4 vfat fat dummy mii nf_conntrack loop; do
    grep -q "/$n\.ko:" "$M/modules.dep" || die "no $n in $M/modules.dep"
done

settle() { sleep 0.25; }

# conf_size LOCATION...: the stat sizes of the files modprobe reads: the *.conf of each
# location (a directory) or the location itself (a file), modules.softdep and modules.weakdep.
conf_size() {
    local l sum=0 f
    for l; do
        if [ -d "$l" ]; then
            for f in "$l"/*.conf; do [ -e "$f" ] && sum=$((sum + $(stat -L -c %s "$f"))); done
        else
            sum=$((sum + $(stat -L -c %s "$l")))
        fi
    done
    for f in "$M/modules.softdep" "$M/modules.weakdep"; do
        [ -e "$f" ] && sum=$((sum + $(stat -L -c %s "$f")))
    done
    echo "$sum"
}

# norm FILE [ours-v]: stderr without each tool's prefix and without our added lines (with
# ours-v: also our lines about the cache, which -v may print: the word before any path, or the
# cache file's name).  (The scratch directory's name has neither.)
norm() {
    local drop=$ADDED_LINES
    [ "${2:-}" != ours-v ] || drop="$drop|^modprobe: [^/]*[Cc]ache|modprobe-config-[0-9a-f]{16}"
    grep -Ev "$drop" "$1" | sed -E \
        -e 's/^libkmod: (ERROR|WARNING|NOTICE|INFO|DEBUG) \.\.\/libkmod\/[^ ]+:[0-9]+ [^ ]+: //' \
        -e 's/^modprobe: (ERROR|WARNING|FATAL|INFO|DEBUG|NOTICE): //' || true
}

# The state of a run (see call).
LOC=(-C "$CONF")  # the -C locations
CENV=(MODUTILS_MODPROBE_CACHE="$CDIR") # our environment
WRAP=()           # a command both tools run under (in_ns ... --)
OBIN=$OURS        # the binary (or a link to one) run as our modprobe
# cache_list: the cache directory's entries (name, inode, type), or `none`.
cache_list() {
    if [ -d "$CDIR" ]; then
        find "$CDIR" -mindepth 1 -maxdepth 1 -printf '%f %i %y\n' 2>/dev/null | LC_ALL=C sort
    else
        echo none
    fi
}

# call ARGS...: kmod's modprobe and ours (under strace) with `${LOC[@]} -d T -S KVER ARGS`;
# a mismatch is appended to $SCR/bad; sets HOW (parsed: a .conf opened; cached: the cache file
# opened and no .conf; neither) and WROTE (1 if the cache directory's entries changed).
call() {
    local before v=
    set +e
    "${WRAP[@]}" "$KMP" "${LOC[@]}" -d "$T" -S "$KVER" "$@" >"$SCR/k.out" 2>"$SCR/k.err"
    echo $? >"$SCR/k.rc"
    before=$(cache_list)
    "${WRAP[@]}" env "${CENV[@]}" strace -f -qq -e trace=open,openat -o "$SCR/o.trace" \
        timeout 5 "$OBIN" "${LOC[@]}" -d "$T" -S "$KVER" "$@" >"$SCR/o.out" 2>"$SCR/o.err"
    echo $? >"$SCR/o.rc"
    set -e
    WROTE=0
    [ "$before" = "$(cache_list)" ] || WROTE=1
    if awk '/open(at)?\(.*\.conf"/ && !/O_DIRECTORY/ { f = 1 } END { exit !f }' "$SCR/o.trace"; then
        HOW=parsed
    elif grep -qE 'open(at)?\(.*"([^"]*/)?modprobe-config-[0-9a-f]{16}\.cache", O_RDONLY[^)]*\) = [0-9]+$' \
        "$SCR/o.trace"; then
        HOW=cached
    else
        HOW=neither
        cp "$SCR/o.trace" "$SCR/neither.trace"
    fi
    [[ " $* " != *" -v "* ]] || v=ours-v
    if ! cmp -s "$SCR/k.rc" "$SCR/o.rc" || ! cmp -s "$SCR/k.out" "$SCR/o.out" ||
        ! cmp -s <(norm "$SCR/k.err") <(norm "$SCR/o.err" "$v"); then
        {
            echo "modprobe ${LOC[*]} -d T -S $KVER $* ($HOW):"
            echo "  exit status: kmod $(cat "$SCR/k.rc"), ours $(cat "$SCR/o.rc")"
            diff "$SCR/k.out" "$SCR/o.out" | head -n 6 | sed 's/^/  stdout /' || true
            diff <(norm "$SCR/k.err") <(norm "$SCR/o.err" "$v") | head -n 6 | sed 's/^/  stderr /' || true
        } >>"$SCR/bad"
    fi
    cat "$SCR/k.rc" "$SCR/k.out" "$SCR/k.err" >>"$SCR/kall"
}

# queries: every query of the suite (call for each; with SHORT=1 only three; with QFIRST=1,
# -q -D ext4 first); HOWS and WROTES: what each run did.
SHORT=0 QFIRST=0
queries() {
    local n a q=()
    HOWS=() WROTES=()
    : >"$SCR/bad"
    : >"$SCR/kall"
    q=(-c)
    [ "$QFIRST" = 0 ] || q=("-q -D ext4" -c)
    if [ "$SHORT" = 1 ]; then
        q+=("-D ext4" "-n -v mii")
    else
        for n in "${NAMES[@]}"; do
            for a in -D -R "-n -v" "-b -R"; do q+=("$a $n"); done
        done
        q+=("-q -D ext4" "--show-depends cc-alias" "-a -D ext4 mii dummy" "-r -n -v mii")
    fi
    for a in "${q[@]}"; do
        # shellcheck disable=SC2086 # the options' words
        call $a
        HOWS+=("$HOW") WROTES+=("$WROTE")
    done
}

same_as_kmod() {
    [ -s "$SCR/bad" ] || return 0
    echo "$(grep -c '^modprobe' "$SCR/bad") of ${#HOWS[@]} calls differ:"
    cat "$SCR/bad"
    return 1
}

# runs_were FIRST REST: the first run did FIRST, every later one REST: patterns (globs) of
# parsed, cached or neither, followed by +wrote if it wrote.
runs_were() {
    local i want got
    for i in "${!HOWS[@]}"; do
        want=$2
        [ "$i" != 0 ] || want=$1
        got=${HOWS[i]}
        [ "${WROTES[i]}" = 0 ] || got="$got+wrote"
        # shellcheck disable=SC2053 # a pattern
        if [[ $got != $want ]]; then
            echo "run $((i + 1)) of ${#HOWS[@]}: $got, expected $want"
            echo "cache directory: $(cache_list | tr '\n' ';')"
            grep -E '\.conf"|\.cache' "$SCR/o.trace" | head -n 5
            return 1
        fi
    done
}

# cache_files_ok: the cache directory holds only regular files modprobe-config-<16 hex>.cache of
# mode 0600 owned by us (no temporary file left), and is itself mode 0700.
cache_files_ok() {
    local f bad=0
    [ "$(stat -c %a "$CDIR")" = 700 ] || { echo "$CDIR has mode $(stat -c %a "$CDIR")"; bad=1; }
    for f in "$CDIR"/* "$CDIR"/.*; do
        case ${f##*/} in . | .. | '*' | '.*') continue ;; esac
        if [[ ! ${f##*/} =~ ^modprobe-config-[0-9a-f]{16}\.cache$ ]] || [ -L "$f" ] || [ ! -f "$f" ]; then
            echo "unexpected entry $(stat -c '%F' "$f"): $f"
            bad=1
        elif [ "$(stat -c '%a %u' "$f")" != "600 0" ]; then
            echo "$f: mode and owner $(stat -c '%a %u' "$f")"
            bad=1
        fi
    done
    return $bad
}

# state LABEL EXPECT [changed]: every query, then checks: the same as kmod; EXPECT: cycle (the
# first run parses and writes, the others read the cache), cached (all read it), parse-only (all
# parse, none writes), first-parses (the first parses, the others anything); with `changed`,
# kmod's answers differ from those of the previous state (the change matters).
PREV_K=
state() {
    local label=$1 expect=$2
    settle
    queries
    check "$label: same as kmod 30 (${#HOWS[@]} calls)" same_as_kmod
    case $expect in
        cycle) check "$label: the first run parsed and wrote the cache, the others read it" \
            runs_were parsed+wrote cached ;;
        cached) check "$label: every run read the cache" runs_were cached cached ;;
        parse-only) check "$label: every run parsed, none wrote" runs_were parsed parsed ;;
        first-parses) check "$label: the first run parsed" runs_were 'parsed*' '*' ;;
        *) die "state: unknown expectation $expect" ;;
    esac
    local k
    k=$(md5sum <"$SCR/kall")
    [ "${3:-}" != changed ] || check "$label: kmod's answers changed" test "$k" != "$PREV_K"
    PREV_K=$k
}

# cache_file: the cache file of the current locations (the one the last traced run looked at).
cache_file() {
    local f
    f=$(grep -m1 -oE 'modprobe-config-[0-9a-f]{16}\.cache"' "$SCR/o.trace" | tr -d '"')
    [ -z "$f" ] || echo "$CDIR/$f"
}

# in_place FILE FROM TO: FROM replaced by TO (same length) in FILE, same inode, mtime restored.
in_place() {
    local f=$1 t
    t=$(stat -c %y "$f")
    perl -e 'my ($f, $a, $b) = @ARGV; open(my $h, "+<", $f) or die "$f: $!"; local $/;
        my $d = <$h>; my $n = length $d; $d =~ s/\Q$a\E/$b/ or die "no $a in $f";
        length $d == $n or die "size changed"; seek($h, 0, 0); print $h $d; close $h or die' "$f" "$2" "$3"
    touch -d "$t" "$f"
}

# flip FILE OFFSET [DELTA]: DELTA (default 1) added to the byte at OFFSET.
flip() {
    local b
    b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
    printf '%b' "\\x$(printf %02x $(((b + ${3:-1} + 256) % 256)))" |
        dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

log "configuration: $(conf_size "$CONF") bytes in $(find "$CONF" -name '*.conf' | wc -l) files"
[ "$(conf_size "$CONF")" -ge 1048576 ] || die "the generated configuration is below 1 MiB"

log "first runs and changes"
state "first run" cycle
CF=$(cache_file)
named_ok() { [[ $CF =~ ^$CDIR/modprobe-config-[0-9a-f]{16}\.cache$ ]] && [ -f "$CF" ]; }
check "the cache file is <dir>/modprobe-config-<16 hex>.cache ($CF)" named_ok
check "the cache directory (created 0700) holds only the cache file (0600)" cache_files_ok
state "no change" cached

echo "blacklist vfat" >>"$CONF/90-q.conf"
state "blacklist vfat appended" cycle changed
# (Not ext4: kmod runs no install command for a module with softdeps, which ext4 has.)
echo "install dummy /bin/false" >>"$CONF/90-q.conf"
state "install dummy /bin/false appended" cycle changed
says_false() {
    "$KMP" -C "$CONF" -d "$T" -S "$KVER" -D dummy 2>/dev/null | grep '^install /bin/false' >/dev/null &&
        env "${CENV[@]}" "$OURS" -C "$CONF" -d "$T" -S "$KVER" -D dummy 2>/dev/null |
        grep '^install /bin/false' >/dev/null
}
check "install dummy /bin/false: kmod's -D dummy and ours (from the cache) say so" says_false

ino=$(stat -c '%i %s %y' "$CONF/90-q.conf")
in_place "$CONF/90-q.conf" cc_fat=1 cc_fat=2
check "90-q.conf rewritten in place: same inode, size and mtime" test "$(stat -c '%i %s %y' "$CONF/90-q.conf")" = "$ino"
state "a line rewritten in place (only the ctime tells)" cycle changed
# The cache written by a quiet run: the later runs still say the `ignoring bad line` messages.
echo "options ext4 cc_quiet=1" >>"$CONF/90-q.conf"
QFIRST=1
state "options appended, the first run -q" cycle changed
QFIRST=0

printf '%s\n' 'options ext4 cc_new=1' 'alias cc-new loop' >"$CONF/55-new.conf"
state "55-new.conf added" cycle changed
rm "$CONF/60-extra.conf"
state "60-extra.conf removed" cycle changed
mv "$CONF/90-q.conf" "$CONF/05-q.conf"
state "90-q.conf renamed 05-q.conf (read first)" cycle changed

cp -p "$CONF/20-gen-b.conf" "$ELSEWHERE/20-gen-b.conf"
ln -sf "$ELSEWHERE/20-gen-b.conf" "$CONF/20-gen-b.conf.new"
mv -T "$CONF/20-gen-b.conf.new" "$CONF/20-gen-b.conf"
state "20-gen-b.conf replaced by a symbolic link to a copy" cycle
in_place "$ELSEWHERE/20-gen-b.conf" "x=y" "x=z"
state "the link's target rewritten in place (mtime restored)" cycle changed

echo "softdep vfat post: loop" >>"$M/modules.softdep"
state "modules.softdep: softdep vfat post: loop appended" cycle changed

echo "options loop cc_second=1" >"$CONF2"
LOC=(-C "$CONF" -C "$CONF2")
state "a second -C location (a file)" cycle changed
CF2=$(cache_file)
two_files() { [ "$CF2" != "$CF" ] && [ -f "$CF" ] && [ -f "$CF2" ]; }
check "a second -C location: another cache file ($CF2)" two_files
LOC=(-C "$CONF")
state "back to one -C location: its cache still valid" cached changed
rm -f "$CF2"

# A directory named *.conf in the location: kmod and ours say it is not supported, every run
# (the listing's message, not the cache's); the files read are the same, so is the cache.
mkdir "$CONF/50-sub.conf"
state "a directory 50-sub.conf in the location (the same files read)" cached changed
rmdir "$CONF/50-sub.conf"
state "the directory 50-sub.conf removed" cached changed

# The -C location a symbolic link to the directory, then to a copy of it with one line rewritten
# (same size, mtime restored): the same paths, other files.
ln -s "$CONF" "$SCR/conf-link"
LOC=(-C "$SCR/conf-link")
state "-C a symbolic link to the directory (another cache file)" cycle
cp -a "$CONF" "$SCR/conf-copy"
in_place "$SCR/conf-copy/05-q.conf" cc_ext4=1 cc_ext4=7
ln -sfn "$SCR/conf-copy" "$SCR/conf-link"
state "the -C link turned to a copy with a line rewritten (same names, sizes and mtimes)" cycle changed
rm -rf "$SCR/conf-link" "$SCR/conf-copy"
rm -f "$(cache_file)"
LOC=(-C "$CONF")
state "-C the directory again: its cache still valid" cached changed

log "hostile caches"
# hostile LABEL EXPECT: state LABEL EXPECT, then (cycle) the cache file is a valid one of ours.
hostile() {
    state "$1" "$2"
    [ "$2" = cycle ] || return 0
    check "$1: then a regular cache file of ours, mode 0600, nothing else" cache_files_ok
}
# damage LABEL EXPECT CMD ARGS...: CMD ARGS (which damages the cache file $CF), then hostile
# LABEL EXPECT; a FAIL if there is no cache file to damage.
damage() {
    local label=$1 expect=$2
    shift 2
    if [ -z "$CF" ] || [ -L "$CF" ] || [ ! -f "$CF" ]; then
        fail "$label: (no cache file to damage: '$CF')"
        return 0
    fi
    "$@"
    hostile "$label" "$expect"
}
half() { truncate -s $((size / 2)) "$CF"; }
empty() { : >"$CF"; }
garbage() { head -c "$size" /dev/urandom >"$CF"; }
link_to_copy() {
    cp -p "$CF" "$SCR/valid.cache" # a valid cache of this very configuration
    cp -p "$CF" "$SCR/valid.orig"
    ln -sf "$SCR/valid.cache" "$CF"
}
fifo() { rm "$CF" && mkfifo -m 0600 "$CF"; }
directory() { rm "$CF" && mkdir "$CF"; }
size=$(stat -c %s "$CF" 2>/dev/null || echo 0)
damage "cache truncated to half" cycle half
damage "cache emptied" cycle empty
for off in 0 9 $((size / 2)) $((size - 1)); do
    id=$(stat -c %i "$CF" 2>/dev/null || echo none)
    damage "cache: byte $off of $size changed" cycle flip "$CF" "$off"
    # A damaged cache that was used (not replaced) is repaired, for the next cases.
    [ "$(stat -c %i "$CF" 2>/dev/null || echo none)" != "$id" ] || flip "$CF" "$off" -1
done
damage "cache replaced by garbage" cycle garbage
damage "cache replaced by a symbolic link to a valid copy (not followed)" cycle link_to_copy
[ ! -e "$SCR/valid.orig" ] ||
    check "the link's target was not written through" cmp "$SCR/valid.cache" "$SCR/valid.orig"
damage "cache mode 0666" cycle chmod 0666 "$CF"
damage "cache mode 0620 (group-writable)" cycle chmod 0620 "$CF"
damage "cache owned by nobody" cycle chown nobody "$CF"
SHORT=1
damage "cache is a FIFO (no hang)" first-parses fifo
SHORT=0
rm -f "$CF"
hostile "FIFO removed" cycle
damage "cache path is a directory" parse-only directory
if [ -d "$CF" ]; then
    check "the directory at the cache path left alone" test -d "$CF"
    rmdir "$CF"
    hostile "directory removed" cycle
fi
for mode in 0777 0770; do
    id=$(stat -c %i "$CF" 2>/dev/null || echo none)
    damage "cache directory mode $mode (not trusted)" parse-only chmod "$mode" "$CDIR"
    check "cache directory mode $mode: the cache file left as it was" \
        test "$(stat -c %i "$CF" 2>/dev/null || echo none)" = "$id"
    chmod 0700 "$CDIR" 2>/dev/null || true
    hostile "cache directory mode 0700 again" cached
done
damage "cache directory owned by nobody (not trusted)" parse-only chown nobody "$CDIR"
chown root "$CDIR" 2>/dev/null || true
hostile "cache directory owned by root again" cached
# MODUTILS_MODPROBE_CACHE naming a symbolic link to the (trusted) cache directory.
ln -s "$CDIR" "$SCR/cache-link"
CENV=(MODUTILS_MODPROBE_CACHE="$SCR/cache-link")
id=$(stat -c %i "$CF" 2>/dev/null || echo none)
hostile "MODUTILS_MODPROBE_CACHE a symbolic link to the cache directory (not trusted)" parse-only
check "MODUTILS_MODPROBE_CACHE a symbolic link: the cache file left as it was" \
    test "$(stat -c %i "$CF" 2>/dev/null || echo none)" = "$id"
CENV=(MODUTILS_MODPROBE_CACHE="$CDIR")
rm "$SCR/cache-link"
# Another modprobe holding the directory's lock: the runs after a change neither wait nor write.
echo "options loop cc_locked=1" >>"$CONF/55-new.conf"
# (This shell holds it, on its own open of the directory.)
exec {lockfd}<"$CDIR"
flock -x "$lockfd"
hostile "a change while another process holds the cache directory's lock" parse-only
exec {lockfd}<&-
hostile "the lock released" cycle
rm -rf "$CDIR"
hostile "cache directory removed" cycle

# FLIPS random single-byte changes of a valid cache (seeded): the large arrays and texts are
# only bounds-checked when used (common/src/config/modprobe/cache.rs), so an answer may differ
# from kmod's (counted in a NOTE), but no run may crash (a panic, a signal) or hang, and the
# exit status is kmod's.
FLIPS=${FLIPS:-40}
flip_sweep() {
    local i off a rc bad=0 differ=0 changed
    local -A krc=() per=()
    local qs=(-c "-D ext4" "-D cc-alias" "-R cc-blk" "-n -v mii")
    size=$(stat -c %s "$CF")
    cp "$CF" "$SCR/good.cache"
    for a in "${qs[@]}"; do
        # shellcheck disable=SC2086 # the options' words
        "$KMP" "${LOC[@]}" -d "$T" -S "$KVER" $a >"$SCR/fk.out.${a// /}" 2>/dev/null && krc[$a]=0 || krc[$a]=$?
    done
    RANDOM=16
    for i in $(seq 1 "$FLIPS"); do
        off=$(((RANDOM * 32768 + RANDOM) % size))
        rm -f "$CF"
        cp "$SCR/good.cache" "$CF"
        flip "$CF" "$off" $((RANDOM % 255 + 1))
        changed=0
        for a in "${qs[@]}"; do
            rc=0
            # shellcheck disable=SC2086 # the options' words
            env "${CENV[@]}" timeout 5 "$OURS" "${LOC[@]}" -d "$T" -S "$KVER" $a \
                >"$SCR/f.out" 2>"$SCR/f.err" || rc=$?
            if [ "$rc" != "${krc[$a]}" ] || grep -q 'panicked' "$SCR/f.err"; then
                echo "byte $off of $size changed: modprobe $a: exit status $rc, kmod's ${krc[$a]}"
                head -n 3 "$SCR/f.err"
                bad=1
            fi
            cmp -s "$SCR/f.out" "$SCR/fk.out.${a// /}" || { changed=1; per[$a]=$((${per[$a]:-0} + 1)); }
        done
        differ=$((differ + changed))
    done
    rm -f "$CF"
    cp "$SCR/good.cache" "$CF"
    echo "NOTE: $differ of $FLIPS changed caches gave an answer (stdout) other than kmod's:"
    for a in "${qs[@]}"; do echo "NOTE:   modprobe $a: ${per[$a]:-0}"; done
    return $bad
}
if [ -f "$CF" ]; then
    check "$FLIPS random single-byte changes of the cache: no crash, no hang, kmod's exit status" flip_sweep
else
    fail "$FLIPS random single-byte changes of the cache: (no cache file to damage)"
fi

log "executables, /proc/cmdline, runs at once, a killed writer"
mkdir -p "$SCR/bin"
cp "$OURS" "$SCR/bin/modprobe"
OBIN=$SCR/bin/modprobe
state "a copy of our modprobe (another executable)" cycle
OBIN=$OURS
state "our modprobe again (after the copy's cache)" cycle
tool_links "$SCR/kbin" "$OURKMOD" modprobe
OBIN=$SCR/kbin/modprobe
state "our kmod multi-call binary as modprobe" cycle
OBIN=$OURS
state "our modprobe again (after kmod's cache)" cycle
printf 'ext4.cc_cmd=1 mii.cc_cmd=2 quiet\n' >"$SCR/cmdline"
WRAP=(in_ns --bind "$SCR/cmdline" /proc/cmdline --)
state "/proc/cmdline with ext4.cc_cmd=1 mii.cc_cmd=2 (read fresh)" cached changed
printf 'modprobe.blacklist=loop,vfat cc-alias.cc_cmd=5 nf_conntrack.cc_cmd=4 mii.y="a b"\n' >"$SCR/cmdline"
state "/proc/cmdline changed (read fresh)" cached changed
WRAP=()

rm -rf "$CDIR"
settle
# As at boot, when the kernel starts many modprobes at once: PAR first runs (no cache
# directory yet) at the same moment.
PAR=6
pids=()
for i in $(seq 1 "$PAR"); do
    env "${CENV[@]}" "$OURS" "${LOC[@]}" -d "$T" -S "$KVER" -D ext4 >"$SCR/p$i.out" 2>"$SCR/p$i.err" &
    pids+=($!)
done
"$KMP" "${LOC[@]}" -d "$T" -S "$KVER" -D ext4 >"$SCR/pk.out" 2>/dev/null
par_ok() {
    local i bad=0
    for i in $(seq 1 "$PAR"); do
        wait "${pids[i - 1]}" || { echo "run $i: exit status $?"; bad=1; }
        cmp "$SCR/pk.out" "$SCR/p$i.out" || bad=1
    done
    return $bad
}
check "$PAR first runs at once: all exit 0, stdout as kmod's" par_ok
one_file() { cache_files_ok && [ "$(find "$CDIR" -mindepth 1 | wc -l)" = 1 ]; }
check "$PAR first runs at once: one cache file, mode 0600, no temporary file left" one_file
state "after $PAR first runs at once" cached

# A writer killed before its rename (strace delivers SIGKILL at the rename): its temporary file
# stays; a later writing run removes it once it is stale (its process gone, 60 s old: the rule
# of depmod's temporary files, docs/compatibility.md depmod-stale-temporaries).
echo "options loop cc_killed=1" >>"$CONF/55-new.conf"
settle
(env "${CENV[@]}" strace -f -qq -o /dev/null -e trace=rename,renameat,renameat2 \
    -e inject=rename,renameat,renameat2:signal=SIGKILL \
    "$OURS" "${LOC[@]}" -d "$T" -S "$KVER" -D ext4) >/dev/null 2>&1 || true
tmps() { find "$CDIR" -mindepth 1 -maxdepth 1 -name '.*.tmp'; }
check "a writer killed before its rename left its temporary file" test -n "$(tmps)"
tmps | xargs -r touch -d '-2 minutes'
state "after a writer killed before its rename" cycle changed
check "a later writing run removed the killed writer's stale temporary file" test -z "$(tmps)"
find "$CDIR" -mindepth 1 -maxdepth 1 -name '.*.tmp' -delete

log "the default locations"
# No -C: /etc/modprobe.d (the big configuration) and /lib/modprobe.d bound over in a private
# mount namespace; a file in /etc/modprobe.d hides the one of the same name in /lib/modprobe.d,
# then is removed (the same -C-less key, another listing).
mkdir -p "$SCR/etc.d" "$SCR/lib.d"
cp -L "$CONF"/*.conf "$SCR/etc.d/"
echo "options ext4 cc_from=etc" >"$SCR/etc.d/70-hide.conf"
echo "options ext4 cc_from=lib" >"$SCR/lib.d/70-hide.conf"
cp /lib/modprobe.d/*.conf "$SCR/lib.d/" 2>/dev/null || true
WRAP=(in_ns --bind "$SCR/etc.d" /etc/modprobe.d --bind "$SCR/lib.d" /lib/modprobe.d --)
LOC=()
state "no -C: the default locations" cycle changed
state "no -C: no change" cached
rm "$SCR/etc.d/70-hide.conf"
state "no -C: /etc/modprobe.d/70-hide.conf removed (/lib's read)" cycle changed
WRAP=()
LOC=(-C "$CONF")

log "whole-second timestamps"
# On a filesystem whose timestamps have no sub-second part (ext4 with 128-byte inodes, mounted
# from an image here), the window is 2 s: a run within a second of a change (so within 2 s of
# its whole-second ctime) parses and writes nothing; one 2 s later writes. (The runs here start
# within a few milliseconds of the change; a second is the margin.)
# one_call LABEL: call -D ext4, then the outputs compared with kmod's.
one_call() {
    : >"$SCR/bad"
    call -D ext4
    check "$1: same as kmod 30" same_as_kmod
}
# how_was HOW WROTE: the last call did HOW and wrote (1) or not (0).
how_was() {
    [ "$HOW $WROTE" = "$1 $2" ] && return 0
    echo "the run: $HOW, wrote $WROTE; expected $1, wrote $2"
    echo "cache directory: $(cache_list | tr '\n' ';')"
    return 1
}
whole_seconds() {
    local img=$SCR/seconds.img mnt=$SCR/seconds
    truncate -s 64M "$img"
    mkfs.ext4 -q -I 128 "$img" 2>/dev/null || { echo "mkfs.ext4 -I 128 failed"; return 1; }
    mkdir -p "$mnt"
    mount -o loop "$img" "$mnt" || { echo "mount -o loop failed"; return 1; }
    at_exit umount -l "$mnt"
    touch "$mnt/probe"
    case $(stat -c %z "$mnt/probe") in
        *.000000000' '*) ;;
        *) echo "$mnt has sub-second timestamps: $(stat -c %z "$mnt/probe")"; return 1 ;;
    esac
}
if check "a filesystem with whole-second timestamps (ext4 -I 128, loop-mounted)" whole_seconds; then
    rm -rf "$CDIR"
    cp -rL "$CONF" "$SCR/seconds/conf.d"
    LOC=(-C "$SCR/seconds/conf.d")
    one_call "whole seconds: a run right after the files were copied"
    check "whole seconds: a run right after the files were copied parsed, wrote nothing" how_was parsed 0
    sleep 2.2
    one_call "whole seconds: a run 2.2 s later"
    check "whole seconds: a run 2.2 s later parsed and wrote the cache" how_was parsed 1
    one_call "whole seconds: the next run"
    check "whole seconds: the next run read the cache" how_was cached 0
    echo "blacklist ext4" >>"$SCR/seconds/conf.d/05-q.conf"
    one_call "whole seconds: a run right after a blacklist line was appended"
    check "whole seconds: a run right after a change parsed, wrote nothing" how_was parsed 0
    one_call "whole seconds: the next run, still within 2 s"
    check "whole seconds: the next run, still within 2 s, parsed, wrote nothing" how_was parsed 0
    sleep 2.2
    one_call "whole seconds: a run 2.2 s after the change"
    check "whole seconds: a run 2.2 s after the change parsed and wrote the cache" how_was parsed 1
    one_call "whole seconds: the next run"
    check "whole seconds: the next run read the cache" how_was cached 0
    LOC=(-C "$CONF")
fi

log "libkmod.so.2"
# Our libkmod.so.2 (kmod_new, then a lookup that needs the configuration: an alias of it) with
# the big configuration and the cache's variables set: the configuration parsed, no cache
# looked for; the lookup's answer is that of kmod 30's library.
build_libkmod
cat >"$SCR/ctx.py" <<'EOF'
import ctypes, sys
lib = ctypes.CDLL(sys.argv[1])
lib.kmod_new.restype = ctypes.c_void_p
lib.kmod_new.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_char_p)]
lib.kmod_module_new_from_lookup.argtypes = [ctypes.c_void_p, ctypes.c_char_p,
                                            ctypes.POINTER(ctypes.c_void_p)]
lib.kmod_module_get_module.restype = ctypes.c_void_p
lib.kmod_module_get_module.argtypes = [ctypes.c_void_p]
lib.kmod_module_get_name.restype = ctypes.c_char_p
lib.kmod_module_get_name.argtypes = [ctypes.c_void_p]
lib.kmod_list_next.restype = ctypes.c_void_p
lib.kmod_list_next.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
ctx = lib.kmod_new(sys.argv[2].encode(), (ctypes.c_char_p * 2)(sys.argv[3].encode(), None))
if not ctx:
    sys.exit("kmod_new failed")
for name in sys.argv[4:]:
    lst = ctypes.c_void_p()
    r = lib.kmod_module_new_from_lookup(ctx, name.encode(), ctypes.byref(lst))
    names, it = [], lst.value
    while it:
        names.append(lib.kmod_module_get_name(lib.kmod_module_get_module(it)).decode())
        it = lib.kmod_list_next(lst.value, it)
    print(name, r, names)
EOF
libkmod_lookup() {
    local before
    before=$(cache_list)
    env "${CENV[@]}" MODUTILS_MODPROBE_CACHE_MIN=0 strace -f -qq -e trace=%file -o "$SCR/l.trace" \
        python3 "$SCR/ctx.py" "$LIBKMOD_DIR/libkmod.so.2" "$M" "$CONF" cc-alias cc-blk ext4 \
        >"$SCR/l.out" 2>"$SCR/l.err" || { echo "our library's client failed:"; cat "$SCR/l.err"; return 1; }
    python3 "$SCR/ctx.py" /lib/x86_64-linux-gnu/libkmod.so.2 "$M" "$CONF" cc-alias cc-blk ext4 \
        >"$SCR/lk.out" 2>/dev/null || { echo "kmod's library's client failed"; return 1; }
    diff "$SCR/lk.out" "$SCR/l.out" || return 1
    grep -q '\.conf"' "$SCR/l.trace" || { echo "no .conf file opened"; return 1; }
    if grep 'modprobe-config-[0-9a-f]' "$SCR/l.trace"; then
        echo "(the cache looked for)"
        return 1
    fi
    [ "$before" = "$(cache_list)" ] || { echo "the cache directory changed"; return 1; }
}
check "libkmod.so.2: the configuration parsed, no cache looked for, lookups as kmod 30's library" \
    libkmod_lookup

log "threshold, disabled"
# traced_ours ARGS...: our modprobe -D ext4 with the environment ARGS (env's), every file
# system call traced into $SCR/t.trace; checks the output is kmod's.
traced_ours() {
    env -u MODUTILS_MODPROBE_CACHE "$@" strace -f -qq -e trace=%file -o "$SCR/t.trace" \
        "$OURS" "${LOC[@]}" -d "$T" -S "$KVER" -D ext4 >"$SCR/t.out" 2>"$SCR/t.err" || true
    "$KMP" "${LOC[@]}" -d "$T" -S "$KVER" -D ext4 >"$SCR/tk.out" 2>"$SCR/tk.err" || true
    cmp "$SCR/tk.out" "$SCR/t.out" && cmp <(norm "$SCR/tk.err") <(norm "$SCR/t.err")
}
# no_cache_looked_for DIR [made]: no file system call named DIR or a modprobe-config- file;
# with made, DIR was not made.
no_cache_looked_for() {
    if grep -E "\"($1|[^\"]*modprobe-config-[0-9a-f]{16})" "$SCR/t.trace"; then
        echo "(the cache looked for)"
        return 1
    fi
    [ "${2:-}" != made ] || [ ! -e "$1" ] || { echo "$1 was made"; return 1; }
}
size=$(conf_size "$CONF")
rm -rf "$CDIR"
check "MODUTILS_MODPROBE_CACHE_MIN=$((size + 1)) (one byte more than the configuration): same as kmod" \
    traced_ours MODUTILS_MODPROBE_CACHE="$CDIR" MODUTILS_MODPROBE_CACHE_MIN=$((size + 1))
check "MODUTILS_MODPROBE_CACHE_MIN=$((size + 1)): no cache looked for" no_cache_looked_for "$CDIR" made
check "MODUTILS_MODPROBE_CACHE_MIN=$size (the configuration's size): same as kmod" \
    traced_ours MODUTILS_MODPROBE_CACHE="$CDIR" MODUTILS_MODPROBE_CACHE_MIN="$size"
check "MODUTILS_MODPROBE_CACHE_MIN=$size: a cache written" compgen -G "$CDIR/modprobe-config-*.cache"
for v in abc -1 1k ''; do
    check "MODUTILS_MODPROBE_CACHE_MIN='$v': same as kmod" \
        traced_ours MODUTILS_MODPROBE_CACHE="$CDIR" MODUTILS_MODPROBE_CACHE_MIN="$v"
done
for v in "" 0; do
    check "MODUTILS_MODPROBE_CACHE='$v': same as kmod" traced_ours MODUTILS_MODPROBE_CACHE="$v"
    check "MODUTILS_MODPROBE_CACHE='$v': no cache looked for (nor in /run/modutils-rs)" \
        no_cache_looked_for /run/modutils-rs
done
# A small configuration (below the default threshold), the cache directory not set: not even
# /run/modutils-rs looked at.
mkdir -p "$SCR/small.d"
cp "$CONF/05-q.conf" "$SCR/small.d/"
LOC=(-C "$SCR/small.d")
settle
check "a small configuration, default threshold: same as kmod" traced_ours
check "a small configuration, default threshold: no cache looked for in /run/modutils-rs" \
    no_cache_looked_for /run/modutils-rs
check "a small configuration, MODUTILS_MODPROBE_CACHE set: same as kmod" \
    traced_ours MODUTILS_MODPROBE_CACHE="$SCR/cache-small"
check "a small configuration, MODUTILS_MODPROBE_CACHE set: no cache looked for" \
    no_cache_looked_for "$SCR/cache-small" made
summary
