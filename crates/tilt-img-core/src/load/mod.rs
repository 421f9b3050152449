//! Stage 1: find input files, parse them, and turn documents into objects.
//!
//! Every problem becomes a [`Diagnostic`] attached to its file; nothing here
//! aborts the run. Files are read and parsed in parallel.

pub mod object;

use crate::diag::{Code, Diagnostic};
use object::DocKind;
pub use object::K8sObject;
use rayon::prelude::*;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tilt_loader::tree::AliasBudget;
use tilt_loader::tree::sieve::Sieve;

/// Where the text of an input comes from.
#[derive(Debug, Clone)]
pub enum Input {
    File(PathBuf),
    Stdin,
}

#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Walk everything, ignoring .gitignore and hidden-file rules.
    pub no_ignore: bool,
    pub max_file_size: u64,
    /// Read only files whose real path (symlinks resolved) lies under one
    /// of these directories: set when `check`'s sandbox runs a scan.
    pub confine: Option<Vec<PathBuf>>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            no_ignore: false,
            max_file_size: 256 * 1024 * 1024,
            confine: None,
        }
    }
}

#[derive(Debug, Default)]
pub struct LoadedFile {
    pub path: Arc<str>,
    pub objects: Vec<K8sObject>,
    pub diagnostics: Vec<Diagnostic>,
    /// True when the file could not be read or parsed (drives exit code 1).
    pub failed: bool,
}

const EXTENSIONS: [&str; 3] = ["yaml", "yml", "json"];

/// Expands the command-line paths into input files, sorted for determinism.
pub fn discover(paths: &[PathBuf], opts: &LoadOptions) -> (Vec<Input>, Vec<Diagnostic>) {
    discover_matching(paths, opts.no_ignore, |p| {
        p.extension()
            .and_then(|x| x.to_str())
            .is_some_and(|x| EXTENSIONS.contains(&x.to_ascii_lowercase().as_str()))
    })
}

/// [`discover`] with another file filter (`doctor` also reads Tiltfiles and
/// TOML): the same walk, ignore rules and diagnostics for what it cannot read.
pub fn discover_matching(
    paths: &[PathBuf],
    no_ignore: bool,
    keep: impl Fn(&Path) -> bool,
) -> (Vec<Input>, Vec<Diagnostic>) {
    let mut inputs = Vec::new();
    let mut diags = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(Input::Stdin);
            continue;
        }
        let shown = path.display().to_string();
        match std::fs::metadata(path) {
            Err(e) => diags.push(Diagnostic::new(
                Code::Unreadable,
                &shown,
                0,
                format!("cannot read: {e}; check the path"),
            )),
            Ok(m) if m.is_file() => inputs.push(Input::File(path.clone())),
            Ok(_) => {
                let mut found = Vec::new();
                let walker = ignore::WalkBuilder::new(path)
                    .standard_filters(!no_ignore)
                    .require_git(false)
                    .follow_links(true)
                    .build();
                for entry in walker {
                    match entry {
                        Ok(e) => {
                            let p = e.path();
                            let is_file = e.file_type().is_some_and(|t| t.is_file());
                            if is_file && keep(p) {
                                found.push(p.to_path_buf());
                            }
                        }
                        Err(e) => diags.push(walk_error(&shown, &e)),
                    }
                }
                found.sort();
                inputs.extend(found.into_iter().map(Input::File));
            }
        }
    }
    (inputs, diags)
}

fn walk_error(root: &str, e: &ignore::Error) -> Diagnostic {
    match e {
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            walk_error(root, err)
        }
        ignore::Error::WithPath { path, err } => {
            let shown = path.display().to_string();
            let msg = match err.as_ref() {
                ignore::Error::Io(io) if io.kind() == std::io::ErrorKind::NotFound => {
                    "cannot read: broken symbolic link or missing file; skipped".to_string()
                }
                ignore::Error::Io(io) => format!("cannot read: {io}; check that it is readable"),
                other => format!("cannot read: {other}"),
            };
            Diagnostic::new(Code::Unreadable, &shown, 0, msg)
        }
        ignore::Error::Loop { ancestor, child } => Diagnostic::new(
            Code::SymlinkLoop,
            &child.display().to_string(),
            0,
            format!(
                "symbolic link loop (points back to {}); not followed",
                ancestor.display()
            ),
        ),
        other => Diagnostic::new(Code::Unreadable, root, 0, format!("cannot walk: {other}")),
    }
}

