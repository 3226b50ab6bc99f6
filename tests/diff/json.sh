#!/usr/bin/env bash
# `--json` and `modprobe --explain` (issue 17, parts 1 and 2; docs/json.md, docs/explain.md)
# checked against Debian's kmod 30 text output (this host) and the configuration the test
# wrote, on Debian's real module trees (6.1 plain .ko, 6.12 .ko.xz) indexed by kmod's depmod.
# Each JSON document is parsed with python3 and compared field by field with what kmod prints
# for the same question; nothing is compared with our own text output. Per tree:
#   - modinfo --json of every module of modules.order (by name, one process), of every
#     built-in module, of aliases and unknown names among them: the fields, parameters and
#     header rebuilt from the JSON are kmod's text byte for byte; stderr and exit status are
#     kmod's; -F FIELD --json (author, parm, filename, alias) against kmod's -F;
#   - modprobe --show-depends --json -a over every 7th module, with a configuration: each
#     step's `line` is kmod's line, and its kind/path/options agree with that line;
#   - modprobe -c --json with that configuration and a made-up kernel command line: the entries
#     and the index dump printed in -c's order and format are kmod's -c output byte for byte;
#     each entry's `from` names the file and line the test wrote it at (or the kernel command
#     line, whose text holds it);
#   - modprobe --explain --json of names touching each directive, with a made-up /sys/module
#     (a dependency loaded) and /proc/cmdline: the plan's `show_depends` lines are kmod's
#     --show-depends lines; the steps it says would run (`load`, `run-install`) are the lines
#     kmod's `-n -v` prints (kmod skips the loaded ones the same way); the resolution's
#     targets are kmod's -R; alias, option, blacklist, softdep, weakdep and install lines
#     point at the lines written; command-line and kernel command-line options are named so;
#     an unknown name exits and complains as kmod's --show-depends does; -r --explain as
#     kmod's `-r -n -v`;
#   - the text of --explain says the same (a sample of its lines checked against the files);
#   - lsmod --json and kmod list --json on a made-up /proc/modules and /sys/module, against
#     kmod's lsmod text;
#   - the options through getopt: `--js`, `--ex`, after the operands; kmod's abbreviations
#     unchanged (`--show` is still --show, `--s` still ambiguous).
#
# Prints `PASS <name>` / `FAIL <name>` per check and `N passed, N failed`; exits 1 if any check
# failed, 2 if the setup failed.
#
# Usage: tests/diff/json.sh [6.1|6.12|all]      (default: all)
# Environment: MODPROBE, MODINFO, LSMOD, KMOD_BIN: our tools (default: cargo build --release);
# KEEP_SCRATCH=1 keeps the scratch dir.
set -euo pipefail

# shellcheck source=tests/diff/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
CHECK_LINES=60
series_from "${1:-all}"
ensure_packages
ns_ready
command -v python3 >/dev/null || die "python3 not found"
KMOD=$(command -v kmod) || die "kmod not found"
OMODPROBE=$(our_tool MODPROBE "$RELEASE_DIR/modprobe" cargo_release modprobe)
OMODINFO=$(our_tool MODINFO "$RELEASE_DIR/modinfo" cargo_release modinfo)
OLSMOD=$(our_tool LSMOD "$RELEASE_DIR/lsmod" cargo_release lsmod)
OKMOD=$(our_tool KMOD_BIN "$RELEASE_DIR/kmod" cargo_release kmod)
make_scratch json-diff
DIFF_TOOL=json TREES= K34=
tool_links "$SCR/kbin" "$KMOD" modprobe modinfo lsmod depmod
K=$SCR/kbin
PY=$SCR/check.py

# The checks' python: each subcommand reads our JSON and kmod's text (files), prints what
# differs, exits 1 if anything does.
cat >"$PY" <<'EOF'
import json, re, sys

def load(p):
    with open(p, 'rb') as f:
        doc = json.loads(f.read().decode('utf-8'))
    assert doc['version'] == 1, doc.get('version')
    return doc

def text(p):
    with open(p, 'rb') as f:
        return f.read()

def pad(key, value):
    k = key.encode('utf-8', 'surrogateescape') if isinstance(key, str) else key
    return k + b':' + b' ' * abs(15 - len(k)) + value + b'\n'

