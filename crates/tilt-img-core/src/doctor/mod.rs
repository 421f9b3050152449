//! `tilt-img doctor`: a linter for local-registry configuration.
//!
//! Reads the tree into a [`registry::Model`](crate::registry::Model), runs
//! every rule in [`rules`] (one file per rule), and reports findings
//! ruff-style: stable id, one line with file:line, and a docs entry per rule,
//! its doc comment, rendered by [`catalog`] (`--explain REG001`). `--probe` first asks each registry what it speaks
//! ([`crate::registry::probe`]) so that rules work from facts, not guesses.

pub mod catalog;
pub mod rules;

pub use catalog::{explain, rules_markdown};
pub use rules::RuleId;

use crate::annotation::{Annotation, Edit, RuleDoc};
use crate::diag::{Diagnostic, Severity};
use crate::registry::model::{Loc, Model, Origin, is_loopback, looks_dev};
use crate::registry::probe::{self, ProbeResult, Push};
use serde::Serialize;
use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub rule: RuleId,
    pub name: &'static str,
    pub severity: Severity,
    pub file: String,
    pub line: u32,
    pub message: String,
    /// The fix, when it is one edit on the finding's line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replace: Option<Replace>,
}

/// `old` on the finding's line becomes `new`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Replace {
    pub old: String,
    pub new: String,
}

impl Finding {
    pub fn new(rule: RuleId, loc: Loc, message: String) -> Finding {
        let meta = rule.rule();
        Finding {
            rule,
            name: meta.name,
            severity: meta.severity,
            file: loc.file,
            line: loc.line,
            message,
            replace: None,
        }
    }

    /// With a fix that replaces `old` by `new` on its line.
    pub fn replacing(mut self, old: &str, new: &str) -> Finding {
        self.replace = Some(Replace {
            old: old.to_string(),
            new: new.to_string(),
        });
        self
    }
}

/// One line: `severity: file:line: ID [name] message`.
impl std::fmt::Display for Finding {
    fn fmt(&self, out: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            out,
            "{}: {}:{}: {} [{}] {}",
            self.severity, self.file, self.line, self.rule, self.name, self.message
        )
    }
}

