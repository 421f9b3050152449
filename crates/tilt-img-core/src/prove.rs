//! Proves generated Tiltfile lines before anyone pastes them: the snippet is
//! evaluated by the embedded loader together with the scanned objects, Tilt's
//! assembly runs (so a path that finds nothing where Tilt would fail, fails
//! here), and every image `scan` found in a custom resource must be found by
//! the snippet's locators. A failure is a bug in `scan`, reported as such.

use crate::diag::Diagnostic;
use crate::load::K8sObject;
use crate::report::KindReport;
use tilt_loader::assemble::Assembly;
use tilt_loader::refs::parse_ref;
use tilt_loader::state::{DefaultRegistry, Entity, TiltState};
use tilt_loader::{CheckOptions, Preset, Stage};

fn bug(msg: String) -> Diagnostic {
    Diagnostic::new(
        crate::diag::Code::Internal,
        "<generated Tiltfile>",
        0,
        format!("tilt-img bug: {msg}; please report it with the input"),
    )
}

/// The objects a proof loads: those holding values Tilt cannot parse as
/// images would fail the load whatever the lines; `scan` warns about them,
/// so they are left out.
fn parsable<'a>(objects: &[&'a K8sObject], kinds: &[KindReport]) -> Vec<&'a K8sObject> {
    // A set: every scanned object is looked up in it.
    let unparsable: std::collections::HashSet<(&str, &str)> = kinds
        .iter()
        .flat_map(|k| k.images.iter())
        .filter(|i| parse_ref(&i.reference).is_err())
        .map(|i| (&*i.file, &*i.name))
        .collect();
    objects
        .iter()
        .copied()
        .filter(|o| !unparsable.contains(&(&*o.file, o.name.as_str())))
        .collect()
}

/// Runs generated lines in Tilt's loader with the scanned objects already
/// declared (and `default_registry`, when given), then Tilt's assembly.
/// `what` names the lines in the error ("lines", "builds").
fn load_generated(
    objects: &[&K8sObject],
    text: &str,
    registry: Option<DefaultRegistry>,
    what: &str,
) -> Result<(TiltState, Assembly), Diagnostic> {
    let preset = Preset {
        objects: {
            use rayon::prelude::*;
            objects.par_iter().map(|o| o.root.to_json()).collect()
        },
        default_registry: registry,
    };
    // A directory with nothing in it: the lines read no file.
    let root = std::env::temp_dir()
        .join("tilt-img-generated")
        .join("Tiltfile");
    let r = tilt_loader::run(&root, text, preset, &CheckOptions::default());
    match (r.error, r.failed_in, r.assembly) {
        (None, _, Some(asm)) => Ok((r.state, asm)),
        (Some(e), Some(Stage::Assemble), _) => Err(bug(format!(
            "with the generated {what} Tilt's load fails: {e}"
        ))),
        (e, _, _) => Err(bug(format!(
            "the generated {what} fail to load in Tilt's loader:\n{}",
            e.unwrap_or_default()
        ))),
    }
}

/// Objects per loader run: below this, one run; above, the objects are
/// split so the runs use every core. Each run loads the whole snippet, and
/// what is proven (an object's images are found, a matched object has the
/// path) is a property of one object at a time.
const OBJECTS_PER_RUN: usize = 2_000;

/// One loader run: its objects, and the images it must find in them (with
/// the kind whose lines must find each).
type Run<'a> = (Vec<&'a K8sObject>, Vec<Wanted<'a>>);
type Wanted<'a> = (&'a KindReport, &'a crate::report::FoundImage);

/// Which run an object (and every image found in it) goes to: objects that
/// share kind, group and name go to one run, where an image may be found in
/// any of them.
fn run_of(kind: &str, group: &str, name: &str, runs: usize) -> usize {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (kind, group, name).hash(&mut h);
    (h.finish() % runs as u64) as usize
}

