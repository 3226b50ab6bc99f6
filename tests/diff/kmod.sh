#!/usr/bin/env bash
# Differential test of our `kmod` multi-call binary against Debian's kmod 30
# (`kmod static-nodes` and `kmod list`), as systemd and people run them.
#
# kmod reads modules.devname of the running kernel (/lib/modules/$(uname -r)):
# each check runs both tools in a private mount namespace (unshare -m; root
# only) where a tmpfs covers /lib/modules and the tree under test is bind-
# mounted at /lib/modules/$(uname -r); a tmpfs covers /run too, so systemd's
# own command line writes where it does at boot. Per Debian tree (6.1, 6.12;
# modules.devname written by kmod's depmod on a hard-linked copy):
#   - `kmod static-nodes` in each format (default, -f human|tmpfiles|devname,
#     --format=X, -fX) to stdout: identical stdout, stderr and exit status;
#   - systemd's kmod-static-nodes.service command line, `kmod static-nodes
#     --format=tmpfiles --output=/run/tmpfiles.d/static-nodes.conf`: the same
#     file (bytes and mode), created with its directory, same status;
#   - `-o` to a relative path in new directories, and over an existing file.
# Once (crafted trees):
#   - a modules.devname with comments, blank, invalid and odd lines (extra
#     words, signs, numbers beyond 32 bits, block devices, names with '/'):
#     same stdout, stderr (each invalid line reported) and status, per format;
#   - no modules.devname (warning, exit 0, no output file), a directory in its
#     place, an output path that is a directory or can't be created;
#   - `kmod list` against kmod's `kmod list` and `lsmod`, and our `lsmod`, on
#     a made-up /proc/modules and /sys/module (tmpfs over both, in the
#     namespace): identical output.
#
# Prints `PASS <name>` / `FAIL <name>` per check and a last line
# `N passed, N failed`; exits 1 if any check failed, 2 if the setup failed.
#
# Usage: tests/diff/kmod.sh [6.1|6.12|all]      (default: all)
# Environment: MODUTILS_CACHE (see tests/lib/lib.sh); KMOD_BIN: our kmod
# (default: `cargo build --release -p kmod -p lsmod`, target/release/kmod).
#
# kmod 34.2 too (unless MODUTILS_NO_K34=1): static-nodes runs again in the Debian 13 root
# (ensure_trixie_root; chroot, with the tree bound at its /lib/modules/$(uname -r), a tmpfs on
# its /run, the scratch dir at the same path), kmod 34.2's and ours, compared the same way.
set -euo pipefail

# shellcheck source=tests/lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"
CHECK_LINES=60
series_from "${1:-all}"

ensure_packages
THEIRS=$(command -v kmod) || die "kmod not found"
ns_ready lib-modules
OURS=$(our_tool KMOD_BIN "$RELEASE_DIR/kmod" cargo_release kmod lsmod)
RELEASE=$(uname -r)
make_scratch kmod-diff "$WORK" # on the cache's filesystem: hard links

# Our binary through links named like kmod's (messages name argv[0]), to a copy in $SCR (so
# that the links resolve in the Debian 13 root too).
mkdir -p "$SCR/bin"
cp "$OURS" "$SCR/bin/kmod"
tool_links "$SCR/obin" "$SCR/bin/kmod" kmod lsmod
tool_links "$SCR/kbin" "$THEIRS" kmod lsmod depmod
K34=
if [ "${MODUTILS_NO_K34:-0}" != 1 ]; then
    ensure_trixie_root
    K34=1
    tool_links "$SCR/k34bin" /usr/bin/kmod kmod
    ln -s obin "$SCR/o34bin"
    # The mounts are in each check's namespace only.
    trixie_mount_point "$SCR"
fi

# transcript BIN ARGS...: (run in the namespace) stdout, stderr and status
# of BIN/kmod ARGS, and for `-o`/`--output` files the file's bytes and mode.
cat >"$SCR/transcript.sh" <<'EOF'
#!/bin/sh
# transcript.sh BINDIR CWD OUTFILE|- ARGS...
bindir=$1 cwd=$2 outfile=$3
shift 3
cd "$cwd"
"$bindir/kmod" "$@" >"$TMPDIR_T/o" 2>"$TMPDIR_T/e" && rc=0 || rc=$?
echo "== kmod $*"
cat "$TMPDIR_T/o"
echo "-- stderr:"
cat "$TMPDIR_T/e"
echo "rc=$rc"
if [ "$outfile" != - ]; then
    if [ -e "$outfile" ]; then
        echo "-- $outfile (mode $(stat -c %a "$outfile"), dir mode $(stat -c %a "$(dirname "$outfile")")):"
        cat "$outfile"
    else
        echo "-- $outfile: not created"
    fi
