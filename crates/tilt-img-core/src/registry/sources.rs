//! Reading registry-related files into the [`Model`].
//!
//! Files are recognised by content, not only by name, because people keep
//! them under any name (`k3d.yaml`, `cluster.yml`, `registries.yaml`): a k3d
//! config has `apiVersion: k3d.io/…`, a k3s registries file has top-level
//! `mirrors`/`configs`, a containerd config has `plugins`, and so on.

use super::model::*;
use super::tree;
use crate::image_text::written_image;
use regex::Regex;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use tilt_loader::tree::{AliasBudget, Entry, Node, Value, YamlError};

/// How much of a tree to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Everything, including images the manifests and Tiltfile pull (doctor).
    Full,
    /// Registry configs only (scan's registry plan): manifests are skipped
    /// unread past a cheap text check, so a large tree costs little more.
    Configs,
}

/// Text every registry config in YAML contains; a YAML file with none is
/// skipped unparsed in [`Scope::Configs`].
const CONFIG_MARKERS: [&str; 4] = [
    "k3d.io/",
    "kind.x-k8s.io/",
    "ctlptl.dev/",
    "local-registry-hosting",
];

fn has_top_level_key(text: &str, key: &str) -> bool {
    text.starts_with(key) || text.contains(&format!("\n{key}"))
}

/// Whether a file's text is worth parsing in this scope.
fn wanted(path: &Path, text: &str, scope: Scope) -> bool {
    let yaml = path
        .extension()
        .and_then(|x| x.to_str())
        .is_some_and(|x| matches!(x.to_ascii_lowercase().as_str(), "yaml" | "yml"));
    if scope == Scope::Full || !yaml {
        return true;
    }
    CONFIG_MARKERS.iter().any(|m| text.contains(m))
        || looks_registry_yaml(text)
        || (has_top_level_key(text, "storage:") && has_top_level_key(text, "http:"))
}

/// Walks `paths` (respecting .gitignore) and reads every file that matters;
/// alias expansion in all of them together takes from one
/// [`AliasBudget::per_run`].
pub fn read_tree(
    paths: &[PathBuf],
    no_ignore: bool,
    scope: Scope,
    skip: &std::collections::HashSet<String>,
) -> (Model, Vec<crate::diag::Diagnostic>) {
    read_tree_within(paths, no_ignore, scope, skip, &AliasBudget::per_run())
}

/// [`read_tree`] with the run's alias budget given (shared with other readers).
pub fn read_tree_within(
    paths: &[PathBuf],
    no_ignore: bool,
    scope: Scope,
    skip: &std::collections::HashSet<String>,
    run: &AliasBudget,
) -> (Model, Vec<crate::diag::Diagnostic>) {
    let mut model = Model::default();
    let (inputs, mut diags) = crate::load::discover_matching(paths, no_ignore, interesting);
    let files: Vec<PathBuf> = inputs
        .into_iter()
        .filter_map(|i| match i {
            crate::load::Input::File(f) => Some(f),
            crate::load::Input::Stdin => None,
        })
        .collect();
    // Read (and, for Scope::Configs, pre-filter) in parallel; parse in
    // order, so that the model and findings are deterministic.
    use rayon::prelude::*;
    let read: Vec<(PathBuf, String, Result<Option<String>, String>)> = files
        .par_iter()
        .filter(|f| !skip.contains(&f.display().to_string()))
        .map(|f| {
            let shown = f.display().to_string();
            let text = match crate::load::read_capped(f, 8 << 20) {
                Err(e) => Err(format!("cannot read: {e}; check that it is readable")),
                // Config files are small; a huge or binary one is not a registry config.
                Ok(b) if b.len() > 8 << 20 => Ok(None),
                Ok(b) => Ok(String::from_utf8(b).ok().filter(|t| wanted(f, t, scope))),
            };
            (f.clone(), shown, text)
        })
        .collect();
    // Each file into its own model on any core, merged in file order.
    let parts: Vec<Model> = read
        .into_par_iter()
        .map(|(f, shown, text)| {
            let mut part = Model::default();
            match text {
                Err(e) => part.unreadable_paths.push((shown, e)),
                Ok(None) => {}
                Ok(Some(text)) => read_file(&mut part, &f, &shown, &text, scope, run),
            }
            part
        })
        .collect();
    for mut part in parts {
        for (shown, e) in part.unreadable_paths.drain(..) {
            diags.push(crate::diag::Diagnostic::new(
                crate::diag::Code::Unreadable,
                &shown,
                0,
                e,
            ));
        }
        model.merge(part);
    }
    resolve_ctlptl_ports(&mut model);
    (model, diags)
}

