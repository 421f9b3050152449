//! The pre-commit hooks end to end, with the real `pre-commit` from PyPI in
//! a throwaway virtualenv: a Tiltfile whose custom-resource image Tilt would
//! skip fails `tilt-img-check`; `tilt-img-fix` repairs it; the check passes.
//! `tilt-img-doctor` fails on a registries.yaml endpoint without `http://`
//! and passes once it is fixed.
//! `language: rust` means pre-commit builds tilt-img from this repository's
//! committed HEAD. A second test installs tilt-img as the README says
//! (`cargo install --locked --path .`) and runs the README's
//! `language: system` hooks with it on PATH. Skips (with a message) without
//! python3 or network.

mod common;
use common::copy_dir;

use std::path::PathBuf;
use std::process::{Command, Output};

fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

fn ok(cmd: &mut Command) -> Output {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn hooks_fail_on_a_broken_tiltfile_and_pass_after_fix() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    if run(Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(&root))
    .status
    .code()
        != Some(0)
    {
        eprintln!(
            "SKIP: the project is not a git checkout; pre-commit needs a commit to build the hook from"
        );
        return;
    }
    let tmp = tempfile::TempDir::new().unwrap();
    let pre_commit = match pre_commit_in(tmp.path()) {
        Ok(p) => p,
        Err(why) => {
            eprintln!("SKIP: {why}");
            return;
        }
    };
    let head = String::from_utf8(
        ok(Command::new("git")
            .args(["rev-parse", "HEAD"])
            .current_dir(&root))
        .stdout,
    )
    .unwrap();

    // A user's project: the Strimzi example, whose Tiltfile lacks k8s_kind.
    let repo = tmp.path().join("project");
    copy_dir(&root.join("examples/kafka-connect"), &repo);
    std::fs::write(
        repo.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n  - repo: {}\n    rev: {}\n    hooks:\n      - id: tilt-img-fix\n      - id: tilt-img-check\n      - id: tilt-img-doctor\n",
            root.display(),
            head.trim()
        ),
    )
    .unwrap();
    let git = |args: &[&str]| git_in(&repo, args);
    ok(&mut git(&["init", "-q"]));
    ok(&mut git(&["add", "-A"]));
    let hook = |id: &str| {
        let mut c = Command::new(&pre_commit);
        c.args(["run", id, "--all-files"])
            .current_dir(&repo)
            .env("PRE_COMMIT_HOME", tmp.path().join("cache"))
            .env_remove("CARGO_TARGET_DIR");
        run(&mut c)
    };

    let started = std::time::Instant::now();
    let broken = hook("tilt-img-check");
    // The README quotes this figure (the first run builds tilt-img).
    eprintln!(
        "pre-commit's first `language: rust` run (build included): {:.0} s",
        started.elapsed().as_secs_f64()
    );
    let text = String::from_utf8_lossy(&broken.stdout);
    assert!(
        !broken.status.success(),
        "the check must fail on the broken Tiltfile:\n{text}"
    );
    assert!(text.contains("orders-connect"), "{text}");

    let fixed = hook("tilt-img-fix");
    let text = String::from_utf8_lossy(&fixed.stdout);
    assert!(
        !fixed.status.success(),
        "pre-commit reports a hook that modified files as failed:\n{text}"
    );
    let tiltfile = std::fs::read_to_string(repo.join("Tiltfile")).unwrap();
    assert!(
        tiltfile.contains("# BEGIN tilt-img") && tiltfile.contains("k8s_kind('^KafkaConnect$'"),
        "{tiltfile}"
    );

    ok(&mut git(&["add", "-A"]));
    let passing = hook("tilt-img-check");
    assert!(
        passing.status.success(),
        "the check must pass after fix:\n{}{}",
        String::from_utf8_lossy(&passing.stdout),
        String::from_utf8_lossy(&passing.stderr)
    );
    assert!(hook("tilt-img-fix").status.success(), "fix is idempotent");

    // The doctor hook: a k3s registries.yaml whose endpoint lacks http://.
    assert!(
        hook("tilt-img-doctor").status.success(),
        "nothing to say yet"
    );
    std::fs::write(
        repo.join("registries.yaml"),
        "mirrors:\n  \"registry.localhost:5000\":\n    endpoint:\n      - registry.localhost:5000\n",
    )
    .unwrap();
    ok(&mut git(&["add", "-A"]));
    let out = hook("tilt-img-doctor");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("registries.yaml:4: REG001"), "{text}");
    std::fs::write(
        repo.join("registries.yaml"),
        "mirrors:\n  \"registry.localhost:5000\":\n    endpoint:\n      - http://registry.localhost:5000\n",
    )
    .unwrap();
    ok(&mut git(&["add", "-A"]));
    assert!(hook("tilt-img-doctor").status.success());
}

