//! What a reader keeps of the objects it builds. A streaming `scan` needs
//! only the image-related parts of most objects, and building the rest
//! (every ConfigMap's data, every env var) is most of the cost of reading a
//! manifest tree. A [`Sieve`] says, per object, what to build; the builder
//! then makes no node (and copies no text) for what is not kept.
//!
//! What is kept is a superset of what the caller's own reduction keeps, so
//! sieving while parsing and reducing afterwards give the same result as
//! reducing a whole tree. Where that cannot be promised (an anchor inside a
//! part not built whole: an alias would copy a partial node), the file is
//! parsed again without the sieve.

/// How one object (a document's root mapping, or an item of a `*List`) is
/// built, decided once its `apiVersion` and `kind` are read. Keys that come
/// before them are built whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Everything.
    Whole,
    /// `apiVersion`, `kind`, the identity in `metadata` (`name`,
    /// `namespace`, `generateName`), the values under keys
    /// [`Sieve::keeps`], and of the rest only the shape: keys, mappings and
    /// sequences, with scalars as `null`.
    Shape,
    /// `apiVersion`, `kind` and the identity in `metadata`; nothing else.
    Identity,
}

pub trait Sieve: Sync {
    /// How to build an object of this `apiVersion` and `kind` (a kind
    /// ending in `List` with `items` is read as a list of objects instead).
    fn object(&self, api_version: &str, kind: &str) -> Keep;
    /// In a [`Keep::Shape`] object, whether the value under `key` is built
    /// whole.
    fn keeps(&self, key: &str) -> bool;
}

/// How the builder treats the node it is building.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Mode {
    Whole,
    Shape,
    /// An object's `metadata`: only the identity keys.
    Meta,
    /// The `items` of a `*List`: each mapping is an object.
    Items,
    /// An object's root mapping, with what is known of it so far.
    Root(Head),
    /// Nothing is built.
    Skip,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Head {
    api_version: Option<String>,
    kind: Option<String>,
    /// `None` until both are known; a `*List` is `Some(None)`.
    keep: Option<Option<Keep>>,
}

impl Head {
    /// Records `apiVersion` / `kind` (string values only) and decides once
    /// both are known. Returns false when one comes again after the
    /// decision (a repeated key: the last one wins, so what was built under
    /// the first may be wrong; the caller reads the file whole).
    pub(super) fn saw(&mut self, key: &str, value: &super::Value, sieve: &dyn Sieve) -> bool {
        if !matches!(key, "apiVersion" | "kind") {
            return true;
        }
        if self.keep.is_some() {
            return false;
        }
        let super::Value::String(s) = value else {
            return true;
        };
        match key {
            "apiVersion" => self.api_version = Some(s.clone()),
            _ => self.kind = Some(s.clone()),
        }
        if let (Some(a), Some(k)) = (&self.api_version, &self.kind) {
            self.keep = Some(if k.ends_with("List") {
                None
            } else {
                Some(sieve.object(a, k))
            });
        }
        true
    }

    /// The mode of the value under `key` of this root.
    fn child(&self, key: &str, sieve: &dyn Sieve) -> Mode {
        let identity = |key: &str| match key {
            "apiVersion" | "kind" => Some(Mode::Whole),
            "metadata" => Some(Mode::Meta),
            _ => None,
        };
        match self.keep {
            None | Some(Some(Keep::Whole)) => Mode::Whole,
            Some(None) if key == "items" => Mode::Items,
            Some(None) => Mode::Whole,
            Some(Some(Keep::Shape)) => identity(key).unwrap_or(if sieve.keeps(key) {
                Mode::Whole
            } else {
                Mode::Shape
            }),
            Some(Some(Keep::Identity)) => identity(key).unwrap_or(Mode::Skip),
        }
    }
}

impl Mode {
    /// The mode of a value under `key` (`None`: an item of a sequence).
    pub(super) fn child(&self, key: Option<&str>, sieve: &dyn Sieve) -> Mode {
        match (self, key) {
            (Mode::Whole, _) => Mode::Whole,
            (Mode::Skip, _) => Mode::Skip,
            (Mode::Shape, Some(k)) if sieve.keeps(k) => Mode::Whole,
            (Mode::Shape, _) => Mode::Shape,
            (Mode::Meta, Some("name" | "namespace" | "generateName")) => Mode::Whole,
            (Mode::Meta, _) => Mode::Skip,
            (Mode::Items, None) => Mode::Root(Head::default()),
            (Mode::Items, Some(_)) => Mode::Whole,
            (Mode::Root(h), Some(k)) => h.child(k, sieve),
            (Mode::Root(_), None) => Mode::Whole,
        }
    }

    /// Whether a node built in this mode is the node a whole parse builds
    /// (an anchor on any other would give its aliases a partial copy).
    pub(super) fn is_whole(&self) -> bool {
        matches!(self, Mode::Whole)
    }
}
