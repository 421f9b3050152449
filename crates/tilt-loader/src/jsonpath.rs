//! Tilt's JSONPath dialect: client-go's template syntax in braces, as forked
//! in Tilt (`internal/k8s/jsonpath`), with the same results and error texts.
//!
//! Behaviours that matter for `k8s_kind` and that differ from RFC 9535:
//! - text outside braces is literal and becomes a result (`spec.image`
//!   without braces *is* the image "spec.image");
//! - every `{…}` action is evaluated from the object root;
//! - a missing key is an error (`image is not found`) unless the step is
//!   inside a filter, where absence just excludes the item;
//! - a filter over a map iterates the map's *values*: `{.spec[?(@.image)]}`
//!   selects the children of `spec` that have an `image` key, not `spec`;
//! - `=~` is not an operator: it fails to parse (`unrecognized character`).
//!
//! Parse errors are raised when `k8s_kind` is called; evaluation errors when
//! Tilt assembles resources, wrapped as `Matching (json_path="…"): …`.

use serde_json::Value as J;
use std::borrow::Cow;

#[derive(Debug, Clone, PartialEq)]
enum Node {
    List(Vec<Node>),
    Text(String),
    Field(String),
    Array([Param; 3]),
    Filter {
        left: Vec<Node>,
        right: Vec<Node>,
        op: String,
    },
    Int(i64),
    Float(f64),
    Bool(bool),
    Wildcard,
    Recursive,
    Union(Vec<Vec<Node>>),
    Identifier(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Param {
    value: i64,
    known: bool,
    derived: bool,
}

/// A parsed path. Parsing is cheap; evaluation state lives in [`Eval`].
#[derive(Debug, Clone)]
pub struct JsonPath {
    text: String,
    root: Vec<Node>,
}

struct Parser {
    input: Vec<char>,
    pos: usize,
    start: usize,
}

const EOF: char = '\u{0}';

fn is_terminator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\r' | '\n' | EOF | '.' | ',' | '[' | ']' | '$' | '@' | '{' | '}'
    )
}

