//! `cargo bench --bench scan`: throughput of `scan` (MB/s) and its ratio to
//! a bare YAML parse and to PyYAML's C loader on the same files, on a
//! generated tree (~10,000 manifests, ~200 MB) and on ../shared/corpus;
//! `--format tiltfile` and JSON against text (also on 48,000 custom
//! resources); peak RSS of the binary on the tree and on one four times as
//! large; the timing of `check` (and against the real Tilt loader when one
//! is given); `doctor`; and, on request, a 2 GB monorepo. Prints figures
//! and whether each target is met; asserts nothing.
//!
//! Environment:
//! - `TILT_IMG_REAL_TILT`: a real Tilt binary, to time `check` against
//!   `tilt alpha tiltfile-result` on the oracle cases.
//! - `TILT_IMG_BENCH_MONOREPO=1`: also generate (once, into the temp dir,
//!   ~2 GB) and scan a 100,000-file monorepo.
//! - `TILT_IMG_BENCH_FILES`: manifest files to generate (default 10000; the
//!   20 CRD files come on top).
//! - `TILT_IMG_BENCH_DIR`: where to generate them (default
//!   `<temp dir>/tilt-img-bench-scan`). The tree is reused between runs and
//!   regenerated only when it is missing or its file count differs.

use rayon::prelude::*;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;
use tilt_img_core::load::{self, Input, LoadOptions};
use tilt_img_core::scan::{ScanOptions, scan};

// The same allocator as the binary, so the figures are the tool's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

// ---------------------------------------------------------------------------
// Generated tree
// ---------------------------------------------------------------------------

/// Written into the generated directory; names the generator version and the
/// file count so that a tree from another version or size is regenerated,
/// and so that we never delete a directory we did not generate.
const STAMP_FILE: &str = ".tilt-img-bench";
const GENERATOR_VERSION: u32 = 2;

/// A small deterministic generator (Knuth's MMIX LCG; no rand crate needed).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        // The high bits of an LCG are the random-looking ones.
        self.0 >> 33
    }
    /// Uniform-ish in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn percent(&mut self, p: usize) -> bool {
        self.below(100) < p
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    fn version(&mut self) -> String {
        format!("{}.{}.{}", self.below(4), self.below(30), self.below(20))
    }
}

/// How a custom kind carries its images; each shape gets its own instance
/// layout and a matching CRD schema.
#[derive(Clone, Copy)]
enum Shape {
    /// `spec.image: repo:tag`
    ImageString,
    /// `spec.image: {repository, tag, pullPolicy}`
    ImageObject,
    /// `spec.template` is a pod template.
    PodTemplate,
    /// `spec.components[].image`
    ComponentList,
    /// `spec.server.image` (string), `spec.exporter.image` (object),
    /// `spec.sidecars[].image`
    Nested,
}

/// The invented custom kinds; kind `i` belongs to group `team{i}.example.com`.
const KINDS: [(&str, Shape); 20] = [
    ("Database", Shape::ImageString),
    ("Cache", Shape::ImageObject),
    ("Queue", Shape::PodTemplate),
    ("Gateway", Shape::ComponentList),
    ("Pipeline", Shape::Nested),
    ("Worker", Shape::PodTemplate),
    ("Notebook", Shape::ImageString),
    ("ModelServer", Shape::ImageObject),
    ("Exporter", Shape::ImageString),
    ("Broker", Shape::Nested),
    ("Scheduler", Shape::ComponentList),
    ("Collector", Shape::ImageObject),
    ("Indexer", Shape::PodTemplate),
    ("Renderer", Shape::ImageString),
    ("Ingestor", Shape::ComponentList),
    ("Ledger", Shape::Nested),
    ("Mailer", Shape::ImageObject),
    ("EdgeProxy", Shape::PodTemplate),
    ("SearchCluster", Shape::ImageString),
    ("BackupPlan", Shape::Nested),
];

/// Appends `text` with every line indented by `indent` spaces.
fn indented(out: &mut String, indent: usize, text: &str) {
    for line in text.lines() {
        let _ = writeln!(out, "{:indent$}{line}", "");
    }
}

fn image(r: &mut Lcg, team: usize, name: &str) -> String {
    let registry = r.pick(&[
        "registry.example.com",
        "ghcr.io/acme",
        "docker.io/acme",
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
    ]);
    format!("{registry}/team{team}/{name}:{}", r.version())
}

