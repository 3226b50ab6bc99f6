#!/usr/bin/env bash
# Our tools writing into a pipe whose reader is gone (`depmod -n | head -1`), side by side with
# Debian's kmod 30 (this host) and kmod 34.2 (the Debian 13 root, chroot; ours runs there too).
# kmod's tools are C programs: the first write after the reader left kills them with SIGPIPE
# (status 141 in a shell, nothing on stderr), after whatever they did before it (C's stdio
# writes a small output at exit: `modinfo ext4 nosuch` reports nosuch first); started with
# SIGPIPE ignored (systemd's services are), they go on and exit as they would have.
#
# Each case runs with its stdout a pipe whose read end is already closed (perl: no race with a
# reader), once with SIGPIPE at its default and once ignored, with kmod 30 and ours on the host
# and kmod 34.2 and ours in the Debian 13 root; compared: exit status and stderr (paths as
# they are: the scratch directory is bound at the same path in the root), and for depmod -v
# whether modules.dep got written (kmod dies before writing the indexes). Tools: depmod -n,
# -v, --version; modprobe -c, -D, -a -D, -n -v, -R, -h; modinfo (one module, a missing one
# after it, -F); kmod --version, help; lsmod and kmod list on a made-up /proc/modules and
# /sys/module. Our `--json` forms (modprobe -D, -c, modinfo) must end as kmod's text forms do.
#
# Usage: tests/diff/closed-stdout.sh      (root: private mount namespaces)
# Environment: MODUTILS_CACHE (see tests/lib/lib.sh); OURS_DIR: a directory with our depmod,
# modprobe, modinfo, lsmod and kmod (default: `cargo build --release` of them).
# Prints `PASS`/`FAIL` per check and `N passed, N failed`; exits 1 if a check failed, 2 if the
# setup failed.
set -euo pipefail

# shellcheck source=tests/lib/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.sh"

if [ "${CLOSED_IN_NS:-0}" != 1 ]; then
    ensure_packages
    ensure_trixie_root
    prepare_kernel 6.1 >/dev/null
    ns_ready
    exec unshare -m --propagation private env CLOSED_IN_NS=1 MODUTILS_APT_UPDATED=1 "$0" "$@"
fi
ensure_trixie_root
prepare_kernel 6.1 >/dev/null
command -v perl >/dev/null || die "perl not found"
TOOLS=(depmod modprobe modinfo lsmod kmod)
if [ -z "${OURS_DIR:-}" ]; then
    cargo_release "${TOOLS[@]}"
    OURS_DIR=$RELEASE_DIR
fi
make_scratch closed-stdout "$WORK" # on the cache's filesystem: hard-linked trees
trixie_bind_same "$SCR"
# Ours inside the scratch directory, so that the Debian 13 root sees them too.
mkdir -p "$SCR/ours"
for t in "${TOOLS[@]}"; do
    [ -x "$OURS_DIR/$t" ] || die "no $t in $OURS_DIR"
    cp "$OURS_DIR/$t" "$SCR/ours/$t"
done
V=$KVER
T=$SCR/tree
tree_copy "$T"
/usr/sbin/depmod -b "$T" "$V" || die "kmod's depmod -b $T failed"
mkdir -p "$SCR/empty.d"
P=(-C "$SCR/empty.d" -d "$T" -S "$V")

# closed CMD ARGS...: CMD with its stdout a pipe without reader, SIGPIPE ignored when
# CLOSED_IGN=1; prints `rc=N` and CMD's stderr.
closed() {
    local rc=0
    perl -e 'pipe(my $r, my $w) or die "pipe: $!"; close $r;
             open(STDOUT, ">&", $w) or die "dup: $!"; close $w;
             $SIG{PIPE} = $ENV{CLOSED_IGN} ? "IGNORE" : "DEFAULT";
             exec { $ARGV[0] } @ARGV or die "exec $ARGV[0]: $!"' -- "$@" 2>"$SCR/err" || rc=$?
    echo "rc=$rc"
    cat "$SCR/err"
}

# tool WHO NAME: the command that runs tool NAME of WHO (k30, o30: host; k34, o34: the root).
tool() {
    case $1 in
        k30) echo "/usr/sbin/$2" ;;
        o30) echo "$SCR/ours/$2" ;;
        k34) echo "chroot $TRIXIE /usr/sbin/$2" ;;
        o34) echo "chroot $TRIXIE $SCR/ours/$2" ;;
    esac
}

# run_case WHO NAME ARGS...: `closed` of tool NAME of WHO ([lsmod, kmod: /usr/bin for kmod]).
run_case() {
    local who=$1 name=$2 cmd
    shift 2
    cmd=$(tool "$who" "$name")
    if [ "$name" = kmod ]; then cmd=${cmd/\/usr\/sbin\/kmod/\/usr\/bin\/kmod}; fi
    # shellcheck disable=SC2086 # the command's words
    closed $cmd "$@"
}