fn is_alnum(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// Go's `%#U`: `U+0021 '!'`.
fn go_rune(c: char) -> String {
    format!("U+{:04X} '{c}'", c as u32)
}

impl Parser {
    fn next(&mut self) -> char {
        if self.pos >= self.input.len() {
            self.pos = self.input.len() + 1;
            return EOF;
        }
        self.pos += 1;
        self.input[self.pos - 1]
    }
    fn backup(&mut self) {
        self.pos -= 1;
    }
    fn peek(&mut self) -> char {
        let c = self.next();
        self.backup();
        c
    }
    fn rest_starts(&self, s: &str) -> bool {
        let s: Vec<char> = s.chars().collect();
        self.input
            .get(self.pos..self.pos + s.len())
            .is_some_and(|x| x == s.as_slice())
    }
    fn consume(&mut self) -> String {
        let end = self.pos.min(self.input.len());
        let v: String = self.input[self.start.min(end)..end].iter().collect();
        self.start = self.pos;
        v
    }

    /// Text until `{`, then an action; returns the root node list.
    fn parse(text: &str) -> Result<Vec<Node>, String> {
        let mut p = Parser {
            input: text.chars().collect(),
            pos: 0,
            start: 0,
        };
        let mut root = Vec::new();
        loop {
            // Text up to the next action.
            while p.pos < p.input.len() && p.input[p.pos] != '{' {
                p.pos += 1;
            }
            if p.pos > p.start {
                root.push(Node::Text(p.consume()));
            }
            if p.pos >= p.input.len() {
                return Ok(root);
            }
            p.pos += 1; // `{`
            p.consume();
            let mut action = Vec::new();
            p.inside(&mut action)?;
            root.push(Node::List(action));
        }
    }

    /// Parses one action's nodes up to and including its `}`.
    fn inside(&mut self, cur: &mut Vec<Node>) -> Result<(), String> {
        loop {
            if self.rest_starts("}") {
                self.pos += 1;
                self.consume();
                return Ok(());
            }
            if self.rest_starts("[?(") {
                self.filter(cur)?;
                continue;
            }
            if self.rest_starts("..") {
                self.pos += 2;
                self.consume();
                cur.push(Node::Recursive);
                if is_alnum(self.peek()) {
                    self.field(cur);
                }
                continue;
            }
            let r = self.next();
            match r {
                EOF | '\r' | '\n' => return Err("unclosed action".into()),
                ' ' | '@' | '$' => {
                    self.consume();
                }
                '[' => self.array(cur)?,
                '"' | '\'' => self.quote(cur, r)?,
                '.' => {
                    self.consume();
                    self.field(cur);
                }
                '+' | '-' => {
                    self.backup();
                    self.number(cur)?;
                }
                c if c.is_ascii_digit() => {
                    self.backup();
                    self.number(cur)?;
                }
                c if is_alnum(c) => {
                    self.backup();
                    self.identifier(cur);
                }
                c => return Err(format!("unrecognized character in action: {}", go_rune(c))),
            }
        }
    }

    fn field(&mut self, cur: &mut Vec<Node>) {
        loop {
            let r = self.next();
            if r == '\\' {
                self.next();
            } else if is_terminator(r) {
                self.backup();
                break;
            }
        }
        let v = self.consume();
        cur.push(if v == "*" {
            Node::Wildcard
        } else {
            Node::Field(v.replace('\\', ""))
        });
    }

    fn identifier(&mut self, cur: &mut Vec<Node>) {
        while !is_terminator(self.next()) {}
        self.backup();
        let v = self.consume();
        cur.push(match v.as_str() {
            "true" => Node::Bool(true),
            "false" => Node::Bool(false),
            _ => Node::Identifier(v),
        });
    }

    fn number(&mut self, cur: &mut Vec<Node>) -> Result<(), String> {
        if matches!(self.peek(), '+' | '-') {
            self.next();
        }
        loop {
            let r = self.next();
            if r != '.' && !r.is_ascii_digit() {
                self.backup();
                break;
            }
        }
        let v = self.consume();
        if let Ok(i) = v.trim_start_matches('+').parse::<i64>() {
            cur.push(Node::Int(i));
        } else if let Ok(f) = v.parse::<f64>() {
            cur.push(Node::Float(f));
        } else {
            return Err(format!("cannot parse number {v}"));
        }
        Ok(())
    }

    fn quote(&mut self, cur: &mut Vec<Node>, end: char) -> Result<(), String> {
        loop {
            let r = self.next();
            if r == EOF || r == '\n' {
                return Err("unterminated quoted string".into());
            }
            if r == end && self.input[self.pos - 2] != '\\' {
                break;
            }
        }
        let raw = self.consume();
        let inner = &raw[1..raw.len() - 1];
        cur.push(Node::Text(unescape(inner)));
        Ok(())
    }

    fn array(&mut self, cur: &mut Vec<Node>) -> Result<(), String> {
        loop {
            match self.next() {
                EOF | '\n' => return Err("unterminated array".into()),
                ']' => break,
                _ => {}
            }
        }
        let raw = self.consume();
        let mut text = raw[1..raw.len() - 1].to_string();
        if text == "*" {
            text = ":".into();
        }
        let parts: Vec<&str> = text.split(',').collect();
        if parts.len() > 1 {
            let mut union = Vec::new();
            for s in parts {
                union.push(parse_action(&format!("[{}]", s.trim_matches(' ')))?);
            }
            cur.push(Node::Union(union));
            return Ok(());
        }
        if text.len() >= 2
            && text.starts_with('\'')
            && text.ends_with('\'')
            && !text[1..text.len() - 1].contains('\'')
        {
            cur.extend(parse_action(&format!(".{}", &text[1..text.len() - 1]))?);
            return Ok(());
        }
        cur.push(Node::Array(slice_params(&text)?));
        Ok(())
    }

    fn filter(&mut self, cur: &mut Vec<Node>) -> Result<(), String> {
        self.pos += 3;
        self.consume();
        let (mut begin, mut end, mut pair) = (false, false, ' ');
        loop {
            let r = self.next();
            match r {
                EOF | '\n' => return Err("unterminated filter".into()),
                '"' | '\'' => {
                    if !begin {
                        begin = true;
                        pair = r;
                        continue;
                    }
                    if self.input[self.pos - 2] != '\\' && r == pair {
                        end = true;
                    }
                }
                ')' if begin == end => break,
                _ => {}
            }
        }
        if self.next() != ']' {
            return Err("unclosed array expect ]".into());
        }
        let raw = self.consume();
        let text: String = raw.chars().take(raw.chars().count() - 2).collect();
        // `^([^!<>=]+)([!<>=]+)(.+?)$`
        let op_start = text.find(['!', '<', '>', '=']);
        match op_start {
            Some(i) if i > 0 => {
                let op_len = text[i..]
                    .find(|c: char| !"!<>=".contains(c))
                    .unwrap_or(text.len() - i);
                let (left, op, right) = (&text[..i], &text[i..i + op_len], &text[i + op_len..]);
                if right.is_empty() {
                    cur.push(Node::Filter {
                        left: parse_action(&text)?,
                        right: vec![],
                        op: "exists".into(),
                    });
                } else {
                    cur.push(Node::Filter {
                        left: parse_action(left)?,
                        right: parse_action(right)?,
                        op: op.into(),
                    });
                }
            }
            _ => cur.push(Node::Filter {
                left: parse_action(&text)?,
                right: vec![],
                op: "exists".into(),
            }),
        }
        Ok(())
    }
}

fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(o) => out.push(o),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Go's `parseAction`: parse `{text}` and return the action's nodes.
fn parse_action(text: &str) -> Result<Vec<Node>, String> {
    let root = Parser::parse(&format!("{{{text}}}"))?;
    match root.into_iter().next() {
        Some(Node::List(nodes)) => Ok(nodes),
        _ => Ok(vec![]),
    }
}

/// `^(-?[\d]*)(:-?[\d]*)?(:-?[\d]*)?$` with client-go's defaults.
fn slice_params(text: &str) -> Result<[Param; 3], String> {
    let invalid = || format!("invalid array index {text}");
    let parts: Vec<&str> = text.split(':').collect();
    if parts.len() > 3 {
        return Err(invalid());
    }
    let ok = |s: &str| {
        let d = s.strip_prefix('-').unwrap_or(s);
        d.chars().all(|c| c.is_ascii_digit())
    };
    if !parts.iter().all(|p| ok(p)) {
        return Err(invalid());
    }
    let mut params = [Param::default(); 3];
    for i in 0..3 {
        match parts.get(i) {
            Some(s) if !s.is_empty() => {
                params[i].known = true;
                params[i].value = s
                    .parse()
                    .map_err(|_| format!("array index {s} is not a number"))?;
            }
            Some(_) if i > 0 => params[i].known = false,
            _ => {
                if i == 1 && parts.len() == 1 {
                    params[1] = Param {
                        value: params[0].value + 1,
                        known: true,
                        derived: true,
                    };
                }
            }
        }
    }
    Ok(params)
}

/// Go's `%T` of an unstructured value.
fn go_type(v: &J) -> &'static str {
    match v {
        J::Null => "<nil>",
        J::Bool(_) => "bool",
        J::Number(n) if n.is_i64() || n.is_u64() => "int64",
        J::Number(_) => "float64",
        J::String(_) => "string",
        J::Array(_) => "[]interface {}",
        J::Object(_) => "map[string]interface {}",
    }
}

