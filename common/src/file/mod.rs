//! Opening a module file: compression detected by magic bytes (never by extension), and xz, gzip
//! and zstd undone in user space when the kernel can't do it.
//!
//! Magic numbers: zstd `28 B5 2F FD` (RFC 8878), xz `FD 37 7A 58 5A 00` (the .xz file format
//! specification), gzip `1F 8B` (RFC 1952). Anything else is taken to be a plain ELF image.

use std::fmt;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use crate::error::Error;

/// Upper bound on a decompressed module image (1 GiB). The largest modules Debian ships are tens
/// of MiB; anything past this is a corrupt or hostile stream, not a module.
pub const MAX_IMAGE_SIZE: u64 = 1 << 30;

/// The endings of a module file's name: a plain module and the three compressions. kmod 30 as
/// Debian builds it knows `.ko`, `.ko.xz` and `.ko.zst`; `.ko.gz` is taken too, as a kmod built
/// with zlib takes it. Names only decide which files are modules (depmod's walk, modinfo's
/// arguments); how a file is compressed is read from its first bytes ([`Compression::detect`]).
pub const MODULE_SUFFIXES: [&str; 4] = [".ko", ".ko.xz", ".ko.gz", ".ko.zst"];

/// Whether a file name (or path) ends like a module file's ([`MODULE_SUFFIXES`]).
pub fn has_module_suffix(name: &[u8]) -> bool {
    MODULE_SUFFIXES.iter().any(|s| name.ends_with(s.as_bytes()))
}

/// How a module file is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// A plain ELF image (or something that isn't a module at all; the ELF parser decides).
    None,
    /// xz (`.ko.xz`).
    Xz,
    /// gzip (`.ko.gz`).
    Gzip,
    /// zstd (`.ko.zst`).
    Zstd,
}

impl Compression {
    /// Detects the compression of a file from its first bytes.
    pub fn detect(head: &[u8]) -> Compression {
        if head.starts_with(&[0x28, 0xB5, 0x2F, 0xFD]) {
            Compression::Zstd
        } else if head.starts_with(&[0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) {
            Compression::Xz
        } else if head.starts_with(&[0x1F, 0x8B]) {
            Compression::Gzip
        } else {
            Compression::None
        }
    }

    /// The name the kernel uses in `/sys/module/compression` (`xz`, `gzip`, `zstd`), or `none`.
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Xz => "xz",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }

    /// Parses a name as found in `/sys/module/compression`.
    pub fn from_name(name: &str) -> Option<Compression> {
        match name.trim() {
            "xz" => Some(Compression::Xz),
            "gzip" => Some(Compression::Gzip),
            "zstd" => Some(Compression::Zstd),
            "none" => Some(Compression::None),
            _ => None,
        }
    }
}

impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a compressed stream could not be turned into a module image.
#[derive(Debug, thiserror::Error)]
pub enum DecompressError {
    /// The stream is damaged or truncated.
    #[error("corrupt {format} stream: {}", crate::error::io_text(source))]
    Corrupt {
        /// The compression format.
        format: Compression,
        /// The decoder's complaint.
        #[source]
        source: io::Error,
    },
    /// The stream expands past [`MAX_IMAGE_SIZE`] (or the caller's limit).
    #[error("{format} stream expands past {limit} bytes")]
    TooLarge {
        /// The compression format.
        format: Compression,
        /// The limit that was hit.
        limit: u64,
    },
}

impl DecompressError {
    /// The line kmod 34.2's libkmod logs (as `libkmod: ERROR: xz_uncompress_belch: ...`) before
    /// the tool's own error, for a damaged xz stream: `xz: File is corrupt` (bad data),
    /// `xz: Unexpected end of input` (truncated), `xz: File format not recognized`,
    /// `xz: Unsupported compression options` (observed with `modinfo` in Debian 13 for the
    /// first two; the others are xz's texts for its other errors). `None` for the other
    /// formats and errors (kmod 30 logs nothing).
    pub fn decoder_message(&self) -> Option<String> {
        let DecompressError::Corrupt {
            format: Compression::Xz,
            source,
        } = self
        else {
            return None;
        };
        if source.kind() == io::ErrorKind::UnexpectedEof {
            return Some("xz: Unexpected end of input".into());
        }
        let text = match source.get_ref()?.downcast_ref::<liblzma::stream::Error>()? {
            liblzma::stream::Error::Data => "File is corrupt",
            liblzma::stream::Error::Format => "File format not recognized",
            liblzma::stream::Error::Options => "Unsupported compression options",
            _ => return None,
        };
        Some(format!("xz: {text}"))
    }
}

