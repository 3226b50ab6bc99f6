//! `lsmod`: list loaded modules in kmod's format.

use std::ffi::OsString;
use std::io::{self, Write};

use clap::Parser;
use common::cli::{finish_output, parse_args_from, Reporter, VERSION_TEXT};
use common::context::Context;
use common::kernel::state::{holders, loaded_modules, refcnt, LoadedModule};

/// Show the status of modules in the Linux kernel.
#[derive(Parser, Debug)]
#[command(name = "lsmod", version = VERSION_TEXT, disable_version_flag = true)]
struct Args {
    /// Print the version and exit.
    #[arg(short = 'V', long, action = clap::ArgAction::Version)]
    version: (),
}

/// The command-line definition (for the `kmod` multi-call binary, man pages and completions).
pub fn command() -> clap::Command {
    <Args as clap::CommandFactory>::command()
}

/// Runs lsmod on `args` (the program name first); returns the exit code.
pub fn main(args: impl IntoIterator<Item = OsString>) -> i32 {
    if let Err(code) = parse_args_from::<Args, _>(args) {
        return code;
    }
    list(&Reporter::new("lsmod", false, false))
}

/// Prints the loaded modules to stdout (lsmod, and `kmod list`); returns the exit code.
pub fn list(report: &Reporter) -> i32 {
    let ctx = Context::system();
    let modules = match loaded_modules(&ctx) {
        Ok(m) => m,
        Err(e) => {
            report.error(format_args!("could not get list of modules: {e}"));
            return 1;
        }
    };
    let result = print(&ctx, &modules, &mut io::stdout().lock());
    finish_output(result, report)
}

fn print(ctx: &Context, modules: &[LoadedModule], out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "Module                  Size  Used by")?;
    for m in modules {
        // Like kmod, prefer sysfs for the use count and holders; /proc/modules is the fallback.
        let count = refcnt(ctx, &m.name).ok().or(m.refcnt).unwrap_or(0);
        let users = holders(ctx, &m.name).unwrap_or_else(|_| m.holders.clone());
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
