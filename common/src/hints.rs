//! What to tell a user whose command failed, beyond kmod's own message: the tools print these
//! as [`Level::Hint`](crate::report::Level::Hint) lines after it. Only failures pay for them
//! (reading modules.dep's text, walking the tree), never a run that works.

use std::fs;
use std::path::Path;

use crate::context::Context;
use crate::index::files;
use crate::name;
use crate::scan;

/// At most this many names are suggested for a name that is not found.
const MAX_SUGGESTIONS: usize = 3;

/// The `depmod` command that writes the indexes of `ctx`'s tree: `depmod 6.1.0-57-amd64`, with
/// `-b BASE` when the tree is under another root (or modprobe's `-d`) and `-m DIR` when modules are not in
/// `/lib/modules`.
pub fn depmod_command(ctx: &Context) -> String {
    let mut cmd = String::from("depmod");
    let base = ctx.base_dir().map(Path::new).unwrap_or(ctx.root());
    if base != Path::new("/") {
        cmd.push_str(&format!(" -b {}", shell_word(&base.to_string_lossy())));
    }
    if ctx.modules_root() != Path::new("/lib/modules") {
        cmd.push_str(&format!(
            " -m {}",
            shell_word(&ctx.modules_root().to_string_lossy())
        ));
    }
    cmd.push(' ');
    cmd.push_str(&shell_word(ctx.release()));
    cmd
}

