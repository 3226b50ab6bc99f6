//! `kmod`: one binary for every tool, as Debian's kmod is installed (`/bin/kmod`, with `insmod`,
//! `rmmod`, `lsmod`, `modprobe`, `depmod` and `modinfo` as links to it).
//!
//! Called by one of the tools' names (the last component of argv\[0\]), it runs that tool: the
//! tool crates' library entry points, so the behaviour is the separate binaries'. Called by any
//! other name, it takes kmod's own commands:
//! - `kmod list`: the loaded modules, exactly as `lsmod` prints them;
//! - `kmod static-nodes [-f human|tmpfiles|devname] [-o FILE]`: the device nodes of the running
//!   kernel's modules.devname (`common::static_nodes`), which systemd's `kmod-static-nodes.service`
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

use common::cli::{print_text, print_version};
use common::context::Context;
use common::error::io_text;
use common::getopt::{Opt, Options, Order};
use common::index::files::MODULES_DEVNAME;
use common::static_nodes::{self, Format};
use nix::errno::Errno;

/// A tool the multi-call binary runs when called by its name.
#[derive(Clone, Copy)]
pub struct Tool {
    /// The name (argv\[0\]'s last component) that selects the tool.
    pub name: &'static str,
    /// The tool's entry point: arguments (program name first) to exit code.
    pub main: fn(Vec<OsString>) -> i32,
    /// The tool's options, for what documents them (man pages, completions).
    pub options: fn() -> Vec<Opt<()>>,
}

/// The tools, in the order kmod's help lists them.
pub const TOOLS: [Tool; 6] = [
    Tool {
        name: "lsmod",
        main: |a| lsmod::main(a),
        options: || lsmod::OPTIONS.describe(),
    },
    Tool {
        name: "rmmod",
        main: |a| rmmod::main(a),
        options: || rmmod::OPTIONS.describe(),
    },
    Tool {
        name: "insmod",
        main: |a| insmod::main(a),
        options: || insmod::OPTIONS.describe(),
    },
    Tool {
        name: "modinfo",
        main: |a| modinfo::main(a),
        options: || modinfo::OPTIONS.describe(),
    },
    Tool {
        name: "modprobe",
        main: |a| modprobe::main(a),
        options: || modprobe::OPTIONS.describe(),
    },
    Tool {
        name: "depmod",
        main: |a| depmod::main(a),
        options: || depmod::OPTIONS.describe(),
    },
];

/// What one of kmod's own options does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// `-h`.
    Help,
    /// `-V`.
    Version,
}

/// kmod's own options, before the command (options end at the command, as with kmod).
pub const OPTIONS: Options<Key> = Options {
    opts: &[Opt::help(Key::Help), Opt::version(Key::Version)],
    order: Order::RequireOrder,
};

/// kmod's commands, with a line of help each: `(name, help)`.
pub const COMMANDS: [(&str, &str); 3] = [
    ("help", "print this help"),
    ("list", "list the loaded modules, as lsmod does"),
    (
        "static-nodes",
        "print the device nodes the running kernel's modules ask for",
    ),
];

/// What a `kmod static-nodes` option does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaticKey {
    /// `-o FILE`.
    Output,
    /// `-f FORMAT`.
    Format,
    /// `-h`.
    Help,
}

/// `kmod static-nodes`' options, in kmod's order.
pub const STATIC_NODES_OPTIONS: Options<StaticKey> = Options {
    opts: &[
        Opt::value(
            Some('o'),
            Some("output"),
            "FILE",
            StaticKey::Output,
            "write to FILE (its directory is created), not stdout",
        ),
        Opt::value(
            Some('f'),
            Some("format"),
            "FORMAT",
            StaticKey::Format,
            "human (the default; not for parsing), tmpfiles (systemd-tmpfiles' tmpfiles.d(5)) or \
             devname (modules.devname's)",
        ),
        Opt::help(StaticKey::Help),
    ],
    order: Order::Permute,
};

/// kmod's help text.
fn help() -> String {
    let mut out = String::from(
        "kmod: manage the kernel's modules\nUsage:\n\tkmod [options] COMMAND [command options]\n\n\
         Options:\n",
    );
    for o in OPTIONS.opts {
        out.push_str(&format!("\t{:<16}  {}\n", o.synopsis(), o.help));
    }
    out.push_str("\nCommands:\n");
    for (name, what) in COMMANDS {
        out.push_str(&format!("  {name:<12} {what}\n"));
    }
    out.push_str("\nCalled by one of these names (a link to kmod), kmod runs that tool:\n");
    for t in &TOOLS {
        out.push_str(&format!("  {}\n", t.name));
    }
    out
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
    let parsed = OPTIONS.parse_argv(&args, "kmod");
    // Both options end the run: the first one given decides.
    if let Some(o) = parsed.options.first() {
        return match o.key {
            Key::Help => print_text(&help()),
            Key::Version => print_version(),
        };
    }
    let operands = match parsed.operands() {
        Ok(o) => o,
        Err(code) => return code,
    };
    let Some(command) = operands.first() else {
        eprintln!("missing command");
        print_text(&help());
        return 1;
    };
    match command.to_str() {
        Some("help") => print_text(&help()),
        Some("list") => lsmod::run("kmod", &operands),
        Some("static-nodes") => static_nodes_main(&operands),
        _ => {
            eprintln!("invalid command '{}'", command.to_string_lossy());
            print_text(&help());
            1
        }
    }
}

