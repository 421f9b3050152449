//! Stage 2: per kind, combine the three sources (CRD schema, instances,
//! knowledge) and the user's config into image fields with evidence.

pub mod facts;
pub mod instance;
pub mod knowledge;
pub mod names;
pub mod schema;
pub mod split;

use crate::diag::{Code, Diagnostic};
use crate::load::K8sObject;
use crate::report::*;
use knowledge::{KindKnowledge, Knowledge};
use rayon::prelude::*;
use schema::{CrdInfo, SchemaFindings};
use std::collections::BTreeMap;
use std::sync::Arc;
use tilt_loader::fieldpath::FieldPath;

/// At most this many instance citations per field, to keep reports short.
const MAX_INSTANCE_EVIDENCE: usize = 3;

pub struct InferOptions<'a> {
    pub knowledge: Option<&'a Knowledge>,
    /// The user's `.tilt-img.toml`, with the file it came from.
    pub config: Option<(&'a Knowledge, String)>,
}

/// Runs inference over every object that was loaded.
pub fn infer<'a>(
    objects: impl Iterator<Item = &'a K8sObject>,
    opts: &InferOptions<'_>,
) -> (Vec<KindReport>, Vec<Diagnostic>) {
    let (crd_objects, others): (Vec<&K8sObject>, Vec<&K8sObject>) =
        objects.partition(|o| schema::is_crd(o));
    // Schema walks are independent and CRDs are large: read them on all cores.
    let crds: Vec<facts::CrdRead> = crd_objects
        .par_iter()
        .map(|o| facts::CrdRead {
            file: o.file.clone(),
            line: o.line,
            info: schema::read_crd(o),
        })
        .collect();
    let (builtin, others): (Vec<&K8sObject>, Vec<&K8sObject>) = others
        .into_iter()
        .partition(|o| is_builtin_workload(o.group(), &o.kind));
    let facts: Vec<BuiltinFacts> = builtin.par_iter().map(|o| builtin_facts(o)).collect();
    infer_reduced(&crds, others, &facts, opts)
}

/// [`infer`] over what a streaming scan kept: CRDs already read, and the
/// other objects (whole or reduced by [`facts::reduce`]).
pub fn infer_reduced(
    read: &[facts::CrdRead],
    others: Vec<&K8sObject>,
    builtin: &[BuiltinFacts],
    opts: &InferOptions<'_>,
) -> (Vec<KindReport>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut crds: BTreeMap<KindKey, &CrdInfo> = BTreeMap::new();
    let mut instances: BTreeMap<KindKey, Vec<&K8sObject>> = BTreeMap::new();
    for r in read {
        match &r.info {
            Some(info) => {
                if let Some(prev) = crds.get(&info.key) {
                    diags.push(Diagnostic::new(
                        Code::DuplicateCrd,
                        &r.file,
                        r.line,
                        format!(
                            "second CRD for {}; the one at {}:{} is used",
                            info.key, prev.file, prev.line
                        ),
                    ));
                } else {
                    crds.insert(info.key.clone(), info);
                }
            }
            None => diags.push(Diagnostic::new(
                Code::IncompleteCrd,
                &r.file,
                r.line,
                "CustomResourceDefinition without spec.group, spec.names.kind or versions; skipped",
            )),
        }
    }
    for o in others {
        let key = KindKey::new(o.group(), &o.kind);
        // Built-in kinds come as facts; without a pod template Tilt has
        // nothing to inject.
        if tilt_loader::facts::is_builtin_group(&key.group) {
            continue;
        }
        instances.entry(key).or_default().push(o);
    }
    let mut workloads: BTreeMap<KindKey, Vec<&BuiltinFacts>> = BTreeMap::new();
    for b in builtin {
        workloads.entry(b.key.clone()).or_default().push(b);
    }

    let mut keys: Vec<KindKey> = crds
        .keys()
        .chain(instances.keys())
        .chain(workloads.keys())
        .cloned()
        .collect();
    keys.sort();
    keys.dedup();
    let mut reports = Vec::new();
    for key in keys {
        let objs = instances.get(&key).map(Vec::as_slice).unwrap_or(&[]);
        let report = if let Some(facts) = workloads.get(&key) {
            builtin_report(key, facts)
        } else if tilt_loader::facts::is_builtin_group(&key.group) {
            continue;
        } else {
            let user = opts
                .config
                .as_ref()
                .and_then(|(c, file)| c.get(&key).map(|k| (k, file.as_str())));
            if user.is_some_and(|(k, _)| k.entry.ignore) {
                continue;
            }
            custom_report(
                key.clone(),
                crds.get(&key).copied(),
                objs,
                opts.knowledge,
                user,
            )
        };
        reports.push(report);
    }
    reports.sort_by(|a, b| (a.builtin, &a.key).cmp(&(b.builtin, &b.key)));
    (reports, diags)
}

