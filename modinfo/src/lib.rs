//! modinfo's work: resolving each argument to modules (a file, or a name looked up the way
//! kmod 30 does) and printing their `.modinfo`, signature and parameters in kmod 30's format.
//!
//! The output format, observed from Debian's kmod 30 (`docs/kmod-facts.md`, "modinfo"):
//! - a header: `filename:` and the file's path, or for a built-in module without a file
//!   `name:` and its name, then `filename:` and `(builtin)`;
//! - each `.modinfo` string but `parm` / `parmtype`, in file order, as `key:` padded with
//!   `|15 - len(key)|` spaces (C's `%-*s` with a negative width) and the value; with `-0`,
//!   `key=value` instead (the header keeps its padded form);
//! - for a signed module `sig_id`, `signer`, `sig_key`, `sig_hashalgo` and `signature` the same
//!   way, key and signature as upper-case hex bytes joined by ':', 20 bytes a line, continuation
//!   lines starting with two tabs;
//! - the parameters, merged from `parm=NAME:DESC` and `parmtype=NAME:TYPE` strings: one entry per
//!   name, in reverse order of first appearance, a later string replacing an earlier one's
//!   description or type; each printed as `parm:` padded, then `NAME:DESC (TYPE)`, `NAME:DESC`
//!   without a type, `NAME:TYPE` without a description. A string without ':' is reported as
//!   invalid and skipped.
//!
//! With `-F FIELD` only the values of that key are printed, one per line; `-F filename` prints
//! the path (or `(builtin)`) without reading the module, `-F name` of a built-in module without
//! a file its name first, and `-F parm` the merged parameters as `NAME:DESC (TYPE)` whenever
//! there is a type (an empty description then).
//!
//! Lines end with '\n', or with '\0' under `-0` (but a signature's continuation lines keep
//! their "\n\t\t").

use std::cell::OnceCell;
use std::ffi::{OsStr, OsString};
use std::fs;
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use common::cli::Reporter;
use common::context::{absolute, Context};
use common::error::errno_text;
use common::file::{has_module_suffix, Compression, ModuleFile, MAX_IMAGE_SIZE};
use common::index::files::{
    builtin_record_of, builtin_records, MODULES_BUILTIN_MODINFO, SYMBOL_PREFIX,
};
use common::index::lookup::{IndexFileError, Indexes};
use common::json::{put_bytes, write_document};
use common::modprobe::Target;
use common::name::alias_key;
use common::report::{Report, ReportExt};
use serde_json::{Map, Value};

use common::signature::{self, ModuleSignature};
use common::{elf, name};
use nix::errno::Errno;

/// The `.modinfo` key of parameter descriptions.
const PARM: &[u8] = b"parm";
/// The `.modinfo` key of parameter types.
const PARMTYPE: &[u8] = b"parmtype";

/// What to print.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// `-F FIELD` (or `-a -d -l -p -n`): print only this key's values.
    pub field: Option<String>,
    /// `-0`: end lines with NUL.
    pub null: bool,
}

/// The first lines of a module's output: where the module is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Header<'a> {
    /// A module file, by the path shown.
    File(&'a OsStr),
    /// A built-in module without a file.
    Builtin(&'a str),
}

/// A module's entries: its `.modinfo` strings (or a built-in module's lines of
/// `modules.builtin.modinfo`) split at the first '=' (an entry without one has an empty value),
/// in file order, then its signature fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Info {
    /// `(key, value)` pairs.
    pub entries: Vec<(Vec<u8>, Vec<u8>)>,
}

