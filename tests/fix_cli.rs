//! `tilt-img fix` end to end: writes the block, is idempotent, keeps the
//! rest of the Tiltfile, refuses results that would not load.

mod common;
use common::copy_dir;

use assert_cmd::Command;
use predicates::prelude::*;
use std::fs;
use std::path::Path;

fn example(name: &str) -> tempfile::TempDir {
    let d = tempfile::TempDir::new().unwrap();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples")
            .join(name),
        d.path(),
    );
    d
}

fn tilt_img(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("tilt-img").unwrap();
    c.current_dir(dir);
    c
}

#[test]
fn fix_makes_every_example_load_with_every_build_deployed() {
    for name in [
        "kafka-connect",
        "helm-split-image",
        "argo-workflow",
        "crossplane-package",
        "no-crd",
    ] {
        let d = example(name);
        tilt_img(d.path()).arg("check").assert().code(1);
        let before = fs::read_to_string(d.path().join("Tiltfile")).unwrap();
        tilt_img(d.path())
            .arg("fix")
            .assert()
            .code(0)
            .stdout(predicate::str::contains("updated"));
        let after = fs::read_to_string(d.path().join("Tiltfile")).unwrap();
        assert!(
            after.starts_with(&before),
            "{name}: the user's lines must stay as they were"
        );
        assert!(
            after.contains("# BEGIN tilt-img") && after.contains("# END tilt-img\n"),
            "{name}"
        );
        tilt_img(d.path())
            .arg("check")
            .assert()
            .code(0)
            .stdout(predicate::str::contains("every build is deployed"));
        tilt_img(d.path())
            .arg("fix")
            .assert()
            .code(0)
            .stdout(predicate::str::contains("up to date"));
        assert_eq!(
            fs::read_to_string(d.path().join("Tiltfile")).unwrap(),
            after,
            "{name}: idempotent"
        );
    }
}

#[test]
fn dry_run_shows_a_diff_and_writes_nothing() {
    let d = example("kafka-connect");
    let before = fs::read_to_string(d.path().join("Tiltfile")).unwrap();
    tilt_img(d.path())
        .args(["fix", "--dry-run"])
        .assert()
        .code(0)
        .stdout(
            predicate::str::contains("+# BEGIN tilt-img")
                .and(predicate::str::contains("+k8s_kind('^KafkaConnect$'")),
        );
    assert_eq!(
        fs::read_to_string(d.path().join("Tiltfile")).unwrap(),
        before
    );
}

#[test]
fn an_existing_block_is_replaced_in_place() {
    let d = example("kafka-connect");
    let tf = d.path().join("Tiltfile");
    let user = fs::read_to_string(&tf).unwrap();
    fs::write(&tf, format!("{user}\n# BEGIN tilt-img\nk8s_kind('KafkaConnect', image_json_path='{{.spec.image}}')\n# END tilt-img\nprint('after')\n")).unwrap();
    tilt_img(d.path()).arg("fix").assert().code(0);
    let text = fs::read_to_string(&tf).unwrap();
    assert!(
        !text.contains("k8s_kind('KafkaConnect'"),
        "the old, unanchored line is gone"
    );
    assert!(text.ends_with("# END tilt-img\nprint('after')\n"), "{text}");
}

#[test]
fn a_result_that_would_not_load_is_not_written() {
    let d = example("kafka-connect");
    let tf = d.path().join("Tiltfile");
    fs::write(&tf, "k8s_yaml('missing.yaml')\n").unwrap();
    tilt_img(d.path())
        .arg("fix")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "Tiltfile already fails to load, before any change by fix",
        ))
        .stderr(predicate::str::contains("missing.yaml"));
    assert_eq!(
        fs::read_to_string(&tf).unwrap(),
        "k8s_yaml('missing.yaml')\n"
    );
    fs::write(&tf, "# BEGIN tilt-img\nk8s_kind('x')\n").unwrap();
    tilt_img(d.path())
        .arg("fix")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no `# END tilt-img`"));
}

#[test]
fn a_broken_input_leaves_the_tiltfile_untouched() {
    let d = example("kafka-connect");
    let tf = d.path().join("Tiltfile");
    tilt_img(d.path()).arg("fix").assert().code(0);
    let written = fs::read_to_string(&tf).unwrap();
    assert!(written.contains("k8s_kind('^KafkaConnect$'"));
    // One manifest breaks: the block must not shrink to what still parses.
    fs::write(d.path().join("k8s/connect.yaml"), "kind: [unclosed\n").unwrap();
    tilt_img(d.path())
        .arg("fix")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "not written: some input could not be read or parsed",
        ));
    assert_eq!(fs::read_to_string(&tf).unwrap(), written);
}

#[test]
fn the_tiltfile_is_replaced_atomically_with_its_mode() {
    use std::os::unix::fs::PermissionsExt;
    let d = example("kafka-connect");
    let tf = d.path().join("Tiltfile");
    fs::set_permissions(&tf, fs::Permissions::from_mode(0o640)).unwrap();
    let before = fs::metadata(&tf).unwrap();
    tilt_img(d.path()).arg("fix").assert().code(0);
    let after = fs::metadata(&tf).unwrap();
    assert_eq!(after.permissions().mode() & 0o777, 0o640);
    // A rename gives a new inode; truncate-and-write would keep the old one.
    use std::os::unix::fs::MetadataExt;
    assert_ne!(before.ino(), after.ino());
    let leftovers: Vec<_> = fs::read_dir(d.path())
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(".tilt-img-fix.")
        })
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
