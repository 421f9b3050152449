//! The registry model: what the files in a tree say about where images are
//! pushed, where the cluster pulls them from, and over which protocol.
//!
//! Each source format keeps its own shape (a k3s mirror is not a hosts.toml
//! host), because the rules are about those shapes; [`Model`] only adds the
//! questions every rule asks: does this host speak HTTP, does it serve TLS,
//! which mirror does the cluster use for it.

pub use super::host::{host_only, port_of};
use serde::Serialize;

/// A place in a file, for findings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Loc {
    pub file: String,
    pub line: u32,
}

impl std::fmt::Display for Loc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// Which tool's file a fact came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// k3s `registries.yaml` (also what k3d's `registries.config` holds).
    K3sRegistries,
    /// containerd `config.toml` (`registry.mirrors` / `registry.configs`), also kind patches.
    ContainerdConfig,
    /// containerd `certs.d/<host>/hosts.toml`.
    HostsToml,
    /// Implied by a k3d cluster config (`registries.create` / `registries.use`).
    K3d,
    /// Implied by a ctlptl `Cluster` with a `registry`.
    Ctlptl,
    /// The `local-registry-hosting` ConfigMap (KEP-1755).
    Kep1755,
    /// The Tiltfile's `default_registry`.
    Tiltfile,
    /// A registry server's own config (distribution `config.yml`).
    RegistryServer,
}

/// A URL or host:port that a config points at.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// As written.
    pub raw: String,
    /// `http` / `https`, lower-case; `None` when written without one.
    pub scheme: Option<String>,
    /// Lower-case `host[:port]`.
    pub host: String,
    pub loc: Loc,
}

impl Endpoint {
    pub fn parse(raw: &str, loc: Loc) -> Endpoint {
        let t = raw.trim();
        let (scheme, rest) = match t.split_once("://") {
            Some((s, r)) => (Some(s.to_ascii_lowercase()), r),
            None => (None, t),
        };
        let host = rest.split('/').next().unwrap_or("").to_ascii_lowercase();
        Endpoint {
            raw: raw.to_string(),
            scheme,
            host,
            loc,
        }
    }
    pub fn is_http(&self) -> bool {
        self.scheme.as_deref() == Some("http")
    }
    /// Same endpoint, spelled differently (`https://a/`, `https://a/v2`, `a`)?
    pub fn normalized(&self) -> String {
        let scheme = self.scheme.clone().unwrap_or_else(|| "https".into());
        let rest = self
            .raw
            .split_once("://")
            .map(|(_, r)| r)
            .unwrap_or(&self.raw);
        let path = rest.split_once('/').map(|(_, p)| p).unwrap_or("");
        let path = path.trim_end_matches('/').trim_end_matches("/v2");
        let path = path.strip_prefix("v2").unwrap_or(path).trim_matches('/');
        format!("{scheme}://{}/{}", self.host, path)
    }
}

/// TLS settings for one host, in any of the formats.
#[derive(Debug, Clone, Default)]
pub struct Tls {
    pub ca: Option<Loc>,
    /// Client certificate (and key), wherever given.
    pub client: Option<Loc>,
    pub skip_verify: Option<(bool, Loc)>,
}

impl Tls {
    pub fn has_certs(&self) -> bool {
        self.ca.is_some() || self.client.is_some()
    }
    pub fn is_empty(&self) -> bool {
        !self.has_certs() && self.skip_verify.is_none()
    }
}

/// A mirror list: pulls of images from `key` go to `endpoints` in order
/// (k3s `mirrors`, containerd `registry.mirrors`, or implied by k3d/ctlptl).
#[derive(Debug, Clone)]
pub struct Mirror {
    /// The registry name pulls are matched by (`docker.io`, `host:port`, `*`).
    pub key: String,
    /// Where the key is written (for k3d/ctlptl: what implies the mirror).
    pub loc: Loc,
    pub endpoints: Vec<Endpoint>,
    pub origin: Origin,
}

/// k3s `configs.<host>` / containerd `registry.configs.<host>`.
#[derive(Debug, Clone)]
pub struct HostSettings {
    pub key: String,
    pub loc: Loc,
    pub tls: Tls,
    pub origin: Origin,
}

