//! The contents of every file depmod writes, generated in memory from the scanned modules.
//!
//! The text formats, their names and headers are described in [`crate::index::files`]; each
//! text file lists modules in module order (`modules.order` first). The `.bin` files are built
//! with [`crate::index::bin::IndexBuilder`]; a value's priority is its module's position in
//! module order.

use std::fmt::Write;

use crate::index::bin::{IndexBuilder, IndexError};
use crate::index::files::{
    self, builtin_records, dep_line, module_of_line, split_builtin_record, write_devname_line,
    AliasLine, ModinfoLine, NodeType, StaticNode, ALIAS_HEADER, DEVNAME_HEADER, SOFTDEP_HEADER,
    SYMBOLS_HEADER, SYMBOL_PREFIX, WEAKDEP_HEADER,
};
use crate::name::alias_key;
use crate::resolve::Resolution;
use crate::scan::ModuleScan;

/// The `.modinfo` keys the outputs are made of (aliases, also for modules.devname; soft and
/// weak dependencies).
pub const MODINFO_KEYS: [&str; 3] = ["alias", "softdep", "weakdep"];

/// One output file: its name in the module directory and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// File name (`modules.dep`, ...).
    pub name: &'static str,
    /// Contents.
    pub data: Vec<u8>,
    /// Whether `depmod -n` prints it (the text files).
    pub text: bool,
}

/// What the outputs are generated from.
pub struct Inputs<'a> {
    /// The modules, in module order.
    pub modules: &'a [ModuleScan],
    /// Their path as written in `modules.dep` (relative to the module directory when inside it).
    pub dep_paths: &'a [String],
    /// Their dependencies.
    pub resolution: &'a Resolution,
    /// Lines of `modules.builtin`, if the file exists.
    pub builtin: Option<&'a str>,
    /// Bytes of `modules.builtin.modinfo`, if the file exists.
    pub builtin_modinfo: Option<&'a [u8]>,
}

/// Generates every output file, in the order kmod writes them. The independent indexes are
/// built and serialised on separate threads.
pub fn generate(inp: &Inputs<'_>) -> Result<Vec<OutputFile>, IndexError> {
    type Built = (String, Result<Vec<u8>, IndexError>);
    let serialised = |(text, bin): (String, IndexBuilder)| -> Built { (text, bin.to_bytes()) };
    let (dep, alias, builtin, symbols) = std::thread::scope(|s| {
        let dep = s.spawn(|| serialised(deps(inp)));
        let alias = s.spawn(|| serialised(aliases(inp.modules)));
        // Like kmod, an empty file (not an empty index) when the source file is missing.
        let builtin = s.spawn(|| {
            let builtin = match inp.builtin {
                Some(builtin) => builtin_index(builtin).to_bytes(),
                None => Ok(Vec::new()),
            };
            let alias = match inp.builtin_modinfo {
                Some(modinfo) => builtin_alias_index(modinfo).to_bytes(),
                None => Ok(Vec::new()),
            };
            (builtin, alias)
        });
        let symbols = serialised(symbols(inp));
        (dep.join(), alias.join(), builtin.join(), symbols)
    });
    let (Ok(dep), Ok(alias), Ok(builtin)) = (dep, alias, builtin) else {
        // Only a panic gets here, and these builders don't panic.
        return Err(IndexError::TooLarge);
    };
    Ok(vec![
        text(files::MODULES_DEP, dep.0),
        binary_bytes(files::MODULES_DEP_BIN, dep.1?),
        text(files::MODULES_ALIAS, alias.0),
        binary_bytes(files::MODULES_ALIAS_BIN, alias.1?),
        text(
            files::MODULES_SOFTDEP,
            modinfo_lines(inp.modules, "softdep", SOFTDEP_HEADER),
        ),
        // Like kmod 34.2, even with no weak dependency (the header alone); kmod 30 has no such
        // file.
        text(
            files::MODULES_WEAKDEP,
            modinfo_lines(inp.modules, "weakdep", WEAKDEP_HEADER),
        ),
        text(files::MODULES_SYMBOLS, symbols.0),
        binary_bytes(files::MODULES_SYMBOLS_BIN, symbols.1?),
        binary_bytes(files::MODULES_BUILTIN_BIN, builtin.0?),
        binary_bytes(files::MODULES_BUILTIN_ALIAS_BIN, builtin.1?),
        OutputFile {
            name: files::MODULES_DEVNAME,
            data: devname(inp.modules),
            text: true,
        },
    ])
}

fn text(name: &'static str, s: String) -> OutputFile {
    OutputFile {
        name,
        data: s.into_bytes(),
        text: true,
    }
}