impl Info {
    /// The entries of `key=value` strings.
    pub fn from_strings<'a>(strings: impl IntoIterator<Item = &'a [u8]>) -> Info {
        let entries = strings
            .into_iter()
            .map(|s| match s.iter().position(|&b| b == b'=') {
                Some(eq) => (s[..eq].to_vec(), s[eq + 1..].to_vec()),
                None => (s.to_vec(), Vec::new()),
            })
            .collect();
        Info { entries }
    }

    /// Appends the signature fields modinfo shows for `sig`.
    pub fn add_signature(&mut self, sig: &ModuleSignature) {
        let fields: [(&[u8], Vec<u8>); 5] = [
            (b"sig_id", sig.id_type.name().into()),
            (b"signer", sig.signer.clone()),
            (b"sig_key", hex_lines(&sig.key_id)),
            (b"sig_hashalgo", sig.hash.name().into()),
            (b"signature", hex_lines(&sig.signature)),
        ];
        self.entries
            .extend(fields.into_iter().map(|(k, v)| (k.to_vec(), v)));
    }
}

/// Bytes as modinfo prints keys and signatures: upper-case hex joined by ':', a line break and
/// two tabs after every 20th byte that is not the last.
pub fn hex_lines(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() * 3 + bytes.len() / 20 * 3);
    for (i, b) in bytes.iter().enumerate() {
        let _ = write!(out, "{b:02X}");
        if i + 1 < bytes.len() {
            out.push(b':');
            if (i + 1) % 20 == 0 {
                out.extend_from_slice(b"\n\t\t");
            }
        }
    }
    out
}

impl Options {
    fn end(&self) -> u8 {
        if self.null {
            0
        } else {
            b'\n'
        }
    }

    /// `key:` padded the way kmod pads (`%s:%-*s` with width `15 - len(key)`), then `value`.
    fn padded(&self, out: &mut Vec<u8>, key: &[u8], value: &[u8]) {
        out.extend_from_slice(key);
        out.push(b':');
        out.resize(out.len() + key.len().abs_diff(15), b' ');
        out.extend_from_slice(value);
        out.push(self.end());
    }

    /// Writes the header lines of a module. Returns whether the module's entries are wanted too
    /// (not for `-F filename`).
    pub fn write_header(&self, out: &mut Vec<u8>, header: Header<'_>) -> bool {
        let filename: &[u8] = match header {
            Header::File(path) => path.as_bytes(),
            Header::Builtin(_) => b"(builtin)",
        };
        match (self.field.as_deref(), header) {
            (Some("filename"), _) => {
                out.extend_from_slice(filename);
                out.push(self.end());
                false
            }
            (Some("name"), Header::Builtin(name)) => {
                out.extend_from_slice(name.as_bytes());
                out.push(self.end());
                true
            }
            (Some(_), _) => true,
            (None, _) => {
                if let Header::Builtin(name) = header {
                    self.padded(out, b"name", name.as_bytes());
                }
                self.padded(out, b"filename", filename);
                true
            }
        }
    }

    /// Writes a module's entries (everything after the header); invalid parameter strings are
    /// reported as errors to `report`, in kmod's words.
    pub fn write_info(&self, out: &mut Vec<u8>, info: &Info, report: &dyn Report) {
        let field = self.field.as_deref().map(str::as_bytes);
        match field {
            Some(PARM) => {
                for p in params(info, report).iter().rev() {
                    out.extend_from_slice(p.name);
                    out.push(b':');
                    out.extend_from_slice(p.desc.unwrap_or_default());
                    if let Some(ty) = p.ty {
                        out.extend_from_slice(b" (");
                        out.extend_from_slice(ty);
                        out.push(b')');
                    }
                    out.push(self.end());
                }
            }
            Some(field) => {
                for (_, value) in info.entries.iter().filter(|(k, _)| k == field) {
                    out.extend_from_slice(value);
                    out.push(self.end());
                }
            }
            None => {
                for (key, value) in &info.entries {
                    if key == PARM || key == PARMTYPE {
                        continue;
                    }
                    if self.null {
                        out.extend_from_slice(key);
                        out.push(b'=');
                        out.extend_from_slice(value);
                        out.push(0);
                    } else {
                        self.padded(out, key, value);
                    }
                }
                let mut line = Vec::new();
                for p in params(info, report).iter().rev() {
                    line.clear();
                    line.extend_from_slice(p.name);
                    line.push(b':');
                    match (p.desc, p.ty) {
                        (Some(desc), Some(ty)) => {
                            line.extend_from_slice(desc);
                            line.extend_from_slice(b" (");
                            line.extend_from_slice(ty);
                            line.push(b')');
                        }
                        (Some(text), None) | (None, Some(text)) => line.extend_from_slice(text),
                        (None, None) => {}
                    }
                    self.padded(out, b"parm", &line);
                }
            }
        }
    }
}

