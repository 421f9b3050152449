use super::f;
use crate::doctor::Finding;
use crate::registry::model::*;

rule! {
    /// The cluster pulls from an HTTP registry that has no mirror entry, so containerd uses the
    /// default HTTPS endpoint.
    ///
    /// # What it finds
    ///
    /// An image (or Tilt's cluster-side registry) names a registry host that no mirror key or
    /// hosts.toml directory matches.
    ///
    /// # Why it breaks
    ///
    /// containerd always tries the default endpoint `https://<registry>/v2` last, and first when no
    /// mirror matches; a mirror keyed `registry.localhost:5000` does not catch
    /// `k3d-registry.localhost:5000/app`. The HTTPS error comes from that fallback, not from the
    /// mirror you configured.
    ///
    /// # Fix
    ///
    /// Key the mirror exactly as the images name the registry (host and port), with an `http://`
    /// endpoint.
    ///
    /// # Sources
    ///
    /// - https://docs.k3s.io/installation/private-registry#default-endpoint-fallback
    /// - https://github.com/containerd/containerd/blob/main/docs/hosts.md
    id: Reg003,
    name: "default-endpoint-fallback",
    severity: Error,
    check: default_endpoint_fallback,
    bad: [
        (
            "k8s/api.yaml",
            include_str!("../../../../../tests/doctor/REG003/bad/k8s/api.yaml"),
        ),
        (
            "registries.yaml",
            include_str!("../../../../../tests/doctor/REG003/bad/registries.yaml"),
        ),
    ],
    good: [
        (
            "k8s/api.yaml",
            include_str!("../../../../../tests/doctor/REG003/good/k8s/api.yaml"),
        ),
        (
            "registries.yaml",
            include_str!("../../../../../tests/doctor/REG003/good/registries.yaml"),
        ),
    ],
}

fn default_endpoint_fallback(m: &Model) -> Vec<Finding> {
    if !m.has_cluster_config() {
        return vec![];
    }
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let pulls = m
        .pulls
        .iter()
        .filter(|p| p.what == PullKind::Container)
        .map(|p| (p.host.clone(), p.reference.clone(), p.loc.clone()))
        .chain(
            m.cluster_pull_hosts()
                .into_iter()
                .map(|(h, l)| (h.clone(), format!("{h}/…"), l)),
        );
    for (host, reference, loc) in pulls {
        if is_loopback(&host) || !seen.insert(host.clone()) || m.mirror_for(&host).is_some() {
            continue;
        }
        let Some(ev) = m.http_evidence(&host) else {
            continue;
        };
        let keys: Vec<String> = m
            .mirrors
            .iter()
            .map(|x| x.key.clone())
            .chain(m.hosts_files.iter().map(|h| h.namespace.clone()))
            .collect();
        let close = keys
            .iter()
            .find(|k| host_only(k) == host_only(&host) || port_of(k) == port_of(&host))
            .map(|k| format!(" (did you mean to key it `{host}` instead of `{k}`?)"))
            .unwrap_or_default();
        out.push(f(
            ID,
            &loc,
            format!(
                "the cluster pulls `{reference}` from {host}, which has no mirror entry{close}; containerd falls back to the default endpoint https://{host}/v2 and fails with `http: server gave HTTP response to HTTPS client` ({}); add a mirror `{host}` with endpoint `http://{host}`",
                ev.reason
            ),
        ));
    }
    out
}
