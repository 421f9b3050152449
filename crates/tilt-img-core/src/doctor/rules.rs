//! The checks behind `tilt-img doctor`, one function per rule.
//!
//! Each rule reads the [`Model`] and returns findings at a file:line. What a
//! rule means, why it breaks and how to fix it is in [`super::catalog`]; the
//! behaviour each rule relies on was read in the sources linked there.

use super::Finding;
use crate::registry::model::*;

/// A rule's id, the one place it is spelled: `RuleId::Reg001` is `REG001`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RuleId {
    Reg000,
    Reg001,
    Reg002,
    Reg003,
    Reg004,
    Reg005,
    Reg006,
    Reg007,
    Reg008,
    Reg009,
    Reg010,
    Reg011,
    Reg012,
    Reg013,
    Reg014,
    Reg015,
    Reg016,
    Reg017,
    Reg018,
    Reg019,
    Reg020,
}

impl RuleId {
    /// Every rule id, in id order.
    pub const ALL: [RuleId; 21] = [
        RuleId::Reg000,
        RuleId::Reg001,
        RuleId::Reg002,
        RuleId::Reg003,
        RuleId::Reg004,
        RuleId::Reg005,
        RuleId::Reg006,
        RuleId::Reg007,
        RuleId::Reg008,
        RuleId::Reg009,
        RuleId::Reg010,
        RuleId::Reg011,
        RuleId::Reg012,
        RuleId::Reg013,
        RuleId::Reg014,
        RuleId::Reg015,
        RuleId::Reg016,
        RuleId::Reg017,
        RuleId::Reg018,
        RuleId::Reg019,
        RuleId::Reg020,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            RuleId::Reg000 => "REG000",
            RuleId::Reg001 => "REG001",
            RuleId::Reg002 => "REG002",
            RuleId::Reg003 => "REG003",
            RuleId::Reg004 => "REG004",
            RuleId::Reg005 => "REG005",
            RuleId::Reg006 => "REG006",
            RuleId::Reg007 => "REG007",
            RuleId::Reg008 => "REG008",
            RuleId::Reg009 => "REG009",
            RuleId::Reg010 => "REG010",
            RuleId::Reg011 => "REG011",
            RuleId::Reg012 => "REG012",
            RuleId::Reg013 => "REG013",
            RuleId::Reg014 => "REG014",
            RuleId::Reg015 => "REG015",
            RuleId::Reg016 => "REG016",
            RuleId::Reg017 => "REG017",
            RuleId::Reg018 => "REG018",
            RuleId::Reg019 => "REG019",
            RuleId::Reg020 => "REG020",
        }
    }
}

impl RuleId {
    /// The rule's docs entry.
    pub fn rule(self) -> &'static super::catalog::Rule {
        super::catalog::RULES
            .iter()
            .find(|r| r.id == self)
            .expect("every rule id has a docs entry")
    }
}

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for RuleId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// `--explain` / `--ignore` argument that names no rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownRule(pub String);

impl std::fmt::Display for UnknownRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "no rule `{}`", self.0)
    }
}

impl std::error::Error for UnknownRule {}

impl std::str::FromStr for RuleId {
    type Err = UnknownRule;

    /// `REG001`, in any case.
    fn from_str(s: &str) -> Result<RuleId, UnknownRule> {
        RuleId::ALL
            .into_iter()
            .find(|id| id.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownRule(s.to_string()))
    }
}

pub type Check = fn(&Model) -> Vec<Finding>;

