//! GitHub Actions workflow commands (`::error file=…,line=…,title=…::msg`):
//! annotations on the pull request's lines. Values are escaped as the
//! Actions runner unescapes them, so a message from an input file can
//! neither end the command nor start another (no raw newline survives).

use crate::annotation::{Annotation, RuleDoc};
use crate::diag::Severity;
use std::fmt::Write as _;

fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

/// One workflow command per annotation, titled with the id and the name
/// `lookup` gives the rule.
pub fn render(annotations: &[Annotation], lookup: impl Fn(&str) -> Option<RuleDoc>) -> String {
    let mut out = String::new();
    for a in annotations {
        let command = match a.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let file = a.file.strip_prefix("./").unwrap_or(&a.file);
        let mut props = format!("file={}", property(file));
        if a.line > 0 {
            let _ = write!(props, ",line={}", a.line);
            if let Some(c) = a.column {
                let _ = write!(props, ",col={c}");
            }
        }
        let name = lookup(a.rule).map(|r| r.name).unwrap_or_default();
        let title = format!("{} {name}", a.rule);
        let _ = write!(props, ",title={}", property(title.trim_end()));
        let _ = writeln!(out, "::{command} {props}::{}", data(&a.message));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_cannot_start_a_command() {
        let a = Annotation {
            rule: "SCAN003",
            severity: Severity::Error,
            file: "./a,b:c.yaml".into(),
            line: 3,
            column: None,
            message: "bad\n::warning::injected 100%".into(),
            fix: None,
        };
        assert_eq!(
            render(&[a], crate::annotation::code_rule),
            "::error file=a%2Cb%3Ac.yaml,line=3,title=SCAN003 invalid-yaml::bad%0A::warning::injected 100%25\n"
        );
    }
}
