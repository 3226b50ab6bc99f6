#!/usr/bin/env bash
# Differential test of our depmod against Debian's kmod 30 depmod (the host's)
# and Debian 13's kmod 34.2 (in the Debian 13 root, ensure_trixie_root), on
# Debian's real module trees: Linux 6.1 (plain .ko, ~4000 modules) and 6.12
# (.ko.xz). Ours follows kmod 34.2 (docs/compatibility.md).
# Against kmod 34.2, for each tree, both depmods run in the Debian 13 root on
# scratch trees bound into it at the same path:
#   - `depmod -n`: the same stdout (symbols section sorted: `symbols-order`),
#     stderr and exit status;
#   - `depmod -b` and `depmod -o`: every output file byte-identical, the .bin
#     files and modules.weakdep included (modules.symbols after sorting).
# Against kmod 30, for each tree, on scratch copies (`cp -al`: depmod replaces
# files by rename, so the hard-linked module files are never written):
#   - `depmod -n` prints what kmod prints (modules.symbols' section compared
#     sorted: its order is free; our modules.weakdep section, which kmod 30
#     lacks, must be its header alone: `weakdep-file`) and writes nothing;
#   - `depmod -b` writes the same set of files but modules.weakdep, the text
#     ones byte-identical (modules.symbols after sorting), every .bin with the
#     same content (both dumped by index-dump, tests/src/bin) in another node
#     order (`bin-layout`: kmod 34's, checked above), with the same exit status
#     and stderr;
#   - kmod 30's modprobe reading our indexes (kmod 34's layout) answers
#     `--show-depends X` and `-R X`, and its modinfo `-F filename X`, exactly
#     as they do reading kmod 30's, for about 260 names, aliases, symbols,
#     built-ins, fs-/char-major- aliases and names that do not exist;
#   - `-o OUTDIR` writes the same files into OUTDIR/lib/modules/<v> and nothing
#     into the base tree (kmod 30 has no -o; a newer kmod is used as reference
#     when the host has one);
#   - corrupted modules (one truncated to half; on 6.12 also one .ko.xz with
#     flipped bytes): we exit 0, warn naming each, and write what kmod writes
#     for the tree without them.
# On 6.1 only (cheap there; 6.12 costs ~11 s per kmod run):
#   - `-e -E Module.symvers`, `-e -E` with one CRC changed, `-e -F System.map`
#     (Debian's stub map, and one made of Module.symvers' vmlinux exports) on
#     a tree without mii.ko (others need it): same exit status and stderr;
#   - `-A` does nothing when no module is newer than modules.dep and works
#     when one is, as kmod does;
#   - dependency cycles (test modules cyc_a <-> cyc_b, cyc_c -> cyc_a,
#     cyc_d -> cyc_e -> cyc_f -> cyc_d, built from tests/diff/cycle): same
#     exit status (1) and stderr as kmod, and no index file replaced.
# Per tree, against kmod 30 and 34.2, on small trees of nine of its modules where modules.order
# lists a file by path that is not the one indexed (a copy of mii.ko in extra/ preferred by
# depmod.d `search` or `override`, or in updates/; the kernel's line repeated; lines `./kernel/...`,
# with a trailing blank, with the compression's ending; several modules moved): `depmod -n`
# and `-b` write the same (`several`: the unlisted modules' order is free, `depmod-unordered`).
#
# Prints `PASS <name>` / `FAIL <name>` (with details) per check and a last line
# `N passed, N failed`; exits 1 if any check failed, 2 if the setup failed.
#
# Usage: tests/diff/depmod.sh [6.1|6.12|all]      (default: all)
# Environment: MODUTILS_CACHE (see tests/lib/lib.sh); DEPMOD: the depmod to
# test (default: `cargo build --release -p depmod`, target/release/depmod);
# KEEP_SCRATCH=1 keeps the scratch trees (their path is logged); DEPMOD_DIFF_ONLY=order runs
# the modules.order checks only.
set -euo pipefail

# shellcheck source=tests/diff/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
if [ "${DEPMOD_DIFF_IN_NS:-0}" != 1 ]; then
    # The whole script in a private mount namespace, for the bind mounts into the Debian 13 root.
    ensure_trixie_root
    ns_ready
    exec unshare -m --propagation private env DEPMOD_DIFF_IN_NS=1 "$0" "$@"
fi
ensure_trixie_root
diff_setup depmod "${1:-all}" modprobe modinfo
DUMP=$(our_tool INDEX_DUMP "$RELEASE_DIR/index-dump" cargo_release tests)
# Our depmod at a path inside the Debian 13 root too.
cp "$OURS" "$SCR/ours-depmod"
OURS34=$SCR/ours-depmod
IN_TRIXIE=()
# bind_into_trixie DIR: DIR at the same path inside the Debian 13 root (once; the mount
# point is removed at exit).
bind_into_trixie() {
    local d
    for d in "${IN_TRIXIE[@]}"; do [ "$d" != "$1" ] || return 0; done
    trixie_bind_same "$1"
    IN_TRIXIE+=("$1")
}
bind_into_trixie "$SCR"
# REF: the kmod the index checks compare with (30: .bin by content, no modules.weakdep).
REF=30

# ------------------------------------------------------------------ helpers
INDEX_TEXT="modules.dep modules.alias modules.softdep modules.weakdep modules.symbols modules.devname"
INDEX_BIN="modules.dep.bin modules.alias.bin modules.symbols.bin modules.builtin.bin modules.builtin.alias.bin"

# fresh_pair K O: fresh copies of the tree (tree_copy) at K for kmod's depmod and at O for ours;
# sets KM and OM, their module directories.
fresh_pair() {
    tree_copy "$1"
    tree_copy "$2"
    KM=$1/lib/modules/$KVER
    OM=$2/lib/modules/$KVER
}

# replace_file PATH: PATH becomes a private copy (no longer hard-linked to the
# cache), so it can be modified.
replace_file() {
    cp "$1" "$1.tmp"
    mv "$1.tmp" "$1"
}

# run_to PREFIX CMD ARGS...: PREFIX.out, PREFIX.err, PREFIX.rc.
run_to() {
    local p=$1
    shift
    set +e
    "$@" >"$p.out" 2>"$p.err"
    echo $? >"$p.rc"
    set -e
}

