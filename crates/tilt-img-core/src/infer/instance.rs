//! Source 2: objects of a kind. Values that parse as image references under
//! image-like keys, and split images (the shapes of [`super::split`]). The only source for kinds
//! without a CRD in the tree or with schemaless (`preserve-unknown-fields`)
//! parts. Also evaluates inferred fields on objects to list their images.

use super::names::{self, NameSignal};
use super::split::{self, Sibling};
use crate::load::K8sObject;
use crate::report::{ImageField, SplitImage};
use tilt_loader::fieldpath::{FieldPath, Step};
use tilt_loader::tree::{Node, Value};

#[derive(Debug, Clone)]
pub struct InstanceFinding {
    pub field: ImageField,
    pub optional: bool,
    pub line: u32,
    pub value: String,
}

pub fn infer(obj: &K8sObject) -> Vec<InstanceFinding> {
    let mut out = Vec::new();
    if let Some(entries) = obj.root.as_map() {
        // One path stack for the whole walk: pushing and popping a step is
        // cheaper than building a path per node (this walk visits every node
        // of every object).
        let mut path = FieldPath::root();
        for e in entries {
            if matches!(
                e.key.as_str(),
                "apiVersion" | "kind" | "metadata" | "status"
            ) {
                continue;
            }
            path.0.push(Step::Key(e.key.clone()));
            walk(&e.value, &mut path, &e.key, false, false, &mut out);
            path.0.pop();
        }
    }
    out.sort_by(|a, b| a.field.cmp(&b.field));
    out.dedup_by(|a, b| a.field == b.field);
    out
}

fn walk(
    n: &Node,
    path: &mut FieldPath,
    key: &str,
    images_container: bool,
    optional: bool,
    out: &mut Vec<InstanceFinding>,
) {
    match &n.value {
        Value::String(s) => {
            let named = names::name_signal(key) == NameSignal::Image;
            if (named || images_container)
                && names::written_image(s).is_some()
                && (named || names::looks_deliberate(s))
            {
                out.push(InstanceFinding {
                    field: ImageField::Whole(path.clone()),
                    optional,
                    line: n.line,
                    value: s.clone(),
                });
            }
        }
        Value::Seq(items) => {
            path.0.push(Step::Each);
            for item in items {
                walk(item, path, key, images_container, optional, out);
            }
            path.0.pop();
        }
        Value::Map(entries) => {
            // Image volume source: optional.
            if key == "image" && n.str_at("reference").is_some() {
                if let Some(r) = n.get("reference") {
                    out.push(InstanceFinding {
                        field: ImageField::Whole(path.key("reference")),
                        optional: true,
                        line: r.line,
                        value: r.as_str().unwrap_or_default().to_string(),
                    });
                }
                return;
            }
            // The parts of a split are no whole references of their own
            // (`image` of `hub` + `image` + `tag`), as in the schema walk.
            let mut consumed: Vec<String> = Vec::new();
            if let Some((split, value, line)) = split_in(n, key) {
                consumed = split.parts().iter().map(|(_, k)| k.to_string()).collect();
                out.push(InstanceFinding {
                    field: ImageField::Split(SplitImage {
                        object: path.clone(),
                        ..split
                    }),
                    optional,
                    line,
                    value,
                });
            }
            for e in entries {
                let k = e.key.as_str();
                if consumed.iter().any(|c| c == k)
                    || names::is_excluded_context(k)
                    || names::is_volumes_context(k)
                {
                    continue;
                }
                let child_images = names::is_images_container(k)
                    || (images_container && matches!(e.value.value, Value::Map(_)));
                path.0.push(Step::Key(e.key.clone()));
                walk(
                    &e.value,
                    path,
                    k,
                    child_images,
                    optional || names::is_optional_container_list(k),
                    out,
                );
                path.0.pop();
            }
        }
        _ => {}
    }
}