/// One container entry (a `- name:` item), at column 0.
fn container(r: &mut Lcg, team: usize, name: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "- name: {name}");
    let _ = writeln!(s, "  image: {}", image(r, team, name));
    let _ = writeln!(s, "  imagePullPolicy: IfNotPresent");
    let _ = writeln!(
        s,
        "  args: [\"--port=8080\", \"--log-level={}\"]",
        r.pick(&["info", "debug", "warn"])
    );
    s.push_str("  ports:\n  - name: http\n    containerPort: 8080\n    protocol: TCP\n");
    s.push_str("  env:\n");
    for e in 0..5 + r.below(20) {
        if r.percent(20) {
            let _ = write!(
                s,
                "  - name: SECRET_{e}\n    valueFrom:\n      secretKeyRef:\n        name: {name}-secrets\n        key: key-{e}\n"
            );
        } else {
            let _ = write!(
                s,
                "  - name: VAR_{e}\n    value: \"{:x}-{:x}\"\n",
                r.next(),
                r.next()
            );
        }
    }
    let _ = write!(
        s,
        "  resources:\n    requests: {{cpu: {}m, memory: {}Mi}}\n    limits:\n      cpu: \"{}\"\n      memory: {}Mi\n",
        50 * (1 + r.below(10)),
        64 * (1 + r.below(8)),
        1 + r.below(4),
        256 * (1 + r.below(8)),
    );
    s.push_str(
        "  readinessProbe:\n    httpGet:\n      path: /ready\n      port: http\n    initialDelaySeconds: 5\n    periodSeconds: 10\n",
    );
    s.push_str(
        "  livenessProbe:\n    httpGet: {path: /healthz, port: http}\n    failureThreshold: 3\n",
    );
    s.push_str("  volumeMounts:\n  - name: config\n    mountPath: /etc/app\n    readOnly: true\n");
    s
}

/// The body of a pod spec (containers, initContainers, volumes), at column 0.
fn pod_spec(r: &mut Lcg, team: usize, app: &str) -> String {
    let mut s = String::new();
    if r.percent(50) {
        s.push_str("initContainers:\n");
        s.push_str(&container(r, team, &format!("{app}-migrate")));
    }
    s.push_str("containers:\n");
    s.push_str(&container(r, team, app));
    for i in 0..r.below(3) {
        s.push_str(&container(r, team, &format!("{app}-sidecar{i}")));
    }
    let _ = write!(
        s,
        "volumes:\n- name: config\n  configMap:\n    name: {app}-config\nserviceAccountName: {app}\nnodeSelector:\n  kubernetes.io/os: linux\n"
    );
    s
}

fn deployment(r: &mut Lcg, team: usize, app: &str) -> String {
    let mut s = format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {app}\n  namespace: team{team}\n  labels:\n    app.kubernetes.io/name: {app}\n    app.kubernetes.io/part-of: team{team}\n  annotations:\n    deployment.kubernetes.io/revision: \"{}\"\nspec:\n  replicas: {}\n  selector:\n    matchLabels: {{app.kubernetes.io/name: {app}}}\n  template:\n    metadata:\n      labels: {{app.kubernetes.io/name: {app}}}\n    spec:\n",
        1 + r.below(40),
        1 + r.below(5),
    );
    indented(&mut s, 6, &pod_spec(r, team, app));
    s
}

fn service(r: &mut Lcg, team: usize, app: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {app}\n  namespace: team{team}\nspec:\n  type: {}\n  selector:\n    app.kubernetes.io/name: {app}\n  ports:\n  - name: http\n    port: 80\n    targetPort: http\n",
        r.pick(&["ClusterIP", "NodePort", "LoadBalancer"])
    )
}

/// A ConfigMap of roughly 1–8 KB: plain keys and a multi-line config file.
fn config_map(r: &mut Lcg, team: usize, name: &str) -> String {
    let mut s = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: team{team}\ndata:\n"
    );
    for k in 0..5 + r.below(15) {
        let _ = writeln!(s, "  key{k}: \"{:x}{:x}\"", r.next(), r.next());
    }
    s.push_str("  app.properties: |\n");
    for k in 0..10 + r.below(120) {
        let _ = writeln!(
            s,
            "    section{}.setting_{k} = {:x}{:x}",
            k % 7,
            r.next(),
            r.next()
        );
    }
    s
}

