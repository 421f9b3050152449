//! Stage 3: turn a [`ScanReport`](crate::report::ScanReport) into text, a
//! Tiltfile snippet, or JSON. Renderers only format; they decide nothing.

pub mod json;
pub mod text;
pub mod tiltfile;
