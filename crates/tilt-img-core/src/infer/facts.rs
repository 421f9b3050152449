//! What inference needs of an object, so `scan` can stream: each file is
//! parsed, its objects are reduced to these facts, and the trees are dropped
//! before the next files are read. Peak memory is then the largest files in
//! flight plus the facts, not the whole tree of the input.
//!
//! - A CRD becomes its [`CrdInfo`] (the schema walk's findings).
//! - A custom resource, or a built-in kind with a pod template, keeps only
//!   its image-related subtrees: every entry whose key speaks of images
//!   ([`keeps`]), with the maps and lists leading to it, identity metadata,
//!   and list items as placeholders (so `[2]` still names the third item).
//!   The instance walk reads nothing else ([`super::instance`]: it reports
//!   under image-named keys, inside images containers and in split shapes),
//!   so its findings on the reduced object are those on the whole object.
//!   (`scan` then turns a built-in workload into its
//!   [`super::BuiltinFacts`] at once: its fields are Tilt's own.)
//! - Everything else (ConfigMaps, Services, Secrets…) is dropped: inference
//!   skips built-in kinds without a pod template.
//!
//! A field the schema, knowledge base or config names under keys that do
//! not speak of images (`spec.runner`, described as "the image to run") is
//! not in the reduced objects: [`covers`] tells, and `scan` then reads those
//! objects again whole.

use super::names::{self, NameSignal};
use super::schema::{self, CrdInfo};
use super::split::PART_KEYS;
use crate::load::K8sObject;
use crate::report::ImageField;
use std::sync::Arc;
use tilt_loader::fieldpath::Step;
use tilt_loader::tree::sieve::{Keep, Sieve};
use tilt_loader::tree::{Entry, Node, Value};

/// A CRD read where it was found (the tree is gone by the time inference
/// runs; the warning about a CRD without names still needs the place).
#[derive(Debug)]
pub struct CrdRead {
    pub file: Arc<str>,
    pub line: u32,
    pub info: Option<CrdInfo>,
}

/// One object after [`reduce`].
pub enum Reduced {
    Crd(CrdRead),
    Object(K8sObject),
    /// Nothing inference reads.
    Dropped,
}

pub fn reduce(mut o: K8sObject) -> Reduced {
    if schema::is_crd(&o) {
        return Reduced::Crd(CrdRead {
            info: schema::read_crd(&o),
            file: o.file,
            line: o.line,
        });
    }
    if is_dropped(o.group(), &o.kind) {
        return Reduced::Dropped;
    }
    let whole = std::mem::replace(
        &mut o.root,
        Node {
            value: Value::Null,
            line: 0,
        },
    );
    o.root = reduce_root(whole);
    Reduced::Object(o)
}

/// Built-in kinds without a pod template: Tilt injects nothing into them,
/// and inference reads nothing of them.
fn is_dropped(group: &str, kind: &str) -> bool {
    tilt_loader::facts::is_builtin_group(group)
        && tilt_loader::facts::pod_spec_path(group, kind).is_none()
}

/// [`reduce`] applied while parsing: the builder makes no node for what
/// `reduce` would drop. It keeps a superset (every part key, whatever its
/// siblings), so `reduce` of a sieved object is `reduce` of the whole one.
pub struct ScanSieve;

impl Sieve for ScanSieve {
    fn object(&self, api_version: &str, kind: &str) -> Keep {
        let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
        if kind == "CustomResourceDefinition" && group == "apiextensions.k8s.io" {
            Keep::Whole
        } else if is_dropped(group, kind) {
            Keep::Identity
        } else {
            Keep::Shape
        }
    }
    fn keeps(&self, key: &str) -> bool {
        keeps_alone(key) || PART_KEYS.contains(&key)
    }
}

/// A key whose whole subtree is kept, whatever its siblings: image-named
/// keys (`image`, `sidecarImage`, `version`…) and images containers.
fn keeps_alone(key: &str) -> bool {
    names::name_signal(key) != NameSignal::None || names::is_images_container(key)
}

