//! `tilt-img check` end to end: exit codes, the sandbox, runaway code, and
//! the fix it proposes for images Tilt would skip.

use assert_cmd::Command;
use predicates::prelude::*;
use std::fs;
use tempfile::TempDir;

const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  selector: {matchLabels: {app: api}}\n  template:\n    metadata: {labels: {app: api}}\n    spec:\n      containers:\n      - name: api\n        image: acme/api\n";
const CONNECT: &str = "apiVersion: kafka.strimzi.io/v1beta2\nkind: KafkaConnect\nmetadata:\n  name: orders-connect\nspec:\n  image: orders-connect\n  replicas: 1\n";

fn project(tiltfile: &str) -> TempDir {
    let d = TempDir::new().unwrap();
    fs::write(d.path().join("Tiltfile"), tiltfile).unwrap();
    fs::write(d.path().join("api.yaml"), DEPLOY).unwrap();
    fs::write(d.path().join("connect.yaml"), CONNECT).unwrap();
    fs::create_dir_all(d.path().join("api")).unwrap();
    fs::write(d.path().join("api/Dockerfile"), "FROM alpine\n").unwrap();
    d
}

fn check(d: &TempDir, extra: &[&str]) -> assert_cmd::assert::Assert {
    Command::cargo_bin("tilt-img")
        .unwrap()
        .arg("check")
        .arg(d.path().join("Tiltfile"))
        .args(extra)
        .assert()
}

#[test]
fn clean_tiltfile_exits_0() {
    let d = project("k8s_yaml('api.yaml')\ndocker_build('acme/api', 'api')\n");
    check(&d, &[])
        .code(0)
        .stdout(predicate::str::contains("ok: the Tiltfile loads"));
}

#[test]
fn custom_resource_image_is_reported_with_its_fix() {
    let d = project(
        "k8s_yaml(['api.yaml', 'connect.yaml'])\ndocker_build('acme/api', 'api')\ndocker_build('orders-connect', 'api')\n",
    );
    check(&d, &[])
        .code(1)
        .stdout(predicate::str::contains("✕ orders-connect"))
        .stdout(predicate::str::contains(
            "KafkaConnect/orders-connect at spec.image",
        ))
        .stdout(predicate::str::contains("k8s_kind('^KafkaConnect$'"));
}

#[test]
fn load_errors_exit_1_with_tilts_traceback() {
    let d = project("k8s_yaml('api.yaml')\nk8s_kind('Task[', image_json_path='{.spec.image}')\n");
    check(&d, &[])
        .code(1)
        .stdout(predicate::str::contains("./Tiltfile:2:9: in <toplevel>"))
        .stdout(predicate::str::contains(
            "Error in k8s_kind: error parsing kind regexp",
        ));
}

#[test]
fn local_is_sandboxed_unless_allowed() {
    let d = project(
        "x = str(local('echo hi'))\nk8s_yaml('api.yaml')\ndocker_build('acme/api', 'api')\n",
    );
    check(&d, &[]).code(0).stdout(predicate::str::contains(
        "Tiltfile:1: local(\"echo hi\") was not run",
    ));
    check(&d, &["--allow-exec", "--format", "oracle"])
        .code(0)
        .stdout(predicate::str::contains("local: echo hi"));
}

#[test]
fn runaway_loops_stop_at_the_step_limit() {
    let d = project("i = 0\nwhile True:\n    i += 1\n");
    check(&d, &["--max-steps", "100000"])
        .code(1)
        .stdout(predicate::str::contains("--max-steps"));
}

#[test]
fn reads_outside_the_tiltfile_directory_are_refused() {
    let d = project("k8s_yaml('/etc/hostname')\n");
    check(&d, &[])
        .code(1)
        .stdout(predicate::str::contains("outside the project"));
}

#[test]
fn missing_tiltfile_is_a_usage_error() {
    Command::cargo_bin("tilt-img")
        .unwrap()
        .args(["check", "/nonexistent/Tiltfile"])
        .assert()
        .code(2);
}

#[test]
fn syntax_errors_name_file_line_and_column() {
    let d = project("k8s_yaml('api.yaml'\n");
    check(&d, &[])
        .code(1)
        .stdout(predicate::str::contains("./Tiltfile:"));
}

#[test]
fn include_runs_another_tiltfile_with_the_same_state() {
    let d = project("include('sub/Tiltfile')\ndocker_build('acme/api', 'api')\n");
    fs::create_dir_all(d.path().join("sub")).unwrap();
    fs::write(d.path().join("sub/Tiltfile"), "k8s_yaml('../api.yaml')\n").unwrap();
    check(&d, &["--format", "oracle"])
        .code(0)
        .stdout(predicate::str::contains("\"Deployment/api\""));
}

