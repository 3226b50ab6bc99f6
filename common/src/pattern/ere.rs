//! POSIX extended regular expressions as glibc's `regcomp(3)` (flags `REG_EXTENDED |
//! REG_NOSUB`) and `regexec(3)` (no flags) match them in the C locale: the KVER fields of
//! `depmod.d` (see [`crate::config::depmod::kver_matches`]).
//!
//! The flags, checked black-box with kmod 30's `depmod` on a release with a newline in it
//! (`6.1\nx`, which depmod takes for a version): `^x` and `1$` don't match it, so `^` and `$`
//! anchor at the ends of the text only and `.` and `[^a]` match the newline (no `REG_NEWLINE`);
//! `X` doesn't match it (no `REG_ICASE`); `6+` and `6|x` match (`REG_EXTENDED`). `REG_NOSUB`
//! changes nothing a match/no-match answer shows. One glibc quirk is not copied: its `^` and `$`
//! also match next to a newline that the match itself steps over (`6.^x` and `1$.` match
//! `6\nx` and `1\nx`); a kernel release has no newline (`common/tests/glibc_patterns.rs` pins
//! the difference).
//!
//! The language is GNU's ERE: besides POSIX's, back references `\1` to `\9`, `\w \W \s \S`
//! (`[[:alnum:]_]`, `[[:space:]]` and their complements), `\b \B \< \>` (word boundaries) and
//! `` \` `` `\'` (start and end of the text); a `\` before any other character is that
//! character. A character is a byte: `.` matches one byte of a UTF-8 `é`, `[é]` is the set of
//! its two bytes, and no byte of 0x80 or above is in a class (see [`super::class`]). kmod 30
//! does the same: with the release `6.1é`, `^6\.1..$` matches and `1[[:alpha:]]$`, `1[^a]$`,
//! `1[é]$` don't.
//!
//! An expression glibc refuses (`regcomp` fails) matches nothing; so does one too big or too
//! deeply nested for this engine ([`Regex::new`] gives `None`), and a match that takes too much
//! work ([`Regex::is_match`] gives `false`).
//!
//! Why not a crate: the `regex` crate has no back references (and says it never will: they
//! can't be matched in linear time), which glibc's ERE has and kmod 30 honours (`(.).\1` matches
//! `6.1.0-56-amd64`); and its syntax is not POSIX's where glibc's rules decide what a KVER
//! means. Measured: `regex` 1.13.2 (`regex::bytes`, `unicode(false)`, an error counted as no
//! match) disagrees with kmod 30 on 5 of the 84 KVER expressions of
//! `config::depmod`'s `kver_expressions` test: it rejects `6{,2}` and `(.).\1`, reads `^*` as
//! a repeated anchor, `` \`6 `` as a literal backtick, and accepts `[a-c-e]`. A translation
//! into its syntax would still need this parser to know what is valid, and expressions with
//! back references would need this matcher anyway.
//!
//! # The engine
//!
//! Patterns are compiled to a program run by a backtracking machine that never revisits a state
//! (so it is polynomial without back references) and gives up after a fixed amount of work;
//! oversized or too deeply nested patterns are treated as invalid.

use std::collections::HashSet;

use super::class::CharClass;

/// glibc's RE_DUP_MAX: the largest count an interval accepts.
const DUP_MAX: u32 = 0x7fff;
/// The largest compiled program.
const MAX_INSTS: usize = 1 << 18;
/// The most compiler steps (bounds repeated empty expressions).
const MAX_COMPILE_WORK: usize = 1 << 20;
/// The most machine steps per match.
const MAX_STEPS: usize = 1 << 18;
/// The deepest group nesting.
const MAX_GROUP_DEPTH: usize = 64;
/// The most repetition operators on one atom.
const MAX_STACKED_REPEATS: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Look {
    Start,
    End,
    WordBoundary,
    NotWordBoundary,
    WordStart,
    WordEnd,
}

#[derive(Debug, Clone)]
enum SetItem {
    Byte(u8),
    Range(u8, u8),
    Class(CharClass),
}

#[derive(Debug, Clone)]
struct Set {
    negated: bool,
    items: Vec<SetItem>,
}

impl Set {
    /// `\w` (`[[:alnum:]_]`), or `\W` when `negated`.
    fn word(negated: bool) -> Set {
        Set {
            negated,
            items: vec![SetItem::Class(CharClass::Alnum), SetItem::Byte(b'_')],
        }
    }

