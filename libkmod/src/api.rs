//! Every exported function, in the order of kmod's header. Each checks its pointers as kmod
//! does, catches panics ([`guard`]) and calls the safe code of the other modules. The
//! functions are not `#[no_mangle]`: `build.rs` exports each under its C name and version.
//!
//! Pointers handed to C: a context is `Shared::<Ctx>::into_raw`, a module `Shared::<Module>::into_raw`,
//! a list the first [`Node`], an iterator `Box::<ConfigIter>::into_raw`.

use crate::shared::Shared;
use std::ffi::{c_char, c_int, c_long, c_uint, c_ulong, c_void, OsStr};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::ptr;

use crate::config::{ConfigIter, Kind};
use crate::ctx::Ctx;
use crate::ffi::{cstr, guard, ptr_of, EINVAL, ENOENT, ENOSYS};
use crate::insert::{Callbacks, PrintActionFn, RunInstallFn};
use crate::list::{self, Item, Node};
use crate::log::LogFn;
use crate::module::{self, Module};
use crate::{info, insert, state};

type KmodCtx = Ctx;
type KmodModule = Module;
type KmodList = Node;

// ---- Pointer helpers ----------------------------------------------------------------------

/// The context behind a C pointer, borrowed.
///
/// # Safety
/// `p` is NULL or a live context from `kmod_new`.
unsafe fn ctx_ref<'a>(p: *const KmodCtx) -> Option<&'a Ctx> {
    // SAFETY: the caller promises a live context or NULL.
    unsafe { p.as_ref() }
}

/// A new reference to the context behind a C pointer (the C reference stays the caller's).
///
/// # Safety
/// `p` is NULL or a live context from `kmod_new`.
unsafe fn ctx_rc(p: *const KmodCtx) -> Option<Shared<Ctx>> {
    if p.is_null() {
        return None;
    }
    // SAFETY: p came from Shared::into_raw and is live; clone_raw counts a reference of ours.
    Some(unsafe { Shared::clone_raw(p) })
}

/// The module behind a C pointer, borrowed.
///
/// # Safety
/// `p` is NULL or a live module.
unsafe fn module_ref<'a>(p: *const KmodModule) -> Option<&'a Module> {
    // SAFETY: the caller promises a live module or NULL.
    unsafe { p.as_ref() }
}

/// A new reference to the module behind a C pointer.
///
/// # Safety
/// `p` is NULL or a live module.
unsafe fn module_rc(p: *const KmodModule) -> Option<Shared<Module>> {
    if p.is_null() {
        return None;
    }
    // SAFETY: as in ctx_rc.
    Some(unsafe { Shared::clone_raw(p) })
}

/// Hands a module reference to C.
fn module_out(m: Shared<Module>) -> *mut KmodModule {
    Shared::into_raw(m).cast_mut()
}

/// Hands a list of modules to C.
fn modules_out(mods: Vec<Shared<Module>>) -> *mut KmodList {
    list::into_raw(mods.into_iter().map(Item::Module).collect())
}

/// The modules of a C list (new references).
///
/// # Safety
/// `l` is NULL or a live list.
unsafe fn modules_in(l: *const KmodList) -> Vec<Shared<Module>> {
    // SAFETY: the caller promises a live list or NULL.
    unsafe { list::items(l) }
        .iter()
        .filter_map(|n| match &n.item {
            Item::Module(m) => Some(Shared::clone(m)),
            _ => None,
        })
        .collect()
}

/// Stores a list in an out-parameter.
///
/// # Safety
/// `out` is a writable pointer (checked non-NULL by the caller).
unsafe fn store<T>(out: *mut *mut T, value: *mut T) {
    // SAFETY: the caller checked out is not NULL and points to writable memory.
    unsafe { *out = value };
}

// ---- The context --------------------------------------------------------------------------

/// `kmod_new`.
pub(crate) extern "C" fn kmod_new(
    dirname: *const c_char,
    config_paths: *const *const c_char,
) -> *mut KmodCtx {
    guard(ptr::null_mut(), || {
        // SAFETY: dirname is NULL or a C string (kmod's contract).
        let dir = unsafe { cstr(dirname) }.map(|c| OsStr::from_bytes(c.to_bytes()));
        let paths = if config_paths.is_null() {
            None
        } else {
            let mut v = Vec::new();
            let mut i = 0;
            loop {
                // SAFETY: config_paths is a NULL-terminated array of C strings.
                let p = unsafe { *config_paths.add(i) };
                // SAFETY: each element before the NULL is a C string.
                match unsafe { cstr(p) } {
                    Some(c) => v.push(PathBuf::from(OsStr::from_bytes(c.to_bytes()))),
                    None => break,
                }
                i += 1;
            }
            Some(v)
        };
        Shared::into_raw(Ctx::new(dir, paths)).cast_mut()
    })
}

