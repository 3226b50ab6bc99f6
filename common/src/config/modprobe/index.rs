//! The lookup index of a [`ModprobeConfig`]: for each list, the positions of its entries by
//! the hash of their module name (a [`Table`]), so that each lookup takes time about constant
//! in the size of the configuration plus the size of its answer (issue 16: with 100,000 lines,
//! one linear scan per lookup made `modprobe -a` over many names take seconds, and kmod 30
//! takes longer still).
//!
//! The hashes are worked out while the lines are read ([`key_hash`], [`pattern_hash`]: the
//! names are checked at the same time, without making strings), so building a table is one
//! pass over a list's hashes, and a list no lookup asks about (the blacklist without `-b`)
//! gets no table. The index holds positions into the configuration's lists, never copies of
//! the answers, and the positions of one hash are walked in reading order, so the answers are
//! those of a scan in reading order: the first matching line for `install`, `remove`,
//! `softdep` and `weakdep`, every matching line in order for `options` and `alias`. Two names
//! may share a hash: a lookup compares the names at the positions it finds.
//!
//! `alias` patterns are shell wildcards matched against the query, so they are filed under their
//! literal prefix: the bytes before the first `*`, `?`, `[` or `\` (the whole pattern if it has
//! none of them). A pattern can only match a query that starts with its literal prefix, so a
//! lookup probes the table with the query's prefixes of each length some pattern's prefix has,
//! runs `fnmatch` on the patterns found there and on those whose prefix is empty (a pattern
//! starting with a wildcard, always tried, as a scan would), and sorts the matching positions
//! back into reading order.
//!
//! Up to [`SMALL`] entries in all, lookups walk the list's hashes instead.

use std::sync::OnceLock;

use super::store::{Recs, U32s};
use super::{EntryKind, ModprobeConfig};
use crate::name::checked_alias_key;

/// The multiplier of the hash (FxHash's).
const K: u64 = 0x517c_c1b7_2722_0a95;

/// Each byte's lowest bit set where the byte of `w` is zero.
fn zero_bytes(w: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let t = ((w & LOW7) + LOW7) | w;
    (!t & !LOW7) >> 7
}

/// Up to eight bytes, padded with zeros: a load when there are eight.
#[inline(always)]
fn eight(chunk: &[u8]) -> [u8; 8] {
    match <[u8; 8]>::try_from(chunk) {
        Ok(b) => b,
        // Shifted in, not copied: a copy of a variable length is a call to memcpy.
        Err(_) => chunk
            .iter()
            .take(8)
            .enumerate()
            .fold(0u64, |w, (k, &c)| w | u64::from(c) << (8 * k))
            .to_le_bytes(),
    }
}

