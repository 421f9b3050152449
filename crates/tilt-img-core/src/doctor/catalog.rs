//! What each `doctor` rule means: the docs entry behind `tilt-img doctor
//! --explain <ID>` and docs/doctor-rules.md. The bad and good examples are the
//! rule's test fixtures (tests/doctor/<ID>/{bad,good}), included here so that
//! every example in the docs is one the test suite runs. Generated once by a
//! script, maintained by hand since.

use super::rules::RuleId;
use crate::diag::Severity;

pub struct Rule {
    pub id: RuleId,
    pub name: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    pub what: &'static str,
    pub why: &'static str,
    pub fix: &'static str,
    pub sources: &'static [&'static str],
    /// (path, content) of the failing fixture.
    pub bad: &'static [(&'static str, &'static str)],
    pub good: &'static [(&'static str, &'static str)],
}

pub const RULES: &[Rule] = &[
    Rule {
        id: RuleId::Reg000,
        name: "unreadable-config",
        severity: Severity::Error,
        summary: "A registry config file that does not parse.",
        what: "The file is YAML or TOML that k3s, k3d, containerd, kind or Docker cannot read.",
        why: "A file that does not parse is not applied: k3s and containerd log an error and go on without it (containerd falls back to the default HTTPS endpoint for a broken hosts.toml), so pulls fail later with an error that points elsewhere.",
        fix: "Fix the syntax at the reported line.",
        sources: &[
            "https://github.com/containerd/containerd/blob/main/core/remotes/docker/config/hosts.go (loadHostDir: `failed to decode hosts.toml`, fallback)",
            "https://docs.k3s.io/installation/private-registry",
        ],
        bad: &[(
            "registries.yaml",
            include_str!("../../../../tests/doctor/REG000/bad/registries.yaml"),
        )],
        good: &[(
            "registries.yaml",
            include_str!("../../../../tests/doctor/REG000/good/registries.yaml"),
        )],
    },
    Rule {
        id: RuleId::Reg001,
        name: "endpoint-without-scheme",
        severity: Severity::Error,
        summary: "Endpoint without a scheme for a registry that speaks HTTP.",
        what: "A mirror endpoint, hosts.toml `server` or `[host]` key written as `host:port`.",
        why: "containerd adds `https://` to an endpoint without a scheme (`parseHostConfig`), so it speaks TLS to a plain-HTTP registry and the pull fails with `http: server gave HTTP response to HTTPS client`.",
        fix: "Write the scheme: `http://host:port`.",
        sources: &[
            "https://github.com/containerd/containerd/blob/main/core/remotes/docker/config/hosts.go (parseHostConfig)",
            "https://docs.k3s.io/installation/private-registry#mirrors",
        ],
        bad: &[(
            "registries.yaml",
            include_str!("../../../../tests/doctor/REG001/bad/registries.yaml"),
        )],
        good: &[(
            "registries.yaml",
            include_str!("../../../../tests/doctor/REG001/good/registries.yaml"),
        )],
    },
    Rule {
        id: RuleId::Reg002,
        name: "skip-verify-is-not-http",
        severity: Severity::Error,
        summary: "`insecure_skip_verify` / `skip_verify` used as if it switched to HTTP.",
        what: "TLS verification is turned off for a registry that speaks plain HTTP, and its endpoint is not `http://`.",
        why: "Skipping verification still speaks TLS; it only accepts any certificate. A plain-HTTP registry answers the TLS ClientHello with an HTTP error, so nothing changes: `server gave HTTP response to HTTPS client`.",
        fix: "Use an `http://` endpoint and drop `insecure_skip_verify`.",
        sources: &[
            "https://github.com/containerd/containerd/blob/main/core/remotes/docker/config/hosts.go (tlsConfigFromHost)",
            "https://docs.k3s.io/installation/private-registry#configs",
        ],
        bad: &[(
            "registries.yaml",
            include_str!("../../../../tests/doctor/REG002/bad/registries.yaml"),
        )],
        good: &[(
            "registries.yaml",
            include_str!("../../../../tests/doctor/REG002/good/registries.yaml"),
        )],
    },
    Rule {
        id: RuleId::Reg003,
        name: "default-endpoint-fallback",
        severity: Severity::Error,
        summary: "The cluster pulls from an HTTP registry that has no mirror entry, so containerd uses the default HTTPS endpoint.",
        what: "An image (or Tilt's cluster-side registry) names a registry host that no mirror key or hosts.toml directory matches.",
        why: "containerd always tries the default endpoint `https://<registry>/v2` last, and first when no mirror matches; a mirror keyed `registry.localhost:5000` does not catch `k3d-registry.localhost:5000/app`. The HTTPS error comes from that fallback, not from the mirror you configured.",
        fix: "Key the mirror exactly as the images name the registry (host and port), with an `http://` endpoint.",
        sources: &[
            "https://docs.k3s.io/installation/private-registry#default-endpoint-fallback",
            "https://github.com/containerd/containerd/blob/main/docs/hosts.md",
        ],
        bad: &[
            (
                "k8s/api.yaml",
                include_str!("../../../../tests/doctor/REG003/bad/k8s/api.yaml"),
            ),
            (
                "registries.yaml",
                include_str!("../../../../tests/doctor/REG003/bad/registries.yaml"),
            ),
        ],
        good: &[
            (
                "k8s/api.yaml",
                include_str!("../../../../tests/doctor/REG003/good/k8s/api.yaml"),
            ),
            (
                "registries.yaml",
                include_str!("../../../../tests/doctor/REG003/good/registries.yaml"),
            ),
        ],
    },
    Rule {
        id: RuleId::Reg004,
        name: "configs-keyed-by-mirror-name",
        severity: Severity::Error,
        summary: "TLS/auth `configs` keyed by the mirror name instead of the endpoint host.",
        what: "A `configs` entry whose key is a mirror name (`docker.io`) while the mirror's endpoints are other hosts.",
        why: "containerd applies TLS and credentials to the host it connects to, the endpoint; k3s only honours `configs` for mirror endpoints (k3s-io/k3s#9918). Settings keyed by the mirror name never apply, and the endpoint fails with `x509: certificate signed by unknown authority` or 401.",
        fix: "Key `configs` by the endpoint's `host:port`.",
        sources: &[
            "https://docs.k3s.io/installation/private-registry#configs",
            "https://github.com/k3s-io/k3s/issues/9918",
        ],
        bad: &[(
            "registries.yaml",
            include_str!("../../../../tests/doctor/REG004/bad/registries.yaml"),
        )],
        good: &[(
            "registries.yaml",
            include_str!("../../../../tests/doctor/REG004/good/registries.yaml"),
        )],
    },
    Rule {
        id: RuleId::Reg005,
        name: "unquoted-star-mirror",
        severity: Severity::Error,
        summary: "Unquoted `*` mirror key.",
        what: "`*:` as a key in registries.yaml (or k3d's `registries.config`).",
        why: "In YAML `*name` is an alias; `*:` does not parse, so k3s cannot read the file and starts without any mirror.",
        fix: "Quote it: `\"*\":`.",
        sources: &[
            "https://docs.k3s.io/installation/private-registry#wildcard-mirror",
            "https://yaml.org/spec/1.2.2/#alias-nodes",
        ],
        bad: &[(
            "registries.yaml",
            include_str!("../../../../tests/doctor/REG005/bad/registries.yaml"),
        )],
        good: &[(
            "registries.yaml",
            include_str!("../../../../tests/doctor/REG005/good/registries.yaml"),
        )],
    },
    Rule {
        id: RuleId::Reg006,
        name: "duplicate-endpoint",
        severity: Severity::Warning,
        summary: "The same endpoint listed twice.",
        what: "Two endpoints of one mirror (or two hosts of one hosts.toml) that are the same URL spelled differently (`/`, `/v2`, default scheme).",
        why: "containerd tries each endpoint in turn; a duplicate doubles the time a failing registry costs every pull and hides which entry was meant.",
        fix: "Keep one spelling of the endpoint and delete the other.",
        sources: &[
            "https://github.com/containerd/containerd/blob/main/docs/hosts.md",
            "https://docs.k3s.io/installation/private-registry#mirrors",
        ],
        bad: &[(
            "registries.yaml",
            include_str!("../../../../tests/doctor/REG006/bad/registries.yaml"),
        )],
        good: &[(
            "registries.yaml",
            include_str!("../../../../tests/doctor/REG006/good/registries.yaml"),
        )],
    },
    Rule {
        id: RuleId::Reg007,
        name: "hosts-toml-without-host-table",
        severity: Severity::Error,
        summary: "hosts.toml without a `[host]` table, which containerd 1.5/1.6 reject.",
        what: "A hosts.toml with only `server = …` (and top-level settings).",
        why: "containerd before 1.7 reads the `host` tree unconditionally and fails with `invalid host tree`; the file is ignored and pulls go to the default HTTPS endpoint. 1.7+ accepts it, so the same file works on one cluster and not another.",
        fix: "Add `[host.\"<server>\"]` with its capabilities.",
        sources: &[
            "https://github.com/containerd/containerd/blob/release/1.6/remotes/docker/config/hosts.go (getSortedHosts)",
            "https://github.com/containerd/containerd/blob/main/docs/hosts.md",
        ],
        bad: &[(
            "certs.d/registry.localhost_5000_/hosts.toml",
            include_str!(
                "../../../../tests/doctor/REG007/bad/certs.d/registry.localhost_5000_/hosts.toml"
            ),
        )],
        good: &[(
            "certs.d/registry.localhost_5000_/hosts.toml",
            include_str!(
                "../../../../tests/doctor/REG007/good/certs.d/registry.localhost_5000_/hosts.toml"
            ),
        )],
    },
    Rule {
        id: RuleId::Reg008,
        name: "tls-settings-on-http-host",
        severity: Severity::Warning,
        summary: "An `http://` host with a TLS client certificate or CA.",
        what: "`client`/`ca` (hosts.toml) or `cert_file`/`ca_file` (registries.yaml) for an endpoint that is `http://`.",
        why: "Plain HTTP never presents a certificate. containerd 1.7+ sees TLS settings on an HTTP host and tries HTTPS first, then falls back to HTTP, which hides the mistake; older versions ignore the settings. Either the registry serves TLS (then the endpoint is wrong) or the settings are dead.",
        fix: "Use `https://` if the registry serves TLS; otherwise remove the TLS settings.",
        sources: &[
            "https://github.com/containerd/containerd/blob/main/core/remotes/docker/config/hosts.go (ConfigureHosts: `host will try HTTPS first`)",
        ],
        bad: &[(
            "certs.d/registry.corp.example_5443_/hosts.toml",
            include_str!(
                "../../../../tests/doctor/REG008/bad/certs.d/registry.corp.example_5443_/hosts.toml"
            ),
        )],
        good: &[(
            "certs.d/registry.corp.example_5443_/hosts.toml",
            include_str!(
                "../../../../tests/doctor/REG008/good/certs.d/registry.corp.example_5443_/hosts.toml"
            ),
        )],
    },
    Rule {
        id: RuleId::Reg009,
        name: "loopback-tls-without-https",
        severity: Severity::Error,
        summary: "A TLS registry on loopback addressed with `http://`.",
        what: "An endpoint `http://localhost:<port>` (or 127.0.0.1) while the registry on that port serves TLS (its config sets `http.tls`, or `--probe` saw TLS).",
        why: "Loopback registries are usually plain HTTP, so people write `http://` by habit; a TLS registry answers `400 Client sent an HTTP request to an HTTPS server`.",
        fix: "Write `https://` and give the CA (`ca_file` / `ca`).",
        sources: &[
            "https://distribution.github.io/distribution/about/configuration/#tls",
            "https://github.com/containerd/containerd/blob/main/core/remotes/docker/config/hosts.go",
        ],
        bad: &[
            (
                "registries.yaml",
                include_str!("../../../../tests/doctor/REG009/bad/registries.yaml"),
            ),
            (
                "registry/config.yml",
                include_str!("../../../../tests/doctor/REG009/bad/registry/config.yml"),
            ),
        ],
        good: &[
            (
                "registries.yaml",
                include_str!("../../../../tests/doctor/REG009/good/registries.yaml"),
            ),
            (
                "registry/config.yml",
                include_str!("../../../../tests/doctor/REG009/good/registry/config.yml"),
            ),
        ],
    },
    Rule {
        id: RuleId::Reg010,
        name: "flat-client-pair",
        severity: Severity::Error,
        summary: "`client = [cert, key]` where a pair was meant.",
        what: "A hosts.toml `client` that is a flat list of two files, a certificate and a key.",
        why: "containerd reads a flat list as several certificate files, each expected to hold its own key; the key file is loaded as a certificate and the pull fails with `failed to load X509 key pair … PEM inputs may have been switched` (spegel-org/spegel#413).",
        fix: "Nest the pair: `client = [[\"client.crt\", \"client.key\"]]`.",
        sources: &[
            "https://github.com/containerd/containerd/blob/main/docs/hosts.md#client-field",
            "https://github.com/spegel-org/spegel/issues/413",
        ],
        bad: &[(
            "certs.d/registry.corp.example/hosts.toml",
            include_str!(
                "../../../../tests/doctor/REG010/bad/certs.d/registry.corp.example/hosts.toml"
            ),
        )],
        good: &[(
            "certs.d/registry.corp.example/hosts.toml",
            include_str!(
                "../../../../tests/doctor/REG010/good/certs.d/registry.corp.example/hosts.toml"
            ),
        )],
    },
    Rule {
        id: RuleId::Reg011,
        name: "capabilities",
        severity: Severity::Error,
        summary: "A capability typo, or `push` on a mirror.",
        what: "A hosts.toml `capabilities` value other than `pull`, `resolve`, `push`; or `push` on a `[host]` that is a mirror of another registry.",
        why: "An unknown capability makes containerd reject the whole file (`unknown capability`) and fall back to the default endpoint. `push` on a mirror sends pushes to the mirror instead of the registry.",
        fix: "Spell it `pull`/`resolve`/`push`; give mirrors `[\"pull\", \"resolve\"]`.",
        sources: &[
            "https://github.com/containerd/containerd/blob/main/core/remotes/docker/config/hosts.go (parseHostConfig)",
            "https://github.com/containerd/containerd/blob/main/docs/hosts.md#capabilities-field",
        ],
        bad: &[(
            "certs.d/docker.io/hosts.toml",
            include_str!("../../../../tests/doctor/REG011/bad/certs.d/docker.io/hosts.toml"),
        )],
        good: &[(
            "certs.d/docker.io/hosts.toml",
            include_str!("../../../../tests/doctor/REG011/good/certs.d/docker.io/hosts.toml"),
        )],
    },
    Rule {
        id: RuleId::Reg012,
        name: "config-path",
        severity: Severity::Error,
        summary: "`config_path` not set (hosts.toml ignored), or legacy mirrors mixed with `config_path`.",
        what: "A containerd config.toml without `config_path` while hosts.toml files exist; or `registry.mirrors`/`registry.configs` in the same config as `config_path`.",
        why: "containerd 1.x reads certs.d only when `config_path` points at it. With both set the CRI plugin fails to start: `mirrors` cannot be set when `config_path` is provided.",
        fix: "Set `config_path = \"/etc/containerd/certs.d\"` and move legacy mirrors into hosts.toml files.",
        sources: &[
            "https://github.com/containerd/containerd/blob/main/docs/hosts.md#cri",
            "https://github.com/containerd/containerd/blob/main/docs/cri/registry.md",
        ],
        bad: &[(
            "config.toml",
            include_str!("../../../../tests/doctor/REG012/bad/config.toml"),
        )],
        good: &[
            (
                "certs.d/docker.io/hosts.toml",
                include_str!("../../../../tests/doctor/REG012/good/certs.d/docker.io/hosts.toml"),
            ),
            (
                "config.toml",
                include_str!("../../../../tests/doctor/REG012/good/config.toml"),
            ),
        ],
    },
    Rule {
        id: RuleId::Reg013,
        name: "hosts-toml-drops-tls-or-misorders",
        severity: Severity::Error,
        summary: "A mirror's hosts.toml drops the client certificate or CA, or lists the upstream before its mirrors.",
        what: "A `[host]` entry for the upstream without the `ca`/`client` the root section has; a hosts.toml with no certificates for a registry that registries.yaml/config.toml gave certificates; or the upstream's `[host]` placed before mirror hosts.",
        why: "Tools that write hosts.toml (Spegel with `--append-mirrors`) copy the host entries but not their TLS fields (spegel-org/spegel#413); the registry then rejects the connection. Hosts are tried in file order, so an upstream first means the mirrors are only used when it fails.",
        fix: "Repeat `ca`/`client` in every entry for the upstream; list mirrors first, the upstream last.",
        sources: &[
            "https://github.com/spegel-org/spegel/issues/413",
            "https://github.com/containerd/containerd/blob/main/core/remotes/docker/config/hosts.go (getSortedHosts)",
        ],
        bad: &[(
            "certs.d/registry.corp.example/hosts.toml",
            include_str!(
                "../../../../tests/doctor/REG013/bad/certs.d/registry.corp.example/hosts.toml"
            ),
        )],
        good: &[(
            "certs.d/registry.corp.example/hosts.toml",
            include_str!(
                "../../../../tests/doctor/REG013/good/certs.d/registry.corp.example/hosts.toml"
            ),
        )],
    },
    Rule {
        id: RuleId::Reg014,
        name: "docker-insecure-registries-not-for-cluster",
        severity: Severity::Error,
        summary: "Docker `insecure-registries` expected to fix the cluster's pulls.",
        what: "daemon.json lists a registry as insecure, and the cluster pulls from it, but no cluster config gives it an `http://` endpoint.",
        why: "daemon.json configures the Docker daemon on your machine (builds and pushes). The cluster's nodes pull with containerd, which never reads it, so the pull still fails with `server gave HTTP response to HTTPS client`.",
        fix: "Add a mirror with an `http://` endpoint to the cluster's registries.yaml / hosts.toml.",
        sources: &[
            "https://docs.docker.com/reference/cli/dockerd/#insecure-registries",
            "https://docs.k3s.io/installation/private-registry",
        ],
        bad: &[
            (
                "daemon.json",
                include_str!("../../../../tests/doctor/REG014/bad/daemon.json"),
            ),
            (
                "k8s/api.yaml",
                include_str!("../../../../tests/doctor/REG014/bad/k8s/api.yaml"),
            ),
        ],
        good: &[
            (
                "daemon.json",
                include_str!("../../../../tests/doctor/REG014/good/daemon.json"),
            ),
            (
                "k8s/api.yaml",
                include_str!("../../../../tests/doctor/REG014/good/k8s/api.yaml"),
            ),
            (
                "registries.yaml",
                include_str!("../../../../tests/doctor/REG014/good/registries.yaml"),
            ),
        ],
    },
    Rule {
        id: RuleId::Reg015,
        name: "scheme-in-registry-host",
        severity: Severity::Error,
        summary: "A scheme in `default_registry` or the KEP-1755 host.",
        what: "`default_registry('http://localhost:5000')`, or `host: http://…` in `local-registry-hosting`.",
        why: "A registry host is the first component of an image name, not a URL. Tilt rejects it at load (`validating defaultRegistry: host: Invalid value: … invalid reference format`); for KEP-1755 Tilt builds image names like `http://localhost:5000/app`.",
        fix: "Write `host:port` without a scheme.",
        sources: &[
            "https://github.com/tilt-dev/tilt/blob/master/internal/tiltfile/tiltfile_state.go (default_registry)",
            "https://github.com/kubernetes/enhancements/tree/master/keps/sig-cluster-lifecycle/generic/1755-communicating-a-local-registry",
        ],
        bad: &[(
            "Tiltfile",
            include_str!("../../../../tests/doctor/REG015/bad/Tiltfile"),
        )],
        good: &[(
            "Tiltfile",
            include_str!("../../../../tests/doctor/REG015/good/Tiltfile"),
        )],
    },
    Rule {
        id: RuleId::Reg016,
        name: "registry-in-ref-and-default-registry",
        severity: Severity::Warning,
        summary: "The dev registry hard-coded in an image name while `default_registry` also rewrites it.",
        what: "A `docker_build`/`custom_build` ref that starts with a dev registry host, in a Tiltfile with `default_registry`.",
        why: "Tilt puts every build under the default registry and escapes the old name: `k3d-registry.localhost:5000/orders-api` becomes `localhost:5000/k3d-registry.localhost_5000_orders-api`. It still works, but the names in manifests and logs are not the ones you wrote.",
        fix: "Write the bare name (`orders-api`) and let `default_registry` place it.",
        sources: &[
            "https://docs.tilt.dev/api.html#api.default_registry",
            "https://github.com/tilt-dev/tilt/blob/master/internal/container/registry.go (ReplaceRegistryForLocalRef)",
        ],
        bad: &[
            (
                "Tiltfile",
                include_str!("../../../../tests/doctor/REG016/bad/Tiltfile"),
            ),
            (
                "api/Dockerfile",
                include_str!("../../../../tests/doctor/REG016/bad/api/Dockerfile"),
            ),
        ],
        good: &[
            (
                "Tiltfile",
                include_str!("../../../../tests/doctor/REG016/good/Tiltfile"),
            ),
            (
                "api/Dockerfile",
                include_str!("../../../../tests/doctor/REG016/good/api/Dockerfile"),
            ),
        ],
    },
    Rule {
        id: RuleId::Reg017,
        name: "kep1755-localhost-without-runtime-host",
        severity: Severity::Error,
        summary: "KEP-1755 `localhost` without `hostFromContainerRuntime` when the cluster pulls by another name.",
        what: "The `local-registry-hosting` ConfigMap says `host: localhost:<port>` with no `hostFromContainerRuntime`, and the cluster reaches the registry by another name.",
        why: "Tilt deploys images under `host` unless `hostFromContainerRuntime` is set. On a node, `localhost` is the node itself, so the pull goes nowhere (`connection refused`), unless the node has a mirror for `localhost:<port>` (what kind's guide and ctlptl set up).",
        fix: "Add `hostFromContainerRuntime: \"<name the nodes use>:<port>\"`.",
        sources: &[
            "https://github.com/kubernetes/enhancements/tree/master/keps/sig-cluster-lifecycle/generic/1755-communicating-a-local-registry",
            "https://github.com/tilt-dev/tilt/blob/master/internal/k8s/registry.go",
            "https://github.com/tilt-dev/ctlptl/blob/main/pkg/cluster/admin_kind.go (a mirror for both names, so ctlptl needs no hostFromContainerRuntime)",
        ],
        bad: &[
            (
                "k3d.yaml",
                include_str!("../../../../tests/doctor/REG017/bad/k3d.yaml"),
            ),
            (
                "k8s/registry-hosting.yaml",
                include_str!("../../../../tests/doctor/REG017/bad/k8s/registry-hosting.yaml"),
            ),
        ],
        good: &[
            (
                "k3d.yaml",
                include_str!("../../../../tests/doctor/REG017/good/k3d.yaml"),
            ),
            (
                "k8s/registry-hosting.yaml",
                include_str!("../../../../tests/doctor/REG017/good/k8s/registry-hosting.yaml"),
            ),
        ],
    },
    Rule {
        id: RuleId::Reg018,
        name: "proxy-registry-as-push-target",
        severity: Severity::Error,
        summary: "A pull-through proxy registry used as the push target.",
        what: "`default_registry`, the KEP-1755 host or a build ref points at a registry in proxy mode (k3d `--proxy-remote-url`, registry `proxy.remoteurl`).",
        why: "A registry in proxy mode serves pulls from its upstream and refuses writes: the push fails with `405 Method Not Allowed` / `UNSUPPORTED`.",
        fix: "Push to a separate registry without `proxy`; keep the proxy as a pull mirror.",
        sources: &[
            "https://distribution.github.io/distribution/recipes/mirror/",
            "https://k3d.io/stable/usage/registries/#creating-a-registry-proxy-pull-through-registry",
        ],
        bad: &[
            (
                "Tiltfile",
                include_str!("../../../../tests/doctor/REG018/bad/Tiltfile"),
            ),
            (
                "k3d.yaml",
                include_str!("../../../../tests/doctor/REG018/bad/k3d.yaml"),
            ),
        ],
        good: &[
            (
                "Tiltfile",
                include_str!("../../../../tests/doctor/REG018/good/Tiltfile"),
            ),
            (
                "k3d.yaml",
                include_str!("../../../../tests/doctor/REG018/good/k3d.yaml"),
            ),
        ],
    },
    Rule {
        id: RuleId::Reg019,
        name: "k3d-registry-naming",
        severity: Severity::Error,
        summary: "k3d registry naming (`k3d-` prefix) and proxy mirror-key mismatches.",
        what: "`registries.use` names a registry without the `k3d-` prefix that `k3d registry create` adds; or a mirror that routes to a k3d proxy is keyed by something other than the proxied registry's name.",
        why: "`k3d registry create NAME` creates the container `k3d-NAME` (k3d-io/k3d#1202), so `use: [NAME:5000]` finds nothing. Mirrors are matched by the image's registry name: a docker.io proxy keyed `registry-1.docker.io` is never used, and k3d itself keys the mirror it writes for a proxy by the remote URL as written (`https://registry-1.docker.io`), which no image names.",
        fix: "Use the prefixed name; key proxy mirrors by the registry images name (`docker.io`).",
        sources: &[
            "https://k3d.io/stable/usage/registries/",
            "https://github.com/k3d-io/k3d/issues/1202",
            "https://github.com/k3d-io/k3d/blob/main/pkg/client/registry.go (RegistryGenerateK3sConfig)",
        ],
        bad: &[
            (
                "k3d-proxy.yaml",
                include_str!("../../../../tests/doctor/REG019/bad/k3d-proxy.yaml"),
            ),
            (
                "k3d.yaml",
                include_str!("../../../../tests/doctor/REG019/bad/k3d.yaml"),
            ),
        ],
        good: &[
            (
                "k3d-proxy.yaml",
                include_str!("../../../../tests/doctor/REG019/good/k3d-proxy.yaml"),
            ),
            (
                "k3d.yaml",
                include_str!("../../../../tests/doctor/REG019/good/k3d.yaml"),
            ),
        ],
    },
    Rule {
        id: RuleId::Reg020,
        name: "crossplane-package-registry",
        severity: Severity::Error,
        summary: "Crossplane packages from a plain-HTTP or self-signed registry.",
        what: "A Crossplane `Configuration`/`Provider`/`Function` whose package is on a dev registry.",
        why: "Crossplane's package manager pulls packages itself (go-containerregistry), not through the node's containerd, so mirrors and hosts.toml do not apply. It has no setting for plain HTTP (crossplane/crossplane#6159, #5798); `registryCaBundleConfig` adds a CA for TLS and nothing else.",
        fix: "Serve the package registry over TLS; for a private CA set the Helm value `registryCaBundleConfig` (ConfigMap name and key).",
        sources: &[
            "https://github.com/crossplane/crossplane/issues/6159",
            "https://github.com/crossplane/crossplane/pull/2927 (registryCaBundleConfig guide)",
        ],
        bad: &[(
            "k8s/configuration.yaml",
            include_str!("../../../../tests/doctor/REG020/bad/k8s/configuration.yaml"),
        )],
        good: &[(
            "k8s/configuration.yaml",
            include_str!("../../../../tests/doctor/REG020/good/k8s/configuration.yaml"),
        )],
    },
];

/// The rule `--explain` names: its id in any case (through [`RuleId`]'s
/// `FromStr`), or its name.
pub fn find(id_or_name: &str) -> Option<&'static Rule> {
    match id_or_name.parse::<RuleId>() {
        Ok(id) => RULES.iter().find(|r| r.id == id),
        Err(_) => RULES.iter().find(|r| r.name == id_or_name),
    }
}
