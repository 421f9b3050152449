//! The binary: argument parsing, exit codes, output; the work is in
//! `tilt_img_core` and `tilt_loader`.

mod cli;
mod host;

use std::process::ExitCode;

// Scanning builds many small trees on all cores; mimalloc's per-thread
// caches make that allocation-heavy work markedly faster than the system
// allocator (see the README's performance notes).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    cli::main()
}
