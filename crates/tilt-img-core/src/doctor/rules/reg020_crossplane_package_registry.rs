use super::f;
use crate::doctor::Finding;
use crate::registry::model::*;

rule! {
    /// Crossplane packages from a plain-HTTP or self-signed registry.
    ///
    /// # What it finds
    ///
    /// A Crossplane `Configuration`/`Provider`/`Function` whose package is on a dev registry.
    ///
    /// # Why it breaks
    ///
    /// Crossplane's package manager pulls packages itself (go-containerregistry), not through the
    /// node's containerd, so mirrors and hosts.toml do not apply. It has no setting for plain HTTP
    /// (crossplane/crossplane#6159, #5798); `registryCaBundleConfig` adds a CA for TLS and nothing
    /// else.
    ///
    /// # Fix
    ///
    /// Serve the package registry over TLS; for a private CA set the Helm value
    /// `registryCaBundleConfig` (ConfigMap name and key).
    ///
    /// # Sources
    ///
    /// - https://github.com/crossplane/crossplane/issues/6159
    /// - https://github.com/crossplane/crossplane/pull/2927 (registryCaBundleConfig guide)
    id: Reg020,
    name: "crossplane-package-registry",
    severity: Error,
    check: crossplane_package_registry,
    bad: [
        (
            "k8s/configuration.yaml",
            include_str!("../../../../../tests/doctor/REG020/bad/k8s/configuration.yaml"),
        ),
    ],
    good: [
        (
            "k8s/configuration.yaml",
            include_str!("../../../../../tests/doctor/REG020/good/k8s/configuration.yaml"),
        ),
    ],
}

fn crossplane_package_registry(m: &Model) -> Vec<Finding> {
    let mut out = Vec::new();
    for p in m
        .pulls
        .iter()
        .filter(|p| p.what == PullKind::CrossplanePackage)
    {
        if let Some(ev) = m.http_evidence(&p.host) {
            out.push(f(
                ID,
                &p.loc,
                format!(
                    "Crossplane pulls package `{}` itself, not through the node's containerd, so registry mirrors do not apply, and it has no setting for plain HTTP ({}){}; serve {} over TLS under a name the Crossplane pod resolves and give Crossplane its CA with the Helm value `registryCaBundleConfig`",
                    p.reference,
                    ev.reason,
                    if is_loopback(&p.host) {
                        "; and inside the Crossplane pod `localhost` is the pod itself"
                    } else {
                        ""
                    },
                    p.host
                ),
            ));
        } else if m.tls_evidence(&p.host).is_some() && looks_dev(&p.host) {
            out.push(f(
                ID,
                &p.loc,
                format!(
                    "Crossplane pulls package `{}` itself and trusts only public CAs: for a self-signed {} set the Helm value `registryCaBundleConfig` (a ConfigMap with the CA); containerd's CA settings do not apply",
                    p.reference, p.host
                ),
            ));
        }
    }
    out
}
