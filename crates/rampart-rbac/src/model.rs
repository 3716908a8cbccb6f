//! The RBAC model built from an inventory: roles (aggregation resolved),
//! bindings, and the indexes `can` and `who_can` use.

use std::collections::BTreeMap;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::sync::Arc;

use k8s_openapi::api::rbac::v1 as rbac;
use rampart_core::selector::Selector;
use rampart_core::{Diagnostic, Inventory, Object, ObjectRef};
use serde::Serialize;

use crate::attrs::Request;
use crate::rule::Rule;
use crate::subject::{Key, Subject};

pub const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

/// The namespace a namespaced RBAC object without `metadata.namespace` is
/// taken to be in (what `kubectl apply` does with the default context).
pub const DEFAULT_NAMESPACE: &str = "default";

/// A rule of a role, with the ClusterRole it was aggregated from, if any.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RoleRule {
    pub rule: Rule,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aggregated_from: Option<Arc<ObjectRef>>,
}

/// A Role (`cluster: false`) or ClusterRole (`cluster: true`) with its
/// effective rules: for an aggregated ClusterRole, the union of the rules of
/// the ClusterRoles its selectors pick, replacing its own.
#[derive(Clone, Debug, Serialize)]
pub struct Role {
    pub id: Arc<ObjectRef>,
    /// Index in the inventory's objects.
    #[serde(skip)]
    pub object: usize,
    /// Created and reconciled by Kubernetes itself (labelled
    /// `kubernetes.io/bootstrapping: rbac-defaults`).
    #[serde(skip)]
    pub stock: bool,
    pub cluster: bool,
    /// Set for Roles only.
    pub namespace: Option<String>,
    pub rules: Vec<RoleRule>,
    /// Whether `rules` came from an `aggregationRule`.
    pub aggregated: bool,
    #[serde(skip)]
    labels: BTreeMap<String, String>,
    #[serde(skip)]
    selectors: Option<Vec<Selector>>,
}

/// What a binding's `roleRef` names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RoleRef {
    /// `Role` or `ClusterRole`.
    pub kind: String,
    pub name: String,
}

/// A RoleBinding (`namespace: Some`) or ClusterRoleBinding
/// (`namespace: None`).
#[derive(Clone, Debug, Serialize)]
pub struct Binding {
    pub id: Arc<ObjectRef>,
    /// Its position in [`Model::bindings`].
    #[serde(skip)]
    pub index: usize,
    /// Index in the inventory's objects.
    #[serde(skip)]
    pub object: usize,
    /// Created and reconciled by Kubernetes itself.
    #[serde(skip)]
    pub stock: bool,
    pub namespace: Option<String>,
    pub role_ref: RoleRef,
    /// Index into [`Model::roles`]; `None` when the role is not in the
    /// inventory (a latent grant: it takes effect when the role appears).
    #[serde(skip)]
    pub role: Option<usize>,
    /// Subjects, normalised (service-account namespaces resolved).
    pub subjects: Vec<Subject>,
    /// For each of `subjects`, its index in the object's `subjects` list
    /// (subjects that match nothing are left out of `subjects`).
    #[serde(skip)]
    pub subject_positions: Vec<usize>,
}

/// Roles and bindings of one inventory, indexed.
#[derive(Debug, Default)]
pub struct Model {
    pub roles: Vec<Role>,
    pub bindings: Vec<Binding>,
    /// Objects that could not be used, and dangling references.
    pub diagnostics: Vec<Diagnostic>,
    /// (namespace for Roles / None for ClusterRoles, name) → role.
    roles_by_name: HashMap<(Option<String>, String), usize>,
    /// Subject key → (binding, subject index).
    pub(crate) by_subject: HashMap<Key, Vec<(u32, u32)>>,
    pub(crate) cluster_bindings: Vec<u32>,
    pub(crate) namespace_bindings: HashMap<String, Vec<u32>>,
    /// Per grant class (see [`Model::grant_classes`]), the grants of each
    /// [`crate::risk::ALL`] risk.
    pub(crate) risk_grants: std::sync::OnceLock<Vec<RiskGrants>>,
    grant_classes: std::sync::OnceLock<GrantClasses>,
    /// (group, plural) → cluster-scoped?, from the input's
    /// CustomResourceDefinitions.
    custom_scopes: HashMap<(String, String), bool>,
}