/// A split image in an object (the shapes of [`split::detect`], read from
/// the values), with its value: the parts joined without the registry
/// (`repo[/name]:tag[@digest]`), which must parse as an image reference.
fn split_in(n: &Node, key: &str) -> Option<(SplitImage, String, u32)> {
    let (split, _) = split::detect(key, |k| match n.get(k).map(|v| &v.value) {
        Some(Value::String(_)) => Some(Sibling::Text("")),
        Some(Value::Number(_)) => Some(Sibling::Number),
        _ => None,
    })?;
    let text = |k: &Option<String>| {
        k.as_ref()
            .and_then(|k| n.get(k))
            .and_then(|v| match &v.value {
                Value::String(s) | Value::Number(s) => Some(s.as_str()),
                _ => None,
            })
    };
    let repo = n.get(&split.repo)?;
    let mut value = repo.as_str()?.to_string();
    if let Some(name) = text(&split.name) {
        value.push('/');
        value.push_str(name);
    }
    if let Some(tag) = text(&split.tag) {
        value.push(':');
        value.push_str(tag);
    }
    if let Some(digest) = text(&split.digest) {
        value.push('@');
        value.push_str(digest);
    }
    names::written_image(&value)?;
    Some((split, value, repo.line))
}

/// A value found at a field of an object.
#[derive(Debug, Clone)]
pub struct Located {
    pub location: String,
    pub value: String,
    pub line: u32,
}

/// Every node that `path` reaches in `root`, with its concrete location.
pub fn resolve<'a>(root: &'a Node, path: &FieldPath) -> Vec<(String, &'a Node)> {
    let mut current: Vec<(String, &Node)> = vec![(String::new(), root)];
    for step in &path.0 {
        let mut next = Vec::new();
        for (loc, node) in current {
            match step {
                Step::Key(k) => {
                    if let Some(child) = node.get(k) {
                        let sep = if loc.is_empty() { "" } else { "." };
                        next.push((format!("{loc}{sep}{k}"), child));
                    }
                }
                Step::Each => {
                    for (i, item) in node.as_seq().unwrap_or(&[]).iter().enumerate() {
                        next.push((format!("{loc}[{i}]"), item));
                    }
                }
                Step::AnyKey => {
                    for e in node.as_map().unwrap_or(&[]) {
                        next.push((format!("{loc}.{}", e.key), &e.value));
                    }
                }
            }
        }
        current = next;
    }
    current
}

/// Image references an object holds at `field` (splits joined as
/// `[registry/]repo[/name][:tag][@digest]`).
pub fn images_at(root: &Node, field: &ImageField) -> Vec<Located> {
    match field {
        ImageField::Whole(p) => resolve(root, p)
            .into_iter()
            .filter_map(|(location, n)| {
                n.as_str().filter(|s| !s.is_empty()).map(|s| Located {
                    location,
                    value: s.to_string(),
                    line: n.line,
                })
            })
            .collect(),
        ImageField::Split(s) => resolve(root, &s.object)
            .into_iter()
            .filter_map(|(location, obj)| {
                let text = |k: &Option<String>| {
                    k.as_ref()
                        .and_then(|k| obj.get(k))
                        .and_then(|n| match &n.value {
                            Value::String(v) | Value::Number(v) if !v.is_empty() => Some(v.clone()),
                            _ => None,
                        })
                };
                let repo_node = obj.get(&s.repo)?;
                let repo = repo_node.as_str().filter(|r| !r.is_empty())?;
                let mut r = String::new();
                if let Some(reg) = text(&s.registry) {
                    r.push_str(reg.trim_end_matches('/'));
                    r.push('/');
                }
                r.push_str(repo);
                if let Some(name) = text(&s.name) {
                    r.push('/');
                    r.push_str(&name);
                }
                if let Some(tag) = text(&s.tag) {
                    r.push(':');
                    r.push_str(&tag);
                }
                if let Some(d) = text(&s.digest) {
                    r.push('@');
                    r.push_str(&d);
                }
                Some(Located {
                    location,
                    value: r,
                    line: repo_node.line,
                })
            })
            .collect(),
    }
}

