//! Builds that work with a plain-HTTP dev registry, for `scan`.
//!
//! Docker (and BuildKit) push over HTTPS unless the registry is on loopback
//! or in `insecure-registries`; BuildKit in a container, a remote Docker and
//! Docker Desktop do not see those exceptions. A `custom_build` whose command
//! pushes by itself over HTTP works everywhere, but only if Tilt deploys the
//! tag the command pushed: with `disable_push=True` alone Tilt re-tags the
//! local image with its content hash and deploys a tag nobody pushed
//! (oracle cases 35 and 45; tilt-dev/tilt#1615, #6021). With
//! `skips_local_docker=True` Tilt deploys `$EXPECTED_REF` (under the
//! cluster's registry name), which is exactly what the command pushes.
//!
//! The command is two steps so that each can be checked on its own: a build
//! into the local Docker store, and a push of `$EXPECTED_REF` over HTTP.

use super::model::{Loc, Model, Origin, is_loopback};
use crate::codegen::{CustomBuild, DefaultRegistry, TiltCall};
use crate::escape::{comment, starlark_str};
use crate::image_text::written_image;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The tool that pushes over HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum PushWith {
    /// `skopeo copy --dest-tls-verify=false` from the local Docker store
    /// (Debian/Ubuntu `apt install skopeo`, `brew install skopeo`).
    #[default]
    Skopeo,
    /// `docker buildx build … registry.insecure=true`: one step, Docker only.
    Buildx,
}

/// The source the push step copies from; tests swap in an OCI layout.
pub const PUSH_SOURCE: &str = "docker-daemon:$EXPECTED_REF";

#[derive(Debug, Clone, Serialize)]
pub struct HttpBuild {
    /// The image ref, as the manifests / Tiltfile name it.
    #[serde(rename = "ref")]
    pub reference: String,
    pub context: String,
    pub dockerfile: String,
    /// The `docker_build` this replaces.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replaces: Option<Loc>,
    pub build_step: Option<String>,
    pub push_step: Option<String>,
    /// The whole command (`sh -c`), with `$EXPECTED_REF`.
    pub command: String,
    /// The call (in JSON: its Tiltfile line).
    #[serde(serialize_with = "crate::codegen::serialize_line")]
    pub call: TiltCall,
}

/// How the cluster finds the images.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "mode")]
pub enum Route {
    /// Images carry the registry's address (`default_registry`, KEP-1755, ctlptl).
    Registry,
    /// Images keep bare Docker Hub names; the nodes pull them through a mirror
    /// (`docker.io` or `*`) that points at the dev registry.
    Mirror { key: String, at: Loc },
}

#[derive(Debug, Clone, Serialize)]
pub struct RegistryPlan {
    #[serde(flatten)]
    pub route: Route,
    /// Where the developer pushes (`default_registry` host, or the mirror's
    /// registry as this machine reaches it).
    pub push_host: String,
    /// What the cluster pulls the same images as, when different.
    pub cluster_host: Option<String>,
    pub protocol: &'static str,
    /// Why we say the registry speaks HTTP.
    pub evidence: String,
    pub from: Loc,
    /// `default_registry(...)` to add, when the Tiltfile has none.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::codegen::serialize_opt_line"
    )]
    pub default_registry: Option<TiltCall>,
    pub push_with: PushWith,
    pub builds: Vec<HttpBuild>,
}

/// One shell quoter for every generated command: Tilt's `shlex.quote`,
/// so that the command equals the one the extension builds in Starlark.
fn sh_quote(s: &str) -> String {
    tilt_loader::stdlib::shlex_quote(s)
}

/// (build step, push step, whole command) for one image. `mirror_host`:
/// push bare Docker Hub names under that registry (`library/` for one-part
/// names, the path a `docker.io` mirror asks for) instead of to $EXPECTED_REF.
pub fn command(
    context: &str,
    dockerfile: &str,
    with: PushWith,
    mirror_host: Option<&str>,
) -> (Option<String>, Option<String>, String) {
    let (ctx, df) = (sh_quote(context), sh_quote(dockerfile));
    let (dest, path) = match mirror_host {
        None => ("$EXPECTED_REF".to_string(), String::new()),
        Some(h) => (
            format!("{h}/$p"),
            "p=$EXPECTED_REF && if [ \"${p#*/}\" = \"$p\" ]; then p=library/$p; fi && ".to_string(),
        ),
    };
    match with {
        PushWith::Skopeo => {
            let build = format!("docker build -t $EXPECTED_REF -f {df} {ctx}");
            let push =
                format!("{path}skopeo copy --dest-tls-verify=false {PUSH_SOURCE} docker://{dest}");
            let all = format!("{build} && {push}");
            (Some(build), Some(push), all)
        }
        PushWith::Buildx => {
            let all = format!(
                "{path}docker buildx build --output type=image,name={dest},push=true,registry.insecure=true -f {df} {ctx}"
            );
            (None, None, all)
        }
    }
}

