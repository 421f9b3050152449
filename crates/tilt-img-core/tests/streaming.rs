//! The streaming scan (objects reduced to the facts inference reads, trees
//! dropped file by file) reports exactly what a scan of whole objects
//! reports: on the labelled corpus, on the examples, and on fields that
//! only a schema description names (read again whole).

use std::fs;
use std::path::{Path, PathBuf};
use tempfile::TempDir;
use tilt_img_core::render;
use tilt_img_core::scan::{ScanOptions, scan};

fn both(paths: &[PathBuf], validate: bool) -> (String, String) {
    let run = |whole_objects| {
        let opts = ScanOptions {
            whole_objects,
            validate,
            ..Default::default()
        };
        let out = scan(paths, &opts);
        format!(
            "{}\n{}",
            render::json::render(&out.report),
            render::tiltfile::render(&out.report)
        )
    };
    (run(false), run(true))
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn corpus_and_examples_report_the_same_streamed_or_whole() {
    let mut dirs: Vec<PathBuf> = fs::read_dir(root().join("examples"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    let corpus = root().join("../shared/corpus");
    if corpus.is_dir() {
        dirs.push(corpus);
    }
    dirs.sort();
    for d in dirs {
        let (streamed, whole) = both(std::slice::from_ref(&d), true);
        assert!(
            streamed == whole,
            "{}: the streamed report differs from the whole-object one:\n{}",
            d.display(),
            similar_lines(&streamed, &whole)
        );
    }
}

fn similar_lines(a: &str, b: &str) -> String {
    a.lines()
        .zip(b.lines())
        .enumerate()
        .filter(|(_, (x, y))| x != y)
        .take(5)
        .map(|(i, (x, y))| format!("line {}:\n  streamed: {x}\n  whole:    {y}", i + 1))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `spec.runner` is an image only because the user's config says so: the
/// reduced objects do not hold it (the key does not speak of images), so
/// its objects are read again whole and its images are still found.
#[test]
fn a_field_named_only_by_its_description_is_read_again_whole() {
    let d = TempDir::new().unwrap();
    fs::write(
        d.path().join("crd.yaml"),
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: jobs.acme.io}\nspec:\n  group: acme.io\n  names: {kind: Job, plural: jobs}\n  scope: Namespaced\n  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema:\n        type: object\n        properties:\n          spec:\n            type: object\n            properties:\n              runner: {type: string}\n              script: {type: string}\n",
    )
    .unwrap();
    fs::write(
        d.path().join(".tilt-img.toml"),
        "[[kinds]]\ngroup = \"acme.io\"\nkind = \"Job\"\nfields = [\"spec.runner\"]\n",
    )
    .unwrap();
    // The instances come first in the walk: the CRD is read after them.
    fs::write(
        d.path().join("a-jobs.yaml"),
        "apiVersion: acme.io/v1\nkind: Job\nmetadata: {name: one}\nspec:\n  runner: ghcr.io/acme/runner:1.2\n  script: echo hi\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {k: v}\n",
    )
    .unwrap();
    let (streamed, whole) = both(&[d.path().to_path_buf()], true);
    assert_eq!(streamed, whole);
    assert!(
        streamed.contains("ghcr.io/acme/runner:1.2"),
        "the image at spec.runner is missing:\n{streamed}"
    );
    assert!(streamed.contains("{.spec.runner}") || streamed.contains("@.runner"));
}
