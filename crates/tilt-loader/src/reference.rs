//! Image references exactly as Tilt reads them: `distribution/reference`'s
//! `ParseNormalizedNamed` (what Tilt's `container.ParseNamed` calls), with its
//! error texts, familiar names (`docker.io/library/x` → `x`), Tilt's
//! `RefSelector` matching, and the "Did you mean" ranking Tilt prints
//! (schollz/closestmatch over 2-, 3- and 4-letter substrings).

use std::fmt;

const DEFAULT_DOMAIN: &str = "docker.io";
const OFFICIAL_PREFIX: &str = "library/";
const NAME_TOTAL_LENGTH_MAX: usize = 255;

// The grammar of distribution/reference (`regexp.go`), matched by hand: the
// anchored regular expressions it is written in cost a backtracking search
// per call, and every object Tilt looks at parses its images (10,000 of them
// in a large `check`, each more than once). The unit tests hold these
// functions to the original regular expressions on generated inputs.

/// `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`
fn is_path_component(s: &str) -> bool {
    let b = s.as_bytes();
    let alnum = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    let (mut i, n) = (0, b.len());
    loop {
        let run = i;
        while i < n && alnum(b[i]) {
            i += 1;
        }
        if i == run {
            return false;
        }
        if i == n {
            return true;
        }
        let sep = i;
        while i < n && !alnum(b[i]) {
            i += 1;
        }
        match &s[sep..i] {
            "." | "_" | "__" => {}
            d if d.bytes().all(|c| c == b'-') => {}
            _ => return false,
        }
    }
}

/// `[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]`
fn is_domain_component(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
}

/// `host(?::[0-9]+)?` where host is dotted domain components or a bracketed
/// IPv6 address (`\[[a-fA-F0-9:]+\]`).
fn is_domain(s: &str) -> bool {
    let (host, port) = match s.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some((v6, after)) => {
                if v6.is_empty() || !v6.bytes().all(|c| c.is_ascii_hexdigit() || c == b':') {
                    return false;
                }
                match after {
                    "" => return true,
                    _ => match after.strip_prefix(':') {
                        Some(port) => ("[v6]", Some(port)),
                        None => return false,
                    },
                }
            }
            None => return false,
        },
        None => match s.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        },
    };
    let host_ok = host == "[v6]" || host.split('.').all(is_domain_component);
    host_ok && port.is_none_or(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()))
}

/// `remote` (path components joined by `/`).
fn is_remote(s: &str) -> bool {
    s.split('/').all(is_path_component)
}

/// `^(?:(domain)/)?(remote)$`: the domain, when the first component can be
/// one and the rest is a remote (the regex's optional group is greedy).
fn split_name(name: &str) -> Option<(&str, &str)> {
    if let Some((first, rest)) = name.split_once('/')
        && is_domain(first)
        && is_remote(rest)
    {
        return Some((first, rest));
    }
    is_remote(name).then_some(("", name))
}

/// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`
fn is_tag(s: &str) -> bool {
    let b = s.as_bytes();
    (1..=128).contains(&b.len())
        && (b[0].is_ascii_alphanumeric() || b[0] == b'_')
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
}

/// `[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][[:xdigit:]]{32,}`
fn is_digest(s: &str) -> bool {
    let Some((algorithm, hex)) = s.split_once(':') else {
        return false;
    };
    let component = |c: &str| {
        let b = c.as_bytes();
        !b.is_empty() && b[0].is_ascii_alphabetic() && b.iter().all(u8::is_ascii_alphanumeric)
    };
    algorithm.split(['-', '_', '+', '.']).all(component)
        && hex.len() >= 32
        && hex.bytes().all(|c| c.is_ascii_hexdigit())
}

