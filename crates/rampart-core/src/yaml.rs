//! YAML → [`Node`] exactly as kubectl and the API server read manifests.
//!
//! Kubernetes converts YAML to JSON with sigs.k8s.io/yaml, which resolves
//! scalars by YAML 1.1 rules (go-yaml v2): `yes`/`on`/`y` are booleans,
//! `0644` is octal, `1_000` is an integer, `<<` merges mappings, and
//! non-string keys become strings (`on:` is the key `"true"`). The
//! saphyr parser underneath speaks YAML 1.2 syntax; we take its raw scalars
//! and resolve them here, so a manifest cannot hide `privileged: yes` from
//! rampart while the cluster reads it as `true`.

use std::borrow::Cow;
use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};

use crate::node::{Entry, Node, Pos, Text, Value};

/// Limits that keep hostile input from exhausting memory or the stack.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Deepest nesting of mappings and sequences in one document.
    pub max_depth: usize,
    /// Nodes one document may produce, counting every alias expansion.
    pub max_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 256,
            max_nodes: 4_000_000,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct YamlError {
    pub pos: Pos,
    pub message: String,
}

/// A parsed document and what was questionable about it.
#[derive(Debug, Default)]
pub struct Parsed {
    /// `None` for a document that holds nothing (only comments, or null).
    pub root: Option<Node>,
    /// Keys written twice in one mapping. kubectl silently keeps the last
    /// value, and so does the tree; each is reported, since the dropped
    /// value is often what the author meant.
    pub duplicates: Vec<YamlError>,
}

/// Parses one YAML document (the text between two `---` markers) whose
/// first line is line `first_line` of its file.
pub fn parse_document(text: &str, first_line: u32, limits: Limits) -> Result<Parsed, YamlError> {
    let mut builder = Builder {
        line_offset: first_line.saturating_sub(1),
        limits,
        stack: Vec::new(),
        items: Vec::new(),
        entries: Vec::new(),
        explicit: Vec::new(),
        anchors: HashMap::new(),
        nodes: 0,
        root: None,
        documents: 0,
        duplicates: Vec::new(),
    };
    let mut parser = Parser::new_from_str(text);
    while let Some(event) = parser.next_event() {
        let (event, span) = event.map_err(|e| YamlError {
            pos: Pos {
                line: e.marker().line() as u32 + builder.line_offset,
                col: e.marker().col() as u32 + 1,
            },
            message: e.info().to_string(),
        })?;
        builder.event(event, span)?;
    }
    Ok(Parsed {
        root: builder.root.filter(|n| n.value != Value::Null),
        duplicates: builder.duplicates,
    })
}

enum Key {
    Str(Text),
    Merge,
}

/// An open collection. Its children so far are the tail of the builder's
/// shared `items` or `entries` buffer from `base` on: nested collections
/// close before their parent continues, so the tails never interleave, and
/// each finished collection gets one allocation of exactly its size.
enum Frame {
    Seq {
        base: usize,
        start: Pos,
        anchor: usize,
    },
    Map {
        base: usize,
        /// Key → index (from `base`), built once a mapping is large enough
        /// that a linear scan would make loading quadratic.
        index: Option<HashMap<Text, usize>>,
        pending: Option<(Key, Pos)>,
        start: Pos,
        anchor: usize,
    },
}

struct Builder {
    line_offset: u32,
    limits: Limits,
    stack: Vec<Frame>,
    items: Vec<Node>,
    entries: Vec<Entry>,
    /// Parallel to `entries`: whether each came from an explicit key (not a
    /// `<<` merge); only those can be duplicates.
    explicit: Vec<bool>,
    anchors: HashMap<usize, (Node, usize)>,
    nodes: usize,
    root: Option<Node>,
    documents: u32,
    duplicates: Vec<YamlError>,
}

const INDEX_THRESHOLD: usize = 24;

impl Builder {
    fn pos(&self, m: saphyr_parser::Marker) -> Pos {
        Pos {
            line: m.line() as u32 + self.line_offset,
            col: m.col() as u32 + 1,
        }
    }

    fn err(&self, pos: Pos, message: impl Into<String>) -> YamlError {
        YamlError {
            pos,
            message: message.into(),
        }
    }

