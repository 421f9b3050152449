//! `tilt-img doctor`: every rule fires on its bad fixture and on nothing in
//! its good fixture (tests/doctor/<ID>/{bad,good}), through the binary.

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;
use tilt_img_core::doctor::{RuleId, catalog};

fn tilt_img() -> Command {
    let mut c = Command::cargo_bin("tilt-img").unwrap();
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn doctor_json(dir: &str) -> (Value, i32) {
    let out = tilt_img()
        .args(["doctor", dir, "--format", "json"])
        .output()
        .unwrap();
    let code = out.status.code().unwrap_or(-1);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{dir}: not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (v, code)
}

fn rule_ids(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn every_rule_has_docs_and_fixtures() {
    let ids: Vec<&str> = RuleId::ALL.iter().map(|id| id.as_str()).collect();
    let documented: Vec<&str> = catalog::RULES.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids, documented,
        "RuleId and the rules list the same rules in the same order"
    );
    assert!(
        ids.len() >= 21,
        "REG000 and at least the 20 rules of issue 6"
    );
    for r in catalog::RULES {
        assert!(
            !r.bad.is_empty() && !r.good.is_empty(),
            "{}: bad and good examples",
            r.id
        );
        assert!(!r.sources.is_empty(), "{}: sources", r.id);
        for part in [r.summary, r.what, r.why, r.fix] {
            assert!(part.len() > 10, "{}: docs entry incomplete", r.id);
        }
    }
}

#[test]
fn each_rule_fires_on_its_bad_fixture_only() {
    for r in catalog::RULES {
        let bad = format!("tests/doctor/{}/bad", r.id);
        let good = format!("tests/doctor/{}/good", r.id);
        let (v, code) = doctor_json(&bad);
        let ids = rule_ids(&v);
        assert!(
            !ids.is_empty() && ids.iter().all(|i| i == r.id.as_str()),
            "{bad}: expected only {} findings, got {ids:?}\n{v:#}",
            r.id
        );
        assert_eq!(code, 1, "{bad}: findings exit 1");
        for f in v["findings"].as_array().unwrap() {
            let file = f["file"].as_str().unwrap();
            let line = f["line"].as_u64().unwrap() as usize;
            assert!(file.starts_with(&bad), "{file}");
            let text =
                std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).unwrap();
            assert!(
                line >= 1 && line <= text.lines().count(),
                "{file}:{line} is not a line of the file"
            );
        }
        let (v, code) = doctor_json(&good);
        assert_eq!(
            rule_ids(&v),
            Vec::<String>::new(),
            "{good}: no findings\n{v:#}"
        );
        assert_eq!(code, 0, "{good}: clean exits 0");
    }
}

#[test]
fn findings_point_at_the_offending_line() {
    // Spot checks that the line is the one a human would fix.
    let cases = [
        ("REG001", "registries.yaml", "- \"registry.localhost:5000\""),
        ("REG002", "registries.yaml", "insecure_skip_verify: true"),
        ("REG005", "registries.yaml", "*:"),
        (
            "REG010",
            "certs.d/registry.corp.example/hosts.toml",
            "client = [",
        ),
        ("REG011", "certs.d/docker.io/hosts.toml", "reslove"),
        ("REG012", "config.toml", "registry.mirrors"),
        (
            "REG017",
            "k8s/registry-hosting.yaml",
            "host: \"localhost:5000\"",
        ),
        ("REG019", "k3d.yaml", "- registry.localhost:5000"),
        ("REG018", "Tiltfile", "default_registry("),
    ];
    for (rule, file, needle) in cases {
        let (v, _) = doctor_json(&format!("tests/doctor/{rule}/bad"));
        let path = format!("tests/doctor/{rule}/bad/{file}");
        let text =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(&path)).unwrap();
        let f = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["file"] == path.as_str())
            .unwrap_or_else(|| panic!("{rule}: no finding in {path}: {v:#}"));
        let line = f["line"].as_u64().unwrap() as usize;
        let shown = text.lines().nth(line - 1).unwrap_or("");
        assert!(
            shown.contains(needle),
            "{rule}: {path}:{line} is `{shown}`, expected `{needle}`"
        );
    }
}

#[test]
fn text_report_of_all_bad_fixtures() {
    let mut all = String::new();
    for r in catalog::RULES {
        let out = tilt_img()
            .args(["doctor", &format!("tests/doctor/{}/bad", r.id)])
            .output()
            .unwrap();
        all.push_str(&String::from_utf8(out.stdout).unwrap());
    }
    insta::assert_snapshot!("doctor-bad-fixtures", all);
}

