#!/usr/bin/env bash
# Errors that say what to do (issue 17, part 3), beside Debian's kmod 30 on Debian's 6.1 tree.
# Each case runs kmod's tool and ours with the same arguments and checks:
#   - the exit status, stdout and stderr are kmod's once our added lines are left out
#     (ADDED_LINES, tests/lib/lib.sh: `<tool>: HINT: ...` after an error, modprobe -v's
#     `modprobe: skipping NAME: why`): the hints add to kmod's message, never change it;
#   - our added lines are exactly the expected ones, worked out from what the case set up (the
#     file it damaged, the names the tree's modules.dep has, the module it added), not copied
#     from our output; and where a hint gives a command, that command is run and fixes the
#     problem.
# Cases: unknown names (closest names, `-`/`_` folded, at most three; none for aliases), no
# modules.dep (depmod never run), a module newer than the indexes, no module directory, -q
# (silent), -a, -r; modprobe -v skipping a blacklisted and a built-in module; insmod given a
# module name; modinfo on a directory, a file not named like a module, an empty, a truncated,
# a text, a damaged .xz file, one without .modinfo, a missing file. (Already loaded: the VM's
# hints scenario, on a real kernel.)
#
# Usage: tests/diff/hints.sh        Environment: see tests/lib/lib.sh.
set -euo pipefail
# shellcheck source=tests/lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"

ensure_packages
cargo_release modprobe modinfo insmod
make_scratch hints "$WORK"
prepare_kernel 6.1
V=$KVER
T=$SCR/t
tree_copy "$T"
M=$T/lib/modules/$V
depmod -b "$T" "$V" 2>/dev/null
mkdir -p "$SCR/conf" "$SCR/bin"
echo "blacklist dummy" >"$SCR/conf/b.conf"
for t in modprobe modinfo insmod; do
    ln -s "$RELEASE_DIR/$t" "$SCR/bin/$t"
done

N=0
# both TOOL ARGS...: kmod's TOOL and ours (the same argv[0]) on ARGS in $SCR; outputs in
# $P.{k,o}.{out,err,rc}, ours' added lines in $P.added.
both() {
    local tool=$1
    shift
    P=$SCR/run.$((N += 1))
    (cd "$SCR" && set +e && "/usr/sbin/$tool" "$@" >"$P.k.out" 2>"$P.k.err"; echo $? >"$P.k.rc")
    (cd "$SCR" && set +e && "$SCR/bin/$tool" "$@" >"$P.o.out" 2>"$P.o.err"; echo $? >"$P.o.rc")
    sed -i "s|$SCR/bin/|/usr/sbin/|g" "$P.o.err"
    grep -a -E "$ADDED_LINES" "$P.o.err" >"$P.added" || true
    sed -i -E "/$ADDED_LINES/d" "$P.o.err"
}