fn interesting(p: &Path) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let ext = p.extension().and_then(|x| x.to_str()).unwrap_or("");
    name == "Tiltfile"
        || matches!(
            ext.to_ascii_lowercase().as_str(),
            "yaml" | "yml" | "json" | "toml" | "tmpl"
        )
}

/// Reads one file (its kind decided by name and content); YAML aliases take
/// from `run`.
pub fn read_file(
    model: &mut Model,
    path: &Path,
    shown: &str,
    text: &str,
    scope: Scope,
    run: &AliasBudget,
) {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if name == "Tiltfile" {
        read_tiltfile(model, path, shown, text, scope);
        return;
    }
    if name == "hosts.toml" {
        let ns = path
            .parent()
            .and_then(|d| d.file_name())
            .and_then(|n| n.to_str())
            .map(namespace_of_dir)
            .unwrap_or_default();
        read_hosts_toml(model, shown, &ns, text);
        return;
    }
    let ext = path.extension().and_then(|x| x.to_str()).unwrap_or("");
    if ext == "toml" || name.ends_with(".toml.tmpl") {
        if let Ok(root) = tree::parse_toml(text)
            && root.get("plugins").is_some()
        {
            model.files.push((shown.to_string(), "containerd config"));
            read_containerd(model, shown, &root, false);
        }
        return;
    }
    if name == "daemon.json" {
        match parse_yaml(text, run) {
            Ok(root) => read_daemon(model, shown, &root),
            Err(e) if e.over_budget => refused(model, shown, e.line, &e),
            Err(e) => model.unreadable.push(Unreadable {
                loc: loc(shown, e.line.max(1)),
                message: e.message,
                consequence: "Docker refuses to start with an invalid daemon.json".into(),
            }),
        }
        return;
    }
    if ext == "json" {
        return;
    }
    let before = model.pulls.len();
    read_yaml_file(model, shown, text, 0, run);
    if scope == Scope::Configs {
        model.pulls.truncate(before);
    }
}

/// `a_5000_` (containerd's Windows-safe form) → `a:5000`.
fn namespace_of_dir(dir: &str) -> String {
    static PORTED: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^(.+)_([0-9]+)_$").expect("static regex"));
    match PORTED.captures(dir) {
        Some(c) => format!("{}:{}", &c[1], &c[2]),
        None => dir.to_ascii_lowercase(),
    }
}

/// A string value with its place.
fn str_loc(node: Option<&Node>, shown: &str) -> Option<(String, Loc)> {
    let n = node?;
    Some((n.as_str()?.to_string(), loc(shown, n.line)))
}

/// A scalar as written (`5000` and `"5000"` alike).
fn scalar(node: Option<&Node>) -> Option<String> {
    match &node?.value {
        Value::String(s) | Value::Number(s) => Some(s.clone()),
        _ => None,
    }
}

fn loc(file: &str, line: u32) -> Loc {
    Loc {
        file: file.to_string(),
        line,
    }
}

/// `*:` as a map key, unquoted: YAML reads `*` as an alias.
static UNQUOTED_STAR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*\*\s*:").expect("static regex"));

/// [`tree::parse_yaml`] (one document) within the run's alias budget.
fn parse_yaml(text: &str, run: &AliasBudget) -> Result<Node, YamlError> {
    super::tree::parse_yaml_within(text, run)
}

/// A file whose aliases ran out of budget (at `line`): a diagnostic, not a
/// config finding, since the file may well be valid YAML.
fn refused(model: &mut Model, shown: &str, line: u32, e: &YamlError) {
    model.unreadable_paths.push((
        shown.to_string(),
        format!(
            "line {line}: {}; the rest of this file was not read",
            e.message
        ),
    ));
}

