//! `lsmod`: list loaded modules in kmod's format.

use std::ffi::OsString;
use std::io::{self, Write};

use common::cli::{finish_output, print_text, print_version, Reporter};
use common::context::Context;
use common::getopt::{Opt, Options, Order};
use common::kernel::state::{holders, loaded_modules, refcnt, LoadedModule};
use common::report::ReportExt;

/// What an option does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// `-s`.
    Syslog,
    /// `-v`.
    Verbose,
    /// `-V`.
    Version,
    /// `-h`.
    Help,
    /// `--json` (ours).
    Json,
}

/// lsmod's options (and `kmod list`'s): kmod 34.2's. kmod 30 took none (any argument was a
/// usage error).
pub const OPTIONS: Options<Key> = Options {
    opts: &[
        Opt::syslog(Key::Syslog),
        Opt::flag(
            Some('v'),
            Some("verbose"),
            Key::Verbose,
            "print more messages",
        ),
        Opt::version(Key::Version),
        Opt::help(Key::Help),
        Opt::flag(None, Some("json"), Key::Json, "print JSON (docs/json.md)").extension(),
    ],
    order: Order::Permute,
};

/// Runs lsmod on `args` (the program name first); returns the exit code.
pub fn main(args: impl IntoIterator<Item = OsString>) -> i32 {
    let argv: Vec<OsString> = args.into_iter().collect();
    run("lsmod", &argv)
}

/// lsmod, or `kmod list` (`tool` names it in messages and in the usage line): reads the
/// options, then prints the loaded modules.
pub fn run(tool: &'static str, argv: &[OsString]) -> i32 {
    let parsed = OPTIONS.parse_argv(argv, tool);
    let (mut syslog, mut verbose, mut json) = (false, false, false);
    for o in &parsed.options {
        match o.key {
            Key::Json => json = true,
            Key::Syslog => syslog = true,
            Key::Verbose => verbose = true,
            Key::Version => return print_version(),
            Key::Help => return print_text(&OPTIONS.help(&[&format!("{tool} [options]")])),
        }
    }
    let report = Reporter::new(tool, syslog, verbose);
    match parsed.operands() {
        Err(code) => code,
        Ok(extra) if !extra.is_empty() => {
            report.error("too many arguments provided.");
            1
        }
        Ok(_) => list(&report, json),
    }
}

/// Prints the loaded modules to stdout (lsmod, and `kmod list`), as text or (`json`) as a
/// JSON document; returns the exit code.
pub fn list(report: &Reporter, json: bool) -> i32 {
    let ctx = Context::system();
    let modules = match loaded_modules(&ctx) {
        Ok(m) => m,
        Err(e) => {
            // kmod 34.2's two lines: what failed to open, then what that meant.
            report.error(format_args!(
                "could not open {}: {}",
                ctx.proc_modules().display(),
                e.reason()
            ));
            report.error(format_args!(
                "could not get list of modules: {}",
                e.reason()
            ));
            return 1;
        }
    };
    let mut out = common::cli::stdout();
    let result = if json {
        print_json(&ctx, &modules, &mut out)
    } else {
        print(&ctx, &modules, &mut out)
    };
    finish_output(result, report)
}

/// A module's use count and holders as lsmod prints them: like kmod, from sysfs first,
/// `/proc/modules` as the fallback.
fn usage(ctx: &Context, m: &LoadedModule) -> (u32, Vec<String>) {
    let count = refcnt(ctx, &m.name).ok().or(m.refcnt).unwrap_or(0);
    let users = holders(ctx, &m.name).unwrap_or_else(|_| m.holders.clone());
    (count, users)
}

/// The JSON document (docs/json.md): the facts of the text, one object per module.
fn print_json(ctx: &Context, modules: &[LoadedModule], out: &mut impl Write) -> io::Result<()> {
    let list: Vec<serde_json::Value> = modules
        .iter()
        .map(|m| {
            let (count, users) = usage(ctx, m);
            serde_json::json!({
                "name": m.name,
                "size": m.size,
                "used": count,
                "used_by": users,
                "state": m.state,
            })
        })
        .collect();
    common::json::write_document(out, "lsmod", &serde_json::json!({ "modules": list }))
}

fn print(ctx: &Context, modules: &[LoadedModule], out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "Module                  Size  Used by")?;
    for m in modules {
        let (count, users) = usage(ctx, m);
        write!(out, "{:<19} {:>8}  {}", m.name, m.size, count)?;
        if !users.is_empty() {
            write!(out, " {}", users.join(","))?;
        }
        writeln!(out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use common::kernel::state::parse_proc_modules;
    use std::path::Path;

    #[test]
    fn kmod_format_with_sysfs_preferred() {
        let root = std::env::temp_dir().join(format!("lsmod-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let sys = root.join("sys/module");
        std::fs::create_dir_all(sys.join("mt_dep/holders/mt_user")).expect("mkdir");
        std::fs::write(sys.join("mt_dep/refcnt"), "1\n").expect("write");
        let proc = "mt_dep 16384 1 mt_user, Live 0x0\n\
                    a_module_name_longer_than_19 123456789 0 - Live 0x0\n\
                    gone 4096 2 x,y, Live 0x0\n";
        let modules = parse_proc_modules(proc, Path::new("/proc/modules")).expect("parse");
        let mut out = Vec::new();
        print(&Context::new(&root, "x"), &modules, &mut out).expect("print");
        std::fs::remove_dir_all(&root).expect("cleanup");
        assert_eq!(
            String::from_utf8(out).expect("utf-8"),
            "Module                  Size  Used by\n\
             mt_dep                 16384  1 mt_user\n\
             a_module_name_longer_than_19 123456789  0\n\
             gone                    4096  2 x,y\n"
        );
    }
}