pub fn call(reference: &str, command: &str, deps: &str) -> TiltCall {
    TiltCall::CustomBuild(CustomBuild {
        reference: reference.to_string(),
        command: command.to_string(),
        deps: vec![deps.to_string()],
    })
}

/// The Tiltfile among `paths` (a path named Tiltfile, or one in a scanned directory).
pub fn find_tiltfile(paths: &[PathBuf]) -> Option<PathBuf> {
    paths.iter().find_map(|p| {
        if p.file_name().is_some_and(|n| n == "Tiltfile") && p.is_file() {
            Some(p.clone())
        } else if p.is_dir() && p.join("Tiltfile").is_file() {
            Some(p.join("Tiltfile"))
        } else {
            None
        }
    })
}

/// Decides whether the dev registry needs HTTP-pushing builds, and which.
/// `found` are image refs the scan found in custom resources (used when the
/// tree has no Tiltfile, matched to directories with a Dockerfile).
pub fn plan(
    paths: &[PathBuf],
    model: &Model,
    found: &[String],
    with: PushWith,
) -> Option<RegistryPlan> {
    let (route, push_host, cluster_host, origin, from, evidence) =
        if let Some(target) = model.push_targets.first() {
            let cluster = target
                .from_cluster
                .as_ref()
                .map(|(h, _)| h.clone())
                .filter(|h| *h != target.host);
            (
                Route::Registry,
                target.host.clone(),
                cluster,
                Some(target.origin),
                target.loc.clone(),
                model.http_evidence(&target.host)?,
            )
        } else {
            // No registry address in image names: does the cluster pull Docker
            // Hub names through a mirror to a dev registry this machine reaches?
            let (mirror, server, endpoint) = model.mirrors.iter().find_map(|m| {
                if !(m.key.eq_ignore_ascii_case("docker.io") || m.key == "*") {
                    return None;
                }
                m.endpoints.iter().find_map(|e| {
                    let s = model.server_at(&e.host)?;
                    Some((m, s, e))
                })
            })?;
            let local = server.addresses.iter().find(|a| is_loopback(a))?.clone();
            (
                Route::Mirror {
                    key: mirror.key.clone(),
                    at: mirror.loc.clone(),
                },
                local,
                None,
                None,
                mirror.loc.clone(),
                model.http_evidence(&endpoint.host)?,
            )
        };
    // A guess is not enough to rewrite builds; a file or a probe must say so.
    if evidence.assumed {
        return None;
    }
    if model
        .server_at(&push_host)
        .is_some_and(|s| s.proxy_remote.is_some())
    {
        return None; // doctor's REG018: no build can push there.
    }
    let mirror_host = matches!(route, Route::Mirror { .. }).then_some(push_host.as_str());
    let (builds, has_default_registry) = match find_tiltfile(paths) {
        Some(tf) => builds_from_tiltfile(&tf, with, mirror_host),
        None => (
            builds_from_dockerfiles(paths, found, with, mirror_host),
            false,
        ),
    };
    // Tilt reads the KEP-1755 ConfigMap (which ctlptl writes) by itself, and
    // a Tiltfile's own default_registry stays; otherwise say what to add.
    let default_registry = (!has_default_registry
        && route == Route::Registry
        && !matches!(origin, Some(Origin::Kep1755 | Origin::Ctlptl)))
    .then(|| {
        TiltCall::DefaultRegistry(DefaultRegistry {
            host: push_host.clone(),
            host_from_cluster: cluster_host.clone(),
        })
    });
    Some(RegistryPlan {
        route,
        push_host,
        cluster_host,
        protocol: "http",
        evidence: evidence.reason,
        from,
        default_registry,
        push_with: with,
        builds,
    })
}

/// A build per `docker_build` of the Tiltfile, and whether it sets
/// `default_registry` itself.
fn builds_from_tiltfile(
    tf: &Path,
    with: PushWith,
    mirror_host: Option<&str>,
) -> (Vec<HttpBuild>, bool) {
    let root = tf.parent().unwrap_or(Path::new("."));
    let shown = tf.display().to_string();
    let result = tilt_loader::check(tf, &tilt_loader::CheckOptions::default());
    let builds = result
        .state
        .images
        .iter()
        .filter(|img| img.build == tilt_loader::state::BuildKind::Docker)
        // Through a docker.io mirror only Docker Hub names reach the dev registry.
        .filter(|img| {
            mirror_host.is_none()
                || written_image(&img.ref_text).is_some_and(|r| r.domain().is_none())
        })
        .map(|img| {
            let context = img.context.clone().unwrap_or_else(|| ".".into());
            let context = context.strip_prefix("./").unwrap_or(&context).to_string();
            let dockerfile = img
                .dockerfile
                .as_ref()
                .and_then(|d| d.strip_prefix(root).ok().map(|p| p.display().to_string()))
                .unwrap_or_else(|| format!("{context}/Dockerfile"));
            let replaces = Loc {
                file: shown.clone(),
                line: img.line,
            };
            build(
                &img.ref_text,
                &context,
                &dockerfile,
                Some(replaces),
                with,
                mirror_host,
            )
        })
        .collect();
    (builds, result.state.default_registry.is_some())
}

