use super::f;
use crate::doctor::Finding;
use crate::registry::model::*;

rule! {
    /// A mirror's hosts.toml drops the client certificate or CA, or lists the upstream before its
    /// mirrors.
    ///
    /// # What it finds
    ///
    /// A `[host]` entry for the upstream without the `ca`/`client` the root section has; a
    /// hosts.toml with no certificates for a registry that registries.yaml/config.toml gave
    /// certificates; or the upstream's `[host]` placed before mirror hosts.
    ///
    /// # Why it breaks
    ///
    /// Tools that write hosts.toml (Spegel with `--append-mirrors`) copy the host entries but not
    /// their TLS fields (spegel-org/spegel#413); the registry then rejects the connection. Hosts
    /// are tried in file order, so an upstream first means the mirrors are only used when it fails.
    ///
    /// # Fix
    ///
    /// Repeat `ca`/`client` in every entry for the upstream; list mirrors first, the upstream last.
    ///
    /// # Sources
    ///
    /// - https://github.com/spegel-org/spegel/issues/413
    /// - https://github.com/containerd/containerd/blob/main/core/remotes/docker/config/hosts.go (getSortedHosts)
    id: Reg013,
    name: "hosts-toml-drops-tls-or-misorders",
    severity: Error,
    check: hosts_drops_tls_or_order,
    bad: [
        (
            "certs.d/registry.corp.example/hosts.toml",
            include_str!("../../../../../tests/doctor/REG013/bad/certs.d/registry.corp.example/hosts.toml"),
        ),
    ],
    good: [
        (
            "certs.d/registry.corp.example/hosts.toml",
            include_str!("../../../../../tests/doctor/REG013/good/certs.d/registry.corp.example/hosts.toml"),
        ),
    ],
}

fn hosts_drops_tls_or_order(m: &Model) -> Vec<Finding> {
    let mut out = Vec::new();
    for hf in &m.hosts_files {
        let server_host = hf.server.as_ref().map(|s| s.host.clone());
        // (a) the root section has certificates, the entry for the same host not.
        if hf.root_tls.has_certs()
            && let Some(sh) = &server_host
        {
            for h in &hf.hosts {
                if h.endpoint.host == *sh && !h.endpoint.is_http() && !h.tls.has_certs() {
                    out.push(f(
                        ID,
                        &h.endpoint.loc,
                        format!(
                            "`[host.\"{}\"]` drops the `ca`/`client` the root section sets for {sh}: requests through this entry go without them (what Spegel's `--append-mirrors` writes); repeat them in the entry",
                            h.endpoint.raw
                        ),
                    ));
                }
            }
        }
        // (b) registries.yaml / config.toml had certificates for this registry;
        // a hosts.toml for it replaces those settings.
        for s in &m.settings {
            if s.key != hf.namespace || !s.tls.has_certs() {
                continue;
            }
            let kept = hf.root_tls.has_certs()
                || hf
                    .hosts
                    .iter()
                    .any(|h| h.endpoint.host == s.key && h.tls.has_certs());
            if !kept {
                out.push(f(
                    ID,
                    &Loc { file: hf.file.clone(), line: 1 },
                    format!(
                        "this hosts.toml for {} has no `ca`/`client`, but {} configures certificates for it; with hosts.toml in use those settings are dropped and the registry rejects the pull",
                        hf.namespace, s.loc
                    ),
                ));
            }
        }
        // (c) the upstream listed before its mirrors.
        if let Some(sh) = &server_host
            && let Some(pos) = hf.hosts.iter().position(|h| h.endpoint.host == *sh)
            && pos + 1 < hf.hosts.len()
        {
            let h = &hf.hosts[pos];
            out.push(f(
                ID,
                &h.endpoint.loc,
                format!(
                    "the upstream `{}` is listed before {} mirror(s): containerd tries hosts in file order, so the mirrors are used only when the upstream fails; move it last (or leave it to `server`)",
                    h.endpoint.raw,
                    hf.hosts.len() - pos - 1
                ),
            ));
        }
    }
    out
}
