//! `modules.devname` read back for `kmod static-nodes`: the device nodes that trigger loading a
//! module on first open, printed in the three formats kmod offers.
//!
//! depmod writes the file (see [`crate::depmod`]); its lines are `MODULE DEVNAME TYPEMAJOR:MINOR`
//! with TYPE `c` (character) or `b` (block), after a `#` header. A line is read the way kmod 30
//! reads it (observed from Debian's kmod): words are separated by any run of white space,
//! anything after the minor number is ignored, major and minor are unsigned decimal numbers as
//! C's `strtoul` takes them (an optional sign; a value beyond 32 bits keeps its low 32 bits,
//! one beyond 64 bits saturates), and a line starting with `#` is a comment. Any other line,
//! an empty one too, is invalid: it is reported and skipped.
//!
//! The formats (`kmod static-nodes --format`):
//! - `human`: `Module: M`, then `\tDevice node: /dev/D`, `\t\tType: character device` (or
//!   `block device`), `\t\tMajor: N`, `\t\tMinor: N`;
//! - `tmpfiles` (systemd's tmpfiles.d(5), for `/run/tmpfiles.d/static-nodes.conf`): for a node in
//!   a subdirectory first `d /dev/DIR 0755 - - -` (DIR: the name up to its last '/', repeated
//!   for every such node), then `c! /dev/D 0600 - - - MAJOR:MINOR` (`b!` for a block device);
//! - `devname`: the line again, normalized to `M D cMAJOR:MINOR`.

use std::io::{self, Write};

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

    /// The word of the human format: `character` or `block`.
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

/// An output format of `kmod static-nodes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Readable by people; not meant to be parsed.
    Human,
    /// systemd's tmpfiles.d(5) lines.
    Tmpfiles,
    /// modules.devname's own format.
    Devname,
}

/// What one line of modules.devname holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// A comment (`#` in the first column).
    Comment,
    /// A device node.
    Node(StaticNode),
    /// Anything else (an empty line too).
    Invalid,
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

/// Reads one line of modules.devname (with or without its newline).
pub fn parse_line(line: &[u8]) -> Line {
    if line.first() == Some(&b'#') {
        return Line::Comment;
    }
    parse_node(line).map_or(Line::Invalid, Line::Node)
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

/// Writes `node` in `format`.
pub fn write_node(out: &mut impl Write, format: Format, node: &StaticNode) -> io::Result<()> {
    let (module, devname) = (&node.module[..], &node.devname[..]);
    let (letter, major, minor) = (node.node_type.letter(), node.major, node.minor);
    match format {
        Format::Human => {
            out.write_all(b"Module: ")?;
            out.write_all(module)?;
            out.write_all(b"\n\tDevice node: /dev/")?;
            out.write_all(devname)?;
            writeln!(
                out,
                "\n\t\tType: {} device\n\t\tMajor: {major}\n\t\tMinor: {minor}",
                node.node_type.word()
            )
        }
        Format::Tmpfiles => {
            if let Some(slash) = devname.iter().rposition(|&b| b == b'/') {
                out.write_all(b"d /dev/")?;
                out.write_all(&devname[..slash])?;
                out.write_all(b" 0755 - - -\n")?;
            }
            write!(out, "{letter}! /dev/")?;
            out.write_all(devname)?;
            writeln!(out, " 0600 - - - {major}:{minor}")
        }
        Format::Devname => {
            out.write_all(module)?;
            out.write_all(b" ")?;
            out.write_all(devname)?;
            writeln!(out, " {letter}{major}:{minor}")
        }
    }
}

/// Converts the whole of a modules.devname file: each node written to `out` in `format`, each
/// invalid line (as read, newline included) passed to `invalid`. Returns whether every line was
/// valid.
pub fn convert(
    text: &[u8],
    format: Format,
    out: &mut impl Write,
    invalid: &mut impl FnMut(&[u8]),
) -> io::Result<bool> {
    let mut all_valid = true;
    for line in text.split_inclusive(|&b| b == b'\n') {
        match parse_line(line) {
            Line::Comment => {}
            Line::Node(node) => write_node(out, format, &node)?,
            Line::Invalid => {
                invalid(line);
                all_valid = false;
            }
        }
    }
    Ok(all_valid)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(line: &str) -> Option<(String, String, char, u32, u32)> {
        match parse_line(line.as_bytes()) {
            Line::Node(n) => Some((
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
    fn lines_as_kmod_reads_them() {
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
            assert_eq!(parse_line(bad.as_bytes()), Line::Invalid, "{bad:?}");
        }
        assert_eq!(parse_line(b"# Device nodes"), Line::Comment);
        assert_eq!(parse_line(b" # not a comment"), Line::Invalid);
    }

    #[test]
    fn the_three_formats() {
        let text = b"# header\nfoo bar c1:2\nbaz dir/sub/node b8:0\n\nm2 /abs c3:4\nbad";
        let run = |format| {
            let mut out = Vec::new();
            let mut bad = Vec::new();
            let ok = convert(text, format, &mut out, &mut |l: &[u8]| bad.push(l.to_vec()))
                .expect("write");
            assert!(!ok);
            assert_eq!(bad, [b"\n".to_vec(), b"bad".to_vec()]);
            String::from_utf8(out).expect("utf-8")
        };
        assert_eq!(
            run(Format::Devname),
            "foo bar c1:2\nbaz dir/sub/node b8:0\nm2 /abs c3:4\n"
        );
        assert_eq!(
            run(Format::Tmpfiles),
            "c! /dev/bar 0600 - - - 1:2\n\
             d /dev/dir/sub 0755 - - -\n\
             b! /dev/dir/sub/node 0600 - - - 8:0\n\
             d /dev/ 0755 - - -\n\
             c! /dev//abs 0600 - - - 3:4\n"
        );
        assert_eq!(
            run(Format::Human),
            "Module: foo\n\tDevice node: /dev/bar\n\t\tType: character device\n\
             \t\tMajor: 1\n\t\tMinor: 2\n\
             Module: baz\n\tDevice node: /dev/dir/sub/node\n\t\tType: block device\n\
             \t\tMajor: 8\n\t\tMinor: 0\n\
             Module: m2\n\tDevice node: /dev//abs\n\t\tType: character device\n\
             \t\tMajor: 3\n\t\tMinor: 4\n"
        );
    }
}