/// Reads a YAML stream whose text starts at line `offset + 1` of `shown`.
fn read_yaml_file(model: &mut Model, shown: &str, text: &str, offset: u32, run: &AliasBudget) {
    let stars: Vec<u32> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| UNQUOTED_STAR.is_match(l))
        .map(|(i, _)| offset + u32::try_from(i).unwrap_or(0) + 1)
        .collect();
    let parsed = tilt_loader::tree::parse_stream_within(text, run);
    for mut doc in parsed.documents {
        shift(&mut doc.root, offset);
        read_document(model, shown, &doc.root, run);
    }
    for &s in &stars {
        model.unquoted_stars.push(loc(shown, s));
    }
    if let Some(e) = &parsed.error
        && e.over_budget
    {
        refused(model, shown, offset + e.line, e);
    } else if let Some(e) = parsed.error
        && stars.is_empty()
        && looks_registry_yaml(text)
    {
        model.unreadable.push(Unreadable {
            loc: loc(shown, offset + e.line.max(1)),
            message: e.message,
            consequence: "k3s/k3d cannot read this file and start without its registry settings"
                .into(),
        });
    }
}

/// A k3s registries.yaml (or its k3d copy): top-level `mirrors:`/`configs:`.
fn looks_registry_yaml(text: &str) -> bool {
    has_top_level_key(text, "mirrors:") || has_top_level_key(text, "configs:")
}

/// Lines of a document embedded in a string are relative to that string;
/// `by` is the line before the string's first line.
fn shift(node: &mut Node, by: u32) {
    if by == 0 {
        return;
    }
    node.line += by;
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|i| shift(i, by)),
        Value::Map(es) => es.iter_mut().for_each(|e| {
            e.key_line += by;
            shift(&mut e.value, by);
        }),
        _ => {}
    }
}

/// A registry config written as a Kubernetes-style document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigKind {
    K3d,
    Kind,
    Ctlptl,
    Kep1755,
}

impl ConfigKind {
    fn label(self) -> &'static str {
        match self {
            ConfigKind::K3d => "k3d config",
            ConfigKind::Kind => "kind config",
            ConfigKind::Ctlptl => "ctlptl config",
            ConfigKind::Kep1755 => "KEP-1755 ConfigMap",
        }
    }
}

/// Which registry config a document is, by its `apiVersion`, `kind` and
/// name (None: not one). `scan` asks the same question of the objects it
/// loaded, to skip files that hold none.
pub fn config_kind(api_version: &str, kind: &str, name: &str) -> Option<ConfigKind> {
    if api_version.starts_with("k3d.io/") {
        Some(ConfigKind::K3d)
    } else if api_version.starts_with("kind.x-k8s.io/") && kind == "Cluster" {
        Some(ConfigKind::Kind)
    } else if api_version.starts_with("ctlptl.dev/") {
        Some(ConfigKind::Ctlptl)
    } else if kind == "ConfigMap" && name == "local-registry-hosting" {
        Some(ConfigKind::Kep1755)
    } else {
        None
    }
}

fn read_document(model: &mut Model, shown: &str, root: &Node, run: &AliasBudget) {
    let api = root.str_at("apiVersion").unwrap_or("");
    let kind = root.str_at("kind").unwrap_or("");
    let name = root
        .at(&["metadata", "name"])
        .and_then(Node::as_str)
        .unwrap_or("");
    if let Some(what) = config_kind(api, kind, name) {
        model.files.push((shown.to_string(), what.label()));
        match what {
            ConfigKind::K3d => read_k3d(model, shown, root, run),
            ConfigKind::Kind => read_kind(model, shown, root),
            ConfigKind::Ctlptl => read_ctlptl(model, shown, root, kind),
            ConfigKind::Kep1755 => read_kep(model, shown, root, run),
        }
    } else if api.is_empty() && (root.get("mirrors").is_some() || root.get("configs").is_some()) {
        model.files.push((shown.to_string(), "k3s registries.yaml"));
        read_mirrors_and_configs(model, shown, root, Origin::K3sRegistries);
    } else if api.is_empty() && root.get("storage").is_some() && root.get("http").is_some() {
        model
            .files
            .push((shown.to_string(), "registry server config"));
        read_distribution(model, shown, root);
    } else if !kind.is_empty() {
        read_pulls(model, shown, root, api);
    }
}

