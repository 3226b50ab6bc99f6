//! Glob patterns as `fnmatch(3)` matches them with no flags, in the C locale: modprobe's alias
//! matching (the `alias` lines of `modprobe.d`, the keys of `modules.alias.bin` and
//! `modules.builtin.alias.bin`, and the lines of `modules.alias` when the `.bin` file is
//! missing).
//!
//! No flags, checked black-box with kmod 30's `modprobe -R` on `alias` lines: `*` and `?` match
//! `/` (no `FNM_PATHNAME`) and a leading `.` (no `FNM_PERIOD`), `\` escapes (no
//! `FNM_NOESCAPE`), case matters (no `FNM_CASEFOLD`), `+(x)` is literal (no `FNM_EXTMATCH`). A
//! character is a byte: `x??` matches `xé` (two bytes in UTF-8) and `x?` doesn't, and `é` is
//! in no class.
//!
//! Why not a crate: `globset` (ripgrep's) reports an unclosed `[` as an error where `fnmatch`
//! reads a literal `[`, has `{a,b}` alternatives that `fnmatch` reads literally, and has no
//! `[:alpha:]` classes nor `[.x.]` / `[=x=]` elements; glibc's rules for all of these are below.
//! Measured: `globset` 0.4.22 (`literal_separator(false)`, `backslash_escape(true)`, an error
//! counted as no match) disagrees with glibc on 39 of the 103 cases of this module's
//! `fnmatch_like_glibc` test.

use super::class::CharClass;

/// `fnmatch(pattern, s, 0)` as glibc does it in the C locale (observed black-box):
///
/// - `*` matches any run of bytes (including `/` and a leading `.`), `?` any one byte;
/// - `\` makes the next byte literal; a trailing `\` never matches;
/// - `[...]` matches one byte from a set: `!` or `^` first negates; `]` first is a member; `a-z`
///   is a range (empty if reversed; `-` first or last is a member); `\` escapes inside too;
///   `[:alpha:]` and the other POSIX classes; `[.c.]` and `[=c=]` for a single character;
/// - members are tried in order and the first that matches settles the set; before that, an
///   unknown class, a multi-character `[.xy.]`, a dangling `-` or `\` at the end of the
///   pattern or an unfinished `[.`/`[=` make the whole pattern fail;
/// - otherwise a `[` that is never closed is a literal `[`, and the bytes after it go on being
///   a pattern.
///
/// Iterative, backtracking only to the most recent `*`: O(len(pattern) * len(s)) at worst. That
/// is exact for glob patterns, whose only variable-length element is `*`.
pub fn fnmatch(pattern: &[u8], s: &[u8]) -> bool {
    let (mut p, mut i) = (0, 0);
    // After a `*`: the pattern position following it and the string position it resumes from.
    let mut star: Option<(usize, usize)> = None;
    loop {
        if let Some(&pc) = pattern.get(p) {
            if pc == b'*' {
                p += 1;
                star = Some((p, i));
                continue;
            }
            if let Some(&c) = s.get(i) {
                if let Some(next) = match_one(pattern, p, c) {
                    p = next;
                    i += 1;
                    continue;
                }
            }
        } else if i == s.len() {
            return true;
        }
        // Mismatch: let the last `*` swallow one more byte.
        match star {
            Some((sp, si)) if si < s.len() => {
                star = Some((sp, si + 1));
                p = sp;
                i = si + 1;
            }
            _ => return false,
        }
    }
}

/// Whether the single pattern element at `p` (not `*`) matches `c`; returns the position after
/// the element if so. An element that can never match (see [`Bracket::Invalid`]) makes the
/// whole pattern fail, as every match has to go through it.
fn match_one(pattern: &[u8], p: usize, c: u8) -> Option<usize> {
    match pattern[p] {
        b'?' => Some(p + 1),
        b'\\' => {
            let &e = pattern.get(p + 1)?;
            (e == c).then_some(p + 2)
        }
        b'[' => match bracket(pattern, p + 1, c) {
            Bracket::Closed { matched, next } => matched.then_some(next),
            Bracket::Literal => (c == b'[').then_some(p + 1),
            Bracket::Invalid => None,
        },
        l => (l == c).then_some(p + 1),
    }
}

