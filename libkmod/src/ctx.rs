//! `struct kmod_ctx`: the module directory, the configuration, the indexes, logging and the
//! pool of modules (one `kmod_module` per name while someone holds it).

use crate::shared::Shared;
use std::cell::{Cell, Ref, RefCell};
use std::collections::HashMap;
use std::ffi::{c_void, CString, OsStr};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use common::config::modprobe::{default_locations, ModprobeConfig};
use common::context::{running_release, Context};
use common::index::lookup::Indexes;
use common::modprobe::{PlanOptions, Planner};
use common::report::{Level, Report};

use crate::log::{Logger, LOG_ERR, LOG_INFO, LOG_WARNING};
use crate::module::Module;

/// A library context.
#[derive(Debug)]
pub struct Ctx {
    dirname: CString,
    module_dir: PathBuf,
    /// The running system (root `/`): `/proc`, `/sys` and the configuration directories.
    pub system: Context,
    planner: RefCell<Planner>,
    /// Modification times of the configuration paths (files and directories, not what is in
    /// them) that existed when the context was made.
    config_stamps: Vec<(PathBuf, (i64, i64))>,
    /// Modification times of the indexes `kmod_load_resources` loaded.
    index_stamps: RefCell<Vec<(PathBuf, (i64, i64))>>,
    /// Logging.
    pub logger: Logger,
    userdata: Cell<*mut c_void>,
    /// Live modules by key (name, or name and alias).
    pool: RefCell<HashMap<String, *const Module>>,
}

/// Configuration problems go to the context's log, as kmod logs them.
struct LogReport<'a>(&'a Logger);

impl Report for LogReport<'_> {
    fn report(&self, level: Level, message: &str) {
        let prio = match level {
            Level::Fatal | Level::Error => LOG_ERR,
            Level::Warning => LOG_WARNING,
            Level::Info | Level::Hint => LOG_INFO,
        };
        self.0
            .log(prio, "kmod_config_parse", &format!("{message}\n"));
    }
}

impl Ctx {
    /// `kmod_new`: `dirname` (None: `/lib/modules/<uname -r>`; relative: to the working
    /// directory) and `config_paths` (None: the default modprobe.d directories).
    pub fn new(dirname: Option<&OsStr>, config_paths: Option<Vec<PathBuf>>) -> Shared<Ctx> {
        let system = Context::system();
        let module_dir = match dirname {
            Some(d) => PathBuf::from(common::context::absolute(d)),
            None => Path::new("/lib/modules").join(running_release()),
        };
        let logger = Logger::default();
        let locations = config_paths.unwrap_or_else(|| default_locations(&system));
        let mut config =
            ModprobeConfig::load_locations(Some(&module_dir), &locations, &LogReport(&logger))
                .unwrap_or_default();
        if let Ok(cmdline) = std::fs::read_to_string(system.path("/proc/cmdline")) {
            config.parse_cmdline(&cmdline, &LogReport(&logger));
        }
        let config_stamps = stamps(&locations);
        let ctx = Shared::new(Ctx {
            dirname: crate::ffi::to_cstring(module_dir.as_os_str().as_bytes()),
            planner: RefCell::new(Planner {
                indexes: Indexes::new(&module_dir),
                config,
                options: PlanOptions::default(),
            }),
            module_dir,
            system,
            config_stamps,
            index_stamps: RefCell::new(Vec::new()),
            logger,
            userdata: Cell::new(std::ptr::null_mut()),
            pool: RefCell::new(HashMap::new()),
        });
        crate::log!(
            ctx,
            LOG_INFO,
            "kmod_new",
            "ctx {:p} created\n",
            Shared::as_ptr(&ctx)
        );
        ctx
    }

    /// `kmod_get_dirname`.
    pub fn dirname(&self) -> &CString {
        &self.dirname
    }

    /// The module directory.
    pub fn module_dir(&self) -> &Path {
        &self.module_dir
    }