/// Reads and parses `inputs` on all cores (alias expansion in all of them
/// together takes from `run`), building of each object only what `sieve`
/// keeps (not for standard input, which cannot be read again whole), and
/// hands each file to `reduce` as soon as it is parsed: only what `reduce`
/// returns stays in memory (a streaming scan).
pub fn load_reduced<T: Send>(
    inputs: &[Input],
    opts: &LoadOptions,
    run: &AliasBudget,
    sieve: Option<&dyn Sieve>,
    reduce: impl Fn(&Input, LoadedFile) -> T + Sync + Send,
) -> Vec<T> {
    inputs
        .par_iter()
        .map(|i| {
            let sieve = sieve.filter(|_| !matches!(i, Input::Stdin));
            reduce(i, load_one(i, opts, run, sieve))
        })
        .collect()
}

fn load_one(
    input: &Input,
    opts: &LoadOptions,
    run: &AliasBudget,
    sieve: Option<&dyn Sieve>,
) -> LoadedFile {
    let (shown, bytes) = match input {
        Input::Stdin => {
            let mut buf = Vec::new();
            let r = std::io::stdin()
                .lock()
                .take(opts.max_file_size + 1)
                .read_to_end(&mut buf);
            ("<stdin>".to_string(), r.map(|_| buf))
        }
        Input::File(p) if !confined(p, opts) => (
            p.display().to_string(),
            Err(std::io::Error::other(
                "outside the sandbox of `tilt-img check` (symlinks resolved); pass --allow-read PATH to allow it",
            )),
        ),
        Input::File(p) => (p.display().to_string(), read_capped(p, opts.max_file_size)),
    };
    let path: Arc<str> = Arc::from(shown.as_str());
    let mut file = LoadedFile {
        path: path.clone(),
        ..Default::default()
    };
    let bytes = match bytes {
        Ok(b) => b,
        Err(e) => {
            file.failed = true;
            file.diagnostics.push(Diagnostic::new(
                Code::Unreadable,
                &shown,
                0,
                format!("cannot read: {e}"),
            ));
            return file;
        }
    };
    if bytes.len() as u64 > opts.max_file_size {
        file.failed = true;
        file.diagnostics.push(Diagnostic::new(
            Code::TooLarge,
            &shown,
            0,
            format!(
                "file is larger than {} MiB; skipped (raise --max-file-size to scan it)",
                opts.max_file_size / (1024 * 1024)
            ),
        ));
        return file;
    }
    let text = match decode(&bytes) {
        Ok(t) => t,
        Err(d) => {
            file.failed = true;
            file.diagnostics
                .push(Diagnostic::new(Code::InvalidYaml, &shown, d.0, d.1));
            return file;
        }
    };
    parse_text(&mut file, text, input, run, sieve);
    file
}

/// Whether `opts.confine` lets `p` be read.
pub fn confined(p: &Path, opts: &LoadOptions) -> bool {
    let Some(roots) = &opts.confine else {
        return true;
    };
    std::fs::canonicalize(p).is_ok_and(|real| roots.iter().any(|r| real.starts_with(r)))
}

pub use tilt_loader::files::read_capped;

/// UTF-8 (with an optional BOM) or a diagnostic naming the first bad byte's line.
fn decode(bytes: &[u8]) -> Result<&str, (u32, String)> {
    let head = &bytes[..bytes.len().min(8192)];
    if head.contains(&0) {
        return Err((0, "binary file (contains NUL bytes); skipped".into()));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        let line = 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        (
            u32::try_from(line).unwrap_or(u32::MAX),
            "not valid UTF-8; Kubernetes manifests must be UTF-8 (convert it, e.g. with iconv)"
                .into(),
        )
    })
}

fn file_name(input: &Input) -> String {
    match input {
        Input::File(p) => p
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default(),
        Input::Stdin => String::new(),
    }
}

