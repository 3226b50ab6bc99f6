#!/usr/bin/env bash
# Differential test of our modprobe against Debian's kmod 30 modprobe (this
# host) and kmod 34.2's (the Debian 13 root, run with chroot; ours runs there
# too, so paths match; MODUTILS_NO_K34=1 leaves it out), on Debian's real
# module trees (Linux 6.1, plain .ko; 6.12, .ko.xz), each indexed by kmod's
# own depmod (so only modprobe differs). Every batch of calls is compared
# with each kmod. Per tree:
#   - `--show-depends X` and `-R X` (`-d ROOT -S VERSION`, an empty `-C` dir)
#     print exactly what kmod prints, on stdout and on stderr, with the same
#     exit status, for about 1,140 queries per tree (1141 on Debian's 6.1
#     tree, 1144 on 6.12 when counted; about 2,300 calls) in categories:
#     module names (and with '-'/'_' swapped), built-ins, built-in aliases,
#     `symbol:` names, `fs-*`,
#     `char-major-*`/`block-major-*`, `crypto-*`, other named aliases,
#     modaliases instantiated from modules.alias patterns (wildcards filled
#     minimally, and as real-looking full strings such as
#     `pci:v00008086d000015B8sv00001028sd000007BEbc02sc00i00`), aliases with
#     '-'/'_' swapped, and names that do not exist (also with `-q`);
#   - the same queries in single `-a --show-depends` and `-qaR` processes;
#   - with a configuration (`-C DIR`) holding every directive (alias with and
#     without wildcards, options, install, remove, blacklist, softdep pre/post,
#     `\` continuations, comments; two -C dirs with a file of the same name):
#     `--show-depends`/`-R` of queries touching each directive, with `-b`,
#     `-i`/`--ignore-install`, and parameters on the command line; `-c`
#     (configuration and the index dump) byte-identical; the host's own
#     configuration (no -C) too;
#   - softdeps that reach a module by its name and through aliases (ext4's
#     `pre: crypto-crc32c` with a configured `pre: crc32c_generic`, a module
#     its own softdep through its alias, pre: and post:): `--show-depends` and
#     `-n -v` list it once per name, as both kmods do;
#   - `-a` with several names (mkinitcpio's `-qaR`), `MODPROBE_OPTIONS`, and
#     initramfs-tools' `modprobe --all --set-version=V --ignore-install
#     --quiet --show-depends NAMES` (with `-d ROOT`).
# On small trees made from the 6.1 tree (issue 14):
#   - each .bin index empty (0 bytes), then missing: kmod answers from the
#     other indexes;
#   - weak dependencies (modules edited to carry `weakdep=` keys, indexed by
#     kmod 34.2's depmod; weakdep lines in the configuration): ignored when
#     loading and removing; `-c` as kmod 34.2 (kmod 30: row `weakdep`);
#   - module files, `modprobe ./x.ko` and `/abs/x.ko`, as kmod 34.2 (kmod 30:
#     row `modprobe-path`).
# Both tools read the host's /proc/cmdline (kmod always does).
#
# Prints `PASS <name>` / `FAIL <name>` (with the diff, `<` kmod, `>` ours) per
# check and a last line `N passed, N failed`; exits 1 if any check failed, 2
# if the setup failed.
#
# Usage: tests/diff/modprobe.sh [6.1|6.12|all]      (default: all)
# Environment: MODUTILS_CACHE (see tests/lib/lib.sh); MODPROBE: the modprobe
# to test (default: `cargo build --release -p modprobe`,
# target/release/modprobe); KEEP_SCRATCH=1 keeps the scratch dir;
# MODPROBE_DIFF_ONLY=softdep-names runs the checks of softdeps reached by several names only.
set -euo pipefail

# shellcheck source=tests/diff/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
CHECK_LINES=150
diff_setup modprobe "${1:-all}" depmod
command -v perl >/dev/null || die "perl not found"
# Ours is run as .../obin/modprobe, so that getopt-style messages naming argv[0]
# read the same once kmod's path is replaced.
tool_links "$SCR/obin" "${O34:-$OURS}" modprobe
OMODPROBE=$SCR/obin/modprobe
printf -- '-- stderr:\n' >"$SCR/sep"

