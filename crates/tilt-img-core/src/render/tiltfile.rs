//! `--format tiltfile`: `k8s_kind(...)` lines ready to paste.
//!
//! Rules that keep the snippet loading in real Tilt:
//! - `kind` and `api_version` are unanchored, case-insensitive regexes in
//!   Tilt, so both are anchored (`^KafkaConnect$` must not match
//!   `KafkaConnector`) and the group's dots escaped;
//! - a step the schema does not require becomes a filter, because Tilt fails
//!   the whole load when a matched object lacks a plain path;
//! - `image_json_path` and `image_object` cannot share a call, so each split
//!   image gets its own call (calls for one kind accumulate in Tilt);
//! - a split with a registry or name part cannot be expressed and is left
//!   as a comment, never guessed.

use crate::report::{ImageField, InferredField, KindReport, ScanReport, SplitImage};

fn regex_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

use crate::escape::comment;

fn guard(f: &InferredField) -> impl Fn(usize) -> bool + '_ {
    // The first step (`spec`) is always there; the rest as the schema says.
    move |i| i > 0 && f.may_be_absent.get(i).copied().unwrap_or(true)
}

pub fn json_path(f: &InferredField) -> String {
    f.field.anchor().to_jsonpath(guard(f))
}

/// JSONPath to a split's object, filtered on its repo field: an object
/// without one would give Tilt an empty reference and fail the load. The
/// filter is built for `object.repo` (always guarded) and the trailing key
/// dropped, so it selects the object only where it has the repo field.
pub fn object_json_path(f: &InferredField, s: &SplitImage) -> String {
    let probe = s.object.key(&s.repo);
    let last = probe.len() - 1;
    let g = guard(f);
    let p = probe.to_jsonpath(|i| i == last || g(i));
    let suffix = format!(".{}}}", s.repo);
    match p.strip_suffix(&suffix) {
        Some(head) => format!("{head}}}"),
        None => p,
    }
}

use crate::codegen::TiltCall;
pub use crate::codegen::{ImageObject, K8sKind};

fn selector(r: &KindReport, version: Option<&str>) -> (String, String) {
    let group = regex_escape(&r.key.group);
    let api = match version {
        Some(v) => format!("^{group}/{}$", regex_escape(v)),
        None => format!("^{group}/"),
    };
    (format!("^{}$", regex_escape(&r.key.kind)), api)
}

fn structured(r: &KindReport, fields: &[&InferredField], version: Option<&str>) -> Vec<K8sKind> {
    let (kind, api_version) = selector(r, version);
    let mut out = Vec::new();
    let paths: Vec<String> = fields
        .iter()
        .filter(|f| matches!(f.field, ImageField::Whole(_)))
        .map(|f| json_path(f))
        .collect();
    if !paths.is_empty() {
        out.push(K8sKind {
            kind: kind.clone(),
            api_version: api_version.clone(),
            image_json_path: Some(paths),
            image_object: None,
        });
    }
    for f in fields {
        if let ImageField::Split(s) = &f.field
            && s.expressible_in_tilt()
        {
            out.push(K8sKind {
                kind: kind.clone(),
                api_version: api_version.clone(),
                image_json_path: None,
                image_object: Some(ImageObject {
                    json_path: object_json_path(f, s),
                    repo_field: s.repo.clone(),
                    tag_field: s.tag.clone().unwrap_or_else(|| "tag".into()),
                }),
            });
        }
    }
    out
}

