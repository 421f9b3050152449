//! Property tests over the loader's hostile-input surfaces: the YAML tree,
//! Tilt's JSONPath and the `while` rewriter. The default run is a smoke run;
//! `TILT_IMG_FUZZ_CASES=100000 cargo test -p tilt-loader --test props --release`
//! is the long one (see README, "Fuzzing").

use proptest::prelude::*;
use serde_json::Value as J;
use std::path::Path;
use std::time::{Duration, Instant};
use tilt_loader::jsonpath::JsonPath;
use tilt_loader::preprocess::rewrite_while;
use tilt_loader::tree::{Node, Value, parse_stream};
use tilt_loader::{CheckOptions, Preset};

/// Per-case time bound (debug builds included).
const BOUND: Duration = Duration::from_secs(2);

fn config() -> ProptestConfig {
    let cases = std::env::var("TILT_IMG_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(96);
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

/// Lines of a text as an editor numbers them: `\n` ends a line.
fn line_count(text: &str) -> u32 {
    text.split('\n').count() as u32
}

/// Characters that stress the parsers: controls, line and paragraph
/// separators, bidi overrides, BOMs, quotes and backslashes.
fn nasty_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => any::<char>(),
        1 => prop::sample::select(vec![
            '\n', '\r', '\t', '\u{0}', '\u{1b}', '\u{7f}', '\u{85}', '\u{9b}', '\u{2028}',
            '\u{2029}', '\u{202e}', '\u{feff}', '\u{fffe}', '\'', '"', '\\', '#', ':', '-',
        ]),
    ]
}

fn nasty_string(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(nasty_char(), 0..max).prop_map(|v| v.into_iter().collect())
}

// ---------------------------------------------------------------- YAML

fn walk<'a>(node: &'a Node, out: &mut Vec<(u32, &'a str)>) {
    out.push((node.line, "node"));
    match &node.value {
        Value::Seq(items) => items.iter().for_each(|n| walk(n, out)),
        Value::Map(entries) => {
            for e in entries {
                out.push((e.key_line, "key"));
                walk(&e.value, out);
            }
        }
        _ => {}
    }
}

fn check_yaml(text: &str) {
    let parsed = timed("parse_stream", text, || parse_stream(text));
    let max = line_count(text);
    let mut lines = vec![];
    for d in &parsed.documents {
        lines.push((d.line, "document"));
        walk(&d.root, &mut lines);
    }
    for (line, what) in lines {
        assert!(
            line <= max,
            "{what} at line {line} of a {max}-line input: {text:?}"
        );
    }
    if let Some(e) = &parsed.error {
        assert!(
            e.line <= max,
            "error at line {} of a {max}-line input: {text:?}",
            e.line
        );
    }
}

/// One line of YAML-ish text: an indentation, then tokens.
fn yamlish_line() -> impl Strategy<Value = String> {
    let token = prop::sample::select(vec![
        "- ",
        "key: ",
        "k: ",
        "a:",
        "&a ",
        "*a",
        "&b ",
        "*b",
        "<<: ",
        "<<: *a",
        "[",
        "]",
        "{",
        "}",
        ", ",
        "'",
        "\"",
        "''",
        "\"\"",
        "\t",
        "\u{feff}",
        "---",
        "...",
        "# c",
        "? ",
        "|",
        ">-",
        "!!str ",
        "!t ",
        "x",
        "1",
        "1.5e3",
        "true",
        "null",
        "~",
        "a: b",
        "\\",
        "%YAML 1.2",
        "\r",
        "\u{85}",
        "\u{2028}",
        ":",
        " ",
        "  ",
        "*",
        "&",
        "@",
        "`",
        "0x1f",
        "-",
    ]);
    (
        0usize..8,
        prop::bool::ANY,
        prop::collection::vec(token, 0..6),
    )
        .prop_map(|(ind, tab, toks)| {
            let mut s = if tab {
                "\t".repeat(ind / 3)
            } else {
                " ".repeat(ind)
            };
            s.extend(toks);
            s
        })
}