#[test]
fn text_report_names_the_ref_the_cluster_pulls() {
    let d = project(
        "default_registry('localhost:5000', host_from_cluster='registry:5000')\nk8s_yaml('api.yaml')\ndocker_build('acme/api', 'api')\n",
    );
    check(&d, &[]).code(0).stdout(predicate::str::contains(
        "deploys registry:5000/acme_api:tilt-<content-hash>, pushed by tilt",
    ));
}

#[test]
fn real_tiltfile_idioms_load() {
    let d = project("load('ext://nothing_here', 'x') if False else None\n");
    // A conditional load is not Starlark; use the idioms real Tiltfiles do.
    fs::write(
        d.path().join("Tiltfile"),
        "settings = {'names': set(['api'])}\nallow_k8s_contexts('kind-dev')\ndef objs(n):\n    return [] if n == 0 else objs(n - 1) + ['api.yaml']\nk8s_yaml(objs(1))\nk8s_resource('api', trigger_mode=TRIGGER_MODE_MANUAL, labels=['backend'])\nlocal_resource('gen', 'make gen', deps=['src'])\nwatch_file('Tiltfile')\ncfg = config.parse()\nprint(shlex.quote('a b'), os.path.basename(config.main_path), sys.argv[0])\ndocker_build('acme/api', 'api')\n",
    )
    .unwrap();
    check(&d, &[])
        .code(0)
        .stdout(predicate::str::contains(
            "accepted without emulation: allow_k8s_contexts (line 2), watch_file (line 8)",
        ))
        .stdout(predicate::str::contains("  gen: \n"));
}

#[test]
fn unused_images_fail_unless_suppressed() {
    let base = "k8s_yaml('api.yaml')\ndocker_build('acme/api', 'api')\ndocker_build('acme/unused', 'api')\n";
    check(&project(base), &[])
        .code(1)
        .stdout(predicate::str::contains("✕ acme/unused"));
    let suppressed =
        format!("{base}update_settings(suppress_unused_image_warnings=['acme/unused'])\n");
    check(&project(&suppressed), &[]).code(0);
    check(
        &project("k8s_yaml('api.yaml')\ndocker_build('acme/api', 'api')\n"),
        &["--warnings-as-errors"],
    )
    .code(0);
}

#[test]
fn warnings_as_errors_fails_on_any_tilt_warning() {
    // Tilt warns when there are builds but nothing to deploy them with.
    let d = project("docker_build('acme/api', 'api')\n");
    check(&d, &["--warnings-as-errors"])
        .code(1)
        .stdout(predicate::str::contains(
            "could not find any deployment instructions",
        ));
}

/// The sandbox's default root is the project: the enclosing git work tree.
/// A `dev/Tiltfile` that reads `../k8s` and includes `../Tiltfile.common`
/// loads there; the same tree without `.git` is refused, and nothing
/// above the work tree is ever read.
#[test]
fn the_sandbox_root_is_the_enclosing_git_work_tree() {
    let outer = TempDir::new().unwrap();
    let repo = outer.path().join("repo");
    fs::create_dir_all(repo.join("dev")).unwrap();
    fs::create_dir_all(repo.join("k8s")).unwrap();
    fs::write(repo.join("k8s/api.yaml"), DEPLOY).unwrap();
    fs::write(repo.join("Tiltfile.common"), "k8s_yaml('k8s/api.yaml')\n").unwrap();
    fs::write(outer.path().join("secret.yaml"), DEPLOY).unwrap();
    fs::write(
        repo.join("dev/Tiltfile"),
        "include('../Tiltfile.common')\nx = read_file('../k8s/api.yaml')\n",
    )
    .unwrap();
    let run = |tf: &std::path::Path| {
        Command::cargo_bin("tilt-img")
            .unwrap()
            .arg("check")
            .arg(tf)
            .assert()
    };
    run(&repo.join("dev/Tiltfile"))
        .code(1)
        .stdout(predicate::str::contains("outside the project"));
    fs::create_dir(repo.join(".git")).unwrap();
    run(&repo.join("dev/Tiltfile"))
        .code(0)
        .stdout(predicate::str::contains("api: Deployment/api"));
    fs::write(repo.join("dev/Tiltfile"), "k8s_yaml('../../secret.yaml')\n").unwrap();
    run(&repo.join("dev/Tiltfile"))
        .code(1)
        .stdout(predicate::str::contains("outside the project"));
}