/// Every rule's check, in id order. `REG000` (unreadable files) comes first.
pub const CHECKS: &[(RuleId, Check)] = &[
    (RuleId::Reg000, unreadable),
    (RuleId::Reg001, endpoint_without_scheme),
    (RuleId::Reg002, skip_verify_is_not_http),
    (RuleId::Reg003, default_endpoint_fallback),
    (RuleId::Reg004, configs_keyed_by_mirror_name),
    (RuleId::Reg005, unquoted_star),
    (RuleId::Reg006, duplicate_endpoint),
    (RuleId::Reg007, hosts_without_host_table),
    (RuleId::Reg008, tls_on_http_host),
    (RuleId::Reg009, loopback_tls_without_https),
    (RuleId::Reg010, flat_client_pair),
    (RuleId::Reg011, capabilities),
    (RuleId::Reg012, config_path),
    (RuleId::Reg013, hosts_drops_tls_or_order),
    (RuleId::Reg014, docker_insecure_for_cluster),
    (RuleId::Reg015, scheme_in_host),
    (RuleId::Reg016, registry_in_ref_and_default_registry),
    (RuleId::Reg017, kep_localhost_without_runtime_host),
    (RuleId::Reg018, proxy_as_push_target),
    (RuleId::Reg019, k3d_naming),
    (RuleId::Reg020, crossplane_package_registry),
];

fn f(rule: RuleId, loc: &Loc, message: String) -> Finding {
    Finding::new(rule, loc.clone(), message)
}

fn unreadable(m: &Model) -> Vec<Finding> {
    m.unreadable
        .iter()
        .map(|u| {
            f(
                RuleId::Reg000,
                &u.loc,
                format!("cannot parse: {}; {}", u.message, u.consequence),
            )
        })
        .collect()
}

fn endpoint_without_scheme(m: &Model) -> Vec<Finding> {
    let mut out = Vec::new();
    for e in m.endpoints() {
        if e.scheme.is_some() || e.host.is_empty() {
            continue;
        }
        if let Some(ev) = m.http_evidence(&e.host) {
            out.push(f(
                RuleId::Reg001,
                &e.loc,
                format!(
                    "endpoint `{}` has no scheme, so containerd uses HTTPS, but {} speaks plain HTTP ({}): write `http://{}`",
                    e.raw, e.host, ev.reason, e.raw
                ),
            ));
        }
    }
    out
}

fn skip_verify_is_not_http(m: &Model) -> Vec<Finding> {
    let mut out = Vec::new();
    // Mirrors k3d/ctlptl add by themselves do not count: the question is
    // whether the user's own config switched to HTTP.
    let has_http_endpoint = |host: &str| {
        m.mirrors
            .iter()
            .filter(|x| !matches!(x.origin, Origin::K3d | Origin::Ctlptl))
            .flat_map(|x| x.endpoints.iter())
            .chain(
                m.hosts_files
                    .iter()
                    .flat_map(|f| f.hosts.iter().map(|h| &h.endpoint)),
            )
            .any(|e| e.host == host && e.is_http())
    };
    let msg = |host: &str, ev: &Evidence| {
        format!(
            "`skip_verify`/`insecure_skip_verify` only skips certificate checks: containerd still speaks HTTPS to {host}, which speaks plain HTTP ({}); use an `http://{host}` endpoint instead",
            ev.reason
        )
    };
    for s in &m.settings {
        if let Some((true, loc)) = &s.tls.skip_verify
            && !has_http_endpoint(&s.key)
            && let Some(ev) = m.http_evidence(&s.key)
        {
            out.push(f(RuleId::Reg002, loc, msg(&s.key, &ev)));
        }
    }
    for hf in &m.hosts_files {
        let entries = hf
            .hosts
            .iter()
            .map(|h| (&h.endpoint, &h.tls))
            .chain(hf.server.iter().map(|s| (s, &hf.root_tls)));
        for (ep, tls) in entries {
            if let Some((true, loc)) = &tls.skip_verify
                && !ep.is_http()
                && let Some(ev) = m.http_evidence(&ep.host)
            {
                out.push(f(RuleId::Reg002, loc, msg(&ep.host, &ev)));
            }
        }
    }
    out
}

