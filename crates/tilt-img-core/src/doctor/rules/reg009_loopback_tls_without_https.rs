use super::f;
use crate::doctor::Finding;
use crate::registry::model::*;

rule! {
    /// A TLS registry on loopback addressed with `http://`.
    ///
    /// # What it finds
    ///
    /// An endpoint `http://localhost:<port>` (or 127.0.0.1) while the registry on that port serves
    /// TLS (its config sets `http.tls`, or `--probe` saw TLS).
    ///
    /// # Why it breaks
    ///
    /// Loopback registries are usually plain HTTP, so people write `http://` by habit; a TLS
    /// registry answers `400 Client sent an HTTP request to an HTTPS server`.
    ///
    /// # Fix
    ///
    /// Write `https://` and give the CA (`ca_file` / `ca`).
    ///
    /// # Sources
    ///
    /// - https://distribution.github.io/distribution/about/configuration/#tls
    /// - https://github.com/containerd/containerd/blob/main/core/remotes/docker/config/hosts.go
    id: Reg009,
    name: "loopback-tls-without-https",
    severity: Error,
    check: loopback_tls_without_https,
    bad: [
        (
            "registries.yaml",
            include_str!("../../../../../tests/doctor/REG009/bad/registries.yaml"),
        ),
        (
            "registry/config.yml",
            include_str!("../../../../../tests/doctor/REG009/bad/registry/config.yml"),
        ),
    ],
    good: [
        (
            "registries.yaml",
            include_str!("../../../../../tests/doctor/REG009/good/registries.yaml"),
        ),
        (
            "registry/config.yml",
            include_str!("../../../../../tests/doctor/REG009/good/registry/config.yml"),
        ),
    ],
}

fn loopback_tls_without_https(m: &Model) -> Vec<Finding> {
    let mut out = Vec::new();
    for e in m.endpoints() {
        if !(e.is_http() && is_loopback(&e.host)) {
            continue;
        }
        let evidence = m
            .probed(&e.host)
            .filter(|p| p.speaks.is_tls())
            .map(|p| format!("--probe: {}", p.speaks.describe()))
            .or_else(|| {
                m.server_at(&e.host)
                    .and_then(|s| s.tls.as_ref().map(|l| format!("http.tls is set at {l}")))
            });
        if let Some(ev) = evidence {
            out.push(f(
                ID,
                &e.loc,
                format!(
                    "`{}` speaks HTTP to a registry on loopback that serves TLS ({ev}); the registry answers `Client sent an HTTP request to an HTTPS server`: write `https://{}`",
                    e.raw, e.host
                ),
            ));
        }
    }
    out
}
