//! What modprobe prints instead of acting: the configuration and index dump of `-c`, and a
//! module file's symbols for `--show-modversions` / `--show-exports`.

use std::io::{self, Write};

use common::cli::Reporter;
use common::config::modprobe::INDEX_DUMP_HEADER;
use common::elf::{ElfError, ModuleElf};
use common::error::errno_text;
use common::file::ModuleFile;
use common::index::bin::Index;
use common::index::files::{AliasLine, MODULES_ALIAS_BIN, MODULES_SYMBOLS_BIN};
use common::modprobe::Planner;
use common::report::ReportExt;
use nix::errno::Errno;

use crate::args::Args;
use crate::output::SharedStdout;

pub(crate) fn show_config(planner: &Planner, out: &SharedStdout) -> io::Result<()> {
    let mut out = out.writer();
    planner.config.show_config(&mut *out)?;
    out.write_all(INDEX_DUMP_HEADER.as_bytes())?;
    for file in [MODULES_ALIAS_BIN, MODULES_SYMBOLS_BIN] {
        let Ok(bytes) = std::fs::read(planner.indexes.dir().join(file)) else {
            continue;
        };
        let Ok(index) = Index::new(&bytes) else {
            continue;
        };
        for (key, values) in index.entries().unwrap_or_default() {
            for v in values {
                let line = AliasLine {
                    pattern: &key,
                    module: v.value,
                };
                writeln!(out, "{line}")?;
            }
        }
    }
    Ok(())
}

/// `--show-modversions` / `--show-exports`: the symbol versions a module file needs, or the
/// symbols it exports, as kmod prints them. Like kmod, only the first argument is read, and it
/// must be a file (a module name is "not found"); a module with no such symbols is an error
/// (`No such file or directory`, kmod's ENOENT).
pub(crate) fn show_elf(args: &Args, output: &SharedStdout, report: &Reporter) -> i32 {
    let arg = &args.rest[0];
    let what = if args.show_modversions {
        "modversions"
    } else {
        "symbols"
    };
    if std::fs::metadata(arg).is_err() {
        report.fatal(format_args!("Module {arg} not found."));
        return 1;
    }
    let symbols = ModuleFile::open(arg)
        .and_then(|f| f.read_image())
        .map_err(|e| e.errno().unwrap_or(Errno::EINVAL))
        .and_then(|image| {
            ModuleElf::parse(&image).map_err(|e| match e {
                // kmod: too short for an ELF header is EINVAL, a wrong magic ENOEXEC.
                ElfError::NotElf | ElfError::BadClass(_) | ElfError::BadEndian(_)
                    if image.len() >= ELF32_HEADER_SIZE =>
                {
                    Errno::ENOEXEC
                }
                _ => Errno::EINVAL,
            })
        })
        .map(|elf| -> Vec<(u64, String)> {
            if args.show_modversions {
                elf.versions.into_iter().map(|v| (v.crc, v.name)).collect()
            } else {
                elf.exports
                    .into_iter()
                    .map(|e| (e.crc.unwrap_or(0), e.name))
                    .collect()
            }
        })
        .and_then(|list| {
            if list.is_empty() {
                Err(Errno::ENOENT)
            } else {
                Ok(list)
            }
        });
    let symbols = match symbols {
        Ok(s) => s,
        Err(errno) => {
            report.fatal(format_args!(
                "could not get {what} of {arg}: {}",
                errno_text(errno)
            ));
            return 1;
        }
    };
    let mut out = output.writer();
    let result = symbols
        .iter()
        .try_for_each(|(crc, name)| writeln!(out, "0x{crc:08x}\t{name}"));
    drop(out);
    i32::from(output.keep(result).is_err())
}

/// The size of the smallest ELF header (32-bit).
const ELF32_HEADER_SIZE: usize = 52;
