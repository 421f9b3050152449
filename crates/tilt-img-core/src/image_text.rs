//! Image references as people write them in manifests and configs: the
//! grammar is `tilt_loader::reference` (Go's `distribution/reference`);
//! this module only drops what is no grammar and tells a deliberate
//! reference from an accident of the grammar. Used by inference and by the
//! registry reader alike.

use tilt_loader::reference::Written;

/// An image reference as a person writes one in a manifest, read with the
/// grammar of `distribution/reference` ([`Written`]) after what is no grammar
/// is dropped: surrounding blanks, and the `ko://` and `docker://` prefixes
/// that ko and some operators put before a reference. Text over 512
/// characters is refused before the grammar runs.
pub fn written_image(text: &str) -> Option<Written> {
    let t = text.trim();
    let t = t
        .strip_prefix("ko://")
        .or_else(|| t.strip_prefix("docker://"))
        .unwrap_or(t);
    if t.is_empty() || t.len() > 512 {
        return None;
    }
    Written::parse(t).ok()
}

/// True when the text reads like an image a human meant, not an accident of
/// the grammar (a bare word such as `true`, `always` or `default` parses
/// too): it names a registry, a tag, a digest or a path with `/`, or is a ko
/// import path. Not grammar, a heuristic: used only to judge instance values
/// under keys that are no image names themselves (`images: {…}` maps).
pub fn looks_deliberate(text: &str) -> bool {
    match written_image(text) {
        None => false,
        Some(r) => {
            r.domain().is_some()
                || r.tag().is_some()
                || r.digest().is_some()
                || r.path().contains('/')
                || text.starts_with("ko://")
        }
    }
}