/// Decompresses `data` (in format `format`) into a module image of at most `limit` bytes.
/// [`Compression::None`] returns a copy.
pub fn decompress(
    data: &[u8],
    format: Compression,
    limit: u64,
) -> Result<Vec<u8>, DecompressError> {
    let mut out = Vec::new();
    decompress_into(data, format, limit, &mut out)?;
    Ok(out)
}

/// Like [`decompress`], into `out` (cleared first; its capacity is reused, which saves the page
/// faults of a fresh buffer per module when many are read in a row).
pub fn decompress_into(
    data: &[u8],
    format: Compression,
    limit: u64,
    out: &mut Vec<u8>,
) -> Result<(), DecompressError> {
    out.clear();
    if format == Compression::Xz && decompress_xz_in_memory(data, limit, out) {
        return Ok(());
    }
    out.clear();
    let corrupt = |source| DecompressError::Corrupt { format, source };
    let reader: Box<dyn Read + '_> = match format {
        Compression::None => {
            if data.len() as u64 > limit {
                return Err(DecompressError::TooLarge { format, limit });
            }
            out.extend_from_slice(data);
            return Ok(());
        }
        Compression::Xz => Box::new(liblzma::read::XzDecoder::new(data)),
        Compression::Gzip => Box::new(flate2::read::GzDecoder::new(data)),
        Compression::Zstd => {
            Box::new(zstd::stream::read::Decoder::with_buffer(data).map_err(corrupt)?)
        }
    };
    // A guess for the image size, never past the limit (a big hostile stream must not make us
    // reserve more than the limit allows).
    let guess = data.len().saturating_mul(4);
    out.reserve(usize::try_from(limit.saturating_add(1)).map_or(guess, |l| guess.min(l)));
    reader
        .take(limit.saturating_add(1))
        .read_to_end(out)
        .map_err(corrupt)?;
    if out.len() as u64 > limit {
        return Err(DecompressError::TooLarge { format, limit });
    }
    Ok(())
}

/// How many bytes at the end of an `.xz` file [`xz_single_block`] looks at: the stream footer
/// and a one-record index fit in 40.
const XZ_TAIL: usize = 64;

/// Where an `.xz` file of `len` bytes made of one stream of one block with a CRC32 check (as
/// the kernel's build and `xz` write modules) keeps the check, and the block's uncompressed
/// size; read from its first 12 bytes (`head`, the stream header) and its last bytes (`tail`,
/// at most [`XZ_TAIL`]: the index and stream footer), without decoding. `None` for any other
/// layout (several streams or blocks, stream padding, another check) or a damaged one.
fn xz_single_block(head: &[u8], tail: &[u8], len: usize) -> Option<(usize, u64)> {
    const HEADER: usize = 12;
    const MAGIC: [u8; 6] = [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00];
    const CRC32_FLAGS: [u8; 2] = [0x00, 0x01];
    if len < 2 * HEADER || !head.starts_with(&MAGIC) || head.get(6..8)? != CRC32_FLAGS {
        return None;
    }
    // Stream footer: CRC32, backward size, flags, "YZ".
    let footer = tail.get(tail.len().checked_sub(HEADER)?..)?;
    if footer.get(8..12)? != [0x00, 0x01, b'Y', b'Z'] {
        return None;
    }
    let backward = (u64::from(u32::from_le_bytes(footer.get(4..8)?.try_into().ok()?)) + 1) * 4;
    let backward = usize::try_from(backward).ok()?;
    let index_at = (len - HEADER).checked_sub(backward)?;
    let index = tail.get((tail.len() - HEADER).checked_sub(backward)?..tail.len() - HEADER)?;
    // Index: indicator 0, record count, (unpadded size, uncompressed size) per record.
    let mut at = 1;
    let mut varint = || -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..63).step_by(7) {
            let b = *index.get(at)?;
            at += 1;
            v |= u64::from(b & 0x7F) << shift;
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    };
    if index.first() != Some(&0) || varint()? != 1 {
        return None;
    }
    let unpadded = usize::try_from(varint()?).ok()?;
    let uncompressed = varint()?;
    // The block (header, data, padding, check) fills the space between stream header and index.
    let block_end = HEADER.checked_add(unpadded.checked_add(3)? & !3)?;
    if block_end != index_at || unpadded < 4 + 8 {
        return None;
    }
    Some((block_end - 4, uncompressed))
}