/// One `[host."…"]` table of a hosts.toml.
#[derive(Debug, Clone)]
pub struct HostsTomlHost {
    pub endpoint: Endpoint,
    pub capabilities: Vec<(String, Loc)>,
    pub tls: Tls,
    /// `client = ["a.crt", "a.key"]`: a flat list of strings.
    pub flat_client: Option<(Vec<String>, Loc)>,
}

/// A `certs.d/<namespace>/hosts.toml`.
#[derive(Debug, Clone)]
pub struct HostsFile {
    /// The registry the file is for (its directory name, `_port_` undone).
    pub namespace: String,
    pub file: String,
    pub server: Option<Endpoint>,
    pub root_tls: Tls,
    pub root_flat_client: Option<(Vec<String>, Loc)>,
    pub root_capabilities: Vec<(String, Loc)>,
    pub hosts: Vec<HostsTomlHost>,
}

/// containerd's registry section of a `config.toml` (or a kind patch).
#[derive(Debug, Clone)]
pub struct ContainerdRegistry {
    pub file: String,
    pub loc: Loc,
    pub config_path: Option<(String, Loc)>,
    /// First `registry.mirrors` / `registry.configs` entry, if any.
    pub legacy: Option<Loc>,
    /// From a kind `containerdConfigPatches` entry.
    pub kind_patch: bool,
}

/// A registry server the tree creates or runs.
#[derive(Debug, Clone)]
pub struct Server {
    /// The container name (k3d, ctlptl; may be empty) or the config file.
    pub name: String,
    /// Addresses it answers on, lower-case `host:port` (from the machine and from the cluster).
    pub addresses: Vec<String>,
    /// Serves TLS (evidence), else plain HTTP.
    pub tls: Option<Loc>,
    /// Pull-through proxy of this upstream (push refused).
    pub proxy_remote: Option<(String, Loc)>,
    pub origin: Origin,
    pub loc: Loc,
}

impl Server {
    /// How findings name it.
    pub fn label(&self) -> String {
        match self.origin {
            Origin::K3d if self.name.is_empty() => "a k3d registry".into(),
            Origin::K3d => format!("k3d registry `{}`", self.name),
            Origin::Ctlptl => format!("ctlptl registry `{}`", self.name),
            _ => format!("registry server ({})", self.name),
        }
    }
}

/// Where the developer pushes (`default_registry`, KEP-1755 `host`).
#[derive(Debug, Clone)]
pub struct PushTarget {
    pub host: String,
    /// What the cluster pulls the same images as (`host_from_cluster`, `hostFromContainerRuntime`).
    pub from_cluster: Option<(String, Loc)>,
    pub origin: Origin,
    pub loc: Loc,
}

