//! Bad input ends in a clear diagnostic with file and line, the other files
//! are still scanned, and nothing panics.

use assert_cmd::Command;
use predicates::prelude::*;
use std::fs;
use std::path::Path;
use tempfile::TempDir;

const GOOD: &str = "apiVersion: acme.example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  image: acme/widget:1\n";

fn tilt_img() -> Command {
    Command::cargo_bin("tilt-img").unwrap()
}

fn dir_with(files: &[(&str, &[u8])]) -> TempDir {
    let d = TempDir::new().unwrap();
    for (name, body) in files {
        let p = d.path().join(name);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, body).unwrap();
    }
    d
}

fn scan(dir: &Path) -> assert_cmd::assert::Assert {
    tilt_img().arg("scan").arg(dir).assert()
}

#[test]
fn malformed_yaml_names_file_and_line_and_the_rest_is_scanned() {
    let d = dir_with(&[
        ("a-good.yaml", GOOD.as_bytes()),
        (
            "b-bad.yaml",
            b"apiVersion: v1\nkind: ConfigMap\ndata:\n  a: [1, 2\n  b: }\n",
        ),
    ]);
    scan(d.path())
        .code(1)
        .stderr(
            predicate::str::contains("b-bad.yaml:").and(predicate::str::contains("invalid YAML")),
        )
        .stdout(predicate::str::contains("Widget (acme.example.com)"))
        .stdout(predicate::str::contains("acme/widget:1"));
}

#[test]
fn non_utf8_and_binary_files_are_reported_not_fatal() {
    let d = dir_with(&[
        ("good.yaml", GOOD.as_bytes()),
        ("latin1.yaml", b"kind: ConfigMap\n# caf\xe9\n"),
        ("blob.json", b"\x00\x01\x02binary"),
    ]);
    scan(d.path())
        .code(1)
        .stderr(predicate::str::contains("latin1.yaml:2: not valid UTF-8"))
        .stderr(predicate::str::contains("blob.json: binary file"))
        .stdout(predicate::str::contains("Widget (acme.example.com)"));
}

#[test]
fn empty_documents_and_files_are_fine() {
    let d = dir_with(&[
        ("empty.yaml", b""),
        (
            "docs.yaml",
            format!("---\n---\n{GOOD}---\n...\n").as_bytes(),
        ),
    ]);
    scan(d.path())
        .code(0)
        .stdout(predicate::str::contains("acme/widget:1"));
}

#[test]
fn alias_bomb_is_bounded() {
    let mut s = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\ndata:\n  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n",
    );
    for i in 1..12 {
        let p = i - 1;
        s += &format!(
            "  a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        );
    }
    let d = dir_with(&[("bomb.yaml", s.as_bytes()), ("good.yaml", GOOD.as_bytes())]);
    scan(d.path())
        .code(1)
        .stderr(predicate::str::contains("bomb.yaml:").and(predicate::str::contains("alias bomb")))
        .stdout(predicate::str::contains("acme/widget:1"));
}

#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    let flow = "[".repeat(50_000);
    let block: String = (0..5_000)
        .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
        .collect();
    let d = dir_with(&[
        ("flow.yaml", flow.as_bytes()),
        ("block.yaml", block.as_bytes()),
        ("good.yaml", GOOD.as_bytes()),
    ]);
    scan(d.path())
        .code(1)
        .stderr(
            predicate::str::contains("block.yaml:")
                .and(predicate::str::contains("nesting deeper than")),
        )
        .stderr(predicate::str::contains("flow.yaml:"))
        .stdout(predicate::str::contains("acme/widget:1"));
}

#[test]
fn a_200_mb_file_is_scanned() {
    // 200 MB of small objects in one stream: scanned, not refused.
    let d = TempDir::new().unwrap();
    let doc = "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  k: \"0123456789012345678901234567890123456789012345678901234567890123456789\"\n";
    let mut body = String::with_capacity(200 * 1024 * 1024 + doc.len());
    while body.len() < 200 * 1024 * 1024 {
        body.push_str(doc);
    }
    body.push_str("---\n");
    body.push_str(GOOD);
    fs::write(d.path().join("huge.yaml"), &body).unwrap();
    drop(body);
    scan(d.path())
        .code(0)
        .stdout(predicate::str::contains("acme/widget:1"));
}

