//! Where the docs live: links that SARIF `helpUri`s, `--explain` and error
//! messages give. The project's address is spelled once, in the workspace
//! Cargo.toml (`repository`); a fork changes it there.

/// The project's repository (Cargo's `repository`).
pub const REPOSITORY: &str = env!("CARGO_PKG_REPOSITORY");

/// The docs page `page` (under docs/) at `anchor`, as an absolute URL.
pub fn url(page: &str, anchor: &str) -> String {
    format!("{REPOSITORY}/blob/main/docs/{page}#{anchor}")
}
