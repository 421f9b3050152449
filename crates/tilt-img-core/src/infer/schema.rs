//! Source 1: a CRD's `openAPIV3Schema`. Walks every property of a version's
//! schema and judges each string field (and each group of sibling string
//! fields) by name, description and context.

use super::names::{self, NameSignal};
use super::split;
use crate::load::K8sObject;
use crate::report::{Evidence, ImageField, InferredField, KindKey, Source, SplitImage};
use std::collections::{HashMap, HashSet};
use tilt_loader::fieldpath::{FieldPath, Step};
use tilt_loader::tree::{Node, Value};

/// Schemas nest deeper than manifests (each level is `properties: name:`),
/// but a real CRD stays far below this.
const MAX_SCHEMA_DEPTH: usize = 120;

#[derive(Debug, Default)]
pub struct SchemaFindings {
    pub fields: Vec<InferredField>,
    pub optional: Vec<InferredField>,
    /// Subtrees declared with `x-kubernetes-preserve-unknown-fields` and no
    /// properties: the schema says nothing there, instances may.
    pub opaque: Vec<FieldPath>,
    /// Every object and string path the schema declares (hashed), with
    /// per-step "may be absent" flags as bits. Hashes keep this map cheap to
    /// build for CRDs with tens of thousands of properties.
    declared: HashMap<u64, u128>,
}

/// FNV-1a over the steps of a path: the key of `SchemaFindings::declared`.
fn path_hash(p: &FieldPath) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |b: u8| {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    };
    for step in &p.0 {
        match step {
            Step::Key(k) => k.bytes().chain([0xff]).for_each(&mut eat),
            Step::Each => eat(0xfe),
            Step::AnyKey => eat(0xfd),
        }
    }
    h
}

fn bits(absent: &[bool]) -> u128 {
    absent
        .iter()
        .take(128)
        .enumerate()
        .fold(0, |acc, (i, a)| if *a { acc | (1 << i) } else { acc })
}

impl SchemaFindings {
    pub fn declares(&self, p: &FieldPath) -> bool {
        self.declared.contains_key(&path_hash(p))
    }
    /// Per-step "may be absent" flags of a declared path.
    pub fn absence(&self, p: &FieldPath) -> Option<Vec<bool>> {
        let b = self.declared.get(&path_hash(p))?;
        Some(
            (0..p.len())
                .map(|i| i >= 128 || b & (1 << i) != 0)
                .collect(),
        )
    }
    pub fn is_opaque(&self, p: &FieldPath) -> bool {
        self.opaque.iter().any(|o| p.starts_with(o) && p != o)
    }
}

#[derive(Debug)]
pub struct VersionSchema {
    pub name: String,
    pub served: bool,
    pub storage: bool,
    /// None when the version has no schema at all.
    pub findings: Option<SchemaFindings>,
}

#[derive(Debug)]
pub struct CrdInfo {
    pub key: KindKey,
    pub file: String,
    pub line: u32,
    /// Storage version first, then the other versions in file order.
    pub versions: Vec<VersionSchema>,
}

impl CrdInfo {
    pub fn storage(&self) -> Option<&VersionSchema> {
        self.versions.first()
    }
}

pub fn is_crd(o: &K8sObject) -> bool {
    o.kind == "CustomResourceDefinition" && o.group() == "apiextensions.k8s.io"
}

/// Reads a CRD object (v1, or the old v1beta1 layout).
pub fn read_crd(o: &K8sObject) -> Option<CrdInfo> {
    let spec = o.root.get("spec")?;
    let group = spec.str_at("group")?;
    let kind = spec.get("names")?.str_at("kind")?;
    let shared_schema = spec
        .get("validation")
        .and_then(|v| v.get("openAPIV3Schema"));
    let mut versions = Vec::new();
    if let Some(list) = spec.get("versions").and_then(Node::as_seq) {
        for v in list {
            let Some(name) = v.str_at("name") else {
                continue;
            };
            let schema = v
                .get("schema")
                .and_then(|s| s.get("openAPIV3Schema"))
                .or(shared_schema);
            versions.push(VersionSchema {
                name: name.to_string(),
                served: !matches!(v.get("served").map(|n| &n.value), Some(Value::Bool(false))),
                storage: matches!(v.get("storage").map(|n| &n.value), Some(Value::Bool(true))),
                findings: schema.map(|s| walk_schema(s, &o.file)),
            });
        }
    } else if let Some(name) = spec.str_at("version") {
        versions.push(VersionSchema {
            name: name.to_string(),
            served: true,
            storage: true,
            findings: shared_schema.map(|s| walk_schema(s, &o.file)),
        });
    }
    if versions.is_empty() {
        return None;
    }
    // Storage version first; a CRD with one version stores that one.
    let storage_at = versions.iter().position(|v| v.storage).unwrap_or(0);
    let storage = versions.remove(storage_at);
    versions.insert(0, storage);
    Some(CrdInfo {
        key: KindKey::new(group, kind),
        file: o.file.to_string(),
        line: o.line,
        versions,
    })
}