fn yamlish() -> impl Strategy<Value = String> {
    prop::collection::vec(yamlish_line(), 0..24).prop_map(|ls| ls.join("\n"))
}

/// Characters YAML allows raw inside a double-quoted scalar; JSON output
/// (which escapes only `"`, `\` and C0 controls) must escape the rest for
/// YAML to read it.
fn yaml_printable(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{7e}' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
        && c != '\u{feff}'
}

/// serde_json's text with every character YAML forbids raw written as a
/// JSON `\u` escape (still the same JSON value).
fn yaml_safe_json(v: &J, pretty: bool) -> String {
    let raw = if pretty {
        serde_json::to_string_pretty(v).unwrap()
    } else {
        serde_json::to_string(v).unwrap()
    };
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        if yaml_printable(c) {
            out.push(c);
        } else {
            let mut buf = [0u16; 2];
            for u in c.encode_utf16(&mut buf) {
                out.push_str(&format!("\\u{u:04x}"));
            }
        }
    }
    out
}

fn json_key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-z]{1,6}",
        1 => prop::sample::select(vec![
            "<<", "", "-", "- a", "true", "null", "~", "1", "a: b", "#", "&a", "*a", "? x", "[]",
        ]).prop_map(str::to_string),
        1 => nasty_string(8),
    ]
}

