//! The man pages in `man/` are written by hand; these tests keep them in step with what the
//! tools take and read:
//! - every option of each tool's table (`kmod::TOOLS`, kmod's own `OPTIONS`,
//!   `STATIC_NODES_OPTIONS` and `COMMANDS`) is in its page's OPTIONS section, short and long
//!   spelling, with its argument's name;
//! - the other way round, every option spelt in a page's SYNOPSIS or OPTIONS section is one the
//!   tool takes, so a removed option can't linger;
//! - every page has the sections a man page needs, a `.TH` naming this release, and hyphens in
//!   option names escaped;
//! - `modprobe.d(5)` and `depmod.d(5)` list exactly the directives the configuration parsers
//!   accept, the configuration directories the code reads, and `modules.dep(5)` every file
//!   depmod writes.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use common::config::depmod::DepmodConfig;
use common::config::modprobe::ModprobeConfig;
use common::getopt::{Arg, Opt};
use common::report::{Collected, Report};

/// The release the pages must name in `.TH`.
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The section-5 pages, besides `modules.dep.bin.5` (a `.so` link).
const SECTION5: [&str; 3] = ["modprobe.d", "depmod.d", "modules.dep"];

/// The sections every section-8 page has, in this order (other sections may come between).
const SECTION8_HEADINGS: [&str; 9] = [
    ".SH NAME",
    ".SH SYNOPSIS",
    ".SH DESCRIPTION",
    ".SH OPTIONS",
    ".SH FILES",
    ".SH ENVIRONMENT",
    ".SH \"EXIT STATUS\"",
    ".SH EXAMPLES",
    ".SH \"SEE ALSO\"",
];

fn man_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../man")
}

/// One man page's source.
struct Page {
    /// `insmod.8`, ...: names the page in failure messages.
    name: String,
    text: String,
}

impl Page {
    fn read(file: &str) -> Page {
        let path = man_dir().join(file);
        let text = fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("man/{file}: can't read {}: {e}", path.display()));
        Page {
            name: format!("man/{file}"),
            text,
        }
    }

    /// The lines that are not roff comments.
    fn lines(&self) -> impl Iterator<Item = &str> {
        self.text
            .lines()
            .filter(|l| !l.starts_with(".\\\"") && !l.starts_with("'\\\""))
    }

    /// The source of the section `.SH TITLE` (title as written after `.SH`, quotes included),
    /// up to the next `.SH`.
    fn section(&self, heading: &str) -> String {
        let mut out = String::new();
        let mut inside = false;
        for line in self.lines() {
            if line.starts_with(".SH") {
                inside = line == heading;
                continue;
            }
            if inside {
                out.push_str(line);
                out.push('\n');
            }
        }
        assert!(
            !out.is_empty(),
            "{}: no section `{heading}` (or it is empty)",
            self.name
        );
        out
    }

    /// The `.TH` line's arguments.
    fn th(&self) -> Vec<String> {
        let line = self
            .lines()
            .find(|l| l.starts_with(".TH "))
            .unwrap_or_else(|| panic!("{}: no .TH line", self.name));
        roff_args(&line[4..])
    }

    /// The names of the `.TP` entries of `section`: the first word of the line after each
    /// `.TP`, fonts and escapes removed (`static\-nodes` gives `static-nodes`).
    fn entries(&self, heading: &str) -> Vec<String> {
        let section = self.section(heading);
        let mut out = Vec::new();
        let mut lines = section.lines();
        while let Some(line) = lines.next() {
            if line != ".TP" {
                continue;
            }
            let Some(tag) = lines.next() else { break };
            let args = match tag.split_once(' ') {
                Some((macro_name, rest)) if macro_name.starts_with('.') => roff_args(rest),
                _ => vec![tag.to_string()],
            };
            let first = args.concat();
            let word = plain(&first)
                .replace("\\-", "-")
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string();
            out.push(word);
        }
        out
    }
}

