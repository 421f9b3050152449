//! What Tilt deploys, computed offline: the ref each build is tagged with,
//! pushed as and written into the manifests (`default_registry`,
//! `host_from_cluster`, `single_name`, and the custom_build modes), and every
//! field Tilt rewrites. Build-dependent tags are placeholders, as in the
//! oracle's `deploy.json`: `tilt-<content-hash>` and `tilt-build-<unix-time>`.

use super::assemble::Assembly;
use super::refs::{Named, RefSelector, parse_ref};
use super::state::{BuildKind, DefaultRegistry, Entity, ImageTarget, Locator, TiltState};
use crate::facts::{INJECTED_LISTS, pod_spec_path};
use serde_json::{Value, json};

const CONTENT_TAG: &str = "tilt-<content-hash>";
const BUILD_TAG: &str = "tilt-build-<unix-time>";

/// `[/:@]` → `_`, as Tilt escapes a name under a default registry.
fn escape(s: &str) -> String {
    s.replace(['/', ':', '@'], "_")
}

/// Tilt's `replaceRegistry`: the name a build gets under a registry host.
fn under_registry(host: &str, r: &Named, single_name: &str) -> String {
    let fam = r.familiar_name();
    if host.is_empty() || fam.starts_with(&format!("{host}/")) {
        return fam;
    }
    if single_name.is_empty() {
        format!("{host}/{}", escape(&fam))
    } else {
        format!("{host}/{single_name}")
    }
}

#[derive(Debug, Clone)]
pub struct DeployRefs {
    pub expected_ref: Option<String>,
    pub local_ref: Option<String>,
    pub deploy_ref: Option<String>,
    pub pushed_by: &'static str,
}

pub fn refs_for(img: &ImageTarget, reg: Option<&DefaultRegistry>) -> DeployRefs {
    let Ok(r) = parse_ref(&img.ref_text) else {
        return DeployRefs {
            expected_ref: None,
            local_ref: None,
            deploy_ref: None,
            pushed_by: "tilt",
        };
    };
    let empty = DefaultRegistry::default();
    let reg = reg.unwrap_or(&empty);
    let local = under_registry(&reg.host, &r, &reg.single_name);
    let cluster_host = if reg.host_from_cluster.is_empty() {
        &reg.host
    } else {
        &reg.host_from_cluster
    };
    let cluster = under_registry(cluster_host, &r, &reg.single_name);
    let tag = |suffix: &str| {
        if reg.single_name.is_empty() {
            suffix.to_string()
        } else {
            let fam = r.familiar_name();
            format!(
                "{}-{suffix}",
                escape(fam.rsplit('/').next().unwrap_or(&fam))
            )
        }
    };
    let script_pushes = img.disable_push || img.skips_local_docker;
    match img.build {
        BuildKind::Custom if img.outputs_image_ref_to.is_some() => DeployRefs {
            expected_ref: None,
            local_ref: None,
            deploy_ref: None,
            pushed_by: "tilt",
        },
        BuildKind::Custom if img.skips_local_docker => DeployRefs {
            expected_ref: Some(format!("{local}:{}", tag(BUILD_TAG))),
            local_ref: Some(format!("{local}:{}", tag(BUILD_TAG))),
            deploy_ref: Some(format!("{cluster}:{}", tag(BUILD_TAG))),
            pushed_by: "script",
        },
        BuildKind::Custom => DeployRefs {
            expected_ref: Some(format!("{local}:{}", tag(BUILD_TAG))),
            local_ref: Some(format!("{local}:{}", tag(CONTENT_TAG))),
            deploy_ref: Some(format!("{cluster}:{}", tag(CONTENT_TAG))),
            pushed_by: if script_pushes { "script" } else { "tilt" },
        },
        BuildKind::Docker => DeployRefs {
            expected_ref: None,
            local_ref: Some(format!("{local}:{}", tag(CONTENT_TAG))),
            deploy_ref: Some(format!("{cluster}:{}", tag(CONTENT_TAG))),
            pushed_by: "tilt",
        },
    }
}

/// A field Tilt rewrites when it deploys.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Injected {
    pub resource: String,
    pub object: String,
    pub path: String,
    pub value: String,
}

fn pod_spec_prefix(e: &Entity) -> Option<(String, &Value)> {
    let path = pod_spec_path(e.group(), &e.kind)?;
    let mut cur = &e.obj;
    for k in path.keys() {
        cur = cur.get(k)?;
    }
    Some((path.to_string(), cur))
}

fn matches(sel: &RefSelector, value: &str) -> bool {
    parse_ref(value).is_ok_and(|r| sel.matches(&r))
}