# pair PREFIX_K PREFIX_O KMOD_ARGS -- OUR_ARGS: runs kmod's depmod and ours
# at the same time (two processes), into PREFIX_K.* and PREFIX_O.*.
pair() {
    local pk=$1 po=$2 ka=() oa=()
    shift 2
    while [ "$1" != -- ]; do ka+=("$1"); shift; done
    shift
    oa=("$@")
    run_to "$pk" "$KDEPMOD" "${ka[@]}" &
    local pid=$!
    run_to "$po" "$OURS" "${oa[@]}"
    wait "$pid"
}

# listing DIR [index]: names of the files in DIR (one level), sorted; with
# `index`, only depmod's outputs (modules.* but the kernel's three).
listing() {
    (cd "$1" && LC_ALL=C ls -A) | if [ "$REF" = 30 ]; then { grep -vx modules.weakdep || true; }; else cat; fi |
        if [ "${2:-}" = index ]; then
        grep '^modules\.' | grep -vx -e modules.order -e modules.builtin -e modules.builtin.modinfo
    else
        cat
    fi
}

# snapshot DIR: name, inode, size and mtime of every file under DIR.
snapshot() { (cd "$1" && find . -printf '%p %i %s %T@\n' | LC_ALL=C sort); }

# same_content A B: two .bin indexes with the same entries (index-dump, every key, priority
# and value in order); says whether the bytes are the same too (against kmod 30 they are not:
# kmod 34's node order, `bin-layout`).
same_content() {
    [ -e "$1" ] || { echo "kmod's tree lacks $(basename "$1")"; return 1; }
    [ -e "$2" ] || { echo "ours lacks $(basename "$2")"; return 1; }
    # kmod writes an empty file for a missing source (modules.builtin, .builtin.modinfo).
    if [ ! -s "$1" ] || [ ! -s "$2" ]; then cmp "$1" "$2"; return; fi
    "$DUMP" "$1" >"$SCR/da" || return 1
    "$DUMP" "$2" >"$SCR/db" || return 1
    cmp "$SCR/da" "$SCR/db" || { diff "$SCR/da" "$SCR/db" | head -n 20; return 1; }
    echo "$(wc -l <"$SCR/da") values; bytes: $(cmp -s "$1" "$2" && echo same || echo 'differ (layout)')"
}

# same_file A B [sorted]: byte-identical (or after sorting both).
same_file() {
    local a=$1 b=$2
    if [ ! -e "$a" ] && [ ! -e "$b" ]; then return 0; fi
    [ -e "$a" ] || { echo "only ours has $(basename "$b")"; return 1; }
    [ -e "$b" ] || { echo "only kmod's tree has $(basename "$a") (ours lacks it)"; return 1; }
    if [ "${3:-}" = sorted ]; then
        LC_ALL=C sort "$a" >"$SCR/sa"
        LC_ALL=C sort "$b" >"$SCR/sb"
        a=$SCR/sa b=$SCR/sb
    fi
    if cmp "$a" "$b"; then return 0; fi
    case "$1" in
        *.bin) ls -l "$1" "$2" ;;
        *) diff "$a" "$b" | head -n 30 ;;
    esac
    return 1
}

# check_same_files KDIR ODIR [index]: the same file names (see listing).
check_same_files() {
    local kd=$1 od=$2
    diff <(listing "$kd" "${3:-}") <(listing "$od" "${3:-}") && return 0
    echo "(< kmod's tree, > ours)"
    return 1
}

# same_index_files LABEL KDIR ODIR [index]: one check per index file, plus
# the set of files (with `index`: of index files only).
same_index_files() {
    local label=$1 kd=$2 od=$3 mode=${4:-} f
    for f in $INDEX_TEXT; do
        [ -e "$kd/$f" ] || [ -e "$od/$f" ] || continue
        if [ "$REF" = 30 ] && [ "$f" = modules.weakdep ]; then
            # kmod 30 writes none (`weakdep-file`): ours is checked against kmod 34.2's.
            continue
        elif [ "$f" = modules.symbols ]; then
            check "$label $f same after sorting" same_file "$kd/$f" "$od/$f" sorted
        else
            check "$label $f byte-identical" same_file "$kd/$f" "$od/$f"
        fi
    done
    for f in $INDEX_BIN; do
        if [ "$REF" = 30 ]; then
            check "$label $f same content (kmod 34's layout: bin-layout)" same_content "$kd/$f" "$od/$f"
        else
            check "$label $f byte-identical" same_file "$kd/$f" "$od/$f"
        fi
    done
    if [ "$mode" = index ]; then
        check "$label same set of index files" check_same_files "$kd" "$od" index
    else
        check "$label same set of files" check_same_files "$kd" "$od"
    fi
}

# same_run PK PO [ROOT_K ROOT_O]: same exit status and stderr (ROOT_K read as
# ROOT_O in kmod's).
same_run() {
    local pk=$1 po=$2 bad=0
    if [ "$(cat "$pk.rc")" != "$(cat "$po.rc")" ]; then
        echo "exit status: kmod $(cat "$pk.rc"), ours $(cat "$po.rc")"
        bad=1
    fi
    if [ -n "${3:-}" ]; then
        sed "s|$3|$4|g" "$pk.err" >"$pk.err.n"
    else
        cp "$pk.err" "$pk.err.n"
    fi
    if ! cmp -s "$pk.err.n" "$po.err"; then
        echo "stderr differs (< kmod, > ours):"
        diff "$pk.err.n" "$po.err" | head -n 30
        bad=1
    fi
    return $bad
}

# same_run_sorted PK PO ROOT_K ROOT_O: same exit status; stderr the same
# lines (NOTE when only their order differs).
same_run_sorted() {
    local pk=$1 po=$2 bad=0
    if [ "$(cat "$pk.rc")" != "$(cat "$po.rc")" ]; then
        echo "exit status: kmod $(cat "$pk.rc"), ours $(cat "$po.rc")"
        bad=1
    fi
    sed "s|$3|$4|g" "$pk.err" >"$pk.err.n"
    if cmp -s "$pk.err.n" "$po.err"; then
        echo "($(wc -l <"$po.err") stderr lines, same order)"
    else
        if diff <(LC_ALL=C sort "$pk.err.n") <(LC_ALL=C sort "$po.err") >"$pk.err.d"; then
            echo "NOTE: same $(wc -l <"$po.err") stderr lines as kmod, in another order"
            diff "$pk.err.n" "$po.err" | head -n 10
        else
            echo "stderr lines differ: kmod $(wc -l <"$pk.err.n") lines, ours $(wc -l <"$po.err"); ours begins:"
            head -n 3 "$po.err"
            echo "diff of the sorted lines (< kmod, > ours):"
            head -n 20 "$pk.err.d"
            bad=1
        fi
    fi
    return $bad
}

