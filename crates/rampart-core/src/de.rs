//! Typed views of [`Node`]s through serde, with the strictness of the API
//! server's JSON decoding and errors that point at the offending field.
//!
//! The rules of Go's `encoding/json`, as the API server applies them to the
//! JSON that kubectl sends: a string field rejects numbers and booleans,
//! an integer field rejects strings but accepts an integral number written
//! as a float (`replicas: 1.0` arrives as JSON `1`), and `null` leaves a
//! field at its zero value.

use std::fmt;

use serde::de::{
    self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};

use crate::node::{Entry, Node, Pos, Value, push_index, push_token};

/// A value that does not fit its field, with the field's location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeError {
    pub message: String,
    /// Position of the offending value, when known.
    pub pos: Option<Pos>,
    /// Reference tokens from the failing field up to the root (reversed).
    tokens: Vec<String>,
}

impl DeError {
    /// The JSON pointer of the field that failed.
    pub fn pointer(&self) -> String {
        let mut p = String::new();
        for t in self.tokens.iter().rev() {
            push_token(&mut p, t);
        }
        p
    }

    fn at(mut self, node: &Node, token: Option<String>) -> Self {
        if self.pos.is_none() {
            self.pos = Some(node.start);
        }
        if let Some(t) = token {
            self.tokens.push(t);
        }
        self
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError {
            message: msg.to_string(),
            pos: None,
            tokens: Vec::new(),
        }
    }
}

/// Decodes `node` into `T` (a k8s-openapi type or any serde type).
pub fn from_node<'de, T: serde::Deserialize<'de>>(node: &'de Node) -> Result<T, DeError> {
    T::deserialize(NodeDe(node)).map_err(|e| e.at(node, None))
}

#[derive(Clone, Copy)]
struct NodeDe<'a>(&'a Node);

impl NodeDe<'_> {
    fn mismatch(&self, expected: &str) -> DeError {
        DeError {
            message: format!(
                "expected {expected}, found {} ({})",
                self.0.value.type_name(),
                describe(&self.0.value)
            ),
            pos: Some(self.0.start),
            tokens: Vec::new(),
        }
    }
}

/// A short, value-free description: rampart never echoes input values in
/// type errors, since a misplaced value may be a secret.
fn describe(value: &Value) -> &'static str {
    match value {
        Value::Str(_) => "a quoted or non-numeric value",
        Value::Bool(_) => "yes/no/true/false/on/off",
        Value::Int(_) | Value::Float(_) => "a number",
        Value::Null => "empty",
        Value::Seq(_) => "a `- item` list",
        Value::Map(_) => "`key: value` pairs",
    }
}

fn integral(f: f64) -> Option<i64> {
    (f.fract() == 0.0 && f >= i64::MIN as f64 && f < i64::MAX as f64).then_some(f as i64)
}

macro_rules! int_methods {
    ($($m:ident),*) => {$(
        fn $m<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
            match &self.0.value {
                Value::Int(i) => v.visit_i64(*i),
                Value::Float(f) => match integral(*f) {
                    Some(i) => v.visit_i64(i),
                    None => Err(self.mismatch("an integer")),
                },
                Value::Null => v.visit_i64(0),
                _ => Err(self.mismatch("an integer")),
            }
        }
    )*};
}

