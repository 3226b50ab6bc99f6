#!/usr/bin/env bash
# Differential test of our modinfo against Debian's kmod 30 modinfo (this host)
# and kmod 34.2's (the Debian 13 root, chroot; ours runs there too; left out
# with MODUTILS_NO_K34=1), on Debian's real module trees: Linux 6.1 (plain .ko, ~4000 modules) and 6.12 (.ko.xz),
# indexed by kmod's depmod (on a hard-linked scratch copy). Every check runs
# kmod's `modinfo -b ROOT -k VERSION ...` and ours with the same arguments
# (many modules per process) and compares stdout bytes, stderr and the exit
# status:
#   - every module of the tree, by name, and by path relative to the working
#     directory;
#   - -F for many fields (firmware, depends, signer, signature, parm, alias,
#     softdep over every module; sig_key, parmtype, license, ... over every
#     module on 6.1, every 10th on 6.12);
#   - -0 (with and without -F), -a -d -l -p -n and combinations, on a sample;
#   - ~200 aliases (modules.alias patterns instantiated), among them aliases
#     matching several modules; fs-/char-major- aliases; symbol: names;
#   - built-in modules: every name in modules.builtin and up to 50 of the
#     aliases of modules.builtin.modinfo (every third: 21 on 6.1, 50 on 6.12),
#     also with -F name / -F filename / -p / -0;
#   - names with '-' and '_' swapped, names with a .ko suffix, -m;
#   - unknown names, alone and among known ones (stderr and exit status);
#   - files that are not modules or are damaged (empty, text, truncated, no
#     .modinfo, flipped bytes in an .xz), and a relative -b;
#   - each .bin index empty (0 bytes), then missing (issue 14).
#
# Prints `PASS <name>` / `FAIL <name>` (with details) per check and a last line
# `N passed, N failed`; exits 1 if any check failed, 2 if the setup failed.
#
# Usage: tests/diff/modinfo.sh [6.1|6.12|all]      (default: all)
# Environment: MODUTILS_CACHE (see tests/lib/lib.sh); MODINFO: the modinfo
# to test (default: `cargo build --release -p modinfo`, target/release/modinfo);
# KEEP_SCRATCH=1 keeps the scratch trees (their path is logged).
set -euo pipefail

# shellcheck source=tests/diff/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
diff_setup modinfo "${1:-all}" depmod

# ------------------------------------------------------------------ helpers
RUN=0
RUNDIR=/
# same_modinfo ARGS...: kmod's modinfo and ours (at the same time, in
# $RUNDIR, with -b $TROOT -k $KVER unless NOBK=1) on ARGS: same stdout bytes,
# stderr and exit status; kmod 30 on the host, then (K34, tests/diff/lib.sh)
# kmod 34.2 in the Debian 13 root, ours beside it there.
same_modinfo() {
    local p=$SCR/run.$((RUN += 1)) bk=() bad=0
    [ "${NOBK:-0}" = 1 ] || bk=(-b "$TROOT" -k "$KVER")
    (cd "$RUNDIR" && set +e && "$KMODINFO" "${bk[@]}" "$@" >"$p.k.out" 2>"$p.k.err"; echo $? >"$p.k.rc") &
    (cd "$RUNDIR" && set +e && "$OURS" "${bk[@]}" "$@" >"$p.o.out" 2>"$p.o.err"; echo $? >"$p.o.rc")
    wait $!
    if [ -n "${NOT30:-}" ]; then
        # A deliberate difference from kmod 30 (kmod 34.2's behaviour), listed by its ID.
        grep -q "\`$NOT30\`" "$ROOT/docs/compatibility.md" || { echo "$NOT30 is not in docs/compatibility.md"; bad=1; }
        if same_run "$p" "kmod 30" "$#" >/dev/null; then
            echo "kmod 30: tagged $NOT30, but ours answers as kmod 30"
            bad=1
        fi
    else
        same_run "$p" "kmod 30" "$#" || bad=1
    fi
    if [ -n "$K34" ] && [ -z "${NO34:-}" ]; then
        (set +e && chroot "$TRIXIE" env -C "$RUNDIR" "$SCR/k34/modinfo" "${bk[@]}" "$@" \
            >"$p.k.out" 2>"$p.k.err"; echo $? >"$p.k.rc") &
        (set +e && chroot "$TRIXIE" env -C "$RUNDIR" "$O34" "${bk[@]}" "$@" \
            >"$p.o.out" 2>"$p.o.err"; echo $? >"$p.o.rc")
        wait $!
        # libkmod's own messages (libkmod-prefix): `libkmod: ERROR: func: ` read as ours.
        sed -i -E -e "s|^$SCR/k34/modinfo:|$O34:|" \
            -e 's/^libkmod: ERROR: [A-Za-z_0-9]+: /modinfo: ERROR: /' "$p.k.err"
        same_run "$p" "kmod 34.2" "$#" || bad=1
    fi
    rm -f "$p".*
    return $bad
}