fn default_endpoint_fallback(m: &Model) -> Vec<Finding> {
    if !m.has_cluster_config() {
        return vec![];
    }
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let pulls = m
        .pulls
        .iter()
        .filter(|p| p.what == PullKind::Container)
        .map(|p| (p.host.clone(), p.reference.clone(), p.loc.clone()))
        .chain(
            m.cluster_pull_hosts()
                .into_iter()
                .map(|(h, l)| (h.clone(), format!("{h}/…"), l)),
        );
    for (host, reference, loc) in pulls {
        if is_loopback(&host) || !seen.insert(host.clone()) || m.mirror_for(&host).is_some() {
            continue;
        }
        let Some(ev) = m.http_evidence(&host) else {
            continue;
        };
        let keys: Vec<String> = m
            .mirrors
            .iter()
            .map(|x| x.key.clone())
            .chain(m.hosts_files.iter().map(|h| h.namespace.clone()))
            .collect();
        let close = keys
            .iter()
            .find(|k| host_only(k) == host_only(&host) || port_of(k) == port_of(&host))
            .map(|k| format!(" (did you mean to key it `{host}` instead of `{k}`?)"))
            .unwrap_or_default();
        out.push(f(
            RuleId::Reg003,
            &loc,
            format!(
                "the cluster pulls `{reference}` from {host}, which has no mirror entry{close}; containerd falls back to the default endpoint https://{host}/v2 and fails with `http: server gave HTTP response to HTTPS client` ({}); add a mirror `{host}` with endpoint `http://{host}`",
                ev.reason
            ),
        ));
    }
    out
}

fn configs_keyed_by_mirror_name(m: &Model) -> Vec<Finding> {
    let mut out = Vec::new();
    for s in &m.settings {
        if s.key == "*" || m.endpoints().any(|e| e.host == s.key) {
            continue;
        }
        let Some(mirror) = m
            .mirrors
            .iter()
            .find(|x| x.key.eq_ignore_ascii_case(&s.key) && !x.endpoints.is_empty())
        else {
            continue;
        };
        let hosts: Vec<&str> = mirror.endpoints.iter().map(|e| e.host.as_str()).collect();
        out.push(f(
            RuleId::Reg004,
            &s.loc,
            format!(
                "`configs` entry `{}` is keyed by the mirror name; TLS and auth settings apply to the endpoint host that containerd connects to ({}), so they are never used: key it `{}`",
                s.key,
                hosts.join(", "),
                hosts[0]
            ),
        ));
    }
    out
}

fn unquoted_star(m: &Model) -> Vec<Finding> {
    m.unquoted_stars
        .iter()
        .map(|l| {
            f(
                RuleId::Reg005,
                l,
                "unquoted `*` key: YAML reads `*` as an alias, so the file does not parse and the mirrors are not applied; write `\"*\":`".into(),
            )
        })
        .collect()
}

fn duplicate_endpoint(m: &Model) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut check = |eps: Vec<&Endpoint>, what: &str| {
        let mut seen: Vec<(String, &Endpoint)> = Vec::new();
        for e in eps {
            let n = e.normalized();
            if let Some((_, first)) = seen.iter().find(|(k, _)| *k == n) {
                out.push(f(
                    RuleId::Reg006,
                    &e.loc,
                    format!(
                        "endpoint `{}` repeats `{}` ({}) in {what}: containerd tries it twice and a failing registry doubles every pull's timeout; remove one",
                        e.raw, first.raw, first.loc
                    ),
                ));
            } else {
                seen.push((n, e));
            }
        }
    };
    for mirror in &m.mirrors {
        check(
            mirror.endpoints.iter().collect(),
            &format!("mirror `{}`", mirror.key),
        );
    }
    for hf in &m.hosts_files {
        check(
            hf.hosts.iter().map(|h| &h.endpoint).collect(),
            "this hosts.toml",
        );
    }
    out
}

