//! The `modprobe` binary: everything is in the library (`modprobe::main`), which the `kmod`
//! multi-call binary calls too.

fn main() {
    std::process::exit(modprobe::main(std::env::args_os()));
}
