//! What a Tiltfile declares, as Tilt's loader records it: the objects from
//! `k8s_yaml`, image targets, image locators and resource options. The
//! evaluator fills a [`TiltState`]; [`assemble`](super::assemble) turns it
//! into Tilt's resources.

use crate::jsonpath::JsonPath;
use regex::Regex;
use serde_json::Value;

/// A Kubernetes object passed to `k8s_yaml`.
#[derive(Debug, Clone)]
pub struct Entity {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub namespace: String,
    pub obj: Value,
}

impl Entity {
    pub fn from_json(obj: Value) -> Option<Entity> {
        let s = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_string();
        let meta = obj.get("metadata");
        Some(Entity {
            api_version: s(obj.get("apiVersion")),
            kind: s(obj.get("kind")),
            name: s(meta.and_then(|m| m.get("name"))),
            namespace: s(meta.and_then(|m| m.get("namespace"))),
            obj,
        })
    }
    pub fn group(&self) -> &str {
        self.api_version
            .rsplit_once('/')
            .map(|(g, _)| g)
            .unwrap_or("")
    }
    /// `Kind/name`, as Tilt names objects in its results.
    pub fn id(&self) -> String {
        format!("{}/{}", self.kind, self.name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildKind {
    Docker,
    Custom,
}

#[derive(Debug, Clone)]
pub struct ImageTarget {
    /// The ref as written in the Tiltfile.
    pub ref_text: String,
    pub build: BuildKind,
    /// docker_build context, relative to the Tiltfile (`./api`).
    pub context: Option<String>,
    /// custom_build command as argv.
    pub command: Option<Vec<String>>,
    pub disable_push: bool,
    pub skips_local_docker: bool,
    pub tag: Option<String>,
    pub outputs_image_ref_to: Option<String>,
    pub match_in_env_vars: bool,
    /// docker_build: the Dockerfile (absolute), read for its `FROM` images.
    pub dockerfile: Option<std::path::PathBuf>,
    /// Its text, read through the sandbox when the build was declared.
    pub dockerfile_text: Option<String>,
    /// Line of the call, for reports.
    pub line: u32,
}

/// `k8s.ObjectSelector`: case-insensitive regexes; empty ones match all.
#[derive(Debug, Clone)]
pub struct ObjectSelector {
    pub api_version: Option<Regex>,
    pub kind: Option<Regex>,
    pub name: Option<Regex>,
    pub namespace: Option<Regex>,
}

impl ObjectSelector {
    /// Tilt's `NewPartialMatchObjectSelector`: unanchored, case-insensitive.
    pub fn partial(
        api_version: &str,
        kind: &str,
        name: &str,
        namespace: &str,
    ) -> Result<ObjectSelector, String> {
        let re = |what: &str, s: &str| -> Result<Option<Regex>, String> {
            if s.is_empty() {
                return Ok(None);
            }
            regex::RegexBuilder::new(s)
                .case_insensitive(true)
                .build()
                .map(Some)
                .map_err(|e| format!("error parsing {what} regexp: {}", go_regex_error(s, &e)))
        };
        Ok(ObjectSelector {
            api_version: re("apiVersion", api_version)?,
            kind: re("kind", kind)?,
            name: re("name", name)?,
            namespace: re("namespace", namespace)?,
        })
    }

    pub fn matches(&self, e: &Entity) -> bool {
        let ok = |r: &Option<Regex>, s: &str| r.as_ref().is_none_or(|r| r.is_match(s));
        ok(&self.api_version, &e.api_version)
            && ok(&self.kind, &e.kind)
            && ok(&self.name, &e.name)
            && ok(&self.namespace, &e.namespace)
    }
}

/// Go's regexp error text for the common cases (`missing closing ]: `[``).
fn go_regex_error(pattern: &str, e: &regex::Error) -> String {
    let text = e.to_string();
    if text.contains("unclosed character class") {
        let at = pattern.rfind('[').map(|i| &pattern[i..]).unwrap_or(pattern);
        return format!("error parsing regexp: missing closing ]: `{at}`");
    }
    if text.contains("unclosed group") {
        return format!("error parsing regexp: missing closing ): `{pattern}`");
    }
    format!(
        "error parsing regexp: {}",
        text.lines().last().unwrap_or("invalid").trim()
    )
}

#[derive(Debug, Clone)]
pub enum Locator {
    JsonPath(JsonPath),
    ImageObject {
        path: JsonPath,
        repo_field: String,
        tag_field: String,
    },
}

/// One `k8s_kind` / `k8s_image_json_path` call: a selector (which also makes
/// matching objects workloads) and its locators.
#[derive(Debug, Clone)]
pub struct KindInfo {
    pub selector: ObjectSelector,
    pub locators: Vec<Locator>,
}

/// A `local_resource(...)`: a resource with no objects.
#[derive(Debug, Clone)]
pub struct LocalResource {
    pub name: String,
    pub resource_deps: Vec<String>,
    /// Line of the call.
    pub line: u32,
}

/// `k8s_resource(...)` options that shape resources.
#[derive(Debug, Clone, Default)]
pub struct ResourceOpts {
    pub workload: String,
    pub new_name: String,
    pub objects: Vec<String>,
    pub manually_grouped: bool,
    pub resource_deps: Vec<String>,
    /// `./Tiltfile:L:C`, for Tilt's messages.
    pub position: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DefaultRegistry {
    pub host: String,
    pub host_from_cluster: String,
    pub single_name: String,
}

/// Everything one Tiltfile run declared.
#[derive(Debug, Default)]
pub struct TiltState {
    pub entities: Vec<Entity>,
    pub images: Vec<ImageTarget>,
    pub kinds: Vec<KindInfo>,
    pub resource_opts: Vec<ResourceOpts>,
    pub local_resources: Vec<LocalResource>,
    pub default_registry: Option<DefaultRegistry>,
    pub suppress_unused: Vec<String>,
    /// Lines `local()` logged (`local: cmd`, ` → out`).
    pub output: Vec<String>,
    pub warnings: Vec<String>,
    /// Calls to builtins we accept without emulating them: (name, line).
    pub noops: Vec<(String, u32)>,
    /// Calls that would run a program but were not allowed to: (name, line).
    pub sandboxed: Vec<(String, u32)>,
    /// Extension repositories: name → directory.
    pub ext_repos: Vec<(String, std::path::PathBuf)>,
}