/// `mirrors.<name>.endpoint[]` and `configs.<host>.tls` under `node`: k3s
/// `registries.yaml` took the shape of containerd's legacy CRI registry
/// config, so one reader serves both.
fn read_mirrors_and_configs(model: &mut Model, shown: &str, node: &Node, origin: Origin) {
    for e in opt_entries(node.get("mirrors")) {
        let endpoints = e
            .value
            .get("endpoint")
            .map(Node::strings)
            .unwrap_or_default()
            .into_iter()
            .map(|(s, l)| Endpoint::parse(&s, loc(shown, l)))
            .collect();
        model.mirrors.push(Mirror {
            key: e.key.clone(),
            loc: loc(shown, e.key_line),
            endpoints,
            origin,
        });
    }
    for e in opt_entries(node.get("configs")) {
        let tls_node = e.value.get("tls");
        let field = |k: &str| tls_node.and_then(|t| t.get(k)).map(|n| loc(shown, n.line));
        let skip = tls_node.and_then(|t| {
            let n = t.get("insecure_skip_verify")?;
            Some((n.truthy()?, loc(shown, n.line)))
        });
        model.settings.push(HostSettings {
            key: e.key.to_ascii_lowercase(),
            loc: loc(shown, e.key_line),
            tls: Tls {
                ca: field("ca_file"),
                client: field("cert_file").or_else(|| field("key_file")),
                skip_verify: skip,
            },
            origin,
        });
    }
}

/// A containerd config (or kind patch): the CRI registry section.
fn read_containerd(model: &mut Model, shown: &str, root: &Node, kind_patch: bool) {
    for plugin in ["io.containerd.grpc.v1.cri", "io.containerd.cri.v1.images"] {
        let Some(reg) = root.at(&["plugins", plugin, "registry"]) else {
            continue;
        };
        let config_path = str_loc(reg.get("config_path"), shown);
        let legacy = reg
            .get("mirrors")
            .or_else(|| reg.get("configs"))
            .and_then(|n| n.as_map()?.first().map(|e| loc(shown, e.key_line)));
        model.containerd.push(ContainerdRegistry {
            file: shown.to_string(),
            loc: loc(shown, reg.line),
            config_path,
            legacy,
            kind_patch,
        });
        read_mirrors_and_configs(model, shown, reg, Origin::ContainerdConfig);
    }
}

fn read_tls(node: &Node, shown: &str) -> (Tls, Option<(Vec<String>, Loc)>) {
    let mut flat = None;
    let client = node.get("client").map(|c| {
        if let Some(items) = c.as_seq()
            && !items.is_empty()
            && items.iter().all(|i| i.as_str().is_some())
            && items.len() >= 2
        {
            flat = Some((
                items
                    .iter()
                    .filter_map(|i| i.as_str().map(String::from))
                    .collect(),
                loc(shown, c.line),
            ));
        }
        loc(shown, c.line)
    });
    let skip = node
        .get("skip_verify")
        .and_then(|n| Some((n.truthy()?, loc(shown, n.line))));
    (
        Tls {
            ca: node.get("ca").map(|n| loc(shown, n.line)),
            client,
            skip_verify: skip,
        },
        flat,
    )
}

fn capabilities(node: &Node, shown: &str) -> Vec<(String, Loc)> {
    node.get("capabilities")
        .map(Node::strings)
        .unwrap_or_default()
        .into_iter()
        .map(|(s, l)| (s, loc(shown, l)))
        .collect()
}

fn read_hosts_toml(model: &mut Model, shown: &str, namespace: &str, text: &str) {
    model
        .files
        .push((shown.to_string(), "containerd hosts.toml"));
    let root = match tree::parse_toml(text) {
        Ok(r) => r,
        Err((line, msg)) => {
            model.unreadable.push(Unreadable {
                loc: loc(shown, line),
                message: msg,
                consequence: "containerd logs `failed to decode hosts.toml` and ignores the whole file (pulls go to the default HTTPS endpoint)".into(),
            });
            return;
        }
    };
    let server = root
        .get("server")
        .and_then(|n| Some(Endpoint::parse(n.as_str()?, loc(shown, n.line))));
    let (root_tls, root_flat_client) = read_tls(&root, shown);
    let mut hosts = Vec::new();
    for e in opt_entries(root.get("host")) {
        let (tls, flat_client) = read_tls(&e.value, shown);
        hosts.push(HostsTomlHost {
            endpoint: Endpoint::parse(&e.key, loc(shown, e.key_line)),
            capabilities: capabilities(&e.value, shown),
            tls,
            flat_client,
        });
    }
    model.hosts_files.push(HostsFile {
        namespace: namespace.to_string(),
        file: shown.to_string(),
        server,
        root_tls,
        root_flat_client,
        root_capabilities: capabilities(&root, shown),
        hosts,
    });
}