/// The chart a file belongs to, when it is one Helm renders rather than a
/// manifest: a template (under `templates/`) or the chart's metadata and
/// values. A chart's `crds/` holds plain YAML and is scanned.
fn helm_chart_of(input: &Input) -> Option<PathBuf> {
    let Input::File(p) = input else { return None };
    let dir = p.parent()?;
    let name = p.file_name()?.to_string_lossy().to_ascii_lowercase();
    let metadata = name == "chart.yaml"
        || name == "chart.lock"
        || name == "values.schema.json"
        || (name.starts_with("values") && (name.ends_with(".yaml") || name.ends_with(".yml")));
    if metadata && dir.join("Chart.yaml").is_file() {
        return Some(dir.to_path_buf());
    }
    if !p.components().any(|c| c.as_os_str() == "templates") {
        return None;
    }
    p.ancestors()
        .skip(1)
        .take(4)
        .find(|d| d.join("Chart.yaml").is_file())
        .map(Path::to_path_buf)
}

/// Skipped-input notes, one per chart or directory rather than one per
/// file: the same note for several files of a directory becomes one line
/// naming the directory and the count.
pub fn collapse_skipped(diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    use std::collections::HashMap;
    let key = |d: &Diagnostic| {
        (d.code == Code::Skipped && d.line == 0).then(|| {
            let dir = Path::new(&d.file)
                .parent()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            (dir, d.message.clone())
        })
    };
    // The same note twice (every file of a chart) is one note.
    let mut unique: Vec<Diagnostic> = Vec::with_capacity(diags.len());
    let mut once = std::collections::HashSet::new();
    for d in diags {
        if once.insert((d.file.clone(), d.line, d.message.clone())) {
            unique.push(d);
        }
    }
    let diags = unique;
    let mut count: HashMap<(String, String), usize> = HashMap::new();
    for k in diags.iter().filter_map(key) {
        *count.entry(k).or_default() += 1;
    }
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(diags.len());
    for d in diags {
        match key(&d) {
            Some(k) if count[&k] > 1 => {
                if seen.insert(k.clone()) {
                    let dir = if k.0.is_empty() {
                        ".".to_string()
                    } else {
                        k.0.clone()
                    };
                    out.push(Diagnostic::new(
                        Code::Skipped,
                        &format!("{dir}/"),
                        0,
                        format!("{} files: {}", count[&k], k.1),
                    ));
                }
            }
            _ => out.push(d),
        }
    }
    out
}

