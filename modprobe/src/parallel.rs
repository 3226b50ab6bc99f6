//! `modprobe -a` with several names, loaded side by side (issue 17, part 4).
//!
//! Each name is loaded on a thread of its own, up to one per CPU (`MODUTILS_JOBS=N` sets
//! another limit; 1 loads one name after the other). The result must be what loading the names
//! one after the other gives. Three rules make it so:
//!
//! - **Turns:** before a name checks or loads a module, every earlier name that will touch that
//!   module has passed it ([`Turn`]). So a name sees each module in the state the names before it
//!   leave it in: a module two names need is loaded once, by the first. A module that failed for
//!   the first is tried again by the second, as it would be in order. Names wait only for
//!   earlier names, and names start in order, so no wait can go round in a circle.
//! - **Order within a name:** a name's plan runs in its order. Dependencies come first,
//!   softdep `pre:` modules before and `post:` modules after, as kmod loads them.
//! - **Output:** each name's lines and messages are recorded and printed in the order of the
//!   names, each as soon as the names before it are done. The output is what the sequential
//!   run prints.
//!
//! A run whose plans have an `install` command loads in order: a command can do anything, and
//! kmod runs them in sequence. So does a run with `-n`, `--show-depends`, `-R`, or `-r`, or
//! with a single name.

use std::collections::HashSet;
use std::fmt::Display;
use std::io;
use std::sync::{Condvar, Mutex, MutexGuard};

use common::context::Context;
use common::modprobe::{Planner, Step, Target};
use common::report::{Level, Report};

use crate::args::Args;
use crate::invocation::{is_file_argument, Invocation};
use crate::output::Lines;

/// The stack of a loading thread: planning recurses through softdeps, as on modprobe's main
/// thread.
const STACK: usize = 512 << 20;

/// Something a name printed, kept for its turn.
enum Event {
    /// A line for standard output.
    Out(String),
    /// A message for the reporter.
    Report(Level, String),
}

/// A name's exit code and what it printed.
type Loaded = (i32, Vec<Event>);

/// What one name prints, in order.
#[derive(Default)]
struct Recording(Mutex<Vec<Event>>);

impl Recording {
    fn push(&self, event: Event) {
        lock(&self.0).push(event);
    }
}

impl Report for Recording {
    fn report(&self, level: Level, message: &str) {
        self.push(Event::Report(level, message.to_string()));
    }
}

impl Lines for Recording {
    fn line(&self, line: &dyn Display) -> io::Result<()> {
        self.push(Event::Out(line.to_string()));
        Ok(())
    }

    fn flush(&self) -> io::Result<()> {
        Ok(())
    }
}

/// A mutex's contents, also after a thread panicked while holding it.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Which modules each name has yet to pass; a name waits while an earlier one has the module
/// it is at still ahead of it.
struct Gate {
    ahead: Mutex<Vec<HashSet<String>>>,
    changed: Condvar,
}

impl Gate {
    fn new(touched: Vec<HashSet<String>>) -> Gate {
        Gate {
            ahead: Mutex::new(touched),
            changed: Condvar::new(),
        }
    }

    /// Name `job` is done with `module` (or, with `None`, with everything).
    fn pass(&self, job: usize, module: Option<&str>) {
        let mut ahead = lock(&self.ahead);
        match module {
            Some(m) => {
                ahead[job].remove(m);
            }
            None => ahead[job].clear(),
        }
        self.changed.notify_all();
    }
}

/// Name `job`'s turns at the modules of its plans.
pub(crate) struct Turn<'a> {
    gate: &'a Gate,
    job: usize,
}

impl Turn<'_> {
    /// Waits until no earlier name has `module` ahead of it; the module counts as passed when
    /// the returned guard is dropped.
    pub(crate) fn wait(&self, module: &str) -> Passing<'_> {
        let mut ahead = lock(&self.gate.ahead);
        while ahead[..self.job].iter().any(|a| a.contains(module)) {
            ahead = self
                .gate
                .changed
                .wait(ahead)
                .unwrap_or_else(|p| p.into_inner());
        }
        drop(ahead);
        Passing {
            turn: self,
            module: module.to_string(),
        }
    }
}

/// A module being checked or loaded in a name's turn ([`Turn::wait`]).
pub(crate) struct Passing<'a> {
    turn: &'a Turn<'a>,
    module: String,
}

