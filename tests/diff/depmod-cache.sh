#!/usr/bin/env bash
# depmod's module cache (modules.cache.bin, docs/depmod-cache.md) on Debian's real 6.1 (.ko) and
# 6.12 (.ko.xz) trees. On a copy of each tree, our depmod with the cache (MODUTILS_DEPMOD_CACHE=1:
# the copies are under -b) runs after each change below; every time,
#   - its index files are byte-identical to those of Debian 13's kmod 34.2 (in the Debian 13
#     root, `depmod -o`, on the same tree at the same moment; modules.symbols after sorting, as
#     tests/diff/depmod.sh compares it) and to ours with --no-cache (-o elsewhere), with the same
#     stderr as the latter;
#   - it read (opened, seen with strace) exactly the module files that changed: all of them on
#     the first run and after the cache was damaged, none when nothing changed.
# The changes: none; a module removed (mii, others need it); added back; replaced by another
# module's file with its old mtime restored (touch -d: other size); rewritten in place, same
# size and mtime (an alias letter changed; only the status-change time tells); renamed; moved into
# updates/; a second copy in extra/ with depmod.d's `search`, `override` and `exclude` switched;
# the cache flipped in one byte, truncated to half, replaced by the other tree's cache (with `all`);
# a depmod killed while it writes (tests/robust/killer.pl), its temporary files then made old:
# the next run removes them (not one named for a live process) and leaves a valid cache; two
# depmods at once. Then:
#   - against kmod 30 (the host's): the final tree's indexes, .bin files by content (index-dump;
#     kmod 30 has another node order and no modules.weakdep, see tests/diff/depmod.sh);
#   - `-n` reads the cache (no module opened) and changes nothing in the tree; `--no-cache` (and
#     `--no-c`, an abbreviation) reads every module and leaves the cache as it was; `-o DIR`
#     keeps the cache in DIR, none in the tree; `-b` without MODUTILS_DEPMOD_CACHE creates no
#     cache (initramfs-tools and dracut run `depmod -b` on the initramfs' tree); named FILEs
#     read the cache but do not write it.
# Each change waits past the cache's 100 ms window for recently changed files (the window on a
# filesystem with sub-second timestamps), so the counts are exact; the first run comes right
# after the tree was copied, as in a kernel package's postinst, and must leave out of the cache
# only the files copied in its last 100 ms.
#
# Prints `PASS <name>` / `FAIL <name>` per check and `N passed, N failed`; exits 1 if a check
# failed, 2 if the setup failed.
#
# Usage: tests/diff/depmod-cache.sh [6.1|6.12|all]      (default: all)
# Environment: MODUTILS_CACHE (see tests/lib/lib.sh); DEPMOD: the depmod to test (default:
# `cargo build --release -p depmod`); KEEP_SCRATCH=1 keeps the scratch trees.
set -euo pipefail

# shellcheck source=tests/diff/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
diff_setup depmod "${1:-all}"
[ -n "$K34" ] || die "kmod 34.2 is needed (the Debian 13 root): MODUTILS_NO_K34 is set"
command -v strace >/dev/null || install_missing strace=strace
command -v perl >/dev/null || die "perl not found"
DUMP=$(our_tool INDEX_DUMP "$RELEASE_DIR/index-dump" cargo_release tests)
KILLER=$ROOT/tests/robust/killer.pl
INDEXES=(modules.dep modules.dep.bin modules.alias modules.alias.bin modules.softdep
    modules.weakdep modules.symbols modules.symbols.bin modules.builtin.bin
    modules.builtin.alias.bin modules.devname)
CONF=$SCR/conf.d
mkdir -p "$CONF"

# real_copy DEST: like tree_copy (tests/lib/kernels.sh), but a real copy, not hard links: the
# cache keys each module by its inode's status-change time too, which every hard link made to or
# removed from the shared cached tree (any other test's tree_copy) changes.
real_copy() {
    local m=$1/lib/modules/$KVER f
    rm -rf "$1"
    mkdir -p "$1/lib/modules"
    cp -a "$KDIR/lib/modules/$KVER" "$1/lib/modules/"
    for f in "$m"/modules.*; do
        case "${f##*/}" in
            modules.order | modules.builtin | modules.builtin.modinfo) ;;
            *) rm -f "$f" ;;
        esac
    done
}