fn instance_ref(o: &K8sObject) -> InstanceRef {
    InstanceRef {
        name: o.name.clone(),
        api_version: o.api_version.clone(),
        file: o.file.to_string(),
        line: o.line,
    }
}

fn found_images(objs: &[&K8sObject], fields: &[&InferredField]) -> Vec<FoundImage> {
    let fields: Vec<&ImageField> = fields.iter().map(|f| &f.field).collect();
    sorted_images(
        objs.par_iter()
            .flat_map_iter(|o| images_of(o, &fields))
            .collect(),
    )
}

fn images_of(o: &K8sObject, fields: &[&ImageField]) -> Vec<FoundImage> {
    // The texts every image of this object shares are shared, not copied:
    // a large tree has hundreds of thousands of images.
    let group: Arc<str> = Arc::from(o.group());
    let kind: Arc<str> = Arc::from(o.kind.as_str());
    let name: Arc<str> = Arc::from(o.name.as_str());
    let mut out = Vec::new();
    for f in fields {
        let mut path: Option<Arc<str>> = None;
        for l in instance::images_at(&o.root, f) {
            let path = path.get_or_insert_with(|| Arc::from(f.to_string())).clone();
            out.push(FoundImage {
                reference: l.value,
                group: group.clone(),
                kind: kind.clone(),
                name: name.clone(),
                file: o.file.clone(),
                line: l.line,
                path,
                location: l.location,
            });
        }
    }
    out
}

/// What a built-in workload (a kind with a pod template) contributes to its
/// kind's report. Its fields are Tilt's own, known before anything is read,
/// so a streaming scan takes these from each object as it is parsed and
/// keeps no tree ([`builtin_facts`]).
#[derive(Debug, Clone)]
pub struct BuiltinFacts {
    pub key: KindKey,
    pub instance: InstanceRef,
    pub version: String,
    pub images: Vec<FoundImage>,
    /// Images in `ephemeralContainers`, which Tilt does not inject.
    pub ephemeral: Vec<FoundImage>,
}

/// Whether objects of this kind are built-in workloads ([`BuiltinFacts`]).
pub fn is_builtin_workload(group: &str, kind: &str) -> bool {
    tilt_loader::facts::is_builtin_group(group)
        && tilt_loader::facts::pod_spec_path(group, kind).is_some()
}

/// Tilt's own image fields of a built-in workload: where it injects
/// (`INJECTED_LISTS`), and `ephemeralContainers`, where it does not.
fn builtin_paths(key: &KindKey) -> (Vec<ImageField>, ImageField) {
    let pod = tilt_loader::facts::pod_spec_path(&key.group, &key.kind).unwrap_or_default();
    let at = |list: &str| ImageField::Whole(pod.key(list).each().key("image"));
    (
        tilt_loader::facts::INJECTED_LISTS
            .iter()
            .map(|l| at(l))
            .collect(),
        at("ephemeralContainers"),
    )
}

fn builtin_fields(key: &KindKey) -> (Vec<InferredField>, Vec<InferredField>) {
    let (injected, ephemeral) = builtin_paths(key);
    let field = |field: ImageField, why: &str| InferredField {
        field,
        evidence: vec![Evidence {
            source: Source::Knowledge,
            file: "https://docs.tilt.dev/custom_resource.html".into(),
            line: 0,
            reason: why.into(),
        }],
        may_be_absent: vec![],
    };
    let fields: Vec<InferredField> = injected
        .into_iter()
        .map(|f| field(f, "built-in kind: Tilt injects images here itself"))
        .collect();
    let optional = vec![field(
        ephemeral,
        "Tilt does not inject images into ephemeralContainers",
    )];
    (fields, optional)
}