/// `^((?:domain/)?remote)(?::(tag))?(?:@(digest))?$`: name, tag, digest.
fn match_reference(s: &str) -> Option<(&str, Option<&str>, Option<&str>)> {
    let (rest, digest) = match s.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (s, None),
    };
    if digest.is_some_and(|d| !is_digest(d)) {
        return None;
    }
    // A `:` after the last `/` starts the tag; one before it is a port.
    let slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[slash..].find(':') {
        Some(i) => (&rest[..slash + i], Some(&rest[slash + i + 1..])),
        None => (rest, None),
    };
    if tag.is_some_and(|t| !is_tag(t)) {
        return None;
    }
    split_name(name)?;
    Some((name, tag, digest))
}

fn is_hex64(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
}

/// A normalized, named reference (`docker.io/library/nginx:1.25`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    domain: String,
    path: String,
    tag: Option<String>,
    digest: Option<String>,
}

/// Docker's rule: the first component is a registry host only when it has a
/// `.` or `:`, is `localhost`, or has upper-case letters. Returns the host and
/// the rest of the text as written.
fn host_component(name: &str) -> Option<(&str, &str)> {
    let (first, rest) = name.split_once('/')?;
    (first.contains(['.', ':']) || first == "localhost" || first.to_lowercase() != first)
        .then_some((first, rest))
}

/// Docker's `splitDockerDomain`: [`host_component`], else Docker Hub, with
/// `index.docker.io` and `library/` normalized.
fn split_docker_domain(name: &str) -> (String, String) {
    let (mut domain, mut remainder) = match host_component(name) {
        Some((first, rest)) => (first.to_string(), rest.to_string()),
        None => (DEFAULT_DOMAIN.to_string(), name.to_string()),
    };
    if domain == "index.docker.io" {
        domain = DEFAULT_DOMAIN.to_string();
    }
    if domain == DEFAULT_DOMAIN && !remainder.contains('/') {
        remainder = format!("{OFFICIAL_PREFIX}{remainder}");
    }
    (domain, remainder)
}

impl Named {
    /// `reference.ParseNormalizedNamed`, with Go's error texts.
    pub fn parse_normalized(s: &str) -> Result<Named, String> {
        if is_hex64(s) {
            return Err(format!(
                "invalid repository name ({s}), cannot specify 64-byte hexadecimal strings"
            ));
        }
        let (domain, remainder) = split_docker_domain(s);
        let remote = remainder.split(':').next().unwrap_or("");
        if remote.to_lowercase() != remote {
            return Err(format!(
                "invalid reference format: repository name ({remote}) must be lowercase"
            ));
        }
        Named::parse(&format!("{domain}/{remainder}"))
    }

    /// `reference.Parse` of an already normalized string.
    fn parse(s: &str) -> Result<Named, String> {
        let Some((name, tag, digest)) = match_reference(s) else {
            if s.is_empty() {
                return Err("repository name must have at least one component".into());
            }
            if match_reference(&s.to_lowercase()).is_some() {
                return Err("invalid reference format: repository name must be lowercase".into());
            }
            return Err("invalid reference format".into());
        };
        if name.len() > NAME_TOTAL_LENGTH_MAX {
            return Err(format!(
                "repository name must not be more than {NAME_TOTAL_LENGTH_MAX} characters"
            ));
        }
        let (domain, path) = split_name(name).ok_or("invalid reference format")?;
        Ok(Named {
            domain: domain.to_string(),
            path: path.to_string(),
            tag: tag.map(str::to_string),
            digest: digest.map(str::to_string),
        })
    }

