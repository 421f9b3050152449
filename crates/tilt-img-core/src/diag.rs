//! Diagnostics: every problem the tool reports about its input, with a place
//! and a [`Code`].
//!
//! A diagnostic never aborts a run: the loader collects them per file and the
//! renderers print them beside the results, so one bad file never hides the rest.
//! Each diagnostic's code says what kind of problem it is, and so its
//! severity; the codes are the rules of `scan` and `check` in SARIF and
//! GitHub annotations, documented in docs/diagnostics.md (generated from
//! [`CODES`]).

use serde::{Serialize, Serializer};
use std::fmt;

/// What a problem means for the outcome. The order is the order of gravity
/// (`Error < Warning < Info`), which `--fail-on` compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub const ALL: [Severity; 3] = [Severity::Error, Severity::Warning, Severity::Info];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }

    /// Whether a problem of this severity fails a run whose threshold is
    /// `threshold` (`--fail-on warning` fails on errors and warnings).
    pub fn reaches(self, threshold: Severity) -> bool {
        self <= threshold
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Declares the diagnostic codes: variant, id, name, severity, summary.
/// The id is the stable handle (SARIF `ruleId`, the docs anchor); the name
/// is what people read.
macro_rules! codes {
    ($($(#[doc = $doc:literal])+ $variant:ident = ($id:literal, $name:literal, $sev:ident);)+) => {
        /// The kind of a [`Diagnostic`]: one per distinct problem.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $($(#[doc = $doc])+ $variant,)+
        }

        /// Every code, in id order.
        pub const CODES: &[Code] = &[$(Code::$variant,)+];

        impl Code {
            pub fn id(self) -> &'static str {
                match self { $(Code::$variant => $id,)+ }
            }
            pub fn name(self) -> &'static str {
                match self { $(Code::$variant => $name,)+ }
            }
            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$sev,)+ }
            }
            /// The doc comment, as one paragraph: what it means and what to do.
            pub fn doc(self) -> String {
                let raw = match self { $(Code::$variant => concat!($($doc, "\n"),+),)+ };
                raw.split_whitespace().collect::<Vec<_>>().join(" ")
            }
        }
    };
}

codes! {
    /// A file or directory could not be read (missing, unreadable, a broken
    /// symbolic link). Check the path and its permissions.
    Unreadable = ("SCAN001", "unreadable", Error);
    /// A file is larger than `--max-file-size`; it was skipped. Raise the
    /// limit to scan it.
    TooLarge = ("SCAN002", "too-large", Error);
    /// A file is not valid YAML or JSON (or not UTF-8, or binary); the rest of
    /// that file was not read, the other files were. Fix the file.
    InvalidYaml = ("SCAN003", "invalid-yaml", Error);
    /// A file that is not a plain manifest (a kustomization, a Helm chart or
    /// template, docker-compose, a file without Kubernetes objects) was
    /// skipped. Render it first (`helm template … | tilt-img scan -`,
    /// `kustomize build … | tilt-img scan -`) if it holds custom resources.
    Skipped = ("SCAN004", "skipped-input", Info);
    /// A document or `List` item is not a Kubernetes object (no string
    /// `apiVersion` or `kind`); it was skipped. Add the missing field if it
    /// is one.
    NotAnObject = ("SCAN005", "not-an-object", Warning);
    /// A symbolic link points back to a directory being walked; it was not
    /// followed.
    SymlinkLoop = ("SCAN006", "symlink-loop", Warning);
    /// Two CustomResourceDefinitions define the same kind; the first is used.
    /// Remove the stale copy.
    DuplicateCrd = ("SCAN007", "duplicate-crd", Warning);
    /// A CustomResourceDefinition lacks `spec.group`, `spec.names.kind` or
    /// its versions; it was skipped.
    IncompleteCrd = ("SCAN008", "incomplete-crd", Warning);
    /// An image sits in a field Tilt never injects into (ephemeral
    /// containers): a build of that image will not reach it.
    Uninjected = ("SCAN009", "uninjected-field", Warning);
    /// An image is built from more parts (registry, repository, tag…) than
    /// Tilt's `image_object` can fill; no `k8s_kind` can inject it.
    SplitUnsupported = ("SCAN010", "split-unsupported", Warning);
    /// Objects of a kind lack one of its image fields. The generated paths
    /// use filters that skip absent fields, so Tilt loads them; a plain path
    /// written by hand would stop Tilt's load with `image is not found`.
    OptionalField = ("SCAN011", "optional-field", Info);
    /// An image field holds text Tilt cannot parse as an image reference;
    /// with a `k8s_kind` for the kind, Tilt's load fails on that object.
    /// Resolve it first (e.g. `ko resolve`) or ignore the kind in
    /// `.tilt-img.toml`.
    UnparsableImage = ("SCAN012", "unparsable-image", Warning);
    /// An object uses an API version its CRD does not serve.
    UnservedVersion = ("SCAN013", "unserved-version", Warning);
    /// The `.tilt-img.toml` (or `--config`) file cannot be read or parsed.
    InvalidConfig = ("SCAN014", "invalid-config", Error);
    /// tilt-img generated lines that do not load: a bug in tilt-img. Please
    /// report it with the input.
    Internal = ("SCAN015", "internal-error", Error);
    /// The Tiltfile does not load: Tilt would stop with this error (exit 5).
    LoadError = ("CHECK001", "load-error", Error);
    /// Tilt's own warning: an image is built but no Kubernetes object it
    /// knows uses it (`Image not used in any Kubernetes config`).
    TiltWarning = ("CHECK002", "tilt-warning", Warning);
    /// An image Tilt would build but never deploy, with the objects that
    /// hold it and the `k8s_kind` line that makes Tilt inject it.
    Undeployed = ("CHECK003", "undeployed-image", Error);
    /// A command (`local`, `helm`, `kustomize`…) was not run in the sandbox;
    /// it returned an empty result. Pass `--allow-exec` to run it.
    NotRun = ("CHECK004", "command-not-run", Info);
    /// A builtin was accepted without emulating its effect; the result may
    /// differ from Tilt's where it matters.
    NotEmulated = ("CHECK005", "not-emulated", Info);
}

