use super::f;
use crate::doctor::Finding;
use crate::registry::model::*;

rule! {
    /// Docker `insecure-registries` expected to fix the cluster's pulls.
    ///
    /// # What it finds
    ///
    /// daemon.json lists a registry as insecure, and the cluster pulls from it, but no cluster
    /// config gives it an `http://` endpoint.
    ///
    /// # Why it breaks
    ///
    /// daemon.json configures the Docker daemon on your machine (builds and pushes). The cluster's
    /// nodes pull with containerd, which never reads it, so the pull still fails with `server gave
    /// HTTP response to HTTPS client`.
    ///
    /// # Fix
    ///
    /// Add a mirror with an `http://` endpoint to the cluster's registries.yaml / hosts.toml.
    ///
    /// # Sources
    ///
    /// - https://docs.docker.com/reference/cli/dockerd/#insecure-registries
    /// - https://docs.k3s.io/installation/private-registry
    id: Reg014,
    name: "docker-insecure-registries-not-for-cluster",
    severity: Error,
    check: docker_insecure_for_cluster,
    bad: [
        (
            "daemon.json",
            include_str!("../../../../../tests/doctor/REG014/bad/daemon.json"),
        ),
        (
            "k8s/api.yaml",
            include_str!("../../../../../tests/doctor/REG014/bad/k8s/api.yaml"),
        ),
    ],
    good: [
        (
            "daemon.json",
            include_str!("../../../../../tests/doctor/REG014/good/daemon.json"),
        ),
        (
            "k8s/api.yaml",
            include_str!("../../../../../tests/doctor/REG014/good/k8s/api.yaml"),
        ),
        (
            "registries.yaml",
            include_str!("../../../../../tests/doctor/REG014/good/registries.yaml"),
        ),
    ],
}

fn docker_insecure_for_cluster(m: &Model) -> Vec<Finding> {
    let mut out = Vec::new();
    for d in &m.daemons {
        for (host, loc) in &d.insecure {
            let pulled = m
                .pulls
                .iter()
                .find(|p| p.what == PullKind::Container && p.host == *host)
                .map(|p| format!("`{}` at {}", p.reference, p.loc))
                .or_else(|| {
                    m.cluster_pull_hosts()
                        .into_iter()
                        .find(|(h, _)| h == host)
                        .map(|(h, l)| format!("Tilt's builds as `{h}/…` ({l})"))
                });
            let Some(what) = pulled else { continue };
            let cluster_http = m.endpoints().any(|e| e.host == *host && e.is_http())
                || m.mirrors.iter().any(|x| {
                    x.key.eq_ignore_ascii_case(host) && x.endpoints.iter().any(Endpoint::is_http)
                });
            if !cluster_http {
                out.push(f(
                    ID,
                    loc,
                    format!(
                        "`insecure-registries` lets Docker on this machine use HTTP for {host}, but the cluster's containerd does not read daemon.json and still pulls {what} over HTTPS; add a mirror for {host} with endpoint `http://{host}` to the cluster's registries.yaml / hosts.toml"
                    ),
                ));
            }
        }
    }
    out
}
