//! Source 3: what operators document. The built-in knowledge base
//! (`knowledge/operators.toml`, compiled in) and the user's `.tilt-img.toml`
//! share one format, so a user entry reads like a built-in one.

use crate::report::{ImageField, KindKey, SplitImage};
use serde::Deserialize;
use std::collections::HashMap;
use tilt_loader::fieldpath::FieldPath;

const BUILTIN: &str = include_str!("../../../../knowledge/operators.toml");

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct KnowledgeFile {
    #[serde(default)]
    pub kinds: Vec<KindEntry>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct KindEntry {
    pub group: String,
    pub kind: String,
    #[serde(default)]
    pub operator: Option<String>,
    /// Documentation URL (built-in entries).
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub fields: Vec<String>,
    #[serde(default)]
    pub splits: Vec<SplitEntry>,
    #[serde(default)]
    pub not_images: Vec<String>,
    /// Config only: drop the kind from the report and the snippet.
    #[serde(default)]
    pub ignore: bool,
    /// Config only: use exactly these fields, nothing inferred.
    #[serde(default)]
    pub replace: bool,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct SplitEntry {
    pub repo: String,
    #[serde(default)]
    pub tag: Option<String>,
    #[serde(default)]
    pub registry: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub digest: Option<String>,
}

/// A knowledge entry with its paths parsed.
#[derive(Debug, Clone)]
pub struct KindKnowledge {
    pub entry: KindEntry,
    pub fields: Vec<ImageField>,
    pub not_images: Vec<FieldPath>,
}

#[derive(Debug, Default)]
pub struct Knowledge {
    pub kinds: HashMap<KindKey, KindKnowledge>,
}

impl Knowledge {
    pub fn builtin() -> Knowledge {
        // The file is ours and tested; a mistake in it is a bug, not input.
        Knowledge::parse(BUILTIN).expect("knowledge/operators.toml is valid (see tests)")
    }

    pub fn parse(text: &str) -> Result<Knowledge, String> {
        let file: KnowledgeFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut kinds = HashMap::new();
        for entry in file.kinds {
            let k = KindKnowledge::from_entry(entry)?;
            kinds.insert(KindKey::new(&k.entry.group, &k.entry.kind), k);
        }
        Ok(Knowledge { kinds })
    }

    pub fn get(&self, key: &KindKey) -> Option<&KindKnowledge> {
        self.kinds.get(key)
    }
}

impl KindKnowledge {
    fn from_entry(entry: KindEntry) -> Result<KindKnowledge, String> {
        let at = |p: &str| {
            FieldPath::parse(p).map_err(|e| format!("{}/{}: {e}", entry.group, entry.kind))
        };
        let mut fields = Vec::new();
        for f in &entry.fields {
            fields.push(ImageField::Whole(at(f)?));
        }
        for s in &entry.splits {
            let repo = at(&s.repo)?;
            let object = repo.parent();
            let part = |p: &Option<String>| -> Result<Option<String>, String> {
                match p {
                    None => Ok(None),
                    Some(p) => {
                        let fp = at(p)?;
                        if fp.parent() != object {
                            return Err(format!(
                                "{}/{}: split part `{p}` is not a sibling of `{}`",
                                entry.group, entry.kind, s.repo
                            ));
                        }
                        Ok(fp.last_key().map(str::to_string))
                    }
                }
            };
            fields.push(ImageField::Split(SplitImage {
                object: object.clone(),
                registry: part(&s.registry)?,
                repo: repo.last_key().unwrap_or_default().to_string(),
                name: part(&s.name)?,
                tag: part(&s.tag)?,
                digest: part(&s.digest)?,
            }));
        }
        let not_images = entry
            .not_images
            .iter()
            .map(|p| at(p))
            .collect::<Result<_, _>>()?;
        Ok(KindKnowledge {
            entry,
            fields,
            not_images,
        })
    }

    /// Where the evidence points: the docs URL, or the config file.
    pub fn cite(&self) -> String {
        self.entry.source.clone().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_knowledge_parses_and_paths_are_canonical() {
        let k = Knowledge::builtin();
        assert!(k.kinds.len() >= 20, "only {} kinds", k.kinds.len());
        for kk in k.kinds.values() {
            assert!(
                kk.entry
                    .source
                    .as_deref()
                    .is_some_and(|s| s.starts_with("https://")),
                "{}/{} lacks a source URL",
                kk.entry.group,
                kk.entry.kind
            );
            for f in &kk.fields {
                assert!(!f.anchor().is_empty() || matches!(f, ImageField::Split(_)));
            }
        }
    }

    #[test]
    fn split_parts_must_be_siblings() {
        let bad = "[[kinds]]\ngroup='a'\nkind='B'\nsplits=[{repo='spec.image.repository', tag='spec.tag'}]\n";
        assert!(Knowledge::parse(bad).unwrap_err().contains("sibling"));
    }
}
