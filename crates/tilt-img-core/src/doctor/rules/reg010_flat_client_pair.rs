use super::f;
use crate::doctor::Finding;
use crate::registry::model::*;

rule! {
    /// `client = [cert, key]` where a pair was meant.
    ///
    /// # What it finds
    ///
    /// A hosts.toml `client` that is a flat list of two files, a certificate and a key.
    ///
    /// # Why it breaks
    ///
    /// containerd reads a flat list as several certificate files, each expected to hold its own
    /// key; the key file is loaded as a certificate and the pull fails with `failed to load X509
    /// key pair … PEM inputs may have been switched` (spegel-org/spegel#413).
    ///
    /// # Fix
    ///
    /// Nest the pair: `client = [["client.crt", "client.key"]]`.
    ///
    /// # Sources
    ///
    /// - https://github.com/containerd/containerd/blob/main/docs/hosts.md#client-field
    /// - https://github.com/spegel-org/spegel/issues/413
    id: Reg010,
    name: "flat-client-pair",
    severity: Error,
    check: flat_client_pair,
    bad: [
        (
            "certs.d/registry.corp.example/hosts.toml",
            include_str!("../../../../../tests/doctor/REG010/bad/certs.d/registry.corp.example/hosts.toml"),
        ),
    ],
    good: [
        (
            "certs.d/registry.corp.example/hosts.toml",
            include_str!("../../../../../tests/doctor/REG010/good/certs.d/registry.corp.example/hosts.toml"),
        ),
    ],
}

fn flat_client_pair(m: &Model) -> Vec<Finding> {
    let mut out = Vec::new();
    for hf in &m.hosts_files {
        let flats = hf
            .hosts
            .iter()
            .filter_map(|h| h.flat_client.as_ref())
            .chain(hf.root_flat_client.iter());
        for (items, loc) in flats {
            if items.iter().skip(1).any(|i| i.contains("key")) {
                out.push(f(
                    ID,
                    loc,
                    format!(
                        "`client = [{}]` is a list of certificate files, not a cert/key pair: containerd fails with `failed to load X509 key pair … PEM inputs may have been switched`; write `client = [[{}]]`",
                        quoted(items),
                        quoted(items)
                    ),
                ));
            }
        }
    }
    out
}

fn quoted(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("\"{i}\""))
        .collect::<Vec<_>>()
        .join(", ")
}