/// The keys of `entries` that are kept whole: [`keeps_alone`], and the parts
/// of a split shape when the map has one that is more than a `name` or a
/// `version` (so `{name, value}` of an env var is not kept for its `name`).
fn keeps(key: &str, entries: &[Entry]) -> bool {
    keeps_alone(key)
        || (PART_KEYS.contains(&key) && entries.iter().any(|e| is_anchoring_part(&e.key)))
}

/// Whether a field's values are in every reduced object that has them: a
/// key on its path is kept whole, or (a split) each part is kept by
/// [`keeps`] in the map that holds them.
pub fn covers(field: &ImageField) -> bool {
    let on_kept_path = |p: &tilt_loader::fieldpath::FieldPath| {
        p.0.iter()
            .any(|s| matches!(s, Step::Key(k) if keeps_alone(k)))
    };
    match field {
        ImageField::Whole(p) => on_kept_path(p),
        ImageField::Split(s) => {
            let parts = s.parts();
            let anchors_parts = parts.iter().any(|(_, k)| is_anchoring_part(k));
            on_kept_path(&s.object)
                || parts
                    .iter()
                    .all(|(_, k)| keeps_alone(k) || (anchors_parts && PART_KEYS.contains(k)))
        }
    }
}

/// A split part key that makes its siblings' part keys kept too.
fn is_anchoring_part(key: &str) -> bool {
    PART_KEYS.contains(&key) && !matches!(key, "name" | "version")
}

/// The root keeps `apiVersion`, `kind` and the identity in `metadata`
/// (what Tilt's assembly and the report name objects by); the rest is pruned.
fn reduce_root(root: Node) -> Node {
    let line = root.line;
    let Value::Map(entries) = root.value else {
        return Node {
            value: Value::Null,
            line,
        };
    };
    Node {
        value: Value::Map(prune_entries(entries, true)),
        line,
    }
}

/// The entries of a map that [`prune`] keeps, each pruned; at an object's
/// root (`root`) also `apiVersion`, `kind` and `metadata`'s identity.
fn prune_entries(entries: Vec<Entry>, root: bool) -> Vec<Entry> {
    let keep_whole: Vec<bool> = entries.iter().map(|e| keeps(&e.key, &entries)).collect();
    let mut kept: Vec<Entry> = entries
        .into_iter()
        .zip(keep_whole)
        .filter_map(|(mut e, whole)| match e.key.as_str() {
            "apiVersion" | "kind" if root => Some(e),
            "metadata" if root => Some(Entry {
                value: identity(e.value),
                ..e
            }),
            _ if whole => {
                shrink(&mut e.value);
                Some(e)
            }
            _ => {
                let v = prune(e.value)?;
                Some(Entry { value: v, ..e })
            }
        })
        .collect();
    // The collect reuses the whole map's buffer: give back the rest (these
    // nodes live to the end of the scan).
    kept.shrink_to_fit();
    kept
}

fn identity(meta: Node) -> Node {
    let line = meta.line;
    match meta.value {
        Value::Map(entries) => Node {
            value: Value::Map({
                let mut kept: Vec<Entry> = entries
                    .into_iter()
                    .filter(|e| matches!(e.key.as_str(), "name" | "namespace" | "generateName"))
                    .collect();
                kept.shrink_to_fit();
                kept
            }),
            line,
        },
        _ => Node {
            value: Value::Null,
            line,
        },
    }
}