/// `kmod_ref`.
pub(crate) extern "C" fn kmod_ref(ctx: *mut KmodCtx) -> *mut KmodCtx {
    guard(ptr::null_mut(), || {
        if !ctx.is_null() {
            // SAFETY: ctx is a live context from kmod_new; the new reference is C's.
            Shared::into_raw(unsafe { Shared::clone_raw(ctx) });
        }
        ctx
    })
}

/// `kmod_unref`.
pub(crate) extern "C" fn kmod_unref(ctx: *mut KmodCtx) -> *mut KmodCtx {
    guard(ptr::null_mut(), || {
        if ctx.is_null() {
            return ptr::null_mut();
        }
        // SAFETY: ctx is a live context; from_raw takes back the caller's reference.
        let rc = unsafe { Shared::from_raw(ctx) };
        let last = Shared::count(&rc) == 1;
        drop(rc);
        if last {
            ptr::null_mut()
        } else {
            ctx
        }
    })
}

/// `kmod_load_resources`.
pub(crate) extern "C" fn kmod_load_resources(ctx: *mut KmodCtx) -> c_int {
    guard(-EINVAL, || {
        // SAFETY: ctx is NULL or live.
        match unsafe { ctx_ref(ctx) } {
            Some(c) => c.load_resources(),
            None => -ENOENT,
        }
    })
}

/// `kmod_unload_resources`.
pub(crate) extern "C" fn kmod_unload_resources(ctx: *mut KmodCtx) {
    guard((), || {
        // SAFETY: ctx is NULL or live.
        if let Some(c) = unsafe { ctx_ref(ctx) } {
            c.unload_resources();
        }
    })
}

/// `kmod_validate_resources`.
pub(crate) extern "C" fn kmod_validate_resources(ctx: *mut KmodCtx) -> c_int {
    guard(-EINVAL, || {
        // SAFETY: ctx is NULL or live.
        // NULL: KMOD_RESOURCES_MUST_RECREATE, as kmod 30 and 34.2 answer.
        match unsafe { ctx_ref(ctx) } {
            Some(c) => c.validate_resources(),
            None => 2,
        }
    })
}

/// `kmod_dump_index`.
pub(crate) extern "C" fn kmod_dump_index(ctx: *mut KmodCtx, kind: c_uint, fd: c_int) -> c_int {
    guard(-EINVAL, || {
        // SAFETY: ctx is NULL or live.
        let Some(c) = (unsafe { ctx_ref(ctx) }) else {
            return -ENOSYS;
        };
        // The kind is checked by dump_index (-ENOENT for no index); the descriptor is only
        // written to (kmod ignores the writes' errors, even EBADF).
        crate::dump::dump_index(c, kind, fd)
    })
}

/// `kmod_set_log_priority`.
pub(crate) extern "C" fn kmod_set_log_priority(ctx: *mut KmodCtx, priority: c_int) {
    guard((), || {
        // SAFETY: ctx is NULL or live.
        if let Some(c) = unsafe { ctx_ref(ctx) } {
            c.logger.set_priority(priority);
        }
    })
}

/// `kmod_get_log_priority`.
pub(crate) extern "C" fn kmod_get_log_priority(ctx: *const KmodCtx) -> c_int {
    guard(-1, || {
        // SAFETY: ctx is NULL or live.
        unsafe { ctx_ref(ctx) }.map_or(-1, |c| c.logger.priority())
    })
}

/// `kmod_set_log_fn`.
pub(crate) extern "C" fn kmod_set_log_fn(
    ctx: *mut KmodCtx,
    log_fn: Option<LogFn>,
    data: *const c_void,
) {
    guard((), || {
        // SAFETY: ctx is NULL or live.
        if let Some(c) = unsafe { ctx_ref(ctx) } {
            c.logger.set_fn(log_fn, data.cast_mut());
        }
    })
}

/// `kmod_set_userdata`.
pub(crate) extern "C" fn kmod_set_userdata(ctx: *mut KmodCtx, userdata: *const c_void) {
    guard((), || {
        // SAFETY: ctx is NULL or live.
        if let Some(c) = unsafe { ctx_ref(ctx) } {
            c.set_userdata(userdata.cast_mut());
        }
    })
}

