//! What a binding grants: permission probes evaluated against a binding's
//! role within the binding's scope. Risky-grant rules, the escalation graph
//! and `show` ask their questions through here.

use std::fmt;

use crate::model::{Binding, Model};

/// A permission asked about: any of `verbs` on any of `resources` (each
/// `resource` or `resource/subresource`) in API group `group`, on every
/// object (no name), so a rule limited by `resourceNames` does not count —
/// or, when `names` is set, on one of those objects.
#[derive(Clone, Copy, Debug)]
pub struct Probe {
    pub verbs: &'static [&'static str],
    pub group: &'static str,
    pub resources: &'static [&'static str],
    pub names: &'static [&'static str],
}

impl Probe {
    pub const fn new(
        verbs: &'static [&'static str],
        group: &'static str,
        resources: &'static [&'static str],
    ) -> Self {
        Probe {
            verbs,
            group,
            resources,
            names: &[],
        }
    }

    /// The probe, also matched by rules limited to one of `names` (the
    /// dangerous objects of that resource).
    pub const fn or_named(mut self, names: &'static [&'static str]) -> Self {
        self.names = names;
        self
    }
}

const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

/// Where a binding's grants apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope<'a> {
    /// A ClusterRoleBinding: every namespace, cluster-scoped resources and
    /// non-resource URLs.
    Cluster,
    /// A RoleBinding: namespaced resources of this namespace.
    Namespace(&'a str),
}

impl Scope<'_> {
    pub fn of(b: &Binding) -> Scope<'_> {
        match &b.namespace {
            None => Scope::Cluster,
            Some(ns) => Scope::Namespace(ns),
        }
    }
}

impl fmt::Display for Scope<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Cluster => f.write_str("cluster-wide"),
            Scope::Namespace(ns) => write!(f, "in namespace {ns}"),
        }
    }
}

/// One permission a binding grants: the verb and resource of the probe
/// that matched, and the rule of the binding's role that grants it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grant {
    pub verb: &'static str,
    pub group: &'static str,
    pub resource: &'static str,
    pub rule_index: usize,
}

impl fmt::Display for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.verb == "*" && self.resource == "*" {
            return f.write_str("every verb on every resource");
        }
        if self.group.is_empty() {
            write!(f, "{} {}", self.verb, self.resource)
        } else {
            let (r, sub) = match self.resource.split_once('/') {
                Some((r, s)) => (r, Some(s)),
                None => (self.resource, None),
            };
            write!(f, "{} {r}.{}", self.verb, self.group)?;
            match sub {
                Some(s) => write!(f, "/{s}"),
                None => Ok(()),
            }
        }
    }
}

/// How a probe's request for `verb` on `group`/`resource` stands within
/// `scope`, as the API server would build it: cluster-scoped resources
/// carry no namespace, so a RoleBinding cannot grant them; a Namespace
/// object is asked for by name (a RoleBinding in namespace X may grant
/// `patch` on the Namespace X itself); and the `bind` check on roles and
/// ClusterRoles is asked in the namespace of the binding being written,
/// even for ClusterRoles: a RoleBinding in X granting `bind` on
/// `clusterroles` lets its holder bind any ClusterRole within X.
enum ScopeRequest<'a> {
    Outside,
    Unnamed,
    Named(&'a str),
}

fn scope_request<'a>(
    model: &Model,
    verb: &str,
    group: &str,
    resource: &str,
    scope: Scope<'a>,
) -> ScopeRequest<'a> {
    match scope {
        Scope::Cluster => ScopeRequest::Unnamed,
        Scope::Namespace(_) if group == RBAC_GROUP && verb == "bind" => ScopeRequest::Unnamed,
        Scope::Namespace(ns) if group.is_empty() && resource == "namespaces" => {
            ScopeRequest::Named(ns)
        }
        Scope::Namespace(_) if model.is_cluster_scoped(group, resource) => ScopeRequest::Outside,
        Scope::Namespace(_) => ScopeRequest::Unnamed,
    }
}

impl Model {
    /// The first permission of `probe` that binding `b` grants (through
    /// its role, within its scope), or `None` — also when its role is
    /// missing.
    pub fn binding_grants(&self, b: &Binding, probe: &Probe) -> Option<Grant> {
        let role = &self.roles[b.role?];
        let scope = Scope::of(b);
        let group = probe.group;
        for &resource in probe.resources {
            let (res, sub) = resource.split_once('/').unwrap_or((resource, ""));
            for &verb in probe.verbs {
                // The name the request carries: none, or the namespace's
                // own for a Namespace object through a RoleBinding.
                let implied = match scope_request(self, verb, group, res, scope) {
                    ScopeRequest::Outside => continue,
                    ScopeRequest::Unnamed => None,
                    ScopeRequest::Named(n) => Some(n),
                };
                let names = std::iter::once(implied).chain(probe.names.iter().map(|n| Some(*n)));
                for name in names {
                    if let Some(rule_index) = role
                        .rules
                        .iter()
                        .position(|r| r.rule.allows_parts(verb, group, res, sub, name))
                    {
                        return Some(Grant {
                            verb,
                            group,
                            resource,
                            rule_index,
                        });
                    }
                }
            }
        }
        None
    }

    /// The first permission of any of `probes` that `b` grants.
    pub fn binding_grants_any(&self, b: &Binding, probes: &[Probe]) -> Option<Grant> {
        probes.iter().find_map(|p| self.binding_grants(b, p))
    }
}
