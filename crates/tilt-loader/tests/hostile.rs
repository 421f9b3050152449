//! Hostile Tiltfiles against the sandbox and the loader's bounds: every
//! case here was an escape, a crash or a hang before. Each runs with a
//! deadline, so a regression fails instead of hanging the suite.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;
use tilt_loader::{CheckOptions, CheckResult, check};

/// Loads `dir/Tiltfile` within a deadline.
fn load_with(dir: &Path, opts: CheckOptions) -> CheckResult {
    let (tx, rx) = mpsc::channel();
    let tf = dir.join("Tiltfile");
    std::thread::spawn(move || {
        let _ = tx.send(check(&tf, &opts));
    });
    rx.recv_timeout(Duration::from_secs(60))
        .unwrap_or_else(|_| panic!("loading {} did not finish within 60 s", dir.display()))
}

fn load(dir: &Path) -> CheckResult {
    load_with(dir, CheckOptions::default())
}

struct Case {
    _tmp: tempfile::TempDir,
    tree: std::path::PathBuf,
    outside: std::path::PathBuf,
}

/// A project tree and, beside it, a directory with a secret.
fn case(tiltfile: &str) -> Case {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    let outside = tmp.path().join("outside");
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(
        outside.join("secret.yaml"),
        "kind: Secret\nmetadata: {name: s}\n",
    )
    .unwrap();
    std::fs::write(outside.join("Tiltfile"), "print('outside ran')\n").unwrap();
    std::fs::write(tree.join("Tiltfile"), tiltfile).unwrap();
    Case {
        _tmp: tmp,
        tree,
        outside,
    }
}

fn refused(r: &CheckResult, what: &str) {
    let e = r.error.as_deref().unwrap_or("");
    assert!(
        e.contains("tilt-img sandbox"),
        "{what}: not refused: {:?}",
        r.error
    );
}

#[test]
fn symlinks_out_of_the_tree_are_outside() {
    for call in [
        "read_file('link.yaml')",
        "read_yaml('link.yaml')",
        "k8s_yaml('link.yaml')",
        "read_file('dir/secret.yaml')",
        "k8s_yaml('dir/secret.yaml')",
        "listdir('dir')",
        "include('dir/Tiltfile')",
        "load('dir/Tiltfile', 'x')",
    ] {
        let c = case(&format!("{call}\n"));
        std::os::unix::fs::symlink(c.outside.join("secret.yaml"), c.tree.join("link.yaml"))
            .unwrap();
        std::os::unix::fs::symlink(&c.outside, c.tree.join("dir")).unwrap();
        refused(&load(&c.tree), call);
    }
}

#[test]
fn extension_names_stay_in_their_repository() {
    let c = case("load('ext://../../outside', 'x')\n");
    std::fs::create_dir_all(c.tree.join("tilt_extensions")).unwrap();
    let r = load(&c.tree);
    let e = r.error.unwrap_or_default();
    assert!(e.contains("invalid extension name"), "{e}");
    assert!(!r.prints.iter().any(|p| p.contains("outside ran")));
    // A link inside the repository to a Tiltfile elsewhere is refused too.
    let c = case("load('ext://evil', 'x')\n");
    std::fs::create_dir_all(c.tree.join("tilt_extensions")).unwrap();
    std::os::unix::fs::symlink(&c.outside, c.tree.join("tilt_extensions/evil")).unwrap();
    let e = load(&c.tree).error.unwrap_or_default();
    assert!(e.contains("leaves its extension repository"), "{e}");
}

#[test]
fn devices_and_fifos_are_never_opened() {
    let c = case("docker_build('a', '.', dockerfile='/dev/zero')\nread_file('fifo')\n");
    let st = std::process::Command::new("mkfifo")
        .arg(c.tree.join("fifo"))
        .status()
        .unwrap();
    assert!(st.success());
    let r = load(&c.tree);
    let e = r.error.unwrap_or_default();
    assert!(e.contains("not a regular file"), "{e}");
    assert!(
        r.state
            .sandboxed
            .iter()
            .any(|(call, _)| call.contains("/dev/zero")),
        "{:?}",
        r.state.sandboxed
    );
}

#[test]
fn existence_and_realpath_say_nothing_outside() {
    let c = case(
        "print(os.path.exists('../outside/secret.yaml'))\nprint(os.path.realpath('link.yaml'))\nprint(os.path.exists('Tiltfile'))\n",
    );
    std::os::unix::fs::symlink(c.outside.join("secret.yaml"), c.tree.join("link.yaml")).unwrap();
    let r = load(&c.tree);
    assert!(r.error.is_none(), "{:?}", r.error);
    assert_eq!(r.prints[0], "False");
    assert!(!r.prints[1].contains("outside"), "{}", r.prints[1]);
    assert_eq!(r.prints[2], "True");
    assert_eq!(r.state.sandboxed.len(), 2, "{:?}", r.state.sandboxed);
}

#[test]
fn circular_loads_are_tilts_error_not_a_crash() {
    for (main, other) in [
        ("load('./Tiltfile', 'x')\n", None),
        ("include('./Tiltfile')\n", None),
        (
            "load('./a.star', 'x')\n",
            Some("load('./Tiltfile', 'y')\nx = 1\n"),
        ),
        ("include('./a.star')\n", Some("include('./Tiltfile')\n")),
    ] {
        let c = case(main);
        if let Some(o) = other {
            std::fs::write(c.tree.join("a.star"), o).unwrap();
        }
        let e = load(&c.tree).error.unwrap_or_default();
        assert!(e.contains("Circular load: "), "{main}: {e}");
    }
}

#[test]
fn a_file_is_executed_once_however_often_it_is_loaded() {
    let c = case("load('./a.star', 'x')\nload('./a.star', 'x')\ninclude('./a.star')\n");
    std::fs::write(c.tree.join("a.star"), "print('ran')\nx = 1\n").unwrap();
    let r = load(&c.tree);
    assert!(r.error.is_none(), "{:?}", r.error);
    assert_eq!(r.prints, ["ran"]);
}

#[test]
fn deep_values_load() {
    let literal = format!("x = {}1{}\n", "[".repeat(3000), "]".repeat(3000));
    let built = "def deep():\n    x = []\n    for i in range(20000):\n        x = [x]\n    return x\ny = deep()\ns = str(y)\nprint(len(s))\n";
    for tf in [literal.as_str(), built] {
        let c = case(tf);
        let r = load(&c.tree);
        assert!(r.error.is_none(), "{:?}", r.error);
    }
}

#[test]
fn listdir_over_a_link_loop_ends() {
    let c = case("print(len(listdir('.', recursive=True)))\n");
    std::fs::create_dir_all(c.tree.join("a")).unwrap();
    std::os::unix::fs::symlink(&c.tree, c.tree.join("a/loop")).unwrap();
    let r = load(&c.tree);
    assert!(r.error.is_none(), "{:?}", r.error);
    // Tiltfile and the link itself, which is listed but not followed.
    assert_eq!(r.prints, ["2"]);
}

#[test]
fn one_step_budget_for_the_whole_run() {
    let spin = "def spin():\n    for i in range(60000):\n        pass\nspin()\n";
    let c = case("include('./a.star')\ninclude('./b.star')\ninclude('./c.star')\n");
    for f in ["a.star", "b.star", "c.star"] {
        std::fs::write(c.tree.join(f), spin).unwrap();
    }
    let opts = CheckOptions {
        max_steps: 100_000,
        ..Default::default()
    };
    let e = load_with(&c.tree, opts).error.unwrap_or_default();
    assert!(e.contains("stopped the Tiltfile after 100000 steps"), "{e}");
}
