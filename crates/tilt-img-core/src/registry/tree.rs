//! One positioned tree for every registry config format.
//!
//! k3s and k3d write YAML, containerd and kind patches TOML, Docker JSON.
//! Rules should not care which: TOML is converted into the same [`Node`]
//! tree the YAML loader builds (JSON is YAML already), with 1-based lines.

use tilt_loader::tree::{self, Entry, Node, Value};
use toml::de::{DeTable, DeValue};

/// Parses a single-document YAML or JSON text. `Err((line, message))`.
pub fn parse_yaml(text: &str) -> Result<Node, (u32, String)> {
    parse_yaml_within(text, &tree::AliasBudget::per_run()).map_err(|e| (e.line.max(1), e.message))
}

/// The same, drawing on a run's alias budget; the loader's error as is.
pub fn parse_yaml_within(text: &str, run: &tree::AliasBudget) -> Result<Node, tree::YamlError> {
    let parsed = tree::parse_stream_within(text, run);
    if let Some(e) = parsed.error {
        return Err(e);
    }
    Ok(parsed
        .documents
        .into_iter()
        .next()
        .map(|d| d.root)
        .unwrap_or(Node {
            value: Value::Null,
            line: 1,
        }))
}

/// Parses TOML into a [`Node`] tree. `Err((line, message))`.
pub fn parse_toml(text: &str) -> Result<Node, (u32, String)> {
    let lines = LineIndex::new(text);
    match DeTable::parse(text) {
        Ok(table) => Ok(Node {
            line: 1,
            value: Value::Map(table_entries(table.get_ref(), &lines)),
        }),
        Err(e) => {
            let line = e.span().map(|s| lines.line(s.start)).unwrap_or(1);
            // toml's message carries a source excerpt; the first line is the point.
            let msg = e
                .message()
                .lines()
                .next()
                .unwrap_or("invalid TOML")
                .to_string();
            Err((line, msg))
        }
    }
}

fn table_entries(table: &DeTable<'_>, lines: &LineIndex) -> Vec<Entry> {
    table
        .iter()
        .map(|(k, v)| {
            let key_line = lines.line(k.span().start);
            Entry {
                key: k.get_ref().to_string(),
                key_line,
                value: to_node(v.get_ref(), lines.line(v.span().start), lines),
            }
        })
        .collect()
}

fn to_node(v: &DeValue<'_>, line: u32, lines: &LineIndex) -> Node {
    let value = match v {
        DeValue::String(s) => Value::String(s.to_string()),
        DeValue::Integer(i) => Value::Number(i.to_string()),
        DeValue::Float(f) => Value::Number(f.to_string()),
        DeValue::Boolean(b) => Value::Bool(*b),
        DeValue::Datetime(d) => Value::String(d.to_string()),
        DeValue::Array(items) => Value::Seq(
            items
                .iter()
                .map(|i| to_node(i.get_ref(), lines.line(i.span().start), lines))
                .collect(),
        ),
        DeValue::Table(t) => Value::Map(table_entries(t, lines)),
    };
    Node { value, line }
}

/// Byte offset → 1-based line.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }
    fn line(&self, offset: usize) -> u32 {
        let idx = self.starts.partition_point(|&s| s <= offset);
        u32::try_from(idx.max(1)).unwrap_or(u32::MAX)
    }
}

/// Strings of a sequence node (non-strings skipped); a lone string counts as one.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_lines_match_the_text() {
        let t = "version = 2\n\n[plugins.\"io.containerd.grpc.v1.cri\".registry]\n  config_path = \"/etc/containerd/certs.d\"\n";
        let n = parse_toml(t).unwrap();
        let reg = n
            .at(&["plugins", "io.containerd.grpc.v1.cri", "registry"])
            .unwrap();
        let cp = reg.get("config_path").unwrap();
        assert_eq!(cp.as_str(), Some("/etc/containerd/certs.d"));
        assert_eq!(cp.line, 4);
    }

    #[test]
    fn toml_errors_have_lines() {
        let (line, msg) = parse_toml("a = 1\n[host.\"x\"]\n[host.\"x\"]\n").unwrap_err();
        assert_eq!(line, 3, "{msg}");
    }
}