def raw(obj, name):
    import base64
    if obj.get(name + '_base64') is not None:
        return base64.b64decode(obj[name + '_base64'])
    v = obj[name]
    return None if v is None else v.encode('utf-8')

def diff(ours, theirs, what):
    if ours == theirs:
        return 0
    a, b = ours.split(b'\n'), theirs.split(b'\n')
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            print(f'{what}: line {i + 1}: ours {x!r}, kmod {y!r}')
            return 1
    print(f'{what}: {len(a)} lines from the JSON, {len(b)} from kmod')
    return 1

def modinfo(doc, kout):
    # kmod's text rebuilt from the JSON (lib.rs's format: header, fields, parameters).
    out = b''
    for m in load(doc)['modules']:
        fn = raw(m, 'filename')
        if fn is None:
            out += pad('name', m['name'].encode())
            fn = b'(builtin)'
        out += pad('filename', fn)
        for f in m['fields']:
            out += pad(raw(f, 'key'), raw(f, 'value'))
        for p in m['parameters']:
            d, t = raw(p, 'description'), raw(p, 'type')
            line = raw(p, 'name') + b':'
            if d is not None and t is not None:
                line += d + b' (' + t + b')'
            elif d is not None or t is not None:
                line += d if d is not None else t
            out += pad('parm', line)
    n = len(load(doc)['modules'])
    print(f'NOTE {n} modules')
    return diff(out, text(kout), 'modinfo')

def modinfo_field(doc, kout, field):
    out = b''
    for m in load(doc)['modules']:
        if field == 'filename':
            out += (raw(m, 'filename') or b'(builtin)') + b'\n'
            continue
        if field == 'parm':
            for p in m['parameters']:
                d, t = raw(p, 'description'), raw(p, 'type')
                out += raw(p, 'name') + b':' + (d or b'') + (b' (' + t + b')' if t is not None else b'') + b'\n'
            continue
        for f in m['fields']:
            assert raw(f, 'key') == field.encode(), f
            out += raw(f, 'value') + b'\n'
    return diff(out, text(kout), f'modinfo -F {field}')

def show_depends(doc, kout):
    d = load(doc)
    assert d['command'] == 'show-depends'
    bad = 0
    out = b''
    for s in d['steps']:
        line = s['line']
        out += line.encode() + b'\n'
        want = {'insmod': f"insmod {s.get('path')} {s.get('options')}",
                'install': f"install {s.get('command')} {s.get('options')}",
                'builtin': f"builtin {s['module']}"}[s['kind']]
        if want != line:
            print(f'step fields {want!r} do not make its line {line!r}')
            bad = 1
    print(f"NOTE {len(d['steps'])} steps")
    return bad | diff(out, text(kout), 'show-depends')

def origin_ok(entry, kind, words, cmdline):
    # entry['from'] names the file and line (or the kernel command line) holding it.
    frm = entry['from']
    if frm['kind'] == 'kernel-cmdline':
        # The kernel's quoting (`"m.p=a b"` is option p="a b") aside.
        if not any(w.replace('"', '') in cmdline.replace('"', '') for w in words):
            print(f'{kind} {words}: said to be on the kernel command line {cmdline!r}')
            return 1
        return 0
    if frm['kind'] != 'file':
        print(f'{kind} {words}: from {frm}')
        return 1
    with open(frm['file'], encoding='utf-8', errors='replace') as f:
        lines = f.read().split('\n')
    line = lines[frm['line'] - 1] if 0 < frm['line'] <= len(lines) else ''
    toks = line.replace('-', '_').split()
    if not toks or toks[0] != kind or not all(w.replace('-', '_') in line.replace('-', '_') for w in words):
        print(f"{kind} {words}: {frm['file']}:{frm['line']} is {line!r}")
        return 1
    return 0