# same_run P LABEL NARGS: P.k.* and P.o.* (one run of each) compared.
same_run() {
    local p=$1 bad=0
    # Lines of ours kmod never prints (ADDED_LINES, tests/lib/lib.sh): tests/diff/hints.sh's.
    sed -i -E "/$ADDED_LINES/d" "$p.o.err"
    if [ "$(cat "$p.k.rc")" != "$(cat "$p.o.rc")" ]; then
        echo "$2: exit status: kmod $(cat "$p.k.rc"), ours $(cat "$p.o.rc")"
        bad=1
    fi
    if ! cmp -s "$p.k.out" "$p.o.out"; then
        echo "$2: stdout differs (kmod $(wc -c <"$p.k.out") bytes, ours $(wc -c <"$p.o.out")); diff -a (< kmod, > ours):"
        diff -a "$p.k.out" "$p.o.out" | head -n 30
        bad=1
    fi
    if ! cmp -s "$p.k.err" "$p.o.err"; then
        echo "$2: stderr differs (< kmod, > ours):"
        diff -a "$p.k.err" "$p.o.err" | head -n 20
        bad=1
    fi
    if [ $bad = 0 ]; then
        echo "NOTE: $2: $3 arguments: $(tr -cd '\n\0' <"$p.o.out" | wc -c) lines, $(wc -l <"$p.o.err") stderr lines, exit status $(cat "$p.o.rc")"
    fi
    return $bad
}

