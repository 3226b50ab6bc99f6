//! The `kmod` binary: everything is in the library (`kmod::main`).

fn main() {
    std::process::exit(kmod::main(std::env::args_os()));
}
