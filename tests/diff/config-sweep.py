#!/usr/bin/env python3
"""Random modprobe.d configurations, each read by kmod's modprobe and ours (tests/diff/config-sweep.sh).

Usage: config-sweep.py KMOD_MODPROBE OUR_MODPROBE ROOT VERSION SCRATCH CASES SEED

For each case (seeded: case i uses SEED + i, so a failure is reproduced with its seed and
CASES=1), writes one to three files into SCRATCH/cases/SEED/c (and sometimes a second -C
directory) from a grammar of every directive kmod 30 knows plus unknown ones, bad lines,
comments, blank lines, continued lines, tabs, trailing blanks, names spelt with '-' or '_',
alias patterns with '*', '?', '[...]' and escapes, and runs both tools with the same arguments:
  -c; -R NAME, -D NAME and -b -R NAME for a dozen names (real modules of the tree, the
  configured aliases and names, their other spelling, instances of the patterns), and
  -n -v NAME for three of them.
Compares stdout and exit status byte for byte, and stderr after taking off each tool's prefix
(kmod: `libkmod: ERROR ../libkmod/FILE.c:LINE FUNCTION: `, `modprobe: ERROR: ` and the like;
ours: `modprobe: ERROR: `), leaving out our added lines (HINT:, and -v's `skipping NAME: why`).
Prints each mismatch (at most MAX_SHOWN) and a last line `CASES cases, CALLS calls, N mismatches`; exits 1 if any.

Every case also goes through our parsed-configuration cache (common/src/config/modprobe/cache.rs):
ours runs with MODUTILS_MODPROBE_CACHE=SCRATCH/cache (emptied before each case) and
MODUTILS_MODPROBE_CACHE_MIN=0. All cases' files are written first, then a wait past the cache's
100 ms window for recently changed files, so the first call of a case (-c) writes the cache and
every later call reads it. inotify (IN_OPEN on the case's -C directories and on the cache
directory) tells what each of our calls opened: a case counts as a mismatch if its first call
opened no .conf file or left no cache file, or if a later call opened a .conf file, did not open
the cache file, or replaced it.
"""

import ctypes
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import time

MAX_SHOWN = int(os.environ.get("SWEEP_SHOW", "5"))

KMOD, OURS, ROOT, VERSION, SCRATCH = sys.argv[1:6]
CASES = int(sys.argv[6])
SEED = int(sys.argv[7])

# Real modules of Debian's 6.1 tree (some with dependencies, some with softdeps in
# modules.softdep) and made-up names.
REAL = ["ext4", "vfat", "fat", "dummy", "loop", "e1000", "mii", "crc32c_generic", "snd_hda_intel",
        "nf_conntrack", "bridge", "usb_storage", "ip6_tables", "xt_tcpudp"]
MADE_UP = ["foo", "foo_bar", "foo-bar", "a", "b-c", "zz9", "x_y_z", "long_name_module_0123"]
DIRECTIVES = ["alias", "options", "install", "remove", "blacklist", "softdep"]
UNKNOWN = ["include", "weak", "config", "Alias", "OPTIONS", "#alias", "aliases"]


def spell(rng, name):
    """NAME, sometimes with '-' and '_' swapped."""
    if rng.random() < 0.3:
        return name.translate(str.maketrans("-_", "_-"))
    return name


def ws(rng):
    return rng.choice([" ", " ", " ", "  ", "\t", " \t", "\t\t"])


def pattern(rng):
    base = rng.choice(["pci:v0000", "usb:v1234p", "fs-", "net-pf-", "char-major-", "acpi*:",
                       "foo", "of:N*T*C", "x"])
    tail = rng.choice(["*", "?", "[ab]*", "1*2", "", "\\*", "[!x]?", "*d*", "[", "]"])
    return base + tail


def module_name(rng):
    return spell(rng, rng.choice(REAL + MADE_UP))


def words(rng, n):
    return ws(rng).join(module_name(rng) for _ in range(n))


def option_value(rng):
    return rng.choice(["x=1", "y=\"a b\"", "z", "p=1,2", "q=", "=3", "a.b=1", "n=\"unclosed",
                       "v='s'", "w=\\", "k=é"])