fn read_daemon(model: &mut Model, shown: &str, root: &Node) {
    model.files.push((shown.to_string(), "Docker daemon.json"));
    let insecure = root
        .get("insecure-registries")
        .map(Node::strings)
        .unwrap_or_default()
        .into_iter()
        .map(|(s, l)| (s.to_ascii_lowercase(), loc(shown, l)))
        .collect();
    model.daemons.push(DockerDaemon {
        file: shown.to_string(),
        insecure,
    });
}

/// k3d `Simple` config: `registries.create/use/config`.
fn read_k3d(model: &mut Model, shown: &str, root: &Node, run: &AliasBudget) {
    let Some(regs) = root.get("registries") else {
        return;
    };
    let mut k3d = K3dRegistries {
        file: shown.to_string(),
        uses: regs
            .get("use")
            .map(Node::strings)
            .unwrap_or_default()
            .into_iter()
            .map(|(s, l)| (s.to_ascii_lowercase(), loc(shown, l)))
            .collect(),
        created: None,
    };
    // k3d writes mirrors for every registry a cluster uses or creates
    // (pkg/client/registry.go, RegistryGenerateK3sConfig): `<name>:<hostPort>`
    // and `<name>:<port>` (5000 unless changed), both to http://<name>:<port>.
    for (u, l) in &k3d.uses {
        let name = host_only(u).to_string();
        for key in [u.clone(), format!("{name}:5000")] {
            model.mirrors.push(Mirror {
                key,
                loc: l.clone(),
                endpoints: vec![Endpoint::parse(&format!("http://{name}:5000"), l.clone())],
                origin: Origin::K3d,
            });
        }
    }
    if let Some(c) = regs.get("create") {
        // `k3d cluster create` (and a config's `registries.create`) uses the
        // name as given; only `k3d registry create` adds the `k3d-` prefix.
        let name = c.str_at("name").map(str::to_ascii_lowercase);
        let host_port = scalar(c.get("hostPort")).unwrap_or_default();
        let bind = c.str_at("host").unwrap_or("0.0.0.0");
        let mut addresses = Vec::new();
        if let Some(n) = &name {
            addresses.push(format!("{n}:5000"));
            if !host_port.is_empty() {
                addresses.push(format!("{n}:{host_port}"));
            }
        }
        if !host_port.is_empty() {
            addresses.push(format!("localhost:{host_port}"));
            addresses.push(format!("127.0.0.1:{host_port}"));
            if bind != "0.0.0.0" && bind != "127.0.0.1" {
                addresses.push(format!("{bind}:{host_port}"));
            }
        }
        let proxy_remote = str_loc(c.at(&["proxy", "remoteURL"]), shown);
        if let Some(n) = &name {
            k3d.created = Some((n.clone(), loc(shown, c.line)));
            let internal = Endpoint::parse(&format!("http://{n}:5000"), loc(shown, c.line));
            let mut keys = vec![format!("{n}:5000")];
            if !host_port.is_empty() {
                keys.push(format!("{n}:{host_port}"));
            }
            // For a proxy, k3d keys the mirror by the remote URL as written.
            if let Some((remote, _)) = &proxy_remote {
                keys.push(remote.clone());
            }
            for key in keys {
                model.mirrors.push(Mirror {
                    key,
                    loc: loc(shown, c.line),
                    endpoints: vec![internal.clone()],
                    origin: Origin::K3d,
                });
            }
        }
        model.servers.push(Server {
            name: name.clone().unwrap_or_default(),
            addresses,
            tls: None,
            proxy_remote,
            origin: Origin::K3d,
            loc: loc(shown, c.line),
        });
    }
    if let Some(cfg) = regs.get("config")
        && let Some(text) = cfg.as_str()
    {
        // The scalar node's line is its content's first line.
        read_yaml_file(model, shown, text, cfg.line.saturating_sub(1), run);
    }
    model.k3d.push(k3d);
}