def show_config(doc, kout, cmdline_file):
    d = load(doc)
    cmdline = open(cmdline_file).read()
    out = []
    bad = 0
    for e in d['blacklist']:
        out.append(f"blacklist {e['module']}")
        bad |= origin_ok(e, 'blacklist', [e['module']], cmdline)
    for kind in ('install', 'remove'):
        for e in d[kind]:
            out.append(f"{kind} {e['module']} {e['command']}")
            bad |= origin_ok(e, kind, [e['module'], e['command'].strip()], cmdline)
    for e in d['aliases']:
        out.append(f"alias {e['pattern']} {e['module']}")
        bad |= origin_ok(e, 'alias', [e['pattern'], e['module']], cmdline)
    for e in d['options']:
        out.append(f"options {e['module']} {e['options']}")
        bad |= origin_ok(e, 'options', [e['options'].strip()], cmdline)
    for e in d['softdeps']:
        out.append(e['line'])
        bad |= origin_ok(e, 'softdep', [e['module']] + e['pre'] + e['post'], cmdline)
    for e in d['weakdeps']:
        out.append(f"weakdep {e['module']} {' '.join(e['deps'])}")
    out.append('')
    out.append('# End of configuration files. Dumping indexes now:')
    out.append('')
    for e in d['index']['aliases'] + d['index']['symbols']:
        out.append(f"alias {e['pattern']} {e['module']}")
    ours = ('\n'.join(out) + '\n').encode()
    kinds = {k: len(d[k]) for k in ('blacklist', 'install', 'remove', 'aliases', 'options', 'softdeps')}
    print(f'NOTE entries {kinds}, {len(d["index"]["aliases"])} index aliases')
    return bad | diff(ours, text(kout), 'modprobe -c')

def explain(doc, kdir, cmdline_file, names):
    # kdir holds kmod's answers per name: N.D (--show-depends), N.nv (-n -v), N.R (-R).
    d = load(doc)['explain']
    cmdline = open(cmdline_file).read()
    bad = 0
    counts = [0, 0]
    assert [n['name'] for n in d['names']] == names, [n['name'] for n in d['names']]
    for i, n in enumerate(d['names']):
        base = f'{kdir}/{i}'
        shown, run = [], []
        for t in n['targets']:
            for p in t['plan']:
                if p['show_depends'] is not None:
                    shown.append(p['show_depends'])
                if p['action'] in ('load', 'run-install'):
                    run.append(p['show_depends'])
                for o in p['option_sources']:
                    if o['from']['kind'] == 'command-line':
                        if o['text'] != n['params']:
                            print(f"{n['name']}: command-line option {o['text']!r}, given {n['params']!r}")
                            bad = 1
                    else:
                        bad |= origin_ok(o, 'options', [o['text'].split(' ', 2)[-1].split('.', 1)[-1]], cmdline)
                for k in ('install', 'softdep', 'weakdep'):
                    if p[k] is not None:
                        bad |= origin_ok(p[k], k, p[k]['text'].split()[1:2], cmdline)
            if t['blacklisted'] is not None:
                b = t['blacklisted']
                bad |= origin_ok(b, 'blacklist', [t['module']], cmdline)
        r = n['resolution'] or {'targets': [], 'alias_lines': []}
        for a in r['alias_lines']:
            bad |= origin_ok(a, 'alias', a['text'].split()[1:], cmdline)
        bad |= diff(''.join(s + '\n' for s in shown).encode(), text(base + '.D'), f"{n['name']}: --show-depends")
        bad |= diff(''.join(s + '\n' for s in run).encode(), text(base + '.nv'), f"{n['name']}: -n -v")
        resolved = ''.join(t['module'] + '\n' for t in r['targets']).encode()
        bad |= diff(resolved, text(base + '.R'), f"{n['name']}: -R")
        counts[0] += len(shown)
        counts[1] += len(run)
    print(f'NOTE {counts[0]} --show-depends lines, {counts[1]} -n -v lines compared')
    return bad

def explain_remove(doc, kdir, names):
    d = load(doc)['explain']
    bad = 0
    for i, n in enumerate(d['names']):
        lines = []
        for t in n['targets']:
            r = t['removal']
            if r['action'] == 'remove':
                lines.append(f"rmmod {t['module']}")
            elif r['action'] == 'run-remove':
                lines.append(f"remove {r['command']['text'].split(' ', 2)[2]}")
            for s in r['then']:
                if s['action'] == 'remove':
                    lines.append(f"rmmod {s['module']}")
                elif s['action'] == 'run-remove':
                    lines.append(f"remove {s['command']['text'].split(' ', 2)[2]}")
        bad |= diff(''.join(l + '\n' for l in lines).encode(), text(f'{kdir}/{i}.rnv'), f"{n['name']}: -r -n -v")
    return bad

def lsmod(doc, kout):
    out = b'Module                  Size  Used by\n'
    for m in load(doc)['modules']:
        line = f"{m['name']:<19} {m['size']:>8}  {m['used']}"
        if m['used_by']:
            line += ' ' + ','.join(m['used_by'])
        out += line.encode() + b'\n'
    return diff(out, text(kout), 'lsmod')