/// The position of the first byte of `s` that is one of `needles` (none of them 0), or
/// `s.len()`: eight bytes at a time (the words searched are short, so a search's setup would
/// cost more than the search).
pub(super) fn find_any<const N: usize>(s: &[u8], needles: [u8; N]) -> usize {
    let found = |w: u64| {
        needles.iter().fold(0, |m, &n| {
            m | zero_bytes(w ^ (u64::from(n) * 0x0101_0101_0101_0101))
        })
    };
    let mut chunks = s.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let m = found(u64::from_le_bytes(eight(chunk)));
        if m != 0 {
            return at + (m.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    let m = found(u64::from_le_bytes(eight(chunks.remainder())));
    if m != 0 {
        return at + (m.trailing_zeros() / 8) as usize;
    }
    s.len()
}

/// The hash of `bytes`, with each `-` taken for `_` when `dashes`: eight bytes at a time.
fn hash_with(bytes: &[u8], dashes: bool) -> u32 {
    let word = |chunk: &[u8]| {
        let w = u64::from_le_bytes(eight(chunk));
        if dashes {
            // '-' (0x2d) + 0x32 = '_' (0x5f), no carry.
            w + zero_bytes(w ^ 0x2d2d_2d2d_2d2d_2d2d) * 0x32
        } else {
            w
        }
    };
    let mut h = bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        h = (h.rotate_left(5) ^ word(chunk)).wrapping_mul(K);
    }
    h = (h.rotate_left(5) ^ word(chunks.remainder())).wrapping_mul(K);
    (h ^ (h >> 32)) as u32
}

/// The hash tables file a normalised name under.
pub(super) fn hash(name: &[u8]) -> u32 {
    hash_with(name, false)
}

/// Whether `name` has a `[` or a `]` (a word is short: a plain loop beats a search's setup).
fn has_brackets(name: &[u8]) -> bool {
    find_any(name, [b'[', b']']) < name.len()
}

/// The [`hash`] of `name` normalised as [`checked_alias_key`] does it, or `None` if that
/// rejects it; a string is made only for a name with brackets.
pub(super) fn key_hash(name: &str) -> Option<u32> {
    if !has_brackets(name.as_bytes()) {
        return Some(hash_with(name.as_bytes(), true));
    }
    checked_alias_key(name).map(|k| hash(k.as_bytes()))
}

/// The bytes of an `alias` pattern before its first wildcard character (`\` included: it
/// escapes the next byte, so the prefix ends there too).
pub(super) fn literal_prefix(pattern: &[u8]) -> &[u8] {
    &pattern[..find_any(pattern, [b'*', b'?', b'[', b'\\'])]
}

/// For an `alias` pattern as written: the [`hash`] of its normalised literal prefix and the
/// prefix's length, or `None` if [`checked_alias_key`] rejects the pattern. (Normalising only
/// turns `-` into `_` before the first `[`, so the prefix is at the same place.)
pub(super) fn pattern_hash(pattern: &str) -> Option<(u32, u32)> {
    let bytes = pattern.as_bytes();
    if has_brackets(bytes) && checked_alias_key(pattern).is_none() {
        return None;
    }
    let prefix = literal_prefix(bytes);
    let len = u32::try_from(prefix.len()).unwrap_or(u32::MAX);
    Some((hash_with(prefix, true), len))
}

/// No position.
const NONE: u32 = u32::MAX;

/// Positions of a list's entries by hash: a chained hash table, each chain in reading order.
/// It covers the list's first entries, as many as it has `next` values (those there were when
/// it was built): entries added since are walked.
#[derive(Clone, Default)]
pub(super) struct Table {
    /// The first position of each bucket (a power of two of them).
    pub(super) heads: U32s,
    /// The next position in the same bucket, per position.
    pub(super) next: U32s,
}

impl Table {
    fn new(hashes: impl ExactSizeIterator<Item = u32> + DoubleEndedIterator) -> Table {
        let n = hashes.len();
        let buckets = n.next_power_of_two().max(1);
        let mut heads = vec![NONE; buckets];
        let mut next = vec![NONE; n];
        for (i, h) in hashes.enumerate().rev() {
            let b = h as usize & (buckets - 1);
            next[i] = heads[b];
            heads[b] = u32::try_from(i).unwrap_or(NONE);
        }
        Table {
            heads: heads.into(),
            next: next.into(),
        }
    }

    /// The number of entries it covers.
    fn covers(&self) -> usize {
        self.next.len()
    }

    /// The positions in `hash`'s bucket, in reading order (a superset of `hash`'s). A chain
    /// only goes forward, so a damaged one (from a cache file) still ends.
    fn bucket(&self, hash: u32) -> impl Iterator<Item = usize> + '_ {
        let mask = self.heads.len().saturating_sub(1);
        let first = self.heads.get(hash as usize & mask).unwrap_or(NONE);
        std::iter::successors((first != NONE).then_some(first), move |&i| {
            self.next.get(i as usize).filter(|&n| n != NONE && n > i)
        })
        .map(|i| i as usize)
        .take_while(move |&i| i < self.covers())
    }
}

/// What the `alias` lookups need besides their table.
#[derive(Clone, Default)]
pub(super) struct Aliases {
    /// The patterns with a non-empty literal prefix, by the prefix's hash (the others are in
    /// no bucket's chain... they have a bucket, but are skipped by length).
    pub(super) table: Table,
    /// The distinct lengths of those prefixes, ascending.
    pub(super) prefix_lengths: U32s,
    /// Positions of the patterns starting with a wildcard, in reading order.
    pub(super) wild: U32s,
}

/// Up to this many entries in all, lookups walk the lists instead of building tables: a walk
/// of a few dozen hashes costs less than building the tables, and a system's configuration is
/// usually that small.
pub(super) const SMALL: usize = 32;

/// The index of a [`ModprobeConfig`], each table built on first use (or loaded with a cache
/// file). A table covers the entries there were when it was built; lookups walk those added
/// since (the kernel command line's). It takes no part in comparisons (two configurations with
/// the same lines are equal whether or not either was queried) and prints as `..` in `Debug`
/// output.
#[derive(Default)]
pub(super) struct LazyIndex {
    pub(super) tables: [OnceLock<Table>; 7],
    pub(super) aliases: OnceLock<Aliases>,
}

impl Clone for LazyIndex {
    /// A clone shares the tables there are (cheap: mapped, or built again when asked).
    fn clone(&self) -> LazyIndex {
        let index = LazyIndex::default();
        for (to, from) in index.tables.iter().zip(&self.tables) {
            if let Some(
                t @ Table {
                    heads: U32s::Mapped { .. },
                    ..
                },
            ) = from.get()
            {
                let _ = to.set(t.clone());
            }
        }
        index
    }
}

