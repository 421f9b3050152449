//! Every case of `../shared/oracle` (Tiltfiles with the real Tilt loader's
//! normalized result): `check --format oracle` must reproduce
//! `expected.json`. Cases run in a copy of their directory, without the
//! expected files, as the oracle README prescribes.

use serde_json::Value;
use std::path::{Path, PathBuf};
use tilt_img::check::{CheckOptions, check, context::Sandbox, report};

fn cases() -> Option<Vec<PathBuf>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/oracle/cases");
    if !dir.is_dir() {
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

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let name = e.file_name();
        if name == "expected.json" || name == "raw.stderr" || name == "deploy.json" {
            continue;
        }
        let (src, dst) = (e.path(), to.join(&name));
        if src.is_dir() {
            copy_dir(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

fn run_case(case: &Path) -> (Value, Value) {
    let tmp = tempfile::TempDir::new().unwrap();
    let dir = tmp.path().join(case.file_name().unwrap());
    copy_dir(case, &dir);
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
    let got = report::oracle(&check(&tiltfile, &opts));
    let want: Value =
        serde_json::from_str(&std::fs::read_to_string(case.join("expected.json")).unwrap())
            .unwrap();
    (got, want)
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