/// Fields of one object that Tilt rewrites for one build.
fn injected_in(
    st: &TiltState,
    e: &Entity,
    img: &ImageTarget,
    sel: &RefSelector,
    deploy_ref: &str,
    out: &mut Vec<(String, String)>,
) {
    let (name, tag) = deploy_ref
        .rsplit_once(':')
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .unwrap_or_default();
    if let Some((prefix, pod)) = pod_spec_prefix(e) {
        for list in INJECTED_LISTS {
            for (i, c) in pod
                .get(list)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                if c.get("image")
                    .and_then(Value::as_str)
                    .is_some_and(|v| matches(sel, v))
                {
                    out.push((
                        format!("{prefix}.{list}[{i}].image"),
                        deploy_ref.to_string(),
                    ));
                }
                if img.match_in_env_vars {
                    for (j, env) in c
                        .get("env")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .enumerate()
                    {
                        if env
                            .get("value")
                            .and_then(Value::as_str)
                            .is_some_and(|v| matches(sel, v))
                        {
                            out.push((
                                format!("{prefix}.{list}[{i}].env[{j}].value"),
                                deploy_ref.to_string(),
                            ));
                        }
                    }
                }
            }
        }
        for (i, v) in pod
            .get("volumes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            if v.get("image")
                .and_then(|x| x.get("reference"))
                .and_then(Value::as_str)
                .is_some_and(|r| matches(sel, r))
            {
                out.push((
                    format!("{prefix}.volumes[{i}].image.reference"),
                    deploy_ref.to_string(),
                ));
            }
        }
    }
    for k in st.kinds.iter().filter(|k| k.selector.matches(e)) {
        for loc in &k.locators {
            match loc {
                Locator::JsonPath(p) => {
                    for (v, at) in p.locate(&e.obj).unwrap_or_default() {
                        if !at.is_empty() && v.as_str().is_some_and(|s| matches(sel, s)) {
                            out.push((at, deploy_ref.to_string()));
                        }
                    }
                }
                Locator::ImageObject {
                    path,
                    repo_field,
                    tag_field,
                } => {
                    for (v, at) in path.locate(&e.obj).unwrap_or_default() {
                        let Some(m) = v.as_object() else { continue };
                        let repo = m.get(repo_field).and_then(Value::as_str).unwrap_or("");
                        let old_tag = m.get(tag_field).and_then(Value::as_str).unwrap_or("");
                        let current = if old_tag.is_empty() {
                            repo.to_string()
                        } else {
                            format!("{repo}:{old_tag}")
                        };
                        if !matches(sel, &current) {
                            continue;
                        }
                        if repo != name {
                            out.push((format!("{at}.{repo_field}"), name.clone()));
                        }
                        if old_tag != tag {
                            out.push((format!("{at}.{tag_field}"), tag.clone()));
                        }
                    }
                }
            }
        }
    }
}

/// The deploy view of a loaded Tiltfile, in the oracle's `deploy.json` shape.
pub fn deploy_json(st: &TiltState, asm: &Assembly) -> Value {
    let attached = asm.attached_images();
    let familiar = |r: &str| {
        parse_ref(r)
            .map(|n| n.familiar_string())
            .unwrap_or_else(|_| r.to_string())
    };
    let mut images: Vec<Value> = attached
        .iter()
        .map(|&i| {
            let img = &st.images[i];
            let d = refs_for(img, st.default_registry.as_ref());
            json!({
                "build": if img.build == BuildKind::Docker { "docker" } else { "custom" },
                "deploy_ref": d.deploy_ref,
                "expected_ref": d.expected_ref,
                "local_ref": d.local_ref,
                "pushed_by": d.pushed_by,
                "ref": familiar(&img.ref_text),
            })
        })
        .collect();
    images.sort_by(|a, b| a["ref"].as_str().cmp(&b["ref"].as_str()));
    let mut injected = Vec::new();
    for r in &asm.resources {
        for &ei in &r.entities {
            let e = &st.entities[ei];
            for &ii in &r.images {
                let img = &st.images[ii];
                let Ok(parsed) = parse_ref(&img.ref_text) else {
                    continue;
                };
                let Some(deploy_ref) = refs_for(img, st.default_registry.as_ref()).deploy_ref
                else {
                    continue;
                };
                let mut fields = Vec::new();
                injected_in(
                    st,
                    e,
                    img,
                    &RefSelector::new(&parsed),
                    &deploy_ref,
                    &mut fields,
                );
                for (path, value) in fields {
                    injected.push(Injected {
                        resource: r.name.clone(),
                        object: e.id(),
                        path,
                        value,
                    });
                }
            }
        }
    }
    injected.sort();
    injected.dedup();
    json!({
        "images": images,
        "injected": injected.iter().map(|i| json!({"object": i.object, "path": i.path, "resource": i.resource, "value": i.value})).collect::<Vec<_>>(),
    })
}
