//! The scale cases of the hostile-input issue, each run on its own thread
//! and bounded by a timeout (a hang or a return of the old super-linear
//! costs fails; speed itself is measured by `cargo bench --bench scan`).
//! Where the suite elsewhere already holds a case, it is named here.
//! - 80,000-key map: `tilt_loader::tree::yaml` unit tests;
//! - alias-heavy documents per file and per run: `registry::sources` and
//!   `load` unit tests, `tests/bad_input.rs`;
//! - a registry that drips a byte at a time: `registry::probe` unit tests;
//! - listdir over a link loop, one step budget across include: the loader's
//!   `tests/hostile.rs`; memory doubling: its `tests/memory.rs`.

use std::fmt::Write as _;
use std::fs;
use std::sync::mpsc;
use std::time::Duration;
use tempfile::TempDir;
use tilt_img_core::render;
use tilt_img_core::scan::{ScanOptions, scan};

/// Runs `f` on its own thread; fails when it takes longer than `limit`.
fn within<T: Send + 'static>(
    what: &str,
    limit: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(limit)
        .unwrap_or_else(|_| panic!("{what} did not finish within {limit:?}"))
}

const LIMIT: Duration = Duration::from_secs(60);

fn proven_lines(dir: &std::path::Path) -> (String, Vec<String>) {
    let opts = ScanOptions {
        validate: true,
        ..Default::default()
    };
    let out = scan(&[dir.to_path_buf()], &opts);
    let bugs = out
        .report
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("tilt-img bug"))
        .map(|d| d.message.clone())
        .collect();
    (render::tiltfile::render(&out.report), bugs)
}

/// 400 image fields in one kind, in an 8 KB file (41 s when every image was
/// compared with every object for every field).
#[test]
fn four_hundred_fields_of_one_kind() {
    let d = TempDir::new().unwrap();
    let mut spec = String::new();
    for i in 0..400 {
        let _ = writeln!(spec, "  c{i}Image: acme/c{i}:1");
    }
    fs::write(
        d.path().join("w.yaml"),
        format!("apiVersion: acme.io/v1\nkind: Wide\nmetadata: {{name: w}}\nspec:\n{spec}"),
    )
    .unwrap();
    let path = d.path().to_path_buf();
    let (lines, bugs) = within("scan --format tiltfile of 400 fields", LIMIT, move || {
        proven_lines(&path)
    });
    assert!(bugs.is_empty(), "{bugs:?}");
    assert!(lines.contains("c399Image"), "{lines}");
}

/// 12,000 custom resources of 20 kinds in 1,000 files, proven (the bench
/// runs 48,000; 170 s there when the proof compared every image with every
/// object).
#[test]
fn twelve_thousand_custom_resources_are_proven() {
    let d = TempDir::new().unwrap();
    for k in 0..20 {
        fs::write(
            d.path().join(format!("crd{k}.yaml")),
            format!(
                "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {{name: w{k}.t{k}.io}}\nspec:\n  group: t{k}.io\n  names: {{kind: W{k}, plural: w{k}s}}\n  scope: Namespaced\n  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema:\n        type: object\n        properties:\n          spec:\n            type: object\n            properties:\n              image: {{type: string}}\n"
            ),
        )
        .unwrap();
    }
    let mut n = 0;
    for f in 0..1_000 {
        let docs: Vec<String> = (0..12)
            .map(|_| {
                let k = n % 20;
                n += 1;
                format!(
                    "apiVersion: t{k}.io/v1\nkind: W{k}\nmetadata: {{name: w{n}}}\nspec: {{image: acme/a{}:1}}\n",
                    n % 700
                )
            })
            .collect();
        fs::write(d.path().join(format!("f{f}.yaml")), docs.join("---\n")).unwrap();
    }
    let path = d.path().to_path_buf();
    let (lines, bugs) = within("scan --format tiltfile of 12,000 CRs", LIMIT, move || {
        proven_lines(&path)
    });
    assert!(bugs.is_empty(), "{bugs:?}");
    assert_eq!(lines.matches("\nk8s_kind(").count(), 20, "{lines}");
}

/// `check` with 10,000 distinct images, each built (10 s when matching was
/// quadratic in image names; real Tilt 17 s for this Tiltfile).
#[test]
fn check_with_ten_thousand_distinct_built_images() {
    let d = TempDir::new().unwrap();
    let docs: Vec<String> = (0..10_000)
        .map(|i| {
            format!(
                "apiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}}}\nspec:\n  containers: [{{name: c, image: acme/img-{i}:1}}]\n"
            )
        })
        .collect();
    fs::write(d.path().join("k8s.yaml"), docs.join("---\n")).unwrap();
    fs::write(d.path().join("Dockerfile"), "FROM scratch\n").unwrap();
    fs::write(
        d.path().join("Tiltfile"),
        "k8s_yaml('k8s.yaml')\nfor i in range(10000):\n    docker_build('acme/img-%d' % i, '.')\n",
    )
    .unwrap();
    let tiltfile = d.path().join("Tiltfile");
    let r = within("check of 10,000 built images", LIMIT, move || {
        let r = tilt_loader::check(&tiltfile, &tilt_loader::CheckOptions::default());
        (
            r.error.clone(),
            r.assembly.map(|a| a.attached_images().len()),
        )
    });
    assert_eq!(r, (None, Some(10_000)));
}
