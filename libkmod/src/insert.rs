//! Inserting, probing (a module with its dependencies, softdeps, install commands and the
//! blacklist) and removing.
//!
//! The plan (what to load, in which order, with which options) is `common`'s
//! [`Planner`](common::modprobe::Planner), the one modprobe uses; the insertion is
//! [`common::kernel::load::insert`], insmod's and modprobe's (the kernel's decompression, and
//! the user-space fallback). What is the library's own: the probe flags, the callbacks, and
//! which failures stop a probe. Everything here was established black-box against kmod 30 and
//! 34.2 (tests/diff/libkmod-probe.sh, the VM scenarios `libkmod_*`; docs/libkmod-probe.md).

use crate::shared::Shared;
use std::ffi::{c_char, c_int, c_void, CStr};

use common::error::errno_text;
use common::file::ModuleFile;
use common::kernel::load::{self, ForceOptions, LoadError, LoadOptions, Trace};
use common::kernel::state::{initstate, InitState};
use common::kernel::syscall::delete_module;
use common::modprobe::{PlanOptions, Step, Target};
use common::report::{Level, Report};

use crate::ctx::Ctx;
use crate::ffi::{to_cstring, EEXIST, EINVAL, ENOENT};
use crate::log::{LOG_DEBUG, LOG_ERR, LOG_INFO};
use crate::module::Module;

/// `run_install` of `kmod_module_probe_insert_module`.
pub type RunInstallFn =
    unsafe extern "C" fn(m: *mut Module, cmdline: *const c_char, data: *mut c_void) -> c_int;
/// `print_action` of `kmod_module_probe_insert_module`.
pub type PrintActionFn =
    unsafe extern "C" fn(m: *mut Module, install: bool, options: *const c_char);

/// The client's callbacks of a probe.
#[derive(Debug, Clone, Copy)]
pub struct Callbacks {
    /// Runs an install command instead of `system()`.
    pub run_install: Option<RunInstallFn>,
    /// `run_install`'s data.
    pub data: *mut c_void,
    /// Told each action (dry run or not).
    pub print_action: Option<PrintActionFn>,
}

// `enum kmod_insert`.
const INSERT_FORCE_VERMAGIC: u32 = 0x1;
const INSERT_FORCE_MODVERSION: u32 = 0x2;

// `enum kmod_probe`.
const PROBE_FORCE_VERMAGIC: u32 = 0x1;
const PROBE_FORCE_MODVERSION: u32 = 0x2;
const PROBE_IGNORE_COMMAND: u32 = 0x4;
const PROBE_IGNORE_LOADED: u32 = 0x8;
const PROBE_DRY_RUN: u32 = 0x10;
const PROBE_FAIL_ON_LOADED: u32 = 0x20;
const PROBE_APPLY_BLACKLIST_ALL: u32 = 0x10000;
const PROBE_APPLY_BLACKLIST: u32 = 0x20000;
const PROBE_APPLY_BLACKLIST_ALIAS_ONLY: u32 = 0x40000;

// `enum kmod_remove`: `KMOD_REMOVE_FORCE` is `O_TRUNC`, `KMOD_REMOVE_NOWAIT` `O_NONBLOCK` (always
// passed to the kernel, as kmod 34.2 does), `KMOD_REMOVE_NOLOG` 1.
const REMOVE_FORCE: u32 = libc::O_TRUNC as u32;
const REMOVE_NOLOG: u32 = 1;

/// What the insertion path says (a fallback to user-space decompression) goes to the
/// context's log at info level; nothing else is reported from there.
struct LoadLog<'a>(&'a Ctx);

impl Report for LoadLog<'_> {
    fn report(&self, level: Level, message: &str) {
        let prio = match level {
            Level::Fatal | Level::Error => LOG_ERR,
            Level::Warning | Level::Info | Level::Hint => LOG_INFO,
        };
        crate::log!(self.0, prio, "kmod_module_insert_module", "{message}\n");
    }
}