fn json_value() -> impl Strategy<Value = J> {
    let leaf = prop_oneof![
        Just(J::Null),
        any::<bool>().prop_map(J::Bool),
        any::<i64>().prop_map(J::from),
        any::<u64>().prop_map(J::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(J::from),
        nasty_string(12).prop_map(J::String),
        prop::sample::select(vec![
            "true",
            "no",
            "~",
            "null",
            "1",
            "0x10",
            "1e3",
            ".inf",
            "- a",
            "a: b",
            "'",
            "\"",
            "&a",
            "*a",
            "<<",
            "#x",
            " lead",
            "trail ",
            "",
            "2024-01-01",
        ])
        .prop_map(|s| J::String(s.to_string())),
    ];
    leaf.prop_recursive(6, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(J::Array),
            prop::collection::vec((json_key(), inner), 0..6)
                .prop_map(|kv| J::Object(kv.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn yaml_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        check_yaml(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn yaml_arbitrary_text(text in nasty_string(256)) {
        check_yaml(&text);
    }

    #[test]
    fn yaml_structured_text(text in yamlish()) {
        check_yaml(&text);
    }

    #[test]
    fn json_round_trips_through_the_yaml_tree(v in json_value(), pretty in any::<bool>()) {
        let text = yaml_safe_json(&v, pretty);
        let parsed = timed("parse_stream", &text, || parse_stream(&text));
        prop_assert!(parsed.error.is_none(), "{:?} on {text}", parsed.error);
        prop_assert_eq!(parsed.documents.len(), 1);
        prop_assert_eq!(parsed.documents[0].root.to_json(), v, "{}", text);
        check_yaml(&text);
    }
}

// ---------------------------------------------------------------- JSONPath

fn jsonpath_text() -> impl Strategy<Value = String> {
    let token = prop::sample::select(vec![
        "{",
        "}",
        ".",
        "..",
        "[",
        "]",
        "[*]",
        "[0]",
        "[-1]",
        "[1:]",
        "[:2]",
        "[::-1]",
        "[0:9:2]",
        "?(",
        ")",
        "@",
        "@.a",
        "$",
        "*",
        ":",
        ",",
        "==",
        "!=",
        "<",
        ">",
        "<=",
        ">=",
        "=~",
        "'",
        "\"",
        "'x'",
        "\"a\"",
        "a",
        "b",
        "spec",
        "image",
        "containers",
        "range",
        "end",
        "{range}",
        "{end}",
        "{.a}",
        "{.a[*].b}",
        "{.spec..image}",
        "{@}",
        "{$}",
        "\\",
        " ",
        "\t",
        "1",
        "-",
        "2.5",
        "true",
        "false",
        "\u{0}",
        "\u{202e}",
        "\u{10ffff}",
        "9223372036854775808",
    ]);
    prop_oneof![
        4 => prop::collection::vec(token, 0..16).prop_map(|t| t.concat()),
        1 => nasty_string(64),
    ]
}

fn jsonpath_object() -> impl Strategy<Value = J> {
    let leaf = prop_oneof![
        Just(J::Null),
        any::<bool>().prop_map(J::Bool),
        (-3i64..10).prop_map(J::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(J::from),
        prop::sample::select(vec!["x", "a", "nginx:1", ""]).prop_map(|s| J::String(s.into())),
    ];
    let key = prop::sample::select(vec!["a", "b", "spec", "image", "containers", "0", "x"])
        .prop_map(str::to_string);
    leaf.prop_recursive(6, 96, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(J::Array),
            prop::collection::vec((key.clone(), inner), 0..5)
                .prop_map(|kv| J::Object(kv.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn jsonpath_parses_and_evaluates_without_panic(path in jsonpath_text(), obj in jsonpath_object()) {
        let parsed = timed("JsonPath::parse", &path, || JsonPath::parse(&path));
        if let Ok(p) = parsed {
            prop_assert_eq!(p.text(), path.as_str());
            let _ = timed("visit", &path, || p.visit(&obj));
            let _ = timed("locate", &path, || p.locate(&obj));
            let _ = timed("find_strings", &path, || p.find_strings(&obj));
        }
    }
}

// ---------------------------------------------------------------- while

/// Parses like the loader does (same dialect), without running.
fn starlark_parses(text: &str) -> Result<(), String> {
    let mut d = starlark::syntax::Dialect::Extended;
    d.enable_types = starlark::syntax::DialectTypes::Disable;
    d.enable_f_strings = false;
    starlark::syntax::AstModule::parse("Tiltfile", text.to_string(), &d)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

fn check_line_map(src: &str) {
    let rw = timed("rewrite_while", src, || rewrite_while(src));
    let orig = line_count(src);
    for k in 1..=line_count(&rw.text) {
        let o = rw.lines.original(k);
        assert!(
            (1..=orig).contains(&o),
            "rewritten line {k} maps to {o}, outside 1..={orig}: {src:?}"
        );
    }
    for &u in &rw.unsupported {
        assert!((1..=orig).contains(&u), "unsupported line {u}: {src:?}");
    }
}

#[derive(Debug, Clone)]
enum Stmt {
    Simple(String),
    /// A triple-quoted string statement spanning lines.
    Doc(String),
    Comment(usize, String),
    Blank,
    If(String, Vec<Stmt>),
    For(Vec<Stmt>),
    While(String, Option<String>, Vec<Stmt>),
    WhileOneLine(String, String),
}

fn cond() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "i < 3",
        "x",
        "not done",
        "(i)",
        "len(l) > 0 and l[0] != ':'",
        "d.get('a:b', {'x': 1})['x'] > 5",
        "'while x:' in s",
        "s == \"'''\"",
        "s == '\"\"\"'",
        "s != '#'",
        "s == '\\\\'",
        "s == 'a\\'b:'",
        "[1, 2][0] == 1",
        "x if done else i",
        "f(1, 2) == {'k': [1]}.get('k')[0]",
        "(i <\n  3)",
    ])
    .prop_map(str::to_string)
}

fn simple() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "i += 1",
        "x = 0",
        "done = True",
        "s = 'while a: b'",
        "s = \"while(x):\"",
        "s = \"'''\"",
        "s = '\"\"\"'",
        "l = [1, 'while', {'a': 2}]",
        "d = {'while': 1, 'x': ':'}",
        "pass",
        "print(s)",
        "x = i  # while i: comment",
        "s = 'a\\\\'",
        "s = 'a\\'b'",
        "l = [\n  1,\n  2,\n]",
        "s = 'x' + \\\n  'y'",
    ])
    .prop_map(str::to_string)
}

fn doc() -> impl Strategy<Value = String> {
    let line = prop::sample::select(vec![
        "while x:",
        "  while y: z",
        "while(",
        "'''",
        "it's",
        "# while",
        "",
        "for i in l:",
    ]);
    (
        prop::bool::ANY,
        prop::collection::vec(line, 0..4),
        prop::bool::ANY,
    )
        .prop_map(|(single, lines, trailing)| {
            let q = if single { "'''" } else { "\"\"\"" };
            let body = lines
                .into_iter()
                .filter(|l| !l.contains(q))
                .collect::<Vec<_>>()
                .join("\n");
            let end = if trailing { " x" } else { "" };
            format!("{q}{body}{end}{q}")
        })
}

fn comment() -> impl Strategy<Value = (usize, String)> {
    (
        0usize..6,
        prop::sample::select(vec![
            "# while x:",
            "# '''",
            "# \"\"\"",
            "#",
            "# while(i): x",
        ]),
    )
        .prop_map(|(i, c)| (i, c.to_string()))
}

fn stmt() -> impl Strategy<Value = Stmt> {
    let leaf = prop_oneof![
        4 => simple().prop_map(Stmt::Simple),
        1 => doc().prop_map(Stmt::Doc),
        1 => comment().prop_map(|(i, c)| Stmt::Comment(i, c)),
        1 => Just(Stmt::Blank),
        1 => (cond(), simple()).prop_map(|(c, s)| Stmt::WhileOneLine(c, s)),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        // A body holds at least one statement besides comments and blanks.
        let body = (
            prop::collection::vec(inner, 0..4),
            simple(),
            any::<prop::sample::Index>(),
        )
            .prop_map(|(mut b, s, at)| {
                b.insert(at.index(b.len() + 1), Stmt::Simple(s));
                b
            })
            .boxed();
        let header_comment = prop::option::of(prop::sample::select(vec!["# loop", "# while x:"]));
        prop_oneof![
            (cond(), body.clone()).prop_map(|(c, b)| Stmt::If(c, b)),
            body.clone().prop_map(Stmt::For),
            (cond(), header_comment, body).prop_map(|(c, h, b)| Stmt::While(
                c,
                h.map(str::to_string),
                b
            )),
        ]
    })
}

/// Renders statements; with `loops = false` every `while` header becomes a
/// `for` over a one-element list (same lines, same body, no `while`).
fn render(stmts: &[Stmt], depth: usize, unit: &str, loops: bool, out: &mut Vec<String>) {
    let ind = unit.repeat(depth);
    let header = |c: &str| {
        if loops {
            format!("while {c}")
        } else {
            format!("for _w in [{c}]")
        }
    };
    for s in stmts {
        match s {
            Stmt::Simple(t) => {
                for (k, l) in t.split('\n').enumerate() {
                    out.push(if k == 0 {
                        format!("{ind}{l}")
                    } else {
                        l.into()
                    });
                }
            }
            Stmt::Doc(t) => {
                for (k, l) in t.split('\n').enumerate() {
                    out.push(if k == 0 {
                        format!("{ind}{l}")
                    } else {
                        l.into()
                    });
                }
            }
            Stmt::Comment(i, c) => out.push(format!("{}{c}", " ".repeat(*i))),
            Stmt::Blank => out.push(String::new()),
            Stmt::If(c, b) => {
                out.push(format!("{ind}if {}:", c.replace('\n', " ")));
                render(b, depth + 1, unit, loops, out);
            }
            Stmt::For(b) => {
                out.push(format!("{ind}for _v in l:"));
                render(b, depth + 1, unit, loops, out);
            }
            Stmt::While(c, h, b) => {
                let tail = h.as_deref().map(|h| format!("  {h}")).unwrap_or_default();
                for (k, l) in format!("{}:{tail}", header(c)).split('\n').enumerate() {
                    out.push(if k == 0 {
                        format!("{ind}{l}")
                    } else {
                        l.into()
                    });
                }
                render(b, depth + 1, unit, loops, out);
            }
            Stmt::WhileOneLine(c, t) => {
                let t = t.replace('\n', " ").replace(" \\ ", " ");
                for (k, l) in format!("{}: {t}", header(c)).split('\n').enumerate() {
                    out.push(if k == 0 {
                        format!("{ind}{l}")
                    } else {
                        l.into()
                    });
                }
            }
        }
    }
}

const PRELUDE: &str =
    "i = 0\nx = 1\ns = 'a'\nl = [1]\nd = {}\ndone = False\ndef f(a, b):\n    return a\n";

fn program() -> impl Strategy<Value = (String, String)> {
    (
        prop::collection::vec(stmt(), 1..6),
        prop::sample::select(vec!["    ", "  "]),
    )
        .prop_map(|(stmts, unit)| {
            let (mut with, mut without) = (vec![], vec![]);
            render(&stmts, 0, unit, true, &mut with);
            render(&stmts, 0, unit, false, &mut without);
            (
                format!("{PRELUDE}{}\n", with.join("\n")),
                format!("{PRELUDE}{}\n", without.join("\n")),
            )
        })
}

fn multi_line_header(src: &str) -> bool {
    src.lines()
        .any(|l| l.trim_start().starts_with("while (i <"))
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn while_rewriter_arbitrary_text(src in nasty_string(256)) {
        check_line_map(&src);
    }

    #[test]
    fn while_rewriter_keeps_programs_parsing((with, without) in program()) {
        check_line_map(&with);
        // The loop-free twin parses by construction; if it does, so must the rewrite.
        prop_assert!(starlark_parses(&without).is_ok(), "twin: {:?}\n{}", starlark_parses(&without), without);
        let rw = rewrite_while(&with);
        if multi_line_header(&with) {
            // Documented limitation: refused with a message, never mis-rewritten.
            prop_assert!(!rw.unsupported.is_empty(), "{}", with);
        } else {
            prop_assert!(rw.unsupported.is_empty(), "{:?}\n{}", rw.unsupported, with);
            prop_assert!(starlark_parses(&rw.text).is_ok(), "{:?}\n--- program\n{}\n--- rewritten\n{}", starlark_parses(&rw.text), with, rw.text);
        }
        let opts = CheckOptions { max_steps: 200_000, ..CheckOptions::default() };
        let r = timed("run", &with, || tilt_loader::run(Path::new("/nonexistent/Tiltfile"), &with, Preset::default(), &opts));
        let e = r.error.unwrap_or_default();
        prop_assert!(!e.contains("internal error"), "{}\n{}", e, with);
    }
}

// ---------------------------------------------------------------- found by the properties

#[test]
fn regression_quoted_merge_key_is_an_ordinary_key() {
    let v: J = serde_json::from_str(r#"{"a":{"<<":null}}"#).unwrap();
    let p = parse_stream(r#"{"a":{"<<":null}}"#);
    assert_eq!(p.documents[0].root.to_json(), v);
    // A plain `<<` still merges.
    let p = parse_stream("b: &b {x: 1}\nc:\n  <<: *b\n");
    assert_eq!(p.documents[0].root.to_json()["c"]["x"], 1);
}

#[test]
fn regression_lines_count_newlines_only() {
    check_yaml("%YAML 1.2");
    check_yaml("\u{a1}\r\u{0}");
    let p = parse_stream("a: 1\rb: 2\nc: 3\n");
    let c = p.documents[0].root.get("c").map(|n| n.line);
    assert!(p.error.is_some() || c == Some(2), "{c:?}");
}

#[test]
fn regression_triple_quote_inside_a_string_opens_nothing() {
    let src = "s = \"'''\"\nwhile s == '\\\\':\n    s = ''\n# '''\nwhile i < 3:\n    i += 1\n";
    let rw = rewrite_while(src);
    assert!(rw.unsupported.is_empty(), "{:?}", rw.unsupported);
    assert!(
        !rw.text.lines().any(|l| l.trim_start().starts_with("while")),
        "{}",
        rw.text
    );
    assert!(starlark_parses(&rw.text).is_ok());
}