#[derive(Clone, Copy, Default)]
/// What the parents of a schema node say about the strings below it.
struct Enclosing {
    /// Under a key such as `images`: every string below is an image.
    images_container: bool,
    /// Under `ephemeralContainers`: images, but optional ones.
    optional: bool,
    /// Under `volumes`: only image volume sources count (as optional).
    volumes: bool,
}

struct Walker<'a> {
    file: &'a str,
    out: SchemaFindings,
}

pub fn walk_schema(schema: &Node, file: &str) -> SchemaFindings {
    let mut w = Walker {
        file,
        out: SchemaFindings::default(),
    };
    let (mut path, mut absent) = (FieldPath::root(), Vec::new());
    w.walk(schema, &mut path, &mut absent, Enclosing::default(), 0);
    w.out
}

fn desc(n: &Node) -> &str {
    n.str_at("description").unwrap_or("")
}

fn is_string_schema(n: &Node) -> bool {
    n.str_at("type") == Some("string")
}

fn short(d: &str) -> String {
    let d = d.split_whitespace().collect::<Vec<_>>().join(" ");
    if d.chars().count() > 90 {
        format!("{}…", d.chars().take(90).collect::<String>())
    } else {
        d
    }
}

fn preserves_unknown(n: &Node) -> bool {
    matches!(
        n.get("x-kubernetes-preserve-unknown-fields")
            .map(|v| &v.value),
        Some(Value::Bool(true))
    )
}

