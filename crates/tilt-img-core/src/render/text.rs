//! `--format text`: the human report. Per kind: fields with evidence,
//! images found in objects, warnings, and the Tiltfile lines.

use crate::diag::Diagnostic;
use crate::report::{Evidence, InferredField, KindReport, ScanReport};
use std::fmt::Write;

fn place(e: &Evidence) -> String {
    match (e.file.is_empty(), e.line) {
        (true, _) => String::new(),
        (false, 0) => e.file.clone(),
        (false, l) => format!("{}:{l}", e.file),
    }
}

fn write_field(out: &mut String, f: &InferredField) {
    let _ = writeln!(out, "    {}", f.field);
    for e in &f.evidence {
        let _ = writeln!(
            out,
            "      {:<9} {}  {}",
            e.source.to_string(),
            place(e),
            e.reason
        );
    }
}

fn write_diag(out: &mut String, d: &Diagnostic, indent: &str) {
    let _ = writeln!(out, "{indent}{d}");
}

fn kind(out: &mut String, r: &KindReport) {
    let versions = if r.versions.is_empty() {
        String::new()
    } else {
        format!(" {}", r.versions.join(", "))
    };
    let what = if r.builtin {
        "built-in: Tilt finds these images itself, no k8s_kind needed".to_string()
    } else if r.has_crd {
        "custom kind, CRD in the scanned files".to_string()
    } else {
        "custom kind, no CRD in the scanned files".to_string()
    };
    let group = if r.key.group.is_empty() {
        "core".to_string()
    } else {
        r.key.group.clone()
    };
    let _ = writeln!(out, "{} ({group}){versions}: {what}", r.key.kind);
    if !r.builtin {
        if r.fields.is_empty() {
            let _ = writeln!(out, "  no image fields found");
        } else {
            let _ = writeln!(out, "  image fields:");
            r.fields.iter().for_each(|f| write_field(out, f));
        }
        if !r.optional_fields.is_empty() {
            let _ = writeln!(
                out,
                "  optional image fields (in the snippet only when an object sets them):"
            );
            r.optional_fields.iter().for_each(|f| write_field(out, f));
        }
        for (v, fs) in &r.fields_by_version {
            let _ = writeln!(out, "  version {v} keeps its images at:");
            fs.iter().for_each(|f| write_field(out, f));
        }
    }
    if r.images.is_empty() {
        if !r.instances.is_empty() && !r.fields.is_empty() {
            let _ = writeln!(
                out,
                "  images in objects: none set ({} object(s) rely on the operator's defaults)",
                r.instances.len()
            );
        }
    } else {
        let _ = writeln!(out, "  images in objects:");
        for i in &r.images {
            let _ = writeln!(
                out,
                "    {}:{}  {}/{}  {} = {}",
                i.file, i.line, i.kind, i.name, i.location, i.reference
            );
        }
    }
    if !r.warnings.is_empty() {
        let _ = writeln!(out, "  warnings:");
        r.warnings.iter().for_each(|d| write_diag(out, d, "    "));
    }
    if r.tilt.is_some() {
        let _ = writeln!(out, "  tilt:");
        for line in super::tiltfile::kind_code(r, false) {
            let _ = writeln!(out, "    {line}");
        }
    }
}

pub fn render(report: &ScanReport) -> String {
    let mut out = String::new();
    for r in &report.kinds {
        kind(&mut out, r);
        out.push('\n');
    }
    if report.kinds.is_empty() {
        // Diagnostics are printed before the report (on stderr): an input
        // that failed comes first, then this line says what it cost.
        let failed = report
            .diagnostics
            .iter()
            .any(|d| d.severity == crate::diag::Severity::Error);
        out.push_str(if failed {
            "No Kubernetes objects with images or CRDs found in the inputs that could be read (see the errors above).\n\n"
        } else {
            "No Kubernetes objects with images or CRDs found.\n\n"
        });
    }
    if let Some(plan) = &report.registry {
        let route = match &plan.route {
            crate::registry::plan::Route::Registry => plan
                .cluster_host
                .as_ref()
                .map(|c| format!("; the cluster pulls it as {c}"))
                .unwrap_or_default(),
            crate::registry::plan::Route::Mirror { key, at } => format!(
                "; the nodes pull bare Docker Hub names from it through the mirror `{key}` ({at})"
            ),
        };
        let _ = writeln!(
            out,
            "dev registry: {} speaks plain HTTP ({}){route}",
            plan.push_host, plan.evidence
        );
        for b in &plan.builds {
            let _ = writeln!(
                out,
                "  {}: build with a custom_build that pushes over HTTP{}",
                b.reference,
                b.replaces
                    .as_ref()
                    .map(|r| format!(" (replaces docker_build at {r})"))
                    .unwrap_or_default()
            );
        }
        out.push('\n');
    }
    let custom = report.kinds.iter().filter(|k| k.tilt.is_some()).count();
    let _ = writeln!(
        out,
        "{} kind(s), {} need k8s_kind(); {} image reference(s) in objects; run with --format tiltfile for the lines to paste.",
        report.kinds.len(),
        custom,
        report.kinds.iter().map(|k| k.images.len()).sum::<usize>()
    );
    out
}
