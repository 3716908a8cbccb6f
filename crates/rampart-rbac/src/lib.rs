//! rampart's RBAC engine: the Kubernetes RBAC authorizer, evaluated offline
//! over a [`rampart_core::Inventory`], with an explanation for every
//! answer.
//!
//! # The model
//!
//! [`Model::build`] reads every `Role`, `ClusterRole`, `RoleBinding` and
//! `ClusterRoleBinding` of group `rbac.authorization.k8s.io` from the
//! inventory (the last copy of an object wins, as with `kubectl apply`;
//! objects that do not decode are skipped and reported in
//! [`Model::diagnostics`]). Namespaced objects without a namespace are put
//! in `default`.
//!
//! - **Aggregated ClusterRoles** are resolved as the aggregation controller
//!   does: the rules of a ClusterRole with an `aggregationRule` are
//!   *replaced* by the union of the rules of every other ClusterRole whose
//!   labels match one of its `clusterRoleSelectors` (exact label-selector
//!   semantics). Each such rule remembers where it came from.
//! - **Bindings** keep their normalised [`Subject`]s: a `ServiceAccount`
//!   subject without a namespace takes the RoleBinding's namespace (in a
//!   ClusterRoleBinding it matches nothing), and a `User` named
//!   `system:serviceaccount:NS:NAME` is that service account. A binding
//!   whose role is missing grants nothing but is reported (a latent grant:
//!   it takes effect when the role appears).
//! - Bindings are indexed by subject (user name or group name) and by
//!   namespace, so [`Model::can`] looks only at the bindings naming the
//!   principal and [`Model::who_can`] only at the bindings in scope, each
//!   role's rules evaluated once per query.
//!
//! # Deciding
//!
//! A [`Principal`] is a user name and its groups, implicit ones included
//! (service accounts are in `system:serviceaccounts`,
//! `system:serviceaccounts:NS` and `system:authenticated`). A [`Request`] is
//! either resource attributes (verb, API group, resource, subresource,
//! name, namespace or cluster-wide) or a non-resource URL and verb, as
//! `kubectl auth can-i` takes them.
//!
//! A request is allowed when `system:masters` is among the groups (it
//! bypasses authorization), or when some binding in scope names the
//! principal and its role has a rule that matches ([`Rule::allows`]):
//!
//! - scope: ClusterRoleBindings apply to every request; RoleBindings only
//!   to requests in their namespace. So a ClusterRole bound by a
//!   RoleBinding grants namespaced resources in that namespace only, never
//!   cluster-scoped resources or non-resource URLs;
//! - verbs: `*` matches every verb, custom ones included;
//! - apiGroups: `*` any, `""` the core group only;
//! - resources: `*` matches every resource and subresource, `*/sub` that
//!   subresource of any resource, anything else (`pods/*` included) is
//!   literal, so `pods` does not grant `pods/exec`;
//! - resourceNames: empty matches all; otherwise the request must carry one
//!   of the names, so a nameless `create` or `deletecollection` never
//!   matches, and `list`/`watch` match only with a name (the
//!   `metadata.name` field selector);
//! - nonResourceURLs: `*` alone, a trailing-`*` prefix, or exact.
//!
//! Requests are normalised first as the API server's request-info resolver
//! builds them: built-in cluster-scoped resources carry no namespace, and
//! a request for one `namespaces` object is in that namespace.
//!
//! Every grant is explained as a [`GrantPath`]: binding → subject → role →
//! rule index.
//!
//! The roles and bindings every cluster has (the kube-apiserver's RBAC
//! bootstrap policy) are in [`defaults`], to load before manifests when an
//! analysis should assume a stock cluster.
//!
//! # Beyond single requests
//!
//! - [`Probe`] / [`Model::binding_grants`]: what one binding grants within
//!   its scope; [`risk`] is the catalogue of risky permissions the RBAC
//!   rules (in `rampart-rules`) report.
//! - [`Model::show`]: every rule that applies to a principal, by scope.
//! - [`Graph`]: the escalation graph (who can become whom) and the shortest
//!   chain from each identity to cluster-admin equivalence.

mod attrs;
mod authz;
pub mod defaults;
mod grants;
mod model;
mod paths;
pub mod risk;
mod rule;
mod show;
mod subject;

#[cfg(test)]
mod paths_tests;
#[cfg(test)]
mod tests;

pub use attrs::{Request, ResourceAttributes, is_cluster_scoped, is_cluster_scoped_in_any_group};
pub use authz::{Decision, GrantPath, Latent, WhoCan};
pub use grants::{Grant, Probe, Scope};
pub use model::{
    BOOTSTRAPPING_LABEL, Binding, DEFAULT_NAMESPACE, Model, RBAC_GROUP, Role, RoleRef, RoleRule,
};
pub use paths::{EscalationPath, Graph, Step};
pub use rule::{
    Rule, api_group_matches, non_resource_url_matches, resource_matches, resource_name_matches,
    verb_matches,
};
pub use show::{Permission, Permissions};
pub use subject::{Principal, Subject, split_sa_username};

/// A subject or request that cannot be parsed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("`{0}` is not a subject: expected user:NAME, group:NAME or sa:NAMESPACE:NAME")]
    Subject(String),
    #[error("invalid request: {0}")]
    Request(String),
}
