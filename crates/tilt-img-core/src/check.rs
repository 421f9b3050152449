//! `tilt-img check`: the loader's result, plus what only tilt-img knows:
//! every build Tilt would skip, where its image sits, and the `k8s_kind`
//! line from scan's inference that fixes it.

use crate::annotation::{Annotation, Edit};
use crate::diag::Code;
use crate::load::K8sObject;
use serde_json::{Value, json};
use tilt_loader::refs::parse_ref;
use tilt_loader::report::{familiar, oracle};
use tilt_loader::state::BuildKind;
use tilt_loader::tree::Node;
use tilt_loader::{CheckResult, deploy};

/// A build Tilt would not use, where its image sits, and the fix.
#[derive(Debug, Clone)]
pub struct Skipped {
    pub reference: String,
    /// `Kind/name at path` for each object that holds the image.
    pub found_in: Vec<String>,
    /// Lines to add to the Tiltfile (from `scan`'s inference), if any.
    pub fix: Option<String>,
    pub why: String,
    /// Line of the build's call in the Tiltfile.
    pub line: u32,
}

/// Every build Tilt would skip (not only the first, as Tilt warns), with
/// the objects that hold its image and the `k8s_kind` that fixes it.
pub fn skipped_images(r: &CheckResult) -> Vec<Skipped> {
    let Some(asm) = &r.assembly else {
        return vec![];
    };
    let st = &r.state;
    let unmatched: Vec<(usize, &tilt_loader::state::ImageTarget)> = st
        .images
        .iter()
        .enumerate()
        .filter(|(i, img)| {
            let suppressed = st
                .suppress_unused
                .iter()
                .any(|s| *s == img.ref_text || *s == familiar(&img.ref_text));
            !asm.matched[*i] && !suppressed
        })
        .collect();
    if unmatched.is_empty() {
        // Nothing to explain: inference over every object is not needed.
        return vec![];
    }
    let file: std::sync::Arc<str> = std::sync::Arc::from("(k8s_yaml)");
    let objects: Vec<K8sObject> = st
        .entities
        .iter()
        .map(|e| K8sObject {
            api_version: e.api_version.clone(),
            kind: e.kind.clone(),
            name: e.name.clone(),
            file: file.clone(),
            line: 0,
            root: Node::from_json(&e.obj),
        })
        .collect();
    let knowledge = crate::infer::knowledge::Knowledge::builtin();
    let opts = crate::infer::InferOptions {
        knowledge: Some(&knowledge),
        config: None,
    };
    let (mut kinds, _) = crate::infer::infer(objects.iter(), &opts);
    for k in &mut kinds {
        k.tilt = crate::render::tiltfile::kind_snippet(k);
    }
    // Every image found, by repository name: a selector only matches refs
    // of its own name, so each skipped build looks at those alone.
    struct Place<'a> {
        kind: &'a crate::report::KindReport,
        reference: tilt_loader::reference::Named,
        /// `Kind/name at path`, or the warning of a field Tilt skips.
        shown: String,
        /// In a field Tilt never injects into (not one a k8s_kind fixes).
        uninjected: bool,
    }
    let mut by_name: std::collections::HashMap<String, Vec<Place>> = Default::default();
    for k in &kinds {
        let found = k
            .images
            .iter()
            .map(|f| (f, format!("{}/{} at {}", f.kind, f.name, f.location), false));
        let skipped = k
            .uninjected
            .iter()
            .map(|(f, w)| (f, w.message.clone(), true));
        for (f, shown, uninjected) in found.chain(skipped) {
            if let Ok(reference) = parse_ref(&f.reference) {
                by_name.entry(reference.name()).or_default().push(Place {
                    kind: k,
                    reference,
                    shown,
                    uninjected,
                });
            }
        }
    }
    let mut out = Vec::new();
    for (_, img) in unmatched {
        let Ok(target) = parse_ref(&img.ref_text) else {
            continue;
        };
        let sel = tilt_loader::refs::RefSelector::new(&target);
        let mut found_in = Vec::new();
        let mut fix = Vec::new();
        let mut builtin_only = true;
        for p in by_name.get(&sel.name()).into_iter().flatten() {
            if !sel.matches(&p.reference) {
                continue;
            }
            found_in.push(p.shown.clone());
            if p.uninjected {
                continue;
            }
            if let Some(t) = &p.kind.tilt
                && !fix.contains(t)
            {
                fix.push(t.clone());
            }
            builtin_only &= p.kind.builtin;
        }
        let why = if found_in.is_empty() {
            "no object in the Tiltfile's k8s_yaml uses this image".to_string()
        } else if builtin_only {
            "Tilt does not inject images into these fields".to_string()
        } else {
            "the image sits in a custom resource Tilt does not look into".to_string()
        };
        out.push(Skipped {
            reference: familiar(&img.ref_text),
            found_in,
            fix: (!fix.is_empty()).then(|| fix.join("\n")),
            why,
            line: img.line,
        });
    }
    out
}

