//! What `depmod.d` and `modprobe.d` share: listing a configuration location's files (a file, or a
//! directory of `*.conf` files; the first of several files with one name wins) and joining a
//! file's text into logical lines.
//!
//! # Listing
//!
//! [`collect_files`] adds a location's files to a map from file name to path: a file is taken
//! whatever its name, a directory gives its entries whose names end in `.conf` and don't start
//! with `.`, joined to it with a literal `/` (so `-C dir/` shows as `dir//x.conf`, as in kmod's
//! messages); a name already in the map keeps its earlier path, so earlier locations shadow
//! later ones; a missing location gives nothing, silently. Callers then parse the files in
//! byte order of their names, whichever location they come from. depmod and libkmod (for
//! modprobe) report the other problems in different words: see [`ListDialect`].
//!
//! # Lines
//!
//! [`logical_lines`] splits text at `\n`. A backslash followed by a newline joins the next
//! physical line directly (nothing is inserted between them); a backslash followed by any other
//! character stands for that character, so `\\` is one backslash and `\#` is `#`. A backslash
//! that is the very last byte of the file stands for a byte 0xFF (kmod 30 takes the end-of-file
//! marker for a character), which is kept as U+FFFD. Each logical line comes with the number of
//! its last physical line, which messages name. What a line means (comments, words, keywords)
//! is each parser's business.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::error::io_text;
use crate::report::{Report, ReportExt};

/// Whose words [`collect_files`] reports problems in: depmod's own configuration reader and
/// libkmod's (used by modprobe) list the same files but complain differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ListDialect {
    /// depmod: `files list DIR: <strerror>` for a location it can't stat or open, and an entry
    /// it can't stat is reported like a directory.
    Depmod,
    /// libkmod: a location it can't stat is skipped silently, one it can't open is reported as
    /// `opendir(DIR): <strerror>`, and an entry it can't stat (a dangling or looping link, no
    /// search permission) is reported as `Cannot stat directory entry: DIR/NAME` and skipped,
    /// as kmod 34.2 does. (kmod 30 says nothing, or, reading a stale `stat` buffer, calls such
    /// an entry a directory when the entry stat'ed before it was one: compatibility row
    /// `modprobe-dangling-conf`.)
    Modprobe,
}

/// A file's bytes, as read: in a vector, or, for a large file, in an anonymous mapping that
/// asks for huge pages (a 4.9 MB configuration costs 1,200 page faults in a fresh vector, half
/// its reading time on a VM; see `docs/modprobe-config-speed.md`). Not checked as UTF-8: the
/// parser does that once.
pub(crate) enum Text {
    /// Text in a string (valid UTF-8).
    Owned(String),
    /// Bytes in a vector, not checked yet.
    Bytes(Vec<u8>),
    /// `len` bytes of a mapping from `start`, not checked yet.
    Mapped {
        map: memmap2::MmapMut,
        start: usize,
        len: usize,
    },
    /// `len` bytes at `start` of a mapped cache file (modprobe.d's, already checked as UTF-8
    /// when it was written).
    Cached {
        map: super::modprobe::Map,
        start: usize,
        len: usize,
    },
}

/// From this size on, a file is read into a mapping with huge pages.
const MAP_FROM: u64 = 2 << 20;

/// The size of a huge page (x86-64, arm64 with 4 KiB pages).
const HUGE_PAGE: usize = 2 << 20;

impl Text {
    /// Reads the file at `path`.
    pub(crate) fn read(path: &Path) -> io::Result<Text> {
        use std::io::Read;
        let mut file = fs::File::open(path)?;
        let size = file.metadata()?.len();
        if size >= MAP_FROM {
            let size = usize::try_from(size).unwrap_or(usize::MAX);
            if let Ok(mut map) = memmap2::MmapMut::map_anon(size.saturating_add(HUGE_PAGE)) {
                // From a huge page's boundary, so that all of the text can be on huge pages
                // (the 2 MiB more are address space, never touched). Only advice: without
                // huge pages, the mapping works all the same.
                let start = (HUGE_PAGE - map.as_ptr() as usize % HUGE_PAGE) % HUGE_PAGE;
                let _ = map.advise_range(memmap2::Advice::HugePage, start, size);
                let mut len = 0;
                while len < size {
                    match file.read(&mut map[start + len..start + size]) {
                        Ok(0) => break,
                        Ok(n) => len += n,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(e),
                    }
                }
                // A file that grew while it was read: the rest goes to a vector with the rest.
                let mut rest = Vec::new();
                file.read_to_end(&mut rest)?;
                if rest.is_empty() {
                    return Ok(Text::Mapped { map, start, len });
                }
                let mut bytes = map[start..start + len].to_vec();
                bytes.extend_from_slice(&rest);
                return Ok(Text::Bytes(bytes));
            }
        }
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        Ok(Text::Bytes(bytes))
    }