/// `kmod static-nodes` options, validated.
#[derive(Debug)]
struct StaticNodes {
    format: Format,
    output: Option<PathBuf>,
}

/// `kmod static-nodes ARGS` (`argv` starts with the command's name, which getopt's messages
/// show); other arguments are ignored, as kmod ignores them.
fn static_nodes_main(argv: &[OsString]) -> i32 {
    let usage = || STATIC_NODES_OPTIONS.help(&["kmod static-nodes [options]"]);
    let parsed = STATIC_NODES_OPTIONS.parse_argv(argv, "static-nodes");
    let mut opts = StaticNodes {
        format: Format::Human,
        output: None,
    };
    for o in &parsed.options {
        match o.key {
            StaticKey::Output => opts.output = o.value.clone().map(PathBuf::from),
            StaticKey::Format => {
                opts.format = match o.text().as_str() {
                    "human" => Format::Human,
                    "tmpfiles" => Format::Tmpfiles,
                    "devname" => Format::Devname,
                    other => {
                        eprintln!("Unknown format: '{other}'.");
                        print_text(&usage());
                        return 1;
                    }
                }
            }
            StaticKey::Help => return print_text(&usage()),
        }
    }
    if let Err(code) = parsed.operands() {
        return code;
    }
    static_nodes(&Context::system(), &opts)
}

/// `kmod static-nodes`: reads modules.devname of the context's kernel and writes it in the
/// chosen format to stdout or to the output file.
fn static_nodes(ctx: &Context, opts: &StaticNodes) -> i32 {
    let path = ctx.module_dir().join(MODULES_DEVNAME);
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
            eprintln!("Error: could not open {} - {}", path.display(), io_text(&e));
            return 1;
        }
    };
    let (sink, shown): (Box<dyn Write>, String) = match &opts.output {
        None => (Box::new(common::cli::stdout()), "stdout".to_string()),
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
    let written = static_nodes::convert(&text, opts.format, &mut out, &mut invalid)
        .and_then(|ok| out.flush().map(|()| ok));
    match written {
        Ok(all_valid) => i32::from(!all_valid),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            eprintln!("Error: could not write to {shown} - {}", io_text(&e));
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
                    io_text(&e)
                )
            })?;
    }
    File::create(file).map_err(|e| {
        format!(
            "Error: could not create {} - {}",
            file.display(),
            io_text(&e)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argv0_picks_the_tool() {
        for t in ["insmod", "rmmod", "lsmod", "modprobe", "depmod", "modinfo"] {
            let found = tool_for(Path::new(&format!("/usr/sbin/{t}"))).map(|t| t.name);
            assert_eq!(found, Some(t));
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
        };
        // No modules.devname: nothing written, success.
        assert_eq!(static_nodes(&ctx, &opts(Format::Tmpfiles)), 0);
        assert!(!out.exists());
        std::fs::write(
            ctx.module_dir().join(MODULES_DEVNAME),
            "# Device nodes to trigger on-demand module loading.\n\
             fuse fuse c10:229\ndm_mod mapper/control c10:236\n",
        )
        .expect("write");
        assert_eq!(static_nodes(&ctx, &opts(Format::Tmpfiles)), 0);
        assert_eq!(
            std::fs::read_to_string(&out).expect("read"),
            "c! /dev/fuse 0600 - - - 10:229\n\
             d /dev/mapper 0755 - - -\n\
             c! /dev/mapper/control 0600 - - - 10:236\n"
        );
        // Rewritten, not appended to.
        assert_eq!(static_nodes(&ctx, &opts(Format::Devname)), 0);
        assert_eq!(
            std::fs::read_to_string(&out).expect("read"),
            "fuse fuse c10:229\ndm_mod mapper/control c10:236\n"
        );
        // An invalid line: the others are still written, exit 1.
        std::fs::write(
            ctx.module_dir().join(MODULES_DEVNAME),
            "x y z1:2\nfuse fuse c10:229\n",
        )
        .expect("write");
        assert_eq!(static_nodes(&ctx, &opts(Format::Devname)), 1);
        assert_eq!(
            std::fs::read_to_string(&out).expect("read"),
            "fuse fuse c10:229\n"
        );
        // An output path that can't be created.
        let blocked = StaticNodes {
            format: Format::Human,
            output: Some(ctx.module_dir().join("modules.devname/x")),
        };
        assert_eq!(static_nodes(&ctx, &blocked), 1);
    }
}
