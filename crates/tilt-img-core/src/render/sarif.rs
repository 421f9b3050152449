//! SARIF 2.1.0 (OASIS): the format code-scanning services read. One run,
//! the rules it used, one result per [`Annotation`], a fix where one is
//! known. Paths relative to the working directory are given against
//! `%SRCROOT%`, which `originalUriBaseIds` says is that directory.

use crate::annotation::{Annotation, RuleDoc, rules_of};
use crate::diag::Severity;
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde_json::{Value, json};
use std::path::Path;

const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// Characters a path segment may not hold raw in a URI reference.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}')
    .add(b':');

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        // SARIF has no "info"; its word for it is "note".
        Severity::Info => "note",
    }
}

fn encode_path(p: &str) -> String {
    p.split('/')
        .map(|seg| utf8_percent_encode(seg, SEGMENT).to_string())
        .collect::<Vec<_>>()
        .join("/")
}

/// An artifact location: relative paths against `%SRCROOT%`, absolute ones
/// as `file://` URIs.
fn artifact(file: &str) -> Value {
    let file = file.strip_prefix("./").unwrap_or(file);
    if Path::new(file).is_absolute() {
        json!({"uri": format!("file://{}", encode_path(file))})
    } else {
        json!({"uri": encode_path(file), "uriBaseId": "%SRCROOT%"})
    }
}

fn region(line: u32, column: Option<u32>) -> Value {
    // A whole-file problem still needs a line for code scanning; the first.
    let mut r = json!({"startLine": line.max(1)});
    if let Some(c) = column.filter(|c| *c > 0) {
        r["startColumn"] = json!(c);
    }
    r
}

fn rule(r: &RuleDoc) -> Value {
    json!({
        "id": r.id,
        "name": r.name,
        "shortDescription": {"text": r.summary},
        "fullDescription": {"text": r.help},
        "help": {"text": r.help},
        "helpUri": r.help_uri,
        "defaultConfiguration": {"level": level(r.severity)},
    })
}

fn result(a: &Annotation, rules: &[RuleDoc]) -> Value {
    let mut v = json!({
        "ruleId": a.rule,
        "level": level(a.severity),
        "message": {"text": a.message},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": artifact(&a.file),
                "region": region(a.line, a.column),
            }
        }],
    });
    if let Some(i) = rules.iter().position(|r| r.id == a.rule) {
        v["ruleIndex"] = json!(i);
    }
    if let Some(fix) = &a.fix {
        let at = fix.line.max(1);
        v["fixes"] = json!([{
            "description": {"text": fix.description},
            "artifactChanges": [{
                "artifactLocation": artifact(&fix.file),
                "replacements": [{
                    // An empty region (`deleted` 0) is an insertion.
                    "deletedRegion": {
                        "startLine": at,
                        "startColumn": fix.column,
                        "endLine": at,
                        "endColumn": fix.column + fix.deleted,
                    },
                    "insertedContent": {"text": fix.text},
                }],
            }],
        }]);
    }
    v
}

/// The SARIF log of one run: the rules `lookup` documents for the
/// annotations' ids, each once. `exit_code` is what the process exits with.
pub fn render(
    annotations: &[Annotation],
    lookup: impl Fn(&str) -> Option<RuleDoc>,
    exit_code: i32,
) -> String {
    let rules = &rules_of(annotations, lookup);
    let cwd = std::env::current_dir()
        .ok()
        .map(|d| {
            format!(
                "file://{}/",
                encode_path(d.to_string_lossy().trim_end_matches('/'))
            )
        })
        .unwrap_or_else(|| "file:///".into());
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "tilt-img",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": crate::docs::REPOSITORY,
                "rules": rules.iter().map(rule).collect::<Vec<_>>(),
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": cwd}},
            // Columns count code points, not SARIF's default UTF-16 units.
            "columnKind": "unicodeCodePoints",
            "invocations": [{"executionSuccessful": exit_code == 0 || exit_code == 1, "exitCode": exit_code}],
            "results": annotations.iter().map(|a| result(a, rules)).collect::<Vec<_>>(),
        }],
    });
    let mut s = serde_json::to_string_pretty(&log).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(encode_path("a b/c#d.yaml"), "a%20b/c%23d.yaml");
        assert_eq!(artifact("./Tiltfile")["uri"], "Tiltfile");
        assert_eq!(artifact("/x y/T")["uri"], "file:///x%20y/T");
        assert_eq!(
            artifact("k:8s/x")["uri"],
            "k%3A8s/x",
            "no scheme by accident"
        );
    }
}
