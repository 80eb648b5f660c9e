//! A YAML document read into a small tree that keeps the line and column of every key and
//! value, so that each finding can point at the place it is about.
//!
//! Scalars are resolved with the YAML 1.2 core schema: only `true`/`false` (any case style the
//! schema allows) are booleans, so YAML 1.1's `yes`, `no`, `on` and `off` stay strings and a
//! boolean key holding one of them is reported instead of silently read as a boolean.
//!
//! The reader is bounded whatever the input: a size limit before anything is parsed, a depth
//! limit, and a budget on the nodes and bytes that aliases may expand to (a "billion laughs"
//! file is refused instead of expanded). Control characters, which YAML does not allow in a
//! file, are refused before parsing, as the reference validator's reader does.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span};

/// Files larger than this are refused before parsing: a publiccode.yml is a few kilobytes, and
/// the limit keeps the time and memory spent on one file small.
pub const MAX_BYTES: usize = 1024 * 1024;
/// Deeper than any publiccode.yml needs (the deepest key, `maintenance.contacts[0].name`, is at
/// depth 3), shallow enough that walking the tree recursively stays cheap.
pub const MAX_DEPTH: usize = 32;
/// Nodes the whole tree may hold, aliases expanded. A rich publiccode.yml holds a few hundred.
pub const MAX_NODES: usize = 50_000;
/// Bytes of scalar text the whole tree may hold, aliases expanded.
pub const MAX_SCALAR_BYTES: usize = 2 * MAX_BYTES;

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    /// 1-based, like editors and the reference validator count.
    pub line: usize,
    /// 1-based.
    pub column: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Scalar(Scalar),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scalar {
    /// The scalar's text as written (after YAML's own unescaping and folding).
    pub text: String,
    pub kind: ScalarKind,
}

/// What the core schema makes of a scalar. Numbers are not told apart from strings: every
/// string field of the standard accepts them as their text (`softwareVersion: 1.0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarKind {
    Null,
    Bool(bool),
    Text,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_line: usize,
    pub key_column: usize,
    pub value: Node,
}

/// Why a file could not be read as a YAML tree. `line`/`column` are 0 when there is no place
/// to point at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    pub message: String,
    pub line: usize,
    pub column: usize,
}

/// A problem in a tree that could still be read, such as a duplicate key: the tree is kept
/// (first value wins), the problem is reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeProblem {
    /// Dotted path of the offending key, as far as it is known while reading.
    pub path: String,
    pub message: String,
    pub line: usize,
    pub column: usize,
}

#[derive(Debug)]
pub struct Tree {
    pub root: Node,
    pub problems: Vec<TreeProblem>,
}

impl Node {
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar(Scalar { kind: ScalarKind::Null, .. }))
    }

    pub fn kind_name(&self) -> &'static str {
        match &self.value {
            Value::Scalar(Scalar { kind: ScalarKind::Null, .. }) => "null",
            Value::Scalar(Scalar { kind: ScalarKind::Bool(_), .. }) => "boolean",
            Value::Scalar(_) => "string",
            Value::Seq(_) => "sequence",
            Value::Map(_) => "map",
        }
    }
}

/// How large a document a read takes: a publiccode.yml's bounds by default; a larger list
/// (code.gouv.fr's forge accounts) is read with larger ones, bounded all the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub bytes: usize,
    pub nodes: usize,
    pub scalar_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { bytes: MAX_BYTES, nodes: MAX_NODES, scalar_bytes: MAX_SCALAR_BYTES }
    }
}

/// Reads text (already known to be UTF-8, without BOM) into a tree.
pub fn read(text: &str) -> Result<Tree, ReadError> {
    read_with(text, Limits::default())
}

