//! `modprobe`: add and remove modules with their dependencies. The lookup and planning are in
//! `common::modprobe`; this crate reads the command line (`args.rs`), carries the plans out
//! (`invocation.rs`), prints what is asked for instead (`show.rs`), all through one shared
//! standard output (`output.rs`).

mod args;
mod explain;
mod invocation;
mod json;
mod output;
mod parallel;
mod show;

pub use args::{Key, OPTIONS};

use std::ffi::{OsStr, OsString};
use std::mem::ManuallyDrop;

use common::cli::{finish_output, Reporter};
use common::config::modprobe::{default_locations, CachePolicy, ModprobeConfig};
use common::context::{running_release, Context};
use common::error::io_text;
use common::index::lookup::Indexes;
use common::modprobe::{PlanOptions, Planner};
use common::report::ReportExt;

use crate::args::{parse, with_env_options, Args};
use crate::invocation::Invocation;
use crate::output::SharedStdout;
use crate::show::{show_config, show_elf};

/// Runs modprobe on `args` (the program name first; `MODPROBE_OPTIONS` is applied); returns
/// the exit code.
pub fn main(args: impl IntoIterator<Item = OsString>) -> i32 {
    let env = std::env::var_os("MODPROBE_OPTIONS");
    let argv = with_env_options(args.into_iter().collect(), env.as_deref());
    let inherited = env
        .map(|e| e.to_string_lossy().into_owned())
        .unwrap_or_default();
    let args = match parse(&argv, &inherited) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let work = move || {
        let report = Reporter::new("modprobe", args.syslog, args.verbose > 0).quiet(args.quiet);
        let out = SharedStdout::new();
        let code = run(&args, &out, &report);
        code.max(finish_output(out.flush(), &report))
    };
    // Planning recurses through softdeps; a configuration may chain thousands of them (kmod
    // plans such chains). The work runs on a thread whose stack is only reserved, not used,
    // unless a plan goes that deep.
    match std::thread::Builder::new()
        .name("modprobe".into())
        .stack_size(PLAN_STACK)
        .spawn(work)
    {
        Ok(handle) => handle.join().unwrap_or(1),
        Err(e) => {
            eprintln!("modprobe: ERROR: could not start: {}", io_text(&e));
            1
        }
    }
}

/// The stack modprobe's work runs on: room for softdep chains of about 100000 modules.
const PLAN_STACK: usize = 512 << 20;

/// One run on a parsed command line: reads the configuration and opens the indexes, then
/// prints (`-c`, `--show-exports`, ...) or loads / removes each name; returns the exit code.
fn run(args: &Args, out: &SharedStdout, report: &Reporter) -> i32 {
    let release = args.set_version.clone().unwrap_or_else(running_release);
    // The kernel's state (/sys, /proc) and the configuration are the running system's even
    // with -d, which only moves the module directory.
    let ctx = Context::new("/", &release).with_base_dir(args.dirname.as_deref().map(OsStr::new));
    let module_dir = ctx.module_dir();
    let locations = if args.config.is_empty() {
        default_locations(&ctx)
    } else {
        args.config.clone()
    };
    // The configuration's problems are said even with -q: kmod's come from libkmod's logger,
    // which -q doesn't quieten (kmod 30 and 34.2).
    let config_report = report.clone().quiet(false);
    // A large configuration is kept parsed between runs (common::config::modprobe's cache).
    let cache = CachePolicy::from_env();
    let loaded = ModprobeConfig::load_cached(Some(&module_dir), &locations, &config_report, &cache);
    let mut config = match loaded {
        Ok(c) => c,
        Err(e) => {
            report.error(e);
            return 1;
        }
    };
    // Like kmod, the running kernel's command line applies even with -C or -d.
    if let Ok(cmdline) = std::fs::read_to_string(ctx.path("/proc/cmdline")) {
        config.parse_cmdline(&cmdline, &config_report);
    }
    // The process ends after this run: the configuration (100,000s of entries in some fleets)
    // and the indexes are left to the exit instead of being freed piece by piece, which took
    // a fifth of a `modprobe -D` with 100,000 lines of configuration (issue 16).
    let planner = ManuallyDrop::new(Planner {
        indexes: Indexes::new(module_dir),
        config,
        options: PlanOptions {
            ignore_install: args.ignore_commands,
            use_blacklist: args.use_blacklist,
            ..PlanOptions::default()
        },
    });
    if args.show_config {
        let r = if args.json {
            json::show_config(&planner, out)
        } else {
            show_config(&planner, out)
        };
        return i32::from(out.keep(r).is_err());
    }
    if args.rest.is_empty() {
        report.error("missing parameters. See -h.");
        return 1;
    }
    if args.show_modversions || args.show_exports {
        return show_elf(args, out, report);
    }
    let (names, params): (Vec<&str>, String) = if args.all || args.remove {
        (
            args.rest.iter().map(String::as_str).collect(),
            String::new(),
        )
    } else {
        let params: Vec<&str> = args.rest[1..].iter().map(String::as_str).collect();
        (vec![args.rest[0].as_str()], common::params::join(&params))
    };
    if let Some(code) = parallel::load_all(&ctx, &planner, args, out, report, &names) {
        return code;
    }
    let invocation = Invocation {
        ctx: &ctx,
        planner: &planner,
        args,
        out,
        report,
        turn: None,
        explained: Default::default(),
        steps: Default::default(),
    };
    let mut failed = false;
    for name in names {
        if out.failed() {
            break;
        }
        let code = if args.remove {
            invocation.remove(name)
        } else {
            invocation.load(name, &params)
        };
        failed |= code != 0;
    }
    let printed = if args.explain {
        let report = explain::Report {
            operation: if args.remove { "remove" } else { "load" },
            module_dir: module_dir_text(invocation.planner),
            names: invocation.explained.take(),
        };
        let mut w = out.writer();
        if args.json {
            common::json::write_document(
                &mut *w,
                "modprobe",
                &serde_json::json!({"command": "explain", "explain": report}),
            )
        } else {
            explain::print_text(&report, &mut *w)
        }
    } else if args.show_depends && args.json && !out.failed() {
        let steps = invocation.steps.take();
        json::show_depends(steps, &mut *out.writer())
    } else {
        Ok(())
    };
    failed |= out.keep(printed).is_err();
    i32::from(failed)
}

fn module_dir_text(planner: &Planner) -> String {
    planner.indexes.dir().to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_dir_is_spelt_like_kmod() {
        // `-d DIR`: DIR made absolute by prefixing the working directory, then
        // `/lib/modules/<release>` appended as text, as kmod prints module paths.
        let dir = |dirname: Option<&str>| {
            Context::new("/", "6.1.0-56-amd64")
                .with_base_dir(dirname.map(OsStr::new))
                .module_dir()
                .into_os_string()
        };
        assert_eq!(dir(None), "/lib/modules/6.1.0-56-amd64");
        assert_eq!(dir(Some("/s/6.1/")), "/s/6.1//lib/modules/6.1.0-56-amd64");
        let cwd = std::env::current_dir().expect("cwd");
        assert_eq!(
            dir(Some("./6.1/")),
            OsString::from(format!(
                "{}/./6.1//lib/modules/6.1.0-56-amd64",
                cwd.display()
            ))
        );
        assert_eq!(
            dir(Some("")),
            OsString::from(format!("{}//lib/modules/6.1.0-56-amd64", cwd.display()))
        );
    }
}
