//! Command lines read the way glibc's `getopt_long(3)` reads them, as kmod's tools do.
//!
//! What a script may rely on, all of it observed with Debian's kmod 30 and kmod 34.2:
//! - options anywhere: the arguments are permuted, so `modprobe vfat --show-depends` is the
//!   option `-D` and the operand `vfat` (with `POSIXLY_CORRECT` in the environment, or for a
//!   parser in [`Order::RequireOrder`], options end at the first operand instead);
//! - `--` ends the options and is not itself an operand; a lone `-` is an operand;
//! - short options group (`-vn`), and take their argument attached or as the next word (`-Sv`,
//!   `-S v`); a required argument is the next word whatever it is, `--` included;
//! - long options take `--name=value` or `--name value`, and may be abbreviated to any prefix
//!   that is unique, or shared only by spellings of one option (`--ignore-` is
//!   `--ignore-install` and `--ignore-remove`, the same option); an exact name always wins;
//! - repeated options are all reported, in order: the tool decides whether the last wins or
//!   they accumulate;
//! - errors are one line on stderr, glibc's words with argv\[0\] as given:
//!   `./modprobe: unrecognized option '--frobnicate'`, `option '--s' is ambiguous;
//!   possibilities: '--show-depends' ...`, `invalid option -- 'Z'`, `option requires an
//!   argument -- 'C'`, `option '--all' doesn't allow an argument`.
//!
//! Beyond getopt: an option may be marked [`Opt::compat`], for spellings kmod 30 took and kmod
//! 34.2 dropped. Such an option is taken only when no current option matches what was typed,
//! so abbreviations and the list of possibilities stay kmod 34.2's (`depmod --q` is `--quick`,
//! while `--quiet` still works as kmod 30's ignored option). Our own options that kmod lacks
//! (`--json`, `--explain`) are marked [`Opt::extension`]: matched the same way, after kmod's, so
//! every abbreviation kmod accepts means what it means to kmod, and one kmod rejects as unknown
//! (`modprobe --ex`) may be ours; unlike compat options, they are documented.
//!
//! The same table gives each tool's `--help` text, and the tests that keep the man pages and
//! the shell completions in step with the options.

use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::io::Write as _;
use std::os::unix::ffi::{OsStrExt, OsStringExt};

/// Whether an option takes an argument (getopt's `has_arg`), with the argument's name for help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arg {
    /// A flag: `--all`, `-a`.
    None,
    /// Always an argument: `--config=FILE`, `--config FILE`, `-CFILE`, `-C FILE`.
    Required(&'static str),
    /// Only an attached argument: `--name=VALUE`, `-nVALUE`.
    Optional(&'static str),
}

/// One option of a tool: a short letter, a long name or both, and the key the tool matches on.
/// Several entries with the same key and argument kind are spellings of one option.
#[derive(Debug, Clone, Copy)]
pub struct Opt<K: 'static> {
    /// The short letter (`-a`), if any.
    pub short: Option<char>,
    /// The long name without `--`, if any.
    pub long: Option<&'static str>,
    /// Whether it takes an argument.
    pub arg: Arg,
    /// What the tool matches on.
    pub key: K,
    /// One line for `--help`, the man page and the completions.
    pub help: &'static str,
    /// Accepted for older kmod's sake only: never offered as a possibility, matched only when
    /// no current option matches (see the module documentation).
    pub compat: bool,
    /// One of ours that kmod doesn't have (`--json`, `--explain`): documented like any other,
    /// but matched, like a compat option, only when none of kmod's options matches what was
    /// typed, so it never makes an abbreviation that kmod accepts ambiguous.
    pub extension: bool,
}

impl<K> Opt<K> {
    /// `-V`, `--version`, as every tool has it.
    pub const fn version(key: K) -> Opt<K> {
        Opt::flag(
            Some('V'),
            Some("version"),
            key,
            "print the version and exit",
        )
    }

    /// `-h`, `--help`, as every tool has it.
    pub const fn help(key: K) -> Opt<K> {
        Opt::flag(Some('h'), Some("help"), key, "print this help and exit")
    }

