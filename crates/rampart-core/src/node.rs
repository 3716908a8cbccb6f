//! The positioned document tree every analysis reads.
//!
//! Scalars are already resolved the way Kubernetes resolves them (see
//! [`crate::yaml`]), so a rule never sees `yes` where the API server sees
//! `true`. Every node keeps where it starts and ends in its file, so any
//! finding can point at the exact field through a JSON pointer.

use std::fmt::Write as _;

/// A string in the tree.
pub type Text = compact_str::CompactString;

/// A position in a source file: 1-based line and 1-based column, counted
/// in Unicode code points (SARIF's `unicodeCodePoints` column kind).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub start: Pos,
    pub end: Pos,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    // Strings up to 24 bytes (most keys and values in manifests) are stored
    // inline, without an allocation; boxed slices, not vectors, because a
    // finished tree never grows and a large inventory should not carry
    // growth slack.
    Str(Text),
    Seq(Box<[Node]>),
    Map(Box<[Entry]>),
}

/// A mapping entry. Keys are always strings: Kubernetes converts YAML keys
/// to JSON object keys (`yes:` becomes `"true"`, `0644:` becomes `"420"`).
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: Text,
    pub key_pos: Pos,
    pub value: Node,
}

/// Where a JSON pointer lands in a document: the span to highlight and
/// whether the exact field exists or only an ancestor of it does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Located {
    pub start: Pos,
    pub end: Pos,
    /// How many of the pointer's tokens exist. When fewer than all, the
    /// field is absent and the span is its deepest existing ancestor
    /// (where the fix must be written).
    pub found: usize,
    pub exact: bool,
}

impl Value {
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "integer",
            Value::Float(_) => "number",
            Value::Str(_) => "string",
            Value::Seq(_) => "list",
            Value::Map(_) => "mapping",
        }
    }
}

impl Node {
    pub fn new(value: Value, start: Pos, end: Pos) -> Self {
        Node { value, start, end }
    }

    /// The value of `key` when this node is a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|e| &*e.key == key).map(|e| &e.value),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// Follows a path of mapping keys from this node.
    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |node, key| node.get(key))
    }

    /// The node an RFC 6901 JSON pointer names, if it exists.
    pub fn at(&self, pointer: &str) -> Option<&Node> {
        if pointer.is_empty() {
            return Some(self);
        }
        let mut node = self;
        for raw in pointer.strip_prefix('/')?.split('/') {
            let token = unescape_token(raw);
            node = match &node.value {
                Value::Map(_) => node.get(&token)?,
                Value::Seq(items) => items.get(token.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// Resolves an RFC 6901 JSON pointer to a span. A pointer into a mapping
    /// entry covers the key too, so a report shows `privileged: true`, not
    /// just `true`.
    pub fn locate(&self, pointer: &str) -> Located {
        let mut node = self;
        let mut span = (self.start, self.end);
        if pointer.is_empty() {
            return Located {
                start: span.0,
                end: span.1,
                found: 0,
                exact: true,
            };
        }
        let mut found = 0;
        for raw in pointer.strip_prefix('/').unwrap_or(pointer).split('/') {
            let token = unescape_token(raw);
            let next = match &node.value {
                Value::Map(entries) => entries
                    .iter()
                    .find(|e| *e.key == *token)
                    .map(|e| (e.key_pos, &e.value)),
                Value::Seq(items) => token
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| items.get(i))
                    .map(|n| (n.start, n)),
                _ => None,
            };
            match next {
                Some((start, child)) => {
                    span = (start, child.end);
                    node = child;
                    found += 1;
                }
                None => {
                    return Located {
                        start: span.0,
                        end: span.1,
                        found,
                        exact: false,
                    };
                }
            }
        }
        Located {
            start: span.0,
            end: span.1,
            found,
            exact: true,
        }
    }

    /// The JSON value Kubernetes would send to the API server for this node.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Str(s) => J::String(s.to_string()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|e| (e.key.to_string(), e.value.to_json()))
                    .collect(),
            ),
        }
    }
}

fn unescape_token(raw: &str) -> std::borrow::Cow<'_, str> {
    if raw.contains('~') {
        raw.replace("~1", "/").replace("~0", "~").into()
    } else {
        raw.into()
    }
}

/// Appends one reference token to a JSON pointer, escaping `~` and `/`
/// (annotation keys such as `app.kubernetes.io/name` contain slashes).
pub fn push_token(pointer: &mut String, token: &str) {
    pointer.push('/');
    for c in token.chars() {
        match c {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            c => pointer.push(c),
        }
    }
}

/// Builds a pointer from a base and further tokens.
pub fn pointer(base: &str, tokens: &[&str]) -> String {
    let mut p = String::with_capacity(base.len() + 32);
    p.push_str(base);
    for t in tokens {
        push_token(&mut p, t);
    }
    p
}

/// Appends an index token.
pub fn push_index(pointer: &mut String, index: usize) {
    let _ = write!(pointer, "/{index}");
}
