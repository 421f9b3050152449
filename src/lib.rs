//! tilt-img: find the image fields of Kubernetes custom resources and write
//! the `k8s_kind()` lines that make Tilt inject its builds into them.
//!
//! Stages, one module each: [`load`] (files → objects) → [`infer`] (objects →
//! image fields per kind) → [`render`] (report → text, Tiltfile, JSON).
//! [`scan`] wires them together; `ARCHITECTURE.md` has the map.

pub mod check;
pub mod cli;
pub mod diag;
pub mod doctor;
pub mod fix;
pub mod imageref;
pub mod infer;
pub mod jsonpath;
pub mod load;
pub mod model;
pub mod path;
pub mod reference;
pub mod registry;
pub mod render;
pub mod scan;
