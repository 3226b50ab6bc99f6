//! The POSIX character classes (`[:alpha:]` and the other eleven), as the C locale defines them:
//! the one table both pattern languages use.
//!
//! In the C (POSIX) locale a character is a byte and the classes hold 7-bit ASCII only; a byte of
//! 0x80 or above is in no class (POSIX.1-2017, Base Definitions, 7.3.1 "LC_CTYPE" of the POSIX
//! locale). kmod never calls `setlocale`, so its `fnmatch(3)` and `regexec(3)` work in that
//! locale whatever `LANG` says; see [`super`] for the evidence.

/// A POSIX character class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CharClass {
    /// `alnum`: letters and digits.
    Alnum,
    /// `alpha`: letters.
    Alpha,
    /// `blank`: space and tab.
    Blank,
    /// `cntrl`: 0x00 to 0x1F and DEL.
    Cntrl,
    /// `digit`: `0` to `9`.
    Digit,
    /// `graph`: printable characters but space.
    Graph,
    /// `lower`: `a` to `z`.
    Lower,
    /// `print`: 0x20 to 0x7E.
    Print,
    /// `punct`: printable characters that are neither letters, digits nor space.
    Punct,
    /// `space`: space, `\t`, `\n`, `\v`, `\f`, `\r`.
    Space,
    /// `upper`: `A` to `Z`.
    Upper,
    /// `xdigit`: hexadecimal digits.
    Xdigit,
}

/// Every class with the name a pattern spells it by.
const CLASSES: [(&[u8], CharClass); 12] = [
    (b"alnum", CharClass::Alnum),
    (b"alpha", CharClass::Alpha),
    (b"blank", CharClass::Blank),
    (b"cntrl", CharClass::Cntrl),
    (b"digit", CharClass::Digit),
    (b"graph", CharClass::Graph),
    (b"lower", CharClass::Lower),
    (b"print", CharClass::Print),
    (b"punct", CharClass::Punct),
    (b"space", CharClass::Space),
    (b"upper", CharClass::Upper),
    (b"xdigit", CharClass::Xdigit),
];

impl CharClass {
    /// The class a `[:name:]` names; `None` for a name the C locale doesn't define.
    pub fn from_name(name: &[u8]) -> Option<CharClass> {
        CLASSES.iter().find(|(n, _)| *n == name).map(|&(_, c)| c)
    }

    /// Whether byte `b` is in the class, in the C locale.
    pub fn contains(self, b: u8) -> bool {
        match self {
            CharClass::Alnum => b.is_ascii_alphanumeric(),
            CharClass::Alpha => b.is_ascii_alphabetic(),
            CharClass::Blank => b == b' ' || b == b'\t',
            CharClass::Cntrl => b.is_ascii_control(),
            CharClass::Digit => b.is_ascii_digit(),
            CharClass::Graph => b.is_ascii_graphic(),
            CharClass::Lower => b.is_ascii_lowercase(),
            CharClass::Print => b.is_ascii_graphic() || b == b' ',
            CharClass::Punct => b.is_ascii_punctuation(),
            CharClass::Space => matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'),
            CharClass::Upper => b.is_ascii_uppercase(),
            CharClass::Xdigit => b.is_ascii_hexdigit(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_of_the_c_locale() {
        let members =
            |class: CharClass| -> Vec<u8> { (0..=255).filter(|&b| class.contains(b)).collect() };
        let name = |n: &str| CharClass::from_name(n.as_bytes()).expect("a class");
        assert_eq!(members(name("digit")), b"0123456789");
        assert_eq!(members(name("xdigit")), b"0123456789ABCDEFabcdef");
        assert_eq!(members(name("blank")), b"\t ");
        assert_eq!(members(name("space")), b"\t\n\x0b\x0c\r ");
        assert_eq!(members(name("cntrl")).len(), 33);
        assert_eq!(members(name("print")).len(), 95);
        assert_eq!(members(name("graph")).len(), 94);
        assert_eq!(members(name("punct")).len(), 32);
        assert_eq!(members(name("alnum")).len(), 62);
        assert_eq!(members(name("alpha")).len(), 52);
        assert_eq!(members(name("upper")), (b'A'..=b'Z').collect::<Vec<_>>());
        assert_eq!(members(name("lower")), (b'a'..=b'z').collect::<Vec<_>>());
        // Nothing at or above 0x80.
        for (_, class) in CLASSES {
            assert!((0x80..=0xff).all(|b| !class.contains(b)), "{class:?}");
        }
        assert_eq!(CharClass::from_name(b"word"), None);
        assert_eq!(CharClass::from_name(b"Alpha"), None);
        assert_eq!(CharClass::from_name(b""), None);
    }
}
