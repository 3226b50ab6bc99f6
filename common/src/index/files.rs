//! The files of a module directory's index set: every file's name, and for each text file its
//! line format, described once, with the one writer depmod uses and the one parser every reader
//! uses.
//!
//! The formats are kmod 30's (observed from Debian's `depmod` and the readers: `modprobe`,
//! `modinfo`, `kmod static-nodes`; see `docs/kmod-facts.md`). Every text file lists modules in
//! module order (`modules.order` first). The `.bin` files hold the same entries as a trie
//! ([`super::bin`]).
//!
//! | file | a line | written by | read by |
//! |---|---|---|---|
//! | `modules.dep` | `PATH: DEP DEP...` ([`dep_line`], [`parse_dep_line`]) | depmod | modprobe, modinfo (without `.bin`) |
//! | `modules.alias` | `alias PATTERN MODULE` ([`AliasLine`], [`parse_alias_line`]) | depmod | modprobe, modinfo (without `.bin`) |
//! | `modules.symbols` | `alias symbol:NAME MODULE` (an alias line, [`SYMBOL_PREFIX`]) | depmod | the same |
//! | `modules.softdep`, `modules.weakdep` | `softdep MODULE VALUE` ([`ModinfoLine`]) | depmod | modprobe, as configuration |
//! | `modules.devname` | `MODULE DEVNAME TYPEMAJOR:MINOR` ([`write_devname_line`], [`parse_devname_line`]) | depmod | `kmod static-nodes` |
//! | `modules.order`, `modules.builtin` | a module's path ([`module_of_line`]) | the kernel build | depmod, modprobe (without `.bin`) |
//! | `modules.builtin.modinfo` | NUL-separated `MODULE.KEY=VALUE` records ([`split_builtin_record`], [`builtin_record_of`]) | the kernel build | depmod, modinfo |
//!
//! A file's first line may be a `#` header ([`ALIAS_HEADER`] and the like), which readers skip
//! (a `#` line is no alias, no dependency line, no device node).

use std::fmt;
use std::io::{self, Write};
use std::path::Path;

use crate::name;

/// `modules.dep`: each module's file and its dependencies, in load order reversed.
pub const MODULES_DEP: &str = "modules.dep";
/// `modules.dep` as a trie, keyed by module name.
pub const MODULES_DEP_BIN: &str = "modules.dep.bin";
/// `modules.alias`: the modules' `alias=` patterns.
pub const MODULES_ALIAS: &str = "modules.alias";
/// `modules.alias` as a trie, keyed by pattern (see [`crate::name::alias_key`]).
pub const MODULES_ALIAS_BIN: &str = "modules.alias.bin";
/// `modules.symbols`: which module exports each symbol.
pub const MODULES_SYMBOLS: &str = "modules.symbols";
/// `modules.symbols` as a trie, keyed by `symbol:NAME`.
pub const MODULES_SYMBOLS_BIN: &str = "modules.symbols.bin";
/// `modules.softdep`: the modules' own `softdep=` strings.
pub const MODULES_SOFTDEP: &str = "modules.softdep";
/// `modules.weakdep`: the modules' own `weakdep=` strings (written only when there are some).
pub const MODULES_WEAKDEP: &str = "modules.weakdep";
/// `modules.devname`: device nodes that load a module when opened.
pub const MODULES_DEVNAME: &str = "modules.devname";
/// `modules.order`: the kernel build's order of its modules (input of depmod).
pub const MODULES_ORDER: &str = "modules.order";
/// `modules.builtin`: the modules built into the kernel (input of depmod).
pub const MODULES_BUILTIN: &str = "modules.builtin";
/// `modules.builtin` as a trie, keyed by module name (empty values).
pub const MODULES_BUILTIN_BIN: &str = "modules.builtin.bin";
/// The aliases of built-in modules as a trie, from `modules.builtin.modinfo`.
pub const MODULES_BUILTIN_ALIAS_BIN: &str = "modules.builtin.alias.bin";
/// `modules.builtin.modinfo`: the `.modinfo` strings of built-in modules (input of depmod).
pub const MODULES_BUILTIN_MODINFO: &str = "modules.builtin.modinfo";

