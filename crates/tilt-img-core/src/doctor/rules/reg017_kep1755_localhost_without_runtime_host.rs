use super::f;
use crate::doctor::Finding;
use crate::registry::model::*;

rule! {
    /// KEP-1755 `localhost` without `hostFromContainerRuntime` when the cluster pulls by another
    /// name.
    ///
    /// # What it finds
    ///
    /// The `local-registry-hosting` ConfigMap says `host: localhost:<port>` with no
    /// `hostFromContainerRuntime`, and the cluster reaches the registry by another name.
    ///
    /// # Why it breaks
    ///
    /// Tilt deploys images under `host` unless `hostFromContainerRuntime` is set. On a node,
    /// `localhost` is the node itself, so the pull goes nowhere (`connection refused`), unless the
    /// node has a mirror for `localhost:<port>` (what kind's guide and ctlptl set up).
    ///
    /// # Fix
    ///
    /// Add `hostFromContainerRuntime: "<name the nodes use>:<port>"`.
    ///
    /// # Sources
    ///
    /// - https://github.com/kubernetes/enhancements/tree/master/keps/sig-cluster-lifecycle/generic/1755-communicating-a-local-registry
    /// - https://github.com/tilt-dev/tilt/blob/master/internal/k8s/registry.go
    /// - https://github.com/tilt-dev/ctlptl/blob/main/pkg/cluster/admin_kind.go (a mirror for both names, so ctlptl needs no hostFromContainerRuntime)
    id: Reg017,
    name: "kep1755-localhost-without-runtime-host",
    severity: Error,
    check: kep_localhost_without_runtime_host,
    bad: [
        (
            "k3d.yaml",
            include_str!("../../../../../tests/doctor/REG017/bad/k3d.yaml"),
        ),
        (
            "k8s/registry-hosting.yaml",
            include_str!("../../../../../tests/doctor/REG017/bad/k8s/registry-hosting.yaml"),
        ),
    ],
    good: [
        (
            "k3d.yaml",
            include_str!("../../../../../tests/doctor/REG017/good/k3d.yaml"),
        ),
        (
            "k8s/registry-hosting.yaml",
            include_str!("../../../../../tests/doctor/REG017/good/k8s/registry-hosting.yaml"),
        ),
    ],
}

fn kep_localhost_without_runtime_host(m: &Model) -> Vec<Finding> {
    let mut out = Vec::new();
    for k in &m.keps {
        let Some((host, loc)) = &k.host else { continue };
        if !is_loopback(host) || k.from_runtime.is_some() {
            continue;
        }
        if m.mirrors.iter().any(|x| x.key.eq_ignore_ascii_case(host)) {
            continue;
        }
        let other = m
            .servers
            .iter()
            .flat_map(|s| s.addresses.iter())
            .find(|a| !is_loopback(a))
            .cloned()
            .or_else(|| m.mirrors.first().map(|x| x.key.clone()));
        let Some(other) = other else { continue };
        out.push(f(
            ID,
            loc,
            format!(
                "`host: {host}` without `hostFromContainerRuntime`: Tilt deploys images as `{host}/…`, but on a node `localhost` is the node itself and the cluster reaches the registry as `{other}`; add `hostFromContainerRuntime: \"{other}\"`"
            ),
        ));
    }
    out
}
