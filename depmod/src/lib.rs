//! `depmod`: generate modules.dep and the other index files. The work is in `common::depmod`.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::Parser;
use common::cli::{parse_args_from, Reporter, VERSION_TEXT};
use common::context::{running_release, Context};
use common::depmod::{self, DepmodError, Options};

/// Generate modules.dep and map files.
#[derive(Parser, Debug)]
#[command(name = "depmod", version = VERSION_TEXT, disable_version_flag = true)]
struct Args {
    /// Probe all modules (the default when no module file is given).
    #[arg(short = 'a', long = "all")]
    all: bool,
    /// Only do the work if a module is newer than modules.dep.
    #[arg(short = 'A', long = "quick")]
    quick: bool,
    /// Report symbols no module or the kernel provides (needs -F or -E).
    #[arg(short = 'e', long = "errsyms")]
    errsyms: bool,
    /// Write the text indexes to stdout only.
    #[arg(short = 'n', long = "show", visible_alias = "dry-run")]
    dry_run: bool,
    /// Ignore this architecture symbol prefix.
    #[arg(short = 'P', long = "symbol-prefix", value_name = "PREFIX")]
    symbol_prefix: Option<String>,
    /// Read configuration from PATH (a file or a directory) instead of depmod.d.
    #[arg(short = 'C', long = "config", value_name = "PATH")]
    config: Option<PathBuf>,
    /// Say what is done.
    #[arg(short = 'v', long = "verbose")]
    verbose: bool,
    /// Warn on duplicates.
    #[arg(short = 'w', long = "warn")]
    warn: bool,
    /// Print the version and exit.
    #[arg(short = 'V', long, action = clap::ArgAction::Version)]
    version: (),
    /// Use an image of a module tree under DIR.
    #[arg(short = 'b', long = "basedir", value_name = "DIR")]
    basedir: Option<PathBuf>,
    /// Module trees live in DIR instead of /lib/modules.
    #[arg(short = 'm', long = "moduledir", value_name = "DIR")]
    moduledir: Option<PathBuf>,
    /// Write the indexes under DIR instead of the base directory.
    #[arg(short = 'o', long = "outdir", value_name = "DIR")]
    outdir: Option<PathBuf>,
    /// The kernel's System.map, for -e.
    #[arg(short = 'F', long = "filesyms", value_name = "FILE")]
    filesyms: Option<PathBuf>,
    /// The kernel's Module.symvers, for -e with symbol versions.
    #[arg(short = 'E', long = "symvers", value_name = "FILE")]
    symvers: Option<PathBuf>,
    /// Kernel version, then optional module files.
    #[arg(value_name = "VERSION [FILES]")]
    rest: Vec<String>,
}

struct Report(Reporter);

impl depmod::Reporter for Report {
    fn warning(&mut self, msg: &str) {
        self.0.warning(msg);
    }
    fn error(&mut self, msg: &str) {
        self.0.error(msg);
    }
    fn info(&mut self, msg: &str) {
        self.0.info(msg);
    }
}

/// Whether an argument is a kernel version (`X.Y...`) rather than a module file.
fn is_version(s: &str) -> bool {
    let mut parts = s.splitn(3, '.');
    let major = parts.next().unwrap_or_default();
    let minor = parts.next().unwrap_or_default();
    let digits = |p: &str| !p.is_empty() && p.bytes().take_while(u8::is_ascii_digit).count() > 0;
    digits(major) && major.bytes().all(|b| b.is_ascii_digit()) && digits(minor)
}

/// The command-line definition (for the `kmod` multi-call binary, man pages and completions).
pub fn command() -> clap::Command {
    <Args as clap::CommandFactory>::command()
}

/// Runs depmod on `args` (the program name first); returns the exit code. What was read is
/// never freed: the process ends right after, and the OS reclaims it faster.
pub fn main(args: impl IntoIterator<Item = OsString>) -> i32 {
    let args: Args = match parse_args_from(args) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let mut report = Report(Reporter::new("depmod", false, args.verbose));
    let mut rest = args.rest.iter();
    let release = match args.rest.first() {
        Some(v) if is_version(v) => {
            rest.next();
            v.clone()
        }
        _ => running_release(),
    };
    let files: Vec<PathBuf> = rest.map(PathBuf::from).collect();
    // kmod makes a relative base directory absolute (its messages show it so).
    let root = args.basedir.clone().unwrap_or_else(|| PathBuf::from("/"));
    let root = std::path::absolute(&root).unwrap_or(root);
    let mut ctx = Context::new(root, release);
    if let Some(m) = &args.moduledir {
        ctx = ctx.with_modules_root(m);
    }
    let opts = Options {
        config: args.config.clone(),
        files,
        quick: args.quick && !args.all,
        dry_run: args.dry_run,
        outdir: args.outdir.clone(),
        errsyms: args.errsyms,
        system_map: args.filesyms.clone(),
        symvers: args.symvers.clone(),
        symbol_prefix: args.symbol_prefix.clone(),
        warn: args.warn,
        verbose: args.verbose,
        threads: 0,
    };
    match depmod::run(&ctx, &opts, &mut report) {
        // Exit without freeing what was read: the OS reclaims it faster.
        Ok(modules) => {
            std::mem::forget(modules);
            0
        }
        Err(DepmodError::Cycles { count }) => {
            report
                .0
                .error(format_args!("Found {count} modules in dependency cycles!"));
            1
        }
        Err(DepmodError::Io(e)) => {
            report.0.error(e);
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_version;

    #[test]
    fn versions_and_files() {
        assert!(is_version("6.1.0-56-amd64"));
        assert!(is_version("6.12.117+deb12-amd64"));
        assert!(is_version("2.6"));
        assert!(!is_version("foo.ko"));
        assert!(!is_version("/lib/modules/x.ko"));
        assert!(!is_version("6"));
    }
}
