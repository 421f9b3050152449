//! Command line. Exit codes (also in the README):
//! 0 scanned; 1 some input could not be read or parsed (the rest was still
//! scanned and reported); 2 usage error.

/// `eprintln!` through [`terminal`].
macro_rules! say_err {
    ($($t:tt)*) => { eprintln!("{}", terminal(&format!($($t)*))) };
}
/// `println!` through [`terminal`].
macro_rules! say {
    ($($t:tt)*) => { println!("{}", terminal(&format!($($t)*))) };
}

use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use tilt_img_core::escape::terminal;
use tilt_img_core::load::LoadOptions;
use tilt_img_core::registry::plan::PushWith;
use tilt_img_core::render;
use tilt_img_core::scan::{self, ScanOptions};

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
    /// Load a Tiltfile offline as Tilt would; report errors, unused images and fixes.
    Check(CheckArgs),
    /// Write the k8s_kind lines into the Tiltfile, between `# BEGIN tilt-img` and `# END tilt-img`.
    Fix(FixArgs),
    /// Lint local-registry configs (k3d, k3s, containerd, kind, ctlptl, KEP-1755, Docker, Tiltfile).
    Doctor(DoctorArgs),
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum DoctorFormat {
    Text,
    Json,
    /// Only with --list-rules: the rules reference (docs/doctor-rules.md).
    Markdown,
}

#[derive(clap::Args, Debug)]
pub struct DoctorArgs {
    /// Files or directories to read (default: .).
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = DoctorFormat::Text)]
    pub format: DoctorFormat,
    /// Ask each registry the files name what it speaks (GET /v2/ over HTTPS, then HTTP).
    #[arg(long)]
    pub probe: bool,
    /// Also probe this host[:port] (implies --probe; repeatable).
    #[arg(long = "probe-host", value_name = "HOST")]
    pub probe_hosts: Vec<String>,
    /// Skip a rule, by id or name (repeatable).
    #[arg(long = "ignore", value_name = "ID")]
    pub ignore: Vec<String>,
    /// Explain a rule: what it finds, why it breaks, bad and good examples, the fix.
    #[arg(long, value_name = "ID")]
    pub explain: Option<String>,
    /// List the rules.
    #[arg(long)]
    pub list_rules: bool,
    /// Also read files that .gitignore or hidden-file rules would skip.
    #[arg(long)]
    pub no_ignore: bool,
}

#[derive(clap::Args, Debug)]
pub struct FixArgs {
    /// Manifests and CRDs to scan (default: the Tiltfile's directory).
    pub paths: Vec<PathBuf>,
    /// The Tiltfile to update (created when missing).
    #[arg(long, default_value = "Tiltfile")]
    pub tiltfile: PathBuf,
    /// Show the change as a diff; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Also scan files that .gitignore or hidden-file rules would skip.
    #[arg(long)]
    pub no_ignore: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum CheckFormat {
    Text,
    Json,
    /// The normalized summary of Tilt's loader (shared/oracle format).
    Oracle,
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// The Tiltfile (default: ./Tiltfile).
    #[arg(default_value = "Tiltfile")]
    pub tiltfile: PathBuf,
    /// Files outside the Tiltfile's directory that it may read.
    #[arg(long = "allow-read", value_name = "PATH")]
    pub allow_read: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
    /// Run local(), helm() and kustomize() for real (off by default: they return empty results).
    #[arg(long)]
    pub allow_exec: bool,
    /// Stop the Tiltfile after this many interpreter steps.
    #[arg(long, default_value_t = tilt_loader::eval::DEFAULT_MAX_STEPS)]
    pub max_steps: u64,
    /// Stop the Tiltfile when it holds more than this many MiB of memory (measured).
    #[arg(
        long,
        value_name = "MIB",
        default_value_t = (tilt_loader::eval::DEFAULT_MAX_MEMORY >> 20) as u64,
        value_parser = clap::value_parser!(u64).range(1..=1 << 20)
    )]
    pub max_memory: u64,
    /// Treat Tilt's unused-image warnings as failures.
    #[arg(long)]
    pub warnings_as_errors: bool,
    /// Arguments passed to the Tiltfile (config.parse, sys.argv), after `--`.
    #[arg(last = true)]
    pub args: Vec<String>,
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
    /// Do not evaluate the generated Tiltfile lines in the embedded loader.
    #[arg(long)]
    pub no_validate: bool,
    /// How generated builds push to a plain-HTTP dev registry.
    #[arg(long, value_enum, default_value_t = PushWithArg::Skopeo)]
    pub push_with: PushWithArg,
}