/// Bindings grouped by what they grant (see [`Model::grant_classes`]).
#[derive(Debug, Default)]
pub struct GrantClasses {
    /// Binding index → its class.
    pub of_binding: Vec<usize>,
    /// Class → one binding of it.
    pub representative: Vec<usize>,
}

pub(crate) type RiskGrants = Box<[Option<Vec<crate::grants::Grant>>]>;

fn is_rbac(o: &Object) -> bool {
    o.group() == RBAC_GROUP
}

fn diag(o: &Object, code: &'static str, warning: bool, message: String) -> Diagnostic {
    let d = if warning {
        Diagnostic::warning(code, message)
    } else {
        Diagnostic::error(code, message)
    };
    d.in_file(&o.file, Some(o.root.start))
}

/// Keeps the last object for each (kind, namespace, name), as
/// `kubectl apply` would, in input order of that last occurrence.
/// Objects come with their index in the inventory.
fn last_wins<'a>(inventory: &'a Inventory, kind: &str) -> Vec<(usize, &'a Object)> {
    let all: Vec<(usize, &Object)> = inventory
        .of_kind_indexed(kind)
        .filter(|(_, o)| is_rbac(o))
        .collect();
    let mut last: HashMap<(Option<&str>, &str), usize> = HashMap::default();
    for (i, (_, o)) in all.iter().enumerate() {
        last.insert((o.namespace(), o.name()), i);
    }
    all.iter()
        .enumerate()
        .filter(|(i, (_, o))| last.get(&(o.namespace(), o.name())) == Some(i))
        .map(|(_, x)| *x)
        .collect()
}

/// The objects of `kind` (last copy of each), decoded in parallel, in
/// input order.
fn decode<'a, T: serde::de::DeserializeOwned + Send>(
    inventory: &'a Inventory,
    kind: &str,
) -> Vec<(usize, &'a Object, Result<T, rampart_core::de::DeError>)> {
    use rayon::prelude::*;
    last_wins(inventory, kind)
        .into_par_iter()
        .map(|(index, o)| (index, o, rampart_core::de::from_node::<T>(&o.root)))
        .collect()
}

/// The label Kubernetes puts on the roles and bindings it creates and
/// reconciles itself (`rbac-defaults`).
pub const BOOTSTRAPPING_LABEL: &str = "kubernetes.io/bootstrapping";

fn is_stock(o: &Object) -> bool {
    o.label(BOOTSTRAPPING_LABEL) == Some("rbac-defaults")
}

fn namespace_of(o: &Object) -> String {
    o.namespace()
        .filter(|n| !n.is_empty())
        .unwrap_or(DEFAULT_NAMESPACE)
        .to_string()
}

