//! An index file's bytes, mapped into memory rather than read, as kmod does.
//!
//! A lookup visits a few dozen nodes of a file of up to a few MiB: mapping it costs one system
//! call and a page fault per page a lookup touches, where reading it costs a fresh buffer of the
//! file's size (one page fault per page) and a copy of every byte. For one `modprobe` process
//! that is most of its work.
//!
//! This module and [`crate::sigpipe`] are the only ones of `common` that use `unsafe` (modprobe's
//! configuration cache maps its file through here too). Here,
//! creating a mapping is `unsafe` because the mapped bytes change if another process changes
//! the file in place, and reading beyond the end of a file truncated after it was mapped raises
//! `SIGBUS`. See the `SAFETY`
//! comment in [`IndexBytes::open`] for why that does not happen to index files. When mapping
//! fails (a file system without `mmap`), the file is read instead.
#![allow(unsafe_code)]

use std::fs::File;
use std::io::{self, Read};
use std::ops::Deref;
use std::path::Path;

use memmap2::{Mmap, MmapOptions};

/// The bytes of an index file: mapped, or read when mapping is not possible.
#[derive(Debug)]
pub struct IndexBytes(Inner);

#[derive(Debug)]
enum Inner {
    Mapped(Mmap),
    Read(Vec<u8>),
}

impl IndexBytes {
    /// Maps (or, failing that, reads) the file at `path`; `None` when it holds more than
    /// `limit` bytes. Only regular files are mapped; anything else (a device, a pipe) is read,
    /// at most `limit + 1` bytes.
    ///
    /// # Errors
    ///
    /// The errors of opening the file, of reading it when it can't be mapped.
    pub fn open(path: &Path, limit: u64) -> io::Result<Option<IndexBytes>> {
        IndexBytes::of_file(File::open(path)?, limit)
    }

    /// [`IndexBytes::open`] for a file already open (modprobe's configuration cache, opened
    /// without following a link and checked, on the same terms: only ever replaced by a
    /// rename).
    ///
    /// # Errors
    ///
    /// The errors of reading the file when it can't be mapped.
    pub fn of_file(file: File, limit: u64) -> io::Result<Option<IndexBytes>> {
        let meta = file.metadata()?;
        if meta.is_file() {
            if meta.len() > limit {
                return Ok(None);
            }
            // SAFETY: the mapping is read-only and private (MAP_PRIVATE, as kmod maps these
            // files), and lives as long as `self`, which hands out the bytes only as borrows of
            // `self`. What could still invalidate it is another process rewriting or truncating
            // the file while it is mapped. Index files are never changed in place: depmod, ours
            // (`depmod::outputs`) as well as kmod's, writes each one to a temporary file and
            // renames it over the old one, so a mapped file's inode keeps its bytes until the last
            // mapping goes away. kmod's own `modprobe` maps these files on the same assumption.
            // The reader (`index::bin::Index`) bounds-checks every offset it follows, so bytes
            // that are not an index give errors, never a bad access. (memmap2 maps an empty file
            // as an empty slice.)
            let len = usize::try_from(meta.len()).unwrap_or(usize::MAX);
            if let Ok(map) = unsafe { MmapOptions::new().len(len).map_copy_read_only(&file) } {
                return Ok(Some(IndexBytes(Inner::Mapped(map))));
            }
        }
        let mut bytes = Vec::new();
        file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
        Ok((bytes.len() as u64 <= limit).then_some(IndexBytes(Inner::Read(bytes))))
    }

    /// Bytes already in memory (for tests and callers that built an index themselves).
    pub fn from_vec(bytes: Vec<u8>) -> IndexBytes {
        IndexBytes(Inner::Read(bytes))
    }

    /// Whether the file is mapped rather than read.
    pub fn is_mapped(&self) -> bool {
        matches!(self.0, Inner::Mapped(_))
    }
}

impl Deref for IndexBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match &self.0 {
            Inner::Mapped(m) => m,
            Inner::Read(v) => v,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_a_file_and_reads_an_empty_one() {
        let dir = std::env::temp_dir().join(format!("common-mapped-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("mkdir");
        let full = dir.join("full.bin");
        std::fs::write(&full, b"\xb0\x07\xf4\x57 and more").expect("write");
        let bytes = IndexBytes::open(&full, 1 << 20)
            .expect("open")
            .expect("small");
        assert!(bytes.is_mapped());
        assert_eq!(&*bytes, b"\xb0\x07\xf4\x57 and more");

        let empty = dir.join("empty.bin");
        std::fs::write(&empty, b"").expect("write");
        let bytes = IndexBytes::open(&empty, 1 << 20)
            .expect("open")
            .expect("small");
        assert!(bytes.is_empty());

        let err = IndexBytes::open(&dir.join("missing.bin"), 1 << 20).expect_err("missing");
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
