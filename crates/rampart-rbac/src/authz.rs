//! Authorization decisions with their explanations: `can` and `who_can`.

use rustc_hash::FxHashMap as HashMap;
use std::sync::Arc;

use rampart_core::ObjectRef;
use serde::Serialize;

use crate::attrs::Request;
use crate::model::{Binding, Model};
use crate::subject::{MASTERS, Principal, Subject};

/// One explanation of a grant: this binding names this subject and refers
/// to this role, whose rule `rule_index` (in the role's effective rules)
/// allows the request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GrantPath {
    pub binding: Arc<ObjectRef>,
    /// The binding's subject through which the grant applies.
    pub subject: Subject,
    pub role: Arc<ObjectRef>,
    pub rule_index: usize,
    /// For an aggregated ClusterRole, the ClusterRole the rule came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aggregated_from: Option<Arc<ObjectRef>>,
}

/// A binding that would apply but whose role is missing from the input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Latent {
    pub binding: Arc<ObjectRef>,
    pub subject: Subject,
    pub role_kind: String,
    pub role_name: String,
}

/// The answer to `can`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub allowed: bool,
    /// Set when a group bypasses authorization (`system:masters`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bypass: Option<String>,
    /// Every binding → role → rule that allows the request.
    pub because: Vec<GrantPath>,
    /// Bindings in scope for this principal whose role does not exist.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub latent: Vec<Latent>,
}

/// The answer to `who_can`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct WhoCan {
    /// Subjects allowed whatever RBAC says (`group:system:masters`).
    pub bypass: Vec<Subject>,
    /// Every (subject, grant) pair, in binding input order.
    pub grants: Vec<(Subject, GrantPath)>,
    /// Subjects of in-scope bindings whose role does not exist.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub latent: Vec<Latent>,
}

impl WhoCan {
    /// The distinct subjects allowed, bypass included, sorted.
    pub fn subjects(&self) -> Vec<Subject> {
        let mut s: Vec<Subject> = self
            .bypass
            .iter()
            .cloned()
            .chain(self.grants.iter().map(|(s, _)| s.clone()))
            .collect();
        s.sort();
        s.dedup();
        s
    }
}

impl Model {
    /// Whether binding `b` is consulted for a request in `namespace`:
    /// ClusterRoleBindings always; RoleBindings only for requests in their
    /// own namespace (never for cluster-wide or non-resource requests).
    fn in_scope(b: &Binding, namespace: Option<&str>) -> bool {
        match &b.namespace {
            None => true,
            Some(ns) => namespace == Some(ns.as_str()),
        }
    }

    /// The indices of `role`'s rules that allow `request`.
    fn granting_rules(&self, role: usize, request: &Request) -> Vec<usize> {
        self.roles[role]
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.rule.allows(request))
            .map(|(i, _)| i)
            .collect()
    }

    fn path(&self, b: &Binding, subject: &Subject, role: usize, rule_index: usize) -> GrantPath {
        let r = &self.roles[role];
        GrantPath {
            binding: b.id.clone(),
            subject: subject.clone(),
            role: r.id.clone(),
            rule_index,
            aggregated_from: r.rules[rule_index].aggregated_from.clone(),
        }
    }

    fn latent(b: &Binding, subject: &Subject) -> Latent {
        Latent {
            binding: b.id.clone(),
            subject: subject.clone(),
            role_kind: b.role_ref.kind.clone(),
            role_name: b.role_ref.name.clone(),
        }
    }

    /// The bindings that name `principal`'s user or one of its groups,
    /// each once (with the index of the first subject naming it), in
    /// input order. Uses the subject index: no scan of all bindings.
    pub fn bindings_of(&self, principal: &Principal) -> Vec<(&Binding, usize)> {
        self.binding_indices_of(principal)
            .into_iter()
            .map(|(b, s)| (&self.bindings[b], s))
            .collect()
    }

    /// [`Model::bindings_of`], as indices into [`Model::bindings`].
    pub fn binding_indices_of(&self, principal: &Principal) -> Vec<(usize, usize)> {
        let mut hits: Vec<(u32, u32)> = principal
            .keys()
            .filter_map(|k| self.by_subject.get(&k))
            .flatten()
            .copied()
            .collect();
        hits.sort_unstable();
        hits.dedup_by_key(|(b, _)| *b);
        hits.into_iter()
            .map(|(b, s)| (b as usize, s as usize))
            .collect()
    }

    /// Decides `request` for `principal` exactly as the RBAC authorizer
    /// does, after normalising the request (see [`Model::normalize`]),
    /// and lists every grant. Only the bindings naming the principal's user
    /// or one of its groups are looked at.
    pub fn can(&self, principal: &Principal, request: &Request) -> Decision {
        let request = self.normalize(request);
        if principal.is_master() {
            return Decision {
                allowed: true,
                bypass: Some(MASTERS.to_string()),
                ..Decision::default()
            };
        }
        let namespace = request.namespace();
        let mut d = Decision::default();
        let mut memo: HashMap<usize, Vec<usize>> = HashMap::default();
        for (b, si) in self.bindings_of(principal) {
            if !Self::in_scope(b, namespace) {
                continue;
            }
            let subject = &b.subjects[si];
            match b.role {
                None => d.latent.push(Self::latent(b, subject)),
                Some(role) => {
                    let rules = memo
                        .entry(role)
                        .or_insert_with(|| self.granting_rules(role, &request));
                    for &i in rules.iter() {
                        d.because.push(self.path(b, subject, role, i));
                    }
                }
            }
        }
        d.allowed = !d.because.is_empty();
        d
    }

    /// Every subject named in an in-scope binding whose role allows
    /// `request`, with the grant, plus `system:masters`. Implicit groups
    /// (`system:authenticated`, `system:serviceaccounts[:NS]`, ...) appear
    /// when a binding names them.
    pub fn who_can(&self, request: &Request) -> WhoCan {
        let request = self.normalize(request);
        let namespace = request.namespace();
        let mut out = WhoCan {
            bypass: vec![Subject::group(MASTERS)],
            ..WhoCan::default()
        };
        let mut candidates: Vec<u32> = self.cluster_bindings.clone();
        if let Some(ns) = namespace {
            candidates.extend(self.namespace_bindings.get(ns).into_iter().flatten());
        }
        candidates.sort_unstable();
        let mut memo: HashMap<usize, Vec<usize>> = HashMap::default();
        for bi in candidates {
            let b = &self.bindings[bi as usize];
            match b.role {
                None => {
                    for s in &b.subjects {
                        out.latent.push(Self::latent(b, s));
                    }
                }
                Some(role) => {
                    let rules = memo
                        .entry(role)
                        .or_insert_with(|| self.granting_rules(role, &request));
                    for s in &b.subjects {
                        for &i in rules.iter() {
                            out.grants.push((s.clone(), self.path(b, s, role, i)));
                        }
                    }
                }
            }
        }
        out
    }
}
