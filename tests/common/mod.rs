//! Helpers shared by the integration tests.

use std::path::Path;

/// Copies a directory tree, leaving out entries named in `skip`.
#[allow(dead_code)] // each test crate uses what it needs
pub fn copy_dir_except(from: &Path, to: &Path, skip: &[&str]) {
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

#[allow(dead_code)]
pub fn copy_dir(from: &Path, to: &Path) {
    copy_dir_except(from, to, &[]);
}

/// `tilt-img check --format json <tiltfile> <extra…>`: the report and the exit code.
#[allow(dead_code)]
pub fn check_json(tiltfile: &Path, extra: &[&str]) -> (serde_json::Value, Option<i32>) {
    let out = assert_cmd::Command::cargo_bin("tilt-img")
        .unwrap()
        .args(["check", "--format", "json"])
        .args(extra)
        .arg(tiltfile)
        .output()
        .unwrap();
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "check printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (v, out.status.code())
}

/// The deploy view of one build in a `check --format json` report.
#[allow(dead_code)]
pub fn deployed_image(check: &serde_json::Value, reference: &str) -> serde_json::Value {
    check["deploy"]["images"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["ref"] == reference)
        .unwrap_or_else(|| panic!("no build {reference} in {check:#}"))
        .clone()
}
