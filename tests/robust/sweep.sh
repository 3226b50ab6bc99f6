#!/usr/bin/env bash
# Robustness sweep: our modinfo, modprobe and depmod on damaged real files. Every run must end
# with exit 0, or exit 1 with a message on stderr: never a panic (exit 101), a signal or a hang
# (`timeout`, exit 124).
#
#   modules   Debian's 6.1 plain .ko and 6.12 .ko.xz modules, truncated at many lengths and with
#             random bytes flipped (tests/robust/mutate.pl, seeded); for .ko.xz both the
#             compressed stream and the image (recompressed as the kernel build does) are
#             damaged. Each copy goes through `modinfo FILE`, `modprobe --show-modversions FILE`
#             and `modprobe --show-exports FILE`.
#   indexes   kmod's own modules.{dep,alias,symbols,builtin,builtin.alias}.bin of the 6.1 tree
#             (made here by Debian's depmod), damaged the same way (flips favour the first and
#             last 4 KiB: kmod 30 writes the root last, so the nodes near both ends are on the
#             paths of the first and last keys, which are queried). Each copy, in a module
#             directory otherwise intact, answers `modprobe --show-depends`, `-R`, `-c` and
#             `modinfo NAME` (`-d`/`-S`, `-b`/`-k` pointing at it).
#   depmod    our depmod on copies of the 6.1 and 6.12 trees where modules (every 97th of
#             modules.order, plus a few chosen per round) were replaced by damaged copies, and
#             once with modules.builtin and modules.builtin.modinfo damaged too: exit 0, every
#             undamaged module in modules.dep, every damaged one either in modules.dep (damage
#             the parse doesn't see) or named in a warning.
#
# Prints a line per failure and the figures: `runs N, crashes N, hangs N, silent failures N`
# (plus the depmod checks), and exits 1 if anything failed (2 if the setup failed). Failing
# inputs are kept in $SWEEP_KEEP (default: a directory named on stderr).
#
# Usage: tests/robust/sweep.sh            (1 to 3 minutes on 2 cores, with the load)
# Environment: SEED (default 1), MODUTILS_CACHE (see tests/lib/lib.sh), SWEEP_KEEP.
set -euo pipefail

# shellcheck source=tests/lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"
CHECK_LINES=30
MUTATE=$ROOT/tests/robust/mutate.pl
SEED=${SEED:-1}

ensure_packages
command -v perl >/dev/null || die "perl not found"
KMOD=$(command -v kmod) || die "kmod not found"

cargo_release modinfo modprobe depmod
BIN=$RELEASE_DIR

make_scratch robust-sweep
KEEP=${SWEEP_KEEP:-$SCR.failures}
mkdir -p "$SCR/empty.d"

# ------------------------------------------------------------------ running
RUNS=0
REFUSED=0
CRASHES=0
HANGS=0
SILENT=0

# keep_input FILE...: copies the inputs of a failed run where they survive the cleanup.
keep_input() {
    mkdir -p "$KEEP"
    cp -a "$@" "$KEEP/" 2>/dev/null || true
}

# run TIMEOUT INPUT CMD ARGS...: runs CMD under `timeout`, stdout discarded, and classifies the
# outcome. INPUT (a file or directory) is kept when the run fails.
run() {
    local limit=$1 input=$2 rc
    shift 2
    RUNS=$((RUNS + 1))
    set +e
    timeout -k 5 "$limit" "$@" >/dev/null 2>"$SCR/err"
    rc=$?
    set -e
    case $rc in
        0) return 0 ;;
        1)
            if [ -s "$SCR/err" ] && ! grep -q 'panicked' "$SCR/err"; then
                REFUSED=$((REFUSED + 1))
                return 0
            fi
            if grep -q 'panicked' "$SCR/err"; then
                CRASHES=$((CRASHES + 1))
                echo "CRASH (panic, exit 1): $*"
            else
                SILENT=$((SILENT + 1))
                echo "SILENT (exit 1, empty stderr): $*"
            fi
            ;;
        124 | 137) HANGS=$((HANGS + 1)); echo "HANG (> ${limit}s): $*" ;;
        *)
            CRASHES=$((CRASHES + 1))
            if [ "$rc" = 101 ]; then
                echo "CRASH (panic, exit 101): $*"
            elif [ "$rc" -gt 128 ]; then
                echo "CRASH (signal $((rc - 128))): $*"
            else
                echo "CRASH (exit $rc): $*"
            fi
            ;;
    esac
    sed 's/^/    | /' "$SCR/err" | head -n 5
    keep_input "$input"
}

