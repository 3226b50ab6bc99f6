//! The lookup index of a [`ModprobeConfig`]: for each list, the positions of its lines by
//! module name (a [`Table`]: hashes sorted, searched by bisection), so that each lookup takes
//! time logarithmic in the size of the configuration plus the size of its answer (issue 16:
//! with 100,000 lines, one linear scan per lookup made `modprobe -a` over many names take
//! seconds, and kmod 30 takes longer still).
//!
//! The index holds positions into the configuration's lists, never copies of the answers, and
//! the positions of one name are in reading order, so the answers are those of a scan in
//! reading order: the first matching line for `install`, `remove`, `softdep` and `weakdep`,
//! every matching line in order for `options` and `alias`.
//!
//! `alias` patterns are shell wildcards matched against the query, so they are filed under their
//! literal prefix: the bytes before the first `*`, `?`, `[` or `\` (the whole pattern if it has
//! none of them). A pattern can only match a query that starts with its literal prefix, so a
//! lookup probes the table with the query's prefixes of each length some pattern's prefix has,
//! runs `fnmatch` on the patterns found there and on those whose prefix is empty (a pattern
//! starting with a wildcard, always tried, as a scan would), and sorts the matching positions
//! back into reading order.
//!
//! The index is built on the first lookup ([`ModprobeConfig`] keeps it in a `OnceLock`), so
//! reading a configuration that is never queried (`kmod_new`, `modprobe -c`) costs nothing
//! more. It records the length of each list it covers: if a list's length changed since (a
//! caller pushed to a public field after a lookup), lookups fall back to the linear scans,
//! which give the same answers.

use std::hash::BuildHasher;
use std::sync::{Arc, OnceLock};

use rustc_hash::FxBuildHasher;

use super::ModprobeConfig;

/// A table from names to positions (into one of the configuration's lists): `(hash of the
/// name, position)` pairs sorted, so the positions of one name are a run, in reading order,
/// found by binary search. One allocation per table, whatever the number of lines (hash maps
/// of `String`s cost a third of a 100,000-line `modprobe -D` in allocations and frees). Two
/// names may share a hash: a lookup compares the names at the positions it finds.
#[derive(Debug, Default)]
pub(super) struct Table(Vec<(u64, u32)>);

/// The hash a [`Table`] files a name under.
fn hash(name: &[u8]) -> u64 {
    FxBuildHasher.hash_one(name)
}

impl Table {
    fn new<'a>(names: impl Iterator<Item = &'a [u8]>) -> Table {
        let mut pairs: Vec<(u64, u32)> = names
            .enumerate()
            .map(|(i, name)| (hash(name), position(i)))
            .collect();
        pairs.sort_unstable();
        Table(pairs)
    }

    /// The positions filed under `name`'s hash, in reading order (a superset of `name`'s).
    pub fn candidates(&self, name: &[u8]) -> impl Iterator<Item = usize> + '_ {
        let h = hash(name);
        let start = self.0.partition_point(|&(k, _)| k < h);
        self.0[start..]
            .iter()
            .take_while(move |&&(k, _)| k == h)
            .map(|&(_, i)| i as usize)
    }
}

/// See the module documentation.
#[derive(Debug, Default)]
pub(super) struct Index {
    /// The lengths of the lists the index was built from, in [`lengths`] order.
    lengths: [usize; 7],
    /// `options` entries by module.
    pub options: Table,
    /// The blacklist's entries, as stored.
    pub blacklist: Table,
    /// `install` lines by module.
    pub install: Table,
    /// `remove` lines by module.
    pub remove: Table,
    /// `softdep` lines by module.
    pub softdeps: Table,
    /// `weakdep` lines by module.
    pub weakdeps: Table,
    /// `alias` patterns with a non-empty literal prefix, by that prefix.
    pub alias_by_prefix: Table,
    /// The distinct lengths of those prefixes, ascending.
    pub alias_prefix_lengths: Vec<usize>,
    /// Positions of the `alias` patterns starting with a wildcard, in reading order.
    pub alias_wild: Vec<u32>,
}

