//! `--format json`: the stable contract documented in the README
//! (`schema_version` 1). Keys named there are never removed or renamed.

use crate::report::{Evidence, ImageField, InferredField, KindReport, ScanReport};
use serde_json::{Value, json};

fn evidence(e: &[Evidence]) -> Value {
    serde_json::to_value(e).unwrap_or(Value::Null)
}

pub fn field(f: &InferredField) -> Value {
    match &f.field {
        ImageField::Whole(p) => json!({"path": p.to_string(), "evidence": evidence(&f.evidence)}),
        ImageField::Split(s) => {
            let mut m = serde_json::Map::new();
            for (role, name) in s.parts() {
                m.insert(role.to_string(), Value::String(s.part(name).to_string()));
            }
            m.insert("expressible".into(), Value::Bool(s.expressible_in_tilt()));
            m.insert("evidence".into(), evidence(&f.evidence));
            Value::Object(m)
        }
    }
}

fn kind(r: &KindReport) -> Value {
    let mut v = json!({
        "group": r.key.group,
        "kind": r.key.kind,
        "versions": r.versions,
        "builtin": r.builtin,
        "has_crd": r.has_crd,
        "fields": r.fields.iter().map(field).collect::<Vec<_>>(),
        "optional_fields": r.optional_fields.iter().map(field).collect::<Vec<_>>(),
        "instances": r.instances,
        "warnings": r.warnings,
        "tilt": r.tilt,
        "tilt_calls": super::tiltfile::kind_calls(r),
    });
    if !r.fields_by_version.is_empty() {
        let by: serde_json::Map<String, Value> = r
            .fields_by_version
            .iter()
            .map(|(ver, fs)| (ver.clone(), Value::Array(fs.iter().map(field).collect())))
            .collect();
        v["fields_by_version"] = Value::Object(by);
    }
    v
}

pub fn to_value(report: &ScanReport) -> Value {
    let images: Vec<&crate::report::FoundImage> =
        report.kinds.iter().flat_map(|k| k.images.iter()).collect();
    let mut v = json!({
        "schema_version": 1,
        "kinds": report.kinds.iter().map(kind).collect::<Vec<_>>(),
        "images": images,
        "diagnostics": report.diagnostics,
    });
    if let Some(plan) = &report.registry {
        v["registry"] = serde_json::to_value(plan).unwrap_or(Value::Null);
    }
    v
}

pub fn render(report: &ScanReport) -> String {
    let mut s = serde_json::to_string_pretty(&to_value(report)).unwrap_or_default();
    s.push('\n');
    s
}