fn calls(r: &KindReport, fields: &[&InferredField], version: Option<&str>, out: &mut Vec<String>) {
    out.extend(
        structured(r, fields, version)
            .into_iter()
            .map(|c| TiltCall::K8sKind(c).line()),
    );
    for f in fields {
        if let ImageField::Split(s) = &f.field
            && !s.expressible_in_tilt()
        {
            out.push(comment(&format!(
                "not expressible: {} ({}); image_object has only repo_field and tag_field",
                s.object,
                s.parts()
                    .iter()
                    .map(|(role, n)| format!("{role}={n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
}

/// Every `k8s_kind` call a kind needs, as data (see [`kind_snippet`]).
pub fn kind_calls(r: &KindReport) -> Vec<K8sKind> {
    if r.builtin {
        return vec![];
    }
    let fields = snippet_fields(r);
    if r.fields_by_version.is_empty() {
        return structured(r, &fields, None);
    }
    let mut out = structured(r, &fields, r.versions.first().map(String::as_str));
    for (v, vf) in &r.fields_by_version {
        let vf: Vec<&InferredField> = vf.iter().collect();
        out.extend(structured(r, &vf, Some(v)));
    }
    out
}

fn evidence_comment(fields: &[&InferredField]) -> Vec<String> {
    fields
        .iter()
        .map(|f| {
            let ev: Vec<String> = f
                .evidence
                .iter()
                .map(|e| {
                    if e.line > 0 {
                        format!("{} {}:{}", e.source, e.file, e.line)
                    } else if e.file.is_empty() {
                        e.source.to_string()
                    } else {
                        format!("{} {}", e.source, e.file)
                    }
                })
                .collect();
            comment(&format!("  {} <- {}", f.field, ev.join(", ")))
        })
        .collect()
}

/// Fields that go into the snippet: all image fields, plus optional ones
/// (ephemeral containers, image volumes) that an instance actually uses,
/// that Tilt's JSONPath can reach (see [`addressable`]).
pub fn snippet_fields(r: &KindReport) -> Vec<&InferredField> {
    candidate_fields(r).filter(|f| addressable(f)).collect()
}

fn candidate_fields(r: &KindReport) -> impl Iterator<Item = &InferredField> {
    let used = |f: &InferredField| r.images.iter().any(|i| *i.path == *f.field.to_string());
    r.fields
        .iter()
        .chain(r.optional_fields.iter().filter(move |f| used(f)))
}

/// Whether the JSONPath written for a field reaches it in Tilt's dialect.
/// Keys Tilt cannot spell (a newline, a quote inside brackets) would make
/// the whole load fail; such fields are left out and named in a comment.
pub fn addressable(f: &InferredField) -> bool {
    match &f.field {
        ImageField::Whole(p) => {
            p.reached_by(&p.to_jsonpath(|_| false)) && {
                let jp = json_path(f);
                tilt_loader::jsonpath::JsonPath::parse(&jp).is_ok()
            }
        }
        ImageField::Split(s) => {
            let repo = s.object.key(&s.repo);
            repo.reached_by(&repo.to_jsonpath(|_| false))
                && tilt_loader::jsonpath::JsonPath::parse(&object_json_path(f, s)).is_ok()
        }
    }
}

/// The code for one kind: its `k8s_kind` calls, and comments for splits
/// Tilt cannot express (and, with `version_notes`, a note before the calls
/// of each served version that keeps its images elsewhere). Empty when
/// there is nothing to tell Tilt. `fix` writes this, without the evidence.
pub fn kind_code(r: &KindReport, version_notes: bool) -> Vec<String> {
    if r.builtin {
        return vec![];
    }
    let fields = snippet_fields(r);
    if fields.is_empty() {
        return vec![];
    }
    let mut out = Vec::new();
    for f in candidate_fields(r).filter(|f| !addressable(f)) {
        out.push(comment(&format!(
            "left out: {} has a key Tilt's JSONPath cannot spell",
            f.field
        )));
    }
    if r.fields_by_version.is_empty() {
        calls(r, &fields, None, &mut out);
    } else {
        let storage = r.versions.first().map(String::as_str);
        calls(r, &fields, storage, &mut out);
        for (v, vf) in &r.fields_by_version {
            if version_notes {
                out.push(comment(&format!(
                    "{} {} keeps its images elsewhere:",
                    r.key.kind, v
                )));
            }
            let vf: Vec<&InferredField> = vf.iter().collect();
            calls(r, &vf, Some(v), &mut out);
        }
    }
    out
}

/// The lines for one kind, or None when there is nothing to tell Tilt:
/// a header, the evidence per field, then [`kind_code`].
pub fn kind_snippet(r: &KindReport) -> Option<String> {
    let code = kind_code(r, true);
    if code.is_empty() {
        return None;
    }
    let versions = if r.versions.is_empty() {
        String::new()
    } else {
        format!("/{}", r.versions.join(","))
    };
    let mut out = vec![comment(&format!(
        "{} ({}{}): image fields and evidence",
        r.key.kind, r.key.group, versions
    ))];
    out.extend(evidence_comment(&snippet_fields(r)));
    out.extend(code);
    Some(out.join("\n"))
}

pub fn render(report: &ScanReport) -> String {
    let mut out = String::from(
        "# Generated by tilt-img scan: k8s_kind() lines for the custom kinds found.\n# Paste into your Tiltfile (or load the tilt_img extension to keep them current).\n",
    );
    let mut any = false;
    for r in &report.kinds {
        if let Some(s) = &r.tilt {
            out.push('\n');
            out.push_str(s);
            out.push('\n');
            any = true;
        }
    }
    if !any {
        out.push_str("\n# No custom kinds with image fields: Tilt needs no k8s_kind() here.\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(regex_escape("kafka.strimzi.io"), "kafka\\.strimzi\\.io");
    }
}