/// Marks the key steps of `path` that some node on the way lacks in `root`:
/// a schema's `required` says what a valid object has, the user's objects
/// say what they really have. Up to the first kept key, a node counts as
/// present when it holds images ([`super::facts::present`]), as in the
/// reduced objects of a streaming scan; below it, when it exists.
pub fn mark_absent_steps(root: &Node, path: &FieldPath, absent: &mut Vec<bool>) {
    absent.resize(path.len().max(absent.len()), true);
    // Each node with whether it lies under a kept key.
    let mut current: Vec<(&Node, bool)> = vec![(root, false)];
    for (i, step) in path.0.iter().enumerate() {
        let mut next = Vec::new();
        for (node, whole) in current {
            match step {
                Step::Key(k) => {
                    let child = match whole {
                        true => node.get(k).map(|c| (c, true)),
                        false => super::facts::present(node, k),
                    };
                    match child {
                        Some(c) => next.push(c),
                        None => absent[i] = true,
                    }
                }
                Step::Each => next.extend(node.as_seq().unwrap_or(&[]).iter().map(|n| (n, whole))),
                Step::AnyKey => {
                    next.extend(
                        node.as_map()
                            .unwrap_or(&[])
                            .iter()
                            .filter_map(|e| match whole {
                                true => Some((&e.value, true)),
                                false => super::facts::present(node, &e.key),
                            }),
                    )
                }
            }
        }
        current = next;
    }
}

/// True when an object lacks a field that Tilt would require: a path with
/// no list or map step that resolves to nothing.
pub fn lacks(root: &Node, field: &ImageField) -> bool {
    let path = field.anchor();
    if path.0.iter().any(|s| !matches!(s, Step::Key(_))) {
        return false;
    }
    match field {
        ImageField::Whole(p) => resolve(root, p).is_empty(),
        ImageField::Split(s) => resolve(root, &s.object)
            .iter()
            .all(|(_, o)| o.get(&s.repo).is_none()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use tilt_loader::tree::parse_stream;

    fn obj(text: &str) -> K8sObject {
        let root = parse_stream(text).documents.remove(0).root;
        K8sObject {
            api_version: "x.io/v1".into(),
            kind: "X".into(),
            name: "x".into(),
            file: Arc::from("t.yaml"),
            line: 1,
            root,
        }
    }

    #[test]
    fn finds_image_keys_splits_and_pod_specs() {
        let o = obj(
            "apiVersion: x.io/v1\nkind: X\nspec:\n  image: acme/api:1\n  exporter:\n    image:\n      repository: acme/exp\n      tag: '2'\n  template:\n    spec:\n      containers:\n      - name: a\n        image: busybox\n  replicas: 3\n",
        );
        let got: Vec<String> = infer(&o).iter().map(|f| f.field.to_string()).collect();
        assert_eq!(
            got,
            vec![
                "spec.image",
                "spec.template.spec.containers[*].image",
                "spec.exporter.image.{repository, tag}"
            ]
        );
    }

    #[test]
    fn reads_the_split_shapes_of_the_schema_walk() {
        let o = obj(
            "spec:\n  proxy:\n    hub: docker.io/istio\n    image: proxyv2\n    tag: 1.22\n  exporter:\n    repository: acme/exp\n    tag: '2'\n    digest: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n  bad:\n    repository: Not An Image\n    tag: x\n",
        );
        let got: Vec<(String, String)> = infer(&o)
            .iter()
            .map(|f| (f.field.to_string(), f.value.clone()))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "spec.exporter.{repository, tag, digest}".to_string(),
                    "acme/exp:2@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef".to_string()
                ),
                ("spec.proxy.{hub, image, tag}".to_string(), "proxyv2:1.22".to_string()),
            ]
        );
    }

    #[test]
    fn resolves_concrete_locations() {
        let o = obj("spec:\n  c:\n  - image: a\n  - image: b\n");
        let f = ImageField::Whole(FieldPath::parse("spec.c[*].image").unwrap());
        let v: Vec<String> = images_at(&o.root, &f)
            .into_iter()
            .map(|l| format!("{}={}", l.location, l.value))
            .collect();
        assert_eq!(v, vec!["spec.c[0].image=a", "spec.c[1].image=b"]);
        assert!(lacks(
            &o.root,
            &ImageField::Whole(FieldPath::parse("spec.image").unwrap())
        ));
    }
}