fi
EOF
chmod +x "$SCR/transcript.sh"

# same DIR CWD OUTFILE ARGS...: kmod's and our transcripts of ARGS, with DIR
# as the running kernel's tree; each in its own namespace (fresh /run) and a
# fresh CWD copy; prints the diff (< kmod, > ours), fails if any.
same() {
    local dir=$1 cwd=$2 outfile=$3 who bad=0
    shift 3
    for who in k o ${K34:+k34 o34}; do
        rm -rf "$SCR/cwd.$who" "$SCR/t.$who"
        mkdir -p "$SCR/t.$who"
        cp -a "$cwd" "$SCR/cwd.$who"
        # The tree as the running kernel's; a tmpfs on /run.
        case $who in
            k | o)
                TMPDIR_T=$SCR/t.$who in_ns --tree "$RELEASE" "$dir" --tmpfs /run -- "$SCR/transcript.sh" \
                    "$SCR/${who}bin" "$SCR/cwd.$who" "$outfile" "$@" >"$SCR/same.$who"
                ;;
            *)
                TMPDIR_T=$SCR/t.$who in_ns --bind "$SCR" "$TRIXIE$SCR" \
                    --tmpfs "$TRIXIE/usr/lib/modules" --mkdir "$TRIXIE/usr/lib/modules/$RELEASE" \
                    --bind "$dir" "$TRIXIE/usr/lib/modules/$RELEASE" --tmpfs "$TRIXIE/run" -- \
                    chroot "$TRIXIE" env TMPDIR_T="$SCR/t.$who" "$SCR/transcript.sh" \
                    "$SCR/${who}bin" "$SCR/cwd.$who" "$outfile" "$@" >"$SCR/same.$who"
                ;;
        esac
        sed -i "s|$SCR/cwd.$who|\$CWD|g" "$SCR/same.$who"
    done
    diff "$SCR/same.k" "$SCR/same.o" || bad=1
    if [ -n "$K34" ]; then
        echo "kmod 34.2:"
        diff "$SCR/same.k34" "$SCR/same.o34" || bad=1
    fi
    return "$bad"
}

# at_least N FILE PATTERN: FILE has N or more lines matching PATTERN (so a
# comparison of two empty outputs can't pass).
at_least() {
    local n
    n=$(grep -c -- "$3" "$2" || true)
    [ "$n" -ge "$1" ] || { echo "only $n lines matching '$3' in $2"; return 1; }
}

mkdir -p "$SCR/cwd0/existing"
echo "old contents, longer than nothing" >"$SCR/cwd0/existing/file.conf"
chmod 600 "$SCR/cwd0/existing/file.conf"

test_tree() {
    local s=$1 T M
    T=$SCR/tree.$s
    log "$s: kmod's depmod on a hard-linked copy of $KVER"
    tree_copy "$T"
    "$SCR/kbin/depmod" -b "$T" "$KVER"
    M=$T/lib/modules/$KVER
    check "$s: modules.devname has device nodes" at_least 10 "$M/modules.devname" ' c[0-9]*:'

    local f
    for f in "" "-f human" "-f tmpfiles" "-f devname" "--format=tmpfiles" "--format devname" "-ftmpfiles"; do
        # shellcheck disable=SC2086 # the options are words
        check "$s: static-nodes $f (stdout, stderr, status)" same "$M" "$SCR/cwd0" - static-nodes $f
    done
    check "$s: static-nodes -f tmpfiles makes d and c! lines" \
        at_least 10 "$SCR/same.o" '^c! /dev/'
    local conf=/run/tmpfiles.d/static-nodes.conf
    check "$s: systemd's command line writes $conf as kmod does" \
        same "$M" "$SCR/cwd0" "$conf" static-nodes --format=tmpfiles "--output=$conf"
    check "$s: ... and the file has the nodes" at_least 10 "$SCR/same.o" '^c! /dev/.* 0600 - - - '
    check "$s: -o into new relative directories" \
        same "$M" "$SCR/cwd0" new/sub/nodes static-nodes -o new/sub/nodes -f devname
    check "$s: -o over an existing file (truncated, mode kept)" \
        same "$M" "$SCR/cwd0" existing/file.conf static-nodes --output existing/file.conf
    rm -rf "$T"
}

