# Helpers for the scenario scripts (busybox sh, run in the guest by /init).
# A scenario sources this, makes checks, and ends with `finish`, which prints
#   @@RESULT <scenario> PASS        or   @@RESULT <scenario> FAIL <first failed check>
# Tools under test are called by absolute path (/tools/insmod ...): busybox's
# shell would run its own applets for a bare `insmod`.
# Setup steps that are not under test use `busybox insmod|rmmod` explicitly.

. /scenarios/env.sh
SCENARIO=$(basename "$0" .sh)
FAILS=0
FIRST_FAIL=

TM=/testmods
# Lines of ours that kmod never prints (tests/src/lib.rs is_added_line says the same).
ADDED_LINES='^[a-z]+: (HINT: |skipping [^ ]+: (blacklisted|built into the kernel|already loaded)$)'
HEADER='Module                  Size  Used by'

ok() { echo "  ok: $*"; }
bad() {
    echo "  NOT OK: $*"
    FAILS=$((FAILS + 1))
    [ -n "$FIRST_FAIL" ] || FIRST_FAIL="$*"
}

# run CMD ARGS...: runs CMD, sets RC, OUT, ERR and shows all of it.
run() {
    printf '  $'
    for a in "$@"; do
        case "$a" in
            *[!A-Za-z0-9_./=,:+-]* | '') printf " '%s'" "$a" ;;
            *) printf ' %s' "$a" ;;
        esac
    done
    echo
    "$@" >/tmp/run.out 2>/tmp/run.err
    RC=$?
    OUT=$(cat /tmp/run.out)
    ERR=$(cat /tmp/run.err)
    sed 's/^/    stdout: /' /tmp/run.out
    sed 's/^/    stderr: /' /tmp/run.err
    echo "    exit status: $RC"
}

expect_rc() {
    if [ "$RC" = "$1" ]; then ok "exit status $1"; else bad "exit status $RC, expected $1"; fi
}

# expect_line err|out LINE: the last `run`'s stderr or stdout has LINE as one whole line;
# expect_empty err|out: it is empty. expect_err_line, expect_out_line, expect_err_empty and
# expect_out_empty say which.
expect_line() {
    if grep -qxF -- "$2" "/tmp/run.$1"; then
        ok "$(stream_name "$1") has: $2"
    else
        bad "$(stream_name "$1") lacks the line: $2"
    fi
}
expect_empty() {
    if [ -s "/tmp/run.$1" ]; then bad "$(stream_name "$1") is not empty"; else ok "$(stream_name "$1") is empty"; fi
}
stream_name() { if [ "$1" = err ]; then echo stderr; else echo stdout; fi; }
expect_err_line() { expect_line err "$1"; }
expect_out_line() { expect_line out "$1"; }
expect_err_empty() { expect_empty err; }
expect_out_empty() { expect_empty out; }

expect_err_contains() {
    if grep -qF -- "$1" /tmp/run.err; then
        ok "stderr contains: $1"
    else
        bad "stderr does not contain: $1"
    fi
}


in_proc_modules() { grep -q "^$1 " /proc/modules; }

expect_loaded() {
    if in_proc_modules "$1"; then ok "$1 in /proc/modules"; else bad "$1 not in /proc/modules"; fi
    expect_initstate "$1" live
}

expect_initstate() {
    st=$(cat "/sys/module/$1/initstate" 2>/dev/null)
    if [ "$st" = "$2" ]; then ok "/sys/module/$1/initstate = $2"; else bad "/sys/module/$1/initstate = '$st', expected $2"; fi
}

expect_not_loaded() {
    if in_proc_modules "$1"; then bad "$1 still in /proc/modules"; else ok "$1 not in /proc/modules"; fi
    if [ -e "/sys/module/$1" ]; then bad "/sys/module/$1 still exists"; else ok "/sys/module/$1 absent"; fi
}

# setup_insmod FILE: load a module with busybox's insmod (not under test).
setup_insmod() {
    echo "  setup: busybox insmod $*"
    if ! busybox insmod "$@"; then
        bad "setup: busybox insmod $* failed"
        finish
    fi
}