fn hosts_without_host_table(m: &Model) -> Vec<Finding> {
    m.hosts_files
        .iter()
        .filter(|h| h.hosts.is_empty())
        .filter_map(|h| h.server.as_ref())
        .map(|s| {
            f(
                RuleId::Reg007,
                &s.loc,
                format!(
                    "hosts.toml has `server` but no `[host.\"…\"]` table: containerd 1.5 and 1.6 reject it (`invalid host tree`) and pull from the default HTTPS endpoint; add `[host.\"{}\"]` with `capabilities = [\"pull\", \"resolve\"]`",
                    s.raw
                ),
            )
        })
        .collect()
}

fn tls_on_http_host(m: &Model) -> Vec<Finding> {
    let mut out = Vec::new();
    let msg = |ep: &str| {
        format!(
            "`{ep}` is plain HTTP, so its client certificate / CA are never presented: containerd 1.7+ tries HTTPS first because of them and then falls back, older versions ignore them; use `https://` if the registry serves TLS, or drop the TLS settings"
        )
    };
    for hf in &m.hosts_files {
        for h in &hf.hosts {
            if h.endpoint.is_http()
                && let Some(loc) = h.tls.client.as_ref().or(h.tls.ca.as_ref())
            {
                out.push(f(RuleId::Reg008, loc, msg(&h.endpoint.raw)));
            }
        }
        if let Some(s) = &hf.server
            && s.is_http()
            && let Some(loc) = hf.root_tls.client.as_ref().or(hf.root_tls.ca.as_ref())
        {
            out.push(f(RuleId::Reg008, loc, msg(&s.raw)));
        }
    }
    for s in &m.settings {
        let eps: Vec<&Endpoint> = m.endpoints().filter(|e| e.host == s.key).collect();
        if !eps.is_empty()
            && eps.iter().all(|e| e.is_http())
            && let Some(loc) = s.tls.client.as_ref().or(s.tls.ca.as_ref())
        {
            out.push(f(RuleId::Reg008, loc, msg(&eps[0].raw)));
        }
    }
    out
}

fn loopback_tls_without_https(m: &Model) -> Vec<Finding> {
    let mut out = Vec::new();
    for e in m.endpoints() {
        if !(e.is_http() && is_loopback(&e.host)) {
            continue;
        }
        let evidence = m
            .probed(&e.host)
            .filter(|p| p.speaks.is_tls())
            .map(|p| format!("--probe: {}", p.speaks.describe()))
            .or_else(|| {
                m.server_at(&e.host)
                    .and_then(|s| s.tls.as_ref().map(|l| format!("http.tls is set at {l}")))
            });
        if let Some(ev) = evidence {
            out.push(f(
                RuleId::Reg009,
                &e.loc,
                format!(
                    "`{}` speaks HTTP to a registry on loopback that serves TLS ({ev}); the registry answers `Client sent an HTTP request to an HTTPS server`: write `https://{}`",
                    e.raw, e.host
                ),
            ));
        }
    }
    out
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
                    RuleId::Reg010,
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

const CAPABILITIES: [&str; 3] = ["pull", "resolve", "push"];

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
                        RuleId::Reg011,
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
                    RuleId::Reg011,
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
                RuleId::Reg012,
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
                RuleId::Reg012,
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
                        RuleId::Reg013,
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
                    RuleId::Reg013,
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
                RuleId::Reg013,
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

fn docker_insecure_for_cluster(m: &Model) -> Vec<Finding> {
    let mut out = Vec::new();
    for d in &m.daemons {
        for (host, loc) in &d.insecure {
            let pulled = m
                .pulls
                .iter()
                .find(|p| p.what == PullKind::Container && p.host == *host)
                .map(|p| format!("`{}` at {}", p.reference, p.loc))
                .or_else(|| {
                    m.cluster_pull_hosts()
                        .into_iter()
                        .find(|(h, _)| h == host)
                        .map(|(h, l)| format!("Tilt's builds as `{h}/…` ({l})"))
                });
            let Some(what) = pulled else { continue };
            let cluster_http = m.endpoints().any(|e| e.host == *host && e.is_http())
                || m.mirrors.iter().any(|x| {
                    x.key.eq_ignore_ascii_case(host) && x.endpoints.iter().any(Endpoint::is_http)
                });
            if !cluster_http {
                out.push(f(
                    RuleId::Reg014,
                    loc,
                    format!(
                        "`insecure-registries` lets Docker on this machine use HTTP for {host}, but the cluster's containerd does not read daemon.json and still pulls {what} over HTTPS; add a mirror for {host} with endpoint `http://{host}` to the cluster's registries.yaml / hosts.toml"
                    ),
                ));
            }
        }
    }
    out
}

fn scheme_in_host(m: &Model) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in &m.default_registry_calls {
        for (field, v) in [
            ("host", Some(&c.host)),
            ("host_from_cluster", c.host_from_cluster.as_ref()),
        ] {
            if let Some(v) = v
                && v.contains("://")
            {
                let go_field = if field == "host" {
                    "host"
                } else {
                    "hostFromCluster"
                };
                out.push(f(
                    RuleId::Reg015,
                    &c.loc,
                    format!(
                        "default_registry {field} `{v}` has a scheme: Tilt fails to load (`validating defaultRegistry: {go_field}: Invalid value: \"{v}\": invalid reference format`); write `{}`",
                        strip_scheme(v)
                    ),
                ));
            }
        }
    }
    for k in &m.keps {
        for (field, v) in [
            ("host", &k.host),
            ("hostFromContainerRuntime", &k.from_runtime),
            ("hostFromClusterNetwork", &k.from_cluster_network),
        ] {
            if let Some((v, loc)) = v
                && v.contains("://")
            {
                out.push(f(
                    RuleId::Reg015,
                    loc,
                    format!(
                        "local-registry-hosting `{field}: {v}` has a scheme; KEP-1755 hosts are `host[:port]` and Tilt puts them in front of image names: write `{}`",
                        strip_scheme(v)
                    ),
                ));
            }
        }
    }
    out
}