    /// `-s`, `--syslog`, as insmod, rmmod, lsmod and modprobe have it.
    pub const fn syslog(key: K) -> Opt<K> {
        Opt::flag(
            Some('s'),
            Some("syslog"),
            key,
            "report errors to syslog, not stderr",
        )
    }

    /// A flag `-s, --long`.
    pub const fn flag(
        short: Option<char>,
        long: Option<&'static str>,
        key: K,
        help: &'static str,
    ) -> Opt<K> {
        Opt {
            short,
            long,
            arg: Arg::None,
            key,
            help,
            compat: false,
            extension: false,
        }
    }

    /// An option `-s, --long=VALUE` with a required argument.
    pub const fn value(
        short: Option<char>,
        long: Option<&'static str>,
        name: &'static str,
        key: K,
        help: &'static str,
    ) -> Opt<K> {
        Opt {
            short,
            long,
            arg: Arg::Required(name),
            key,
            help,
            compat: false,
            extension: false,
        }
    }

    /// The same option, accepted for kmod 30's sake only.
    pub const fn compat(mut self) -> Opt<K> {
        self.compat = true;
        self
    }

    /// The same option, as one of ours that kmod doesn't have (see [`Opt::extension`]'s field).
    pub const fn extension(mut self) -> Opt<K> {
        self.extension = true;
        self
    }
}

/// Where options may appear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Anywhere (glibc's default): operands are collected, options parsed wherever they are.
    Permute,
    /// Options end at the first operand (`POSIXLY_CORRECT`, or a `+` optstring, as kmod's own
    /// command line uses before its subcommand).
    RequireOrder,
}

/// A tool's command line: its options in kmod's table order (which decides the order of
/// `possibilities:` in an ambiguity message).
#[derive(Debug, Clone, Copy)]
pub struct Options<K: 'static> {
    /// The options.
    pub opts: &'static [Opt<K>],
    /// Where options may appear, before the environment has its say.
    pub order: Order,
}

/// How an option was spelt on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spelling {
    /// `-c`.
    Short(char),
    /// `--name`, by its full name even when abbreviated.
    Long(&'static str),
}

impl std::fmt::Display for Spelling {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Spelling::Short(c) => write!(f, "-{c}"),
            Spelling::Long(l) => write!(f, "--{l}"),
        }
    }
}

/// One option found on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found<K> {
    /// The option's key.
    pub key: K,
    /// Its argument, if it took one.
    pub value: Option<OsString>,
    /// How it was written.
    pub spelling: Spelling,
}

impl<K> Found<K> {
    /// The argument as a string (lossy for bytes that are not UTF-8); empty when there is none.
    pub fn text(&self) -> String {
        self.value
            .as_deref()
            .map(|v| v.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

/// A parsed command line: the options in the order given, the operands in order, and the
/// error that stopped the parse, if one did.
///
/// getopt reports an error only when the caller's loop reaches it, so `modprobe -h --zz` prints
/// the help and exits 0, while `modprobe --zz -h` is an error: a tool acts on [`Parsed::options`]
/// in order (an option may end the run, as `-h` does) and only then on [`Parsed::error`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed<K> {
    /// Every option before the error (all of them when there is none), repeated ones included.
    pub options: Vec<Found<K>>,
    /// The other arguments (after `--`, or all of them, as operands).
    pub operands: Vec<OsString>,
    /// The first argument getopt refused.
    pub error: Option<UsageError>,
}

/// A command line getopt refuses: glibc's one-line message, already prefixed with argv\[0\].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(Vec<u8>);

impl<K> Parsed<K> {
    /// The operands, for a tool that has acted on every option: if getopt refused an argument,
    /// its message is printed and `Err` holds the exit code, 1 (kmod's code for every failure).
    pub fn operands(self) -> Result<Vec<OsString>, i32> {
        match self.error {
            Some(e) => {
                e.print();
                Err(1)
            }
            None => Ok(self.operands),
        }
    }
}

impl UsageError {
    /// The message (without a newline), as bytes: an argument need not be UTF-8.
    pub fn message(&self) -> &[u8] {
        &self.0
    }

    /// Writes the message and a newline to stderr.
    pub fn print(&self) {
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(&self.0);
        let _ = err.write_all(b"\n");
    }
}

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.0))
    }
}