/// Decodes a single-block, CRC32-checked `.xz` module of `len` bytes ([`xz_single_block`])
/// into `out`: sized once from the index, the compressed bytes read in pieces through
/// `read_at(buffer, offset)` (which returns how many bytes it read), and the check computed
/// with `crc32fast` rather than by liblzma. `false` when the stream is of another layout, past
/// `limit`, or fails in any way: the caller then decodes it the ordinary way, which gives the
/// same image or reports the same error.
fn decompress_xz_single_block(
    len: usize,
    read_at: &mut dyn FnMut(&mut [u8], u64) -> io::Result<usize>,
    limit: u64,
    out: &mut Vec<u8>,
) -> bool {
    use liblzma::stream::{Action, Status, Stream, IGNORE_CHECK};
    let mut read_exact = |buf: &mut [u8], at: usize| -> Option<()> {
        let mut got = 0;
        while got < buf.len() {
            match read_at(&mut buf[got..], (at + got) as u64) {
                Ok(0) => return None,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return None,
            }
        }
        Some(())
    };
    let (mut head, mut tail) = ([0u8; 12], [0u8; XZ_TAIL]);
    let tail = &mut tail[..XZ_TAIL.min(len)];
    if len < head.len()
        || read_exact(&mut head, 0).is_none()
        || read_exact(tail, len - tail.len()).is_none()
    {
        return false;
    }
    let Some((check_at, size)) = xz_single_block(&head, tail, len) else {
        return false;
    };
    let Some(size) = usize::try_from(size).ok().filter(|&s| s as u64 <= limit) else {
        return false;
    };
    let mut check = [0u8; 4];
    if read_exact(&mut check, check_at).is_none() {
        return false;
    }
    let Ok(mut stream) = Stream::new_stream_decoder(u64::MAX, IGNORE_CHECK) else {
        return false;
    };
    out.clear();
    // An image of several MiB is freed right after its parse. glibc's malloc maps so large a
    // block on its own and, when it is freed, raises the size from which it maps blocks to the
    // block's size (up to 32 MiB), after which smaller blocks come from the heap and stay in the
    // process once freed: amdgpu's 29 MB image added about 10 MiB to the peak of the rest of a
    // run. A reservation past 32 MiB (address space only: pages never written take no memory)
    // leaves that size alone.
    out.reserve_exact(if size > LARGE_IMAGE {
        size.max(UNTRACKED_BLOCK)
    } else {
        size
    });
    let mut chunk = vec![0u8; XZ_CHUNK.min(len)];
    let mut at = 0;
    loop {
        let n = chunk.len().min(len - at);
        if n == 0 || read_exact(&mut chunk[..n], at).is_none() {
            return false;
        }
        at += n;
        let action = if at == len {
            Action::Finish
        } else {
            Action::Run
        };
        let mut input = &chunk[..n];
        loop {
            let before = stream.total_in();
            let status = stream.process_vec(input, out, action);
            input = &input[(stream.total_in() - before) as usize..];
            match status {
                // liblzma checks the block against the sizes the index gives, the output
                // can't overrun.
                Ok(Status::StreamEnd) => {
                    return input.is_empty()
                        && at == len
                        && out.len() == size
                        && crc32fast::hash(out).to_le_bytes() == check;
                }
                Ok(_) if input.is_empty() => break,
                // Input left but no room for the output: not the size the index gave.
                Ok(_) if out.len() == out.capacity() => return false,
                Ok(_) => {}
                Err(_) => return false,
            }
        }
    }
}

/// Images larger than this get an [`UNTRACKED_BLOCK`] reservation.
const LARGE_IMAGE: usize = 4 << 20;

/// A block size past glibc's largest mapping threshold (32 MiB on 64-bit systems).
const UNTRACKED_BLOCK: usize = (32 << 20) + (64 << 10);

/// How much of a compressed module [`decompress_xz_single_block`] reads at a time.
const XZ_CHUNK: usize = 64 << 10;

/// [`decompress_xz_single_block`] of a stream in memory.
fn decompress_xz_in_memory(data: &[u8], limit: u64, out: &mut Vec<u8>) -> bool {
    let mut read_at = |buf: &mut [u8], at: u64| -> io::Result<usize> {
        let rest = usize::try_from(at)
            .ok()
            .and_then(|at| data.get(at..))
            .unwrap_or_default();
        let n = buf.len().min(rest.len());
        buf[..n].copy_from_slice(&rest[..n]);
        Ok(n)
    };
    decompress_xz_single_block(data.len(), &mut read_at, limit, out)
}

