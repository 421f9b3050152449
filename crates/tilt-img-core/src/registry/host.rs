//! `host[:port]` text, as registry configs and probes write it. Shared by
//! the model and the probe so that neither needs the other for it.

/// `host` of `host:port` (IPv6 brackets kept).
pub fn host_only(host: &str) -> &str {
    if host.starts_with('[') {
        return host
            .split_once(']')
            .map(|(h, _)| &host[..=h.len()])
            .unwrap_or(host);
    }
    host.rsplit_once(':').map(|(h, _)| h).unwrap_or(host)
}

pub fn port_of(host: &str) -> Option<&str> {
    let tail = if host.starts_with('[') {
        host.split_once(']').map(|(_, t)| t)?
    } else {
        host
    };
    tail.rsplit_once(':')
        .map(|(_, p)| p)
        .filter(|p| !p.is_empty())
}
