//! The `modinfo` binary: everything is in the library (`modinfo::main`), which the `kmod`
//! multi-call binary calls too.

fn main() {
    std::process::exit(modinfo::main(std::env::args_os()));
}
