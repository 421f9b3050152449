//! The architecture, enforced: the loader crate depends on no other crate
//! of the workspace, and within each crate the top-level modules (stage
//! folders and files) import each other without a cycle. ARCHITECTURE.md
//! draws the same graph.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn crate_src(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(name)
        .join("src")
}

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `crate::x` (and, in a top-level file, `super::x`) outside comments.
fn references(text: &str, top_level_file: bool) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        for prefix in ["crate::", "super::"] {
            if prefix == "super::" && !top_level_file {
                continue;
            }
            for (i, _) in code.match_indices(prefix) {
                let before = code[..i].chars().last();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                let name: String = code[i + prefix.len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.insert(name);
                }
            }
        }
    }
    out
}

/// Module → the top-level modules it uses.
fn graph(name: &str) -> BTreeMap<String, BTreeSet<String>> {
    let src = crate_src(name);
    let mut files = Vec::new();
    rs_files(&src, &mut files);
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in files {
        let rel = f.strip_prefix(&src).unwrap();
        let mut comps = rel.components();
        let first = comps
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .to_string();
        let top_level_file = comps.next().is_none();
        let module = first.trim_end_matches(".rs").to_string();
        if module == "lib" || module == "main" {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        let entry = g.entry(module.clone()).or_default();
        for r in references(&text, top_level_file) {
            if r != module {
                entry.insert(r);
            }
        }
    }
    // Only edges to modules of this crate count.
    let modules: BTreeSet<String> = g.keys().cloned().collect();
    for deps in g.values_mut() {
        deps.retain(|d| modules.contains(d));
    }
    g
}

fn cycle(g: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        g: &BTreeMap<String, BTreeSet<String>>,
        n: &str,
        state: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(n.to_string(), 1);
        path.push(n.to_string());
        for d in g.get(n).into_iter().flatten() {
            match state.get(d) {
                Some(1) => {
                    let start = path.iter().position(|p| p == d).unwrap();
                    let mut c = path[start..].to_vec();
                    c.push(d.clone());
                    return Some(c);
                }
                Some(_) => {}
                None => {
                    if let Some(c) = visit(g, d, state, path) {
                        return Some(c);
                    }
                }
            }
        }
        path.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in g.keys() {
        if !state.contains_key(n)
            && let Some(c) = visit(g, n, &mut state, &mut Vec::new())
        {
            return Some(c);
        }
    }
    None
}

#[test]
fn stages_import_each_other_without_a_cycle() {
    for name in ["tilt-loader", "tilt-img-core"] {
        let g = graph(name);
        assert!(g.len() > 5, "{name}: found only {:?}", g.keys());
        if let Some(c) = cycle(&g) {
            panic!("{name}: import cycle {}", c.join(" → "));
        }
    }
}

#[test]
fn the_loader_depends_on_no_other_workspace_crate() {
    let manifest = std::fs::read_to_string(crate_src("tilt-loader").join("../Cargo.toml")).unwrap();
    let deps = manifest.split("[dependencies]").nth(1).unwrap_or("");
    let deps = deps.split("\n[").next().unwrap_or("");
    for crate_name in ["tilt-img-core", "tilt-img ", "tilt-img="] {
        assert!(
            !deps.contains(crate_name),
            "tilt-loader depends on {crate_name}"
        );
    }
    assert!(
        !deps.contains("path"),
        "tilt-loader has a path dependency:\n{deps}"
    );
    // And no source file names a workspace crate.
    let mut files = Vec::new();
    rs_files(&crate_src("tilt-loader"), &mut files);
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(
            !text.contains("tilt_img_core::"),
            "{} uses tilt_img_core",
            f.display()
        );
    }
}

#[test]
fn the_checker_sees_a_cycle() {
    let mut g = BTreeMap::new();
    g.insert("a".to_string(), BTreeSet::from(["b".to_string()]));
    g.insert("b".to_string(), BTreeSet::from(["a".to_string()]));
    assert!(cycle(&g).is_some());
    assert_eq!(
        references("use crate::scan::x; // crate::infer\nsuper::load::y", true),
        BTreeSet::from(["load".to_string(), "scan".to_string()])
    );
}