/// `kmod_get_userdata`.
pub(crate) extern "C" fn kmod_get_userdata(ctx: *const KmodCtx) -> *mut c_void {
    guard(ptr::null_mut(), || {
        // SAFETY: ctx is NULL or live.
        unsafe { ctx_ref(ctx) }.map_or(ptr::null_mut(), Ctx::userdata)
    })
}

/// `kmod_get_dirname`.
pub(crate) extern "C" fn kmod_get_dirname(ctx: *const KmodCtx) -> *const c_char {
    guard(ptr::null(), || {
        // SAFETY: ctx is NULL or live; the string lives as long as the context.
        unsafe { ctx_ref(ctx) }.map_or(ptr::null(), |c| c.dirname().as_ptr())
    })
}

// ---- Lists --------------------------------------------------------------------------------

/// `kmod_list_last`.
pub(crate) extern "C" fn kmod_list_last(l: *const KmodList) -> *mut KmodList {
    // SAFETY: l is NULL or a live list.
    guard(ptr::null_mut(), || unsafe { list::last(l) })
}

/// `kmod_list_next`.
pub(crate) extern "C" fn kmod_list_next(
    l: *const KmodList,
    curr: *const KmodList,
) -> *mut KmodList {
    // SAFETY: curr is NULL or a node of the live list l.
    guard(ptr::null_mut(), || unsafe { list::next(l, curr) })
}

/// `kmod_list_prev`.
pub(crate) extern "C" fn kmod_list_prev(
    l: *const KmodList,
    curr: *const KmodList,
) -> *mut KmodList {
    // SAFETY: curr is NULL or a node of the live list l.
    guard(ptr::null_mut(), || unsafe { list::prev(l, curr) })
}

// ---- Configuration ------------------------------------------------------------------------

fn config_iter(ctx: *const KmodCtx, kind: Kind) -> *mut ConfigIter {
    guard(ptr::null_mut(), || {
        // SAFETY: ctx is NULL or live.
        match unsafe { ctx_ref(ctx) } {
            Some(c) => Box::into_raw(Box::new(ConfigIter::new(&c.planner().config, kind))),
            None => ptr::null_mut(),
        }
    })
}

/// `kmod_config_get_blacklists`.
pub(crate) extern "C" fn kmod_config_get_blacklists(ctx: *const KmodCtx) -> *mut ConfigIter {
    config_iter(ctx, Kind::Blacklist)
}

/// `kmod_config_get_install_commands`.
pub(crate) extern "C" fn kmod_config_get_install_commands(ctx: *const KmodCtx) -> *mut ConfigIter {
    config_iter(ctx, Kind::Install)
}

/// `kmod_config_get_remove_commands`.
pub(crate) extern "C" fn kmod_config_get_remove_commands(ctx: *const KmodCtx) -> *mut ConfigIter {
    config_iter(ctx, Kind::Remove)
}

/// `kmod_config_get_aliases`.
pub(crate) extern "C" fn kmod_config_get_aliases(ctx: *const KmodCtx) -> *mut ConfigIter {
    config_iter(ctx, Kind::Alias)
}

/// `kmod_config_get_options`.
pub(crate) extern "C" fn kmod_config_get_options(ctx: *const KmodCtx) -> *mut ConfigIter {
    config_iter(ctx, Kind::Options)
}

/// `kmod_config_get_softdeps`.
pub(crate) extern "C" fn kmod_config_get_softdeps(ctx: *const KmodCtx) -> *mut ConfigIter {
    config_iter(ctx, Kind::Softdep)
}

/// `kmod_config_get_weakdeps`.
pub(crate) extern "C" fn kmod_config_get_weakdeps(ctx: *const KmodCtx) -> *mut ConfigIter {
    config_iter(ctx, Kind::Weakdep)
}

/// `kmod_config_iter_get_key`.
pub(crate) extern "C" fn kmod_config_iter_get_key(iter: *const ConfigIter) -> *const c_char {
    guard(ptr::null(), || {
        // SAFETY: iter is NULL or a live iterator; its strings live as long as it does.
        unsafe { iter.as_ref() }.map_or(ptr::null(), |i| ptr_of(i.key()))
    })
}

/// `kmod_config_iter_get_value`.
pub(crate) extern "C" fn kmod_config_iter_get_value(iter: *const ConfigIter) -> *const c_char {
    guard(ptr::null(), || {
        // SAFETY: as kmod_config_iter_get_key.
        unsafe { iter.as_ref() }.map_or(ptr::null(), |i| ptr_of(i.value()))
    })
}

/// `kmod_config_iter_next`.
pub(crate) extern "C" fn kmod_config_iter_next(iter: *mut ConfigIter) -> bool {
    guard(false, || {
        // SAFETY: iter is NULL or a live iterator, not shared while this runs.
        unsafe { iter.as_mut() }.is_some_and(ConfigIter::advance)
    })
}

