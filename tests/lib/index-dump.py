#!/usr/bin/env python3
"""Dump a kmod binary index (modules.dep.bin, .alias.bin, .symbols.bin, .builtin.bin,
.builtin.alias.bin) as text: one line `KEY<TAB>PRIORITY<TAB>VALUE` per stored value, keys in
trie order (children by character), each key's values in stored order.

The dump depends on the content only, not on where the nodes lie in the file: kmod 30 writes
them post-order, kmod 34 pre-order (the format: docs/kmod-facts.md, "Binary index format").
So two files with the same dump hold the same index even when their bytes differ. A test
helper independent of our reader (common/src/index/bin), for comparing our depmod's indexes
with kmod's by content.

Usage: index-dump.py FILE   (exit 1 with a message on a file that is not such an index)
"""

import struct
import sys

MAGIC = 0xB007F457
PREFIX, VALUES, CHILDS = 0x80000000, 0x40000000, 0x20000000
OFFSET_MASK = 0x0FFFFFFF


class BadIndex(Exception):
    pass


def u32(data, pos):
    if pos + 4 > len(data):
        raise BadIndex(f"truncated at offset {pos}")
    return struct.unpack_from(">I", data, pos)[0], pos + 4


def cstr(data, pos):
    end = data.find(b"\0", pos)
    if end < 0:
        raise BadIndex(f"unterminated string at offset {pos}")
    return data[pos:end].decode("ascii", "backslashreplace"), end + 1


def dump(data, out):
    magic, pos = u32(data, 0)
    if magic != MAGIC:
        raise BadIndex(f"bad magic {magic:#x}")
    version, pos = u32(data, pos)
    if version >> 16 != 2:
        raise BadIndex(f"unsupported version {version:#x}")
    root, _ = u32(data, pos)
    # Depth-first, children in character order; a stack instead of recursion (deep tries).
    stack = [(root, "")]
    seen = set()
    while stack:
        word, key = stack.pop()
        off = word & OFFSET_MASK
        if off == 0:
            continue
        if off in seen:
            raise BadIndex(f"node at offset {off} reached twice")
        seen.add(off)
        pos = off
        if word & PREFIX:
            prefix, pos = cstr(data, pos)
            key += prefix
        children = []
        if word & CHILDS:
            if pos + 2 > len(data):
                raise BadIndex(f"truncated at offset {pos}")
            first, last = data[pos], data[pos + 1]
            pos += 2
            if last < first:
                raise BadIndex(f"child range {first}..{last} at offset {off}")
            for c in range(first, last + 1):
                child, pos = u32(data, pos)
                children.append((child, key + chr(c)))
        if word & VALUES:
            count, pos = u32(data, pos)
            for _ in range(count):
                prio, pos = u32(data, pos)
                value, pos = cstr(data, pos)
                out.write(f"{key}\t{prio}\t{value}\n")
        stack.extend(reversed(children))


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: index-dump.py FILE")
    with open(sys.argv[1], "rb") as f:
        data = f.read()
    try:
        dump(data, sys.stdout)
    except BadIndex as e:
        sys.exit(f"index-dump.py: {sys.argv[1]}: {e}")


if __name__ == "__main__":
    main()