#[test]
fn a_file_over_the_size_limit_is_refused_with_a_hint() {
    let d = dir_with(&[("good.yaml", GOOD.as_bytes())]);
    let big = fs::File::create(d.path().join("big.yaml")).unwrap();
    big.set_len(3 * 1024 * 1024).unwrap(); // sparse: no disk used
    tilt_img()
        .args(["scan", "--max-file-size", "1048576"])
        .arg(d.path())
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("big.yaml: file is larger than 1 MiB")
                .and(predicate::str::contains("--max-file-size")),
        )
        .stdout(predicate::str::contains("acme/widget:1"));
}

#[cfg(unix)]
#[test]
fn symlink_loops_and_dangling_links_are_diagnosed() {
    let d = dir_with(&[("sub/good.yaml", GOOD.as_bytes())]);
    std::os::unix::fs::symlink(d.path(), d.path().join("sub/loop")).unwrap();
    std::os::unix::fs::symlink(
        d.path().join("nowhere.yaml"),
        d.path().join("dangling.yaml"),
    )
    .unwrap();
    scan(d.path())
        .stderr(predicate::str::contains("loop"))
        .stderr(predicate::str::contains("dangling.yaml"))
        .stdout(predicate::str::contains("acme/widget:1"));
}

#[cfg(unix)]
#[test]
fn unreadable_files_are_reported() {
    use std::os::unix::fs::PermissionsExt;
    let d = dir_with(&[
        ("good.yaml", GOOD.as_bytes()),
        ("secret.yaml", GOOD.as_bytes()),
    ]);
    let p = d.path().join("secret.yaml");
    fs::set_permissions(&p, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::read(&p).is_ok() {
        // Running as root: permissions do not stop reads. A path that names a
        // directory cannot be read as a file either way.
        let missing = d.path().join("missing.yaml");
        tilt_img()
            .arg("scan")
            .arg(&missing)
            .arg(d.path().join("good.yaml"))
            .assert()
            .code(1)
            .stderr(predicate::str::contains("missing.yaml: cannot read"));
        return;
    }
    scan(d.path())
        .code(1)
        .stderr(predicate::str::contains("secret.yaml: cannot read"));
}

#[test]
fn templates_and_non_kubernetes_files_are_skipped_with_a_hint() {
    let d = dir_with(&[
        (
            "chart/Chart.yaml",
            b"apiVersion: v2\nname: c\nversion: 0.1.0\n",
        ),
        (
            "chart/templates/deploy.yaml",
            b"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n",
        ),
        (
            "chart/values.yaml",
            b"image:\n  repository: acme/x\n  tag: 1\n",
        ),
        ("kustomization.yaml", b"resources: [good.yaml]\n"),
        (
            "docker-compose.yaml",
            b"services:\n  web:\n    image: nginx\n",
        ),
        ("good.yaml", GOOD.as_bytes()),
        (
            "package.json",
            b"{\"name\": \"web\", \"version\": \"1.0.0\"}\n",
        ),
        ("settings/a.yaml", b"log: debug\n"),
        ("settings/b.yaml", b"port: 8080\n"),
    ]);
    scan(d.path())
        .code(0)
        .stderr(predicate::str::contains("package.json").not())
        .stderr(predicate::str::contains(
            "settings/: 2 files: no Kubernetes objects",
        ))
        .stderr(predicate::str::contains("a.yaml").not())
        .stderr(
            predicate::str::contains("chart: Helm chart, skipped")
                .and(predicate::str::contains("helm template <release> ")),
        )
        .stderr(predicate::str::contains("deploy.yaml").not())
        .stderr(predicate::str::contains("Chart.yaml").not())
        .stderr(predicate::str::contains("warning").not())
        .stderr(
            predicate::str::contains("kustomization.yaml: kustomization file, skipped")
                .and(predicate::str::contains("kustomize build")),
        )
        .stderr(predicate::str::contains(
            "docker-compose.yaml: docker-compose file, skipped",
        ))
        .stderr(predicate::str::contains("values.yaml").not())
        .stdout(predicate::str::contains("acme/widget:1"));
}