/// The facts of one built-in workload.
pub fn builtin_facts(o: &K8sObject) -> BuiltinFacts {
    let key = KindKey::new(o.group(), &o.kind);
    let (injected, ephemeral) = builtin_paths(&key);
    BuiltinFacts {
        instance: instance_ref(o),
        version: o.version().to_string(),
        images: images_of(o, &injected.iter().collect::<Vec<_>>()),
        ephemeral: images_of(o, &[&ephemeral]),
        key,
    }
}

fn sorted_images(mut v: Vec<FoundImage>) -> Vec<FoundImage> {
    v.sort_by(|a, b| (&a.file, a.line, &a.location).cmp(&(&b.file, b.line, &b.location)));
    v.dedup();
    v
}

fn builtin_report(key: KindKey, objs: &[&BuiltinFacts]) -> KindReport {
    let (fields, optional) = builtin_fields(&key);
    let uninjected: Vec<(FoundImage, Diagnostic)> =
        sorted_images(objs.iter().flat_map(|o| o.ephemeral.iter().cloned()).collect())
            .into_iter()
            .map(|img| {
                let w = Diagnostic::new(
                    Code::Uninjected,
                    &img.file,
                    img.line,
                    format!("{}/{}: Tilt does not inject images into ephemeralContainers ({}); a build of `{}` will not reach this container", key.kind, img.name, img.location, img.reference),
                );
                (img, w)
            })
            .collect();
    let warnings = uninjected.iter().map(|(_, w)| w.clone()).collect();
    let images = sorted_images(objs.iter().flat_map(|o| o.images.iter().cloned()).collect());
    let mut versions: Vec<String> = objs.iter().map(|o| o.version.clone()).collect();
    versions.sort();
    versions.dedup();
    KindReport {
        key,
        versions,
        builtin: true,
        has_crd: false,
        fields,
        optional_fields: optional,
        fields_by_version: vec![],
        instances: objs.iter().map(|o| o.instance.clone()).collect(),
        images,
        uninjected,
        warnings,
        tilt: None,
    }
}

/// Fields keyed by what they are, so evidence from several sources merges.
#[derive(Default)]
struct FieldSet(BTreeMap<ImageField, InferredField>);

impl FieldSet {
    fn add(&mut self, f: InferredField) {
        match self.0.get_mut(&f.field) {
            Some(existing) => {
                for e in f.evidence {
                    let same_source = existing
                        .evidence
                        .iter()
                        .filter(|x| x.source == e.source)
                        .count();
                    if !existing.evidence.contains(&e)
                        && (e.source != Source::Instance || same_source < MAX_INSTANCE_EVIDENCE)
                    {
                        existing.evidence.push(e);
                    }
                }
            }
            None => {
                self.0.insert(f.field.clone(), f);
            }
        }
    }
    fn remove_matching(&mut self, paths: &[FieldPath]) {
        self.0.retain(|field, _| !touches(field, paths));
    }
    fn into_vec(self) -> Vec<InferredField> {
        let mut v: Vec<InferredField> = self.0.into_values().collect();
        v.sort_by(|a, b| {
            a.field
                .anchor()
                .to_string()
                .cmp(&b.field.anchor().to_string())
                .then(a.field.cmp(&b.field))
        });
        v
    }
}

fn touches(field: &ImageField, paths: &[FieldPath]) -> bool {
    match field {
        ImageField::Whole(p) => paths.contains(p),
        ImageField::Split(s) => {
            s.parts()
                .iter()
                .any(|(_, part)| paths.contains(&s.object.key(part)))
                || paths.contains(&s.object)
        }
    }
}

/// Per-step absence flags for a path: from the schema where it declares the
/// path, else "every step after the first may be absent".
fn absence(schema: Option<&SchemaFindings>, field: &ImageField) -> Vec<bool> {
    let anchor = field.anchor();
    if let Some(flags) = schema.and_then(|s| s.absence(anchor)) {
        return flags;
    }
    (0..anchor.len()).map(|i| i > 0).collect()
}

/// Whether a field from knowledge or an instance fits this schema: the
/// schema declares it or says nothing there.
fn fits(schema: Option<&SchemaFindings>, field: &ImageField) -> bool {
    let Some(s) = schema else { return true };
    let probe = match field {
        ImageField::Whole(p) => p.clone(),
        ImageField::Split(sp) => sp.object.key(&sp.repo),
    };
    s.declares(&probe) || s.is_opaque(&probe)
}

