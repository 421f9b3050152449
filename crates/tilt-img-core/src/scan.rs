//! The `scan` pipeline: load → infer → snippet per kind. Renderers take the
//! resulting [`ScanReport`].

use crate::diag::Diagnostic;
use crate::infer::{self, InferOptions, knowledge::Knowledge};
use crate::load::{self, LoadOptions};
use crate::render;
use crate::report::ScanReport;
use std::path::{Path, PathBuf};

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
        .map_err(|e| Diagnostic::error(&shown, 0, format!("cannot read config: {e}")))?;
    Knowledge::parse(&text).map_err(|e| {
        // toml's message names line and column; keep the first line number.
        let line = e
            .split("line ")
            .nth(1)
            .and_then(|s| s.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        Diagnostic::error(
            &shown,
            line,
            format!("invalid config: {}", e.lines().next().unwrap_or("").trim()),
        )
    })
}

pub fn scan(paths: &[PathBuf], opts: &ScanOptions) -> ScanOutcome {
    // One alias budget for every file this scan parses, manifests and
    // registry configs alike.
    let budget = tilt_loader::tree::AliasBudget::per_run();
    let (inputs, walk_diagnostics) = load::discover(paths, &opts.load);
    let loaded = load::Loaded {
        files: load::load_within(&inputs, &opts.load, &budget),
        walk_diagnostics,
    };
    let mut diagnostics = loaded.walk_diagnostics.clone();
    let mut input_failed = loaded.any_failed();
    for f in &loaded.files {
        diagnostics.extend(f.diagnostics.iter().cloned());
    }

    let builtin = (!opts.no_knowledge).then(Knowledge::builtin);
    let config = match find_config(paths, opts.config.as_deref()) {
        None => None,
        Some(p) if !load::confined(&p, &opts.load) => {
            input_failed = true;
            diagnostics.push(Diagnostic::error(
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
    let (mut kinds, infer_diags) = infer::infer(loaded.objects(), &infer_opts);
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
        let skip: std::collections::HashSet<String> = loaded
            .files
            .iter()
            .filter(|f| {
                !f.objects.is_empty()
                    && !f.objects.iter().any(|o| {
                        crate::registry::sources::config_kind(&o.api_version, &o.kind, &o.name)
                            .is_some()
                    })
            })
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
        let objects: Vec<&crate::load::K8sObject> = loaded.objects().collect();
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
    diagnostics.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    // Freeing hundreds of megabytes of trees takes a noticeable share of a
    // large scan; do it on all cores rather than on the way out.
    {
        use rayon::prelude::*;
        loaded.files.into_par_iter().for_each(drop);
    }
    ScanOutcome {
        report: ScanReport {
            kinds,
            diagnostics,
            registry,
        },
        input_failed,
    }
}
