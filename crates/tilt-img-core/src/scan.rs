//! The `scan` pipeline: load → infer → snippet per kind. Renderers take the
//! resulting [`ScanReport`].

use crate::diag::{Code, Diagnostic};
use crate::infer::facts::{self, CrdRead, Reduced};
use crate::infer::{self, BuiltinFacts, InferOptions, knowledge::Knowledge};
use crate::load::{self, K8sObject, LoadOptions};
use crate::render;
use crate::report::ScanReport;
use crate::report::{KindKey, KindReport};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tilt_loader::tree::AliasBudget;
use tilt_loader::tree::sieve::Sieve;

pub const CONFIG_FILE: &str = ".tilt-img.toml";

#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    pub load: LoadOptions,
    /// Skip the built-in knowledge base (to measure schema and instance
    /// inference alone).
    pub no_knowledge: bool,
    /// Explicit config file; otherwise `.tilt-img.toml` in the first
    /// scanned directory that has one.
    pub config: Option<PathBuf>,
    /// Evaluate the generated Tiltfile lines in the embedded loader.
    pub validate: bool,
    /// Skip reading registry configs (no HTTP-registry builds).
    pub no_registry: bool,
    pub push_with: crate::registry::plan::PushWith,
    /// Keep every object whole instead of reducing it to the facts
    /// inference reads (the pre-streaming pipeline; tests compare the two).
    pub whole_objects: bool,
}

pub struct ScanOutcome {
    pub report: ScanReport,
    /// Some input could not be read or parsed (exit code 1).
    pub input_failed: bool,
}

fn find_config(paths: &[PathBuf], explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = explicit {
        return Some(p.to_path_buf());
    }
    paths
        .iter()
        .filter(|p| p.is_dir())
        .map(|p| p.join(CONFIG_FILE))
        .find(|p| p.is_file())
}

