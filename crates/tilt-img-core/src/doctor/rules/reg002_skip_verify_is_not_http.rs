use super::f;
use crate::doctor::Finding;
use crate::registry::model::*;

rule! {
    /// `insecure_skip_verify` / `skip_verify` used as if it switched to HTTP.
    ///
    /// # What it finds
    ///
    /// TLS verification is turned off for a registry that speaks plain HTTP, and its endpoint is
    /// not `http://`.
    ///
    /// # Why it breaks
    ///
    /// Skipping verification still speaks TLS; it only accepts any certificate. A plain-HTTP
    /// registry answers the TLS ClientHello with an HTTP error, so nothing changes: `server gave
    /// HTTP response to HTTPS client`.
    ///
    /// # Fix
    ///
    /// Use an `http://` endpoint and drop `insecure_skip_verify`.
    ///
    /// # Sources
    ///
    /// - https://github.com/containerd/containerd/blob/main/core/remotes/docker/config/hosts.go (tlsConfigFromHost)
    /// - https://docs.k3s.io/installation/private-registry#configs
    id: Reg002,
    name: "skip-verify-is-not-http",
    severity: Error,
    check: skip_verify_is_not_http,
    bad: [
        (
            "registries.yaml",
            include_str!("../../../../../tests/doctor/REG002/bad/registries.yaml"),
        ),
    ],
    good: [
        (
            "registries.yaml",
            include_str!("../../../../../tests/doctor/REG002/good/registries.yaml"),
        ),
    ],
}

fn skip_verify_is_not_http(m: &Model) -> Vec<Finding> {
    let mut out = Vec::new();
    // Mirrors k3d/ctlptl add by themselves do not count: the question is
    // whether the user's own config switched to HTTP.
    let has_http_endpoint = |host: &str| {
        m.mirrors
            .iter()
            .filter(|x| !matches!(x.origin, Origin::K3d | Origin::Ctlptl))
            .flat_map(|x| x.endpoints.iter())
            .chain(
                m.hosts_files
                    .iter()
                    .flat_map(|f| f.hosts.iter().map(|h| &h.endpoint)),
            )
            .any(|e| e.host == host && e.is_http())
    };
    let msg = |host: &str, ev: &Evidence| {
        format!(
            "`skip_verify`/`insecure_skip_verify` only skips certificate checks: containerd still speaks HTTPS to {host}, which speaks plain HTTP ({}); use an `http://{host}` endpoint instead",
            ev.reason
        )
    };
    for s in &m.settings {
        if let Some((true, loc)) = &s.tls.skip_verify
            && !has_http_endpoint(&s.key)
            && let Some(ev) = m.http_evidence(&s.key)
        {
            out.push(f(ID, loc, msg(&s.key, &ev)));
        }
    }
    for hf in &m.hosts_files {
        let entries = hf
            .hosts
            .iter()
            .map(|h| (&h.endpoint, &h.tls))
            .chain(hf.server.iter().map(|s| (s, &hf.root_tls)));
        for (ep, tls) in entries {
            if let Some((true, loc)) = &tls.skip_verify
                && !ep.is_http()
                && let Some(ev) = m.http_evidence(&ep.host)
            {
                out.push(f(ID, loc, msg(&ep.host, &ev)));
            }
        }
    }
    out
}
