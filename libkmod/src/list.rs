//! `struct kmod_list`: the lists handed to C. A list is one allocation of nodes; C holds the
//! pointer to the first node, walks it with `kmod_list_next`/`_prev`/`_last`, and frees it with
//! the function the documentation names for its kind (which drops the whole allocation).

use crate::shared::Shared;
use std::ffi::CString;
use std::ptr;

use crate::module::Module;

/// What one node holds.
#[derive(Debug)]
pub enum Item {
    /// A module: the list holds a reference (`kmod_module_unref_list` drops it).
    Module(Shared<Module>),
    /// A `.modinfo` (or signature) key and value.
    Info {
        /// The key.
        key: CString,
        /// The value.
        value: CString,
    },
    /// A `__versions` entry, or an exported symbol.
    Symbol {
        /// The symbol.
        symbol: CString,
        /// Its CRC (0 when the module has none).
        crc: u64,
    },
    /// A symbol the module needs, with its binding (`KMOD_SYMBOL_*`): made by
    /// [`Item::dependency_symbol`].
    DependencySymbol {
        /// The binding (`'U'`, `'W'`, ... as `enum kmod_symbol_bind`), the symbol, and a NUL:
        /// kmod's layout, which clients rely on: dracut-install reads these nodes with
        /// `kmod_module_symbol_get_symbol`, and gets the binding letter before the name
        /// (`Uregister_netdev`; its `--mod-filter-symbol` patterns are written for that).
        bound: Box<[u8]>,
        /// Its CRC.
        crc: u64,
    },
    /// A section of a loaded module (`/sys/module/NAME/sections`).
    Section {
        /// The section's name.
        name: CString,
        /// Its address.
        address: u64,
    },
}

impl Item {
    /// A [`Item::DependencySymbol`] (a NUL in `symbol` ends it, as C would).
    pub fn dependency_symbol(symbol: &str, crc: u64, bind: u8) -> Item {
        let name = symbol.as_bytes();
        let name = &name[..name.iter().position(|&b| b == 0).unwrap_or(name.len())];
        let mut bound = Vec::with_capacity(name.len() + 2);
        bound.push(bind);
        bound.extend_from_slice(name);
        bound.push(0);
        Item::DependencySymbol {
            bound: bound.into_boxed_slice(),
            crc,
        }
    }
}

/// One node: its place in the allocation and its item. `struct kmod_list *` is a `*mut Node`.
#[derive(Debug)]
pub struct Node {
    index: usize,
    len: usize,
    /// The node's item.
    pub item: Item,
}

/// Hands `items` to C: the first node of a new list, or NULL for an empty one.
pub fn into_raw(items: Vec<Item>) -> *mut Node {
    if items.is_empty() {
        return ptr::null_mut();
    }
    let len = items.len();
    let nodes: Box<[Node]> = items
        .into_iter()
        .enumerate()
        .map(|(index, item)| Node { index, len, item })
        .collect();
    Box::into_raw(nodes).cast::<Node>()
}

/// Takes a list back from C (to free it, or to read it whole).
///
/// # Safety
/// `head` is NULL or the first node of a list from [`into_raw`] not yet freed; the caller
/// owns it from now on.
pub unsafe fn from_raw(head: *mut Node) -> Vec<Item> {
    if head.is_null() {
        return Vec::new();
    }
    // SAFETY: head is the first node of a live list, so len is readable and the allocation
    // holds exactly len nodes made by Box<[Node]>.
    let nodes = unsafe { Box::from_raw(ptr::slice_from_raw_parts_mut(head, (*head).len)) };
    nodes.into_vec().into_iter().map(|n| n.item).collect()
}

/// The items of a list, borrowed.
///
/// # Safety
/// `head` is NULL or the first node of a live list, which outlives `'a`.
pub unsafe fn items<'a>(head: *const Node) -> &'a [Node] {
    if head.is_null() {
        return &[];
    }
    // SAFETY: as in from_raw, without taking ownership.
    unsafe { &*ptr::slice_from_raw_parts(head, (*head).len) }
}

/// The item of one node.
///
/// # Safety
/// `entry` is NULL or a node of a live list, which outlives `'a`.
pub unsafe fn item<'a>(entry: *const Node) -> Option<&'a Item> {
    // SAFETY: the caller promises a live node or NULL.
    unsafe { entry.as_ref() }.map(|n| &n.item)
}

/// `kmod_list_next`: the node after `curr`, NULL after the last.
///
/// # Safety
/// `curr` is NULL or a node of a live list.
pub unsafe fn next(list: *const Node, curr: *const Node) -> *mut Node {
    if list.is_null() || curr.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: curr is a live node; index + 1 < len keeps the result inside its allocation.
    unsafe {
        if (*curr).index + 1 < (*curr).len {
            curr.add(1).cast_mut()
        } else {
            ptr::null_mut()
        }
    }
}

/// `kmod_list_prev`: the node before `curr`, NULL before the first.
///
/// # Safety
/// `curr` is NULL or a node of a live list.
pub unsafe fn prev(list: *const Node, curr: *const Node) -> *mut Node {
    if list.is_null() || curr.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: curr is a live node; index > 0 keeps the result inside its allocation.
    unsafe {
        if (*curr).index > 0 {
            curr.sub(1).cast_mut()
        } else {
            ptr::null_mut()
        }
    }
}

/// `kmod_list_last`: the last node, NULL for an empty list.
///
/// # Safety
/// `list` is NULL or a node of a live list.
pub unsafe fn last(list: *const Node) -> *mut Node {
    if list.is_null() {
        return ptr::null_mut();
    }
    // SAFETY: list is a live node; the last node is len - 1 - index nodes after it.
    unsafe { list.add((*list).len - 1 - (*list).index).cast_mut() }
}
