//! `doctor --probe`: ask each registry what it speaks.
//!
//! For a host we send `GET /v2/` over HTTPS, then over HTTP, the way
//! containerd and Docker find out, and report what answered. We drive the TLS
//! handshake by hand (rustls over a `TcpStream`) instead of using an HTTP
//! client crate because the two facts that matter are exactly what such
//! clients hide: the raw first bytes of a failed handshake (an HTTP server
//! answers a ClientHello with `HTTP/1.1 400`, which Go reports as `server
//! gave HTTP response to HTTPS client`) and a certificate verdict that does
//! not abort the request (a self-signed registry still answers `/v2/`).
//!
//! Safety of the probe: one deadline per request (connect, TLS handshake,
//! request and the whole answer within [`DEADLINE`], so that a peer dripping
//! a byte at a time cannot hold it), no redirects followed (a `Location` is
//! reported, never visited), responses capped at 64 KiB. The push check
//! starts a blob upload on a throw-away repository and cancels it at once.
//! Name resolution is the system resolver's and not under the deadline.

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, ClientConnection, DigitallySignedStruct, SignatureScheme};
use serde::Serialize;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Time one request may take, all of it: connect, TLS handshake, request and
/// the whole answer. A registry answers `/v2/` at once.
pub const DEADLINE: Duration = Duration::from_secs(5);
/// Time one address may take to connect (within [`DEADLINE`]).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
const MAX_RESPONSE: usize = 64 << 10;
/// The repository the push check starts (and cancels) an upload in.
pub const PROBE_REPO: &str = "tilt-img-probe";

/// What a host answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "speaks", rename_all = "kebab-case")]
pub enum Speaks {
    /// Plain HTTP: the HTTPS attempt got an HTTP answer.
    Http {
        status: u16,
        registry: bool,
        https_error: String,
    },
    /// TLS; `verify_error` when the certificate is not trusted by the
    /// public roots (self-signed, wrong name).
    Https {
        status: u16,
        registry: bool,
        verify_error: Option<String>,
    },
    /// Nothing listening / not resolvable from this machine.
    Unreachable { error: String },
    /// Something answered, but neither HTTPS nor HTTP made sense of it.
    Other {
        https_error: String,
        http_error: String,
    },
}

impl Speaks {
    pub fn is_http(&self) -> bool {
        matches!(self, Speaks::Http { .. })
    }
    pub fn is_tls(&self) -> bool {
        matches!(self, Speaks::Https { .. })
    }
    pub fn describe(&self) -> String {
        match self {
            Speaks::Http {
                status,
                registry,
                https_error,
            } => format!(
                "speaks plain HTTP (HTTPS got `{https_error}`; HTTP GET /v2/ answered {status}{})",
                if *registry {
                    ", a registry"
                } else {
                    ", not a registry API"
                }
            ),
            Speaks::Https {
                status,
                registry,
                verify_error,
            } => format!(
                "speaks HTTPS (GET /v2/ answered {status}{}){}",
                if *registry {
                    ", a registry"
                } else {
                    ", not a registry API"
                },
                match verify_error {
                    Some(e) => format!("; its certificate is not trusted: {e}"),
                    None => String::new(),
                }
            ),
            Speaks::Unreachable { error } => format!("unreachable from this machine: {error}"),
            Speaks::Other {
                https_error,
                http_error,
            } => format!("answers neither HTTPS ({https_error}) nor HTTP ({http_error})"),
        }
    }
}

