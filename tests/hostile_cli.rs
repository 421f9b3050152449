//! Hostile input end to end through the binary: the in-process
//! `tilt-img scan` inside `check` is judged by the sandbox like any read,
//! shell syntax never rides along, and no escape sequence from a manifest
//! reaches the terminal.

use assert_cmd::Command;
use std::fs;
use std::path::Path;

const CR: &str = "apiVersion: widgets.example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  image: ghcr.io/acme/widget:1\n";

fn tilt_img(args: &[&str], dir: &Path) -> std::process::Output {
    Command::cargo_bin("tilt-img")
        .unwrap()
        .args(args)
        .current_dir(dir)
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap()
}

fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn in_process_scan_is_sandboxed() {
    let tmp = tempfile::tempdir().unwrap();
    let (tree, outside) = (tmp.path().join("tree"), tmp.path().join("outside"));
    fs::create_dir_all(tree.join("k8s")).unwrap();
    fs::create_dir_all(&outside).unwrap();
    fs::write(
        outside.join("cfg.toml"),
        "[[kinds]]\ngroup='x'\nkind='Y'\nignore=true\n",
    )
    .unwrap();
    fs::write(
        outside.join("secret.yaml"),
        CR.replace("Widget", "SecretKind"),
    )
    .unwrap();
    fs::write(tree.join("k8s/w.yaml"), CR).unwrap();
    std::os::unix::fs::symlink(outside.join("secret.yaml"), tree.join("k8s/link.yaml")).unwrap();
    let cfg = outside.join("cfg.toml");
    let cases = [
        // A declared read outside the tree.
        format!(
            "local('tilt-img scan --format json --config {} k8s')",
            cfg.display()
        ),
        format!("local('tilt-img scan --format json {}')", outside.display()),
    ];
    for tf in &cases {
        fs::write(tree.join("Tiltfile"), format!("{tf}\n")).unwrap();
        let o = tilt_img(&["check", "--format", "json"], &tree);
        let out = text(&o);
        assert_eq!(o.status.code(), Some(1), "{tf}: {out}");
        assert!(out.contains("tilt-img sandbox"), "{tf}: {out}");
    }
    // A link in a scanned directory to a file outside: not read.
    fs::write(
        tree.join("Tiltfile"),
        "r = decode_json(str(local('tilt-img scan --format json k8s')))\nprint([k['kind'] for k in r['kinds']])\n",
    )
    .unwrap();
    let o = tilt_img(&["check", "--format", "json"], &tree);
    let out = text(&o);
    assert!(out.contains("Widget"), "{out}");
    assert!(
        !out.contains("SecretKind"),
        "the linked file was read: {out}"
    );
}

#[test]
fn shell_syntax_is_never_run_in_process() {
    let tmp = tempfile::tempdir().unwrap();
    let marker = tmp.path().join("pwned");
    fs::create_dir_all(tmp.path().join("k8s")).unwrap();
    fs::write(tmp.path().join("k8s/w.yaml"), CR).unwrap();
    for tf in [
        format!("local('tilt-img scan k8s; touch {}')", marker.display()),
        format!("local('tilt-img scan k8s && touch {}')", marker.display()),
        format!("local('tilt-img scan $(touch {})')", marker.display()),
        format!(
            "local(['sh', '-c', 'tilt-img --version; touch {}'])",
            marker.display()
        ),
    ] {
        fs::write(tmp.path().join("Tiltfile"), format!("{tf}\n")).unwrap();
        let o = tilt_img(&["check", "--format", "json"], tmp.path());
        let out = text(&o);
        assert!(!marker.exists(), "{tf} ran: {out}");
        assert!(out.contains("\"sandboxed\""), "{tf}: {out}");
        assert!(
            out.contains("\"call\": \"local("),
            "{tf}: not reported as sandboxed: {out}"
        );
    }
}

#[test]
fn no_escape_sequence_reaches_the_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let evil = CR.replace("kind: Widget", "kind: \"Widget\\e]0;owned\\a\\e[2J\\r\"");
    fs::write(tmp.path().join("w.yaml"), &evil).unwrap();
    for format in ["text", "tiltfile", "json"] {
        let o = tilt_img(&["scan", "--format", format, "w.yaml"], tmp.path());
        assert_eq!(o.status.code(), Some(0), "{format}: {}", text(&o));
        let all = [&o.stdout[..], &o.stderr[..]].concat();
        assert!(
            !all.iter().any(|&b| b == 0x1b || b == 0x07 || b == b'\r'),
            "{format}: raw control bytes: {}",
            text(&o)
        );
        if format == "json" {
            let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
            assert_eq!(
                v["kinds"][0]["kind"],
                "Widget\u{1b}]0;owned\u{7}\u{1b}[2J\r"
            );
        }
    }
    // Doctor reads the same kind of text from registry configs.
    fs::write(
        tmp.path().join("registries.yaml"),
        "mirrors:\n  \"evil\\e[31m:5000\":\n    endpoint: [\"evil\\e[31m:5000\"]\n",
    )
    .unwrap();
    let o = tilt_img(&["doctor", "registries.yaml"], tmp.path());
    let all = [&o.stdout[..], &o.stderr[..]].concat();
    assert!(!all.contains(&0x1b), "doctor: {}", text(&o));
}
