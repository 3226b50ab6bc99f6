//! The `depmod` binary: everything is in the library (`depmod::main`), which the `kmod` multi-call
//! binary calls too.

fn main() {
    std::process::exit(depmod::main(std::env::args_os()));
}