/// Whether the registry accepts pushes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Push {
    Accepted,
    /// 405 / `UNSUPPORTED`: a pull-through proxy (or read-only registry).
    Refused {
        status: u16,
        body: String,
    },
    NeedsAuth,
    Unknown {
        detail: String,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct ProbeResult {
    pub host: String,
    #[serde(flatten)]
    pub speaks: Speaks,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub push: Option<Push>,
    /// A redirect we did not follow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect: Option<String>,
}

/// Probes `host` (`name[:port]`); checks pushes too when `check_push`.
pub fn probe(host: &str, check_push: bool) -> ProbeResult {
    // HTTPS first; what it got decides whether HTTP is worth a try.
    let (https_error, unreachable) = match request(host, true, "GET", "/v2/") {
        Ok(r) => {
            let speaks = Speaks::Https {
                status: r.status,
                registry: r.is_registry(),
                verify_error: r.verify_error.clone(),
            };
            return finish(host, speaks, r.location, check_push);
        }
        // Without a port, HTTPS (443) and HTTP (80) are different ports.
        Err(Failure::Connect(e)) if super::host::port_of(host).is_none() => {
            (format!("port 443: {e}"), Some(e))
        }
        Err(Failure::Connect(e)) => {
            return finish(host, Speaks::Unreachable { error: e }, None, check_push);
        }
        Err(e) => (e.to_string(), None),
    };
    let (speaks, redirect) = match request(host, false, "GET", "/v2/") {
        Ok(r) => (
            Speaks::Http {
                status: r.status,
                registry: r.is_registry(),
                https_error,
            },
            r.location,
        ),
        Err(e) => match unreachable {
            Some(error) => (Speaks::Unreachable { error }, None),
            None => (
                Speaks::Other {
                    https_error,
                    http_error: e.to_string(),
                },
                None,
            ),
        },
    };
    finish(host, speaks, redirect, check_push)
}

fn finish(host: &str, speaks: Speaks, redirect: Option<String>, check_push: bool) -> ProbeResult {
    let push = match (&speaks, check_push) {
        (Speaks::Http { .. }, true) => Some(push_check(host, false)),
        (Speaks::Https { .. }, true) => Some(push_check(host, true)),
        _ => None,
    };
    ProbeResult {
        host: host.to_string(),
        speaks,
        push,
        redirect,
    }
}

fn push_check(host: &str, tls: bool) -> Push {
    let path = format!("/v2/{PROBE_REPO}/blobs/uploads/");
    match request(host, tls, "POST", &path) {
        Ok(r) if r.status == 202 => {
            // Cancel the upload we just started; only on the same host.
            if let Some(loc) = &r.location {
                let cancel = same_host_path(loc, host);
                if let Some(p) = cancel {
                    let _ = request(host, tls, "DELETE", &p);
                }
            }
            Push::Accepted
        }
        Ok(r) if r.status == 401 => Push::NeedsAuth,
        Ok(r) if r.status == 405 || r.body.contains("UNSUPPORTED") => Push::Refused {
            status: r.status,
            body: r.body.chars().take(200).collect(),
        },
        Ok(r) => Push::Unknown {
            detail: format!("POST {path} answered {}", r.status),
        },
        Err(e) => Push::Unknown {
            detail: e.to_string(),
        },
    }
}

/// The path of `location` if it stays on `host` (relative or same authority).
fn same_host_path(location: &str, host: &str) -> Option<String> {
    if location.starts_with('/') {
        return Some(location.to_string());
    }
    let rest = location.split_once("://")?.1;
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    authority
        .eq_ignore_ascii_case(host)
        .then(|| format!("/{path}"))
}

#[derive(Debug)]
enum Failure {
    Connect(String),
    /// The TLS handshake was answered with `HTTP/…`.
    HttpOnTls,
    Tls(String),
    Io(String),
    BadResponse(String),
    /// The request's deadline passed.
    Timeout,
}

/// A socket read or written only until the request's deadline: each call
/// waits at most for the time left, and none starts once it is gone.
struct Timed {
    sock: TcpStream,
    until: Instant,
}

impl Timed {
    fn left(&self) -> std::io::Result<Duration> {
        let left = self.until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the request's deadline passed",
            ));
        }
        Ok(left)
    }
}

impl Read for Timed {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.left()?;
        self.sock.set_read_timeout(Some(left))?;
        self.sock.read(buf)
    }
}

impl Write for Timed {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let left = self.left()?;
        self.sock.set_write_timeout(Some(left))?;
        self.sock.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.sock.flush()
    }
}

/// A socket timeout is the deadline (each wait is the time left).
fn timed_out(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
    )
}

