use super::f;
use crate::doctor::Finding;
use crate::registry::model::*;

rule! {
    /// Unquoted `*` mirror key.
    ///
    /// # What it finds
    ///
    /// `*:` as a key in registries.yaml (or k3d's `registries.config`).
    ///
    /// # Why it breaks
    ///
    /// In YAML `*name` is an alias; `*:` does not parse, so k3s cannot read the file and starts
    /// without any mirror.
    ///
    /// # Fix
    ///
    /// Quote it: `"*":`.
    ///
    /// # Sources
    ///
    /// - https://docs.k3s.io/installation/private-registry#wildcard-mirror
    /// - https://yaml.org/spec/1.2.2/#alias-nodes
    id: Reg005,
    name: "unquoted-star-mirror",
    severity: Error,
    check: unquoted_star,
    bad: [
        (
            "registries.yaml",
            include_str!("../../../../../tests/doctor/REG005/bad/registries.yaml"),
        ),
    ],
    good: [
        (
            "registries.yaml",
            include_str!("../../../../../tests/doctor/REG005/good/registries.yaml"),
        ),
    ],
}

fn unquoted_star(m: &Model) -> Vec<Finding> {
    m.unquoted_stars
        .iter()
        .map(|l| {
            f(
                ID,
                l,
                "unquoted `*` key: YAML reads `*` as an alias, so the file does not parse and the mirrors are not applied; write `\"*\":`".into(),
            )
            .replacing("*:", "\"*\":")
        })
        .collect()
}