def line(rng):
    """One logical line (may contain continuation backslash-newlines)."""
    r = rng.random()
    if r < 0.08:
        return rng.choice(["", "#", "# a comment", "   ", "\t# tab comment", "#alias foo bar"])
    if r < 0.13:
        # Unknown directives and directives without their arguments.
        d = rng.choice(UNKNOWN + DIRECTIVES)
        return d + rng.choice(["", " ", ws(rng) + module_name(rng)])
    d = rng.choice(DIRECTIVES)
    lead = rng.choice(["", "", "", " ", "\t"])
    if d == "alias":
        target = module_name(rng)
        src = pattern(rng) if rng.random() < 0.5 else module_name(rng)
        text = f"alias{ws(rng)}{src}{ws(rng)}{target}"
        if rng.random() < 0.1:
            text += ws(rng) + module_name(rng)  # extra word
    elif d == "options":
        opts = ws(rng).join(option_value(rng) for _ in range(rng.randint(0, 3)))
        text = f"options{ws(rng)}{module_name(rng)}{ws(rng)}{opts}"
    elif d in ("install", "remove"):
        cmd = rng.choice(["/bin/true", "/sbin/modprobe --ignore-install $CMDLINE_OPTS foo",
                          "echo a  b\tc", "/bin/false; exit 1", ""])
        text = f"{d}{ws(rng)}{module_name(rng)}{ws(rng)}{cmd}"
    elif d == "blacklist":
        text = f"blacklist{ws(rng)}{module_name(rng)}"
        if rng.random() < 0.1:
            text += ws(rng) + "extra"
    else:
        parts = []
        for key in rng.sample(["pre:", "post:", "", "pre:"], rng.randint(1, 3)):
            parts.append(key + (ws(rng) if key else "") + words(rng, rng.randint(0, 3)))
        text = f"softdep{ws(rng)}{module_name(rng)}{ws(rng)}" + ws(rng).join(parts)
    text = lead + text + rng.choice(["", "", "", " ", "\t", " #c"])
    if rng.random() < 0.1:
        # A continued line: cut at a blank.
        cut = [i for i, c in enumerate(text) if c in " \t"]
        if cut:
            i = rng.choice(cut)
            text = text[:i] + "\\\n" + rng.choice(["", " ", "\t"]) + text[i + 1:]
    return text


def config_file(rng):
    n = rng.randint(1, 40)
    body = "\n".join(line(rng) for _ in range(n))
    end = rng.choice(["\n", "\n", "\n", "", "\\\n", "\n\n"])
    if body.endswith("\\") and not end:
        # A file ending in a backslash: kmod 30 prints a stray byte for it (0xFF, read past the
        # end), which common/tests/modprobe_config_kmod.rs covers.
        end = "\n"
    return (body + end).encode("utf-8", "surrogateescape")


def queries(rng, text):
    names = set(rng.sample(REAL, 4)) | set(rng.sample(MADE_UP, 2))
    for m in re.finditer(r"(?m)^[ \t]*(?:alias|options|install|remove|blacklist|softdep)[ \t]+(\S+)", text):
        names.add(m.group(1))
    names = list(names)
    rng.shuffle(names)
    picked = names[:8]
    for p in ["pci:v0000abcd", "usb:v1234p5678", "fs-vfat", "net-pf-10", "char-major-10-1", "fooa",
              "of:NfooTbarCbaz", "x?", "x*"]:
        if rng.random() < 0.3:
            picked.append(p)
    return [spell(rng, n) for n in picked]


PREFIXES = [
    re.compile(r"^libkmod: (ERROR|WARNING|NOTICE|INFO|DEBUG) \.\./libkmod/[^ ]+:\d+ [^ ]+: "),
    re.compile(r"^modprobe: (ERROR|WARNING|FATAL|INFO|DEBUG|NOTICE): "),
]


def norm_err(data):
    out = []
    for raw in data.decode("utf-8", "replace").splitlines():
        # Our added lines (ADDED_LINES in tests/lib/lib.sh).
        if raw.startswith("modprobe: HINT: ") or re.match(
                r"^modprobe: skipping \S+: (blacklisted|built into the kernel|already loaded)$", raw):
            continue
        for p in PREFIXES:
            raw = p.sub("", raw)
        out.append(raw)
    return out


CACHE = os.path.join(SCRATCH, "cache")
CACHE_ENV = dict(os.environ, MODUTILS_MODPROBE_CACHE=CACHE, MODUTILS_MODPROBE_CACHE_MIN="0")


def run(tool, args, env=None):
    p = subprocess.run([tool] + args, capture_output=True, timeout=30, env=env)
    return p.returncode, p.stdout, norm_err(p.stderr)


LIBC = ctypes.CDLL(None, use_errno=True)
IN_OPEN = 0x20
IN_ISDIR = 0x40000000


class Opens:
    """The files opened in some directories (inotify IN_OPEN), read after each call."""

    def __init__(self):
        self.fd = LIBC.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if self.fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1")
        self.dirs = {}

    def watch(self, path):
        wd = LIBC.inotify_add_watch(self.fd, os.fsencode(path), IN_OPEN)
        if wd < 0:
            raise OSError(ctypes.get_errno(), f"inotify_add_watch {path}")
        self.dirs[wd] = path

    def take(self):
        """The paths of the files (not directories) opened since the last take."""
        data = b""
        while True:
            try:
                chunk = os.read(self.fd, 65536)
            except BlockingIOError:
                break
            if not chunk:
                break
            data += chunk
        opened = set()
        i = 0
        while i < len(data):
            wd, mask, _cookie, size = struct.unpack_from("iIII", data, i)
            name = data[i + 16:i + 16 + size].rstrip(b"\0").decode("utf-8", "replace")
            i += 16 + size
            if name and not mask & IN_ISDIR and wd in self.dirs:
                opened.add(os.path.join(self.dirs[wd], name))
        return opened

    def close(self):
        os.close(self.fd)