    fn count(&mut self, n: usize, pos: Pos) -> Result<(), YamlError> {
        self.nodes += n;
        if self.nodes > self.limits.max_nodes {
            return Err(self.err(
                pos,
                format!(
                    "document expands to more than {} nodes (an alias bomb, or a document too large to scan)",
                    self.limits.max_nodes
                ),
            ));
        }
        Ok(())
    }

    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), YamlError> {
        let start = self.pos(span.start);
        let end = self.pos(span.end);
        match event {
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(self.err(start, "a second document without a `---` line before it"));
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                self.count(1, start)?;
                if let Some(Frame::Map { pending: None, .. }) = self.stack.last() {
                    let key = self.key(&text, style, tag.as_deref(), start)?;
                    if let Some(Frame::Map { pending, .. }) = self.stack.last_mut() {
                        *pending = Some((key, start));
                    }
                    return Ok(());
                }
                let value =
                    resolve_scalar(&text, style, tag.as_deref()).map_err(|m| self.err(start, m))?;
                self.complete(Node::new(value, start, end), anchor)?;
            }
            Event::SequenceStart(anchor, _) => {
                self.open(start)?;
                self.stack.push(Frame::Seq {
                    base: self.items.len(),
                    start,
                    anchor,
                });
            }
            Event::MappingStart(anchor, _) => {
                self.open(start)?;
                self.stack.push(Frame::Map {
                    base: self.entries.len(),
                    index: None,
                    pending: None,
                    start,
                    anchor,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let node_end = end;
                match self.stack.pop() {
                    Some(Frame::Seq {
                        base,
                        start,
                        anchor,
                    }) => {
                        let items: Box<[Node]> = self.items.drain(base..).collect();
                        self.complete(Node::new(Value::Seq(items), start, node_end), anchor)?;
                    }
                    Some(Frame::Map {
                        base,
                        start,
                        anchor,
                        ..
                    }) => {
                        let entries: Box<[Entry]> = self.entries.drain(base..).collect();
                        self.explicit.truncate(base);
                        self.complete(Node::new(Value::Map(entries), start, node_end), anchor)?;
                    }
                    None => {}
                }
            }
            Event::Alias(id) => {
                let Some((node, size)) = self.anchors.get(&id) else {
                    return Err(self.err(start, "alias to an unknown anchor"));
                };
                let size = *size;
                let node = node.clone();
                self.count(size, start)?;
                // A key may not be an alias of a mapping, but `<<: *base`
                // and `key: *value` arrive here as values.
                if let Some(Frame::Map { pending: None, .. }) = self.stack.last() {
                    let key = match &node.value {
                        Value::Str(s) => Key::Str(s.clone()),
                        other => scalar_key(other).map_err(|m| self.err(start, m))?,
                    };
                    if let Some(Frame::Map { pending, .. }) = self.stack.last_mut() {
                        *pending = Some((key, start));
                    }
                    return Ok(());
                }
                self.complete(node, 0)?;
            }
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => {}
        }
        Ok(())
    }

    fn open(&mut self, pos: Pos) -> Result<(), YamlError> {
        self.count(1, pos)?;
        if let Some(Frame::Map { pending: None, .. }) = self.stack.last() {
            return Err(self.err(
                pos,
                "a mapping or list used as a key; Kubernetes keys must be scalars",
            ));
        }
        if self.stack.len() >= self.limits.max_depth {
            return Err(self.err(
                pos,
                format!(
                    "nesting deeper than {} levels; no Kubernetes object is this deep",
                    self.limits.max_depth
                ),
            ));
        }
        Ok(())
    }

    fn key(
        &self,
        text: &str,
        style: ScalarStyle,
        tag: Option<&Tag>,
        pos: Pos,
    ) -> Result<Key, YamlError> {
        if style == ScalarStyle::Plain && tag.is_none() && text == "<<" {
            return Ok(Key::Merge);
        }
        let value = resolve_scalar(text, style, tag).map_err(|m| self.err(pos, m))?;
        match value {
            Value::Str(s) => Ok(Key::Str(s)),
            other => scalar_key(&other).map_err(|m| self.err(pos, m)),
        }
    }

    fn complete(&mut self, node: Node, anchor: usize) -> Result<(), YamlError> {
        if anchor != 0 {
            let size = subtree_size(&node);
            self.anchors.insert(anchor, (node.clone(), size));
        }
        match self.stack.last_mut() {
            None => {
                self.root = Some(node);
                Ok(())
            }
            Some(Frame::Seq { .. }) => {
                self.items.push(node);
                Ok(())
            }
            Some(Frame::Map {
                base,
                index,
                pending,
                ..
            }) => {
                let mut map = Building {
                    entries: &mut self.entries,
                    explicit: &mut self.explicit,
                    base: *base,
                    index,
                };
                let Some((key, key_pos)) = pending.take() else {
                    return Err(YamlError {
                        pos: node.start,
                        message: "mapping value without a key".into(),
                    });
                };
                match key {
                    Key::Str(key) => {
                        let name = key.clone();
                        if let Some(first) = map.insert(key, key_pos, node, true) {
                            self.duplicates.push(YamlError {
                                pos: key_pos,
                                message: format!(
                                    "duplicate key `{name}` (first at line {}): kubectl keeps this last value and silently drops the first",
                                    first.line
                                ),
                            });
                        }
                        Ok(())
                    }
                    Key::Merge => map.merge(node),
                }
            }
        }
    }
}