/// What a `[` starts.
enum Bracket {
    /// A set, closed at `next - 1`; `matched` says whether it matched the byte.
    Closed { matched: bool, next: usize },
    /// An unclosed set: the `[` is an ordinary byte.
    Literal,
    /// A set that never matches: unknown class, or unclosed in a way glibc rejects.
    Invalid,
}

/// Reads the set member at `p` that stands for one byte: `\x`, `[.x.]`, `[=x=]` or a plain
/// byte. Returns the byte and the position after the member; `None` if the set is invalid there
/// (the pattern ends after `\`, a `[.` is never closed, or a `[.xy.]` / `[=xy=]` names more than
/// one character, which the C locale does not have). A `[=` without `=]` is a plain `[`.
fn single(pattern: &[u8], p: usize) -> Option<(u8, usize)> {
    let &b = pattern.get(p)?;
    match (b, pattern.get(p + 1)) {
        (b'\\', e) => e.map(|&e| (e, p + 2)),
        (b'[', Some(b'.' | b'=')) => match element_len(pattern, p) {
            Some(1) => Some((pattern[p + 2], p + 5)),
            Some(_) => None,
            None if pattern[p + 1] == b'=' => Some((b, p + 1)),
            None => None,
        },
        _ => Some((b, p + 1)),
    }
}

/// Whether a `[=x=]` naming one character starts at `p`.
fn is_equivalence_class(pattern: &[u8], p: usize) -> bool {
    pattern.get(p..p + 2) == Some(b"[=") && element_len(pattern, p) == Some(1)
}

/// The end of a range at `p`, like [`single`] except for `[=`: an equivalence class can't end
/// a range (the set is invalid, as an empty `[==]` is), while a `[=` that isn't one (`[=ab=]`,
/// an unclosed `[=`) is a plain `[` there (glibc, observed: `[.-[=x=]]` matches nothing,
/// `[.-[=ab=]]x` matches `@]x`).
fn range_end(pattern: &[u8], p: usize) -> Option<(u8, usize)> {
    if pattern.get(p..p + 2) == Some(b"[=") {
        return match element_len(pattern, p) {
            Some(0 | 1) => None,
            _ => Some((b'[', p + 1)),
        };
    }
    single(pattern, p)
}

/// For a `[.` or `[=` at `p`: the length of the name up to the first `.]` / `=]` after the
/// `[.` / `[=` (so `[==]` is an empty name and `[.].]` the name `]`, as glibc reads them), or
/// `None` if there is none.
fn element_len(pattern: &[u8], p: usize) -> Option<usize> {
    let delim = *pattern.get(p + 1)?;
    pattern
        .get(p + 2..)?
        .windows(2)
        .position(|w| w == [delim, b']'])
}

/// Evaluates the set whose body starts at `p` (just after `[`) against `c`.
///
/// Like glibc, members are tried in order and the first one that matches ends the evaluation:
/// the rest is only scanned for the closing `]`, so malformed members after it do no harm
/// (and an unclosed set then still makes the `[` literal). Before that, an unknown class, a
/// dangling `-`, a trailing `\` or an unfinished `[.`/`[=` make the set [`Bracket::Invalid`].
fn bracket(pattern: &[u8], mut p: usize, c: u8) -> Bracket {
    let negate = matches!(pattern.get(p), Some(b'!' | b'^'));
    if negate {
        p += 1;
    }
    let mut first = true;
    loop {
        let Some(&b) = pattern.get(p) else {
            return Bracket::Literal;
        };
        if b == b']' && !first {
            return Bracket::Closed {
                matched: negate,
                next: p + 1,
            };
        }
        first = false;
        if let Some(len) = class_name_len(pattern, p) {
            match CharClass::from_name(&pattern[p + 2..p + 2 + len]) {
                Some(class) if class.contains(c) => {
                    return skip_to_close(pattern, p + len + 4, !negate)
                }
                Some(_) => {}
                None => return Bracket::Invalid,
            }
            p += len + 4;
            continue;
        }
        // An equivalence class never starts a range: a `-` after it is a member.
        let equivalence = is_equivalence_class(pattern, p);
        let Some((lo, next)) = single(pattern, p) else {
            return Bracket::Invalid;
        };
        p = next;
        let hi = match (pattern.get(p), pattern.get(p + 1)) {
            // A range: its end is one more single-byte member.
            (Some(b'-'), Some(&e)) if e != b']' && !equivalence => {
                let Some((hi, next)) = range_end(pattern, p + 1) else {
                    return Bracket::Invalid;
                };
                p = next;
                hi
            }
            // A `-` with nothing after it: fine only if the member before it matched.
            (Some(b'-'), None) if lo != c => return Bracket::Invalid,
            // A lone member (a `-` before the closing `]` is read in the next round).
            _ => lo,
        };
        if lo <= c && c <= hi {
            return skip_to_close(pattern, p, !negate);
        }
    }
}

