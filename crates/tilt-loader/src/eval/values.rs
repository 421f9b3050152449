//! Values that cross between Starlark and Rust: Tilt's `Blob`, JSON
//! conversions, and a YAML emitter for `encode_yaml`.

use allocative::Allocative;
use serde_json::Value as Json;
use starlark::any::ProvidesStaticType;
use starlark::starlark_simple_value;
use starlark::values::{Heap, NoSerialize, StarlarkValue, Value, ValueLike, starlark_value};
use std::fmt;

/// Tilt's `blob`: text that `k8s_yaml` reads as YAML rather than as a path.
#[derive(Debug, Clone, ProvidesStaticType, NoSerialize, Allocative)]
pub struct Blob {
    pub text: String,
}

starlark_simple_value!(Blob);

impl fmt::Display for Blob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[starlark_value(type = "blob")]
impl<'v> StarlarkValue<'v> for Blob {}

pub fn alloc_blob<'v>(heap: Heap<'v>, text: String) -> Value<'v> {
    heap.alloc(Blob { text })
}

/// Text of a string or a Blob.
pub fn text_of(v: Value<'_>) -> Option<String> {
    if let Some(s) = v.unpack_str() {
        return Some(s.to_string());
    }
    v.downcast_ref::<Blob>().map(|b| b.text.clone())
}

pub fn to_json(v: Value<'_>) -> Result<Json, String> {
    v.to_json_value().map_err(|e| e.to_string())
}

/// A YAML emitter good for what Tiltfiles do with it: feed it back to
/// `k8s_yaml` or print it. Strings are always double-quoted (valid YAML,
/// no type surprises).
pub fn to_yaml(v: &Json) -> String {
    let mut out = String::new();
    emit(v, 0, &mut out, false);
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

fn scalar(v: &Json) -> String {
    match v {
        Json::Null => "null".into(),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) => n.to_string(),
        Json::String(s) => serde_json::to_string(s).unwrap_or_default(),
        Json::Array(a) if a.is_empty() => "[]".into(),
        Json::Object(o) if o.is_empty() => "{}".into(),
        _ => String::new(),
    }
}

fn is_compound(v: &Json) -> bool {
    matches!(v, Json::Array(a) if !a.is_empty()) || matches!(v, Json::Object(o) if !o.is_empty())
}

fn emit(v: &Json, indent: usize, out: &mut String, inline_first: bool) {
    let pad = " ".repeat(indent);
    match v {
        Json::Object(o) if !o.is_empty() => {
            for (i, (k, val)) in o.iter().enumerate() {
                if !(i == 0 && inline_first) {
                    out.push_str(&pad);
                }
                out.push_str(&serde_json::to_string(k).unwrap_or_default());
                out.push(':');
                if is_compound(val) {
                    out.push('\n');
                    emit(val, indent + 2, out, false);
                } else {
                    out.push(' ');
                    out.push_str(&scalar(val));
                    out.push('\n');
                }
            }
        }
        Json::Array(a) if !a.is_empty() => {
            for (i, item) in a.iter().enumerate() {
                if !(i == 0 && inline_first) {
                    out.push_str(&pad);
                }
                out.push_str("- ");
                if is_compound(item) {
                    emit(item, indent + 2, out, true);
                } else {
                    out.push_str(&scalar(item));
                    out.push('\n');
                }
            }
        }
        other => {
            out.push_str(&pad);
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
}

pub fn to_yaml_stream(vs: &[Json]) -> String {
    vs.iter().map(to_yaml).collect::<Vec<_>>().join("---\n")
}

/// Parses YAML text (one stream) into JSON documents, with our loader.
pub fn parse_yaml_stream(text: &str) -> Result<Vec<Json>, String> {
    let parsed = crate::tree::parse_stream(text);
    if let Some(e) = parsed.error {
        return Err(format!(
            "error parsing YAML: line {}: {}",
            e.line, e.message
        ));
    }
    Ok(parsed
        .documents
        .into_iter()
        .filter(|d| !d.root.is_null())
        .map(|d| d.root.to_json())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_round_trips_through_our_parser() {
        let v: Json = serde_json::from_str(
            r#"{"a": {"b": [1, "x", {"c": true, "d": null}], "e": []}, "f": "y: z"}"#,
        )
        .unwrap();
        let text = to_yaml(&v);
        let back = parse_yaml_stream(&text).unwrap();
        assert_eq!(back, vec![v], "{text}");
    }
}