cmd = sys.argv[1]
sys.exit({'modinfo': lambda a: modinfo(*a), 'modinfo-field': lambda a: modinfo_field(*a),
          'show-depends': lambda a: show_depends(*a), 'show-config': lambda a: show_config(*a),
          'explain': lambda a: explain(a[0], a[1], a[2], a[3:]),
          'explain-remove': lambda a: explain_remove(a[0], a[1], a[2:]),
          'lsmod': lambda a: lsmod(*a)}[cmd](sys.argv[2:]))
EOF

# same_status NAME: $SCR/NAME.{k,o}.{rc,err} agree (exit status and stderr, ours named as kmod).
same_status() {
    local n=$SCR/$1
    if [ "$(cat "$n.k.rc")" != "$(cat "$n.o.rc")" ]; then
        echo "exit status: kmod $(cat "$n.k.rc"), ours $(cat "$n.o.rc")"
        return 1
    fi
    # Our HINT: and skip lines (ADDED_LINES, tests/lib/lib.sh) are tests/diff/hints.sh's.
    diff <(sed "s|^[^:]*/modprobe:|modprobe:|; s|^[^:]*/modinfo:|modinfo:|" "$n.k.err") \
        <(sed "s|^[^:]*/modprobe:|modprobe:|; s|^[^:]*/modinfo:|modinfo:|" "$n.o.err" |
            grep -a -v -E "$ADDED_LINES")
}

# run NAME WHO CMD...: CMD's stdout, stderr and exit status in $SCR/NAME.WHO.{out,err,rc}.
run() {
    local n=$SCR/$1.$2
    shift 2
    set +e
    "$@" >"$n.out" 2>"$n.err"
    echo $? >"$n.rc"
    set -e
}

modinfo_all() {
    local names
    mapfile -t names < <(sed -E 's|.*/||; s/\.ko(\..*)?$//' "$M/modules.order")
    run mi k "$K/modinfo" -b "$T" -k "$KVER" "${names[@]}"
    run mi o "$OMODINFO" --json -b "$T" -k "$KVER" "${names[@]}"
    same_status mi && python3 "$PY" modinfo "$SCR/mi.o.out" "$SCR/mi.k.out"
}

modinfo_builtin_aliases_unknown() {
    local names
    mapfile -t names < <(sed -E 's|.*/||; s/\.ko$//' "$M/modules.builtin" | head -200)
    names+=(fs-vfat char-major-10-237 no-such-module "symbol:fat_attach" pci:v00008086d00001533sv00000000sd00000000bc02sc00i00 another_unknown crc32c)
    run mb k "$K/modinfo" -b "$T" -k "$KVER" "${names[@]}"
    run mb o "$OMODINFO" -b "$T" -k "$KVER" "${names[@]}" --json
    [ "$(cat "$SCR/mb.k.rc")" = 1 ] || { echo "kmod's exit status $(cat "$SCR/mb.k.rc"), expected 1"; return 1; }
    same_status mb && python3 "$PY" modinfo "$SCR/mb.o.out" "$SCR/mb.k.out"
}

modinfo_fields() {
    local names f
    mapfile -t names < <(sed -E 's|.*/||; s/\.ko(\..*)?$//' "$M/modules.order" | awk 'NR % 5 == 1')
    for f in author parm filename alias; do
        run mf k "$K/modinfo" -b "$T" -k "$KVER" -F "$f" "${names[@]}"
        run mf o "$OMODINFO" -b "$T" -k "$KVER" --field="$f" --js "${names[@]}"
        same_status mf && python3 "$PY" modinfo-field "$SCR/mf.o.out" "$SCR/mf.k.out" "$f" || return 1
    done
    echo "NOTE ${#names[@]} modules, 4 fields"
}