/// `kmod_config_iter_free_iter`.
pub(crate) extern "C" fn kmod_config_iter_free_iter(iter: *mut ConfigIter) {
    guard((), || {
        if !iter.is_null() {
            // SAFETY: iter came from Box::into_raw in config_iter and is freed once.
            drop(unsafe { Box::from_raw(iter) });
        }
    })
}

// ---- Modules ------------------------------------------------------------------------------

/// `kmod_module_new_from_lookup`.
pub(crate) extern "C" fn kmod_module_new_from_lookup(
    ctx: *mut KmodCtx,
    given_alias: *const c_char,
    out: *mut *mut KmodList,
) -> c_int {
    guard(-EINVAL, || {
        // SAFETY: ctx NULL or live; given_alias NULL or a C string.
        let (Some(c), Some(alias)) = (unsafe { ctx_rc(ctx) }, unsafe { cstr(given_alias) }) else {
            return -ENOENT;
        };
        // SAFETY: out is NULL or points to a list pointer.
        if out.is_null() || !unsafe { *out }.is_null() {
            crate::log!(
                c,
                crate::log::LOG_ERR,
                "kmod_module_new_from_lookup",
                "An empty list is needed to create lookup\n"
            );
            return -ENOSYS;
        }
        match Module::lookup(&c, &alias.to_string_lossy()) {
            Ok(mods) => {
                // SAFETY: out checked above.
                unsafe { store(out, modules_out(mods)) };
                0
            }
            Err(e) => e,
        }
    })
}

/// `kmod_module_new_from_name_lookup`.
pub(crate) extern "C" fn kmod_module_new_from_name_lookup(
    ctx: *mut KmodCtx,
    modname: *const c_char,
    out: *mut *mut KmodModule,
) -> c_int {
    guard(-EINVAL, || {
        // SAFETY: ctx NULL or live; modname NULL or a C string.
        let (Some(c), Some(name)) = (unsafe { ctx_rc(ctx) }, unsafe { cstr(modname) }) else {
            return -ENOENT;
        };
        // A module already in *out is overwritten, as kmod does (its documentation: "mod is
        // left untouched" only when nothing is found).
        if out.is_null() {
            return -ENOENT;
        }
        match Module::name_lookup(&c, &name.to_string_lossy()) {
            Ok(m) => {
                // SAFETY: out checked above.
                unsafe { store(out, m.map_or(ptr::null_mut(), module_out)) };
                0
            }
            Err(e) => e,
        }
    })
}

/// `kmod_module_new_from_name`.
pub(crate) extern "C" fn kmod_module_new_from_name(
    ctx: *mut KmodCtx,
    name: *const c_char,
    out: *mut *mut KmodModule,
) -> c_int {
    guard(-EINVAL, || {
        // SAFETY: ctx NULL or live; name NULL or a C string.
        let (Some(c), Some(n)) = (unsafe { ctx_rc(ctx) }, unsafe { cstr(name) }) else {
            return -ENOENT;
        };
        if out.is_null() {
            return -ENOENT;
        }
        let m = Module::from_name(&c, &n.to_string_lossy());
        // SAFETY: out checked above.
        unsafe { store(out, module_out(m)) };
        0
    })
}

/// `kmod_module_new_from_path`.
pub(crate) extern "C" fn kmod_module_new_from_path(
    ctx: *mut KmodCtx,
    path: *const c_char,
    out: *mut *mut KmodModule,
) -> c_int {
    guard(-EINVAL, || {
        // SAFETY: ctx NULL or live; path NULL or a C string.
        let (Some(c), Some(p)) = (unsafe { ctx_rc(ctx) }, unsafe { cstr(path) }) else {
            return -ENOENT;
        };
        if out.is_null() {
            return -ENOENT;
        }
        match Module::from_path(&c, &PathBuf::from(OsStr::from_bytes(p.to_bytes()))) {
            Ok(m) => {
                // SAFETY: out checked above.
                unsafe { store(out, module_out(m)) };
                0
            }
            Err(e) => e,
        }
    })
}

