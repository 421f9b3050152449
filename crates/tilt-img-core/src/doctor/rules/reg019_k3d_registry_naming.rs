use super::f;
use crate::doctor::Finding;
use crate::registry::model::*;

rule! {
    /// k3d registry naming (`k3d-` prefix) and proxy mirror-key mismatches.
    ///
    /// # What it finds
    ///
    /// `registries.use` names a registry without the `k3d-` prefix that `k3d registry create` adds;
    /// or a mirror that routes to a k3d proxy is keyed by something other than the proxied
    /// registry's name.
    ///
    /// # Why it breaks
    ///
    /// `k3d registry create NAME` creates the container `k3d-NAME` (k3d-io/k3d#1202), so `use:
    /// [NAME:5000]` finds nothing. Mirrors are matched by the image's registry name: a docker.io
    /// proxy keyed `registry-1.docker.io` is never used, and k3d itself keys the mirror it writes
    /// for a proxy by the remote URL as written (`https://registry-1.docker.io`), which no image
    /// names.
    ///
    /// # Fix
    ///
    /// Use the prefixed name; key proxy mirrors by the registry images name (`docker.io`).
    ///
    /// # Sources
    ///
    /// - https://k3d.io/stable/usage/registries/
    /// - https://github.com/k3d-io/k3d/issues/1202
    /// - https://github.com/k3d-io/k3d/blob/main/pkg/client/registry.go (RegistryGenerateK3sConfig)
    id: Reg019,
    name: "k3d-registry-naming",
    severity: Error,
    check: k3d_naming,
    bad: [
        (
            "k3d-proxy.yaml",
            include_str!("../../../../../tests/doctor/REG019/bad/k3d-proxy.yaml"),
        ),
        (
            "k3d.yaml",
            include_str!("../../../../../tests/doctor/REG019/bad/k3d.yaml"),
        ),
    ],
    good: [
        (
            "k3d-proxy.yaml",
            include_str!("../../../../../tests/doctor/REG019/good/k3d-proxy.yaml"),
        ),
        (
            "k3d.yaml",
            include_str!("../../../../../tests/doctor/REG019/good/k3d.yaml"),
        ),
    ],
}

fn k3d_naming(m: &Model) -> Vec<Finding> {
    let mut out = Vec::new();
    for k in &m.k3d {
        for (u, loc) in &k.uses {
            let name = host_only(u);
            let created_here = k.created.as_ref().is_some_and(|(n, _)| n == name);
            if !name.starts_with("k3d-") && !created_here {
                let port = port_of(u).map(|p| format!(":{p}")).unwrap_or_default();
                out.push(f(
                    ID,
                    loc,
                    format!(
                        "`{u}`: `k3d registry create {name}` names the registry container `k3d-{name}`, so the cluster cannot find `{name}`; write `k3d-{name}{port}`"
                    ),
                ));
            }
        }
    }
    for s in m.servers.iter().filter(|s| s.origin == Origin::K3d) {
        let Some((remote, rloc)) = &s.proxy_remote else {
            continue;
        };
        let want = upstream_name(remote);
        let explicit = |x: &&Mirror| !matches!(x.origin, Origin::K3d | Origin::Ctlptl);
        for x in m.mirrors.iter().filter(explicit) {
            let points_here = x.endpoints.iter().any(|e| s.addresses.contains(&e.host));
            if points_here && !x.key.eq_ignore_ascii_case(&want) && x.key != "*" {
                out.push(f(
                    ID,
                    &x.loc,
                    format!(
                        "mirror key `{}` routes to {}, a proxy of {remote}; pulls are matched by registry name, so images from {want} never use it: key the mirror `{want}`",
                        x.key, s.label()
                    ),
                ));
            }
        }
        let routed = m.mirrors.iter().filter(explicit).any(|x| {
            (x.key.eq_ignore_ascii_case(&want) || x.key == "*")
                && x.endpoints.iter().any(|e| s.addresses.contains(&e.host))
        });
        if !routed && !remote.eq_ignore_ascii_case(&want) {
            out.push(f(
                ID,
                rloc,
                format!(
                    "k3d keys the mirror for {} by the remote URL as written (`{remote}`), which no image names; add `registries.config` mirror `{want}` with endpoint `http://{}`",
                    s.label(),
                    s.addresses.first().map(String::as_str).unwrap_or("<registry>:5000")
                ),
            ));
        }
    }
    out
}

/// Upstream registry name for a proxy's remote URL (`registry-1.docker.io` is `docker.io`).
fn upstream_name(remote: &str) -> String {
    let host = Endpoint::parse(
        remote,
        Loc {
            file: String::new(),
            line: 0,
        },
    )
    .host;
    match host.as_str() {
        "registry-1.docker.io" | "index.docker.io" | "registry.hub.docker.com" => {
            "docker.io".into()
        }
        _ => host,
    }
}