# split_dry_run FILE PREFIX: splits `depmod -n` output at the headers of the
# index files into PREFIX.<file> and PREFIX.sections (their order).
split_dry_run() {
    awk -v p="$2" '
        BEGIN { s = "dep"; print s > (p ".sections") }
        $0 == "# Aliases extracted from modules themselves." { s = "alias" }
        $0 == "# Soft dependencies extracted from modules themselves." { s = "softdep" }
        $0 == "# Weak dependencies extracted from modules themselves." { s = "weakdep" }
        $0 == "# Aliases for symbols, used by symbol_request()." { s = "symbols" }
        $0 == "# Device nodes to trigger on-demand module loading." { s = "devname" }
        s != last { if (last != "") print s > (p ".sections"); last = s }
        { print > (p "." s) }
        END { if (last == "") last = "dep" }' "$1"
}

check_dry_run() {
    local pk=$1 po=$2 s bad=0
    same_run "$pk" "$po" "$3" "$4" || bad=1
    split_dry_run "$pk.out" "$pk.n"
    split_dry_run "$po.out" "$po.n"
    if [ "$REF" = 30 ] && ! grep -qx weakdep "$pk.n.sections"; then
        # kmod 30 has no modules.weakdep (`weakdep-file`): ours, its header alone on these trees.
        if [ "$(cat "$po.n.weakdep")" != "# Weak dependencies extracted from modules themselves." ]; then
            echo "our weakdep section is not the header alone"
            bad=1
        fi
        grep -vx weakdep "$po.n.sections" >"$po.n.sections.30"
        mv "$po.n.sections.30" "$po.n.sections"
    fi
    if ! diff "$pk.n.sections" "$po.n.sections"; then
        echo "sections differ (< kmod, > ours)"
        bad=1
    fi
    for s in $(cat "$pk.n.sections"); do
        if [ "$s" = symbols ]; then
            same_file "$pk.n.$s" "$po.n.$s" sorted || { echo "section $s differs (sorted)"; bad=1; }
        else
            same_file "$pk.n.$s" "$po.n.$s" || { echo "section $s differs"; bad=1; }
        fi
    done
    echo "kmod: $(wc -l <"$pk.out") lines, ours: $(wc -l <"$po.out") lines"
    return $bad
}

check_unchanged() { # BEFORE AFTER
    diff "$1" "$2" && return 0
    echo "(< before, > after)"
    return 1
}

check_rc() { # PREFIX EXPECTED
    [ "$(cat "$1.rc")" = "$2" ] && return 0
    echo "exit status $(cat "$1.rc"), expected $2; stderr:"
    head -n 20 "$1.err"
    return 1
}

# ------------------------------------------------- modprobe on both indexes
# make_queries MODDIR: the queries, one a line: names, aliases (patterns instantiated: see
# tests/lib/aliases.sh), symbols, built-ins, names that do not exist.
make_queries() {
    local m=$1 n
    {
        # ~150 module names (every 27th of modules.order; every 5th of them
        # with '-' and '_' swapped).
        awk 'NR % 27 == 1 { b = $0; sub(/.*\//, "", b); sub(/\.ko.*$/, "", b)
                            if (++k % 5 == 0) { if (b ~ /-/) gsub(/-/, "_", b); else gsub(/_/, "-", b) }
                            print b }' "$m/modules.order"
        # ~50 aliases, instantiated.
        n=$(($(grep -c '^alias ' "$m/modules.alias") / 50 + 1))
        awk -v n="$n" '/^alias / && ++k % n == 0 { print $2 }' "$m/modules.alias" | instantiate
        # fs-, char-major-, block-major-, devname: aliases (the first three of each).
        for pfx in fs- char-major- block-major- devname:; do
            awk -v p="$pfx" '$1 == "alias" && index($2, p) == 1 { print $2 }' "$m/modules.alias" |
                head -n 3 | sed -e 's/\*/0/g' -e 's/?/a/g'
        done
        # ~30 symbols.
        n=$(($(grep -c '^alias ' "$m/modules.symbols") / 30 + 1))
        awk -v n="$n" '/^alias / && ++k % n == 0 { print $2 }' "$m/modules.symbols"
        # ~6 built-ins by name, ~6 built-in aliases (modules.builtin.modinfo).
        n=$(($(wc -l <"$m/modules.builtin") / 6 + 1))
        awk -v n="$n" 'NR % n == 1 { b = $0; sub(/.*\//, "", b); sub(/\.ko$/, "", b); print b }' \
            "$m/modules.builtin"
        tr '\0' '\n' <"$m/modules.builtin.modinfo" | sed -n 's/^[^.]*\.alias=//p' |
            awk 'NR % 25 == 1' | head -n 6 | sed -e 's/\*/0/g' -e 's/?/a/g'
        # Names that do not exist.
        printf '%s\n' no_such_module no-such-module symbol:no_such_symbol_xyz fs-nosuchfs \
            char-major-250-250 'pci:v0000DEADd0000BEEFsv0sd0bc0sc0i0' nosuch:alias
    } | grep -v '^$'
}

# modprobe_loop ROOT QUERIES OUT: --show-depends and -R of every query with
# kmod's modprobe on ROOT's indexes (no config), and `modinfo -F filename` with
# kmod's modinfo, ROOT replaced by "ROOT".
modprobe_loop() {
    local root=$1 q
    while IFS= read -r q; do
        printf '== --show-depends %s\n' "$q"
        "$KMODPROBE" -C "$SCR/empty.d" -d "$root" -S "$KVER" --show-depends -- "$q" 2>&1 && echo "rc=0" || echo "rc=$?"
        printf '== -R %s\n' "$q"
        "$KMODPROBE" -C "$SCR/empty.d" -d "$root" -S "$KVER" -R -- "$q" 2>&1 && echo "rc=0" || echo "rc=$?"
        printf '== modinfo -F filename %s\n' "$q"
        "$KMODINFO" -b "$root" -k "$KVER" -F filename -- "$q" 2>&1 && echo "rc=0" || echo "rc=$?"
    done <"$2" | sed "s|$root|ROOT|g" >"$3"
}

check_modprobe_same() { # KOUT OOUT QUERIES
    local n hits
    n=$(wc -l <"$3")
    hits=$(grep -c '^rc=0$' "$1" || true)
    echo "$n queries, $hits of $((3 * n)) modprobe and modinfo calls succeeded"
    diff "$1" "$2" | head -n 30 || true
    cmp -s "$1" "$2"
}

