//! `cargo bench --bench scan`: throughput of `scan` against a bare YAML
//! parse of the same files, on a generated tree (~10,000 manifests,
//! ~200 MB) and on ../shared/corpus. Prints figures; asserts nothing.
//!
//! Environment: TILT_IMG_BENCH_FILES (default 10000), TILT_IMG_BENCH_DIR
//! (default: a folder in the system temp dir, reused between runs).

use rayon::prelude::*;

// The same allocator as the binary, so the figures are the tool's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::path::{Path, PathBuf};
use std::time::Instant;
use tilt_img::scan::{ScanOptions, scan};

/// A small deterministic generator (no rand crate needed).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn pick(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const KINDS: usize = 20;

fn crd(i: usize) -> String {
    format!(
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets{i}.team{i}.example.com\nspec:\n  group: team{i}.example.com\n  names: {{kind: Widget{i}, plural: widgets{i}}}\n  scope: Namespaced\n  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema:\n        type: object\n        properties:\n          spec:\n            type: object\n            properties:\n              image: {{type: string, description: The container image to run.}}\n              exporter:\n                type: object\n                properties:\n                  repository: {{type: string}}\n                  tag: {{type: string}}\n              template:\n                type: object\n                properties:\n                  spec:\n                    type: object\n                    properties:\n                      containers:\n                        type: array\n                        items:\n                          type: object\n                          properties:\n                            name: {{type: string}}\n                            image: {{type: string}}\n                            imagePullPolicy: {{type: string}}\n"
    )
}

fn deployment(r: &mut Lcg, n: usize) -> String {
    let env: String = (0..20)
        .map(|k| {
            format!(
                "        - name: VAR_{k}\n          value: \"value-{}\"\n",
                r.next()
            )
        })
        .collect();
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-{n}\n  labels: {{app: app-{n}}}\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {{app: app-{n}}}\n  template:\n    metadata:\n      labels: {{app: app-{n}}}\n    spec:\n      initContainers:\n      - name: init\n        image: busybox:1.36\n      containers:\n      - name: main\n        image: registry.example.com/team/app-{n}:{}\n        resources: {{limits: {{cpu: 500m, memory: 256Mi}}}}\n        readinessProbe:\n          httpGet: {{path: /healthz, port: 8080}}\n        env:\n{env}",
        r.next()
    )
}

fn config_map(r: &mut Lcg, n: usize) -> String {
    let data: String = (0..60)
        .map(|k| format!("  key{k}: \"{:x}{:x}{:x}\"\n", r.next(), r.next(), r.next()))
        .collect();
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg-{n}\ndata:\n{data}")
}

fn custom(r: &mut Lcg, n: usize) -> String {
    let k = r.pick(KINDS as u64) as usize;
    format!(
        "apiVersion: team{k}.example.com/v1\nkind: Widget{k}\nmetadata:\n  name: w-{n}\nspec:\n  image: acme/widget-{n}:1\n  exporter: {{repository: acme/exporter, tag: \"{}\"}}\n  template:\n    spec:\n      containers:\n      - name: side\n        image: acme/side:2\n",
        r.pick(100)
    )
}

fn generate(dir: &Path, files: usize) {
    let marker = dir.join(format!(".generated-{files}"));
    if marker.exists() {
        return;
    }
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).expect("create bench dir");
    let mut r = Lcg(42);
    for i in 0..KINDS {
        std::fs::write(dir.join(format!("crd-{i}.yaml")), crd(i)).expect("write");
    }
    for n in 0..files {
        let sub = dir.join(format!("team{}", n % 50));
        std::fs::create_dir_all(&sub).expect("mkdir");
        let mut docs = vec![
            deployment(&mut r, n),
            config_map(&mut r, n),
            custom(&mut r, n),
        ];
        for _ in 0..8 {
            docs.push(config_map(&mut r, n));
        }
        if n % 10 == 0 {
            // Some JSON too: one object per file.
            let obj = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": format!("j-{n}")}, "data": {"k": "v".repeat(18_000)}});
            std::fs::write(sub.join(format!("obj-{n}.json")), obj.to_string()).expect("write");
        } else {
            std::fs::write(sub.join(format!("m-{n}.yaml")), docs.join("---\n")).expect("write");
        }
    }
    std::fs::write(marker, "").expect("marker");
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in ignore::WalkBuilder::new(dir)
        .standard_filters(false)
        .build()
        .flatten()
    {
        let p = e.path();
        if p.is_file()
            && p.extension()
                .is_some_and(|x| x == "yaml" || x == "yml" || x == "json")
        {
            out.push(p.to_path_buf());
        }
    }
    out
}