    /// The bytes.
    pub(crate) fn bytes(&self) -> &[u8] {
        match self {
            Text::Owned(s) => s.as_bytes(),
            Text::Bytes(b) => b,
            Text::Mapped { map, start, len } => map.get(*start..start + len).unwrap_or_default(),
            Text::Cached { map, start, len } => map
                .get(*start..start.saturating_add(*len))
                .unwrap_or_default(),
        }
    }
}

impl Clone for Text {
    fn clone(&self) -> Text {
        match self {
            Text::Owned(s) => Text::Owned(s.clone()),
            Text::Cached { map, start, len } => Text::Cached {
                map: map.clone(),
                start: *start,
                len: *len,
            },
            other => Text::Owned(String::from_utf8_lossy(other.bytes()).into_owned()),
        }
    }
}

/// Lists the files of `locations` after those already in `files` (see [`collect_files`]) and
/// hands each to `parse` with its bytes, in byte order of the file names. A file that can't be
/// read is reported in depmod's words (`file parse FILE: <strerror>`) or, as libkmod does,
/// skipped silently.
pub(crate) fn parse_files(
    files: BTreeMap<OsString, PathBuf>,
    locations: &[PathBuf],
    dialect: ListDialect,
    report: &dyn Report,
    parse: &mut dyn FnMut(&Path, Text),
) {
    let files = list_files(files, locations, dialect, report);
    read_files(&files, dialect, report, parse);
}

/// The first half of [`parse_files`]: the files of `locations` after those already in `files`
/// (see [`collect_files`]), in byte order of their names.
pub(crate) fn list_files(
    mut files: BTreeMap<OsString, PathBuf>,
    locations: &[PathBuf],
    dialect: ListDialect,
    report: &dyn Report,
) -> Vec<PathBuf> {
    for loc in locations {
        collect_files(loc, &mut files, dialect, report);
    }
    files.into_values().collect()
}

/// The second half of [`parse_files`]: each of `files` read and handed to `parse`.
pub(crate) fn read_files(
    files: &[PathBuf],
    dialect: ListDialect,
    report: &dyn Report,
    parse: &mut dyn FnMut(&Path, Text),
) {
    for path in files {
        match Text::read(path) {
            Ok(text) => parse(path, text),
            Err(e) if dialect == ListDialect::Depmod => {
                report.error(format!("file parse {}: {}", path.display(), io_text(&e)));
            }
            Err(_) => {}
        }
    }
}

/// Adds the files `loc` contributes to `files` (file name -> path), keeping earlier entries:
/// a file is taken whatever its name, a directory gives its `*.conf` entries that aren't
/// hidden. A missing `loc` contributes nothing, silently; other problems are reported through
/// `warn` in `dialect`'s words.
fn collect_files(
    loc: &Path,
    files: &mut BTreeMap<OsString, PathBuf>,
    dialect: ListDialect,
    report: &dyn Report,
) {
    let meta = match fs::metadata(loc) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return,
        Err(_) if dialect == ListDialect::Modprobe => return,
        Err(e) => {
            report.error(format!("files list {}: {}", loc.display(), io_text(&e)));
            return;
        }
    };
    if !meta.is_dir() {
        let key = loc
            .file_name()
            .map_or_else(|| loc.as_os_str().to_owned(), |n| n.to_owned());
        files.entry(key).or_insert_with(|| loc.to_path_buf());
        return;
    }
    let entries = match fs::read_dir(loc) {
        Ok(e) => e,
        Err(e) => {
            report.error(match dialect {
                ListDialect::Depmod => format!("files list {}: {}", loc.display(), io_text(&e)),
                ListDialect::Modprobe => format!("opendir({}): {}", loc.display(), io_text(&e)),
            });
            return;
        }
    };
    for entry in entries {
        let Ok(entry) = entry else { continue };
        let fname = entry.file_name();
        let bytes = fname.as_bytes();
        if bytes.starts_with(b".") || !bytes.ends_with(b".conf") {
            continue;
        }
        // kmod joins with a literal '/', so `-C dir/` shows as `dir//x.conf`.
        let mut joined = loc.as_os_str().to_owned();
        joined.push("/");
        joined.push(&fname);
        let path = PathBuf::from(joined);
        let stat = fs::metadata(&path);
        if dialect == ListDialect::Modprobe && stat.is_err() {
            report.error(format!("Cannot stat directory entry: {}", path.display()));
            continue;
        }
        if !stat.is_ok_and(|m| !m.is_dir()) {
            report.error(format!(
                "Directories inside directories are not supported: {}",
                path.display()
            ));
            continue;
        }
        files.entry(fname).or_insert(path);
    }
}

/// Splits text into logical lines, resolving backslashes, each with the number of its last
/// physical line. A line without a backslash is borrowed from `text` (most are: kmod_new reads
/// the configuration on every call, so this is on udev's and systemd's path).
pub(crate) fn logical_lines(text: &str) -> Vec<(usize, Cow<'_, str>)> {
    LogicalLines::new(text).collect()
}