/// The length of the class name if a `[:name:]` starts at `p`: a name is a run of lowercase
/// ASCII letters, and must be followed by `:]`; otherwise the `[` is an ordinary member (glibc,
/// observed: `[[:a[:alpha:]]` is `[`, `:`, `a` and the class `alpha`, `[[:x]y:]]` the set
/// `[`, `:`, `x` followed by `y:]]`).
fn class_name_len(pattern: &[u8], p: usize) -> Option<usize> {
    if pattern.get(p..p + 2) != Some(b"[:") {
        return None;
    }
    let rest = pattern.get(p + 2..)?;
    let len = rest.iter().take_while(|c| c.is_ascii_lowercase()).count();
    (rest.get(len..len + 2) == Some(b":]")).then_some(len)
}

/// After a member matched: finds the `]` closing the set from `p` on, skipping classes,
/// `[.x.]`/`[=x=]` and escapes; the set yields `matched` if closed and is literal otherwise.
fn skip_to_close(pattern: &[u8], mut p: usize, matched: bool) -> Bracket {
    loop {
        match pattern.get(p) {
            None => return Bracket::Literal,
            Some(b']') => {
                return Bracket::Closed {
                    matched,
                    next: p + 1,
                }
            }
            Some(_) => {
                // Here a `[=` must name exactly one character and a `[.` must be closed
                // (glibc fails the pattern otherwise, observed: `[a[=xx=]]` and `[a[.x]` match
                // nothing, `[a[.xx.]]` matches `a`).
                let elem = match pattern.get(p + 1) {
                    Some(&d @ (b'.' | b'=')) if pattern[p] == b'[' => {
                        match (d, element_len(pattern, p)) {
                            (b'.', Some(len)) | (b'=', Some(len @ 1)) => Some(len),
                            _ => return Bracket::Invalid,
                        }
                    }
                    _ => None,
                };
                p = match (class_name_len(pattern, p), elem) {
                    (Some(len), _) | (None, Some(len)) => p + len + 4,
                    (None, None) if pattern[p] == b'\\' => p + 2,
                    (None, None) => p + 1,
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnmatch_like_glibc() {
        // (pattern, string, matches): behaviour observed with glibc's fnmatch(3), flags 0.
        let cases: &[(&str, &str, bool)] = &[
            ("", "", true),
            ("", "a", false),
            ("*", "", true),
            ("*", "a/b.c", true),
            ("a*b*c", "aXbYc", true),
            ("a*b*c", "aXbY", false),
            (
                "*a*a*a*a*a*a*a*b",
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                false,
            ),
            ("?", "/", true),
            ("??", "a", false),
            ("[abc]", "b", true),
            ("[abc]", "d", false),
            ("[!abc]", "d", true),
            ("[^abc]", "a", false),
            ("[!a]", "/", true),
            ("[]]", "]", true),
            ("[]b]", "b", true),
            ("[!]]", "]", false),
            ("[!]]", "x", true),
            ("[a-c]", "b", true),
            ("[z-a]", "z", false),
            ("[a-]", "-", true),
            ("[-a]", "-", true),
            ("[]-a]", "^", true),
            ("[a-z-9]", "-", true),
            ("[a-z-9]", "5", false),
            ("[\\]]", "]", true),
            ("[a\\-c]", "b", false),
            ("[a\\-c]", "-", true),
            ("[\\a-\\c]", "b", true),
            ("[[:digit:]]", "5", true),
            ("[[:digit:]]", "a", false),
            ("[![:digit:]]", "a", true),
            ("[[:alpha:]-z]", "-", true),
            ("[[:alpha:]-z]", "5", false),
            ("[[:foo:]]", "f", false),
            ("[[:foo:]a]", "a", false),
            ("[a[:foo:]]", "a", true),
            ("[[.a.]]", "a", true),
            ("[[=a=]b]", "b", true),
            ("[[.-.]]", "-", true),
            ("[[.a.]-c]", "b", true),
            ("[a-[.c.]]", "b", true),
            ("[[.ab.]]", "a", false),
            ("[[.space.]]", " ", false),
            ("\\*", "*", true),
            ("\\*", "a", false),
            ("x\\", "x\\", false),
            ("x\\", "x", false),
            // Unclosed sets.
            ("[", "[", true),
            ("a[bc", "a[bc", true),
            ("[b", "b", false),
            ("[!", "[!", true),
            ("[-", "[-", true),
            ("[\\b", "[b", true),
            ("[\\b", "[\\b", false),
            ("[a-", "[a-", false),
            ("[b-", "[b-", false),
            ("[]-", "[]-", false),
            ("[[-", "[[-", true),
            ("[a-b", "[a-b", true),
            ("[[:", "[[:", true),
            ("[[:digit:", "[[:digit:", true),
            ("[[:digit:]", "[[:digit:]", false),
            ("[[.", "[[.", false),
            ("[[=", "[[=", true),
            ("*[", "x[", true),
            ("[!x-", "[!x-", false),
            ("[![-", "[![-", true),
            // Collating elements and equivalence classes: the name starts after `[.` / `[=`,
            // so `]` can be one (found by the fnmatch fuzz target against glibc).
            ("[[.].]]", "]", true),
            ("[[=]=]]", "]", true),
            ("[[==]]", "=", false),
            ("[[.=.]]", "=", true),
            ("[[=x]", "x", true),
            ("[[.x]", "[", false),
            // After a member matched: a `[=` must name one character, a `[.` must be closed.
            ("[a[=xx=]]", "a", false),
            ("[a[=x]", "a", false),
            ("[a[==]]", "a", false),
            ("[a[=]=]]", "a", true),
            ("[a[.xx.]]", "a", true),
            ("[a[.].]]", "a", true),
            ("[a[.x]", "a", false),
            ("*[.a.-[=`}]", "zab.", false),
            ("[.-[=`}]", ".", true),
            // A class name is a run of lowercase letters followed by `:]`; otherwise `[` is a
            // member (also found by the fuzz target).
            ("*[.a[:.*[[:alpha:]]", "zab", true),
            ("[[:a[:alpha:]]", ":", true),
            ("[[:x]y:]]", "[y:]]", true),
            ("[[:a.b:]]", "a", false),
            ("[a[:x:y:]]", "a", false),
            ("[a[:x1:]]", "a", false),
            ("[a[:X:]]", "a", false),
            ("[a[:bogus:]]", "a", true),
            ("[a[::]]", "a", true),
            ("[a[:x]", "a", true),
            ("[a[:x]]", "a", false),
            // Equivalence classes are not range ends or starts (fuzz target again).
            ("*[.a.-[=`O=]", "za@", true),
            ("[.-[=x=]]", "@", false),
            ("[.-[=ab=]]x", "@]x", true),
            ("[a-[.z.]]", "m", true),
            ("[[=a=]-c]", "b", false),
            ("[[=a=]-c]", "-", true),
            ("[[=a=]-c-e]", "d", true),
            ("[[=a=]-[=c=]]", "-", true),
            ("[[.a.]-c]", "b", true),
        ];
        for &(p, s, want) in cases {
            assert_eq!(fnmatch(p.as_bytes(), s.as_bytes()), want, "{p:?} vs {s:?}");
        }
    }
}
