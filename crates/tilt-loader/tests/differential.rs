//! Differential cases: Tiltfiles generated to probe one part of Tilt's API
//! (`tests/differential/<group>/<case>/Tiltfile`), each with the real Tilt
//! loader's normalized result recorded beside it (`expected.json`, made by
//! `../shared/tools/real-tilt-result`, a development tool: recording needs
//! real Tilt, checking does not). Groups: `local_resource` (160 cases from
//! `gen_local_resource.py`: names, commands, options, resource_deps, clashes
//! with Kubernetes resources; 160–161 by hand: `dir=None`/`serve_dir=None`) and `syntax` (go.starlark.net's parse errors).
//!
//! One difference is Tilt's own nondeterminism: for a resource with no
//! name Tilt's error goes on with a dump of its manifest struct, a memory
//! address in it (`UpdateCmdSpec:0x…`); only the part before the dump is
//! compared.

use serde_json::Value;
use std::path::{Path, PathBuf};
use tilt_loader::{CheckOptions, check, report};

const NONDETERMINISTIC: &str = "[validate] manifest missing name";

fn cases(group: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/differential")
        .join(group);
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    v
}

/// The error as compared: up to Tilt's struct dump, where it has one.
fn comparable(mut v: Value) -> Value {
    if let Some(e) = v["error"].as_str()
        && let Some(at) = e.find(NONDETERMINISTIC)
    {
        v["error"] = Value::String(e[..at + NONDETERMINISTIC.len()].to_string());
    }
    v
}

fn run_group(group: &str) {
    let cases = cases(group);
    assert!(!cases.is_empty());
    let mut failed = Vec::new();
    for case in &cases {
        let tmp = tempfile::TempDir::new().unwrap();
        let tf = tmp.path().join("Tiltfile");
        std::fs::copy(case.join("Tiltfile"), &tf).unwrap();
        let got = comparable(report::oracle(&check(&tf, &CheckOptions::default())));
        let want: Value =
            serde_json::from_str(&std::fs::read_to_string(case.join("expected.json")).unwrap())
                .unwrap();
        let want = comparable(want);
        if got != want {
            failed.push(format!(
                "--- {}\nwant {want:#}\ngot  {got:#}",
                case.display()
            ));
        }
    }
    eprintln!(
        "{group}: {} of {} cases agree with the real Tilt",
        cases.len() - failed.len(),
        cases.len()
    );
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

#[test]
fn local_resource_cases_match_real_tilt() {
    run_group("local_resource");
}

#[test]
fn syntax_error_cases_match_real_tilt() {
    run_group("syntax");
}
