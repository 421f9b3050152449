//! Local registries: what the files in a tree say about where images are
//! pushed and pulled ([`model`]), how they are read ([`sources`]), and what a
//! registry actually answers ([`probe`]). `doctor` and `scan` build on it.

pub mod host;
pub mod model;
pub mod plan;
pub mod probe;
pub mod sources;
pub mod tree;

pub use model::Model;
