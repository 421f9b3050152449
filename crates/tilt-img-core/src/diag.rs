//! Diagnostics: every problem the tool reports about its input, with a place.
//!
//! A diagnostic never aborts a run: the loader collects them per file and the
//! renderers print them beside the results, so one bad file never hides the rest.

use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub file: String,
    /// 1-based; 0 when the problem concerns the whole file.
    pub line: u32,
    pub message: String,
}

impl Diagnostic {
    pub fn new(severity: Severity, file: &str, line: u32, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            file: file.to_string(),
            line,
            message: message.into(),
        }
    }
    pub fn error(file: &str, line: u32, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, file, line, message)
    }
    pub fn warning(file: &str, line: u32, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, file, line, message)
    }
    pub fn info(file: &str, line: u32, message: impl Into<String>) -> Self {
        Self::new(Severity::Info, file, line, message)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(
                f,
                "{}: {}:{}: {}",
                self.severity, self.file, self.line, self.message
            )
        } else {
            write!(f, "{}: {}: {}", self.severity, self.file, self.message)
        }
    }
}
