//! Scores inference on `../shared/corpus` (real upstream CRDs and instances,
//! labelled in `truth.json`): precision and recall per shape, look-alikes
//! reported, fields under `status`. Skips with a message when the corpus is
//! not beside the project.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use tilt_img_core::report::{ImageField, KindKey};
use tilt_img_core::scan::{ScanOptions, scan};
use tilt_loader::fieldpath::FieldPath;

fn corpus() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    if p.join("truth.json").is_file() {
        Some(p)
    } else {
        // CI always has ../shared: there a missing one is a failure, not a skip.
        assert!(
            std::env::var_os("CI").is_none(),
            "{} not found; the corpus score needs ../shared beside the project",
            p.display()
        );
        eprintln!(
            "SKIP: {} not found; the corpus score needs ../shared beside the project",
            p.display()
        );
        None
    }
}

/// The scorer's normal form: a whole path, or a split's repo|tag.
fn norm(p: &str) -> String {
    FieldPath::parse(p)
        .map(|f| f.to_string())
        .unwrap_or_else(|_| p.to_string())
        .replace(".*", "[*]")
}

fn truth_field(f: &Value) -> String {
    match f.get("path") {
        Some(p) => norm(p.as_str().unwrap()),
        None => format!(
            "{}|{}",
            norm(f["repo"].as_str().unwrap()),
            f.get("tag")
                .and_then(Value::as_str)
                .map(norm)
                .unwrap_or_default()
        ),
    }
}

fn predicted(f: &ImageField) -> String {
    match f {
        ImageField::Whole(p) => norm(&p.to_string()),
        ImageField::Split(s) => format!(
            "{}|{}",
            norm(&s.part(&s.repo).to_string()),
            s.tag
                .as_ref()
                .map(|t| norm(&s.part(t).to_string()))
                .unwrap_or_default()
        ),
    }
}

#[derive(Default, Clone, Copy)]
struct Score {
    tp: usize,
    fp: usize,
    fn_: usize,
}

impl Score {
    fn precision(&self) -> f64 {
        if self.tp + self.fp == 0 {
            1.0
        } else {
            self.tp as f64 / (self.tp + self.fp) as f64
        }
    }
    fn recall(&self) -> f64 {
        if self.tp + self.fn_ == 0 {
            1.0
        } else {
            self.tp as f64 / (self.tp + self.fn_) as f64
        }
    }
}

struct Result {
    total: Score,
    not_image_hits: Vec<String>,
    status_hits: Vec<String>,
}