impl Drop for Passing<'_> {
    fn drop(&mut self) {
        self.turn.gate.pass(self.turn.job, Some(&self.module));
    }
}

/// How many names may load at once: `MODUTILS_JOBS` when it is a positive number, else the
/// CPUs this process may use.
fn jobs() -> usize {
    std::env::var("MODUTILS_JOBS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// The modules loading `name` may check or load, as its plans say; `None` when one of them
/// has an `install` command (those run in order). Worked out quietly: the real run plans
/// again and says what there is to say.
fn touched(planner: &Planner, name: &str) -> Option<HashSet<String>> {
    let mut plan = Vec::new();
    if is_file_argument(name) {
        let base = name.rsplit('/').next().unwrap_or_default();
        let module = common::name::from_arg(base);
        let path = std::path::PathBuf::from(name);
        planner.plan_load_file(&module, path, "", &mut plan).ok()?;
    } else {
        let found = planner.lookup(name).ok()?;
        for (i, target) in found.targets.iter().enumerate() {
            let module = match target {
                Target::Module(m) | Target::Builtin(m) => m,
            };
            if planner.blacklisted(&found, module) {
                continue;
            }
            let alias = found.alias_for(i, name);
            planner
                .plan_load(target, "", alias, &mut HashSet::new(), &mut plan)
                .ok()?;
        }
    }
    if plan.iter().any(|s| matches!(s, Step::Install { .. })) {
        return None;
    }
    Some(plan.iter().map(|s| s.module().to_string()).collect())
}

/// Whether `names` are loaded side by side: `-a` loading (no dry run, no listing) of two
/// names or more, more than one job allowed, and no `install` command in their plans. Returns
/// the modules each name touches.
fn plan_side_by_side(
    planner: &Planner,
    args: &Args,
    names: &[&str],
) -> Option<Vec<HashSet<String>>> {
    let listing =
        args.dry_run || args.show_depends || args.resolve_alias || args.remove || args.explain;
    if !args.all || listing || names.len() < 2 || jobs() < 2 {
        return None;
    }
    names.iter().map(|n| touched(planner, n)).collect()
}

/// Loads `names` (`modprobe -a`): side by side when [`plan_side_by_side`] allows, else one after
/// the other; prints what loading them in order prints. Returns the exit code.
pub(crate) fn load_all(
    ctx: &Context,
    planner: &Planner,
    args: &Args,
    out: &dyn Lines,
    report: &dyn Report,
    names: &[&str],
) -> Option<i32> {
    let touched = plan_side_by_side(planner, args, names)?;
    let gate = Gate::new(touched);
    let workers = jobs().min(names.len());
    let next = Mutex::new(0usize);
    let done: Mutex<Vec<Option<Loaded>>> = Mutex::new((0..names.len()).map(|_| None).collect());
    let finished = Condvar::new();
    let mut failed = false;
    std::thread::scope(|s| {
        let work = || loop {
            let job = {
                let mut n = lock(&next);
                let job = *n;
                *n += 1;
                job
            };
            let Some(name) = names.get(job) else { break };
            let recording = Recording::default();
            let invocation = Invocation {
                ctx,
                planner,
                args,
                out: &recording,
                report: &recording,
                turn: Some(Turn { gate: &gate, job }),
                explained: Default::default(),
                steps: Default::default(),
            };
            let code = invocation.load(name, "");
            gate.pass(job, None);
            let events = recording.0.into_inner().unwrap_or_else(|p| p.into_inner());
            lock(&done)[job] = Some((code, events));
            finished.notify_all();
        };
        let mut spawned = 0;
        for _ in 0..workers {
            match std::thread::Builder::new()
                .stack_size(STACK)
                .spawn_scoped(s, work)
            {
                Ok(_) => spawned += 1,
                Err(_) => break,
            }
        }
        if spawned == 0 {
            // No thread could start: every name loads here, in order.
            work();
        }
        // Each name's output in its turn, as soon as it and the names before it are done.
        for job in 0..names.len() {
            let mut all = lock(&done);
            while all[job].is_none() {
                all = finished.wait(all).unwrap_or_else(|p| p.into_inner());
            }
            let Some((code, events)) = all[job].take() else {
                continue;
            };
            drop(all);
            failed |= code != 0;
            for event in events {
                match event {
                    Event::Out(line) => {
                        let _ = out.line(&line);
                    }
                    Event::Report(level, message) => report.report(level, &message),
                }
            }
        }
    });
    Some(i32::from(failed))
}
