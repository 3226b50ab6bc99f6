//! The contents of every file depmod writes, generated in memory from the scanned modules.
//!
//! Text formats and headers: `../shared/docs/kmod-compat.md` ("depmod outputs"); each text file
//! lists modules in module order (`modules.order` first). The `.bin` files are built with
//! [`crate::index::bin::IndexBuilder`]; a value's priority is its module's position in module
//! order.

use std::fmt::Write;

use crate::index::bin::{IndexBuilder, IndexError};
use crate::name::alias_key;
use crate::resolve::Resolution;
use crate::scan::ModuleScan;

/// One output file: its name in the module directory and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
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
/// built on separate threads.
pub fn generate(inp: &Inputs<'_>) -> Result<Vec<Output>, IndexError> {
    let (dep, alias, symbols) = std::thread::scope(|s| {
        let dep = s.spawn(|| deps(inp));
        let alias = s.spawn(|| aliases(inp.modules));
        let symbols = symbols(inp);
        (dep.join(), alias.join(), symbols)
    });
    let (Ok(dep), Ok(alias)) = (dep, alias) else {
        // Only a panic gets here, and these builders don't panic.
        return Err(IndexError::TooLarge);
    };
    let mut out = vec![
        text("modules.dep", dep.0),
        binary("modules.dep.bin", &dep.1)?,
        text("modules.alias", alias.0),
        binary("modules.alias.bin", &alias.1)?,
        text(
            "modules.softdep",
            modinfo_lines(
                inp.modules,
                "softdep",
                "# Soft dependencies extracted from modules themselves.\n",
            ),
        ),
    ];
    let weakdeps = inp
        .modules
        .iter()
        .any(|m| m.modinfo_values("weakdep").next().is_some());
    if weakdeps {
        out.push(text(
            "modules.weakdep",
            modinfo_lines(
                inp.modules,
                "weakdep",
                "# Weak dependencies extracted from modules themselves.\n",
            ),
        ));
    }
    out.push(text("modules.symbols", symbols.0));
    out.push(binary("modules.symbols.bin", &symbols.1)?);
    // Like kmod, an empty file (not an empty index) when the source file is missing.
    out.push(match inp.builtin {
        Some(builtin) => binary("modules.builtin.bin", &builtin_index(builtin))?,
        None => binary_bytes("modules.builtin.bin", Vec::new()),
    });
    out.push(match inp.builtin_modinfo {
        Some(modinfo) => binary("modules.builtin.alias.bin", &builtin_alias_index(modinfo))?,
        None => binary_bytes("modules.builtin.alias.bin", Vec::new()),
    });
    out.push(text("modules.devname", devname(inp.modules)));
    Ok(out)
}

fn text(name: &'static str, s: String) -> Output {
    Output {
        name,
        data: s.into_bytes(),
        text: true,
    }
}

fn binary(name: &'static str, b: &IndexBuilder) -> Result<Output, IndexError> {
    Ok(binary_bytes(name, b.try_to_bytes()?))
}

fn binary_bytes(name: &'static str, data: Vec<u8>) -> Output {
    Output {
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
        let mut line = format!("{}:", inp.dep_paths[i]);
        for d in inp.resolution.sorted_closure(i) {
            line.push(' ');
            line.push_str(&inp.dep_paths[d]);
        }
        bin.insert(&m.name, &line, priority(i));
        text.push_str(&line);
        text.push('\n');
    }
    (text, bin)
}

fn aliases(modules: &[ModuleScan]) -> (String, IndexBuilder) {
    let mut text = String::from("# Aliases extracted from modules themselves.\n");
    let mut bin = IndexBuilder::new();
    for (i, m) in modules.iter().enumerate() {
        for a in m.modinfo_values("alias") {
            let _ = writeln!(text, "alias {a} {}", m.name);
            bin.insert(&alias_key(a), &m.name, priority(i));
        }
    }
    (text, bin)
}

fn modinfo_lines(modules: &[ModuleScan], key: &str, header: &str) -> String {
    let mut text = String::from(header);
    for m in modules {
        for v in m.modinfo_values(key) {
            let _ = writeln!(text, "{key} {} {v}", m.name);
        }
    }
    text
}

fn symbols(inp: &Inputs<'_>) -> (String, IndexBuilder) {
    let owners = crate::resolve::symbol_owners(inp.modules);
    let mut text = String::from("# Aliases for symbols, used by symbol_request().\n");
    let mut key = String::from("symbol:");
    let mut bin = IndexBuilder::new();
    for (i, m) in inp.modules.iter().enumerate() {
        for e in &m.exports {
            if owners.get(e.name.as_str()) == Some(&i) {
                let _ = writeln!(text, "alias symbol:{} {}", e.name, m.name);
                key.truncate("symbol:".len());
                key.push_str(&e.name);
                bin.insert(&key, &m.name, priority(i));
            }
        }
    }
    (text, bin)
}

fn builtin_index(builtin: &str) -> IndexBuilder {
    let mut bin = IndexBuilder::new();
    for line in builtin.lines().filter(|l| !l.trim().is_empty()) {
        let name = crate::name::from_path(std::path::Path::new(line.trim()));
        bin.insert(&name, "", 0);
    }
    bin
}

fn builtin_alias_index(modinfo: &[u8]) -> IndexBuilder {
    let mut bin = IndexBuilder::new();
    for record in modinfo.split(|&b| b == 0) {
        let record = String::from_utf8_lossy(record);
        let Some((module, rest)) = record.split_once('.') else {
            continue;
        };
        if let Some(alias) = rest.strip_prefix("alias=") {
            bin.insert(&alias_key(alias), module, 0);
        }
    }
    bin
}

fn devname(modules: &[ModuleScan]) -> String {
    let mut body = String::new();
    for m in modules {
        let mut node = None;
        let mut dev = None;
        for a in m.modinfo_values("alias") {
            if let Some(n) = a.strip_prefix("devname:") {
                node.get_or_insert(n);
            } else if let Some(mm) = a.strip_prefix("char-major-") {
                dev = dev.or_else(|| major_minor(mm).map(|d| ('c', d)));
            } else if let Some(mm) = a.strip_prefix("block-major-") {
                dev = dev.or_else(|| major_minor(mm).map(|d| ('b', d)));
            }
        }
        if let (Some(node), Some((kind, (major, minor)))) = (node, dev) {
            body.push_str(&format!("{} {node} {kind}{major}:{minor}\n", m.name));
        }
    }
    if body.is_empty() {
        return body;
    }
    format!("# Device nodes to trigger on-demand module loading.\n{body}")
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