#[derive(Debug, Clone, Default)]
pub struct DoctorOptions {
    pub no_ignore: bool,
    pub probe: bool,
    /// Extra hosts to probe besides those the files name.
    pub probe_hosts: Vec<String>,
    /// Rules to skip, by id (any case) or by name, as `--explain` takes
    /// them; strings that name no rule skip nothing here, the CLI rejects
    /// them first.
    pub ignore: Vec<String>,
    /// Only these rules (empty: all), named as `ignore` names them.
    pub select: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct DoctorReport {
    pub schema_version: u32,
    /// Files read and what they were recognised as.
    pub files: Vec<FileKind>,
    pub findings: Vec<Finding>,
    /// Findings of rules that `--select`/`--ignore` left out.
    pub left_out: usize,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub probes: Vec<ProbeResult>,
    pub diagnostics: Vec<Diagnostic>,
    /// The model the rules ran on, for tools (`--format json`).
    pub model: ModelSummary,
}

#[derive(Debug, Serialize)]
pub struct FileKind {
    pub file: String,
    pub kind: &'static str,
}

/// Where images go, in a few lines.
#[derive(Debug, Serialize)]
pub struct ModelSummary {
    pub push: Vec<PushSummary>,
    pub mirrors: Vec<MirrorSummary>,
}

#[derive(Debug, Serialize)]
pub struct PushSummary {
    pub host: String,
    pub cluster_pulls_as: Option<String>,
    /// `http`, `https`, or `unknown`.
    pub protocol: &'static str,
    /// Why we say so (`assumed: …` for a guess).
    pub evidence: Option<String>,
    pub from: Loc,
}

#[derive(Debug, Serialize)]
pub struct MirrorSummary {
    pub registry: String,
    pub endpoints: Vec<String>,
    pub at: Loc,
    /// Who wrote it: a file, or k3d/ctlptl by themselves.
    pub origin: crate::registry::model::Origin,
}

/// Runs the doctor over `paths`.
pub fn run(paths: &[PathBuf], opts: &DoctorOptions) -> DoctorReport {
    let (mut model, diagnostics) = crate::registry::sources::read_tree(
        paths,
        opts.no_ignore,
        crate::registry::sources::Scope::Full,
        &Default::default(),
    );
    if opts.probe {
        let pushes: Vec<String> = model.push_targets.iter().map(|t| t.host.clone()).collect();
        for host in probe_hosts(&model, &opts.probe_hosts) {
            let check_push = pushes.contains(&host) || opts.probe_hosts.contains(&host);
            model.probes.push(probe::probe(&host, check_push));
        }
    }
    // By id or by name, as `--explain` takes them (the CLI refuses others).
    let ids = |names: &[String]| -> Vec<RuleId> {
        names
            .iter()
            .filter_map(|i| catalog::find(i).map(|r| r.id))
            .collect()
    };
    let (selected, ignored) = (ids(&opts.select), ids(&opts.ignore));
    let wanted =
        |id: RuleId| (selected.is_empty() || selected.contains(&id)) && !ignored.contains(&id);
    // Every rule runs, so that the report can say how much was left out.
    let (mut findings, left_out): (Vec<Finding>, Vec<Finding>) = rules::RULES
        .iter()
        .flat_map(|r| (r.check)(&model))
        .partition(|f| wanted(f.rule));
    findings.sort_by(|a, b| (&a.file, a.line, a.rule).cmp(&(&b.file, b.line, b.rule)));
    findings.dedup_by(|a, b| {
        a.file == b.file && a.line == b.line && a.rule == b.rule && a.message == b.message
    });
    let summary = summarize(&model);
    DoctorReport {
        schema_version: 1,
        files: model
            .files
            .iter()
            .map(|(f, k)| FileKind {
                file: f.clone(),
                kind: k,
            })
            .collect(),
        findings,
        left_out: left_out.len(),
        probes: std::mem::take(&mut model.probes),
        diagnostics,
        model: summary,
    }
}

/// Hosts reachable from this machine that the files name: push targets,
/// servers' host-side addresses, endpoints and mirror keys of dev registries.
fn probe_hosts(model: &Model, extra: &[String]) -> Vec<String> {
    let mut hosts: Vec<String> = extra.iter().map(|h| h.to_ascii_lowercase()).collect();
    let mut add = |h: &str| {
        let h = h.to_ascii_lowercase();
        if !h.is_empty() && !h.contains('*') && !hosts.contains(&h) {
            hosts.push(h);
        }
    };
    for t in &model.push_targets {
        add(&t.host);
    }
    for s in &model.servers {
        for a in s.addresses.iter().filter(|a| is_loopback(a)) {
            add(a);
        }
    }
    for e in model.endpoints() {
        if looks_dev(&e.host) {
            add(&e.host);
        }
    }
    hosts
}

fn summarize(m: &Model) -> ModelSummary {
    let protocol = |h: &str| -> (&'static str, Option<String>) {
        if let Some(t) = m.tls_evidence(h) {
            ("https", Some(t))
        } else {
            match m.http_evidence(h) {
                Some(e) if !e.assumed => ("http", Some(e.reason)),
                Some(e) => ("unknown", Some(e.reason)),
                None => ("unknown", None),
            }
        }
    };
    ModelSummary {
        push: m
            .push_targets
            .iter()
            .map(|t| {
                let (protocol, evidence) = protocol(&t.host);
                PushSummary {
                    host: t.host.clone(),
                    cluster_pulls_as: t.from_cluster.as_ref().map(|(h, _)| h.clone()),
                    protocol,
                    evidence,
                    from: t.loc.clone(),
                }
            })
            .collect(),
        mirrors: m
            .mirrors
            .iter()
            .filter(|x| {
                // A mirror k3d/ctlptl add by themselves, shown only when no
                // file configures the same registry.
                !matches!(x.origin, Origin::K3d | Origin::Ctlptl)
                    || !m.mirrors.iter().any(|y| {
                        y.key == x.key && !matches!(y.origin, Origin::K3d | Origin::Ctlptl)
                    })
            })
            .map(|x| MirrorSummary {
                registry: x.key.clone(),
                endpoints: x.endpoints.iter().map(|e| e.raw.clone()).collect(),
                at: x.loc.clone(),
                origin: x.origin,
            })
            .fold(Vec::<MirrorSummary>::new(), |mut acc, x| {
                if !acc
                    .iter()
                    .any(|y| y.registry == x.registry && y.endpoints == x.endpoints)
                {
                    acc.push(x);
                }
                acc
            }),
    }
}

/// A doctor rule, or a diagnostic code of the files doctor could not read,
/// as SARIF lists rules.
pub fn rule_doc(id: &str) -> Option<RuleDoc> {
    let Ok(rule) = id.parse::<RuleId>().map(RuleId::rule) else {
        return crate::annotation::code_rule(id);
    };
    Some(RuleDoc {
        id: rule.id.as_str(),
        name: rule.name,
        summary: rule.summary.to_string(),
        help: format!("{} {} Fix: {}", rule.what, rule.why, rule.fix),
        help_uri: crate::docs::url("doctor-rules.md", &rule.id.as_str().to_ascii_lowercase()),
        severity: rule.severity,
    })
}

impl DoctorReport {
    /// The worst severity among findings and unreadable inputs.
    pub fn worst(&self) -> Option<Severity> {
        let findings = self.findings.iter().map(|f| f.severity);
        let diags = self.diagnostics.iter().map(|d| d.severity);
        findings.chain(diags).min()
    }