/// `kmod_module_new_from_loaded`.
pub(crate) extern "C" fn kmod_module_new_from_loaded(
    ctx: *mut KmodCtx,
    out: *mut *mut KmodList,
) -> c_int {
    guard(-EINVAL, || {
        // SAFETY: ctx NULL or live.
        let Some(c) = (unsafe { ctx_rc(ctx) }) else {
            return -ENOENT;
        };
        if out.is_null() {
            return -ENOENT;
        }
        match state::loaded(&c) {
            Ok(mods) => {
                // A list already in *out gets the loaded modules appended, as kmod 30 and
                // 34.2 do (they don't check it is empty): ours is one allocation, so the
                // list is made again, its modules first.
                // SAFETY: out checked above; *out is NULL or a live list of the caller's,
                // which this call takes over.
                let mut items = unsafe { list::from_raw(*out) };
                items.extend(mods.into_iter().map(Item::Module));
                // SAFETY: out checked above.
                unsafe { store(out, list::into_raw(items)) };
                0
            }
            Err(e) => e,
        }
    })
}

/// `kmod_module_ref`.
pub(crate) extern "C" fn kmod_module_ref(m: *mut KmodModule) -> *mut KmodModule {
    guard(ptr::null_mut(), || {
        if !m.is_null() {
            // SAFETY: m is a live module; the new reference is C's.
            Shared::into_raw(unsafe { Shared::clone_raw(m) });
        }
        m
    })
}

/// `kmod_module_unref`.
pub(crate) extern "C" fn kmod_module_unref(m: *mut KmodModule) -> *mut KmodModule {
    guard(ptr::null_mut(), || {
        if m.is_null() {
            return ptr::null_mut();
        }
        // SAFETY: m is a live module; from_raw takes back the caller's reference.
        let rc = unsafe { Shared::from_raw(m) };
        let last = Shared::count(&rc) == 1;
        drop(rc);
        if last {
            ptr::null_mut()
        } else {
            m
        }
    })
}

/// `kmod_module_unref_list`.
pub(crate) extern "C" fn kmod_module_unref_list(l: *mut KmodList) -> c_int {
    guard(0, || {
        // SAFETY: l is NULL or a live list, owned by the caller and freed here.
        drop(unsafe { list::from_raw(l) });
        0
    })
}

/// `kmod_module_insert_module`.
pub(crate) extern "C" fn kmod_module_insert_module(
    m: *mut KmodModule,
    flags: c_uint,
    options: *const c_char,
) -> c_int {
    guard(-EINVAL, || {
        // SAFETY: m NULL or live; options NULL or a C string.
        match unsafe { module_ref(m) } {
            Some(m) => insert::insert(m, flags, unsafe { cstr(options) }),
            None => -ENOENT,
        }
    })
}

/// `kmod_module_probe_insert_module`.
pub(crate) extern "C" fn kmod_module_probe_insert_module(
    m: *mut KmodModule,
    flags: c_uint,
    extra_options: *const c_char,
    run_install: Option<RunInstallFn>,
    data: *const c_void,
    print_action: Option<PrintActionFn>,
) -> c_int {
    guard(-EINVAL, || {
        // SAFETY: m NULL or live; extra_options NULL or a C string.
        let Some(m) = (unsafe { module_rc(m) }) else {
            return -ENOENT;
        };
        let cb = Callbacks {
            run_install,
            data: data.cast_mut(),
            print_action,
        };
        // SAFETY: extra_options is NULL or a C string.
        insert::probe(&m, flags, unsafe { cstr(extra_options) }, &cb)
    })
}

/// `kmod_module_remove_module`.
pub(crate) extern "C" fn kmod_module_remove_module(m: *mut KmodModule, flags: c_uint) -> c_int {
    guard(-EINVAL, || {
        // SAFETY: m NULL or live.
        match unsafe { module_ref(m) } {
            Some(m) => insert::remove(m, flags),
            None => -ENOENT,
        }
    })
}

/// `kmod_module_get_module`.
pub(crate) extern "C" fn kmod_module_get_module(entry: *const KmodList) -> *mut KmodModule {
    guard(ptr::null_mut(), || {
        // SAFETY: entry is NULL or a live node.
        match unsafe { list::item(entry) } {
            Some(Item::Module(m)) => module_out(Shared::clone(m)),
            _ => ptr::null_mut(),
        }
    })
}

/// `kmod_module_get_dependencies`.
pub(crate) extern "C" fn kmod_module_get_dependencies(m: *const KmodModule) -> *mut KmodList {
    guard(ptr::null_mut(), || {
        // SAFETY: m NULL or live.
        unsafe { module_ref(m) }.map_or(ptr::null_mut(), |m| modules_out(m.dependencies()))
    })
}

