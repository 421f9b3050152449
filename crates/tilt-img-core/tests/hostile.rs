//! Hostile input against generated code and output: text from a scanned
//! file (kind, group, version, field keys, file names, image text,
//! evidence) must never leave a string literal or a comment of the lines
//! `scan --format tiltfile` and `fix` write, and never reach a terminal raw.

use std::path::{Path, PathBuf};
use tilt_img_core::escape::terminal;
use tilt_img_core::scan::{ScanOptions, scan};

/// Payloads that end a comment or a literal, or drive a terminal.
const BREAKERS: &[&str] = &[
    "\nlocal('touch /tmp/tilt-img-pwned')\n#",
    "\rlocal('touch /tmp/tilt-img-pwned')\r#",
    "\u{2028}local('touch /tmp/tilt-img-pwned')\u{2029}",
    "\u{85}local('touch /tmp/tilt-img-pwned')",
    "'); local('touch /tmp/tilt-img-pwned'); x=('",
    "\\'); local('touch /tmp/tilt-img-pwned') #",
    "\u{1b}]0;owned\u{7}\u{1b}[2J",
    "\u{202e}dessap\u{202c}",
];

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// A CRD and an instance whose every name carries `evil`.
fn write_case(dir: &Path, evil: &str) -> PathBuf {
    let kind = format!("Widget{evil}");
    let group = "widgets.example.com";
    let crd = format!(
        r#"{{"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
  "metadata": {{"name": "widgets.{group}"}},
  "spec": {{"group": "{group}", "names": {{"kind": {kind}, "plural": "widgets"}}, "scope": "Namespaced",
    "versions": [{{"name": {version}, "served": true, "storage": true, "schema": {{"openAPIV3Schema": {{
      "type": "object", "properties": {{"spec": {{"type": "object", "properties": {{
        "image": {{"type": "string", "description": {desc}}},
        {key}: {{"type": "object", "properties": {{"image": {{"type": "string"}}}}}}
      }}}}}}}}}}}}]}}}}"#,
        kind = json_str(&kind),
        version = json_str(&format!("v1{evil}")),
        desc = json_str(&format!("The container image to run.{evil}")),
        key = json_str(&format!("side{evil}")),
    );
    let cr = format!(
        r#"{{"apiVersion": {api}, "kind": {kind}, "metadata": {{"name": {name}}},
  "spec": {{"image": {image}, {key}: {{"image": "ghcr.io/acme/side:1"}}}}}}"#,
        api = json_str(&format!("{group}/v1{evil}")),
        kind = json_str(&kind),
        name = json_str(&format!("w{evil}")),
        image = json_str(&format!("ghcr.io/acme/widget:1{evil}")),
        key = json_str(&format!("side{evil}")),
    );
    // File names may hold any byte but `/` and NUL.
    let sub = dir.join(format!("k8s{}", evil.replace('/', "_")));
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::write(sub.join("crd.json"), crd).unwrap();
    std::fs::write(sub.join(format!("cr{}.json", evil.replace('/', "_"))), cr).unwrap();
    sub
}

/// Every line is a comment without a raw breaker, or a call of the kinds
/// generated code makes; then the text must load in the embedded loader
/// without running anything.
fn assert_only_data(text: &str, what: &str) {
    for line in text.lines() {
        let t = line.trim_start();
        assert!(
            t.is_empty()
                || t.starts_with("# ")
                || t == "#"
                || t.starts_with("k8s_kind(")
                || t.starts_with("custom_build(")
                || t.starts_with("default_registry("),
            "{what}: unexpected line {line:?}\n{text}"
        );
        assert!(
            !line
                .chars()
                .any(|c| c.is_control() || ('\u{2028}'..='\u{202e}').contains(&c)),
            "{what}: raw control character in {line:?}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let r = tilt_loader::run(
        &dir.path().join("Tiltfile"),
        text,
        Default::default(),
        &Default::default(),
    );
    assert!(
        r.error.is_none(),
        "{what}: generated lines fail to load: {:?}\n{text}",
        r.error
    );
    assert!(
        r.state.sandboxed.is_empty() && r.state.noops.is_empty(),
        "{what}: generated lines called something: {:?} {:?}\n{text}",
        r.state.sandboxed,
        r.state.noops
    );
}

#[test]
fn scanned_text_never_becomes_code() {
    for evil in BREAKERS {
        let dir = tempfile::tempdir().unwrap();
        let sub = write_case(dir.path(), evil);
        let opts = ScanOptions {
            validate: true,
            ..Default::default()
        };
        let out = scan(&[sub], &opts);
        let snippet = tilt_img_core::render::tiltfile::render(&out.report);
        assert_only_data(&snippet, &format!("scan {evil:?}"));
        assert!(
            snippet.contains("k8s_kind("),
            "{evil:?}: the hostile kind still gets its line:\n{snippet}"
        );
        let block = tilt_img_core::fix::block(&out.report);
        assert_only_data(&block, &format!("fix {evil:?}"));
        // Reports shown on a terminal carry no raw control character.
        let text = tilt_img_core::render::text::render(&out.report);
        let shown = terminal(&text);
        assert!(
            !shown
                .chars()
                .any(|c| c != '\n' && c != '\t' && c.is_control()),
            "{evil:?}: raw control character in the text report"
        );
        // JSON is exact: the hostile kind is there, byte for byte.
        let json: serde_json::Value =
            serde_json::from_str(&terminal(&tilt_img_core::render::json::render(&out.report)))
                .unwrap();
        assert!(
            json["kinds"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k["kind"] == format!("Widget{evil}")),
            "{evil:?}: JSON lost the kind"
        );
    }
}
