# Shared by the differential scripts that compare one of our tools with kmod's on Debian's trees
# (tests/diff/depmod.sh, modinfo.sh, modprobe.sh): the series argument, our tool built (or taken
# from the environment), kmod's tools as argv[0] links, a scratch directory, the loop over the
# trees. The general machinery (check/summary, packages, kernels, builds) is tests/lib/lib.sh.
# Source it, then call `diff_setup TOOL "$@"`.
#
# shellcheck shell=bash
# shellcheck disable=SC2034 # settings for the scripts that source this

# shellcheck source=tests/lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"
DIFF_DIR=$ROOT/tests/diff

# diff_setup TOOL [SERIES] [KMOD_TOOL...]: sets SERIES (6.1, 6.12 or both, from the script's
# first argument), KMOD, OURS (our TOOL: $<TOOL> from the environment, e.g. MODPROBE=..., or
# `cargo build --release -p TOOL`), SCR (scratch dir, removed at exit unless KEEP_SCRATCH=1),
# and for each of TOOL and the KMOD_TOOLs a link $SCR/kbin/NAME to kmod with K<NAME> set to it
# (KMODPROBE, KDEPMOD, ...), plus an empty config dir $SCR/empty.d.
#
# With kmod 34.2 (unless MODUTILS_NO_K34=1): the script runs again in a private mount namespace
# (it must be its first call, before any output), the Debian 13 root is made ready
# (ensure_trixie_root: TRIXIE), $SCR and the trees' scratch dir are bound at the same paths
# inside it, and K34=1; $SCR/k34/NAME are links to the root's kmod (resolved in the chroot), and
# O34 is a copy of OURS inside $SCR, so both run there with `chroot "$TRIXIE"`.
diff_setup() {
    local tool=$1 t
    if [ "${MODUTILS_NO_K34:-0}" != 1 ] && [ "${DIFF_IN_NS:-0}" != 1 ]; then
        ns_ready
        exec unshare -m --propagation private env DIFF_IN_NS=1 "$0" "${2:-all}"
    fi
    series_from "${2:-all}"
    shift 2 || shift $#
    ensure_packages
    KMOD=$(command -v kmod) || die "kmod not found"
    OURS=$(our_tool "${tool^^}" "$RELEASE_DIR/$tool" cargo_release "$tool")
    make_scratch "$tool-diff"
    DIFF_TOOL=$tool
    TREES=
    mkdir -p "$SCR/empty.d"
    tool_links "$SCR/kbin" "$KMOD" "$tool" "$@"
    for t in "$tool" "$@"; do
        printf -v "K${t^^}" '%s' "$SCR/kbin/$t"
    done
    K34=
    if [ "${DIFF_IN_NS:-0}" = 1 ]; then
        ensure_trixie_root
        K34=1
        trixie_bind "$SCR"
        tool_links "$SCR/k34" /usr/bin/kmod "$tool" "$@"
        mkdir -p "$SCR/o34"
        cp "$OURS" "$SCR/o34/$tool"
        O34=$SCR/o34/$tool
    fi
}

# trixie_bind DIR: DIR bound at the same path inside the Debian 13 root (in this script's
# private mount namespace; the empty mount point is removed at exit).
trixie_bind() {
    [ -n "$K34" ] || return 0
    trixie_bind_same "$1"
}

# scratch_for_trees: sets TREES, a dir on the same filesystem as $KDIR, for hard-linked copies
# of the cached trees: $SCR, or a dir in the cache when /tmp is another filesystem (a tmpfs).
scratch_for_trees() {
    [ -z "$TREES" ] || return 0
    if ln "$KDIR/.stamp" "$SCR/.linktest" 2>/dev/null; then
        TREES=$SCR
    else
        mkdir -p "$WORK"
        TREES=$(mktemp -d "$WORK/$DIFF_TOOL-diff.XXXXXX")
        at_exit remove_scratch "$TREES"
        trixie_bind "$TREES"
        log "$SCR is not on the cache's filesystem: scratch trees in $TREES"
    fi
    rm -f "$SCR/.linktest"
}

# each_tree FUNC: for each of SERIES, that kernel prepared (KVER, KDIR, ...), TREES set, then
# FUNC SERIES.
each_tree() {
    local s
    for s in "${SERIES[@]}"; do
        prepare_kernel "$s"
        scratch_for_trees
        "$1" "$s"
    done
}
