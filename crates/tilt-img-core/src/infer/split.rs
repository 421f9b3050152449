//! Split images: sibling fields of one object that together make one image
//! reference (`repository` + `tag`, `hub` + `image` + `tag`, …).
//!
//! One detector for both walks: the schema walk knows each sibling's type
//! and description, the instance walk each sibling's value (and no
//! description). Both ask [`detect`], so a shape the schema recognises is the
//! shape the instances are read with.

use super::names::{self, NameSignal};
use crate::report::SplitImage;
use tilt_loader::fieldpath::FieldPath;

/// Every key [`detect`] reads as a part: what a streaming scan keeps of an
/// object's maps besides image-named keys ([`super::facts`]).
pub const PART_KEYS: &[&str] = &[
    "registry",
    "repository",
    "name",
    "tag",
    "hub",
    "image",
    "version",
    "digest",
    "sha",
];

/// What a walk knows of one sibling key of the object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sibling<'a> {
    /// A string: a `type: string` property with its description (schema),
    /// or a string value (instance, description `""`).
    Text(&'a str),
    /// A number value (instance only): a tag or version written unquoted
    /// (`tag: 1.25`). Only a tag part may be one.
    Number,
}

/// The split shape of an object inside `parent_key`, from what `sibling`
/// says of each key (`None`: absent, or neither string nor number), with
/// the reason shown as evidence. The first shape that fits wins; the object
/// anchor of the result is the root (callers set it).
pub fn detect<'a>(
    parent_key: &str,
    sibling: impl Fn(&str) -> Option<Sibling<'a>>,
) -> Option<(SplitImage, String)> {
    // Name parts (registry, repository, image, name) are strings; a tag part
    // may be a number too.
    let has = |k: &str| matches!(sibling(k), Some(Sibling::Text(_)));
    let has_tag = |k: &str| sibling(k).is_some();
    let d = |k: &str| match sibling(k) {
        Some(Sibling::Text(d)) => d,
        _ => "",
    };
    let denied = |ks: &[&str]| ks.iter().any(|k| names::description_denies(d(k)));
    let split = |registry: Option<&str>,
                 repo: &str,
                 name: Option<&str>,
                 tag: Option<&str>,
                 digest: Option<&str>| SplitImage {
        object: FieldPath::root(),
        registry: registry.map(str::to_string),
        repo: repo.to_string(),
        name: name.map(str::to_string),
        tag: tag.map(str::to_string),
        digest: digest.map(str::to_string),
    };
    let digest = ["digest", "sha"].into_iter().find(|k| has(k));
    let image_like_parent = names::name_signal(parent_key) != NameSignal::None;

    if has("registry")
        && has("repository")
        && has("name")
        && has_tag("tag")
        && !denied(&["repository"])
    {
        return Some((
            split(
                Some("registry"),
                "repository",
                Some("name"),
                Some("tag"),
                digest,
            ),
            "`registry` + `repository` + `name` + `tag` siblings".into(),
        ));
    }
    if has("repository") && has("image") && has_tag("version") && !denied(&["repository", "image"])
    {
        return Some((
            split(Some("repository"), "image", None, Some("version"), digest),
            "`repository` + `image` + `version` siblings (registry/image:version)".into(),
        ));
    }
    if has("hub")
        && has("image")
        && has_tag("tag")
        && !names::description_claims_whole_image(d("image"))
        || has("hub")
            && has("image")
            && has_tag("tag")
            && d("image").to_ascii_lowercase().contains("hub")
    {
        return Some((
            split(Some("hub"), "image", None, Some("tag"), digest),
            "`hub` + `image` + `tag` siblings (hub/image:tag)".into(),
        ));
    }
    if has("repository") && has_tag("tag") && !denied(&["repository", "tag"]) {
        let registry = has("registry").then_some("registry");
        return Some((
            split(registry, "repository", None, Some("tag"), digest),
            "`repository` + `tag` siblings".into(),
        ));
    }
    if has("baseImage") && has_tag("tag") {
        return Some((
            split(None, "baseImage", None, Some("tag"), digest),
            "`baseImage` + `tag` siblings".into(),
        ));
    }
    if image_like_parent && has("name") && has_tag("tag") {
        return Some((
            split(None, "name", None, Some("tag"), digest),
            format!("`name` + `tag` inside `{parent_key}`"),
        ));
    }
    if has("image")
        && has_tag("version")
        && names::description_says_tag(d("version"))
        && !names::description_claims_whole_image(d("image"))
        && !names::description_claims_whole_image(d("version"))
    {
        return Some((
            split(None, "image", None, Some("version"), digest),
            "`image` + `version` siblings, `version` described as the tag".into(),
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(parent: &str, keys: &[(&str, Sibling<'static>)]) -> Option<String> {
        let found = detect(parent, |k| {
            keys.iter().find(|(n, _)| *n == k).map(|(_, s)| *s)
        })?;
        Some(
            found
                .0
                .parts()
                .iter()
                .map(|(_, k)| *k)
                .collect::<Vec<_>>()
                .join("+"),
        )
    }

    const T: Sibling<'static> = Sibling::Text("");

    #[test]
    fn shapes_in_order() {
        assert_eq!(
            shape(
                "x",
                &[("registry", T), ("repository", T), ("name", T), ("tag", T)]
            )
            .as_deref(),
            Some("registry+repository+name+tag")
        );
        assert_eq!(
            shape("x", &[("repository", T), ("image", T), ("version", T)]).as_deref(),
            Some("repository+image+version")
        );
        assert_eq!(
            shape("x", &[("hub", T), ("image", T), ("tag", T)]).as_deref(),
            Some("hub+image+tag")
        );
        assert_eq!(
            shape(
                "x",
                &[("repository", T), ("tag", Sibling::Number), ("digest", T)]
            )
            .as_deref(),
            Some("repository+tag+digest")
        );
        assert_eq!(
            shape("image", &[("name", T), ("tag", T)]).as_deref(),
            Some("name+tag")
        );
        assert_eq!(shape("sidecar", &[("name", T), ("tag", T)]), None);
        // A number is no repository.
        assert_eq!(
            shape("x", &[("repository", Sibling::Number), ("tag", T)]),
            None
        );
        // `version` is a tag only when described as one: never in instances.
        assert_eq!(shape("x", &[("image", T), ("version", T)]), None);
        assert_eq!(
            shape(
                "x",
                &[("image", T), ("version", Sibling::Text("The image tag."))]
            )
            .as_deref(),
            Some("image+version")
        );
    }
}