    /// Findings, then the diagnostics of files it could not read.
    pub fn annotations(&self) -> Vec<Annotation> {
        let findings = self.findings.iter().map(|f| {
            // The edit's columns come from the file as it is now.
            let fix = f.replace.as_ref().and_then(|r| {
                let text = std::fs::read_to_string(&f.file).ok()?;
                Edit::replace_on_line(
                    format!("{} {}: write `{}`", f.rule, f.name, r.new),
                    &f.file,
                    &text,
                    f.line,
                    &r.old,
                    &r.new,
                )
            });
            Annotation {
                rule: f.rule.as_str(),
                severity: f.severity,
                file: f.file.clone(),
                line: f.line,
                column: fix.as_ref().map(|e| e.column),
                message: f.message.clone(),
                fix,
            }
        });
        findings
            .chain(self.diagnostics.iter().map(Annotation::from))
            .collect()
    }

    /// The report; `quiet`: the problems only.
    pub fn to_text(&self, quiet: bool) -> String {
        let mut s = String::new();
        if quiet {
            for d in self
                .diagnostics
                .iter()
                .filter(|d| d.severity != Severity::Info)
            {
                let _ = writeln!(s, "{d}");
            }
            for f in self
                .findings
                .iter()
                .filter(|f| f.severity != Severity::Info)
            {
                let _ = writeln!(s, "{f}");
            }
            return s;
        }
        for p in &self.model.push {
            let _ = writeln!(
                s,
                "push to {} ({}){}: {}{}",
                p.host,
                p.from,
                p.cluster_pulls_as
                    .as_ref()
                    .map(|c| format!(", the cluster pulls it as {c}"))
                    .unwrap_or_default(),
                p.protocol,
                p.evidence
                    .as_ref()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default()
            );
        }
        for m in &self.model.mirrors {
            let _ = writeln!(
                s,
                "mirror {} -> {} ({}{})",
                m.registry,
                if m.endpoints.is_empty() {
                    "(no endpoints)".to_string()
                } else {
                    m.endpoints.join(", ")
                },
                m.at,
                match m.origin {
                    Origin::K3d => ", added by k3d",
                    Origin::Ctlptl => ", added by ctlptl",
                    _ => "",
                }
            );
        }
        if !self.model.push.is_empty() || !self.model.mirrors.is_empty() {
            s.push('\n');
        }
        for p in &self.probes {
            let _ = writeln!(s, "probe {}: {}", p.host, p.speaks.describe());
            match &p.push {
                Some(Push::Accepted) => {
                    let _ = writeln!(s, "  push: accepted (an upload was started and cancelled)");
                }
                Some(Push::Refused { status, .. }) => {
                    let _ = writeln!(
                        s,
                        "  push: refused ({status}): a pull-through proxy or read-only registry"
                    );
                }
                Some(Push::NeedsAuth) => {
                    let _ = writeln!(s, "  push: needs credentials (401)");
                }
                Some(Push::Unknown { detail }) => {
                    let _ = writeln!(s, "  push: unknown ({detail})");
                }
                None => {}
            }
            if let Some(a) = probe::advice(p) {
                let _ = writeln!(s, "  what to change: {a}");
            }
            if let Some(r) = &p.redirect {
                let _ = writeln!(s, "  redirects to {r} (not followed)");
            }
        }
        for d in &self.diagnostics {
            let _ = writeln!(s, "{d}");
        }
        for f in &self.findings {
            let _ = writeln!(s, "{f}");
        }
        if self.findings.is_empty() {
            let _ = writeln!(
                s,
                "no registry problems found in {} file(s)",
                self.files.len()
            );
        } else {
            let _ = writeln!(
                s,
                "\n{} finding(s); `tilt-img doctor --explain <ID>` tells what each means and how to fix it",
                self.findings.len()
            );
        }
        if self.left_out > 0 {
            let _ = writeln!(
                s,
                "{} finding(s) of rules left out by --select/--ignore",
                self.left_out
            );
        }
        s
    }
}
