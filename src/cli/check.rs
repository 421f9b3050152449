//! `tilt-img check`: load a Tiltfile offline as Tilt would.

use super::{EXIT_USAGE, FailOn, LoaderArgs, exit_for, loader_options, out};
use clap::ValueEnum;
use serde_json::json;
use std::io::Read;
use std::path::{Path, PathBuf};
use tilt_img_core::annotation::{self, Annotation};
use tilt_img_core::diag::{Code, Severity};
use tilt_img_core::{check, render};

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum CheckFormat {
    Text,
    Json,
    /// The normalized summary of Tilt's loader (shared/oracle format).
    Oracle,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// GitHub Actions workflow commands: annotations on the Tiltfile's lines.
    Github,
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// The Tiltfile (default: ./Tiltfile); `-` reads it from standard input
    /// (as the Tiltfile of the working directory).
    #[arg(default_value = "Tiltfile")]
    pub tiltfile: PathBuf,
    #[command(flatten)]
    pub loader: LoaderArgs,
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
    /// Exit 1 when a problem is at least this grave: a load error and an
    /// undeployed build are errors, Tilt's warnings warnings, commands not
    /// run and builtins not emulated info.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
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
    /// The same as --fail-on warning.
    #[arg(long)]
    pub warnings_as_errors: bool,
    /// Arguments passed to the Tiltfile (config.parse, sys.argv), after `--`.
    #[arg(last = true)]
    pub args: Vec<String>,
}

/// Why `path` is not a Tiltfile `check` can load, in plain words.
fn not_a_tiltfile(path: &Path) -> Option<String> {
    let shown = path.display();
    if path.is_dir() {
        let inner = path.join("Tiltfile");
        return Some(if inner.is_file() {
            format!(
                "{shown} is a directory; `check` loads a Tiltfile: `tilt-img check {}`",
                inner.display()
            )
        } else {
            format!(
                "{shown} is a directory with no Tiltfile; pass the path of a Tiltfile (`tilt-img scan {shown}` reads manifests)"
            )
        });
    }
    if !path.is_file() {
        return Some(format!(
            "{shown}: no such Tiltfile; pass the path of a Tiltfile, or `-` to read one from standard input"
        ));
    }
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if matches!(ext.as_str(), "yaml" | "yml" | "json") {
        return Some(format!(
            "{shown} is a {} file, not a Tiltfile; `check` loads a Tiltfile (`tilt-img scan {shown}` reads manifests)",
            if ext == "json" { "JSON" } else { "YAML" }
        ));
    }
    None
}

pub fn run(args: &CheckArgs) -> u8 {
    let mut opts = loader_options(&args.loader, &args.args);
    opts.max_steps = args.max_steps;
    opts.max_memory = (args.max_memory as usize) << 20;
    let stdin = args.tiltfile.as_os_str() == "-";
    let (result, shown, text) = if stdin {
        let mut text = String::new();
        if let Err(e) = std::io::stdin().read_to_string(&mut text) {
            say_err!("error: cannot read the Tiltfile from standard input: {e}");
            return EXIT_USAGE;
        }
        let r = tilt_loader::run(Path::new("Tiltfile"), &text, Default::default(), &opts);
        (r, "Tiltfile".to_string(), text)
    } else {
        if let Some(why) = not_a_tiltfile(&args.tiltfile) {
            say_err!("error: {why}");
            return EXIT_USAGE;
        }
        let text = std::fs::read_to_string(&args.tiltfile).unwrap_or_default();
        let r = tilt_loader::check(&args.tiltfile, &opts);
        (r, args.tiltfile.display().to_string(), text)
    };
    // Inference over every object: once, for every format that needs it.
    let skipped = check::skipped_images(&result);
    let problems = check::annotations(&result, &skipped, &shown, &text);
    let fail_on = if args.warnings_as_errors {
        FailOn::Warning
    } else {
        args.fail_on
    };
    let code = exit_for(problems.iter().map(|a| a.severity).min(), fail_on);
    let printed = match args.format {
        CheckFormat::Oracle => out::emit(&pretty(&tilt_loader::report::oracle(&result))),
        CheckFormat::Json => {
            let mut v = check::json(&result, &skipped);
            v["exit_code"] = json!(code);
            v["diagnostics"] = json!(problems.iter().map(problem_json).collect::<Vec<_>>());
            out::emit(&pretty(&v))
        }
        CheckFormat::Sarif => out::emit(&render::sarif::render(
            &problems,
            annotation::code_rule,
            code.into(),
        )),
        CheckFormat::Github => out::emit(&render::github::render(&problems, annotation::code_rule)),
        CheckFormat::Text if out::quiet() => out::report(&quiet_text(&problems)),
        CheckFormat::Text => out::report(&check::text(&result, &shown, &skipped)),
    };
    if printed { code } else { 0 }
}

/// `--quiet`: only the problems at warning or above, one per line.
fn quiet_text(problems: &[Annotation]) -> String {
    if problems.iter().all(|a| a.severity == Severity::Info) {
        return String::new();
    }
    // The load error keeps Tilt's whole traceback; the rest is one line each.
    if let Some(e) = problems.iter().find(|a| a.rule == Code::LoadError.id()) {
        return format!("error: {}\n", e.message);
    }
    problems
        .iter()
        .filter(|a| a.severity != Severity::Info)
        .map(|a| format!("{}: {}:{}: {}\n", a.severity, a.file, a.line, a.message))
        .collect()
}

fn problem_json(a: &Annotation) -> serde_json::Value {
    json!({
        "code": a.rule,
        "severity": a.severity,
        "file": a.file,
        "line": a.line,
        "column": a.column,
        "message": a.message,
        "fix": a.fix.as_ref().map(|f| json!({"line": f.line, "text": f.text})),
    })
}

fn pretty(v: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}
