//! `index-dump FILE...`: the entries of `.bin` indexes as text, one value a line
//! (`key<TAB>priority<TAB>value`, keys in byte order, a key's values in stored order), so that
//! two files of different layouts (kmod 30's, kmod 34's) can be compared by content.
//! Exits 1 (with a message on stderr) if a file can't be read or isn't an index.

use std::io::Write;
use std::process::ExitCode;

use common::index::bin::Index;

fn main() -> ExitCode {
    let mut out = std::io::stdout().lock();
    for path in std::env::args_os().skip(1) {
        let shown = path.to_string_lossy().into_owned();
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("index-dump: ERROR: {shown}: {e}");
                return ExitCode::FAILURE;
            }
        };
        let entries = Index::new(&bytes).and_then(|idx| idx.entries());
        let entries = match entries {
            Ok(e) => e,
            Err(e) => {
                eprintln!("index-dump: ERROR: {shown}: {e}");
                return ExitCode::FAILURE;
            }
        };
        for (key, values) in entries {
            for v in values {
                if writeln!(out, "{key}\t{}\t{}", v.priority, v.value).is_err() {
                    return ExitCode::FAILURE;
                }
            }
        }
    }
    ExitCode::SUCCESS
}