fn strip_scheme(v: &str) -> &str {
    v.split_once("://")
        .map(|(_, r)| r)
        .unwrap_or(v)
        .trim_end_matches('/')
}

fn registry_in_ref_and_default_registry(m: &Model) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(reg) = m.push_targets.iter().find(|t| t.origin == Origin::Tiltfile) else {
        return out;
    };
    let from_cluster = reg.from_cluster.as_ref().map(|(h, _)| h.as_str());
    for p in m.pulls.iter().filter(|p| p.what == PullKind::TiltBuild) {
        if p.host == reg.host {
            continue;
        }
        let known = m.server_at(&p.host).is_some()
            || Some(p.host.as_str()) == from_cluster
            || m.mirrors
                .iter()
                .any(|x| x.key.eq_ignore_ascii_case(&p.host))
            || looks_dev(&p.host);
        if !known {
            continue;
        }
        let name = p
            .reference
            .split('@')
            .next()
            .unwrap_or(&p.reference)
            .to_string();
        let name = match name.rsplit_once(':') {
            Some((n, t)) if !t.contains('/') => n.to_string(),
            _ => name,
        };
        let bare = name
            .strip_prefix(&format!("{}/", p.host))
            .unwrap_or(&name)
            .to_string();
        let escaped = name.replace([':', '/'], "_");
        out.push(f(
            RuleId::Reg016,
            &p.loc,
            format!(
                "`{}` names the dev registry {} itself while default_registry('{}') also places images: Tilt pushes it as `{}/{escaped}`; write `{bare}` and let default_registry add the registry",
                p.reference, p.host, reg.host, reg.host
            ),
        ));
    }
    out
}

