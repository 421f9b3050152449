//! The vocabulary of image fields: which names, descriptions and contexts
//! mean "a container image the operator runs", and which only look like it.
//!
//! Shared by the schema walk and the instance walk so that both judge a
//! field the same way. The phrases themselves, each with its reason, are
//! data: `knowledge/vocabulary.toml`; this module says how they match.

use serde::Deserialize;
use std::sync::LazyLock;

pub use crate::image_text::{looks_deliberate, written_image};

/// The vocabulary, from `knowledge/vocabulary.toml` (compiled in): every
/// phrase with the reason it is there.
const VOCABULARY: &str = include_str!("../../../../knowledge/vocabulary.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    phrase: String,
    reason: String,
}

/// Phrases of one list, in file order.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
struct List(Vec<Entry>);

impl List {
    fn phrases(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|e| e.phrase.as_str())
    }
    /// One phrase is a part of `text` (lower case already).
    fn any_in(&self, text: &str) -> bool {
        self.phrases().any(|p| text.contains(p))
    }
    /// `text` (lower case already) ends with one phrase.
    fn any_ends(&self, text: &str) -> bool {
        self.phrases().any(|p| text.ends_with(p))
    }
    /// `text` (lower case already) is one phrase.
    fn any_is(&self, text: &str) -> bool {
        self.phrases().any(|p| text == p)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Names {
    not_image: List,
    image_suffix: List,
    built_suffix: List,
    maybe_part: List,
    maybe_exact: List,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Contexts {
    images_suffix: List,
    images_not: List,
    excluded: List,
    excluded_suffix: List,
    volumes: List,
    optional_lists: List,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Descriptions {
    denies: List,
    whole_image: List,
    part: List,
    tag: List,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Vocabulary {
    names: Names,
    contexts: Contexts,
    descriptions: Descriptions,
}

impl Vocabulary {
    /// Every list, with whether its phrases are matched on lower case.
    fn lists(&self) -> [(&'static str, &List, bool); 15] {
        let (n, c, d) = (&self.names, &self.contexts, &self.descriptions);
        [
            ("names.not_image", &n.not_image, true),
            ("names.image_suffix", &n.image_suffix, true),
            ("names.built_suffix", &n.built_suffix, true),
            ("names.maybe_part", &n.maybe_part, true),
            ("names.maybe_exact", &n.maybe_exact, true),
            ("contexts.images_suffix", &c.images_suffix, true),
            ("contexts.images_not", &c.images_not, true),
            ("contexts.excluded", &c.excluded, true),
            ("contexts.excluded_suffix", &c.excluded_suffix, true),
            ("contexts.volumes", &c.volumes, true),
            ("contexts.optional_lists", &c.optional_lists, false),
            ("descriptions.denies", &d.denies, true),
            ("descriptions.whole_image", &d.whole_image, true),
            ("descriptions.part", &d.part, true),
            ("descriptions.tag", &d.tag, true),
        ]
    }
}

/// Parsed once. The file is compiled in, so a broken one is a bug of this
/// program: it fails the first use (and the unit tests), not a user's run.
static VOCAB: LazyLock<Vocabulary> = LazyLock::new(|| {
    let v: Vocabulary =
        toml::from_str(VOCABULARY).unwrap_or_else(|e| panic!("knowledge/vocabulary.toml: {e}"));
    for (name, list, lower) in v.lists() {
        for e in &list.0 {
            assert!(
                !e.phrase.is_empty() && !e.reason.trim().is_empty(),
                "knowledge/vocabulary.toml: {name}: every entry needs a phrase and a reason"
            );
            assert!(
                !lower || e.phrase == e.phrase.to_ascii_lowercase(),
                "knowledge/vocabulary.toml: {name}: `{}` must be lower case",
                e.phrase
            );
        }
    }
    v
});

/// ASCII case-insensitive `haystack.contains(needle)` without allocating
/// (`needle` is lower case).
fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    haystack
        .as_bytes()
        .windows(needle.len().max(1))
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// ASCII case-insensitive `haystack.ends_with(suffix)` (`suffix` lower case).
fn ends_with_ignore_case(haystack: &str, suffix: &str) -> bool {
    let (h, s) = (haystack.as_bytes(), suffix.as_bytes());
    h.len() >= s.len() && h[h.len() - s.len()..].eq_ignore_ascii_case(s)
}

/// How a string field's name speaks of images.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameSignal {
    /// `image`, `fooImage`, `foo_image`, `imageName`, `containerImage`.
    Image,
    /// `fooImageTag`, `version`, `package`…: only an image if the description says so.
    Maybe,
    None,
}

pub fn name_signal(name: &str) -> NameSignal {
    let n = &VOCAB.names;
    // Fast path for the many keys that cannot be image-like.
    let might = n
        .maybe_part
        .phrases()
        .any(|p| contains_ignore_case(name, p))
        || n.maybe_exact
            .phrases()
            .any(|p| name.eq_ignore_ascii_case(p))
        || n.image_suffix
            .phrases()
            .any(|p| ends_with_ignore_case(name, p));
    if !might {
        return NameSignal::None;
    }
    let lower = name.to_ascii_lowercase();
    if n.not_image.any_in(&lower) {
        return NameSignal::None;
    }
    if n.image_suffix.any_ends(&lower) {
        // Names that end in "image" but mean something else.
        if n.built_suffix.any_ends(&lower) {
            return NameSignal::Maybe;
        }
        return NameSignal::Image;
    }
    if n.maybe_part.any_in(&lower) || n.maybe_exact.any_is(&lower) {
        return NameSignal::Maybe;
    }
    NameSignal::None
}

/// Keys whose object children are all images (`images: {vtgate: …}`,
/// `sidecar_docker_images: {name: image}`).
pub fn is_images_container(key: &str) -> bool {
    let c = &VOCAB.contexts;
    c.images_suffix
        .phrases()
        .any(|p| ends_with_ignore_case(key, p))
        && !c.images_not.phrases().any(|p| contains_ignore_case(key, p))
}

/// Keys whose subtree never holds an image to run.
pub fn is_excluded_context(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    let c = &VOCAB.contexts;
    c.excluded.any_is(&lower) || c.excluded_suffix.any_ends(&lower)
}

/// Keys of volume sources (`volumes`, `volume`): only image volume sources
/// count below, as optional images.
pub fn is_volumes_context(key: &str) -> bool {
    VOCAB
        .contexts
        .volumes
        .phrases()
        .any(|p| key.eq_ignore_ascii_case(p))
}

/// Description words that deny an image meaning.
pub fn description_denies(desc: &str) -> bool {
    VOCAB.descriptions.denies.any_in(&desc.to_ascii_lowercase())
}

/// The description says the field holds a whole reference, whatever its name
/// (`version` that "allows full image refs", `configReloaderImageTag` that
/// "defines image:tag").
pub fn description_claims_whole_image(desc: &str) -> bool {
    VOCAB
        .descriptions
        .whole_image
        .any_in(&desc.to_ascii_lowercase())
}

/// The description calls the field only a part of an image (name without
/// tag, a tag, a registry), so it is no whole reference on its own.
pub fn description_says_part(desc: &str) -> bool {
    VOCAB.descriptions.part.any_in(&desc.to_ascii_lowercase())
        && !description_claims_whole_image(desc)
}

/// The description of a `version`/`tag`-like field says it is an image tag.
pub fn description_says_tag(desc: &str) -> bool {
    VOCAB.descriptions.tag.any_in(&desc.to_ascii_lowercase())
}

/// Pod-spec lists whose containers Tilt itself ignores in built-in kinds and
/// that people rarely set in manifests.
pub fn is_optional_container_list(key: &str) -> bool {
    VOCAB.contexts.optional_lists.phrases().any(|p| key == p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for n in [
            "image",
            "clientRackInitImage",
            "docker_image",
            "imageName",
            "containerImage",
            "scalyr_image",
        ] {
            assert_eq!(name_signal(n), NameSignal::Image, "{n}");
        }
        for n in [
            "imagePullPolicy",
            "imagePullSecrets",
            "pullPolicy",
            "name",
            "tag",
        ] {
            assert_eq!(name_signal(n), NameSignal::None, "{n}");
        }
        for n in ["configReloaderImageTag", "version", "package", "baseImage"] {
            assert_eq!(name_signal(n), NameSignal::Maybe, "{n}");
        }
        assert!(is_images_container("images"));
        assert!(is_images_container("sidecar_docker_images"));
        assert!(!is_images_container("imagePullSecrets"));
    }

    #[test]
    fn written_images() {
        let r = written_image(" ko://knative.dev/serving/cmd/x ").unwrap();
        assert_eq!(
            (r.domain(), r.path()),
            (Some("knative.dev"), "serving/cmd/x")
        );
        assert!(written_image("docker://nginx:1.25").is_some());
        assert!(written_image("busybox").is_some());
        for t in [
            "",
            "  ",
            "Foo/Bar",
            "a b",
            "http://x.io/a",
            "{{ .Values.image }}",
        ] {
            assert!(written_image(t).is_none(), "{t}");
        }
        assert!(written_image(&"a".repeat(513)).is_none());
        assert!(!looks_deliberate("always"));
        assert!(looks_deliberate("nginx:1.25"));
        assert!(looks_deliberate("acme/api"));
        assert!(looks_deliberate("ko://knative.dev/x"));
    }

    #[test]
    fn vocabulary_parses_with_a_reason_per_phrase() {
        let lists = VOCAB.lists();
        assert!(lists.iter().all(|(_, l, _)| !l.0.is_empty()));
        assert_eq!(VOCAB.descriptions.denies.0.len(), 32);
        assert!(is_volumes_context("Volumes"));
        assert!(is_optional_container_list("ephemeralContainers"));
        assert!(!is_optional_container_list("ephemeralcontainers"));
        assert!(is_excluded_context("containerStatuses"));
        assert!(is_excluded_context("verifyImages"));
        assert!(!is_excluded_context("containers"));
    }

    #[test]
    fn descriptions() {
        assert!(description_denies("image is the rados image name."));
        assert!(description_denies(
            "The name of the image which will be built. Required."
        ));
        assert!(description_claims_whole_image(
            "ConfigReloaderImageTag defines image:tag for config-reloader container"
        ));
        assert!(description_claims_whole_image(
            "Version sets the tag of the default image. Allows full image refs"
        ));
        assert!(description_says_part(
            "baseImage that is used to deploy pods, without tag."
        ));
    }
}