impl<K: Copy + PartialEq> Options<K> {
    /// Parses a whole argument vector: argv\[0\] (for messages; `name` when it is missing), then
    /// the arguments, as [`Options::parse`] does.
    pub fn parse_argv(&self, argv: &[OsString], name: &str) -> Parsed<K> {
        match argv.split_first() {
            Some((prog, rest)) => self.parse(prog, rest),
            None => self.parse(OsStr::new(name), &[]),
        }
    }

    /// Parses `args` (without the program name); `prog` is argv\[0\] for messages. The order
    /// is [`Options::order`], or [`Order::RequireOrder`] when `POSIXLY_CORRECT` is set.
    pub fn parse(&self, prog: &OsStr, args: &[OsString]) -> Parsed<K> {
        let order = if std::env::var_os("POSIXLY_CORRECT").is_some() {
            Order::RequireOrder
        } else {
            self.order
        };
        self.parse_in(order, prog, args)
    }

    /// [`Options::parse`] with the order given, whatever the environment says.
    pub fn parse_in(&self, order: Order, prog: &OsStr, args: &[OsString]) -> Parsed<K> {
        let mut parsed = Parsed {
            options: Vec::new(),
            operands: Vec::new(),
            error: None,
        };
        if let Err(e) = self.parse_into(order, prog, args, &mut parsed) {
            parsed.error = Some(e);
        }
        parsed
    }

    fn parse_into(
        &self,
        order: Order,
        prog: &OsStr,
        args: &[OsString],
        parsed: &mut Parsed<K>,
    ) -> Result<(), UsageError> {
        // glibc's message: argv[0], then the text, with arguments as the bytes given.
        let err = |parts: &[&[u8]]| {
            let mut m = prog.as_bytes().to_vec();
            m.extend_from_slice(b": ");
            for p in parts {
                m.extend_from_slice(p);
            }
            UsageError(m)
        };
        let mut i = 0;
        while i < args.len() {
            let arg = args[i].as_bytes();
            i += 1;
            if arg == b"--" {
                parsed.operands.extend(args[i..].iter().cloned());
                break;
            }
            if arg.len() < 2 || arg[0] != b'-' {
                parsed.operands.push(args[i - 1].clone());
                if order == Order::RequireOrder {
                    parsed.operands.extend(args[i..].iter().cloned());
                    break;
                }
                continue;
            }
            if let Some(body) = arg.strip_prefix(b"--") {
                let (name, attached) = match body.iter().position(|&b| b == b'=') {
                    Some(p) => (&body[..p], Some(&body[p + 1..])),
                    None => (body, None),
                };
                let opt = self.long_match(name).map_err(|e| match e {
                    LongMiss::Unknown => err(&[b"unrecognized option '", arg, b"'"]),
                    LongMiss::Ambiguous(list) => {
                        let mut names = String::new();
                        for o in list {
                            let _ = write!(names, " '--{}'", o.long.unwrap_or_default());
                        }
                        let tail = names.as_bytes();
                        err(&[b"option '", arg, b"' is ambiguous; possibilities:", tail])
                    }
                })?;
                let long = opt.long.unwrap_or_default();
                let value = match (opt.arg, attached) {
                    (Arg::None, Some(_)) => {
                        return Err(err(&[
                            b"option '--",
                            long.as_bytes(),
                            b"' doesn't allow an argument",
                        ]))
                    }
                    (Arg::None, None) | (Arg::Optional(_), None) => None,
                    (_, Some(v)) => Some(OsString::from_vec(v.to_vec())),
                    (Arg::Required(_), None) => match args.get(i) {
                        Some(v) => {
                            i += 1;
                            Some(v.clone())
                        }
                        None => {
                            return Err(err(&[
                                b"option '--",
                                long.as_bytes(),
                                b"' requires an argument",
                            ]))
                        }
                    },
                };
                parsed.options.push(Found {
                    key: opt.key,
                    value,
                    spelling: Spelling::Long(long),
                });
                continue;
            }
            // A group of short options: -abc, -Cvalue, -C value.
            let mut j = 1;
            while j < arg.len() {
                let c = arg[j];
                j += 1;
                let Some(opt) = self.short_match(c) else {
                    return Err(err(&[b"invalid option -- '", &[c], b"'"]));
                };
                let letter = char::from(c);
                let rest = &arg[j..];
                let value = match opt.arg {
                    Arg::None => None,
                    Arg::Optional(_) if rest.is_empty() => None,
                    Arg::Optional(_) | Arg::Required(_) if !rest.is_empty() => {
                        j = arg.len();
                        Some(OsString::from_vec(rest.to_vec()))
                    }
                    _ => match args.get(i) {
                        Some(v) => {
                            i += 1;
                            Some(v.clone())
                        }
                        None => {
                            return Err(err(&[b"option requires an argument -- '", &[c], b"'"]))
                        }
                    },
                };
                parsed.options.push(Found {
                    key: opt.key,
                    value,
                    spelling: Spelling::Short(letter),
                });
            }
        }
        Ok(())
    }

