//! YAML (and JSON, which YAML reads too) into a positioned tree.
//!
//! We build our own tree from `saphyr-parser` events instead of using a
//! serde deserializer because findings carry file:line, and because the input
//! is untrusted: aliases are expanded against a node budget per file (an
//! alias bomb ends in an error, not in gigabytes), and against one for the
//! whole run when a caller parses many files ([`AliasBudget`]); nesting is
//! capped so that no recursive walk over the tree, including `Drop`, can
//! overflow the stack.

use super::sieve::{Head, Mode, Sieve};
use super::{Entry, Node, Value};
use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Deeper nesting than this is rejected. Real manifests and CRD schemas stay
/// well under 100 levels.
pub const MAX_DEPTH: usize = 256;
/// Nodes that alias expansion may create in one file (one parse of a whole
/// stream, every document of it): about 64 MB. Copies of anchored nodes count
/// too, and text counts one node per [`super::TEXT_UNIT`] bytes.
pub const MAX_ALIAS_NODES: usize = 1_000_000;
/// Nodes that alias expansion may create over all the files of one run
/// ([`AliasBudget::per_run`]): about 500 MB.
pub const MAX_RUN_ALIAS_NODES: usize = 8_000_000;

/// An alias-expansion budget shared by every file one run parses, on any
/// thread: without it, many files each just under [`MAX_ALIAS_NODES`] would
/// still add up to gigabytes. Which file runs out first can depend on the
/// order threads take files in; a run whose files stay in budget is not
/// affected.
#[derive(Debug)]
pub struct AliasBudget {
    left: AtomicUsize,
    total: usize,
}

impl AliasBudget {
    pub fn new(total: usize) -> Self {
        AliasBudget {
            left: AtomicUsize::new(total),
            total,
        }
    }
    /// [`MAX_RUN_ALIAS_NODES`].
    pub fn per_run() -> Self {
        Self::new(MAX_RUN_ALIAS_NODES)
    }
    pub fn total(&self) -> usize {
        self.total
    }
    /// What the run's parses have taken so far.
    pub fn spent(&self) -> usize {
        self.total - self.left.load(Ordering::Relaxed)
    }
    fn take(&self, n: usize) -> bool {
        self.left
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |l| l.checked_sub(n))
            .is_ok()
    }
    fn give_back(&self, n: usize) {
        self.left.fetch_add(n, Ordering::Relaxed);
    }
}

impl Default for AliasBudget {
    fn default() -> Self {
        Self::per_run()
    }
}

/// One document of a stream. `root` is `Null` for an empty document.
#[derive(Debug)]
pub struct Document {
    pub root: Node,
    pub line: u32,
}

/// A parse failure at a line; documents before it were still returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub line: u32,
    pub message: String,
    /// Alias expansion ran out of the file's or the run's budget: the text
    /// may be valid YAML, too costly to expand.
    pub over_budget: bool,
}

pub struct Parsed {
    pub documents: Vec<Document>,
    pub error: Option<YamlError>,
}

enum Frame {
    Seq {
        anchor: usize,
        line: u32,
        items: Vec<Node>,
        mode: Mode,
    },
    Map {
        anchor: usize,
        line: u32,
        entries: OpenMap,
        /// The pending key, its line, and whether it is a merge key.
        key: Option<(String, u32, bool)>,
        mode: Mode,
    },
    /// A collection the sieve does not keep: its events are only counted.
    Skip,
}

/// A mapping index is built once a mapping has this many entries; smaller
/// ones (nearly every Kubernetes mapping) are searched in place.
const INDEX_FROM: usize = 16;

/// The entries of a mapping being built. Keys are unique (a repeated key
/// replaces the value, a merged key never replaces one); once the mapping is
/// large, a key-to-position index makes each insert O(1), so a mapping of
/// many thousand keys is not quadratic. The index is dropped with the frame.
#[derive(Default)]
struct OpenMap {
    entries: Vec<Entry>,
    index: Option<HashMap<String, usize>>,
}