    pub fn domain(&self) -> &str {
        &self.domain
    }
    pub fn path(&self) -> &str {
        &self.path
    }
    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }
    pub fn digest(&self) -> Option<&str> {
        self.digest.as_deref()
    }

    /// `Name()`: `docker.io/library/nginx`.
    pub fn name(&self) -> String {
        if self.domain.is_empty() {
            self.path.clone()
        } else {
            format!("{}/{}", self.domain, self.path)
        }
    }

    /// `FamiliarName`: `nginx`, `acme/api`, `ghcr.io/acme/api`.
    pub fn familiar_name(&self) -> String {
        if self.domain == DEFAULT_DOMAIN {
            match self.path.strip_prefix(OFFICIAL_PREFIX) {
                Some(rest) if !rest.contains('/') => rest.to_string(),
                _ => self.path.clone(),
            }
        } else {
            self.name()
        }
    }

    fn suffix(&self) -> String {
        let mut s = String::new();
        if let Some(t) = &self.tag {
            s.push(':');
            s.push_str(t);
        }
        if let Some(d) = &self.digest {
            s.push('@');
            s.push_str(d);
        }
        s
    }

    /// `FamiliarString`: the familiar name with tag and digest.
    pub fn familiar_string(&self) -> String {
        self.familiar_name() + &self.suffix()
    }
}

impl fmt::Display for Named {
    /// `String()`: the full normalized reference.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.name(), self.suffix())
    }
}

/// A reference's parts as the text wrote them, before normalizing: the
/// grammar and error texts of [`Named::parse_normalized`], but the domain only
/// when the text names one (`ghcr.io/acme/api`, `docker.io/nginx`; none for
/// `nginx` or `acme/api`), kept as written (`index.docker.io` stays), and the
/// path without the `library/` Docker Hub adds (`nginx`, `acme/api`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    domain: Option<String>,
    path: String,
    tag: Option<String>,
    digest: Option<String>,
}

impl Written {
    pub fn parse(s: &str) -> Result<Written, String> {
        let named = Named::parse_normalized(s)?;
        // A first component Docker's rule takes for a host but the grammar
        // does not (`a_b.io/c`) stays part of the path, as in Go.
        let (domain, rest) = match host_component(s) {
            Some((d, rest)) if !named.domain.is_empty() => (Some(d.to_string()), rest),
            _ => (None, s),
        };
        // Path components hold neither `:` nor `@`: the first one ends the path.
        let path = rest.split([':', '@']).next().unwrap_or(rest).to_string();
        Ok(Written {
            domain,
            path,
            tag: named.tag,
            digest: named.digest,
        })
    }

    /// The registry host, when the text names one.
    pub fn domain(&self) -> Option<&str> {
        self.domain.as_deref()
    }
    pub fn path(&self) -> &str {
        &self.path
    }
    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }
    pub fn digest(&self) -> Option<&str> {
        self.digest.as_deref()
    }
}

/// Tilt's `container.RefSelector`: a ref without a tag matches any tag or
/// digest of its name; with a tag, only that exact reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefSelector {
    reference: Named,
    exact: bool,
}

impl RefSelector {
    pub fn new(r: &Named) -> RefSelector {
        RefSelector {
            reference: r.clone(),
            exact: r.tag.is_some(),
        }
    }
    /// Two builds of one name: both then match only their exact reference.
    pub fn with_exact_match(mut self) -> RefSelector {
        self.exact = true;
        self
    }
    pub fn match_exact(&self) -> bool {
        self.exact
    }
    /// The repository name every ref this selector matches has.
    pub fn name(&self) -> String {
        self.reference.name()
    }

    pub fn matches(&self, other: &Named) -> bool {
        if self.exact {
            other.to_string() == self.reference.to_string()
        } else {
            other.name() == self.reference.name()
        }
    }
}

/// The substrings closestmatch indexes: sizes 2, 3 and 4, and (a quirk kept
/// on purpose) never the one that ends the word.
fn substrings(word: &str) -> std::collections::HashSet<&str> {
    let mut out = std::collections::HashSet::new();
    for size in [2usize, 3, 4] {
        if word.len() <= size {
            continue;
        }
        for i in 0..word.len() - size {
            if let Some(s) = word.get(i..i + size)
                && !s.trim().is_empty()
            {
                out.insert(s);
            }
        }
    }
    out
}