impl Walker<'_> {
    fn field(
        &mut self,
        field: ImageField,
        absent: Vec<bool>,
        line: u32,
        reason: String,
        optional: bool,
    ) {
        let f = InferredField {
            field,
            evidence: vec![Evidence {
                source: Source::Crd,
                file: self.file.to_string(),
                line,
                reason,
            }],
            may_be_absent: absent,
        };
        if optional {
            self.out.optional.push(f);
        } else {
            self.out.fields.push(f);
        }
    }

    // The walk keeps one path and one flag stack, pushing a step per level:
    // paths are cloned only for findings, never per schema node.
    fn walk(
        &mut self,
        s: &Node,
        path: &mut FieldPath,
        absent: &mut Vec<bool>,
        ctx: Enclosing,
        depth: usize,
    ) {
        if depth > MAX_SCHEMA_DEPTH {
            return;
        }
        let props = s.get("properties").and_then(Node::as_map);
        // Only objects (split images are anchored there) and string leaves
        // (see `declare`) are ever looked up.
        if props.is_some() {
            self.declare(path, absent);
        }
        if preserves_unknown(s) && props.is_none_or(|p| p.is_empty()) {
            self.out.opaque.push(path.clone());
        }
        for combo in ["allOf", "anyOf", "oneOf"] {
            for sub in s.get(combo).and_then(Node::as_seq).unwrap_or(&[]) {
                if sub.get("properties").is_some() || sub.get("items").is_some() {
                    self.walk(sub, path, absent, ctx, depth + 1);
                }
            }
        }
        if let Some(props) = props {
            self.object(s, props, path, absent, ctx, depth);
        }
        if let Some(items) = s.get("items") {
            let key = path.last_key().unwrap_or("").to_string();
            path.0.push(Step::Each);
            absent.push(false);
            if is_string_schema(items) {
                self.declare(path, absent);
                // A list of whole references, e.g. `images: [..]`, only when
                // both the key and the description say so.
                let d = format!("{} {}", desc(s), desc(items));
                if !ctx.volumes
                    && names::name_signal(&key) != NameSignal::None
                    && names::description_claims_whole_image(&d)
                    && !names::description_denies(&d)
                {
                    self.field(
                        ImageField::Whole(path.clone()),
                        absent.clone(),
                        items.line,
                        format!("list of image references: \"{}\"", short(&d)),
                        ctx.optional,
                    );
                }
            } else {
                self.walk(items, path, absent, ctx, depth + 1);
            }
            path.0.pop();
            absent.pop();
        }
        if let Some(ap) = s.get("additionalProperties")
            && matches!(ap.value, Value::Map(_))
        {
            let key = path.last_key().unwrap_or("").to_string();
            path.0.push(Step::AnyKey);
            absent.push(true);
            if is_string_schema(ap) {
                self.declare(path, absent);
                if ctx.images_container && !ctx.volumes {
                    self.field(
                        ImageField::Whole(path.clone()),
                        absent.clone(),
                        ap.line,
                        format!("map of images under `{key}`"),
                        ctx.optional,
                    );
                }
            } else {
                let mut c = ctx;
                c.images_container = false;
                self.walk(ap, path, absent, c, depth + 1);
            }
            path.0.pop();
            absent.pop();
        }
    }

    fn declare(&mut self, p: &FieldPath, absent: &[bool]) {
        self.out.declared.insert(path_hash(p), bits(absent));
    }

    fn object(
        &mut self,
        s: &Node,
        props: &[tilt_loader::tree::Entry],
        path: &mut FieldPath,
        absent: &mut Vec<bool>,
        ctx: Enclosing,
        depth: usize,
    ) {
        let required: HashSet<&str> = s
            .get("required")
            .and_then(Node::as_seq)
            .map(|r| r.iter().filter_map(Node::as_str).collect())
            .unwrap_or_default();
        let strings: HashMap<&str, &Node> = props
            .iter()
            .filter(|e| is_string_schema(&e.value))
            .map(|e| (e.key.as_str(), &e.value))
            .collect();
        let key_line = |k: &str| {
            props
                .iter()
                .find(|e| e.key == k)
                .map(|e| e.key_line)
                .unwrap_or(s.line)
        };
        let parent_key = path.last_key().unwrap_or("").to_string();

        // An image volume source (`image: {reference, pullPolicy}`).
        if parent_key == "image" && strings.contains_key("reference") && props.len() <= 2 {
            let child = path.key("reference");
            let mut a = absent.clone();
            a.push(!required.contains("reference"));
            self.declare(&child, &a);
            self.field(
                ImageField::Whole(child),
                a,
                key_line("reference"),
                "image volume source `reference`".into(),
                true,
            );
            return;
        }

        let mut consumed: HashSet<&str> = HashSet::new();
        if !ctx.volumes
            && let Some((split, reason)) = detect_split(&parent_key, &strings)
        {
            for (_, part) in split.parts() {
                consumed.insert(
                    props
                        .iter()
                        .find(|e| e.key == part)
                        .map(|e| e.key.as_str())
                        .unwrap_or(""),
                );
            }
            let split = SplitImage {
                object: path.clone(),
                ..split
            };
            let line = key_line(&split.repo);
            self.field(
                ImageField::Split(split),
                absent.clone(),
                line,
                reason,
                ctx.optional,
            );
        }

        for e in props {
            let k = e.key.as_str();
            if path.is_empty() && matches!(k, "status" | "metadata" | "apiVersion" | "kind") {
                continue;
            }
            let sub = &e.value;
            path.0.push(Step::Key(e.key.clone()));
            absent.push(!required.contains(k));
            if is_string_schema(sub) {
                self.declare(path, absent);
                if !consumed.contains(k)
                    && !names::is_excluded_context(k)
                    && let Some(reason) = judge_string(k, desc(sub), ctx)
                {
                    self.field(
                        ImageField::Whole(path.clone()),
                        absent.clone(),
                        e.key_line,
                        reason,
                        ctx.optional,
                    );
                }
            } else if names::is_excluded_context(k) {
                self.declare(path, absent);
            } else {
                let c = Enclosing {
                    // Only a map of images counts (`images: {vtgate: …}`), not a list of
                    // objects that carry images among other fields.
                    images_container: sub.str_at("type") == Some("object")
                        && (names::is_images_container(k) || ctx.images_container),
                    optional: ctx.optional || names::is_optional_container_list(k),
                    volumes: ctx.volumes || names::is_volumes_context(k),
                };
                self.walk(sub, path, absent, c, depth + 1);
            }
            path.0.pop();
            absent.pop();
        }
    }
}

/// Decides whether a string property holds a whole image reference.
fn judge_string(key: &str, description: &str, ctx: Enclosing) -> Option<String> {
    if ctx.volumes || names::description_denies(description) {
        return None;
    }
    match names::name_signal(key) {
        NameSignal::Image if !names::description_says_part(description) => {
            Some(if description.is_empty() {
                format!("string field named `{key}`")
            } else {
                format!("string field named `{key}`: \"{}\"", short(description))
            })
        }
        NameSignal::Maybe | NameSignal::Image
            if names::description_claims_whole_image(description) =>
        {
            Some(format!(
                "description of `{key}` says it holds an image: \"{}\"",
                short(description)
            ))
        }
        NameSignal::None if ctx.images_container => {
            Some(format!("string under an `images` map: `{key}`"))
        }
        _ => None,
    }
}

/// Sibling string fields that together make one image reference.
/// `strings` maps property names to their schemas.
fn detect_split(parent_key: &str, strings: &HashMap<&str, &Node>) -> Option<(SplitImage, String)> {
    split::detect(parent_key, |k| {
        strings.get(k).map(|n| split::Sibling::Text(desc(n)))
    })
}