/// `kmod_module_get_softdeps`.
pub(crate) extern "C" fn kmod_module_get_softdeps(
    m: *const KmodModule,
    pre: *mut *mut KmodList,
    post: *mut *mut KmodList,
) -> c_int {
    guard(-EINVAL, || {
        // SAFETY: m NULL or live; pre and post NULL or pointers to list pointers.
        let Some(m) = (unsafe { module_ref(m) }) else {
            return -ENOENT;
        };
        // SAFETY: as above.
        if pre.is_null()
            || post.is_null()
            || !unsafe { *pre }.is_null()
            || !unsafe { *post }.is_null()
        {
            return -ENOENT;
        }
        let (a, b) = m.softdeps();
        // SAFETY: both checked above.
        unsafe {
            store(pre, modules_out(a));
            store(post, modules_out(b));
        }
        0
    })
}

/// `kmod_module_get_weakdeps`.
pub(crate) extern "C" fn kmod_module_get_weakdeps(
    m: *const KmodModule,
    weak: *mut *mut KmodList,
) -> c_int {
    guard(-EINVAL, || {
        // SAFETY: m NULL or live; weak NULL or a pointer to a list pointer.
        let Some(m) = (unsafe { module_ref(m) }) else {
            return -ENOENT;
        };
        // SAFETY: as above.
        if weak.is_null() || !unsafe { *weak }.is_null() {
            return -ENOENT;
        }
        // SAFETY: checked above.
        unsafe { store(weak, modules_out(m.weakdeps())) };
        0
    })
}

/// `kmod_module_apply_filter`.
pub(crate) extern "C" fn kmod_module_apply_filter(
    ctx: *const KmodCtx,
    filter: c_uint,
    input: *const KmodList,
    output: *mut *mut KmodList,
) -> c_int {
    guard(-EINVAL, || {
        // SAFETY: ctx NULL or live.
        if unsafe { ctx_ref(ctx) }.is_none() || output.is_null() {
            return -ENOENT;
        }
        // SAFETY: input is NULL or a live list of modules.
        let mods = unsafe { modules_in(input) };
        // SAFETY: output checked above.
        unsafe { store(output, modules_out(module::apply_filter(filter, &mods))) };
        0
    })
}

/// `kmod_module_get_filtered_blacklist`.
pub(crate) extern "C" fn kmod_module_get_filtered_blacklist(
    ctx: *const KmodCtx,
    input: *const KmodList,
    output: *mut *mut KmodList,
) -> c_int {
    kmod_module_apply_filter(ctx, 1, input, output)
}

/// A string of a module, or NULL.
fn module_str(m: *const KmodModule, f: impl FnOnce(&Module) -> *const c_char) -> *const c_char {
    guard(ptr::null(), || {
        // SAFETY: m NULL or live; the strings live as long as the module.
        unsafe { module_ref(m) }.map_or(ptr::null(), f)
    })
}

/// `kmod_module_get_install_commands`.
pub(crate) extern "C" fn kmod_module_get_install_commands(m: *const KmodModule) -> *const c_char {
    module_str(m, |m| ptr_of(m.install_commands()))
}

/// `kmod_module_get_remove_commands`.
pub(crate) extern "C" fn kmod_module_get_remove_commands(m: *const KmodModule) -> *const c_char {
    module_str(m, |m| ptr_of(m.remove_commands()))
}

/// `kmod_module_get_name`.
pub(crate) extern "C" fn kmod_module_get_name(m: *const KmodModule) -> *const c_char {
    module_str(m, |m| m.name().as_ptr())
}

/// `kmod_module_get_options`.
pub(crate) extern "C" fn kmod_module_get_options(m: *const KmodModule) -> *const c_char {
    module_str(m, |m| ptr_of(m.options()))
}

/// `kmod_module_get_path`.
pub(crate) extern "C" fn kmod_module_get_path(m: *const KmodModule) -> *const c_char {
    module_str(m, |m| ptr_of(m.path()))
}

/// A list read from a module into `out`.
fn module_list(
    m: *const KmodModule,
    out: *mut *mut KmodList,
    f: impl FnOnce(&Module) -> Result<Vec<Item>, i32>,
) -> c_int {
    guard(-EINVAL, || {
        // SAFETY: m NULL or live; out NULL or a pointer to a list pointer.
        let Some(m) = (unsafe { module_ref(m) }) else {
            return -ENOENT;
        };
        // SAFETY: as above.
        if out.is_null() || !unsafe { *out }.is_null() {
            return -ENOENT;
        }
        match f(m) {
            Ok(items) => {
                let n = items.len();
                // SAFETY: out checked above.
                unsafe { store(out, list::into_raw(items)) };
                c_int::try_from(n).unwrap_or(c_int::MAX)
            }
            Err(e) => e,
        }
    })
}