    fn short_match(&self, c: u8) -> Option<&'static Opt<K>> {
        self.opts
            .iter()
            .find(|o| o.short.is_some_and(|s| s.is_ascii() && s as u8 == c))
    }

    /// The option a long name (or a prefix of one) means: among kmod's current options first,
    /// then among the compat ones and our extensions.
    fn long_match(&self, name: &[u8]) -> Result<&'static Opt<K>, LongMiss<K>> {
        match self.long_match_among(name, false) {
            Err(LongMiss::Unknown) => self.long_match_among(name, true),
            found => found,
        }
    }

    fn long_match_among(&self, name: &[u8], compat: bool) -> Result<&'static Opt<K>, LongMiss<K>> {
        let named = self
            .opts
            .iter()
            .filter(|o| (o.compat || o.extension) == compat)
            .filter_map(|o| o.long.map(|l| (o, l.as_bytes())));
        let mut first: Option<&'static Opt<K>> = None;
        let mut ambiguous: Vec<&'static Opt<K>> = Vec::new();
        for (opt, long) in named {
            if long == name {
                return Ok(opt);
            }
            if !long.starts_with(name) {
                continue;
            }
            match first {
                None => first = Some(opt),
                // Another spelling of the first match is no ambiguity; anything else is.
                Some(f) if f.key == opt.key && f.arg == opt.arg => {}
                Some(f) => {
                    if ambiguous.is_empty() {
                        ambiguous.push(f);
                    }
                    ambiguous.push(opt);
                }
            }
        }
        // An exact match later in the table still wins over the prefixes before it.
        match (first, ambiguous.is_empty()) {
            (None, _) => Err(LongMiss::Unknown),
            (Some(f), true) => Ok(f),
            (Some(_), false) => Err(LongMiss::Ambiguous(ambiguous)),
        }
    }

    /// `--help` text: the usage lines, then each option (compat ones left out) with its help.
    pub fn help(&self, usage: &[&str]) -> String {
        let mut out = String::from("Usage:\n");
        for u in usage {
            let _ = writeln!(out, "\t{u}");
        }
        out.push_str("Options:\n");
        let rows: Vec<(String, &str)> = self
            .opts
            .iter()
            .filter(|o| !o.compat && !o.help.is_empty())
            .map(|o| (o.synopsis(), o.help))
            .collect();
        let width = rows.iter().map(|(s, _)| s.len()).max().unwrap_or(0);
        for (s, h) in rows {
            let _ = writeln!(out, "\t{s:<width$}  {h}");
        }
        out
    }
}

impl<K> Options<K> {
    /// The options without their keys, for what documents them (help, man pages, completions).
    pub fn describe(&self) -> Vec<Opt<()>> {
        self.opts
            .iter()
            .map(|o| Opt {
                short: o.short,
                long: o.long,
                arg: o.arg,
                key: (),
                help: o.help,
                compat: o.compat,
                extension: o.extension,
            })
            .collect()
    }
}