/// An instance of custom kind `k`.
fn custom(r: &mut Lcg, k: usize, team: usize, app: &str) -> String {
    let (kind, shape) = KINDS[k];
    let lower = kind.to_ascii_lowercase();
    let mut s = format!(
        "apiVersion: team{k}.example.com/v1\nkind: {kind}\nmetadata:\n  name: {app}-{lower}\n  namespace: team{team}\nspec:\n  replicas: {}\n  logLevel: {}\n",
        1 + r.below(3),
        r.pick(&["info", "debug"])
    );
    match shape {
        Shape::ImageString => {
            let _ = writeln!(s, "  image: {}", image(r, team, &lower));
        }
        Shape::ImageObject => {
            let _ = write!(
                s,
                "  image:\n    repository: registry.example.com/team{team}/{lower}\n    tag: \"{}\"\n    pullPolicy: IfNotPresent\n",
                r.version()
            );
        }
        Shape::PodTemplate => {
            s.push_str("  template:\n    metadata:\n      labels: {app: worker}\n    spec:\n");
            indented(&mut s, 6, &pod_spec(r, team, &lower));
        }
        Shape::ComponentList => {
            s.push_str("  components:\n");
            for c in 0..1 + r.below(4) {
                let _ = write!(
                    s,
                    "  - name: part{c}\n    image: {}\n    args: [\"--shard={c}\"]\n",
                    image(r, team, &format!("{lower}-part{c}"))
                );
            }
        }
        Shape::Nested => {
            let _ = write!(
                s,
                "  server:\n    image: {}\n    port: 9000\n  exporter:\n    image:\n      repository: quay.io/acme/{lower}-exporter\n      tag: v{}\n  sidecars:\n  - name: proxy\n    image: {}\n",
                image(r, team, &lower),
                r.version(),
                image(r, team, "proxy")
            );
        }
    }
    for k in 0..r.below(10) {
        let _ = writeln!(s, "  setting{k}: \"{:x}\"", r.next());
    }
    s
}

/// The `spec` schema of a custom kind, at column 0 (under `properties:`).
fn spec_schema(shape: Shape) -> String {
    let container_schema = "type: object\nproperties:\n  name: {type: string}\n  image:\n    type: string\n    description: Container image name.\n  imagePullPolicy: {type: string}\n  args:\n    type: array\n    items: {type: string}\n  env:\n    type: array\n    items:\n      type: object\n      x-kubernetes-preserve-unknown-fields: true\n  resources:\n    type: object\n    x-kubernetes-preserve-unknown-fields: true\n";
    let mut s = String::from(
        "replicas:\n  type: integer\n  description: Number of desired pods.\nlogLevel:\n  type: string\n  enum: [info, debug, warn]\n",
    );
    match shape {
        Shape::ImageString => s.push_str(
            "image:\n  type: string\n  description: The container image to run, as repository:tag.\n",
        ),
        Shape::ImageObject => s.push_str(
            "image:\n  type: object\n  description: The image to run.\n  properties:\n    repository: {type: string, description: Image repository.}\n    tag: {type: string, description: Image tag.}\n    pullPolicy: {type: string}\n",
        ),
        Shape::PodTemplate => {
            s.push_str("template:\n  type: object\n  description: Pod template for the workers.\n  properties:\n    metadata:\n      type: object\n      x-kubernetes-preserve-unknown-fields: true\n    spec:\n      type: object\n      properties:\n");
            for list in ["containers", "initContainers"] {
                let _ = writeln!(s, "        {list}:\n          type: array\n          items:");
                indented(&mut s, 12, container_schema);
            }
        }
        Shape::ComponentList => {
            s.push_str("components:\n  type: array\n  items:\n    type: object\n    properties:\n      name: {type: string}\n      image: {type: string, description: Image of this component.}\n      args:\n        type: array\n        items: {type: string}\n");
        }
        Shape::Nested => {
            s.push_str("server:\n  type: object\n  properties:\n    image: {type: string}\n    port: {type: integer}\nexporter:\n  type: object\n  properties:\n    image:\n      type: object\n      properties:\n        repository: {type: string}\n        tag: {type: string}\nsidecars:\n  type: array\n  items:\n");
            indented(&mut s, 4, container_schema);
        }
    }
    // Real CRD schemas are long, mostly settings with descriptions.
    for k in 0..300 {
        let _ = write!(
            s,
            "setting{k}:\n  type: string\n  description: Setting number {k}. Controls an aspect of the operator's behaviour; see the operator documentation for the accepted values and their defaults.\n"
        );
    }
    s
}

/// A CRD for custom kind `k`, with a served v1alpha1 and a storage v1.
fn crd(k: usize) -> String {
    let (kind, shape) = KINDS[k];
    let lower = kind.to_ascii_lowercase();
    let mut s = format!(
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: {lower}s.team{k}.example.com\nspec:\n  group: team{k}.example.com\n  names:\n    kind: {kind}\n    listKind: {kind}List\n    plural: {lower}s\n    singular: {lower}\n  scope: Namespaced\n  versions:\n"
    );
    for (version, storage) in [("v1alpha1", false), ("v1", true)] {
        let _ = write!(
            s,
            "  - name: {version}\n    served: true\n    storage: {storage}\n    subresources:\n      status: {{}}\n    schema:\n      openAPIV3Schema:\n        type: object\n        properties:\n          apiVersion: {{type: string}}\n          kind: {{type: string}}\n          metadata: {{type: object}}\n          status:\n            type: object\n            x-kubernetes-preserve-unknown-fields: true\n          spec:\n            type: object\n            properties:\n"
        );
        indented(&mut s, 14, &spec_schema(shape));
    }
    s
}

