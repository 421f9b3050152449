//! `tilt-img scan`: the report, the Tiltfile lines, or JSON; SARIF and
//! workflow commands for its diagnostics.

use super::{FailOn, exit_for, out};
use clap::ValueEnum;
use std::path::PathBuf;
use tilt_img_core::annotation::{self, Annotation};
use tilt_img_core::diag::Severity;
use tilt_img_core::load::LoadOptions;
use tilt_img_core::registry::plan::PushWith;
use tilt_img_core::render;
use tilt_img_core::report::ScanReport;
use tilt_img_core::scan::{self, ScanOptions};

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Tiltfile,
    Json,
    /// SARIF 2.1.0: the diagnostics, for code scanning.
    Sarif,
    /// GitHub Actions workflow commands: the diagnostics as annotations.
    Github,
}

#[derive(clap::Args, Debug)]
pub struct ScanArgs {
    /// Files or directories to scan; `-` reads standard input.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Exit 1 when a diagnostic is at least this grave.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
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

fn options(args: &ScanArgs, confine: Option<Vec<PathBuf>>) -> ScanOptions {
    ScanOptions {
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
    }
}

/// Every problem of a scan: input diagnostics, then each kind's warnings.
fn annotations(report: &ScanReport) -> Vec<Annotation> {
    let kinds = report.kinds.iter().flat_map(|k| &k.warnings);
    report
        .diagnostics
        .iter()
        .chain(kinds)
        .map(Annotation::from)
        .collect()
}

/// What a scan prints on stdout in `args.format`, and the exit code it
/// earns by `--fail-on`. Kind warnings belong to the kinds they concern:
/// the text report shows them there; the exit code counts them with the
/// rest.
fn output(args: &ScanArgs, report: &ScanReport) -> (String, u8) {
    let problems = annotations(report);
    let code = exit_for(problems.iter().map(|a| a.severity).min(), args.fail_on);
    let text = match args.format {
        Format::Text => render::text::render(report),
        Format::Json => render::json::render(report),
        Format::Tiltfile => {
            let mut text = render::tiltfile::render(report);
            if let Some(plan) = &report.registry {
                text.push_str(&tilt_img_core::registry::plan::render(plan));
            }
            text
        }
        Format::Sarif => render::sarif::render(&problems, annotation::code_rule, code.into()),
        Format::Github => render::github::render(&problems, annotation::code_rule),
    };
    (text, code)
}

pub fn run(args: &ScanArgs) -> u8 {
    let outcome = scan::scan(&args.paths, &options(args, None));
    let report = &outcome.report;
    if matches!(args.format, Format::Text | Format::Tiltfile) {
        // Diagnostics first, on stderr: stdout stays the report (pasteable,
        // for --format tiltfile); the machine formats carry them inside.
        for d in &report.diagnostics {
            if !(out::quiet() && d.severity == Severity::Info) {
                say_err!("{d}");
            }
        }
    }
    let (text, code) = output(args, report);
    let shown = if args.format == Format::Text {
        out::report(&text)
    } else {
        out::emit(&text)
    };
    if shown { code } else { 0 }
}

/// What `scan` prints on stdout, for `local('tilt-img scan …')` inside
/// `check`, without a process; `confine` is the sandbox's directories.
/// Diagnostics on stderr are not part of it (a `local()` gives only stdout).
pub fn scan_output(args: &ScanArgs, confine: Option<Vec<PathBuf>>) -> String {
    let outcome = scan::scan(&args.paths, &options(args, confine));
    output(args, &outcome.report).0
}