# ------------------------------------------------------------------ running
# run_batch TOOL ARGFILE OUT: one call of TOOL per line of ARGFILE (arguments
# separated by tabs; leading `env:NAME=VALUE` fields set variables for that
# call, a leading `cd:DIR` runs it in DIR, `cmdline:FILE` with FILE as
# /proc/cmdline); OUT gets, per call, `== args`, stdout, `-- stderr:`, stderr and
# `rc=N`. With IN34=1, each call runs in the Debian 13 root (chroot; the
# root has no /proc: `cmdline:FILE` puts FILE at its /proc/cmdline).
IN34=
run_batch() {
    if [ -n "$IN34" ]; then
        run_batch34 "$@"
        return
    fi
    local tool=$1 line rc a e cdir kcl t=$3.tmp
    while IFS= read -r line; do
        read_case "$line" ""
        if [ -n "$kcl" ]; then
            # FILE bind-mounted over /proc/cmdline in a private mount namespace.
            in_ns --bind "$kcl" /proc/cmdline -- env "${e[@]}" "$tool" "${a[@]}" >"$t.o" 2>"$t.e" && rc=0 || rc=$?
        elif [ ${#e[@]} -gt 0 ] || [ -n "$cdir" ]; then
            (cd "${cdir:-.}" && exec env "${e[@]}" "$tool" "${a[@]}") >"$t.o" 2>"$t.e" && rc=0 || rc=$?
        else
            "$tool" "${a[@]}" >"$t.o" 2>"$t.e" && rc=0 || rc=$?
        fi
        # Lines of ours kmod never prints (ADDED_LINES, tests/lib/lib.sh): tests/diff/hints.sh's.
        cat "$t.o" "$SCR/sep"
        grep -a -v -E "$ADDED_LINES" "$t.e" || true
        echo "rc=$rc"
    done <"$2" >"$3"
    rm -f "$t.o" "$t.e"
}

# read_case LINE CD: splits a batch line into the caller's variables: its `env:VAR=VALUE`,
# `cd:DIR` and `cmdline:FILE` prefixes into e, cdir (CD when none) and kcl, the command into a;
# prints the case's `== ` header.
read_case() {
    IFS=$'\t' read -r -a a <<<"$1"
    e=()
    cdir=$2
    kcl=
    while [ ${#a[@]} -gt 0 ] && [[ ${a[0]} == env:* || ${a[0]} == cd:* || ${a[0]} == cmdline:* ]]; do
        case ${a[0]} in
            env:*) e+=("${a[0]#env:}") ;;
            cd:*) cdir=${a[0]#cd:} ;;
            cmdline:*) kcl=${a[0]#cmdline:} ;;
        esac
        a=("${a[@]:1}")
    done
    printf '== %s\n' "${1//$'\t'/ }"
}

run_batch34() {
    local tool=$1 line rc a e cdir kcl t=$3.tmp
    while IFS= read -r line; do
        read_case "$line" /
        if [ -n "$kcl" ]; then
            in_ns --tmpfs "$TRIXIE/proc" --copy "$kcl" "$TRIXIE/proc/cmdline" -- \
                chroot "$TRIXIE" env -C "$cdir" "${e[@]}" "$tool" "${a[@]}" >"$t.o" 2>"$t.e" && rc=0 || rc=$?
        else
            chroot "$TRIXIE" env -C "$cdir" "${e[@]}" "$tool" "${a[@]}" >"$t.o" 2>"$t.e" && rc=0 || rc=$?
        fi
        # Lines of ours kmod never prints (ADDED_LINES, tests/lib/lib.sh): tests/diff/hints.sh's.
        cat "$t.o" "$SCR/sep"
        grep -a -v -E "$ADDED_LINES" "$t.e" || true
        echo "rc=$rc"
    done <"$2" >"$3"
    rm -f "$t.o" "$t.e"
}

# both ARGFILE PREFIX: run_batch with kmod 30's modprobe (PREFIX.k) and ours
# (PREFIX.o), at the same time; kmod's path is read as ours in its output.
# With K34 (tests/diff/lib.sh), then kmod 34.2's (PREFIX.k34) and ours
# (PREFIX.o34) in the Debian 13 root, the same way.
both() {
    run_batch "$KMODPROBE" "$1" "$2.k" &
    local pid=$!
    run_batch "$OMODPROBE" "$1" "$2.o"
    wait "$pid"
    # Messages naming argv[0] (getopt's): kmod's path read as ours. libkmod's
    # messages carry its source location (`libkmod: ERROR ../libkmod/x.c:712
    # func: `); ours say `modprobe: ERROR: ` (the tool's prefix, as every other
    # message): the rest of the line must match.
    sed -i -E -e "s|$KMODPROBE|$OMODPROBE|g" \
        -e 's/^libkmod: ERROR [^ ]+:[0-9]+ [A-Za-z_0-9]+: /modprobe: ERROR: /' \
        -e 's/^(modprobe: [A-Z]+: )\.\.\/libkmod\/[^ ]+:[0-9]+ [A-Za-z_0-9]+\(\) /\1/' "$2.k"
    [ -n "$K34" ] || return 0
    IN34=1 run_batch "$SCR/k34/modprobe" "$1" "$2.k34" &
    pid=$!
    IN34=1 run_batch "$OMODPROBE" "$1" "$2.o34"
    wait "$pid"
    # kmod 34.2's libkmod messages: `libkmod: ERROR: func: ` (libkmod-prefix).
    sed -i -E -e "s|$SCR/k34/modprobe|$OMODPROBE|g" \
        -e 's/^libkmod: ERROR: [A-Za-z_0-9]+: /modprobe: ERROR: /' "$2.k34"
}

# same_transcript PREFIX: PREFIX.k and PREFIX.o identical (kmod 30), and
# PREFIX.k34 and PREFIX.o34 (kmod 34.2) when they exist; else, for the first
# calls that differ, the call and the diff of its output (< kmod, > ours).
same_transcript() {
    local bad=0
    same_pair "$1" k o "kmod 30" || bad=1
    if [ -e "$1.k34" ]; then
        same_pair "$1" k34 o34 "kmod 34.2" || bad=1
    fi
    return "$bad"
}

# same_pair PREFIX K O LABEL: one pair of transcripts (see same_transcript).
same_pair() {
    local k=$1.$2 o=$1.$3 n ok d=$1.calls.$2 f shown=0 ndiff
    n=$(grep -c '^== ' "$k" || true)
    ok=$(grep -c '^rc=0$' "$k" || true)
    echo "NOTE: $4: $n calls, $ok exit 0 with kmod"
    cmp -s "$k" "$o" && return 0
    echo "$4:"
    # One file per call, then the calls that differ.
    rm -rf "$d"
    mkdir -p "$d/k" "$d/o"
    for f in k o; do
        awk -v d="$d/$f" '/^== / { if (out) close(out); out = sprintf("%s/%06d", d, ++n) } { print > out }' \
            "$([ $f = k ] && echo "$k" || echo "$o")"
    done
    diff -rq "$d/k" "$d/o" | sed -n 's|^Files .*/k/\([0-9]*\) and .*|\1|p' >"$d/list" || true
    diff -rq "$d/k" "$d/o" | grep -v '^Files ' || true
    ndiff=$(wc -l <"$d/list")
    echo "$ndiff of $n calls differ (< kmod, > ours; \$SCR = $SCR):"
    {
        for f in $(head -n 5 "$d/list"); do
            head -n 1 "$d/k/$f"
            diff "$d/k/$f" "$d/o/$f" | head -n 16
        done
        if [ "$ndiff" -gt 5 ]; then
            echo "the other calls that differ:"
            for f in $(sed -n '6,40p' "$d/list"); do head -n 1 "$d/k/$f" | cut -c1-200; done
        fi
    } | sed "s|$SCR|\$SCR|g"
    return 1
}

# args LINE...: tab-joined fields of one call, per argument line.
args() { local IFS=$'\t'; printf '%s\n' "$*"; }

# ------------------------------------------------------------------ queries
# gen_queries MDIR OUTPREFIX: writes OUTPREFIX.<category> files of queries
# (one a line) drawn from the tree's own lists.
gen_queries() {
    local m=$1 p=$2
    perl - "$m" "$p" <<'PERL'
use strict;
use warnings;
my ($m, $p) = @ARGV;

sub slurp { my ($f) = @_; open(my $h, '<', $f) or die "$f: $!"; local $/; my $s = <$h>; close $h; return $s; }
sub out {
    my ($cat, @q) = @_;
    my %seen;
    open(my $h, '>', "$p.$cat") or die;
    print $h "$_\n" for grep { length && !$seen{$_}++ } @q;
    close $h;
}
# every(N, LIST): about N items evenly spread over LIST.
sub every {
    my ($n, @l) = @_;
    return @l if @l <= $n;
    my $step = @l / $n;
    return map { $l[int($_ * $step)] } 0 .. $n - 1;
}
sub base { my ($f) = @_; $f =~ s{.*/}{}; $f =~ s/\.ko(\..*)?$//; return $f; }
sub swap { my ($s) = @_; if ($s =~ /-/) { $s =~ tr/-/_/ } else { $s =~ tr/_/-/ } return $s; }

# fnmatch pattern -> perl regex (for checking instantiations).
sub re {
    my ($pat) = @_;
    my $r = '';
    while (length $pat) {
        if ($pat =~ s/^\*//) { $r .= '.*' }
        elsif ($pat =~ s/^\?//) { $r .= '.' }
        elsif ($pat =~ s/^\[([!^]?)(\]?[^\]]*)\]//) { $r .= '[' . ($1 ? '^' : '') . quotemeta($2) =~ s/\\-/-/gr . ']' }
        else { $pat =~ s/^(.)//s; $r .= quotemeta($1) }
    }
    return qr/^$r$/s;
}

# inst(PATTERN, VARIANT, FILL): a string the pattern matches: '*' -> FILL
# (default ''), '?' -> '0', [class] -> its first (VARIANT 0) or last
# character; undef for negated classes.
sub inst {
    my ($pat, $v, $fill) = @_;
    $fill //= '';
    my $r = '';
    while (length $pat) {
        if ($pat =~ s/^\*//) { $r .= $fill }
        elsif ($pat =~ s/^\?//) { $r .= '0' }
        elsif ($pat =~ s/^\[([^\]]+)\]//) {
            my $c = $1;
            return undef if $c =~ /^[!^]/;
            $r .= $v ? substr($c, -1) : substr($c, 0, 1);
        }
        else { $pat =~ s/^(.)//s; $r .= $1 }
    }
    return $r;
}

# Full modaliases: field name, width, fillers for a '*' field.
my %schema = (
    pci => [[v => 8, qw(00008086 000010EC 000014E4)], [d => 8, qw(000015B8 00008168 00001639)],
            [sv => 8, qw(00001028 0000103C 000017AA)], [sd => 8, qw(000007BE 00002233 00000001)],
            [bc => 2, qw(02 01 0C)], [sc => 2, qw(00 06 03)], [i => 2, qw(00 01 30)]],
    usb => [[v => 4, qw(046D 8087 0BDA)], [p => 4, qw(C52B 0A2B 8179)], [d => 4, qw(0100 0200 0001)],
            [dc => 2, qw(00 09 EF)], [dsc => 2, qw(00 00 02)], [dp => 2, qw(00 01 01)],
            [ic => 2, qw(FF 03 08)], [isc => 2, qw(FF 01 06)], [ip => 2, qw(FF 02 50)], [in => 2, qw(00 01 02)]],
    hid => [[b => 4, qw(0003 0005 0018)], [g => 4, qw(0001 0000 0004)],
            [v => 8, qw(0000046D 000005AC 00001532)], [p => 8, qw(0000C52B 0000024F 00000001)]],
    sdio => [[c => 2, qw(00 07 02)], [v => 4, qw(0271 02D0 024C)], [d => 4, qw(0301 4324 F179)]],
    virtio => [[d => 8, qw(00000001 00000002 00000012)], [v => 8, qw(00001AF4 00001AF4 0000106B)]],
    serio => [[ty => 2, qw(01 06 02)], [pr => 2, qw(00 28 01)], [id => 2, qw(00 01 02)], [ex => 2, qw(00 00 01)]],
    hdaudio => [[v => 8, qw(10EC0269 8086280B 14F15051)], [r => 8, qw(00100100 00100002 00100000)], [a => 2, qw(01 01 02)]],
);
my $nfull = 0;
sub full {
    my ($pat) = @_;
    my ($bus, $rest) = $pat =~ /^([a-z0-9]+\*?):(.*)$/s or return undef;
    my $k = $nfull++ % 3;
    my $s;
    if (my $f = $schema{$bus}) {
        # Split at the field names (lower case; values are upper-case hex,
        # digits and wildcards).
        my $keys = join '', map { "$_->[0](.*?)" } @$f;
        my @vals = $rest =~ /^$keys$/s or return undef;
        $s = "$bus:";
        for my $i (0 .. $#$f) {
            my ($name, $w, @fill) = @{ $f->[$i] };
            my $val = $vals[$i];
            if ($val eq '*') { $s .= $name . $fill[$k]; next }
            my $x = inst($val, $k == 1, '') // return undef;
            $x .= '0' x ($w - length $x) if length $x < $w;
            $s .= $name . $x;
        }
    } elsif ($bus eq 'of') {
        my @parts = split /(?=[NTC])/, $rest;
        $s = 'of:';
        for (@parts) {
            my ($t, $v) = /^(.)(.*)$/s;
            my $fill = $t eq 'N' ? 'node' : $t eq 'T' ? '<NULL>' : '';
            $s .= $t . ($v eq '*' ? $fill : (inst($v, 0, '') // return undef));
        }
    } elsif ($bus eq 'acpi*') {
        $s = 'acpi:' . (inst($rest, 0, '') // return undef);
        $s .= 'PNP0C50:' if $k == 1;
    } elsif ($bus eq 'dmi*') {
        $s = 'dmi:' . (inst($rest, 0, 'X1') // return undef);
    } elsif ($bus eq 'cpu') {
        $s = 'cpu:' . (inst($rest, 0, '') // return undef);
        $s .= ',0000,0001,0002,0003,0004,0005,0006,0008' if $s =~ /:feature:$/;
    } else {
        $s = inst($pat, $k == 1, 'A1') // return undef;
    }
    return $s =~ re($pat) ? $s : undef;
}

my @order = map { base($_) } split /\n/, slurp("$m/modules.order");
my @aliases = map { [split / /] } grep { /^alias / } split /\n/, slurp("$m/modules.alias");
$_ = [@$_[1, 2]] for @aliases;
my @symbols = map { (split / /)[1] } grep { /^alias / } split /\n/, slurp("$m/modules.symbols");
my @builtin = map { base($_) } split /\n/, slurp("$m/modules.builtin");
my @balias = map { /^[^.]*\.alias=(.*)$/ ? ($1) : () } split /\0/, slurp("$m/modules.builtin.modinfo");

out('names', every(160, @order));
out('names-swapped', map { swap($_) } every(50, grep { /[-_]/ } @order));
out('builtin', every(20, @builtin), map { swap($_) } every(6, grep { /[-_]/ } @builtin));
out('builtin-alias', map { inst($_, 0) } every(20, @balias));
out('symbols', every(50, @symbols));
my @named = map { $_->[0] } @aliases;
out('fs', grep { /^fs-/ } @named);
out('char-block-major', map { inst($_, 0), inst($_, 1, '5') } grep { /^(char|block)-major-/ } @named);
out('crypto', every(50, grep { /^crypto-/ } @named));
my %modbus = map { $_ => 1 } qw(pci usb of i2c hid pcmcia acpi* spi hdaudio cpu dmi* platform mdio
    ieee1394 sdio input serio virtio wmi pnp mhi vmbus xen ssb bcma auxiliary sdw tty usbfunc);
# Other named aliases (net-pf-*, rtnl-link-*, nft-*, devname:, ...): a few of each prefix.
my (%per, @other);
for (@named) {
    next if /^(fs|char-major|block-major|crypto)-/;
    my ($b) = /^([a-z0-9_*]+)[:-]/ or next;
    next if $modbus{$b};
    push @other, $_ if ($per{$b}++ < 3);
}
out('other-aliases', map { inst($_, 0) } @other);
my %bybus;
for (@named) { my ($b) = /^([a-z0-9]+\*?):/ or next; push @{ $bybus{$b} }, $_ if $modbus{$b}; }
my %nsimple = (pci => 25, usb => 25, of => 12, 'acpi*' => 10, hid => 8, i2c => 5, spi => 5, platform => 8);
my %nfull = (pci => 40, usb => 35, of => 12, 'acpi*' => 10, hid => 10, hdaudio => 6, 'dmi*' => 6, cpu => 4,
    sdio => 4, virtio => 4, serio => 4);
my (@simple, @fullq);
for my $b (sort keys %bybus) {
    my @l = @{ $bybus{$b} };
    push @simple, map { inst($_, 0), inst($_, 1, 'A') } every($nsimple{$b} // 3, @l);
    push @fullq, map { full($_) // () } every($nfull{$b} // 2, @l) if $nfull{$b};
}
out('modalias-minimal', grep { defined } @simple);
out('modalias-full', @fullq);
out('aliases-swapped', map { swap($_) } grep { /[-_]/ && !/[\[*?]/ } every(30, grep { !/:/ } @named));
{ no warnings 'qw'; out('missing', qw(no_such_module no-such-module nosuchmod.ko symbol:no_such_symbol_xyz fs-nosuchfs
    char-major-250-250 block-major-250-1 crypto-nosuchalg pci:v0000DEADd0000BEEFsv00000000sd00000000bc00sc00i00
    usb:v0000p0000d0000dc00dsc00dp00ic00isc00ip00in00 acpi:NOSU0000: of:NnoneT<NULL>Cnone,none
    nosuch:alias platform:no-such-platform-device sound-slot-9999)); }
PERL
}

# ------------------------------------------------------------------ config
# write_config DIR1 DIR2: a configuration with every directive in DIR1 (and a
# file of the same name in DIR2, shadowed when both are given).
write_config() {
    mkdir -p "$1" "$2"
    cat >"$1/10-test.conf" <<'EOF'
# Every directive modprobe.d knows.
alias myvlan 8021q
alias my-wild* dummy
alias pci:v0000ABCDd0000*sv*sd*bc*sc*i* hpilo
alias fs-myfs vfat
alias bondalias bonding
alias multi dummy
alias multi psnap
options dummy numdummies=3
options 8021q debug=1 \
	other="a b"
options myvlan fromalias=1
options hpilo max_ccb=8
install hpilo /bin/echo installing hpilo $CMDLINE_OPTS
install no-module-here /bin/true
remove dummy /bin/echo removing dummy
blacklist bonding
blacklist psnap
softdep 8021q pre: dummy llc post: hpilo
softdep vfat pre: nls_cp437 post: nls_iso8859-1 nls_utf8
softdep psnap post: bonding
#alias commented-out dummy
# (An indented comment is a bad line to kmod: see write_bad_config.)
EOF
    cat >"$1/20-shadowed.conf" <<'EOF'
options llc from_dir1=1
EOF
    cat >"$2/20-shadowed.conf" <<'EOF'
options llc from_dir2=1
alias only-in-dir2 llc
EOF
    cat >"$2/30-other.conf" <<'EOF'
options stp from_dir2=1
EOF
    echo "not a conf file: ignored" >"$1/ignored.txt"
}

# write_bad_config DIR: lines kmod rejects (and says so on stderr), among
# good ones.
write_bad_config() {
    mkdir -p "$1"
    cat >"$1/bad.conf" <<'EOF'
alias good1 dummy
   # an indented comment
options
alias onlyone
softdep dummy
frobnicate dummy
install dummy
blacklist
alias good2 vfat
EOF
}

# softdep_names_configs DIR: one configuration file per case, each named to sort before
# modules.softdep (`a-*.conf`: its softdep lines win over the index's; the index's win over a
# `z-*.conf`, both kmods).
softdep_names_configs() {
    mkdir -p "$1"
    printf 'softdep ext4 pre: crc32c_generic\n' >"$1/a-ext4.conf"
    printf 'softdep ext4 pre: crc32c_generic\n' >"$1/z-ext4.conf"
    printf 'softdep crc16 pre: crc32c_generic\n' >"$1/a-crc16.conf"
    printf 'softdep crc32c_generic pre: crc32c\n' >"$1/a-self.conf"
    printf 'softdep jbd2 post: crc32c_generic crc32c\nsoftdep mbcache pre: crc32c-generic post: crypto-crc32c\n' \
        >"$1/a-post.conf"
    printf 'softdep dummy pre: rtnl-link-dummy\n' >"$1/a-dummy.conf"
    printf 'softdep dummy pre: mii\nsoftdep mii post: rtnl_link_dummy rtnl-link-dummy\n' >"$1/a-mii.conf"
    printf 'alias mya mii\nalias myb mii\nsoftdep dummy pre: mya myb mii post: mya\n' >"$1/a-aliases.conf"
    printf 'softdep fat pre: ext4\nsoftdep ext4 post: fat crc32c\n' >"$1/a-fat.conf"
}

# test_softdep_names SERIES T: a module reached as a softdep by its name and through an alias
# (or two aliases) is listed once per name by --show-depends and -n -v (kmod 30 and 34.2:
# ext4's `pre: crypto-crc32c` and a configured `pre: crc32c_generic` list crc32c_generic
# twice), on the indexed tree T.
test_softdep_names() {
    local s=$1 T=$2 R=$SCR/$1.sdn C=$SCR/$1.sdn.d D
    D=(-d "$T" -S "$KVER")
    softdep_names_configs "$C"
    {
        for f in a-ext4 z-ext4 a-crc16 a-self a-post a-fat; do
            args -C "$C/$f.conf" "${D[@]}" --show-depends ext4
            args -C "$C/$f.conf" "${D[@]}" -n -v ext4
        done
        for q in crc32c_generic crc32c crypto-crc32c; do
            args -C "$C/a-self.conf" "${D[@]}" --show-depends "$q"
        done
        args -C "$C/a-self.conf" "${D[@]}" -a --show-depends ext4 crc32c_generic crc32c
        for f in a-dummy a-mii a-aliases; do
            args -C "$C/$f.conf" "${D[@]}" --show-depends dummy
            args -C "$C/$f.conf" "${D[@]}" -n -v dummy
            args -C "$C/$f.conf" "${D[@]}" --show-depends rtnl-link-dummy
        done
        args -C "$C/a-dummy.conf" "${D[@]}" -n -v --first-time dummy
        args -C "$C/a-dummy.conf" "${D[@]}" -a --show-depends dummy rtnl-link-dummy dummy
        args -C "$C/a-dummy.conf" "${D[@]}" -n -v -a dummy rtnl_link_dummy
        args -C "$C/a-mii.conf" "${D[@]}" --show-depends 8139too
        args -C "$C/a-fat.conf" "${D[@]}" --show-depends vfat
        args -C "$C/a-fat.conf" "${D[@]}" -n -v vfat
        args -C "$C" "${D[@]}" --show-depends ext4
        args -C "$C" "${D[@]}" --show-depends dummy
    } >"$R.a"
    both "$R.a" "$R.t"
    check "$s softdeps reached by several names (name, aliases; pre: and post:; --show-depends, -n -v, -a; $(wc -l <"$R.a") calls)" \
        same_transcript "$R.t"
}

# ------------------------------------------------------------ per kernel
test_tree() {
    local s=$1 T=$TREES/$1 M R D C C2 q f cat n
    M=$T/lib/modules/$KVER
    R=$SCR/$s
    C=$SCR/$s.conf1
    C2=$SCR/$s.conf2
    log "$s ($KVER): kmod's depmod indexes a copy of the tree"
    tree_copy "$T"
    "$KDEPMOD" -b "$T" "$KVER" || die "kmod's depmod -b $T $KVER failed"
    D=(-d "$T" -S "$KVER")
    if [ "${MODPROBE_DIFF_ONLY:-}" = softdep-names ]; then
        test_softdep_names "$s" "$T"
        return
    fi

    gen_queries "$M" "$R.q"

    # --show-depends and -R of every query, per category; missing ones with -q too.
    log "$s: --show-depends / -R per query"
    local cats=(names names-swapped builtin builtin-alias symbols fs char-block-major crypto
        other-aliases modalias-minimal modalias-full aliases-swapped missing)
    for cat in "${cats[@]}"; do
        while IFS= read -r q; do
            args -C "$SCR/empty.d" "${D[@]}" --show-depends "$q"
            args -C "$SCR/empty.d" "${D[@]}" -R "$q"
            if [ "$cat" = missing ]; then
                args -C "$SCR/empty.d" "${D[@]}" -q --show-depends "$q"
                args -C "$SCR/empty.d" "${D[@]}" -q -R "$q"
            fi
        done <"$R.q.$cat" >"$R.a.$cat"
    done
    # All categories in one run per tool (two processes at once).
    cat "${cats[@]/#/$R.a.}" >"$R.a.all"
    both "$R.a.all" "$R.t.all"
    # Cut each tool's transcript back into categories.
    split_transcript "$R.t.all" "$R.a" "${cats[@]}"
    for cat in "${cats[@]}"; do
        n=$(wc -l <"$R.q.$cat")
        check "$s --show-depends/-R: $cat ($n queries)" same_transcript "$R.t.$cat"
    done

    # One process for many names: -a --show-depends, -qaR, -aR.
    log "$s: -a with many names"
    : >"$R.a.multi"
    for cat in names names-swapped symbols fs modalias-full crypto missing; do
        mapfile -t qs <"$R.q.$cat"
        args -C "$SCR/empty.d" "${D[@]}" -a --show-depends "${qs[@]}" >>"$R.a.multi"
        args -C "$SCR/empty.d" "${D[@]}" -qaR "${qs[@]}" >>"$R.a.multi"
    done
    mapfile -t qs < <(cat "${cats[@]/#/$R.q.}")
    args -C "$SCR/empty.d" "${D[@]}" -a --show-depends "${qs[@]}" >>"$R.a.multi"
    args -C "$SCR/empty.d" "${D[@]}" -qaR "${qs[@]}" >>"$R.a.multi"
    args -C "$SCR/empty.d" "${D[@]}" -aR "${qs[@]}" >>"$R.a.multi"
    args -C "$SCR/empty.d" "${D[@]}" -a --show-depends 8021q vfat dummy >>"$R.a.multi"
    args -C "$SCR/empty.d" "${D[@]}" -a --show-depends 8021q no_such_module vfat >>"$R.a.multi"
    args -C "$SCR/empty.d" "${D[@]}" -qaR 8021q fs-vfat no_such_module snd-hda-intel crypto-aes >>"$R.a.multi"
    args -C "$SCR/empty.d" "${D[@]}" -aR 8021q fs-vfat no_such_module snd-hda-intel >>"$R.a.multi"
    args -C "$SCR/empty.d" "${D[@]}" -a -D ext4 no_such_module >>"$R.a.multi"
    args -C "$SCR/empty.d" "${D[@]}" -a -q -D no_such_module other_missing >>"$R.a.multi"
    both "$R.a.multi" "$R.t.multi"
    check "$s -a --show-depends / -qaR / -aR with many names ($(wc -l <"$R.a.multi") calls, up to ${#qs[@]} names each)" \
        same_transcript "$R.t.multi"

    # The configuration: every directive.
    log "$s: configuration"
    write_config "$C" "$C2"
    local X=(-C "$C" "${D[@]}") XX=(-C "$C" -C "$C2" "${D[@]}")
    {
        for q in myvlan my-wild my-wildcard my_wild_x pci:v0000ABCDd00001234sv00000001sd00000002bc03sc00i00 \
            fs-myfs bondalias bonding multi dummy 8021q hpilo vfat psnap llc stp no-module-here \
            commented-out only-in-dir2 fs-vfat symbol:vlan_ioctl_set; do
            args "${X[@]}" --show-depends "$q"
            args "${X[@]}" -R "$q"
            args "${X[@]}" -b --show-depends "$q"
            args "${X[@]}" -b -R "$q"
            args "${X[@]}" -i --show-depends "$q"
            args "${X[@]}" --ignore-install -b --show-depends "$q"
            args "${XX[@]}" --show-depends "$q"
            args "${XX[@]}" -R "$q"
        done
        # Parameters on the command line, after the configuration's.
        args "${X[@]}" --show-depends dummy numdummies=5 'x=a b' y=\"c d\"
        args "${X[@]}" --show-depends 8021q a=1
        args "${X[@]}" --show-depends myvlan b=2
        args "${X[@]}" --show-depends hpilo c=3
        args "${X[@]}" -i --show-depends hpilo c=3
        args "${X[@]}" --ignore-install --show-depends hpilo c=3
        args "${X[@]}" -a --show-depends myvlan bondalias hpilo vfat no_such_module
        args "${X[@]}" -ab --show-depends bonding bondalias psnap multi
        args "${X[@]}" -qaR myvlan bondalias bonding multi my-wild-1 fs-myfs no_such_module
        args "${X[@]}" -qabR myvlan bondalias bonding multi my-wild-1 fs-myfs no_such_module
        # Dry runs (-n -v: what would be loaded or removed; nothing is, and
        # the host kernel has no modules loaded): install and remove commands
        # are printed, not run.
        for q in myvlan dummy hpilo vfat bondalias multi no_such_module; do
            args "${X[@]}" -n -v "$q"
            args "${X[@]}" -n -v -i "$q"
            args "${X[@]}" -n -v -r "$q"
            args "${X[@]}" -n -v -r --ignore-remove "$q"
        done
        args "${X[@]}" -n -v -a myvlan hpilo vfat dummy
        args "${X[@]}" -n -v dummy numdummies=9
        args "${X[@]}" -n -v --first-time vfat
        args "${X[@]}" -n -v -r --first-time vfat
        # The configuration alone, and the host's own (no -C).
        args "${X[@]}" -c
        args "${XX[@]}" -c
        args -C "$C/10-test.conf" "${D[@]}" -c
        args -C "$C2" "${D[@]}" --showconfig
        args -C "$SCR/empty.d" "${D[@]}" -c
        args "${D[@]}" -c
        args "${D[@]}" --show-depends 8021q
        args "${D[@]}" -R binfmt-464c
        args "${D[@]}" -R net-pf-10
    } >"$R.a.config"
    both "$R.a.config" "$R.t.config"
    check "$s configuration (alias, wildcard alias, options, install, remove, blacklist, softdep; -b, -i, -c; $(wc -l <"$R.a.config") calls)" \
        same_transcript "$R.t.config"

    # --show-alias: -R's other name in kmod's documentation (and in later
    # kmods), not an option of kmod 30: ours must print what kmod 30's -R does.
    for q in fs-vfat vfat net-pf-10 no_such_module; do
        args -C "$SCR/empty.d" "${D[@]}" --show-alias "$q"
    done >"$R.a.showalias"
    sed 's/\t--show-alias\t/\t-R\t/' "$R.a.showalias" >"$R.a.showalias.k"
    run_batch "$KMODPROBE" "$R.a.showalias.k" "$R.t.showalias.k"
    run_batch "$OMODPROBE" "$R.a.showalias" "$R.t.showalias.o"
    sed -i -e 's/^\(== .*\) -R /\1 --show-alias /' -e "s|$KMODPROBE|$OMODPROBE|g" "$R.t.showalias.k"
    check "$s --show-alias as kmod 30's -R" same_transcript "$R.t.showalias"

    # Bad lines in the configuration: the same messages.
    write_bad_config "$SCR/$s.bad"
    {
        args -C "$SCR/$s.bad" "${D[@]}" --show-depends good1
        args -C "$SCR/$s.bad" "${D[@]}" -R good2
        args -C "$SCR/$s.bad" "${D[@]}" -c
    } >"$R.a.bad"
    both "$R.a.bad" "$R.t.bad"
    check "$s configuration with bad lines: same messages and results" same_transcript "$R.t.bad"

    test_softdep_names "$s" "$T"

    # The kernel command line: options (mod.param=value, quoted values,
    # after "--" too), modprobe.blacklist=, odd words; /proc/cmdline replaced
    # in a private mount namespace (root only).
    if unshare -m true 2>/dev/null; then
        printf '%s\n' 'BOOT_IMAGE=/boot/vmlinuz root=UUID=1234 ro quiet dummy.numdummies=7 8021q.x="a b" vfat.=novalue .=x noeq. llc.flag mt-params.i=5 fat.codepage=850 modprobe.blacklist=bonding,psnap modprobe.blacklist=hpilo modprobe.other=1 -- dummy.after=1 init=/bin/sh' >"$SCR/cmdline"
        local KC=("cmdline:$SCR/cmdline")
        {
            for q in dummy 8021q vfat fs-vfat llc bonding bondalias psnap multi hpilo; do
                args "${KC[@]}" -C "$SCR/empty.d" "${D[@]}" --show-depends "$q"
                args "${KC[@]}" -C "$SCR/empty.d" "${D[@]}" -b --show-depends "$q"
                args "${KC[@]}" -C "$C" "${D[@]}" --show-depends "$q"
                args "${KC[@]}" -C "$C" "${D[@]}" -R "$q"
                args "${KC[@]}" -C "$C" "${D[@]}" -b -R "$q"
            done
            args "${KC[@]}" -C "$SCR/empty.d" "${D[@]}" --show-depends dummy numdummies=1
            args "${KC[@]}" -C "$C" "${D[@]}" -c
            args "${KC[@]}" -C "$SCR/empty.d" "${D[@]}" -c
        } >"$R.a.kcmdline"
        both "$R.a.kcmdline" "$R.t.kcmdline"
        check "$s kernel command line (options, modprobe.blacklist=; $(wc -l <"$R.a.kcmdline") calls)" \
            same_transcript "$R.t.kcmdline"
    else
        echo "SKIP $s kernel command line: cannot unshare a mount namespace (not root?)"
    fi

    # MODPROBE_OPTIONS, and the callers' command lines.
    log "$s: MODPROBE_OPTIONS, initramfs-tools, mkinitcpio"
    {
        args "env:MODPROBE_OPTIONS=-C $SCR/empty.d -d $T -S $KVER" --show-depends 8021q
        args "env:MODPROBE_OPTIONS=-q" -C "$SCR/empty.d" "${D[@]}" --show-depends no_such_module
        args "env:MODPROBE_OPTIONS=-q" -C "$SCR/empty.d" "${D[@]}" --show-depends 8021q
        args "env:MODPROBE_OPTIONS=-b -C $C" "${D[@]}" --show-depends bonding
        args "env:MODPROBE_OPTIONS=-C $C" "${D[@]}" -R bondalias
        args "env:MODPROBE_OPTIONS=-a" -C "$SCR/empty.d" "${D[@]}" --show-depends vfat 8021q
        args "env:MODPROBE_OPTIONS=" -C "$SCR/empty.d" "${D[@]}" --show-depends vfat
        args "env:MODPROBE_OPTIONS=  -q   -a  " -C "$SCR/empty.d" "${D[@]}" --show-depends vfat no_such_module 8021q
        # initramfs-tools' hook-functions (manual_add_modules), as run for a
        # typical image: file systems, storage, USB, crypto, a missing name.
        for cf in "$SCR/empty.d" "$C"; do
            args -C "$cf" -d "$T" --all "--set-version=$KVER" --ignore-install --quiet --show-depends \
                ext4 vfat nls_cp437 nls-iso8859-1 usb-storage uas sd_mod ahci nvme dm-crypt \
                crypto-xts aesni_intel hid-generic evdev virtio_blk virtio-pci no_such_module hpilo 8021q
            args -C "$cf" -d "$T" --all "--set-version=$KVER" --ignore-install --quiet --show-depends \
                fs-vfat fs-ext4 crypto-aes pci:v00008086d000015B8sv00001028sd000007BEbc02sc00i00 \
                "usb:v0781p5567d0100dc00dsc00dp00ic08isc06ip50in00"
            # mkinitcpio: modprobe -qaR, and -qa --show-depends.
            args -C "$cf" -d "$T" -S "$KVER" -qaR ext4 vfat usbhid xhci_pci sd_mod no_such_module fs-vfat
            args -C "$cf" -d "$T" -S "$KVER" -qa --show-depends ext4 vfat usbhid xhci_pci
        done
        # --dirname= / --set-version= long forms, separate and joined.
        args -C "$SCR/empty.d" "--dirname=$T" "--set-version=$KVER" --show-depends 8021q
        args -C "$SCR/empty.d" --dirname "$T" --set-version "$KVER" --resolve-alias fs-vfat
        # A relative -d (kmod prints absolute paths), with ./ and a trailing /.
        args "cd:$TREES" -C "$SCR/empty.d" -d "$s" -S "$KVER" --show-depends 8021q
        args "cd:$TREES" -C "$SCR/empty.d" -d "./$s/" -S "$KVER" --show-depends fs-vfat
        args "cd:$TREES" -C "$SCR/empty.d" -d "$s" -S "$KVER" --show-depends no_such_module
        args "cd:$T/lib" -C "$SCR/empty.d" -d .. -S "$KVER" -R vfat
        args -C "$SCR/empty.d" -d "$T/" -S "$KVER" --show-depends vfat
        args -C "$SCR/empty.d" -d "$T//lib/.." -S "$KVER" --show-depends vfat
    } >"$R.a.callers"
    both "$R.a.callers" "$R.t.callers"
    check "$s MODPROBE_OPTIONS, initramfs-tools and mkinitcpio command lines ($(wc -l <"$R.a.callers") calls)" \
        same_transcript "$R.t.callers"

    # The running kernel's modules judged against a tree that is not its own:
    # /sys/module/NAME without initstate is built in only when the tree's
    # modules.builtin says so; otherwise kmod inserts it (and tries to remove
    # it). Only where this host cannot load modules (no /proc/modules): the
    # calls really insert and remove.
    if [ -e /proc/modules ]; then
        echo "NOTE: $s: this host loads modules: running-kernel checks not run here (they run in QEMU)"
    else
        local m n=0
        for m in $(ls /sys/module); do
            [ -e "/sys/module/$m/initstate" ] && continue
            grep -q "/$m\.ko" "$T/lib/modules/$KVER/modules.dep" || grep -q "/$m\.ko" "$T/lib/modules/$KVER/modules.builtin" || continue
            for a in "--first-time -v" "-v" "-r -v" "-r --first-time" "-r -q" "--show-depends"; do
                # shellcheck disable=SC2086
                args -C "$SCR/empty.d" "${D[@]}" $a "$m"
            done
            n=$((n + 1))
            [ "$n" -lt 12 ] || break
        done >"$R.a.running"
        if [ "$n" -gt 0 ]; then
            K34='' both "$R.a.running" "$R.t.running" # the host's kernel only
            check "$s the running kernel's modules against another tree ($n modules, $(wc -l <"$R.a.running") calls)" \
                same_transcript "$R.t.running"
        else
            echo "NOTE: $s: no module of this host's /sys/module is in the tree: running-kernel checks not run here"
        fi
    fi

    # kmod 34.2's additions and the index defect of issue 14, on small trees made from this
    # one (the 6.1 tree: its plain .ko files can be edited).
    [ "$s" != 6.1 ] || test_small_trees "$M"
    rm -rf "$T"
}

# differ_pair PREFIX ID: kmod 30's transcript differs from ours, a deliberate difference listed
# in docs/compatibility.md as ID.
differ_pair() {
    grep -q "\`$2\`" "$ROOT/docs/compatibility.md" || { echo "$2 is not in docs/compatibility.md"; return 1; }
    if cmp -s "$1.k" "$1.o"; then
        echo "kmod 30 answers as ours: $2 is no difference here"
        return 1
    fi
}

# small_tree DIR MDIR: DIR/lib/modules/$KVER with a few modules of MDIR copied (not linked: some
# are edited) and its modules.order, modules.builtin and modules.builtin.modinfo.
SMALL_MODS=(kernel/fs/fat/fat.ko kernel/fs/fat/vfat.ko kernel/drivers/net/dummy.ko kernel/net/802/psnap.ko
    kernel/net/llc/llc.ko kernel/fs/ext4/ext4.ko kernel/fs/jbd2/jbd2.ko kernel/fs/mbcache.ko
    kernel/lib/crc16.ko kernel/crypto/crc32c_generic.ko kernel/fs/nls/nls_cp437.ko kernel/fs/nls/nls_utf8.ko)
small_tree() {
    local d=$1/lib/modules/$KVER m
    rm -rf "$1"
    for m in "${SMALL_MODS[@]}"; do
        mkdir -p "$d/$(dirname "$m")"
        cp "$2/$m" "$d/$m"
    done
    cp "$2/modules.order" "$2/modules.builtin" "$2/modules.builtin.modinfo" "$d/"
}

# weaken FILE OLD NEW: the .modinfo string OLD of module FILE replaced by NEW (NUL-separated
# strings, padded with NULs to OLD's length): a module with `weakdep=` keys, which no module of
# Debian's trees has yet.
weaken() {
    perl -0777 -i -pe 'BEGIN { ($o, $n) = splice(@ARGV, 1, 2); $n =~ s/\\0/\0/g;
        die "too long" if length($n) > length($o); $n .= "\0" x (length($o) - length($n)) }
        s/\Q$o\E/$n/ or die "no $o"' "$1" "$2" "$3"
}

test_small_trees() {
    local M=$1 X=$SCR/small E q f how bi ba
    log "6.1: empty and missing indexes, weak dependencies, module files (small trees)"
    small_tree "$X/base" "$M"
    "$KDEPMOD" -b "$X/base" "$KVER" || die "kmod's depmod -b $X/base failed"
    bi=$(sed -n '1s|.*/||; 1s|\.ko.*||p' "$M/modules.builtin")
    ba=$(tr '\0' '\n' <"$M/modules.builtin.modinfo" | sed -n 's/^[^.]*\.alias=\([^*?[]*\)$/\1/p' | head -n 1)

    # Each .bin index empty (0 bytes), then missing: kmod answers from the others.
    : >"$X/a.empty"
    for f in modules.dep.bin modules.alias.bin modules.symbols.bin modules.builtin.bin modules.builtin.alias.bin; do
        for how in empty missing; do
            E=$X/$how-$f
            cp -a "$X/base" "$E"
            if [ "$how" = empty ]; then : >"$E/lib/modules/$KVER/$f"; else rm "$E/lib/modules/$KVER/$f"; fi
            for q in vfat fs-vfat symbol:fat_build_inode "$bi" "$ba" no_such_module; do
                args -C "$SCR/empty.d" -d "$E" -S "$KVER" --show-depends "$q"
            done
            args -C "$SCR/empty.d" -d "$E" -S "$KVER" -R fs-vfat
            args -C "$SCR/empty.d" -d "$E" -S "$KVER" -n -v fs-vfat
            args -C "$SCR/empty.d" -d "$E" -S "$KVER" -R "$ba"
        done
    done >>"$X/a.empty"
    both "$X/a.empty" "$X/t.empty"
    check "6.1 each .bin index empty or missing ($(wc -l <"$X/a.empty") calls)" same_transcript "$X/t.empty"

    [ -n "$K34" ] || { echo "NOTE: no kmod 34.2 (MODUTILS_NO_K34=1): weak dependencies and module files not checked"; return 0; }

    # Weak dependencies: ext4 with weakdep=dummy and weakdep=vfat, jbd2 with
    # weakdep=fs-nls_cp437 (in place of their softdep strings), indexed by kmod 34.2's depmod
    # (modules.weakdep); weakdep lines in the configuration, good and bad.
    small_tree "$X/w" "$M"
    weaken "$X/w/lib/modules/$KVER/kernel/fs/ext4/ext4.ko" "softdep=pre: crypto-crc32c" 'weakdep=dummy\0weakdep=vfat'
    weaken "$X/w/lib/modules/$KVER/kernel/fs/jbd2/jbd2.ko" "softdep=pre: crypto-crc32c" 'weakdep=fs-nls_cp437'
    chroot "$TRIXIE" depmod -b "$X/w" "$KVER" || die "kmod 34.2's depmod -b $X/w failed"
    [ -s "$X/w/lib/modules/$KVER/modules.weakdep" ] || die "kmod 34.2's depmod wrote no modules.weakdep"
    mkdir -p "$X/wconf"
    printf 'weakdep vfat nls_utf8 nls-cp437\nweakdep dummy   crc16\nweakdep vfat psnap\nsoftdep vfat pre: llc\nweakdep\nweakdep lonely\n' >"$X/wconf/w.conf"
    printf 'weakdep nls-x a-b c_d\n' >"$X/wconf/modules.conf"
    printf 'weakdep aa y\n' >"$X/wconf/a.conf"
    printf 'weakdep zzz y\n' >"$X/wconf/z.conf"
    local WD=(-d "$X/w" -S "$KVER")
    {
        for q in ext4 jbd2 vfat fs-vfat dummy; do
            args -C "$SCR/empty.d" "${WD[@]}" --show-depends "$q"
            args -C "$SCR/empty.d" "${WD[@]}" -n -v "$q"
            args -C "$SCR/empty.d" "${WD[@]}" -r -n -v "$q"
            args -C "$SCR/empty.d" "${WD[@]}" -R "$q"
        done
        args -C "$SCR/empty.d" "${WD[@]}" -a --show-depends ext4 jbd2
    } >"$X/a.weak"
    {
        args -C "$SCR/empty.d" "${WD[@]}" -c
        args -C "$X/wconf" "${WD[@]}" -c
        args -C "$X/wconf/w.conf" "${WD[@]}" -c
        for q in vfat fs-vfat dummy ext4; do
            args -C "$X/wconf" "${WD[@]}" --show-depends "$q"
            args -C "$X/wconf" "${WD[@]}" -n -v -i "$q"
            args -C "$X/wconf" "${WD[@]}" -r -n -v "$q"
        done
    } >"$X/a.weak34"
    both "$X/a.weak" "$X/t.weak"
    both "$X/a.weak34" "$X/t.weak34"
    check "6.1 weak dependencies: loading, removal, --show-depends, -R ignore them ($(wc -l <"$X/a.weak") calls)" \
        same_transcript "$X/t.weak"
    check "6.1 weak dependencies: modules.weakdep and weakdep lines, -c [kmod 34.2] ($(wc -l <"$X/a.weak34") calls)" \
        same_pair "$X/t.weak34" k34 o34 "kmod 34.2"
    check "6.1 weak dependencies: -c [kmod 30: weakdep]" differ_pair "$X/t.weak34" weakdep

    # Module files (`modprobe ./x.ko`, `/abs/x.ko`), relative to $X; a configuration for the
    # file's module name.
    cp "$X/base/lib/modules/$KVER/kernel/fs/fat/vfat.ko" "$X/vfat-copy.ko"
    cp "$X/vfat-copy.ko" "$X/a.b-c.ko"
    xz -c "$X/vfat-copy.ko" >"$X/vfat.ko.xz"
    printf 'not a module\n' >"$X/notmod.ko"
    printf 'x' >"$X/notmod.txt"
    printf 'x' >"$X/.ko"
    mkdir -p "$X/adir.ko" "$X/fconf"
    printf 'options vfat utf8=1\noptions fat fatopt=2\nsoftdep vfat pre: dummy post: psnap\nblacklist vfat\nalias vfat_copy dummy\ninstall vfat_copy echo hello\n' >"$X/fconf/a.conf"
    local MV=base/lib/modules/$KVER/kernel/fs/fat/vfat.ko c
    {
        for c in "$SCR/empty.d" "$X/fconf"; do
            for q in "--show-depends ./$MV" "--show-depends $X/$MV" "-n -v ./$MV" "-n -v $X/$MV" \
                "--show-depends ./vfat-copy.ko" "-n -v ./vfat-copy.ko" "-n -v ./vfat.ko.xz" \
                "-n -v ./vfat.ko.xz x=1 y=2" "-n -v -b ./vfat.ko.xz" "-n -v -i ./vfat.ko.xz" \
                "-n -v ./nosuch.ko" "-n -v $X/nosuch.ko" "-n -v ./notmod.ko" "-n -v ./notmod.txt" \
                "-n -v ./adir.ko" "-n -v ./adir.ko/../vfat-copy.ko" "-n -v .//vfat-copy.ko" "-n -v ./" \
                "-n -v /" "-n -v ./.ko" "-n -v -a ./vfat-copy.ko dummy" "-n -v -a ./nosuch.ko dummy" \
                "-a -R ./nosuch.ko dummy" "-R ./vfat-copy.ko" "-R ./a.b-c.ko" "-R ./vfat.ko.xz" \
                "-n -v --first-time ./vfat-copy.ko" "-q -n ./nosuch.ko" "-D ./nosuch.ko" \
                "--show-depends ./base/lib/modules/$KVER/kernel/net/802/psnap.ko"; do
                # shellcheck disable=SC2086 # the words split on purpose
                args "cd:$X" -C "$c" -d "$X/base" -S "$KVER" $q
            done
        done
    } >"$X/a.files"
    {
        args "cd:$X" -C "$SCR/empty.d" -d "$X/base" -S "$KVER" -n -v vfat.ko
        args "cd:$X" -C "$SCR/empty.d" -d "$X/base" -S "$KVER" --show-depends ../small/vfat-copy.ko
        args "cd:$X" -C "$SCR/empty.d" -d "$X/base" -S "$KVER" -r -n -v ./vfat-copy.ko
    } >"$X/a.names"
    both "$X/a.files" "$X/t.files"
    both "$X/a.names" "$X/t.names"
    check "6.1 module files: modprobe ./x.ko, /abs/x.ko [kmod 34.2] ($(wc -l <"$X/a.files") calls)" \
        same_pair "$X/t.files" k34 o34 "kmod 34.2"
    check "6.1 module files [kmod 30: modprobe-path]" differ_pair "$X/t.files" modprobe-path
    check "6.1 module files: names that are not files (x.ko, ../x.ko, -r)" same_transcript "$X/t.names"
}

# split_transcript ALL ARGPREFIX CAT...: ALL.k/.o (the calls of ARGPREFIX.CAT
# files, in that order) cut into PREFIX.CAT.k/.o, PREFIX = ALL without .all.
split_transcript() {
    local all=$1 ap=$2 pfx=${1%.all} who c counts=
    shift 2
    for c in "$@"; do counts="$counts $(wc -l <"$ap.$c")"; done
    for who in k o k34 o34; do
        [ -e "$all.$who" ] || continue
        awk -v counts="$counts" -v cats="$*" -v pfx="$pfx" -v who="$who" '
            BEGIN { n = split(counts, cnt, " "); split(cats, cat, " "); ci = 1; left = cnt[1] + 0 }
            /^== / { while (left == 0 && ci < n) { ci++; left = cnt[ci] + 0 } left-- }
            { print > (pfx "." cat[ci] "." who) }' "$all.$who"
    done
}

# ------------------------------------------------------------------- main
each_tree test_tree
summary
