//! The memory cap, measured in-process: this test binary installs the
//! loader's counting allocator, as the tilt-img binary does, and each case
//! asserts the real peak (the process's VmHWM, reset before the case) as
//! well as the error. Cases run one at a time, each within a deadline.
//! (A single operation beyond the allocator's ceiling ends the process, so
//! those cases are in the root `tests/hostile_cli.rs`, through the binary.)

use std::alloc::System;
use std::sync::{Mutex, mpsc};
use std::time::Duration;
use tilt_loader::memory::{self, Counting};
use tilt_loader::{CheckOptions, check};

#[global_allocator]
static GLOBAL: Counting<System> = Counting::new(System, 1);

const CAP: usize = 64 << 20;
/// What the process may reach past the cap: the test binary itself, and
/// the overshoot of one statement.
const SLACK: u64 = 512 << 20;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn vm_hwm() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kb: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kb << 10
}

struct Outcome {
    error: String,
    peak: u64,
}

/// Runs `files[0]` as the Tiltfile (the others beside it) with the cap,
/// within a deadline; the peak is the process's, from the run's start.
fn run(files: &[(&str, &str)]) -> Outcome {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    assert!(memory::metered(), "the counting allocator is not installed");
    let tmp = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(tmp.path().join(name), text).unwrap();
    }
    let tiltfile = tmp.path().join(files[0].0);
    // Linux: writing 5 resets the peak resident set size to the current.
    std::fs::write("/proc/self/clear_refs", "5").unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let opts = CheckOptions {
            max_memory: CAP,
            ..Default::default()
        };
        let _ = tx.send(check(&tiltfile, &opts).error);
    });
    let error = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the run did not finish within 60 s")
        .unwrap_or_default();
    Outcome {
        error,
        peak: vm_hwm(),
    }
}

/// Stopped by the cap at `at` (`FILE:LINE`), the process under cap + slack.
fn capped(o: &Outcome, at: &str) {
    eprintln!("peak {} MiB: {}", o.peak >> 20, o.error);
    assert!(
        o.error
            .contains("tilt-img stopped the Tiltfile: it uses more than 64 MiB of memory"),
        "not stopped by the cap: {}",
        o.error
    );
    assert!(
        o.error.contains(&format!("  {at}:")),
        "not at {at}: {}",
        o.error
    );
    assert!(
        o.peak < CAP as u64 + SLACK,
        "peak {} MiB over the cap of {} MiB + {} MiB",
        o.peak >> 20,
        CAP >> 20,
        SLACK >> 20
    );
}

#[test]
fn string_doubling() {
    let o = run(&[("Tiltfile", "s = 'x'\nwhile True:\n    s = s + s\n")]);
    capped(&o, "./Tiltfile:3");
}

#[test]
fn list_doubling() {
    let o = run(&[("Tiltfile", "l = [0]\nfor i in range(40):\n    l = l + l\n")]);
    capped(&o, "./Tiltfile:3");
}

#[test]
fn dict_growth() {
    let o = run(&[(
        "Tiltfile",
        "d = {}\nfor i in range(100000000):\n    d['key %d' % i] = [i]\n",
    )]);
    capped(&o, "./Tiltfile:3");
}

#[test]
fn a_function_body() {
    let o = run(&[(
        "Tiltfile",
        "def grow(s):\n    for i in range(40):\n        s += s\n    return s\ngrow('x')\n",
    )]);
    capped(&o, "./Tiltfile:3");
}

#[test]
fn a_comprehension_has_no_statements() {
    let o = run(&[(
        "Tiltfile",
        "s = 'x' * 1000\nl = [s + str(i) for i in range(100000000)]\n",
    )]);
    capped(&o, "./Tiltfile:2");
}

#[test]
fn a_large_read_is_caught_when_the_call_returns() {
    // 70 MiB in one call (the file, then starlark's copy of it: under the
    // allocator's ceiling); starlark runs the hook again when a call
    // returns into its statement, so the statement goes no further.
    let big = "x".repeat(70 << 20);
    let o = run(&[
        (
            "Tiltfile",
            "s = read_file('big.txt') + 'y'\nprint(len(s))\n",
        ),
        ("big.txt", &big),
    ]);
    capped(&o, "./Tiltfile:1");
}

#[test]
fn one_cap_across_load_and_include() {
    // Each file alone stays under the cap; the run does not. (`s + s` of a
    // loaded string is folded when b.star is compiled, before line 2.)
    let o = run(&[
        ("Tiltfile", "load('./a.star', 's')\ninclude('./b.star')\n"),
        ("a.star", "s = 'x' * (24 << 20)\n"),
        (
            "b.star",
            "load('./a.star', 's')\nt = s + s\nprint(len(t))\n",
        ),
    ]);
    capped(&o, "./b.star:2");
}

#[test]
fn an_ordinary_tiltfile_loads_under_a_small_cap() {
    let o = run(&[(
        "Tiltfile",
        "parts = []\nfor i in range(10000):\n    parts.append(str(i))\ns = ''.join(parts)\nd = {str(i): [i] for i in range(10000)}\nk8s_yaml(blob('kind: ConfigMap\\napiVersion: v1\\nmetadata: {name: c}\\n'))\n",
    )]);
    assert_eq!(o.error, "");
}