# The configuration of the modprobe checks: every directive, at known lines, in two files.
write_config() {
    C=$SCR/conf.d
    mkdir -p "$C"
    cat >"$C/10-a.conf" <<'CONF'
# aliases and options
alias myfs vfat
alias my-snd* snd-hda-intel
options vfat utf8=1
options myfs shortname=mixed
options snd-hda-intel power_save=1   index=0
softdep vfat pre: crc7 post: psnap
blacklist dummy
alias dum* dummy
CONF
    cat >"$C/20-b.conf" <<'CONF'
install loop /bin/true $CMDLINE_OPTS
remove loop /bin/true removing
softdep isofs post: crc16
options fat codepage=850

blacklist nbd
alias blk-nbd nbd
options ext4 errors=remount-ro
CONF
    printf '%s\n' 'BOOT_IMAGE=/vmlinuz ro quiet vfat.cmdopt=3 modprobe.blacklist=psnap,other loop.max_loop=4 "ext4.q=a b"' >"$SCR/cmdline"
    # The running kernel as the tests pretend it is: fat loaded, llc loaded and used by one.
    S=$SCR/sys
    mkdir -p "$S/fat/holders" "$S/llc/holders/psnap" "$S/psnap/holders" "$S/loop"
    echo live >"$S/fat/initstate"
    echo 0 >"$S/fat/refcnt"
    echo live >"$S/llc/initstate"
    echo 1 >"$S/llc/refcnt"
    echo live >"$S/psnap/initstate"
    echo 0 >"$S/psnap/refcnt"
}

# ns CMD...: CMD with the made-up /sys/module and /proc/cmdline.
ns() {
    in_ns --bind "$S" /sys/module --bind "$SCR/cmdline" /proc/cmdline -- "$@"
}

show_depends_json() {
    local names
    mapfile -t names < <(sed -E 's|.*/||; s/\.ko(\..*)?$//' "$M/modules.order" | awk 'NR % 7 == 3')
    names+=(myfs vfat loop ext4 isofs unix my-snd-x blk-nbd)
    run sd k ns "$K/modprobe" -d "$T" -S "$KVER" -C "$C" -a -D "${names[@]}"
    run sd o ns "$OMODPROBE" -d "$T" -S "$KVER" -C "$C" -a "${names[@]}" --show-depends --json
    same_status sd && python3 "$PY" show-depends "$SCR/sd.o.out" "$SCR/sd.k.out"
}

show_config_json() {
    run sc k ns "$K/modprobe" -d "$T" -S "$KVER" -C "$C" -c
    run sc o ns "$OMODPROBE" -d "$T" -S "$KVER" -C "$C" -c --json
    same_status sc && python3 "$PY" show-config "$SCR/sc.o.out" "$SCR/sc.k.out" "$SCR/cmdline"
}

EXPLAIN_NAMES=(myfs vfat dum loop ext4 isofs unix my-snd-hda blk-nbd nbd fs-vfat psnap "symbol:fat_attach")

explain_json() {
    local kd=$SCR/explain.k i=0 n
    rm -rf "$kd"
    mkdir -p "$kd"
    for n in "${EXPLAIN_NAMES[@]}"; do
        ns "$K/modprobe" -d "$T" -S "$KVER" -C "$C" -D "$n" opt=1 >"$kd/$i.D" 2>/dev/null || true
        ns "$K/modprobe" -d "$T" -S "$KVER" -C "$C" -n -v "$n" opt=1 >"$kd/$i.nv" 2>/dev/null || true
        ns "$K/modprobe" -d "$T" -S "$KVER" -C "$C" -R "$n" >"$kd/$i.R" 2>/dev/null || true
        # One name at a time (its command-line options are opt=1), into one list.
        ns "$OMODPROBE" -d "$T" -S "$KVER" -C "$C" --explain --json "$n" opt=1 >"$kd/$i.json"
        i=$((i + 1))
    done
    # The names' documents joined into one, as `-a` would make it (without options).
    python3 - "$kd" "${#EXPLAIN_NAMES[@]}" >"$SCR/ex.json" <<'PYJ'
import json, sys
docs = [json.load(open(f'{sys.argv[1]}/{i}.json')) for i in range(int(sys.argv[2]))]
doc = docs[0]
doc['explain']['names'] = [d['explain']['names'][0] for d in docs]
print(json.dumps(doc))
PYJ
    python3 "$PY" explain "$SCR/ex.json" "$kd" "$SCR/cmdline" "${EXPLAIN_NAMES[@]}" || return 1
    # -a: several names in one process, the same plans.
    ns "$OMODPROBE" -d "$T" -S "$KVER" -C "$C" --explain -a --json "${EXPLAIN_NAMES[@]}" >"$SCR/exa.json"
    python3 - "$SCR/exa.json" "$SCR/ex.json" <<'PYJ'
import json, sys
a = json.load(open(sys.argv[1]))['explain']['names']
b = json.load(open(sys.argv[2]))['explain']['names']
for x, y in zip(a, b):
    px = [p['show_depends'] for t in x['targets'] for p in t['plan']]
    py = [p['show_depends'] for t in y['targets'] for p in t['plan']]
    if [s and s.replace(' opt=1', ' ').rstrip() for s in py] != [s and s.rstrip() for s in px]:
        print(x['name'], px, py)
        sys.exit(1)
assert len(a) == len(b)
PYJ
    echo "NOTE ${#EXPLAIN_NAMES[@]} names"
}

