//! Tilt's assembly after the Tiltfile ran (internal/tiltfile
//! `assembleK8s`, `assertAllImagesMatched`): which objects are workloads,
//! how resources are named and grouped, which image builds each resource
//! consumes, and the unused-image warnings.

use super::refs::{Named, RefSelector, parse_ref};
use super::state::*;
use crate::facts::{INJECTED_LISTS, pod_spec_path};
use crate::fieldpath::FieldPath;
use serde_json::Value;
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct Resource {
    pub name: String,
    /// Indices into `TiltState::entities`, in Tilt's order.
    pub entities: Vec<usize>,
    /// Images found in the objects, first occurrence order, unique.
    pub refs: Vec<Named>,
    /// Indices of the image targets this resource consumes.
    pub images: Vec<usize>,
}

#[derive(Debug, Default)]
pub struct Assembly {
    pub resources: Vec<Resource>,
    /// Objects in no resource (Tilt's `uncategorized`).
    pub unresourced: Vec<usize>,
    pub matched: Vec<bool>,
    /// Familiar names of every image consumed anywhere, in first-seen order
    /// (the "Did you mean" candidates).
    pub consumed: Vec<String>,
    /// The images found in each entity (assembly looks at every one), so
    /// callers need not search again.
    pub entity_images: Vec<Vec<Named>>,
}

impl Assembly {
    /// Builds some resource consumes (what Tilt keeps), in target order.
    pub fn attached_images(&self) -> Vec<usize> {
        let mut v: Vec<usize> = self
            .resources
            .iter()
            .flat_map(|r| r.images.iter().copied())
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

/// kustomize's kind order, which Tilt applies to a resource's objects.
const ORDER_FIRST: &[&str] = &[
    "Namespace",
    "ResourceQuota",
    "StorageClass",
    "CustomResourceDefinition",
    "MutatingWebhookConfiguration",
    "ServiceAccount",
    "PodSecurityPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "ConfigMap",
    "Secret",
    "Service",
    "LimitRange",
    "PriorityClass",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
];

fn type_order(kind: &str) -> i64 {
    ORDER_FIRST
        .iter()
        .position(|k| *k == kind)
        .map(|i| i as i64 - ORDER_FIRST.len() as i64)
        .unwrap_or(0)
}

pub fn sort_by_kind(st: &TiltState, ids: &mut [usize]) {
    ids.sort_by_key(|&i| type_order(&st.entities[i].kind));
}

/// Objects Tilt decodes into typed Go structs carry pod specs it can see;
/// custom resources are unstructured and show it nothing.
fn typed_pod_specs(e: &Entity) -> Vec<&Value> {
    let Some(path) = pod_spec_path(e.group(), &e.kind) else {
        return vec![];
    };
    let mut cur = &e.obj;
    for key in path.keys() {
        match cur.get(key) {
            Some(v) => cur = v,
            None => return vec![],
        }
    }
    vec![cur]
}

fn typed_template_labels(e: &Entity) -> Option<&serde_json::Map<String, Value>> {
    let path: FieldPath = pod_spec_path(e.group(), &e.kind)?;
    let keys: Vec<&str> = path.keys().collect();
    if keys.len() < 2 {
        return None; // a bare Pod has no template
    }
    let mut cur = &e.obj;
    for key in &keys[..keys.len() - 1] {
        cur = cur.get(*key)?;
    }
    cur.get("metadata")?.get("labels")?.as_object()
}

fn strings_at<'a>(v: &'a Value, list: &str, field: &str) -> Vec<&'a str> {
    v.get(list)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|c| c.get(field).and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default()
}

