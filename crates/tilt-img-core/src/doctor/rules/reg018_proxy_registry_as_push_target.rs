use super::f;
use crate::doctor::Finding;
use crate::registry::model::*;

rule! {
    /// A pull-through proxy registry used as the push target.
    ///
    /// # What it finds
    ///
    /// `default_registry`, the KEP-1755 host or a build ref points at a registry in proxy mode (k3d
    /// `--proxy-remote-url`, registry `proxy.remoteurl`).
    ///
    /// # Why it breaks
    ///
    /// A registry in proxy mode serves pulls from its upstream and refuses writes: the push fails
    /// with `405 Method Not Allowed` / `UNSUPPORTED`.
    ///
    /// # Fix
    ///
    /// Push to a separate registry without `proxy`; keep the proxy as a pull mirror.
    ///
    /// # Sources
    ///
    /// - https://distribution.github.io/distribution/recipes/mirror/
    /// - https://k3d.io/stable/usage/registries/#creating-a-registry-proxy-pull-through-registry
    id: Reg018,
    name: "proxy-registry-as-push-target",
    severity: Error,
    check: proxy_as_push_target,
    bad: [
        (
            "Tiltfile",
            include_str!("../../../../../tests/doctor/REG018/bad/Tiltfile"),
        ),
        (
            "k3d.yaml",
            include_str!("../../../../../tests/doctor/REG018/bad/k3d.yaml"),
        ),
    ],
    good: [
        (
            "Tiltfile",
            include_str!("../../../../../tests/doctor/REG018/good/Tiltfile"),
        ),
        (
            "k3d.yaml",
            include_str!("../../../../../tests/doctor/REG018/good/k3d.yaml"),
        ),
    ],
}

fn proxy_as_push_target(m: &Model) -> Vec<Finding> {
    let mut out = Vec::new();
    let targets = m
        .push_targets
        .iter()
        .map(|t| (t.host.clone(), t.loc.clone()))
        .chain(
            m.pulls
                .iter()
                .filter(|p| p.what == PullKind::TiltBuild)
                .map(|p| (p.host.clone(), p.loc.clone())),
        );
    let mut seen = std::collections::HashSet::new();
    for (host, loc) in targets {
        if !seen.insert(host.clone()) {
            continue;
        }
        if let Some(s) = m.server_at(&host)
            && let Some((remote, rloc)) = &s.proxy_remote
        {
            out.push(f(
                ID,
                &loc,
                format!(
                    "{host} is {}, a pull-through proxy of {remote} ({rloc}): it refuses pushes (`405 Method Not Allowed`, `UNSUPPORTED`); push to a separate registry without `proxy`",
                    s.label()
                ),
            ));
        } else if let Some(crate::registry::probe::Push::Refused { status, .. }) =
            m.probed(&host).and_then(|p| p.push.as_ref())
        {
            out.push(f(
                ID,
                &loc,
                format!(
                    "{host} refuses pushes (--probe: POST /v2/{}/blobs/uploads/ answered {}): it is a pull-through proxy or read-only; push to a separate registry",
                    crate::registry::probe::PROBE_REPO,
                    status
                ),
            ));
        }
    }
    out
}
