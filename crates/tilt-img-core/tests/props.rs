//! Property tests for tilt-img-core's hostile-input surfaces: the TOML
//! reader and the escaping module. The default run is a smoke run;
//! `TILT_IMG_FUZZ_CASES=100000 cargo test -p tilt-img-core --test props --release`
//! is the long one (see README, "Fuzzing").

use proptest::prelude::*;
use std::path::Path;
use std::time::{Duration, Instant};
use tilt_img_core::escape::{comment, starlark_str, terminal};
use tilt_img_core::registry::tree::parse_toml;
use tilt_loader::tree::{Node, Value};
use tilt_loader::{CheckOptions, CheckResult, Preset};

const BOUND: Duration = Duration::from_secs(2);

fn config() -> ProptestConfig {
    let cases = std::env::var("TILT_IMG_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        cases,
        max_shrink_time: 60_000,
        ..ProptestConfig::default()
    }
}

fn timed<T>(what: &str, input: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let r = f();
    let took = start.elapsed();
    assert!(took < BOUND, "{what} took {took:?} on {input:?}");
    r
}

fn nasty_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => any::<char>(),
        1 => (0u32..0x20).prop_map(|c| char::from_u32(c).unwrap()),
        1 => (0x7fu32..0xa0).prop_map(|c| char::from_u32(c).unwrap()),
        2 => prop::sample::select(vec![
            '\n', '\r', '\t', '\u{0}', '\u{1b}', '\u{85}', '\u{2028}', '\u{2029}', '\u{202e}',
            '\u{200e}', '\u{2066}', '\u{feff}', '\'', '"', '\\', '#', '{', '}',
        ]),
    ]
}

fn nasty_string(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(nasty_char(), 0..max).prop_map(|v| v.into_iter().collect())
}

// ---------------------------------------------------------------- TOML

fn walk(node: &Node, out: &mut Vec<u32>) {
    out.push(node.line);
    match &node.value {
        Value::Seq(items) => items.iter().for_each(|n| walk(n, out)),
        Value::Map(entries) => {
            for e in entries {
                out.push(e.key_line);
                walk(&e.value, out);
            }
        }
        _ => {}
    }
}

fn check_toml(text: &str) {
    let max = text.split('\n').count() as u32;
    match timed("parse_toml", text, || parse_toml(text)) {
        Ok(node) => {
            let mut lines = vec![];
            walk(&node, &mut lines);
            for l in lines {
                assert!((1..=max).contains(&l), "line {l} of {max}: {text:?}");
            }
        }
        Err((l, _)) => assert!((1..=max).contains(&l), "error line {l} of {max}: {text:?}"),
    }
}

fn tomlish() -> impl Strategy<Value = String> {
    let token = prop::sample::select(vec![
        "[",
        "]",
        "[[",
        "]]",
        "a",
        "b.c",
        "\"q\"",
        "'l'",
        " = ",
        "=",
        "1",
        "1.5",
        "-0",
        "inf",
        "nan",
        "true",
        "1979-05-27T07:32:00Z",
        "07:32:00",
        "\"\"\"",
        "'''",
        "{",
        "}",
        ", ",
        "#",
        "\\",
        "\\u00e9",
        "\\U0010ffff",
        "\t",
        "\r",
        "\u{feff}",
        "plugins",
        "\"io.containerd\"",
        "0x1f",
        "1_000",
        "+",
    ]);
    let line = prop::collection::vec(token, 0..8).prop_map(|t| t.concat());
    prop::collection::vec(line, 0..16).prop_map(|l| l.join("\n"))
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn toml_arbitrary_text(text in nasty_string(256)) {
        check_toml(&text);
    }

    #[test]
    fn toml_structured_text(text in tomlish()) {
        check_toml(&text);
    }
}

// ---------------------------------------------------------------- escaping

/// Unsafe as `escape` defines it: controls, line/paragraph separators, bidi.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

fn load(text: &str) -> CheckResult {
    timed("run", text, || {
        tilt_loader::run(
            Path::new("/nonexistent/Tiltfile"),
            text,
            Preset::default(),
            &CheckOptions::default(),
        )
    })
}

fn declares_nothing(r: &CheckResult) -> bool {
    let s = &r.state;
    s.entities.is_empty()
        && s.images.is_empty()
        && s.kinds.is_empty()
        && s.resource_opts.is_empty()
        && s.default_registry.is_none()
        && s.suppress_unused.is_empty()
        && s.output.is_empty()
        && s.noops.is_empty()
        && s.sandboxed.is_empty()
        && s.ext_repos.is_empty()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn starlark_str_reads_back_exactly(s in nasty_string(48)) {
        let lit = starlark_str(&s);
        prop_assert!(!lit.contains('\n'), "{}", lit);
        // Compared with the same text built from code points, and printed.
        let points: Vec<String> = s.chars().map(|c| (c as u32).to_string()).collect();
        let tiltfile = format!(
            "x = {lit}\nwant = ''.join([chr(c) for c in [{}]])\nif x != want:\n    fail('differs: %r' % x)\nprint(x)\n",
            points.join(", ")
        );
        let r = load(&tiltfile);
        prop_assert!(r.error.is_none(), "{:?}\n{}", r.error, tiltfile);
        prop_assert_eq!(r.prints, vec![s]);
    }

    #[test]
    fn comment_is_one_inert_line(s in nasty_string(64)) {
        let c = comment(&s);
        prop_assert!(c.starts_with('#'));
        prop_assert!(!c.chars().any(is_unsafe), "{:?}", c);
        let tiltfile = format!("{c}\nprint('after')\n");
        let r = load(&tiltfile);
        prop_assert!(r.error.is_none(), "{:?}\n{:?}", r.error, tiltfile);
        prop_assert_eq!(&r.prints, &vec!["after".to_string()]);
        prop_assert!(declares_nothing(&r), "{:?}", tiltfile);
    }

    #[test]
    fn terminal_keeps_only_newline_and_tab(s in nasty_string(64)) {
        let t = terminal(&s);
        prop_assert!(!t.chars().any(|c| c != '\n' && c != '\t' && is_unsafe(c)), "{:?}", t);
        let json = serde_json::to_string(&s).unwrap();
        let back: String = serde_json::from_str(&terminal(&json)).unwrap();
        prop_assert_eq!(&back, &s);
        // Also as a key and inside pretty output.
        let obj = serde_json::json!({ s.clone(): [s.clone()] });
        let pretty = serde_json::to_string_pretty(&obj).unwrap();
        let back: serde_json::Value = serde_json::from_str(&terminal(&pretty)).unwrap();
        prop_assert_eq!(back, obj);
    }
}