/// The first line of `modules.alias`.
pub const ALIAS_HEADER: &str = "# Aliases extracted from modules themselves.\n";
/// The first line of `modules.symbols`.
pub const SYMBOLS_HEADER: &str = "# Aliases for symbols, used by symbol_request().\n";
/// The first line of `modules.softdep`.
pub const SOFTDEP_HEADER: &str = "# Soft dependencies extracted from modules themselves.\n";
/// The first line of `modules.weakdep`.
pub const WEAKDEP_HEADER: &str = "# Weak dependencies extracted from modules themselves.\n";
/// The first line of `modules.devname` (written only when it has a node).
pub const DEVNAME_HEADER: &str = "# Device nodes to trigger on-demand module loading.\n";

/// What a symbol's alias starts with, in `modules.symbols` and its trie, and in the queries
/// that look symbols up (`modprobe symbol:NAME`).
pub const SYMBOL_PREFIX: &str = "symbol:";

// ---------------------------------------------------------------------------------------------
// modules.dep
// ---------------------------------------------------------------------------------------------

/// A `modules.dep` line without its newline: the module's path (relative to the module
/// directory when inside it), `:`, then each dependency's path after a space. It is also the
/// value `modules.dep.bin` stores under the module's name.
pub fn dep_line<'a>(path: &str, deps: impl IntoIterator<Item = &'a str>) -> String {
    let mut line = format!("{path}:");
    for dep in deps {
        line.push(' ');
        line.push_str(dep);
    }
    line
}

/// A `modules.dep` line read back: the module's path (up to the first `:`, trimmed) and its
/// dependencies (the words after it). A line without `:` is a path without dependencies.
pub fn parse_dep_line(line: &str) -> (&str, impl Iterator<Item = &str>) {
    let (path, deps) = line.split_once(':').unwrap_or((line, ""));
    (path.trim(), deps.split_whitespace())
}

/// The module a `modules.dep` line is about: the name of the path before its first `:`.
pub fn dep_line_module(line: &str) -> String {
    name::from_path(Path::new(line.split(':').next().unwrap_or_default()))
}

// ---------------------------------------------------------------------------------------------
// modules.alias, modules.symbols
// ---------------------------------------------------------------------------------------------

/// A `modules.alias` or `modules.symbols` line without its newline: `alias PATTERN MODULE`, the
/// pattern of a symbol being `symbol:NAME`. `modprobe -c` prints the entries of the alias and
/// symbol tries the same way.
#[derive(Debug, Clone, Copy)]
pub struct AliasLine<'a> {
    /// The pattern (or `symbol:NAME`).
    pub pattern: &'a str,
    /// The module.
    pub module: &'a str,
}

impl fmt::Display for AliasLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "alias {} {}", self.pattern, self.module)
    }
}

/// A `modules.alias` or `modules.symbols` line read back: its pattern and module, when its
/// first three words are `alias`, a pattern and a module (more words are ignored).
pub fn parse_alias_line(line: &str) -> Option<(&str, &str)> {
    let mut words = line.split_whitespace();
    match (words.next(), words.next(), words.next()) {
        (Some("alias"), Some(pattern), Some(module)) => Some((pattern, module)),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// modules.softdep, modules.weakdep
// ---------------------------------------------------------------------------------------------

/// A line of `modules.softdep` or `modules.weakdep` without its newline: `KEY MODULE VALUE`,
/// one per `softdep=` (or `weakdep=`) string of the module. modprobe reads these files as
/// configuration (`config::modprobe`), where they are ordinary `softdep` / `weakdep` lines.
#[derive(Debug, Clone, Copy)]
pub struct ModinfoLine<'a> {
    /// `softdep` or `weakdep`: the `.modinfo` key, which is also the directive.
    pub key: &'a str,
    /// The module.
    pub module: &'a str,
    /// The string's value.
    pub value: &'a str,
}

impl fmt::Display for ModinfoLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.key, self.module, self.value)
    }
}