/// `kmod_module_insert_module`: 0 or a negative errno (`-EEXIST` when already loaded). A
/// module without a file (not in modules.dep, not made from a path) is kmod's `-ENOENT`, logged
/// as kmod logs it.
pub fn insert(m: &Module, flags: u32, options: Option<&CStr>) -> i32 {
    let force = ForceOptions {
        modversions: flags & INSERT_FORCE_MODVERSION != 0,
        vermagic: flags & INSERT_FORCE_VERMAGIC != 0,
    };
    let options = options.map(|o| o.to_string_lossy().into_owned());
    insert_forced(m, force, options.as_deref().unwrap_or(""))
}

fn insert_forced(m: &Module, force: ForceOptions, options: &str) -> i32 {
    let ctx = &m.ctx;
    let Some(path) = m.path_buf() else {
        crate::log!(
            ctx,
            LOG_ERR,
            "kmod_module_insert_module",
            "could not find module by name='{}'\n",
            m.name_str()
        );
        return -ENOENT;
    };
    let file = match ModuleFile::open(&path) {
        Ok(f) => f,
        Err(e) => {
            crate::log!(
                ctx,
                LOG_DEBUG,
                "kmod_module_insert_module",
                "{}\n",
                e.reason()
            );
            return -e.errno().map_or(ENOENT, |e| e as i32);
        }
    };
    let opts = LoadOptions {
        force,
        trace: Trace::FallbackOnly,
    };
    match load::insert(&ctx.system, &file, options, opts, &LoadLog(ctx)) {
        Ok(method) => {
            crate::log!(
                ctx,
                LOG_DEBUG,
                "kmod_module_insert_module",
                "{} inserted via {method}\n",
                path.display()
            );
            0
        }
        Err(LoadError::Kernel(e)) => {
            crate::log!(
                ctx,
                LOG_DEBUG,
                "kmod_module_insert_module",
                "could not insert '{}': {}\n",
                m.name_str(),
                errno_text(e)
            );
            -(e as i32)
        }
        Err(LoadError::BadParams) => -EINVAL,
        // Not readable, not decompressible, or (when forcing) not an ELF file kmod can strip:
        // kmod 30 and 34.2 return -ENOEXEC for the last (observed), and log nothing at LOG_ERR.
        Err(LoadError::File(e)) => {
            crate::log!(
                ctx,
                LOG_DEBUG,
                "kmod_module_insert_module",
                "{}: {}\n",
                path.display(),
                e.reason()
            );
            match e {
                common::error::Error::Elf { .. } => -libc::ENOEXEC,
                e => -e.errno().map_or(EINVAL, |e| e as i32),
            }
        }
    }
}

/// `kmod_module_remove_module`: 0 or a negative errno. Always without waiting (`O_NONBLOCK`);
/// `KMOD_REMOVE_FORCE` asks the kernel to force; a failure is logged unless
/// `KMOD_REMOVE_NOLOG`.
pub fn remove(m: &Module, flags: u32) -> i32 {
    let name = m.name_str();
    match delete_module(&name, flags & REMOVE_FORCE != 0) {
        Ok(()) => 0,
        Err(e) => {
            if flags & REMOVE_NOLOG == 0 {
                crate::log!(
                    m.ctx,
                    LOG_ERR,
                    "kmod_module_remove_module",
                    "could not remove '{name}': {}\n",
                    errno_text(e)
                );
            }
            -(e as i32)
        }
    }
}

/// Whether the kernel has `name` for a probe: built in (the tree's modules.builtin), or live.
/// A module `coming` or `going`, or a `/sys/module/NAME` without `initstate` that the tree does
/// not list as built in, is not (kmod 30 and 34.2 insert such a module).
fn in_kernel(ctx: &Ctx, name: &str) -> bool {
    if ctx.planner().indexes.builtin(name).unwrap_or(false) {
        return true;
    }
    matches!(initstate(&ctx.system, name), Ok(Some(InitState::Live)))
}