/// Reads text into a tree within `limits`.
pub fn read_with(text: &str, limits: Limits) -> Result<Tree, ReadError> {
    if text.len() > limits.bytes {
        return Err(ReadError {
            message: format!("the file is {} bytes; files over {} bytes are refused", text.len(), limits.bytes),
            line: 0,
            column: 0,
        });
    }
    if let Some((i, c)) = text.char_indices().find(|&(_, c)| !printable(c)) {
        let before = &text[..i];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        let code = c as u32;
        return Err(ReadError {
            message: format!(
                "control character U+{code:04X} is not allowed in YAML; write it escaped in a double-quoted \
                 string (\"\\u{code:04X}\")"
            ),
            line,
            column,
        });
    }
    Builder { limits, ..Builder::default() }.run(text)
}

/// YAML's printable characters (`c-printable`): what a YAML file may hold as it is, as the
/// reference validator's reader (go-yaml) checks before parsing.
fn printable(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

enum Frame {
    Seq { node_line: usize, node_column: usize, anchor: usize, items: Vec<Node> },
    Map(MapFrame),
}

struct MapFrame {
    node_line: usize,
    node_column: usize,
    anchor: usize,
    entries: Vec<Entry>,
    /// Key seen, value not yet: (key, line, column).
    pending_key: Option<(String, usize, usize)>,
    /// A key that was not a scalar: its value is read and dropped.
    skip_value: bool,
    seen: HashMap<String, usize>,
}

/// A finished subtree with what it cost, so that an alias to it can be charged the same.
struct Anchored {
    node: Node,
    nodes: usize,
    bytes: usize,
}

#[derive(Default)]
struct Builder {
    limits: Limits,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Anchored>,
    problems: Vec<TreeProblem>,
    nodes: usize,
    bytes: usize,
    /// Cost counters at the start of each open collection, to price anchored collections.
    cost_marks: Vec<(usize, usize)>,
    root: Option<Node>,
    documents: usize,
    /// Whether an alias was expanded, to tell a bomb from a file that is merely too big.
    aliased: bool,
}

fn position(span: &Span) -> (usize, usize) {
    (span.start.line(), span.start.col() + 1)
}

fn scan_error(e: &ScanError) -> ReadError {
    let m = e.marker();
    let message = match e.info() {
        // The scanner counts nested `[` and `{` in a byte and gives up past 255.
        "recursion limit exceeded" => {
            "invalid YAML: flow collections ([ or {) nested deeper than 255 levels; a publiccode.yml needs 4".into()
        }
        info => format!("invalid YAML: {info}"),
    };
    ReadError { message, line: m.line(), column: m.col() + 1 }
}

fn resolve_plain(text: &str) -> ScalarKind {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => ScalarKind::Null,
        "true" | "True" | "TRUE" => ScalarKind::Bool(true),
        "false" | "False" | "FALSE" => ScalarKind::Bool(false),
        _ => ScalarKind::Text,
    }
}