impl OpenMap {
    fn position(&mut self, key: &str) -> Option<usize> {
        if self.index.is_none() && self.entries.len() >= INDEX_FROM {
            let index = self
                .entries
                .iter()
                .enumerate()
                .map(|(i, e)| (e.key.clone(), i))
                .collect();
            self.index = Some(index);
        }
        match &self.index {
            Some(index) => index.get(key).copied(),
            None => self.entries.iter().position(|e| e.key == key),
        }
    }

    fn push(&mut self, entry: Entry) {
        if let Some(index) = &mut self.index {
            index.insert(entry.key.clone(), self.entries.len());
        }
        self.entries.push(entry);
    }

    /// A key written in the mapping: the last one wins, as in the YAML
    /// libraries Kubernetes uses (in the place of the first).
    fn insert(&mut self, entry: Entry) {
        match self.position(&entry.key) {
            Some(i) => {
                let existing = &mut self.entries[i];
                existing.value = entry.value;
                existing.key_line = entry.key_line;
            }
            None => self.push(entry),
        }
    }

    /// A key from a merge (`<<`): keys already present win.
    fn insert_if_absent(&mut self, entry: Entry) {
        if self.position(&entry.key).is_none() {
            self.push(entry);
        }
    }
}

/// Builds the documents of one stream, one after the other.
struct Builder<'r> {
    stack: Vec<Frame>,
    /// Anchored nodes of the current document, with their cost.
    anchors: HashMap<usize, (Node, usize)>,
    doc_line: u32,
    root: Option<Node>,
    /// What alias expansion may still create in this file.
    left: usize,
    /// What this parse took from the run's budget: for the documents kept,
    /// and `doc_spent` for the current one.
    spent: usize,
    doc_spent: usize,
    run: Option<&'r AliasBudget>,
    lines: std::rc::Rc<LineIndex>,
    sieve: Option<&'r dyn Sieve>,
    /// An anchor was set on a node the sieve did not build whole: the parse
    /// must be done again without the sieve.
    sieve_lost: bool,
}

/// Character offset → 1-based line, counting `\n` only: findings name the
/// line an editor or `grep -n` shows. (saphyr also breaks lines at a lone
/// `\r` and may place an end-of-input error on a line past the last.)
struct LineIndex {
    breaks: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        // Spans count characters. In ASCII text (nearly every manifest) a
        // byte offset is one, and `match_indices` finds the breaks with a
        // vectorized search instead of decoding every character.
        let breaks = if text.is_ascii() {
            text.match_indices('\n').map(|(i, _)| i).collect()
        } else {
            text.chars()
                .enumerate()
                .filter(|&(_, c)| c == '\n')
                .map(|(i, _)| i)
                .collect()
        };
        LineIndex { breaks }
    }
    fn line(&self, char_index: usize) -> u32 {
        let line = self.breaks.partition_point(|&b| b < char_index) + 1;
        u32::try_from(line).unwrap_or(u32::MAX)
    }
    fn line_of(&self, span: &Span) -> u32 {
        self.line(span.start.index())
    }
}

impl<'r> Builder<'r> {
    fn new(
        run: Option<&'r AliasBudget>,
        lines: std::rc::Rc<LineIndex>,
        sieve: Option<&'r dyn Sieve>,
    ) -> Self {
        Builder {
            lines,
            sieve,
            sieve_lost: false,
            stack: Vec::new(),
            anchors: HashMap::new(),
            doc_line: 1,
            root: None,
            left: MAX_ALIAS_NODES,
            spent: 0,
            doc_spent: 0,
            run,
        }
    }

    /// Starts a document; anchors do not cross documents, budgets do.
    fn begin(&mut self, doc_line: u32) {
        self.stack.clear();
        self.anchors.clear();
        self.root = None;
        self.doc_line = doc_line;
        // A document left open is dropped.
        self.abandon();
    }

    /// The current document is dropped: what it took goes back to the run.
    fn abandon(&mut self) {
        if let Some(run) = self.run {
            run.give_back(std::mem::take(&mut self.doc_spent));
        }
    }