/// The documents of one application bundle, about `target` bytes in all.
fn bundle(r: &mut Lcg, n: usize, target: usize) -> Vec<String> {
    let team = n % 50;
    let app = format!("app-{n}");
    let mut docs = vec![deployment(r, team, &app), service(r, team, &app)];
    for _ in 0..1 + r.below(3) {
        let k = r.below(KINDS.len());
        docs.push(custom(r, k, team, &app));
    }
    let mut size: usize = docs.iter().map(String::len).sum();
    let mut i = 0;
    while size < target {
        let cm = config_map(r, team, &format!("{app}-config-{i}"));
        size += cm.len();
        docs.push(cm);
        i += 1;
    }
    docs
}

/// Manifest and CRD files under `dir`, counted the cheap way (no ignore rules;
/// the generated tree has none).
fn count_files(dir: &Path) -> usize {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return 0;
    };
    rd.flatten()
        .map(|e| {
            let p = e.path();
            if p.is_dir() {
                count_files(&p)
            } else {
                usize::from(
                    p.extension()
                        .is_some_and(|x| x == "yaml" || x == "yml" || x == "json"),
                )
            }
        })
        .sum()
}

/// Writes `files` manifests (plus the CRDs) into `dir` unless a tree of the
/// same generator version and size is already there.
fn generate(dir: &Path, files: usize) {
    let stamp = format!("tilt-img bench tree v{GENERATOR_VERSION}, {files} files\n");
    let stamp_path = dir.join(STAMP_FILE);
    let existing = std::fs::read_to_string(&stamp_path).ok();
    if existing.as_deref() == Some(stamp.as_str()) && count_files(dir) == files + KINDS.len() {
        println!("reusing {} ({} files)", dir.display(), files + KINDS.len());
        return;
    }
    if existing.is_none() && std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some()) {
        panic!(
            "{} exists and was not generated by this bench; refusing to overwrite it (set TILT_IMG_BENCH_DIR to a new directory)",
            dir.display()
        );
    }
    println!(
        "generating {files} manifests + {} CRDs in {}…",
        KINDS.len(),
        dir.display()
    );
    let t = Instant::now();
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir.join("crds")).expect("create bench dir");
    for k in 0..KINDS.len() {
        let path = dir.join(format!("crds/team{k}-crd.yaml"));
        std::fs::write(path, crd(k)).expect("write CRD");
    }
    let mut r = Lcg(42);
    for n in 0..files {
        let sub = dir.join(format!("team{:02}", n % 50));
        if n < 50 {
            std::fs::create_dir_all(&sub).expect("mkdir");
        }
        // 6–30 KB of documents; with the last ConfigMap overshooting, ~20 KB a file.
        let target = 6_000 + r.below(24_000);
        let docs = bundle(&mut r, n, target);
        if n % 10 == 0 {
            // Some JSON too: the bundle as a kubectl-style List, converted
            // through the crate's own YAML reader.
            let parsed = tilt_loader::tree::parse_stream(&docs.join("---\n"));
            assert!(parsed.error.is_none(), "generated YAML does not parse");
            let items: Vec<_> = parsed.documents.iter().map(|d| d.root.to_json()).collect();
            let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items});
            let text = if n % 20 == 0 {
                serde_json::to_string_pretty(&list)
            } else {
                serde_json::to_string(&list)
            }
            .expect("JSON");
            std::fs::write(sub.join(format!("app-{n}.json")), text).expect("write");
        } else {
            let ext = if n % 7 == 0 { "yml" } else { "yaml" };
            let text = format!("# app-{n}, team {}\n---\n{}", n % 50, docs.join("---\n"));
            std::fs::write(sub.join(format!("app-{n}.{ext}")), text).expect("write");
        }
    }
    std::fs::write(stamp_path, stamp).expect("write stamp");
    println!("  generated in {:.1} s", t.elapsed().as_secs_f64());
}

// ---------------------------------------------------------------------------
// Measurement
// ---------------------------------------------------------------------------

/// Reads a file and runs the YAML event parser to the end (or to the first
/// error), discarding the events: the floor any YAML-reading tool pays.
fn bare_parse(path: &Path) -> usize {
    let Ok(bytes) = std::fs::read(path) else {
        return 0;
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return 0;
    };
    let mut parser = saphyr_parser::Parser::new_from_str(text);
    let mut events = 0;
    while let Some(Ok(event)) = parser.next_event() {
        std::hint::black_box(&event);
        events += 1;
    }
    events
}

/// Runs `f` three times, printing each run; returns the best time in seconds.
fn best_of<F: FnMut()>(label: &str, mut f: F) -> f64 {
    let mut best = f64::MAX;
    for run in 1..=3 {
        let t = Instant::now();
        f();
        let s = t.elapsed().as_secs_f64();
        println!("  {label:<26} run {run}: {s:.3} s");
        best = best.min(s);
    }
    best
}

