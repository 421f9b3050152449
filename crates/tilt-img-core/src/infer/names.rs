//! The vocabulary of image fields: which names, descriptions and contexts
//! mean "a container image the operator runs", and which only look like it.
//!
//! Shared by the schema walk and the instance walk so that both judge a
//! field the same way.

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
    // Fast path for the many keys that cannot be image-like.
    let bytes = name.as_bytes();
    let might = bytes.windows(5).any(|w| w.eq_ignore_ascii_case(b"image"))
        || name.eq_ignore_ascii_case("version")
        || name.eq_ignore_ascii_case("package")
        || name.eq_ignore_ascii_case("ref")
        || name.eq_ignore_ascii_case("reference");
    if !might {
        return NameSignal::None;
    }
    let lower = name.to_ascii_lowercase();
    if lower.contains("pullpolicy")
        || lower.contains("pullsecret")
        || lower.contains("pull_policy")
        || lower.contains("pull_secret")
    {
        return NameSignal::None;
    }
    if lower == "image"
        || lower.ends_with("image")
        || lower == "imagename"
        || lower.ends_with("imagename")
        || lower.ends_with("image_name")
        || lower == "containerimage"
    {
        // Names that end in "image" but mean something else.
        if lower.ends_with("baseimage") || lower.ends_with("base_image") {
            return NameSignal::Maybe;
        }
        return NameSignal::Image;
    }
    if lower.contains("image")
        || matches!(lower.as_str(), "version" | "package" | "ref" | "reference")
    {
        return NameSignal::Maybe;
    }
    NameSignal::None
}

/// Keys whose object children are all images (`images: {vtgate: …}`,
/// `sidecar_docker_images: {name: image}`).
pub fn is_images_container(key: &str) -> bool {
    let b = key.as_bytes();
    b.len() >= 6
        && b[b.len() - 6..].eq_ignore_ascii_case(b"images")
        && !b.windows(4).any(|w| w.eq_ignore_ascii_case(b"pull"))
}

/// Keys whose subtree never holds an image to run.
pub fn is_excluded_context(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "status"
            | "metadata"
            | "output"
            | "outputs"
            | "cache"
            | "rbd"
            | "gitrepo"
            | "quobyte"
            | "verifyimages"
            | "imagereferences"
            | "skipimagereferences"
            | "exclude"
            | "match"
            | "attestors"
            | "attestations"
            | "imageregistry"
            | "imageextractors"
    ) || lower.ends_with("statuses")
        || lower.ends_with("status")
}

/// Description words that deny an image meaning (checked on lower case).
const NEGATIVE: &[&str] = &[
    "rados",
    "rbd ",
    "disk image",
    "virtual machine",
    "vm image",
    "os image",
    "boot image",
    "qcow",
    "icon",
    "logo",
    "avatar",
    "picture",
    "thumbnail",
    "will be built",
    "to be built",
    "image to build",
    "push the",
    "pushed to",
    "to push",
    "output image",
    "build output",
    "image repository to scan",
    "name of the image repository",
    "pattern",
    "wildcard",
    "deprecated. use imagereferences",
    "git repository",
    "helm chart",
    "maven",
    "base image for the build",
    "url of the image",
    "image url",
];

pub fn description_denies(desc: &str) -> bool {
    let d = desc.to_ascii_lowercase();
    NEGATIVE.iter().any(|w| d.contains(w))
}

/// The description says the field holds a whole reference, whatever its name
/// (`version` that "allows full image refs", `configReloaderImageTag` that
/// "defines image:tag").
pub fn description_claims_whole_image(desc: &str) -> bool {
    let d = desc.to_ascii_lowercase();
    [
        "full image",
        "image:tag",
        "<image>:<tag>",
        "image reference",
        "container image name",
        "container image to use",
        "docker image to use",
        "fully qualified image",
        "image name including",
    ]
    .iter()
    .any(|w| d.contains(w))
}

/// The description calls the field only a part of an image (name without
/// tag, a tag, a registry), so it is no whole reference on its own.
pub fn description_says_part(desc: &str) -> bool {
    let d = desc.to_ascii_lowercase();
    [
        "without tag",
        "without the tag",
        "image tag",
        "tag of the",
        "image registry",
        "registry to use",
    ]
    .iter()
    .any(|w| d.contains(w))
        && !description_claims_whole_image(desc)
}

/// The description of a `version`/`tag`-like field says it is an image tag.
pub fn description_says_tag(desc: &str) -> bool {
    let d = desc.to_ascii_lowercase();
    d.contains("tag")
}

/// Pod-spec lists whose containers Tilt itself ignores in built-in kinds and
/// that people rarely set in manifests.
pub fn is_optional_container_list(key: &str) -> bool {
    key == "ephemeralContainers"
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