# ------------------------------------------------------------------ modules
# module_runs FILE: the module-file commands on one damaged copy.
module_runs() {
    run 10 "$1" "$BIN/modinfo" "$1"
    run 10 "$1" "$BIN/modprobe" --show-modversions "$1"
    run 10 "$1" "$BIN/modprobe" --show-exports "$1"
}

# sweep_module SERIES RELPATH: damaged copies of one module, through module_runs.
sweep_module() {
    local src=$MDIR/$2 d base
    base=$(basename "$2")
    d=$SCR/mod/$1-${base%%.*}
    mkdir -p "$d/stream" "$d/image"
    case "$base" in
        *.ko.xz)
            # The compressed stream...
            perl "$MUTATE" "$SEED" "$src" "$d/stream" .ko.xz 30 30
            # ...and the image, recompressed like the kernel build does.
            xz -dc "$src" >"$d/image.ko"
            perl "$MUTATE" "$SEED" "$d/image.ko" "$d/image" .ko 40 50
            for f in "$d/image"/*.ko; do
                xz -q --check=crc32 --lzma2=dict=1MiB -T1 "$f"
            done
            ;;
        *) perl "$MUTATE" "$SEED" "$src" "$d/image" .ko 60 80 ;;
    esac
    local before=$RUNS f
    for f in "$d"/stream/* "$d"/image/*; do
        [ -e "$f" ] && module_runs "$f"
    done
    log "$1 $2: $((RUNS - before)) runs"
    rm -rf "$d"
}

# ------------------------------------------------------------------ indexes
# first_last N: the first N and the last N lines of stdin (each once).
first_last() {
    awk -v n="$1" '{ l[NR] = $0 } END {
        for (i = 1; i <= NR; i++) if ((i <= n || i > NR - n) && !seen[l[i]]++) print l[i] }'
}

# index_queries KIND: the modprobe / modinfo arguments used against a damaged index of KIND,
# one run per line (words split on spaces).
index_queries() {
    local m=$IDX_REF q
    case $1 in
        dep)
            for q in $(sed 's/:.*//; s/.*\///; s/\.ko.*//' "$m/modules.dep" | LC_ALL=C sort | first_last 2); do
                echo "mp --show-depends $q"
                echo "mp -R $q"
                echo "mi $q"
            done
            ;;
        alias)
            for q in $(awk '$1 == "alias" { print $2 }' "$m/modules.alias" | LC_ALL=C sort | instantiate |
                first_last 2); do
                echo "mp -R $q"
                echo "mp --show-depends $q"
                echo "mi $q"
            done
            echo "mp -R no:such:alias"
            echo "mp -c"
            ;;
        symbols)
            for q in $(awk '$1 == "alias" { print $2 }' "$m/modules.symbols" | LC_ALL=C sort | first_last 2); do
                echo "mp -R $q"
            done
            echo "mp -c"
            ;;
        builtin)
            for q in $(sed 's/.*\///; s/\.ko$//' "$m/modules.builtin" | LC_ALL=C sort | first_last 2); do
                echo "mp --show-depends $q"
                echo "mi $q"
            done
            echo "mp -R no_such_module"
            ;;
        builtin.alias)
            for q in $(tr '\0' '\n' <"$m/modules.builtin.modinfo" | sed -n 's/^[^.]*\.alias=//p' |
                LC_ALL=C sort | instantiate | first_last 2); do
                echo "mp -R $q"
                echo "mi $q"
            done
            echo "mp -R no:such:alias"
            ;;
    esac
}

