//! Stage 3: turn a [`ScanReport`](crate::report::ScanReport) into text, a
//! Tiltfile snippet, or JSON. Renderers only format; they decide nothing.

pub mod github;
pub mod json;
pub mod sarif;
pub mod text;
pub mod tiltfile;
