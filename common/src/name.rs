//! Module names: derived from file names, compared with '-' and '_' as the same character.

use std::path::Path;

/// The module name a file provides: its basename up to the first '.', with '-' turned into '_'
/// (`dm-crypt.ko.xz` is module `dm_crypt`).
pub fn from_path(path: &Path) -> String {
    let base = path
        .file_name()
        .map(|b| b.to_string_lossy())
        .unwrap_or_default();
    normalize(base.split('.').next().unwrap_or_default())
}

/// A module name in its canonical form: every '-' becomes '_'.
pub fn normalize(name: &str) -> String {
    name.replace('-', "_")
}

/// The module a name argument means (`rmmod mt-params.ko` with no such file): cut at the first
/// '.', '-' turned into '_' (kmod does the same).
pub fn from_arg(arg: &str) -> String {
    normalize(arg.split('.').next().unwrap_or_default())
}

/// An alias in its canonical form, as `modules.alias.bin` stores it and lookups query it: '-'
/// becomes '_' outside `[...]` classes (a '-' inside a class is a range). Brackets need not
/// balance here (depmod stores what modules say); see [`checked_alias_key`] for kmod's check.
pub fn alias_key(alias: &str) -> String {
    canonical_alias(alias).0
}

/// A module name or alias pattern in kmod's canonical form ([`alias_key`]), or `None` if kmod
/// rejects it: a `]` outside brackets or a `[` never closed (a `[` inside brackets is literal,
/// `[]` is an empty class). Observed from kmod 30: `a-[b-d]-e` -> `a_[b-d]_e`, `a[[]-b` ->
/// `a[[]_b`, `a[]b` stays; `a]b`, `a[b`, `a[]]b` are rejected. kmod applies this to every module
/// name and alias pattern of `modprobe.d` and to module names on the kernel command line;
/// modprobe and modinfo skip the alias indexes for a query it rejects.
pub fn checked_alias_key(alias: &str) -> Option<String> {
    let (key, balanced) = canonical_alias(alias);
    balanced.then_some(key)
}

/// [`alias_key`], and whether the brackets balance. Byte by byte: the three characters that
/// matter are ASCII, which no byte of a multi-byte UTF-8 sequence equals, so the text is cut
/// on character boundaries and copied in runs between the replaced bytes.
fn canonical_alias(alias: &str) -> (String, bool) {
    let mut out = String::with_capacity(alias.len());
    let mut in_class = false;
    let mut balanced = true;
    // Start of the part of `alias` not yet copied into `out`.
    let mut copied = 0;
    for (i, b) in alias.bytes().enumerate() {
        match b {
            b'[' => in_class = true,
            b']' if in_class => in_class = false,
            b']' => balanced = false,
            b'-' if !in_class => {
                out.push_str(&alias[copied..i]);
                out.push('_');
                copied = i + 1;
            }
            _ => {}
        }
    }
    out.push_str(&alias[copied..]);
    (out, balanced && !in_class)
}

/// Whether two module names are the same, treating '-' and '_' alike.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .all(|(x, y)| x == y || (matches!(x, b'-' | b'_') && matches!(y, b'-' | b'_')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_paths() {
        assert_eq!(
            from_path(Path::new("/lib/modules/x/dm-crypt.ko.xz")),
            "dm_crypt"
        );
        assert_eq!(from_path(Path::new("loop.ko")), "loop");
        assert_eq!(from_path(Path::new("a_b-c.ko.zst")), "a_b_c");
        assert_eq!(from_path(Path::new("")), "");
    }

    #[test]
    fn names_from_arguments() {
        assert_eq!(from_arg("mt-params.ko"), "mt_params");
        assert_eq!(from_arg("dm-crypt"), "dm_crypt");
        assert_eq!(from_arg("/x/mt-params.ko"), "/x/mt_params");
    }

    #[test]
    fn alias_keys_keep_dashes_in_classes() {
        assert_eq!(alias_key("pci:v00008086d*sv*"), "pci:v00008086d*sv*");
        assert_eq!(alias_key("char-major-10-229"), "char_major_10_229");
        assert_eq!(alias_key("of:N*T*C[a-z]-x"), "of:N*T*C[a-z]_x");
    }

    #[test]
    fn checked_alias_keys_need_balanced_brackets() {
        // Observed from kmod 30 (modprobe.d alias lines; modinfo and modprobe -R queries).
        for (ok, key) in [
            ("a-[b-d]-e", "a_[b-d]_e"),
            ("a[[]-b", "a[[]_b"),
            ("a[]b", "a[]b"),
            ("[]", "[]"),
            ("a[[b]", "a[[b]"),
            ("x-[a-b]", "x_[a-b]"),
            ("plain", "plain"),
        ] {
            assert_eq!(checked_alias_key(ok).as_deref(), Some(key), "{ok}");
            assert_eq!(alias_key(ok), key);
        }
        for bad in ["a[b", "a]b", "[", "a[b]]", "][", "a[b[c]d]", "a[]]b"] {
            assert_eq!(checked_alias_key(bad), None, "{bad}");
        }
        assert_eq!(alias_key("a]b-c"), "a]b_c");
    }

    #[test]
    fn dash_and_underscore_are_equal() {
        assert!(same("dm-crypt", "dm_crypt"));
        assert!(same("dm_crypt", "dm_crypt"));
        assert!(!same("dm_crypt", "dm_crypto"));
        assert!(!same("dmxcrypt", "dm_crypt"));
    }
}