/// Without a Tiltfile: a build per image found in custom resources that has
/// a directory with a Dockerfile named like it (`orders-connect` in
/// `orders-connect/` or `connect/`) under a scanned directory.
fn builds_from_dockerfiles(
    paths: &[PathBuf],
    found: &[String],
    with: PushWith,
    mirror_host: Option<&str>,
) -> Vec<HttpBuild> {
    let roots: Vec<&PathBuf> = paths.iter().filter(|p| p.is_dir()).collect();
    let mut seen = std::collections::HashSet::new();
    let mut builds = Vec::new();
    for ir in found.iter().filter_map(|r| written_image(r)) {
        let path = ir.path();
        if ir.domain().is_some() || !seen.insert(path.to_string()) {
            continue;
        }
        let last = path.rsplit('/').next().unwrap_or(path);
        let short = last.rsplit('-').next().unwrap_or(last);
        let dir = roots.iter().find_map(|root| {
            [last, short]
                .into_iter()
                .find(|c| root.join(c).join("Dockerfile").is_file())
        });
        if let Some(dir) = dir {
            let dockerfile = format!("{dir}/Dockerfile");
            builds.push(build(path, dir, &dockerfile, None, with, mirror_host));
        }
    }
    builds
}

fn build(
    reference: &str,
    context: &str,
    dockerfile: &str,
    replaces: Option<Loc>,
    with: PushWith,
    mirror_host: Option<&str>,
) -> HttpBuild {
    let (build_step, push_step, command) = command(context, dockerfile, with, mirror_host);
    HttpBuild {
        reference: reference.to_string(),
        context: context.to_string(),
        dockerfile: dockerfile.to_string(),
        replaces,
        build_step,
        push_step,
        call: call(reference, &command, context),
        command,
    }
}

/// The Tiltfile lines for a plan (appended to `scan --format tiltfile`).
pub fn render(plan: &RegistryPlan) -> String {
    let mut s = String::new();
    // Hosts, evidence and file names come from the scanned files.
    let line = |s: &mut String, text: String| {
        s.push_str(&comment(&text));
        s.push('\n');
    };
    s.push('\n');
    line(
        &mut s,
        format!(
            "Dev registry {} speaks plain HTTP ({}).",
            plan.push_host, plan.evidence
        ),
    );
    if let Some(c) = &plan.cluster_host {
        line(&mut s, format!("The cluster pulls the same images as {c}."));
    }
    if let Route::Mirror { key, at } = &plan.route {
        line(
            &mut s,
            format!(
                "The nodes pull Docker Hub names through the mirror `{key}` ({at}), so images keep their"
            ),
        );
        line(
            &mut s,
            format!(
                "bare names and these builds push them under {}/library/… (or {}/<namespace>/…).",
                plan.push_host, plan.push_host
            ),
        );
    }
    s.push_str(
        "# Docker and BuildKit push over HTTPS unless told otherwise (`server gave HTTP response to HTTPS client`),\n\
         # so these builds push by themselves over HTTP, and skips_local_docker=True makes Tilt deploy exactly\n\
         # the $EXPECTED_REF they pushed (disable_push=True alone would deploy a re-tagged image nobody pushed).\n",
    );
    match plan.push_with {
        PushWith::Skopeo => s.push_str("# Needs skopeo (apt install skopeo / brew install skopeo); `--push-with buildx` for Docker alone.\n"),
        PushWith::Buildx => s.push_str("# Needs docker buildx (bundled with current Docker).\n"),
    }
    if let Some(d) = &plan.default_registry {
        s.push_str(&d.line());
        s.push('\n');
    }
    if plan.builds.is_empty() {
        s.push_str("# No docker_build in a Tiltfile here and no Dockerfile matched an image; for each image you build:\n");
        let mirror_host =
            matches!(plan.route, Route::Mirror { .. }).then_some(plan.push_host.as_str());
        let (_, _, cmd) = command(
            "<context>",
            "<context>/Dockerfile",
            plan.push_with,
            mirror_host,
        );
        line(&mut s, call("<image>", &cmd, "<context>").line());
    }
    for b in &plan.builds {
        if let Some(r) = &b.replaces {
            line(
                &mut s,
                format!(
                    "replaces docker_build({}, …) at {r}",
                    starlark_str(&b.reference)
                ),
            );
        }
        s.push_str(&b.call.line());
        s.push('\n');
    }
    s
}
