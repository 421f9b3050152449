use super::f;
use crate::doctor::Finding;
use crate::registry::model::*;

rule! {
    /// A capability typo, or `push` on a mirror.
    ///
    /// # What it finds
    ///
    /// A hosts.toml `capabilities` value other than `pull`, `resolve`, `push`; or `push` on a
    /// `[host]` that is a mirror of another registry.
    ///
    /// # Why it breaks
    ///
    /// An unknown capability makes containerd reject the whole file (`unknown capability`) and fall
    /// back to the default endpoint. `push` on a mirror sends pushes to the mirror instead of the
    /// registry.
    ///
    /// # Fix
    ///
    /// Spell it `pull`/`resolve`/`push`; give mirrors `["pull", "resolve"]`.
    ///
    /// # Sources
    ///
    /// - https://github.com/containerd/containerd/blob/main/core/remotes/docker/config/hosts.go (parseHostConfig)
    /// - https://github.com/containerd/containerd/blob/main/docs/hosts.md#capabilities-field
    id: Reg011,
    name: "capabilities",
    severity: Error,
    check: capabilities,
    bad: [
        (
            "certs.d/docker.io/hosts.toml",
            include_str!("../../../../../tests/doctor/REG011/bad/certs.d/docker.io/hosts.toml"),
        ),
    ],
    good: [
        (
            "certs.d/docker.io/hosts.toml",
            include_str!("../../../../../tests/doctor/REG011/good/certs.d/docker.io/hosts.toml"),
        ),
    ],
}

fn capabilities(m: &Model) -> Vec<Finding> {
    let mut out = Vec::new();
    for hf in &m.hosts_files {
        let all = hf
            .hosts
            .iter()
            .map(|h| (Some(h), &h.capabilities))
            .chain(std::iter::once((None, &hf.root_capabilities)));
        for (host, caps) in all {
            for (c, loc) in caps {
                if !CAPABILITIES.contains(&c.to_ascii_lowercase().as_str()) {
                    let cands: Vec<String> = CAPABILITIES.iter().map(|s| s.to_string()).collect();
                    let hint = tilt_loader::reference::did_you_mean(c, &cands)
                        .first()
                        .map(|s| format!("; did you mean `{s}`?"))
                        .unwrap_or_default();
                    out.push(f(
                        ID,
                        loc,
                        format!(
                            "unknown capability `{c}`: containerd rejects the whole hosts.toml (`unknown capability {c}`) and pulls from the default HTTPS endpoint{hint}"
                        ),
                    ));
                }
            }
            if let Some(h) = host
                && h.endpoint.host != hf.namespace
                && hf.namespace != "_default"
                && let Some((_, loc)) = caps.iter().find(|(c, _)| c.eq_ignore_ascii_case("push"))
            {
                out.push(f(
                    ID,
                    loc,
                    format!(
                        "`push` on mirror `{}` of {}: pushes would go to the mirror, not to {}; give mirrors `[\"pull\", \"resolve\"]`",
                        h.endpoint.raw, hf.namespace, hf.namespace
                    ),
                ));
            }
        }
    }
    out
}

const CAPABILITIES: [&str; 3] = ["pull", "resolve", "push"];