# expect_param NAME VALUE: /sys/module/mt_params/parameters/NAME reads VALUE.
expect_param() {
    v=$(cat "/sys/module/mt_params/parameters/$1" 2>&1)
    if [ "$v" = "$2" ]; then ok "param $1 = '$2'"; else bad "param $1 = '$v', expected '$2'"; fi
}

# expect_lsmod_matches_proc: /tools/lsmod prints the header, then one line per
# /proc/modules entry in the same order: %-19s %8lu  %d [ holder1,holder2].
expect_lsmod_matches_proc() {
    {
        echo "$HEADER"
        while read -r name size refcnt holders rest; do
            line=$(printf '%-19s %8s  %s' "$name" "$size" "$refcnt")
            if [ "$holders" != "-" ]; then line="$line ${holders%,}"; fi
            echo "$line"
        done </proc/modules
    } >/tmp/lsmod.expected
    echo "  /proc/modules:"
    sed 's/^/    /' /proc/modules
    run /tools/lsmod
    expect_rc 0
    expect_err_empty
    if cmp -s /tmp/lsmod.expected /tmp/run.out; then
        ok "lsmod output matches /proc/modules"
    else
        bad "lsmod output differs from /proc/modules"
        echo "  expected (from /proc/modules), then diff:"
        sed 's/^/    |/' /tmp/lsmod.expected
        diff -u /tmp/lsmod.expected /tmp/run.out | sed 's/^/    /'
    fi
}

finish() {
    if [ "$FAILS" = 0 ]; then
        echo "@@RESULT $SCENARIO PASS" | tee /tmp/result
    else
        echo "  --- dmesg ---"
        dmesg | tail -n 30 | sed 's/^/  /'
        echo "@@RESULT $SCENARIO FAIL $FIRST_FAIL" | tee /tmp/result
    fi
    exit 0
}

# ------------------------------------------- differential checks against kmod
# Debian's kmod is in the guest as /kmod/insmod, /kmod/rmmod, /kmod/lsmod
# (symlinks to /kmod/bin/kmod, which picks the tool from argv[0]).

# extra_modules: names of the modules loaded beyond the boot baseline.
extra_modules() {
    for _m in $(cut -d' ' -f1 /proc/modules); do
        grep -qxF "$_m" /tmp/baseline.modules || echo "$_m"
    done
}

# reset_modules: unloads what is loaded beyond the boot baseline (holders
# first: several passes) with busybox's rmmod (not under test).
reset_modules() {
    _pass=0
    while [ $_pass -lt 5 ]; do
        _extra=$(extra_modules)
        [ -z "$_extra" ] && return 0
        for _m in $_extra; do
            busybox rmmod "$_m" 2>/dev/null
        done
        _pass=$((_pass + 1))
    done
    echo "  reset_modules: could not unload:" $_extra
    return 1
}

# load MOD...: busybox-insmods $TM/MOD.ko for each MOD (setup, not under test).
load() {
    for _m in "$@"; do
        busybox insmod "$TM/$_m.ko" || return 1
    done
}