/// `e` as `other` says, unless it is the deadline.
fn io_failure(e: &std::io::Error, other: impl FnOnce(String) -> Failure) -> Failure {
    if timed_out(e) {
        Failure::Timeout
    } else {
        other(e.to_string())
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Connect(e) => write!(f, "cannot connect: {e}"),
            Failure::HttpOnTls => f.write_str("http: server gave HTTP response to HTTPS client"),
            Failure::Tls(e) => write!(f, "TLS handshake failed: {e}"),
            Failure::Io(e) => write!(f, "{e}"),
            Failure::BadResponse(e) => write!(f, "not an HTTP response: {e}"),
            Failure::Timeout => write!(
                f,
                "timed out: no complete answer within {} s",
                DEADLINE.as_secs()
            ),
        }
    }
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
    location: Option<String>,
    verify_error: Option<String>,
}

impl Response {
    fn is_registry(&self) -> bool {
        self.headers.iter().any(|(k, v)| {
            k.eq_ignore_ascii_case("docker-distribution-api-version") && v.starts_with("registry/2")
        }) || self.status == 200 && self.body.trim() == "{}"
    }
}

fn connect(host: &str, tls: bool, until: Instant) -> Result<Timed, Failure> {
    let with_port = if super::host::port_of(host).is_some() {
        host.to_string()
    } else {
        format!("{host}:{}", if tls { 443 } else { 80 })
    };
    let addrs: Vec<SocketAddr> = with_port
        .to_socket_addrs()
        .map_err(|e| Failure::Connect(format!("cannot resolve {host}: {e}")))?
        .collect();
    let mut last = String::from("no address");
    for a in addrs {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Failure::Timeout);
        }
        match TcpStream::connect_timeout(&a, CONNECT_TIMEOUT.min(left)) {
            Ok(sock) => return Ok(Timed { sock, until }),
            Err(e) => last = format!("{a}: {e}"),
        }
    }
    Err(Failure::Connect(last))
}

