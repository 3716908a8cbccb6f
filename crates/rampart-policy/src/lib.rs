//! Custom admission policies in the two languages the ecosystem writes:
//! Kubernetes ValidatingAdmissionPolicy with its bindings (CEL, [`vap`])
//! and OPA Gatekeeper ConstraintTemplates with their constraints (Rego,
//! [`gatekeeper`]), accepted as they are written for a cluster.
//!
//! Everything here is pure: policies are loaded from objects already
//! parsed, and evaluated on a [`Request`] (what an AdmissionReview carries,
//! or what `rampart scan` builds for each manifest object) into
//! [`Violation`]s and [`PolicyError`]s. The webhook and the CLI decide what
//! to do with them.

use serde::Serialize;
use serde_json::Value;

pub mod gatekeeper;
pub mod set;
pub mod vap;

/// The admission operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Operation {
    Create,
    Update,
    Delete,
    Connect,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Create => "CREATE",
            Operation::Update => "UPDATE",
            Operation::Delete => "DELETE",
            Operation::Connect => "CONNECT",
        }
    }
}

/// Group, version and kind (or resource) as an AdmissionRequest names them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Gvk {
    pub group: String,
    pub version: String,
    /// The kind (`Pod`) for `kind`, the plural resource (`pods`) for
    /// `resource`.
    pub name: String,
}

/// The requesting user, as the API server authenticated them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct UserInfo {
    pub username: String,
    pub uid: String,
    pub groups: Vec<String>,
    pub extra: std::collections::BTreeMap<String, Vec<String>>,
}

/// One admission request: the input of every policy.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Request {
    pub uid: String,
    pub kind: Gvk,
    pub resource: Gvk,
    /// `""` when the request is for the resource itself.
    pub sub_resource: String,
    pub name: String,
    /// `""` for cluster-scoped objects.
    pub namespace: String,
    pub operation: Operation,
    pub user_info: UserInfo,
    /// `None` on DELETE.
    pub object: Option<Value>,
    /// `None` on CREATE.
    pub old_object: Option<Value>,
    /// The Namespace object of `namespace`, when known (the webhook reads
    /// it from its cache; `scan` from the manifests).
    pub namespace_object: Option<Value>,
    pub dry_run: bool,
    /// The operation's options (`CreateOptions`...), as sent.
    pub options: Option<Value>,
}

/// What a failed validation asks for, per the policy's binding (VAP
/// `validationActions`) or constraint (`enforcementAction`); the same
/// actions the config gives built-in rules.
pub use rampart_core::admission::Action;

/// Which language a policy is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Engine {
    /// ValidatingAdmissionPolicy (CEL).
    Vap,
    /// Gatekeeper ConstraintTemplate (Rego).
    Gatekeeper,
}

/// One policy's verdict against one request.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Violation {
    pub engine: Engine,
    /// The policy (VAP name, or ConstraintTemplate kind).
    pub policy: String,
    /// The binding (VAP binding name, or constraint name).
    pub binding: String,
    /// The message the policy wrote.
    pub message: String,
    /// Every action that applies (a VAP binding may ask for Warn and
    /// Audit together).
    pub actions: Vec<Action>,
    /// VAP `reason` (`Invalid` by default); empty for Gatekeeper.
    pub reason: String,
}

/// A policy that could not be evaluated (an expression error, a missing
/// param). What happens then is the policy's failure policy.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PolicyError {
    pub engine: Engine,
    pub policy: String,
    pub binding: String,
    pub message: String,
    /// `true`: `failurePolicy: Fail` (the request is rejected); `false`:
    /// `Ignore` (admitted).
    pub fail_closed: bool,
}

/// An audit annotation a policy asked for (VAP `auditAnnotations`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditAnnotation {
    pub engine: Engine,
    pub policy: String,
    pub binding: String,
    /// The policy's key (without the policy name prefix).
    pub key: String,
    pub value: String,
}

/// The result of evaluating every policy on one request.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Evaluation {
    pub violations: Vec<Violation>,
    pub errors: Vec<PolicyError>,
    /// In binding order; one per (binding, param) that published the key
    /// (see [`Evaluation::published_audit_annotations`]).
    pub audit_annotations: Vec<AuditAnnotation>,
}

impl Evaluation {
    /// The audit annotations as the API server records them: the key is
    /// `<policy>/<key>`; the distinct values that bindings (and params) of
    /// one policy gave a key are joined with `", "` in binding order.
    pub fn published_audit_annotations(&self) -> std::collections::BTreeMap<String, String> {
        let mut values: std::collections::BTreeMap<String, Vec<&str>> = Default::default();
        for a in &self.audit_annotations {
            let seen = values.entry(format!("{}/{}", a.policy, a.key)).or_default();
            if !seen.contains(&a.value.as_str()) {
                seen.push(&a.value);
            }
        }
        values.into_iter().map(|(k, v)| (k, v.join(", "))).collect()
    }
}

/// A policy object that could not be loaded (malformed, or with an
/// expression that does not compile). `object` names it as
/// `Kind/name` (`Kind/namespace/name` when namespaced).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LoadError {
    pub object: String,
    pub message: String,
}
