//! `tilt-img doctor`: lint local-registry configs.

use super::{EXIT_USAGE, FailOn, exit_for, out};
use clap::ValueEnum;
use std::path::PathBuf;
use tilt_img_core::{doctor, render};

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum DoctorFormat {
    Text,
    Json,
    /// Only with --list-rules: the rules reference (docs/doctor-rules.md).
    Markdown,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// GitHub Actions workflow commands: annotations on the configs' lines.
    Github,
}

#[derive(clap::Args, Debug)]
pub struct DoctorArgs {
    /// Files or directories to read (default: .).
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = DoctorFormat::Text)]
    pub format: DoctorFormat,
    /// Exit 1 when a finding is at least this grave (an unreadable input
    /// is an error).
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    pub fail_on: FailOn,
    /// Ask each registry the files name what it speaks (GET /v2/ over HTTPS, then HTTP).
    #[arg(long)]
    pub probe: bool,
    /// Also probe this host[:port] (implies --probe; repeatable).
    #[arg(long = "probe-host", value_name = "HOST")]
    pub probe_hosts: Vec<String>,
    /// Run only this rule, by id or name (repeatable).
    #[arg(long = "select", value_name = "ID")]
    pub select: Vec<String>,
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

pub fn run(args: &DoctorArgs) -> u8 {
    if let Some(id) = &args.explain {
        return match doctor::catalog::find(id) {
            Some(rule) => {
                out::report(&doctor::explain(rule));
                0
            }
            None => {
                say_err!("error: no rule `{id}`; `tilt-img doctor --list-rules` lists them");
                EXIT_USAGE
            }
        };
    }
    if args.list_rules {
        if args.format == DoctorFormat::Markdown {
            out::emit(&doctor::rules_markdown());
        } else {
            let text: String = doctor::catalog::RULES
                .iter()
                .map(|r| format!("{} {:<42} {}\n", r.id, r.name, r.summary))
                .collect();
            out::report(&text);
        }
        return 0;
    }
    if args.format == DoctorFormat::Markdown {
        say_err!("error: --format markdown goes with --list-rules");
        return EXIT_USAGE;
    }
    for (flag, id) in args
        .select
        .iter()
        .map(|i| ("--select", i))
        .chain(args.ignore.iter().map(|i| ("--ignore", i)))
    {
        if doctor::catalog::find(id).is_none() {
            say_err!("error: {flag} {id}: no such rule; `tilt-img doctor --list-rules` lists them");
            return EXIT_USAGE;
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
        select: args.select.clone(),
    };
    let report = doctor::run(&paths, &opts);
    let code = exit_for(report.worst(), args.fail_on);
    let printed = match args.format {
        DoctorFormat::Json => {
            let mut v = serde_json::to_value(&report).unwrap_or_default();
            v["exit_code"] = serde_json::json!(code);
            out::emit(&(serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"))
        }
        DoctorFormat::Sarif => out::emit(&render::sarif::render(
            &report.annotations(),
            doctor::rule_doc,
            code.into(),
        )),
        DoctorFormat::Github => out::emit(&render::github::render(
            &report.annotations(),
            doctor::rule_doc,
        )),
        DoctorFormat::Text | DoctorFormat::Markdown => out::report(&report.to_text(out::quiet())),
    };
    if printed { code } else { 0 }
}
