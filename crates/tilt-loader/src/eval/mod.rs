//! Stage 1 of the loader: a Tiltfile runs in the `starlark` crate with
//! Tilt's builtins. [`preprocess`] rewrites Tilt's `while`; [`runner`]
//! executes files (Tilt's load cache, one step budget) and formats errors
//! as Go Starlark tracebacks; [`builtins`] and [`stdlib`] are Tilt's API,
//! with [`args`] (Go's argument unpacking) and [`values`]; [`context`] is
//! what every builtin shares, the sandbox included; [`limits`] the
//! memory cap; [`host`] is how a
//! command reaches the program embedding the loader.
//!
//! The modules here call each other (a builtin such as `include` runs the
//! runner again); nothing outside this folder is called back.

pub mod args;
pub mod builtins;
pub mod context;
pub mod host;
pub mod limits;
pub mod preprocess;
pub mod resources;
pub mod runner;
pub mod stdlib;
pub mod values;

pub use limits::DEFAULT_MAX_MEMORY;
pub use runner::{DEFAULT_MAX_STEPS, Runner, globals};