    /// Takes `cost` from the file's budget and the run's.
    fn charge(&mut self, cost: usize, line: u32) -> Result<(), YamlError> {
        let refuse = |message: String| YamlError {
            line,
            message,
            over_budget: true,
        };
        if cost > self.left {
            return Err(refuse(format!(
                "alias expansion exceeds the budget of {MAX_ALIAS_NODES} nodes per file (a YAML alias bomb?); refusing to expand"
            )));
        }
        if let Some(run) = self.run {
            if !run.take(cost) {
                return Err(refuse(format!(
                    "alias expansion exceeds the budget of {} nodes for all the files of this run (a YAML alias bomb here or in other files?); refusing to expand",
                    run.total()
                )));
            }
            self.doc_spent += cost;
        }
        self.left -= cost;
        Ok(())
    }

    /// Keeps a copy of an anchored node for its aliases; the copy counts.
    /// `partial`: the sieve did not build the node whole, so an alias would
    /// copy less than a whole parse does (the file is then read again).
    fn remember(
        &mut self,
        anchor: usize,
        node: &Node,
        line: u32,
        partial: bool,
    ) -> Result<(), YamlError> {
        self.sieve_lost |= anchor != 0 && partial;
        if anchor != 0 {
            let cost = node.cost();
            self.charge(cost, line)?;
            self.anchors.insert(anchor, (node.clone(), cost));
        }
        Ok(())
    }