/// `skipped` is [`skipped_images`] of `r` (computed once by the caller:
/// it runs inference over every object).
pub fn json(r: &CheckResult, skipped: &[Skipped]) -> Value {
    let mut v = oracle(r);
    v["skipped_images"] = Value::Array(
        skipped
            .iter()
            .map(
                |s| json!({"ref": s.reference, "found_in": s.found_in, "why": s.why, "fix": s.fix}),
            )
            .collect(),
    );
    if let Some(asm) = &r.assembly {
        v["deploy"] = deploy::deploy_json(&r.state, asm);
    }
    v["sandboxed"] = json!(
        r.state
            .sandboxed
            .iter()
            .map(|(n, l)| json!({"call": n, "line": l}))
            .collect::<Vec<_>>()
    );
    v["noop_builtins"] = json!(
        r.state
            .noops
            .iter()
            .map(|(n, l)| json!({"call": n, "line": l}))
            .collect::<Vec<_>>()
    );
    v
}

/// Why a sandboxed command returned nothing, and what to do.
fn not_run(call: &str) -> String {
    format!(
        "{call} was not run (sandbox); it returned an empty result. Pass --allow-exec to run it."
    )
}

/// The human report; `tiltfile` is the Tiltfile as the user named it,
/// `skipped` is [`skipped_images`] of `r`.
pub fn text(r: &CheckResult, tiltfile: &str, skipped: &[Skipped]) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    if let Some(e) = &r.error {
        let _ = writeln!(out, "Tilt would fail to load this Tiltfile:\n");
        for l in e.lines() {
            let _ = writeln!(out, "  {l}");
        }
        return out;
    }
    let st = &r.state;
    if let Some(asm) = &r.assembly {
        let _ = writeln!(out, "resources:");
        for res in &asm.resources {
            let objs: Vec<String> = res.entities.iter().map(|&i| st.entities[i].id()).collect();
            let imgs: Vec<String> = res
                .images
                .iter()
                .map(|&i| familiar(&st.images[i].ref_text))
                .collect();
            let _ = writeln!(
                out,
                "  {}: {}{}",
                res.name,
                objs.join(", "),
                if imgs.is_empty() {
                    String::new()
                } else {
                    format!("  [builds: {}]", imgs.join(", "))
                }
            );
        }
        if !asm.unresourced.is_empty() {
            let objs: Vec<String> = asm
                .unresourced
                .iter()
                .map(|&i| st.entities[i].id())
                .collect();
            let _ = writeln!(out, "  uncategorized: {}", objs.join(", "));
        }
    }
    if let Some(asm) = &r.assembly {
        let attached = asm.attached_images();
        if !attached.is_empty() {
            let _ = writeln!(out, "\nbuilds and what the cluster pulls:");
        }
        for i in attached {
            let img = &st.images[i];
            let d = deploy::refs_for(img, st.default_registry.as_ref());
            let how = match (img.build, &img.context) {
                (BuildKind::Docker, Some(c)) => format!("docker_build {c}"),
                _ => "custom_build".to_string(),
            };
            let deploy = d
                .deploy_ref
                .unwrap_or_else(|| "the ref its script writes to outputs_image_ref_to".into());
            let _ = writeln!(
                out,
                "  {} ({how}): deploys {deploy}, pushed by {}",
                familiar(&img.ref_text),
                d.pushed_by
            );
            if let Some(e) = d
                .expected_ref
                .filter(|e| img.disable_push && !img.skips_local_docker && Some(e) != Some(&deploy))
            {
                let _ = writeln!(
                    out,
                    "    note: the script pushes $EXPECTED_REF ({e}) but Tilt deploys {deploy}, a tag it made locally; use skips_local_docker=True (or outputs_image_ref_to) so the cluster pulls what the script pushed"
                );
            }
        }
    }
    if !r.warnings.is_empty() {
        let _ = writeln!(out, "\nTilt's warnings:");
        for w in &r.warnings {
            for l in w.lines() {
                let _ = writeln!(out, "  {l}");
            }
        }
    }
    if !skipped.is_empty() {
        let _ = writeln!(out, "\nimages Tilt would build but not deploy:");
        for s in skipped {
            let _ = writeln!(out, "  ✕ {}: {}", s.reference, s.why);
            for f in &s.found_in {
                let _ = writeln!(out, "      {f}");
            }
            if let Some(fix) = &s.fix {
                let _ = writeln!(out, "    fix: add to the Tiltfile:");
                for l in fix.lines() {
                    let _ = writeln!(out, "      {l}");
                }
            }
        }
    }
    for (call, line) in &st.sandboxed {
        let _ = writeln!(out, "\nnote: {tiltfile}:{line}: {}", not_run(call));
    }
    if !st.noops.is_empty() {
        let names: Vec<String> = st
            .noops
            .iter()
            .map(|(n, l)| format!("{n} (line {l})"))
            .collect();
        let _ = writeln!(out, "\naccepted without emulation: {}", names.join(", "));
    }
    if skipped.is_empty() && r.warnings.is_empty() {
        let _ = writeln!(out, "\nok: the Tiltfile loads and every build is deployed.");
    }
    out
}

