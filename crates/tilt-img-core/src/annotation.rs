//! Problems as CI systems read them: one [`Annotation`] per problem, under a
//! [`RuleDoc`], from any command (`scan` and `check` diagnostics by their
//! [`Code`], `doctor` findings by their rule). The SARIF and GitHub
//! renderers ([`crate::render::sarif`], [`crate::render::github`]) read only
//! this, so every command speaks them the same way.

use crate::diag::{Code, Diagnostic, Severity};

/// A rule as SARIF's `tool.driver.rules` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleDoc {
    pub id: &'static str,
    pub name: &'static str,
    pub summary: String,
    /// The full text: what it finds and what to do.
    pub help: String,
    pub help_uri: String,
    pub severity: Severity,
}

impl RuleDoc {
    pub fn of_code(c: Code) -> RuleDoc {
        RuleDoc {
            id: c.id(),
            name: c.name(),
            summary: c.summary(),
            help: c.doc(),
            help_uri: c.help_uri(),
            severity: c.severity(),
        }
    }
}

/// A fix SARIF can carry: `deleted` characters at line:column replaced by
/// `text` (an insertion deletes nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub description: String,
    pub file: String,
    /// 1-based line (one past the last line appends).
    pub line: u32,
    /// 1-based, in Unicode code points.
    pub column: u32,
    /// How many code points from there are replaced.
    pub deleted: u32,
    pub text: String,
}

impl Edit {
    /// `old` on line `line` of `file_text` replaced by `new`, when `old`
    /// stands on that line (the first occurrence).
    pub fn replace_on_line(
        description: String,
        file: &str,
        file_text: &str,
        line: u32,
        old: &str,
        new: &str,
    ) -> Option<Edit> {
        let text = file_text.lines().nth(line.checked_sub(1)? as usize)?;
        // The last occurrence: on a line like `"h:5000": [h:5000]` the value
        // comes after the key.
        let at = text.rfind(old)?;
        Some(Edit {
            description,
            file: file.to_string(),
            line,
            column: text[..at].chars().count() as u32 + 1,
            deleted: old.chars().count() as u32,
            text: new.to_string(),
        })
    }
}

/// One problem at a place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    pub rule: &'static str,
    pub severity: Severity,
    pub file: String,
    /// 1-based; 0 when the problem concerns the whole file.
    pub line: u32,
    /// 1-based, where known.
    pub column: Option<u32>,
    pub message: String,
    pub fix: Option<Edit>,
}

impl From<&Diagnostic> for Annotation {
    fn from(d: &Diagnostic) -> Annotation {
        Annotation {
            rule: d.code.id(),
            severity: d.severity,
            file: d.file.clone(),
            line: d.line,
            column: None,
            message: d.message.clone(),
            fix: None,
        }
    }
}

/// The rules of the annotations, each once, in first-seen order: SARIF
/// lists the rules a run used.
pub(crate) fn rules_of(
    annotations: &[Annotation],
    lookup: impl Fn(&str) -> Option<RuleDoc>,
) -> Vec<RuleDoc> {
    let mut seen: Vec<RuleDoc> = Vec::new();
    for a in annotations {
        if !seen.iter().any(|r| r.id == a.rule)
            && let Some(r) = lookup(a.rule)
        {
            seen.push(r);
        }
    }
    seen
}

/// The rule of a diagnostic code's id.
pub fn code_rule(id: &str) -> Option<RuleDoc> {
    Code::find(id).map(RuleDoc::of_code)
}