/// An open module file, its compression sniffed from its first bytes.
#[derive(Debug)]
pub struct ModuleFile {
    path: PathBuf,
    file: File,
    compression: Compression,
}

impl ModuleFile {
    /// Opens `path` and detects its compression.
    pub fn open(path: impl AsRef<Path>) -> Result<ModuleFile, Error> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let mut head = [0u8; 6];
        let mut got = 0;
        while got < head.len() {
            match file.read_at(&mut head[got..], got as u64) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::io(path, e)),
            }
        }
        Ok(ModuleFile {
            path: path.to_path_buf(),
            compression: Compression::detect(&head[..got]),
            file,
        })
    }

    /// The path the file was opened by.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The open file (e.g. for `finit_module`).
    pub fn file(&self) -> &File {
        &self.file
    }

    /// The file's compression.
    pub fn compression(&self) -> Compression {
        self.compression
    }

    /// Reads the whole file and returns the decompressed module image.
    pub fn read_image(&self) -> Result<Vec<u8>, Error> {
        let mut image = Vec::new();
        self.read_image_into(&mut Vec::new(), &mut image)?;
        Ok(image)
    }

    /// Reads the decompressed module image into `image`, using `raw` for the compressed bytes;
    /// both buffers are cleared first and their capacity reused. Images, and compressed files,
    /// larger than [`MAX_IMAGE_SIZE`] are refused without being read past the limit.
    pub fn read_image_into(&self, raw: &mut Vec<u8>, image: &mut Vec<u8>) -> Result<(), Error> {
        self.read_image_limited(raw, image, MAX_IMAGE_SIZE)
    }

    /// [`ModuleFile::read_image_into`] with `limit` in place of [`MAX_IMAGE_SIZE`].
    fn read_image_limited(
        &self,
        raw: &mut Vec<u8>,
        image: &mut Vec<u8>,
        limit: u64,
    ) -> Result<(), Error> {
        let too_large = |format| Error::Decompress {
            path: self.path.clone(),
            source: DecompressError::TooLarge { format, limit },
        };
        // Reads from the start (so this can be called again), at most `limit + 1` bytes (the
        // file may be a device or still growing): one more than the limit means too large.
        let read = |buf: &mut Vec<u8>| {
            buf.clear();
            (&self.file)
                .seek(SeekFrom::Start(0))
                .map_err(|e| Error::io(&self.path, e))?;
            (&self.file)
                .take(limit.saturating_add(1))
                .read_to_end(buf)
                .map_err(|e| Error::io(&self.path, e))?;
            Ok::<bool, Error>(buf.len() as u64 <= limit)
        };
        if self.compression == Compression::None {
            if !read(image)? {
                image.clear();
                return Err(too_large(Compression::None));
            }
            return Ok(());
        }
        // Modules compressed as the kernel's build does are decoded straight from the file.
        if self.compression == Compression::Xz {
            let len = self.file.metadata().map(|m| m.len()).unwrap_or(0);
            if let Ok(len) = usize::try_from(len) {
                let mut read_at = |buf: &mut [u8], at: u64| self.file.read_at(buf, at);
                if len as u64 <= limit
                    && decompress_xz_single_block(len, &mut read_at, limit, image)
                {
                    return Ok(());
                }
            }
        }
        // A compressed stream past the limit would not expand into an image within it either.
        if !read(raw)? {
            raw.clear();
            return Err(too_large(self.compression));
        }
        decompress_into(raw, self.compression, limit, image).map_err(|source| Error::Decompress {
            path: self.path.clone(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const IMAGE: &[u8] =
        b"\x7fELF pretend module image, long enough to compress somewhat well well well";

    /// kmod 34.2's `modinfo` on a truncated and on a damaged `.ko.xz` (Debian 13): `xz:
    /// Unexpected end of input`, `xz: File is corrupt`.
    #[test]
    fn damaged_xz_messages() {
        let good = xz(&[7u8; 4096]);
        let cut = &good[..good.len() / 2];
        let err = decompress(cut, Compression::Xz, 1 << 20).expect_err("cut");
        assert_eq!(
            err.decoder_message().as_deref(),
            Some("xz: Unexpected end of input")
        );
        let mut flipped = good.clone();
        let mid = flipped.len() / 2;
        flipped[mid..mid + 4].copy_from_slice(&[0xff; 4]);
        let err = decompress(&flipped, Compression::Xz, 1 << 20).expect_err("flipped");
        assert_eq!(
            err.decoder_message().as_deref(),
            Some("xz: File is corrupt")
        );
        let err = decompress(&flipped, Compression::Zstd, 1 << 20).expect_err("not zstd");
        assert_eq!(err.decoder_message(), None);
    }

    fn xz(data: &[u8]) -> Vec<u8> {
        let mut e = liblzma::write::XzEncoder::new(Vec::new(), 6);
        e.write_all(data).expect("xz");
        e.finish().expect("xz")
    }

    /// xz as the kernel's build compresses modules: `xz --check=crc32`.
    fn xz_crc32(data: &[u8]) -> Vec<u8> {
        let stream = liblzma::stream::Stream::new_easy_encoder(6, liblzma::stream::Check::Crc32)
            .expect("encoder");
        let mut e = liblzma::write::XzEncoder::new_stream(Vec::new(), stream);
        e.write_all(data).expect("xz");
        e.finish().expect("xz")
    }

    /// Modules compressed like the kernel's take the one-call path; a damaged check, a cut
    /// stream, another check type or a size past the limit don't, and the ordinary decoder
    /// then reports them as before.
    #[test]
    fn single_block_xz_path() {
        let image: Vec<u8> = (0..100_000u32)
            .map(|i| (i % 251) as u8 ^ (i >> 9) as u8)
            .collect();
        let data = xz_crc32(&image);
        let mut out = Vec::new();
        assert!(decompress_xz_in_memory(&data, MAX_IMAGE_SIZE, &mut out));
        assert!(out == image);
        assert_eq!(out.capacity(), image.len());
        assert!(!decompress_xz_in_memory(
            &data,
            image.len() as u64 - 1,
            &mut Vec::new()
        ));
        assert!(!decompress_xz_in_memory(
            &xz(&image),
            MAX_IMAGE_SIZE,
            &mut Vec::new()
        ));
        assert!(!decompress_xz_in_memory(
            &data[..data.len() - 1],
            MAX_IMAGE_SIZE,
            &mut Vec::new()
        ));
        let tail = &data[data.len() - XZ_TAIL..];
        let (check_at, size) = xz_single_block(&data[..12], tail, data.len()).expect("layout");
        assert_eq!(size, image.len() as u64);
        let mut bad = data.clone();
        bad[check_at] ^= 1;
        assert!(!decompress_xz_in_memory(
            &bad,
            MAX_IMAGE_SIZE,
            &mut Vec::new()
        ));
        let err = decompress(&bad, Compression::Xz, MAX_IMAGE_SIZE).expect_err("bad check");
        assert_eq!(
            err.decoder_message().as_deref(),
            Some("xz: File is corrupt")
        );
        // Incompressible: several pieces of input, through a file.
        let noise: Vec<u8> = (0..300_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let dir = std::env::temp_dir().join(format!("common-file-xz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("mkdir");
        let path = dir.join("noise.ko.xz");
        std::fs::write(&path, xz_crc32(&noise)).expect("write");
        let m = ModuleFile::open(&path).expect("open");
        let (mut raw, mut got) = (Vec::new(), Vec::new());
        m.read_image_into(&mut raw, &mut got).expect("decodes");
        assert!(got == noise && raw.is_empty(), "{} bytes", got.len());
        std::fs::remove_dir_all(&dir).expect("cleanup");
        // Two streams back to back: the ordinary path decodes them as it always did.
        let mut two = data.clone();
        two.extend_from_slice(&data);
        assert!(!decompress_xz_in_memory(
            &two,
            MAX_IMAGE_SIZE,
            &mut Vec::new()
        ));
    }

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).expect("gz");
        e.finish().expect("gz")
    }

    fn zst(data: &[u8]) -> Vec<u8> {
        zstd::stream::encode_all(data, 3).expect("zstd")
    }

    #[test]
    fn detects_by_magic() {
        assert_eq!(Compression::detect(&xz(IMAGE)), Compression::Xz);
        assert_eq!(Compression::detect(&gz(IMAGE)), Compression::Gzip);
        assert_eq!(Compression::detect(&zst(IMAGE)), Compression::Zstd);
        assert_eq!(Compression::detect(IMAGE), Compression::None);
        assert_eq!(Compression::detect(b""), Compression::None);
        assert_eq!(Compression::detect(&[0xFD, 0x37, 0x7A]), Compression::None);
    }

    #[test]
    fn round_trips_every_format() {
        for (format, data) in [
            (Compression::Xz, xz(IMAGE)),
            (Compression::Gzip, gz(IMAGE)),
            (Compression::Zstd, zst(IMAGE)),
            (Compression::None, IMAGE.to_vec()),
        ] {
            assert_eq!(
                decompress(&data, format, MAX_IMAGE_SIZE).expect("decompress"),
                IMAGE
            );
        }
    }

    #[test]
    fn size_is_bounded() {
        let big = vec![0u8; 1 << 20];
        for (format, data) in [
            (Compression::Xz, xz(&big)),
            (Compression::Gzip, gz(&big)),
            (Compression::Zstd, zst(&big)),
            (Compression::None, big.clone()),
        ] {
            let err = decompress(&data, format, 4096).expect_err("must hit the limit");
            assert!(
                matches!(err, DecompressError::TooLarge { limit: 4096, .. }),
                "{err}"
            );
            assert_eq!(
                decompress(&data, format, 1 << 20)
                    .expect("at the limit")
                    .len(),
                1 << 20
            );
        }
    }

    #[test]
    fn corrupt_and_truncated_streams_are_errors() {
        for (format, data) in [
            (Compression::Xz, xz(IMAGE)),
            (Compression::Gzip, gz(IMAGE)),
            (Compression::Zstd, zst(IMAGE)),
        ] {
            for cut in [data.len() / 2, data.len() - 1] {
                let err = decompress(&data[..cut], format, MAX_IMAGE_SIZE);
                assert!(err.is_err(), "{format} cut at {cut} accepted");
            }
            let mut flipped = data.clone();
            let mid = flipped.len() / 2;
            flipped[mid] ^= 0xFF;
            match decompress(&flipped, format, MAX_IMAGE_SIZE) {
                Err(e) => assert!(
                    e.to_string()
                        .starts_with(&format!("corrupt {format} stream")),
                    "{e}"
                ),
                Ok(out) => assert_ne!(out, IMAGE, "{format}: flipped stream gave the original"),
            }
        }
    }

    #[test]
    fn reads_stop_at_the_limit() {
        let dir = std::env::temp_dir().join(format!("common-file-limit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("mkdir");
        let big = vec![7u8; 10_000];
        for (name, data) in [("plain.ko", big.clone()), ("big.ko.xz", xz(&big))] {
            let path = dir.join(name);
            std::fs::write(&path, &data).expect("write");
            let m = ModuleFile::open(&path).expect("open");
            let (mut raw, mut image) = (Vec::new(), Vec::new());
            let err = m
                .read_image_limited(&mut raw, &mut image, 4096)
                .expect_err("past the limit");
            assert!(err.to_string().contains("expands past 4096 bytes"), "{err}");
            assert!(image.len() <= 4097 && raw.len() <= 4097);
            m.read_image_limited(&mut raw, &mut image, 10_000)
                .expect("at the limit, read again from the start");
            assert!(image == big, "{name}: {} bytes", image.len());
        }
        // A compressed file larger than the limit is refused before decompressing.
        let noise: Vec<u8> = (0..20_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let path = dir.join("noise.ko.xz");
        std::fs::write(&path, xz(&noise)).expect("write");
        let m = ModuleFile::open(&path).expect("open");
        let err = m
            .read_image_limited(&mut Vec::new(), &mut Vec::new(), 8192)
            .expect_err("compressed file past the limit");
        assert!(
            err.to_string().contains("xz stream expands past 8192"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn open_sniffs_and_reads() {
        let dir = std::env::temp_dir().join(format!("common-file-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("mkdir");
        let path = dir.join("m.ko"); // extension says plain; content is xz
        std::fs::write(&path, xz(IMAGE)).expect("write");
        let m = ModuleFile::open(&path).expect("open");
        assert_eq!(m.compression(), Compression::Xz);
        assert_eq!(m.read_image().expect("read"), IMAGE);
        let missing = ModuleFile::open(dir.join("missing.ko")).expect_err("missing");
        assert_eq!(missing.errno(), Some(nix::errno::Errno::ENOENT));
        assert!(missing.to_string().contains("missing.ko"), "{missing}");
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