/// kind `Cluster`: `containerdConfigPatches` are TOML fragments.
fn read_kind(model: &mut Model, shown: &str, root: &Node) {
    for p in root
        .get("containerdConfigPatches")
        .and_then(Node::as_seq)
        .unwrap_or(&[])
    {
        let Some(text) = p.as_str() else { continue };
        // The scalar node's line is its content's first line.
        let offset = p.line.saturating_sub(1);
        match tree::parse_toml(text) {
            Ok(mut t) => {
                shift(&mut t, offset);
                read_containerd(model, shown, &t, true);
            }
            Err((line, msg)) => model.unreadable.push(Unreadable {
                loc: loc(shown, offset + line),
                message: msg,
                consequence: "kind fails to create the cluster with this containerd patch".into(),
            }),
        }
    }
}

/// ctlptl `Registry` (an HTTP `registry:2` container) and `Cluster`.
fn read_ctlptl(model: &mut Model, shown: &str, root: &Node, kind: &str) {
    let name = root
        .str_at("name")
        .unwrap_or("ctlptl-registry")
        .to_ascii_lowercase();
    match kind {
        "Registry" => {
            let port = scalar(root.get("port")).unwrap_or_else(|| "5000".into());
            let listen = root.str_at("listenAddress").unwrap_or("127.0.0.1");
            let mut addresses = vec![
                format!("{name}:5000"),
                format!("localhost:{port}"),
                format!("127.0.0.1:{port}"),
            ];
            if listen != "127.0.0.1" && listen != "0.0.0.0" {
                addresses.push(format!("{listen}:{port}"));
            }
            let proxy_remote = str_loc(root.at(&["proxy", "remoteURL"]), shown);
            model.servers.push(Server {
                name: name.clone(),
                addresses,
                tls: None,
                proxy_remote,
                origin: Origin::Ctlptl,
                loc: loc(shown, root.line),
            });
        }
        "Cluster" => {
            if let Some(kc) = root.get("kindV1Alpha4Cluster") {
                read_kind(model, shown, kc);
            }
            if let Some(reg) = root.get("registry").and_then(Node::as_str) {
                // What ctlptl does (pkg/cluster/admin_kind.go): mirrors for
                // `localhost:<port>` and `<name>:5000`, both to
                // http://<name>:5000, and a KEP-1755 ConfigMap with
                // `host: localhost:<port>` (no hostFromContainerRuntime), so
                // Tilt pushes and deploys as localhost:<port>.
                let line = root.get("registry").map(|n| n.line).unwrap_or(root.line);
                let reg = reg.to_ascii_lowercase();
                let port = ctlptl_port(model, &reg).unwrap_or_else(|| "5000".into());
                let internal = Endpoint::parse(&format!("http://{reg}:5000"), loc(shown, line));
                for key in [format!("localhost:{port}"), format!("{reg}:5000")] {
                    model.mirrors.push(Mirror {
                        key,
                        loc: loc(shown, line),
                        endpoints: vec![internal.clone()],
                        origin: Origin::Ctlptl,
                    });
                }
                model.push_targets.push(PushTarget {
                    host: format!("localhost:{port}"),
                    from_cluster: None,
                    origin: Origin::Ctlptl,
                    loc: loc(shown, line),
                });
            }
        }
        _ => {}
    }
}

/// A ctlptl `Cluster` may come before (or in another file than) its
/// `Registry`; once everything is read, give its push target and mirror the
/// registry's real host port.
fn resolve_ctlptl_ports(model: &mut Model) {
    let pending: Vec<(String, String)> = model
        .mirrors
        .iter()
        .filter(|m| m.origin == Origin::Ctlptl && m.key.starts_with("localhost:"))
        .filter_map(|m| {
            Some((
                m.key.clone(),
                host_only(&m.endpoints.first()?.host).to_string(),
            ))
        })
        .collect();
    for (old, name) in pending {
        let Some(port) = ctlptl_port(model, &name) else {
            continue;
        };
        let new = format!("localhost:{port}");
        for m in model
            .mirrors
            .iter_mut()
            .filter(|m| m.origin == Origin::Ctlptl && m.key == old)
        {
            m.key = new.clone();
        }
        for t in model
            .push_targets
            .iter_mut()
            .filter(|t| t.origin == Origin::Ctlptl && t.host == old)
        {
            t.host = new.clone();
        }
    }
}