# module_state: what the kernel has loaded, beyond the baseline: name, use
# count, holders and state from /proc/modules (no size, address or taint;
# newest first, so the load order counts), the parameters of mt_params when it
# is loaded, and the output of the shell command $STATE_EXTRA if set.
module_state() {
    while read -r _n _size _refcnt _holders _state _rest; do
        grep -qxF "$_n" /tmp/baseline.modules && continue
        # STATE_SORTED=1 (parallel_load): independent modules may load in either order, which
        # /proc/modules shows (newest first, holders newest first): compared as sets.
        if [ "${STATE_SORTED:-0}" = 1 ]; then
            _holders=$(echo "$_holders" | tr ',' '\n' | sort | tr '\n' ',')
        fi
        echo "$_n $_refcnt $_holders $_state"
    done </proc/modules >/tmp/state.modules
    if [ "${STATE_SORTED:-0}" = 1 ]; then
        sort /tmp/state.modules
    else
        cat /tmp/state.modules
    fi
    if [ -d /sys/module/mt_params/parameters ]; then
        grep . /sys/module/mt_params/parameters/*
    fi
    # A scenario's own state (e.g. marker files its install commands write).
    if [ -n "${STATE_EXTRA:-}" ]; then
        eval "$STATE_EXTRA"
    fi
}

# quoted ARGS...: ARGS as a shell would need them.
quoted() {
    for _a in "$@"; do
        case "$_a" in
            *[!A-Za-z0-9_./=,:+-]* | '') printf " '%s'" "$_a" ;;
            *) printf ' %s' "$_a" ;;
        esac
    done
}

# same_as_kmod LABEL SETUP TOOL ARGS...: runs `/kmod/TOOL ARGS...` and then
# `/tools/TOOL ARGS...`, each from the same kernel state (reset_modules, then
# the shell command SETUP, e.g. "load mt_dep mt_user"; empty: none), and checks
# that both give the same exit status, the same stdout and stderr bytes (in
# kmod's, /kmod/ is read as /tools/) and leave the same module_state. One ok or
# NOT OK line per call; both runs are shown, with diffs when they differ.
same_as_kmod() {
    _label=$1 _setup=$2 _tool=$3
    shift 3
    echo "  == $_label"
    for _impl in kmod tools; do
        if ! reset_modules; then
            bad "$_label: could not reset the module state"
            return 1
        fi
        if [ -n "$_setup" ]; then
            echo "    setup: $_setup"
            if ! eval "$_setup"; then
                bad "$_label: setup '$_setup' failed"
                return 1
            fi
        fi
        echo "    \$ /$_impl/$_tool$(quoted "$@")"
        "/$_impl/$_tool" "$@" >/tmp/cmp.$_impl.out 2>/tmp/cmp.$_impl.err
        echo "$?" >/tmp/cmp.$_impl.rc
        module_state >/tmp/cmp.$_impl.state
        sed 's/^/        stdout: /' /tmp/cmp.$_impl.out
        sed 's/^/        stderr: /' /tmp/cmp.$_impl.err
        echo "        exit status: $(cat /tmp/cmp.$_impl.rc)"
    done
    reset_modules
    # Lines we add to kmod's messages (HINT: after an error, -v's `skipping NAME: why`): the
    # hints scenario checks them; the rest must be kmod's.
    grep -E "$ADDED_LINES" /tmp/cmp.tools.err >/tmp/cmp.tools.added
    grep -v -E "$ADDED_LINES" /tmp/cmp.tools.err >/tmp/cmp.tools.kept
    mv /tmp/cmp.tools.kept /tmp/cmp.tools.err
    sed -i 's|/kmod/|/tools/|g' /tmp/cmp.kmod.out /tmp/cmp.kmod.err
    # libkmod's messages carry its source location (`../libkmod/x.c:856
    # func() `); ours don't: the rest of the line must match.
    sed -i 's|^\([a-z]*: [A-Z]*: \)\.\./libkmod/[^ ]*:[0-9]* [A-Za-z_0-9]*() |\1|' /tmp/cmp.kmod.err
    _diff=
    for _part in rc out err state; do
        cmp -s /tmp/cmp.kmod.$_part /tmp/cmp.tools.$_part || _diff="$_diff $_part"
    done
    if [ -z "$_diff" ]; then
        ok "$_label: same as kmod (exit status $(cat /tmp/cmp.tools.rc))"
        return 0
    fi
    bad "$_label: differs from kmod in:$_diff"
    for _part in $_diff; do
        echo "    --- diff of $_part (kmod, then ours):"
        diff -u /tmp/cmp.kmod.$_part /tmp/cmp.tools.$_part | sed 's/^/    /'
    done
    return 1
}

# ------------------------------------------------------------ modprobe helpers

# conf NAME: stdin becomes /etc/modprobe.d/NAME.conf (init removes
# /etc/modprobe.d after each scenario).
conf() {
    mkdir -p /etc/modprobe.d
    cat >"/etc/modprobe.d/$1.conf"
    echo "  /etc/modprobe.d/$1.conf:"
    sed 's/^/    | /' "/etc/modprobe.d/$1.conf"
}


# expect_all_loaded / expect_none_loaded NAME...
expect_all_loaded() {
    for _n in "$@"; do expect_loaded "$_n"; done
}
expect_none_loaded() {
    for _n in "$@"; do expect_not_loaded "$_n"; done
}

# load_order NAME...: those of NAME... that are loaded, oldest first
# (/proc/modules lists the newest first), space-separated.
load_order() {
    _o=
    while read -r _n _rest; do
        for _w in "$@"; do
            [ "$_n" = "$_w" ] && _o="$_n $_o"
        done
    done </proc/modules
    echo $_o
}

# expect_param_of MODULE PARAM VALUE: /sys/module/MODULE/parameters/PARAM.
expect_param_of() {
    _v=$(cat "/sys/module/$1/parameters/$2" 2>&1)
    if [ "$_v" = "$3" ]; then ok "$1.$2 = '$3'"; else bad "$1.$2 = '$_v', expected '$3'"; fi
}

# expect_no_signal: the last `run` was not killed by a signal (status < 128).
expect_no_signal() {
    if [ "$RC" -lt 128 ]; then ok "exit status $RC: no signal"; else bad "exit status $RC: killed by a signal"; fi
}

# expect_before A B LIST LABEL: word A comes before word B in LIST.
expect_before() {
    _ia=0 _ib=0 _i=0
    for _w in $3; do
        _i=$((_i + 1))
        [ "$_w" = "$1" ] && [ $_ia = 0 ] && _ia=$_i
        [ "$_w" = "$2" ] && [ $_ib = 0 ] && _ib=$_i
    done
    if [ $_ia -gt 0 ] && [ $_ib -gt 0 ] && [ $_ia -lt $_ib ]; then
        ok "$4 ($3)"
    else
        bad "$4: not so in '$3'"
    fi
}

# expect_out_line_ts LINE: stdout has LINE as a whole line, with or without
# one trailing space (kmod ends `insmod` lines with one unless parameters
# from the command line come last).
expect_out_line_ts() {
    if grep -qxF -- "$1" /tmp/run.out || grep -qxF -- "$1 " /tmp/run.out; then
        ok "stdout has: $1"
    else
        bad "stdout lacks the line: $1"
    fi
}

# -------------------------------------------- libkmod.so.2's clients (Debian 13, /trixie)
# /trixie is a minimal Debian 13 root (harness.sh add_libkmod_clients): systemd-modules-load,
# udevadm, lspci, kmod 34.2's libkmod.so.2, our C client libkmod-probe, and our library as
# /trixie/ours/libkmod.so.2.

# trixie_ready: /proc, /sys, /dev, /tmp, /run, /testmods and the module tree bound into /trixie
# (once per boot); its modprobe.d and modules-load.d emptied.
trixie_ready() {
    if [ ! -f /trixie/ours/libkmod.so.2 ]; then
        bad "no /trixie/ours/libkmod.so.2 in the initramfs"
        finish
    fi
    if [ ! -e /trixie/proc/self ]; then
        for _d in proc sys dev tmp run; do mount --bind "/$_d" "/trixie/$_d"; done
        mkdir -p /trixie/testmods
        mount --bind /testmods /trixie/testmods
        mount --bind /lib/modules /trixie/usr/lib/modules
    fi
    rm -rf /trixie/etc/modprobe.d/* /trixie/etc/modules-load.d/*
    echo "  Debian 13 root: $(cat /trixie/kmod-version)"
}

# in_trixie LIB CMD ARGS...: CMD in /trixie with LIB's libkmod.so.2: `kmod` (the root's own,
# kmod 34.2's) or `ours` (LD_LIBRARY_PATH=/ours). $TRIXIE_ENV: more VAR=VALUE words.
# SYSTEMD_IGNORE_CHROOT=1: udevadm ignores requests when it finds itself in a chroot.
in_trixie() {
    _lib=$1
    shift
    if [ "$_lib" = ours ]; then
        env SYSTEMD_IGNORE_CHROOT=1 LD_LIBRARY_PATH=/ours $TRIXIE_ENV chroot /trixie "$@"
    else
        env SYSTEMD_IGNORE_CHROOT=1 $TRIXIE_ENV chroot /trixie "$@"
    fi
}

# trixie_conf DIR NAME: stdin becomes /trixie/etc/DIR/NAME.conf (shown).
trixie_conf() {
    mkdir -p "/trixie/etc/$1"
    cat >"/trixie/etc/$1/$2.conf"
    echo "  /trixie/etc/$1/$2.conf:"
    sed 's/^/    | /' "/trixie/etc/$1/$2.conf"
}

# same_lib LABEL SETUP CMD ARGS...: runs CMD in /trixie with kmod 34.2's library, then with
# ours, each from the same kernel state (reset_modules, then the shell command SETUP; empty:
# none; stdin from $SAME_LIB_STDIN if set), and checks that both give the same exit status,
# stdout, stderr and module_state. One ok or NOT OK line; both runs shown, diffs when they
# differ.
same_lib() {
    _label=$1 _setup=$2
    shift 2
    echo "  == $_label"
    for _impl in kmod ours; do
        if ! reset_modules; then
            bad "$_label: could not reset the module state"
            return 1
        fi
        if [ -n "$_setup" ]; then
            echo "    setup: $_setup"
            if ! eval "$_setup"; then
                bad "$_label: setup '$_setup' failed"
                return 1
            fi
        fi
        echo "    \$ [$_impl's libkmod]$(quoted "$@")"
        if [ -n "$SAME_LIB_FN" ]; then
            "$@" "$_impl" >/tmp/cmp.$_impl.out 2>/tmp/cmp.$_impl.err
        else
            in_trixie "$_impl" "$@" <"${SAME_LIB_STDIN:-/dev/null}" >/tmp/cmp.$_impl.out 2>/tmp/cmp.$_impl.err
        fi
        echo "$?" >/tmp/cmp.$_impl.rc
        module_state >/tmp/cmp.$_impl.state
        sed 's/^/        stdout: /' /tmp/cmp.$_impl.out
        sed 's/^/        stderr: /' /tmp/cmp.$_impl.err
        echo "        exit status: $(cat /tmp/cmp.$_impl.rc)"
        sed 's/^/        state: /' /tmp/cmp.$_impl.state
    done
    reset_modules
    _diff=
    for _part in rc out err state; do
        cmp -s /tmp/cmp.kmod.$_part /tmp/cmp.ours.$_part || _diff="$_diff $_part"
    done
    if [ -z "$_diff" ]; then
        ok "$_label: same as kmod 34.2's library (exit status $(cat /tmp/cmp.ours.rc))"
        return 0
    fi
    bad "$_label: differs from kmod 34.2's library in:$_diff"
    for _part in $_diff; do
        echo "    --- diff of $_part (kmod, then ours):"
        diff -u /tmp/cmp.kmod.$_part /tmp/cmp.ours.$_part | sed 's/^/    /'
    done
    return 1
}

# same_lib_fn LABEL SETUP FN ARGS...: same_lib of the shell function FN, called as `FN ARGS...
# LIB` (kmod, then ours): FN runs what it needs with in_trixie LIB.
SAME_LIB_FN=
same_lib_fn() {
    SAME_LIB_FN=1
    same_lib "$@"
    _r=$?
    SAME_LIB_FN=
    return $_r
}

# expect_our_library CMD ARGS...: CMD in /trixie with LD_LIBRARY_PATH=/ours and LD_DEBUG=libs
# loads /ours/libkmod.so.2 (linked or dlopen()ed) and not the root's libkmod.so.2.
expect_our_library() {
    TRIXIE_ENV=LD_DEBUG=libs in_trixie ours "$@" >/tmp/lddebug.out 2>&1
    if grep -q 'calling init: /ours/libkmod.so.2' /tmp/lddebug.out &&
        ! grep -q 'calling init: /.*/x86_64-linux-gnu/libkmod.so.2' /tmp/lddebug.out; then
        ok "$1 runs our libkmod.so.2 (LD_DEBUG: $(grep -m1 'calling init: /ours/libkmod' /tmp/lddebug.out | sed 's/^ *[0-9]*: *//'))"
    else
        bad "$1 did not load /ours/libkmod.so.2"
        grep -i kmod /tmp/lddebug.out | head -n 20 | sed 's/^/    /'
    fi
}