# ------------------------------------------------------------ per kernel
test_tree() {
    local s=$1 K=$TREES/$1-kmod O=$TREES/$1-ours KM OM R
    MDIR=$KDIR/lib/modules/$KVER
    R=$SCR/$s
    log "$s ($KVER): $(wc -l <"$MDIR/modules.order") modules in modules.order"

    # -n on fresh trees: the same output, nothing written.
    fresh_pair "$K" "$O"
    snapshot "$K" >"$R.snap.k0"
    snapshot "$O" >"$R.snap.o0"
    log "$s: depmod -n"
    pair "$R.n.k" "$R.n.o" -n -b "$K" "$KVER" -- -n -b "$O" "$KVER"
    check "$s depmod -n: same stdout (symbols section sorted), stderr, exit status" \
        check_dry_run "$R.n.k" "$R.n.o" "$K" "$O"
    snapshot "$K" >"$R.snap.k1"
    snapshot "$O" >"$R.snap.o1"
    check "$s depmod -n: kmod writes nothing" check_unchanged "$R.snap.k0" "$R.snap.k1"
    check "$s depmod -n: ours writes nothing" check_unchanged "$R.snap.o0" "$R.snap.o1"

    # depmod -b.
    log "$s: depmod -b"
    pair "$R.b.k" "$R.b.o" -b "$K" "$KVER" -- -b "$O" "$KVER"
    check "$s depmod -b: same exit status and stderr" same_run "$R.b.k" "$R.b.o" "$K" "$O"
    check "$s depmod -b: exit status 0" check_rc "$R.b.o" 0
    same_index_files "$s depmod -b:" "$KM" "$OM"

    # -v: one "needs" line per dependency, in the same order.
    log "$s: depmod -v"
    local VK=$TREES/$s-v-kmod VO=$TREES/$s-v-ours
    tree_copy "$VK"
    tree_copy "$VO"
    pair "$R.v.k" "$R.v.o" -v -b "$VK" "$KVER" -- -v -b "$VO" "$KVER"
    sed "s|$VK||g" "$R.v.k.out" >"$R.v.k.norm"
    sed "s|$VO||g" "$R.v.o.out" >"$R.v.o.norm"
    check "$s depmod -v: same stdout ($(wc -l <"$R.v.k.norm") lines)" cmp -s "$R.v.k.norm" "$R.v.o.norm"

    # Explicit module files: only those are indexed.
    log "$s: depmod VERSION FILES"
    local EK=$TREES/$s-files-kmod EO=$TREES/$s-files-ours f x files_k=() files_o=()
    tree_copy "$EK"
    tree_copy "$EO"
    for f in $(awk 'NR % 400 == 1' "$MDIR/modules.order"); do
        # modules.order names the .ko; the file may be compressed.
        for x in "" .xz .zst .gz; do [ -f "$MDIR/$f$x" ] && { f=$f$x; break; }; done
        files_k+=("$EK/lib/modules/$KVER/$f")
        files_o+=("$EO/lib/modules/$KVER/$f")
    done
    pair "$R.f.k" "$R.f.o" -b "$EK" "$KVER" "${files_k[@]}" -- -b "$EO" "$KVER" "${files_o[@]}"
    check "$s depmod VERSION FILES (${#files_o[@]} files): same exit status and stderr" \
        same_run "$R.f.k" "$R.f.o" "$EK" "$EO"
    same_index_files "$s depmod VERSION FILES:" "$EK/lib/modules/$KVER" "$EO/lib/modules/$KVER"

    # kmod's modprobe on both sets of indexes.
    log "$s: modprobe --show-depends / -R on both trees"
    make_queries "$KM" >"$R.queries"
    modprobe_loop "$K" "$R.queries" "$R.mp.k" &
    local pid=$!
    modprobe_loop "$O" "$R.queries" "$R.mp.o"
    wait "$pid"
    check "$s kmod 30's modprobe --show-depends/-R and modinfo -F filename on our indexes == on kmod 30's ($(wc -l <"$R.queries") queries, $(grep -c '^rc=0$' "$R.mp.k" || true) calls of $((3 * $(wc -l <"$R.queries"))) succeed)" \
        check_modprobe_same "$R.mp.k" "$R.mp.o" "$R.queries"

    # -o OUTDIR: the same files there, nothing in the base tree.
    log "$s: depmod -o"
    local B=$TREES/$s-obase OUT=$SCR/$s-out KB=$TREES/$s-kobase KOUT=$SCR/$s-kout ref=$KM
    tree_copy "$B"
    snapshot "$B" >"$R.snap.b0"
    run_to "$R.o.k.probe" "$KDEPMOD" -o "$SCR/nonexistent" --version
    if grep -q "invalid option" "$R.o.k.probe.err"; then
        echo "    note: kmod ($($KDEPMOD --version | head -n 1)) has no -o: comparing with its depmod -b output"
        run_to "$R.o.o" "$OURS" -b "$B" -o "$OUT" "$KVER"
    else
        tree_copy "$KB"
        pair "$R.o.k" "$R.o.o" -b "$KB" -o "$KOUT" "$KVER" -- -b "$B" -o "$OUT" "$KVER"
        check "$s depmod -o: same exit status and stderr" same_run "$R.o.k" "$R.o.o" "$KB" "$B"
        ref=$KOUT/lib/modules/$KVER
    fi
    check "$s depmod -o: exit status 0, stderr empty" check_rc_empty "$R.o.o"
    snapshot "$B" >"$R.snap.b1"
    check "$s depmod -o: nothing written into the base tree" check_unchanged "$R.snap.b0" "$R.snap.b1"
    check "$s depmod -o: only lib/modules/$KVER written under OUTDIR" check_outdir_layout "$OUT"
    # (kmod's -b tree also holds the kernel's files: compare index files.)
    same_index_files "$s depmod -o:" "$ref" "$OUT/lib/modules/$KVER" index

    # Corrupted modules: ours on the tree with them, kmod on the tree without.
    log "$s: corrupted modules"
    local C=$TREES/$s-corrupt CR=$TREES/$s-corrupt-ref CM CRM f bad=()
    tree_copy "$C"
    tree_copy "$CR"
    CM=$C/lib/modules/$KVER
    CRM=$CR/lib/modules/$KVER
    f=$(cd "$CM" && ls kernel/drivers/net/mii.ko*) # needed by ~30 modules
    bad+=("$f")
    replace_file "$CM/$f"
    truncate -s $(($(stat -c %s "$CM/$f") / 2)) "$CM/$f"
    if [ "$s" = 6.12 ]; then
        f=$(cd "$CM" && ls kernel/net/802/stp.ko*) # needed by bridge, garp
        bad+=("$f")
        replace_file "$CM/$f"
        # 16 bytes in the middle of the compressed data, inverted.
        local off=$(($(stat -c %s "$CM/$f") / 2))
        perl -e 'open(F, "+<", $ARGV[0]) or die; seek(F, $ARGV[1], 0); read(F, $b, 16);
                 seek(F, $ARGV[1], 0); print F ($b ^ ("\xff" x 16))' "$CM/$f" "$off"
        cmp -s "$CM/$f" "$MDIR/$f" && die "corrupting $f changed nothing"
    fi
    for f in "${bad[@]}"; do rm -f "$CRM/$f"; done
    pair "$R.c.k" "$R.c.o" -b "$CR" "$KVER" -- -b "$C" "$KVER"
    check "$s corrupt modules: ours exits 0" check_rc "$R.c.o" 0
    for f in "${bad[@]}"; do
        check "$s corrupt modules: ours warns about $f" check_warns "$R.c.o" "$f"
    done
    check "$s corrupt modules: nothing else on our stderr" check_only_warnings "$R.c.o" "${bad[@]}"
    check "$s corrupt modules: kmod (tree without them) exits 0" check_rc "$R.c.k" 0
    same_index_files "$s corrupt modules (vs kmod without them):" "$CRM" "$CM"

    rm -rf "$K" "$O" "$B" "$OUT" "$C" "$CR" "$KB" "$KOUT"
}

