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
    /// Whether `jsonpath` (Tilt's dialect) reaches exactly this field:
    /// it is parsed by Tilt's parser and evaluated on an object that holds
    /// a marker at this path and nothing else. A key Tilt's JSONPath cannot
    /// spell (a quote in brackets, a newline) fails here, so generated
    /// lines never hold a path that would make Tilt's load fail.
    pub fn reached_by(&self, jsonpath: &str) -> bool {
        const MARK: &str = "tilt-img-marker";
        let Ok(jp) = crate::jsonpath::JsonPath::parse(jsonpath) else {
            return false;
        };
        let mut v = serde_json::Value::String(MARK.into());
        for s in self.0.iter().rev() {
            v = match s {
                Step::Key(k) => serde_json::json!({ k.as_str(): v }),
                Step::Each => serde_json::Value::Array(vec![v]),
                Step::AnyKey => serde_json::json!({ "any": v }),
            };
        }
        jp.find_strings(&v).is_ok_and(|found| found == [MARK])
    }

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
    /// may be absent in some object; Tilt fails the whole load when a plain
    /// `.k` finds nothing, but not when a filter selects nothing.
    ///
    /// In Tilt's dialect a filter iterates the *values* of what it is applied
    /// to (the elements of a list, the values of a map), so the filter for a
    /// run of keys sits where that run starts: after the root, a list step or
    /// a map step, naming the whole run (`[?(@.proxy.image)].proxy.image`).
    /// At the root this selects the object's top-level fields that contain
    /// the run, which is `spec` in practice.
    pub fn to_jsonpath(&self, guard: impl Fn(usize) -> bool) -> String {
        let mut out = String::from("{");
        let steps = &self.0;
        let mut i = 0;
        // Index where the current run of keys starts, and what precedes it.
        while i <= steps.len() {
            let before = if i == 0 { None } else { Some(&steps[i - 1]) };
            let end = (i..steps.len())
                .find(|&j| !matches!(steps[j], Step::Key(_)))
                .unwrap_or(steps.len());
            let run: Vec<&str> = steps[i..end]
                .iter()
                .filter_map(|s| match s {
                    Step::Key(k) => Some(k.as_str()),
                    _ => None,
                })
                .collect();
            let plain = run.iter().all(|k| plain_key(k));
            let key_text = |keys: &[&str]| {
                keys.iter()
                    .map(|k| {
                        if plain_key(k) {
                            format!(".{k}")
                        } else {
                            format!("['{}']", k.replace('\'', "\\'"))
                        }
                    })
                    .collect::<String>()
            };
            match before {
                None => {
                    // The root run: its first key (`spec`) is always there.
                    let guarded = (i + 1..end).any(&guard);
                    if guarded && plain && run.len() > 1 {
                        let rest = run[1..].join(".");
                        out.push_str(&format!("[?(@.{rest})].{rest}"));
                    } else {
                        out.push_str(&key_text(&run));
                    }
                }
                Some(step) => {
                    let guarded = (i..end).any(&guard);
                    if guarded && plain && !run.is_empty() {
                        let joined = run.join(".");
                        out.push_str(&format!("[?(@.{joined})].{joined}"));
                    } else {
                        out.push_str(if *step == Step::Each { "[*]" } else { ".*" });
                        out.push_str(&key_text(&run));
                    }
                }
            }
            if end >= steps.len() {
                break;
            }
            i = end + 1;
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
        let case =
            |p: &str, guard: fn(usize) -> bool| FieldPath::parse(p).unwrap().to_jsonpath(guard);
        assert_eq!(
            case("spec.initImage", |i| i > 0),
            "{[?(@.initImage)].initImage}"
        );
        assert_eq!(
            case("spec.kafka.image", |i| i > 0),
            "{[?(@.kafka.image)].kafka.image}"
        );
        assert_eq!(
            case("spec.sidecars[*].image", |i| i > 0),
            "{[?(@.sidecars)].sidecars[?(@.image)].image}"
        );
        assert_eq!(
            case("spec.nodes.*.image", |i| i > 0),
            "{[?(@.nodes)].nodes[?(@.image)].image}"
        );
        assert_eq!(
            case("spec.template.spec.containers[*].image", |i| i == 5),
            "{.spec.template.spec.containers[?(@.image)].image}"
        );
    }

    /// The generated paths, run through Tilt's dialect: present fields are
    /// found, absent ones are skipped without an error.
    #[test]
    fn guarded_paths_find_present_fields_and_tolerate_absent_ones() {
        use crate::jsonpath::JsonPath;
        let with = serde_json::json!({"kind": "X", "metadata": {"name": "a"}, "spec": {"kafka": {"image": "k"}, "sidecars": [{"image": "s"}, {"name": "no-image"}], "nodes": {"a": {"image": "n"}, "b": {}}}});
        let without =
            serde_json::json!({"kind": "X", "metadata": {"name": "b"}, "spec": {"replicas": 1}});
        for (p, want) in [
            ("spec.kafka.image", "k"),
            ("spec.sidecars[*].image", "s"),
            ("spec.nodes.*.image", "n"),
        ] {
            let jp = JsonPath::parse(&FieldPath::parse(p).unwrap().to_jsonpath(|i| i > 0)).unwrap();
            assert_eq!(
                jp.find_strings(&with).unwrap(),
                vec![want.to_string()],
                "{p}"
            );
            assert_eq!(
                jp.find_strings(&without).unwrap(),
                Vec::<String>::new(),
                "{p}"
            );
        }
    }
}