/// An image the cluster (or Crossplane) pulls.
#[derive(Debug, Clone)]
pub struct Pull {
    pub reference: String,
    pub host: String,
    pub loc: Loc,
    pub what: PullKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PullKind {
    /// A container image in a manifest, pulled by the node's containerd.
    Container,
    /// A Tilt build's ref (`docker_build` / `custom_build`).
    TiltBuild,
    /// A Crossplane package, pulled by the Crossplane pod itself.
    CrossplanePackage,
}

/// Docker's `daemon.json`.
#[derive(Debug, Clone)]
pub struct DockerDaemon {
    pub file: String,
    pub insecure: Vec<(String, Loc)>,
}

/// The KEP-1755 `local-registry-hosting` ConfigMap.
#[derive(Debug, Clone)]
pub struct Kep1755 {
    pub host: Option<(String, Loc)>,
    pub from_runtime: Option<(String, Loc)>,
    pub from_cluster_network: Option<(String, Loc)>,
}

/// A k3d cluster config's registry section.
#[derive(Debug, Clone)]
pub struct K3dRegistries {
    pub file: String,
    pub uses: Vec<(String, Loc)>,
    /// Created registry name as k3d will name it.
    pub created: Option<(String, Loc)>,
}

/// A Tiltfile's `default_registry(…)` literal, read from the text (so a
/// value that makes Tilt's loader fail is still seen).
#[derive(Debug, Clone)]
pub struct DefaultRegistryCall {
    pub host: String,
    pub host_from_cluster: Option<String>,
    pub loc: Loc,
}

/// A text-level problem that keeps a file from being read at all.
#[derive(Debug, Clone)]
pub struct Unreadable {
    pub loc: Loc,
    pub message: String,
    /// Which tool would reject (or silently ignore) it.
    pub consequence: String,
}

/// Everything read from the tree.
#[derive(Debug, Clone, Default)]
pub struct Model {
    pub files: Vec<(String, &'static str)>,
    pub mirrors: Vec<Mirror>,
    pub settings: Vec<HostSettings>,
    pub hosts_files: Vec<HostsFile>,
    pub containerd: Vec<ContainerdRegistry>,
    pub servers: Vec<Server>,
    pub push_targets: Vec<PushTarget>,
    pub pulls: Vec<Pull>,
    pub daemons: Vec<DockerDaemon>,
    pub keps: Vec<Kep1755>,
    pub k3d: Vec<K3dRegistries>,
    pub default_registry_calls: Vec<DefaultRegistryCall>,
    /// `* :` keys found in YAML text (line), per file.
    pub unquoted_stars: Vec<Loc>,
    pub unreadable: Vec<Unreadable>,
    /// Files that could not be read (path, message), while reading in parallel.
    pub unreadable_paths: Vec<(String, String)>,
    /// What `--probe` found, per host.
    pub probes: Vec<crate::registry::probe::ProbeResult>,
}

/// Why we believe a host speaks plain HTTP.
#[derive(Debug, Clone)]
pub struct Evidence {
    pub reason: String,
    pub assumed: bool,
}

pub fn is_loopback(host: &str) -> bool {
    let h = host_only(host);
    h == "localhost" || h.starts_with("127.") || h == "::1" || h == "[::1]"
}

/// Names only a development setup uses: loopback, `*.localhost`, k3d/kind/ctlptl
/// registry containers, single-label hosts with a port. `registry:2`, which all
/// of those run, serves plain HTTP unless given a certificate.
pub fn looks_dev(host: &str) -> bool {
    let h = host_only(host);
    is_loopback(host)
        || h.ends_with(".localhost")
        || h.starts_with("k3d-")
        || h == "host.docker.internal"
        || (!h.contains('.') && port_of(host).is_some())
}

impl Model {
    /// What `--probe` said `host` speaks, if it asked.
    pub fn probed(&self, host: &str) -> Option<&crate::registry::probe::ProbeResult> {
        self.probes.iter().find(|p| p.host == host)
    }

    /// Appends what another part of the tree said (files are read apart).
    pub fn merge(&mut self, o: Model) {
        // Destructured so that a new field cannot be forgotten here.
        let Model {
            files,
            mirrors,
            settings,
            hosts_files,
            containerd,
            servers,
            push_targets,
            pulls,
            daemons,
            keps,
            k3d,
            default_registry_calls,
            unquoted_stars,
            unreadable,
            unreadable_paths,
            probes,
        } = o;
        self.files.extend(files);
        self.mirrors.extend(mirrors);
        self.settings.extend(settings);
        self.hosts_files.extend(hosts_files);
        self.containerd.extend(containerd);
        self.servers.extend(servers);
        self.push_targets.extend(push_targets);
        self.pulls.extend(pulls);
        self.daemons.extend(daemons);
        self.keps.extend(keps);
        self.k3d.extend(k3d);
        self.default_registry_calls.extend(default_registry_calls);
        self.unquoted_stars.extend(unquoted_stars);
        self.unreadable.extend(unreadable);
        self.unreadable_paths.extend(unreadable_paths);
        self.probes.extend(probes);
    }

    /// Every endpoint in the cluster-side configs.
    pub fn endpoints(&self) -> impl Iterator<Item = &Endpoint> {
        self.mirrors.iter().flat_map(|m| m.endpoints.iter()).chain(
            self.hosts_files
                .iter()
                .flat_map(|f| f.server.iter().chain(f.hosts.iter().map(|h| &h.endpoint))),
        )
    }