/// `K8sEntity.FindImages`: containers and image volumes of typed objects,
/// every locator that selects the object, and env vars for
/// `match_in_env_vars` builds. `selecting`: the `k8s_kind`s whose selector
/// matches `e` ([`Finder::selecting`]).
fn find_images(
    e: &Entity,
    selecting: &[&KindInfo],
    env_images: &[RefSelector],
) -> Result<Vec<Named>, String> {
    let mut out = Vec::new();
    let pods = typed_pod_specs(e);
    for pod in &pods {
        for list in INJECTED_LISTS {
            for image in strings_at(pod, list, "image") {
                out.push(parse_ref(image).map_err(|err| format!("parsing {image}: {err}"))?);
            }
        }
    }
    for pod in &pods {
        for vol in pod
            .get("volumes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(r) = vol
                .get("image")
                .and_then(|i| i.get("reference"))
                .and_then(Value::as_str)
                .filter(|r| !r.is_empty())
            {
                out.push(
                    parse_ref(r)
                        .map_err(|err| format!("parsing image volume reference {r}: {err}"))?,
                );
            }
        }
    }
    for k in selecting {
        for loc in &k.locators {
            match loc {
                Locator::JsonPath(p) => {
                    for s in p.find_strings(&e.obj)? {
                        let r = parse_ref(&s).map_err(|err| {
                            format!(
                                "error parsing image '{s}' at json path '{}': {err}",
                                p.text()
                            )
                        })?;
                        out.push(r);
                    }
                }
                Locator::ImageObject {
                    path,
                    repo_field,
                    tag_field,
                } => {
                    for v in path.visit(&e.obj)? {
                        let Some(m) = v.as_object() else {
                            return Err(format!(
                                "May only match maps (json_path={:?})\nGot Type: interface {{}}\nGot Value: <interface {{}} Value>",
                                path.text()
                            ));
                        };
                        let repo = m.get(repo_field).and_then(Value::as_str).unwrap_or("");
                        let image = match m.get(tag_field).and_then(Value::as_str) {
                            Some(t) if !t.is_empty() => format!("{repo}:{t}"),
                            _ => repo.to_string(),
                        };
                        out.push(parse_ref(&image)?);
                    }
                }
            }
        }
    }
    if !env_images.is_empty() {
        for pod in &pods {
            for list in INJECTED_LISTS {
                for c in pod
                    .get(list)
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    for value in strings_at(c, "env", "value") {
                        if let Ok(r) = parse_ref(value)
                            && env_images.iter().any(|s| s.matches(&r))
                        {
                            out.push(r);
                        }
                    }
                }
            }
        }
    }
    Ok(out)
}

/// Tilt's `potentialNames`: `name`, `name:kind`, `name:kind:namespace`,
/// `name:kind:namespace:group`, lower-cased.
fn potential_names(e: &Entity) -> Vec<String> {
    let group = if e.group().is_empty() {
        "core"
    } else {
        e.group()
    };
    let parts = [
        e.name.as_str(),
        e.kind.as_str(),
        e.namespace.as_str(),
        group,
    ];
    (1..=parts.len())
        .map(|n| {
            parts[..n]
                .iter()
                .map(|p| p.replace('\\', "\\\\").replace(':', "\\:"))
                .collect::<Vec<_>>()
                .join(":")
                .to_lowercase()
        })
        .collect()
}

fn unique_names(st: &TiltState, ids: &[usize]) -> Vec<String> {
    let all: Vec<Vec<String>> = ids
        .iter()
        .map(|&i| potential_names(&st.entities[i]))
        .collect();
    let mut counts = std::collections::HashMap::new();
    for names in &all {
        for n in names {
            *counts.entry(n.clone()).or_insert(0) += 1;
        }
    }
    all.iter()
        .enumerate()
        .map(|(i, names)| {
            names
                .iter()
                .find(|n| counts[*n] == 1)
                .cloned()
                .unwrap_or_else(|| format!("{}:{i}", names.last().cloned().unwrap_or_default()))
        })
        .collect()
}

/// Services (typed) whose selector matches a workload's pod labels.
fn selects(e: &Entity, labels: &serde_json::Map<String, Value>, workload_ns: &str) -> bool {
    if !(e.kind == "Service" && e.group().is_empty()) {
        return false;
    }
    let Some(sel) = e
        .obj
        .get("spec")
        .and_then(|s| s.get("selector"))
        .and_then(Value::as_object)
    else {
        return false;
    };
    if sel.is_empty() || !sel.iter().all(|(k, v)| labels.get(k) == Some(v)) {
        return false;
    }
    e.namespace.is_empty() || e.namespace == workload_ns
}