# like_kmod_plus EXPECTED...: the last `both` ran like kmod apart from our added lines, which
# are exactly EXPECTED (none when none given).
like_kmod_plus() {
    local f bad=0
    for f in rc out err; do
        cmp -s "$P.k.$f" "$P.o.$f" || { echo "$f differs from kmod's (< kmod, > ours):"; diff "$P.k.$f" "$P.o.$f" | head -n 10; bad=1; }
    done
    if [ $# -gt 0 ]; then printf '%s\n' "$@"; fi >"$P.want"
    cmp -s "$P.want" "$P.added" || { echo "added lines (< expected, > ours):"; diff "$P.want" "$P.added"; bad=1; }
    [ $bad = 1 ] || echo "NOTE: exit status $(cat "$P.o.rc"); $(wc -l <"$P.added") added line(s)"
    return $bad
}

in_tree() { grep -q -E "/$1\.ko(\.[a-z]+)?:" "$M/modules.dep"; }

# ------------------------------------------------------------------ unknown names
case_close_names() {
    local n
    in_tree e1000x && { echo "e1000x is in the tree"; return 1; }
    for n in e1000 e1000e e100; do in_tree "$n" || { echo "$n is not in the tree"; return 1; }; done
    both modprobe -d "$T" -S "$V" e1000x
    like_kmod_plus "modprobe: HINT: did you mean e1000, e1000e, e100?"
}
check "modprobe: an unknown name gets the three closest names, nearest first" case_close_names

case_folded() {
    in_tree dm-crypt || return 1
    both modprobe -d "$T" -S "$V" dm-cyrpt
    like_kmod_plus "modprobe: HINT: did you mean dm_crypt?"
}
check "modprobe: '-' and '_' are folded, a swap of neighbours is one edit" case_folded

case_far() {
    both modprobe -d "$T" -S "$V" qqqqzzzz
    like_kmod_plus
}
check "modprobe: no suggestion when nothing is close" case_far

case_alias() {
    both modprobe -d "$T" -S "$V" 'pci:v0000FFFFd*'
    like_kmod_plus
}
check "modprobe: no suggestion for a device alias" case_alias

case_quiet() {
    both modprobe -q -d "$T" -S "$V" vfta
    like_kmod_plus && [ ! -s "$P.o.err" ]
}
check "modprobe -q: silent, hints too" case_quiet

case_all() {
    both modprobe -a -d "$T" -S "$V" qqqqzzzz vfta
    like_kmod_plus "modprobe: HINT: did you mean vfat?"
}
check "modprobe -a: a hint after each unknown name that has close ones" case_all

case_remove() {
    both modprobe -r -d "$T" -S "$V" vfta
    like_kmod_plus "modprobe: HINT: did you mean vfat?"
}
check "modprobe -r: an unknown name gets suggestions too" case_remove

case_modinfo_names() {
    both modinfo -b "$T" -k "$V" vfta
    like_kmod_plus "modinfo: HINT: did you mean vfat?" || return 1
    both modinfo -m -b "$T" -k "$V" dm-cyrpt
    like_kmod_plus "modinfo: HINT: did you mean dm_crypt?"
}
check "modinfo: unknown names (and -m) get suggestions" case_modinfo_names

# ------------------------------------------------------------------ indexes missing or old
case_no_depmod() {
    local e=$SCR/e
    mkdir -p "$e/lib/modules/$V"
    cp -al "$M/kernel" "$e/lib/modules/$V/"
    both modprobe -d "$e" -S "$V" vfat
    like_kmod_plus "modprobe: HINT: $e/lib/modules/$V has no modules.dep: depmod has not been run for kernel $V; run: depmod -b $e $V" || return 1
    both modinfo -b "$e" -k "$V" vfat
    like_kmod_plus "modinfo: HINT: $e/lib/modules/$V has no modules.dep: depmod has not been run for kernel $V; run: depmod -b $e $V" || return 1
    # The command the hint gives fixes it.
    depmod -b "$e" "$V" 2>/dev/null
    "$SCR/bin/modprobe" -n -d "$e" -S "$V" vfat || { echo "after the hinted depmod, modprobe -n vfat still fails"; return 1; }
}
check "no modules.dep: depmod has not been run, and the command that fixes it" case_no_depmod

case_stale() {
    local s=$SCR/s
    rm -rf "$s"
    mkdir -p "$s/lib/modules/$V"
    cp -al "$M/." "$s/lib/modules/$V/"
    rm -f "$s/lib/modules/$V/kernel/fs/hintmod.ko"
    cp "$M/kernel/drivers/net/dummy.ko" "$s/lib/modules/$V/kernel/fs/hintmod.ko"
    both modprobe -d "$s" -S "$V" hintmod
    like_kmod_plus "modprobe: HINT: $s/lib/modules/$V/kernel/fs/hintmod.ko is in the tree but not in modules.dep: the indexes are older than the module; run: depmod -b $s $V" || return 1
    depmod -b "$s" "$V" 2>/dev/null
    "$SCR/bin/modprobe" -n -d "$s" -S "$V" hintmod || { echo "after the hinted depmod, modprobe -n hintmod still fails"; return 1; }
}
check "a module newer than the indexes: named, with the command that fixes it" case_stale

case_no_dir() {
    both modprobe -d "$T" -S 1.2.3 vfat
    like_kmod_plus "modprobe: HINT: there is no module directory $T/lib/modules/1.2.3 for kernel 1.2.3: is that kernel installed?"
}
check "no module directory for the kernel" case_no_dir

# ------------------------------------------------------------------ modprobe -v
case_v_blacklist() {
    both modprobe -v -n -d "$T" -S "$V" -C "$SCR/conf" -b dummy
    like_kmod_plus "modprobe: skipping dummy: blacklisted" || return 1
    # Without -v, nothing is added.
    both modprobe -n -d "$T" -S "$V" -C "$SCR/conf" -b dummy
    like_kmod_plus
}
check "modprobe -v: says a blacklisted module is skipped" case_v_blacklist

case_v_builtin() {
    local m='' d
    # A module this host's kernel has built in (/sys/module/NAME without initstate) that the
    # tree's modules.builtin lists: kmod and ours skip it.
    for d in /sys/module/*; do
        [ ! -e "$d/initstate" ] || continue
        grep -q -E "/${d##*/}\.ko$" "$M/modules.builtin" && m=${d##*/} && break
    done
    [ -n "$m" ] || { echo "no built-in module of this host is in the tree's modules.builtin"; return 1; }
    echo "NOTE: $m"
    both modprobe -v -d "$T" -S "$V" "$m"
    like_kmod_plus "modprobe: skipping $m: built into the kernel"
}
check "modprobe -v: says a built-in module is skipped" case_v_builtin