    /// `\s` (`[[:space:]]`), or `\S` when `negated`.
    fn space(negated: bool) -> Set {
        Set {
            negated,
            items: vec![SetItem::Class(CharClass::Space)],
        }
    }

    fn contains(&self, b: u8) -> bool {
        let hit = self.items.iter().any(|i| match *i {
            SetItem::Byte(x) => x == b,
            SetItem::Range(lo, hi) => lo <= b && b <= hi,
            SetItem::Class(k) => k.contains(b),
        });
        hit != self.negated
    }
}

/// A word character, for `\b \B \< \>`: `[[:alnum:]_]`.
fn is_word(b: u8) -> bool {
    CharClass::Alnum.contains(b) || b == b'_'
}

#[derive(Debug)]
enum Node {
    Empty,
    Lit(u8),
    Any,
    Look(Look),
    /// A bracket expression or class escape: its index in the parser's `sets`, which the
    /// compiled program shares (a repeated set is stored once, however often it is repeated:
    /// `[...]{255}{255}` would otherwise copy a big set 65025 times).
    Set(usize),
    /// A parenthesised expression and its group number (from 1, for back references).
    Group(Box<Node>, usize),
    Backref(usize),
    Concat(Vec<Node>),
    Alt(Vec<Node>),
    /// `node` at least `min` times, at most `max` (`None`: no limit).
    Repeat {
        node: Box<Node>,
        min: u32,
        max: Option<u32>,
    },
}

struct Parser<'p> {
    pattern: &'p [u8],
    pos: usize,
    depth: usize,
    groups: usize,
    closed: Vec<usize>,
    sets: Vec<Set>,
}

impl<'p> Parser<'p> {
    fn peek(&self) -> Option<u8> {
        self.pattern.get(self.pos).copied()
    }

    fn peek_at(&self, n: usize) -> Option<u8> {
        self.pattern.get(self.pos + n).copied()
    }

    fn bump(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.pos += 1;
        Some(c)
    }

    fn alternation(&mut self) -> Option<Node> {
        let mut branches = vec![self.concat()?];
        while self.peek() == Some(b'|') {
            self.pos += 1;
            branches.push(self.concat()?);
        }
        Some(if branches.len() == 1 {
            branches.pop().unwrap_or(Node::Empty)
        } else {
            Node::Alt(branches)
        })
    }

    fn concat(&mut self) -> Option<Node> {
        let mut items: Vec<Node> = Vec::new();
        let mut stacked = 0;
        while let Some(c) = self.peek() {
            match c {
                b'|' => break,
                b')' if self.depth > 0 => break,
                b'*' | b'+' | b'?' | b'{' => {
                    self.pos += 1;
                    // A repetition needs something repeatable before it.
                    let last = items.pop()?;
                    if matches!(last, Node::Look(_)) {
                        return None;
                    }
                    stacked += 1;
                    if stacked > MAX_STACKED_REPEATS {
                        return None;
                    }
                    let (min, max) = match c {
                        b'*' => (0, None),
                        b'+' => (1, None),
                        b'?' => (0, Some(1)),
                        _ => self.interval()?,
                    };
                    items.push(Node::Repeat {
                        node: Box::new(last),
                        min,
                        max,
                    });
                }
                _ => {
                    stacked = 0;
                    let atom = self.atom()?;
                    items.push(atom);
                }
            }
        }
        Some(match items.len() {
            0 => Node::Empty,
            1 => items.pop().unwrap_or(Node::Empty),
            _ => Node::Concat(items),
        })
    }

    /// After `{`: `m`, `m,`, `m,n` or `,n`, then `}`.
    fn interval(&mut self) -> Option<(u32, Option<u32>)> {
        let min = self.number();
        let max = if self.peek() == Some(b',') {
            self.pos += 1;
            self.number()
        } else {
            Some(min?)
        };
        if self.bump()? != b'}' {
            return None;
        }
        let min = min.unwrap_or(0);
        if min > DUP_MAX || max.is_some_and(|m| m > DUP_MAX || m < min) {
            return None;
        }
        Some((min, max))
    }

    fn number(&mut self) -> Option<u32> {
        let mut n: Option<u32> = None;
        while let Some(d) = self.peek().filter(u8::is_ascii_digit) {
            self.pos += 1;
            n = Some(
                n.unwrap_or(0)
                    .saturating_mul(10)
                    .saturating_add(u32::from(d - b'0')),
            );
        }
        n
    }