// ---------------------------------------------------------------------------------------------
// modules.order, modules.builtin
// ---------------------------------------------------------------------------------------------

/// The module a line of `modules.order` or `modules.builtin` names: the name of the path it
/// holds (white space around it ignored; an empty line names the module ``, which callers skip
/// where kmod does).
pub fn module_of_line(line: &str) -> String {
    name::from_path(Path::new(line.trim()))
}

// ---------------------------------------------------------------------------------------------
// modules.builtin.modinfo
// ---------------------------------------------------------------------------------------------

/// The records of `modules.builtin.modinfo`: its NUL-separated strings, each `MODULE.KEY=VALUE`.
pub fn builtin_records(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    data.split(|&b| b == 0)
}

/// A record split at its first `.`: the module and its `KEY=VALUE` string.
pub fn split_builtin_record(record: &[u8]) -> Option<(&[u8], &[u8])> {
    let dot = record.iter().position(|&b| b == b'.')?;
    Some((&record[..dot], &record[dot + 1..]))
}

/// The `KEY=VALUE` string of a record of `module` (one that starts with `MODULE.`, followed by
/// something), or `None` for another module's record.
pub fn builtin_record_of<'r>(record: &'r [u8], module: &str) -> Option<&'r [u8]> {
    record
        .strip_prefix(module.as_bytes())?
        .strip_prefix(b".")
        .filter(|rest| !rest.is_empty())
}

// ---------------------------------------------------------------------------------------------
// modules.devname
// ---------------------------------------------------------------------------------------------

/// Character or block device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeType {
    /// `c`: a character device.
    Char,
    /// `b`: a block device.
    Block,
}

impl NodeType {
    /// The letter of modules.devname and tmpfiles.d: `c` or `b`.
    pub fn letter(self) -> char {
        match self {
            NodeType::Char => 'c',
            NodeType::Block => 'b',
        }
    }

    /// The word `kmod static-nodes` prints: `character` or `block`.
    pub fn word(self) -> &'static str {
        match self {
            NodeType::Char => "character",
            NodeType::Block => "block",
        }
    }
}

/// One device node of modules.devname.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticNode {
    /// The module that provides the device.
    pub module: Vec<u8>,
    /// The node's name under /dev (may contain '/').
    pub devname: Vec<u8>,
    /// Character or block device.
    pub node_type: NodeType,
    /// Major number.
    pub major: u32,
    /// Minor number.
    pub minor: u32,
}

/// What one line of modules.devname holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DevnameLine {
    /// A comment (`#` in the first column).
    Comment,
    /// A device node.
    Node(StaticNode),
    /// Anything else (an empty line too).
    Invalid,
}

/// Writes a modules.devname line with its newline: `MODULE DEVNAME TYPEMAJOR:MINOR`, TYPE `c`
/// or `b`. depmod writes a module's line when it has a `devname:NAME` alias and a
/// `char-major-M-N` or `block-major-M-N` alias with both numbers concrete (the first of each).
pub fn write_devname_line(out: &mut impl Write, node: &StaticNode) -> io::Result<()> {
    out.write_all(&node.module)?;
    out.write_all(b" ")?;
    out.write_all(&node.devname)?;
    writeln!(
        out,
        " {}{}:{}",
        node.node_type.letter(),
        node.major,
        node.minor
    )
}

/// Reads one line of modules.devname (with or without its newline) the way kmod 30 reads it
/// (observed from Debian's kmod): words are separated by any run of white space, anything
/// after the minor number is ignored, major and minor are unsigned decimal numbers as C's
/// `strtoul` takes them (an optional sign; a value beyond 32 bits keeps its low 32 bits, one
/// beyond 64 bits saturates), and a line starting with `#` is a comment. Any other line, an
/// empty one too, is invalid.
pub fn parse_devname_line(line: &[u8]) -> DevnameLine {
    if line.first() == Some(&b'#') {
        return DevnameLine::Comment;
    }
    parse_node(line).map_or(DevnameLine::Invalid, DevnameLine::Node)
}

