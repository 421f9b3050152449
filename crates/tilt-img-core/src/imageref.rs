//! Container image references, by the grammar of `distribution/reference`
//! (what Docker, containerd and Tilt parse).

use regex::Regex;
use std::sync::LazyLock;

/// `[host[:port]/]path[:tag][@digest]` with lower-case path components.
static REFERENCE: LazyLock<Regex> = LazyLock::new(|| {
    let component = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
    let domain_part = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    let domain = format!(r"(?:{domain_part}(?:\.{domain_part})*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?");
    let tag = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";
    let digest = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
    Regex::new(&format!(
        r"^(?:(?P<domain>{domain})/)?(?P<path>{component}(?:/{component})*)(?::(?P<tag>{tag}))?(?:@(?P<digest>{digest}))?$"
    ))
    .expect("static regex")
});

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// Registry host, when the first component is one (has `.` or `:`, or is `localhost`).
    pub domain: Option<String>,
    pub path: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl ImageRef {
    /// Parses a reference; `ko://` and `docker://` prefixes (used by ko and
    /// some operators) are accepted and dropped.
    pub fn parse(text: &str) -> Option<ImageRef> {
        let t = text.trim();
        let t = t
            .strip_prefix("ko://")
            .or_else(|| t.strip_prefix("docker://"))
            .unwrap_or(t);
        if t.is_empty() || t.len() > 512 {
            return None;
        }
        let c = REFERENCE.captures(t)?;
        let mut domain = c.name("domain").map(|m| m.as_str().to_string());
        let mut path = c.name("path")?.as_str().to_string();
        // `distribution/reference`: the first component is a host only if it
        // looks like one; otherwise it is part of the path (`acme/api`).
        if let Some(d) = &domain
            && !(d.contains('.')
                || d.contains(':')
                || d == "localhost"
                || d.chars().any(|c| c.is_ascii_uppercase()))
        {
            if d.chars().any(|c| c.is_ascii_uppercase()) {
                return None;
            }
            path = format!("{d}/{path}");
            domain = None;
        }
        Some(ImageRef {
            domain,
            path,
            tag: c.name("tag").map(|m| m.as_str().to_string()),
            digest: c.name("digest").map(|m| m.as_str().to_string()),
        })
    }

    /// True when the text reads like an image a human meant, not an accident
    /// of the grammar (a bare word such as `true`, `always` or `default`
    /// parses too). Used only to judge instance values under image-like keys.
    pub fn looks_deliberate(text: &str) -> bool {
        match ImageRef::parse(text) {
            None => false,
            Some(r) => {
                r.domain.is_some()
                    || r.tag.is_some()
                    || r.digest.is_some()
                    || r.path.contains('/')
                    || text.starts_with("ko://")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_references() {
        let r = ImageRef::parse("ghcr.io/acme/api:1.2@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef").unwrap();
        assert_eq!(r.domain.as_deref(), Some("ghcr.io"));
        assert_eq!(r.path, "acme/api");
        assert_eq!(r.tag.as_deref(), Some("1.2"));
        assert!(r.digest.is_some());
        let r = ImageRef::parse("localhost:5000/app").unwrap();
        assert_eq!(r.domain.as_deref(), Some("localhost:5000"));
        let r = ImageRef::parse("acme/api").unwrap();
        assert_eq!(r.domain, None);
        assert_eq!(r.path, "acme/api");
        assert!(ImageRef::parse("busybox").is_some());
        assert!(ImageRef::parse("ko://knative.dev/serving/cmd/x").is_some());
    }

    #[test]
    fn rejects_non_references() {
        for t in [
            "",
            "Foo/Bar",
            "a b",
            "http://x.io/a",
            "{{ .Values.image }}",
            "nginx:",
            ":tag",
        ] {
            assert!(ImageRef::parse(t).is_none(), "{t}");
        }
        assert!(!ImageRef::looks_deliberate("always"));
        assert!(ImageRef::looks_deliberate("nginx:1.25"));
    }
}