# index_runs KIND FILE: FILE in place of modules.KIND.bin in the scratch module directory, and
# the queries of KIND against it.
index_runs() {
    local kind=$1 f=$2 dest=$IDX_ROOT/lib/modules/$KVER/modules.$1.bin tool args
    cp "$f" "$dest"
    while read -r tool args; do
        # shellcheck disable=SC2086 # the query's words
        case $tool in
            mp) run 10 "$f" "$BIN/modprobe" -C "$SCR/empty.d" -d "$IDX_ROOT" -S "$KVER" $args ;;
            mi) run 10 "$f" "$BIN/modinfo" -b "$IDX_ROOT" -k "$KVER" $args ;;
        esac
    done <"$SCR/queries.$kind"
}

sweep_indexes() {
    local kind before f d
    # kmod's indexes of the 6.1 tree (module files hard-linked from the cache).
    IDX_REF=$SCR/idx-ref/lib/modules/$KVER
    tree_copy "$SCR/idx-ref"
    log "kmod's depmod on $KVER"
    tool_links "$SCR/kbin" "$KMOD" depmod
    "$SCR/kbin/depmod" -b "$SCR/idx-ref" "$KVER" || die "kmod's depmod failed"
    # The scratch module directory: the same files, one index at a time replaced.
    IDX_ROOT=$SCR/idx
    mkdir -p "$IDX_ROOT/lib/modules"
    cp -al "$IDX_REF" "$IDX_ROOT/lib/modules/"
    for kind in dep alias symbols builtin builtin.alias; do
        index_queries "$kind" >"$SCR/queries.$kind"
        d=$SCR/idx-$kind
        mkdir -p "$d"
        perl "$MUTATE" "$SEED" "$IDX_REF/modules.$kind.bin" "$d" .bin 30 50
        before=$RUNS
        for f in "$d"/*; do
            index_runs "$kind" "$f"
        done
        # Put the intact file back (a fresh copy: the damaged ones were copied over the link).
        rm -f "$IDX_ROOT/lib/modules/$KVER/modules.$kind.bin"
        cp "$IDX_REF/modules.$kind.bin" "$IDX_ROOT/lib/modules/$KVER/"
        log "modules.$kind.bin: $(find "$d" -type f | wc -l) damaged copies, $((RUNS - before)) runs"
        rm -rf "$d"
    done
}

# ------------------------------------------------------------------ depmod
# depmod_round SERIES ROUND [extra]: a tree with damaged modules (and with `extra`, damaged
# modules.builtin and modules.builtin.modinfo), our depmod on it, and the checks.
depmod_round() {
    local s=$1 round=$2 extra=${3:-} T M rel base f pick n=0 v limit=60
    T=$SCR/dm-$s-$round
    M=$T/lib/modules/$KVER
    tree_copy "$T"
    : >"$SCR/damaged"
    # Every 97th module of modules.order, offset by the round, and 8 more chosen by the seed.
    {
        awk -v r="$round" 'NR % 97 == r' "$M/modules.order"
        awk 'BEGIN { srand('"$SEED$round"') } { l[NR] = $0 } END { for (i = 0; i < 8; i++) print l[int(rand() * NR) + 1] }' \
            "$M/modules.order"
    } | sed 's/\.ko$//' | LC_ALL=C sort -u >"$SCR/picked"
    while read -r rel; do
        f=
        for v in "$M/$rel".ko*; do [ -e "$v" ] && f=$v && break; done
        [ -n "$f" ] || continue
        n=$((n + 1))
        base=$(basename "$f")
        rm -rf "$SCR/one" && mkdir -p "$SCR/one"
        case "$base" in
            *.ko.xz)
                if [ $((n % 2)) = 0 ]; then
                    perl "$MUTATE" "$SEED$n" "$f" "$SCR/one" .ko.xz 1 1
                else
                    xz -dc "$f" >"$SCR/one.img"
                    perl "$MUTATE" "$SEED$n" "$SCR/one.img" "$SCR/one" .ko 1 1
                    for v in "$SCR"/one/*.ko; do xz -q --check=crc32 --lzma2=dict=1MiB -T1 "$v"; done
                fi
                ;;
            *) perl "$MUTATE" "$SEED$n" "$f" "$SCR/one" .ko 1 1 ;;
        esac
        # Truncated or flipped, alternately.
        if [ $((n % 3)) = 0 ]; then pick=("$SCR"/one/t*); else pick=("$SCR"/one/f*); fi
        rm -f "$f"
        cp "${pick[0]}" "$f"
        echo "${f#"$M"/}" >>"$SCR/damaged"
    done <"$SCR/picked"
    if [ -n "$extra" ]; then
        for f in modules.builtin modules.builtin.modinfo; do
            rm -rf "$SCR/one" && mkdir -p "$SCR/one"
            perl "$MUTATE" "$SEED" "$M/$f" "$SCR/one" "" 1 1
            rm -f "$M/$f"
            cp "$SCR/one/f1" "$M/$f"
        done
    fi
    [ "$s" = 6.12 ] && limit=300
    log "$s round $round: depmod on a tree with $(wc -l <"$SCR/damaged") damaged modules${extra:+, damaged modules.builtin*}"
    run "$limit" "$SCR/damaged" "$BIN/depmod" -b "$T" "$KVER"
    cp "$SCR/err" "$SCR/dm.err"
    check "$s depmod round $round${extra:+ (damaged modules.builtin*)}: exit 0, good modules indexed, damaged ones indexed or named" \
        check_depmod_tree "$M" "$SCR/damaged" "$SCR/dm.err"
    rm -rf "$T"
}

# check_depmod_tree MODDIR DAMAGED_LIST STDERR
check_depmod_tree() {
    local m=$1 bad=0 rel named=0 indexed=0
    [ -s "$m/modules.dep" ] || { echo "no modules.dep written"; head -n 20 "$3"; return 1; }
    sed 's/:.*//' "$m/modules.dep" | LC_ALL=C sort >"$SCR/indexed"
    (cd "$m" && find kernel -name '*.ko*') | LC_ALL=C sort >"$SCR/all"
    LC_ALL=C sort "$2" >"$SCR/damaged.sorted"
    # Every undamaged module is indexed.
    if LC_ALL=C comm -23 "$SCR/all" "$SCR/damaged.sorted" | LC_ALL=C comm -23 - "$SCR/indexed" | grep .; then
        echo "^ undamaged modules missing from modules.dep"
        bad=1
    fi
    # Every damaged module is indexed or named in a warning (not both).
    while read -r rel; do
        if grep -qxF "$rel" "$SCR/indexed"; then
            indexed=$((indexed + 1))
            if grep -qF "$rel" "$3"; then echo "$rel: indexed and warned about"; bad=1; fi
        elif grep -F "$rel" "$3" | grep -q WARNING; then
            named=$((named + 1))
        else
            echo "$rel: neither indexed nor named in a warning"
            bad=1
        fi
    done <"$2"
    # Nothing on stderr but those warnings (and kmod's usual ones about missing files).
    if grep -v -F -f "$2" "$3" | grep -v 'could not open modules.builtin' | grep .; then
        echo "^ other stderr lines"
        bad=1
    fi
    echo "NOTE: $(wc -l <"$SCR/indexed") modules indexed; of the damaged ones $named named in warnings, $indexed still parse"
    return $bad
}