    /// Places a finished node into its parent (or as the document root).
    /// `merge`: the node is a plain (or `!!merge`) `<<` scalar, which is a
    /// merge key when it stands as a key; a quoted `"<<"` is an ordinary key,
    /// as in the YAML libraries Kubernetes uses (and in JSON).
    fn attach(&mut self, node: Node, merge: bool) -> Result<(), YamlError> {
        let sieve = self.sieve;
        let lost = &mut self.sieve_lost;
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Skip) => {}
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries, key, mode, ..
            }) => match key.take() {
                None => {
                    let text = match &node.value {
                        Value::String(s) | Value::Number(s) => s.clone(),
                        Value::Bool(b) => b.to_string(),
                        Value::Null => "null".to_string(),
                        Value::Seq(_) | Value::Map(_) => {
                            return Err(YamlError {
                                line: node.line,
                                message: "a mapping key is itself a list or mapping; Kubernetes objects only use plain keys".into(),
                                over_budget: false,
                            });
                        }
                    };
                    *key = Some((text, node.line, merge));
                }
                Some((k, key_line, is_merge)) => {
                    if let (Some(sieve), Mode::Root(head)) = (sieve, mode)
                        && !head.saw(&k, &node.value, sieve)
                    {
                        *lost = true;
                    }
                    if is_merge {
                        merge_into(entries, node);
                    } else {
                        entries.insert(Entry {
                            key: k,
                            key_line,
                            value: node,
                        });
                    }
                }
            },
        }
        Ok(())
    }

    /// The mode of the node that comes next, and whether it is a mapping
    /// key (always built: a key is needed to place its value).
    fn next_mode(&self) -> (Mode, bool) {
        let Some(sieve) = self.sieve else {
            return (Mode::Whole, false);
        };
        match self.stack.last() {
            None => (Mode::Root(Head::default()), false),
            Some(Frame::Skip) => (Mode::Skip, false),
            Some(Frame::Seq { mode, .. }) => (mode.child(None, sieve), false),
            Some(Frame::Map { key: None, .. }) => (Mode::Whole, true),
            Some(Frame::Map {
                key: Some((k, _, _)),
                mode,
                ..
            }) => (mode.child(Some(k), sieve), false),
        }
    }

    /// A value the sieve does not keep: its key is dropped with it.
    fn discard(&mut self, anchor: usize) {
        self.sieve_lost |= anchor != 0;
        if let Some(Frame::Map { key, .. }) = self.stack.last_mut() {
            key.take();
        }
    }

    /// A sequence or mapping starts: a frame in the mode the sieve gives
    /// it. A root or `metadata` that is a sequence is built whole, and so is
    /// `items` when it is a mapping (neither is the shape the sieve reads).
    fn start(&mut self, anchor: usize, line: u32, map: bool) -> Result<(), YamlError> {
        let mode = match self.next_mode().0 {
            Mode::Skip => {
                self.sieve_lost |= anchor != 0;
                return self.open(Frame::Skip, line);
            }
            Mode::Items if map => Mode::Whole,
            Mode::Root(_) | Mode::Meta if !map => Mode::Whole,
            mode => mode,
        };
        let frame = match map {
            true => Frame::Map {
                anchor,
                line,
                entries: OpenMap::default(),
                key: None,
                mode,
            },
            false => Frame::Seq {
                anchor,
                line,
                items: Vec::new(),
                mode,
            },
        };
        self.open(frame, line)
    }

    fn open(&mut self, frame: Frame, line: u32) -> Result<(), YamlError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(YamlError {
                line,
                message: format!(
                    "nesting deeper than {MAX_DEPTH} levels; this is not a Kubernetes object"
                ),
                over_budget: false,
            });
        }
        self.stack.push(frame);
        Ok(())
    }

    fn on_event(&mut self, ev: Event<'_>, span: Span) -> Result<(), YamlError> {
        let line = self.lines.line_of(&span);
        match ev {
            Event::Scalar(text, style, anchor, tag) => {
                let (mode, is_key) = self.next_mode();
                if mode == Mode::Skip {
                    self.discard(anchor);
                    return Ok(());
                }
                let tag = tag.as_ref().map(|t| t.suffix.as_str());
                let merge = text == "<<"
                    && match tag {
                        None => style == ScalarStyle::Plain,
                        Some(t) => t == "merge",
                    };
                // The shape of an object without its payload: no text copied.
                let partial = mode == Mode::Shape && !is_key;
                let value = match partial {
                    true => Value::Null,
                    false => resolve_scalar(text, style, tag),
                };
                let node = Node { value, line };
                self.remember(anchor, &node, line, partial)?;
                self.attach(node, merge)?;
            }
            Event::SequenceStart(anchor, _) => self.start(anchor, line, false)?,
            Event::MappingStart(anchor, _) => self.start(anchor, line, true)?,
            Event::SequenceEnd | Event::MappingEnd => {
                let (anchor, mode, node) = match self.stack.pop() {
                    Some(Frame::Seq {
                        anchor,
                        line,
                        items,
                        mode,
                    }) => (
                        anchor,
                        mode,
                        Node {
                            value: Value::Seq(items),
                            line,
                        },
                    ),
                    Some(Frame::Map {
                        anchor,
                        line,
                        entries,
                        mode,
                        ..
                    }) => (
                        anchor,
                        mode,
                        Node {
                            value: Value::Map(entries.entries),
                            line,
                        },
                    ),
                    Some(Frame::Skip) => {
                        self.discard(0);
                        return Ok(());
                    }
                    None => return Ok(()),
                };
                self.remember(anchor, &node, node.line, !mode.is_whole())?;
                self.attach(node, false)?;
            }
            Event::Alias(id) => {
                if self.next_mode().0 == Mode::Skip {
                    self.discard(0);
                    return Ok(());
                }
                let Some(&(_, cost)) = self.anchors.get(&id) else {
                    return Err(YamlError {
                        line,
                        message: "alias to an unknown anchor".into(),
                        over_budget: false,
                    });
                };
                self.charge(cost, line)?;
                let mut node = self.anchors[&id].0.clone();
                node.line = line;
                self.attach(node, false)?;
            }
            _ => {}
        }
        Ok(())
    }

    fn finish(&mut self) -> Document {
        self.spent += std::mem::take(&mut self.doc_spent);
        self.stack.clear();
        self.anchors.clear();
        Document {
            root: self.root.take().unwrap_or(Node {
                value: Value::Null,
                line: self.doc_line,
            }),
            line: self.doc_line,
        }
    }
}

/// YAML merge key (`<<: *base`): keys already present win.
fn merge_into(entries: &mut OpenMap, node: Node) {
    let sources: Vec<Node> = match node.value {
        Value::Seq(items) => items,
        _ => vec![node],
    };
    for source in sources {
        if let Value::Map(src) = source.value {
            for e in src {
                entries.insert_if_absent(e);
            }
        }
    }
}