/// Frees a list of any kind.
fn free_list(l: *mut KmodList) {
    // SAFETY: l is NULL or a live list owned by the caller, freed here.
    guard((), || drop(unsafe { list::from_raw(l) }))
}

/// The symbol and CRC of a symbol-like node, read as kmod reads it: with `dependency`, as a
/// node of `kmod_module_get_dependency_symbols` (binding, then name), else as one of
/// `_get_symbols` or `_get_versions` (name). A node of the other kind reads as kmod's would:
/// a dependency symbol read plainly starts with its binding letter (dracut-install relies on
/// it), a plain symbol read as a dependency loses its first byte to the binding.
fn symbol_of(entry: *const KmodList, dependency: bool) -> Option<(*const c_char, u64)> {
    // SAFETY: entry is NULL or a live node.
    let (start, crc) = match unsafe { list::item(entry) }? {
        Item::Symbol { symbol, crc } => (symbol.as_bytes_with_nul(), *crc),
        Item::DependencySymbol { bound, crc } => (&bound[..], *crc),
        _ => return None,
    };
    // kmod's dependency nodes hold the binding byte before the name: that reader skips one.
    let skip = usize::from(dependency);
    let at = skip.min(start.len() - 1);
    Some((start[at..].as_ptr().cast(), crc))
}

/// `kmod_module_get_dependency_symbols`.
pub(crate) extern "C" fn kmod_module_get_dependency_symbols(
    m: *const KmodModule,
    out: *mut *mut KmodList,
) -> c_int {
    module_list(m, out, info::dependency_symbols)
}

/// `kmod_module_dependency_symbol_get_bind`.
pub(crate) extern "C" fn kmod_module_dependency_symbol_get_bind(entry: *const KmodList) -> c_int {
    guard(0, || {
        // SAFETY: entry is NULL or a live node.
        // The first byte of the node's storage, as kmod reads it (see symbol_of).
        match unsafe { list::item(entry) } {
            Some(Item::DependencySymbol { bound, .. }) => c_int::from(bound[0]),
            Some(Item::Symbol { symbol, .. }) => c_int::from(symbol.as_bytes_with_nul()[0]),
            _ => 0,
        }
    })
}

/// `kmod_module_dependency_symbol_get_crc`.
pub(crate) extern "C" fn kmod_module_dependency_symbol_get_crc(entry: *const KmodList) -> u64 {
    guard(0, || symbol_of(entry, true).map_or(0, |(_, crc)| crc))
}

/// `kmod_module_dependency_symbol_get_symbol`.
pub(crate) extern "C" fn kmod_module_dependency_symbol_get_symbol(
    entry: *const KmodList,
) -> *const c_char {
    guard(ptr::null(), || {
        symbol_of(entry, true).map_or(ptr::null(), |(s, _)| s)
    })
}

/// `kmod_module_dependency_symbols_free_list`.
pub(crate) extern "C" fn kmod_module_dependency_symbols_free_list(l: *mut KmodList) {
    free_list(l)
}

/// `kmod_module_get_sections`.
pub(crate) extern "C" fn kmod_module_get_sections(m: *const KmodModule) -> *mut KmodList {
    guard(ptr::null_mut(), || {
        // SAFETY: m NULL or live.
        unsafe { module_ref(m) }.map_or(ptr::null_mut(), |m| list::into_raw(state::sections(m)))
    })
}

/// `kmod_module_section_get_address`.
pub(crate) extern "C" fn kmod_module_section_get_address(entry: *const KmodList) -> c_ulong {
    guard(c_ulong::MAX, || {
        // SAFETY: entry is NULL or a live node.
        match unsafe { list::item(entry) } {
            Some(Item::Section { address, .. }) => *address as c_ulong,
            _ => c_ulong::MAX,
        }
    })
}

/// `kmod_module_section_get_name`.
pub(crate) extern "C" fn kmod_module_section_get_name(entry: *const KmodList) -> *const c_char {
    guard(ptr::null(), || {
        // SAFETY: entry is NULL or a live node.
        match unsafe { list::item(entry) } {
            Some(Item::Section { name, .. }) => name.as_ptr(),
            _ => ptr::null(),
        }
    })
}

/// `kmod_module_section_free_list`.
pub(crate) extern "C" fn kmod_module_section_free_list(l: *mut KmodList) {
    free_list(l)
}

/// `kmod_module_get_symbols`.
pub(crate) extern "C" fn kmod_module_get_symbols(
    m: *const KmodModule,
    out: *mut *mut KmodList,
) -> c_int {
    module_list(m, out, info::symbols)
}