crafted() {
    local E=$SCR/crafted
    mkdir -p "$E/odd" "$E/none" "$E/isdir/modules.devname"
    printf '%s\n' '# Device nodes to trigger on-demand module loading.' \
        'foo bar c1:2' 'baz dir/sub/node b8:0' 'bad line' 'x y z9:1' 'q r c1' 'q r c1:' \
        'q r cA:B' '' 'long aa/bb c4294967296:1' 'm n c-1:2' '#c' ' # not a comment' \
        'm2 /abs c3:4' 'm3 dir/x c5:6' 'm4 dir/y c5:7' '   sp   sp2   c7:8   extra' \
        'p q c 1: +2' 's t c1 :2' 'u v c99999999999999999999999:1' 'w x b+7:-0' \
        'tab	sep	b1:1' >"$E/odd/modules.devname"
    printf 'last a c1:2\nno newline at the end' >>"$E/odd/modules.devname"
    local f
    for f in "" "-f tmpfiles" "-f devname"; do
        # shellcheck disable=SC2086
        check "crafted modules.devname: static-nodes $f" same "$E/odd" "$SCR/cwd0" - static-nodes $f
    done
    check "crafted: invalid lines are reported" at_least 8 "$SCR/same.o" '^Error: invalid devname entry'
    check "no modules.devname: warning, exit 0, no file" \
        same "$E/none" "$SCR/cwd0" out/f static-nodes -o out/f
    check "a directory as modules.devname" \
        same "$E/isdir" "$SCR/cwd0" out/f static-nodes -f devname -o out/f
    check "output path is a directory" same "$E/odd" "$SCR/cwd0" - static-nodes -o existing
    check "output directory can't be made" same "$E/odd" "$SCR/cwd0" - static-nodes -o /proc/nope/x
    check "extra arguments are ignored" same "$E/odd" "$SCR/cwd0" - static-nodes -f devname extra words
}

# kmod list: a made-up /proc/modules and /sys/module in the namespace.
list_check() {
    local P=$SCR/proc S=$SCR/sys who m rc state
    mkdir -p "$P" "$S"
    # As the kernel shows them: every loaded module has a sysfs directory
    # with holders/, refcnt and initstate, agreeing with /proc/modules.
    cat >"$P/modules" <<'EOF'
mt_user 16384 0 - Live 0x0000000000000000
mt_dep 20480 1 mt_user, Live 0x0000000000000000
snd_timer 49152 1 snd_pcm, Live 0x0000000000000000
snd_pcm 151552 0 - Live 0x0000000000000000 (OE)
snd 126976 2 snd_timer,snd_pcm, Live 0x0000000000000000
a_module_name_longer_than_nineteen 1234567890 0 - Live 0x0000000000000000
loading_one 4096 0 - Loading 0x0000000000000000
EOF
    while read -r m _ rc _ state _; do
        mkdir -p "$S/$m/holders"
        echo "$rc" >"$S/$m/refcnt"
        if [ "$state" = Live ]; then echo live; else echo coming; fi >"$S/$m/initstate"
    done <"$P/modules"
    mkdir "$S/mt_dep/holders/mt_user" "$S/snd_timer/holders/snd_pcm" \
        "$S/snd/holders/snd_timer" "$S/snd/holders/snd_pcm"
    # A built-in module: in sysfs, not in /proc/modules, so not listed.
    mkdir -p "$S/builtin_thing/parameters"
    for who in kbin obin; do
        # shellcheck disable=SC2016 # expanded by the inner sh
        in_ns --tmpfs /sys --mkdir /sys/module --bind "$S" /sys/module --tmpfs /proc \
            --copy "$P/modules" /proc/modules -- sh -c '
            for c in "$1/kmod list" "$1/lsmod"; do
                $c && rc=0 || rc=$?
                echo "rc=$rc"
            done' sh "$SCR/$who" >"$SCR/list.$who" 2>&1
    done
    diff "$SCR/list.kbin" "$SCR/list.obin" || return 1
    at_least 7 "$SCR/list.obin" '^[a-z_]* *[0-9]*  [0-9]' || return 1
    cat "$SCR/list.obin"
}

for s in "${SERIES[@]}"; do
    prepare_kernel "$s"
    test_tree "$s"
done
crafted
check "kmod list and lsmod on a made-up /proc/modules and /sys/module" list_check

summary