/// [`find_images`] once per entity: assembly asks for an object's images
/// when it decides what is a workload and again when it fills resources
/// (and a JSONPath over a large object is not cheap). The error is kept too,
/// so each caller still words it as Tilt does at that point.
struct Finder<'s> {
    st: &'s TiltState,
    env: Vec<RefSelector>,
    cache: Vec<Option<Result<Vec<Named>, String>>>,
    /// The `k8s_kind`s that select objects of an (apiVersion, kind), when no
    /// selector looks at names or namespaces (`k8s_kind`'s never do): every
    /// object would otherwise run every selector's regexes, twice.
    by_type: Option<HashMap<(&'s str, &'s str), Vec<usize>>>,
}

impl<'s> Finder<'s> {
    fn new(st: &'s TiltState, env: Vec<RefSelector>) -> Self {
        let typed_only = st
            .kinds
            .iter()
            .all(|k| k.selector.name.is_none() && k.selector.namespace.is_none());
        Finder {
            st,
            env,
            cache: vec![None; st.entities.len()],
            by_type: typed_only.then(HashMap::new),
        }
    }

    /// Indices of the `k8s_kind`s that select entity `i`.
    fn selecting(&mut self, i: usize) -> Vec<usize> {
        let (st, e) = (self.st, &self.st.entities[i]);
        let all = || -> Vec<usize> {
            (0..st.kinds.len())
                .filter(|&k| st.kinds[k].selector.matches(e))
                .collect()
        };
        match &mut self.by_type {
            Some(memo) => memo
                .entry((e.api_version.as_str(), e.kind.as_str()))
                .or_insert_with(all)
                .clone(),
            None => all(),
        }
    }

    fn images(&mut self, i: usize) -> Result<&[Named], String> {
        if self.cache[i].is_none() {
            let st = self.st;
            let selecting: Vec<&KindInfo> = self
                .selecting(i)
                .into_iter()
                .map(|k| &st.kinds[k])
                .collect();
            self.cache[i] = Some(find_images(&st.entities[i], &selecting, &self.env));
        }
        self.cache[i]
            .as_ref()
            .expect("filled above")
            .as_deref()
            .map_err(Clone::clone)
    }
}

pub fn assemble(st: &TiltState) -> Result<Assembly, String> {
    let env_images: Vec<RefSelector> = st
        .images
        .iter()
        .filter(|i| i.match_in_env_vars)
        .filter_map(|i| parse_ref(&i.ref_text).ok().map(|r| RefSelector::new(&r)))
        .collect();

    // Workloads: selected by a k8s_kind, or with images Tilt can see.
    let mut finder = Finder::new(st, env_images);
    let mut unresourced: Vec<usize> = Vec::new();
    let mut workloads = Vec::new();
    for (i, e) in st.entities.iter().enumerate() {
        let is_workload = !finder.selecting(i).is_empty()
            || !finder
                .images(i)
                .map_err(|err| format!("finding images in {}: {err}", e.name))?
                .is_empty();
        if is_workload {
            workloads.push(i);
        } else {
            unresourced.push(i);
        }
    }
    let names = unique_names(st, &workloads);
    let mut resources: Vec<Resource> = Vec::new();
    for (w, name) in workloads.iter().zip(names) {
        let e = &st.entities[*w];
        let mut members = vec![*w];
        if let Some(labels) = typed_template_labels(e) {
            let (matched, rest): (Vec<usize>, Vec<usize>) = unresourced
                .iter()
                .partition(|&&i| selects(&st.entities[i], labels, &e.namespace));
            members.extend(matched);
            unresourced = rest;
        }
        let mut r = Resource {
            name,
            entities: vec![],
            refs: vec![],
            images: vec![],
        };
        add_entities(st, &mut r, &members, &mut finder)?;
        resources.push(r);
    }

    apply_resource_opts(st, &mut resources, &mut unresourced, &mut finder)?;

    // Match consumed images to builds, as buildIndex does.
    let selectors = build_selectors(st);
    let mut asm = Assembly {
        matched: vec![false; st.images.len()],
        ..Default::default()
    };
    let mut index = BuildIndex::new(&selectors);
    for dep in dockerfile_images(st) {
        index.consume(&mut asm, &dep);
    }
    for r in &mut resources {
        sort_by_kind(st, &mut r.entities);
        let mut taken = std::collections::HashSet::new();
        for rf in r.refs.clone() {
            if let Some(i) = index.consume(&mut asm, &rf)
                && taken.insert(i)
            {
                r.images.push(i);
            }
        }
    }
    sort_by_kind(st, &mut unresourced);
    // Local resources come after the Kubernetes ones, as Tilt lists its
    // manifests; a name both use is Tilt's error (without a traceback: it
    // is found while assembling, after the Tiltfile ran).
    let k8s_names: std::collections::HashSet<String> =
        resources.iter().map(|r| r.name.clone()).collect();
    for l in &st.local_resources {
        // Two local resources of one name never get here: the second
        // call already failed.
        if k8s_names.contains(&l.name) {
            return Err(format!("local_resource named {:?} already exists", l.name));
        }
        resources.push(Resource {
            name: l.name.clone(),
            entities: vec![],
            refs: vec![],
            images: vec![],
        });
    }
    if st.local_resources.iter().any(|l| l.name.is_empty()) {
        // Tilt validates manifests after it has warned about their
        // dependencies; its text goes on with a dump of its manifest
        // struct, a pointer in it, never the same twice: not reproduced.
        let mut lines = dependency_warnings(st, &resources);
        lines.push("[validate] manifest missing name".to_string());
        return Err(lines.join("\n"));
    }
    for l in &st.local_resources {
        if l.resource_deps.contains(&l.name) {
            return Err(format!(
                "resource {} specified a dependency on itself",
                l.name
            ));
        }
    }
    asm.resources = resources;
    asm.unresourced = unresourced;
    // Every entity was searched (a workload when its resource was filled,
    // any other when it was judged), and any error ended the assembly.
    asm.entity_images = finder
        .cache
        .into_iter()
        .map(|c| c.and_then(Result::ok).unwrap_or_default())
        .collect();
    Ok(asm)
}

