//! The `rmmod` binary: everything is in the library (`rmmod::main`), which the `kmod` multi-call
//! binary calls too.

fn main() {
    std::process::exit(rmmod::main(std::env::args_os()));
}
