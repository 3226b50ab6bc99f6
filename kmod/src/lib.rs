//! `kmod`: one binary for every tool, as Debian's kmod is installed (`/bin/kmod`, with `insmod`,
//! `rmmod`, `lsmod`, `modprobe`, `depmod` and `modinfo` as links to it).
//!
//! Called by one of the tools' names (the last component of argv\[0\]), it runs that tool: the
//! tool crates' library entry points, so the behaviour is the separate binaries'. Called by any
//! other name, it takes kmod's own commands:
//! - `kmod list`: the loaded modules, exactly as `lsmod` prints them;
//! - `kmod static-nodes [-f human|tmpfiles|devname] [-o FILE]`: the device nodes of the running
//!   kernel's modules.devname (`common::devname`), which systemd's `kmod-static-nodes.service`
//!   turns into `/run/tmpfiles.d/static-nodes.conf`;
//! - `kmod help`, `kmod -V` / `--version`.
//!
//! Messages of `static-nodes` are kmod 30's, word for word (`Warning: ... not found - ignoring`,
//! `Error: invalid devname entry: ...`), since systemd's journal shows them to people.

use std::ffi::OsString;
use std::fs::{self, DirBuilder, File};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};
use common::cli::{parse_args_from, Reporter, VERSION_TEXT};
use common::context::Context;
use common::devname::{self, Format};
use common::error::errno_text;
use nix::errno::Errno;

/// A tool the multi-call binary runs when called by its name.
#[derive(Clone, Copy)]
pub struct Tool {
    /// The name (argv\[0\]'s last component) that selects the tool.
    pub name: &'static str,
    /// The tool's entry point: arguments (program name first) to exit code.
    pub main: fn(Vec<OsString>) -> i32,
    /// The tool's command-line definition.
    pub command: fn() -> clap::Command,
}

/// The tools, in the order kmod's help lists them.
pub const TOOLS: [Tool; 6] = [
    Tool {
        name: "lsmod",
        main: |a| lsmod::main(a),
        command: lsmod::command,
    },
    Tool {
        name: "rmmod",
        main: |a| rmmod::main(a),
        command: rmmod::command,
    },
    Tool {
        name: "insmod",
        main: |a| insmod::main(a),
        command: insmod::command,
    },
    Tool {
        name: "modinfo",
        main: |a| modinfo::main(a),
        command: modinfo::command,
    },
    Tool {
        name: "modprobe",
        main: |a| modprobe::main(a),
        command: modprobe::command,
    },
    Tool {
        name: "depmod",
        main: |a| depmod::main(a),
        command: depmod::command,
    },
];

/// Manage kernel modules: list, load, unload, etc.
#[derive(Parser, Debug)]
#[command(
    name = "kmod",
    version = VERSION_TEXT,
    disable_version_flag = true,
    disable_help_subcommand = true,
    after_help = "kmod also runs a tool when called by its name (a link to kmod): \
                  lsmod, rmmod, insmod, modinfo, modprobe, depmod."
)]
struct Args {
    /// Print the version and exit.
    #[arg(short = 'V', long, action = clap::ArgAction::Version)]
    version: (),
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List currently loaded modules (as lsmod does).
    List,
    /// Output the static-node information installed with the currently running kernel.
    StaticNodes(StaticNodes),
    /// Show help message.
    Help,
}

/// `kmod static-nodes` options.
#[derive(clap::Args, Debug)]
struct StaticNodes {
    /// The format to write.
    #[arg(
        short = 'f',
        long,
        value_enum,
        value_name = "FORMAT",
        default_value = "human"
    )]
    format: FormatArg,
    /// Write to FILE (its directory is created) instead of stdout.
    #[arg(short = 'o', long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Ignored, as kmod ignores them.
    #[arg(hide = true)]
    ignored: Vec<OsString>,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum FormatArg {
    /// A human readable format. Do not parse.
    Human,
    /// The tmpfiles.d(5) format used by systemd-tmpfiles.
    Tmpfiles,
    /// The modules.devname format.
    Devname,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Human => Format::Human,
            FormatArg::Tmpfiles => Format::Tmpfiles,
            FormatArg::Devname => Format::Devname,
        }
    }
}

/// kmod's own command line (for man pages and completions); the tools' are in [`TOOLS`].
pub fn command() -> clap::Command {
    <Args as clap::CommandFactory>::command()
}

/// The tool that argv\[0\] names, if any.
pub fn tool_for(argv0: &Path) -> Option<&'static Tool> {
    let name = argv0.file_name()?.to_str()?;
    TOOLS.iter().find(|t| t.name == name)
}

/// Runs kmod on `args` (the program name first): a tool when argv\[0\] names one, else kmod's
/// own commands. Returns the exit code.
pub fn main(args: impl IntoIterator<Item = OsString>) -> i32 {
    let args: Vec<OsString> = args.into_iter().collect();
    if let Some(tool) = args.first().and_then(|a| tool_for(Path::new(a))) {
        return (tool.main)(args);
    }
    let args: Args = match parse_args_from(args) {
        Ok(a) => a,
        Err(code) => return code,
    };
    match args.command {
        Command::List => lsmod::list(&Reporter::new("kmod", false, false)),
        Command::StaticNodes(opts) => static_nodes(&Context::system(), &opts),
        Command::Help => {
            let _ = command().print_help();
            0
        }
    }
}