impl<'de> Deserializer<'de> for NodeDe<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match &self.0.value {
            Value::Null => v.visit_unit(),
            Value::Bool(b) => v.visit_bool(*b),
            Value::Int(i) => v.visit_i64(*i),
            Value::Float(f) => match integral(*f) {
                Some(i) => v.visit_i64(i),
                None => v.visit_f64(*f),
            },
            Value::Str(s) => v.visit_borrowed_str(s),
            Value::Seq(items) => v.visit_seq(Seq {
                items: items.iter(),
                index: 0,
            }),
            Value::Map(entries) => v.visit_map(Map {
                entries: entries.iter(),
                current: None,
            }),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match &self.0.value {
            Value::Bool(b) => v.visit_bool(*b),
            Value::Null => v.visit_bool(false),
            _ => Err(self.mismatch("true or false")),
        }
    }

    int_methods!(
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64
    );

    fn deserialize_f32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_f64(v)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match &self.0.value {
            Value::Int(i) => v.visit_f64(*i as f64),
            Value::Float(f) => v.visit_f64(*f),
            Value::Null => v.visit_f64(0.0),
            _ => Err(self.mismatch("a number")),
        }
    }

    fn deserialize_char<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }

    fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match &self.0.value {
            Value::Str(s) => v.visit_borrowed_str(s),
            Value::Null => v.visit_borrowed_str(""),
            _ => Err(self.mismatch("a string (quote it)")),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match &self.0.value {
            Value::Null => v.visit_none(),
            _ => v.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        v.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        v: V,
    ) -> Result<V::Value, DeError> {
        v.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        v: V,
    ) -> Result<V::Value, DeError> {
        v.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match &self.0.value {
            Value::Seq(items) => v.visit_seq(Seq {
                items: items.iter(),
                index: 0,
            }),
            Value::Null => v.visit_seq(Seq {
                items: [].iter(),
                index: 0,
            }),
            _ => Err(self.mismatch("a list")),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, v: V) -> Result<V::Value, DeError> {
        self.deserialize_seq(v)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        v: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(v)
    }

    fn deserialize_map<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match &self.0.value {
            Value::Map(entries) => v.visit_map(Map {
                entries: entries.iter(),
                current: None,
            }),
            Value::Null => v.visit_map(Map {
                entries: [].iter(),
                current: None,
            }),
            _ => Err(self.mismatch("`key: value` pairs")),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_map(v)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeError> {
        match &self.0.value {
            Value::Str(s) => v.visit_enum((&**s).into_deserializer()),
            _ => Err(self.mismatch("a string")),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        v.visit_unit()
    }
}

struct Seq<'a> {
    items: std::slice::Iter<'a, Node>,
    index: usize,
}

impl<'de> SeqAccess<'de> for Seq<'de> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        let Some(node) = self.items.next() else {
            return Ok(None);
        };
        let index = self.index;
        self.index += 1;
        seed.deserialize(NodeDe(node)).map(Some).map_err(|e| {
            let mut t = String::new();
            push_index(&mut t, index);
            e.at(node, Some(t[1..].to_string()))
        })
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct Map<'a> {
    entries: std::slice::Iter<'a, Entry>,
    current: Option<&'a Entry>,
}

impl<'de> MapAccess<'de> for Map<'de> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let Some(entry) = self.entries.next() else {
            return Ok(None);
        };
        self.current = Some(entry);
        seed.deserialize((&*entry.key).into_deserializer())
            .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let entry = self
            .current
            .take()
            .ok_or_else(|| <DeError as de::Error>::custom("value requested before its key"))?;
        seed.deserialize(NodeDe(&entry.value))
            .map_err(|e| e.at(&entry.value, Some(entry.key.to_string())))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, parse_document};

    fn node(y: &str) -> Node {
        parse_document(y, 1, Limits::default())
            .unwrap()
            .root
            .unwrap()
    }

    #[test]
    fn typed_pod_from_yaml11() {
        let n = node(
            "spec:\n  hostPID: on\n  containers:\n  - name: a\n    resources: {limits: {cpu: 2, memory: 1.5}}\n    securityContext: {privileged: yes}\n",
        );
        let pod: k8s_openapi::api::core::v1::Pod = from_node(&n).unwrap();
        let spec = pod.spec.unwrap();
        assert_eq!(spec.host_pid, Some(true));
        let c = &spec.containers[0];
        assert_eq!(c.security_context.as_ref().unwrap().privileged, Some(true));
        let limits = c.resources.as_ref().unwrap().limits.as_ref().unwrap();
        assert_eq!(limits["cpu"].0, "2");
        assert_eq!(limits["memory"].0, "1.5");
    }

    #[test]
    fn wrong_types_point_at_the_field() {
        let n = node("spec:\n  replicas: three\n");
        let err = from_node::<k8s_openapi::api::apps::v1::Deployment>(&n).unwrap_err();
        assert_eq!(err.pointer(), "/spec/replicas");
        assert_eq!(err.pos, Some(Pos { line: 2, col: 13 }));
        assert!(
            !err.message.contains("three"),
            "value leaked: {}",
            err.message
        );

        let n = node("spec:\n  template:\n    spec:\n      containers: {}\n");
        let err = from_node::<k8s_openapi::api::apps::v1::Deployment>(&n).unwrap_err();
        assert_eq!(err.pointer(), "/spec/template/spec/containers");

        let n = node("metadata:\n  labels:\n    version: 1.0\n");
        let err = from_node::<k8s_openapi::api::core::v1::Pod>(&n).unwrap_err();
        assert_eq!(err.pointer(), "/metadata/labels/version");
    }

    #[test]
    fn integral_floats_and_nulls_as_json_decoding_does() {
        let n = node("spec:\n  replicas: 3.0\n  selector: null\n");
        let d: k8s_openapi::api::apps::v1::Deployment = from_node(&n).unwrap();
        assert_eq!(d.spec.replicas, Some(3));
        let n = node("spec:\n  replicas: 3.5\n");
        assert!(from_node::<k8s_openapi::api::apps::v1::Deployment>(&n).is_err());
    }
}
