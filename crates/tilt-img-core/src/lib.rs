//! tilt-img's library: find the image fields of Kubernetes custom resources
//! and write the Tilt calls that make Tilt inject its builds into them; the
//! local-registry model and `doctor`.
//!
//! Stages, one module each: [`load`] (files → objects) → [`infer`] (objects →
//! image fields per kind) → [`render`] (report → text, Tiltfile, JSON), and
//! [`prove`] (generated lines run in the loader before they are shown).
//! [`scan`] wires them together; [`check`] adds inference's fixes to the
//! loader's result; [`fix`] keeps the generated block in a Tiltfile;
//! [`registry`] and [`doctor`] read registry configs. `ARCHITECTURE.md` has
//! the map.
//!
//! Invariant: Tilt's behaviour comes from `tilt_loader` only; this crate
//! never re-implements a piece of Tilt, and knows nothing of the CLI.

pub mod annotation;
pub mod check;
pub mod codegen;
pub mod diag;
pub mod docs;
pub mod doctor;
pub mod escape;
pub mod fix;
pub mod image_text;
pub mod infer;
pub mod load;
pub mod prove;
pub mod registry;
pub mod render;
pub mod report;
pub mod scan;
