//! The positioned document tree every reader builds (YAML and JSON here,
//! TOML in tilt-img's registry reader): each node keeps its line, so every
//! finding can name file:line.

pub mod sieve;
mod yaml;
pub use yaml::*;

/// Bytes of text that cost as much as one node in the alias budget (a node
/// takes about this much memory).
pub const TEXT_UNIT: usize = 64;

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    /// 1-based line where the node starts.
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// Kept as written: we never compute with numbers, only tell them from strings.
    Number(String),
    String(String),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_line: u32,
    pub value: Node,
}

impl Node {
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|e| e.key == key).map(|e| &e.value),
            _ => None,
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
    pub fn str_at(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Node::as_str)
    }
    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }
    /// Follows a path of keys.
    pub fn at(&self, path: &[&str]) -> Option<&Node> {
        path.iter().try_fold(self, |n, k| n.get(k))
    }
    /// A map's entries; none for anything else.
    pub fn entries(&self) -> &[Entry] {
        self.as_map().unwrap_or(&[])
    }
    /// A string, or the strings of a list, each with its line.
    pub fn strings(&self) -> Vec<(String, u32)> {
        match &self.value {
            Value::String(s) => vec![(s.clone(), self.line)],
            Value::Seq(items) => items
                .iter()
                .filter_map(|i| i.as_str().map(|s| (s.to_string(), i.line)))
                .collect(),
            _ => vec![],
        }
    }
    /// A boolean, also when written as the string `true`/`false` (configs
    /// written by hand do both).
    pub fn truthy(&self) -> Option<bool> {
        match &self.value {
            Value::Bool(b) => Some(*b),
            Value::String(s) => match s.as_str() {
                "true" | "True" => Some(true),
                "false" | "False" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }
    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }
    /// What a copy of this subtree costs against the alias budget: one per
    /// node, plus one per [`TEXT_UNIT`] bytes of text (scalars and keys), so
    /// that copies of one long string count for what they take too.
    pub(crate) fn cost(&self) -> usize {
        1 + match &self.value {
            Value::String(s) | Value::Number(s) => s.len() / TEXT_UNIT,
            Value::Seq(items) => items.iter().map(Node::cost).sum(),
            Value::Map(entries) => entries
                .iter()
                .map(|e| e.key.len() / TEXT_UNIT + e.value.cost())
                .sum(),
            _ => 0,
        }
    }
    /// Converts to JSON, for renderers and for Tilt's JSONPath evaluation later.
    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => serde_json::from_str::<serde_json::Number>(n)
                .map(serde_json::Value::Number)
                .unwrap_or_else(|_| serde_json::Value::String(n.clone())),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::Seq(items) => {
                serde_json::Value::Array(items.iter().map(Node::to_json).collect())
            }
            Value::Map(entries) => serde_json::Value::Object(
                entries
                    .iter()
                    .map(|e| (e.key.clone(), e.value.to_json()))
                    .collect(),
            ),
        }
    }

    /// The tree of a JSON value (objects from the loader, lines unknown: 0).
    pub fn from_json(v: &serde_json::Value) -> Node {
        use serde_json::Value as J;
        let value = match v {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => Value::Number(n.to_string()),
            J::String(s) => Value::String(s.clone()),
            J::Array(a) => Value::Seq(a.iter().map(Node::from_json).collect()),
            J::Object(o) => Value::Map(
                o.iter()
                    .map(|(k, v)| Entry {
                        key: k.clone(),
                        key_line: 0,
                        value: Node::from_json(v),
                    })
                    .collect(),
            ),
        };
        Node { value, line: 0 }
    }
}
