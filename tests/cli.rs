//! End to end through the binary: every bundled example in every format is
//! a snapshot (tests/snapshots/), plus the behaviours a user relies on.

mod common;

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::Path;

fn tilt_img() -> Command {
    let mut c = Command::cargo_bin("tilt-img").unwrap();
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn examples() -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples"))
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
    v.sort();
    v
}

fn run(args: &[&str]) -> (String, i32) {
    let out = tilt_img().args(args).output().unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn examples_match_their_snapshots() {
    let names = examples();
    assert!(
        names.len() >= 5,
        "expected at least five examples, found {names:?}"
    );
    for name in names {
        let dir = format!("examples/{name}");
        for format in ["text", "tiltfile", "json", "sarif", "github"] {
            let out = tilt_img()
                .args(["scan", &dir, "--format", format])
                .output()
                .unwrap();
            let (stdout, stderr) = (
                String::from_utf8(out.stdout).unwrap(),
                String::from_utf8(out.stderr).unwrap(),
            );
            let code = out.status.code().unwrap_or(-1);
            assert_eq!(
                code, 0,
                "{dir} --format {format} exited {code}:\n{stdout}{stderr}"
            );
            // Diagnostics go to stderr: the snapshot holds both streams.
            let mut shown = stdout.replace(env!("CARGO_MANIFEST_DIR"), "<project>");
            if !stderr.is_empty() {
                shown.push_str("\n--- stderr ---\n");
                shown.push_str(&stderr);
            }
            insta::assert_snapshot!(format!("{name}-{format}"), shown);
        }
    }
}

#[test]
fn kafka_connect_snippet_is_anchored_and_guarded() {
    let (out, _) = run(&["scan", "examples/kafka-connect", "--format", "tiltfile"]);
    assert!(
        out.contains("k8s_kind('^KafkaConnect$', api_version='^kafka\\\\.strimzi\\\\.io/'"),
        "{out}"
    );
    assert!(out.contains("{[?(@.image)].image}"), "{out}");
    assert!(
        !out.contains("KafkaConnector$"),
        "KafkaConnector has no image fields: {out}"
    );
    assert!(
        !out.contains("build.output"),
        "a build's push target is no image: {out}"
    );
}

#[test]
fn json_has_the_documented_contract() {
    let (out, code) = run(&["scan", "examples/kafka-connect", "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["schema_version"], 1);
    for key in ["kinds", "images", "diagnostics"] {
        assert!(v[key].is_array(), "{key} missing");
    }
    let kc = v["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "KafkaConnect")
        .unwrap();
    for key in ["group", "kind", "versions", "fields", "tilt"] {
        assert!(!kc[key].is_null(), "kinds[].{key} missing");
    }
    assert_eq!(kc["fields"][0]["path"], "spec.image");
    assert!(
        kc["fields"][0]["evidence"]
            .as_array()
            .is_some_and(|e| !e.is_empty())
    );
    let deploy = v["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "Deployment")
        .unwrap();
    assert!(deploy["tilt"].is_null(), "built-in kinds get no k8s_kind");
    let img = v["images"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "KafkaConnect")
        .unwrap();
    for key in ["ref", "group", "kind", "name", "file", "line", "path"] {
        assert!(!img[key].is_null(), "images[].{key} missing");
    }
}

#[test]
fn reads_standard_input() {
    let yaml = "apiVersion: acme.example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  image: acme/widget:1\n";
    tilt_img()
        .args(["scan", "-", "--format", "tiltfile"])
        .write_stdin(yaml)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "k8s_kind('^Widget$', api_version='^acme\\\\.example\\\\.com/'",
        ));
}

#[test]
fn usage_errors_exit_2() {
    tilt_img().args(["scan"]).assert().code(2);
    tilt_img()
        .args(["scan", "x", "--format", "yaml"])
        .assert()
        .code(2);
    tilt_img().args(["frobnicate"]).assert().code(2);
}

#[test]
fn missing_path_exits_1_and_says_so() {
    tilt_img()
        .args(["scan", "does/not/exist.yaml"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("does/not/exist.yaml: cannot read"))
        .stdout(predicate::str::contains("see the errors above"));
}

#[test]
fn user_config_adds_ignores_and_replaces() {
    let d = tempfile::TempDir::new().unwrap();
    std::fs::write(
        d.path().join("objs.yaml"),
        "apiVersion: acme.example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec:\n  runtime: {engine: acme/engine:2}\n  image: acme/widget:1\n---\napiVersion: acme.example.com/v1\nkind: Legacy\nmetadata: {name: l}\nspec: {image: acme/legacy:1}\n",
    )
    .unwrap();
    std::fs::write(
        d.path().join(".tilt-img.toml"),
        "[[kinds]]\ngroup = 'acme.example.com'\nkind = 'Widget'\nfields = ['spec.runtime.engine']\n\n[[kinds]]\ngroup = 'acme.example.com'\nkind = 'Legacy'\nignore = true\n",
    )
    .unwrap();
    let out = tilt_img()
        .args(["scan", "--format", "tiltfile"])
        .arg(d.path())
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("{[?(@.runtime.engine)].runtime.engine}"),
        "{text}"
    );
    assert!(text.contains("{[?(@.image)].image}"), "{text}");
    assert!(!text.contains("Legacy"), "{text}");

    std::fs::write(
        d.path().join(".tilt-img.toml"),
        "[[kinds]]\ngroup = 'x'\nkind = 'Y'\nfeilds = []\n",
    )
    .unwrap();
    tilt_img()
        .arg("scan")
        .arg(d.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains(".tilt-img.toml:4: invalid config"));
}

/// The README's `.tilt-img.toml` example, as written, is a valid config and
/// does what its comments say.
#[test]
fn readme_config_example_works() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let section = readme
        .split("### `.tilt-img.toml`")
        .nth(1)
        .expect("README has the config section");
    let toml = section
        .split("```toml\n")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .expect("a toml block");
    let d = tempfile::TempDir::new().unwrap();
    std::fs::write(d.path().join(".tilt-img.toml"), toml).unwrap();
    std::fs::write(
        d.path().join("objs.yaml"),
        "apiVersion: widgets.acme.example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec:\n  runtime: {image: acme/runtime:1}\n  exporter: {repository: acme/exporter, tag: '2'}\n  template: {image: not-an-image-field}\n---\napiVersion: acme.example.com/v1\nkind: Legacy\nmetadata: {name: l}\nspec: {image: acme/legacy:1}\n---\napiVersion: acme.example.com/v1\nkind: Exact\nmetadata: {name: e}\nspec: {image: acme/exact:1, sidecarImage: acme/side:1}\n",
    )
    .unwrap();
    let out = tilt_img()
        .args(["scan", "--format", "tiltfile"])
        .arg(d.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("runtime.image"), "{text}");
    assert!(
        text.contains("'repo_field': 'repository', 'tag_field': 'tag'"),
        "{text}"
    );
    assert!(
        !text.contains("template"),
        "not_images drops the look-alike: {text}"
    );
    assert!(!text.contains("Legacy"), "ignored kind: {text}");
    assert!(
        text.contains("k8s_kind('^Exact$'") && !text.contains("sidecarImage"),
        "replace keeps only listed fields: {text}"
    );
}

/// Without a Tiltfile, the HTTP-registry plan comes from a ctlptl cluster
/// (push target and plain-HTTP registry) and a directory with a Dockerfile
/// named like the image a custom resource runs; and a registry only assumed
/// to be HTTP (a bare `localhost:5000` in a KEP-1755 ConfigMap) gets no plan.
#[test]
fn registry_plan_without_a_tiltfile() {
    let scan_json = |d: &Path| -> serde_json::Value {
        let (out, _) = run(&["scan", "--format", "json", d.to_str().unwrap()]);
        serde_json::from_str(&out).unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ex = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/kafka-connect");
    std::fs::create_dir_all(d.join("k8s")).unwrap();
    std::fs::create_dir_all(d.join("connect")).unwrap();
    for f in ["crds.yaml", "connect.yaml"] {
        std::fs::copy(ex.join("k8s").join(f), d.join("k8s").join(f)).unwrap();
    }
    std::fs::copy(ex.join("connect/Dockerfile"), d.join("connect/Dockerfile")).unwrap();
    std::fs::write(
        d.join("ctlptl.yaml"),
        "apiVersion: ctlptl.dev/v1alpha1\nkind: Registry\nname: ctlptl-registry\nport: 5005\n---\napiVersion: ctlptl.dev/v1alpha1\nkind: Cluster\nproduct: kind\nregistry: ctlptl-registry\n",
    )
    .unwrap();
    let v = scan_json(d);
    let plan = &v["registry"];
    assert_eq!(plan["push_host"], "localhost:5005", "{v:#}");
    assert_eq!(
        plan["default_registry"],
        serde_json::Value::Null,
        "ctlptl's ConfigMap tells Tilt"
    );
    assert_eq!(plan["builds"][0]["ref"], "orders-connect");
    assert_eq!(plan["builds"][0]["context"], "connect");
    assert_eq!(plan["builds"][0]["replaces"], serde_json::Value::Null);
    // The tiltfile format proves the builds with the embedded loader: no
    // diagnostics on stderr.
    let out = tilt_img()
        .args(["scan", "--format", "tiltfile"])
        .arg(d)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("custom_build('orders-connect', 'docker build -t $EXPECTED_REF -f connect/Dockerfile connect && skopeo copy --dest-tls-verify=false docker-daemon:$EXPECTED_REF docker://$EXPECTED_REF', ['connect'], disable_push=True, skips_local_docker=True)"), "{text}");

    std::fs::remove_file(d.join("ctlptl.yaml")).unwrap();
    std::fs::write(
        d.join("k8s/hosting.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: local-registry-hosting\n  namespace: kube-public\ndata:\n  localRegistryHosting.v1: |\n    host: \"localhost:5000\"\n",
    )
    .unwrap();
    let v = scan_json(d);
    assert!(
        v.get("registry").is_none(),
        "an assumption is not enough: {v:#}"
    );
}

/// An object whose image Tilt cannot parse fails any load; scan warns about
/// it and leaves it out when it proves the generated lines, for the
/// HTTP-registry builds as for the k8s_kind lines.
#[test]
fn unparsable_images_do_not_fail_the_proof_of_registry_builds() {
    let d = tempfile::TempDir::new().unwrap();
    common::copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/k3d-http-registry"),
        d.path(),
    );
    let connect = d.path().join("k8s/connect.yaml");
    let mut text = std::fs::read_to_string(&connect).unwrap();
    text.push_str("---\napiVersion: kafka.strimzi.io/v1beta2\nkind: KafkaConnect\nmetadata:\n  name: broken-connect\nspec:\n  image: \"Orders_Connect:BAD TAG\"\n");
    std::fs::write(&connect, text).unwrap();
    let out = tilt_img()
        .args(["scan", "--format", "tiltfile"])
        .arg(d.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("tilt-img bug"), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("custom_build('orders-connect'"));
}

/// The outputs the README shows are what the commands print: the HTTP
/// registry builds, the Strimzi k8s_kind line, and the doctor finding (`…`
/// marks where the README shortens a path).
#[test]
fn readme_outputs_are_real() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let block_after = |marker: &str, fence: &str| -> String {
        let rest = readme.split(marker).nth(1).expect(marker);
        rest.split(fence)
            .nth(1)
            .and_then(|b| b.split("```").next())
            .expect(marker)
            .to_string()
    };
    let (builds, _) = run(&["scan", "examples/k3d-http-registry", "--format", "tiltfile"]);
    let shown = block_after("--format tiltfile\n```", "```python\n");
    for line in shown.lines() {
        assert!(
            builds.lines().any(|l| l == line),
            "README line not printed: {line}\n{builds}"
        );
    }
    let (kinds, _) = run(&["scan", "examples/kafka-connect", "--format", "tiltfile"]);
    let shown = block_after("### The generated Tiltfile lines", "```python\n");
    let call = shown.lines().find(|l| l.starts_with("k8s_kind(")).unwrap();
    assert!(kinds.lines().any(|l| l == call), "{call}\n{kinds}");
    let (doctor, code) = run(&[
        "doctor",
        "examples/k3d-http-registry/broken/k3d.yaml",
        "examples/k3d-http-registry/Tiltfile",
    ]);
    assert_eq!(code, 1);
    let shown = block_after("one line with file:line:", "```\n");
    let finding = shown.lines().next().unwrap();
    let line = doctor.lines().find(|l| l.contains("REG001")).unwrap();
    let mut rest = line;
    for part in finding.split('…') {
        let at = rest
            .find(part)
            .unwrap_or_else(|| panic!("`{part}` not in `{line}`"));
        rest = &rest[at + part.len()..];
    }
}