# settle: waits past the cache's window for recently changed files (RACY_WINDOW_FINE, 100 ms:
# the trees are on a filesystem with sub-second timestamps, checked below).
settle() { sleep 0.3; }

# ours_cached ARGS...: our depmod with the cache on, traced; $SCR/c.out, c.err, c.rc; READ: the
# module files it opened, $SCR/c.read.
ours_cached() {
    set +e
    MODUTILS_DEPMOD_CACHE=1 strace -f -qq -e trace=openat -o "$SCR/c.trace" \
        "$OURS" -C "$CONF" "$@" >"$SCR/c.out" 2>"$SCR/c.err"
    echo $? >"$SCR/c.rc"
    set -e
    grep -v ENOENT "$SCR/c.trace" | grep -oE '"[^"]*\.ko(\.xz)?"' | sort -u >"$SCR/c.read" || true
    READ=$(wc -l <"$SCR/c.read")
}

# same_dirs A B [sorted-symbols]: every index file byte-identical (modules.symbols after sorting
# with sorted-symbols).
same_dirs() {
    local f bad=0
    for f in "${INDEXES[@]}"; do
        if [ ! -e "$1/$f" ] || [ ! -e "$2/$f" ]; then
            echo "$f missing in $([ -e "$1/$f" ] && echo "$2" || echo "$1")"
            bad=1
        elif [ "$f" = modules.symbols ] && [ -n "${3:-}" ]; then
            cmp <(LC_ALL=C sort "$1/$f") <(LC_ALL=C sort "$2/$f") >/dev/null ||
                { echo "$f differs (sorted)"; bad=1; }
        elif ! cmp "$1/$f" "$2/$f"; then
            [[ $f == *.bin ]] || diff "$1/$f" "$2/$f" | head -n 10
            bad=1
        fi
    done
    return $bad
}

check_read() { # EXPECTED
    [ "$READ" = "$1" ] && return 0
    echo "read $READ module files, expected $1:"
    head -n 10 "$SCR/c.read"
    return 1
}

check_ok() {
    [ "$(cat "$SCR/c.rc")" = 0 ] && return 0
    echo "exit status $(cat "$SCR/c.rc"):"
    head -n 10 "$SCR/c.err"
    return 1
}

# verify LABEL EXPECTED_READS: (- : not checked) our cached run on $T, then kmod 34.2 and ours without cache (-o)
# on the same tree; compares.
verify() {
    local label="$S $1" want=$2 k34=$SCR/k34out n=$SCR/nout pid
    ours_cached -b "$T" "$KVER"
    rm -rf "$k34" "$n"
    chroot "$TRIXIE" /usr/bin/env -i PATH=/usr/sbin:/usr/bin depmod -C "$CONF" -b "$T" -o "$k34" \
        "$KVER" >"$SCR/k.out" 2>"$SCR/k.err" &
    pid=$!
    "$OURS" --no-cache -C "$CONF" -b "$T" -o "$n" "$KVER" >"$SCR/n.out" 2>"$SCR/n.err" || true
    wait "$pid" || true
    check "$label: exit status 0" check_ok
    [ "$want" = - ] || check "$label: read exactly the changed modules ($want)" check_read "$want"
    check "$label: indexes byte-identical to kmod 34.2's" same_dirs "$k34/lib/modules/$KVER" "$M" sorted
    check "$label: indexes byte-identical to ours without cache" same_dirs "$n/lib/modules/$KVER" "$M"
    check "$label: stderr as without cache" cmp "$SCR/n.err" "$SCR/c.err"
}

# module_with_alias: a module file (relative to $M) that has an alias of 8+ characters.
module_with_alias() {
    local m
    m=$(awk '/^alias / && length($2) >= 8 { print $3; exit }' "$M/modules.alias")
    awk -F: -v m="$m" '{ b = $1; sub(/.*\//, "", b); sub(/\.ko(\.xz)?$/, "", b); gsub(/-/, "_", b) }
        b == m { print $1; exit }' "$M/modules.dep"
}