fn bare_parse(path: &Path) -> usize {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut p = saphyr_parser::Parser::new_from_str(&text);
    let mut events = 0;
    while let Some(Ok(_)) = p.next_event() {
        events += 1;
    }
    events
}

fn best_of<F: FnMut()>(label: &str, mut f: F) -> f64 {
    let mut best = f64::MAX;
    for run in 1..=3 {
        let t = Instant::now();
        f();
        let s = t.elapsed().as_secs_f64();
        println!("  {label:<28} run {run}: {s:.3} s");
        best = best.min(s);
    }
    best
}

fn measure(title: &str, dir: &Path) {
    let files = files_under(dir);
    let bytes: u64 = files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    let mb = bytes as f64 / 1e6;
    println!(
        "\n{title}: {} files, {mb:.1} MB, {} threads",
        files.len(),
        rayon::current_num_threads()
    );
    let single = best_of("bare parse, 1 thread", || {
        std::hint::black_box(files.iter().map(|f| bare_parse(f)).sum::<usize>());
    });
    let parallel = best_of("bare parse, all cores", || {
        std::hint::black_box(files.par_iter().map(|f| bare_parse(f)).sum::<usize>());
    });
    let full = best_of("tilt-img scan", || {
        std::hint::black_box(
            scan(&[dir.to_path_buf()], &ScanOptions::default())
                .report
                .kinds
                .len(),
        );
    });
    let n = files.len() as f64;
    println!(
        "  {:<28} {:>8} {:>10} {:>10}",
        "", "seconds", "MB/s", "files/s"
    );
    for (label, s) in [
        ("bare parse, 1 thread", single),
        ("bare parse, all cores", parallel),
        ("tilt-img scan", full),
    ] {
        println!("  {label:<28} {s:>8.3} {:>10.1} {:>10.0}", mb / s, n / s);
    }
    println!("  scan / bare parse (all cores): {:.2}x", full / parallel);
    println!("  scan / bare parse (1 thread):  {:.2}x", full / single);
}

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
    let opts = tilt_img::check::CheckOptions::default();
    let mut times = Vec::new();
    for d in &dirs {
        let t = Instant::now();
        for _ in 0..5 {
            std::hint::black_box(tilt_img::check::check(&d.join("Tiltfile"), &opts).loaded());
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
    let exe = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/tilt-img");
    if !exe.is_file() {
        println!(
            "(build the release binary with `cargo build --release` to time check as a whole process)"
        );
        return;
    }
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
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    runs.sort_by(|a, b| a.total_cmp(b));
    println!(
        "check, whole process (20 objects, 5 images, one extension): median {:.1} ms, max {:.1} ms (target: under 50 ms)",
        runs[runs.len() / 2] * 1e3,
        runs[runs.len() - 1] * 1e3
    );
}

fn main() {
    let files: usize = std::env::var("TILT_IMG_BENCH_FILES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let dir = std::env::var("TILT_IMG_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| std::env::temp_dir().join("tilt-img-bench"));
    println!(
        "generating {files} manifest files in {} (reused when present)…",
        dir.display()
    );
    generate(&dir, files);
    measure("generated tree", &dir);
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if corpus.is_dir() {
        measure("../shared/corpus", &corpus);
    } else {
        println!("\n../shared/corpus not found; skipped");
    }
    measure_check();
}