impl<K> Opt<K> {
    /// `-C, --config=FILE`, `    --first-time`, `-0`: the option as help and man pages show it.
    pub fn synopsis(&self) -> String {
        let mut s = match self.short {
            Some(c) if self.long.is_some() => format!("-{c}, "),
            Some(c) => format!("-{c}"),
            None => "    ".to_string(),
        };
        if let Some(l) = self.long {
            let _ = write!(s, "--{l}");
        }
        match (self.arg, self.long) {
            (Arg::None, _) => {}
            (Arg::Required(n), Some(_)) => {
                let _ = write!(s, "={n}");
            }
            (Arg::Optional(n), Some(_)) => {
                let _ = write!(s, "[={n}]");
            }
            (Arg::Required(n), None) => {
                let _ = write!(s, " {n}");
            }
            (Arg::Optional(n), None) => {
                let _ = write!(s, "[{n}]");
            }
        }
        s
    }
}

enum LongMiss<K: 'static> {
    Unknown,
    Ambiguous(Vec<&'static Opt<K>>),
}

/// Parses a number as C's `strtoul(s, &end, 0)` does, for options kmod reads so (`modprobe
/// -w`): leading white space, a sign, `0x` for hex or `0` for octal; the whole string must be
/// used and hold a digit. A negative number wraps as in C; an overflow saturates.
pub fn parse_c_ulong(s: &str) -> Option<u64> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    let (negative, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let hex = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .filter(|h| h.starts_with(|c: char| c.is_ascii_hexdigit()));
    let (radix, digits) = match hex {
        Some(h) => (16, h),
        None if t.starts_with('0') => (8, t),
        None => (10, t),
    };
    if digits.is_empty() {
        return None;
    }
    // Every character must be a digit: strtoul stopping early is kmod's error.
    let value = digits.chars().try_fold(0u64, |v, c| {
        let d = c.to_digit(radix)?;
        Some(
            v.saturating_mul(u64::from(radix))
                .saturating_add(u64::from(d)),
        )
    })?;
    Some(if negative {
        value.wrapping_neg()
    } else {
        value
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum K {
        All,
        Remove,
        Holders,
        Ignore,
        Config,
        Dir,
        Version,
        Verbose,
        Show,
        ShowConfig,
        Quiet,
        Name,
        Json,
    }

    // A slice of modprobe's table, in kmod's order, and two invented entries.
    const OPTS: &[Opt<K>] = &[
        Opt::flag(Some('a'), Some("all"), K::All, "every argument is a module"),
        Opt::flag(Some('r'), Some("remove"), K::Remove, "remove"),
        Opt::flag(None, Some("remove-dependencies"), K::Holders, "old name"),
        Opt::flag(None, Some("remove-holders"), K::Holders, "holders too"),
        Opt::flag(
            Some('i'),
            Some("ignore-install"),
            K::Ignore,
            "no install commands",
        ),
        Opt::flag(None, Some("ignore-remove"), K::Ignore, "no remove commands"),
        Opt::flag(
            Some('c'),
            Some("showconfig"),
            K::ShowConfig,
            "configuration",
        ),
        Opt::flag(None, Some("show-config"), K::ShowConfig, "the same"),
        Opt::flag(Some('n'), Some("show"), K::Show, "dry run"),
        Opt::value(
            Some('C'),
            Some("config"),
            "FILE",
            K::Config,
            "configuration file",
        ),
        Opt::value(Some('d'), Some("dirname"), "DIR", K::Dir, "root"),
        Opt::flag(Some('v'), Some("verbose"), K::Verbose, "more"),
        Opt::flag(Some('V'), Some("version"), K::Version, "version"),
        Opt::flag(Some('q'), Some("quiet"), K::Quiet, "old").compat(),
        Opt::flag(None, Some("show-json"), K::Json, "ours").extension(),
        Opt {
            short: Some('N'),
            long: Some("name"),
            arg: Arg::Optional("NAME"),
            key: K::Name,
            help: "optional",
            compat: false,
            extension: false,
        },
    ];
    const P: Options<K> = Options {
        opts: OPTS,
        order: Order::Permute,
    };

    fn args(a: &[&str]) -> Vec<OsString> {
        a.iter().map(OsString::from).collect()
    }

    /// The options (key and argument) and the operands of a parse, or its message.
    type Outcome = Result<(Vec<(K, Option<String>)>, Vec<String>), String>;

    fn parse(a: &[&str]) -> Outcome {
        let p = P.parse_in(Order::Permute, OsStr::new("./t"), &args(a));
        match p.error {
            Some(e) => Err(e.to_string()),
            None => Ok(p),
        }
        .map(|p| {
            (
                p.options
                    .iter()
                    .map(|f| {
                        (
                            f.key,
                            f.value.as_ref().map(|v| v.to_string_lossy().into_owned()),
                        )
                    })
                    .collect(),
                p.operands
                    .iter()
                    .map(|o| o.to_string_lossy().into_owned())
                    .collect(),
            )
        })
    }

    #[test]
    fn options_anywhere_and_dash_dash() {
        let (o, rest) = parse(&["vfat", "-a", "x=1", "--", "-v", "--all"]).expect("parse");
        assert_eq!(o, vec![(K::All, None)]);
        assert_eq!(rest, ["vfat", "x=1", "-v", "--all"]);
        let (o, rest) = parse(&["-", "-v"]).expect("parse");
        assert_eq!(o, vec![(K::Verbose, None)]);
        assert_eq!(rest, ["-"]);
        let p = P.parse_in(
            Order::RequireOrder,
            OsStr::new("t"),
            &args(&["-v", "m", "-a"]),
        );
        assert_eq!(p.error, None);
        assert_eq!(p.options.len(), 1);
        assert_eq!(p.operands, args(&["m", "-a"]));
    }

    #[test]
    fn arguments_in_every_spelling() {
        for a in [
            &["-C", "x"][..],
            &["-Cx"],
            &["--config=x"],
            &["--config", "x"],
            &["--conf", "x"],
            &["--c=x"],
        ] {
            assert_eq!(
                parse(a).expect("parse").0,
                vec![(K::Config, Some("x".into()))],
                "{a:?}"
            );
        }
        // A required argument is the next word, whatever it is.
        assert_eq!(
            parse(&["-C", "--", "m"]).expect("parse"),
            (vec![(K::Config, Some("--".into()))], vec!["m".to_string()])
        );
        assert_eq!(
            parse(&["-vaCx", "-d", "-v"]).expect("parse").0,
            vec![
                (K::Verbose, None),
                (K::All, None),
                (K::Config, Some("x".into())),
                (K::Dir, Some("-v".into()))
            ]
        );
        // Optional arguments: attached only.
        assert_eq!(
            parse(&["-N", "--name", "x", "-Ny", "--name=z"]).expect("parse"),
            (
                vec![
                    (K::Name, None),
                    (K::Name, None),
                    (K::Name, Some("y".into())),
                    (K::Name, Some("z".into()))
                ],
                vec!["x".to_string()]
            )
        );
        assert_eq!(
            parse(&["--config="]).expect("parse").0,
            vec![(K::Config, Some(String::new()))]
        );
    }

    #[test]
    fn abbreviations_and_ambiguity() {
        assert_eq!(parse(&["--al"]).expect("parse").0, vec![(K::All, None)]);
        // Two spellings of one option are no ambiguity.
        assert_eq!(
            parse(&["--ignore-"]).expect("parse").0,
            vec![(K::Ignore, None)]
        );
        assert_eq!(
            parse(&["--remove-"]).expect("parse").0,
            vec![(K::Holders, None)]
        );
        // An exact name wins over the longer names it starts.
        assert_eq!(parse(&["--show"]).expect("parse").0, vec![(K::Show, None)]);
        assert_eq!(
            parse(&["--r"]).expect_err("an error"),
            "./t: option '--r' is ambiguous; possibilities: '--remove' '--remove-dependencies' \
             '--remove-holders'"
        );
        // Possibilities: the first match, and each match that is not a spelling of it (glibc
        // 2.36, checked with a C program over this table).
        assert_eq!(
            parse(&["--s=1"]).expect_err("an error"),
            "./t: option '--s=1' is ambiguous; possibilities: '--showconfig' '--show'"
        );
        // compat options: never a possibility, but taken when nothing current matches.
        assert_eq!(
            parse(&["--v"]).expect_err("an error"),
            "./t: option '--v' is ambiguous; possibilities: '--verbose' '--version'"
        );
        assert_eq!(parse(&["--q"]).expect("parse").0, vec![(K::Quiet, None)]);
        assert_eq!(parse(&["-q"]).expect("parse").0, vec![(K::Quiet, None)]);
        // Extensions likewise: `--s` and `--show` keep kmod's meaning; a prefix only the
        // extension has is taken.
        assert_eq!(
            parse(&["--show-j"]).expect("parse").0,
            vec![(K::Json, None)]
        );
        assert_eq!(
            parse(&["--show-"]).expect("parse").0,
            vec![(K::ShowConfig, None)]
        );
        assert_eq!(
            parse(&["--show-json"]).expect("parse").0,
            vec![(K::Json, None)]
        );
        assert_eq!(parse(&["--show"]).expect("parse").0, vec![(K::Show, None)]);
    }

    #[test]
    fn glibc_messages() {
        let e = |a: &[&str]| parse(a).expect_err("an error");
        assert_eq!(e(&["--zz=1"]), "./t: unrecognized option '--zz=1'");
        assert_eq!(e(&["-Z"]), "./t: invalid option -- 'Z'");
        assert_eq!(e(&["-vZ"]), "./t: invalid option -- 'Z'");
        assert_eq!(e(&["-C"]), "./t: option requires an argument -- 'C'");
        assert_eq!(
            e(&["--config"]),
            "./t: option '--config' requires an argument"
        );
        assert_eq!(
            e(&["--conf"]),
            "./t: option '--config' requires an argument"
        );
        assert_eq!(
            e(&["--al=1"]),
            "./t: option '--all' doesn't allow an argument"
        );
        let bad = P
            .parse_in(
                Order::Permute,
                OsStr::new("t"),
                &[OsString::from_vec(b"-\xff".to_vec())],
            )
            .error
            .expect("an error");
        assert_eq!(bad.message(), b"t: invalid option -- '\xff'");
        // What came before the error is kept, in order.
        let p = P.parse_in(
            Order::Permute,
            OsStr::new("t"),
            &args(&["m", "-v", "--zz", "-a"]),
        );
        assert_eq!(p.options.len(), 1);
        assert_eq!(p.operands, args(&["m"]));
        assert!(p.error.is_some());
    }

    #[test]
    fn help_lists_current_options() {
        let h = P.help(&["t [options] NAME"]);
        assert!(
            h.starts_with("Usage:\n\tt [options] NAME\nOptions:\n"),
            "{h}"
        );
        assert!(h.contains("\t-C, --config=FILE"), "{h}");
        assert!(h.contains("\t    --remove-holders"), "{h}");
        assert!(h.contains("\t-N, --name[=NAME]"), "{h}");
        assert!(!h.contains("quiet"), "{h}");
        assert!(h.contains("\t    --show-json"), "{h}");
    }

    #[test]
    fn c_numbers() {
        assert_eq!(parse_c_ulong("10"), Some(10));
        assert_eq!(parse_c_ulong(" 7"), Some(7));
        assert_eq!(parse_c_ulong("0x10"), Some(16));
        assert_eq!(parse_c_ulong("010"), Some(8));
        assert_eq!(parse_c_ulong("0"), Some(0));
        assert_eq!(parse_c_ulong("-5"), Some(5u64.wrapping_neg()));
        assert_eq!(parse_c_ulong("99999999999999999999"), Some(u64::MAX));
        for bad in ["", "10x", "0x", "x", "-", " ", "08", "1 "] {
            assert_eq!(parse_c_ulong(bad), None, "{bad:?}");
        }
    }
}