fn request_text(host: &str, method: &str, path: &str) -> String {
    format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: tilt-img-doctor\r\nAccept: */*\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
}

/// One request, all of it within [`DEADLINE`].
fn request(host: &str, tls: bool, method: &str, path: &str) -> Result<Response, Failure> {
    let mut sock = connect(host, tls, Instant::now() + DEADLINE)?;
    let req = request_text(host, method, path);
    if !tls {
        sock.write_all(req.as_bytes())
            .map_err(|e| io_failure(&e, Failure::Io))?;
        let raw = read_capped(&mut sock)?;
        return parse_response(&raw, None);
    }
    let verdict = Arc::new(Mutex::new(None));
    let config = client_config(verdict.clone())?;
    let name_text = super::host::host_only(host)
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let name = ServerName::try_from(name_text).map_err(|e| Failure::Tls(e.to_string()))?;
    let mut conn =
        ClientConnection::new(Arc::new(config), name).map_err(|e| Failure::Tls(e.to_string()))?;
    // ClientHello out; look at the first answer before rustls does (five
    // bytes, a TLS record header, or fewer if they cannot be `HTTP/`).
    conn.write_tls(&mut sock)
        .map_err(|e| io_failure(&e, Failure::Io))?;
    let mut first = vec![0u8; 8192];
    let mut n = 0;
    while n < 5 && b"HTTP/".starts_with(&first[..n]) {
        match sock.read(&mut first[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) => {
                return Err(io_failure(&e, |e| {
                    Failure::Tls(format!("no answer to the TLS ClientHello: {e}"))
                }));
            }
        }
    }
    if n == 0 {
        return Err(Failure::Tls(
            "connection closed during the handshake".into(),
        ));
    }
    if first[..n].starts_with(b"HTTP/") {
        return Err(Failure::HttpOnTls);
    }
    let mut slice = &first[..n];
    while !slice.is_empty() {
        conn.read_tls(&mut slice)
            .map_err(|e| Failure::Tls(e.to_string()))?;
        conn.process_new_packets()
            .map_err(|e| Failure::Tls(e.to_string()))?;
    }
    let mut stream = rustls::Stream::new(&mut conn, &mut sock);
    stream
        .write_all(req.as_bytes())
        .map_err(|e| io_failure(&e, Failure::Tls))?;
    let raw = read_capped(&mut stream)?;
    let verify_error = verdict.lock().ok().and_then(|v| v.clone());
    parse_response(&raw, verify_error)
}

fn read_capped(r: &mut impl Read) -> Result<Vec<u8>, Failure> {
    let mut out = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                out.extend_from_slice(&buf[..n]);
                if out.len() >= MAX_RESPONSE || headers_and_body_done(&out) {
                    break;
                }
            }
            // A partial answer when time is up is no answer.
            Err(e) if timed_out(&e) => return Err(Failure::Timeout),
            // A TLS peer that closes without close_notify still sent a full answer.
            Err(_) if !out.is_empty() => break,
            Err(e) => return Err(Failure::Io(e.to_string())),
        }
    }
    Ok(out)
}

/// With `Content-Length`, stop once the body is complete (some servers keep
/// the connection open despite `Connection: close`).
fn headers_and_body_done(raw: &[u8]) -> bool {
    let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
    let len = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok());
    matches!(len, Some(n) if raw.len() >= end + 4 + n)
}

fn parse_response(raw: &[u8], verify_error: Option<String>) -> Result<Response, Failure> {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status_line = lines.next().unwrap_or("");
    if !status_line.starts_with("HTTP/") {
        return Err(Failure::BadResponse(
            status_line.chars().take(60).collect::<String>(),
        ));
    }
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| Failure::BadResponse(status_line.to_string()))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let location = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("location"))
        .map(|(_, v)| v.clone());
    Ok(Response {
        status,
        headers,
        body: body.chars().take(4096).collect(),
        location,
        verify_error,
    })
}

fn client_config(verdict: Arc<Mutex<Option<String>>>) -> Result<ClientConfig, Failure> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| Failure::Tls(e.to_string()))?;
    let verifier = Arc::new(Recording { inner, verdict });
    Ok(ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Failure::Tls(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

/// Checks the certificate like a client would, records the verdict, and
/// lets the handshake go on so that `/v2/` still tells us what is there.
#[derive(Debug)]
struct Recording {
    inner: Arc<WebPkiServerVerifier>,
    verdict: Arc<Mutex<Option<String>>>,
}

impl ServerCertVerifier for Recording {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Err(e) = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) && let Ok(mut v) = self.verdict.lock()
        {
            *v = Some(describe_tls_error(&e));
        }
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// In the words Go's `x509` package uses, which is what users see in
/// containerd's and Docker's errors.
fn describe_tls_error(e: &rustls::Error) -> String {
    use rustls::CertificateError as C;
    match e {
        rustls::Error::InvalidCertificate(C::UnknownIssuer) => {
            "x509: certificate signed by unknown authority (self-signed or a private CA)".into()
        }
        rustls::Error::InvalidCertificate(C::NotValidForName)
        | rustls::Error::InvalidCertificate(C::NotValidForNameContext { .. }) => {
            "x509: certificate is not valid for this host name".into()
        }
        rustls::Error::InvalidCertificate(C::Expired)
        | rustls::Error::InvalidCertificate(C::ExpiredContext { .. }) => {
            "x509: certificate has expired".into()
        }
        // A self-signed certificate made with `openssl req -x509` is a CA
        // certificate presented as the server's own.
        other if format!("{other:?}").contains("CaUsedAsEndEntity") => {
            "x509: certificate signed by unknown authority (self-signed)".into()
        }
        other => other.to_string(),
    }
}

/// What to change, in plain words, for what a probe found.
pub fn advice(r: &ProbeResult) -> Option<String> {
    let h = &r.host;
    let mut out = match &r.speaks {
        Speaks::Http { .. } => Some(format!(
            "clients use HTTPS unless told otherwise and fail with `http: server gave HTTP response to HTTPS client`: give the cluster an `http://{h}` endpoint (registries.yaml mirror, or certs.d/{h}/hosts.toml `[host.\"http://{h}\"]`); `insecure_skip_verify` does not switch to HTTP. Docker pushes over HTTP only to loopback or `insecure-registries`; the custom_build that `tilt-img scan --format tiltfile` writes pushes over HTTP by itself"
        )),
        Speaks::Https {
            verify_error: Some(e),
            ..
        } => Some(format!(
            "clients fail with `{e}`: give the cluster the CA (`configs.\"{h}\".tls.ca_file` in registries.yaml, `ca` in certs.d/{h}/hosts.toml) and Docker the CA in /etc/docker/certs.d/{h}/ca.crt"
        )),
        Speaks::Unreachable { .. } => Some(
            "nothing answered from this machine; a name only the cluster resolves (a registry container's name) is expected to be unreachable here".to_string(),
        ),
        _ => None,
    };
    if let Some(Push::Refused { status, .. }) = &r.push {
        let line = format!(
            "pushes are refused ({status}, a pull-through proxy or read-only registry): do not use it as default_registry; push to a separate registry"
        );
        out = Some(match out {
            Some(o) => format!("{o}; {line}"),
            None => line,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_off_host_are_not_followed() {
        assert_eq!(
            same_host_path("/v2/x/blobs/uploads/1", "a:5000").as_deref(),
            Some("/v2/x/blobs/uploads/1")
        );
        assert_eq!(
            same_host_path("http://a:5000/v2/u", "a:5000").as_deref(),
            Some("/v2/u")
        );
        assert_eq!(same_host_path("http://evil.example/v2/u", "a:5000"), None);
    }

    #[test]
    fn responses_parse() {
        let r = parse_response(
            b"HTTP/1.1 200 OK\r\nDocker-Distribution-Api-Version: registry/2.0\r\nContent-Length: 2\r\n\r\n{}",
            None,
        )
        .unwrap();
        assert_eq!(r.status, 200);
        assert!(r.is_registry());
        assert!(parse_response(b"\x15\x03\x01\x00\x02\x02\x46", None).is_err());
    }

    /// A server on loopback that answers every connection with `bytes`, one
    /// byte a second, and stops by itself after 15 s.
    fn dripping(bytes: &'static [u8]) -> String {
        use std::net::TcpListener;
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let host = listener.local_addr().unwrap().to_string();
        listener.set_nonblocking(true).unwrap();
        let stop = Instant::now() + Duration::from_secs(15);
        std::thread::spawn(move || {
            while Instant::now() < stop {
                match listener.accept() {
                    Ok((mut conn, _)) => {
                        std::thread::spawn(move || {
                            for b in bytes.iter().cycle() {
                                if Instant::now() >= stop || conn.write_all(&[*b]).is_err() {
                                    break;
                                }
                                std::thread::sleep(Duration::from_secs(1));
                            }
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
        });
        host
    }

    #[test]
    fn a_dripping_server_cannot_hold_the_probe() {
        // The start of a TLS record that never completes: neither the
        // handshake nor an HTTP answer ever ends.
        let host = dripping(b"\x16\x03\x03\x40\x00\x00\x00\x00");
        let t = Instant::now();
        let r = probe(&host, false);
        let took = t.elapsed();
        println!("both attempts gave up after {took:?}");
        // HTTPS, then HTTP: each within the deadline (+1 s).
        assert!(took <= 2 * (DEADLINE + Duration::from_secs(1)), "{took:?}");
        match &r.speaks {
            Speaks::Other {
                https_error,
                http_error,
            } => {
                assert!(https_error.contains("timed out"), "{https_error}");
                assert!(http_error.contains("timed out"), "{http_error}");
            }
            other => panic!("{other:?}"),
        }
        assert!(
            r.speaks
                .describe()
                .contains("timed out: no complete answer within 5 s")
        );
    }

    #[test]
    fn a_dripped_http_answer_is_still_told_from_tls_then_times_out() {
        let host = dripping(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
        let t = Instant::now();
        let r = probe(&host, false);
        let took = t.elapsed();
        println!("probe gave up after {took:?}");
        assert!(took <= 2 * (DEADLINE + Duration::from_secs(1)), "{took:?}");
        match &r.speaks {
            Speaks::Other {
                https_error,
                http_error,
            } => {
                assert!(
                    https_error.contains("HTTP response to HTTPS client"),
                    "{https_error}"
                );
                assert!(http_error.contains("timed out"), "{http_error}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn nothing_listening_is_unreachable() {
        // Port 1 on loopback: nothing listens there.
        let r = probe("127.0.0.1:1", false);
        assert!(matches!(r.speaks, Speaks::Unreachable { .. }), "{r:?}");
    }
}