impl Code {
    /// The first sentence of its doc.
    pub fn summary(self) -> String {
        let doc = self.doc();
        let first = doc.split(". ").next().unwrap_or("");
        first.trim_end_matches('.').to_string()
    }

    /// Its entry in docs/diagnostics.md, as an absolute URL.
    pub fn help_uri(self) -> String {
        crate::docs::url("diagnostics.md", &self.id().to_ascii_lowercase())
    }

    /// The code `id` names (its id in any case, or its name).
    pub fn find(id: &str) -> Option<Code> {
        CODES
            .iter()
            .copied()
            .find(|c| c.id().eq_ignore_ascii_case(id) || c.name() == id)
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub file: String,
    /// 1-based; 0 when the problem concerns the whole file.
    pub line: u32,
    pub message: String,
}

impl Diagnostic {
    /// A diagnostic of `code`, with the code's severity.
    pub fn new(code: Code, file: &str, line: u32, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: code.severity(),
            file: file.to_string(),
            line,
            message: message.into(),
        }
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

/// docs/diagnostics.md, generated from [`CODES`] (a test keeps it current).
pub fn codes_markdown() -> String {
    use std::fmt::Write as _;
    let mut s = String::from(
        "# `tilt-img scan` and `check` diagnostics\n\n<!-- Generated by `tilt-img explain --list --format markdown`; do not edit. -->\n\n\
         Every problem `scan`, `fix` and `check` report has a code: the `rule` of SARIF output and\n\
         GitHub annotations, and what `--fail-on` compares by its severity. `doctor`'s rules are in\n\
         [doctor-rules.md](doctor-rules.md).\n\n",
    );
    s.push_str("| id | name | severity | summary |\n|---|---|---|---|\n");
    for c in CODES {
        let summary = c.summary();
        let _ = writeln!(
            s,
            "| [{}](#{}) | {} | {} | {} |",
            c.id(),
            c.id().to_ascii_lowercase(),
            c.name(),
            c.severity(),
            summary.replace('|', "\\|")
        );
    }
    for c in CODES {
        let _ = write!(
            s,
            "\n## {}\n\n`{}` ({})\n\n{}\n",
            c.id(),
            c.name(),
            c.severity(),
            c.doc()
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_findable() {
        for (i, c) in CODES.iter().enumerate() {
            assert!(CODES[i + 1..].iter().all(|d| d.id() != c.id()));
            assert_eq!(Code::find(&c.id().to_ascii_lowercase()), Some(*c));
            assert_eq!(Code::find(c.name()), Some(*c));
        }
    }

    #[test]
    fn thresholds() {
        assert!(Severity::Error.reaches(Severity::Error));
        assert!(Severity::Error.reaches(Severity::Info));
        assert!(!Severity::Warning.reaches(Severity::Error));
        assert!(Severity::Warning.reaches(Severity::Warning));
        assert!(!Severity::Info.reaches(Severity::Warning));
    }
}
