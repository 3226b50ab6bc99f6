//! What is read from a module's file: `.modinfo` (with the signature, as modinfo shows it),
//! `__versions`, exported symbols and the symbols it needs. Each returns the list items, or a
//! negative errno as kmod 34.2 returns it (observed with Debian 13's library; see
//! docs/libkmod-info.md):
//!
//! - a module without a file (not in modules.dep, not given by path): `-ENOENT`;
//! - the file can't be opened or read: `-errno` (`-EISDIR` for a directory);
//! - a plain file shorter than 6 bytes (too short to tell its compression): `-EINVAL`; at most
//!   16 bytes, or not starting with the ELF magic: `-ENOEXEC`; any other damage: `-EINVAL`;
//! - a damaged compressed stream: `-EINVAL`, after the decoder's complaint in the log;
//! - nothing to list (no `.modinfo`, `__versions`, exported or undefined symbols): `-ENODATA`
//!   (kmod 30: `-ENOENT`); an empty `.modinfo` is 0 entries.
//!
//! A failure is not remembered: the next call reads the file again. A file read once is kept
//! ([`Module::image`]) and used by the later calls, as kmod keeps its open file.

use std::rc::Rc;

use common::elf::{self, ElfError};
use common::error::Error;
use common::file::{Compression, DecompressError, ModuleFile, MAX_IMAGE_SIZE};
use common::index::files::{builtin_record_of, builtin_records, MODULES_BUILTIN_MODINFO};
use common::signature;

use crate::ffi::{to_cstring, EINVAL, ENOENT};
use crate::list::Item;
use crate::log::LOG_ERR;
use crate::module::Module;

/// `STB_WEAK`: the only binding kmod reports apart from `'U'`.
const STB_WEAK: u8 = 2;
/// `KMOD_SYMBOL_UNDEF`.
const BIND_UNDEF: u8 = b'U';
/// `KMOD_SYMBOL_WEAK`.
const BIND_WEAK: u8 = b'W';

/// `kmod_module_get_info`: a built-in module's lines of `modules.builtin.modinfo` (`-ENOENT`
/// without that file), else the `.modinfo` strings of its file; then, if the file has been
/// read (always, for a module that isn't built in), its signature fields. Each string is split
/// at its first `=` (none: an empty value); empty strings are skipped.
pub fn info(m: &Module) -> Result<Vec<Item>, i32> {
    let mut items: Vec<Item> = if m.is_builtin() {
        builtin_info(m)?
    } else {
        let image = image(m)?;
        match elf::modinfo_strings(&image) {
            Ok(Some(strings)) => strings.into_iter().map(info_item).collect(),
            Ok(None) => return Err(-libc::ENODATA),
            Err(e) => return Err(elf_errno(&e)),
        }
    };
    let image = m.image.borrow().clone();
    if let Some(sig) = image.and_then(|i| signature::parse(&i).ok()) {
        let fields: [(&str, Vec<u8>); 5] = [
            ("sig_id", sig.id_type.name().into()),
            ("signer", sig.signer),
            ("sig_key", hex_lines(&sig.key_id)),
            ("sig_hashalgo", sig.hash.name().into()),
            ("signature", hex_lines(&sig.signature)),
        ];
        items.extend(fields.into_iter().map(|(k, v)| Item::Info {
            key: to_cstring(k),
            value: to_cstring(v),
        }));
    }
    Ok(items)
}

/// A built-in module's `modules.builtin.modinfo` entries (none is not an error).
fn builtin_info(m: &Module) -> Result<Vec<Item>, i32> {
    let path = m.ctx.module_dir().join(MODULES_BUILTIN_MODINFO);
    let data = std::fs::read(path).map_err(|e| -e.raw_os_error().unwrap_or(ENOENT))?;
    let name = m.name_str();
    Ok(builtin_records(&data)
        .filter_map(|record| builtin_record_of(record, &name))
        .map(info_item)
        .collect())
}

/// A `key=value` string as a list item.
fn info_item(s: &[u8]) -> Item {
    let (key, value) = match s.iter().position(|&b| b == b'=') {
        Some(eq) => (&s[..eq], &s[eq + 1..]),
        None => (s, &[][..]),
    };
    Item::Info {
        key: to_cstring(key),
        value: to_cstring(value),
    }
}

/// Bytes as kmod shows keys and signatures: upper-case hex joined by ':', a line break and two
/// tabs after every 20th byte that is not the last.
fn hex_lines(bytes: &[u8]) -> Vec<u8> {
    let mut out = String::with_capacity(bytes.len() * 3 + bytes.len() / 20 * 3);
    for (i, b) in bytes.iter().enumerate() {
        out.push_str(&format!("{b:02X}"));
        if i + 1 < bytes.len() {
            out.push(':');
            if (i + 1) % 20 == 0 {
                out.push_str("\n\t\t");
            }
        }
    }
    out.into_bytes()
}

/// `kmod_module_get_versions`: the `__versions` records, in file order.
pub fn versions(m: &Module) -> Result<Vec<Item>, i32> {
    let image = image(m)?;
    let versions = elf::symbol_versions(&image).map_err(|e| elf_errno(&e))?;
    non_empty(
        versions
            .into_iter()
            .map(|v| Item::Symbol {
                symbol: to_cstring(v.name),
                crc: v.crc,
            })
            .collect(),
    )
}