impl Model {
    /// Builds the model from every Role, ClusterRole, RoleBinding and
    /// ClusterRoleBinding (group `rbac.authorization.k8s.io`) in
    /// `inventory`. Objects that do not decode are skipped with a
    /// diagnostic; nothing here fails as a whole.
    pub fn build(inventory: &Inventory) -> Model {
        let mut m = Model::default();
        for crd in inventory.of_kind("CustomResourceDefinition") {
            let Some(spec) = crd.root.get("spec") else {
                continue;
            };
            let text =
                |n: Option<&rampart_core::Node>| n.and_then(|n| n.as_str()).map(str::to_string);
            if let (Some(group), Some(plural)) = (
                text(spec.get("group")),
                text(spec.path(&["names", "plural"])),
            ) {
                let cluster = text(spec.get("scope")).as_deref() == Some("Cluster");
                m.custom_scopes.insert((group, plural), cluster);
            }
        }
        for (index, o, decoded) in decode::<rbac::ClusterRole>(inventory, "ClusterRole") {
            match decoded {
                Ok(cr) => m.add_cluster_role(index, o, cr),
                Err(e) => m.diagnostics.push(o.invalid_field(&e)),
            }
        }
        for (index, o, decoded) in decode::<rbac::Role>(inventory, "Role") {
            match decoded {
                Ok(r) => {
                    let ns = namespace_of(o);
                    let rules = r.rules.unwrap_or_default().into_iter().map(Rule::from);
                    m.push_role(index, o, Some(ns), rules, BTreeMap::new(), None);
                }
                Err(e) => m.diagnostics.push(o.invalid_field(&e)),
            }
        }
        m.aggregate();
        for (index, o, decoded) in
            decode::<rbac::ClusterRoleBinding>(inventory, "ClusterRoleBinding")
        {
            match decoded {
                Ok(b) => m.add_binding(index, o, None, b.role_ref, b.subjects.unwrap_or_default()),
                Err(e) => m.diagnostics.push(o.invalid_field(&e)),
            }
        }
        for (index, o, decoded) in decode::<rbac::RoleBinding>(inventory, "RoleBinding") {
            match decoded {
                Ok(b) => {
                    let ns = namespace_of(o);
                    m.add_binding(
                        index,
                        o,
                        Some(ns),
                        b.role_ref,
                        b.subjects.unwrap_or_default(),
                    )
                }
                Err(e) => m.diagnostics.push(o.invalid_field(&e)),
            }
        }
        m
    }

    fn add_cluster_role(&mut self, index: usize, o: &Object, cr: rbac::ClusterRole) {
        let labels: BTreeMap<String, String> =
            cr.metadata.labels.unwrap_or_default().into_iter().collect();
        let selectors = cr.aggregation_rule.map(|a| {
            let mut out = Vec::new();
            for s in a.cluster_role_selectors.unwrap_or_default() {
                match Selector::from_label_selector(Some(&s)) {
                    Ok(sel) => out.push(sel),
                    Err(e) => self.diagnostics.push(diag(
                        o,
                        "rbac-invalid-selector",
                        false,
                        format!(
                            "ClusterRole \"{}\": aggregationRule selector ignored: {e}",
                            o.name()
                        ),
                    )),
                }
            }
            out
        });
        let rules = cr.rules.unwrap_or_default().into_iter().map(Rule::from);
        self.push_role(index, o, None, rules, labels, selectors);
    }

    fn push_role(
        &mut self,
        index: usize,
        o: &Object,
        namespace: Option<String>,
        rules: impl Iterator<Item = Rule>,
        labels: BTreeMap<String, String>,
        selectors: Option<Vec<Selector>>,
    ) {
        let idx = self.roles.len();
        self.roles_by_name
            .insert((namespace.clone(), o.name().to_string()), idx);
        self.roles.push(Role {
            id: o.id.clone(),
            object: index,
            stock: is_stock(o),
            cluster: namespace.is_none(),
            namespace,
            rules: rules
                .map(|rule| RoleRule {
                    rule,
                    aggregated_from: None,
                })
                .collect(),
            aggregated: false,
            labels,
            selectors,
        });
    }

    /// Resolves aggregated ClusterRoles as the aggregation controller
    /// converges: an aggregating role's rules are replaced by the union of
    /// the rules of every other ClusterRole its selectors match (selector
    /// order, then role name order, duplicates dropped). A selected role
    /// that aggregates itself contributes its own aggregated rules, so
    /// chains resolve transitively; cycles contribute the union of the
    /// non-aggregating roles they reach.
    fn aggregate(&mut self) {
        let mut cluster: Vec<usize> = (0..self.roles.len())
            .filter(|&i| self.roles[i].cluster)
            .collect();
        cluster.sort_by(|&a, &b| self.roles[a].id.name.cmp(&self.roles[b].id.name));
        let aggregating: Vec<usize> = cluster
            .iter()
            .copied()
            .filter(|&i| self.roles[i].selectors.is_some())
            .collect();
        let mut resolved = Vec::with_capacity(aggregating.len());
        for &a in &aggregating {
            let mut out: Vec<RoleRule> = Vec::new();
            let mut seen_rules: HashSet<Rule> = HashSet::default();
            let mut visited: HashSet<usize> = [a].into_iter().collect();
            self.collect_aggregate(a, &cluster, &mut visited, &mut seen_rules, &mut out);
            resolved.push((a, out));
        }
        for (a, rules) in resolved {
            self.roles[a].rules = rules;
            self.roles[a].aggregated = true;
        }
    }

