//! `struct kmod_module`: a module of a context, by name, found by lookups, with what the
//! indexes and the configuration say about it.

use crate::shared::Shared;
use std::cell::{Cell, OnceCell, RefCell};
use std::ffi::{CStr, CString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use common::modprobe::Target;
use common::name;

use crate::ctx::Ctx;
use crate::ffi::{to_cstring, EEXIST, ENOENT};
use crate::log::{LOG_DEBUG, LOG_ERR};

/// A module. Its strings live as long as it does.
#[derive(Debug)]
pub struct Module {
    /// The context (kept alive by the module, as kmod does).
    pub ctx: Shared<Ctx>,
    key: String,
    name: CString,
    /// The alias it was found by, if any (its `options` apply too).
    pub alias: Option<String>,
    /// The file: unset until looked up in modules.dep (or given).
    path: RefCell<Option<Option<CString>>>,
    /// Whether it is built into the kernel, once known.
    builtin: Cell<Option<bool>>,
    options: OnceCell<Option<CString>>,
    install: OnceCell<Option<CString>>,
    remove: OnceCell<Option<CString>>,
    /// Scratch state of a probe in progress (see `insert`).
    pub visited: Cell<bool>,
    /// The module's decompressed image once read (`info`): kept while the module lives, as
    /// kmod keeps the file it opened.
    pub image: RefCell<Option<std::rc::Rc<[u8]>>>,
}

impl Drop for Module {
    fn drop(&mut self) {
        self.ctx.pool_remove(&self.key, self);
    }
}

impl Module {
    fn create(ctx: &Shared<Ctx>, name: &str, alias: Option<&str>) -> Shared<Module> {
        let key = match alias {
            Some(a) => format!("{name}\\{a}"),
            None => name.to_string(),
        };
        if let Some(m) = ctx.pooled(&key) {
            return m;
        }
        let m = Shared::new(Module {
            ctx: Shared::clone(ctx),
            name: to_cstring(name),
            key: key.clone(),
            alias: alias.map(str::to_string),
            path: RefCell::new(None),
            builtin: Cell::new(None),
            options: OnceCell::new(),
            install: OnceCell::new(),
            remove: OnceCell::new(),
            visited: Cell::new(false),
            image: RefCell::new(None),
        });
        ctx.pool_insert(key, &m);
        m
    }

    /// `kmod_module_new_from_name`: the module `name` (normalised as kmod does: cut at the
    /// first `.`, `-` as `_`; `x.ko` is `x`), shared with every other holder of that name in
    /// the context.
    pub fn from_name(ctx: &Shared<Ctx>, name: &str) -> Shared<Module> {
        Module::create(ctx, &name::from_arg(name), None)
    }

    /// `kmod_module_new_from_path`: the module of a file (which must exist), named after it.
    pub fn from_path(ctx: &Shared<Ctx>, path: &Path) -> Result<Shared<Module>, i32> {
        // The path as given is what must exist (kmod 34.2 logs nothing at LOG_ERR for a
        // missing one: only -ENOENT, also for "").
        if let Err(e) = std::fs::metadata(path) {
            return Err(-e.raw_os_error().unwrap_or(ENOENT));
        }
        let abs = PathBuf::from(common::context::absolute(path.as_os_str()));
        let name = name::from_path(&abs);
        let m = Module::create(ctx, &name, None);
        let abs_c = to_cstring(abs.as_os_str().as_bytes());
        let mut slot = m.path.borrow_mut();
        match &*slot {
            Some(Some(existing)) if *existing != abs_c => {
                crate::log!(ctx, LOG_ERR, "kmod_module_new_from_path", "kmod_module '{name}' already exists with different path: new-path='{}' old-path='{}'\n", abs.display(), existing.to_string_lossy());
                return Err(-EEXIST);
            }
            _ => *slot = Some(Some(abs_c)),
        }
        drop(slot);
        // kmod takes a module given by its file for a module, never a built-in one (until a
        // lookup finds it built in): kmod_module_get_info then reads the file.
        m.builtin.set(Some(false));
        Ok(m)
    }

    /// The module for a lookup result.
    pub fn from_target(ctx: &Shared<Ctx>, target: &Target, alias: Option<&str>) -> Shared<Module> {
        match target {
            Target::Module(n) => Module::create(ctx, n, alias),
            Target::Builtin(n) => {
                let m = Module::create(ctx, n, alias);
                m.builtin.set(Some(true));
                m
            }
        }
    }

    /// `kmod_module_new_from_lookup`: what `query` means, in modprobe's lookup order. An index
    /// that can't be read (damaged, truncated) matches nothing and the next one is asked, as
    /// kmod 34.2's library does (observed): 0 and what the other indexes say, never an error.
    pub fn lookup(ctx: &Shared<Ctx>, query: &str) -> Result<Vec<Shared<Module>>, i32> {
        let found = ctx.planner().lookup(query);
        let lookup = match found {
            Ok(l) => l,
            Err(e) => {
                crate::log!(ctx, LOG_DEBUG, "kmod_module_new_from_lookup", "{e}\n");
                ctx.planner().lookup_lenient(query)
            }
        };
        let key = name::alias_key(query);
        let mods: Vec<Shared<Module>> = lookup
            .targets
            .iter()
            .enumerate()
            .map(|(i, t)| Module::from_target(ctx, t, lookup.alias_for(i, &key)))
            .collect();
        // A module found by its name in modules.dep has its line read now, as kmod does
        // (which logs each dependency whose file is missing).
        if !lookup.via_alias {
            for m in &mods {
                if m.builtin.get() != Some(true) {
                    m.parse_depline();
                }
            }
        }
        Ok(mods)
    }

    /// `kmod_module_new_from_name_lookup`: the module `name` (normalised as
    /// [`Module::from_name`]) if modules.dep or modules.builtin knows it, else the built-in
    /// module that modules.builtin.alias.bin gives for it (kmod 34.2, observed: `fs-debugfs`
    /// is `debugfs`; aliases of modules.alias and the configuration are not read).
    pub fn name_lookup(ctx: &Shared<Ctx>, query: &str) -> Result<Option<Shared<Module>>, i32> {
        let n = name::from_arg(query);
        let planner = ctx.planner();
        // A damaged index is one that knows nothing (kmod 34.2: 0, no module).
        let dep = planner.indexes.dep(&n).unwrap_or(None);
        if dep.is_some() {
            drop(planner);
            let m = Module::create(ctx, &n, None);
            m.parse_depline();
            return Ok(Some(m));
        }
        let builtin = planner.indexes.builtin(&n).unwrap_or(false);
        if builtin {
            drop(planner);
            return Ok(Some(Module::from_target(ctx, &Target::Builtin(n), None)));
        }
        let by_alias = planner
            .indexes
            .builtin_alias(&name::alias_key(&n))
            .unwrap_or_default();
        drop(planner);
        Ok(by_alias
            .first()
            .map(|m| Module::from_target(ctx, &Target::Builtin(m.clone()), None)))
    }

    /// The module's name.
    pub fn name(&self) -> &CStr {
        &self.name
    }

    /// The module's name as text.
    pub fn name_str(&self) -> String {
        self.name.to_string_lossy().into_owned()
    }

    /// Reads the module's modules.dep line, as kmod does when a module is found by name, and
    /// when its path or dependencies are first asked for: the path, if not known yet, and the
    /// dependencies whose files exist (kmod 30 and 34.2 log each missing one at LOG_ERR and
    /// leave it out; observed).
    fn parse_depline(&self) -> Vec<PathBuf> {
        let entry = match self.ctx.planner().indexes.dep(&self.name_str()) {
            Ok(Some(e)) => e,
            _ => return Vec::new(),
        };
        {
            let mut slot = self.path.borrow_mut();
            if slot.is_none() {
                *slot = Some(Some(to_cstring(entry.path.as_os_str().as_bytes())));
            }
        }
        let mut deps = Vec::with_capacity(entry.deps.len());
        for p in entry.deps {
            match std::fs::metadata(&p) {
                Ok(_) => deps.push(p),
                Err(e) => crate::log!(
                    self.ctx,
                    LOG_ERR,
                    "kmod_module_parse_depline",
                    "ctx={:p} path={} error={}\n",
                    Shared::as_ptr(&self.ctx),
                    p.display(),
                    crate::ffi::strerror(&e)
                ),
            }
        }
        deps
    }

    /// `kmod_module_get_path`: the file, from modules.dep if not given.
    pub fn path(&self) -> Option<&CStr> {
        if self.path.borrow().is_none() {
            self.parse_depline();
            let mut slot = self.path.borrow_mut();
            if slot.is_none() {
                *slot = Some(None);
            }
        }
        let slot = self.path.borrow();
        let p = slot.as_ref().and_then(|p| p.as_ref()).map(|c| c.as_ptr());
        // SAFETY: the CString is stored in self.path and never replaced once set (only the
        // unset state is filled in), so it lives as long as self.
        p.map(|p| unsafe { CStr::from_ptr(p) })
    }

    /// The file if it is known already (given by `kmod_module_new_from_path`, or looked up
    /// before), without looking it up.
    pub fn given_path(&self) -> Option<PathBuf> {
        let slot = self.path.borrow();
        slot.as_ref()
            .and_then(|p| p.as_ref())
            .map(|c| PathBuf::from(std::ffi::OsStr::from_bytes(c.to_bytes())))
    }

    /// The file as a path.
    pub fn path_buf(&self) -> Option<PathBuf> {
        self.path()
            .map(|c| PathBuf::from(std::ffi::OsStr::from_bytes(c.to_bytes())))
    }

    /// Whether the module is built into the kernel (modules.builtin).
    pub fn is_builtin(&self) -> bool {
        if let Some(b) = self.builtin.get() {
            return b;
        }
        let b = self
            .ctx
            .planner()
            .indexes
            .builtin(&self.name_str())
            .unwrap_or(false);
        self.builtin.set(Some(b));
        b
    }

    /// `kmod_module_get_options`: the configured options (with those of the alias it was found
    /// by).
    pub fn options(&self) -> Option<&CStr> {
        self.options
            .get_or_init(|| {
                let planner = self.ctx.planner();
                planner
                    .config
                    .options_via(&self.name_str(), self.alias.as_deref())
                    .map(to_cstring)
            })
            .as_deref()
    }

    /// `kmod_module_get_install_commands`.
    pub fn install_commands(&self) -> Option<&CStr> {
        self.install
            .get_or_init(|| {
                let planner = self.ctx.planner();
                planner
                    .config
                    .install_command(&self.name_str())
                    .map(to_cstring)
            })
            .as_deref()
    }

    /// `kmod_module_get_remove_commands`.
    pub fn remove_commands(&self) -> Option<&CStr> {
        self.remove
            .get_or_init(|| {
                let planner = self.ctx.planner();
                planner
                    .config
                    .remove_command(&self.name_str())
                    .map(to_cstring)
            })
            .as_deref()
    }

    /// `kmod_module_get_dependencies`: the modules.dep dependencies, last of the line first (as
    /// kmod 30 and 34.2 list them).
    pub fn dependencies(&self) -> Vec<Shared<Module>> {
        self.parse_depline()
            .iter()
            .rev()
            .map(|p| Module::with_path(&self.ctx, &name::from_path(p), p))
            .collect()
    }

    /// The module `name` (already normalised), whose file is `path` if it has none yet: as kmod
    /// makes a module named on another's modules.dep line (so asking for its path reads no line).
    pub fn with_path(ctx: &Shared<Ctx>, name: &str, path: &Path) -> Shared<Module> {
        let m = Module::create(ctx, name, None);
        let mut slot = m.path.borrow_mut();
        if slot.is_none() {
            *slot = Some(Some(to_cstring(path.as_os_str().as_bytes())));
        }
        drop(slot);
        m
    }

    /// The modules each name of `names` looks up to, in order.
    fn lookup_all(&self, names: &[String]) -> Vec<Shared<Module>> {
        names
            .iter()
            .flat_map(|n| Module::lookup(&self.ctx, n).unwrap_or_default())
            .collect()
    }

    /// `kmod_module_get_softdeps`: (pre, post).
    pub fn softdeps(&self) -> (Vec<Shared<Module>>, Vec<Shared<Module>>) {
        let sd = self.ctx.planner().config.softdep_for(&self.name_str());
        match sd {
            Some(sd) => (self.lookup_all(&sd.pre), self.lookup_all(&sd.post)),
            None => (Vec::new(), Vec::new()),
        }
    }

    /// `kmod_module_get_weakdeps`.
    pub fn weakdeps(&self) -> Vec<Shared<Module>> {
        let wd = self.ctx.planner().config.weakdep_for(&self.name_str());
        wd.map(|w| self.lookup_all(&w)).unwrap_or_default()
    }

    /// Whether the configuration blacklists the module.
    pub fn is_blacklisted(&self) -> bool {
        self.ctx.planner().config.is_blacklisted(&self.name_str())
    }
}

/// `kmod_module_apply_filter`: `input` without the blacklisted (`KMOD_FILTER_BLACKLIST`) and
/// built-in (`KMOD_FILTER_BUILTIN`) modules.
pub fn apply_filter(filter: u32, input: &[Shared<Module>]) -> Vec<Shared<Module>> {
    input
        .iter()
        .filter(|m| !(filter & 1 != 0 && m.is_blacklisted()))
        .filter(|m| !(filter & 2 != 0 && m.is_builtin()))
        .cloned()
        .collect()
}