/// `kmod_module_get_symbols`: the exported symbols (`__crc_` symbols of `.symtab` with their
/// CRCs, else the names of `__ksymtab_strings` with CRC 0).
pub fn symbols(m: &Module) -> Result<Vec<Item>, i32> {
    let image = image(m)?;
    let exports = elf::exported_symbols(&image).map_err(|e| elf_errno(&e))?;
    non_empty(
        exports
            .into_iter()
            .map(|e| Item::Symbol {
                symbol: to_cstring(e.name),
                crc: e.crc.unwrap_or(0),
            })
            .collect(),
    )
}

/// `kmod_module_get_dependency_symbols`: the undefined symbols of `.symtab` in table order,
/// each with its `__versions` CRC (0 without one) and `'W'` if weak, else `'U'`; then the
/// `__versions` records no undefined symbol names (`module_layout`), as `'U'`.
pub fn dependency_symbols(m: &Module) -> Result<Vec<Item>, i32> {
    let image = image(m)?;
    let versions = elf::symbol_versions(&image).map_err(|e| elf_errno(&e))?;
    let undefined = elf::undefined_symbols(&image).map_err(|e| elf_errno(&e))?;
    let crcs: std::collections::HashMap<&str, u64> = versions
        .iter()
        .rev()
        .map(|v| (v.name.as_str(), v.crc))
        .collect();
    let named: std::collections::HashSet<&str> =
        undefined.iter().map(|u| u.name.as_str()).collect();
    let mut items: Vec<Item> = undefined
        .iter()
        .map(|u| {
            Item::dependency_symbol(
                &u.name,
                crcs.get(u.name.as_str()).copied().unwrap_or(0),
                if u.bind == STB_WEAK {
                    BIND_WEAK
                } else {
                    BIND_UNDEF
                },
            )
        })
        .collect();
    items.extend(
        versions
            .iter()
            .filter(|v| !named.contains(v.name.as_str()))
            .map(|v| Item::dependency_symbol(&v.name, v.crc, BIND_UNDEF)),
    );
    non_empty(items)
}

/// `items`, or `-ENODATA` for none (kmod 34.2; kmod 30 says `-ENOENT`).
fn non_empty(items: Vec<Item>) -> Result<Vec<Item>, i32> {
    if items.is_empty() {
        Err(-libc::ENODATA)
    } else {
        Ok(items)
    }
}

/// The errno kmod gives for an image its ELF reader refuses.
fn elf_errno(e: &ElfError) -> i32 {
    match e {
        ElfError::NotElf => -libc::ENOEXEC,
        _ => -EINVAL,
    }
}

/// The module's decompressed image: the one read before, else its file read now (and kept).
pub fn image(m: &Module) -> Result<Rc<[u8]>, i32> {
    if let Some(image) = m.image.borrow().as_ref() {
        return Ok(Rc::clone(image));
    }
    let path = m.path_buf().ok_or(-ENOENT)?;
    let io_errno = |e: &Error| -e.errno().map_or(libc::EIO, |e| e as i32);
    let file = ModuleFile::open(&path).map_err(|e| io_errno(&e))?;
    if file.compression() == Compression::None {
        // kmod reads the first 6 bytes to tell the compression: fewer is EINVAL.
        let len = file
            .file()
            .metadata()
            .map_err(|e| -e.raw_os_error().unwrap_or(libc::EIO))?
            .len();
        if len < 6 {
            return Err(-EINVAL);
        }
    }
    let image = file.read_image().map_err(|e| match &e {
        Error::Decompress { source, .. } => {
            log_decoder(m, &path, file.compression(), source);
            -EINVAL
        }
        Error::Io { .. } => io_errno(&e),
        _ => -EINVAL,
    })?;
    if image.len() <= 16 || !image.starts_with(b"\x7fELF") {
        return Err(-libc::ENOEXEC);
    }
    let image: Rc<[u8]> = image.into();
    *m.image.borrow_mut() = Some(Rc::clone(&image));
    Ok(image)
}

/// kmod 34.2 logs the decoder's complaint about a damaged stream (kmod 30 logs nothing).
fn log_decoder(m: &Module, path: &std::path::Path, format: Compression, e: &DecompressError) {
    let (func, msg) = match format {
        Compression::Xz => ("xz_uncompress_belch", e.decoder_message()),
        Compression::Zstd => (
            "kmod_file_load_zstd",
            std::fs::read(path)
                .ok()
                .and_then(|raw| zstd_message(&raw))
                .map(|msg| format!("zstd: {msg}")),
        ),
        _ => return,
    };
    if let Some(msg) = msg {
        crate::log!(m.ctx, LOG_ERR, func, "{msg}\n");
    }
}

/// What libzstd says about a stream, decoded the way kmod 34.2 decodes it: one call into a
/// buffer of the size the frame header gives. `None` when the header can't be read (kmod logs
/// nothing then) or the stream decodes.
fn zstd_message(raw: &[u8]) -> Option<String> {
    use zstd::zstd_safe;
    let size = match zstd_safe::get_frame_content_size(raw) {
        Ok(Some(size)) => size,
        Ok(None) => return Some("Failed to determine decompression size".into()),
        Err(_) => return None,
    };
    let mut out: Vec<u8> = Vec::with_capacity(usize::try_from(size.min(MAX_IMAGE_SIZE)).ok()?);
    match zstd_safe::decompress(&mut out, raw) {
        Ok(_) => None,
        Err(code) => Some(zstd_safe::get_error_name(code).to_string()),
    }
}
