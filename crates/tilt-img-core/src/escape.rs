//! The one place where text from input files meets generated code or a
//! terminal. Every string that `scan`, `fix` or a build plan embeds in
//! Starlark goes through [`starlark_str`] (inside a literal) or
//! [`comment`] (inside a `#` comment); every text report goes through
//! [`terminal`]. A newline, quote, backslash or control character from a
//! manifest can never end a literal or a comment, and no escape sequence
//! from a manifest reaches the terminal raw.

use std::borrow::Cow;
use std::fmt::Write;

/// Characters that must never appear raw in generated code or on a
/// terminal: C0 and C1 controls, DEL, Unicode line and paragraph
/// separators, and the bidirectional overrides that make text display in
/// another order than it runs ("trojan source").
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// `\n`, `\t`, `\xNN` or `\uNNNN`: the form both Go Starlark and
/// starlark-rust read back as the same character inside a string literal.
fn escaped(c: char, out: &mut String) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if (c as u32) < 0x80 => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\u{:04x}", c as u32);
        }
    }
}

/// A Starlark string literal (single-quoted) holding exactly `s`.
pub fn starlark_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            c if is_unsafe(c) => escaped(c, &mut out),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// One `#` comment line saying `text`: anything that could end the line
/// (or hide what follows) is shown escaped instead.
pub fn comment(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push_str("# ");
    out.push_str(&visible(text));
    out
}

/// `text` with every unsafe character shown as an escape (`\n`, `\x1b`).
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            escaped(c, &mut out);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Output made safe for a terminal: line breaks and tabs stay, every other
/// control character (ESC of an ANSI/OSC sequence, a carriage return that
/// would overwrite the line, C1 controls, bidi overrides) is shown as
/// `\uNNNN`. That form is also a JSON string escape of the same character,
/// so JSON output passed through here still parses to exactly the same
/// value.
pub fn terminal(text: &str) -> Cow<'_, str> {
    let unsafe_here = |c: char| c != '\n' && c != '\t' && is_unsafe(c);
    if !text.chars().any(unsafe_here) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_here(c) {
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_and_comments_cannot_be_left() {
        assert_eq!(starlark_str("^a\\.b/"), "'^a\\\\.b/'");
        assert_eq!(starlark_str("it's"), "'it\\'s'");
        assert_eq!(starlark_str("a\nb\r\u{1b}[31m"), "'a\\nb\\r\\x1b[31m'");
        assert_eq!(starlark_str("\u{2028}\u{202e}"), "'\\u2028\\u202e'");
        assert_eq!(
            comment("Widget\nlocal('touch /tmp/x')\n#"),
            "# Widget\\nlocal('touch /tmp/x')\\n#"
        );
        assert!(!comment("a\rb\u{85}c\u{2029}").contains(['\r', '\u{85}', '\u{2029}']));
    }

    #[test]
    fn terminal_keeps_lines_and_shows_escapes() {
        assert_eq!(terminal("a\n\tb"), "a\n\tb");
        assert_eq!(
            terminal("x\u{1b}]0;pwned\u{7}y"),
            "x\\u001b]0;pwned\\u0007y"
        );
        assert_eq!(terminal("a\rb\u{9b}"), "a\\u000db\\u009b");
        let json =
            serde_json::to_string(&serde_json::json!({"k": "\u{7f}\u{9b}\u{202e}\u{1b}"})).unwrap();
        let shown = terminal(&json);
        assert!(!shown.contains(['\u{7f}', '\u{9b}', '\u{202e}', '\u{1b}']));
        let back: serde_json::Value = serde_json::from_str(&shown).unwrap();
        assert_eq!(back["k"], "\u{7f}\u{9b}\u{202e}\u{1b}");
    }
}