    /// A server the tree defines that answers on `host`.
    pub fn server_at(&self, host: &str) -> Option<&Server> {
        let host = host.to_ascii_lowercase();
        self.servers.iter().find(|s| {
            s.addresses.contains(&host)
                || (s.origin == Origin::RegistryServer
                    && is_loopback(&host)
                    && s.addresses.iter().any(|a| port_of(a) == port_of(&host)))
        })
    }

    /// Evidence that `host` serves TLS: certificates configured for it, a
    /// registry config with `http.tls`, a probe.
    pub fn tls_evidence(&self, host: &str) -> Option<String> {
        let host = host.to_ascii_lowercase();
        if let Some(p) = self.probed(&host)
            && p.speaks.is_tls()
        {
            return Some(format!("--probe: {}", p.speaks.describe()));
        }
        if let Some(s) = self.server_at(&host)
            && let Some(loc) = &s.tls
        {
            return Some(format!("the registry config at {loc} sets http.tls"));
        }
        for st in &self.settings {
            if st.key.eq_ignore_ascii_case(&host)
                && let Some(loc) = st.tls.ca.as_ref().or(st.tls.client.as_ref())
            {
                return Some(format!("certificates are configured for it at {loc}"));
            }
        }
        for f in &self.hosts_files {
            for h in &f.hosts {
                if h.endpoint.host == host
                    && !h.endpoint.is_http()
                    && let Some(loc) = h.tls.ca.as_ref().or(h.tls.client.as_ref())
                {
                    return Some(format!("certificates are configured for it at {loc}"));
                }
            }
        }
        None
    }

    /// Evidence that `host` speaks plain HTTP (none if it shows TLS).
    pub fn http_evidence(&self, host: &str) -> Option<Evidence> {
        let host = host.to_ascii_lowercase();
        if let Some(p) = self.probed(&host) {
            return p.speaks.is_http().then(|| Evidence {
                reason: format!("--probe: {}", p.speaks.describe()),
                assumed: false,
            });
        }
        if self.tls_evidence(&host).is_some() {
            return None;
        }
        if let Some(s) = self.server_at(&host) {
            return Some(Evidence {
                reason: format!("{} at {} serves plain HTTP", s.label(), s.loc),
                assumed: false,
            });
        }
        if let Some(e) = self.endpoints().find(|e| e.host == host && e.is_http()) {
            return Some(Evidence {
                reason: format!("{} names it with http://", e.loc),
                assumed: false,
            });
        }
        if looks_dev(&host) {
            return Some(Evidence {
                reason: "assumed: a development registry (registry:2 serves plain HTTP unless given a certificate)".into(),
                assumed: true,
            });
        }
        None
    }

    /// True when some file configures how the cluster's containerd pulls.
    pub fn has_cluster_config(&self) -> bool {
        !self.mirrors.is_empty() || !self.hosts_files.is_empty() || !self.containerd.is_empty()
    }

    /// Does the cluster have a mirror entry that catches pulls from `host`?
    pub fn mirror_for(&self, host: &str) -> Option<Loc> {
        let host = host.to_ascii_lowercase();
        if let Some(m) = self
            .mirrors
            .iter()
            .find(|m| m.key.eq_ignore_ascii_case(&host) || m.key == "*")
        {
            return Some(m.loc.clone());
        }
        self.hosts_files
            .iter()
            .find(|f| f.namespace == host || f.namespace == "_default")
            .map(|f| Loc {
                file: f.file.clone(),
                line: 1,
            })
    }

    /// Where the cluster pulls Tilt's builds from.
    pub fn cluster_pull_hosts(&self) -> Vec<(String, Loc)> {
        let mut out = Vec::new();
        for t in &self.push_targets {
            match &t.from_cluster {
                Some((h, loc)) if !h.is_empty() => out.push((h.clone(), loc.clone())),
                _ => out.push((t.host.clone(), t.loc.clone())),
            }
        }
        out
    }
}