/// The lengths of `config`'s lists.
fn lengths(config: &ModprobeConfig) -> [usize; 7] {
    [
        config.aliases.len(),
        config.options.len(),
        config.install.len(),
        config.remove.len(),
        config.blacklist.len(),
        config.softdeps.len(),
        config.weakdeps.len(),
    ]
}

/// The bytes of an `alias` pattern before its first wildcard character (`\` included: it
/// escapes the next byte, so the prefix ends there too).
pub(super) fn literal_prefix(pattern: &[u8]) -> &[u8] {
    let end = pattern
        .iter()
        .position(|b| matches!(b, b'*' | b'?' | b'[' | b'\\'))
        .unwrap_or(pattern.len());
    &pattern[..end]
}

fn position(i: usize) -> u32 {
    // A configuration has far fewer than 4 billion lines: it is read into memory whole.
    u32::try_from(i).unwrap_or(u32::MAX)
}

impl Index {
    /// Builds the index of `config`.
    pub fn build(config: &ModprobeConfig) -> Index {
        let names = |list: &'_ [(String, String)]| -> Table {
            Table::new(list.iter().map(|(m, _)| m.as_bytes()))
        };
        let mut alias_wild = Vec::new();
        let mut prefixed = Vec::new();
        let mut alias_prefix_lengths = Vec::new();
        for (i, (pattern, _)) in config.aliases.iter().enumerate() {
            let prefix = literal_prefix(pattern.as_bytes());
            if prefix.is_empty() {
                alias_wild.push(position(i));
            } else {
                prefixed.push((hash(prefix), position(i)));
                alias_prefix_lengths.push(prefix.len());
            }
        }
        prefixed.sort_unstable();
        alias_prefix_lengths.sort_unstable();
        alias_prefix_lengths.dedup();
        Index {
            lengths: lengths(config),
            options: names(&config.options),
            blacklist: Table::new(config.blacklist.iter().map(|m| m.as_bytes())),
            install: names(&config.install),
            remove: names(&config.remove),
            softdeps: Table::new(config.softdeps.iter().map(|s| s.module.as_bytes())),
            weakdeps: Table::new(config.weakdeps.iter().map(|(m, _)| m.as_bytes())),
            alias_by_prefix: Table(prefixed),
            alias_prefix_lengths,
            alias_wild,
        }
    }

    /// Positions of the `alias` patterns that may match `key` (those whose literal prefix
    /// `key` may start with), in no particular order.
    pub fn alias_candidates<'a>(&'a self, key: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
        let probed = self
            .alias_prefix_lengths
            .iter()
            .take_while(move |&&len| len <= key.len())
            .flat_map(move |&len| self.alias_by_prefix.candidates(&key[..len]));
        self.alias_wild.iter().map(|&i| i as usize).chain(probed)
    }
}

/// Up to this many entries in all, lookups scan instead of building an index: a scan of a few
/// dozen entries costs less than building the index (measured with callgrind through the
/// library: a context with a 26-line configuration and one lookup took 7.5k instructions more
/// with the index), and a system's configuration is usually that small.
pub(super) const SMALL: usize = 32;

/// The index of a [`ModprobeConfig`], built on first use. It takes no part in comparisons
/// (two configurations with the same lines are equal whether or not either was queried) and
/// prints as `..` in `Debug` output.
#[derive(Default, Clone)]
pub(super) struct LazyIndex(OnceLock<Arc<Index>>);

impl LazyIndex {
    /// The index of `config` if it is current, building it on first use; `None` for a small
    /// configuration ([`SMALL`]) and when a list changed length since the index was built
    /// (the caller scans linearly then).
    pub fn get(&self, config: &ModprobeConfig) -> Option<&Index> {
        if lengths(config).iter().sum::<usize>() <= SMALL {
            return None;
        }
        let index = self.0.get_or_init(|| Arc::new(Index::build(config)));
        (index.lengths == lengths(config)).then_some(&**index)
    }