/// Splits macro arguments the way roff does: at spaces, `"..."` keeping spaces.
fn roff_args(s: &str) -> Vec<String> {
    let mut args = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in s.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            ' ' if !quoted => {
                if any {
                    args.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any {
        args.push(cur);
    }
    args
}

/// The text without font changes (`\fB`, `\fI`, `\fR`, `\fP`, `\f(XX`, `\f[X]`), `\&` and `\c`;
/// other escapes, `\-` included, stay.
fn plain(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.peek().copied() {
            Some('f') => {
                chars.next();
                match chars.next() {
                    Some('(') => {
                        chars.next();
                        chars.next();
                    }
                    Some('[') => {
                        for d in chars.by_ref() {
                            if d == ']' {
                                break;
                            }
                        }
                    }
                    _ => {}
                }
            }
            Some('&') | Some('c') => {
                chars.next();
            }
            Some(d) => {
                chars.next();
                out.push('\\');
                out.push(d);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// The options spelt in roff text: long ones (`\-\-show\-depends`, as `show-depends`) and short
/// ones (`\-D` standing alone: not inside a word like `built\-in`, not followed by a letter).
/// A long option written with a plain `-` inside (`\-\-show-depends`) is reported in `bad`.
#[derive(Debug, Default)]
struct Spelt {
    longs: BTreeSet<String>,
    shorts: BTreeSet<char>,
    bad: Vec<String>,
}

fn spelt(text: &str) -> Spelt {
    let text = plain(text);
    let b = text.as_bytes();
    let dash = |i: usize| b.get(i) == Some(&b'\\') && b.get(i + 1) == Some(&b'-');
    let alnum = |i: usize| b.get(i).is_some_and(u8::is_ascii_alphanumeric);
    let mut out = Spelt::default();
    let mut i = 0;
    while i < b.len() {
        if dash(i) && dash(i + 2) && alnum(i + 4) {
            let mut j = i + 4;
            let mut name = String::new();
            loop {
                if alnum(j) || b.get(j) == Some(&b'_') {
                    name.push(char::from(b[j]));
                    j += 1;
                } else if dash(j) && alnum(j + 2) {
                    name.push('-');
                    j += 2;
                } else {
                    break;
                }
            }
            if b.get(j) == Some(&b'-') {
                out.bad.push(format!("--{name}-..."));
            }
            out.longs.insert(name);
            i = j;
            continue;
        }
        if dash(i) && alnum(i + 2) {
            let after_word = i > 0 && (alnum(i - 1) || b[i - 1] == b'-');
            if !after_word && !alnum(i + 3) && !dash(i + 3) {
                out.shorts.insert(char::from(b[i + 2]));
            }
            i += 3;
            continue;
        }
        i += 1;
    }
    out
}

/// `name` as roff spells it: every `-` escaped.
fn escaped(name: &str) -> String {
    name.replace('-', "\\-")
}

/// Checks a page's options against `opts` (the options the tool takes).
fn check_options(page: &Page, opts: &[Opt<()>]) {
    let options = page.section(".SH OPTIONS");
    let documented = spelt(&options);
    let synopsis = spelt(&page.section(".SH SYNOPSIS"));
    let plain_options = plain(&options);
    let shorts: BTreeSet<char> = opts.iter().filter_map(|o| o.short).collect();
    let longs: BTreeSet<&str> = opts.iter().filter_map(|o| o.long).collect();
    for o in opts {
        if let Some(c) = o.short {
            assert!(
                documented.shorts.contains(&c),
                "{}: option -{c} is not documented under OPTIONS (as `\\-{c}`)",
                page.name
            );
        }
        if let Some(l) = o.long {
            assert!(
                documented.longs.contains(l),
                "{}: option --{l} is not documented under OPTIONS (as `\\-\\-{}`)",
                page.name,
                escaped(l)
            );
        }
        // The argument's name, as the tool's --help shows it.
        let spellings: Vec<String> = match (o.arg, o.short, o.long) {
            (Arg::None, _, _) => Vec::new(),
            (Arg::Required(n), s, l) => s
                .map(|c| format!("\\-{c} {n}"))
                .into_iter()
                .chain(l.map(|l| format!("\\-\\-{}={n}", escaped(l))))
                .collect(),
            (Arg::Optional(n), s, l) => s
                .map(|c| format!("\\-{c}[{n}]"))
                .into_iter()
                .chain(l.map(|l| format!("\\-\\-{}[={n}]", escaped(l))))
                .collect(),
        };
        for s in spellings {
            assert!(
                plain_options.contains(&s),
                "{}: OPTIONS does not show `{s}` (the option with its argument's name)",
                page.name
            );
        }
    }
    for (what, found) in [("OPTIONS", &documented), ("SYNOPSIS", &synopsis)] {
        for l in &found.longs {
            assert!(
                longs.contains(l.as_str()),
                "{}: {what} names --{l}, which is not an option of the tool",
                page.name
            );
        }
        for c in &found.shorts {
            assert!(
                shorts.contains(c),
                "{}: {what} names -{c}, which is not an option of the tool",
                page.name
            );
        }
        assert!(
            found.bad.is_empty(),
            "{}: {what} has long options with an unescaped hyphen: {:?}",
            page.name,
            found.bad
        );
    }
}

/// What every page must have: `.TH` naming the page and this release, no "vmodutils" slip,
/// hyphens of options escaped.
fn check_common(page: &Page, title: &str, section: &str) {
    let th = page.th();
    assert!(
        th.len() >= 4,
        "{}: .TH has too few arguments: {th:?}",
        page.name
    );
    assert_eq!(th[0], title, "{}: .TH title", page.name);
    assert_eq!(th[1], section, "{}: .TH section", page.name);
    assert_eq!(
        th[3],
        format!("modutils-rs {VERSION}"),
        "{}: .TH source must be `modutils-rs {VERSION}`",
        page.name
    );
    assert!(
        !page.text.to_lowercase().contains("vmodutils"),
        "{}: says \"vmodutils\"",
        page.name
    );
    // Any other mention of a release of ours names this one.
    let text = page.text.replace("\\-", "-");
    for (at, _) in text.match_indices("modutils-rs ") {
        let rest = &text[at + "modutils-rs ".len()..];
        if rest.starts_with(|c: char| c.is_ascii_digit()) {
            assert!(
                rest.starts_with(VERSION),
                "{}: names a release other than {VERSION}: `{}`",
                page.name,
                rest.lines().next().unwrap_or_default()
            );
        }
    }
    // A `-` starting a word must be `\-` (an option or a minus sign, not a hyphen).
    for (n, line) in page.text.lines().enumerate() {
        if line.starts_with(".\\\"") || line.starts_with(".TH ") {
            continue;
        }
        let b = line.as_bytes();
        for i in 0..b.len() {
            let starts_word = i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'\\');
            let next = b.get(i + 1).copied().unwrap_or(b' ');
            if b[i] == b'-' && starts_word && (next.is_ascii_alphanumeric() || next == b'-') {
                panic!(
                    "{} line {}: unescaped `-` starting a word (write `\\-`): {line}",
                    page.name,
                    n + 1
                );
            }
        }
    }
}

fn check_section8(page: &Page, title: &str) {
    check_common(page, title, "8");
    let mut last = 0;
    for heading in SECTION8_HEADINGS {
        let at = page
            .text
            .lines()
            .position(|l| l == heading)
            .unwrap_or_else(|| panic!("{}: no `{heading}`", page.name));
        assert!(
            at >= last,
            "{}: `{heading}` comes before an earlier section",
            page.name
        );
        last = at;
    }
    // Every tool's command line is read by common::getopt, which honours POSIXLY_CORRECT.
    let env = page.section(".SH ENVIRONMENT");
    assert!(
        env.contains("POSIXLY_CORRECT"),
        "{}: ENVIRONMENT does not mention POSIXLY_CORRECT",
        page.name
    );
    // `-V` prints kmod's version line first.
    let version = format!("kmod version {}", common::cli::KMOD_VERSION);
    assert!(
        page.section(".SH OPTIONS").contains(&version),
        "{}: OPTIONS does not say what -V prints first (`{version}`)",
        page.name
    );
}

#[test]
fn tool_pages_document_exactly_the_options() {
    for tool in kmod::TOOLS {
        let page = Page::read(&format!("{}.8", tool.name));
        check_section8(&page, &tool.name.to_uppercase());
        check_options(&page, &(tool.options)());
    }
}

#[test]
fn modprobe_page_documents_the_environment_and_configuration() {
    let page = Page::read("modprobe.8");
    let env = page.section(".SH ENVIRONMENT");
    for var in [
        "MODPROBE_OPTIONS",
        "MODPROBE_MODULE",
        common::command_chain::ENV,
    ] {
        assert!(
            env.contains(&var.replace('-', "\\-")),
            "{}: ENVIRONMENT does not mention {var}",
            page.name
        );
    }
    let files = plain(&page.section(".SH FILES"));
    for dir in common::config::modprobe::CONFIG_DIRS {
        assert!(
            files.contains(&format!("{dir}/")),
            "{}: FILES does not name {dir}",
            page.name
        );
    }
    let files = plain(&Page::read("depmod.8").section(".SH FILES"));
    for dir in common::config::depmod::CONFIG_DIRS {
        assert!(
            files.contains(&format!("{dir}/")),
            "man/depmod.8: FILES does not name {dir}"
        );
    }
}

#[test]
fn kmod_page_documents_its_options_and_commands() {
    let page = Page::read("kmod.8");
    check_section8(&page, "KMOD");
    // kmod's own options, static-nodes' and (for `kmod list`) lsmod's.
    let lsmod = kmod::TOOLS
        .iter()
        .find(|t| t.name == "lsmod")
        .expect("lsmod in kmod::TOOLS");
    let mut opts = kmod::OPTIONS.describe();
    opts.extend(kmod::STATIC_NODES_OPTIONS.describe());
    opts.extend((lsmod.options)());
    check_options(&page, &opts);
    let commands: BTreeSet<String> = page.entries(".SH COMMANDS").into_iter().collect();
    let known: BTreeSet<String> = kmod::COMMANDS.iter().map(|(c, _)| c.to_string()).collect();
    for c in &known {
        assert!(
            commands.contains(c),
            "{}: COMMANDS has no entry for `{c}`",
            page.name
        );
    }
    for c in &commands {
        assert!(
            known.contains(c),
            "{}: COMMANDS documents `{c}`, which kmod does not take",
            page.name
        );
    }
    // The tools kmod runs by name.
    let description = page.section(".SH DESCRIPTION");
    for t in kmod::TOOLS {
        assert!(
            description.contains(&format!(".BR {} (8)", t.name)),
            "{}: DESCRIPTION does not refer to {}(8)",
            page.name,
            t.name
        );
    }
    // The feature line of -V.
    let features = common::cli::FEATURES;
    assert!(
        page.text.replace("\\-", "-").contains(features),
        "{}: does not show the feature line `{features}`",
        page.name
    );
}

#[test]
fn the_pages_are_the_ones_the_makefile_installs() {
    let mut expected: BTreeSet<String> = kmod::TOOLS
        .iter()
        .map(|t| format!("{}.8", t.name))
        .collect();
    expected.insert("kmod.8".into());
    expected.extend(SECTION5.iter().map(|p| format!("{p}.5")));
    expected.insert("modules.dep.bin.5".into());
    let found: BTreeSet<String> = fs::read_dir(man_dir())
        .expect("man/")
        .map(|e| {
            e.expect("man/ entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(found, expected, "man/: pages missing or not expected");
}

#[test]
fn section5_pages() {
    for name in SECTION5 {
        let page = Page::read(&format!("{name}.5"));
        check_common(&page, &name.to_uppercase(), "5");
        for heading in [".SH NAME", ".SH DESCRIPTION", ".SH \"SEE ALSO\""] {
            assert!(
                page.text.lines().any(|l| l == heading),
                "{}: no `{heading}`",
                page.name
            );
        }
    }
    let link = Page::read("modules.dep.bin.5");
    assert_eq!(
        link.text.trim_end(),
        ".so man5/modules.dep.5",
        "{}: must be only a link to modules.dep(5)",
        link.name
    );
}

/// A configuration parser: the text of a file, and where its messages go.
type Parser = dyn Fn(&str, &dyn Report);

/// Whether a configuration parser takes `keyword` as a directive: a line `keyword m * d`
/// draws no message. (`m * d` suits every directive: alias, options, override, ...)
fn accepted(parse: &Parser, keyword: &str) -> bool {
    let messages = Collected::new();
    parse(&format!("{keyword} m * d\n"), &messages);
    messages.entries().is_empty()
}

/// Checks a section-5 page's DIRECTIVES against a parser: the entries are exactly
/// `directives`, each of which the parser accepts, and `inert` (accepted or recognised, but
/// doing nothing) are named in bold somewhere.
fn check_directives(page: &Page, parse: &Parser, directives: &[&str], inert: &[&str]) {
    assert!(
        !accepted(parse, "frobnicate"),
        "the parser probe accepts anything; the check below would prove nothing"
    );
    for d in directives {
        assert!(
            accepted(parse, d),
            "the configuration parser no longer accepts `{d}`: update {} and this test",
            page.name
        );
    }
    let entries = page.entries(".SH DIRECTIVES");
    for e in &entries {
        assert!(
            accepted(parse, e),
            "{}: DIRECTIVES documents `{e}`, which the parser does not accept",
            page.name
        );
    }
    let entries: BTreeSet<&str> = entries.iter().map(String::as_str).collect();
    for d in directives {
        assert!(
            entries.contains(d),
            "{}: DIRECTIVES has no entry for `{d}`",
            page.name
        );
    }
    for d in inert {
        let bold = [format!(".B {d}"), format!("\\fB{d}\\fR")];
        assert!(
            page.lines()
                .any(|l| bold.iter().any(|b| l.contains(b.as_str()))),
            "{}: does not mention the directive `{d}`",
            page.name
        );
    }
}

#[test]
fn modprobe_d_names_every_directive_and_directory() {
    let page = Page::read("modprobe.d.5");
    let parse = |text: &str, report: &dyn Report| {
        ModprobeConfig::default().parse_into(text, Path::new("probe.conf"), report);
    };
    check_directives(
        &page,
        &parse,
        &[
            "alias",
            "options",
            "install",
            "remove",
            "blacklist",
            "softdep",
            "weakdep",
        ],
        &["include", "config"],
    );
    let synopsis = plain(&page.section(".SH SYNOPSIS"));
    for dir in common::config::modprobe::CONFIG_DIRS {
        assert!(
            synopsis.contains(&format!("{dir}/*.conf")),
            "{}: SYNOPSIS does not name {dir}",
            page.name
        );
    }
}

#[test]
fn depmod_d_names_every_directive_and_directory() {
    let page = Page::read("depmod.d.5");
    let parse = |text: &str, report: &dyn Report| {
        DepmodConfig::default().parse_into(text, Path::new("probe.conf"), "6.1.0-1-amd64", report);
    };
    check_directives(
        &page,
        &parse,
        &["search", "override", "external", "exclude"],
        &["include", "make_map_files"],
    );
    let synopsis = plain(&page.section(".SH SYNOPSIS"));
    for dir in common::config::depmod::CONFIG_DIRS {
        assert!(
            synopsis.contains(&format!("{dir}/*.conf")),
            "{}: SYNOPSIS does not name {dir}",
            page.name
        );
    }
}

#[test]
fn modules_dep_names_every_file_depmod_writes() {
    use common::depmod::outputs::{generate, Inputs};
    let resolution = common::resolve::resolve(&[]);
    let outputs = generate(&Inputs {
        modules: &[],
        dep_paths: &[],
        resolution: &resolution,
        builtin: Some(""),
        builtin_modinfo: Some(b""),
    })
    .expect("outputs of an empty tree");
    // modules.weakdep is only written when a module has a weak dependency.
    let mut names: BTreeSet<&str> = outputs.iter().map(|o| o.name).collect();
    names.insert("modules.weakdep");
    assert!(names.len() > 5, "depmod's outputs: {names:?}");
    let synopsis = Page::read("modules.dep.5").section(".SH SYNOPSIS");
    let depmod = Page::read("depmod.8").section(".SH DESCRIPTION");
    for name in names {
        assert!(
            synopsis.contains(&format!("/lib/modules/VERSION/{name}\n")),
            "man/modules.dep.5: SYNOPSIS does not name {name}"
        );
        assert!(
            depmod.contains(name),
            "man/depmod.8: DESCRIPTION does not name {name}, which depmod writes"
        );
    }
}

/// The helpers above find what they should, so the checks built on them can fail.
#[test]
fn the_checks_can_fail() {
    let s = spelt(".BR \\-a \", \" \\-\\-all\nbuilt\\-in x\\-y \\-\\-show\\-depends=\\fIX\\fR \\-0 \\-Sv \\-\\-bad-hyphen");
    assert_eq!(
        s.longs,
        ["all", "bad", "show-depends"]
            .iter()
            .map(|x| x.to_string())
            .collect()
    );
    assert_eq!(s.shorts, ['0', 'a'].into_iter().collect());
    assert_eq!(s.bad, ["--bad-..."]);
    assert_eq!(plain("\\fB\\-C\\fR \\fIPATH\\fP\\&."), "\\-C PATH.");
    assert_eq!(roff_args("A 8 \"x y\" \"\" z"), ["A", "8", "x y", "", "z"]);
    let page = Page {
        name: "test".into(),
        text: ".TH T 8\n.SH OPTIONS\n.TP\n.BR \\-a \", \" \\-\\-all\nText \\-z.\n\
               .SH COMMANDS\n.TP\n.B static\\-nodes\nx\n"
            .into(),
    };
    assert_eq!(page.entries(".SH COMMANDS"), ["static-nodes"]);
    let only_a = [Opt::flag(Some('a'), Some("all"), (), "")];
    let result = std::panic::catch_unwind(|| {
        let p = Page {
            name: "test".into(),
            text: page.text.clone() + ".SH SYNOPSIS\nx\n",
        };
        check_options(&p, &only_a);
    });
    assert!(result.is_err(), "an undocumented -z went through");
}
