use super::f;
use crate::doctor::Finding;
use crate::registry::model::*;

rule! {
    /// The same endpoint listed twice.
    ///
    /// # What it finds
    ///
    /// Two endpoints of one mirror (or two hosts of one hosts.toml) that are the same URL spelled
    /// differently (`/`, `/v2`, default scheme).
    ///
    /// # Why it breaks
    ///
    /// containerd tries each endpoint in turn; a duplicate doubles the time a failing registry
    /// costs every pull and hides which entry was meant.
    ///
    /// # Fix
    ///
    /// Keep one spelling of the endpoint and delete the other.
    ///
    /// # Sources
    ///
    /// - https://github.com/containerd/containerd/blob/main/docs/hosts.md
    /// - https://docs.k3s.io/installation/private-registry#mirrors
    id: Reg006,
    name: "duplicate-endpoint",
    severity: Warning,
    check: duplicate_endpoint,
    bad: [
        (
            "registries.yaml",
            include_str!("../../../../../tests/doctor/REG006/bad/registries.yaml"),
        ),
    ],
    good: [
        (
            "registries.yaml",
            include_str!("../../../../../tests/doctor/REG006/good/registries.yaml"),
        ),
    ],
}

fn duplicate_endpoint(m: &Model) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut check = |eps: Vec<&Endpoint>, what: &str| {
        let mut seen: Vec<(String, &Endpoint)> = Vec::new();
        for e in eps {
            let n = e.normalized();
            if let Some((_, first)) = seen.iter().find(|(k, _)| *k == n) {
                out.push(f(
                    ID,
                    &e.loc,
                    format!(
                        "endpoint `{}` repeats `{}` ({}) in {what}: containerd tries it twice and a failing registry doubles every pull's timeout; remove one",
                        e.raw, first.raw, first.loc
                    ),
                ));
            } else {
                seen.push((n, e));
            }
        }
    };
    for mirror in &m.mirrors {
        check(
            mirror.endpoints.iter().collect(),
            &format!("mirror `{}`", mirror.key),
        );
    }
    for hf in &m.hosts_files {
        check(
            hf.hosts.iter().map(|h| &h.endpoint).collect(),
            "this hosts.toml",
        );
    }
    out
}