/// One module parameter, merged from its `parm` and `parmtype` strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Param<'a> {
    name: &'a [u8],
    desc: Option<&'a [u8]>,
    ty: Option<&'a [u8]>,
}

/// The parameters in order of first appearance.
fn params<'a>(info: &'a Info, report: &dyn Report) -> Vec<Param<'a>> {
    let mut list: Vec<Param<'a>> = Vec::new();
    for (key, value) in &info.entries {
        let is_type = match key.as_slice() {
            PARM => false,
            PARMTYPE => true,
            _ => continue,
        };
        let Some(colon) = value.iter().position(|&b| b == b':') else {
            report.error(format_args!(
                "Found invalid \"{}={}\": missing ':'",
                String::from_utf8_lossy(key),
                String::from_utf8_lossy(value)
            ));
            continue;
        };
        let (name, text) = (&value[..colon], &value[colon + 1..]);
        let at = match list.iter().position(|p| p.name == name) {
            Some(at) => at,
            None => {
                list.push(Param {
                    name,
                    desc: None,
                    ty: None,
                });
                list.len() - 1
            }
        };
        if is_type {
            list[at].ty = Some(text);
        } else {
            list[at].desc = Some(text);
        }
    }
    list
}

/// Whether `arg` names a module file rather than a module: an existing regular file (symlinks
/// followed) whose name ends in a module suffix ([`common::file::MODULE_SUFFIXES`]).
pub fn is_module_file(arg: &OsStr) -> bool {
    has_module_suffix(arg.as_bytes()) && fs::metadata(arg).is_ok_and(|m| m.is_file())
}

/// A module file's entries, or the errno kmod reports when it can't read them (its ELF reader's
/// choices: EINVAL for a damaged file or stream, ENOEXEC for one that isn't ELF, ENOENT for an
/// image without `.modinfo`).
/// What is wrong with a module file modinfo could not read, in more words than kmod's errno
/// (`Invalid argument` for an empty, a truncated and a damaged file alike).
fn file_problem(path: &Path) -> Option<String> {
    let shown = path.display();
    let len = fs::metadata(path).ok()?.len();
    if len == 0 {
        return Some(format!("{shown} is empty (0 bytes): not a kernel module"));
    }
    let image = match ModuleFile::open(path).and_then(|f| f.read_image()) {
        Ok(image) => image,
        Err(e) => return Some(format!("{shown} is damaged or cut short: {}", e.reason())),
    };
    if !image.starts_with(b"\x7fELF") {
        let what = if ModuleFile::open(path).is_ok_and(|f| f.compression() != Compression::None) {
            "decompressed, it"
        } else {
            "it"
        };
        return Some(format!(
            "{shown} is not a kernel module: {what} is not an ELF file ({} bytes)",
            image.len()
        ));
    }
    match elf::modinfo_strings(&image) {
        Err(e) => Some(format!("{shown} is damaged or cut short: {e}")),
        Ok(None) => Some(format!(
            "{shown} has no .modinfo section: not a kernel module, or one stripped of it"
        )),
        Ok(Some(_)) => None,
    }
}