impl Builder {
    fn run(mut self, text: &str) -> Result<Tree, ReadError> {
        for item in Parser::new_from_str(text) {
            let (event, span) = item.map_err(|e| scan_error(&e))?;
            let (line, column) = position(&span);
            match event {
                Event::StreamStart | Event::StreamEnd | Event::Nothing | Event::DocumentEnd => {}
                Event::DocumentStart(_) => {
                    self.documents += 1;
                    if self.documents > 1 {
                        return Err(ReadError {
                            message: "a publiccode.yml holds one YAML document; a second one starts here".into(),
                            line,
                            column,
                        });
                    }
                }
                Event::Alias(id) => {
                    let Some(anchored) = self.anchors.get(&id) else {
                        return Err(ReadError { message: "alias to an unknown anchor".into(), line, column });
                    };
                    let (nodes, bytes) = (anchored.nodes, anchored.bytes);
                    self.aliased = true;
                    let node = anchored.node.clone();
                    self.charge(nodes, bytes, line, column)?;
                    self.push_node(node, line, column)?;
                }
                Event::Scalar(value, style, anchor, tag) => {
                    let mut kind = match style {
                        ScalarStyle::Plain => resolve_plain(&value),
                        _ => ScalarKind::Text,
                    };
                    if let Some(tag) = &tag {
                        if tag.is_yaml_core_schema() {
                            kind = match tag.suffix.as_str() {
                                "str" => ScalarKind::Text,
                                "null" => ScalarKind::Null,
                                "bool" => match resolve_plain(&value) {
                                    ScalarKind::Bool(b) => ScalarKind::Bool(b),
                                    _ => ScalarKind::Text,
                                },
                                _ => kind,
                            };
                        }
                    }
                    self.charge(1, value.len(), line, column)?;
                    let node = Node { value: Value::Scalar(Scalar { text: value.into_owned(), kind }), line, column };
                    if anchor != 0 {
                        self.anchors
                            .insert(anchor, Anchored { node: node.clone(), nodes: 1, bytes: node_bytes(&node) });
                    }
                    self.push_node(node, line, column)?;
                }
                Event::SequenceStart(anchor, _) => {
                    self.open(line, column)?;
                    self.stack.push(Frame::Seq { node_line: line, node_column: column, anchor, items: Vec::new() });
                }
                Event::MappingStart(anchor, _) => {
                    self.open(line, column)?;
                    self.stack.push(Frame::Map(MapFrame {
                        node_line: line,
                        node_column: column,
                        anchor,
                        entries: Vec::new(),
                        pending_key: None,
                        skip_value: false,
                        seen: HashMap::new(),
                    }));
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    let frame = self.stack.pop().expect("the parser balances collection events");
                    let (nodes_mark, bytes_mark) = self.cost_marks.pop().unwrap_or((0, 0));
                    let (node, anchor) = match frame {
                        Frame::Seq { node_line, node_column, anchor, items } => {
                            (Node { value: Value::Seq(items), line: node_line, column: node_column }, anchor)
                        }
                        Frame::Map(m) => {
                            (Node { value: Value::Map(m.entries), line: m.node_line, column: m.node_column }, m.anchor)
                        }
                    };
                    if anchor != 0 {
                        self.anchors.insert(
                            anchor,
                            Anchored {
                                node: node.clone(),
                                nodes: self.nodes - nodes_mark + 1,
                                bytes: self.bytes - bytes_mark,
                            },
                        );
                    }
                    let (l, c) = (node.line, node.column);
                    self.push_node(node, l, c)?;
                }
            }
        }
        match self.root {
            Some(root) => Ok(Tree { root, problems: self.problems }),
            None => Err(ReadError {
                message: "the file is empty: it holds no YAML value, only blank lines or comments".into(),
                line: 0,
                column: 0,
            }),
        }
    }

