//! Against real registries: Debian's `docker-registry` (distribution) on
//! 127.0.0.1, in plain-HTTP, TLS (self-signed, made with openssl) and
//! pull-through proxy mode. `.ci/run` installs docker-registry, skopeo and
//! openssl; without them these tests fail with the install command.
//!
//! - `doctor --probe` tells each mode apart and says what to change;
//! - the push step of the build `scan` generates for an HTTP registry is run
//!   with skopeo from a locally made OCI layout (no Docker daemon), and the
//!   image is then read back from the registry's API, under the ref Tilt
//!   deploys; the same push without `--dest-tls-verify=false` fails with
//!   `server gave HTTP response to HTTPS client`.

mod common;

use assert_cmd::Command;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};
use tilt_img_core::registry::probe::{self, Push, Speaks};

fn need(bin: &str, package: &str) -> PathBuf {
    for dir in std::env::var("PATH")
        .unwrap_or_default()
        .split(':')
        .chain(["/usr/bin", "/usr/sbin"])
    {
        let p = Path::new(dir).join(bin);
        if p.is_file() {
            return p;
        }
    }
    panic!("`{bin}` not found: install it with `apt-get install {package}` (.ci/run does)");
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `docker-registry serve` child, killed on drop.
struct Registry {
    child: Child,
    host: String,
    _dir: tempfile::TempDir,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

enum Mode<'a> {
    Http,
    Tls,
    Proxy { upstream: &'a str },
}

impl Registry {
    fn start(mode: Mode) -> Registry {
        let bin = need("docker-registry", "docker-registry");
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut cfg = format!(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n",
            dir.path().join("data").display()
        );
        match mode {
            Mode::Http => {}
            Mode::Tls => {
                let openssl = need("openssl", "openssl");
                let (key, cert) = (dir.path().join("key.pem"), dir.path().join("cert.pem"));
                let ok = std::process::Command::new(openssl)
                    .args([
                        "req",
                        "-x509",
                        "-newkey",
                        "rsa:2048",
                        "-nodes",
                        "-days",
                        "1",
                        "-subj",
                        "/CN=localhost",
                    ])
                    .args(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
                    .arg("-keyout")
                    .arg(&key)
                    .arg("-out")
                    .arg(&cert)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .unwrap()
                    .success();
                assert!(ok, "openssl could not make a certificate");
                cfg.push_str(&format!(
                    "  tls:\n    certificate: {}\n    key: {}\n",
                    cert.display(),
                    key.display()
                ));
            }
            Mode::Proxy { upstream } => {
                cfg.push_str(&format!("proxy:\n  remoteurl: http://{upstream}\n"));
            }
        }
        let cfg_path = dir.path().join("config.yml");
        std::fs::write(&cfg_path, cfg).unwrap();
        let child = std::process::Command::new(bin)
            .arg("serve")
            .arg(&cfg_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let host = format!("127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(&host).is_err() {
            assert!(
                Instant::now() < deadline,
                "docker-registry did not start on {host}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Registry {
            child,
            host,
            _dir: dir,
        }
    }
}

/// Plain-HTTP GET against the registry API: (status, headers+body).
fn http_get(host: &str, path: &str, accept: &str) -> (u16, String) {
    let mut s = TcpStream::connect(host).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: {accept}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    let status = out
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, out)
}

/// `tilt-img scan --format json <dir>`.
fn scan_json(dir: &Path) -> Value {
    let out = Command::cargo_bin("tilt-img")
        .unwrap()
        .args(["scan", "--format", "json"])
        .arg(dir)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The plan's build for `reference`.
fn planned_build(scan: &Value, reference: &str) -> Value {
    scan["registry"]["builds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["ref"] == reference)
        .unwrap_or_else(|| panic!("no build for {reference}: {scan:#}"))
        .clone()
}

/// Rewrites the Tiltfile as a user would after `scan --format tiltfile`:
/// the plan's builds instead of the `docker_build` lines, plus the
/// `k8s_kind` lines. Returns the new text.
fn apply_scan(tf: &Path, scan: &Value) -> String {
    let mut text: String = std::fs::read_to_string(tf)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("docker_build("))
        .map(|l| format!("{l}\n"))
        .collect();
    let calls = scan["registry"]["builds"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|b| b["call"].as_str())
        .chain(
            scan["kinds"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|k| k["tilt"].as_str()),
        );
    for call in calls {
        text.push_str(call);
        text.push('\n');
    }
    std::fs::write(tf, &text).unwrap();
    text
}

/// Runs a generated push step with an OCI layout as its source.
fn run_push_step(step: &str, layout: &Path, expected_ref: &str) -> std::process::Output {
    let skopeo = need("skopeo", "skopeo");
    let step = step
        .replace(
            tilt_img_core::registry::plan::PUSH_SOURCE,
            &format!("oci:{}:latest", layout.display()),
        )
        .replace("skopeo copy", &format!("{} copy", skopeo.display()));
    std::process::Command::new("sh")
        .arg("-c")
        .arg(&step)
        .env("EXPECTED_REF", expected_ref)
        .output()
        .unwrap()
}

#[test]
fn probe_tells_http_tls_and_proxy_apart() {
    let http = Registry::start(Mode::Http);
    let tls = Registry::start(Mode::Tls);
    let proxy = Registry::start(Mode::Proxy {
        upstream: &http.host,
    });

    let r = probe::probe(&http.host, true);
    match &r.speaks {
        Speaks::Http {
            status,
            registry,
            https_error,
        } => {
            assert_eq!(*status, 200);
            assert!(registry);
            assert_eq!(
                https_error,
                "http: server gave HTTP response to HTTPS client"
            );
        }
        other => panic!("{}: {other:?}", http.host),
    }
    assert_eq!(r.push, Some(Push::Accepted));

    let r = probe::probe(&tls.host, true);
    match &r.speaks {
        Speaks::Https {
            status,
            registry,
            verify_error,
        } => {
            assert_eq!(*status, 200);
            assert!(registry);
            assert!(
                verify_error
                    .as_deref()
                    .is_some_and(|e| e.contains("unknown authority")),
                "{verify_error:?}"
            );
        }
        other => panic!("{}: {other:?}", tls.host),
    }

    let r = probe::probe(&proxy.host, true);
    assert!(r.speaks.is_http(), "{r:?}");
    assert!(
        matches!(r.push, Some(Push::Refused { status: 405, .. })),
        "{r:?}"
    );

    let closed = format!("127.0.0.1:{}", free_port());
    assert!(matches!(
        probe::probe(&closed, false).speaks,
        Speaks::Unreachable { .. }
    ));
}

#[test]
fn doctor_probe_turns_answers_into_findings() {
    let http = Registry::start(Mode::Http);
    let proxy = Registry::start(Mode::Proxy {
        upstream: &http.host,
    });
    let dir = tempfile::tempdir().unwrap();
    // An endpoint without scheme for the HTTP registry, skip_verify as the
    // "fix", and the Tiltfile pushing to the proxy.
    std::fs::write(
        dir.path().join("registries.yaml"),
        format!(
            "mirrors:\n  \"{h}\":\n    endpoint:\n      - \"{h}\"\nconfigs:\n  \"{h}\":\n    tls:\n      insecure_skip_verify: true\n",
            h = http.host
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("Tiltfile"),
        format!("default_registry('{}')\n", proxy.host),
    )
    .unwrap();

    // Without --probe, a loopback host is only assumed to speak HTTP.
    let out = Command::cargo_bin("tilt-img")
        .unwrap()
        .args(["doctor", "--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["findings"].to_string().contains("assumed"), "{v:#}");

    let out = Command::cargo_bin("tilt-img")
        .unwrap()
        .args(["doctor", "--probe", "--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = v["findings"].as_array().unwrap();
    let by = |id: &str| findings.iter().filter(|f| f["rule"] == id).count();
    assert_eq!(by("REG001"), 1, "{v:#}");
    assert_eq!(by("REG002"), 1, "{v:#}");
    assert_eq!(by("REG018"), 1, "{v:#}");
    let text = v["findings"].to_string();
    assert!(text.contains("--probe: speaks plain HTTP"), "{text}");
    assert!(
        !text.contains("assumed"),
        "probe facts replace the guess: {text}"
    );
    let probes = v["probes"].as_array().unwrap();
    assert!(
        probes
            .iter()
            .any(|p| p["host"] == http.host.as_str() && p["speaks"] == "http")
    );

    // The text report says what to change, in plain words.
    let out = Command::cargo_bin("tilt-img")
        .unwrap()
        .args(["doctor", "--probe-host"])
        .arg(&http.host)
        .arg(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("server gave HTTP response to HTTPS client"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "give the cluster an `http://{}` endpoint",
            http.host
        )),
        "{text}"
    );
}

/// Writes an OCI image layout with one tiny layer; returns its directory.
fn oci_layout(dir: &Path) -> PathBuf {
    let layout = dir.join("layout");
    let blobs = layout.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    let put = |bytes: &[u8]| -> (String, usize) {
        let hex = format!("{:x}", Sha256::digest(bytes));
        std::fs::write(blobs.join(&hex), bytes).unwrap();
        (format!("sha256:{hex}"), bytes.len())
    };
    // A tar with one file, by hand: header, content, padding, end blocks.
    let content = b"hello from tilt-img\n";
    let mut header = [0u8; 512];
    header[..9].copy_from_slice(b"hello.txt");
    header[100..108].copy_from_slice(b"0000644\0");
    header[108..116].copy_from_slice(b"0000000\0");
    header[116..124].copy_from_slice(b"0000000\0");
    header[124..136].copy_from_slice(format!("{:011o}\0", content.len()).as_bytes());
    header[136..148].copy_from_slice(b"00000000000\0");
    header[156] = b'0';
    header[257..263].copy_from_slice(b"ustar\0");
    header[263..265].copy_from_slice(b"00");
    header[148..156].copy_from_slice(b"        ");
    let sum: u32 = header.iter().map(|&b| u32::from(b)).sum();
    header[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    let mut tar = header.to_vec();
    tar.extend_from_slice(content);
    tar.resize(tar.len().div_ceil(512) * 512, 0);
    tar.extend_from_slice(&[0u8; 1024]);
    let (layer, layer_size) = put(&tar);
    let config = json!({
        "architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [layer]},
        "config": {}
    });
    let (cfg, cfg_size) = put(config.to_string().as_bytes());
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cfg, "size": cfg_size},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer, "size": layer_size}]
    });
    let (man, man_size) = put(manifest.to_string().as_bytes());
    std::fs::write(
        layout.join("oci-layout"),
        r#"{"imageLayoutVersion":"1.0.0"}"#,
    )
    .unwrap();
    std::fs::write(
        layout.join("index.json"),
        json!({"schemaVersion": 2, "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": man, "size": man_size,
            "annotations": {"org.opencontainers.image.ref.name": "latest"}
        }]})
        .to_string(),
    )
    .unwrap();
    layout
}

#[test]
fn generated_push_step_pushes_over_http_and_tilt_deploys_what_it_pushed() {
    let reg = Registry::start(Mode::Http);
    let work = tempfile::tempdir().unwrap();
    let example = work.path().join("example");
    common::copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/k3d-http-registry"),
        &example,
    );
    // Point the example's dev registry at the live one.
    let tf = example.join("Tiltfile");
    let text = std::fs::read_to_string(&tf).unwrap().replace(
        "default_registry('localhost:5000'",
        &format!("default_registry('{}'", reg.host),
    );
    std::fs::write(&tf, text).unwrap();
    let k3d = example.join("fixed/k3d.yaml");
    let text = std::fs::read_to_string(&k3d).unwrap().replace(
        "hostPort: \"5000\"",
        &format!("hostPort: \"{}\"", reg.host.rsplit(':').next().unwrap()),
    );
    std::fs::write(&k3d, text).unwrap();

    let scan = scan_json(&example);
    assert_eq!(scan["registry"]["push_host"], reg.host.as_str(), "{scan:#}");
    let build = planned_build(&scan, "orders-connect");
    let push_step = build["push_step"].as_str().unwrap().to_string();
    assert!(build["command"].as_str().unwrap().ends_with(&push_step));
    assert!(
        push_step.contains(tilt_img_core::registry::plan::PUSH_SOURCE),
        "{push_step}"
    );

    // The Tiltfile with the generated lines instead of the docker_builds:
    // what does Tilt deploy?
    let tiltfile = apply_scan(&tf, &scan);
    let (check, code) = common::check_json(&tf, &["--warnings-as-errors"]);
    assert_eq!(code, Some(0), "{check:#}\n{tiltfile}");
    let img = common::deployed_image(&check, "orders-connect");
    assert_eq!(img["pushed_by"], "script");
    let tag = "tilt-build-1764036000";
    let expected_ref = img["expected_ref"]
        .as_str()
        .unwrap()
        .replace("tilt-build-<unix-time>", tag);
    let deploy_ref = img["deploy_ref"]
        .as_str()
        .unwrap()
        .replace("tilt-build-<unix-time>", tag);
    assert_eq!(expected_ref, format!("{}/orders-connect:{tag}", reg.host));
    assert_eq!(
        deploy_ref,
        format!("k3d-registry.localhost:5000/orders-connect:{tag}"),
        "the cluster pulls what the command pushed, under its own name for the registry"
    );

    let layout = oci_layout(work.path());
    let run = |step: &str| run_push_step(step, &layout, &expected_ref);
    // Control: the same push without the HTTP switch is the error users see.
    let plain = run(&push_step.replace("--dest-tls-verify=false ", ""));
    assert!(!plain.status.success());
    let err = String::from_utf8_lossy(&plain.stderr);
    assert!(
        err.contains("server gave HTTP response to HTTPS client"),
        "{err}"
    );

    let pushed = run(&push_step);
    assert!(
        pushed.status.success(),
        "{}",
        String::from_utf8_lossy(&pushed.stderr)
    );

    let (status, body) = http_get(
        &reg.host,
        "/v2/orders-connect/tags/list",
        "application/json",
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(tag), "{body}");
    let (status, body) = http_get(
        &reg.host,
        &format!("/v2/orders-connect/manifests/{tag}"),
        "application/vnd.oci.image.manifest.v1+json",
    );
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("application/vnd.oci.image.layer.v1.tar"),
        "{body}"
    );
}

/// The other route: no registry address in image names, the nodes pull
/// Docker Hub names through a `docker.io` mirror to the dev registry. The
/// generated push step puts `orders-connect:<tag>` under `library/` there,
/// where that mirror will look, and Tilt deploys the bare name it pushed.
#[test]
fn mirror_route_pushes_bare_names_under_library() {
    let reg = Registry::start(Mode::Http);
    let port = reg.host.rsplit(':').next().unwrap().to_string();
    let work = tempfile::tempdir().unwrap();
    let p = work.path().join("project");
    let ex = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/kafka-connect");
    common::copy_dir(&ex, &p);
    std::fs::write(
        p.join("k3d.yaml"),
        format!(
            "apiVersion: k3d.io/v1alpha5\nkind: Simple\nregistries:\n  create:\n    name: k3d-registry.localhost\n    host: \"127.0.0.1\"\n    hostPort: \"{port}\"\n  config: |\n    mirrors:\n      \"docker.io\":\n        endpoint:\n          - http://k3d-registry.localhost:5000\n"
        ),
    )
    .unwrap();
    let scan = scan_json(&p);
    let plan = &scan["registry"];
    assert_eq!(plan["mode"], "mirror", "{scan:#}");
    assert_eq!(plan["key"], "docker.io");
    assert_eq!(plan["default_registry"], Value::Null);
    let build = planned_build(&scan, "orders-connect");
    let push_host = plan["push_host"].as_str().unwrap().to_string();
    assert!(push_host.ends_with(&format!(":{port}")), "{push_host}");

    // Tilt deploys the bare name the command pushed.
    let tf = p.join("Tiltfile");
    let tiltfile = apply_scan(&tf, &scan);
    let (check, code) = common::check_json(&tf, &["--warnings-as-errors"]);
    assert_eq!(code, Some(0), "{check:#}\n{tiltfile}");
    let img = common::deployed_image(&check, "orders-connect");
    assert_eq!(img["pushed_by"], "script");
    assert_eq!(img["deploy_ref"], "orders-connect:tilt-build-<unix-time>");
    assert_eq!(img["expected_ref"], img["deploy_ref"]);

    let tag = "tilt-build-1764036001";
    let layout = oci_layout(work.path());
    let step = build["push_step"].as_str().unwrap();
    let out = run_push_step(step, &layout, &format!("orders-connect:{tag}"));
    assert!(
        out.status.success(),
        "{step}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (status, body) = http_get(
        &reg.host,
        "/v2/library/orders-connect/tags/list",
        "application/json",
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(tag), "{body}");
}