fn measure(title: &str, root: &Path) {
    // The file set scan itself sees (same walk, same ignore rules).
    let (inputs, _) = load::discover(&[root.to_path_buf()], &LoadOptions::default());
    let files: Vec<PathBuf> = inputs
        .into_iter()
        .filter_map(|i| match i {
            Input::File(p) => Some(p),
            Input::Stdin => None,
        })
        .collect();
    // Reading every file once also warms the page cache, so that the first
    // timed pass is not the only one to pay for the disk.
    let bytes: usize = files
        .iter()
        .filter_map(|f| std::fs::read(f).ok())
        .map(|b| b.len())
        .sum();
    let mb = bytes as f64 / 1e6;
    println!("\n{title}: {} files, {mb:.1} MB", files.len());

    let single = best_of("bare parse, 1 thread", || {
        std::hint::black_box(files.iter().map(|f| bare_parse(f)).sum::<usize>());
    });
    let parallel = best_of("bare parse, all cores", || {
        std::hint::black_box(files.par_iter().map(|f| bare_parse(f)).sum::<usize>());
    });
    let paths = [root.to_path_buf()];
    // Load alone (walk, read, parse through scan's sieve, classify): scan
    // minus reduction, inference and rendering, to tell where its time goes.
    let load_only = best_of("load only", || {
        let (inputs, _) = load::discover(&paths, &LoadOptions::default());
        let sieve = tilt_img_core::infer::facts::ScanSieve;
        let budget = tilt_loader::tree::AliasBudget::per_run();
        let objects: usize = load::load_reduced(
            &inputs,
            &LoadOptions::default(),
            &budget,
            Some(&sieve),
            |_, f| f.objects.len(),
        )
        .into_iter()
        .sum();
        std::hint::black_box(objects);
    });
    let full = best_of("tilt-img scan", || {
        std::hint::black_box(scan(&paths, &ScanOptions::default()).report.kinds.len());
    });

    let n = files.len() as f64;
    println!(
        "  {:<26} {:>8} {:>7} {:>8} {:>8} {:>8}",
        "", "MB", "files", "seconds", "MB/s", "files/s"
    );
    for (label, s) in [
        ("bare parse, 1 thread", single),
        ("bare parse, all cores", parallel),
        ("load only", load_only),
        ("tilt-img scan", full),
    ] {
        println!(
            "  {label:<26} {mb:>8.1} {:>7} {s:>8.3} {:>8.1} {:>8.0}",
            files.len(),
            mb / s,
            n / s
        );
    }
    let ratio = full / parallel;
    println!(
        "  scan / bare parse (all cores): {ratio:.2}x (target: within 1.3x: {})",
        if ratio <= 1.3 { "met" } else { "NOT met" }
    );
    match pyyaml_c(&files) {
        Some(py) => println!(
            "  PyYAML CSafeLoader, 1 thread: {py:.3} s ({:.1} MB/s); scan / PyYAML-C: {:.3}x (target: at most 0.1x: {})",
            mb / py,
            full / py,
            if full / py <= 0.1 { "met" } else { "NOT met" }
        ),
        None => println!("  (python3 with PyYAML's C loader not found: PyYAML ratio skipped)"),
    }
    println!("  scan / bare parse (1 thread):  {:.2}x", full / single);
    println!(
        "  load / bare parse (all cores): {:.2}x",
        load_only / parallel
    );
}

// ---------------------------------------------------------------------------
// check
// ---------------------------------------------------------------------------