check_rc_empty() {
    check_rc "$1" 0 || return 1
    [ -s "$1.err" ] || return 0
    echo "stderr:"
    head -n 20 "$1.err"
    return 1
}

check_outdir_layout() { # OUT
    local extra
    extra=$(cd "$1" && find . -mindepth 1 ! -path ./lib ! -path ./lib/modules ! -path "./lib/modules/$KVER" \
        ! -path "./lib/modules/$KVER/*")
    [ -z "$extra" ] || { echo "unexpected: $extra"; return 1; }
    extra=$(cd "$1/lib/modules/$KVER" && find . -mindepth 1 ! -name 'modules.*')
    [ -z "$extra" ] || { echo "unexpected: $extra"; return 1; }
    ls "$1/lib/modules/$KVER"
}

check_warns() { # PREFIX RELPATH
    grep -F "$2" "$1.err" | grep -q 'WARNING' && { grep -F "$2" "$1.err"; return 0; }
    echo "no WARNING line naming $2 on stderr:"
    head -n 20 "$1.err"
    return 1
}

check_only_warnings() { # PREFIX RELPATH...
    local p=$1 f
    shift
    cp "$p.err" "$p.err.rest"
    for f in "$@"; do
        grep -vF "$f" "$p.err.rest" >"$p.err.rest2" || true
        mv "$p.err.rest2" "$p.err.rest"
    done
    [ -s "$p.err.rest" ] || return 0
    echo "other stderr lines:"
    head -n 20 "$p.err.rest"
    return 1
}

# ------------------------------------------------------- -e -E / -e -F (6.1)
test_errsyms() {
    local s=$1 K=$TREES/$1-ek O=$TREES/$1-eo R=$SCR/$1.e KM OM symvers map
    symvers=$KBUILD_DIR/Module.symvers
    map=$KDIR/boot/System.map-$KVER
    [ -f "$symvers" ] || die "no $symvers"
    [ -f "$map" ] || die "no $map"
    fresh_pair "$K" "$O"
    rm -f "$KM"/kernel/drivers/net/mii.ko* "$OM"/kernel/drivers/net/mii.ko*

    # Module.symvers with the CRC of one vmlinux export (used by a few
    # modules) changed.
    local sym=netif_carrier_on
    awk -v s="$sym" -F '\t' 'BEGIN { OFS = "\t" } $2 == s { $1 = "0x12345678" } { print }' \
        "$symvers" >"$SCR/Module.symvers.badcrc"
    # A System.map of the kind a kernel build makes (Debian ships a stub):
    # every vmlinux export from Module.symvers, as the symbol and its
    # __ksymtab_ entry.
    awk -F '\t' '$3 == "vmlinux" { printf "ffffffff81000000 T %s\nffffffff82000000 r __ksymtab_%s\n", $2, $2 }' \
        "$symvers" >"$SCR/System.map.made"

    log "$s: depmod -e -E / -F"
    pair "$R.E.k" "$R.E.o" -b "$K" -e -E "$symvers" "$KVER" -- -b "$O" -e -E "$symvers" "$KVER"
    check "$s depmod -e -E Module.symvers (no mii.ko): same exit status and stderr lines" \
        same_run_sorted "$R.E.k" "$R.E.o" "$K" "$O"
    check "$s depmod -e -E: reports unknown mii symbols" check_stderr_has "$R.E.o" "needs unknown symbol mii_"
    pair "$R.C.k" "$R.C.o" -b "$K" -e -E "$SCR/Module.symvers.badcrc" "$KVER" -- \
        -b "$O" -e -E "$SCR/Module.symvers.badcrc" "$KVER"
    check "$s depmod -e -E Module.symvers with $sym's CRC changed: same exit status and stderr lines" \
        same_run_sorted "$R.C.k" "$R.C.o" "$K" "$O"
    check "$s depmod -e -E (bad CRC): reports $sym's version" check_stderr_has "$R.C.o" "disagrees about version of symbol $sym"
    pair "$R.F.k" "$R.F.o" -b "$K" -e -F "$map" "$KVER" -- -b "$O" -e -F "$map" "$KVER"
    check "$s depmod -e -F System.map (Debian's stub): same exit status and stderr lines" \
        same_run_sorted "$R.F.k" "$R.F.o" "$K" "$O"
    pair "$R.M.k" "$R.M.o" -b "$K" -e -F "$SCR/System.map.made" "$KVER" -- \
        -b "$O" -e -F "$SCR/System.map.made" "$KVER"
    check "$s depmod -e -F System.map (made from Module.symvers): same exit status and stderr lines" \
        same_run_sorted "$R.M.k" "$R.M.o" "$K" "$O"
    check "$s depmod -e -F (made map): reports unknown mii symbols" check_stderr_has "$R.M.o" "needs unknown symbol mii_"
    same_index_files "$s depmod -e (no mii.ko):" "$KM" "$OM"
    rm -rf "$K" "$O"
}

