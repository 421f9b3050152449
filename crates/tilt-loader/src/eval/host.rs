//! Commands a Tiltfile runs with `local()` that the host program answers
//! itself (tilt-img answers `tilt-img scan …` in-process, so the Tilt
//! extension is checked offline). The loader never knows what a command
//! does: the host declares which paths it will read, the sandbox judges
//! them like any `read_file`, and only then is the command run.

use std::path::{Path, PathBuf};

/// Implemented by the program embedding the loader (the shape of
/// starlark-rust's `FileLoader`).
pub trait CommandHost: Send + Sync {
    /// Whether this host answers `argv` itself. `Some(Ok(paths))`: it does,
    /// and it will read exactly these paths (files or directories, relative
    /// to `cwd` or absolute); `Some(Err(msg))`: it is this host's command
    /// but the arguments are wrong; `None`: not this host's command.
    fn serves(&self, argv: &[String], cwd: &Path) -> Option<Result<Vec<PathBuf>, String>>;

    /// Runs a command `serves` accepted, in `cwd`: its standard output, or
    /// the error text. Called only after every declared path was allowed;
    /// `allowed` are the sandbox's directories (symlinks resolved), and the
    /// command reads nothing whose real path lies outside them (a directory
    /// it walks may hold links that point out).
    fn run(&self, argv: &[String], cwd: &Path, allowed: &[PathBuf]) -> Result<String, String>;
}

/// The words of a shell command that is one simple command, optionally
/// followed by `|| fallback` (the extension's guard for a missing binary,
/// never needed in-process) and with output redirections such as
/// `2>/dev/null`. Anything else the shell would interpret (`;`, `&`, `|`,
/// `$`, backquotes, `<`, parentheses, a newline outside quotes) means the
/// command is not a simple one: `None`, and it is treated as any command.
pub fn simple_command(text: &str) -> Option<Vec<String>> {
    let head = unquoted_split(text)?;
    let words = shlex::split(head)?;
    let words: Vec<String> = words.into_iter().filter(|w| !is_redirect(w)).collect();
    (!words.is_empty()).then_some(words)
}

/// `2>/dev/null`, `>/dev/null`, `2>&1`: output thrown away or merged.
fn is_redirect(w: &str) -> bool {
    let rest = w.trim_start_matches(|c: char| c.is_ascii_digit());
    matches!(rest, ">/dev/null" | ">&1" | ">&2")
}

/// The text before an unquoted `||`, if the rest of it has no shell
/// syntax outside quotes other than redirections.
fn unquoted_split(text: &str) -> Option<&str> {
    let b = text.as_bytes();
    let (mut single, mut double, mut i) = (false, false, 0);
    while i < b.len() {
        let c = b[i];
        match c {
            b'\\' if !single => i += 1,
            b'\'' if !double => single = !single,
            b'"' if !single => double = !double,
            b'$' | b'`' if double => return None,
            _ if single || double => {}
            b'|' if b.get(i + 1) == Some(&b'|') => return Some(&text[..i]),
            b'>' => {
                // Only `N>/dev/null` and `N>&M` as whole words.
                let start = text[..i].rfind([' ', '\t']).map_or(0, |s| s + 1);
                let end = text[i..].find([' ', '\t']).map_or(text.len(), |e| i + e);
                if !is_redirect(&text[start..end]) {
                    return None;
                }
                i = end;
                continue;
            }
            b';' | b'&' | b'|' | b'$' | b'`' | b'<' | b'(' | b')' | b'\n' | b'*' | b'?' | b'~' => {
                return None;
            }
            _ => {}
        }
        i += 1;
    }
    (!single && !double).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::simple_command;

    #[test]
    fn simple_commands_and_what_is_not_one() {
        let w = |s: &str| simple_command(s).map(|v| v.join("|"));
        assert_eq!(
            w("tilt-img scan --format json 'my dir' || true").as_deref(),
            Some("tilt-img|scan|--format|json|my dir")
        );
        assert_eq!(
            w("tilt-img --version 2>/dev/null || echo 'tilt-img missing'").as_deref(),
            Some("tilt-img|--version")
        );
        assert_eq!(
            w("tilt-img scan \"a;b\"").as_deref(),
            Some("tilt-img|scan|a;b")
        );
        for bad in [
            "tilt-img scan a; touch /tmp/x",
            "tilt-img scan $(id)",
            "tilt-img scan \"$HOME\"",
            "tilt-img scan `id`",
            "tilt-img scan a | sh",
            "tilt-img scan a & b",
            "tilt-img scan a > /etc/x",
            "tilt-img scan 'unclosed",
            "tilt-img scan a\ntouch x",
            "tilt-img scan ~/x",
            "tilt-img scan *",
        ] {
            assert_eq!(w(bad), None, "{bad}");
        }
    }
}