# ------------------------------------------------------------------ insmod
case_insmod_name() {
    both insmod dummy
    like_kmod_plus "insmod: HINT: insmod takes the path of a module file; to load a module by its name, with what it depends on, run: modprobe dummy" || return 1
    both insmod dummy.ko numdummies=2 'x=a b'
    like_kmod_plus "insmod: HINT: insmod takes the path of a module file; to load a module by its name, with what it depends on, run: modprobe dummy numdummies=2 'x=a b'" || return 1
    # A path is a path: nothing to suggest.
    both insmod ./dummy.ko
    like_kmod_plus
}
check "insmod NAME: suggests modprobe NAME, with the parameters" case_insmod_name

# ------------------------------------------------------------------ modinfo on bad files
VFAT=$M/kernel/fs/fat/vfat.ko
: >"$SCR/empty.ko"
head -c 3000 "$VFAT" >"$SCR/cut.ko"
echo hello >"$SCR/text.ko"
echo hello | xz >"$SCR/text.ko.xz"
xz -c "$VFAT" >"$SCR/vfat.ko.xz"
head -c 300 "$SCR/vfat.ko.xz" >"$SCR/cut.ko.xz"
objcopy --remove-section .modinfo "$VFAT" "$SCR/nomodinfo.ko"
mkdir -p "$SCR/dir.ko"

case_modinfo_files() {
    both modinfo /tmp
    like_kmod_plus "modinfo: HINT: /tmp is a directory; modinfo takes a module file or a module name" || return 1
    both modinfo dir.ko
    like_kmod_plus "modinfo: HINT: dir.ko is a directory; modinfo takes a module file or a module name" || return 1
    both modinfo /etc/hostname
    like_kmod_plus "modinfo: HINT: /etc/hostname is a file, but modinfo reads only files named like modules (.ko, .ko.gz, .ko.xz, .ko.zst); else it looks a module name up" || return 1
    both modinfo empty.ko
    like_kmod_plus "modinfo: HINT: $SCR/empty.ko is empty (0 bytes): not a kernel module" || return 1
    both modinfo text.ko
    like_kmod_plus "modinfo: HINT: $SCR/text.ko is not a kernel module: it is not an ELF file (6 bytes)" || return 1
    both modinfo text.ko.xz
    like_kmod_plus "modinfo: HINT: $SCR/text.ko.xz is not a kernel module: decompressed, it is not an ELF file (6 bytes)" || return 1
    both modinfo nomodinfo.ko
    # kmod 34.2's errno, not kmod 30's (compatibility row modinfo-no-modinfo).
    sed -i 's/No such file or directory$/No data available/' "$P.k.err"
    like_kmod_plus "modinfo: HINT: $SCR/nomodinfo.ko has no .modinfo section: not a kernel module, or one stripped of it" || return 1
    both modinfo nosuch.ko
    like_kmod_plus "modinfo: HINT: there is no file nosuch.ko, nor a module of that name"
}
check "modinfo: a directory, a file not named like a module, empty, text, no .modinfo, missing" case_modinfo_files

# Cut short: the hint says so and names what is missing (the parser's words, checked here
# only for the part that is ours to promise).
case_modinfo_cut() {
    both modinfo cut.ko
    like_kmod_plus "$(cat "$P.added")" || return 1
    grep -q -x "modinfo: HINT: $SCR/cut.ko is damaged or cut short: truncated ELF file: .* extends past the end" "$P.added" ||
        { echo "unexpected hint: $(cat "$P.added")"; return 1; }
    # kmod 30 prints no decoder message, kmod 34.2 and ours do (compatibility row
    # modinfo-xz-messages): the exit status and stdout are compared here.
    both modinfo cut.ko.xz
    if ! cmp -s "$P.k.rc" "$P.o.rc" || ! cmp -s "$P.k.out" "$P.o.out"; then echo "exit status or stdout differ"; return 1; fi
    grep -q -x "modinfo: HINT: $SCR/cut.ko.xz is damaged or cut short: .*xz.*" "$P.added" ||
        { echo "unexpected hint: $(cat "$P.added")"; return 1; }
}
check "modinfo: a truncated module and a truncated .xz say they are cut short" case_modinfo_cut

summary
