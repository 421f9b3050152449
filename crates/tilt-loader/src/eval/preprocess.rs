//! Tilt's Starlark allows `while`; the `starlark` crate's parser does not.
//! Before parsing, each `while COND:` header becomes a `for` over a huge
//! range whose first statement is `if not (COND): break`. `continue` then
//! re-checks the condition exactly as `while` would, and runaway loops are
//! stopped by the evaluator's step limit, not by the range.
//!
//! The inserted line shifts what follows, so the rewrite returns a
//! [`LineMap`] that turns positions in the rewritten text back into the
//! user's lines.

/// Large enough never to end a real loop; the step limit ends runaway ones.
const BOUND: &str = "2147483647";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineMap {
    /// `orig[i]` is the 1-based original line of rewritten line `i + 1`.
    orig: Vec<u32>,
}

impl LineMap {
    /// Original 1-based line for a 1-based line of the rewritten text.
    pub fn original(&self, line: u32) -> u32 {
        self.orig
            .get((line as usize).saturating_sub(1))
            .copied()
            .unwrap_or(line)
    }
}

#[derive(Debug)]
pub struct Rewritten {
    pub text: String,
    pub lines: LineMap,
    /// Lines (original numbering) of `while` loops that could not be rewritten.
    pub unsupported: Vec<u32>,
}

fn indent_of(line: &str) -> &str {
    &line[..line.len() - line.trim_start().len()]
}

/// The condition of a one-line `while` header, or None if the line is none.
fn while_header(line: &str) -> Option<(&str, &str)> {
    let t = line.trim_start();
    let rest = t.strip_prefix("while")?;
    if !rest.starts_with([' ', '\t', '(']) {
        return None;
    }
    // The header ends at the last ':' outside brackets and strings.
    let (mut depth, mut quote, mut colon) = (0i32, None::<char>, None);
    let mut escaped = false;
    for (i, c) in rest.char_indices() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '\'' | '"' => quote = Some(c),
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth -= 1,
                ':' if depth == 0 => {
                    colon = Some(i);
                    break;
                }
                '#' => break,
                _ => {}
            },
        }
    }
    let colon = colon?;
    Some((rest[..colon].trim(), rest[colon + 1..].trim()))
}

/// Tracks whether a line starts inside a triple-quoted string. A quote
/// inside a one-line string (`s = "'''"`) or a comment opens nothing.
fn toggles_triple_quote(line: &str, open: &mut Option<&'static str>) {
    let mut chars = line.chars().peekable();
    // The one-line string being skipped, if any.
    let mut single: Option<char> = None;
    while let Some(c) = chars.next() {
        if let Some(q) = *open {
            if c == '\\' {
                chars.next();
            } else if q.starts_with(c) && line_has_run(&mut chars, c) {
                *open = None;
            }
            continue;
        }
        if let Some(q) = single {
            if c == '\\' {
                chars.next();
            } else if c == q {
                single = None;
            }
            continue;
        }
        match c {
            '#' => return,
            '"' | '\'' => {
                if line_has_run(&mut chars, c) {
                    *open = Some(if c == '"' { "\"\"\"" } else { "'''" });
                } else if chars.peek() == Some(&c) {
                    chars.next(); // empty string
                } else {
                    single = Some(c);
                }
            }
            _ => {}
        }
    }
}

/// After one `c`: consumes two more `c` and says true, or consumes nothing.
fn line_has_run(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, c: char) -> bool {
    let mut ahead = chars.clone();
    if ahead.next() == Some(c) && ahead.next() == Some(c) {
        chars.next();
        chars.next();
        true
    } else {
        false
    }
}

pub fn rewrite_while(src: &str) -> Rewritten {
    let lines: Vec<&str> = src.split('\n').collect();
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    let mut orig = Vec::with_capacity(lines.len());
    let mut unsupported = Vec::new();
    let mut in_string: Option<&'static str> = None;
    let mut counter = 0;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let n = (i + 1) as u32;
        let starts_in_string = in_string.is_some();
        toggles_triple_quote(line, &mut in_string);
        let header = if starts_in_string {
            None
        } else {
            while_header(line)
        };
        match header {
            Some((cond, tail)) if !cond.is_empty() => {
                let ind = indent_of(line);
                let var = format!("_tilt_img_while_{counter}");
                counter += 1;
                out.push(format!("{ind}for {var} in range({BOUND}):"));
                orig.push(n);
                if tail.is_empty() || tail.starts_with('#') {
                    // Block form: the guard takes the body's indentation.
                    let body_indent = lines[i + 1..]
                        .iter()
                        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
                        .map(|l| indent_of(l).to_string())
                        .filter(|b| b.len() > ind.len())
                        .unwrap_or_else(|| format!("{ind}    "));
                    out.push(format!("{body_indent}if not ({cond}): break"));
                    orig.push(n);
                } else {
                    // One-line form `while c: stmt`.
                    out.push(format!("{ind}    if not ({cond}): break"));
                    orig.push(n);
                    out.push(format!("{ind}    {tail}"));
                    orig.push(n);
                }
            }
            Some(_) => {
                unsupported.push(n);
                out.push(line.to_string());
                orig.push(n);
            }
            None => {
                if !starts_in_string
                    && line.trim_start().starts_with("while")
                    && while_header(line).is_none()
                {
                    let t = line.trim_start();
                    if t.len() > 5 && t[5..].starts_with([' ', '\t', '(']) {
                        // A header spread over several lines.
                        unsupported.push(n);
                    }
                }
                out.push(line.to_string());
                orig.push(n);
            }
        }
        i += 1;
    }
    Rewritten {
        text: out.join("\n"),
        lines: LineMap { orig },
        unsupported,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_while_becomes_guarded_for() {
        let r = rewrite_while("i = 0\nwhile i < 2:\n    i += 1\nprint(i)\n");
        assert_eq!(
            r.text,
            "i = 0\nfor _tilt_img_while_0 in range(2147483647):\n    if not (i < 2): break\n    i += 1\nprint(i)\n"
        );
        assert_eq!(r.lines.original(3), 2);
        assert_eq!(r.lines.original(5), 4);
    }

    #[test]
    fn one_line_while_and_nested_colons() {
        let r = rewrite_while("while d.get('a', {'x': 1})['x'] > 5: d['a'] = {}\n");
        assert!(r.text.starts_with("for _tilt_img_while_0 in range(2147483647):\n    if not (d.get('a', {'x': 1})['x'] > 5): break\n    d['a'] = {}"));
    }

    #[test]
    fn while_inside_strings_and_names_is_left_alone() {
        let src = "s = '''\nwhile x:\n'''\nwhile_count = 1\n# while x:\n";
        let r = rewrite_while(src);
        assert_eq!(r.text, src);
        assert!(r.unsupported.is_empty());
    }

    #[test]
    fn multi_line_header_is_reported() {
        let r = rewrite_while("while (a and\n       b):\n    pass\n");
        assert_eq!(r.unsupported, vec![1]);
    }
}
