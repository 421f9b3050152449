//! Source 2: objects of a kind. Values that parse as image references under
//! image-like keys, and `repository` + `tag` pairs. The only source for kinds
//! without a CRD in the tree or with schemaless (`preserve-unknown-fields`)
//! parts. Also evaluates inferred fields on objects to list their images.

use super::names::{self, NameSignal};
use crate::load::K8sObject;
use crate::model::{ImageField, SplitImage};
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
            if let Some((split, value, line)) = split_in(n, key) {
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
                if names::is_excluded_context(k)
                    || k.eq_ignore_ascii_case("volumes")
                    || k.eq_ignore_ascii_case("volume")
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

/// `repository` + `tag` (optionally `registry`), or `name` + `tag` inside an
/// image-like key, with a repository that parses as an image path.
fn split_in(n: &Node, key: &str) -> Option<(SplitImage, String, u32)> {
    let (repo_key, registry) = if n.str_at("repository").is_some() {
        (
            "repository",
            n.str_at("registry").map(|_| "registry".to_string()),
        )
    } else if n.str_at("name").is_some() && names::name_signal(key) != NameSignal::None {
        ("name", None)
    } else {
        return None;
    };
    let repo = n.get(repo_key)?;
    let tag = n.get("tag")?;
    let repo_text = repo.as_str()?;
    let tag_text = match &tag.value {
        Value::String(s) | Value::Number(s) => s.clone(),
        _ => return None,
    };
    names::written_image(&format!("{repo_text}:{tag_text}"))?;
    let split = SplitImage {
        object: FieldPath::root(),
        registry,
        repo: repo_key.to_string(),
        name: None,
        tag: Some("tag".to_string()),
        digest: None,
    };
    Some((split, format!("{repo_text}:{tag_text}"), repo.line))
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
/// say what they really have.
pub fn mark_absent_steps(root: &Node, path: &FieldPath, absent: &mut Vec<bool>) {
    absent.resize(path.len().max(absent.len()), true);
    let mut current: Vec<&Node> = vec![root];
    for (i, step) in path.0.iter().enumerate() {
        let mut next = Vec::new();
        for node in current {
            match step {
                Step::Key(k) => match node.get(k) {
                    Some(child) => next.push(child),
                    None => absent[i] = true,
                },
                Step::Each => next.extend(node.as_seq().unwrap_or(&[]).iter()),
                Step::AnyKey => next.extend(node.as_map().unwrap_or(&[]).iter().map(|e| &e.value)),
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