fn read_file_info(path: &Path, report: &dyn Report) -> Result<Info, Errno> {
    let io_errno = |e: &common::error::Error| e.errno().unwrap_or(Errno::EIO);
    let file = ModuleFile::open(path).map_err(|e| io_errno(&e))?;
    let len = file.file().metadata().map_err(|e| errno_of(&e))?.len();
    let image = if file.compression() == Compression::None {
        if len < 6 {
            // kmod reads the first bytes to find the compression; too few is EINVAL.
            return Err(Errno::EINVAL);
        }
        read_plain(file.file(), len)?
    } else {
        file.read_image().map_err(|e| match e {
            common::error::Error::Io { .. } => io_errno(&e),
            common::error::Error::Decompress { ref source, .. } => {
                // kmod 34.2 logs the decoder's complaint first (kmod 30 doesn't):
                // compatibility row `modinfo-xz-messages`.
                if let Some(msg) = source.decoder_message() {
                    report.error(&msg);
                }
                Errno::EINVAL
            }
            _ => Errno::EINVAL,
        })?
    };
    // An ELF identification and nothing more, or no ELF magic: "Exec format error".
    if image.len() <= 16 || !image.starts_with(b"\x7fELF") {
        return Err(Errno::ENOEXEC);
    }
    let strings = match elf::modinfo_strings(&image) {
        Ok(Some(s)) => s,
        // No .modinfo section: kmod 34.2's ENODATA ("No data available"; kmod 30 says ENOENT,
        // compatibility row `modinfo-no-modinfo`).
        Ok(None) => return Err(Errno::ENODATA),
        Err(elf::ElfError::NotElf) => return Err(Errno::ENOEXEC),
        Err(_) => return Err(Errno::EINVAL),
    };
    let mut info = Info::from_strings(strings);
    if let Ok(sig) = signature::parse(&image) {
        info.add_signature(&sig);
    }
    Ok(info)
}

/// A plain module file's bytes as far as modinfo reads them: `.modinfo` and what leads to it
/// (see [`elf::read_modinfo_sparse`]) and the signature trailer; the rest stays zero. Reading
/// only these (a few KiB) instead of the whole module saves the page faults of a fresh buffer
/// for the code, which dominate a single modinfo process.
fn read_plain(file: &fs::File, len: u64) -> Result<Vec<u8>, Errno> {
    let len = usize::try_from(len)
        .ok()
        .filter(|&l| l as u64 <= MAX_IMAGE_SIZE)
        .ok_or(Errno::EINVAL)?;
    let mut read_at = |buf: &mut [u8], at: u64| file.read_exact_at(buf, at);
    let mut image = elf::read_modinfo_sparse(len, &mut read_at).map_err(|e| errno_of(&e))?;
    let tail = len.saturating_sub(signature::HEADER_LEN + signature::SIGNATURE_MAGIC.len());
    if let Some(part) = image.get_mut(tail..) {
        read_at(part, tail as u64).map_err(|e| errno_of(&e))?;
    }
    if let Some(fields) = signature::fields_range(&image) {
        if let Some(part) = image.get_mut(fields.clone()) {
            read_at(part, fields.start as u64).map_err(|e| errno_of(&e))?;
        }
    }
    Ok(image)
}

fn errno_of(e: &io::Error) -> Errno {
    e.raw_os_error().map_or(Errno::EIO, Errno::from_raw)
}

/// One resolved module: where it is and whether the kernel has it built in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// Its name (for messages).
    pub name: String,
    /// Its file, as shown; `None` for a built-in module without one.
    pub path: Option<OsString>,
    /// Built in: entries come from `modules.builtin.modinfo`, never from the file.
    pub builtin: bool,
}

/// modinfo over one module directory.
#[derive(Debug)]
pub struct Modinfo {
    /// What to print.
    pub options: Options,
    /// `-m`: arguments are module names only.
    pub modname: bool,
    indexes: Indexes,
    builtin_modinfo: OnceCell<Option<Vec<u8>>>,
    /// The tree's context, to say what to do when a module is not found ([`Modinfo::with_hints`]).
    hints: Option<Context>,
}

/// Why an argument could not be resolved.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    /// No module matches.
    #[error("Module {0} not found.")]
    NotFound(String),
    /// The query is not a valid alias pattern (unbalanced brackets).
    #[error("Module alias {0} not found.")]
    AliasNotFound(String),
    /// No module matches the name (`-m`).
    #[error("Module name {0} not found.")]
    NameNotFound(String),
    /// An index could not be read.
    #[error("{0}")]
    Index(#[from] IndexFileError),
}