    fn atom(&mut self) -> Option<Node> {
        let c = self.bump()?;
        Some(match c {
            b'(' => {
                if self.depth >= MAX_GROUP_DEPTH {
                    return None;
                }
                self.groups += 1;
                let index = self.groups;
                self.depth += 1;
                let inner = self.alternation()?;
                self.depth -= 1;
                if self.bump()? != b')' {
                    return None;
                }
                self.closed.push(index);
                Node::Group(Box::new(inner), index)
            }
            b'[' => {
                let set = self.bracket()?;
                self.set(set)
            }
            b'.' => Node::Any,
            b'^' => Node::Look(Look::Start),
            b'$' => Node::Look(Look::End),
            b'\\' => match self.bump()? {
                b'w' => self.set(Set::word(false)),
                b'W' => self.set(Set::word(true)),
                b's' => self.set(Set::space(false)),
                b'S' => self.set(Set::space(true)),
                b'b' => Node::Look(Look::WordBoundary),
                b'B' => Node::Look(Look::NotWordBoundary),
                b'<' => Node::Look(Look::WordStart),
                b'>' => Node::Look(Look::WordEnd),
                b'`' => Node::Look(Look::Start),
                b'\'' => Node::Look(Look::End),
                d @ b'1'..=b'9' => {
                    let n = usize::from(d - b'0');
                    if !self.closed.contains(&n) {
                        return None;
                    }
                    Node::Backref(n)
                }
                other => Node::Lit(other),
            },
            other => Node::Lit(other),
        })
    }

    /// Stores `set` once and returns the node referring to it.
    fn set(&mut self, set: Set) -> Node {
        self.sets.push(set);
        Node::Set(self.sets.len() - 1)
    }

    /// After `[`: a bracket expression up to its `]`.
    fn bracket(&mut self) -> Option<Set> {
        let negated = self.peek() == Some(b'^');
        if negated {
            self.pos += 1;
        }
        let mut items = Vec::new();
        let mut first = true;
        loop {
            let c = self.bump()?;
            if c == b']' && !first {
                break;
            }
            first = false;
            let start = if c == b'[' && matches!(self.peek(), Some(b':' | b'.' | b'=')) {
                let kind = self.bump()?;
                let name = self.bracket_name(kind)?;
                if kind == b':' {
                    items.push(SetItem::Class(CharClass::from_name(name)?));
                    if self.peek() == Some(b'-') && self.peek_at(1) != Some(b']') {
                        return None;
                    }
                    continue;
                }
                single(name)?
            } else {
                c
            };
            if self.peek() == Some(b'-') && !matches!(self.peek_at(1), Some(b']') | None) {
                self.pos += 1;
                let e = self.bump()?;
                let end = if e == b'[' && self.peek() == Some(b'.') {
                    self.pos += 1;
                    single(self.bracket_name(b'.')?)?
                } else if e == b'[' && matches!(self.peek(), Some(b':' | b'=')) {
                    return None;
                } else {
                    e
                };
                if end < start {
                    return None;
                }
                items.push(SetItem::Range(start, end));
                if self.peek() == Some(b'-') && self.peek_at(1) != Some(b']') {
                    return None;
                }
            } else {
                items.push(SetItem::Byte(start));
            }
        }
        Some(Set { negated, items })
    }

    /// The name of `[:name:]`, `[.x.]` or `[=x=]`, after the opening `[` and `kind`.
    fn bracket_name(&mut self, kind: u8) -> Option<&'p [u8]> {
        let start = self.pos;
        loop {
            let c = self.bump()?;
            if c == kind && self.peek() == Some(b']') {
                self.pos += 1;
                return self.pattern.get(start..self.pos - 2);
            }
        }
    }
}

/// The one character (byte, in the C locale) of a collating element or equivalence class.
fn single(name: &[u8]) -> Option<u8> {
    match name {
        &[c] => Some(c),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy)]
enum Inst {
    Byte(u8),
    Any,
    Set(usize),
    Look(Look),
    Save(usize),
    Backref(usize),
    Split(usize, usize),
    Jmp(usize),
    Match,
}

struct Compiler {
    prog: Vec<Inst>,
    work: usize,
}

impl Compiler {
    fn emit(&mut self, inst: Inst) -> Option<usize> {
        if self.prog.len() >= MAX_INSTS {
            return None;
        }
        self.prog.push(inst);
        Some(self.prog.len() - 1)
    }

