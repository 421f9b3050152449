use super::f;
use crate::doctor::Finding;
use crate::registry::model::*;

rule! {
    /// The dev registry hard-coded in an image name while `default_registry` also rewrites it.
    ///
    /// # What it finds
    ///
    /// A `docker_build`/`custom_build` ref that starts with a dev registry host, in a Tiltfile with
    /// `default_registry`.
    ///
    /// # Why it breaks
    ///
    /// Tilt puts every build under the default registry and escapes the old name:
    /// `k3d-registry.localhost:5000/orders-api` becomes
    /// `localhost:5000/k3d-registry.localhost_5000_orders-api`. It still works, but the names in
    /// manifests and logs are not the ones you wrote.
    ///
    /// # Fix
    ///
    /// Write the bare name (`orders-api`) and let `default_registry` place it.
    ///
    /// # Sources
    ///
    /// - https://docs.tilt.dev/api.html#api.default_registry
    /// - https://github.com/tilt-dev/tilt/blob/master/internal/container/registry.go (ReplaceRegistryForLocalRef)
    id: Reg016,
    name: "registry-in-ref-and-default-registry",
    severity: Warning,
    check: registry_in_ref_and_default_registry,
    bad: [
        (
            "Tiltfile",
            include_str!("../../../../../tests/doctor/REG016/bad/Tiltfile"),
        ),
        (
            "api/Dockerfile",
            include_str!("../../../../../tests/doctor/REG016/bad/api/Dockerfile"),
        ),
    ],
    good: [
        (
            "Tiltfile",
            include_str!("../../../../../tests/doctor/REG016/good/Tiltfile"),
        ),
        (
            "api/Dockerfile",
            include_str!("../../../../../tests/doctor/REG016/good/api/Dockerfile"),
        ),
    ],
}

fn registry_in_ref_and_default_registry(m: &Model) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(reg) = m.push_targets.iter().find(|t| t.origin == Origin::Tiltfile) else {
        return out;
    };
    let from_cluster = reg.from_cluster.as_ref().map(|(h, _)| h.as_str());
    for p in m.pulls.iter().filter(|p| p.what == PullKind::TiltBuild) {
        if p.host == reg.host {
            continue;
        }
        let known = m.server_at(&p.host).is_some()
            || Some(p.host.as_str()) == from_cluster
            || m.mirrors
                .iter()
                .any(|x| x.key.eq_ignore_ascii_case(&p.host))
            || looks_dev(&p.host);
        if !known {
            continue;
        }
        let name = p
            .reference
            .split('@')
            .next()
            .unwrap_or(&p.reference)
            .to_string();
        let name = match name.rsplit_once(':') {
            Some((n, t)) if !t.contains('/') => n.to_string(),
            _ => name,
        };
        let bare = name
            .strip_prefix(&format!("{}/", p.host))
            .unwrap_or(&name)
            .to_string();
        let escaped = name.replace([':', '/'], "_");
        out.push(f(
            ID,
            &p.loc,
            format!(
                "`{}` names the dev registry {} itself while default_registry('{}') also places images: Tilt pushes it as `{}/{escaped}`; write `{bare}` and let default_registry add the registry",
                p.reference, p.host, reg.host, reg.host
            ),
        ));
    }
    out
}
