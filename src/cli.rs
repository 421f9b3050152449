//! Command line. Exit codes (also in the README):
//! 0 scanned; 1 some input could not be read or parsed (the rest was still
//! scanned and reported); 2 usage error.

use crate::load::LoadOptions;
use crate::render;
use crate::scan::{self, ScanOptions};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "tilt-img",
    version,
    about = "Find the image fields of Kubernetes custom resources and generate the k8s_kind() lines Tilt needs"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Scan manifests and CRDs; report image fields per custom kind.
    Scan(ScanArgs),
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Tiltfile,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct ScanArgs {
    /// Files or directories to scan; `-` reads standard input.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Also scan files that .gitignore or hidden-file rules would skip.
    #[arg(long)]
    pub no_ignore: bool,
    /// Config file (default: .tilt-img.toml in the first scanned directory).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Do not use the built-in knowledge base of operators.
    #[arg(long)]
    pub no_knowledge: bool,
    /// Files larger than this many bytes are skipped with an error.
    #[arg(long, default_value_t = 256 * 1024 * 1024)]
    pub max_file_size: u64,
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match cli.command {
        Command::Scan(args) => run_scan(&args),
    }
}

fn run_scan(args: &ScanArgs) -> ExitCode {
    let opts = ScanOptions {
        load: LoadOptions {
            no_ignore: args.no_ignore,
            max_file_size: args.max_file_size,
        },
        no_knowledge: args.no_knowledge,
        config: args.config.clone(),
    };
    let outcome = scan::scan(&args.paths, &opts);
    let text = match args.format {
        Format::Text => render::text::render(&outcome.report),
        Format::Json => render::json::render(&outcome.report),
        Format::Tiltfile => {
            // Diagnostics go to stderr so that stdout stays pasteable.
            let mut err = std::io::stderr().lock();
            for d in &outcome.report.diagnostics {
                let _ = writeln!(err, "{d}");
            }
            render::tiltfile::render(&outcome.report)
        }
    };
    let mut out = std::io::stdout().lock();
    if out
        .write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .is_err()
    {
        // A closed pipe (`| head`) is not an error worth a message.
        return ExitCode::SUCCESS;
    }
    if outcome.input_failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