/// pre-commit from PyPI in a virtualenv under `tmp`, or why not.
fn pre_commit_in(tmp: &std::path::Path) -> Result<PathBuf, String> {
    let venv = tmp.join("venv");
    if !run(Command::new("python3").args(["-m", "venv"]).arg(&venv))
        .status
        .success()
    {
        return Err("python3 -m venv is not available".into());
    }
    let pip = run(Command::new(venv.join("bin/pip")).args(["install", "--quiet", "pre-commit"]));
    if !pip.status.success() {
        return Err(format!(
            "cannot install pre-commit from PyPI: {}",
            String::from_utf8_lossy(&pip.stderr)
        ));
    }
    Ok(venv.join("bin/pre-commit"))
}

/// As a new user: `cargo install --locked --path .` (the README's command),
/// the installed binary on PATH, and the README's `language: system` block
/// run by the real pre-commit: fix-check fails on the missing block and
/// writes nothing, check fails, fix writes, then everything passes.
#[test]
fn cargo_install_then_the_readmes_system_hooks() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::TempDir::new().unwrap();
    // Its own target directory, kept between runs, so only the first run
    // pays for the release build.
    let target = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cargo-install");
    let prefix = tmp.path().join("prefix");
    let started = std::time::Instant::now();
    ok(Command::new(env!("CARGO"))
        .args(["install", "--locked", "--quiet", "--path"])
        .arg(&root)
        .arg("--root")
        .arg(&prefix)
        .env("CARGO_TARGET_DIR", &target));
    eprintln!(
        "cargo install --locked --path .: {:.0} s",
        started.elapsed().as_secs_f64()
    );
    let bin = prefix.join("bin");
    let version = ok(Command::new(bin.join("tilt-img")).arg("--version"));
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("tilt-img {}", env!("CARGO_PKG_VERSION"))
    );
    let pre_commit = match pre_commit_in(tmp.path()) {
        Ok(p) => p,
        Err(why) => {
            eprintln!("SKIP: {why}");
            return;
        }
    };
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let config = readme
        .split("### With tilt-img on PATH (`language: system`)")
        .nth(1)
        .and_then(|s| s.split("```yaml\n").nth(1))
        .and_then(|s| s.split("```").next())
        .expect("the README's language: system block");
    let repo = tmp.path().join("project");
    copy_dir(&root.join("examples/kafka-connect"), &repo);
    std::fs::write(repo.join(".pre-commit-config.yaml"), config).unwrap();
    let git = |args: &[&str]| git_in(&repo, args);
    ok(&mut git(&["init", "-q"]));
    ok(&mut git(&["add", "-A"]));
    // Only the installed binary: not the one cargo test built.
    let path = format!("{}:/usr/local/bin:/usr/bin:/bin", bin.display());
    let hook = |id: &str| {
        let mut c = Command::new(&pre_commit);
        c.args(["run", id, "--all-files"])
            .current_dir(&repo)
            .env("PATH", &path)
            .env("PRE_COMMIT_HOME", tmp.path().join("cache"));
        run(&mut c)
    };
    let before = std::fs::read_to_string(repo.join("Tiltfile")).unwrap();
    let stale = hook("tilt-img-fix-check");
    let text = String::from_utf8_lossy(&stale.stdout);
    assert!(!stale.status.success(), "{text}");
    assert!(
        text.contains("block is missing") && text.contains("+# BEGIN tilt-img"),
        "{text}"
    );
    assert_eq!(
        std::fs::read_to_string(repo.join("Tiltfile")).unwrap(),
        before,
        "fix --check never writes"
    );
    let broken = hook("tilt-img-check");
    assert!(!broken.status.success());
    assert!(String::from_utf8_lossy(&broken.stdout).contains("orders-connect"));
    ok(Command::new(bin.join("tilt-img"))
        .arg("fix")
        .current_dir(&repo));
    ok(&mut git(&["add", "-A"]));
    for id in ["tilt-img-fix-check", "tilt-img-check", "tilt-img-doctor"] {
        let out = hook(id);
        assert!(
            out.status.success(),
            "{id} after fix:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// `git ARGS` in `repo`, with an identity for commits.
fn git_in(repo: &std::path::Path, args: &[&str]) -> Command {
    let mut c = Command::new("git");
    c.args(["-c", "user.email=t@example.com", "-c", "user.name=t"])
        .args(args)
        .current_dir(repo);
    c
}