/// `kmod static-nodes`: reads modules.devname of the context's kernel and writes it in the
/// chosen format to stdout or to the output file.
fn static_nodes(ctx: &Context, opts: &StaticNodes) -> i32 {
    let path = ctx.module_dir().join("modules.devname");
    let text = match fs::read(&path) {
        Ok(t) => t,
        // Nothing to do (a kernel without such modules): no output file either.
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            eprintln!("Warning: {} not found - ignoring", path.display());
            return 0;
        }
        // kmod opens a directory and reads nothing from it.
        Err(e) if e.raw_os_error() == Some(Errno::EISDIR as i32) => Vec::new(),
        Err(e) => {
            eprintln!("Error: could not open {} - {}", path.display(), reason(&e));
            return 1;
        }
    };
    let (sink, shown): (Box<dyn Write>, String) = match &opts.output {
        None => (Box::new(io::stdout().lock()), "stdout".to_string()),
        Some(file) => match create_output(file) {
            Ok(f) => (Box::new(f), file.display().to_string()),
            Err(msg) => {
                eprintln!("{msg}");
                return 1;
            }
        },
    };
    let mut out = BufWriter::new(sink);
    let mut invalid = |line: &[u8]| {
        let mut err = io::stderr().lock();
        let _ = err.write_all(b"Error: invalid devname entry: ");
        let _ = err.write_all(line);
    };
    let written = devname::convert(&text, opts.format.into(), &mut out, &mut invalid)
        .and_then(|ok| out.flush().map(|()| ok));
    match written {
        Ok(all_valid) => i32::from(!all_valid),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            eprintln!("Error: could not write to {shown} - {}", reason(&e));
            1
        }
    }
}

/// Opens (creates or truncates) `file`, creating its directory first as kmod does; the error
/// is the message to print.
fn create_output(file: &Path) -> Result<File, String> {
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        DirBuilder::new()
            .recursive(true)
            .mode(0o755)
            .create(dir)
            .map_err(|e| {
                format!(
                    "Error: could not create parent directory for {} - {}.",
                    file.display(),
                    reason(&e)
                )
            })?;
    }
    File::create(file).map_err(|e| {
        format!(
            "Error: could not create {} - {}",
            file.display(),
            reason(&e)
        )
    })
}

/// strerror's text for an I/O error.
fn reason(e: &io::Error) -> String {
    e.raw_os_error()
        .map(|n| errno_text(Errno::from_raw(n)))
        .unwrap_or_else(|| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argv0_picks_the_tool() {
        for t in ["insmod", "rmmod", "lsmod", "modprobe", "depmod", "modinfo"] {
            let found = tool_for(Path::new(&format!("/usr/sbin/{t}"))).map(|t| t.name);
            assert_eq!(found, Some(t));
            assert_eq!(
                (TOOLS.iter().find(|x| x.name == t).expect("tool").command)().get_name(),
                t
            );
        }
        assert!(tool_for(Path::new("/bin/kmod")).is_none());
        assert!(tool_for(Path::new("modprobe.static")).is_none());
        assert!(tool_for(Path::new("/")).is_none());
    }

    #[test]
    fn static_nodes_to_a_file_in_a_new_directory() {
        let dir = ::tests::TempDir::new("kmod-static-nodes");
        let ctx = Context::new(dir.path(), "6.1.0-test");
        std::fs::create_dir_all(ctx.module_dir()).expect("mkdir");
        let out = dir.path().join("run/tmpfiles.d/static-nodes.conf");
        let opts = |format| StaticNodes {
            format,
            output: Some(out.clone()),
            ignored: Vec::new(),
        };
        // No modules.devname: nothing written, success.
        assert_eq!(static_nodes(&ctx, &opts(FormatArg::Tmpfiles)), 0);
        assert!(!out.exists());
        std::fs::write(
            ctx.module_dir().join("modules.devname"),
            "# Device nodes to trigger on-demand module loading.\n\
             fuse fuse c10:229\ndm_mod mapper/control c10:236\n",
        )
        .expect("write");
        assert_eq!(static_nodes(&ctx, &opts(FormatArg::Tmpfiles)), 0);
        assert_eq!(
            std::fs::read_to_string(&out).expect("read"),
            "c! /dev/fuse 0600 - - - 10:229\n\
             d /dev/mapper 0755 - - -\n\
             c! /dev/mapper/control 0600 - - - 10:236\n"
        );
        // Rewritten, not appended to.
        assert_eq!(static_nodes(&ctx, &opts(FormatArg::Devname)), 0);
        assert_eq!(
            std::fs::read_to_string(&out).expect("read"),
            "fuse fuse c10:229\ndm_mod mapper/control c10:236\n"
        );
        // An invalid line: the others are still written, exit 1.
        std::fs::write(
            ctx.module_dir().join("modules.devname"),
            "x y z1:2\nfuse fuse c10:229\n",
        )
        .expect("write");
        assert_eq!(static_nodes(&ctx, &opts(FormatArg::Devname)), 1);
        assert_eq!(
            std::fs::read_to_string(&out).expect("read"),
            "fuse fuse c10:229\n"
        );
        // An output path that can't be created.
        let blocked = StaticNodes {
            format: FormatArg::Human,
            output: Some(ctx.module_dir().join("modules.devname/x")),
            ignored: Vec::new(),
        };
        assert_eq!(static_nodes(&ctx, &blocked), 1);
    }
}
