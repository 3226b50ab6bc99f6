//! The `insmod` binary: everything is in the library (`insmod::main`), which the `kmod` multi-call
//! binary calls too.

fn main() {
    std::process::exit(insmod::main(std::env::args_os()));
}