fn add_entities(
    st: &TiltState,
    r: &mut Resource,
    ids: &[usize],
    finder: &mut Finder,
) -> Result<(), String> {
    // Refs in first-seen order; the set makes each lookup O(1), so a pod
    // with thousands of containers is not quadratic.
    let mut seen: std::collections::HashSet<String> =
        r.refs.iter().map(|x| x.to_string()).collect();
    for &i in ids {
        let e = &st.entities[i];
        r.entities.push(i);
        let found = finder
            .images(i)
            .map_err(|err| format!("finding image in {}/{}: {err}", e.kind, e.name))?;
        for f in found {
            if seen.insert(f.to_string()) {
                r.refs.push(f.clone());
            }
        }
    }
    Ok(())
}

/// Selectors of every build; two builds of one name with different tags
/// both match exactly (Tilt's `WithExactMatch`).
fn build_selectors(st: &TiltState) -> Vec<Option<RefSelector>> {
    let parsed: Vec<Option<Named>> = st
        .images
        .iter()
        .map(|i| parse_ref(&i.ref_text).ok())
        .collect();
    let mut names = std::collections::HashMap::new();
    for n in parsed.iter().flatten() {
        *names.entry(n.familiar_name()).or_insert(0) += 1;
    }
    parsed
        .iter()
        .map(|p| {
            p.as_ref().map(|n| {
                let s = RefSelector::new(n);
                if names.get(&n.familiar_name()).copied().unwrap_or(0) > 1 {
                    s.with_exact_match()
                } else {
                    s
                }
            })
        })
        .collect()
}

/// Tilt's buildIndex: for a consumed ref, the first build (in declaration
/// order) whose selector matches. A selector only ever matches refs of its
/// own name (exact ones compare the whole ref, which includes the name), so
/// builds are indexed by name and each lookup looks at those alone.
struct BuildIndex<'a> {
    selectors: &'a [Option<RefSelector>],
    by_name: std::collections::HashMap<String, Vec<usize>>,
    consumed: std::collections::HashSet<String>,
}

impl<'a> BuildIndex<'a> {
    fn new(selectors: &'a [Option<RefSelector>]) -> Self {
        let mut by_name: std::collections::HashMap<String, Vec<usize>> = Default::default();
        for (i, s) in selectors.iter().enumerate() {
            if let Some(s) = s {
                by_name.entry(s.name()).or_default().push(i);
            }
        }
        BuildIndex {
            selectors,
            by_name,
            consumed: Default::default(),
        }
    }

