//! Domain types shared by the stages: kinds, image fields, evidence, reports.

use crate::diag::Diagnostic;
use serde::Serialize;
use std::fmt;
use std::sync::Arc;
use tilt_loader::fieldpath::FieldPath;

/// A kind is identified by API group and Kind name (versions are a detail).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct KindKey {
    pub group: String,
    pub kind: String,
}

impl KindKey {
    pub fn new(group: &str, kind: &str) -> Self {
        KindKey {
            group: group.to_string(),
            kind: kind.to_string(),
        }
    }
}

impl fmt::Display for KindKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.group.is_empty() {
            write!(f, "{}", self.kind)
        } else {
            write!(f, "{} ({})", self.kind, self.group)
        }
    }
}

/// An image built from sibling fields of one object (`image: {repository, tag}`).
/// Part names are the field names inside `object`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SplitImage {
    pub object: FieldPath,
    pub registry: Option<String>,
    pub repo: String,
    pub name: Option<String>,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl SplitImage {
    pub fn part(&self, field: &str) -> FieldPath {
        self.object.key(field)
    }
    /// Tilt's `image_object` has only `repo_field` and `tag_field`: a
    /// registry or name part cannot be expressed (Tilt would write the whole
    /// repository into `repo_field` and the operator would prefix it again).
    pub fn expressible_in_tilt(&self) -> bool {
        self.registry.is_none() && self.name.is_none()
    }
    pub fn parts(&self) -> Vec<(&'static str, &str)> {
        let mut v = Vec::new();
        if let Some(r) = &self.registry {
            v.push(("registry", r.as_str()));
        }
        v.push(("repo", self.repo.as_str()));
        if let Some(n) = &self.name {
            v.push(("name", n.as_str()));
        }
        if let Some(t) = &self.tag {
            v.push(("tag", t.as_str()));
        }
        if let Some(d) = &self.digest {
            v.push(("digest", d.as_str()));
        }
        v
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ImageField {
    /// One string field holds the whole reference.
    Whole(FieldPath),
    Split(SplitImage),
}

impl ImageField {
    /// The path that identifies the field (the object path for a split).
    pub fn anchor(&self) -> &FieldPath {
        match self {
            ImageField::Whole(p) => p,
            ImageField::Split(s) => &s.object,
        }
    }
}

impl fmt::Display for ImageField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImageField::Whole(p) => write!(f, "{p}"),
            ImageField::Split(s) => {
                let parts: Vec<String> = s.parts().iter().map(|(_, n)| n.to_string()).collect();
                write!(
                    f,
                    "{}{{{}}}",
                    if s.object.is_empty() {
                        String::new()
                    } else {
                        format!("{}.", s.object)
                    },
                    parts.join(", ")
                )
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Crd,
    Instance,
    Knowledge,
    Config,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Source::Crd => "crd",
            Source::Instance => "instance",
            Source::Knowledge => "knowledge",
            Source::Config => "config",
        })
    }
}

/// Why we believe a field holds an image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    pub source: Source,
    /// File and line of the schema property, instance value or config entry;
    /// for the built-in knowledge base, the operator's documentation URL.
    pub file: String,
    pub line: u32,
    pub reason: String,
}

#[derive(Debug, Clone)]
pub struct InferredField {
    pub field: ImageField,
    pub evidence: Vec<Evidence>,
    /// Per step of the anchor path: true when the schema does not guarantee
    /// the step is present (no schema: every step after the first).
    pub may_be_absent: Vec<bool>,
}

/// One object of a kind, as found in the scanned files.
#[derive(Debug, Clone, Serialize)]
pub struct InstanceRef {
    pub name: String,
    pub api_version: String,
    pub file: String,
    pub line: u32,
}

/// An image reference found in an object, at an image field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FoundImage {
    #[serde(rename = "ref")]
    pub reference: String,
    // Shared by every image of one object (or field): see `infer::images_of`.
    pub group: Arc<str>,
    pub kind: Arc<str>,
    pub name: Arc<str>,
    pub file: Arc<str>,
    pub line: u32,
    /// Canonical field path (`spec.containers[*].image`).
    pub path: Arc<str>,
    /// Concrete location (`spec.containers[1].image`).
    pub location: String,
}

#[derive(Debug, Clone)]
pub struct KindReport {
    pub key: KindKey,
    /// Served versions; the storage version first.
    pub versions: Vec<String>,
    /// Tilt finds the images of this kind by itself.
    pub builtin: bool,
    pub has_crd: bool,
    /// The storage version's image fields.
    pub fields: Vec<InferredField>,
    /// Image-carrying fields that are rarely set by hand (ephemeral
    /// containers, image volumes): reported, put into the snippet only when
    /// an instance uses them.
    pub optional_fields: Vec<InferredField>,
    /// Other served versions whose fields differ from the storage version's.
    pub fields_by_version: Vec<(String, Vec<InferredField>)>,
    pub instances: Vec<InstanceRef>,
    pub images: Vec<FoundImage>,
    /// Built-in kinds: images in fields Tilt does not inject into
    /// (ephemeral containers), each with the warning that says so.
    pub uninjected: Vec<(FoundImage, Diagnostic)>,
    pub warnings: Vec<Diagnostic>,
    /// The Tiltfile lines for this kind (none for built-in kinds or kinds
    /// without image fields).
    pub tilt: Option<String>,
}

/// Everything `scan` found.
#[derive(Debug, Default)]
pub struct ScanReport {
    pub kinds: Vec<KindReport>,
    pub diagnostics: Vec<Diagnostic>,
    /// Builds for a plain-HTTP dev registry, when the tree has one.
    pub registry: Option<crate::registry::plan::RegistryPlan>,
}