/// A mapping under construction: its entries are `entries[base..]`.
struct Building<'a> {
    entries: &'a mut Vec<Entry>,
    explicit: &'a mut Vec<bool>,
    base: usize,
    index: &'a mut Option<HashMap<Text, usize>>,
}

impl Building<'_> {
    /// Sets `key`. Later keys override earlier ones, as go-yaml v2 decodes
    /// for kubectl; when two explicit keys share a name, the position of
    /// the first is returned so it can be reported.
    fn insert(&mut self, key: Text, key_pos: Pos, value: Node, is_explicit: bool) -> Option<Pos> {
        let base = self.base;
        let len = self.entries.len() - base;
        if self.index.is_none() && len >= INDEX_THRESHOLD {
            *self.index = Some(
                self.entries[base..]
                    .iter()
                    .enumerate()
                    .map(|(i, e)| (e.key.clone(), i))
                    .collect(),
            );
        }
        let found = match self.index {
            Some(map) => map.get(&key).copied(),
            None => self.entries[base..].iter().position(|e| e.key == key),
        };
        if let Some(i) = found {
            let (entry, explicit) = (&mut self.entries[base + i], &mut self.explicit[base + i]);
            let duplicate = (is_explicit && *explicit).then_some(entry.key_pos);
            entry.value = value;
            entry.key_pos = key_pos;
            *explicit |= is_explicit;
            return duplicate;
        }
        if let Some(map) = self.index {
            map.insert(key.clone(), len);
        }
        self.entries.push(Entry {
            key,
            key_pos,
            value,
        });
        self.explicit.push(is_explicit);
        None
    }

    /// Applies a `<<` merge as go-yaml v2 does: the merged keys are set at
    /// the point where `<<` appears (keys written after it win, keys before
    /// it are overridden), and in a list of mappings the earlier ones take
    /// precedence.
    fn merge(&mut self, source: Node) -> Result<(), YamlError> {
        let not_map = |pos| YamlError {
            pos,
            message: "map merge (`<<`) needs a mapping or a list of mappings".into(),
        };
        let maps: Vec<Node> = match source.value {
            Value::Map(_) => vec![source],
            Value::Seq(items) => {
                let mut items = items.into_vec();
                items.reverse();
                items
            }
            _ => return Err(not_map(source.start)),
        };
        for map in maps {
            let Value::Map(merged) = map.value else {
                return Err(not_map(map.start));
            };
            for e in merged.into_vec() {
                // Merged keys never count as duplicates of each other.
                self.insert(e.key, e.key_pos, e.value, false);
            }
        }
        Ok(())
    }
}

fn subtree_size(node: &Node) -> usize {
    match &node.value {
        Value::Seq(items) => 1 + items.iter().map(subtree_size).sum::<usize>(),
        Value::Map(entries) => {
            1 + entries
                .iter()
                .map(|e| 1 + subtree_size(&e.value))
                .sum::<usize>()
        }
        _ => 1,
    }
}

/// A non-string key as sigs.k8s.io/yaml turns it into a JSON object key.
fn scalar_key(value: &Value) -> Result<Key, String> {
    match value {
        Value::Bool(b) => Ok(Key::Str(if *b { "true" } else { "false" }.into())),
        Value::Int(i) => Ok(Key::Str(i.to_string().into())),
        Value::Float(f) => Ok(Key::Str(go_format_float32(*f).into())),
        Value::Str(s) => Ok(Key::Str(s.clone())),
        Value::Null => Err("a null key; Kubernetes cannot convert it to JSON".into()),
        Value::Seq(_) | Value::Map(_) => {
            Err("a mapping or list used as a key; Kubernetes keys must be scalars".into())
        }
    }
}