/// Whether `config` is small enough to walk ([`SMALL`]).
pub(super) fn small(config: &ModprobeConfig) -> bool {
    config.recs.iter().map(Recs::len).sum::<usize>() <= SMALL
}

/// The table of `recs`, for all of them.
pub(super) fn table_of(recs: &Recs) -> Table {
    let hashes: Vec<u32> = recs.iter().map(|r| r.hash).collect();
    Table::new(hashes.into_iter())
}

/// The alias table and its companions, for all of `config`'s aliases.
pub(super) fn aliases_of(config: &ModprobeConfig) -> Aliases {
    let recs = &config.recs[EntryKind::Alias as usize];
    let prefix = &config.alias_prefix;
    let mut prefix_lengths: Vec<u32> = prefix.iter().filter(|&l| l > 0).collect();
    prefix_lengths.sort_unstable();
    prefix_lengths.dedup();
    let wild = (0..recs.len())
        .filter(|&i| prefix.get(i).unwrap_or(0) == 0)
        .map(|i| u32::try_from(i).unwrap_or(NONE))
        .collect::<Vec<u32>>();
    Aliases {
        table: table_of(recs),
        prefix_lengths: prefix_lengths.into(),
        wild: wild.into(),
    }
}

impl LazyIndex {
    /// The positions of `kind`'s entries that may have `hash` (a superset of those that
    /// have), in reading order.
    pub fn candidates<'a>(
        &'a self,
        config: &'a ModprobeConfig,
        kind: EntryKind,
        hash: u32,
    ) -> Box<dyn Iterator<Item = usize> + 'a> {
        let recs = &config.recs[kind as usize];
        let walk =
            move |from: usize| (from..recs.len()).filter(move |&i| recs.hash(i) == Some(hash));
        if small(config) {
            return Box::new(walk(0));
        }
        let table = self.tables[kind as usize].get_or_init(|| table_of(recs));
        Box::new(table.bucket(hash).chain(walk(table.covers())))
    }

    /// Positions of the `alias` patterns that may match `key` (those whose literal prefix
    /// `key` may start with), in no particular order, each once.
    pub fn alias_candidates<'a>(
        &'a self,
        config: &'a ModprobeConfig,
        key: &'a [u8],
    ) -> Box<dyn Iterator<Item = usize> + 'a> {
        let recs: &'a Recs = &config.recs[EntryKind::Alias as usize];
        let prefix = &config.alias_prefix;
        let prefix_of = move |i: usize| prefix.get(i).unwrap_or(0);
        let fits = move |i: usize| {
            let len = prefix_of(i);
            len == 0
                || key
                    .get(..len as usize)
                    .is_some_and(|p| Some(hash(p)) == recs.hash(i))
        };
        if small(config) {
            return Box::new((0..recs.len()).filter(move |&i| fits(i)));
        }
        let aliases = self.aliases.get_or_init(|| aliases_of(config));
        let covered = aliases.table.covers();
        let probed = aliases
            .prefix_lengths
            .iter()
            .take_while(move |&len| len as usize <= key.len())
            .flat_map(move |len| {
                let h = hash(&key[..len as usize]);
                aliases
                    .table
                    .bucket(h)
                    .filter(move |&i| prefix_of(i) == len && recs.hash(i) == Some(h))
            });
        Box::new(
            aliases
                .wild
                .iter()
                .map(|i| i as usize)
                .filter(move |&i| i < covered)
                .chain(probed)
                .chain((covered..recs.len()).filter(move |&i| fits(i))),
        )
    }
}

impl LazyIndex {
    /// Whether a table has been built (for tests).
    #[cfg(test)]
    pub fn is_built(&self) -> bool {
        self.tables.iter().any(|t| t.get().is_some()) || self.aliases.get().is_some()
    }
}

impl std::fmt::Debug for LazyIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("..")
    }
}

