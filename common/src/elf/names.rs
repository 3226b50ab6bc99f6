//! [`NameList`]: many short names in one allocation.

/// A list of names packed into one string, each followed by a NUL. A module imports hundreds of
/// symbols and a tree has thousands of modules: one allocation per module instead of one per
/// name saves a fifth of depmod's memory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NameList {
    packed: String,
    count: usize,
}

impl NameList {
    /// An empty list.
    pub fn new() -> NameList {
        NameList::default()
    }

    /// Appends `name` (a NUL inside it ends the name).
    pub fn push(&mut self, name: &str) {
        self.packed
            .push_str(name.split('\0').next().unwrap_or_default());
        self.packed.push('\0');
        self.count += 1;
    }

    /// The names, in the order pushed.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        self.packed.split_terminator('\0')
    }

    /// How many names.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The names as stored: each followed by a NUL (empty for an empty list).
    pub fn packed(&self) -> &str {
        &self.packed
    }

    /// The list whose [`NameList::packed`] form is `packed`; `None` unless it is empty or ends
    /// with a NUL.
    pub fn from_packed(packed: String) -> Option<NameList> {
        if !packed.is_empty() && !packed.ends_with('\0') {
            return None;
        }
        let count = memchr::memchr_iter(0, packed.as_bytes()).count();
        Some(NameList { packed, count })
    }
}

impl<'a> FromIterator<&'a str> for NameList {
    fn from_iter<I: IntoIterator<Item = &'a str>>(iter: I) -> Self {
        let mut list = NameList::new();
        for name in iter {
            list.push(name);
        }
        list
    }
}

#[cfg(test)]
mod tests {
    use super::NameList;

    #[test]
    fn packs_and_iterates() {
        let list: NameList = ["printk", "", "kmalloc", "a\0b"].into_iter().collect();
        assert_eq!(list.len(), 4);
        assert_eq!(
            list.iter().collect::<Vec<_>>(),
            ["printk", "", "kmalloc", "a"]
        );
        assert!(NameList::new().is_empty());
        assert_eq!(NameList::new().iter().count(), 0);
        let again = NameList::from_packed(list.packed().to_string()).expect("packed form");
        assert_eq!(again, list);
        assert_eq!(NameList::from_packed(String::new()), Some(NameList::new()));
        assert_eq!(NameList::from_packed("a\0b".into()), None);
    }
}
