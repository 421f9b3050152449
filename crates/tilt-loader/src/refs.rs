//! The slice of image-reference semantics the loader needs, over
//! [`crate::reference`] (Go-exact parsing and Tilt's selectors).

pub use crate::reference::{Named, RefSelector, did_you_mean};

/// Tilt's `container.ParseNamed`, with Go's error text.
pub fn parse_ref(s: &str) -> Result<Named, String> {
    Named::parse_normalized(s)
}