    fn consume(&mut self, asm: &mut Assembly, r: &Named) -> Option<usize> {
        let name = r.familiar_name();
        if self.consumed.insert(name.clone()) {
            asm.consumed.push(name);
        }
        let i = *self
            .by_name
            .get(&r.name())?
            .iter()
            .find(|&&i| self.selectors[i].as_ref().is_some_and(|s| s.matches(r)))?;
        asm.matched[i] = true;
        Some(i)
    }
}

/// `FROM` images of every docker_build's Dockerfile, in build order.
fn dockerfile_images(st: &TiltState) -> Vec<Named> {
    let mut out = Vec::new();
    for img in &st.images {
        let Some(text) = &img.dockerfile_text else {
            continue;
        };
        let mut stages: Vec<String> = Vec::new();
        for line in text.lines() {
            let mut words = line.split_whitespace();
            if !words.next().is_some_and(|w| w.eq_ignore_ascii_case("FROM")) {
                continue;
            }
            let rest: Vec<&str> = words.filter(|w| !w.starts_with("--")).collect();
            let Some(image) = rest.first() else { continue };
            if let Some(i) = rest.iter().position(|w| w.eq_ignore_ascii_case("AS"))
                && let Some(stage) = rest.get(i + 1)
            {
                stages.push(stage.to_lowercase());
            }
            if image.contains('$')
                || image.eq_ignore_ascii_case("scratch")
                || stages[..stages.len().saturating_sub(1)].contains(&image.to_lowercase())
            {
                continue;
            }
            if let Ok(r) = parse_ref(image) {
                out.push(r);
            }
        }
    }
    out
}

fn apply_resource_opts(
    st: &TiltState,
    resources: &mut Vec<Resource>,
    unresourced: &mut Vec<usize>,
    finder: &mut Finder,
) -> Result<(), String> {
    let all: Vec<usize> = resources
        .iter()
        .flat_map(|r| r.entities.clone())
        .chain(unresourced.iter().copied())
        .collect();
    let full_name = |i: usize| {
        let e = &st.entities[i];
        format!(
            "{}:{}:{}",
            e.name,
            e.kind,
            if e.namespace.is_empty() {
                "default"
            } else {
                &e.namespace
            }
        )
    };
    for opts in &st.resource_opts {
        if opts.manually_grouped {
            resources.push(Resource {
                name: opts.new_name.clone(),
                entities: vec![],
                refs: vec![],
                images: vec![],
            });
        }
        let Some(ri) = resources.iter().position(|r| r.name == opts.workload) else {
            let known: Vec<&str> = resources.iter().map(|r| r.name.as_str()).collect();
            return Err(format!(
                "{}: k8s_resource specified unknown resource {:?}. known k8s resources: {}",
                opts.position,
                opts.workload,
                known.join(", ")
            ));
        };
        if !opts.new_name.is_empty() && opts.new_name != resources[ri].name {
            resources[ri].name = opts.new_name.clone();
        }
        for o in &opts.objects {
            let frag = o.to_lowercase();
            let matching: Vec<usize> = all
                .iter()
                .copied()
                .filter(|&i| potential_names(&st.entities[i]).contains(&frag))
                .collect();
            if matching.is_empty() {
                let names: Vec<String> =
                    all.iter().map(|&i| format!("{:?}", full_name(i))).collect();
                return Err(format!(
                    "No object identified by the fragment {o:?} could be found. Possible objects are: {}",
                    names.join(", ")
                ));
            }
            if matching.len() > 1 {
                let names: Vec<String> = matching
                    .iter()
                    .map(|&i| format!("{:?}", full_name(i)))
                    .collect();
                return Err(format!(
                    "{o:?} is not a unique fragment. Objects that match {o:?} are {}",
                    names.join(", ")
                ));
            }
            let Some(pos) = unresourced.iter().position(|&i| i == matching[0]) else {
                let names: Vec<String> = unresourced
                    .iter()
                    .map(|&i| format!("{:?}", full_name(i)))
                    .collect();
                return Err(format!(
                    "No object identified by the fragment {o:?} could be found in remaining YAML. Valid remaining fragments are: {}",
                    names.join(", ")
                ));
            };
            let id = unresourced.remove(pos);
            add_entities(st, &mut resources[ri], &[id], finder)?;
        }
    }
    for r in resources.iter() {
        if r.entities.is_empty() {
            return Err(format!(
                "resource {:?}: could not associate any k8s_yaml() or k8s_custom_deploy() with this resource",
                r.name
            ));
        }
    }
    Ok(())
}