def cache_files():
    """The cache directory's files: {name: inode}."""
    try:
        return {e.name: e.inode() for e in os.scandir(CACHE)}
    except FileNotFoundError:
        return {}


def generate(seed):
    """The case's files (written) and its argument lists."""
    rng = random.Random(seed)
    conf = os.path.join(SCRATCH, "cases", str(seed), "c")
    conf2 = os.path.join(SCRATCH, "cases", str(seed), "c2")
    for d in (conf, conf2):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    texts = []
    for j in range(rng.randint(1, 3)):
        name = rng.choice(["a.conf", "b.conf", "10-x.conf", "zz.conf", "m.conf"])
        data = config_file(rng)
        with open(os.path.join(conf, name), "wb") as f:
            f.write(data)
        texts.append(data.decode("utf-8", "replace"))
    base = ["-C", conf]
    if rng.random() < 0.3:
        data = config_file(rng)
        with open(os.path.join(conf2, rng.choice(["a.conf", "n.conf"])), "wb") as f:
            f.write(data)
        texts.append(data.decode("utf-8", "replace"))
        base += ["-C", conf2]
    base += ["-d", ROOT, "-S", VERSION]
    argsets = [base + ["-c"]]
    for n, q in enumerate(queries(rng, "\n".join(texts))):
        argsets += [base + ["-R", q], base + ["-D", q], base + ["-b", "-R", q]]
        if n < 3:
            # The load path itself, dry: modules loaded here are the host's built-in ones.
            argsets.append(base + ["-n", "-v", q])
    return argsets


shutil.rmtree(os.path.join(SCRATCH, "cases"), ignore_errors=True)
cases = [(SEED + i, generate(SEED + i)) for i in range(CASES)]
# Past the cache's window for files changed in the last 100 ms: every case's first call writes.
time.sleep(0.25)

calls = 0
bad = 0
for seed, argsets in cases:
    shutil.rmtree(CACHE, ignore_errors=True)
    opens = Opens()
    for d in (argsets[0][i + 1] for i, a in enumerate(argsets[0]) if a == "-C"):
        opens.watch(d)
    written = None
    for n, args in enumerate(argsets):
        calls += 1
        k = run(KMOD, args)
        opens.take()  # kmod's
        o = run(OURS, args, CACHE_ENV)
        now = cache_files()
        opened = opens.take()
        confs = sorted(f for f in opened if f.endswith(".conf"))
        problem = None
        if written is None:
            written = now
            names = [name for name in now if re.fullmatch(r"modprobe-config-[0-9a-f]{16}\.cache", name)]
            if not names:
                problem = f"no cache file after the first call ({sorted(now)})"
            elif not confs:
                problem = "the first call opened no .conf file"
            else:
                opens.watch(CACHE)
                cache_file = os.path.join(CACHE, names[0])
        elif now != written:
            problem = f"the cache replaced: {written} then {now}"
            written = now
        elif confs:
            problem = f"parsed, not from the cache (opened {confs[0]})"
        elif cache_file not in opened:
            problem = "the cache file not opened"
        if problem:
            bad += 1
            if bad <= MAX_SHOWN:
                print(f"seed {seed}: modprobe {' '.join(args)}: {problem}")
        if k != o:
            bad += 1
            if bad <= MAX_SHOWN:
                print(f"seed {seed}: modprobe {' '.join(args)}")
                for label, (rk, ro) in (("status", (k[0], o[0])), ("stdout", (k[1], o[1])),
                                        ("stderr", (k[2], o[2]))):
                    if rk == ro:
                        continue
                    if label == "stdout":
                        rk, ro = rk.split(b"\n"), ro.split(b"\n")
                        at = next((n for n, (a, b) in enumerate(zip(rk, ro)) if a != b),
                                  min(len(rk), len(ro)))
                        print(f"  stdout line {at + 1}: kmod {rk[at:at + 2]!r:.400}")
                        print(f"  stdout line {at + 1}: ours {ro[at:at + 2]!r:.400}")
                    else:
                        print(f"  {label}: kmod {rk!r:.600}")
                        print(f"  {label}: ours {ro!r:.600}")
    opens.close()
print(f"{CASES} cases, {calls} calls, {bad} mismatches")
sys.exit(1 if bad else 0)