/// The innermost frame of a Tilt traceback (`  ./lib/Tiltfile:3:9: in f`):
/// file, line and column of the error.
fn innermost_frame(error: &str) -> Option<(&str, u32, u32)> {
    error.lines().rev().find_map(|l| {
        let l = l.strip_prefix("  ")?;
        let (place, _) = l.split_once(": in ")?;
        let mut it = place.rsplitn(3, ':');
        let col = it.next()?.parse().ok()?;
        let line = it.next()?.parse().ok()?;
        Some((it.next()?, line, col))
    })
}

/// A path the loader shows (`./x`, relative to the Tiltfile's directory),
/// as the user's shell names it: relative to the working directory.
fn as_shown(r: &CheckResult, loader_path: &str) -> String {
    let abs = match loader_path.strip_prefix("./") {
        Some(rest) => r.root.join(rest),
        None if loader_path == "." => r.root.clone(),
        None => std::path::PathBuf::from(loader_path),
    };
    let cwd = std::env::current_dir().ok();
    match cwd.as_deref().and_then(|c| abs.strip_prefix(c).ok()) {
        Some(rel) => rel.display().to_string(),
        None => abs.display().to_string(),
    }
}

/// `check`'s result as annotations: the load error at its innermost frame,
/// Tilt's warnings, every undeployed build with the `k8s_kind` that fixes
/// it (appended to the Tiltfile, whose text is `tiltfile_text`), commands
/// not run and builtins not emulated. `skipped` is [`skipped_images`] of `r`.
pub fn annotations(
    r: &CheckResult,
    skipped: &[Skipped],
    tiltfile: &str,
    tiltfile_text: &str,
) -> Vec<Annotation> {
    let at =
        |code: Code, file: String, line: u32, column: Option<u32>, message: String| Annotation {
            rule: code.id(),
            severity: code.severity(),
            file,
            line,
            column,
            message,
            fix: None,
        };
    let mut out = Vec::new();
    if let Some(e) = &r.error {
        let (file, line, col) = match innermost_frame(e) {
            Some((f, l, c)) => (as_shown(r, f), l, Some(c)),
            None => (tiltfile.to_string(), 0, None),
        };
        out.push(at(Code::LoadError, file, line, col, e.clone()));
        return out;
    }
    for w in &r.warnings {
        let line = skipped.first().map_or(0, |s| s.line);
        out.push(at(
            Code::TiltWarning,
            tiltfile.to_string(),
            line,
            None,
            w.clone(),
        ));
    }
    let lines = tiltfile_text.lines().count() as u32;
    for s in skipped {
        let mut message = format!("{}: {}", s.reference, s.why);
        for f in &s.found_in {
            message.push_str(&format!("; {f}"));
        }
        let mut a = at(
            Code::Undeployed,
            tiltfile.to_string(),
            s.line,
            None,
            message,
        );
        a.fix = s.fix.as_ref().map(|fix| {
            let lead = if tiltfile_text.is_empty() || tiltfile_text.ends_with('\n') {
                ""
            } else {
                "\n"
            };
            Edit {
                description: format!("declare where {} sits, so Tilt injects it", s.reference),
                file: tiltfile.to_string(),
                line: lines + 1,
                column: 1,
                deleted: 0,
                text: format!("{lead}{fix}\n"),
            }
        });
        out.push(a);
    }
    for (call, line) in &r.state.sandboxed {
        out.push(at(
            Code::NotRun,
            tiltfile.to_string(),
            *line,
            None,
            not_run(call),
        ));
    }
    for (call, line) in &r.state.noops {
        out.push(at(
            Code::NotEmulated,
            tiltfile.to_string(),
            *line,
            None,
            format!("{call} was accepted without emulating its effect"),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_innermost_frame_is_the_place() {
        let e = "Traceback (most recent call last):\n  ./Tiltfile:3:9: in <toplevel>\n  ./lib/Tiltfile:12:4: in f\nError in k8s_kind: unclosed action";
        assert_eq!(super::innermost_frame(e), Some(("./lib/Tiltfile", 12, 4)));
        assert_eq!(super::innermost_frame("Error: no frames"), None);
    }
}
