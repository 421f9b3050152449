//! The Tilt calls tilt-img generates, as data. Inference and the registry
//! plan produce [`TiltCall`]s; the Tiltfile line of each is [`TiltCall::line`]
//! (every string through [`crate::escape::starlark_str`]); JSON carries the
//! structured `k8s_kind` calls and the lines; `fix` writes the lines. No
//! other module writes Starlark.

use crate::escape::starlark_str;
use serde::Serialize;

/// One generated call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TiltCall {
    K8sKind(K8sKind),
    CustomBuild(CustomBuild),
    DefaultRegistry(DefaultRegistry),
}

/// `k8s_kind(kind, api_version=…, image_json_path=… | image_object=…)`;
/// serialized as the JSON contract's `tilt_calls` entries (the Tilt
/// extension declares its calls from them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct K8sKind {
    pub kind: String,
    pub api_version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_json_path: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_object: Option<ImageObject>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageObject {
    pub json_path: String,
    pub repo_field: String,
    pub tag_field: String,
}

/// `custom_build(ref, command, deps, disable_push=True,
/// skips_local_docker=True)`: a build that pushes by itself, deployed as
/// pushed (the only shape tilt-img generates).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomBuild {
    pub reference: String,
    pub command: String,
    pub deps: Vec<String>,
}

/// `default_registry(host[, host_from_cluster=…])`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefaultRegistry {
    pub host: String,
    pub host_from_cluster: Option<String>,
}

fn list(items: &[String]) -> String {
    items
        .iter()
        .map(|x| starlark_str(x))
        .collect::<Vec<_>>()
        .join(", ")
}

impl TiltCall {
    /// The Tiltfile line.
    pub fn line(&self) -> String {
        match self {
            TiltCall::K8sKind(c) => {
                let sel = format!(
                    "{}, api_version={}",
                    starlark_str(&c.kind),
                    starlark_str(&c.api_version)
                );
                match (&c.image_json_path, &c.image_object) {
                    (Some(p), _) if p.len() == 1 => {
                        format!("k8s_kind({sel}, image_json_path={})", starlark_str(&p[0]))
                    }
                    (Some(p), _) => format!("k8s_kind({sel}, image_json_path=[{}])", list(p)),
                    (None, Some(o)) => format!(
                        "k8s_kind({sel}, image_object={{'json_path': {}, 'repo_field': {}, 'tag_field': {}}})",
                        starlark_str(&o.json_path),
                        starlark_str(&o.repo_field),
                        starlark_str(&o.tag_field)
                    ),
                    (None, None) => format!("k8s_kind({sel})"),
                }
            }
            TiltCall::CustomBuild(b) => format!(
                "custom_build({}, {}, [{}], disable_push=True, skips_local_docker=True)",
                starlark_str(&b.reference),
                starlark_str(&b.command),
                list(&b.deps)
            ),
            TiltCall::DefaultRegistry(d) => match &d.host_from_cluster {
                Some(c) => format!(
                    "default_registry({}, host_from_cluster={})",
                    starlark_str(&d.host),
                    starlark_str(c)
                ),
                None => format!("default_registry({})", starlark_str(&d.host)),
            },
        }
    }
}

/// For JSON fields that carry a call as its Tiltfile line.
pub fn serialize_line<S: serde::Serializer>(call: &TiltCall, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&call.line())
}

/// The same, for an optional call.
pub fn serialize_opt_line<S: serde::Serializer>(
    call: &Option<TiltCall>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match call {
        Some(c) => s.serialize_str(&c.line()),
        None => s.serialize_none(),
    }
}