fn parse_node(line: &[u8]) -> Option<StaticNode> {
    let mut s = Scan { rest: line };
    let module = s.word()?.to_vec();
    let devname = s.word()?.to_vec();
    let node_type = match s.byte()? {
        b'c' => NodeType::Char,
        b'b' => NodeType::Block,
        _ => return None,
    };
    let major = s.unsigned()?;
    s.literal(b':')?;
    let minor = s.unsigned()?;
    Some(StaticNode {
        module,
        devname,
        node_type,
        major,
        minor,
    })
}

/// C's `isspace` in the C locale.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// A cursor over one line, with the pieces of `scanf` that kmod's format uses.
struct Scan<'a> {
    rest: &'a [u8],
}

impl<'a> Scan<'a> {
    fn skip_space(&mut self) {
        let n = self.rest.iter().take_while(|&&b| is_space(b)).count();
        self.rest = &self.rest[n..];
    }

    /// `%s`: a non-empty run of non-space bytes after optional white space.
    fn word(&mut self) -> Option<&'a [u8]> {
        self.skip_space();
        let n = self.rest.iter().take_while(|&&b| !is_space(b)).count();
        let (word, rest) = self.rest.split_at(n);
        self.rest = rest;
        (n > 0).then_some(word)
    }

    /// `%c` after white space: the next byte.
    fn byte(&mut self) -> Option<u8> {
        self.skip_space();
        let (&b, rest) = self.rest.split_first()?;
        self.rest = rest;
        Some(b)
    }

    /// A literal byte, with no white space before it.
    fn literal(&mut self, want: u8) -> Option<()> {
        let (&b, rest) = self.rest.split_first()?;
        (b == want).then(|| self.rest = rest)
    }

    /// `%u`: optional white space and sign, decimal digits, with `strtoul`'s wrap-around for a
    /// minus sign and saturation beyond 64 bits, stored in 32 bits.
    fn unsigned(&mut self) -> Option<u32> {
        self.skip_space();
        let mut negative = false;
        if let Some((&sign @ (b'+' | b'-'), rest)) = self.rest.split_first() {
            negative = sign == b'-';
            self.rest = rest;
        }
        let n = self.rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        let (digits, rest) = self.rest.split_at(n);
        self.rest = rest;
        let value = digits.iter().try_fold(0u64, |v, d| {
            v.checked_mul(10)?.checked_add(u64::from(d - b'0'))
        });
        let value = match value {
            None => u64::MAX,
            Some(v) if negative => v.wrapping_neg(),
            Some(v) => v,
        };
        // The low 32 bits, as C's conversion to unsigned int keeps them.
        Some((value & u64::from(u32::MAX)) as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(line: &str) -> Option<(String, String, char, u32, u32)> {
        match parse_devname_line(line.as_bytes()) {
            DevnameLine::Node(n) => Some((
                String::from_utf8(n.module).expect("utf-8"),
                String::from_utf8(n.devname).expect("utf-8"),
                n.node_type.letter(),
                n.major,
                n.minor,
            )),
            _ => None,
        }
    }

    #[test]
    fn devname_lines_as_kmod_reads_them() {
        let n = |m: &str, d: &str, t, a, b| Some((m.to_string(), d.to_string(), t, a, b));
        assert_eq!(node("fuse fuse c10:229\n"), n("fuse", "fuse", 'c', 10, 229));
        assert_eq!(
            node("baz dir/sub/node b8:0"),
            n("baz", "dir/sub/node", 'b', 8, 0)
        );
        assert_eq!(
            node("  sp \t sp2   c7:8  extra\n"),
            n("sp", "sp2", 'c', 7, 8)
        );
        assert_eq!(node("a b c1:2bad"), n("a", "b", 'c', 1, 2));
        assert_eq!(node("a b c 1: +2"), n("a", "b", 'c', 1, 2));
        // strtoul, then 32 bits: wrap-around and saturation.
        assert_eq!(node("l aa c4294967296:1"), n("l", "aa", 'c', 0, 1));
        assert_eq!(node("m n c-1:2"), n("m", "n", 'c', u32::MAX, 2));
        assert_eq!(
            node("m n c99999999999999999999999:2"),
            n("m", "n", 'c', u32::MAX, 2)
        );
        for bad in [
            "",
            "\n",
            "bad line\n",
            "x y z9:1",
            "q r c1",
            "q r c1:",
            "q r cA:B",
            "q r c1 :2",
            "q r",
            "   \n",
        ] {
            assert_eq!(
                parse_devname_line(bad.as_bytes()),
                DevnameLine::Invalid,
                "{bad:?}"
            );
        }
        assert_eq!(parse_devname_line(b"# Device nodes"), DevnameLine::Comment);
        assert_eq!(
            parse_devname_line(b" # not a comment"),
            DevnameLine::Invalid
        );
    }

    #[test]
    fn devname_lines_read_back() {
        let mut out = Vec::new();
        for line in ["fuse fuse c10:229\n", "baz dir/sub/node b8:0\n"] {
            let DevnameLine::Node(node) = parse_devname_line(line.as_bytes()) else {
                panic!("{line:?} is a node");
            };
            out.clear();
            write_devname_line(&mut out, &node).expect("write to a Vec");
            assert_eq!(out, line.as_bytes());
        }
    }

    #[test]
    fn dep_lines_read_back() {
        let line = dep_line("kernel/fs/vfat.ko", ["kernel/fs/fat.ko", "/abs/x.ko"]);
        assert_eq!(line, "kernel/fs/vfat.ko: kernel/fs/fat.ko /abs/x.ko");
        let (path, deps) = parse_dep_line(&line);
        assert_eq!(path, "kernel/fs/vfat.ko");
        assert_eq!(deps.collect::<Vec<_>>(), ["kernel/fs/fat.ko", "/abs/x.ko"]);
        assert_eq!(dep_line_module(&line), "vfat");
        assert_eq!(dep_line("a-b.ko", []), "a-b.ko:");
        assert_eq!(dep_line_module("a-b.ko:"), "a_b");
        let (path, deps) = parse_dep_line(" no-colon.ko ");
        assert_eq!((path, deps.count()), ("no-colon.ko", 0));
    }

    #[test]
    fn alias_and_symbol_lines_read_back() {
        let alias = AliasLine {
            pattern: "pci:v*d*",
            module: "ahci",
        }
        .to_string();
        assert_eq!(alias, "alias pci:v*d* ahci");
        assert_eq!(parse_alias_line(&alias), Some(("pci:v*d*", "ahci")));
        let symbol = AliasLine {
            pattern: &format!("{SYMBOL_PREFIX}fat_attach"),
            module: "fat",
        }
        .to_string();
        assert_eq!(symbol, "alias symbol:fat_attach fat");
        assert_eq!(
            parse_alias_line(&symbol),
            Some(("symbol:fat_attach", "fat"))
        );
        assert_eq!(parse_alias_line(ALIAS_HEADER), None);
        assert_eq!(parse_alias_line("alias only-two"), None);
        assert_eq!(parse_alias_line("alias a b extra"), Some(("a", "b")));
    }

    #[test]
    fn builtin_records() {
        let data = b"ext4.alias=fs-ext4\0ext4.license=GPL\0ext4.\0noseparator\0ext4x.a=b";
        let records: Vec<&[u8]> = super::builtin_records(data).collect();
        assert_eq!(records.len(), 5);
        assert_eq!(
            split_builtin_record(records[0]),
            Some((&b"ext4"[..], &b"alias=fs-ext4"[..]))
        );
        assert_eq!(split_builtin_record(records[3]), None);
        let of_ext4: Vec<&[u8]> = records
            .iter()
            .filter_map(|r| builtin_record_of(r, "ext4"))
            .collect();
        assert_eq!(of_ext4, [&b"alias=fs-ext4"[..], b"license=GPL"]);
        assert_eq!(module_of_line(" kernel/fs/ext4/ext4.ko \n"), "ext4");
        assert_eq!(module_of_line(""), "");
    }
}