/// `check` on every oracle case, in process and as a whole process.
fn measure_check() {
    let cases = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/oracle/cases");
    let Ok(rd) = std::fs::read_dir(&cases) else {
        println!("\n../shared/oracle/cases not found; check timing skipped");
        return;
    };
    let mut dirs: Vec<PathBuf> = rd
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("Tiltfile").is_file())
        .collect();
    dirs.sort();
    if dirs.is_empty() {
        println!("\nno oracle cases with a Tiltfile; check timing skipped");
        return;
    }
    let opts = tilt_loader::CheckOptions::default();
    let mut times = Vec::new();
    for d in &dirs {
        let t = Instant::now();
        for _ in 0..5 {
            std::hint::black_box(tilt_loader::check(&d.join("Tiltfile"), &opts).loaded());
        }
        times.push(t.elapsed().as_secs_f64() / 5.0);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    let median = times[times.len() / 2];
    println!(
        "\ncheck, in process, {} oracle cases: median {:.1} ms, max {:.1} ms",
        dirs.len(),
        median * 1e3,
        times[times.len() - 1] * 1e3
    );
    // Wall time from process start to exit, as a user (or a pre-commit hook)
    // sees it, on a typical project: 20 objects, 5 images, one extension.
    let Some(exe) = release_binary() else {
        println!(
            "(build the release binary with `cargo build --release` to time check as a whole process)"
        );
        return;
    };
    let dir = std::env::temp_dir().join("tilt-img-bench-check");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("tilt_extensions/kinds")).expect("mkdir");
    let mut yaml = String::new();
    for i in 0..20 {
        if i < 5 {
            yaml += &format!(
                "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: svc-{i}}}\nspec:\n  selector: {{matchLabels: {{app: svc-{i}}}}}\n  template:\n    metadata: {{labels: {{app: svc-{i}}}}}\n    spec:\n      containers: [{{name: main, image: acme/svc-{i}}}]\n"
            );
        } else if i < 10 {
            yaml += &format!(
                "---\napiVersion: v1\nkind: Service\nmetadata: {{name: svc-{}}}\nspec:\n  selector: {{app: svc-{}}}\n  ports: [{{port: 80}}]\n",
                i - 5,
                i - 5
            );
        } else {
            yaml += &format!(
                "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cfg-{i}}}\ndata: {{k: v}}\n"
            );
        }
    }
    std::fs::write(dir.join("k8s.yaml"), yaml).expect("write");
    std::fs::write(dir.join("Dockerfile"), "FROM alpine\n").expect("write");
    std::fs::write(
        dir.join("tilt_extensions/kinds/Tiltfile"),
        "def crd_kinds():\n    k8s_kind('^Widget$', image_json_path='{.spec.image}')\n",
    )
    .expect("write");
    let builds: String = (0..5)
        .map(|i| format!("docker_build('acme/svc-{i}', '.')\n"))
        .collect();
    std::fs::write(
        dir.join("Tiltfile"),
        format!("load('ext://kinds', 'crd_kinds')\ncrd_kinds()\nk8s_yaml('k8s.yaml')\n{builds}"),
    )
    .expect("write");
    let mut runs = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        let out = std::process::Command::new(&exe)
            .args(["check"])
            .current_dir(&dir)
            .output()
            .expect("run");
        runs.push(t.elapsed().as_secs_f64());
        if !out.status.success() {
            println!(
                "check failed on the typical project; whole-process timing skipped:\n{}",
                String::from_utf8_lossy(&out.stdout)
            );
            return;
        }
    }
    runs.sort_by(|a, b| a.total_cmp(b));
    println!(
        "check, whole process (20 objects, 5 images, one extension): median {:.1} ms, max {:.1} ms (target: under 50 ms)",
        runs[runs.len() / 2] * 1e3,
        runs[runs.len() - 1] * 1e3
    );
}