/// The image-related part of a subtree, or `None` when it has none: a map
/// keeps the entries that are kept or lead to something kept; a list with
/// anything kept keeps every item (pruned, or an empty map in its place) so
/// that indices stay true. Presence before the first kept key is then
/// "holds images" ([`present`] judges whole trees the same way).
fn prune(n: Node) -> Option<Node> {
    let line = n.line;
    match n.value {
        Value::Map(entries) => {
            let kept = prune_entries(entries, false);
            (!kept.is_empty()).then_some(Node {
                value: Value::Map(kept),
                line,
            })
        }
        Value::Seq(items) => {
            let lines: Vec<u32> = items.iter().map(|i| i.line).collect();
            let pruned: Vec<Option<Node>> = items.into_iter().map(prune).collect();
            if pruned.iter().all(Option::is_none) {
                return None;
            }
            let mut items: Vec<Node> = pruned
                .into_iter()
                .zip(lines)
                .map(|(p, line)| {
                    p.unwrap_or(Node {
                        value: Value::Map(vec![]),
                        line,
                    })
                })
                .collect();
            items.shrink_to_fit();
            Some(Node {
                value: Value::Seq(items),
                line,
            })
        }
        _ => None,
    }
}

/// Gives back what the builder's buffers hold beyond their contents, in a
/// subtree kept whole (it lives to the end of the scan).
fn shrink(n: &mut Node) {
    match &mut n.value {
        Value::Map(entries) => {
            entries.shrink_to_fit();
            entries.iter_mut().for_each(|e| shrink(&mut e.value));
        }
        Value::Seq(items) => {
            items.shrink_to_fit();
            items.iter_mut().for_each(shrink);
        }
        _ => {}
    }
}

/// Whether anything under `n` is kept by [`prune`].
fn holds_images(n: &Node) -> bool {
    match &n.value {
        Value::Map(entries) => entries
            .iter()
            .any(|e| keeps(&e.key, entries) || holds_images(&e.value)),
        Value::Seq(items) => items.iter().any(holds_images),
        _ => false,
    }
}

/// The child under `key` of `parent` as a reduced object has it: present
/// when the key is kept or the child holds images (a map that leads to no
/// image is not in a reduced object). Judging whole objects by this, the
/// steps of a path that count as absent are those of the reduced object,
/// so where generated paths put filters does not depend on how the objects
/// were read. Returns the child and whether it is kept whole.
pub fn present<'a>(parent: &'a Node, key: &str) -> Option<(&'a Node, bool)> {
    let entries = parent.as_map()?;
    let e = entries.iter().find(|e| e.key == key)?;
    if keeps(key, entries) {
        return Some((&e.value, true));
    }
    holds_images(&e.value).then_some((&e.value, false))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Diagnostic;
    use crate::load::object::{DocKind, classify};

    fn reduced(yaml: &str) -> Option<serde_json::Value> {
        let doc = tilt_loader::tree::parse_stream(yaml).documents.remove(0);
        let mut diags: Vec<Diagnostic> = vec![];
        let DocKind::Objects(mut objs) = classify(doc, &Arc::from("x.yaml"), &mut diags) else {
            panic!("not an object")
        };
        match reduce(objs.remove(0)) {
            Reduced::Object(o) => Some(o.root.to_json()),
            _ => None,
        }
    }

    #[test]
    fn keeps_what_speaks_of_images_and_the_way_to_it() {
        let got = reduced(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, labels: {a: b}, annotations: {x: y}}\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n      - name: sidecar\n        args: [--big]\n        env: [{name: A, value: b}]\n      - name: main\n        image: acme/api:1\n        command: [run]\n",
        )
        .unwrap();
        assert_eq!(
            got,
            serde_json::json!({
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": "api"},
                "spec": {"template": {"spec": {"containers": [
                    {},
                    {"name": "main", "image": "acme/api:1"}
                ]}}}
            })
        );
    }

    #[test]
    fn split_parts_are_kept_with_their_siblings_and_bulk_is_dropped() {
        let got = reduced(
            "apiVersion: acme.io/v1\nkind: Db\nmetadata: {name: d}\nspec:\n  engine: {repository: acme/db, tag: 1.0, pullPolicy: Always}\n  config: {name: only-a-name, data: lots}\n",
        )
        .unwrap();
        assert_eq!(
            got["spec"],
            serde_json::json!({"engine": {"repository": "acme/db", "tag": 1.0}})
        );
        assert_eq!(
            reduced("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {image: x}\n"),
            None
        );
    }
}
