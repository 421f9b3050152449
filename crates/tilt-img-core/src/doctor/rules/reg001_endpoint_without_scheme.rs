use super::f;
use crate::doctor::Finding;
use crate::registry::model::*;

rule! {
    /// Endpoint without a scheme for a registry that speaks HTTP.
    ///
    /// # What it finds
    ///
    /// A mirror endpoint, hosts.toml `server` or `[host]` key written as `host:port`.
    ///
    /// # Why it breaks
    ///
    /// containerd adds `https://` to an endpoint without a scheme (`parseHostConfig`), so it speaks
    /// TLS to a plain-HTTP registry and the pull fails with `http: server gave HTTP response to
    /// HTTPS client`.
    ///
    /// # Fix
    ///
    /// Write the scheme: `http://host:port`.
    ///
    /// # Sources
    ///
    /// - https://github.com/containerd/containerd/blob/main/core/remotes/docker/config/hosts.go (parseHostConfig)
    /// - https://docs.k3s.io/installation/private-registry#mirrors
    id: Reg001,
    name: "endpoint-without-scheme",
    severity: Error,
    check: endpoint_without_scheme,
    bad: [
        (
            "registries.yaml",
            include_str!("../../../../../tests/doctor/REG001/bad/registries.yaml"),
        ),
    ],
    good: [
        (
            "registries.yaml",
            include_str!("../../../../../tests/doctor/REG001/good/registries.yaml"),
        ),
    ],
}

fn endpoint_without_scheme(m: &Model) -> Vec<Finding> {
    let mut out = Vec::new();
    for e in m.endpoints() {
        if e.scheme.is_some() || e.host.is_empty() {
            continue;
        }
        if let Some(ev) = m.http_evidence(&e.host) {
            out.push(f(
                ID,
                &e.loc,
                format!(
                    "endpoint `{}` has no scheme, so containerd uses HTTPS, but {} speaks plain HTTP ({}): write `http://{}`",
                    e.raw, e.host, ev.reason, e.raw
                ),
            )
            .replacing(&e.raw, &format!("http://{}", e.raw)));
        }
    }
    out
}