fn binary_bytes(name: &'static str, data: Vec<u8>) -> OutputFile {
    OutputFile {
        name,
        data,
        text: false,
    }
}

fn priority(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

fn deps(inp: &Inputs<'_>) -> (String, IndexBuilder) {
    let mut text = String::new();
    let mut bin = IndexBuilder::new();
    for (i, m) in inp.modules.iter().enumerate() {
        let deps = inp.resolution.sorted_closure(i);
        let line = dep_line(
            &inp.dep_paths[i],
            deps.into_iter().map(|d| inp.dep_paths[d].as_str()),
        );
        bin.insert(&m.name, &line, priority(i));
        text.push_str(&line);
        text.push('\n');
    }
    (text, bin)
}

fn aliases(modules: &[ModuleScan]) -> (String, IndexBuilder) {
    let mut text = String::from(ALIAS_HEADER);
    let mut bin = IndexBuilder::new();
    for (i, m) in modules.iter().enumerate() {
        for a in m.modinfo_values("alias") {
            let _ = writeln!(
                text,
                "{}",
                AliasLine {
                    pattern: a,
                    module: &m.name
                }
            );
            bin.insert(&alias_key(a), &m.name, priority(i));
        }
    }
    (text, bin)
}

fn modinfo_lines(modules: &[ModuleScan], key: &str, header: &str) -> String {
    let mut text = String::from(header);
    for m in modules {
        for v in m.modinfo_values(key) {
            let line = ModinfoLine {
                key,
                module: &m.name,
                value: v,
            };
            let _ = writeln!(text, "{line}");
        }
    }
    text
}

fn symbols(inp: &Inputs<'_>) -> (String, IndexBuilder) {
    let owners = crate::resolve::symbol_owners(inp.modules);
    let mut text = String::from(SYMBOLS_HEADER);
    let mut key = String::from(SYMBOL_PREFIX);
    let mut bin = IndexBuilder::new();
    for (i, m) in inp.modules.iter().enumerate() {
        for e in &m.exports {
            if owners.get(e.name.as_str()) == Some(&i) {
                key.truncate(SYMBOL_PREFIX.len());
                key.push_str(&e.name);
                let line = AliasLine {
                    pattern: &key,
                    module: &m.name,
                };
                let _ = writeln!(text, "{line}");
                bin.insert(&key, &m.name, priority(i));
            }
        }
    }
    (text, bin)
}

fn builtin_index(builtin: &str) -> IndexBuilder {
    let mut bin = IndexBuilder::new();
    for line in builtin.lines().filter(|l| !l.trim().is_empty()) {
        bin.insert(&module_of_line(line), "", 0);
    }
    bin
}

fn builtin_alias_index(modinfo: &[u8]) -> IndexBuilder {
    let mut bin = IndexBuilder::new();
    for (module, string) in builtin_records(modinfo).filter_map(split_builtin_record) {
        if let Some(alias) = string.strip_prefix(b"alias=") {
            let alias = String::from_utf8_lossy(alias);
            bin.insert(&alias_key(&alias), &String::from_utf8_lossy(module), 0);
        }
    }
    bin
}

fn devname(modules: &[ModuleScan]) -> Vec<u8> {
    let mut body = Vec::new();
    for m in modules {
        let mut node = None;
        let mut dev = None;
        for a in m.modinfo_values("alias") {
            if let Some(n) = a.strip_prefix("devname:") {
                node.get_or_insert(n);
            } else if let Some(mm) = a.strip_prefix("char-major-") {
                dev = dev.or_else(|| major_minor(mm).map(|d| (NodeType::Char, d)));
            } else if let Some(mm) = a.strip_prefix("block-major-") {
                dev = dev.or_else(|| major_minor(mm).map(|d| (NodeType::Block, d)));
            }
        }
        if let (Some(node), Some((node_type, (major, minor)))) = (node, dev) {
            let node = StaticNode {
                module: m.name.clone().into_bytes(),
                devname: node.as_bytes().to_vec(),
                node_type,
                major,
                minor,
            };
            // Writing to a Vec can't fail.
            let _ = write_devname_line(&mut body, &node);
        }
    }
    if body.is_empty() {
        return body;
    }
    [DEVNAME_HEADER.as_bytes(), &body].concat()
}

/// `M-m` with both numbers concrete (no wildcards).
fn major_minor(s: &str) -> Option<(u32, u32)> {
    let (major, minor) = s.split_once('-')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn major_minor_needs_numbers() {
        assert_eq!(major_minor("10-229"), Some((10, 229)));
        assert_eq!(major_minor("67-*"), None);
        assert_eq!(major_minor("x"), None);
    }
}