/// Resolves one scalar as go-yaml v2 does when decoding into `interface{}`.
pub fn resolve_scalar(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> Result<Value, String> {
    let core = tag
        .filter(|t| t.is_yaml_core_schema())
        .map(|t| t.suffix.as_str());
    match (core, tag) {
        // Untagged plain scalars get YAML 1.1 resolution.
        (None, None) if style == ScalarStyle::Plain => Ok(resolve_plain(text)),
        // Quoted and block scalars, the non-specific `!` tag and any
        // application tag (`!foo`) are strings.
        (None, _) => Ok(Value::Str(text.into())),
        (Some("str" | "binary" | "timestamp"), _) => Ok(Value::Str(text.into())),
        (Some(kind @ ("int" | "float" | "bool" | "null")), _) => {
            let resolved = resolve_plain(text);
            match (kind, resolved) {
                ("int", v @ Value::Int(_)) => Ok(v),
                ("float", Value::Int(i)) => Ok(Value::Float(i as f64)),
                ("float", v @ Value::Float(_)) => Ok(v),
                ("bool", v @ Value::Bool(_)) => Ok(v),
                ("null", v @ Value::Null) => Ok(v),
                (kind, _) => Err(format!("cannot read `{text}` as !!{kind}")),
            }
        }
        (Some(other), _) => Err(format!("the tag !!{other} cannot be used on a scalar")),
    }
}

/// YAML 1.1 plain-scalar resolution, following go-yaml v2's `resolve`.
pub fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Value::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Value::Bool(false);
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    let first = text.as_bytes()[0];
    match first {
        b'+' | b'-' | b'0'..=b'9' => {
            let plain: Cow<str> = if text.contains('_') {
                text.replace('_', "").into()
            } else {
                text.into()
            };
            if let Some(i) = go_parse_int(&plain) {
                return i;
            }
            if is_yaml_float(&plain) {
                if let Ok(f) = plain.parse::<f64>() {
                    return Value::Float(f);
                }
            }
            Value::Str(text.into())
        }
        // go-yaml tries a plain float parse for scalars starting with '.'.
        b'.' => match go_parse_float(text) {
            Some(f) => Value::Float(f),
            None => Value::Str(text.into()),
        },
        _ => Value::Str(text.into()),
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)`, falling back to `ParseUint` for
/// values above `i64::MAX` (kept as a float: JSON has one number type).
fn go_parse_int(s: &str) -> Option<Value> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let (radix, digits) =
        if let Some(d) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
            (16, d)
        } else if let Some(d) = body.strip_prefix("0o").or_else(|| body.strip_prefix("0O")) {
            (8, d)
        } else if let Some(d) = body.strip_prefix("0b").or_else(|| body.strip_prefix("0B")) {
            (2, d)
        } else if body.len() > 1 && body.starts_with('0') {
            (8, &body[1..])
        } else {
            (10, body)
        };
    if digits.is_empty() || !digits.bytes().all(|b| (b as char).is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(digits, radix).ok()?;
    if neg {
        if magnitude <= i64::MAX as u64 + 1 {
            return Some(Value::Int((magnitude as i64).wrapping_neg()));
        }
        return None;
    }
    match i64::try_from(magnitude) {
        Ok(i) => Some(Value::Int(i)),
        // Only an unsigned parse succeeds, and ParseUint takes no sign.
        Err(_) if s.as_bytes()[0] != b'+' => Some(Value::Float(magnitude as f64)),
        Err(_) => None,
    }
}

/// go-yaml's `yamlStyleFloat`: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Go's `strconv.ParseFloat` for the decimal forms go-yaml can reach with a
/// leading '.', which Rust's parser also accepts; Rust additionally takes
/// "inf"/"nan" spellings that cannot start with '.', so nothing diverges.
fn go_parse_float(s: &str) -> Option<f64> {
    if s.contains('_') {
        return None;
    }
    s.parse::<f64>().ok()
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 32)` as sigs.k8s.io/yaml uses it
/// for float keys, with go-yaml's spellings of infinities and NaN.
pub fn go_format_float32(f: f64) -> String {
    let f = f as f32;
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf" } else { "-.inf" }.into();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.into();
    }
    // Shortest round-trip digits, then Go's %e / %f choice for 'g' with
    // shortest precision: exponent form when exp < -4 || exp >= 6.
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    } else {
        format!("{f}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(s: &str) -> Value {
        resolve_plain(s)
    }

    #[test]
    fn yaml11_booleans_as_kubectl_reads_them() {
        for t in [
            "y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE",
        ] {
            assert_eq!(plain(t), Value::Bool(true), "{t}");
        }
        for f in [
            "n", "N", "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE",
        ] {
            assert_eq!(plain(f), Value::Bool(false), "{f}");
        }
        // Mixed case beyond the listed spellings stays a string.
        assert_eq!(plain("yEs"), Value::Str("yEs".into()));
        assert_eq!(plain("oN"), Value::Str("oN".into()));
    }

    #[test]
    fn yaml11_numbers() {
        assert_eq!(plain("0644"), Value::Int(420));
        assert_eq!(plain("0o644"), Value::Int(420));
        assert_eq!(plain("0x1F"), Value::Int(31));
        assert_eq!(plain("0b101"), Value::Int(5));
        assert_eq!(plain("-0b101"), Value::Int(-5));
        assert_eq!(plain("1_000"), Value::Int(1000));
        assert_eq!(plain("+12"), Value::Int(12));
        assert_eq!(plain("-0"), Value::Int(0));
        // "08" is not octal; go-yaml then reads it as the float 8.
        assert_eq!(plain("08"), Value::Float(8.0));
        assert_eq!(plain("1e3"), Value::Float(1000.0));
        assert_eq!(plain("1.5"), Value::Float(1.5));
        assert_eq!(plain(".5"), Value::Float(0.5));
        assert_eq!(plain("1."), Value::Float(1.0));
        assert_eq!(plain("9223372036854775807"), Value::Int(i64::MAX));
        assert_eq!(plain("-9223372036854775808"), Value::Int(i64::MIN));
        assert_eq!(
            plain("18446744073709551615"),
            Value::Float(18446744073709551615u64 as f64)
        );
        assert!(matches!(plain(".inf"), Value::Float(f) if f.is_infinite()));
        // Not numbers.
        for s in [
            "1.2.3",
            "0x",
            "+",
            "-",
            "12Mi",
            "1e",
            "0xZZ",
            "1_0e_",
            "2001-12-14",
        ] {
            assert_eq!(plain(s), Value::Str(s.into()), "{s}");
        }
    }

    #[test]
    fn yaml11_nulls() {
        for n in ["", "~", "null", "Null", "NULL"] {
            assert_eq!(plain(n), Value::Null, "{n:?}");
        }
        assert_eq!(plain("nULL"), Value::Str("nULL".into()));
    }

    #[test]
    fn go_float_key_format() {
        assert_eq!(go_format_float32(1.0), "1");
        assert_eq!(go_format_float32(1.5), "1.5");
        assert_eq!(go_format_float32(0.1), "0.1");
        assert_eq!(go_format_float32(1e21), "1e+21");
        assert_eq!(go_format_float32(1e6), "1e+06");
        assert_eq!(go_format_float32(100000.0), "100000");
        assert_eq!(go_format_float32(0.00001), "1e-05");
        assert_eq!(go_format_float32(f64::INFINITY), ".inf");
    }

    fn doc(y: &str) -> Node {
        parse_document(y, 1, Limits::default())
            .unwrap()
            .root
            .unwrap()
    }

    fn get<'a>(n: &'a Node, path: &[&str]) -> &'a Value {
        &n.path(path).unwrap().value
    }

    #[test]
    fn merge_keys_follow_go_yaml_v2_order() {
        let n = doc(
            "base: &b {a: 1, b: 2}\nother: &o {b: 3, c: 4}\nm:\n  a: 0\n  <<: *b\n  c: 9\nl:\n  <<: [*b, *o]\n",
        );
        // A key before `<<` is overridden by the merge; one after it wins.
        assert_eq!(get(&n, &["m", "a"]), &Value::Int(1));
        assert_eq!(get(&n, &["m", "b"]), &Value::Int(2));
        assert_eq!(get(&n, &["m", "c"]), &Value::Int(9));
        // In a list of merges the earlier mapping takes precedence.
        assert_eq!(get(&n, &["l", "b"]), &Value::Int(2));
        assert_eq!(get(&n, &["l", "c"]), &Value::Int(4));
        // A quoted "<<" is an ordinary key.
        let q = doc("\"<<\": 1\n");
        assert_eq!(get(&q, &["<<"]), &Value::Int(1));
    }

    #[test]
    fn keys_become_strings_as_kubernetes_converts_them() {
        let n = doc("on: a\nno: b\n0644: c\n1.5: d\n\"yes\": e\n");
        assert_eq!(get(&n, &["true"]), &Value::Str("a".into()));
        assert_eq!(get(&n, &["false"]), &Value::Str("b".into()));
        assert_eq!(get(&n, &["420"]), &Value::Str("c".into()));
        assert_eq!(get(&n, &["1.5"]), &Value::Str("d".into()));
        assert_eq!(get(&n, &["yes"]), &Value::Str("e".into()));
        assert!(parse_document("~: x\n", 1, Limits::default()).is_err());
        assert!(parse_document("? [a]\n: x\n", 1, Limits::default()).is_err());
    }

    #[test]
    fn quoting_styles_and_tags() {
        let n = doc(
            "a: \"yes\"\nb: 'on'\nc: !!str yes\nd: !!int \"0x10\"\ne: |\n  true\nf: !custom on\ng: ! 12\nh: !!float 3\n",
        );
        assert_eq!(get(&n, &["a"]), &Value::Str("yes".into()));
        assert_eq!(get(&n, &["b"]), &Value::Str("on".into()));
        assert_eq!(get(&n, &["c"]), &Value::Str("yes".into()));
        assert_eq!(get(&n, &["d"]), &Value::Int(16));
        assert_eq!(get(&n, &["e"]), &Value::Str("true\n".into()));
        assert_eq!(get(&n, &["f"]), &Value::Str("on".into()));
        assert_eq!(get(&n, &["g"]), &Value::Str("12".into()));
        assert_eq!(get(&n, &["h"]), &Value::Float(3.0));
        assert!(parse_document("a: !!int abc\n", 1, Limits::default()).is_err());
    }

    #[test]
    fn duplicates_keep_the_last_value_and_are_reported() {
        let p = parse_document("a: 1\nb: 2\na: 3\n", 1, Limits::default()).unwrap();
        assert_eq!(get(p.root.as_ref().unwrap(), &["a"]), &Value::Int(3));
        assert_eq!(p.duplicates.len(), 1);
        assert_eq!(p.duplicates[0].pos, Pos { line: 3, col: 1 });
        // Many keys: the index path finds duplicates too.
        let mut big: String = (0..100).map(|i| format!("k{i}: {i}\n")).collect();
        big.push_str("k7: x\n");
        let p = parse_document(&big, 1, Limits::default()).unwrap();
        assert_eq!(p.duplicates.len(), 1);
        assert_eq!(
            get(p.root.as_ref().unwrap(), &["k7"]),
            &Value::Str("x".into())
        );
    }

    #[test]
    fn positions_are_absolute_in_the_file() {
        let n = doc("a:\n  b: [1, {c: yes}]\n");
        let l = n.locate("/a/b/1/c");
        assert_eq!((l.start, l.exact), (Pos { line: 2, col: 11 }, true));
        let p = parse_document("x: 1\n", 40, Limits::default()).unwrap();
        assert_eq!(p.root.unwrap().locate("/x").start, Pos { line: 40, col: 1 });
        let missing = n.locate("/a/b/1/d/e");
        assert!(!missing.exact);
        assert_eq!(missing.found, 3);
    }

    #[test]
    fn json_documents_parse_like_yaml() {
        let n = doc("{\n\t\"a\": {\"b\": [true, 1.0, null, \"on\"]}\n}\n");
        let b = n.path(&["a", "b"]).unwrap().as_seq().unwrap();
        assert_eq!(b[0].value, Value::Bool(true));
        assert_eq!(b[1].value, Value::Float(1.0));
        assert_eq!(b[2].value, Value::Null);
        assert_eq!(b[3].value, Value::Str("on".into()));
    }

    #[test]
    fn hostile_documents_fail_cleanly() {
        let limits = Limits {
            max_depth: 64,
            max_nodes: 10_000,
        };
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert!(parse_document(&deep, 1, limits).is_err());
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..8 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            bomb.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let err = parse_document(&bomb, 1, limits).unwrap_err();
        assert!(err.message.contains("alias bomb"));
        assert!(parse_document("a: *nowhere\n", 1, limits).is_err());
        assert!(parse_document("a: 1\n---\nb: 2\n", 1, limits).is_err());
    }
}