/// YAML 1.2 core schema, plus the YAML 1.1 booleans that Kubernetes' YAML
/// library still accepts (`yes`, `no`, `on`, `off`).
fn resolve_scalar(text: std::borrow::Cow<'_, str>, style: ScalarStyle, tag: Option<&str>) -> Value {
    // `into_owned`: the parser's own copy is kept, not copied again.
    match tag {
        Some("str") | Some("binary") => return Value::String(text.into_owned()),
        Some("null") => return Value::Null,
        Some("bool") => return Value::Bool(matches!(&*text, "true" | "True" | "TRUE")),
        Some("int") | Some("float") => return Value::Number(text.into_owned()),
        _ => {}
    }
    if style != ScalarStyle::Plain {
        return Value::String(text.into_owned());
    }
    match &*text {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Value::Bool(true),
        "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => {
            Value::Bool(false)
        }
        t if is_number(t) => Value::Number(text.into_owned()),
        _ => Value::String(text.into_owned()),
    }
}

fn is_number(t: &str) -> bool {
    let body = t.strip_prefix(['-', '+']).unwrap_or(t);
    if body.is_empty() {
        return false;
    }
    if let Some(hex) = body.strip_prefix("0x") {
        return !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit());
    }
    if let Some(oct) = body.strip_prefix("0o") {
        return !oct.is_empty() && oct.chars().all(|c| ('0'..='7').contains(&c));
    }
    if matches!(body, ".inf" | ".Inf" | ".INF") || matches!(t, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    // Decimal integer or float: digits, at most one dot, optional exponent.
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let mut dots = 0;
    let mut digits = 0;
    for c in mantissa.chars() {
        match c {
            '0'..='9' => digits += 1,
            '.' => dots += 1,
            _ => return false,
        }
    }
    if digits == 0 || dots > 1 {
        return false;
    }
    match exponent {
        None => true,
        Some(e) => {
            let e = e.strip_prefix(['-', '+']).unwrap_or(e);
            !e.is_empty() && e.chars().all(|c| c.is_ascii_digit())
        }
    }
}

fn scan_error(e: &ScanError, lines: &LineIndex) -> YamlError {
    YamlError {
        line: lines.line(e.marker().index()),
        message: e.info().to_string(),
        over_budget: false,
    }
}

/// Parses a whole stream (one file: one alias budget for all its documents).
/// Documents that ended before an error are kept.
///
/// YAML 1.2 wants the closing bracket of a multi-line flow collection
/// indented past its block parent; the YAML library Kubernetes uses does not,
/// and real manifests close `args: [` with a `]` under the key. When the strict
/// parse fails on indentation, such closing lines get one more space (line
/// numbers stay as they are) and the stream is parsed again.
pub fn parse_stream(text: &str) -> Parsed {
    parse(text, None, None)
}

/// [`parse_stream`], and alias expansion also takes from `run`, the budget of
/// all the files a run parses.
pub fn parse_stream_within(text: &str, run: &AliasBudget) -> Parsed {
    parse(text, Some(run), None)
}

/// [`parse_stream_within`], building of each object only what `sieve`
/// keeps (see [`super::sieve`]).
pub fn parse_stream_sieved(text: &str, run: &AliasBudget, sieve: &dyn Sieve) -> Parsed {
    parse(text, Some(run), Some(sieve))
}

fn parse(text: &str, run: Option<&AliasBudget>, sieve: Option<&dyn Sieve>) -> Parsed {
    // What the parse we do not keep took goes back to the run.
    let give_back = |spent: usize| {
        if let Some(r) = run {
            r.give_back(spent);
        }
    };
    let (first, first_spent, lost) = parse_strict(text, run, sieve);
    if lost {
        // An anchor on a partly built node: read the file whole.
        give_back(first_spent);
        return parse(text, run, None);
    }
    match &first.error {
        Some(e) if e.message.contains("indentation") && text.lines().any(is_flow_closer) => {
            let relaxed: String = text
                .split_inclusive('\n')
                .map(|l| {
                    if is_flow_closer(l) {
                        format!(" {l}")
                    } else {
                        l.to_string()
                    }
                })
                .collect();
            let (second, second_spent, lost) = parse_strict(&relaxed, run, sieve);
            if lost {
                give_back(first_spent + second_spent);
                return parse(text, run, None);
            }
            if second.error.is_none() {
                give_back(first_spent);
                second
            } else {
                give_back(second_spent);
                first
            }
        }
        _ => first,
    }
}

/// A line holding only the end of a flow collection (`]`, `},`).
fn is_flow_closer(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty() && t.chars().all(|c| matches!(c, ']' | '}' | ','))
}