explain_unknown() {
    run eu k ns "$K/modprobe" -d "$T" -S "$KVER" -C "$C" -D no-such-module
    run eu o ns "$OMODPROBE" -d "$T" -S "$KVER" -C "$C" --explain no-such-module
    same_status eu || return 1
    run eu o ns "$OMODPROBE" -d "$T" -S "$KVER" -C "$C" --json --explain no-such-module
    same_status eu || return 1
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); n=d["explain"]["names"][0]; assert n["targets"]==[] and n["error"], n' "$SCR/eu.o.out"
    run eu k ns "$K/modprobe" -d "$T" -S "$KVER" -C "$C" -a -D vfat no-such-module loop
    run eu o ns "$OMODPROBE" -d "$T" -S "$KVER" -C "$C" --explain -a vfat no-such-module loop
    same_status eu
}

explain_remove() {
    local kd=$SCR/explain.r i=0 n names=(vfat psnap loop fat llc unix dummy)
    rm -rf "$kd"
    mkdir -p "$kd"
    for n in "${names[@]}"; do
        ns "$K/modprobe" -d "$T" -S "$KVER" -C "$C" -r -n -v "$n" >"$kd/$i.rnv" 2>/dev/null || true
        i=$((i + 1))
    done
    ns "$OMODPROBE" -d "$T" -S "$KVER" -C "$C" -r --explain --json "${names[@]}" >"$SCR/exr.json" || true
    python3 "$PY" explain-remove "$SCR/exr.json" "$kd" "${names[@]}"
}