#[test]
fn explain_and_list_rules() {
    let out = tilt_img()
        .args(["doctor", "--explain", "REG002"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    for part in [
        "REG002 skip-verify-is-not-http",
        "Why it breaks:",
        "Bad:",
        "Good:",
        "Fix:",
        "insecure_skip_verify: true",
        "Sources:",
    ] {
        assert!(text.contains(part), "missing {part:?} in:\n{text}");
    }
    let out = tilt_img()
        .args(["doctor", "--explain", "REG999"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--list-rules"));
    let out = tilt_img()
        .args(["doctor", "--list-rules"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().lines().count(),
        catalog::RULES.len()
    );
    let out = tilt_img()
        .args(["doctor", ".", "--ignore", "NOPE"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn rules_reference_is_current() {
    let want = tilt_img_docs();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/doctor-rules.md");
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    if have != want {
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(&path, &want).unwrap();
        } else {
            panic!(
                "docs/doctor-rules.md is stale: run `UPDATE_DOCS=1 cargo test --test doctor rules_reference_is_current`"
            );
        }
    }
}

fn tilt_img_docs() -> String {
    let out = tilt_img()
        .args(["doctor", "--list-rules", "--format", "markdown"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn ignore_skips_a_rule() {
    // By id, in any case, and by name, as --explain takes them.
    for rule in ["REG001", "reg001", "endpoint-without-scheme"] {
        let out = tilt_img()
            .args(["doctor", "tests/doctor/REG001/bad", "--ignore", rule])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "--ignore {rule}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

#[test]
fn bad_files_do_not_stop_the_others() {
    // A broken hosts.toml is reported (REG000) and the other files still checked.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("certs.d/registry.localhost_5000_")).unwrap();
    std::fs::write(
        d.join("certs.d/registry.localhost_5000_/hosts.toml"),
        "server = \n[host.\"x\"\n",
    )
    .unwrap();
    std::fs::write(
        d.join("registries.yaml"),
        "mirrors:\n  \"registry.localhost:5000\":\n    endpoint: [\"registry.localhost:5000\"]\n",
    )
    .unwrap();
    std::fs::write(d.join("daemon.json"), [0xff, 0xfe, 0x00]).unwrap();
    // The walk is scan's: a dangling link is named, not skipped silently.
    std::os::unix::fs::symlink(d.join("nowhere"), d.join("dangling.yaml")).unwrap();
    let (v, code) = doctor_json(d.to_str().unwrap());
    let ids = rule_ids(&v);
    assert!(ids.contains(&"REG000".to_string()), "{v:#}");
    assert!(ids.contains(&"REG001".to_string()), "{v:#}");
    assert!(
        v["diagnostics"].to_string().contains("dangling.yaml"),
        "{v:#}"
    );
    assert_eq!(code, 1);
}

fn write(dir: &Path, name: &str, text: &str) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

#[test]
fn kind_patches_are_read_as_containerd_config_with_their_lines() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "kind.yaml",
        "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\ncontainerdConfigPatches:\n- |-\n  [plugins.\"io.containerd.grpc.v1.cri\".registry]\n    config_path = \"/etc/containerd/certs.d\"\n  [plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"localhost:5001\"]\n    endpoint = [\"http://kind-registry:5000\"]\n",
    );
    let (v, code) = doctor_json(dir.path().to_str().unwrap());
    assert_eq!(code, 1);
    let f = &v["findings"][0];
    assert_eq!(f["rule"], "REG012", "{v:#}");
    assert_eq!(
        f["line"], 7,
        "the line of the legacy mirror table in kind.yaml: {v:#}"
    );
    assert_eq!(v["model"]["mirrors"][0]["registry"], "localhost:5001");
    assert_eq!(
        v["model"]["mirrors"][0]["endpoints"][0],
        "http://kind-registry:5000"
    );

    // kind's current guide: config_path only, hosts.toml written into the node.
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "kind.yaml",
        "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\ncontainerdConfigPatches:\n- |-\n  [plugins.\"io.containerd.grpc.v1.cri\".registry]\n    config_path = \"/etc/containerd/certs.d\"\n",
    );
    write(
        dir.path(),
        "certs.d/localhost_5001_/hosts.toml",
        "[host.\"http://kind-registry:5000\"]\n",
    );
    let (v, code) = doctor_json(dir.path().to_str().unwrap());
    assert_eq!(rule_ids(&v), Vec::<String>::new(), "{v:#}");
    assert_eq!(code, 0);
}

#[test]
fn ctlptl_registry_and_cluster_make_the_push_model() {
    let dir = tempfile::tempdir().unwrap();
    // The Cluster file sorts before the Registry file: the port still resolves.
    write(
        dir.path(),
        "a-cluster.yaml",
        "apiVersion: ctlptl.dev/v1alpha1\nkind: Cluster\nproduct: kind\nregistry: ctlptl-registry\n",
    );
    write(
        dir.path(),
        "b-registry.yaml",
        "apiVersion: ctlptl.dev/v1alpha1\nkind: Registry\nname: ctlptl-registry\nport: 5005\n",
    );
    let (v, code) = doctor_json(dir.path().to_str().unwrap());
    assert_eq!(code, 0, "{v:#}");
    let push = &v["model"]["push"][0];
    assert_eq!(push["host"], "localhost:5005", "{v:#}");
    assert_eq!(
        push["cluster_pulls_as"],
        serde_json::Value::Null,
        "ctlptl sets no hostFromContainerRuntime"
    );
    assert_eq!(push["protocol"], "http");
    assert_eq!(v["model"]["mirrors"][0]["registry"], "localhost:5005");
}

#[test]
fn odd_shapes_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let files: &[(&str, &str)] = &[
        ("a/registries.yaml", "mirrors: [1, 2]\nconfigs: \"x\"\n"),
        (
            "b/registries.yaml",
            "mirrors:\n  a:\n    endpoint: 5\nconfigs:\n  a:\n    tls: [1]\n",
        ),
        (
            "c/registries.yaml",
            "mirrors:\n  \"\":\n    endpoint: [\"\", \"://\", \"http://\", \"[::1\"]\nconfigs:\n  \"\":\n    tls:\n      insecure_skip_verify: maybe\n",
        ),
        (
            "certs.d/x/hosts.toml",
            "server = 5\ncapabilities = \"pull\"\nclient = 7\nhost = 3\n",
        ),
        (
            "certs.d/y/hosts.toml",
            "[host.\"http://a\"]\nclient = [[1, 2]]\nskip_verify = \"yes\"\ncapabilities = [1, \"\"]\n",
        ),
        (
            "certs.d/_default/hosts.toml",
            "server = \"\"\n[host.\"\"]\n",
        ),
        (
            "k3d.yaml",
            "apiVersion: k3d.io/v1alpha5\nkind: Simple\nregistries:\n  create: [1]\n  use: {a: b}\n  config: 5\n",
        ),
        (
            "k3d2.yaml",
            "apiVersion: k3d.io/v1alpha5\nkind: Simple\nregistries:\n  create:\n    name: \"\"\n    hostPort: [1]\n    proxy: {remoteURL: 5}\n  use: [\"\", \":\", \"a:b:c\"]\n  config: \"mirrors: [\"\n",
        ),
        (
            "kind.yaml",
            "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\ncontainerdConfigPatches: [5, \"[[[\", {a: b}, \"\"]\n",
        ),
        (
            "ctlptl.yaml",
            "apiVersion: ctlptl.dev/v1alpha1\nkind: Registry\nport: [1]\n---\napiVersion: ctlptl.dev/v1alpha1\nkind: Cluster\nregistry: 5\nkindV1Alpha4Cluster: 7\n",
        ),
        (
            "kep.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: local-registry-hosting\ndata:\n  localRegistryHosting.v1: \"{{{\"\n",
        ),
        (
            "kep2.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: local-registry-hosting\ndata:\n  localRegistryHosting.v1: \"host: 5\"\n",
        ),
        ("daemon.json", "{\"insecure-registries\": \"x\"}"),
        (
            "registry/config.yml",
            "storage: 1\nhttp: {addr: 5, tls: [1]}\nproxy: {remoteurl: [1]}\n",
        ),
        ("config.toml", "plugins = 5\n"),
        (
            "config2.toml",
            "[plugins.\"io.containerd.grpc.v1.cri\"]\nregistry = 5\n",
        ),
        ("Tiltfile", "default_registry(\n"),
        (
            "pkg.yaml",
            "apiVersion: pkg.crossplane.io/v1\nkind: Provider\nspec:\n  package: 5\n",
        ),
    ];
    for (name, text) in files {
        write(d, name, text);
    }
    std::fs::write(d.join("binary.toml"), [0xff, 0x00, 0xfe]).unwrap();
    let deep = format!("mirrors:\n{}x: 1\n", "  - ".repeat(5000));
    write(d, "deep/registries.yaml", &deep);
    let out = tilt_img()
        .args(["doctor", "--format", "json"])
        .arg(d)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(matches!(out.status.code(), Some(0) | Some(1)), "{stderr}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    // Unparsable configs are reported with their file and line.
    let unreadable: Vec<&Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "REG000")
        .collect();
    assert!(
        unreadable.iter().all(|f| f["line"].as_u64().unwrap() >= 1),
        "{v:#}"
    );
    assert!(
        unreadable
            .iter()
            .any(|f| f["file"].as_str().unwrap().ends_with("kind.yaml")),
        "the `[[[` kind patch: {v:#}"
    );
    // A path that does not exist: exit 1 with the path named.
    let out = tilt_img().args(["doctor", "no/such/dir"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("no/such/dir"));
}

#[test]
fn the_k3d_example_broken_then_fixed() {
    let out = tilt_img()
        .args([
            "doctor",
            "examples/k3d-http-registry/broken/k3d.yaml",
            "examples/k3d-http-registry/Tiltfile",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("k3d-example-broken", String::from_utf8(out.stdout).unwrap());
    let out = tilt_img()
        .args(["doctor", "examples/k3d-http-registry"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!("k3d-example-fixed", String::from_utf8(out.stdout).unwrap());
}