#[cfg(test)]
pub(super) mod tests {
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
                .options()
                .iter()
                .filter(|(m, _)| *m == module || alias.as_ref() == Some(m))
                .map(|(_, t)| t.as_str())
                .collect();
            (!texts.is_empty()).then(|| texts.join(" "))
        }
        fn is_blacklisted(&self, module: &str) -> bool {
            self.0.blacklist().contains(&lookup_name(module))
        }
        fn first<'b>(list: &'b [(String, String)], module: &str) -> Option<&'b str> {
            let module = lookup_name(module);
            list.iter()
                .find(|(m, _)| *m == module)
                .map(|(_, c)| c.as_str())
        }
        fn softdep_for(&self, module: &str) -> Option<&Softdep> {
            let module = lookup_name(module);
            self.0.softdeps().iter().find(|s| s.module == module)
        }
        fn weakdep_for(&self, module: &str) -> Option<&[String]> {
            let module = lookup_name(module);
            self.0
                .weakdeps()
                .iter()
                .find(|(m, _)| *m == module)
                .map(|(_, d)| d.as_slice())
        }
        fn alias_modules(&self, key: &str) -> Vec<&str> {
            self.0
                .aliases()
                .iter()
                .filter(|(p, _)| fnmatch(p.as_bytes(), key.as_bytes()))
                .map(|(_, m)| m.as_str())
                .collect()
        }
    }

    /// Every lookup of `cfg` for each of `names` (as module, as alias key, and pairwise for
    /// `options_via`) against [`Linear`].
    pub(in crate::config::modprobe) fn check_all(cfg: &ModprobeConfig, names: &[String]) {
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
            assert_eq!(
                cfg.install_command(name),
                Linear::first(cfg.install(), name)
            );
            assert_eq!(cfg.remove_command(name), Linear::first(cfg.remove(), name));
            assert_eq!(
                cfg.softdep_for(name).as_ref(),
                linear.softdep_for(name),
                "{name}"
            );
            assert_eq!(
                cfg.weakdep_for(name).as_deref(),
                linear.weakdep_for(name),
                "{name}"
            );
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
        let (text, names) = generated_text(seed, lines);
        let mut cfg = ModprobeConfig::default();
        cfg.parse_into(&text, Path::new("/gen.conf"), &Discard);
        cfg.parse_cmdline(CMDLINE, &Discard);
        (cfg, names)
    }

    /// The kernel command line of [`generated`] configurations.
    pub(in crate::config::modprobe) const CMDLINE: &str =
        "a.x=1 snd-pcm.y=2 modprobe.blacklist=a-b,snd_pcm,,x \"ab.z=q r\"";

    /// [`generated`]'s text and names.
    pub(in crate::config::modprobe) fn generated_text(
        seed: u64,
        lines: usize,
    ) -> (String, Vec<String>) {
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
        (text, names)
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
            let small = super::small(&cfg);
            assert_eq!(cfg.index.is_built(), !small, "seed {seed}");
            // Not vacuous: wildcard patterns match, and some queries match several lines.
            let hits: Vec<usize> = names
                .iter()
                .map(|n| cfg.alias_modules(&alias_key(n)).len())
                .collect();
            assert!(lines < 100 || hits.iter().any(|&h| h > 1), "seed {seed}");
            let wild = cfg
                .aliases()
                .iter()
                .filter(|(p, _)| p.contains(['*', '?', '[']))
                .filter(|(p, _)| {
                    names
                        .iter()
                        .any(|n| fnmatch(p.as_bytes(), alias_key(n).as_bytes()))
                })
                .count();
            assert!(lines < 100 || wild > 0, "seed {seed}");
        }
    }

    #[test]
    fn hashes_while_reading_are_those_of_the_normalised_names() {
        use super::{find_any, hash, key_hash, literal_prefix, pattern_hash};
        use crate::name::checked_alias_key;
        let mut names: Vec<String> = Vec::new();
        for a in STEMS.iter().chain(GLOBS) {
            for b in STEMS.iter().chain(GLOBS) {
                names.push(format!("{a}{b}"));
                names.push(format!("{a}-{b}-{a}{b}_-{b}"));
            }
        }
        names.extend([
            "-".repeat(17),
            "a-".repeat(9),
            "é-é".to_string(),
            String::new(),
        ]);
        for n in &names {
            let key = checked_alias_key(n);
            assert_eq!(
                key_hash(n),
                key.as_ref().map(|k| hash(k.as_bytes())),
                "{n:?}"
            );
            let want = key.map(|k| {
                let p = literal_prefix(k.as_bytes());
                (hash(p), p.len() as u32)
            });
            assert_eq!(pattern_hash(n), want, "{n:?}");
            for needles in [[b'-', b'*'], [b' ', b'\t'], [b'[', b']']] {
                let at = n.bytes().position(|b| needles.contains(&b));
                assert_eq!(
                    find_any(n.as_bytes(), needles),
                    at.unwrap_or(n.len()),
                    "{n:?}"
                );
            }
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
        // Parsing more keeps the tables: the entries added are walked.
        assert!(cfg.index.is_built());
        cfg.parse_into(
            "alias a* late\noptions a late=1\nblacklist late\ninstall late x\n",
            Path::new("/late.conf"),
            &Discard,
        );
        check_all(&cfg, &names);
        assert!(cfg.alias_modules("abc").contains(&"late".to_string()));
        let late = cfg.options().len();
        cfg.parse_cmdline("late.y=2 modprobe.blacklist=pushed", &Discard);
        assert_eq!(cfg.options_for("late"), Some("y=2".to_string()));
        assert_eq!(cfg.options().len(), late + 1);
        assert!(cfg.is_blacklisted("pushed"));
        check_all(&cfg, &names);
        // A clone builds its own index and stays equal.
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