/// The "Did you mean…" candidates Tilt lists for an unused image: at most
/// three, by the number of shared substrings. (Tilt orders ties at random; we
/// keep the candidates' order.)
pub fn did_you_mean(unused: &str, candidates: &[String]) -> Vec<String> {
    let wanted = substrings(unused);
    let mut scored: Vec<(usize, &String)> = Vec::new();
    for c in candidates {
        if scored.iter().any(|(_, x)| *x == c) {
            continue;
        }
        let lower = c.to_lowercase();
        let score = substrings(&lower)
            .iter()
            .filter(|s| wanted.contains(*s))
            .count();
        if score > 0 {
            scored.push((score, c));
        }
    }
    scored.sort_by_key(|s| std::cmp::Reverse(s.0));
    scored.into_iter().take(3).map(|(_, c)| c.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// distribution/reference's regular expressions, as written in
    /// `regexp.go`: the oracle the hand-written matcher is held to.
    fn original() -> (regex::Regex, regex::Regex) {
        let alnum = "[a-z0-9]+";
        let sep = "(?:[._]|__|[-]+)";
        let path_component = format!("{alnum}(?:{sep}{alnum})*");
        let domain_component = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
        let host =
            format!(r"(?:{domain_component}(?:\.{domain_component})*|\[(?:[a-fA-F0-9:]+)\])");
        let domain = format!("{host}(?::[0-9]+)?");
        let tag = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";
        let digest = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][[:xdigit:]]{32,}";
        let remote = format!("{path_component}(?:/{path_component})*");
        let reference = regex::Regex::new(&format!(
            "^((?:{domain}/)?{remote})(?::({tag}))?(?:@({digest}))?$"
        ))
        .unwrap();
        let name = regex::Regex::new(&format!("^(?:({domain})/)?({remote})$")).unwrap();
        (reference, name)
    }

    #[test]
    fn hand_written_grammar_agrees_with_the_regular_expressions() {
        let (reference, name) = original();
        let hex = "0123456789abcdef0123456789abcdef";
        let long = hex.repeat(4); // a 128-character tag, and 129 with more
        let pieces = [
            "a",
            "Z",
            "0",
            "-",
            "--",
            ".",
            "_",
            "__",
            "___",
            "/",
            ":",
            "@",
            "[",
            "]",
            "::1",
            "5000",
            "localhost",
            "ex.com",
            "sha256:",
            hex,
            "x-y",
            "A",
            "+",
            "é",
            "",
            &long,
        ];
        let mut checked = 0;
        let n = pieces.len();
        for a in 0..n {
            for b in 0..n {
                for c in 0..n {
                    for d in 0..n {
                        let s = format!("{}{}{}{}", pieces[a], pieces[b], pieces[c], pieces[d]);
                        for s in [s.clone(), format!("docker.io/{s}"), format!("{s}/x:t")] {
                            let want = reference.captures(&s).map(|c| {
                                let n = c.get(1).unwrap().as_str();
                                let parts = name.captures(n).unwrap();
                                (
                                    n.to_string(),
                                    c.get(2).map(|m| m.as_str().to_string()),
                                    c.get(3).map(|m| m.as_str().to_string()),
                                    parts.get(1).map_or("", |m| m.as_str()).to_string(),
                                )
                            });
                            let got = match_reference(&s).map(|(n, t, d)| {
                                (
                                    n.to_string(),
                                    t.map(str::to_string),
                                    d.map(str::to_string),
                                    split_name(n).unwrap().0.to_string(),
                                )
                            });
                            assert_eq!(got, want, "{s:?}");
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert!(checked > 1_000_000);
    }

    fn p(s: &str) -> Result<Named, String> {
        Named::parse_normalized(s)
    }

    #[test]
    fn normalizes_like_docker() {
        let n = p("nginx").unwrap();
        assert_eq!(n.name(), "docker.io/library/nginx");
        assert_eq!(n.familiar_name(), "nginx");
        assert_eq!(
            p("docker.io/library/billing").unwrap().familiar_string(),
            "billing"
        );
        assert_eq!(
            p("docker.io/acme/billing").unwrap().familiar_string(),
            "acme/billing"
        );
        assert_eq!(
            p("ghcr.io/acme/orders-api:1.2").unwrap().familiar_string(),
            "ghcr.io/acme/orders-api:1.2"
        );
        assert_eq!(
            p("localhost:5000/orders-api").unwrap().domain(),
            "localhost:5000"
        );
        let d =
            p("orders-api@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
                .unwrap();
        assert!(d.digest().is_some());
    }

    #[test]
    fn errors_match_go() {
        assert_eq!(
            p("Orders/Connect:latest").unwrap_err(),
            "invalid reference format: repository name (Connect) must be lowercase"
        );
        assert_eq!(
            p(".spec.proxy.image").unwrap_err(),
            "invalid reference format"
        );
        assert_eq!(p(" ").unwrap_err(), "invalid reference format");
        assert_eq!(
            p("http://localhost:5000/fake").unwrap_err(),
            "invalid reference format"
        );
        assert_eq!(p("").unwrap_err(), "invalid reference format");
    }

    #[test]
    fn written_parts_are_not_normalized() {
        let w = |s: &str| Written::parse(s).unwrap();
        let r = w(
            "ghcr.io/acme/api:1.2@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        );
        assert_eq!(r.domain(), Some("ghcr.io"));
        assert_eq!(r.path(), "acme/api");
        assert_eq!(r.tag(), Some("1.2"));
        assert!(r.digest().is_some());
        assert_eq!(w("localhost:5000/app").domain(), Some("localhost:5000"));
        assert_eq!(w("localhost:5000/app:v1").path(), "app");
        assert_eq!(w("index.docker.io/nginx").domain(), Some("index.docker.io"));
        assert_eq!(w("docker.io/nginx").path(), "nginx");
        let r = w("acme/api");
        assert_eq!((r.domain(), r.path()), (None, "acme/api"));
        let r = w("busybox");
        assert_eq!((r.domain(), r.path(), r.tag()), (None, "busybox", None));
        let r = w("a_b.io/c");
        assert_eq!((r.domain(), r.path()), (None, "a_b.io/c"));
        for t in [
            "",
            "Foo/Bar",
            "a b",
            "http://x.io/a",
            "{{ .Values.image }}",
            "nginx:",
            ":tag",
        ] {
            assert_eq!(
                Written::parse(t).err(),
                Named::parse_normalized(t).err(),
                "{t}"
            );
            assert!(Written::parse(t).is_err(), "{t}");
        }
    }

    #[test]
    fn selectors_match_by_name_or_exactly() {
        let any = RefSelector::new(&p("orders-api").unwrap());
        assert!(any.matches(&p("orders-api:1.4.2").unwrap()));
        assert!(any.matches(&p("docker.io/library/orders-api").unwrap()));
        let exact = RefSelector::new(&p("billing-api:v2").unwrap());
        assert!(!exact.matches(&p("billing-api:v1").unwrap()));
        assert!(exact.matches(&p("billing-api:v2").unwrap()));
    }

    #[test]
    fn did_you_mean_ranks_shared_substrings() {
        let c = vec!["busybox".to_string(), "orders-api".to_string()];
        // Oracle case 75: "bu" of "debug" is in "busybox" too.
        assert_eq!(did_you_mean("orders-debug", &c), ["orders-api", "busybox"]);
        assert_eq!(did_you_mean("zzz", &c), Vec::<String>::new());
    }

    #[test]
    fn never_panics() {
        for s in [
            "",
            ":",
            "@",
            "a:",
            "a@b",
            "::::",
            "A",
            "a/b/c:d@e",
            "[::1]:5000/x",
            "é",
            "a/../b",
        ] {
            let _ = p(s);
        }
    }
}