fn go_str(v: &J) -> String {
    match v {
        J::String(s) => s.clone(),
        J::Null => "%!s(<nil>)".into(),
        J::Bool(b) => format!("%!s(bool={b})"),
        J::Number(n) => format!("%!s({}={n})", go_type(v)),
        other => other.to_string(),
    }
}

/// A matched value and where it sits (`spec.containers[0].image`; literal
/// text and numbers have none). Values borrow from the object
/// being searched (a filter over a list of maps must not copy every map);
/// only literals (text, numbers, string bytes) are owned.
///
/// The location is `None` when the caller does not want locations
/// ([`JsonPath::visit`]): building `spec.containers[3].image` at every step
/// of every object costs more than the match.
type V<'a> = (Cow<'a, J>, Loc);
type Loc = Option<String>;

/// The child `pick` chooses, borrowed when its parent is.
fn child<'a>(v: &Cow<'a, J>, pick: impl Fn(&J) -> Option<&J>) -> Option<Cow<'a, J>> {
    match v {
        Cow::Borrowed(b) => pick(b).map(Cow::Borrowed),
        Cow::Owned(o) => pick(o).cloned().map(Cow::Owned),
    }
}

/// Every element of an array or value of a map, with its location.
fn members<'a>(v: &Cow<'a, J>, loc: &Loc) -> Vec<V<'a>> {
    fn of<'b>(j: &'b J, loc: &Loc) -> Vec<(&'b J, Loc)> {
        match j {
            J::Object(o) => o.iter().map(|(k, x)| (x, at(loc, k))).collect(),
            J::Array(a) => a
                .iter()
                .enumerate()
                .map(|(i, x)| (x, index(loc, i)))
                .collect(),
            _ => vec![],
        }
    }
    match v {
        Cow::Borrowed(b) => of(b, loc)
            .into_iter()
            .map(|(x, l)| (Cow::Borrowed(x), l))
            .collect(),
        Cow::Owned(o) => of(o, loc)
            .into_iter()
            .map(|(x, l)| (Cow::Owned(x.clone()), l))
            .collect(),
    }
}

