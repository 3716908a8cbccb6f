//! rampart's NetworkPolicy engine: which pods can reach which, decided
//! exactly as the NetworkPolicy API defines it, with every verdict
//! explained.
//!
//! # Semantics
//!
//! - A pod is isolated for ingress (egress) when a policy of its namespace
//!   selects it and has `Ingress` (`Egress`) among its policyTypes;
//!   otherwise that direction allows everything. What an isolated pod
//!   allows is the union of the rules of every policy isolating it. A
//!   connection needs the source's egress and the destination's ingress.
//! - policyTypes are defaulted as the API server does: `[Ingress]`, plus
//!   `Egress` when `egress` has rules (an empty `egress: []` does not
//!   count). Port protocols default to TCP.
//! - A rule allows a connection when one of its peers matches (no peers:
//!   everyone, inside and outside the cluster) and one of its ports does
//!   (no ports: every port and protocol).
//! - Peers: `podSelector` alone selects pods of the policy's namespace;
//!   `namespaceSelector` alone every pod of the namespaces it selects;
//!   both in one peer, the pods matching both; `ipBlock`, the addresses of
//!   `cidr` minus `except`. Namespaces carry the automatic
//!   `kubernetes.io/metadata.name` label.
//! - Named ports resolve on the destination pod's container ports, and
//!   only for the protocol written; `endPort` makes a range.
//! - Workloads stand for their pods: an object with a pod template
//!   (Deployment, StatefulSet, DaemonSet, Job, CronJob, Pod, ...) carries
//!   the pods' labels and ports. Pod addresses are not known from
//!   manifests, so there `ipBlock` peers match only addresses outside the
//!   cluster; a cluster snapshot's Pods carry `status.podIPs`, and then
//!   `ipBlock`s match the workloads owning those pods too, as the upstream
//!   e2e tests expect (an option: [`Options`]).
//! - Policies the API server would reject (a peer with both `ipBlock` and
//!   a selector, an empty peer, an `except` outside its `cidr`, a bad
//!   port) are reported and left out, never half-evaluated.

mod eval;
pub mod ipset;
mod matrix;
mod model;
pub mod ports;

#[cfg(test)]
mod tests;

pub use eval::{Endpoint, RuleRef, Side, Verdict};
pub use matrix::{Classes, Exposure, Link};
pub use model::{
    DEFAULT_NAMESPACE, Direction, Labels, Model, NAMESPACE_NAME_LABEL, Namespace, Options, Peer,
    Policy, Rule, Workload,
};