/// PyYAML's C loader (`yaml.CSafeLoader`, libyaml) over the same files, in
/// one Python process, timed inside it (interpreter start excluded): the
/// parser most YAML tooling in this space is built on. `None` without it.
fn pyyaml_c(files: &[PathBuf]) -> Option<f64> {
    let list = std::env::temp_dir().join("tilt-img-bench-files.txt");
    let text: String = files.iter().map(|f| format!("{}\n", f.display())).collect();
    std::fs::write(&list, text).ok()?;
    let script = r#"
import sys, time, yaml
paths = open(sys.argv[1]).read().splitlines()
best = None
for _ in range(3):
    t = time.perf_counter()
    for p in paths:
        try:
            with open(p, 'rb') as f:
                for _ in yaml.load_all(f.read(), Loader=yaml.CSafeLoader):
                    pass
        except Exception:
            pass
    s = time.perf_counter() - t
    best = s if best is None else min(best, s)
print(best)
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(&list)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

/// The release binary, when built.
fn release_binary() -> Option<PathBuf> {
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let exe = target_dir.join("release/tilt-img");
    exe.is_file().then_some(exe)
}

/// Runs a command to its end; returns wall seconds and peak RSS in MiB (from
/// GNU time's `%M`; `None` without `/usr/bin/time`).
fn timed_process(args: &[&std::ffi::OsStr]) -> (f64, Option<f64>) {
    let gnu_time = Path::new("/usr/bin/time");
    let t = Instant::now();
    if gnu_time.is_file() {
        let out = std::process::Command::new(gnu_time)
            .args(["-f", "%M"])
            .args(args)
            .stdout(std::process::Stdio::null())
            .output()
            .expect("run");
        let s = t.elapsed().as_secs_f64();
        let err = String::from_utf8_lossy(&out.stderr);
        let kib: Option<f64> = err.lines().last().and_then(|l| l.trim().parse().ok());
        (s, kib.map(|k| k / 1024.0))
    } else {
        let _ = std::process::Command::new(args[0])
            .args(&args[1..])
            .stdout(std::process::Stdio::null())
            .status();
        (t.elapsed().as_secs_f64(), None)
    }
}

/// `--format tiltfile` (lines proven in the embedded loader) and JSON against
/// the text report, in process, best of three each.
fn measure_formats(title: &str, root: &Path) {
    use tilt_img_core::render;
    let paths = [root.to_path_buf()];
    println!("\n{title}: output formats (in process, best of 3)");
    let text = best_of("text", || {
        let out = scan(&paths, &ScanOptions::default());
        std::hint::black_box(render::text::render(&out.report).len());
    });
    let json = best_of("json", || {
        let out = scan(&paths, &ScanOptions::default());
        std::hint::black_box(render::json::render(&out.report).len());
    });
    let tiltfile = best_of("tiltfile (proven)", || {
        let opts = ScanOptions {
            validate: true,
            ..Default::default()
        };
        let out = scan(&paths, &opts);
        std::hint::black_box(render::tiltfile::render(&out.report).len());
    });
    println!(
        "  tiltfile / text: {:.2}x (target: at most 1.5x: {}); json / text: {:.2}x",
        tiltfile / text,
        if tiltfile / text <= 1.5 {
            "met"
        } else {
            "NOT met"
        },
        json / text
    );
}

/// 48,000 custom resources of 20 kinds in 4,000 files, with their CRDs: the
/// case where proving generated lines used to be super-linear.
fn generate_many_crs(dir: &Path) {
    let stamp = dir.join(STAMP_FILE);
    let want = format!("many-crs v{GENERATOR_VERSION}");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(want.as_str()) {
        return;
    }
    if dir.exists() && !stamp.exists() {
        panic!(
            "{} exists and was not generated by this bench",
            dir.display()
        );
    }
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir.join("crds")).expect("mkdir");
    for k in 0..20 {
        let crd = format!(
            "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {{name: widget{k}s.team{k}.example.com}}\nspec:\n  group: team{k}.example.com\n  names: {{kind: Widget{k}, plural: widget{k}s}}\n  scope: Namespaced\n  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema:\n        type: object\n        properties:\n          spec:\n            type: object\n            properties:\n              image: {{type: string}}\n              sidecar:\n                type: object\n                properties:\n                  repository: {{type: string}}\n                  tag: {{type: string}}\n"
        );
        std::fs::write(dir.join(format!("crds/k{k}.yaml")), crd).expect("write");
    }
    let mut n = 0;
    for f in 0..4_000 {
        let sub = dir.join(format!("d{}", f % 40));
        std::fs::create_dir_all(&sub).expect("mkdir");
        let docs: Vec<String> = (0..12)
            .map(|_| {
                let k = n % 20;
                let doc = format!(
                    "apiVersion: team{k}.example.com/v1\nkind: Widget{k}\nmetadata: {{name: w{n}}}\nspec:\n  image: acme/app-{}:v{}\n  sidecar: {{repository: acme/side-{}, tag: \"1.{}\"}}\n",
                    n % 500,
                    n % 7,
                    n % 300,
                    n % 9
                );
                n += 1;
                doc
            })
            .collect();
        std::fs::write(sub.join(format!("f{f}.yaml")), docs.join("---\n")).expect("write");
    }
    std::fs::write(stamp, want).expect("stamp");
}

/// Peak RSS of the binary's scan on the tree and on a tree four times as
/// large (the streaming scan keeps only per-kind facts and the report).
fn measure_rss(one: &Path, files: usize) {
    let Some(exe) = release_binary() else {
        println!("\n(build the release binary with `cargo build --release` to measure peak RSS)");
        return;
    };
    let four = one.with_file_name(format!(
        "{}-4x",
        one.file_name().unwrap_or_default().to_string_lossy()
    ));
    generate(&four, files * 4);
    println!("\npeak RSS of `tilt-img scan` (whole process, text report)");
    let mut rss = Vec::new();
    for (label, dir) in [("1x", one), ("4x", four.as_path())] {
        let (s, mib) = timed_process(&[exe.as_os_str(), "scan".as_ref(), dir.as_os_str()]);
        match mib {
            Some(m) => println!("  {label} tree: {s:.2} s, peak RSS {m:.0} MiB"),
            None => println!("  {label} tree: {s:.2} s (no /usr/bin/time: RSS unknown)"),
        }
        rss.push(mib);
    }
    if let [Some(a), Some(b)] = rss[..] {
        println!(
            "  4x / 1x peak RSS: {:.2}x (target: at most 1.6x: {})",
            b / a,
            if b / a <= 1.6 { "met" } else { "NOT met" }
        );
    }
}