fn kep_localhost_without_runtime_host(m: &Model) -> Vec<Finding> {
    let mut out = Vec::new();
    for k in &m.keps {
        let Some((host, loc)) = &k.host else { continue };
        if !is_loopback(host) || k.from_runtime.is_some() {
            continue;
        }
        if m.mirrors.iter().any(|x| x.key.eq_ignore_ascii_case(host)) {
            continue;
        }
        let other = m
            .servers
            .iter()
            .flat_map(|s| s.addresses.iter())
            .find(|a| !is_loopback(a))
            .cloned()
            .or_else(|| m.mirrors.first().map(|x| x.key.clone()));
        let Some(other) = other else { continue };
        out.push(f(
            RuleId::Reg017,
            loc,
            format!(
                "`host: {host}` without `hostFromContainerRuntime`: Tilt deploys images as `{host}/…`, but on a node `localhost` is the node itself and the cluster reaches the registry as `{other}`; add `hostFromContainerRuntime: \"{other}\"`"
            ),
        ));
    }
    out
}

fn proxy_as_push_target(m: &Model) -> Vec<Finding> {
    let mut out = Vec::new();
    let targets = m
        .push_targets
        .iter()
        .map(|t| (t.host.clone(), t.loc.clone()))
        .chain(
            m.pulls
                .iter()
                .filter(|p| p.what == PullKind::TiltBuild)
                .map(|p| (p.host.clone(), p.loc.clone())),
        );
    let mut seen = std::collections::HashSet::new();
    for (host, loc) in targets {
        if !seen.insert(host.clone()) {
            continue;
        }
        if let Some(s) = m.server_at(&host)
            && let Some((remote, rloc)) = &s.proxy_remote
        {
            out.push(f(
                RuleId::Reg018,
                &loc,
                format!(
                    "{host} is {}, a pull-through proxy of {remote} ({rloc}): it refuses pushes (`405 Method Not Allowed`, `UNSUPPORTED`); push to a separate registry without `proxy`",
                    s.label()
                ),
            ));
        } else if let Some(crate::registry::probe::Push::Refused { status, .. }) =
            m.probed(&host).and_then(|p| p.push.as_ref())
        {
            out.push(f(
                RuleId::Reg018,
                &loc,
                format!(
                    "{host} refuses pushes (--probe: POST /v2/{}/blobs/uploads/ answered {}): it is a pull-through proxy or read-only; push to a separate registry",
                    crate::registry::probe::PROBE_REPO,
                    status
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

fn k3d_naming(m: &Model) -> Vec<Finding> {
    let mut out = Vec::new();
    for k in &m.k3d {
        for (u, loc) in &k.uses {
            let name = host_only(u);
            let created_here = k.created.as_ref().is_some_and(|(n, _)| n == name);
            if !name.starts_with("k3d-") && !created_here {
                let port = port_of(u).map(|p| format!(":{p}")).unwrap_or_default();
                out.push(f(
                    RuleId::Reg019,
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
                    RuleId::Reg019,
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
                RuleId::Reg019,
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

fn crossplane_package_registry(m: &Model) -> Vec<Finding> {
    let mut out = Vec::new();
    for p in m
        .pulls
        .iter()
        .filter(|p| p.what == PullKind::CrossplanePackage)
    {
        if let Some(ev) = m.http_evidence(&p.host) {
            out.push(f(
                RuleId::Reg020,
                &p.loc,
                format!(
                    "Crossplane pulls package `{}` itself, not through the node's containerd, so registry mirrors do not apply, and it has no setting for plain HTTP ({}){}; serve {} over TLS under a name the Crossplane pod resolves and give Crossplane its CA with the Helm value `registryCaBundleConfig`",
                    p.reference,
                    ev.reason,
                    if is_loopback(&p.host) {
                        "; and inside the Crossplane pod `localhost` is the pod itself"
                    } else {
                        ""
                    },
                    p.host
                ),
            ));
        } else if m.tls_evidence(&p.host).is_some() && looks_dev(&p.host) {
            out.push(f(
                RuleId::Reg020,
                &p.loc,
                format!(
                    "Crossplane pulls package `{}` itself and trusts only public CAs: for a self-signed {} set the Helm value `registryCaBundleConfig` (a ConfigMap with the CA); containerd's CA settings do not apply",
                    p.reference, p.host
                ),
            ));
        }
    }
    out
}
