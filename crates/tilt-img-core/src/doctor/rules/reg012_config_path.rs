use super::f;
use crate::doctor::Finding;
use crate::registry::model::*;

rule! {
    /// `config_path` not set (hosts.toml ignored), or legacy mirrors mixed with `config_path`.
    ///
    /// # What it finds
    ///
    /// A containerd config.toml without `config_path` while hosts.toml files exist; or
    /// `registry.mirrors`/`registry.configs` in the same config as `config_path`.
    ///
    /// # Why it breaks
    ///
    /// containerd 1.x reads certs.d only when `config_path` points at it. With both set the CRI
    /// plugin fails to start: `mirrors` cannot be set when `config_path` is provided.
    ///
    /// # Fix
    ///
    /// Set `config_path = "/etc/containerd/certs.d"` and move legacy mirrors into hosts.toml files.
    ///
    /// # Sources
    ///
    /// - https://github.com/containerd/containerd/blob/main/docs/hosts.md#cri
    /// - https://github.com/containerd/containerd/blob/main/docs/cri/registry.md
    id: Reg012,
    name: "config-path",
    severity: Error,
    check: config_path,
    bad: [
        (
            "config.toml",
            include_str!("../../../../../tests/doctor/REG012/bad/config.toml"),
        ),
    ],
    good: [
        (
            "certs.d/docker.io/hosts.toml",
            include_str!("../../../../../tests/doctor/REG012/good/certs.d/docker.io/hosts.toml"),
        ),
        (
            "config.toml",
            include_str!("../../../../../tests/doctor/REG012/good/config.toml"),
        ),
    ],
}

fn config_path(m: &Model) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut files: Vec<&str> = m.containerd.iter().map(|c| c.file.as_str()).collect();
    files.dedup();
    for file in files {
        let parts: Vec<&ContainerdRegistry> =
            m.containerd.iter().filter(|c| c.file == file).collect();
        let cp = parts.iter().find_map(|c| c.config_path.as_ref());
        let legacy = parts.iter().find_map(|c| c.legacy.as_ref());
        if let (Some((path, _)), Some(l)) = (cp, legacy) {
            out.push(f(
                ID,
                l,
                format!(
                    "legacy `registry.mirrors`/`registry.configs` together with `config_path = \"{path}\"`: containerd refuses to start (`mirrors` cannot be set when `config_path` is provided); move the mirrors into {path}/<host>/hosts.toml"
                ),
            ));
        }
        let kind = parts.iter().all(|c| c.kind_patch);
        if cp.is_none() && !kind && !m.hosts_files.is_empty() {
            let hosts: Vec<&str> = m.hosts_files.iter().map(|h| h.file.as_str()).collect();
            out.push(f(
                ID,
                &parts[0].loc,
                format!(
                    "no `config_path` in the CRI registry section: containerd 1.x never reads {}; add `config_path = \"/etc/containerd/certs.d\"`",
                    hosts.join(", ")
                ),
            ));
        }
    }
    out
}