/// How generated builds push to a plain-HTTP dev registry.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum PushWithArg {
    /// `skopeo copy --dest-tls-verify=false` from the local Docker store
    /// (Debian/Ubuntu `apt install skopeo`, `brew install skopeo`).
    Skopeo,
    /// `docker buildx build … registry.insecure=true`: one step, Docker only.
    Buildx,
}

impl From<PushWithArg> for PushWith {
    fn from(a: PushWithArg) -> PushWith {
        match a {
            PushWithArg::Skopeo => PushWith::Skopeo,
            PushWithArg::Buildx => PushWith::Buildx,
        }
    }
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
        Command::Check(args) => run_check(&args),
        Command::Fix(args) => run_fix(&args),
        Command::Doctor(args) => run_doctor(&args),
    }
}

fn run_scan(args: &ScanArgs) -> ExitCode {
    let (text, failed) = scan_output(args, None);
    if !emit(&text) {
        return ExitCode::SUCCESS;
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// What `scan` prints, and whether some input failed. Also serves
/// `local('tilt-img scan …')` inside `check`, without a process; `confine`
/// is then the sandbox's directories.
pub fn scan_output(args: &ScanArgs, confine: Option<Vec<PathBuf>>) -> (String, bool) {
    let opts = ScanOptions {
        load: LoadOptions {
            no_ignore: args.no_ignore,
            max_file_size: args.max_file_size,
            confine,
        },
        no_knowledge: args.no_knowledge,
        config: args.config.clone(),
        validate: args.format == Format::Tiltfile && !args.no_validate,
        no_registry: false,
        push_with: args.push_with.into(),
        whole_objects: false,
    };
    let outcome = scan::scan(&args.paths, &opts);
    let text = match args.format {
        Format::Text => render::text::render(&outcome.report),
        Format::Json => render::json::render(&outcome.report),
        Format::Tiltfile => {
            // Diagnostics go to stderr so that stdout stays pasteable.
            let mut err = std::io::stderr().lock();
            for d in &outcome.report.diagnostics {
                let _ = writeln!(err, "{}", terminal(&d.to_string()));
            }
            let mut text = render::tiltfile::render(&outcome.report);
            if let Some(plan) = &outcome.report.registry {
                text.push_str(&tilt_img_core::registry::plan::render(plan));
            }
            text
        }
    };
    (text, outcome.input_failed)
}

/// The loader's options for `check` and `fix`: the sandbox, and this
/// binary as the host of `local('tilt-img …')`.
fn loader_options(
    allow_read: &[PathBuf],
    allow_exec: bool,
    args: &[String],
) -> tilt_loader::CheckOptions {
    tilt_loader::CheckOptions {
        host: Some(Arc::new(crate::host::InProcess)),
        sandbox: tilt_loader::context::Sandbox {
            allow_exec,
            extra_paths: allow_read
                .iter()
                .filter_map(|p| std::path::absolute(p).ok())
                .collect(),
        },
        args: args.to_vec(),
        ..Default::default()
    }
}

fn run_check(args: &CheckArgs) -> ExitCode {
    if !args.tiltfile.is_file() {
        say_err!(
            "error: {}: no such Tiltfile; pass the path of a Tiltfile",
            args.tiltfile.display()
        );
        return ExitCode::from(2);
    }
    let mut opts = loader_options(&args.allow_read, args.allow_exec, &args.args);
    opts.max_steps = args.max_steps;
    opts.max_memory = (args.max_memory as usize) << 20;
    let result = tilt_loader::check(&args.tiltfile, &opts);
    let text = match args.format {
        CheckFormat::Oracle => {
            let mut s = serde_json::to_string_pretty(&tilt_loader::report::oracle(&result))
                .unwrap_or_default();
            s.push('\n');
            s
        }
        CheckFormat::Json => {
            let mut s = serde_json::to_string_pretty(&tilt_img_core::check::json(&result))
                .unwrap_or_default();
            s.push('\n');
            s
        }
        CheckFormat::Text => tilt_img_core::check::text(&result),
    };
    if !emit(&text) {
        return ExitCode::SUCCESS;
    }
    let skipped = tilt_img_core::check::skipped_images(&result);
    let failing = result.error.is_some()
        || !skipped.is_empty()
        || (args.warnings_as_errors && !result.warnings.is_empty());
    if failing {
        ExitCode::from(EXIT_FINDINGS)
    } else {
        ExitCode::SUCCESS
    }
}

/// `check`'s exit code for findings, a Tiltfile that does not load among
/// them (README: exit codes); also what the process exits with when the
/// Tiltfile asks for memory beyond the allocator's ceiling.
pub const EXIT_FINDINGS: u8 = 1;

/// Writes the report; false when stdout is closed (`| head`), which is not an
/// error worth a message.
/// Everything the binary prints goes through [`terminal`]: text from an
/// input file never reaches the terminal raw (JSON keeps its value).
fn emit(text: &str) -> bool {
    let mut out = std::io::stdout().lock();
    out.write_all(terminal(text).as_bytes())
        .and_then(|_| out.flush())
        .is_ok()
}

fn run_fix(args: &FixArgs) -> ExitCode {
    let tiltfile = &args.tiltfile;
    // Relative paths keep the generated block the same on every checkout.
    let dir = match tiltfile.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let paths = if args.paths.is_empty() {
        vec![dir]
    } else {
        args.paths.clone()
    };
    let opts = ScanOptions {
        load: LoadOptions {
            no_ignore: args.no_ignore,
            ..Default::default()
        },
        validate: true,
        no_registry: true,
        ..Default::default()
    };
    let outcome = scan::scan(&paths, &opts);
    for d in outcome
        .report
        .diagnostics
        .iter()
        .filter(|d| d.severity != tilt_img_core::diag::Severity::Info)
    {
        say_err!("{d}");
    }
    if outcome.input_failed {
        // A block from a partial scan would silently drop the kinds of the
        // files that failed: keep the old one until every input reads.
        say_err!(
            "error: {}: not written: some input could not be read or parsed (see above); fix it and run again",
            tiltfile.display()
        );
        return ExitCode::from(1);
    }
    let old = match std::fs::read_to_string(tiltfile) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => {
            say_err!("error: {}: cannot read: {e}", tiltfile.display());
            return ExitCode::from(1);
        }
    };
    let new = match tilt_img_core::fix::splice(&old, &tilt_img_core::fix::block(&outcome.report)) {
        Ok(n) => n,
        Err(e) => {
            say_err!("error: {}: {e}", tiltfile.display());
            return ExitCode::from(1);
        }
    };
    if new == old {
        say!("{}: up to date", tiltfile.display());
        return ExitCode::SUCCESS;
    }
    if let Err(e) = tilt_img_core::fix::validate(tiltfile, &new, &loader_options(&[], false, &[])) {
        say_err!(
            "error: {}: not written, the result would not load in Tilt:\n{e}",
            tiltfile.display()
        );
        return ExitCode::from(1);
    }
    if args.dry_run {
        emit(&tilt_img_core::fix::diff(tiltfile, &old, &new));
        return ExitCode::SUCCESS;
    }
    if let Err(e) = tilt_img_core::fix::write_atomic(tiltfile, &new) {
        say_err!("error: {}: cannot write: {e}", tiltfile.display());
        return ExitCode::from(1);
    }
    say!("{}: updated the tilt-img block", tiltfile.display());
    ExitCode::SUCCESS
}

fn run_doctor(args: &DoctorArgs) -> ExitCode {
    use tilt_img_core::doctor;
    if let Some(id) = &args.explain {
        return match doctor::catalog::find(id) {
            Some(rule) => {
                emit(&doctor::explain(rule));
                ExitCode::SUCCESS
            }
            None => {
                say_err!("error: no rule `{id}`; `tilt-img doctor --list-rules` lists them");
                ExitCode::from(2)
            }
        };
    }
    if args.list_rules {
        let text = if args.format == DoctorFormat::Markdown {
            doctor::rules_markdown()
        } else {
            doctor::catalog::RULES
                .iter()
                .map(|r| format!("{} {:<42} {}\n", r.id, r.name, r.summary))
                .collect()
        };
        emit(&text);
        return ExitCode::SUCCESS;
    }
    if args.format == DoctorFormat::Markdown {
        say_err!("error: --format markdown goes with --list-rules");
        return ExitCode::from(2);
    }
    for id in &args.ignore {
        if doctor::catalog::find(id).is_none() {
            say_err!(
                "error: --ignore {id}: no such rule; `tilt-img doctor --list-rules` lists them"
            );
            return ExitCode::from(2);
        }
    }
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let opts = doctor::DoctorOptions {
        no_ignore: args.no_ignore,
        probe: args.probe || !args.probe_hosts.is_empty(),
        probe_hosts: args.probe_hosts.clone(),
        ignore: args.ignore.clone(),
    };
    let report = doctor::run(&paths, &opts);
    let text = match args.format {
        DoctorFormat::Json => serde_json::to_string_pretty(&report).unwrap_or_default() + "\n",
        _ => report.to_text(),
    };
    if !emit(&text) {
        return ExitCode::SUCCESS;
    }
    let unreadable_input = report
        .diagnostics
        .iter()
        .any(|d| d.severity == tilt_img_core::diag::Severity::Error);
    if report.has_findings() || unreadable_input {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