fn at(loc: &Loc, key: &str) -> Loc {
    loc.as_ref().map(|loc| {
        if loc.is_empty() {
            key.to_string()
        } else {
            format!("{loc}.{key}")
        }
    })
}

fn index(loc: &Loc, i: usize) -> Loc {
    loc.as_ref().map(|loc| format!("{loc}[{i}]"))
}

struct Eval<'a> {
    stack: Vec<Vec<V<'a>>>,
    cur: Vec<V<'a>>,
    /// Depth of existence filters being evaluated (see [`field`]).
    quiet: usize,
    begin_range: i64,
    in_range: i64,
    end_range: i64,
}

impl<'a> Eval<'a> {
    fn find_results(&mut self, data: V<'a>, nodes: &[Node]) -> Result<Vec<Vec<V<'a>>>, String> {
        self.cur = vec![data];
        let mut full = Vec::new();
        for (i, node) in nodes.iter().enumerate() {
            let cur = self.cur.clone();
            let results = self.walk(cur, node)?;
            if self.end_range > 0 && self.end_range <= self.in_range {
                self.end_range -= 1;
                break;
            }
            if self.begin_range > 0 {
                self.begin_range -= 1;
                self.in_range += 1;
                let n = results.len();
                for (k, v) in results.into_iter().enumerate() {
                    if k == n - 1 {
                        self.in_range -= 1;
                    }
                    full.extend(self.find_results(v, &nodes[i + 1..])?);
                }
                break;
            }
            full.push(results);
        }
        Ok(full)
    }

    fn walk(&mut self, input: Vec<V<'a>>, node: &Node) -> Result<Vec<V<'a>>, String> {
        let literal = |v: J| (Cow::Owned(v), Some(String::new()));
        match node {
            Node::List(nodes) => self.list(input, nodes),
            Node::Text(t) => Ok(vec![literal(J::String(t.clone()))]),
            Node::Field(f) => field(input, f, self.quiet > 0),
            Node::Array(p) => array(input, p),
            Node::Filter { left, right, op } => self.filter(input, left, right, op),
            Node::Int(i) => Ok(input.iter().map(|_| literal(J::from(*i))).collect()),
            Node::Float(f) => Ok(input
                .iter()
                .map(|_| {
                    literal(
                        serde_json::Number::from_f64(*f)
                            .map(J::Number)
                            .unwrap_or(J::Null),
                    )
                })
                .collect()),
            Node::Bool(b) => Ok(input.iter().map(|_| literal(J::Bool(*b))).collect()),
            Node::Wildcard => Ok(input.iter().flat_map(children).collect()),
            Node::Recursive => Ok(recursive(input)),
            Node::Union(lists) => {
                let mut out = Vec::new();
                for l in lists {
                    out.extend(self.list(input.clone(), l)?);
                }
                Ok(out)
            }
            Node::Identifier(name) => match name.as_str() {
                "range" => {
                    self.stack.push(self.cur.clone());
                    self.begin_range += 1;
                    Ok(input)
                }
                "end" => {
                    if self.end_range < self.in_range {
                        self.end_range += 1;
                    } else if let Some(top) = self.stack.pop() {
                        self.cur = top;
                    } else {
                        return Err("not in range, nothing to end".into());
                    }
                    Ok(vec![])
                }
                other => Err(format!("unrecognized identifier {other}")),
            },
        }
    }

    fn list(&mut self, input: Vec<V<'a>>, nodes: &[Node]) -> Result<Vec<V<'a>>, String> {
        let mut cur = input;
        for n in nodes {
            cur = self.walk(cur, n)?;
        }
        Ok(cur)
    }

    fn filter(
        &mut self,
        input: Vec<V<'a>>,
        left: &[Node],
        right: &[Node],
        op: &str,
    ) -> Result<Vec<V<'a>>, String> {
        let mut out = Vec::new();
        for (value, loc) in input {
            let items: Vec<V> = match value.as_ref() {
                J::Array(_) | J::Object(_) => members(&value, &loc),
                J::Null => {
                    return Err(
                        "<invalid reflect.Value> is not array, slice or map and cannot be filtered"
                            .into(),
                    );
                }
                other => {
                    return Err(format!(
                        "{} is not array, slice or map and cannot be filtered",
                        go_str(other)
                    ));
                }
            };
            for item in items {
                if op == "exists" {
                    self.quiet += 1;
                    let lefts = self.list(vec![item.clone()], left);
                    self.quiet -= 1;
                    if lefts.is_ok_and(|l| !l.is_empty()) {
                        out.push(item);
                    }
                    continue;
                }
                let lefts = self.list(vec![item.clone()], left)?;
                let l = match lefts.len() {
                    0 => continue,
                    1 => lefts[0].0.clone().into_owned(),
                    _ => return Err("can only compare one element at a time".into()),
                };
                let rights = self.list(vec![item.clone()], right)?;
                let r = match rights.len() {
                    0 => continue,
                    1 => rights[0].0.clone().into_owned(),
                    _ => return Err("can only compare one element at a time".into()),
                };
                if compare(&l, &r, op)? {
                    out.push(item);
                }
            }
        }
        Ok(out)
    }
}

/// `quiet`: inside an existence filter, where a missing key only excludes
/// the item and the error text is never read.
fn field<'a>(input: Vec<V<'a>>, name: &str, quiet: bool) -> Result<Vec<V<'a>>, String> {
    if input.is_empty() {
        return Ok(vec![]);
    }
    let found: Vec<V> = input
        .iter()
        .filter_map(|(v, loc)| {
            child(v, |j| j.as_object().and_then(|o| o.get(name))).map(|x| (x, at(loc, name)))
        })
        .collect();
    if found.is_empty() {
        return Err(match quiet {
            true => String::new(),
            false => format!("{name} is not found"),
        });
    }
    Ok(found)
}

