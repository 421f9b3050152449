use super::f;
use crate::doctor::Finding;
use crate::registry::model::*;

rule! {
    /// A scheme in `default_registry` or the KEP-1755 host.
    ///
    /// # What it finds
    ///
    /// `default_registry('http://localhost:5000')`, or `host: http://…` in
    /// `local-registry-hosting`.
    ///
    /// # Why it breaks
    ///
    /// A registry host is the first component of an image name, not a URL. Tilt rejects it at load
    /// (`validating defaultRegistry: host: Invalid value: … invalid reference format`); for
    /// KEP-1755 Tilt builds image names like `http://localhost:5000/app`.
    ///
    /// # Fix
    ///
    /// Write `host:port` without a scheme.
    ///
    /// # Sources
    ///
    /// - https://github.com/tilt-dev/tilt/blob/master/internal/tiltfile/tiltfile_state.go (default_registry)
    /// - https://github.com/kubernetes/enhancements/tree/master/keps/sig-cluster-lifecycle/generic/1755-communicating-a-local-registry
    id: Reg015,
    name: "scheme-in-registry-host",
    severity: Error,
    check: scheme_in_host,
    bad: [
        (
            "Tiltfile",
            include_str!("../../../../../tests/doctor/REG015/bad/Tiltfile"),
        ),
    ],
    good: [
        (
            "Tiltfile",
            include_str!("../../../../../tests/doctor/REG015/good/Tiltfile"),
        ),
    ],
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
                    ID,
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
                    ID,
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