# edit_alias FILE: FILE (a private file, not a hard link to the cached tree) rewritten in place
# (same inode) with its first long `alias=` string's last character changed, the same size
# before compression; the modification time restored.
edit_alias() {
    local f=$1 t src
    t=$(stat -c %y "$f")
    src=$f
    if [[ $f == *.xz ]]; then
        xz -dc "$f" >"$SCR/plain.ko"
        src=$SCR/plain.ko
    fi
    perl -e 'my $f = shift; open(my $h, "+<", $f) or die "$f: $!"; binmode $h; local $/;
        my $d = <$h>; my $n = length $d;
        $d =~ s/(alias=[^\0]{6,}?)([^\0])\0/$1 . ($2 eq "Z" ? "Y" : "Z") . "\0"/e or die "no alias in $f";
        length $d == $n or die; seek($h, 0, 0); print $h $d; close $h or die' "$src"
    if [[ $f == *.xz ]]; then
        xz -c --check=crc32 "$src" >"$SCR/new.xz"
        cat "$SCR/new.xz" >"$f"
    fi
    touch -d "$t" "$f"
}

# private FILE: FILE no longer a hard link to the cached tree (a copy, same mtime).
private() {
    cp -p "$1" "$1.new"
    mv "$1.new" "$1"
}

cache_ok() { # the cache is there and a run reads nothing
    [ -s "$M/modules.cache.bin" ] || { echo "no cache file"; return 1; }
    ours_cached -b "$T" "$KVER"
    check_read 0
}