fn score(corpus: &Path, no_knowledge: bool) -> Result {
    let truth: Value =
        serde_json::from_str(&std::fs::read_to_string(corpus.join("truth.json")).unwrap()).unwrap();
    let opts = ScanOptions {
        no_knowledge,
        ..Default::default()
    };
    let out = scan(&[corpus.join("crds"), corpus.join("instances")], &opts);
    // Every real upstream file must load: they are what users have.
    let errors: Vec<String> = out
        .report
        .diagnostics
        .iter()
        .filter(|d| d.severity == tilt_img_core::diag::Severity::Error)
        .map(|d| d.to_string())
        .collect();
    assert!(errors.is_empty(), "corpus files failed to load: {errors:?}");
    let by_kind: BTreeMap<KindKey, BTreeSet<String>> = out
        .report
        .kinds
        .iter()
        .map(|k| {
            (
                k.key.clone(),
                k.fields.iter().map(|f| predicted(&f.field)).collect(),
            )
        })
        .collect();

    let mut per_shape: BTreeMap<String, Score> = BTreeMap::new();
    let mut total = Score::default();
    let mut not_image_hits = Vec::new();
    let mut status_hits = Vec::new();
    let mut misses = Vec::new();
    for k in truth["kinds"].as_array().unwrap() {
        let key = KindKey::new(k["group"].as_str().unwrap(), k["kind"].as_str().unwrap());
        let shape = k["shape"].as_str().unwrap().to_string();
        let want: BTreeSet<String> = k["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(truth_field)
            .collect();
        let optional: BTreeSet<String> = k
            .get("optional")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(|p| norm(p.as_str().unwrap())).collect())
            .unwrap_or_default();
        let not_images: BTreeSet<String> = k["not_images"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| norm(p.as_str().unwrap()))
            .collect();
        let got = by_kind.get(&key).cloned().unwrap_or_default();
        let s = per_shape.entry(shape).or_default();
        for g in &got {
            let parts: Vec<&str> = g.split('|').collect();
            if want.contains(g) {
                s.tp += 1;
                total.tp += 1;
            } else if parts.iter().all(|p| optional.contains(*p) || p.is_empty()) {
                // Optional fields are neither rewarded nor penalized.
            } else {
                s.fp += 1;
                total.fp += 1;
                misses.push(format!("  FP {key}: {g}"));
            }
            if parts.iter().any(|p| not_images.contains(*p)) {
                not_image_hits.push(format!("{key}: {g}"));
            }
            if parts
                .iter()
                .any(|p| p.starts_with("status.") || p.contains(".status."))
            {
                status_hits.push(format!("{key}: {g}"));
            }
        }
        for w in want.difference(&got) {
            s.fn_ += 1;
            total.fn_ += 1;
            misses.push(format!("  FN {key}: {w}"));
        }
    }
    let label = if no_knowledge {
        "schema + instances only"
    } else {
        "with knowledge base"
    };
    println!("corpus score ({label}):");
    println!(
        "  {:<8} {:>4} {:>4} {:>4} {:>9} {:>7}",
        "shape", "tp", "fp", "fn", "precision", "recall"
    );
    for (shape, s) in &per_shape {
        println!(
            "  {shape:<8} {:>4} {:>4} {:>4} {:>9.3} {:>7.3}",
            s.tp,
            s.fp,
            s.fn_,
            s.precision(),
            s.recall()
        );
    }
    println!(
        "  {:<8} {:>4} {:>4} {:>4} {:>9.3} {:>7.3}",
        "all",
        total.tp,
        total.fp,
        total.fn_,
        total.precision(),
        total.recall()
    );
    for m in &misses {
        println!("{m}");
    }
    Result {
        total,
        not_image_hits,
        status_hits,
    }
}

#[test]
fn corpus_precision_and_recall_meet_the_bar() {
    let Some(c) = corpus() else { return };
    let r = score(&c, false);
    assert!(
        r.status_hits.is_empty(),
        "fields under status: {:?}",
        r.status_hits
    );
    assert!(
        r.not_image_hits.is_empty(),
        "look-alikes reported: {:?}",
        r.not_image_hits
    );
    assert!(
        r.total.precision() >= 0.97,
        "precision {:.3} < 0.97",
        r.total.precision()
    );
    assert!(
        r.total.recall() >= 0.95,
        "recall {:.3} < 0.95",
        r.total.recall()
    );
}

/// The knowledge base must not carry the score: schema and instance
/// inference alone has to generalize to CRDs nobody wrote an entry for.
#[test]
fn corpus_score_without_knowledge_base() {
    let Some(c) = corpus() else { return };
    let r = score(&c, true);
    assert!(
        r.status_hits.is_empty(),
        "fields under status: {:?}",
        r.status_hits
    );
    assert!(
        r.not_image_hits.is_empty(),
        "look-alikes reported: {:?}",
        r.not_image_hits
    );
    assert!(
        r.total.precision() >= 0.95,
        "precision {:.3} < 0.95",
        r.total.precision()
    );
    assert!(
        r.total.recall() >= 0.93,
        "recall {:.3} < 0.93",
        r.total.recall()
    );
}

/// Every group of the corpus, scanned as a user would with
/// `--format tiltfile`: the generated lines must load in the embedded Tilt
/// loader and find every image the scan reports.
#[test]
fn generated_snippets_load_and_find_every_image() {
    let Some(c) = corpus() else { return };
    let mut groups: Vec<_> = std::fs::read_dir(c.join("instances"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    groups.sort();
    let mut problems = Vec::new();
    for g in &groups {
        let paths = [c.join("crds").join(g), c.join("instances").join(g)];
        let opts = ScanOptions {
            validate: true,
            ..Default::default()
        };
        let out = scan(&paths, &opts);
        problems.extend(
            out.report
                .diagnostics
                .iter()
                .filter(|d| d.message.contains("tilt-img bug"))
                .map(|d| d.message.clone()),
        );
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    println!(
        "validated the generated Tiltfile lines of {} groups",
        groups.len()
    );
}
