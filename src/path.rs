//! Field paths in the canonical syntax of the corpus (`spec.containers[*].image`,
//! `*` for a map step, `['a.b']` for odd keys) and their translation into
//! Tilt's JSONPath dialect (client-go's, in braces).

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Step {
    Key(String),
    /// `[*]`: every element of a list.
    Each,
    /// `*`: every value of a map with free-form keys.
    AnyKey,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FieldPath(pub Vec<Step>);

fn plain_key(k: &str) -> bool {
    !k.is_empty()
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl FieldPath {
    pub fn root() -> Self {
        FieldPath(Vec::new())
    }
    pub fn key(&self, k: &str) -> Self {
        self.with(Step::Key(k.to_string()))
    }
    pub fn each(&self) -> Self {
        self.with(Step::Each)
    }
    pub fn any_key(&self) -> Self {
        self.with(Step::AnyKey)
    }
    fn with(&self, s: Step) -> Self {
        let mut v = self.0.clone();
        v.push(s);
        FieldPath(v)
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn last_key(&self) -> Option<&str> {
        self.0.iter().rev().find_map(|s| match s {
            Step::Key(k) => Some(k.as_str()),
            _ => None,
        })
    }
    pub fn parent(&self) -> FieldPath {
        let mut v = self.0.clone();
        v.pop();
        FieldPath(v)
    }
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().filter_map(|s| match s {
            Step::Key(k) => Some(k.as_str()),
            _ => None,
        })
    }
    pub fn starts_with(&self, prefix: &FieldPath) -> bool {
        self.0.starts_with(&prefix.0)
    }

    /// Parses the canonical syntax. `[]` is accepted for `[*]`, as the
    /// corpus scorer does, and a leading `.` or `$` is tolerated.
    pub fn parse(text: &str) -> Result<FieldPath, String> {
        let s = text.trim();
        let s = s.strip_prefix('$').unwrap_or(s);
        let s = s.strip_prefix('.').unwrap_or(s);
        let bytes = s.as_bytes();
        let mut steps = Vec::new();
        let mut i = 0;
        let mut key = String::new();
        let flush = |key: &mut String, steps: &mut Vec<Step>| {
            if !key.is_empty() {
                let k = std::mem::take(key);
                steps.push(if k == "*" { Step::AnyKey } else { Step::Key(k) });
            }
        };
        while i < bytes.len() {
            match bytes[i] {
                b'.' => {
                    flush(&mut key, &mut steps);
                    i += 1;
                }
                b'[' => {
                    flush(&mut key, &mut steps);
                    let rest = &s[i..];
                    if rest.starts_with("[*]") {
                        steps.push(Step::Each);
                        i += 3;
                    } else if rest.starts_with("[]") {
                        steps.push(Step::Each);
                        i += 2;
                    } else if let Some(inner) = rest.strip_prefix("['") {
                        let end = inner
                            .find("']")
                            .ok_or_else(|| format!("unclosed ['…'] in path `{text}`"))?;
                        steps.push(Step::Key(inner[..end].to_string()));
                        i += 2 + end + 2;
                    } else {
                        return Err(format!(
                            "unexpected `[` in path `{text}`: use [*] or ['key']"
                        ));
                    }
                }
                _ => {
                    let c = s[i..].chars().next().unwrap_or('?');
                    key.push(c);
                    i += c.len_utf8();
                }
            }
        }
        flush(&mut key, &mut steps);
        if steps.is_empty() {
            return Err(format!("empty path `{text}`"));
        }
        Ok(FieldPath(steps))
    }

    /// Tilt JSONPath for this path. `guard(i)` says whether step `i` (a key)
    /// may be absent in some object; such a step becomes a filter
    /// (`[?(@.k)].k`), which Tilt tolerates when nothing matches, where a
    /// plain `.k` fails the whole load with `image is not found`.
    pub fn to_jsonpath(&self, guard: impl Fn(usize) -> bool) -> String {
        let mut out = String::from("{");
        let n = self.0.len();
        for (i, step) in self.0.iter().enumerate() {
            let next_guarded_key =
                i + 1 < n && matches!(&self.0[i + 1], Step::Key(k) if plain_key(k)) && guard(i + 1);
            match step {
                Step::Key(k) if plain_key(k) => {
                    // A list step before us already emitted the filter.
                    let after_each = i > 0 && self.0[i - 1] == Step::Each;
                    if guard(i) && !(after_each) {
                        out.push_str(&format!("[?(@.{k})]"));
                    }
                    out.push('.');
                    out.push_str(k);
                }
                Step::Key(k) => out.push_str(&format!("['{}']", k.replace('\'', "\\'"))),
                // A filter over a list both iterates it and skips elements
                // that lack the next key.
                Step::Each if next_guarded_key => {
                    if let Step::Key(k) = &self.0[i + 1] {
                        out.push_str(&format!("[?(@.{k})]"));
                    }
                }
                Step::Each => out.push_str("[*]"),
                Step::AnyKey => out.push_str(".*"),
            }
        }
        out.push('}');
        out
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                Step::Key(k) if plain_key(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                }
                Step::Key(k) => write!(f, "['{k}']")?,
                Step::Each => f.write_str("[*]")?,
                Step::AnyKey => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str("*")?;
                }
            }
        }
        Ok(())
    }
}

impl serde::Serialize for FieldPath {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_canonical_syntax() {
        for p in [
            "spec.image",
            "spec.template.spec.containers[*].image",
            "spec.pytorchReplicaSpecs.*.template.spec.containers[*].image",
            "spec.bufferStorage['storage.path']",
            "spec.images[*]",
        ] {
            assert_eq!(FieldPath::parse(p).unwrap().to_string(), p);
        }
        assert_eq!(
            FieldPath::parse("$.spec.a[].b").unwrap().to_string(),
            "spec.a[*].b"
        );
    }

    #[test]
    fn jsonpath_without_guards_is_plain() {
        let p = FieldPath::parse("spec.template.spec.containers[*].image").unwrap();
        assert_eq!(
            p.to_jsonpath(|_| false),
            "{.spec.template.spec.containers[*].image}"
        );
        let p = FieldPath::parse("spec.replicas.*.image").unwrap();
        assert_eq!(p.to_jsonpath(|_| false), "{.spec.replicas.*.image}");
    }

    #[test]
    fn guarded_steps_become_filters() {
        let p = FieldPath::parse("spec.initImage").unwrap();
        assert_eq!(
            p.to_jsonpath(|i| i > 0),
            "{.spec[?(@.initImage)].initImage}"
        );
        let p = FieldPath::parse("spec.sidecars[*].image").unwrap();
        assert_eq!(
            p.to_jsonpath(|i| i > 0),
            "{.spec[?(@.sidecars)].sidecars[?(@.image)].image}"
        );
        let p = FieldPath::parse("spec.nodes.*.image").unwrap();
        assert_eq!(
            p.to_jsonpath(|i| i > 0),
            "{.spec[?(@.nodes)].nodes.*[?(@.image)].image}"
        );
    }
}
