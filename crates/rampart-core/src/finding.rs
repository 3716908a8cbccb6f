//! The one result type every analysis produces.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::node::Pos;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which Kubernetes object a finding is about.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ObjectRef {
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{}/{}/{}", self.kind, ns, self.name),
            None => write!(f, "{}/{}", self.kind, self.name),
        }
    }
}

/// Where in the input a finding points.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Location {
    pub file: Arc<str>,
    pub start: Pos,
    pub end: Pos,
    /// JSON pointer of the offending field within the object.
    pub pointer: String,
    /// False when the field is absent (a missing setting): the span is then
    /// the closest enclosing field, where it should be added.
    pub exact: bool,
    /// For an absent field, its path below the span, dotted
    /// (`resources.limits.cpu`): what to add there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing: Option<String>,
    /// The chart template a Helm-rendered object came from (`# Source:`).
    #[serde(rename = "helmSource", skip_serializing_if = "Option::is_none")]
    pub helm_source: Option<Arc<str>>,
    /// False when the source line of `start` holds a value that may be a
    /// secret: reports that quote lines must not quote this one.
    #[serde(skip)]
    pub quotable: bool,
}

/// Why a finding is not counted against the exit code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Suppression {
    /// `annotation` (on the object) or `config` (an exemption in .rampart.yaml).
    pub kind: &'static str,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: Cow<'static, str>,
    pub severity: Severity,
    pub message: String,
    pub object: Arc<ObjectRef>,
    pub location: Location,
    pub remediation: Cow<'static, str>,
    /// Stable identity for baselines: rule, object and field (containers by
    /// name), never line numbers.
    pub fingerprint: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Suppression>,
}
