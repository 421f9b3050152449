use super::f;
use crate::doctor::Finding;
use crate::registry::model::*;

rule! {
    /// TLS/auth `configs` keyed by the mirror name instead of the endpoint host.
    ///
    /// # What it finds
    ///
    /// A `configs` entry whose key is a mirror name (`docker.io`) while the mirror's endpoints are
    /// other hosts.
    ///
    /// # Why it breaks
    ///
    /// containerd applies TLS and credentials to the host it connects to, the endpoint; k3s only
    /// honours `configs` for mirror endpoints (k3s-io/k3s#9918). Settings keyed by the mirror name
    /// never apply, and the endpoint fails with `x509: certificate signed by unknown authority` or
    /// 401.
    ///
    /// # Fix
    ///
    /// Key `configs` by the endpoint's `host:port`.
    ///
    /// # Sources
    ///
    /// - https://docs.k3s.io/installation/private-registry#configs
    /// - https://github.com/k3s-io/k3s/issues/9918
    id: Reg004,
    name: "configs-keyed-by-mirror-name",
    severity: Error,
    check: configs_keyed_by_mirror_name,
    bad: [
        (
            "registries.yaml",
            include_str!("../../../../../tests/doctor/REG004/bad/registries.yaml"),
        ),
    ],
    good: [
        (
            "registries.yaml",
            include_str!("../../../../../tests/doctor/REG004/good/registries.yaml"),
        ),
    ],
}

fn configs_keyed_by_mirror_name(m: &Model) -> Vec<Finding> {
    let mut out = Vec::new();
    for s in &m.settings {
        if s.key == "*" || m.endpoints().any(|e| e.host == s.key) {
            continue;
        }
        let Some(mirror) = m
            .mirrors
            .iter()
            .find(|x| x.key.eq_ignore_ascii_case(&s.key) && !x.endpoints.is_empty())
        else {
            continue;
        };
        let hosts: Vec<&str> = mirror.endpoints.iter().map(|e| e.host.as_str()).collect();
        out.push(f(
            ID,
            &s.loc,
            format!(
                "`configs` entry `{}` is keyed by the mirror name; TLS and auth settings apply to the endpoint host that containerd connects to ({}), so they are never used: key it `{}`",
                s.key,
                hosts.join(", "),
                hosts[0]
            ),
        ));
    }
    out
}
