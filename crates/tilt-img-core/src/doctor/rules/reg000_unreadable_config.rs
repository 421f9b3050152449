use super::f;
use crate::doctor::Finding;
use crate::registry::model::*;

rule! {
    /// A registry config file that does not parse.
    ///
    /// # What it finds
    ///
    /// The file is YAML or TOML that k3s, k3d, containerd, kind or Docker cannot read.
    ///
    /// # Why it breaks
    ///
    /// A file that does not parse is not applied: k3s and containerd log an error and go on without
    /// it (containerd falls back to the default HTTPS endpoint for a broken hosts.toml), so pulls
    /// fail later with an error that points elsewhere.
    ///
    /// # Fix
    ///
    /// Fix the syntax at the reported line.
    ///
    /// # Sources
    ///
    /// - https://github.com/containerd/containerd/blob/main/core/remotes/docker/config/hosts.go (loadHostDir: `failed to decode hosts.toml`, fallback)
    /// - https://docs.k3s.io/installation/private-registry
    id: Reg000,
    name: "unreadable-config",
    severity: Error,
    check: unreadable,
    bad: [
        (
            "registries.yaml",
            include_str!("../../../../../tests/doctor/REG000/bad/registries.yaml"),
        ),
    ],
    good: [
        (
            "registries.yaml",
            include_str!("../../../../../tests/doctor/REG000/good/registries.yaml"),
        ),
    ],
}

fn unreadable(m: &Model) -> Vec<Finding> {
    m.unreadable
        .iter()
        .map(|u| {
            f(
                ID,
                &u.loc,
                format!("cannot parse: {}; {}", u.message, u.consequence),
            )
        })
        .collect()
}