check_stderr_has() { # PREFIX TEXT
    grep -qF "$2" "$1.err" && { echo "$(grep -cF "$2" "$1.err") lines"; return 0; }
    echo "stderr lacks '$2'; it has $(wc -l <"$1.err") lines:"
    head -n 10 "$1.err"
    return 1
}

# -------------------------------------------------------------- -A (6.1)
test_quick() {
    local s=$1 K=$TREES/$1-qk O=$TREES/$1-qo R=$SCR/$1.q KM OM f
    fresh_pair "$K" "$O"
    log "$s: depmod -A"
    # No modules.dep yet: -A does the work.
    pair "$R.1.k" "$R.1.o" -A -b "$K" "$KVER" -- -A -b "$O" "$KVER"
    check "$s depmod -A without modules.dep: same exit status and stderr" same_run "$R.1.k" "$R.1.o" "$K" "$O"
    same_index_files "$s depmod -A without modules.dep:" "$KM" "$OM"
    # The module files (the package's mtimes) are older than modules.dep:
    # -A does nothing.
    snapshot "$K" >"$R.snap.k0"
    snapshot "$O" >"$R.snap.o0"
    pair "$R.2.k" "$R.2.o" -A -b "$K" "$KVER" -- -A -b "$O" "$KVER"
    check "$s depmod -A, nothing newer: same exit status and stderr" same_run "$R.2.k" "$R.2.o" "$K" "$O"
    snapshot "$K" >"$R.snap.k1"
    snapshot "$O" >"$R.snap.o1"
    check "$s depmod -A, nothing newer: kmod writes nothing" check_unchanged "$R.snap.k0" "$R.snap.k1"
    check "$s depmod -A, nothing newer: ours writes nothing" check_unchanged "$R.snap.o0" "$R.snap.o1"
    # One module newer than modules.dep (a private copy, touched): redone.
    touch -d '-1 hour' "$KM/modules.dep" "$OM/modules.dep"
    for f in "$KM" "$OM"; do
        replace_file "$f/kernel/drivers/net/dummy.ko"
        touch "$f/kernel/drivers/net/dummy.ko"
    done
    snapshot "$K" >"$R.snap.k2"
    snapshot "$O" >"$R.snap.o2"
    pair "$R.3.k" "$R.3.o" -A -b "$K" "$KVER" -- -A -b "$O" "$KVER"
    check "$s depmod -A, a module newer: same exit status and stderr" same_run "$R.3.k" "$R.3.o" "$K" "$O"
    snapshot "$K" >"$R.snap.k3"
    snapshot "$O" >"$R.snap.o3"
    check "$s depmod -A, a module newer: both rewrite the same files" check_same_rewrites \
        "$R.snap.k2" "$R.snap.k3" "$R.snap.o2" "$R.snap.o3"
    same_index_files "$s depmod -A, a module newer:" "$KM" "$OM"
    rm -rf "$K" "$O"
}

# check_same_rewrites K_BEFORE K_AFTER O_BEFORE O_AFTER: the same files got a
# new inode (or appeared) in both trees.
check_same_rewrites() {
    diff <(changed_files "$1" "$2") <(changed_files "$3" "$4") && { changed_files "$1" "$2" | tr '\n' ' '; return 0; }
    echo "(< changed by kmod, > changed by ours)"
    return 1
}
changed_files() { # BEFORE AFTER: paths whose inode changed or that are new (against kmod 30,
    # modules.weakdep left out: `weakdep-file`)
    awk 'NR == FNR { ino[$1] = $2; next } !($1 in ino) || ino[$1] != $2 { print $1 }' "$1" "$2" |
        if [ "$REF" = 30 ]; then grep -v '/modules\.weakdep$' || true; else cat; fi
}

# --------------------------------------------------------- cycles (6.1)
test_cycle() {
    local s=$1 mods=$WORK/$KVER/depmod-cycle K=$SCR/$1-cyk O=$SCR/$1-cyo R=$SCR/$1.cy d f built=1
    # Built once per kernel and source version.
    for f in "$DIFF_DIR"/cycle/*; do
        cmp -s "$f" "$mods/${f##*/}" || built=0
    done
    ls "$mods"/cyc_f.ko >/dev/null 2>&1 || built=0
    [ "$built" = 1 ] || build_test_modules "$mods" "$DIFF_DIR/cycle"
    for d in "$K" "$O"; do
        rm -rf "$d"
        mkdir -p "$d/lib/modules/$KVER/extra"
        cp "$mods"/cyc_*.ko "$d/lib/modules/$KVER/extra/"
        printf 'extra/%s.ko\n' cyc_c cyc_a cyc_b cyc_e cyc_d cyc_f >"$d/lib/modules/$KVER/modules.order"
        : >"$d/lib/modules/$KVER/modules.builtin"
        : >"$d/lib/modules/$KVER/modules.builtin.modinfo"
        echo "marker: not written by depmod" >"$d/lib/modules/$KVER/modules.dep"
    done
    snapshot "$K" >"$R.snap.k0"
    snapshot "$O" >"$R.snap.o0"
    log "$s: dependency cycles"
    pair "$R.k" "$R.o" -b "$K" "$KVER" -- -b "$O" "$KVER"
    check "$s cycles: kmod exits 1" check_rc "$R.k" 1
    check "$s cycles: same exit status and stderr as kmod" same_run "$R.k" "$R.o" "$K" "$O"
    check "$s cycles: stderr names both cycles" check_stderr_has "$R.o" "Cycle detected"
    snapshot "$K" >"$R.snap.k1"
    snapshot "$O" >"$R.snap.o1"
    check "$s cycles: ours replaces no file" check_unchanged "$R.snap.o0" "$R.snap.o1"
    check "$s cycles: kmod replaces no file" check_unchanged "$R.snap.k0" "$R.snap.k1"
    echo "    kmod's stderr:"
    sed 's/^/    | /' "$R.k.err"
    rm -rf "$K" "$O"
}

# ------------------------------------------------------ kmod 34.2 (per kernel)
# pair34 PREFIX_K PREFIX_O ARGS...: kmod 34.2's depmod and ours at the same time, both in the
# Debian 13 root, with ARGS where @T@ is kmod's tree ($K4) for kmod, ours ($O4) for ours.
pair34() {
    local pk=$1 po=$2 ka=() oa=() a
    shift 2
    for a; do ka+=("${a//@T@/$K4}"); oa+=("${a//@T@/$O4}"); done
    run_to "$pk" chroot "$TRIXIE" /usr/bin/env -i PATH=/usr/sbin:/usr/bin depmod "${ka[@]}" &
    local pid=$!
    run_to "$po" chroot "$TRIXIE" /usr/bin/env -i PATH=/usr/sbin:/usr/bin "$OURS34" "${oa[@]}"
    wait "$pid"
}