# ------------------------------------------------------------ per kernel
test_tree() {
    local s=$1 M f n
    local -a names paths sample unknown mixed aliases multi symbols builtins balias swapped dotko
    TROOT=$TREES/$s-root
    M=$TROOT/lib/modules/$KVER
    tree_copy "$TROOT"
    log "$s: kmod depmod -b (the indexes both modinfos read)"
    "$KDEPMOD" -b "$TROOT" "$KVER" || die "kmod depmod -b $TROOT $KVER failed"

    mapfile -t paths < <(cut -d: -f1 "$M/modules.dep")
    mapfile -t names < <(printf '%s\n' "${paths[@]}" | sed 's|.*/||; s|\.ko.*||')
    mapfile -t sample < <(printf '%s\n' "${names[@]}" | awk 'NR % 10 == 1')
    n=${#names[@]}
    log "$s ($KVER): $n modules"
    RUNDIR=/

    check "$s all $n modules by name" same_modinfo "${names[@]}"
    RUNDIR=$M
    check "$s all $n modules by relative path" same_modinfo "${paths[@]}"
    RUNDIR=/
    # -F over every module; on 6.12 (xz: ~10 s a kmod run) the rarer fields over
    # every 10th.
    # kmod 34.2 (its runs are as slow): every field over every module on 6.1; on 6.12, firmware
    # (initramfs-tools' query) over every module, the others with kmod 30 only (the full output
    # of every module, compared above, holds them all).
    for f in firmware depends signer signature parm alias softdep; do
        NO34=$([ "$s" = 6.1 ] || [ "$f" = firmware ] || echo 1) \
            check "$s -F $f, all modules" same_modinfo -F "$f" "${names[@]}"
    done
    for f in sig_key sig_hashalgo sig_id parmtype license name vermagic description author \
        filename intree srcversion; do
        if [ "$s" = 6.1 ]; then
            check "$s -F $f, all modules" same_modinfo -F "$f" "${names[@]}"
        else
            check "$s -F $f, every 10th module" same_modinfo -F "$f" "${sample[@]}"
        fi
    done
    check "$s -0, every 10th module" same_modinfo -0 "${sample[@]}"
    check "$s -0 -F depends, every 10th module" same_modinfo -0 -F depends "${sample[@]}"
    check "$s -0 -p, every 10th module" same_modinfo -0 -p "${sample[@]}"
    for f in -a -d -l -p -n "-a -d" "-F license -n" "-n -F license" "-p -F parmtype" --author \
        --description --license --parameters --filename --field=firmware; do
        # shellcheck disable=SC2086 # the flags split on purpose
        check "$s $f, every 10th module" same_modinfo $f "${sample[@]}"
    done

    # Aliases: ~150 instantiated patterns, every alias matching several
    # modules (up to 40), fs-/char-major-/block-major-/devname: ones.
    n=$(($(grep -c '^alias ' "$M/modules.alias") / 150 + 1))
    mapfile -t aliases < <(awk -v n="$n" '/^alias / && ++k % n == 0 { print $2 }' "$M/modules.alias" | instantiate)
    mapfile -t multi < <(awk '/^alias / { c[$2]++ } END { for (a in c) if (c[a] > 1) print a }' "$M/modules.alias" |
        LC_ALL=C sort | head -n 40 | instantiate)
    for f in fs- char-major- block-major- devname: net-pf- crypto-; do
        mapfile -t -O "${#aliases[@]}" aliases < <(awk -v p="$f" '$1 == "alias" && index($2, p) == 1 { print $2 }' \
            "$M/modules.alias" | head -n 3 | instantiate)
    done
    # A query with a bracket expression is looked up too (it matches '*').
    mapfile -t -O "${#aliases[@]}" aliases < <(awk '$1 == "alias" && $2 ~ /sv\*/ { print $2 }' \
        "$M/modules.alias" | head -n 2 | sed 's/sv\*/sv[x]/' | sed 's/\*/0/g')
    check "$s ${#aliases[@]} aliases" same_modinfo "${aliases[@]}"
    check "$s ${#multi[@]} aliases matching several modules" same_modinfo "${multi[@]}"
    check "$s aliases matching several modules, -F filename" same_modinfo -F filename "${multi[@]}"
    check "$s aliases, -m (names only: not found)" same_modinfo -m "${aliases[@]:0:20}"
    n=$(($(grep -c '^alias ' "$M/modules.symbols") / 30 + 1))
    mapfile -t symbols < <(awk -v n="$n" '/^alias / && ++k % n == 0 { print $2 }' "$M/modules.symbols")
    check "$s ${#symbols[@]} symbol: names" same_modinfo "${symbols[@]}"

    # Built-in modules: every name (as the file names it, so with '-'), up to
    # 50 aliases of modules.builtin.modinfo.
    mapfile -t builtins < <(sed 's|.*/||; s|\.ko$||' "$M/modules.builtin")
    mapfile -t balias < <(tr '\0' '\n' <"$M/modules.builtin.modinfo" | sed -n 's/^[^.]*\.alias=//p' |
        awk -v n=3 'NR % n == 1' | head -n 50 | instantiate)
    check "$s all ${#builtins[@]} built-in modules" same_modinfo "${builtins[@]}"
    check "$s built-in modules, -0" same_modinfo -0 "${builtins[@]}"
    for f in name filename parm license alias file; do
        check "$s built-in modules, -F $f" same_modinfo -F "$f" "${builtins[@]}"
    done
    check "$s built-in modules, -m" same_modinfo -m "${builtins[@]}"
    check "$s ${#balias[@]} built-in aliases" same_modinfo "${balias[@]}"
    check "$s built-in aliases, -m" same_modinfo -m "${balias[@]}"

    # '-' and '_' swapped (every 7th name), names.ko (not found; found with -m).
    mapfile -t swapped < <(printf '%s\n' "${names[@]}" | awk 'NR % 7 == 1 {
        if ($0 ~ /-/) gsub(/-/, "_"); else gsub(/_/, "-"); print }')
    mapfile -t dotko < <(printf '%s.ko\n' "${sample[@]:0:30}")
    check "$s ${#swapped[@]} names with '-' and '_' swapped" same_modinfo "${swapped[@]}"
    check "$s names with '-' and '_' swapped, -m" same_modinfo -m "${swapped[@]}"
    check "$s name.ko (not a file here)" same_modinfo "${dotko[@]}"
    check "$s name.ko, -m" same_modinfo -m "${dotko[@]}"

    # Unknown names, alone and among known ones.
    unknown=(no_such_module no-such-module symbol:no_such_symbol_xyz fs-nosuchfs char-major-250-250
        'pci:v0000DEADd0000BEEFsv0sd0bc0sc0i0' nosuch:alias '' ' ' kernel/fs/nosuch.ko /nonexistent.ko
        'a[b' 'a]b' '][' 'a[b[c]d]' 'symbol:a[b' 'a[b]c' '[]' 'a[[b]' 'fs-ext[4]' 'a*b' 'a?b')
    for f in "${unknown[@]}"; do
        check "$s unknown '$f'" same_modinfo "$f"
    done
    mixed=("${sample[0]}" no_such_module "${sample[1]}" "${builtins[0]}" no-such-either "${aliases[0]}")
    check "$s unknown names among known ones" same_modinfo "${mixed[@]}"
    check "$s unknown names among known ones, -F filename" same_modinfo -F filename "${mixed[@]}"
    check "$s unknown names, -m" same_modinfo -m no_such_module "${sample[2]}" no-such

    # Relative -b, from the directory above the root.
    RUNDIR=$(dirname "$TROOT")
    NOBK=1 check "$s relative -b" same_modinfo -b "$(basename "$TROOT")" -k "$KVER" "${sample[@]:0:20}" "${builtins[0]}"
    NOBK=1 check "$s relative -b with a trailing /" same_modinfo -b "$(basename "$TROOT")/" -k "$KVER" -n "${sample[@]:0:20}"
    RUNDIR=/

    test_bad_files "$s" "$M"
    test_empty_indexes "$s" "$M" "${builtins[0]}" "${balias[0]}" "${names[0]}"
    rm -rf "$TROOT"
}

# test_empty_indexes SERIES MODDIR BUILTIN BUILTIN_ALIAS MODULE: each .bin index of the tree
# empty (0 bytes), then missing (issue 14: kmod answers from the other indexes, and never reads
# the text files in their place). The tree is linked again with the one file replaced.
test_empty_indexes() {
    local s=$1 M=$2 root=$TROOT f how E q=(vfat fs-vfat symbol:fat_build_inode "$3" "$4" "$5" no_such_module)
    for f in modules.dep.bin modules.alias.bin modules.symbols.bin modules.builtin.bin modules.builtin.alias.bin; do
        for how in empty missing; do
            E=$TREES/$s-$how
            rm -rf "$E"
            mkdir -p "$E/lib/modules"
            cp -al "$M" "$E/lib/modules/"
            rm "$E/lib/modules/$KVER/$f"
            [ "$how" = missing ] || : >"$E/lib/modules/$KVER/$f"
            TROOT=$E
            check "$s $f $how: names, aliases, symbols, built-ins" same_modinfo "${q[@]}"
            check "$s $f $how: -F filename" same_modinfo -F filename "${q[@]}"
            rm -rf "$E"
        done
    done
    TROOT=$root
}

# test_bad_files SERIES MODDIR: module files that are damaged or not modules.
test_bad_files() {
    local s=$1 M=$2 B=$SCR/$1-bad first xzmod half
    rm -rf "$B"
    mkdir -p "$B"
    first=$M/$(head -n 1 "$M/modules.dep" | cut -d: -f1)
    : >"$B/empty.ko"
    printf 'hello\n' >"$B/text.ko"
    printf '\177EL' >"$B/short.ko"
    # A plain module image to damage.
    case "$first" in
        *.xz) xz -dc "$first" >"$B/plain.ko" ;;
        *) cp "$first" "$B/plain.ko" ;;
    esac
    half=$(($(stat -c %s "$B/plain.ko") / 2))
    head -c "$half" "$B/plain.ko" >"$B/half.ko"
    head -c 64 "$B/plain.ko" >"$B/header.ko"
    objcopy --remove-section .modinfo "$B/plain.ko" "$B/nomodinfo.ko"
    xz -C crc32 -c "$B/plain.ko" >"$B/good.ko.xz"
    xzmod=$(stat -c %s "$B/good.ko.xz")
    head -c $((xzmod / 2)) "$B/good.ko.xz" >"$B/cut.ko.xz"
    cp "$B/good.ko.xz" "$B/flipped.ko.xz"
    printf '\377\377\377\377' | dd of="$B/flipped.ko.xz" bs=1 seek=$((xzmod / 2)) conv=notrunc status=none
    xz -c "$B/plain.ko" >"$B/xz-inside.ko"
    zstd -q -c "$B/plain.ko" >"$B/good.ko.zst" 2>/dev/null || true
    mkdir "$B/dir.ko"
    cp "$B/plain.ko" "$B/plain.o"
    ln -s plain.ko "$B/link.ko"
    local -a files=(empty.ko text.ko short.ko half.ko header.ko nomodinfo.ko good.ko.xz cut.ko.xz
        flipped.ko.xz xz-inside.ko dir.ko plain.o link.ko missing.ko plain.ko)
    [ -e "$B/good.ko.zst" ] && files+=(good.ko.zst)
    RUNDIR=$B
    # kmod 34.2 says ENODATA for a module without .modinfo, and logs xz's complaint about a
    # damaged stream: deliberate differences from kmod 30.
    local -A tag=([nomodinfo.ko]=modinfo-no-modinfo [cut.ko.xz]=modinfo-xz-messages
        [flipped.ko.xz]=modinfo-xz-messages)
    for f in "${files[@]}"; do
        NOT30=${tag[$f]:-} check "$s file $f${tag[$f]:+ [kmod 30: ${tag[$f]}]}" same_modinfo "$f"
    done
    NOT30=modinfo-xz-messages check "$s damaged files together [kmod 30: modinfo-xz-messages]" same_modinfo "${files[@]}"
    NOT30=modinfo-xz-messages check "$s damaged files together, -F license [kmod 30: modinfo-xz-messages]" \
        same_modinfo -F license "${files[@]}"
    check "$s damaged files together, -n" same_modinfo -n "${files[@]}"
    NOT30=modinfo-xz-messages check "$s damaged files by absolute path [kmod 30: modinfo-xz-messages]" \
        same_modinfo "${files[@]/#/$B/}"
    RUNDIR=/
    rm -rf "$B"
}

# ------------------------------------------------------------------- main
each_tree test_tree
summary