fn ctlptl_port(model: &Model, name: &str) -> Option<String> {
    model
        .servers
        .iter()
        .find(|s| s.origin == Origin::Ctlptl && s.name == name)
        .and_then(|s| s.addresses.iter().find(|a| a.starts_with("localhost:")))
        .and_then(|a| port_of(a).map(String::from))
}

/// KEP-1755: `data."localRegistryHosting.v1"` is itself YAML.
fn read_kep(model: &mut Model, shown: &str, root: &Node, run: &AliasBudget) {
    let Some(data) = root.at(&["data", "localRegistryHosting.v1"]) else {
        return;
    };
    let Some(text) = data.as_str() else { return };
    let mut inner = match parse_yaml(text, run) {
        Ok(inner) => inner,
        Err(e) if e.over_budget => {
            return refused(model, shown, data.line.saturating_sub(1) + e.line, &e);
        }
        Err(_) => return,
    };
    shift(&mut inner, data.line.saturating_sub(1));
    let field = |k: &str| str_loc(inner.get(k), shown);
    let kep = Kep1755 {
        host: field("host"),
        from_runtime: field("hostFromContainerRuntime"),
        from_cluster_network: field("hostFromClusterNetwork"),
    };
    if let Some((h, l)) = &kep.host {
        model.push_targets.push(PushTarget {
            host: h.to_ascii_lowercase(),
            from_cluster: kep.from_runtime.clone(),
            origin: Origin::Kep1755,
            loc: l.clone(),
        });
    }
    model.keps.push(kep);
}

/// distribution's `config.yml`: TLS and proxy mode.
fn read_distribution(model: &mut Model, shown: &str, root: &Node) {
    let addr = root
        .at(&["http", "addr"])
        .and_then(Node::as_str)
        .unwrap_or(":5000");
    let port = port_of(addr).unwrap_or("5000");
    let tls = root
        .at(&["http", "tls", "certificate"])
        .map(|n| loc(shown, n.line));
    let proxy_remote = str_loc(root.at(&["proxy", "remoteurl"]), shown);
    model.servers.push(Server {
        name: shown.to_string(),
        addresses: vec![format!("localhost:{port}"), format!("127.0.0.1:{port}")],
        tls,
        proxy_remote,
        origin: Origin::RegistryServer,
        loc: loc(shown, root.line),
    });
}

/// Images pulled by the cluster: every `image:` string in a Kubernetes
/// object, and Crossplane package refs.
fn read_pulls(model: &mut Model, shown: &str, root: &Node, api: &str) {
    if api.starts_with("pkg.crossplane.io/")
        && let Some(p) = root.at(&["spec", "package"])
        && let Some(s) = p.as_str()
    {
        push_pull(model, shown, s, p.line, PullKind::CrossplanePackage);
    }
    fn walk(model: &mut Model, shown: &str, n: &Node, depth: usize) {
        if depth > 64 {
            return;
        }
        match &n.value {
            Value::Map(es) => {
                for e in es {
                    if e.key == "image"
                        && let Some(s) = e.value.as_str()
                    {
                        push_pull(model, shown, s, e.value.line, PullKind::Container);
                    } else {
                        walk(model, shown, &e.value, depth + 1);
                    }
                }
            }
            Value::Seq(items) => items.iter().for_each(|i| walk(model, shown, i, depth + 1)),
            _ => {}
        }
    }
    walk(model, shown, root, 0);
}

fn push_pull(model: &mut Model, shown: &str, s: &str, line: u32, what: PullKind) {
    if let Some(r) = written_image(s)
        && let Some(d) = r.domain()
    {
        model.pulls.push(Pull {
            reference: s.to_string(),
            host: d.to_ascii_lowercase(),
            loc: loc(shown, line),
            what,
        });
    }
}