    fn node(&mut self, node: &Node) -> Option<()> {
        self.work += 1;
        if self.work > MAX_COMPILE_WORK {
            return None;
        }
        match node {
            Node::Empty => {}
            Node::Lit(c) => {
                self.emit(Inst::Byte(*c))?;
            }
            Node::Any => {
                self.emit(Inst::Any)?;
            }
            Node::Set(i) => {
                self.emit(Inst::Set(*i))?;
            }
            Node::Look(l) => {
                self.emit(Inst::Look(*l))?;
            }
            Node::Group(inner, i) => {
                self.emit(Inst::Save(2 * i))?;
                self.node(inner)?;
                self.emit(Inst::Save(2 * i + 1))?;
            }
            Node::Backref(i) => {
                self.emit(Inst::Backref(*i))?;
            }
            Node::Concat(items) => {
                for n in items {
                    self.node(n)?;
                }
            }
            Node::Alt(branches) => {
                let mut jumps = Vec::new();
                for (k, b) in branches.iter().enumerate() {
                    if k + 1 < branches.len() {
                        let split = self.emit(Inst::Split(0, 0))?;
                        self.node(b)?;
                        jumps.push(self.emit(Inst::Jmp(0))?);
                        self.prog[split] = Inst::Split(split + 1, self.prog.len());
                    } else {
                        self.node(b)?;
                    }
                }
                let end = self.prog.len();
                for j in jumps {
                    self.prog[j] = Inst::Jmp(end);
                }
            }
            Node::Repeat {
                node: inner,
                min,
                max,
            } => {
                for _ in 0..*min {
                    self.node(inner)?;
                }
                match max {
                    None => {
                        let split = self.emit(Inst::Split(0, 0))?;
                        self.node(inner)?;
                        self.emit(Inst::Jmp(split))?;
                        self.prog[split] = Inst::Split(split + 1, self.prog.len());
                    }
                    Some(max) => {
                        for _ in *min..*max {
                            let split = self.emit(Inst::Split(0, 0))?;
                            self.node(inner)?;
                            self.prog[split] = Inst::Split(split + 1, self.prog.len());
                        }
                    }
                }
            }
        }
        Some(())
    }
}

/// A compiled expression.
#[derive(Debug)]
pub struct Regex {
    prog: Vec<Inst>,
    sets: Vec<Set>,
    slots: usize,
    /// The capture slots back references read (at most 18: groups 1 to 9). The machine's memory
    /// of visited states includes their values, and only theirs: keying on every slot would copy
    /// `2 * groups + 2` words per step, gigabytes for a pattern of a few thousand `()`.
    backref_slots: Vec<usize>,
}

/// A unit of the machine's work: run from a state, or undo a capture on the way back.
enum Job {
    /// Run the program from instruction `pc` at text position `pos`.
    Run { pc: usize, pos: usize },
    /// Put capture slot `slot` back to `value`.
    Restore { slot: usize, value: usize },
}

impl Regex {
    /// Compiles `pattern`; `None` if glibc refuses it, or it is too big for this engine.
    pub fn new(pattern: &[u8]) -> Option<Regex> {
        let mut parser = Parser {
            pattern,
            pos: 0,
            depth: 0,
            groups: 0,
            closed: Vec::new(),
            sets: Vec::new(),
        };
        let ast = parser.alternation()?;
        if parser.pos != pattern.len() {
            return None;
        }
        // An unanchored search: a lazy `.*` in front.
        let mut c = Compiler {
            prog: vec![Inst::Split(3, 1), Inst::Any, Inst::Jmp(0)],
            work: 0,
        };
        c.node(&ast)?;
        c.emit(Inst::Match)?;
        let mut backref_slots: Vec<usize> = c
            .prog
            .iter()
            .filter_map(|i| match i {
                Inst::Backref(n) => Some([2 * n, 2 * n + 1]),
                _ => None,
            })
            .flatten()
            .collect();
        backref_slots.sort_unstable();
        backref_slots.dedup();
        Some(Regex {
            prog: c.prog,
            sets: parser.sets,
            slots: 2 * parser.groups + 2,
            backref_slots,
        })
    }

