//! Kubernetes objects out of YAML documents: `apiVersion`/`kind` checks,
//! `List` expansion, and the place each object came from.

use crate::diag::{Code, Diagnostic};
use std::sync::Arc;
use tilt_loader::tree::{Document, Node, Value};

#[derive(Debug, Clone)]
pub struct K8sObject {
    pub api_version: String,
    pub kind: String,
    /// `metadata.name`, else `metadata.generateName`, else empty.
    pub name: String,
    pub file: Arc<str>,
    pub line: u32,
    pub root: Node,
}

impl K8sObject {
    /// API group: `apps` for `apps/v1`, empty for the core group (`v1`).
    pub fn group(&self) -> &str {
        self.api_version
            .rsplit_once('/')
            .map(|(g, _)| g)
            .unwrap_or("")
    }
    pub fn version(&self) -> &str {
        self.api_version
            .rsplit_once('/')
            .map(|(_, v)| v)
            .unwrap_or(&self.api_version)
    }
}

/// What a document turned out to be.
pub enum DocKind {
    Objects(Vec<K8sObject>),
    /// Not a Kubernetes object at all (values file, compose file, …).
    Foreign,
    Empty,
}

/// Lists nest at most this deep (a `List` of `List`s is already unusual).
const MAX_LIST_DEPTH: usize = 4;

pub fn classify(doc: Document, file: &Arc<str>, diags: &mut Vec<Diagnostic>) -> DocKind {
    if doc.root.is_null() {
        return DocKind::Empty;
    }
    let mut out = Vec::new();
    match object_from(doc.root, file, diags, 0, &mut out) {
        true => DocKind::Objects(out),
        false => DocKind::Foreign,
    }
}

/// Returns false when the node does not look like a Kubernetes object at all.
fn object_from(
    root: Node,
    file: &Arc<str>,
    diags: &mut Vec<Diagnostic>,
    depth: usize,
    out: &mut Vec<K8sObject>,
) -> bool {
    let line = root.line;
    if !matches!(root.value, Value::Map(_)) {
        return false;
    }
    let api_version = root.str_at("apiVersion").map(str::to_string);
    let kind = root.str_at("kind").map(str::to_string);
    let (api_version, kind) = match (api_version, kind) {
        (Some(a), Some(k)) if !a.is_empty() && !k.is_empty() => (a, k),
        (None, None) => return false,
        (a, k) => {
            let missing = if a.is_none() { "apiVersion" } else { "kind" };
            let _ = k;
            diags.push(Diagnostic::new(
                Code::NotAnObject,
                file,
                line,
                format!("document has no string `{missing}`, so it is not a Kubernetes object; skipped (add `{missing}` if it is one)"),
            ));
            return true;
        }
    };
    if kind.ends_with("List") && root.get("items").and_then(Node::as_seq).is_some() {
        if depth >= MAX_LIST_DEPTH {
            diags.push(Diagnostic::new(
                Code::NotAnObject,
                file,
                line,
                "Lists nested too deep; inner items skipped",
            ));
            return true;
        }
        // Move the items out of the list rather than copying them.
        let items = match root.value {
            Value::Map(entries) => entries
                .into_iter()
                .find(|e| e.key == "items")
                .map(|e| e.value.value),
            _ => None,
        };
        let Some(Value::Seq(items)) = items else {
            return true;
        };
        for item in items {
            let item_line = item.line;
            if !object_from(item, file, diags, depth + 1, out) {
                diags.push(Diagnostic::new(
                    Code::NotAnObject,
                    file,
                    item_line,
                    format!("item of {kind} is not a Kubernetes object; skipped"),
                ));
            }
        }
        return true;
    }
    let meta = root.get("metadata");
    let name = meta
        .and_then(|m| m.str_at("name").or_else(|| m.str_at("generateName")))
        .unwrap_or("")
        .to_string();
    out.push(K8sObject {
        api_version,
        kind,
        name,
        file: file.clone(),
        line,
        root,
    });
    true
}
