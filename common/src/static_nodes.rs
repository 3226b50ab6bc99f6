//! `kmod static-nodes`: the device nodes of `modules.devname` (the nodes that load a module on
//! first open), printed in the three formats kmod offers.
//!
//! depmod writes the file; its line format, and how kmod 30 reads a line, are described in
//! [`crate::index::files`] ([`parse_devname_line`]). A line that is neither a node nor a comment
//! is reported and skipped.
//!
//! The formats (`kmod static-nodes --format`):
//! - `human`: `Module: M`, then `\tDevice node: /dev/D`, `\t\tType: character device` (or
//!   `block device`), `\t\tMajor: N`, `\t\tMinor: N`;
//! - `tmpfiles` (systemd's tmpfiles.d(5), for `/run/tmpfiles.d/static-nodes.conf`): for a node in
//!   a subdirectory first `d /dev/DIR 0755 - - -` (DIR: the name up to its last '/', repeated
//!   for every such node), then `c! /dev/D 0600 - - - MAJOR:MINOR` (`b!` for a block device);
//! - `devname`: the line again, normalized to `M D cMAJOR:MINOR` ([`write_devname_line`]).

use std::io::{self, Write};

use crate::index::files::{parse_devname_line, write_devname_line, DevnameLine, StaticNode};

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
        Format::Devname => write_devname_line(out, node),
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
        match parse_devname_line(line) {
            DevnameLine::Comment => {}
            DevnameLine::Node(node) => write_node(out, format, &node)?,
            DevnameLine::Invalid => {
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