fn custom_report(
    key: KindKey,
    crd: Option<&CrdInfo>,
    objs: &[&K8sObject],
    knowledge: Option<&Knowledge>,
    user: Option<(&KindKnowledge, &str)>,
) -> KindReport {
    let storage = crd
        .and_then(|c| c.storage())
        .and_then(|v| v.findings.as_ref());
    let mut fields = FieldSet::default();
    let mut optional = FieldSet::default();
    let mut warnings = Vec::new();

    if let Some(s) = storage {
        s.fields.iter().cloned().for_each(|f| fields.add(f));
        s.optional.iter().cloned().for_each(|f| optional.add(f));
    }
    if let Some(k) = knowledge.and_then(|k| k.get(&key)) {
        for field in &k.fields {
            if fits(storage, field) {
                fields.add(InferredField {
                    field: field.clone(),
                    evidence: vec![Evidence {
                        source: Source::Knowledge,
                        file: k.cite(),
                        line: 0,
                        reason: format!(
                            "documented by {}",
                            k.entry.operator.as_deref().unwrap_or("the operator")
                        ),
                    }],
                    may_be_absent: absence(storage, field),
                });
            }
        }
        fields.remove_matching(&k.not_images);
        // A documented split wins over a name heuristic that read one of
        // its parts (`image` in `image` + `version`) as a whole reference.
        let parts: Vec<FieldPath> = k
            .fields
            .iter()
            .filter_map(|f| match f {
                ImageField::Split(sp) => Some(
                    sp.parts()
                        .iter()
                        .map(|(_, n)| sp.part(n))
                        .collect::<Vec<_>>(),
                ),
                ImageField::Whole(_) => None,
            })
            .flatten()
            .collect();
        fields
            .0
            .retain(|field, _| !matches!(field, ImageField::Whole(p) if parts.contains(p)));
    }
    // The instance walk visits every node of every object: run it on all cores.
    let per_object: Vec<Vec<instance::InstanceFinding>> =
        objs.par_iter().map(|o| instance::infer(o)).collect();
    for (o, findings) in objs.iter().zip(per_object) {
        for finding in findings {
            let known =
                fields.0.contains_key(&finding.field) || optional.0.contains_key(&finding.field);
            if !known && !fits(storage, &finding.field) {
                continue;
            }
            // With a schema that declares the field, an instance corroborates
            // but does not overrule the schema's judgement.
            if !known
                && storage.is_some_and(|s| {
                    !s.is_opaque(finding.field.anchor()) && s.declares(finding.field.anchor())
                })
            {
                continue;
            }
            let f = InferredField {
                field: finding.field.clone(),
                evidence: vec![Evidence {
                    source: Source::Instance,
                    file: o.file.to_string(),
                    line: finding.line,
                    reason: format!("{}/{} sets it to `{}`", o.kind, o.name, finding.value),
                }],
                may_be_absent: absence(storage, &finding.field),
            };
            if finding.optional || optional.0.contains_key(&finding.field) {
                optional.add(f);
            } else {
                fields.add(f);
            }
        }
    }
    if let Some(k) = knowledge.and_then(|k| k.get(&key)) {
        fields.remove_matching(&k.not_images);
    }
    if let Some((cfg, file)) = user {
        if cfg.entry.replace {
            fields = FieldSet::default();
            optional = FieldSet::default();
        }
        for field in &cfg.fields {
            fields.add(InferredField {
                field: field.clone(),
                evidence: vec![Evidence {
                    source: Source::Config,
                    file: file.to_string(),
                    line: 0,
                    reason: "listed in the user config".into(),
                }],
                may_be_absent: absence(storage, field),
            });
        }
        fields.remove_matching(&cfg.not_images);
        optional.remove_matching(&cfg.not_images);
    }

    let mut fields = fields.into_vec();
    let mut optional_fields = optional.into_vec();
    for f in fields.iter_mut().chain(optional_fields.iter_mut()) {
        let anchor = match &f.field {
            ImageField::Whole(p) => p.clone(),
            ImageField::Split(s) => s.object.key(&s.repo),
        };
        for o in objs {
            instance::mark_absent_steps(&o.root, &anchor, &mut f.may_be_absent);
        }
    }

    let mut fields_by_version = Vec::new();
    if let Some(c) = crd {
        let anchors = |f: &SchemaFindings| {
            let mut v: Vec<ImageField> = f.fields.iter().map(|x| x.field.clone()).collect();
            v.sort();
            v
        };
        let storage_set = storage.map(anchors).unwrap_or_default();
        for v in c.versions.iter().skip(1).filter(|v| v.served) {
            if let Some(f) = &v.findings
                && anchors(f) != storage_set
            {
                fields_by_version.push((v.name.clone(), f.fields.clone()));
            }
        }
    }

    // Warnings a user must know before pasting the snippet.
    for f in &fields {
        if let ImageField::Split(s) = &f.field
            && !s.expressible_in_tilt()
        {
            let parts: Vec<String> = s
                .parts()
                .iter()
                .map(|(role, n)| format!("{role}={n}"))
                .collect();
            let (file, line) = crd
                .map(|c| (c.file.clone(), f.evidence[0].line))
                .unwrap_or_default();
            warnings.push(Diagnostic::new(
                    Code::SplitUnsupported,
                    &file,
                    line,
                    format!(
                        "{}: `{}` builds its image from {} parts ({}); Tilt's image_object has only repo_field and tag_field, so no k8s_kind can inject it. Put the whole reference into the repo part and leave the others empty if the operator allows it, or build under the operator's default name.",
                        key.kind,
                        s.object,
                        s.parts().len(),
                        parts.join(", ")
                    ),
                ));
        }
    }
    // One line per kind, not per object: the generated filters already
    // handle the absence; the note is for people who write paths by hand.
    let lacking: Vec<&InferredField> = fields
        .iter()
        .filter(|f| objs.iter().any(|o| instance::lacks(&o.root, &f.field)))
        .collect();
    let without: Vec<&&K8sObject> = objs
        .iter()
        .filter(|o| lacking.iter().any(|f| instance::lacks(&o.root, &f.field)))
        .collect();
    if let (Some(first), Some(o)) = (lacking.first(), without.first()) {
        let names: Vec<String> = lacking.iter().map(|f| format!("`{}`", f.field)).collect();
        warnings.push(Diagnostic::new(
            Code::OptionalField,
            &o.file,
            o.line,
            format!(
                "{} of {} {} objects (first {}/{}) have no {}; the generated paths use filters that skip absent fields, where a plain path such as `{}` would stop Tilt's load with `image is not found`",
                without.len(),
                objs.len(),
                key.kind,
                key.kind,
                o.name,
                names.join(" or "),
                first.field.anchor().to_jsonpath(|_| false)
            ),
        ));
    }
    let all: Vec<&InferredField> = fields.iter().chain(optional_fields.iter()).collect();
    let images = found_images(objs, &all);
    for img in &images {
        if let Err(e) = tilt_loader::reference::Named::parse_normalized(&img.reference) {
            warnings.push(Diagnostic::new(
                Code::UnparsableImage,
                &img.file,
                img.line,
                format!(
                    "{}/{} has `{}` at {}, which Tilt cannot parse as an image ({e}); with a k8s_kind for {} Tilt's load fails on this object: resolve it first (e.g. `ko resolve`) or ignore the kind in .tilt-img.toml",
                    img.kind, img.name, img.reference, img.location, key.kind
                ),
            ));
        }
    }
    if let Some(c) = crd {
        for o in objs {
            if !c.versions.iter().any(|v| v.served && v.name == o.version()) {
                warnings.push(Diagnostic::new(
                    Code::UnservedVersion,
                    &o.file,
                    o.line,
                    format!(
                        "{}/{} uses {}, which its CRD ({}:{}) does not serve",
                        o.kind, o.name, o.api_version, c.file, c.line
                    ),
                ));
            }
        }
    }

    let versions: Vec<String> = match crd {
        Some(c) => c
            .versions
            .iter()
            .filter(|v| v.served || v.storage)
            .map(|v| v.name.clone())
            .collect(),
        None => {
            let mut v: Vec<String> = objs.iter().map(|o| o.version().to_string()).collect();
            v.sort();
            v.dedup();
            v
        }
    };
    KindReport {
        key,
        versions,
        builtin: false,
        has_crd: crd.is_some(),
        fields,
        optional_fields,
        fields_by_version,
        instances: objs.iter().map(|o| instance_ref(o)).collect(),
        images,
        uninjected: vec![],
        warnings,
        tilt: None,
    }
}