/// `s` as one shell word: as it is when it has nothing the shell would read, else in single
/// quotes.
pub fn shell_word(s: &str) -> String {
    let plain = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./+,:=@%".contains(&b));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Hints for a module name that resolved to nothing in `ctx`'s tree (`modprobe NAME`,
/// `modinfo NAME`): depmod never run for the kernel, a module file the indexes are older
/// than, or the closest names the index has.
pub fn not_found(ctx: &Context, wanted: &str) -> Vec<String> {
    let dir = ctx.module_dir();
    let depmod = depmod_command(ctx);
    if fs::metadata(&dir).is_err() {
        return vec![format!(
            "there is no module directory {} for kernel {}: is that kernel installed?",
            dir.display(),
            ctx.release()
        )];
    }
    let dep_text = fs::read(dir.join(files::MODULES_DEP)).ok();
    let has_bin = dir.join(files::MODULES_DEP_BIN).exists();
    if dep_text.is_none() && !has_bin {
        return vec![format!(
            "{} has no modules.dep: depmod has not been run for kernel {}; run: {depmod}",
            dir.display(),
            ctx.release()
        )];
    }
    let names: Vec<String> = dep_text.as_deref().map(dep_names).unwrap_or_default();
    // Patterns and device aliases are not module names: nothing to compare them with.
    if wanted.bytes().any(|b| b"*?[:/".contains(&b)) {
        return Vec::new();
    }
    let key = name::normalize(wanted);
    if let Some(path) = unlisted_file(&dir, &key, &names) {
        return vec![format!(
            "{} is in the tree but not in modules.dep: the indexes are older than the module; \
             run: {depmod}",
            path.display()
        )];
    }
    let close = close_names(&key, &names);
    if close.is_empty() {
        return Vec::new();
    }
    vec![format!("did you mean {}?", close.join(", "))]
}

/// The module names of modules.dep's text: each line's path up to the colon.
fn dep_names(text: &[u8]) -> Vec<String> {
    text.split(|&b| b == b'\n')
        .filter_map(|line| {
            let colon = line.iter().position(|&b| b == b':')?;
            let path = String::from_utf8_lossy(&line[..colon]);
            Some(name::from_path(Path::new(path.as_ref())))
        })
        .collect()
}

/// A module file named `key` below `dir` when modules.dep (its `names`) lacks it.
fn unlisted_file(dir: &Path, key: &str, names: &[String]) -> Option<std::path::PathBuf> {
    if names.iter().any(|n| n == key) {
        return None;
    }
    // `build` and `source` are symbolic links to the kernel's sources: not walked.
    let files = scan::find_modules(dir, &|f| f == "build" || f == "source").ok()?;
    files.into_iter().find(|p| name::from_path(p) == key)
}

/// Up to [`MAX_SUGGESTIONS`] of `names` closest to `wanted` (`-` and `_` are the same), by edit
/// distance (a swap of neighbours is one edit), nearest first; none farther than a third of
/// the name's length, and at most 3 edits.
pub fn close_names(wanted: &str, names: &[String]) -> Vec<String> {
    let wanted = name::normalize(wanted);
    let limit = (wanted.chars().count() / 3).clamp(1, 3);
    let mut scored: Vec<(usize, &String)> = names
        .iter()
        .filter(|n| **n != wanted)
        .filter_map(|n| {
            let d = distance(wanted.as_bytes(), n.as_bytes(), limit)?;
            Some((d, n))
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored
        .into_iter()
        .take(MAX_SUGGESTIONS)
        .map(|(_, n)| n.clone())
        .collect()
}

/// The optimal-string-alignment distance of `a` and `b` when it is at most `limit`.
fn distance(a: &[u8], b: &[u8], limit: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    // Three rows of the table: two rows back (for swaps), the last, the current.
    let mut back: Vec<usize> = vec![0; b.len() + 1];
    let mut last: Vec<usize> = (0..=b.len()).collect();
    let mut row = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        row[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (last[j] + 1).min(row[j - 1] + 1).min(last[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(back[j - 2] + 1);
            }
            row[j] = d;
        }
        if row.iter().min().is_some_and(|&m| m > limit) {
            return None;
        }
        std::mem::swap(&mut back, &mut last);
        std::mem::swap(&mut last, &mut row);
    }
    Some(last[b.len()]).filter(|&d| d <= limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn distances() {
        assert_eq!(distance(b"e1000", b"e1000e", 3), Some(1));
        assert_eq!(distance(b"vfta", b"vfat", 3), Some(1));
        assert_eq!(distance(b"kitten", b"sitting", 3), Some(3));
        assert_eq!(distance(b"kitten", b"sitting", 2), None);
        assert_eq!(distance(b"", b"ab", 2), Some(2));
        assert_eq!(distance(b"abc", b"abc", 0), Some(0));
    }

    #[test]
    fn closest_names_first_with_dashes_folded() {
        let all = names(&["e1000", "e1000e", "e100", "ext4", "dm_crypt", "vfat", "fat"]);
        assert_eq!(close_names("e1000x", &all), ["e1000", "e1000e", "e100"]);
        assert_eq!(close_names("dm-cyrpt", &all), ["dm_crypt"]);
        assert_eq!(close_names("vfta", &all), ["vfat"]);
        // Two edits in a four-letter name is too far.
        assert!(close_names("xfst", &all).is_empty());
        // The name itself is not a suggestion.
        assert!(!close_names("ext4", &all).contains(&"ext4".to_string()));
    }

    #[test]
    fn depmod_commands() {
        assert_eq!(
            depmod_command(&Context::new("/", "6.1.0-57-amd64")),
            "depmod 6.1.0-57-amd64"
        );
        assert_eq!(
            depmod_command(&Context::new("/tmp/a b", "6.1")),
            "depmod -b '/tmp/a b' 6.1"
        );
        assert_eq!(
            depmod_command(&Context::new("/", "6.1").with_modules_root("/usr/lib/modules")),
            "depmod -m /usr/lib/modules 6.1"
        );
    }

    #[test]
    fn dep_names_from_text() {
        let text = b"kernel/fs/fat/vfat.ko: kernel/fs/fat/fat.ko\nkernel/a/dm-crypt.ko.xz:\n\n";
        assert_eq!(dep_names(text), ["vfat", "dm_crypt"]);
    }
}
