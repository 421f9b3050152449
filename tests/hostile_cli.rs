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

/// What a run of the binary did: its exit code, what it printed (stdout
/// then stderr) and its peak resident set, from `wait4`'s `ru_maxrss`.
struct Measured {
    code: Option<i32>,
    out: String,
    peak: u64,
}

/// Runs the binary in `dir`, within a deadline, and measures its peak.
fn measured(args: &[&str], dir: &Path) -> Measured {
    let (stdout, stderr) = (tempfile::tempfile().unwrap(), tempfile::tempfile().unwrap());
    #[expect(
        clippy::zombie_processes,
        reason = "reaped by wait4 below, which reports its peak too"
    )]
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tilt-img"))
        .args(args)
        .current_dir(dir)
        .stdout(stdout.try_clone().unwrap())
        .stderr(stderr.try_clone().unwrap())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let (status, usage) = loop {
        let mut status = 0;
        // SAFETY: plain out-parameters; the child is ours and not reaped yet.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid {
            break (status, usage);
        }
        assert_eq!(r, 0, "wait4: {}", std::io::Error::last_os_error());
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("tilt-img {args:?} did not finish within 120 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let read = |mut f: fs::File| {
        use std::io::{Read, Seek};
        let mut s = String::new();
        f.seek(std::io::SeekFrom::Start(0)).unwrap();
        f.read_to_string(&mut s).unwrap();
        s
    };
    Measured {
        code: libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)),
        out: read(stdout) + &read(stderr),
        // Linux reports kilobytes.
        peak: usage.ru_maxrss as u64 * 1024,
    }
}

const CAP_MIB: u64 = 64;
/// What the process may reach past the cap: the program itself and the
/// overshoot of one statement (or the allocator's ceiling, three caps).
const SLACK_MIB: u64 = 512;

/// `check --max-memory 64` of `files[0]` (the others beside it): stopped
/// with exit 1, everything in `says` in the output, the process under
/// cap + slack.
fn capped(files: &[(&str, &str)], says: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    for (name, text) in files {
        fs::write(tmp.path().join(name), text).unwrap();
    }
    let cap = CAP_MIB.to_string();
    let m = measured(&["check", "--max-memory", &cap, files[0].0], tmp.path());
    eprintln!("{:?}: peak {} MiB: {}", files[0].1, m.peak >> 20, m.out);
    assert_eq!(m.code, Some(1), "{}", m.out);
    for s in says {
        assert!(m.out.contains(s), "{files:?}: not {s:?}: {}", m.out);
    }
    assert!(
        m.peak < (CAP_MIB + SLACK_MIB) << 20,
        "{files:?}: peak {} MiB over the cap of {CAP_MIB} MiB + {SLACK_MIB} MiB",
        m.peak >> 20
    );
}

const OVER_CAP: &str =
    "Error: tilt-img stopped the Tiltfile: it uses more than 64 MiB of memory (--max-memory)";

#[test]
fn memory_cap_stops_doubling() {
    for tf in [
        "s = 'x'\nwhile True:\n    s = s + s\n",
        "l = [0]\nfor i in range(40):\n    l = l + l\n",
        "d = {}\nfor i in range(100000000):\n    d['key %d' % i] = [i]\n",
        "s = 'x'\nfor i in range(40):\n    s = '%s%s' % (s, s)\n",
        "l = [0]\nfor i in range(40):\n    l = decode_json(encode_json(l + l))\n",
    ] {
        capped(&[("Tiltfile", tf)], &["  ./Tiltfile:3:", OVER_CAP]);
    }
}

#[test]
fn memory_cap_holds_across_load_and_include() {
    // Each file alone stays under the cap; the run does not. (`s + s` of a
    // loaded string is folded when b.star is compiled, before line 2.)
    let files = [
        ("Tiltfile", "load('./a.star', 's')\ninclude('./b.star')\n"),
        ("a.star", "s = 'x' * (24 << 20)\n"),
        (
            "b.star",
            "load('./a.star', 's')\nt = s + s\nprint(len(t))\n",
        ),
    ];
    capped(&files, &["  ./b.star:2:", OVER_CAP]);
}

#[test]
fn one_huge_operation_is_refused_by_the_allocator() {
    for tf in [
        "s = 'x' * 2000000000\n",
        "l = [0] * 1000000000\n",
        "s = ('x' * 1000) * 2000000\n",
        "l = list(range(100000000))\n",
        "s = 'x' * (1 << 20)\nt = ','.join([s] * 2000)\n",
    ] {
        capped(
            &[("Tiltfile", tf)],
            &["tilt-img: stopped the Tiltfile: one operation asked for "],
        );
    }
}