# check_case LABEL NAME [json:OURS_ARGS...] ARGS...: one case, SIGPIPE default and ignored,
# kmod 30 against ours and kmod 34.2 against ours. With `json:`, ours runs with its own
# arguments (up to `--`) and kmod with ARGS.
check_case() {
    local label=$1 name=$2 ign who oargs=() kargs
    shift 2
    if [ "${1:-}" = json: ]; then
        shift
        while [ "$1" != -- ]; do oargs+=("$1"); shift; done
        shift
    fi
    kargs=("$@")
    [ ${#oargs[@]} -gt 0 ] || oargs=("$@")
    for ign in 0 1; do
        for who in 30 34; do
            CLOSED_IGN=$ign run_case "k$who" "$name" "${kargs[@]}" >"$SCR/out.k"
            CLOSED_IGN=$ign run_case "o$who" "$name" "${oargs[@]}" >"$SCR/out.o"
            check "$label, kmod $who, SIGPIPE $([ $ign = 1 ] && echo ignored || echo default): same status and stderr" \
                same_out "$SCR/out.k" "$SCR/out.o" "$ign"
        done
    done
}

# same_out K O IGN: identical; with SIGPIPE at its default, kmod's status must be 141 (the
# case tests nothing otherwise).
same_out() {
    if [ "$3" = 0 ] && [ "$(head -n 1 "$1")" != rc=141 ]; then
        echo "kmod was not killed by SIGPIPE ($(head -n 1 "$1")): the case tests nothing"
        return 1
    fi
    diff "$1" "$2" && { echo "NOTE: $(head -n 1 "$2")$([ -s "$2" ] && [ "$(wc -l <"$2")" -gt 1 ] && echo ", $(($(wc -l <"$2") - 1)) stderr lines")"; return 0; }
    echo "(< kmod, > ours)"
    return 1
}

log "depmod"
check_case "depmod -n" depmod -n -b "$T" "$V"
check_case "depmod --version" depmod --version
# depmod -v: killed before it writes the indexes (a fresh copy of the tree for each run).
depmod_v() { # WHO IGN
    local t=$SCR/tree-v
    tree_copy "$t"
    CLOSED_IGN=$2 run_case "$1" depmod -v -b "$t" "$V" | sed "s|$t|TREE|g"
    if [ -e "$t/lib/modules/$V/modules.dep" ]; then echo "modules.dep written"; else echo "modules.dep not written"; fi
}
for ign in 0 1; do
    for who in 30 34; do
        depmod_v "k$who" "$ign" >"$SCR/out.k"
        depmod_v "o$who" "$ign" >"$SCR/out.o"
        check "depmod -v, kmod $who, SIGPIPE $([ $ign = 1 ] && echo ignored || echo default): same status, stderr and indexes written or not" \
            same_out "$SCR/out.k" "$SCR/out.o" "$ign"
    done
done
rm -rf "$SCR/tree-v"

log "modprobe"
check_case "modprobe -c" modprobe json: --json "${P[@]}" -c -- "${P[@]}" -c
check_case "modprobe -c (text)" modprobe "${P[@]}" -c
check_case "modprobe -D ext4" modprobe "${P[@]}" -D ext4
check_case "modprobe -D ext4 (ours --json)" modprobe json: "${P[@]}" --json -D ext4 -- "${P[@]}" -D ext4
check_case "modprobe -a -D (many names)" modprobe "${P[@]}" -a -D ext4 vfat 8021q btrfs xfs nfs cifs
check_case "modprobe -n -v ext4" modprobe "${P[@]}" -n -v ext4
check_case "modprobe -R fs-vfat" modprobe "${P[@]}" -R fs-vfat
check_case "modprobe -h" modprobe -h

log "modinfo"
check_case "modinfo ext4" modinfo -b "$T" -k "$V" ext4
check_case "modinfo ext4 (ours --json)" modinfo json: --json -b "$T" -k "$V" ext4 -- -b "$T" -k "$V" ext4
check_case "modinfo ext4 nosuch" modinfo -b "$T" -k "$V" ext4 nosuch
check_case "modinfo -F alias e1000e" modinfo -b "$T" -k "$V" -F alias e1000e

log "kmod"
check_case "kmod --version" kmod --version
check_case "kmod help" kmod help

# lsmod and kmod list: a made-up /proc/modules and /sys/module (as tests/diff/kmod.sh makes
# them), tmpfs over /proc and /sys in a private namespace (in the root for kmod 34.2).
log "lsmod, kmod list"
M=$SCR/proc S=$SCR/sys
mkdir -p "$M" "$S"
printf '%s\n' 'snd_timer 49152 1 snd_pcm, Live 0x0000000000000000' \
    'snd_pcm 151552 0 - Live 0x0000000000000000' \
    'snd 126976 2 snd_timer,snd_pcm, Live 0x0000000000000000' >"$M/modules"
while read -r m _ rc _; do
    mkdir -p "$S/$m/holders"
    echo "$rc" >"$S/$m/refcnt"
    echo live >"$S/$m/initstate"
done <"$M/modules"
list_case() { # WHO IGN TOOL [ARGS]
    local who=$1 ign=$2 root=
    shift 2
    case $who in k34 | o34) root=$TRIXIE ;; esac
    in_ns --tmpfs "$root/sys" --mkdir "$root/sys/module" --bind "$S" "$root/sys/module" \
        --tmpfs "$root/proc" --copy "$M/modules" "$root/proc/modules" -- \
        env CLOSED_IGN="$ign" bash -c "$(declare -f closed tool run_case); SCR=$SCR TRIXIE=$TRIXIE; run_case \"\$@\"" \
        sh "$who" "$@"
}
for c in "lsmod" "kmod list"; do
    for ign in 0 1; do
        for who in 30 34; do
            # shellcheck disable=SC2086 # the tool and its argument
            list_case "k$who" "$ign" $c >"$SCR/out.k"
            # shellcheck disable=SC2086
            list_case "o$who" "$ign" $c >"$SCR/out.o"
            check "$c, kmod $who, SIGPIPE $([ $ign = 1 ] && echo ignored || echo default): same status and stderr" \
                same_out "$SCR/out.k" "$SCR/out.o" "$ign"
        done
    done
done

summary