test_tree() {
    S=$1
    T=$TREES/$S-cache
    M=$T/lib/modules/$KVER
    real_copy "$T"
    case $(stat -c %z "$M/modules.order") in
        *.000000000' '*) die "$T has whole-second timestamps: settle's 0.3 s is too short" ;;
    esac
    local N mod other rel ext=.ko
    [ "$S" = 6.12 ] && ext=.ko.xz
    N=$(find "$M" -name "*$ext" | wc -l)
    : >"$CONF/x.conf"
    # As in a kernel package's postinst: depmod right after the files were put in place (dpkg
    # renames each into place, cp -a sets each ctime). Only the files changed in the last
    # RACY_WINDOW_FINE (100 ms) before it started are left out of the cache, so the next run
    # reads few (with a 2-second window it read every module).
    log "$S: first run ($N modules), right after the copy"
    local t0 late
    t0=$(date +%s.%N)
    verify "first run, right after copying the tree" "$N"
    late=$(find "$M" -name "*$ext" -newerct "@$(awk -v t="$t0" 'BEGIN { printf "%.9f", t - 0.1 }')" | wc -l)
    settle
    verify "second run (the first left out only the files copied last)" -
    check "$S second run read only the $late of $N modules changed 100 ms before the first ($READ)" \
        test "$READ" -le "$late" -a "$late" -lt "$N"
    log "$S: no change"
    verify "no change" 0
    cp "$M/modules.cache.bin" "$SCR/cache-$S.bin"

    log "$S: remove, add, replace, rewrite, rename, move"
    mv "$M/kernel/drivers/net/mii$ext" "$SCR/mii$ext"
    settle
    verify "mii removed" 0
    mv "$SCR/mii$ext" "$M/kernel/drivers/net/mii$ext"
    settle
    verify "mii added back" 1
    mod=$M/kernel/drivers/net/dummy$ext
    other=$M/kernel/drivers/net/ifb$ext
    local t size
    t=$(stat -c %y "$mod")
    size=$(stat -c %s "$mod")
    cp "$other" "$mod.new" && mv "$mod.new" "$mod"
    touch -d "$t" "$mod"
    check "$S replaced dummy: same mtime, other size" \
        test "$(stat -c %y "$mod")" = "$t" -a "$(stat -c %s "$mod")" != "$size"
    settle
    verify "dummy replaced by ifb's file (mtime restored)" 1
    rel=$(module_with_alias)
    [ -n "$rel" ] || die "no module with an alias in $M"
    private "$M/$rel"
    settle
    verify "$rel copied (another inode)" 1
    local ino
    ino=$(stat -c %i "$M/$rel")
    size=$(stat -c %s "$M/$rel")
    t=$(stat -c %y "$M/$rel")
    edit_alias "$M/$rel"
    check "$S rewritten $rel: same inode, mtime$([ "$ext" = .ko ] && echo ' and size')" \
        test "$(stat -c %i "$M/$rel")" = "$ino" -a "$(stat -c %y "$M/$rel")" = "$t" -a \
        \( "$ext" = .ko.xz -o "$(stat -c %s "$M/$rel")" = "$size" \)
    settle
    verify "$rel rewritten in place (an alias changed)" 1
    mv "$M/kernel/drivers/net/ifb$ext" "$M/kernel/drivers/net/ifb2$ext"
    settle
    verify "ifb renamed ifb2" 1
    mkdir -p "$M/updates"
    mv "$M/kernel/drivers/net/ifb2$ext" "$M/updates/ifb2$ext"
    settle
    verify "ifb2 moved into updates/" 1

    log "$S: depmod.d"
    # With ifb2, which modules.order does not list (kmod 34.2 places another directory's copy of
    # a listed module elsewhere than ours: not the cache's business).
    mkdir -p "$M/extra"
    cp "$M/updates/ifb2$ext" "$M/extra/ifb2$ext"
    printf 'search extra built-in\n' >"$CONF/x.conf"
    settle
    verify "a second ifb2 in extra/, depmod.d: search extra built-in" 1
    printf 'override ifb2 * updates\n' >"$CONF/x.conf"
    verify "depmod.d: override ifb2 * updates (not cached: not chosen before)" 1
    printf 'search extra built-in\nexclude extra\n' >"$CONF/x.conf"
    verify "depmod.d: exclude extra" 0
    : >"$CONF/x.conf"
    verify "depmod.d: empty again" -

    log "$S: damaged caches"
    local c=$M/modules.cache.bin len
    len=$(stat -c %s "$c")
    local byte
    byte=$(od -An -tu1 -j $((len / 2)) -N1 "$c" | tr -d ' ')
    printf '%b' "\\x$(printf %02x $(((byte + 1) % 256)))" | dd of="$c" bs=1 seek=$((len / 2)) conv=notrunc status=none
    check "$S cache changed in one byte" test "$(od -An -tu1 -j $((len / 2)) -N1 "$c" | tr -d ' ')" != "$byte"
    verify "cache with a byte changed" "$N"
    ours_cached -v -b "$T" "$KVER"
    check "$S -v: no other stderr with a good cache" cmp "$SCR/n.err" "$SCR/c.err"
    truncate -s $((len / 2)) "$c"
    ours_cached -v -b "$T" "$KVER"
    check "$S -v: truncated cache named in a warning" grep -q "ignoring the module cache $c: truncated" "$SCR/c.err"
    truncate -s $((len / 2)) "$c"
    verify "cache truncated to half" "$N"
    local o
    for o in 6.1 6.12; do
        if [ "$o" != "$S" ] && [ -e "$SCR/cache-$o.bin" ]; then
            cp "$SCR/cache-$o.bin" "$c"
            verify "the $o tree's cache copied in" "$N"
        fi
    done

    log "$S: killed depmod"
    local i r left=0 live
    for i in $(seq 1 20); do
        r=$(perl "$KILLER" "$i" write 3 "$M" env MODUTILS_DEPMOD_CACHE=1 "$OURS" -C "$CONF" -b "$T" "$KVER")
        left=$(find "$M" -maxdepth 1 -name '.modules.*.tmp' | wc -l)
        [ "$r" != killed ] || [ "$left" = 0 ] || break
    done
    check "$S a killed depmod left temporary files ($left)" test "$left" -gt 0
    find "$M" -maxdepth 1 -name '.modules.*.tmp' -exec touch -d '-2 minutes' {} +
    edit_alias "$mod"
    settle
    sleep 600 &
    live=$!
    : >"$M/.modules.dep.$live.tmp"
    touch -d '-2 minutes' "$M/.modules.dep.$live.tmp"
    verify "after a killed depmod (and dummy changed)" 1
    check "$S stale temporary files removed, a live process's kept" \
        test "$(find "$M" -maxdepth 1 -name '.modules.*.tmp')" = "$M/.modules.dep.$live.tmp"
    kill "$live"
    rm -f "$M/.modules.dep.$live.tmp"
    check "$S the cache is valid after the killed run" cache_ok

    log "$S: two depmods at once"
    edit_alias "$mod"
    settle
    local rc1=0 rc2=0 pid
    MODUTILS_DEPMOD_CACHE=1 "$OURS" -C "$CONF" -b "$T" "$KVER" 2>"$SCR/p1.err" &
    pid=$!
    MODUTILS_DEPMOD_CACHE=1 "$OURS" -C "$CONF" -b "$T" "$KVER" 2>"$SCR/p2.err" || rc2=$?
    wait "$pid" || rc1=$?
    check "$S two depmods at once: both exit 0" test "$rc1$rc2" = 00
    verify "after two depmods at once" 0

    log "$S: -n, --no-cache, -o, -b, FILE"
    local snap
    snap=$(cd "$M" && find . -printf '%p %i %s %T@\n' | LC_ALL=C sort)
    ours_cached -n -b "$T" "$KVER"
    check "$S -n: exit status 0, nothing read" check_read 0
    check "$S -n: the tree unchanged" test "$snap" = "$(cd "$M" && find . -printf '%p %i %s %T@\n' | LC_ALL=C sort)"
    check "$S -n: the text indexes printed as written" \
        cmp "$SCR/c.out" <(cat "$M"/modules.{dep,alias,softdep,weakdep,symbols,devname})
    for o in --no-cache --no-c; do
        ours_cached "$o" -b "$T" "$KVER"
        check "$S $o: every module read" check_read "$N"
        check "$S $o: the tree unchanged but for the indexes' inodes" \
            test "$(grep cache.bin <<<"$snap")" = "$(cd "$M" && find . -printf '%p %i %s %T@\n' | grep cache.bin)"
    done
    local out=$SCR/o
    rm -rf "$out"
    ours_cached -o "$out" -b "$T" "$KVER"
    check "$S -o: cache in the output tree, indexes right" same_dirs "$out/lib/modules/$KVER" "$M"
    check "$S -o: cache in the output tree" test -s "$out/lib/modules/$KVER/modules.cache.bin"
    ours_cached -o "$out" -b "$T" "$KVER"
    check "$S -o again: nothing read" check_read 0
    rm -rf "$out"
    "$OURS" -C "$CONF" -o "$out" -b "$T" "$KVER"
    check "$S -o without MODUTILS_DEPMOD_CACHE: no cache created" test ! -e "$out/lib/modules/$KVER/modules.cache.bin"
    rm -rf "$out" "$SCR/stage"
    mkdir -p "$SCR/stage/lib/modules/$KVER/kernel"
    cp "$M/kernel/drivers/net/mii$ext" "$SCR/stage/lib/modules/$KVER/kernel/"
    settle
    "$OURS" -C "$CONF" -b "$SCR/stage" "$KVER" 2>/dev/null
    check "$S -b without MODUTILS_DEPMOD_CACHE (an initramfs' tree): no cache created" \
        test -e "$SCR/stage/lib/modules/$KVER/modules.dep" -a ! -e "$SCR/stage/lib/modules/$KVER/modules.cache.bin"
    local before
    before=$(stat -c '%i %s %Y' "$M/modules.cache.bin")
    edit_alias "$mod"
    settle
    ours_cached -b "$T" "$KVER" "$mod" "$M/kernel/drivers/net/mii$ext"
    check "$S FILE: the changed named module read" check_read 1
    check "$S FILE: the cache not written" test "$before" = "$(stat -c '%i %s %Y' "$M/modules.cache.bin")"
    # The indexes of the whole tree again, with the cache, for kmod 30.
    ours_cached -b "$T" "$KVER"

    # Last: the hard links made here change the status-change time of every module.
    log "$S: kmod 30"
    local k30=$TREES/$S-k30
    rm -rf "$k30"
    mkdir -p "$k30/lib/modules"
    cp -al "$M" "$k30/lib/modules/"
    rm -f "$k30/lib/modules/$KVER"/modules.{dep,alias,softdep,weakdep,symbols,devname,cache}* \
        "$k30/lib/modules/$KVER"/modules.*.bin
    "$KDEPMOD" -C "$CONF" -b "$k30" "$KVER" 2>/dev/null
    local f bad=
    for f in "${INDEXES[@]}"; do
        case $f in
            modules.weakdep) continue ;;
            *.bin) check "$S kmod 30: $f same content" cmp <("$DUMP" "$k30/lib/modules/$KVER/$f") <("$DUMP" "$M/$f") ;;
            modules.symbols) check "$S kmod 30: $f same sorted" cmp <(LC_ALL=C sort "$k30/lib/modules/$KVER/$f") <(LC_ALL=C sort "$M/$f") ;;
            *) check "$S kmod 30: $f byte-identical" cmp "$k30/lib/modules/$KVER/$f" "$M/$f" ;;
        esac
    done
    rm -rf "$k30"
    rm -rf "$T"
}

each_tree test_tree
summary