# ------------------------------------------------------------------ main
MODS_61=(kernel/lib/crc7.ko kernel/drivers/net/dummy.ko kernel/drivers/net/mii.ko
    kernel/fs/fat/vfat.ko)
MODS_612=(kernel/lib/crc7.ko.xz kernel/drivers/net/dummy.ko.xz kernel/drivers/net/mii.ko.xz
    kernel/fs/fat/vfat.ko.xz)

prepare_kernel 6.1
MDIR=$KDIR/lib/modules/$KVER
for m in "${MODS_61[@]}"; do sweep_module 6.1 "$m"; done
sweep_indexes
depmod_round 6.1 1
depmod_round 6.1 2 extra

prepare_kernel 6.12
MDIR=$KDIR/lib/modules/$KVER
for m in "${MODS_612[@]}"; do sweep_module 6.12 "$m"; done
depmod_round 6.12 1

echo "runs $RUNS ($((RUNS - REFUSED - CRASHES - HANGS - SILENT)) exit 0, $REFUSED exit 1 with a message), crashes $CRASHES, hangs $HANGS, silent failures $SILENT; depmod checks: $PASSED passed, $FAILED failed (SEED=$SEED)"
if [ $((CRASHES + HANGS + SILENT + FAILED)) != 0 ]; then
    log "failing inputs kept in $KEEP"
    exit 1
fi