/// `kmod_module_probe_insert_module`: 0, a negative errno, or the `KMOD_PROBE_APPLY_BLACKLIST*`
/// flag that stopped it (observed with kmod 30 and 34.2, see docs/libkmod-probe.md):
/// - a module in the kernel (built in or live) is 0, or `-EEXIST` with `FAIL_ON_LOADED`, unless
///   `IGNORE_LOADED`; its dependencies in the kernel are skipped the same way;
/// - then the blacklist flags look at the module itself: `_ALIAS_ONLY` first (a module found
///   through an alias, a symbol or a configured alias), then `_ALL`, then plain; with
///   `_ALL`, blacklisted dependencies and softdeps are left out of the plan;
/// - each step is told to `print_action` (install commands with `install` true and the
///   options, not the command), then carried out unless `DRY_RUN`: an install command with
///   `$CMDLINE_OPTS` replaced by the options, through `run_install` (whose value is returned as
///   it is when not 0) or `system()` (a failure is `-EINVAL`, logged); else the insertion;
/// - a failure of the module or of one of its modules.dep dependencies stops the probe with that
///   value; softdeps (and what only they need) may fail, `-EEXIST` of a dependency is success.
pub fn probe(m: &Shared<Module>, flags: u32, extra: Option<&CStr>, cb: &Callbacks) -> i32 {
    let ctx = &m.ctx;
    let name = m.name_str();
    let ignore_loaded = flags & PROBE_IGNORE_LOADED != 0;
    if !ignore_loaded && in_kernel(ctx, &name) {
        return if flags & PROBE_FAIL_ON_LOADED != 0 {
            -EEXIST
        } else {
            0
        };
    }
    if ctx.planner().config.is_blacklisted(&name) {
        // With several flags, the first that applies in this order (observed).
        if flags & PROBE_APPLY_BLACKLIST_ALIAS_ONLY != 0 && m.alias.is_some() {
            return PROBE_APPLY_BLACKLIST_ALIAS_ONLY as i32;
        }
        if flags & PROBE_APPLY_BLACKLIST_ALL != 0 {
            return PROBE_APPLY_BLACKLIST_ALL as i32;
        }
        if flags & PROBE_APPLY_BLACKLIST != 0 {
            return PROBE_APPLY_BLACKLIST as i32;
        }
    }
    let extra = extra.map(|e| e.to_string_lossy().into_owned());
    let (plan, needed) = match plan(m, flags, extra.as_deref().unwrap_or("")) {
        Ok(p) => p,
        Err(e) => return e,
    };
    let force = ForceOptions {
        modversions: flags & PROBE_FORCE_MODVERSION != 0,
        vermagic: flags & PROBE_FORCE_VERMAGIC != 0,
    };
    for step in &plan {
        let module = step.module();
        if flags & PROBE_APPLY_BLACKLIST_ALL != 0
            && module != name
            && ctx.planner().config.is_blacklisted(module)
        {
            continue;
        }
        if !ignore_loaded && in_kernel(ctx, module) {
            continue;
        }
        // The probed module itself is the client's object; the others are made by name, with
        // the file the plan found (modules.dep's line of the module that needs them).
        let obj = match step {
            _ if module == name => Shared::clone(m),
            Step::Insmod { path, .. } => Module::with_path(ctx, module, path),
            _ => Module::from_name(ctx, module),
        };
        let result = match step {
            Step::Builtin(_) => continue,
            Step::Install {
                command, options, ..
            } => {
                action(cb, &obj, true, options);
                if flags & PROBE_DRY_RUN != 0 {
                    continue;
                }
                run_install(&obj, cb, &command.replace("$CMDLINE_OPTS", options))
            }
            Step::Insmod { options, .. } | Step::Missing { options, .. } => {
                action(cb, &obj, false, options);
                if flags & PROBE_DRY_RUN != 0 {
                    continue;
                }
                match insert_forced(&obj, force, options) {
                    e if e == -EEXIST && module != name => 0,
                    e if e == -EEXIST && flags & PROBE_FAIL_ON_LOADED == 0 => 0,
                    r => r,
                }
            }
        };
        if result != 0 && (module == name || needed.contains(module)) {
            return result;
        }
    }
    0
}