# The text of --explain: the lines it cites are in the files, the plan is kmod's.
explain_text() {
    local out=$SCR/ext.txt line file ln want
    ns "$OMODPROBE" -d "$T" -S "$KVER" -C "$C" --explain myfs opt=1 >"$out"
    ns "$K/modprobe" -d "$T" -S "$KVER" -C "$C" -D myfs opt=1 >"$SCR/ext.D"
    diff <(sed -n 's/^ *--show-depends: //p' "$out") <(sed 's/ *$//' "$SCR/ext.D") || return 1
    grep -q '^ *option: vfat.cmdopt=3  (kernel command line, /proc/cmdline)$' "$out" || { echo "no kernel command line option"; cat "$out"; return 1; }
    grep -q "^ *option: opt=1  (modprobe's command line)$" "$out" || { echo "no command-line option"; return 1; }
    grep -q 'already loaded: skipped' "$out" || { echo "fat (loaded) not skipped"; return 1; }
    # Every `(FILE:LINE)` cited: that line of FILE starts with the cited directive.
    while IFS= read -r line; do
        file=${line##*(}
        file=${file%)*}
        ln=${file##*:}
        file=${file%:*}
        want=$(sed 's/^ *\(option: \)\{0,1\}//; s/  (.*//' <<<"$line" | awk '{print $1}')
        [ "$(sed -n "${ln}p" "$file" | awk '{print $1}')" = "$want" ] ||
            { echo "cited $file:$ln for '$line'"; return 1; }
    done < <(grep -E '\(/[^)]*:[0-9]+\)' "$out")
    echo "NOTE $(grep -cE '\(/[^)]*:[0-9]+\)' "$out") file:line citations"
}

test_tree() {
    T=$TREES/tree-$1
    M=$T/lib/modules/$KVER
    tree_copy "$T"
    log "$KVER: kmod's depmod"
    "$K/depmod" -b "$T" "$KVER"
    write_config
    check "$1: modinfo --json of every module = kmod's text" modinfo_all
    check "$1: modinfo --json of built-ins, aliases, unknown names = kmod's" modinfo_builtin_aliases_unknown
    check "$1: modinfo -F FIELD --json = kmod's -F" modinfo_fields
    check "$1: modprobe -a --show-depends --json = kmod's lines" show_depends_json
    check "$1: modprobe -c --json = kmod's -c; each entry's file:line" show_config_json
    check "$1: modprobe --explain --json: plans, skips, resolutions, sources" explain_json
    check "$1: modprobe --explain of an unknown name: kmod's message and exit status" explain_unknown
    check "$1: modprobe -r --explain --json = kmod's -r -n -v" explain_remove
    check "$1: modprobe --explain text: plan and citations" explain_text
    rm -rf "$T"
}

lsmod_json() {
    local P=$SCR/proc L=$SCR/lsys m rc state who
    mkdir -p "$P" "$L"
    cat >"$P/modules" <<'MODS'
mt_user 16384 0 - Live 0x0000000000000000
mt_dep 20480 1 mt_user, Live 0x0000000000000000
snd_timer 49152 1 snd_pcm, Live 0x0000000000000000
snd_pcm 151552 0 - Live 0x0000000000000000 (OE)
snd 126976 2 snd_timer,snd_pcm, Live 0x0000000000000000
a_module_name_longer_than_nineteen 1234567890 0 - Live 0x0000000000000000
loading_one 4096 0 - Loading 0x0000000000000000
MODS
    while read -r m _ rc _ state _; do
        mkdir -p "$L/$m/holders"
        echo "$rc" >"$L/$m/refcnt"
        if [ "$state" = Live ]; then echo live; else echo coming; fi >"$L/$m/initstate"
    done <"$P/modules"
    mkdir "$L/mt_dep/holders/mt_user" "$L/snd_timer/holders/snd_pcm" \
        "$L/snd/holders/snd_timer" "$L/snd/holders/snd_pcm"
    for who in k o; do
        local cmds
        if [ $who = k ]; then cmds=("$K/lsmod" "$K/lsmod"); else cmds=("$OLSMOD --json" "$OKMOD list --js"); fi
        # shellcheck disable=SC2016 # expanded by the inner sh
        in_ns --tmpfs /sys --mkdir /sys/module --bind "$L" /sys/module --tmpfs /proc \
            --copy "$P/modules" /proc/modules -- sh -c '$1 >"$3.1"; $2 >"$3.2"' sh \
            "${cmds[@]}" "$SCR/ls.$who"
    done
    python3 "$PY" lsmod "$SCR/ls.o.1" "$SCR/ls.k.1" &&
        python3 "$PY" lsmod "$SCR/ls.o.2" "$SCR/ls.k.2" &&
        python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); s={m["name"]: m["state"] for m in d["modules"]}; assert s["loading_one"]=="Loading" and s["snd"]=="Live", s' "$SCR/ls.o.1"
}

# getopt: the new options by prefix and anywhere; kmod's abbreviations keep their meaning.
options_check() {
    local bad=0 a b
    for a in --js --jso --json; do
        "$OMODPROBE" -S x -d /nonexistent -c "$a" | python3 -c 'import json,sys; assert json.load(sys.stdin)["command"]=="show-config"' || { echo "modprobe $a"; bad=1; }
    done
    a=$("$OMODPROBE" -d /nonexistent -S x nothing --ex 2>/dev/null || true)
    [ "${a%%$'\n'*}" = nothing ] || { echo "--ex after the operand: $a"; bad=1; }
    # kmod's prefixes: `--show` is --show (dry run), `--s` ambiguous, `--e`/`--j` unknown to kmod.
    for a in --s --sh --show-d; do
        run opt k "$K/modprobe" "$a" -d /nonexistent -S x vfat
        run opt o "$OMODPROBE" "$a" -d /nonexistent -S x vfat
        same_status opt || { echo "$a"; bad=1; }
    done
    "$OLSMOD" --help | grep -q -- '--json' || { echo "lsmod --help"; bad=1; }
    "$OMODINFO" --help | grep -q -- '--json' || { echo "modinfo --help"; bad=1; }
    "$OMODPROBE" --help | grep -q -- '--explain' || { echo "modprobe --help"; bad=1; }
    return $bad
}

for s in "${SERIES[@]}"; do
    prepare_kernel "$s"
    scratch_for_trees
    test_tree "$s"
done
check "lsmod --json and kmod list --json = kmod's lsmod" lsmod_json
check "--json and --explain through getopt; kmod's abbreviations unchanged" options_check

summary
