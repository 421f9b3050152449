//! Everything the binary prints goes through here: text from an input file
//! never reaches the terminal raw ([`terminal`] first), and colour is added
//! only after that, only to the human formats, only where a person reads
//! it. `anstream` decides per stream: a terminal gets colour, a pipe or a
//! file never; `--color` and `NO_COLOR` override, as clig.dev asks.

use super::ColorArg;
use anstyle::{AnsiColor, Style};
use std::io::Write;
use std::sync::OnceLock;
use tilt_img_core::escape::terminal;

static QUIET: OnceLock<bool> = OnceLock::new();

pub fn init(color: ColorArg, quiet: bool) {
    let choice = match color {
        ColorArg::Auto => anstream::ColorChoice::Auto,
        ColorArg::Always => anstream::ColorChoice::Always,
        ColorArg::Never => anstream::ColorChoice::Never,
    };
    choice.write_global();
    let _ = QUIET.set(quiet);
}

/// `--quiet`: problems only.
pub fn quiet() -> bool {
    QUIET.get().copied().unwrap_or(false)
}

/// The style of a line's leading word: the severities and verdicts the
/// human formats start lines with.
fn style_of(word: &str) -> Option<Style> {
    let bold = Style::new().bold();
    Some(match word {
        "error:" | "✕" => bold.fg_color(Some(AnsiColor::Red.into())),
        "warning:" => bold.fg_color(Some(AnsiColor::Yellow.into())),
        "info:" | "note:" => Style::new().fg_color(Some(AnsiColor::Cyan.into())),
        "ok:" => bold.fg_color(Some(AnsiColor::Green.into())),
        _ => return None,
    })
}

/// `text` with each line's leading severity word coloured.
fn paint(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    for line in text.split_inclusive('\n') {
        let body = line.trim_start_matches(' ');
        let indent = &line[..line.len() - body.len()];
        let word = body.split(' ').next().unwrap_or("").trim_end_matches('\n');
        match style_of(word) {
            Some(s) => {
                out.push_str(indent);
                out.push_str(&format!("{}{word}{}", s.render(), s.render_reset()));
                out.push_str(&body[word.len()..]);
            }
            None => out.push_str(line),
        }
    }
    out
}

fn write(mut w: impl Write, text: &str) -> bool {
    w.write_all(text.as_bytes()).and_then(|_| w.flush()).is_ok()
}

/// A machine format (JSON, SARIF, workflow commands, Tiltfile lines) on
/// stdout: made safe for a terminal, never coloured. False when stdout is
/// closed (`| head`), which is not an error worth a message.
pub fn emit(text: &str) -> bool {
    write(std::io::stdout().lock(), &terminal(text))
}

/// A human report on stdout, coloured where a person reads it.
pub fn report(text: &str) -> bool {
    human(anstream::stdout().lock(), text)
}

/// `text` made safe, then painted unless the stream shows no colour (a
/// pipe, a file, `NO_COLOR`): a long report is not painted only to have
/// every code stripped again.
fn human<W: anstream::stream::RawStream + anstream::stream::AsLockedWrite>(
    w: anstream::AutoStream<W>,
    text: &str,
) -> bool {
    let safe = terminal(text);
    if w.current_choice() == anstream::ColorChoice::Never {
        write(w, &safe)
    } else {
        write(w, &paint(&safe))
    }
}

/// One line of a human report on stdout.
pub fn line(text: &str) {
    report(&format!("{text}\n"));
}

/// One line on stderr, coloured where a person reads it.
pub fn err(text: &str) {
    write(
        anstream::stderr().lock(),
        &paint(&terminal(&format!("{text}\n"))),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_leading_word_is_painted() {
        let p = paint("error: a.yaml:3: bad\n  warning: x\nplain error: no\n");
        assert!(p.starts_with("\u{1b}["), "{p:?}");
        assert!(p.contains("  \u{1b}["), "indented lines too: {p:?}");
        assert!(p.ends_with("plain error: no\n"), "{p:?}");
        assert_eq!(paint("no words\n"), "no words\n");
    }
}
