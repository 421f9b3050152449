use super::f;
use crate::doctor::Finding;
use crate::registry::model::*;

rule! {
    /// hosts.toml without a `[host]` table, which containerd 1.5/1.6 reject.
    ///
    /// # What it finds
    ///
    /// A hosts.toml with only `server = …` (and top-level settings).
    ///
    /// # Why it breaks
    ///
    /// containerd before 1.7 reads the `host` tree unconditionally and fails with `invalid host
    /// tree`; the file is ignored and pulls go to the default HTTPS endpoint. 1.7+ accepts it, so
    /// the same file works on one cluster and not another.
    ///
    /// # Fix
    ///
    /// Add `[host."<server>"]` with its capabilities.
    ///
    /// # Sources
    ///
    /// - https://github.com/containerd/containerd/blob/release/1.6/remotes/docker/config/hosts.go (getSortedHosts)
    /// - https://github.com/containerd/containerd/blob/main/docs/hosts.md
    id: Reg007,
    name: "hosts-toml-without-host-table",
    severity: Error,
    check: hosts_without_host_table,
    bad: [
        (
            "certs.d/registry.localhost_5000_/hosts.toml",
            include_str!("../../../../../tests/doctor/REG007/bad/certs.d/registry.localhost_5000_/hosts.toml"),
        ),
    ],
    good: [
        (
            "certs.d/registry.localhost_5000_/hosts.toml",
            include_str!("../../../../../tests/doctor/REG007/good/certs.d/registry.localhost_5000_/hosts.toml"),
        ),
    ],
}

fn hosts_without_host_table(m: &Model) -> Vec<Finding> {
    m.hosts_files
        .iter()
        .filter(|h| h.hosts.is_empty())
        .filter_map(|h| h.server.as_ref())
        .map(|s| {
            f(
                ID,
                &s.loc,
                format!(
                    "hosts.toml has `server` but no `[host.\"…\"]` table: containerd 1.5 and 1.6 reject it (`invalid host tree`) and pull from the default HTTPS endpoint; add `[host.\"{}\"]` with `capabilities = [\"pull\", \"resolve\"]`",
                    s.raw
                ),
            )
        })
        .collect()
}