/// Tilt's `assertAllImagesMatched`: at most one warning.
/// Tilt's warning for each `resource_deps` entry that names no resource,
/// in manifest order (Kubernetes resources, then local ones).
pub fn dependency_warnings(st: &TiltState, resources: &[Resource]) -> Vec<String> {
    let known: std::collections::HashSet<&str> =
        resources.iter().map(|r| r.name.as_str()).collect();
    // The deps each k8s_resource call names, by the resource it shapes:
    // one pass over the calls, one lookup per resource.
    let mut by_name: std::collections::HashMap<&str, Vec<&String>> = Default::default();
    for o in st
        .resource_opts
        .iter()
        .filter(|o| !o.resource_deps.is_empty())
    {
        let name = if o.new_name.is_empty() {
            &o.workload
        } else {
            &o.new_name
        };
        by_name.entry(name).or_default().extend(&o.resource_deps);
    }
    let k8s = resources
        .iter()
        .filter(|r| !r.entities.is_empty())
        .filter_map(|r| Some((r.name.as_str(), by_name.get(r.name.as_str())?.clone())));
    let local = st
        .local_resources
        .iter()
        .map(|l| (l.name.as_str(), l.resource_deps.iter().collect::<Vec<_>>()));
    k8s.chain(local)
        .flat_map(|(name, deps)| {
            deps.into_iter()
                .filter(|d| !known.contains(d.as_str()))
                .map(move |d| {
                    format!(
                        "resource {name} specified a dependency on unknown resource {d} - dependency ignored"
                    )
                })
        })
        .collect()
}

pub fn unused_image_warning(st: &TiltState, asm: &Assembly) -> Option<String> {
    let unmatched: Vec<&ImageTarget> = st
        .images
        .iter()
        .zip(&asm.matched)
        .filter(|(_, m)| !**m)
        .map(|(i, _)| i)
        .filter(|i| {
            let fam = parse_ref(&i.ref_text)
                .map(|r| r.familiar_string())
                .unwrap_or_else(|_| i.ref_text.clone());
            !st.suppress_unused
                .iter()
                .any(|s| *s == fam || *s == i.ref_text)
        })
        .collect();
    let first = unmatched.first()?;
    if st.entities.is_empty() {
        return Some(
            "We could not find any deployment instructions, e.g. `k8s_yaml` or `docker_compose`.\nSkipping all image builds until we know how to deploy them."
                .into(),
        );
    }
    if asm.resources.is_empty() && !asm.unresourced.is_empty() {
        return Some(
            "No Kubernetes configs with images found.\nIf you are using CRDs, add k8s_kind() to tell Tilt how to find images.\nhttps://docs.tilt.dev/api.html#api.k8s_kind".into(),
        );
    }
    let parsed = parse_ref(&first.ref_text).ok();
    let familiar = parsed
        .as_ref()
        .map(|r| r.familiar_string())
        .unwrap_or_else(|| first.ref_text.clone());
    let name = parsed
        .as_ref()
        .map(|r| r.familiar_name())
        .unwrap_or_else(|| first.ref_text.clone());
    let suggestions = super::refs::did_you_mean(&name, &asm.consumed);
    let mut text = format!("Image not used in any Kubernetes config:\n    ✕ {familiar}\n");
    if !suggestions.is_empty() {
        text.push_str("Did you mean…\n");
        for s in suggestions {
            text.push_str(&format!("    - {s}\n"));
        }
    }
    text.push_str(&format!(
        "Skipping this image build\nIf this is deliberate, suppress this warning with: update_settings(suppress_unused_image_warnings=[{familiar:?}])"
    ));
    Some(text)
}