/// The stream's documents, and what the parse took from `run`.
fn parse_strict(
    text: &str,
    run: Option<&AliasBudget>,
    sieve: Option<&dyn Sieve>,
) -> (Parsed, usize, bool) {
    let lines = std::rc::Rc::new(LineIndex::new(text));
    let mut parser = Parser::new_from_str(text);
    let mut documents = Vec::new();
    let mut b = Builder::new(run, lines.clone(), sieve);
    let mut open = false;
    let mut error = None;
    while let Some(next) = parser.next_event() {
        let (ev, span) = match next {
            Ok(x) => x,
            Err(e) => {
                error = Some(scan_error(&e, &lines));
                break;
            }
        };
        match ev {
            Event::DocumentStart(_) => {
                b.begin(lines.line_of(&span));
                open = true;
            }
            Event::DocumentEnd => {
                if open {
                    documents.push(b.finish());
                    open = false;
                }
            }
            Event::StreamEnd => break,
            Event::StreamStart | Event::Nothing => {}
            ev => {
                if !open {
                    b.begin(lines.line_of(&span));
                    open = true;
                }
                if let Err(e) = b.on_event(ev, span) {
                    error = Some(e);
                    break;
                }
            }
        }
    }
    if error.is_some() {
        b.abandon();
    } else if open {
        documents.push(b.finish());
    }
    (Parsed { documents, error }, b.spent, b.sieve_lost)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keeps `image` keys of `acme.io` objects; ConfigMaps get identity only.
    struct Images;
    impl Sieve for Images {
        fn object(&self, _: &str, kind: &str) -> super::super::sieve::Keep {
            use super::super::sieve::Keep;
            match kind {
                "ConfigMap" => Keep::Identity,
                "CustomResourceDefinition" => Keep::Whole,
                _ => Keep::Shape,
            }
        }
        fn keeps(&self, key: &str) -> bool {
            key == "image"
        }
    }

    fn sieved(text: &str) -> Vec<serde_json::Value> {
        let p = parse_stream_sieved(text, &AliasBudget::per_run(), &Images);
        assert!(p.error.is_none(), "{:?}", p.error);
        p.documents.iter().map(|d| d.root.to_json()).collect()
    }

    fn whole(text: &str) -> Vec<serde_json::Value> {
        let p = parse_stream(text);
        p.documents.iter().map(|d| d.root.to_json()).collect()
    }

    #[test]
    fn a_sieve_builds_only_what_it_keeps() {
        let docs = sieved(
            "apiVersion: acme.io/v1\nkind: Db\nmetadata: {name: d, labels: {a: b}}\nspec:\n  image: {repository: x}\n  size: 3\n  list: [1, {image: y}]\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: n}\ndata: {image: z}\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: i}, data: {k: v}}\n- {apiVersion: acme.io/v1, kind: Db, metadata: {name: j}, spec: {image: w, size: 1}}\n",
        );
        assert_eq!(
            docs[0],
            serde_json::json!({"apiVersion": "acme.io/v1", "kind": "Db", "metadata": {"name": "d"},
                "spec": {"image": {"repository": "x"}, "size": null, "list": [null, {"image": "y"}]}})
        );
        assert_eq!(
            docs[1],
            serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "n"}})
        );
        assert_eq!(
            docs[2]["items"],
            serde_json::json!([
                {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "i"}},
                {"apiVersion": "acme.io/v1", "kind": "Db", "metadata": {"name": "j"}, "spec": {"image": "w", "size": null}}
            ])
        );
    }

    #[test]
    fn a_repeated_kind_makes_the_file_read_whole() {
        // The last `kind` wins: this is a Db, not a ConfigMap.
        let text = "apiVersion: v1\nkind: ConfigMap\nspec: {image: x, size: 1}\nkind: Db\n";
        assert_eq!(sieved(text), whole(text));
    }

    #[test]
    fn an_anchor_the_sieve_would_cut_makes_the_file_read_whole() {
        let text = "apiVersion: acme.io/v1\nkind: Db\nmetadata: {name: d}\nspec:\n  base: &b {size: 3, tier: gold}\n  other: *b\n";
        assert_eq!(sieved(text), whole(text));
    }

    fn one(text: &str) -> Node {
        let p = parse_stream(text);
        assert!(p.error.is_none(), "{:?}", p.error);
        p.documents.into_iter().next().unwrap().root
    }

    #[test]
    fn scalars_are_typed_like_kubernetes_yaml() {
        let n = one("a: 1\nb: '1'\nc: true\nd: ~\ne: nginx:1.2\nf: 1.5e3\ng: 0x1F\nh: 1.2.3\n");
        assert!(matches!(n.get("a").unwrap().value, Value::Number(_)));
        assert_eq!(n.str_at("b"), Some("1"));
        assert_eq!(n.get("c").unwrap().value, Value::Bool(true));
        assert!(n.get("d").unwrap().is_null());
        assert_eq!(n.str_at("e"), Some("nginx:1.2"));
        assert!(matches!(n.get("f").unwrap().value, Value::Number(_)));
        assert!(matches!(n.get("g").unwrap().value, Value::Number(_)));
        assert_eq!(n.str_at("h"), Some("1.2.3"));
    }

    #[test]
    fn lines_are_one_based_and_per_key() {
        let n = one("# c\nkind: X\nspec:\n  image: a\n");
        let spec = n
            .as_map()
            .unwrap()
            .iter()
            .find(|e| e.key == "spec")
            .unwrap();
        assert_eq!(spec.key_line, 3);
        assert_eq!(spec.value.get("image").unwrap().line, 4);
    }

    #[test]
    fn streams_keep_every_document_and_their_lines() {
        let p = parse_stream("a: 1\n---\nb: 2\n---\n---\nc: 3\n");
        assert_eq!(p.documents.len(), 4);
        assert_eq!(p.documents[1].line, 2);
        assert!(p.documents[2].root.is_null());
    }

    #[test]
    fn merge_keys_and_aliases() {
        let n = one("base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n");
        let m = n.get("m").unwrap();
        assert_eq!(m.get("y").unwrap().value, Value::Number("3".into()));
        assert_eq!(m.get("x").unwrap().value, Value::Number("1".into()));
    }

    #[test]
    fn repeated_and_merged_keys_behave_alike_in_small_and_large_mappings() {
        // Below and above the size where the key index is built.
        for n in [3, INDEX_FROM - 1, INDEX_FROM, 40] {
            let mut s = String::from("base: &b {k1: merged, z: merged}\nm:\n");
            for i in 0..n {
                s += &format!("  k{i}: first\n");
            }
            s += "  k0: last\n  <<: *b\n  <<: [{z: again, y: merged}]\n  k0: later\n";
            let n_line = u32::try_from(n).unwrap();
            let m = one(&s).get("m").unwrap().clone();
            let keys: Vec<&str> = m.as_map().unwrap().iter().map(|e| e.key.as_str()).collect();
            let mut want: Vec<String> = (0..n).map(|i| format!("k{i}")).collect();
            want.extend(["z".into(), "y".into()]);
            assert_eq!(keys, want, "n = {n}");
            assert_eq!(m.str_at("k0"), Some("later"));
            assert_eq!(m.str_at("k1"), Some("first"));
            assert_eq!(m.str_at("z"), Some("merged"));
            assert_eq!(m.str_at("y"), Some("merged"));
            // The key line is the last repetition's, the place the first's.
            assert_eq!(m.as_map().unwrap()[0].key_line, n_line + 6);
        }
    }

    #[test]
    fn a_mapping_of_eighty_thousand_keys_parses() {
        let n = 80_000;
        let mut s = String::from("data:\n");
        for i in 0..n {
            s += &format!("  k{i}: v{i}\n");
        }
        s += "  k0: again\n";
        let t = std::time::Instant::now();
        let root = one(&s);
        println!("{n} keys parsed in {:?}", t.elapsed());
        let data = root.get("data").unwrap().as_map().unwrap();
        assert_eq!(data.len(), n);
        assert_eq!(data[0].value.as_str(), Some("again"));
        assert_eq!(data[n - 1].key, format!("k{}", n - 1));
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut s = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let p = i - 1;
            s += &format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            );
        }
        let p = parse_stream(&s);
        assert!(p.error.unwrap().message.contains("alias bomb"));
    }

    /// One document whose aliases cost 246,894 nodes (copies of anchors included).
    fn quarter_bomb(name: &str) -> String {
        let mut s = format!("kind: ConfigMap\nmetadata: {{name: {name}}}\ndata:\n");
        s += "  a: &a [x, x, x, x, x, x, x, x, x, x]\n";
        for (n, p) in [("b", "a"), ("c", "b"), ("d", "c")] {
            s += &format!("  {n}: &{n} [{}]\n", vec![format!("*{p}"); 10].join(", "));
        }
        s += &format!("  e: [{}]\n", vec!["*d"; 20].join(", "));
        s
    }

    #[test]
    fn the_alias_budget_is_per_file_not_per_document() {
        let one_doc = parse_stream(&quarter_bomb("q"));
        assert!(one_doc.error.is_none(), "{:?}", one_doc.error);
        let five: Vec<String> = (0..5).map(|i| quarter_bomb(&format!("q{i}"))).collect();
        let p = parse_stream(&five.join("---\n"));
        let e = p.error.expect("over budget");
        assert!(e.over_budget, "{e:?}");
        assert!(e.message.contains("per file") && e.message.contains("alias bomb"));
        // Four documents fit, the fifth does not; the four are kept.
        assert_eq!(p.documents.len(), 4);
        // At the copy of `&d`, line 7 of the fifth document.
        assert_eq!(e.line, 4 * 9 + 7);
    }

    #[test]
    fn the_run_budget_spans_files() {
        let run = AliasBudget::new(500_000);
        let text = quarter_bomb("q");
        assert!(parse_stream_within(&text, &run).error.is_none());
        assert_eq!(run.spent(), 246_894);
        assert!(parse_stream_within(&text, &run).error.is_none());
        let e = parse_stream_within(&text, &run)
            .error
            .expect("run over budget");
        assert!(e.over_budget);
        assert!(e.message.contains("all the files of this run"), "{e:?}");
        // The refused document's share went back; the two kept stay taken.
        assert_eq!(run.spent(), 2 * 246_894);
        // Files without aliases still parse once the budget is gone.
        assert!(parse_stream_within("a: [1, 2]\n", &run).error.is_none());
    }

    #[test]
    fn a_parse_that_is_retried_takes_from_the_run_once() {
        let run = AliasBudget::new(100);
        let p = parse_stream_within("a: &a [x]\nb: [*a]\nspec:\n  args: [\n    x\n  ]\n", &run);
        assert!(p.error.is_none(), "{:?}", p.error);
        // The anchor's copy (2) and the alias (2).
        assert_eq!(run.spent(), 4);
    }

    #[test]
    fn copies_of_long_strings_count_for_their_length() {
        // Few nodes, but 64 MB of text once expanded.
        let long = "y".repeat(6400);
        let hundred = |a: &str| vec![format!("*{a}"); 100].join(", ");
        let s = format!(
            "s: &s {long}\nl1: &l1 [{}]\nl2: [{}]\n",
            hundred("s"),
            hundred("l1")
        );
        let e = parse_stream(&s).error.expect("over budget");
        assert!(e.over_budget && e.line == 3, "{e:?}");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let s = "[".repeat(100_000);
        let p = parse_stream(&s);
        assert!(p.error.is_some());
        let s = (0..2000)
            .map(|i| format!("{}k:\n", " ".repeat(i)))
            .collect::<String>();
        let p = parse_stream(&s);
        assert!(p.error.unwrap().message.contains("nesting"));
    }

    #[test]
    fn flow_collections_may_close_under_their_key() {
        let n = one("spec:\n  args: [\n    \"echo\",\n    \"x\"\n  ]\n  image: bash\n");
        assert_eq!(n.get("spec").unwrap().str_at("image"), Some("bash"));
        assert_eq!(n.get("spec").unwrap().get("image").unwrap().line, 6);
    }

    #[test]
    fn error_keeps_earlier_documents() {
        let p = parse_stream("a: 1\n---\nb: [1, 2\n");
        assert_eq!(p.documents.len(), 1);
        // The scanner notices the unclosed list at the end of the input.
        assert!(p.error.unwrap().line >= 3);
    }
}
