//! A rule's doc comment, cut into the fields of [`Rule`](super::Rule) at
//! compile time.
//!
//! [`rule!`](super) hands the doc comment over as one string, a line per `///`
//! line. It is a summary paragraph, then the sections `# What it finds`,
//! `# Why it breaks`, `# Fix` (one paragraph each, its lines joined with one
//! space) and `# Sources` (a `- ` list, one source a line). A missing or empty
//! section, or a second paragraph, fails the build.

/// Content of the line that starts at `at` (without the space after `///`
/// and trailing spaces) as `(start, end)`, and where the next line starts.
const fn line(doc: &[u8], at: usize) -> (usize, usize, usize) {
    let mut end = at;
    while end < doc.len() && doc[end] != b'\n' {
        end += 1;
    }
    let next = if end < doc.len() { end + 1 } else { end };
    let mut s = at;
    while s < end && doc[s] == b' ' {
        s += 1;
    }
    let mut e = end;
    while e > s && doc[e - 1] == b' ' {
        e -= 1;
    }
    (s, e, next)
}

/// `doc[s..e]` starts with `prefix`.
const fn starts_with(doc: &[u8], s: usize, e: usize, prefix: &[u8]) -> bool {
    if e - s < prefix.len() {
        return false;
    }
    let mut i = 0;
    while i < prefix.len() {
        if doc[s + i] != prefix[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Lines under `# {header}` as `(start, end)`; header `""` is the summary,
/// the lines before the first header.
const fn section(doc: &[u8], header: &[u8]) -> (usize, usize) {
    let mut start = if header.is_empty() { 0 } else { usize::MAX };
    let mut at = 0;
    while at < doc.len() {
        let (s, e, next) = line(doc, at);
        if starts_with(doc, s, e, b"# ") {
            if start != usize::MAX {
                return (start, at);
            }
            if e - s == header.len() + 2 && starts_with(doc, s + 2, e, header) {
                start = next;
            }
        }
        at = next;
    }
    if start == usize::MAX {
        panic!(
            "a rule's doc comment lacks a section (# What it finds, # Why it breaks, # Fix, # Sources)"
        );
    }
    (start, doc.len())
}

/// Length of the section's paragraph, its lines joined with one space.
pub const fn text_len(doc: &str, header: &str) -> usize {
    let doc = doc.as_bytes();
    let (mut at, end) = section(doc, header.as_bytes());
    let mut len = 0;
    let mut lines = 0;
    let mut blank_after_text = false;
    while at < end {
        let (s, e, next) = line(doc, at);
        if s == e {
            blank_after_text = lines > 0;
        } else {
            if blank_after_text {
                panic!("a section of a rule's doc comment has more than one paragraph");
            }
            if lines > 0 {
                len += 1;
            }
            len += e - s;
            lines += 1;
        }
        at = next;
    }
    if lines == 0 {
        panic!("a section of a rule's doc comment is empty");
    }
    len
}

/// The section's paragraph, its lines joined with one space; `N` is
/// [`text_len`].
pub const fn text<const N: usize>(doc: &str, header: &str) -> [u8; N] {
    let doc = doc.as_bytes();
    let (mut at, end) = section(doc, header.as_bytes());
    let mut out = [0u8; N];
    let mut n = 0;
    while at < end {
        let (mut s, e, next) = line(doc, at);
        if s < e && n > 0 {
            out[n] = b' ';
            n += 1;
        }
        while s < e {
            out[n] = doc[s];
            n += 1;
            s += 1;
        }
        at = next;
    }
    out
}

/// Number of `- ` items in the section.
pub const fn items_len(doc: &str, header: &str) -> usize {
    let doc = doc.as_bytes();
    let (mut at, end) = section(doc, header.as_bytes());
    let mut n = 0;
    while at < end {
        let (s, e, next) = line(doc, at);
        if s < e {
            if !starts_with(doc, s, e, b"- ") {
                panic!("the Sources of a rule's doc comment are a `- ` list, one item a line");
            }
            n += 1;
        }
        at = next;
    }
    if n == 0 {
        panic!("a rule's doc comment lists no sources");
    }
    n
}

/// The section's `- ` items; `K` is [`items_len`].
pub const fn items<const K: usize>(doc: &'static str, header: &str) -> [&'static str; K] {
    let bytes = doc.as_bytes();
    let (mut at, end) = section(bytes, header.as_bytes());
    let mut out = [""; K];
    let mut n = 0;
    while at < end {
        let (s, e, next) = line(bytes, at);
        if s < e {
            let (_, rest) = bytes.split_at(s + 2);
            let (item, _) = rest.split_at(e - s - 2);
            out[n] = utf8(item);
            n += 1;
        }
        at = next;
    }
    out
}

/// Bytes cut at ASCII spaces and newlines of a `&str`, so always UTF-8.
pub const fn utf8(bytes: &'static [u8]) -> &'static str {
    match core::str::from_utf8(bytes) {
        Ok(s) => s,
        Err(_) => panic!("not UTF-8"),
    }
}