/// `TILT_IMG_BENCH_MONOREPO=1`: a ~2 GB generated monorepo (100,000 files,
/// not committed; generated once into the temp dir), scanned by the binary
/// on all cores.
fn measure_monorepo() {
    if std::env::var_os("TILT_IMG_BENCH_MONOREPO").is_none() {
        println!("\n(set TILT_IMG_BENCH_MONOREPO=1 for the 2 GB monorepo run)");
        return;
    }
    let Some(exe) = release_binary() else {
        println!("\n(build the release binary for the monorepo run)");
        return;
    };
    let dir = std::env::temp_dir().join("tilt-img-bench-monorepo");
    generate(&dir, 100_000);
    let bytes: u64 = walk_bytes(&dir);
    let (s, mib) = timed_process(&[exe.as_os_str(), "scan".as_ref(), dir.as_os_str()]);
    let gb = bytes as f64 / 1e9;
    println!(
        "\nmonorepo: {gb:.2} GB in {s:.1} s ({:.0} MB/s), peak RSS {} (targets: under 60 s: {}, under 1 GiB: {})",
        gb * 1e3 / s,
        mib.map_or("unknown".into(), |m| format!("{m:.0} MiB")),
        if s < 60.0 { "met" } else { "NOT met" },
        match mib {
            Some(m) if m < 1024.0 => "met",
            Some(_) => "NOT met",
            None => "unknown",
        }
    );
}

fn walk_bytes(dir: &Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let Ok(m) = e.metadata() else { continue };
            if m.is_dir() {
                stack.push(e.path());
            } else {
                total += m.len();
            }
        }
    }
    total
}

/// `TILT_IMG_REAL_TILT=PATH` (a real Tilt binary): `check` against the real
/// loader (`tilt alpha tiltfile-result`) on every oracle case, as whole
/// processes.
fn measure_check_vs_real_tilt() {
    let Some(tilt) = std::env::var_os("TILT_IMG_REAL_TILT") else {
        println!("\n(set TILT_IMG_REAL_TILT to a real Tilt binary to time check against it)");
        return;
    };
    let Some(exe) = release_binary() else {
        return;
    };
    let cases = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/oracle/cases");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&cases)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("Tiltfile").is_file())
        .collect();
    dirs.sort();
    let (mut ours, mut real) = (Vec::new(), Vec::new());
    for d in &dirs {
        let t = Instant::now();
        let _ = std::process::Command::new(&exe)
            .arg("check")
            .current_dir(d)
            .output();
        ours.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let _ = std::process::Command::new(&tilt)
            .args(["alpha", "tiltfile-result", "-f", "Tiltfile"])
            .env("KUBECONFIG", "/nonexistent")
            .env("TILT_DISABLE_ANALYTICS", "1")
            .current_dir(d)
            .output();
        real.push(t.elapsed().as_secs_f64());
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (o, r) = (median(&mut ours), median(&mut real));
    let (so, sr): (f64, f64) = (ours.iter().sum(), real.iter().sum());
    println!(
        "\ncheck vs the real loader, {} oracle cases, whole processes: median {:.1} ms vs {:.1} ms ({:.1}x faster); total {:.2} s vs {:.2} s",
        dirs.len(),
        o * 1e3,
        r * 1e3,
        r / o,
        so,
        sr
    );
}

fn main() {
    let files: usize = std::env::var("TILT_IMG_BENCH_FILES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let dir = std::env::var_os("TILT_IMG_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("tilt-img-bench-scan"));
    println!(
        "nproc (available parallelism): {}, rayon threads: {}",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        rayon::current_num_threads()
    );
    generate(&dir, files);
    measure("generated tree", &dir);
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if corpus.is_dir() {
        measure("../shared/corpus", &corpus);
    } else {
        println!("\n../shared/corpus not found; skipped");
    }
    measure_formats("generated tree", &dir);
    let many = dir.with_file_name("tilt-img-bench-48000-crs");
    generate_many_crs(&many);
    measure_formats("48,000 custom resources in 4,000 files", &many);
    measure_rss(&dir, files);
    measure_check();
    measure_check_vs_real_tilt();
    measure_doctor(&dir);
    measure_monorepo();
}

/// `doctor` reads every file in full (it also collects the images manifests
/// pull), so on a manifest tree it costs about a parse; on the registry
/// examples it is instant.
fn measure_doctor(tree: &Path) {
    let opts = tilt_img_core::doctor::DoctorOptions::default();
    let mut best = f64::MAX;
    let mut findings = 0;
    for _ in 0..3 {
        let t = Instant::now();
        let r = tilt_img_core::doctor::run(&[tree.to_path_buf()], &opts);
        best = best.min(t.elapsed().as_secs_f64());
        findings = r.findings.len();
    }
    println!("\ndoctor, generated tree: best of 3 {best:.3} s ({findings} findings)");
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/k3d-http-registry");
    let mut times: Vec<f64> = (0..20)
        .map(|_| {
            let t = Instant::now();
            let _ = tilt_img_core::doctor::run(std::slice::from_ref(&example), &opts);
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    println!(
        "doctor, examples/k3d-http-registry in process: median {:.1} ms, max {:.1} ms",
        times[times.len() / 2],
        times[times.len() - 1]
    );
}