static DEFAULT_REGISTRY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"default_registry\(\s*(?:host\s*=\s*)?['"]([^'"]*)['"](?:[^)]*?host_from_cluster\s*=\s*['"]([^'"]*)['"])?"#)
        .expect("static regex")
});

/// The Tiltfile: `default_registry` from the text (so that a value Tilt
/// rejects is still seen), builds from the embedded loader.
fn read_tiltfile(model: &mut Model, path: &Path, shown: &str, text: &str, scope: Scope) {
    model.files.push((shown.to_string(), "Tiltfile"));
    for c in DEFAULT_REGISTRY.captures_iter(text) {
        let start = c.get(0).map(|m| m.start()).unwrap_or(0);
        let line = u32::try_from(text[..start].matches('\n').count() + 1).unwrap_or(1);
        let host = c[1].to_string();
        let hfc = c.get(2).map(|m| m.as_str().to_string());
        model.default_registry_calls.push(DefaultRegistryCall {
            host: host.clone(),
            host_from_cluster: hfc.clone(),
            loc: loc(shown, line),
        });
        if !host.contains("://") {
            model.push_targets.push(PushTarget {
                host: host.to_ascii_lowercase(),
                from_cluster: hfc
                    .filter(|h| !h.is_empty())
                    .map(|h| (h.to_ascii_lowercase(), loc(shown, line))),
                origin: Origin::Tiltfile,
                loc: loc(shown, line),
            });
        }
    }
    if scope == Scope::Configs {
        return;
    }
    let result = tilt_loader::check(path, &tilt_loader::CheckOptions::default());
    for img in &result.state.images {
        push_pull(model, shown, &img.ref_text, img.line, PullKind::TiltBuild);
    }
}

/// A map's entries, or none when the key is absent.
fn opt_entries(node: Option<&Node>) -> &[Entry] {
    node.map(Node::entries).unwrap_or(&[])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A registries.yaml whose aliases take 913,561 nodes of the budget.
    fn near_bomb() -> String {
        let mut s = String::from("mirrors:\n  docker.io:\n    endpoint: [\"http://r:5000\"]\nx:\n");
        s += "  a: &a [x,x,x,x,x,x,x,x,x,x]\n";
        for (n, p) in [("b", "a"), ("c", "b"), ("d", "c"), ("e", "d")] {
            s += &format!("  {n}: &{n} [{}]\n", vec![format!("*{p}"); 10].join(","));
        }
        s + "  f: [*e,*e,*e,*e,*e,*e]\n"
    }

    fn read(model: &mut Model, name: &str, text: &str, run: &AliasBudget) {
        read_file(model, Path::new(name), name, text, Scope::Full, run);
    }

    #[test]
    fn alias_budgets_are_per_file_and_per_run() {
        let run = AliasBudget::new(2_000_000);
        let mut model = Model::default();
        read(&mut model, "a.yaml", &near_bomb(), &run);
        assert!(model.unreadable_paths.is_empty());
        assert_eq!(model.files.len(), 1);
        // Two documents in one file: over the file's budget.
        let two = format!("{}---\n{}", near_bomb(), near_bomb());
        read(&mut model, "two.yaml", &two, &run);
        let (file, message) = &model.unreadable_paths[0];
        assert_eq!(file, "two.yaml");
        assert!(
            message.starts_with(
                "line 20: alias expansion exceeds the budget of 1000000 nodes per file"
            ),
            "{message}"
        );
        // Its first document was read and stays charged: a third file is
        // over the run's budget.
        read(&mut model, "c.yaml", &near_bomb(), &run);
        assert_eq!(
            model.unreadable_paths.len(),
            2,
            "{:?}",
            model.unreadable_paths
        );
        let (file, message) = &model.unreadable_paths[1];
        assert_eq!(file, "c.yaml");
        assert!(
            message.contains("for all the files of this run"),
            "{message}"
        );
        // A budget refusal is not reported as a config k3s cannot parse.
        assert!(model.unreadable.is_empty());
    }

    #[test]
    fn an_embedded_kep_document_takes_from_the_same_budget() {
        let run = AliasBudget::new(10);
        let mut model = Model::default();
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: local-registry-hosting\n  namespace: kube-public\ndata:\n  localRegistryHosting.v1: |\n    a: &a [1, 2, 3, 4, 5, 6]\n    host: [*a, *a]\n";
        read(&mut model, "kep.yaml", text, &run);
        let (file, message) = &model.unreadable_paths[0];
        assert_eq!(file, "kep.yaml");
        assert!(message.starts_with("line 9: alias expansion"), "{message}");
    }
}