/// The steps of a probe of `m`, and the modules whose failure stops it (its modules.dep
/// dependencies).
fn plan(
    m: &Module,
    flags: u32,
    extra: &str,
) -> Result<(Vec<Step>, std::collections::HashSet<String>), i32> {
    let ctx = &m.ctx;
    let name = m.name_str();
    let planner = ctx.planner();
    let opts = PlanOptions {
        ignore_install: flags & PROBE_IGNORE_COMMAND != 0,
        use_blacklist: false,
        builtin_as_module: flags & PROBE_IGNORE_LOADED != 0,
        keep_missing: true,
    };
    let target = if m.is_builtin() {
        Target::Builtin(name.clone())
    } else {
        Target::Module(name.clone())
    };
    let mut plan = Vec::new();
    let planned = planner.plan_load_with(
        opts,
        &target,
        m.given_path(),
        extra,
        m.alias.as_deref(),
        &mut plan,
    );
    if let Err(e) = planned {
        crate::log!(ctx, LOG_ERR, "kmod_module_probe_insert_module", "{e}\n");
        return Err(-EINVAL);
    }
    let needed = match planner.indexes.dep(&name) {
        Ok(Some(entry)) => entry
            .deps
            .iter()
            .map(|d| common::name::from_path(d))
            .collect(),
        _ => Default::default(),
    };
    Ok((plan, needed))
}

/// Tells `print_action` about a step.
fn action(cb: &Callbacks, m: &Shared<Module>, install: bool, options: &str) {
    if let Some(f) = cb.print_action {
        let options = to_cstring(options);
        // SAFETY: the client's callback, given a live module (held by `m` for the call) and a
        // NUL-terminated string that outlives the call.
        unsafe { f(Shared::as_ptr(m).cast_mut(), install, options.as_ptr()) };
    }
}

