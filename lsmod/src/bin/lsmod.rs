//! The `lsmod` binary: everything is in the library (`lsmod::main`), which the `kmod` multi-call
//! binary calls too.

fn main() {
    std::process::exit(lsmod::main(std::env::args_os()));
}