impl Modinfo {
    /// modinfo reading the indexes of `module_dir` ([`common::context::Context::module_dir`]).
    pub fn new(options: Options, modname: bool, module_dir: PathBuf) -> Modinfo {
        Modinfo {
            options,
            modname,
            indexes: Indexes::new(module_dir),
            builtin_modinfo: OnceCell::new(),
            hints: None,
        }
    }

    /// The same, saying after an error what the user can do about it (`HINT:` lines):
    /// `ctx` is the tree's context, the one `module_dir` came from.
    pub fn with_hints(mut self, ctx: Context) -> Modinfo {
        self.hints = Some(ctx);
        self
    }

    /// The hints for an argument that resolved to nothing.
    fn not_found_hints(&self, arg: &OsStr) -> Vec<String> {
        let Some(ctx) = &self.hints else {
            return Vec::new();
        };
        let shown = Path::new(arg).display();
        match fs::metadata(arg) {
            Ok(m) if m.is_dir() => {
                vec![format!(
                    "{shown} is a directory; modinfo takes a module file or a module name"
                )]
            }
            Ok(_) if !self.modname => vec![format!(
                "{shown} is a file, but modinfo reads only files named like modules \
                 (.ko, .ko.gz, .ko.xz, .ko.zst); else it looks a module name up"
            )],
            Err(_) if arg.as_bytes().contains(&b'/') || has_module_suffix(arg.as_bytes()) => {
                vec![format!(
                    "there is no file {shown}, nor a module of that name"
                )]
            }
            _ => common::hints::not_found(ctx, &arg.to_string_lossy()),
        }
    }

    /// The modules an argument means: the file itself when it is a module file (and `-m` is not
    /// given), else every module the name or alias resolves to.
    pub fn resolve(&self, arg: &OsStr) -> Result<Vec<Resolved>, ResolveError> {
        if !self.modname && is_module_file(arg) {
            return Ok(vec![Resolved {
                name: name::from_path(Path::new(arg)),
                path: Some(absolute(arg)),
                builtin: false,
            }]);
        }
        let text = arg.to_string_lossy();
        let indexes = &self.indexes;
        let targets = if self.modname {
            // By module name only: the file's, then built-in modules by name and by alias.
            let name = name::from_arg(&text);
            if indexes.dep(&name)?.is_some() {
                vec![Target::Module(name)]
            } else if indexes.builtin(&name)? {
                vec![Target::Builtin(name)]
            } else {
                indexes
                    .builtin_alias(&name)?
                    .into_iter()
                    .map(Target::Builtin)
                    .collect()
            }
        } else {
            self.lookup(&text)?
        };
        if targets.is_empty() {
            return Err(if self.modname {
                ResolveError::NameNotFound(text.into_owned())
            } else {
                ResolveError::NotFound(text.into_owned())
            });
        }
        let mut out = Vec::with_capacity(targets.len());
        for target in targets {
            out.push(match target {
                Target::Module(name) => {
                    let path = indexes.dep(&name)?.map(|d| d.path.into_os_string());
                    let builtin = indexes.builtin(&name)?;
                    Resolved {
                        name,
                        path,
                        builtin,
                    }
                }
                Target::Builtin(name) => Resolved {
                    name,
                    path: None,
                    builtin: true,
                },
            });
        }
        Ok(out)
    }

