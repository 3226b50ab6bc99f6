//! `struct kmod_config_iter`: the configuration's entries of one kind, as key and value.

use std::ffi::{CStr, CString};

use common::config::modprobe::ModprobeConfig;

use crate::ffi::to_cstring;

/// Which entries an iterator walks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `blacklist MODULE`: key the module, no value.
    Blacklist,
    /// `install MODULE COMMAND`.
    Install,
    /// `remove MODULE COMMAND`.
    Remove,
    /// `alias PATTERN MODULE`.
    Alias,
    /// `options MODULE TEXT`.
    Options,
    /// `softdep MODULE pre: ... post: ...`: the value is what follows the module.
    Softdep,
    /// `weakdep MODULE NAME...`.
    Weakdep,
}

/// An iterator: before the first entry until `next` is called.
#[derive(Debug)]
pub struct ConfigIter {
    entries: Vec<(CString, Option<CString>)>,
    /// Index of the current entry plus one (0: before the first).
    pos: usize,
}

impl ConfigIter {
    /// The entries of `kind` in `config`, in reading order.
    pub fn new(config: &ModprobeConfig, kind: Kind) -> ConfigIter {
        let pair = |k: &str, v: &str| (to_cstring(k), Some(to_cstring(v)));
        let entries = match kind {
            Kind::Blacklist => config
                .blacklist()
                .iter()
                .map(|m| (to_cstring(m.as_str()), None))
                .collect(),
            Kind::Install => config.install().iter().map(|(m, c)| pair(m, c)).collect(),
            Kind::Remove => config.remove().iter().map(|(m, c)| pair(m, c)).collect(),
            Kind::Alias => config.aliases().iter().map(|(a, m)| pair(a, m)).collect(),
            Kind::Options => config.options().iter().map(|(m, o)| pair(m, o)).collect(),
            Kind::Softdep => config
                .softdeps()
                .iter()
                .map(|sd| {
                    let line = sd.display_line();
                    let value = line
                        .strip_prefix(&format!("softdep {} ", sd.module))
                        .unwrap_or(&line);
                    pair(&sd.module, value)
                })
                .collect(),
            Kind::Weakdep => config
                .weakdeps()
                .iter()
                .map(|(m, d)| pair(m, &d.join(" ")))
                .collect(),
        };
        ConfigIter { entries, pos: 0 }
    }

    /// `kmod_config_iter_next`: moves to the next entry; false past the last, and then the
    /// iterator is back before the first entry (kmod 30 and 34.2 start over, observed).
    pub fn advance(&mut self) -> bool {
        self.pos += 1;
        if self.pos > self.entries.len() {
            self.pos = 0;
            return false;
        }
        true
    }

    fn current(&self) -> Option<&(CString, Option<CString>)> {
        self.pos.checked_sub(1).and_then(|i| self.entries.get(i))
    }

    /// `kmod_config_iter_get_key`.
    pub fn key(&self) -> Option<&CStr> {
        self.current().map(|(k, _)| k.as_c_str())
    }

    /// `kmod_config_iter_get_value`.
    pub fn value(&self) -> Option<&CStr> {
        self.current().and_then(|(_, v)| v.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_past_the_end_starts_over() {
        let mut config = ModprobeConfig::default();
        let report = common::report::Discard;
        config.parse_into(
            "blacklist a\nblacklist b\n",
            std::path::Path::new("x"),
            &report,
        );
        let mut it = ConfigIter::new(&config, Kind::Blacklist);
        assert_eq!(it.key(), None);
        assert!(it.advance());
        assert_eq!(it.key(), Some(c"a"));
        assert!(it.advance());
        assert!(!it.advance());
        assert_eq!(it.key(), None);
        assert!(it.advance());
        assert_eq!(it.key(), Some(c"a"));
    }
}