test_tree34() {
    local s=$1 K4=$TREES/$1-k34 O4=$TREES/$1-o34 R=$SCR/$1.34 KO=$SCR/$1-k34out OO=$SCR/$1-o34out
    bind_into_trixie "$TREES"
    REF=34
    fresh_pair "$K4" "$O4"
    log "$s: kmod 34.2: depmod -n"
    pair34 "$R.n.k" "$R.n.o" -n -b @T@ "$KVER"
    check "$s kmod 34.2 depmod -n: same stdout (symbols section sorted), stderr, exit status" \
        check_dry_run "$R.n.k" "$R.n.o" "$K4" "$O4"
    log "$s: kmod 34.2: depmod -b"
    pair34 "$R.b.k" "$R.b.o" -b @T@ "$KVER"
    check "$s kmod 34.2 depmod -b: same exit status and stderr" same_run "$R.b.k" "$R.b.o" "$K4" "$O4"
    check "$s kmod 34.2 depmod -b: exit status 0" check_rc "$R.b.o" 0
    same_index_files "$s kmod 34.2 depmod -b:" "$KM" "$OM"
    log "$s: kmod 34.2: depmod -o"
    rm -rf "$KO" "$OO"
    run_to "$R.o.k" chroot "$TRIXIE" /usr/bin/env -i PATH=/usr/sbin:/usr/bin depmod -b "$K4" -o "$KO" "$KVER" &
    local pid=$!
    run_to "$R.o.o" chroot "$TRIXIE" /usr/bin/env -i PATH=/usr/sbin:/usr/bin "$OURS34" -b "$O4" -o "$OO" "$KVER"
    wait "$pid"
    check "$s kmod 34.2 depmod -o: same exit status and stderr" same_run "$R.o.k" "$R.o.o" "$K4" "$O4"
    same_index_files "$s kmod 34.2 depmod -o:" "$KO/lib/modules/$KVER" "$OO/lib/modules/$KVER" index
    REF=30
    rm -rf "$K4" "$O4" "$KO" "$OO"
}

# ------------------------------------------ modules.order lists paths (per kernel)
# Small trees of nine of the kernel's modules (mii and what needs it, the 802/llc stack) where
# the file that modules.order lists by path is not the one indexed: kmod 30 and 34.2 put the
# indexed file among the unlisted modules, after the listed ones.
ORDER_MODS="kernel/drivers/net/ethernet/realtek/8139cp.ko kernel/drivers/net/ethernet/realtek/8139too.ko
kernel/drivers/net/dummy.ko kernel/drivers/net/mii.ko kernel/net/802/stp.ko kernel/net/802/garp.ko
kernel/net/802/mrp.ko kernel/net/8021q/8021q.ko kernel/net/llc/llc.ko"

# order_tree DEST: DEST/lib/modules/$KVER with those modules (copies), the kernel's lines of
# modules.order for them (in its order), modules.builtin and modules.builtin.modinfo.
order_tree() {
    local m=$1/lib/modules/$KVER f x
    rm -rf "$1"
    mkdir -p "$m"
    for f in $ORDER_MODS; do
        for x in "" .xz .zst .gz; do [ -f "$MDIR/$f$x" ] && break; done
        [ -f "$MDIR/$f$x" ] || die "no $f* in $MDIR"
        mkdir -p "$m/${f%/*}"
        cp "$MDIR/$f$x" "$m/$f$x"
    done
    grep -Fx -f <(printf '%s\n' $ORDER_MODS) "$MDIR/modules.order" >"$m/modules.order"
    cp "$MDIR/modules.builtin" "$MDIR/modules.builtin.modinfo" "$m/"
}

# move_copy MODDIR DIR MODULE...: a copy of each MODULE's file (kernel/.../MODULE.ko*) in
# MODDIR/DIR.
move_copy() {
    local m=$1 d=$2 f
    shift 2
    mkdir -p "$m/$d"
    for f; do
        f=$(cd "$m" && find kernel -name "$f.ko*")
        cp "$m/$f" "$m/$d/"
    done
}

# order_scenario NAME: sets up the scenario NAME in the tree whose module directory is $1, with
# the configuration file $2; prints how many modules end up unlisted.
order_scenario() {
    local m=$1 conf=$2 f
    : >"$conf"
    f=$(cd "$m" && ls kernel/drivers/net/mii.ko*)
    case "$3" in
        search) # depmod.d `search extra built-in`, a copy of mii.ko in extra/
            echo "search extra built-in" >"$conf"
            move_copy "$m" extra mii ;;
        override) # `override mii * extra`
            echo "override mii * extra" >"$conf"
            move_copy "$m" extra mii ;;
        updates) # no configuration: updates/ comes first
            move_copy "$m" updates mii ;;
        listed-twice) # kernel/.../mii.ko listed a second time, first line; the copy indexed
            echo "search extra built-in" >"$conf"
            move_copy "$m" extra mii
            sed -i "1i kernel/drivers/net/mii.ko" "$m/modules.order" ;;
        both-listed) # modules.order lists both files (extra/mii.ko first)
            echo "search extra built-in" >"$conf"
            move_copy "$m" extra mii
            sed -i "1i extra/mii.ko" "$m/modules.order" ;;
        other-dir-listed) # the line names the copy, only: listed there
            move_copy "$m" extra mii
            sed -i "s|^kernel/drivers/net/mii.ko\$|extra/mii.ko|" "$m/modules.order" ;;
        dot-slash) # a line `./kernel/...` lists nothing
            sed -i "s|^kernel/drivers/net/mii.ko\$|./kernel/drivers/net/mii.ko|" "$m/modules.order" ;;
        blank) # nor one with a trailing blank
            sed -i "s|^kernel/drivers/net/mii.ko\$|kernel/drivers/net/mii.ko |" "$m/modules.order" ;;
        suffix) # nor one with the compression's ending (.ko.xz on a tree of .ko: no such file)
            if [ "$f" = kernel/drivers/net/mii.ko ]; then f=$f.xz; fi
            sed -i "s|^kernel/drivers/net/mii.ko\$|$f|" "$m/modules.order" ;;
        several) # three modules moved, two modules listed nowhere
            echo "search extra built-in" >"$conf"
            move_copy "$m" extra mii stp llc
            move_copy "$m" updates dummy
            move_copy "$m" extra mrp
            rm "$m"/kernel/drivers/net/dummy.ko* "$m"/kernel/net/802/mrp.ko* ;;
        *) die "no order scenario $3" ;;
    esac
}