fn array<'a>(input: Vec<V<'a>>, p: &[Param; 3]) -> Result<Vec<V<'a>>, String> {
    let mut out = Vec::new();
    for (value, loc) in &input {
        let items = match value.as_ref() {
            J::Null => continue,
            J::Array(a) => a,
            other => {
                return Err(format!(
                    "{} is not array or slice",
                    go_type(other).replace("<nil>", "interface {}")
                ));
            }
        };
        let len = items.len() as i64;
        let mut p = *p;
        if !p[0].known {
            p[0].value = 0;
        }
        if p[0].value < 0 {
            p[0].value += len;
        }
        if !p[1].known {
            p[1].value = len;
        }
        if p[1].value < 0 || (p[1].value == 0 && p[1].derived) {
            p[1].value += len;
        }
        if p[1].value == p[0].value {
            return Ok(out);
        }
        if p[0].value >= len || p[0].value < 0 {
            return Err(format!(
                "array index out of bounds: index {}, length {len}",
                p[0].value
            ));
        }
        if p[1].value > len || p[1].value < 0 {
            return Err(format!(
                "array index out of bounds: index {}, length {len}",
                p[1].value - 1
            ));
        }
        if p[0].value > p[1].value {
            return Err(format!(
                "starting index {} is greater than ending index {}",
                p[0].value, p[1].value
            ));
        }
        let step = if p[2].known {
            if p[2].value <= 0 {
                return Err("step must be > 0".into());
            }
            p[2].value as usize
        } else {
            1
        };
        let start = p[0].value as usize;
        let end = p[1].value as usize;
        out.extend((start..end).step_by(step).filter_map(|i| {
            child(value, |j| j.as_array().and_then(|a| a.get(i))).map(|v| (v, index(loc, i)))
        }));
    }
    Ok(out)
}

fn children<'a>((v, loc): &V<'a>) -> Vec<V<'a>> {
    match v.as_ref() {
        J::Object(_) | J::Array(_) => members(v, loc),
        J::String(s) => s
            .bytes()
            .map(|b| (Cow::Owned(J::from(b)), Some(String::new())))
            .collect(),
        _ => vec![],
    }
}