    fn collect_aggregate(
        &self,
        role: usize,
        cluster: &[usize],
        visited: &mut HashSet<usize>,
        seen: &mut HashSet<Rule>,
        out: &mut Vec<RoleRule>,
    ) {
        let Some(selectors) = &self.roles[role].selectors else {
            return;
        };
        for sel in selectors {
            for &c in cluster {
                if c == role || visited.contains(&c) {
                    continue;
                }
                let labels = &self.roles[c].labels;
                if !sel.matches(|k| labels.get(k).map(String::as_str)) {
                    continue;
                }
                visited.insert(c);
                if self.roles[c].selectors.is_some() {
                    self.collect_aggregate(c, cluster, visited, seen, out);
                } else {
                    for r in &self.roles[c].rules {
                        if seen.insert(r.rule.clone()) {
                            out.push(RoleRule {
                                rule: r.rule.clone(),
                                aggregated_from: Some(self.roles[c].id.clone()),
                            });
                        }
                    }
                }
            }
        }
    }

    fn add_binding(
        &mut self,
        index: usize,
        o: &Object,
        namespace: Option<String>,
        role_ref: rbac::RoleRef,
        subjects: Vec<rbac::Subject>,
    ) {
        let what = if namespace.is_some() {
            "RoleBinding"
        } else {
            "ClusterRoleBinding"
        };
        let role = match (role_ref.kind.as_str(), &namespace) {
            ("ClusterRole", _) => self.roles_by_name.get(&(None, role_ref.name.clone())),
            ("Role", Some(ns)) => self
                .roles_by_name
                .get(&(Some(ns.clone()), role_ref.name.clone())),
            (kind, _) => {
                self.diagnostics.push(diag(
                    o,
                    "rbac-invalid-roleref",
                    false,
                    format!(
                        "{what} \"{}\": roleRef kind `{kind}` is not allowed here; the API server rejects it, so it grants nothing",
                        o.name()
                    ),
                ));
                return;
            }
        }
        .copied();
        let mut subs = Vec::with_capacity(subjects.len());
        let mut positions = Vec::with_capacity(subjects.len());
        for (position, s) in subjects.into_iter().enumerate() {
            let sub = match s.kind.as_str() {
                "User" => Subject::user(&s.name),
                "Group" => Subject::group(&s.name),
                "ServiceAccount" => {
                    let ns = s
                        .namespace
                        .filter(|n| !n.is_empty())
                        .or_else(|| namespace.clone());
                    match ns {
                        Some(ns) => Subject::sa(&ns, &s.name),
                        None => {
                            self.diagnostics.push(diag(
                                o,
                                "rbac-invalid-subject",
                                true,
                                format!(
                                    "{what} \"{}\": ServiceAccount subject \"{}\" has no namespace and matches nothing",
                                    o.name(),
                                    s.name
                                ),
                            ));
                            continue;
                        }
                    }
                }
                other => {
                    self.diagnostics.push(diag(
                        o,
                        "rbac-invalid-subject",
                        true,
                        format!(
                            "{what} \"{}\": subject kind `{other}` is unknown and matches nothing",
                            o.name()
                        ),
                    ));
                    continue;
                }
            };
            subs.push(sub);
            positions.push(position);
        }
        let b = self.bindings.len() as u32;
        for (i, s) in subs.iter().enumerate() {
            self.by_subject
                .entry(s.key())
                .or_default()
                .push((b, i as u32));
        }
        match &namespace {
            Some(ns) => self
                .namespace_bindings
                .entry(ns.clone())
                .or_default()
                .push(b),
            None => self.cluster_bindings.push(b),
        }
        self.bindings.push(Binding {
            id: o.id.clone(),
            index: b as usize,
            object: index,
            stock: is_stock(o),
            namespace,
            role_ref: RoleRef {
                kind: role_ref.kind,
                name: role_ref.name,
            },
            role,
            subjects: subs,
            subject_positions: positions,
        });
    }

