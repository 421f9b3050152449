//! Helpers shared by the integration tests.

use std::path::Path;

/// Copies a directory tree, leaving out entries named in `skip`.
#[allow(dead_code)] // each test crate uses what it needs
pub fn copy_dir_except(from: &Path, to: &Path, skip: &[&str]) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        if skip.iter().any(|s| e.file_name() == *s) {
            continue;
        }
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if src.is_dir() {
            copy_dir_except(&src, &dst, skip);
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

#[allow(dead_code)]
pub fn copy_dir(from: &Path, to: &Path) {
    copy_dir_except(from, to, &[]);
}
