//! Effective permissions of one principal: every rule that applies to it,
//! with the scope it applies in and the binding that grants it.

use std::sync::Arc;

use rampart_core::ObjectRef;
use serde::Serialize;

use crate::authz::Latent;
use crate::model::Model;
use crate::rule::Rule;
use crate::subject::{MASTERS, Principal, Subject};

/// One rule granted to the principal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Permission {
    /// The namespace the rule applies in; `None`: cluster-wide.
    pub namespace: Option<String>,
    /// The rule as it applies there. Through a RoleBinding, cluster-scoped
    /// resources and non-resource URLs grant nothing and are left out (a
    /// rule left with nothing is not listed).
    pub rule: Rule,
    pub binding: Arc<ObjectRef>,
    /// The binding's subject through which the principal is named.
    pub subject: Subject,
    pub role: Arc<ObjectRef>,
    pub rule_index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aggregated_from: Option<Arc<ObjectRef>>,
}

/// What a principal may do.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Permissions {
    /// Set when a group bypasses authorization (`system:masters`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bypass: Option<String>,
    /// Cluster-wide rules first, then by namespace, each in binding order.
    pub rules: Vec<Permission>,
    /// Bindings naming the principal whose role is missing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub latent: Vec<Latent>,
}

/// The part of `rule` a RoleBinding can grant: namespaced resources only.
fn namespaced_part(model: &Model, rule: &Rule) -> Option<Rule> {
    let mut r = rule.clone();
    r.non_resource_urls.clear();
    r.resources.retain(|res| {
        let base = res.split('/').next().unwrap_or(res);
        // Kept when some listed group leaves it namespaced (`*` may be a
        // custom group), and `namespaces`, since a RoleBinding grants
        // access to its own Namespace object.
        res == "*"
            || base == "*"
            || base == "namespaces"
            || r.api_groups
                .iter()
                .any(|g| g == "*" || !model.is_cluster_scoped(g, base))
    });
    (!r.resources.is_empty() && !r.verbs.is_empty()).then_some(r)
}

impl Model {
    /// Every rule that applies to `principal`, where it applies, and why.
    pub fn show(&self, principal: &Principal) -> Permissions {
        let mut out = Permissions::default();
        if principal.is_master() {
            out.bypass = Some(MASTERS.to_string());
        }
        for (b, si) in self.bindings_of(principal) {
            let subject = b.subjects[si].clone();
            let Some(role) = b.role else {
                out.latent.push(Latent {
                    binding: b.id.clone(),
                    subject,
                    role_kind: b.role_ref.kind.clone(),
                    role_name: b.role_ref.name.clone(),
                });
                continue;
            };
            let role = &self.roles[role];
            for (i, r) in role.rules.iter().enumerate() {
                let rule = match &b.namespace {
                    None => Some(r.rule.clone()),
                    Some(_) => namespaced_part(self, &r.rule),
                };
                let Some(rule) = rule else { continue };
                out.rules.push(Permission {
                    namespace: b.namespace.clone(),
                    rule,
                    binding: b.id.clone(),
                    subject: subject.clone(),
                    role: role.id.clone(),
                    rule_index: i,
                    aggregated_from: r.aggregated_from.clone(),
                });
            }
        }
        // Stable sort: cluster-wide first, then namespaces by name, binding
        // order within each.
        out.rules.sort_by(|a, b| {
            a.namespace
                .is_some()
                .cmp(&b.namespace.is_some())
                .then(a.namespace.cmp(&b.namespace))
        });
        out
    }
}