fn read_config(path: &Path) -> Result<Knowledge, Diagnostic> {
    let shown = path.display().to_string();
    // A config is a few lines; 1 MiB is more than any real one.
    let text = load::read_capped(path, 1 << 20)
        .and_then(|b| {
            if b.len() > 1 << 20 {
                return Err(std::io::Error::other("larger than 1 MiB"));
            }
            String::from_utf8(b).map_err(|_| std::io::Error::other("not valid UTF-8"))
        })
        .map_err(|e| {
            Diagnostic::new(
                Code::InvalidConfig,
                &shown,
                0,
                format!("cannot read config: {e}"),
            )
        })?;
    Knowledge::parse(&text).map_err(|e| {
        // toml's message names line and column; keep the first line number.
        let line = e
            .split("line ")
            .nth(1)
            .and_then(|s| s.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        Diagnostic::new(
            Code::InvalidConfig,
            &shown,
            line,
            format!("invalid config: {}", e.lines().next().unwrap_or("").trim()),
        )
    })
}

/// One file after streaming: its diagnostics and the facts inference needs.
struct ScannedFile {
    path: Arc<str>,
    diagnostics: Vec<Diagnostic>,
    failed: bool,
    crds: Vec<CrdRead>,
    /// Custom resources (reduced or whole), and built-in workloads when the
    /// generated builds are to be proven.
    objects: Vec<K8sObject>,
    /// What each built-in workload gives its kind's report.
    builtin: Vec<BuiltinFacts>,
    /// It held objects and none of them is a registry config, so the
    /// registry reader need not read it again.
    ordinary: bool,
}

/// `keep_workloads`: built-in workloads stay as objects too (the proof of
/// generated builds deploys into them); otherwise only their facts do.
fn reduce_file(
    input: &load::Input,
    f: load::LoadedFile,
    whole: bool,
    keep_workloads: bool,
) -> ScannedFile {
    let ordinary = !f.objects.is_empty()
        && !f.objects.iter().any(|o| {
            crate::registry::sources::config_kind(&o.api_version, &o.kind, &o.name).is_some()
        });
    let mut out = ScannedFile {
        path: f.path,
        diagnostics: f.diagnostics,
        failed: f.failed,
        crds: vec![],
        objects: vec![],
        builtin: vec![],
        ordinary,
    };
    // Standard input cannot be read a second time (see `whole_again`).
    let whole = whole || matches!(input, load::Input::Stdin);
    let mut keep = |o: K8sObject| {
        if infer::is_builtin_workload(o.group(), &o.kind) {
            out.builtin.push(infer::builtin_facts(&o));
            if !keep_workloads {
                return;
            }
        }
        out.objects.push(o);
    };
    for o in f.objects {
        if whole && !crate::infer::schema::is_crd(&o) {
            keep(o);
            continue;
        }
        match facts::reduce(o) {
            Reduced::Crd(c) => out.crds.push(c),
            Reduced::Object(o) => keep(o),
            Reduced::Dropped => {}
        }
    }
    out
}

/// Kinds with a field the reduced objects do not hold (see
/// [`facts::covers`]): their objects are read again, whole.
fn uncovered(kinds: &[KindReport]) -> HashSet<KindKey> {
    kinds
        .iter()
        .filter(|k| !k.builtin)
        .filter(|k| {
            k.fields
                .iter()
                .chain(&k.optional_fields)
                .any(|f| !facts::covers(&f.field))
        })
        .map(|k| k.key.clone())
        .collect()
}

/// The whole objects of `kinds`, read again from the files that hold them.
fn whole_again(
    files: &[ScannedFile],
    kinds: &HashSet<KindKey>,
    opts: &LoadOptions,
    budget: &AliasBudget,
) -> Vec<K8sObject> {
    let of_kinds = |o: &K8sObject| kinds.contains(&KindKey::new(o.group(), &o.kind));
    let inputs: Vec<load::Input> = files
        .iter()
        .filter(|f| f.objects.iter().any(of_kinds))
        .map(|f| load::Input::File(PathBuf::from(&*f.path)))
        .collect();
    load::load_reduced(&inputs, opts, budget, None, |_, f| {
        f.objects.into_iter().filter(of_kinds).collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect()
}

pub fn scan(paths: &[PathBuf], opts: &ScanOptions) -> ScanOutcome {
    // One alias budget for every file this scan parses, manifests and
    // registry configs alike.
    let budget = tilt_loader::tree::AliasBudget::per_run();
    let (inputs, walk_diagnostics) = load::discover(paths, &opts.load);
    // Streaming: each file is parsed and reduced on some core, and only the
    // facts are collected.
    let sieve = (!opts.whole_objects).then_some(&facts::ScanSieve as &dyn Sieve);
    let mut files: Vec<ScannedFile> =
        load::load_reduced(&inputs, &opts.load, &budget, sieve, |i, f| {
            reduce_file(i, f, opts.whole_objects, opts.validate)
        });
    let mut diagnostics = walk_diagnostics.clone();
    let mut input_failed = files.iter().any(|f| f.failed)
        || walk_diagnostics
            .iter()
            .any(|d| d.severity == crate::diag::Severity::Error);
    for f in &files {
        diagnostics.extend(f.diagnostics.iter().cloned());
    }
    let crds: Vec<CrdRead> = files
        .iter_mut()
        .flat_map(|f| std::mem::take(&mut f.crds))
        .collect();
    let builtin = (!opts.no_knowledge).then(Knowledge::builtin);
    let config = match find_config(paths, opts.config.as_deref()) {
        None => None,
        Some(p) if !load::confined(&p, &opts.load) => {
            input_failed = true;
            diagnostics.push(Diagnostic::new(
                Code::InvalidConfig,
                &p.display().to_string(),
                0,
                "cannot read config: outside the sandbox of `tilt-img check` (symlinks resolved)",
            ));
            None
        }
        Some(p) => match read_config(&p) {
            Ok(k) => Some((k, p.display().to_string())),
            Err(d) => {
                input_failed = true;
                diagnostics.push(d);
                None
            }
        },
    };
    let infer_opts = InferOptions {
        knowledge: builtin.as_ref(),
        config: config.as_ref().map(|(k, f)| (k, f.clone())),
    };
    let builtin: Vec<BuiltinFacts> = files
        .iter_mut()
        .flat_map(|f| std::mem::take(&mut f.builtin))
        .collect();
    let reduced: Vec<&K8sObject> = files.iter().flat_map(|f| &f.objects).collect();
    let (mut kinds, mut infer_diags) =
        infer::infer_reduced(&crds, reduced.clone(), &builtin, &infer_opts);
    let again = uncovered(&kinds);
    let whole = if again.is_empty() {
        vec![]
    } else {
        whole_again(&files, &again, &opts.load, &budget)
    };
    let objects: Vec<&K8sObject> = if again.is_empty() {
        reduced
    } else {
        let objects: Vec<&K8sObject> = reduced
            .into_iter()
            .filter(|o| !again.contains(&KindKey::new(o.group(), &o.kind)))
            .chain(&whole)
            .collect();
        (kinds, infer_diags) = infer::infer_reduced(&crds, objects.clone(), &builtin, &infer_opts);
        objects
    };
    diagnostics.extend(infer_diags);
    for k in &mut kinds {
        k.tilt = render::tiltfile::kind_snippet(k);
    }
    let registry = if opts.no_registry {
        None
    } else {
        let dirs: Vec<PathBuf> = paths
            .iter()
            .filter(|p| p.as_os_str() != "-")
            .cloned()
            .collect();
        // Files the loader already parsed into ordinary objects cannot be
        // registry configs; only the rest is read again.
        let skip: HashSet<String> = files
            .iter()
            .filter(|f| f.ordinary)
            .map(|f| f.path.to_string())
            .collect();
        let (model, _) = crate::registry::sources::read_tree_within(
            &dirs,
            opts.load.no_ignore,
            crate::registry::sources::Scope::Configs,
            &skip,
            &budget,
        );
        let found: Vec<String> = kinds
            .iter()
            .flat_map(|k| k.images.iter().map(|i| i.reference.clone()))
            .collect();
        crate::registry::plan::plan(&dirs, &model, &found, opts.push_with)
    };
    if opts.validate {
        let report = ScanReport {
            kinds,
            diagnostics: vec![],
            registry: None,
        };
        let snippet = render::tiltfile::render(&report);
        diagnostics.extend(crate::prove::validate_snippet(
            &objects,
            &report.kinds,
            &snippet,
        ));
        if let Some(plan) = &registry {
            diagnostics.extend(crate::prove::validate_builds(
                &objects,
                &report.kinds,
                &snippet,
                plan,
            ));
        }
        kinds = report.kinds;
    }
    let mut diagnostics = load::collapse_skipped(diagnostics);
    diagnostics.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    ScanOutcome {
        report: ScanReport {
            kinds,
            diagnostics,
            registry,
        },
        input_failed,
    }
}