    /// What a name or alias means: `common::modprobe::Modprobe::lookup`'s order without the
    /// configuration steps (kmod's modinfo reads no `modprobe.d`): a module by name (not for
    /// names with ':'), `symbol:` names, `modules.alias` patterns, a built-in module by name,
    /// `modules.builtin.modinfo` aliases. A module matched by several patterns is listed once per
    /// pattern, as kmod lists it (so is it by `modprobe -R`); a query with brackets is looked up
    /// like any other, but one with unbalanced brackets is refused before the aliases are
    /// searched.
    fn lookup(&self, query: &str) -> Result<Vec<Target>, ResolveError> {
        let indexes = &self.indexes;
        let name = name::normalize(query);
        if !query.contains(':') && indexes.dep(&name)?.is_some() {
            return Ok(vec![Target::Module(name)]);
        }
        if query.starts_with(SYMBOL_PREFIX) {
            let mods = indexes.symbol(query)?;
            if !mods.is_empty() {
                return Ok(mods.into_iter().map(Target::Module).collect());
            }
        }
        if name::checked_alias_key(query).is_none() {
            return Err(ResolveError::AliasNotFound(query.to_string()));
        }
        let key = alias_key(query);
        let mods = indexes.alias(&key)?;
        if !mods.is_empty() {
            return Ok(mods.into_iter().map(Target::Module).collect());
        }
        if indexes.builtin(&name)? {
            return Ok(vec![Target::Builtin(name)]);
        }
        Ok(indexes
            .builtin_alias(&key)?
            .into_iter()
            .map(Target::Builtin)
            .collect())
    }

    /// A built-in module's entries from `modules.builtin.modinfo`: ENOENT when that file is
    /// missing, ENOSYS (as kmod says) when it lists nothing for the module.
    fn builtin_info(&self, name: &str) -> Result<Info, Errno> {
        let data = self
            .builtin_modinfo
            .get_or_init(|| fs::read(self.indexes.dir().join(MODULES_BUILTIN_MODINFO)).ok());
        let Some(data) = data else {
            return Err(Errno::ENOENT);
        };
        let strings: Vec<&[u8]> = builtin_records(data)
            .filter_map(|record| builtin_record_of(record, name))
            .collect();
        if strings.is_empty() {
            return Err(Errno::ENOSYS);
        }
        Ok(Info::from_strings(strings))
    }

    /// Prints one resolved module into `out`; errors (a module that can't be read, invalid
    /// parameter strings) go to `report`. Returns false when the module could not be read.
    pub fn print(&self, module: &Resolved, out: &mut Vec<u8>, report: &Reporter) -> bool {
        // A module without a file is shown as built in, even one that isn't (an alias naming a
        // module missing from an empty or stale modules.dep.bin): kmod 30 and 34.2 both print
        // `filename: (builtin)` and no other field for it, and exit 0.
        let header = match &module.path {
            Some(p) => Header::File(p),
            None => Header::Builtin(&module.name),
        };
        if !self.options.write_header(out, header) {
            return true;
        }
        match self.read_info(module, report) {
            Ok(info) => {
                self.options.write_info(out, &info, report);
                true
            }
            Err(errno) => {
                self.unreadable(module, errno, report);
                false
            }
        }
    }

    fn unreadable(&self, module: &Resolved, errno: Errno, report: &Reporter) {
        report.error(format_args!(
            "could not get modinfo from '{}': {}",
            module.name,
            errno_text(errno)
        ));
        if let (Some(_), Some(path), false) = (&self.hints, &module.path, module.builtin) {
            if let Some(why) = file_problem(Path::new(path)) {
                report.hint(why);
            }
        }
    }

    /// Reports why `arg` resolved to nothing, with what the user can do about it.
    fn unresolved(&self, arg: &OsStr, e: ResolveError, report: &Reporter) {
        let not_found = !matches!(e, ResolveError::Index(_));
        report.error(e);
        if not_found {
            for hint in self.not_found_hints(arg) {
                report.hint(hint);
            }
        }
    }

    /// A resolved module's entries (from its file, or `modules.builtin.modinfo`).
    fn read_info(&self, module: &Resolved, report: &Reporter) -> Result<Info, Errno> {
        match (&module.path, module.builtin) {
            // kmod shows a built-in module without a file even when there is no
            // modules.builtin.modinfo, but fails one with a file.
            (None, true) => match self.builtin_info(&module.name) {
                Err(Errno::ENOENT) => Ok(Info::default()),
                other => other,
            },
            (Some(_), true) => self.builtin_info(&module.name),
            (Some(path), false) => read_file_info(Path::new(path), report),
            (None, false) => Ok(Info::default()),
        }
    }

