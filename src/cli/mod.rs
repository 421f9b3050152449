//! Command line: the options of each command (one file each), exit codes,
//! output. Exit codes (also in the README): 0 nothing at or above the
//! `--fail-on` threshold; 1 findings at or above it (an input that cannot
//! be read, a Tiltfile that does not load, a stale block for `fix --check`);
//! 2 usage error.

/// `eprintln!` through [`terminal`](tilt_img_core::escape::terminal) and the palette.
macro_rules! say_err {
    ($($t:tt)*) => { $crate::cli::out::err(&format!($($t)*)) };
}
/// `println!` through [`terminal`](tilt_img_core::escape::terminal) and the palette.
macro_rules! say {
    ($($t:tt)*) => { $crate::cli::out::line(&format!($($t)*)) };
}

mod check;
mod doctor;
mod fix;
mod generate;
pub mod out;
mod scan;

pub use check::CheckArgs;
pub use doctor::DoctorArgs;
pub use fix::FixArgs;
pub use generate::{CompletionsArgs, ManArgs};
pub use scan::{ScanArgs, scan_output};

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use tilt_img_core::diag::Severity;

#[derive(Parser, Debug)]
#[command(
    name = "tilt-img",
    version,
    about = "Find the image fields of Kubernetes custom resources and generate the k8s_kind() lines Tilt needs"
)]
pub struct Cli {
    /// Colour diagnostics: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto, global = true)]
    pub color: ColorArg,
    /// Print problems only: no summaries, no info-level lines.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Scan manifests and CRDs; report image fields per custom kind.
    Scan(ScanArgs),
    /// Load a Tiltfile offline as Tilt would; report errors, unused images and fixes.
    Check(CheckArgs),
    /// Write the k8s_kind lines into the Tiltfile, between `# BEGIN tilt-img` and `# END tilt-img`.
    Fix(FixArgs),
    /// Lint local-registry configs (k3d, k3s, containerd, kind, ctlptl, KEP-1755, Docker, Tiltfile).
    Doctor(DoctorArgs),
    /// Explain a diagnostic code of scan, fix or check (SCAN001, CHECK003, …).
    Explain(ExplainArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(CompletionsArgs),
    /// Print the man page (roff), for `man -l -` or a man directory.
    Man(ManArgs),
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

/// The severity threshold of `--fail-on`: the run fails when a problem is
/// at least this grave. The same words as the severities every format shows.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum FailOn {
    Error,
    Warning,
    Info,
}

impl From<FailOn> for Severity {
    fn from(f: FailOn) -> Severity {
        match f {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Info => Severity::Info,
        }
    }
}

/// The exit code for the worst problem of a run against its threshold.
pub fn exit_for(worst: Option<Severity>, fail_on: FailOn) -> u8 {
    match worst {
        Some(s) if s.reaches(fail_on.into()) => EXIT_FINDINGS,
        _ => 0,
    }
}

/// Findings at or above the threshold, a Tiltfile that does not load among
/// them (README: exit codes); also what the process exits with when the
/// Tiltfile asks for memory beyond the allocator's ceiling.
pub const EXIT_FINDINGS: u8 = 1;
/// Usage errors: an unknown option, a path that is not what the command reads.
pub const EXIT_USAGE: u8 = 2;

#[derive(clap::Args, Debug)]
pub struct ExplainArgs {
    /// The code (any case) or its name; omit with --list.
    pub code: Option<String>,
    /// List every code.
    #[arg(long)]
    pub list: bool,
    /// With --list: `markdown` prints docs/diagnostics.md.
    #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
    pub format: ExplainFormat,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum ExplainFormat {
    Text,
    Markdown,
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_USAGE } else { 0 });
        }
    };
    out::init(cli.color, cli.quiet);
    let code = match &cli.command {
        Command::Scan(args) => scan::run(args),
        Command::Check(args) => check::run(args),
        Command::Fix(args) => fix::run(args),
        Command::Doctor(args) => doctor::run(args),
        Command::Explain(args) => explain(args),
        Command::Completions(args) => generate::completions(args),
        Command::Man(args) => generate::man(args),
    };
    ExitCode::from(code)
}

fn explain(args: &ExplainArgs) -> u8 {
    use tilt_img_core::diag::{CODES, Code, codes_markdown};
    if args.list {
        let text = match args.format {
            ExplainFormat::Markdown => codes_markdown(),
            ExplainFormat::Text => CODES
                .iter()
                .map(|c| format!("{:<9} {:<20} {}\n", c.id(), c.name(), c.severity()))
                .collect(),
        };
        out::emit(&text);
        return 0;
    }
    let Some(code) = args.code.as_deref() else {
        say_err!("error: name a code (`tilt-img explain SCAN003`) or pass --list");
        return EXIT_USAGE;
    };
    match Code::find(code) {
        Some(c) => {
            out::emit(&format!(
                "{} {} ({})\n\n{}\n\n{}\n",
                c.id(),
                c.name(),
                c.severity(),
                c.doc(),
                c.help_uri()
            ));
            0
        }
        None if tilt_img_core::doctor::catalog::find(code).is_some() => {
            say_err!("error: `{code}` is a doctor rule: `tilt-img doctor --explain {code}`");
            EXIT_USAGE
        }
        None => {
            say_err!("error: no code `{code}`; `tilt-img explain --list` lists them");
            EXIT_USAGE
        }
    }
}

/// The sandbox and host options `check` and `fix` share, so that `fix`
/// loads the Tiltfile it writes exactly as `check` will.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct LoaderArgs {
    /// Files outside the project (the enclosing git work tree, else the Tiltfile's directory) that it may read.
    #[arg(long = "allow-read", value_name = "PATH")]
    pub allow_read: Vec<PathBuf>,
    /// Run local(), helm() and kustomize() for real (off by default: they return empty results).
    #[arg(long)]
    pub allow_exec: bool,
}

/// The loader's options for `check` and `fix`: the sandbox, and this
/// binary as the host of `local('tilt-img …')`.
fn loader_options(loader: &LoaderArgs, args: &[String]) -> tilt_loader::CheckOptions {
    tilt_loader::CheckOptions {
        host: Some(Arc::new(crate::host::InProcess)),
        sandbox: tilt_loader::context::Sandbox {
            allow_exec: loader.allow_exec,
            extra_paths: loader
                .allow_read
                .iter()
                .filter_map(|p| std::path::absolute(p).ok())
                .collect(),
        },
        args: args.to_vec(),
        ..Default::default()
    }
}
