//! Reports of a check: `--format oracle` (the normalized summary of the
//! shared oracle cases, byte-for-byte Tilt's behaviour) and the human report.

use super::CheckResult;
use super::refs::parse_ref;
use super::state::{BuildKind, ImageTarget};
use serde_json::{Value, json};

/// A reference as Tilt prints it (`docker.io/library/x` → `x`).
pub fn familiar(r: &str) -> String {
    parse_ref(r)
        .map(|n| n.familiar_string())
        .unwrap_or_else(|_| r.to_string())
}

fn image_json(i: &ImageTarget) -> Value {
    let has_tag = parse_ref(&i.ref_text)
        .map(|n| n.tag().is_some())
        .unwrap_or(false);
    let (output_mode, disable_push, skips) = match i.build {
        BuildKind::Docker => (Value::Null, false, false),
        BuildKind::Custom if i.skips_local_docker => (json!("remote"), true, true),
        BuildKind::Custom if i.disable_push => (json!("local-docker-and-remote"), true, false),
        BuildKind::Custom => (json!("local-docker"), false, false),
    };
    json!({
        "build": if i.build == BuildKind::Docker { "docker" } else { "custom" },
        "command": i.command,
        "context": i.context,
        "disable_push": disable_push,
        "match_exact": has_tag,
        "match_in_env_vars": i.match_in_env_vars,
        "output_mode": output_mode,
        "outputs_image_ref_to": i.outputs_image_ref_to,
        "ref": familiar(&i.ref_text),
        "skips_local_docker": skips,
        "tag": i.tag,
    })
}

/// The normalized summary, as `shared/oracle/README.md` defines it.
pub fn oracle(r: &CheckResult) -> Value {
    let st = &r.state;
    let mut images = Vec::new();
    let mut resources = Vec::new();
    if let Some(asm) = &r.assembly {
        let attached = asm.attached_images();
        images = attached
            .iter()
            .map(|&i| image_json(&st.images[i]))
            .collect();
        images.sort_by(|a, b| a["ref"].as_str().cmp(&b["ref"].as_str()));
        for res in &asm.resources {
            let mut imgs: Vec<String> = res
                .images
                .iter()
                .map(|&i| familiar(&st.images[i].ref_text))
                .collect();
            imgs.sort();
            resources.push(json!({
                "images": imgs,
                "name": res.name,
                "objects": res.entities.iter().map(|&i| st.entities[i].id()).collect::<Vec<_>>(),
            }));
        }
        if !asm.unresourced.is_empty() {
            resources.push(json!({
                "images": [],
                "name": "uncategorized",
                "objects": asm.unresourced.iter().map(|&i| st.entities[i].id()).collect::<Vec<_>>(),
            }));
        }
        resources.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    }
    let registry = match (&r.error, &st.default_registry) {
        (None, Some(d)) => {
            json!({"host": d.host, "host_from_container_runtime": d.host_from_cluster, "single_name": d.single_name})
        }
        _ => Value::Null,
    };
    let (output, mut warnings) = split_log(&st.output);
    warnings.extend(r.warnings.iter().cloned());
    json!({
        "default_registry": registry,
        "error": r.error,
        "exit": if r.error.is_some() { 5 } else { 0 },
        "images": images,
        "output": output,
        "resources": resources,
        "warnings": warnings,
    })
}

/// The log of `local()` as the oracle's normalizer reads Tilt's stderr:
/// ` → ` lines belong to the output only after a `local:` line; those of
/// an `echo_off=True` command (no `local:` line) fall into the warnings,
/// one block, continued by each further indented line.
fn split_log(log: &[String]) -> (Vec<String>, Vec<String>) {
    let (mut output, mut warnings) = (Vec::new(), Vec::<String>::new());
    let mut in_local = false;
    for ln in log {
        if ln.starts_with("local: ") {
            in_local = true;
            output.push(ln.clone());
        } else if in_local && ln.starts_with(" → ") {
            output.push(ln.clone());
        } else {
            in_local = false;
            match warnings.last_mut() {
                Some(last) if ln.starts_with([' ', '\t']) => {
                    last.push('\n');
                    last.push_str(ln);
                }
                _ => warnings.push(ln.clone()),
            }
        }
    }
    (output, warnings)
}
