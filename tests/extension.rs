//! The Tilt extension under tilt_extensions/tilt_img, loaded by
//! `tilt-img check` (which answers `local('tilt-img …')` in-process): on
//! every example it must leave no build undeployed and no Tilt warning.

mod common;
use common::copy_dir;

use assert_cmd::Command;
use predicates::prelude::*;
use std::fs;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The example's own Tiltfile with its k8s_yaml(...) replaced by the extension.
fn with_extension(tiltfile: &str) -> String {
    let repo = root().join("tilt_extensions");
    let mut out = format!(
        "v1alpha1.extension_repo(name='tilt-img', url='file://{}', load_host='tilt-img')\nload('ext://tilt-img/tilt_img', 'tilt_img_yaml')\n",
        repo.display()
    );
    for line in tiltfile.lines() {
        match line.strip_prefix("k8s_yaml(") {
            Some(rest) => out.push_str(&format!("tilt_img_yaml({rest}\n")),
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

#[test]
fn every_example_loads_with_every_build_deployed() {
    let mut names: Vec<_> = fs::read_dir(root().join("examples"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    names.sort();
    for name in names {
        let d = tempfile::TempDir::new().unwrap();
        copy_dir(&root().join("examples").join(&name), d.path());
        let tf = d.path().join("Tiltfile");
        fs::write(&tf, with_extension(&fs::read_to_string(&tf).unwrap())).unwrap();
        Command::cargo_bin("tilt-img")
            .unwrap()
            .args(["check", "--warnings-as-errors"])
            .arg(&tf)
            .assert()
            .code(0)
            .stdout(predicate::str::contains("every build is deployed"));
    }
}

#[test]
fn the_extension_test_script_passes() {
    let bin = assert_cmd::cargo::cargo_bin("tilt-img");
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    std::process::Command::new("bash")
        .arg(root().join("tilt_extensions/tilt_img/test/test.sh"))
        .env("PATH", path)
        .env_remove("TILT_IMG_USE_TILT")
        .status()
        .map(|s| assert!(s.success(), "test.sh failed"))
        .unwrap();
}

#[test]
fn http_registry_build_deploys_exactly_what_its_script_pushes() {
    let d = tempfile::TempDir::new().unwrap();
    copy_dir(&root().join("examples/kafka-connect"), d.path());
    let repo = root().join("tilt_extensions");
    let tf = d.path().join("Tiltfile");
    fs::write(
        &tf,
        format!(
            "v1alpha1.extension_repo(name='tilt-img', url='file://{}', load_host='tilt-img')\nload('ext://tilt-img/tilt_img', 'tilt_img_yaml', 'tilt_img_http_registry_build')\ndefault_registry('localhost:5000', host_from_cluster='registry:5000')\ntilt_img_yaml(['k8s/crds.yaml', 'k8s/connect.yaml', 'k8s/api.yaml'])\ntilt_img_http_registry_build('orders-connect', 'connect')\ndocker_build('orders-api', 'api')\n",
            repo.display()
        ),
    )
    .unwrap();
    let (v, code) = common::check_json(&tf, &[]);
    assert_eq!(code, Some(0), "{v:#}");
    let img = common::deployed_image(&v, "orders-connect");
    assert_eq!(img["pushed_by"], "script");
    assert_eq!(
        img["expected_ref"],
        "localhost:5000/orders-connect:tilt-build-<unix-time>"
    );
    assert_eq!(
        img["deploy_ref"], "registry:5000/orders-connect:tilt-build-<unix-time>",
        "same tag the script pushed, under the cluster's name for the registry"
    );
    let injected = v["deploy"]["injected"].as_array().unwrap();
    assert!(
        injected
            .iter()
            .any(|i| i["object"] == "KafkaConnect/orders-connect" && i["path"] == "spec.image"),
        "{injected:?}"
    );
}

/// `dir`'s Tiltfile with each `docker_build(ref, ctx)` turned into
/// `tilt_img_http_registry_build(ref, ctx, <kwargs>)` and the kinds declared
/// by the extension; then `check --format json` of it.
fn check_with_extension_builds(dir: &std::path::Path, kwargs: &str) -> serde_json::Value {
    let tf = dir.join("Tiltfile");
    let body: String = fs::read_to_string(&tf)
        .unwrap()
        .lines()
        .map(|l| match l.strip_prefix("docker_build(") {
            Some(rest) => format!(
                "tilt_img_http_registry_build({}, {kwargs})\n",
                rest.trim_end_matches(')')
            ),
            None => format!("{l}\n"),
        })
        .collect();
    fs::write(
        &tf,
        format!(
            "v1alpha1.extension_repo(name='tilt-img', url='file://{}', load_host='tilt-img')\nload('ext://tilt-img/tilt_img', 'tilt_img_kinds', 'tilt_img_http_registry_build')\n{body}tilt_img_kinds(['k8s'])\n",
            root().join("tilt_extensions").display()
        ),
    )
    .unwrap();
    let (check, code) = common::check_json(&tf, &["--warnings-as-errors"]);
    assert_eq!(code, Some(0), "{check:#}");
    check
}

fn scan_json(dir: &std::path::Path, extra: &[&str]) -> serde_json::Value {
    let out = Command::cargo_bin("tilt-img")
        .unwrap()
        .args(["scan", "--format", "json"])
        .args(extra)
        .arg(dir)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Every build the scan planned runs, through the extension, the same command.
fn assert_same_commands(scan: &serde_json::Value, check: &serde_json::Value, what: &str) {
    let builds = scan["registry"]["builds"].as_array().unwrap();
    assert!(!builds.is_empty(), "{scan:#}");
    for b in builds {
        let img = check["images"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["ref"] == b["ref"])
            .unwrap_or_else(|| panic!("{} not built: {check:#}", b["ref"]));
        assert_eq!(img["command"][2], b["command"], "{what}");
        assert_eq!(img["disable_push"], true);
        assert_eq!(img["skips_local_docker"], true);
    }
    let deployed = check["deploy"]["images"].as_array().unwrap();
    assert!(
        deployed.iter().all(|i| i["pushed_by"] == "script"),
        "{deployed:?}"
    );
}

/// The extension's HTTP build runs the same command that `scan --format
/// tiltfile` writes, for both push tools and both routes (registry address,
/// docker.io mirror), so the end-to-end push tests (tests/registry.rs) cover
/// the extension too.
#[test]
fn http_registry_build_matches_what_scan_generates() {
    let example = root().join("examples/k3d-http-registry");
    for push_with in ["skopeo", "buildx"] {
        let scan = scan_json(&example, &["--push-with", push_with]);
        let d = tempfile::TempDir::new().unwrap();
        copy_dir(&example, d.path());
        let check = check_with_extension_builds(d.path(), &format!("push_with='{push_with}'"));
        assert_same_commands(&scan, &check, push_with);
    }

    // The mirror route: bare names, pushed under <mirror_host>/library/.
    let d = tempfile::TempDir::new().unwrap();
    copy_dir(&root().join("examples/kafka-connect"), d.path());
    fs::write(
        d.path().join("k3d.yaml"),
        "apiVersion: k3d.io/v1alpha5\nkind: Simple\nregistries:\n  create:\n    name: k3d-registry.localhost\n    hostPort: \"5000\"\n  config: |\n    mirrors:\n      \"docker.io\":\n        endpoint:\n          - http://k3d-registry.localhost:5000\n",
    )
    .unwrap();
    let scan = scan_json(d.path(), &[]);
    assert_eq!(scan["registry"]["mode"], "mirror", "{scan:#}");
    let mirror_host = scan["registry"]["push_host"].as_str().unwrap().to_string();
    let check = check_with_extension_builds(d.path(), &format!("mirror_host='{mirror_host}'"));
    assert_same_commands(&scan, &check, "mirror route");
}

/// The README's extension example, taken from the README itself, on the
/// Strimzi example with the extension copied beside it.
#[test]
fn the_readme_example_works() {
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    let section = readme
        .split("## From a Tiltfile")
        .nth(1)
        .expect("README has the extension section");
    let code = section
        .split("```python\n")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .expect("a python block");
    let d = tempfile::TempDir::new().unwrap();
    copy_dir(&root().join("examples/kafka-connect"), d.path());
    copy_dir(
        &root().join("tilt_extensions"),
        &d.path().join("tilt_extensions"),
    );
    fs::write(d.path().join("Tiltfile"), code).unwrap();
    Command::cargo_bin("tilt-img")
        .unwrap()
        .args(["check", "--warnings-as-errors"])
        .arg(d.path().join("Tiltfile"))
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "orders-connect: KafkaConnect/orders-connect",
        ));
}

/// A Starlark string literal for `s` (double-quoted; `\` and `"` escaped).
fn starlark_literal(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A checkout whose path has a space, a quote and a `;` (tilt-extensions'
/// own CI checks out into `~/tilt extensions`): every path the extension
/// passes to the shell is one word, so the kinds are declared, the builds
/// are deployed, and nothing in the path runs as a command.
#[test]
fn the_extension_works_from_a_path_with_spaces_and_quotes() {
    let tmp = tempfile::TempDir::new().unwrap();
    let base = tmp.path().join("it's a dir; touch pwned");
    let proj = base.join("my project");
    copy_dir(&root().join("examples/kafka-connect"), &proj);
    fs::rename(proj.join("k8s"), proj.join("my k8s;x")).unwrap();
    let ext = base.join("tilt extensions");
    copy_dir(&root().join("tilt_extensions"), &ext);
    let crds = proj.join("my k8s;x/crds.yaml");
    fs::write(
        proj.join("Tiltfile"),
        format!(
            "v1alpha1.extension_repo(name='tilt-img', url={}, load_host='tilt-img')\nload('ext://tilt-img/tilt_img', 'tilt_img_yaml')\ntilt_img_yaml([{}, \"my k8s;x/connect.yaml\", \"my k8s;x/api.yaml\"])\ndocker_build('orders-connect', 'connect')\ndocker_build('orders-api', 'api')\n",
            starlark_literal(&format!("file://{}", ext.display())),
            starlark_literal(&crds.display().to_string()),
        ),
    )
    .unwrap();
    let tf = proj.join("Tiltfile");
    let (v, code) = common::check_json(
        &tf,
        &["--warnings-as-errors", "--allow-read"]
            .iter()
            .copied()
            .chain([base.to_str().unwrap()])
            .collect::<Vec<_>>(),
    );
    assert_eq!(code, Some(0), "{v:#}");
    let resources = v["resources"].as_array().unwrap();
    assert!(
        resources
            .iter()
            .any(|r| r["objects"][0] == "KafkaConnect/orders-connect"),
        "{v:#}"
    );
    let scan = v["output"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|l| l.as_str().filter(|l| l.starts_with("local: tilt-img scan")))
        .unwrap()
        .to_string();
    let words = shlex::split(scan.trim_start_matches("local: ")).unwrap();
    assert!(
        words.contains(&crds.display().to_string()),
        "one word: {scan}"
    );
    assert!(
        words.contains(&"my k8s;x/connect.yaml".to_string()),
        "{scan}"
    );
    assert!(!base.join("pwned").exists() && !proj.join("pwned").exists());

    // The README's snippet, from the same kind of path, through a real
    // shell: `--allow-exec` runs the extension's commands for real.
    fs::rename(&ext, proj.join("tilt_extensions")).unwrap();
    fs::rename(proj.join("my k8s;x"), proj.join("k8s")).unwrap();
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    let code = readme
        .split("## From a Tiltfile")
        .nth(1)
        .and_then(|s| s.split("```python\n").nth(1))
        .and_then(|s| s.split("```").next())
        .unwrap();
    fs::write(&tf, code).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("tilt-img");
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::cargo_bin("tilt-img")
        .unwrap()
        .args([
            "check",
            "--allow-exec",
            "--warnings-as-errors",
            "--format",
            "json",
        ])
        .arg(&tf)
        .env("PATH", path)
        .current_dir(&proj)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{v:#}");
    assert!(
        v["resources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["objects"][0] == "KafkaConnect/orders-connect"),
        "{v:#}"
    );
    assert!(!base.join("pwned").exists() && !proj.join("pwned").exists());
}

/// The HTTP-registry build's command quotes the context and Dockerfile of
/// a build whose directory has a space and a quote, exactly as scan does.
#[test]
fn http_registry_build_quotes_paths_as_scan_does() {
    let d = tempfile::TempDir::new().unwrap();
    copy_dir(&root().join("examples/k3d-http-registry"), d.path());
    fs::rename(d.path().join("api"), d.path().join("my api's")).unwrap();
    let tf = d.path().join("Tiltfile");
    let text = fs::read_to_string(&tf).unwrap().replace(
        "docker_build('orders-api', 'api')",
        "docker_build('orders-api', \"my api's\")",
    );
    fs::write(&tf, text).unwrap();
    let scan = scan_json(d.path(), &[]);
    let command = scan["registry"]["builds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["ref"] == "orders-api")
        .map(|b| b["command"].as_str().unwrap().to_string())
        .unwrap_or_else(|| panic!("{scan:#}"));
    assert!(command.contains(r#"'my api'"'"'s'"#), "{command}");
    let check = check_with_extension_builds(d.path(), "push_with='skopeo'");
    assert_same_commands(&scan, &check, "quoted paths");
}