fn recursive(input: Vec<V<'_>>) -> Vec<V<'_>> {
    let mut out = Vec::new();
    for v in input {
        let kids = children(&v);
        if !kids.is_empty() && !matches!(v.0.as_ref(), J::String(_)) {
            out.push(v);
            out.extend(recursive(kids));
        }
    }
    out
}

fn compare(l: &J, r: &J, op: &str) -> Result<bool, String> {
    use std::cmp::Ordering;
    let ord = match (l, r) {
        (J::String(a), J::String(b)) => a.cmp(b),
        (J::Number(a), J::Number(b)) => a
            .as_f64()
            .partial_cmp(&b.as_f64())
            .unwrap_or(Ordering::Equal),
        (J::Bool(a), J::Bool(b)) if matches!(op, "==" | "!=") => a.cmp(b),
        _ => return Err("incompatible types for comparison".into()),
    };
    Ok(match op {
        "<" => ord == Ordering::Less,
        ">" => ord == Ordering::Greater,
        "==" => ord == Ordering::Equal,
        "!=" => ord != Ordering::Equal,
        "<=" => ord != Ordering::Greater,
        ">=" => ord != Ordering::Less,
        other => return Err(format!("unrecognized filter operator {other}")),
    })
}

impl JsonPath {
    /// Parses with client-go's grammar and error texts.
    pub fn parse(text: &str) -> Result<JsonPath, String> {
        Ok(JsonPath {
            text: text.to_string(),
            root: Parser::parse(text)?,
        })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// Every matched value, as Tilt's `JSONPath.Visit` sees them.
    pub fn visit(&self, obj: &J) -> Result<Vec<J>, String> {
        Ok(self
            .run(obj, None)?
            .into_iter()
            .map(|(v, _)| v.into_owned())
            .collect())
    }

    /// Every match with its concrete location (`spec.containers[0].image`;
    /// empty for literal text), for reporting what Tilt rewrites.
    pub fn locate(&self, obj: &J) -> Result<Vec<(J, String)>, String> {
        Ok(self
            .run(obj, Some(String::new()))?
            .into_iter()
            .map(|(v, loc)| (v.into_owned(), loc.unwrap_or_default()))
            .collect())
    }

    fn run<'a>(&self, obj: &'a J, root: Loc) -> Result<Vec<V<'a>>, String> {
        let mut e = Eval {
            stack: vec![],
            cur: vec![],
            quiet: 0,
            begin_range: 0,
            in_range: 0,
            end_range: 0,
        };
        let sets = e
            .find_results((Cow::Borrowed(obj), root), &self.root)
            .map_err(|err| format!("Matching (json_path={:?}): {err}", self.text))?;
        Ok(sets.into_iter().flatten().collect())
    }

    /// Tilt's `FindStrings`: every match must be a string.
    pub fn find_strings(&self, obj: &J) -> Result<Vec<String>, String> {
        self.visit(obj)?
            .into_iter()
            .map(|v| match v {
                J::String(s) => Ok(s),
                other => Err(format!(
                    "May only match strings (json_path={:?})\nGot Type: {}\nGot Value: {}",
                    self.text,
                    go_type(&other),
                    go_str(&other)
                )),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn find(path: &str, obj: J) -> Result<Vec<String>, String> {
        JsonPath::parse(path)?.find_strings(&obj)
    }

    fn runner() -> J {
        json!({"kind": "TaskRunner", "spec": {"image": "orders-runner", "sidecarImage": "orders-sidecar",
            "containers": [{"name": "main", "image": "orders-runner"}, {"name": "side", "image": "orders-sidecar"}]}})
    }

    #[test]
    fn paths_and_lists() {
        assert_eq!(find("{.spec.image}", runner()).unwrap(), ["orders-runner"]);
        assert_eq!(
            find("{.spec.containers[*].image}", runner()).unwrap(),
            ["orders-runner", "orders-sidecar"]
        );
        assert_eq!(
            find("{.spec.containers[0].image}", runner()).unwrap(),
            ["orders-runner"]
        );
        assert_eq!(
            find("{.spec.containers[-1:].image}", runner()).unwrap(),
            ["orders-sidecar"]
        );
        assert_eq!(
            find("{.spec['image','sidecarImage']}", runner()).unwrap(),
            ["orders-runner", "orders-sidecar"]
        );
        assert_eq!(
            find("{.spec['image']}", runner()).unwrap(),
            ["orders-runner"]
        );
        assert_eq!(
            find("{range .spec.containers[*]}{.image}{end}", runner()).unwrap(),
            ["orders-runner", "orders-sidecar"]
        );
        assert_eq!(
            find("{..image}", runner()).unwrap(),
            ["orders-runner", "orders-runner", "orders-sidecar"]
        );
        assert_eq!(find("", runner()).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn filters() {
        assert_eq!(
            find("{.spec.containers[?(@.name==\"main\")].image}", runner()).unwrap(),
            ["orders-runner"]
        );
        assert_eq!(
            find("{.spec.containers[?(@.name!=\"main\")].image}", runner()).unwrap(),
            ["orders-sidecar"]
        );
        // Over a map, a filter looks at the map's values.
        let o = json!({"spec": {"image": "a", "proxy": {"image": "b"}}});
        assert_eq!(find("{.spec[?(@.image)].image}", o.clone()).unwrap(), ["b"]);
        assert_eq!(find("{[?(@.image)].image}", o.clone()).unwrap(), ["a"]);
        assert_eq!(
            find("{[?(@.initImage)].initImage}", o).unwrap(),
            Vec::<String>::new()
        );
    }

    #[test]
    fn literal_text_without_braces() {
        assert_eq!(find("spec.image", runner()).unwrap(), ["spec.image"]);
        assert_eq!(
            find("{.spec.image} {.spec.sidecarImage}", runner()).unwrap(),
            ["orders-runner", " ", "orders-sidecar"]
        );
    }

    #[test]
    fn errors_have_tilts_text() {
        assert_eq!(
            JsonPath::parse("{.spec.proxy.image").unwrap_err(),
            "unclosed action"
        );
        let m = |p: &str| find(p, runner()).unwrap_err();
        assert_eq!(
            m("{.spec.proxy.image}"),
            "Matching (json_path=\"{.spec.proxy.image}\"): proxy is not found"
        );
        assert_eq!(
            m("{.spec.containers[3].image}"),
            "Matching (json_path=\"{.spec.containers[3].image}\"): array index out of bounds: index 3, length 2"
        );
        assert_eq!(
            m("{.spec.containers.image}"),
            "Matching (json_path=\"{.spec.containers.image}\"): image is not found"
        );
        assert!(
            JsonPath::parse("{.spec.c[?(@.name=~\"x\")]}")
                .unwrap_err()
                .contains("unrecognized character in action: U+007E '~'")
        );
        assert!(m("{.spec}").starts_with(
            "May only match strings (json_path=\"{.spec}\")\nGot Type: map[string]interface {}"
        ));
    }

    #[test]
    fn never_panics_on_odd_paths() {
        let seeds = [
            "{",
            "}",
            "{[",
            "{[?(",
            "{..",
            "{.a[",
            "{.a['b",
            "{.a[1:2:3:4]}",
            "{.a[x]}",
            "{range}",
            "{end}",
            "{@",
            "{.a[?(@.b==)]}",
            "{'",
            "{\"\\",
            "{.\\",
            "{[,]}",
            "{1.2.3}",
            "{-}",
            "{.a[-5]}",
            "{.a[:0]}",
            "{.a[::0]}",
        ];
        let obj = json!({"a": [1, 2, {"b": "c"}], "s": "str"});
        for s in seeds {
            if let Ok(p) = JsonPath::parse(s) {
                let _ = p.visit(&obj);
            }
        }
    }
}

#[cfg(test)]
mod location_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn matches_carry_their_concrete_location() {
        let o = json!({"spec": {"containers": [{"image": "a"}, {"image": "b"}], "proxy": {"image": "c"}}});
        let locs = |p: &str| {
            JsonPath::parse(p)
                .unwrap()
                .locate(&o)
                .unwrap()
                .into_iter()
                .map(|(_, l)| l)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            locs("{.spec.containers[*].image}"),
            ["spec.containers[0].image", "spec.containers[1].image"]
        );
        assert_eq!(
            locs("{[?(@.proxy.image)].proxy.image}"),
            ["spec.proxy.image"]
        );
        assert_eq!(
            locs("{.spec.containers[?(@.image==\"b\")].image}"),
            ["spec.containers[1].image"]
        );
    }
}