    /// Bindings that grant exactly the same permissions, grouped: same
    /// role, same kind of scope (a RoleBinding grants the same in any
    /// namespace, up to names), and — only when a rule of the role is
    /// limited by `resourceNames`, where the Namespace object's own name
    /// can matter — the same namespace. Audits evaluate one binding per
    /// class: thousands of bindings share a handful of ClusterRoles.
    pub fn grant_classes(&self) -> &GrantClasses {
        self.grant_classes.get_or_init(|| {
            let mut classes: HashMap<(Option<usize>, bool, Option<&str>), usize> =
                HashMap::default();
            let mut out = GrantClasses::default();
            for b in &self.bindings {
                let named = b.role.is_some_and(|r| {
                    self.roles[r]
                        .rules
                        .iter()
                        .any(|x| !x.rule.resource_names.is_empty())
                });
                let namespace = if named { b.namespace.as_deref() } else { None };
                let key = (b.role, b.namespace.is_some(), namespace);
                let next = classes.len();
                let class = *classes.entry(key).or_insert(next);
                if class == next {
                    out.representative.push(b.index);
                }
                out.of_binding.push(class);
            }
            out
        })
    }

    /// Whether `group`/`resource` is cluster-scoped: a built-in one, or a
    /// custom resource whose CustomResourceDefinition in the input says
    /// `scope: Cluster`.
    pub fn is_cluster_scoped(&self, group: &str, resource: &str) -> bool {
        crate::attrs::is_cluster_scoped(group, resource)
            || self
                .custom_scopes
                .get(&(group.to_string(), resource.to_string()))
                .copied()
                .unwrap_or(false)
    }

    /// What the input's CustomResourceDefinitions say about `resource`
    /// (of `group`, or of any group when `None`): `Some(true)` when one
    /// makes it cluster-scoped, `Some(false)` when all make it namespaced,
    /// `None` without one.
    pub fn custom_scope(&self, group: Option<&str>, resource: &str) -> Option<bool> {
        self.custom_scopes
            .iter()
            .filter(|((g, r), _)| r == resource && group.is_none_or(|x| x == g))
            .map(|(_, &cluster)| cluster)
            .reduce(|a, b| a || b)
    }

    /// Rewrites a request the way the API server's request-info resolver
    /// builds it: a cluster-scoped resource never has a namespace, and a
    /// request for one Namespace object (`/api/v1/namespaces/NAME[/status]`)
    /// is in that namespace. (`kubectl auth can-i -n NS` sends the
    /// namespace as given; the API server would never build such a request
    /// for a cluster-scoped resource, so rampart answers for the real one.)
    pub fn normalize(&self, request: &Request) -> Request {
        match request {
            Request::Resource(r) => {
                let mut r = r.clone();
                if r.api_group.is_empty() && r.resource == "namespaces" {
                    r.namespace = r.name.clone().filter(|n| !n.is_empty());
                } else if self.is_cluster_scoped(&r.api_group, &r.resource) {
                    r.namespace = None;
                }
                Request::Resource(r)
            }
            other => other.clone(),
        }
    }

    /// The role named `name`: a ClusterRole when `namespace` is `None`.
    pub fn role(&self, namespace: Option<&str>, name: &str) -> Option<&Role> {
        self.roles_by_name
            .get(&(namespace.map(str::to_string), name.to_string()))
            .map(|&i| &self.roles[i])
    }

    /// Bindings whose role is not in the inventory (latent grants).
    pub fn dangling_bindings(&self) -> impl Iterator<Item = &Binding> {
        self.bindings.iter().filter(|b| b.role.is_none())
    }

    /// Every subject named by a binding, sorted and deduplicated.
    pub fn subjects(&self) -> Vec<Subject> {
        let mut all: Vec<Subject> = self
            .bindings
            .iter()
            .flat_map(|b| b.subjects.iter().cloned())
            .collect();
        all.sort();
        all.dedup();
        all
    }
}