/// Runs an install command: the client's `run_install` (its value returned), or `system()`
/// (`-EINVAL` when it fails, logged as kmod logs it).
fn run_install(m: &Shared<Module>, cb: &Callbacks, command: &str) -> i32 {
    let cmd = to_cstring(command);
    if let Some(f) = cb.run_install {
        // SAFETY: the client's callback with a live module, a C string outliving the call and
        // the client's own data pointer.
        return unsafe { f(Shared::as_ptr(m).cast_mut(), cmd.as_ptr(), cb.data) };
    }
    // SAFETY: system(3) with a NUL-terminated command; kmod's documented behaviour.
    let status = unsafe { libc::system(cmd.as_ptr()) };
    let code = if status == -1 {
        -1
    } else if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        status
    };
    if code != 0 {
        crate::log!(
            m.ctx,
            LOG_ERR,
            "kmod_module_probe_insert_module",
            "Error running install command '{command}' for module {}: retcode {code}\n",
            m.name_str()
        );
        return -EINVAL;
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::path::Path;

    thread_local! {
        static ACTIONS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    }

    unsafe extern "C" fn record(m: *mut Module, install: bool, options: *const c_char) {
        // SAFETY: called by probe with a live module and a C string.
        let (name, options) = unsafe {
            (
                (*m).name_str(),
                CStr::from_ptr(options).to_string_lossy().into_owned(),
            )
        };
        ACTIONS.with(|a| a.borrow_mut().push(format!("{name} {install} <{options}>")));
    }

    unsafe extern "C" fn install(m: *mut Module, cmd: *const c_char, _data: *mut c_void) -> c_int {
        // SAFETY: as in record.
        let (name, cmd) = unsafe {
            (
                (*m).name_str(),
                CStr::from_ptr(cmd).to_string_lossy().into_owned(),
            )
        };
        ACTIONS.with(|a| a.borrow_mut().push(format!("run {name} <{cmd}>")));
        7
    }

    /// A tree of three modules (vfat needs fat; unix built in) and a configuration.
    fn ctx(dir: &Path) -> Shared<Ctx> {
        use common::index::bin::IndexBuilder;
        std::fs::create_dir_all(dir).expect("mkdir");
        let mut deps = IndexBuilder::new();
        deps.insert("vfat", "kernel/vfat.ko: kernel/fat.ko", 0);
        deps.insert("fat", "kernel/fat.ko:", 1);
        deps.insert("dummy", "kernel/dummy.ko:", 2);
        std::fs::write(dir.join("modules.dep.bin"), deps.to_bytes().expect("index"))
            .expect("write");
        let mut builtin = IndexBuilder::new();
        builtin.insert("unix", "", 0);
        std::fs::write(
            dir.join("modules.builtin.bin"),
            builtin.to_bytes().expect("index"),
        )
        .expect("write");
        let conf = dir.join("t.conf");
        std::fs::write(
            &conf,
            "options fat cp=850\nblacklist dummy\nalias mydummy dummy\n\
             install nosuch /bin/echo $CMDLINE_OPTS and $CMDLINE_OPTS\n",
        )
        .expect("write");
        Ctx::new(Some(dir.as_os_str()), Some(vec![conf]))
    }

    fn probe_actions(m: &Shared<Module>, flags: u32, extra: Option<&CStr>) -> (i32, Vec<String>) {
        ACTIONS.with(|a| a.borrow_mut().clear());
        let cb = Callbacks {
            run_install: Some(install),
            data: std::ptr::null_mut(),
            print_action: Some(record),
        };
        let r = probe(m, flags, extra, &cb);
        (r, ACTIONS.with(|a| a.borrow().clone()))
    }

    /// What kmod 30 and 34.2 do (tests/diff/libkmod-probe.sh): dependencies first with their
    /// options (config-only options keep kmod's trailing space), the blacklist flags' values,
    /// built-in modules in the kernel, modules without a file still reported, run_install's
    /// value returned, $CMDLINE_OPTS replaced everywhere.
    #[test]
    fn dry_runs_and_install_commands_as_kmod() {
        let dir = std::env::temp_dir().join(format!("libkmod-insert-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let ctx = ctx(&dir);
        let vfat = Module::from_name(&ctx, "vfat");
        let (r, a) = probe_actions(&vfat, PROBE_DRY_RUN, Some(c"x=1"));
        assert_eq!(
            (r, a),
            (
                0,
                vec!["fat false <cp=850 >".into(), "vfat false <x=1>".into()]
            )
        );

        let dummy = Module::from_name(&ctx, "dummy");
        let flags = PROBE_DRY_RUN | PROBE_APPLY_BLACKLIST;
        assert_eq!(probe_actions(&dummy, flags, None).0, 0x20000);
        let flags = PROBE_DRY_RUN | PROBE_APPLY_BLACKLIST_ALIAS_ONLY;
        assert_eq!(probe_actions(&dummy, flags, None).0, 0);
        let via_alias = Module::lookup(&ctx, "mydummy").expect("lookup");
        assert_eq!(probe_actions(&via_alias[0], flags, None).0, 0x40000);

        let unix = Module::from_name(&ctx, "unix");
        assert_eq!(probe_actions(&unix, PROBE_DRY_RUN, None), (0, vec![]));
        assert_eq!(
            probe_actions(&unix, PROBE_DRY_RUN | PROBE_FAIL_ON_LOADED, None).0,
            -EEXIST
        );
        let flags = PROBE_DRY_RUN | PROBE_IGNORE_LOADED;
        assert_eq!(
            probe_actions(&unix, flags, None),
            (0, vec!["unix false <>".into()])
        );

        let nosuch = Module::from_name(&ctx, "nosuch");
        assert_eq!(
            probe_actions(&nosuch, 0, Some(c"a=1")),
            (
                7,
                vec![
                    "nosuch true <a=1>".into(),
                    "run nosuch </bin/echo a=1 and a=1>".into()
                ]
            )
        );
        let zzz = Module::from_name(&ctx, "zzz");
        assert_eq!(
            probe_actions(&zzz, 0, None),
            (-ENOENT, vec!["zzz false <>".into()])
        );
        assert_eq!(insert(&zzz, 0, None), -ENOENT);
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
