//! Argument unpacking with the exact messages of Go Starlark's
//! `UnpackArgs`, which Tilt's builtins use: a Tiltfile that passes a wrong
//! argument gets the same error text from us as from Tilt.
//!
//! Quirks kept on purpose: a parameter named through a keyword is quoted in
//! messages (Go formats the Starlark string), a positional one is not; the
//! "did you mean" candidates cover only the first half of the parameters.

use starlark::values::Value;

/// A parameter spec as Go writes it: `name`, or `name?` for optional.
pub struct Spec<'a>(pub &'a [&'a str]);

/// How the value of a parameter was named by the caller.
#[derive(Clone, Copy)]
pub enum Via {
    Position,
    Keyword,
}

pub struct Unpacked<'v> {
    pub values: Vec<Option<(Value<'v>, Via)>>,
}

fn param_name(spec: &str) -> &str {
    spec.trim_end_matches('?')
}

/// Renders a parameter name the way Go's error does for `via`.
pub fn shown(name: &str, via: Via) -> String {
    match via {
        Via::Position => name.to_string(),
        Via::Keyword => format!("{name:?}"),
    }
}

impl Spec<'_> {
    pub fn unpack<'v>(
        &self,
        fname: &str,
        args: &[Value<'v>],
        kwargs: &[(String, Value<'v>)],
    ) -> Result<Unpacked<'v>, String> {
        let n = self.0.len();
        if args.len() > n {
            return Err(format!(
                "{fname}: got {} arguments, want at most {n}",
                args.len()
            ));
        }
        let mut values: Vec<Option<(Value<'v>, Via)>> = vec![None; n];
        for (i, a) in args.iter().enumerate() {
            values[i] = Some((*a, Via::Position));
        }
        for (name, v) in kwargs {
            match self.0.iter().position(|s| param_name(s) == name) {
                Some(i) => {
                    if values[i].is_some() {
                        return Err(format!(
                            "{fname}: got multiple values for keyword argument {name:?}"
                        ));
                    }
                    values[i] = Some((*v, Via::Keyword));
                }
                None => {
                    let mut err = format!("{fname}: unexpected keyword argument {name:?}");
                    let candidates: Vec<&str> = (0..n)
                        .step_by(2)
                        .filter_map(|i| self.0.get(i / 2))
                        .map(|s| param_name(s))
                        .collect();
                    if let Some(best) = nearest(name, &candidates) {
                        err.push_str(&format!(" (did you mean {best}?)"));
                    }
                    return Err(err);
                }
            }
        }
        for (i, s) in self.0.iter().enumerate() {
            if s.ends_with('?') {
                break;
            }
            if values[i].is_none() {
                return Err(format!("{fname}: missing argument for {s}"));
            }
        }
        Ok(Unpacked { values })
    }
}

/// Go Starlark's `spell.Nearest`: case- and underscore-insensitive
/// Levenshtein, allowing up to half the letters to be typos.
pub fn nearest<'a>(x: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let fold = |s: &str| {
        s.chars()
            .filter(|c| *c != '_')
            .flat_map(char::to_lowercase)
            .collect::<String>()
    };
    let x = fold(x);
    let mut best = None;
    let mut best_d = x.len().div_ceil(2);
    for c in candidates {
        let d = levenshtein(x.as_bytes(), fold(c).as_bytes());
        if d < best_d {
            best_d = d;
            best = Some(*c);
        }
    }
    best
}

fn levenshtein(a: &[u8], b: &[u8]) -> usize {
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == cb {
                prev
            } else {
                1 + prev.min(row[j]).min(row[j + 1])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

impl<'v> Unpacked<'v> {
    pub fn get(&self, i: usize) -> Option<Value<'v>> {
        self.values[i].map(|(v, _)| v)
    }
    pub fn via(&self, i: usize) -> Via {
        self.values[i].map(|(_, via)| via).unwrap_or(Via::Keyword)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_matches_go() {
        assert_eq!(
            nearest("image_jsonpath", &["kind", "image_json_path"]),
            Some("image_json_path")
        );
        assert_eq!(nearest("zzz", &["kind"]), None);
    }
}