fn parse_text(
    file: &mut LoadedFile,
    text: &str,
    input: &Input,
    run: &AliasBudget,
    sieve: Option<&dyn Sieve>,
) {
    let shown = file.path.to_string();
    let name = file_name(input);
    if matches!(
        name.as_str(),
        "kustomization.yaml" | "kustomization.yml" | "kustomization"
    ) {
        file.diagnostics.push(Diagnostic::new(
            Code::Skipped,
            &shown,
            0,
            "kustomization file, skipped: scan what it builds with `kustomize build <dir> | tilt-img scan -`",
        ));
        return;
    }
    if name == "tiltfile" || name.starts_with("tiltfile.") || name.ends_with(".tiltfile") {
        file.diagnostics.push(Diagnostic::new(
            Code::Skipped,
            &shown,
            0,
            format!("a Tiltfile, not a manifest, skipped: `tilt-img check {shown}` loads it; scan the manifests it reads (e.g. `tilt-img scan k8s/`)"),
        ));
        return;
    }
    if let Some(chart) = helm_chart_of(input) {
        // One note per chart: every template and values file gives the same.
        let chart = chart.display().to_string();
        file.diagnostics.push(Diagnostic::new(
            Code::Skipped,
            &chart,
            0,
            format!("Helm chart, skipped: render it first with `helm template <release> {chart} | tilt-img scan -`"),
        ));
        return;
    }
    if text.contains("{{") && text.contains("}}") && text.contains(".Values") {
        file.diagnostics.push(Diagnostic::new(
            Code::Skipped,
            &shown,
            0,
            "Helm template, skipped: render it first with `helm template <release> <chart> | tilt-img scan -`",
        ));
        return;
    }
    let parsed = match sieve {
        Some(sieve) => tilt_loader::tree::parse_stream_sieved(text, run, sieve),
        None => tilt_loader::tree::parse_stream_within(text, run),
    };
    let mut foreign = false;
    for doc in parsed.documents {
        match object::classify(doc, &file.path, &mut file.diagnostics) {
            DocKind::Objects(objs) => file.objects.extend(objs),
            DocKind::Foreign => foreign = true,
            DocKind::Empty => {}
        }
    }
    if let Some(err) = parsed.error {
        if err.over_budget {
            file.failed = true;
            file.diagnostics.push(Diagnostic::new(
                Code::InvalidYaml,
                &shown,
                err.line,
                format!(
                    "{}; the rest of this file was not read (the other files were still scanned)",
                    err.message
                ),
            ));
        } else if text.contains("{{") {
            file.diagnostics.push(Diagnostic::new(
                Code::Skipped,
                &shown,
                err.line,
                "looks like a template (`{{`), not YAML; render it first, e.g. `helm template <release> <chart> | tilt-img scan -`",
            ));
        } else {
            file.failed = true;
            file.diagnostics.push(Diagnostic::new(
                Code::InvalidYaml,
                &shown,
                err.line,
                format!(
                    "invalid YAML: {}; fix the file (the other files were still scanned)",
                    err.message
                ),
            ));
        }
    }
    // JSON that holds no Kubernetes object is some tool's config
    // (package.json, tsconfig.json): not worth a line.
    if foreign && file.objects.is_empty() && !name.ends_with(".json") {
        let what = if name.starts_with("docker-compose") || name.starts_with("compose.") {
            "docker-compose file, skipped: it is not a Kubernetes manifest"
        } else if name == "chart.yaml" || name.starts_with("values") {
            "Helm chart metadata or values, skipped: render the chart with `helm template <release> <chart> | tilt-img scan -`"
        } else {
            "no Kubernetes objects (no apiVersion/kind), skipped; if it is a Helm values file use `helm template … | tilt-img scan -`, if kustomize input `kustomize build … | tilt-img scan -`"
        };
        file.diagnostics
            .push(Diagnostic::new(Code::Skipped, &shown, 0, what));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    /// A ConfigMap whose aliases take 913,561 nodes of the budget (copies
    /// of anchors included), just under the old per-document budget.
    fn near_bomb(i: usize) -> String {
        let mut s = format!("kind: ConfigMap\napiVersion: v1\nmetadata: {{name: l{i}}}\ndata:\n");
        s += "  a: &a [x,x,x,x,x,x,x,x,x,x]\n";
        for (n, p) in [("b", "a"), ("c", "b"), ("d", "c"), ("e", "d")] {
            s += &format!("  {n}: &{n} [{}]\n", vec![format!("*{p}"); 10].join(","));
        }
        s + "  f: [*e,*e,*e,*e,*e,*e]\n"
    }

    fn parse_as(name: &str, text: &str, run: &AliasBudget) -> LoadedFile {
        let mut file = LoadedFile {
            path: Arc::from(name),
            ..Default::default()
        };
        parse_text(
            &mut file,
            text,
            &Input::File(PathBuf::from(name)),
            run,
            None,
        );
        file
    }

    #[test]
    fn many_documents_each_under_the_budget_are_refused_as_one_file() {
        // 200 documents: 180 million nodes (9 GB) when the budget was per document.
        let text: Vec<String> = (0..200).map(near_bomb).collect();
        let text = text.join("---\n");
        assert!(text.len() < 64 << 10);
        let t = Instant::now();
        let file = parse_as("bomb.yaml", &text, &AliasBudget::per_run());
        println!("refused in {:?}", t.elapsed());
        assert!(t.elapsed() < Duration::from_secs(10));
        assert!(file.failed);
        let d = &file.diagnostics[0];
        assert_eq!((d.file.as_str(), d.line), ("bomb.yaml", 20));
        assert!(
            d.message
                .starts_with("alias expansion exceeds the budget of 1000000 nodes per file"),
            "{d:?}"
        );
        // The first document fitted and was kept.
        assert_eq!(file.objects.len(), 1);
    }

    #[test]
    fn files_that_each_fit_share_the_run_budget() {
        let run = AliasBudget::new(2_000_000);
        let files: Vec<LoadedFile> = (0..3)
            .map(|i| parse_as(&format!("f{i}.yaml"), &near_bomb(i), &run))
            .collect();
        assert!(!files[0].failed && !files[1].failed);
        assert!(files[2].failed);
        let d = &files[2].diagnostics[0];
        assert_eq!(d.file, "f2.yaml");
        assert!(
            d.message.contains(
                "alias expansion exceeds the budget of 2000000 nodes for all the files of this run"
            ),
            "{d:?}"
        );
        // A file without aliases is still read.
        let plain = parse_as("p.yaml", "kind: ConfigMap\napiVersion: v1\n", &run);
        assert!(!plain.failed && plain.objects.len() == 1);
    }
}