    fn open(&mut self, line: usize, column: usize) -> Result<(), ReadError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(ReadError {
                message: format!("nested deeper than {MAX_DEPTH} levels; a publiccode.yml needs 4"),
                line,
                column,
            });
        }
        self.charge(1, 0, line, column)?;
        self.cost_marks.push((self.nodes, self.bytes));
        Ok(())
    }

    fn charge(&mut self, nodes: usize, bytes: usize, line: usize, column: usize) -> Result<(), ReadError> {
        self.nodes = self.nodes.saturating_add(nodes);
        self.bytes = self.bytes.saturating_add(bytes);
        let Limits { nodes: max_nodes, scalar_bytes: max_bytes, .. } = self.limits;
        if self.nodes > max_nodes || self.bytes > max_bytes {
            let message = if self.aliased {
                format!(
                    "the document expands through its aliases to more than {max_nodes} values or \
                     {max_bytes} bytes of text (aliases used as a bomb?); refused"
                )
            } else if self.limits == Limits::default() {
                format!(
                    "the document holds more than {max_nodes} values or {max_bytes} bytes of text; \
                     a publiccode.yml holds a few hundred values; refused"
                )
            } else {
                format!("the document holds more than {max_nodes} values or {max_bytes} bytes of text; refused")
            };
            return Err(ReadError { message, line, column });
        }
        Ok(())
    }

    /// Places a finished node: as the root, as a sequence item, or as a map's key or value.
    fn push_node(&mut self, node: Node, line: usize, column: usize) -> Result<(), ReadError> {
        let Some(frame) = self.stack.last_mut() else {
            if self.root.is_none() {
                self.root = Some(node);
            }
            return Ok(());
        };
        match frame {
            Frame::Seq { items, .. } => items.push(node),
            Frame::Map(m) => match m.pending_key.take() {
                None if m.skip_value => m.skip_value = false,
                None => match node.value {
                    Value::Scalar(s) => m.pending_key = Some((s.text, line, column)),
                    _ => {
                        m.skip_value = true;
                        let path = self.path();
                        self.problems.push(TreeProblem {
                            path,
                            message: "a map key must be a plain value, not a sequence or a map".into(),
                            line,
                            column,
                        });
                    }
                },
                Some((key, key_line, key_column)) => match m.seen.get(&key).copied() {
                    Some(first) => {
                        let parent = self.path();
                        let path = if parent.is_empty() { key.clone() } else { format!("{parent}.{key}") };
                        self.problems.push(TreeProblem {
                            path,
                            message: format!(
                                "duplicate key '{key}': first at line {first}, again at line {key_line}; \
                                 the first one is kept"
                            ),
                            line: key_line,
                            column: key_column,
                        });
                    }
                    None => {
                        m.seen.insert(key.clone(), key_line);
                        m.entries.push(Entry { key, key_line, key_column, value: node });
                    }
                },
            },
        }
        Ok(())
    }

    /// The dotted path of the collection being built, for problems found while reading.
    fn path(&self) -> String {
        let mut path = String::new();
        for frame in &self.stack {
            let segment = match frame {
                Frame::Seq { items, .. } => format!("[{}]", items.len()),
                Frame::Map(m) => match &m.pending_key {
                    Some((k, _, _)) => format!(".{k}"),
                    None => String::new(),
                },
            };
            path.push_str(&segment);
        }
        path.trim_start_matches('.').to_string()
    }
}

fn node_bytes(node: &Node) -> usize {
    match &node.value {
        Value::Scalar(s) => s.text.len(),
        Value::Seq(items) => items.iter().map(node_bytes).sum(),
        Value::Map(entries) => entries.iter().map(|e| e.key.len() + node_bytes(&e.value)).sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(text: &str) -> Node {
        read(text).expect("reads").root
    }

    #[test]
    fn positions_are_one_based() {
        let n = root("a: 1\nb:\n  - x\n");
        let Value::Map(entries) = n.value else { panic!("map") };
        assert_eq!((entries[0].key_line, entries[0].key_column), (1, 1));
        assert_eq!((entries[1].value.line, entries[1].value.column), (3, 3));
    }

    #[test]
    fn yaml11_booleans_are_strings() {
        let n = root("a: yes\nb: true\nc: 'true'\nd: ~\n");
        let Value::Map(e) = n.value else { panic!("map") };
        let kinds: Vec<_> = e
            .iter()
            .map(|e| match &e.value.value {
                Value::Scalar(s) => s.kind,
                _ => panic!("scalar"),
            })
            .collect();
        assert_eq!(kinds, [ScalarKind::Text, ScalarKind::Bool(true), ScalarKind::Text, ScalarKind::Null]);
    }

    #[test]
    fn duplicate_keys_name_both_lines() {
        let t = read("a: 1\nb: 2\na: 3\n").expect("reads");
        assert_eq!(t.problems.len(), 1);
        assert_eq!(t.problems[0].path, "a");
        assert!(t.problems[0].message.contains("line 1"), "{}", t.problems[0].message);
        assert!(t.problems[0].message.contains("line 3"), "{}", t.problems[0].message);
    }

    #[test]
    fn aliases_expand_within_budget() {
        let n = root("a: &x [1, 2]\nb: *x\n");
        let Value::Map(e) = n.value else { panic!("map") };
        assert_eq!(e[0].value.value, e[1].value.value);
    }
}