pub fn validate_snippet(
    objects: &[&K8sObject],
    kinds: &[KindReport],
    snippet: &str,
) -> Vec<Diagnostic> {
    use rayon::prelude::*;
    use std::collections::{HashMap, HashSet};
    // Only objects of kinds the snippet has lines for: the lines are
    // anchored to their kind and group, so no other object can meet them
    // (and a large tree's Deployments need not be loaded again).
    let with_lines: HashSet<(&str, &str)> = kinds
        .iter()
        .filter(|k| k.tilt.is_some())
        .map(|k| (k.key.group.as_str(), k.key.kind.as_str()))
        .collect();
    let objects: Vec<&K8sObject> = parsable(objects, kinds)
        .into_iter()
        .filter(|o| with_lines.contains(&(o.group(), o.kind.as_str())))
        .collect();
    // The images each line must find, with the kind that generated it.
    let mut wanted: Vec<Wanted> = Vec::new();
    for k in kinds.iter().filter(|k| k.tilt.is_some()) {
        let snippet_paths: HashSet<String> = crate::render::tiltfile::snippet_fields(k)
            .iter()
            .filter(|f| match &f.field {
                crate::report::ImageField::Split(s) => s.expressible_in_tilt(),
                _ => true,
            })
            .map(|f| f.field.to_string())
            .collect();
        wanted.extend(
            k.images
                .iter()
                .filter(|i| snippet_paths.contains(&*i.path))
                .map(|i| (k, i)),
        );
    }
    let runs = objects
        .len()
        .div_ceil(OBJECTS_PER_RUN)
        .clamp(1, rayon::current_num_threads().max(1));
    let mut chunks: Vec<Run> = (0..runs).map(|_| (vec![], vec![])).collect();
    for o in objects {
        chunks[run_of(&o.kind, o.group(), &o.name, runs)].0.push(o);
    }
    for w in wanted {
        chunks[run_of(&w.1.kind, &w.1.group, &w.1.name, runs)]
            .1
            .push(w);
    }
    let results: Vec<Vec<Diagnostic>> = chunks
        .par_iter()
        .map(|(objects, wanted)| {
            let (st, asm) = match load_generated(objects, snippet, None, "lines") {
                Ok(x) => x,
                Err(d) => return vec![d],
            };
            // Entities by (kind, group, name), under `metadata.name` and
            // `generateName` (their images are the assembly's).
            let mut by_name: HashMap<(&str, &str, &str), Vec<usize>> = HashMap::new();
            for (i, e) in st.entities.iter().enumerate() {
                by_name
                    .entry((&e.kind, e.group(), &e.name))
                    .or_default()
                    .push(i);
                let generated = generate_name(e);
                if !generated.is_empty() && generated != e.name {
                    by_name
                        .entry((&e.kind, e.group(), generated))
                        .or_default()
                        .push(i);
                }
            }
            let mut diags = Vec::new();
            for (k, img) in wanted {
                let Ok(want) = parse_ref(&img.reference) else {
                    continue;
                };
                // Several objects may share kind and name (in different
                // files): found in any of them is enough.
                let found = by_name
                    .get(&(&*img.kind, &*img.group, &*img.name))
                    .is_some_and(|c| c.iter().any(|&i| asm.entity_images[i].contains(&want)));
                if !found {
                    diags.push(bug(format!(
                        "the generated k8s_kind for {} does not find `{}` at {} of {}/{} ({}:{})",
                        k.key.kind,
                        img.reference,
                        img.location,
                        img.kind,
                        img.name,
                        img.file,
                        img.line
                    )));
                }
            }
            diags
        })
        .collect();
    // A load failure is the same in every run: report it once.
    let mut diags: Vec<Diagnostic> = results.into_iter().flatten().collect();
    diags.dedup_by(|a, b| a.message == b.message && a.file == b.file && a.line == b.line);
    diags
}

fn generate_name(e: &Entity) -> &str {
    e.obj
        .get("metadata")
        .and_then(|m| m.get("generateName"))
        .and_then(|g| g.as_str())
        .unwrap_or("")
}

/// Proves the HTTP-registry builds of a plan: with the scanned objects, the
/// `k8s_kind` lines and the plan's `default_registry` and `custom_build`
/// lines, the Tiltfile loads, every build is deployed into some object, and
/// the ref Tilt deploys is the one the build command pushed (`$EXPECTED_REF`
/// under the cluster's registry name), not a re-tagged local image.
pub fn validate_builds(
    objects: &[&K8sObject],
    kinds: &[KindReport],
    kind_lines: &str,
    plan: &crate::registry::plan::RegistryPlan,
) -> Vec<Diagnostic> {
    use tilt_loader::state::BuildKind;
    let mut diags = Vec::new();
    if plan.builds.is_empty() {
        return diags;
    }
    // Through a mirror, images keep their bare names: no default_registry.
    let registry =
        (plan.route == crate::registry::plan::Route::Registry).then(|| DefaultRegistry {
            host: plan.push_host.clone(),
            host_from_cluster: plan.cluster_host.clone().unwrap_or_default(),
            single_name: String::new(),
        });
    let mut text = kind_lines.to_string();
    for b in &plan.builds {
        text.push_str(&b.call.line());
        text.push('\n');
    }
    let (st, asm) = match load_generated(&parsable(objects, kinds), &text, registry, "builds") {
        Ok(x) => x,
        Err(d) => return vec![d],
    };
    let attached = asm.attached_images();
    for (i, img) in st.images.iter().enumerate() {
        if img.build != BuildKind::Custom {
            continue;
        }
        if !attached.contains(&i) {
            diags.push(bug(format!(
                "the generated custom_build for `{}` is not used by any object",
                img.ref_text
            )));
            continue;
        }
        let refs = tilt_loader::deploy::refs_for(img, st.default_registry.as_ref());
        let pushed = refs.expected_ref.clone().unwrap_or_default();
        let deployed = refs.deploy_ref.clone().unwrap_or_default();
        let want = match &plan.route {
            crate::registry::plan::Route::Registry => {
                let cluster = plan.cluster_host.as_deref().unwrap_or(&plan.push_host);
                pushed.replacen(&plan.push_host, cluster, 1)
            }
            crate::registry::plan::Route::Mirror { .. } => pushed.clone(),
        };
        if refs.pushed_by != "script" || deployed != want {
            diags.push(bug(format!(
                "the generated custom_build for `{}` deploys `{deployed}`, not the `{want}` its command pushes",
                img.ref_text
            )));
        }
    }
    diags
}