/// `kmod_module_symbol_get_crc`.
pub(crate) extern "C" fn kmod_module_symbol_get_crc(entry: *const KmodList) -> u64 {
    guard(0, || symbol_of(entry, false).map_or(0, |(_, crc)| crc))
}

/// `kmod_module_symbol_get_symbol`.
pub(crate) extern "C" fn kmod_module_symbol_get_symbol(entry: *const KmodList) -> *const c_char {
    guard(ptr::null(), || {
        symbol_of(entry, false).map_or(ptr::null(), |(s, _)| s)
    })
}

/// `kmod_module_symbols_free_list`.
pub(crate) extern "C" fn kmod_module_symbols_free_list(l: *mut KmodList) {
    free_list(l)
}

/// `kmod_module_get_versions`.
pub(crate) extern "C" fn kmod_module_get_versions(
    m: *const KmodModule,
    out: *mut *mut KmodList,
) -> c_int {
    module_list(m, out, info::versions)
}

/// `kmod_module_version_get_crc`.
pub(crate) extern "C" fn kmod_module_version_get_crc(entry: *const KmodList) -> u64 {
    guard(0, || symbol_of(entry, false).map_or(0, |(_, crc)| crc))
}

/// `kmod_module_version_get_symbol`.
pub(crate) extern "C" fn kmod_module_version_get_symbol(entry: *const KmodList) -> *const c_char {
    guard(ptr::null(), || {
        symbol_of(entry, false).map_or(ptr::null(), |(s, _)| s)
    })
}

/// `kmod_module_versions_free_list`.
pub(crate) extern "C" fn kmod_module_versions_free_list(l: *mut KmodList) {
    free_list(l)
}

/// `kmod_module_get_info`.
pub(crate) extern "C" fn kmod_module_get_info(
    m: *const KmodModule,
    out: *mut *mut KmodList,
) -> c_int {
    module_list(m, out, info::info)
}

/// `kmod_module_info_get_key`.
pub(crate) extern "C" fn kmod_module_info_get_key(entry: *const KmodList) -> *const c_char {
    guard(ptr::null(), || {
        // SAFETY: entry is NULL or a live node.
        match unsafe { list::item(entry) } {
            Some(Item::Info { key, .. }) => key.as_ptr(),
            _ => ptr::null(),
        }
    })
}

/// `kmod_module_info_get_value`.
pub(crate) extern "C" fn kmod_module_info_get_value(entry: *const KmodList) -> *const c_char {
    guard(ptr::null(), || {
        // SAFETY: entry is NULL or a live node.
        match unsafe { list::item(entry) } {
            Some(Item::Info { value, .. }) => value.as_ptr(),
            _ => ptr::null(),
        }
    })
}

/// `kmod_module_info_free_list`.
pub(crate) extern "C" fn kmod_module_info_free_list(l: *mut KmodList) {
    free_list(l)
}

// ---- Loaded modules -----------------------------------------------------------------------

/// `kmod_module_initstate_str`.
pub(crate) extern "C" fn kmod_module_initstate_str(state: c_uint) -> *const c_char {
    guard(ptr::null(), || {
        let s = c_int::try_from(state).unwrap_or(-1);
        state::initstate_str(s).map_or(ptr::null(), |c| c.as_ptr())
    })
}

/// `kmod_module_get_initstate`.
pub(crate) extern "C" fn kmod_module_get_initstate(m: *const KmodModule) -> c_int {
    guard(-EINVAL, || {
        // SAFETY: m NULL or live.
        unsafe { module_ref(m) }.map_or(-ENOENT, state::initstate)
    })
}

/// `kmod_module_get_size`.
pub(crate) extern "C" fn kmod_module_get_size(m: *const KmodModule) -> c_long {
    guard(-c_long::from(EINVAL), || {
        // SAFETY: m NULL or live.
        unsafe { module_ref(m) }.map_or(-c_long::from(ENOENT), |m| state::size(m) as c_long)
    })
}

/// `kmod_module_get_refcnt`.
pub(crate) extern "C" fn kmod_module_get_refcnt(m: *const KmodModule) -> c_int {
    guard(-EINVAL, || {
        // SAFETY: m NULL or live.
        unsafe { module_ref(m) }.map_or(-ENOENT, state::refcnt)
    })
}

/// `kmod_module_get_holders`.
pub(crate) extern "C" fn kmod_module_get_holders(m: *const KmodModule) -> *mut KmodList {
    guard(ptr::null_mut(), || {
        // SAFETY: m NULL or live.
        unsafe { module_ref(m) }.map_or(ptr::null_mut(), |m| modules_out(state::holders(m)))
    })
}