    /// One resolved module as a JSON object (docs/json.md): the facts [`Modinfo::print`]
    /// prints, with the same errors reported; the flag is false when the module could not be
    /// read.
    pub fn json_module(&self, arg: &OsStr, module: &Resolved, report: &Reporter) -> (Value, bool) {
        let mut m = Map::new();
        put_bytes(&mut m, "argument", arg.as_bytes());
        m.insert("name".into(), module.name.as_str().into());
        match &module.path {
            Some(p) => put_bytes(&mut m, "filename", p.as_bytes()),
            None => {
                m.insert("filename".into(), Value::Null);
            }
        }
        m.insert("builtin".into(), module.builtin.into());
        let field = self.options.field.as_deref();
        let mut ok = true;
        let info = if field == Some("filename") {
            Info::default()
        } else {
            match self.read_info(module, report) {
                Ok(info) => info,
                Err(errno) => {
                    self.unreadable(module, errno, report);
                    m.insert("error".into(), errno_text(errno).into());
                    ok = false;
                    Info::default()
                }
            }
        };
        let fields: Vec<Value> = info
            .entries
            .iter()
            .filter(|(k, _)| match field {
                None => k != PARM && k != PARMTYPE,
                Some(f) => k == f.as_bytes() && f != "parm",
            })
            .map(|(k, v)| {
                let mut e = Map::new();
                put_bytes(&mut e, "key", k);
                put_bytes(&mut e, "value", v);
                Value::Object(e)
            })
            .collect();
        m.insert("fields".into(), fields.into());
        let parameters: Vec<Value> = if matches!(field, None | Some("parm")) {
            params(&info, report)
                .iter()
                .rev()
                .map(|p| {
                    let mut e = Map::new();
                    put_bytes(&mut e, "name", p.name);
                    match p.desc {
                        Some(d) => put_bytes(&mut e, "description", d),
                        None => {
                            e.insert("description".into(), Value::Null);
                        }
                    }
                    match p.ty {
                        Some(t) => put_bytes(&mut e, "type", t),
                        None => {
                            e.insert("type".into(), Value::Null);
                        }
                    }
                    Value::Object(e)
                })
                .collect()
        } else {
            Vec::new()
        };
        m.insert("parameters".into(), parameters.into());
        (Value::Object(m), ok)
    }

    /// `modinfo --json ARGS`: one document with every module of every argument; errors are
    /// reported as [`Modinfo::run`] reports them, and the exit status is the same.
    pub fn run_json(
        &self,
        args: &[OsString],
        out: &mut impl Write,
        report: &Reporter,
    ) -> io::Result<i32> {
        let mut status = 0;
        let mut list = Vec::new();
        for arg in args {
            match self.resolve(arg) {
                Ok(modules) => {
                    for m in &modules {
                        let (v, ok) = self.json_module(arg, m, report);
                        list.push(v);
                        if !ok {
                            status = 1;
                        }
                    }
                }
                Err(e) => {
                    self.unresolved(arg, e, report);
                    status = 1;
                }
            }
        }
        let mut body = Map::new();
        body.insert("modules".into(), list.into());
        write_document(out, "modinfo", &Value::Object(body))?;
        Ok(status)
    }

    /// Runs modinfo over `args`, printing to `out` (each argument's output in one write).
    /// Returns the exit status: 1 when any argument failed, else 0.
    pub fn run(
        &self,
        args: &[OsString],
        out: &mut impl Write,
        report: &Reporter,
    ) -> io::Result<i32> {
        let mut status = 0;
        let mut buf = Vec::new();
        for arg in args {
            buf.clear();
            match self.resolve(arg) {
                Ok(modules) => {
                    for m in &modules {
                        if !self.print(m, &mut buf, report) {
                            status = 1;
                        }
                    }
                }
                Err(e) => {
                    self.unresolved(arg, e, report);
                    status = 1;
                }
            }
            out.write_all(&buf)?;
        }
        Ok(status)
    }
}

mod cli;
pub use cli::{main, OPTIONS};

#[cfg(test)]
mod tests;