# split_unlisted PREFIX MODDIR: the modules.dep section of PREFIX.n.dep (split_dry_run) in two:
# PREFIX.n.listed, the lines of files that modules.order lists (the suffix of a compressed file
# left out), and PREFIX.n.unlisted, the others, sorted. Fails if a listed module comes after an
# unlisted one.
split_unlisted() {
    awk -v l="$1.n.listed" -v u="$1.n.unlisted" '
        NR == FNR { listed[$0] = 1; next }
        /^#/ { next }
        { p = $1; sub(/:$/, "", p); k = p; sub(/\.ko\.(xz|gz|zst)$/, ".ko", k)
          if (k in listed) { print > l; if (after) { print "listed after unlisted: " p; bad = 1 } }
          else { print > u; after = 1 } }
        END { exit bad }' "$2/modules.order" "$1.n.dep" || return 1
    touch "$1.n.listed" "$1.n.unlisted"
    LC_ALL=C sort -o "$1.n.unlisted" "$1.n.unlisted"
}

# check_dry_run_unordered PK PO ROOT_K ROOT_O MODDIR: as check_dry_run, but the unlisted
# modules' order is free (`depmod-unordered`): the listed modules' lines of modules.dep in the
# same order, the unlisted ones the same set, every other section the same lines sorted.
check_dry_run_unordered() {
    local pk=$1 po=$2 s bad=0
    same_run "$pk" "$po" "$3" "$4" || bad=1
    split_dry_run "$pk.out" "$pk.n"
    split_dry_run "$po.out" "$po.n"
    grep -vx weakdep "$po.n.sections" >"$po.n.s2" || true
    grep -vx weakdep "$pk.n.sections" >"$pk.n.s2" || true
    diff "$pk.n.s2" "$po.n.s2" || { echo "sections differ (< kmod, > ours)"; bad=1; }
    split_unlisted "$pk" "$5" || { echo "(kmod's output)"; bad=1; }
    split_unlisted "$po" "$5" || { echo "(our output)"; bad=1; }
    same_file "$pk.n.listed" "$po.n.listed" || { echo "listed modules differ"; bad=1; }
    same_file "$pk.n.unlisted" "$po.n.unlisted" || { echo "unlisted modules differ"; bad=1; }
    for s in $(cat "$pk.n.s2"); do
        [ "$s" != dep ] || continue
        same_file "$pk.n.$s" "$po.n.$s" sorted || { echo "section $s differs (sorted)"; bad=1; }
    done
    echo "NOTE: $(wc -l <"$po.n.listed") listed, $(wc -l <"$po.n.unlisted") unlisted: $(cut -d: -f1 "$po.n.unlisted" | tr '\n' ' ')"
    return $bad
}

test_order_by_path() {
    local s=$1 sc R K O K4 O4 KM OM n
    MDIR=$KDIR/lib/modules/$KVER
    for sc in search override updates listed-twice both-listed other-dir-listed dot-slash blank suffix several; do
        R=$SCR/$s.ord.$sc
        K=$SCR/$s-ord-k O=$SCR/$s-ord-o K4=$SCR/$s-ord-k4 O4=$SCR/$s-ord-o4
        log "$s: modules.order by path: $sc"
        for d in "$K" "$O" "$K4" "$O4"; do
            order_tree "$d"
            order_scenario "$d/lib/modules/$KVER" "$d.conf" "$sc"
        done
        KM=$K/lib/modules/$KVER OM=$O/lib/modules/$KVER
        REF=30
        pair "$R.n.k" "$R.n.o" -n -C "$K.conf" -b "$K" "$KVER" -- -n -C "$O.conf" -b "$O" "$KVER"
        if [ "$sc" = several ]; then
            check "$s order by path ($sc), kmod 30: depmod -n: listed modules in the same order, unlisted the same" \
                check_dry_run_unordered "$R.n.k" "$R.n.o" "$K" "$O" "$KM"
        else
            check "$s order by path ($sc), kmod 30: depmod -n: same stdout (symbols section sorted), stderr, exit status" \
                check_dry_run "$R.n.k" "$R.n.o" "$K" "$O"
            pair "$R.b.k" "$R.b.o" -C "$K.conf" -b "$K" "$KVER" -- -C "$O.conf" -b "$O" "$KVER"
            check "$s order by path ($sc), kmod 30: depmod -b: same exit status and stderr" \
                same_run "$R.b.k" "$R.b.o" "$K" "$O"
            same_index_files "$s order by path ($sc), kmod 30: depmod -b:" "$KM" "$OM" index
        fi
        REF=34
        pair34 "$R.n4.k" "$R.n4.o" -n -C @T@.conf -b @T@ "$KVER"
        if [ "$sc" = several ]; then
            check "$s order by path ($sc), kmod 34.2: depmod -n: listed modules in the same order, unlisted the same" \
                check_dry_run_unordered "$R.n4.k" "$R.n4.o" "$K4" "$O4" "$K4/lib/modules/$KVER"
        else
            check "$s order by path ($sc), kmod 34.2: depmod -n: same stdout (symbols section sorted), stderr, exit status" \
                check_dry_run "$R.n4.k" "$R.n4.o" "$K4" "$O4"
            pair34 "$R.b4.k" "$R.b4.o" -C @T@.conf -b @T@ "$KVER"
            check "$s order by path ($sc), kmod 34.2: depmod -b: same exit status and stderr" \
                same_run "$R.b4.k" "$R.b4.o" "$K4" "$O4"
            same_index_files "$s order by path ($sc), kmod 34.2: depmod -b:" \
                "$K4/lib/modules/$KVER" "$O4/lib/modules/$KVER" index
        fi
        REF=30
        rm -rf "$K" "$O" "$K4" "$O4"
    done
}

# ------------------------------------------------------------------- main
# test_series SERIES: every check of one tree (the costly -e, -A and cycle runs on 6.1 only).
test_series() {
    test_order_by_path "$1"
    [ "${DEPMOD_DIFF_ONLY:-}" != order ] || return 0
    test_tree34 "$1"
    test_tree "$1"
    if [ "$1" = 6.1 ]; then
        test_errsyms "$1"
        test_quick "$1"
        test_cycle "$1"
    fi
}
each_tree test_series
summary