/// [`logical_lines`] one at a time, without collecting them: a borrowed line is a slice of the
/// text (its offset is `line.as_ptr() - text.as_ptr()`). Lines before the next backslash are
/// cut at the newlines one search over the text finds.
pub(crate) struct LogicalLines<'a> {
    text: &'a str,
    /// The newlines of `text`, in order (some may be behind `pos`: skipped).
    newlines: memchr::Memchr<'a>,
    /// Where the next line starts.
    pos: usize,
    /// The first backslash at or after `pos` (`text.len()` if none).
    backslash: usize,
    /// The number of the last physical line read.
    lineno: usize,
    done: bool,
}

impl<'a> LogicalLines<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        let bytes = text.as_bytes();
        LogicalLines {
            text,
            newlines: memchr::memchr_iter(b'\n', bytes),
            pos: 0,
            backslash: memchr::memchr(b'\\', bytes).unwrap_or(bytes.len()),
            lineno: 0,
            done: false,
        }
    }

    /// The next newline at or after `pos`.
    fn next_newline(&mut self) -> Option<usize> {
        let pos = self.pos;
        self.newlines.find(|&n| n >= pos)
    }

    /// A line with a backslash, or the last one: joined as [`logical_lines`] says.
    fn joined(&mut self) -> Option<(usize, Cow<'a, str>)> {
        // The line being joined, once a backslash made it differ from `text`.
        fn take<'a>(owned: &mut Option<String>, seg: &'a str) -> Cow<'a, str> {
            match owned.take() {
                Some(mut s) => {
                    s.push_str(seg);
                    Cow::Owned(s)
                }
                None => Cow::Borrowed(seg),
            }
        }
        let text = self.text;
        let bytes = text.as_bytes();
        let mut owned: Option<String> = None;
        // Start of the part of the current line not yet copied into `owned`.
        let mut seg = self.pos;
        let mut i = seg;
        let line = loop {
            let Some(at) = memchr::memchr2(b'\n', b'\\', &bytes[i..]).map(|o| i + o) else {
                self.done = true;
                let line = take(&mut owned, &text[seg..]);
                break (!line.is_empty()).then_some((self.lineno + 1, line));
            };
            if bytes[at] == b'\n' {
                self.lineno += 1;
                self.pos = at + 1;
                break Some((self.lineno, take(&mut owned, &text[seg..at])));
            }
            let s = owned.get_or_insert_with(String::new);
            s.push_str(&text[seg..at]);
            match text[at + 1..].chars().next() {
                // A backslash as the last byte: kmod 30 appends the EOF marker as byte 0xFF.
                None => {
                    s.push(char::REPLACEMENT_CHARACTER);
                    self.done = true;
                    break Some((self.lineno + 1, take(&mut owned, "")));
                }
                Some('\n') => {
                    self.lineno += 1;
                    seg = at + 2;
                }
                Some(c) => {
                    s.push(c);
                    seg = at + 1 + c.len_utf8();
                }
            }
            i = seg;
        };
        if !self.done && self.backslash < self.pos {
            self.backslash =
                memchr::memchr(b'\\', &bytes[self.pos..]).map_or(bytes.len(), |o| self.pos + o);
        }
        line
    }
}

impl<'a> Iterator for LogicalLines<'a> {
    type Item = (usize, Cow<'a, str>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.next_newline() {
            Some(nl) if nl < self.backslash => {
                let line = &self.text[self.pos..nl];
                self.lineno += 1;
                self.pos = nl + 1;
                Some((self.lineno, Cow::Borrowed(line)))
            }
            _ => self.joined(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::logical_lines;

    fn lines(text: &str) -> Vec<(usize, String)> {
        logical_lines(text)
            .into_iter()
            .map(|(n, l)| (n, l.into_owned()))
            .collect()
    }

    #[test]
    fn backslashes_join_and_escape() {
        assert_eq!(lines("a\nb"), vec![(1, "a".into()), (2, "b".into())]);
        assert_eq!(lines("a\n\n"), vec![(1, "a".into()), (2, String::new())]);
        assert_eq!(
            lines("a \\\nb\nc\n"),
            vec![(2, "a b".into()), (3, "c".into())]
        );
        assert_eq!(lines("x\\\\y\\#z\n"), vec![(1, "x\\y#z".into())]);
        assert_eq!(lines("é\\é\n"), vec![(1, "éé".into())]);
        assert_eq!(lines("end\\"), vec![(1, "end\u{FFFD}".into())]);
        assert_eq!(lines("a\\\n"), vec![(2, "a".into())]);
        assert_eq!(lines("a\\\nb"), vec![(2, "ab".into())]);
        assert_eq!(lines(""), vec![]);
        // Plain lines around joined ones (the fast path and the joining one take turns).
        assert_eq!(
            lines("a\nb\\\nc\nd\\x\ne\n\\\n\nf\\\\\ng"),
            vec![
                (1, "a".into()),
                (3, "bc".into()),
                (4, "dx".into()),
                (5, "e".into()),
                (7, String::new()),
                (8, "f\\".into()),
                (9, "g".into())
            ]
        );
    }
}
