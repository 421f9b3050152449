use super::f;
use crate::doctor::Finding;
use crate::registry::model::*;

rule! {
    /// An `http://` host with a TLS client certificate or CA.
    ///
    /// # What it finds
    ///
    /// `client`/`ca` (hosts.toml) or `cert_file`/`ca_file` (registries.yaml) for an endpoint that
    /// is `http://`.
    ///
    /// # Why it breaks
    ///
    /// Plain HTTP never presents a certificate. containerd 1.7+ sees TLS settings on an HTTP host
    /// and tries HTTPS first, then falls back to HTTP, which hides the mistake; older versions
    /// ignore the settings. Either the registry serves TLS (then the endpoint is wrong) or the
    /// settings are dead.
    ///
    /// # Fix
    ///
    /// Use `https://` if the registry serves TLS; otherwise remove the TLS settings.
    ///
    /// # Sources
    ///
    /// - https://github.com/containerd/containerd/blob/main/core/remotes/docker/config/hosts.go (ConfigureHosts: `host will try HTTPS first`)
    id: Reg008,
    name: "tls-settings-on-http-host",
    severity: Warning,
    check: tls_on_http_host,
    bad: [
        (
            "certs.d/registry.corp.example_5443_/hosts.toml",
            include_str!("../../../../../tests/doctor/REG008/bad/certs.d/registry.corp.example_5443_/hosts.toml"),
        ),
    ],
    good: [
        (
            "certs.d/registry.corp.example_5443_/hosts.toml",
            include_str!("../../../../../tests/doctor/REG008/good/certs.d/registry.corp.example_5443_/hosts.toml"),
        ),
    ],
}

fn tls_on_http_host(m: &Model) -> Vec<Finding> {
    let mut out = Vec::new();
    let msg = |ep: &str| {
        format!(
            "`{ep}` is plain HTTP, so its client certificate / CA are never presented: containerd 1.7+ tries HTTPS first because of them and then falls back, older versions ignore them; use `https://` if the registry serves TLS, or drop the TLS settings"
        )
    };
    for hf in &m.hosts_files {
        for h in &hf.hosts {
            if h.endpoint.is_http()
                && let Some(loc) = h.tls.client.as_ref().or(h.tls.ca.as_ref())
            {
                out.push(f(ID, loc, msg(&h.endpoint.raw)));
            }
        }
        if let Some(s) = &hf.server
            && s.is_http()
            && let Some(loc) = hf.root_tls.client.as_ref().or(hf.root_tls.ca.as_ref())
        {
            out.push(f(ID, loc, msg(&s.raw)));
        }
    }
    for s in &m.settings {
        let eps: Vec<&Endpoint> = m.endpoints().filter(|e| e.host == s.key).collect();
        if !eps.is_empty()
            && eps.iter().all(|e| e.is_http())
            && let Some(loc) = s.tls.client.as_ref().or(s.tls.ca.as_ref())
        {
            out.push(f(ID, loc, msg(&eps[0].raw)));
        }
    }
    out
}