    /// The indexes and configuration, for lookups and plans.
    pub fn planner(&self) -> Ref<'_, Planner> {
        self.planner.borrow()
    }

    /// `kmod_get_userdata`.
    pub fn userdata(&self) -> *mut c_void {
        self.userdata.get()
    }

    /// `kmod_set_userdata`.
    pub fn set_userdata(&self, data: *mut c_void) {
        self.userdata.set(data);
    }

    /// `kmod_load_resources`: maps the indexes now, as kmod 34.2 does (observed): modules.dep,
    /// modules.alias, modules.symbols and modules.builtin must be valid (`-ENOENT` for a missing
    /// one, `-EINVAL` for one without a valid header: then none stays loaded), modules.builtin.alias
    /// is loaded only if it is valid. Indexes already loaded stay as they are. What was loaded,
    /// and its modification time, is what [`Ctx::validate_resources`] checks.
    pub fn load_resources(&self) -> i32 {
        use common::index::files::*;
        if !self.index_stamps.borrow().is_empty() {
            return 0;
        }
        let mut loaded = Vec::new();
        for (file, required) in [
            (MODULES_DEP_BIN, true),
            (MODULES_ALIAS_BIN, true),
            (MODULES_SYMBOLS_BIN, true),
            (MODULES_BUILTIN_ALIAS_BIN, false),
            (MODULES_BUILTIN_BIN, true),
        ] {
            let path = self.module_dir.join(file);
            match check_index(&path) {
                Ok(stamp) => loaded.push((path, stamp)),
                Err(_) if !required => {}
                Err(e) => return e,
            }
        }
        // Maps them (an index that turns bad meanwhile is mapped on first use, or reported
        // then).
        let _ = self.planner.borrow().indexes.load_all();
        *self.index_stamps.borrow_mut() = loaded;
        0
    }

    /// `kmod_unload_resources`: unmaps the indexes (they are mapped again when needed).
    pub fn unload_resources(&self) {
        // A callback of kmod_module_probe_insert_module may call this while a plan holds the
        // planner: then the indexes stay mapped until the context goes.
        if let Ok(mut planner) = self.planner.try_borrow_mut() {
            planner.indexes = Indexes::new(&self.module_dir);
        }
        self.index_stamps.borrow_mut().clear();
    }

    /// `kmod_validate_resources`, as kmod 34.2 decides (observed): `KMOD_RESOURCES_MUST_RECREATE`
    /// (2) when a configuration path given to `kmod_new` (or a default configuration directory)
    /// that existed then has another modification time now or is gone (the files inside a
    /// directory don't count, but adding or removing one changes the directory's time; a path
    /// created since doesn't count); else `KMOD_RESOURCES_MUST_RELOAD` (1) when an index loaded
    /// by `kmod_load_resources` has another modification time or is gone (indexes a lookup
    /// read on its own don't count); else `KMOD_RESOURCES_OK` (0). Times are compared to the
    /// nanosecond; going back to the old time is valid again.
    pub fn validate_resources(&self) -> i32 {
        if self
            .config_stamps
            .iter()
            .any(|(p, t)| mtime(p).as_ref() != Some(t))
        {
            return 2;
        }
        let loaded = self.index_stamps.borrow();
        if loaded.iter().any(|(p, t)| mtime(p).as_ref() != Some(t)) {
            return 1;
        }
        0
    }

    /// The live module under `key`, if any.
    pub fn pooled(&self, key: &str) -> Option<Shared<Module>> {
        // SAFETY: a pooled module is live: it leaves the pool as it is dropped (pool_remove).
        self.pool
            .borrow()
            .get(key)
            .map(|&p| unsafe { Shared::clone_raw(p) })
    }

    /// Adds a new module to the pool.
    pub fn pool_insert(&self, key: String, module: &Shared<Module>) {
        self.pool.borrow_mut().insert(key, Shared::as_ptr(module));
    }

    /// Forgets `module`, being dropped (unless the key already holds another one).
    pub fn pool_remove(&self, key: &str, module: *const Module) {
        let mut pool = self.pool.borrow_mut();
        if pool.get(key).is_some_and(|&p| std::ptr::eq(p, module)) {
            pool.remove(key);
        }
    }
}

impl Drop for Ctx {
    fn drop(&mut self) {
        crate::log!(
            self,
            LOG_INFO,
            "kmod_unref",
            "context {:p} released\n",
            self as *const Ctx
        );
    }
}

/// A file's modification time (seconds, nanoseconds), `None` if it can't be read.
fn mtime(path: &Path) -> Option<(i64, i64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path)
        .ok()
        .map(|m| (m.mtime(), m.mtime_nsec()))
}

/// The modification times of the paths that exist.
fn stamps(paths: &[PathBuf]) -> Vec<(PathBuf, (i64, i64))> {
    paths
        .iter()
        .filter_map(|p| mtime(p).map(|t| (p.clone(), t)))
        .collect()
}

/// Whether an index can be loaded: its modification time, or kmod's error (`-ENOENT` missing,
/// `-EINVAL` no valid index header, else the read error).
fn check_index(path: &Path) -> Result<(i64, i64), i32> {
    use common::index::lookup::MAX_INDEX_SIZE;
    use common::index::mapped::IndexBytes;
    let stamp = mtime(path);
    match IndexBytes::open(path, MAX_INDEX_SIZE) {
        Ok(Some(bytes)) if common::index::bin::Index::new(&bytes).is_ok() => {
            stamp.ok_or(-libc::ENOENT)
        }
        Ok(_) => Err(-libc::EINVAL),
        Err(e) => Err(-e.raw_os_error().unwrap_or(libc::EIO)),
    }
}
