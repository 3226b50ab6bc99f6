//! `struct kmod_ctx`: the module directory, the configuration, the indexes, logging and the
//! pool of modules (one `kmod_module` per name while someone holds it).

use std::cell::{Cell, Ref, RefCell};
use std::collections::HashMap;
use std::ffi::{c_void, CString, OsStr};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::rc::{Rc, Weak};
use std::time::SystemTime;

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
    /// What the configuration was read from (`config_paths`, or the default directories).
    config_locations: Vec<PathBuf>,
    /// Their modification times when the context was made.
    config_stamps: Vec<(PathBuf, Option<SystemTime>)>,
    /// Modification times of the indexes when they were loaded (`kmod_load_resources`).
    index_stamps: RefCell<Vec<(PathBuf, Option<SystemTime>)>>,
    /// Logging.
    pub logger: Logger,
    userdata: Cell<*mut c_void>,
    /// Live modules by key (name, or name and alias).
    pool: RefCell<HashMap<String, Weak<Module>>>,
}

/// Configuration problems go to the context's log, as kmod logs them.
struct LogReport<'a>(&'a Logger);

impl Report for LogReport<'_> {
    fn report(&self, level: Level, message: &str) {
        let prio = match level {
            Level::Fatal | Level::Error => LOG_ERR,
            Level::Warning => LOG_WARNING,
            Level::Info => LOG_INFO,
        };
        self.0
            .log(prio, "kmod_config_parse", &format!("{message}\n"));
    }
}

impl Ctx {
    /// `kmod_new`: `dirname` (None: `/lib/modules/<uname -r>`; relative: to the working
    /// directory) and `config_paths` (None: the default modprobe.d directories).
    pub fn new(dirname: Option<&OsStr>, config_paths: Option<Vec<PathBuf>>) -> Rc<Ctx> {
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
        let ctx = Rc::new(Ctx {
            dirname: crate::ffi::to_cstring(module_dir.as_os_str().as_bytes()),
            planner: RefCell::new(Planner {
                indexes: Indexes::new(&module_dir),
                config,
                options: PlanOptions::default(),
            }),
            module_dir,
            system,
            config_locations: locations,
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
            Rc::as_ptr(&ctx)
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

    /// `kmod_load_resources`: maps every index now: 0, or as kmod 30 and 34.2 (observed)
    /// -ENOENT when modules.dep.bin, modules.alias.bin, modules.symbols.bin or
    /// modules.builtin.bin is missing (modules.builtin.alias.bin may be), -EINVAL when one is
    /// empty or can't be read.
    pub fn load_resources(&self) -> i32 {
        use common::index::files::*;
        for name in [
            MODULES_DEP_BIN,
            MODULES_ALIAS_BIN,
            MODULES_SYMBOLS_BIN,
            MODULES_BUILTIN_BIN,
        ] {
            match std::fs::metadata(self.module_dir.join(name)) {
                Ok(m) if m.len() == 0 => return -libc::EINVAL,
                Ok(_) => {}
                Err(e) => return -e.raw_os_error().unwrap_or(libc::ENOENT),
            }
        }
        let planner = self.planner.borrow();
        let stamps_now = stamps(&self.index_paths());
        *self.index_stamps.borrow_mut() = stamps_now;
        match planner.indexes.load_all() {
            Ok(()) => 0,
            Err(e) => {
                crate::log!(self, LOG_ERR, "kmod_load_resources", "{e}\n");
                -libc::EINVAL
            }
        }
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

    /// `kmod_validate_resources`.
    pub fn validate_resources(&self) -> i32 {
        if stamps(&self.config_locations) != self.config_stamps {
            return 2; // KMOD_RESOURCES_MUST_RECREATE
        }
        let loaded = self.index_stamps.borrow();
        if !loaded.is_empty() {
            let paths: Vec<PathBuf> = loaded.iter().map(|(p, _)| p.clone()).collect();
            if stamps(&paths) != *loaded {
                return 1; // KMOD_RESOURCES_MUST_RELOAD
            }
        }
        0
    }

    fn index_paths(&self) -> Vec<PathBuf> {
        use common::index::files::*;
        [
            MODULES_DEP_BIN,
            MODULES_ALIAS_BIN,
            MODULES_SYMBOLS_BIN,
            MODULES_BUILTIN_ALIAS_BIN,
            MODULES_BUILTIN_BIN,
        ]
        .iter()
        .map(|n| self.module_dir.join(n))
        .collect()
    }

    /// The live module under `key`, if any.
    pub fn pooled(&self, key: &str) -> Option<Rc<Module>> {
        self.pool.borrow().get(key).and_then(Weak::upgrade)
    }

    /// Adds a new module to the pool.
    pub fn pool_insert(&self, key: String, module: &Rc<Module>) {
        self.pool.borrow_mut().insert(key, Rc::downgrade(module));
    }

    /// Forgets a module being dropped (unless the key already holds a newer one).
    pub fn pool_remove(&self, key: &str) {
        let mut pool = self.pool.borrow_mut();
        if pool.get(key).is_some_and(|w| w.strong_count() == 0) {
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

/// Modification times of `paths` (a file or directory each; a missing one has none). Only
/// these: as kmod 30 and 34.2 (observed), a file changed inside a configuration directory
/// goes unnoticed, a file added or removed changes the directory.
fn stamps(paths: &[PathBuf]) -> Vec<(PathBuf, Option<SystemTime>)> {
    paths
        .iter()
        .map(|p| {
            let t = std::fs::metadata(p).and_then(|m| m.modified()).ok();
            (p.clone(), t)
        })
        .collect()
}