    /// Whether the index has been built (for tests).
    #[cfg(test)]
    pub fn is_built(&self) -> bool {
        self.0.get().is_some()
    }
}

impl PartialEq for LazyIndex {
    fn eq(&self, _: &LazyIndex) -> bool {
        true
    }
}

impl Eq for LazyIndex {}

impl std::fmt::Debug for LazyIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("..")
    }
}

#[cfg(test)]
mod tests {
    use super::super::{lookup_name, ModprobeConfig, Softdep};
    use crate::name::alias_key;
    use crate::pattern::fnmatch;
    use crate::report::Discard;
    use std::path::Path;

    /// The answers of the linear scans the index replaced, written out again as they were
    /// (issue 16): the oracle for the indexed lookups.
    struct Linear<'a>(&'a ModprobeConfig);

    impl Linear<'_> {
        fn options_via(&self, module: &str, alias: Option<&str>) -> Option<String> {
            let module = lookup_name(module);
            let alias = alias.map(lookup_name).filter(|a| *a != module);
            let texts: Vec<&str> = self
                .0
                .options
                .iter()
                .filter(|(m, _)| *m == module || alias.as_ref() == Some(m))
                .map(|(_, t)| t.as_str())
                .collect();
            (!texts.is_empty()).then(|| texts.join(" "))
        }
        fn is_blacklisted(&self, module: &str) -> bool {
            self.0.blacklist.contains(&lookup_name(module))
        }
        fn first<'b>(list: &'b [(String, String)], module: &str) -> Option<&'b str> {
            let module = lookup_name(module);
            list.iter()
                .find(|(m, _)| *m == module)
                .map(|(_, c)| c.as_str())
        }
        fn softdep_for(&self, module: &str) -> Option<&Softdep> {
            let module = lookup_name(module);
            self.0.softdeps.iter().find(|s| s.module == module)
        }
        fn weakdep_for(&self, module: &str) -> Option<&[String]> {
            let module = lookup_name(module);
            self.0
                .weakdeps
                .iter()
                .find(|(m, _)| *m == module)
                .map(|(_, d)| d.as_slice())
        }
        fn alias_modules(&self, key: &str) -> Vec<&str> {
            self.0
                .aliases
                .iter()
                .filter(|(p, _)| fnmatch(p.as_bytes(), key.as_bytes()))
                .map(|(_, m)| m.as_str())
                .collect()
        }
    }

    /// Every lookup of `cfg` for each of `names` (as module, as alias key, and pairwise for
    /// `options_via`) against [`Linear`].
    fn check_all(cfg: &ModprobeConfig, names: &[String]) {
        let linear = Linear(cfg);
        for name in names {
            let key = alias_key(name);
            assert_eq!(
                cfg.alias_modules(&key),
                linear.alias_modules(&key),
                "alias {key:?}"
            );
            assert_eq!(
                cfg.options_for(name),
                linear.options_via(name, None),
                "{name}"
            );
            assert_eq!(
                cfg.is_blacklisted(name),
                linear.is_blacklisted(name),
                "{name}"
            );
            assert_eq!(cfg.install_command(name), Linear::first(&cfg.install, name));
            assert_eq!(cfg.remove_command(name), Linear::first(&cfg.remove, name));
            assert_eq!(cfg.softdep_for(name), linear.softdep_for(name), "{name}");
            assert_eq!(cfg.weakdep_for(name), linear.weakdep_for(name), "{name}");
        }
        for (i, a) in names.iter().enumerate().step_by(3) {
            for b in names.iter().skip(i % 5).step_by(7) {
                assert_eq!(
                    cfg.options_via(a, Some(b)),
                    linear.options_via(a, Some(b)),
                    "{a} via {b}"
                );
            }
        }
    }

    /// A deterministic generator (xorshift).
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            items[(self.next() % items.len() as u64) as usize]
        }
    }

    const STEMS: &[&str] = &[
        "a",
        "ab",
        "a-b",
        "a_b",
        "abc",
        "snd-pcm",
        "snd_pcm",
        "snd",
        "pci:v1d2",
        "pci:v1",
        "x",
        "",
        "usb:v05ACp",
        "fs-ext4",
        "crc-itu-t",
        "é",
    ];
    const GLOBS: &[&str] = &[
        "*",
        "?",
        "[a-c]",
        "[!a]",
        "\\*",
        "\\a",
        "[",
        "]",
        "*b",
        "?*",
        "[[:alpha:]]",
        "-*",
    ];

    /// A configuration of `lines` random lines over a small set of names (so there are many
    /// duplicates and '-'/'_' spellings of one name), with the names queried.
    fn generated(seed: u64, lines: usize) -> (ModprobeConfig, Vec<String>) {
        let mut rng = Rng(seed);
        let mut text = String::new();
        let mut names: Vec<String> = Vec::new();
        for _ in 0..lines {
            let stem = rng.pick(STEMS);
            let name = match rng.next() % 4 {
                0 => format!("{stem}{}", rng.next() % 5),
                1 => format!("{stem}-{}", rng.pick(STEMS)),
                _ => stem.to_string(),
            };
            let module = if name.is_empty() { "m" } else { &name };
            let line = match rng.next() % 8 {
                0 => {
                    // A pattern: the name with wildcards inserted (or not).
                    let mut pattern = String::new();
                    let n = rng.next() % 3;
                    for i in 0..=n {
                        if i > 0 || rng.next() % 3 == 0 {
                            pattern.push_str(rng.pick(GLOBS));
                        }
                        pattern.push_str(rng.pick(STEMS));
                    }
                    if pattern.is_empty() {
                        pattern.push('p');
                    }
                    format!("alias {pattern} t{}", rng.pick(STEMS))
                }
                1 => format!("alias {module} target{}", rng.next() % 3),
                2 => format!("options {module} p{}={}", rng.next() % 9, rng.next() % 99),
                3 => format!("install {module} /bin/true {}", rng.next() % 9),
                4 => format!("remove {module} /bin/false {}", rng.next() % 9),
                5 => format!("blacklist {module}"),
                6 => format!(
                    "softdep {module} pre: {} post: {}",
                    rng.pick(STEMS),
                    rng.next() % 9
                ),
                _ => format!("weakdep {module} w{}", rng.next() % 9),
            };
            text.push_str(&line);
            text.push('\n');
            names.push(name.clone());
            names.push(name.replace('-', "_"));
            names.push(name.replace('_', "-"));
        }
        let mut cfg = ModprobeConfig::default();
        cfg.parse_into(&text, Path::new("/gen.conf"), &Discard);
        cfg.parse_cmdline(
            "a.x=1 snd-pcm.y=2 modprobe.blacklist=a-b,snd_pcm,,x \"ab.z=q r\"",
            &Discard,
        );
        for stem in STEMS {
            names.push(stem.to_string());
            for glob in GLOBS {
                names.push(format!("{stem}{glob}"));
                names.push(format!("{stem}{}{stem}", glob.replace('\\', "")));
            }
        }
        names.extend(
            ["", "-", "_", "m", "target0", "[", "a[b", "pci:v1d2x", "zzz"].map(String::from),
        );
        names.sort();
        names.dedup();
        (cfg, names)
    }

    #[test]
    fn index_answers_like_a_linear_scan() {
        for (seed, lines) in [
            (1, 10),
            (5, 30),
            (2, 100),
            (3, 1000),
            (0x2545_f491_4f6c_dd1d, 3000),
        ] {
            let (cfg, names) = generated(seed, lines);
            assert!(!cfg.index.is_built());
            check_all(&cfg, &names);
            let small = super::lengths(&cfg).iter().sum::<usize>() <= super::SMALL;
            assert_eq!(cfg.index.is_built(), !small, "seed {seed}");
            // Not vacuous: wildcard patterns match, and some queries match several lines.
            let hits: Vec<usize> = names
                .iter()
                .map(|n| cfg.alias_modules(&alias_key(n)).len())
                .collect();
            assert!(lines < 100 || hits.iter().any(|&h| h > 1), "seed {seed}");
            let wild = cfg
                .aliases
                .iter()
                .filter(|(p, _)| p.contains(['*', '?', '[']))
                .filter(|(p, _)| {
                    names
                        .iter()
                        .any(|n| fnmatch(p.as_bytes(), alias_key(n).as_bytes()))
                })
                .count();
            assert!(lines < 100 || wild > 0, "seed {seed}");
            assert_eq!(cfg.index.get(&cfg).is_some(), !small, "seed {seed}");
        }
    }

    #[test]
    fn empty_configuration() {
        let cfg = ModprobeConfig::default();
        check_all(&cfg, &["a".to_string(), String::new(), "*".to_string()]);
        assert_eq!(cfg.alias_modules(""), Vec::<&str>::new());
    }

    #[test]
    fn changes_after_a_lookup() {
        let (mut cfg, names) = generated(7, 500);
        check_all(&cfg, &names);
        // Parsing more drops the index; the next lookup builds it again.
        cfg.parse_into(
            "alias a* late\noptions a late=1\nblacklist late\ninstall late x\n",
            Path::new("/late.conf"),
            &Discard,
        );
        assert!(!cfg.index.is_built());
        check_all(&cfg, &names);
        assert!(cfg.alias_modules("abc").contains(&"late"));
        cfg.parse_cmdline("late.y=2", &Discard);
        assert_eq!(cfg.options_for("late"), Some("y=2".to_string()));
        // A push to a public field after a lookup: the index is stale, lookups scan.
        cfg.blacklist.push("pushed".to_string());
        cfg.aliases.push(("pushed*".to_string(), "p".to_string()));
        assert!(cfg.index.get(&cfg).is_none());
        assert!(cfg.is_blacklisted("pushed"));
        assert_eq!(cfg.alias_modules("pushed1"), vec!["p"]);
        check_all(&cfg, &names);
        // In place, then reindex.
        cfg.install[0].1 = "changed".to_string();
        cfg.reindex();
        let first = cfg.install[0].0.clone();
        assert_eq!(cfg.install_command(&first), Some("changed"));
        check_all(&cfg, &names);
        // A clone shares the built index and stays equal.
        let copy = cfg.clone();
        assert_eq!(copy, cfg);
        check_all(&copy, &names);
    }

    #[test]
    fn alias_order_mixes_literal_and_wildcard_patterns() {
        // Reading order across the table's buckets: wildcard-first, prefixed and literal
        // patterns interleaved, duplicates kept. (Enough lines of another kind first that the
        // index is used.)
        let mut cfg = ModprobeConfig::default();
        cfg.parse_into(
            &"blacklist x\n".repeat(super::SMALL),
            Path::new("/b.conf"),
            &Discard,
        );
        cfg.parse_into(
            "alias ab m1\nalias *b m2\nalias a* m3\nalias ab m4\nalias a? m5\nalias \\ab m6\n\
             alias [a]b m7\nalias ab* m8\nalias ab m1\nalias b m9\n",
            Path::new("/o.conf"),
            &Discard,
        );
        assert_eq!(
            cfg.alias_modules("ab"),
            ["m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m1"]
        );
        assert_eq!(cfg.alias_modules("abc"), ["m3", "m8"]);
        assert_eq!(cfg.alias_modules("a"), ["m3"]);
        assert_eq!(cfg.alias_modules(""), Vec::<&str>::new());
        assert!(cfg.index.is_built());
    }
}