    /// Whether the expression matches somewhere in `text` (`false` too when the match would
    /// take more than a fixed amount of work).
    pub fn is_match(&self, text: &[u8]) -> bool {
        let mut caps = vec![usize::MAX; self.slots];
        let mut seen: HashSet<(usize, usize, Vec<usize>)> = HashSet::new();
        let mut stack = vec![Job::Run { pc: 0, pos: 0 }];
        let mut steps = 0usize;
        while let Some(job) = stack.pop() {
            let (mut pc, mut pos) = match job {
                Job::Restore { slot, value } => {
                    caps[slot] = value;
                    continue;
                }
                Job::Run { pc, pos } => (pc, pos),
            };
            loop {
                steps += 1;
                if steps > MAX_STEPS {
                    return false;
                }
                let key_caps: Vec<usize> = self.backref_slots.iter().map(|&s| caps[s]).collect();
                if !seen.insert((pc, pos, key_caps)) {
                    break;
                }
                let Some(&inst) = self.prog.get(pc) else {
                    break;
                };
                match inst {
                    Inst::Byte(c) => {
                        if text.get(pos) != Some(&c) {
                            break;
                        }
                        pc += 1;
                        pos += 1;
                    }
                    Inst::Any => {
                        if pos >= text.len() {
                            break;
                        }
                        pc += 1;
                        pos += 1;
                    }
                    Inst::Set(i) => {
                        let hit = text
                            .get(pos)
                            .is_some_and(|&c| self.sets.get(i).is_some_and(|s| s.contains(c)));
                        if !hit {
                            break;
                        }
                        pc += 1;
                        pos += 1;
                    }
                    Inst::Look(look) => {
                        let before = pos
                            .checked_sub(1)
                            .and_then(|p| text.get(p))
                            .is_some_and(|&c| is_word(c));
                        let after = text.get(pos).is_some_and(|&c| is_word(c));
                        let ok = match look {
                            Look::Start => pos == 0,
                            Look::End => pos == text.len(),
                            Look::WordBoundary => before != after,
                            Look::NotWordBoundary => before == after,
                            Look::WordStart => !before && after,
                            Look::WordEnd => before && !after,
                        };
                        if !ok {
                            break;
                        }
                        pc += 1;
                    }
                    Inst::Save(slot) => {
                        if let Some(old) = caps.get(slot).copied() {
                            stack.push(Job::Restore { slot, value: old });
                            caps[slot] = pos;
                        }
                        pc += 1;
                    }
                    Inst::Backref(n) => {
                        let (a, b) = (caps[2 * n], caps[2 * n + 1]);
                        let Some(sub) = text.get(a..b) else {
                            break;
                        };
                        if !text[pos..].starts_with(sub) {
                            break;
                        }
                        pos += sub.len();
                        pc += 1;
                    }
                    Inst::Split(a, b) => {
                        stack.push(Job::Run { pc: b, pos });
                        pc = a;
                    }
                    Inst::Jmp(a) => pc = a,
                    Inst::Match => return true,
                }
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, text: &str) -> bool {
        Regex::new(pattern.as_bytes()).is_some_and(|re| re.is_match(text.as_bytes()))
    }

    #[test]
    fn pathological_expressions_finish() {
        // Nested repeats, empty loops, huge counts, back references: bounded work, no panic.
        for p in [
            "(a*)*b",
            "((a|a)*)*x",
            "(()*)*",
            "(a{1000}){1000}",
            "(){32767}{32767}",
            "(.*)*\\1x",
            "((.)\\2*)*y",
            "(a|b|c|d|e|f|g|h|.)*z",
        ] {
            let _ = matches(p, &"a".repeat(64));
        }
        assert!(matches("(a*)*", "aaaa"));
        assert!(matches("(x*)*6", "6.1.0-56-amd64"));
    }

    #[test]
    fn bytes_are_characters() {
        // What glibc answers in the C locale (common/tests/glibc_patterns.rs compares many
        // more): `é` is two bytes, in no class.
        assert!(matches("^6\\.1..$", "6.1é"));
        assert!(!matches("^6\\.1.$", "6.1é"));
        assert!(!matches("1[[:alpha:]]$", "6.1é"));
        assert!(!matches("1[^a]$", "6.1é"));
        assert!(!matches("1[é]$", "6.1é"));
        assert!(matches("1[é][é]$", "6.1é"));
        assert!(!matches("\\w$", "6.1é"));
        assert!(matches("\\W$", "6.1é"));
        assert!(Regex::new("[[.é.]]".as_bytes()).is_none());
    }
}
