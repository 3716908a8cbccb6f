//! rampart-core: the model every rampart analysis shares.
//!
//! Sources are read into an [`Inventory`] of Kubernetes objects, each a
//! positioned [`Node`] tree whose scalars are resolved exactly as
//! Kubernetes resolves them, plus a typed [`Workload`] view of pod
//! templates. Rules ([`Rule`]) are pure functions over the inventory that
//! produce [`Finding`]s; [`engine::run`] runs them in parallel and applies
//! exemptions.

pub mod admission;
pub mod baseline;
pub mod cluster;
pub mod compliance;
pub mod config;
pub mod de;
pub mod diag;
pub mod engine;
pub mod finding;
pub mod images;
pub mod inventory;
pub mod node;
pub mod redact;
pub mod rule;
pub mod selector;
pub mod source;
pub mod workload;
pub mod yaml;

pub use diag::{Diagnostic, Level};
pub use finding::{Finding, Location, ObjectRef, Severity, Suppression};
pub use inventory::{Inventory, Object};
pub use node::{Node, Pos, Value};
pub use rule::{
    ActiveRule, Category, Check, Ctx, Emitter, Framework, InventoryCtx, Params, Reporter, Rule,
    RuleMeta,
};
pub use workload::{ContainerKind, ContainerRef, Workload};

/// The annotation prefix that exempts an object from one rule:
/// `ignore-check.rampart.dev/<rule-id>: "<reason>"`.
pub const IGNORE_ANNOTATION_PREFIX: &str = "ignore-check.rampart.dev/";

/// An RFC 1123 label, as Kubernetes requires of namespace and Service
/// names: 1–63 lowercase letters, digits and `-`, not starting or ending
/// with `-`.
pub fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}
