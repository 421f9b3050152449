//! The binary: argument parsing, exit codes, output; the work is in
//! `tilt_img_core` and `tilt_loader`.

mod cli;
mod host;

use std::process::ExitCode;

// Scanning builds many small trees on all cores; mimalloc's per-thread
// caches make that allocation-heavy work markedly faster than the system
// allocator (see the README's performance notes). The counting wrapper is
// the meter of the Tiltfile run's memory cap (`tilt_loader::memory`); one
// request beyond its ceiling ends the process with check's exit code for
// a Tiltfile that does not load.
#[global_allocator]
static GLOBAL: tilt_loader::memory::Counting<mimalloc::MiMalloc> =
    tilt_loader::memory::Counting::new(mimalloc::MiMalloc, cli::EXIT_FINDINGS as i32);

fn main() -> ExitCode {
    cli::main()
}
