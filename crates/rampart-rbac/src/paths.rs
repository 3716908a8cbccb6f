//! Escalation paths: how an identity can become another, and the shortest
//! chain from each identity to cluster-admin equivalence.
//!
//! # The graph
//!
//! Nodes are identities (users, groups, service accounts) and a goal,
//! *cluster admin*. An identity reaches the goal directly when, through
//! its ClusterRoleBindings, it
//!
//! - holds `*` on `*` (full control), or is in `system:masters`;
//! - may impersonate groups (so `system:masters`);
//! - may create CSRs, approve them and sign for a signer (a client
//!   certificate in `system:masters`);
//! - may `bind` ClusterRoles and create ClusterRoleBindings, or `escalate`
//!   ClusterRoles and update them (it can grant itself cluster-admin).
//!
//! An identity becomes another identity when it
//!
//! - creates or changes workloads in namespace X, creates tokens there, or
//!   grants itself any role there (`bind`/`escalate` on roles with write on
//!   rolebindings/roles): every service account of X;
//! - execs or attaches into pods of X: the service accounts of the
//!   workloads of X (from the input) that mount their token;
//! - reads Secrets of X: the service accounts of X whose legacy token
//!   Secrets are in the input;
//! - holds `nodes/proxy` (any verb that reaches the kubelet): the service
//!   accounts of every workload;
//! - impersonates users / service accounts: every user / every service
//!   account of the namespace (or all).
//!
//! Cluster-wide grants reach every namespace. Every namespace has a
//! `default` service account, so "every service account of X" always
//! includes `default` and whatever groups grant it.
//!
//! Each identity acts with its own grants only: a chain does not combine
//! the permissions of the identities along it. Grants limited by
//! `resourceNames` are not followed.
//!
//! Shortest chains are found once for all identities by a breadth-first
//! search backwards from the goal.

use std::collections::{BTreeSet, VecDeque};

use rustc_hash::FxHashMap as HashMap;
use std::sync::Arc;

use rampart_core::{Inventory, ObjectRef};
use rayon::prelude::*;
use serde::Serialize;

use crate::grants::{Probe, Scope};
use crate::model::{Binding, Model};
use crate::subject::{MASTERS, Principal, Subject};

/// The permissions the graph follows on every object of a resource, one
/// bit each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum Cap {
    Full,
    ApproveCsr,
    SignCsr,
    CreateCsr,
    WriteClusterRoleBindings,
    WriteRoleBindings,
    /// Create pods, or create or change pod controllers: any service
    /// account of the namespace.
    WorkloadWrite,
    /// Change running pods (their image): the accounts they run as; a
    /// pod's service account cannot be changed.
    PodModify,
    CreateTokens,
    /// Exec or attach into running pods, or add ephemeral containers to
    /// them. Port-forwarding reaches a pod's ports, not its token.
    PodExec,
    ReadSecrets,
    NodesProxy,
}

const CAPS: [Cap; 12] = [
    Cap::Full,
    Cap::ApproveCsr,
    Cap::SignCsr,
    Cap::CreateCsr,
    Cap::WriteClusterRoleBindings,
    Cap::WriteRoleBindings,
    Cap::WorkloadWrite,
    Cap::PodModify,
    Cap::CreateTokens,
    Cap::PodExec,
    Cap::ReadSecrets,
    Cap::NodesProxy,
];

const RBAC: &str = "rbac.authorization.k8s.io";
const WRITE: &[&str] = &["create", "update", "patch"];

impl Cap {
    fn probes(self) -> &'static [Probe] {
        use crate::risk;
        const CREATE_CSR: &[Probe] = &[Probe::new(
            &["create"],
            "certificates.k8s.io",
            &["certificatesigningrequests"],
        )];
        const WRITE_CLUSTER_ROLE_BINDINGS: &[Probe] =
            &[Probe::new(WRITE, RBAC, &["clusterrolebindings"])];
        const WRITE_ROLE_BINDINGS: &[Probe] = &[Probe::new(WRITE, RBAC, &["rolebindings"])];
        const WORKLOAD_CREATE: &[Probe] = &[
            Probe::new(&["create"], "", &["pods"]),
            Probe::new(WRITE, "", &["replicationcontrollers"]),
            Probe::new(
                WRITE,
                "apps",
                &["deployments", "daemonsets", "statefulsets", "replicasets"],
            ),
            Probe::new(WRITE, "batch", &["jobs", "cronjobs"]),
        ];
        const POD_MODIFY: &[Probe] = &[Probe::new(&["update", "patch"], "", &["pods"])];
        const POD_EXEC: &[Probe] = &[
            Probe::new(&["create", "get"], "", &["pods/exec", "pods/attach"]),
            Probe::new(&["update", "patch"], "", &["pods/ephemeralcontainers"]),
        ];
        match self {
            Cap::Full => risk::FULL_CONTROL.probes,
            Cap::ApproveCsr => &risk::APPROVE_CSRS.probes[..1],
            Cap::SignCsr => &risk::APPROVE_CSRS.probes[1..],
            Cap::CreateCsr => CREATE_CSR,
            Cap::WriteClusterRoleBindings => WRITE_CLUSTER_ROLE_BINDINGS,
            Cap::WriteRoleBindings => WRITE_ROLE_BINDINGS,
            Cap::WorkloadWrite => WORKLOAD_CREATE,
            Cap::PodModify => POD_MODIFY,
            Cap::CreateTokens => risk::CREATE_TOKENS.probes,
            Cap::PodExec => POD_EXEC,
            Cap::ReadSecrets => risk::READ_SECRETS.probes,
            Cap::NodesProxy => risk::NODES_PROXY.probes,
        }
    }

    fn bit(self) -> u32 {
        1 << self as u8
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Caps(u32);

impl Caps {
    fn has(self, c: Cap) -> bool {
        self.0 & c.bit() != 0
    }
}

/// Permissions whose object names matter: whom one may impersonate, which
/// roles one may bind, escalate or rewrite. Kubernetes asks these with the
/// object's name, so a grant limited by `resourceNames` counts for those
/// names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Named {
    ImpersonateGroups,
    ImpersonateUsers,
    ImpersonateServiceAccounts,
    BindClusterRoles,
    BindRoles,
    EscalateClusterRoles,
    EscalateRoles,
    WriteClusterRoles,
    WriteRoles,
}

const NAMED: [Named; 9] = [
    Named::ImpersonateGroups,
    Named::ImpersonateUsers,
    Named::ImpersonateServiceAccounts,
    Named::BindClusterRoles,
    Named::BindRoles,
    Named::EscalateClusterRoles,
    Named::EscalateRoles,
    Named::WriteClusterRoles,
    Named::WriteRoles,
];

impl Named {
    /// (verbs, group, resource).
    fn request(self) -> (&'static [&'static str], &'static str, &'static str) {
        match self {
            Named::ImpersonateGroups => (&["impersonate"], "", "groups"),
            Named::ImpersonateUsers => (&["impersonate"], "", "users"),
            Named::ImpersonateServiceAccounts => (&["impersonate"], "", "serviceaccounts"),
            Named::BindClusterRoles => (&["bind"], RBAC, "clusterroles"),
            Named::BindRoles => (&["bind"], RBAC, "roles"),
            Named::EscalateClusterRoles => (&["escalate"], RBAC, "clusterroles"),
            Named::EscalateRoles => (&["escalate"], RBAC, "roles"),
            Named::WriteClusterRoles => (&["update", "patch"], RBAC, "clusterroles"),
            Named::WriteRoles => (&["update", "patch"], RBAC, "roles"),
        }
    }
}

/// Which objects of a resource a grant covers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
enum Names {
    #[default]
    None,
    Any,
    Some(BTreeSet<String>),
}

impl Names {
    fn merge(&mut self, other: &Names) {
        match (&mut *self, other) {
            (_, Names::None) | (Names::Any, _) => {}
            (_, Names::Any) => *self = Names::Any,
            (Names::None, Names::Some(o)) => *self = Names::Some(o.clone()),
            (Names::Some(s), Names::Some(o)) => s.extend(o.iter().cloned()),
        }
    }

    fn covers(&self, name: &str) -> bool {
        match self {
            Names::None => false,
            Names::Any => true,
            Names::Some(s) => s.contains(name),
        }
    }

    fn is_none(&self) -> bool {
        matches!(self, Names::None)
    }
}

/// What one grant class (bindings with the same role and scope kind)
/// grants that the graph follows.
#[derive(Clone, Debug, Default)]
struct ClassGrants {
    caps: Caps,
    names: [Names; NAMED.len()],
}

/// The objects of `named` that binding `b` grants within its scope.
fn names_granted(model: &Model, b: &Binding, named: Named) -> Names {
    let Some(role) = b.role else {
        return Names::None;
    };
    let (verbs, group, resource) = named.request();
    // Through a RoleBinding, a cluster-scoped resource is out of reach,
    // except for `bind`, which is asked in the new binding's namespace.
    if b.namespace.is_some() && model.is_cluster_scoped(group, resource) && verbs != ["bind"] {
        return Names::None;
    }
    let mut out = Names::None;
    for r in &model.roles[role].rules {
        let r = &r.rule;
        let matches = verbs.iter().any(|v| crate::rule::verb_matches(&r.verbs, v))
            && crate::rule::api_group_matches(&r.api_groups, group)
            && crate::rule::resource_matches(&r.resources, resource, "");
        if !matches {
            continue;
        }
        if r.resource_names.is_empty() {
            return Names::Any;
        }
        out.merge(&Names::Some(r.resource_names.iter().cloned().collect()));
    }
    out
}

fn class_grants(model: &Model, b: &Binding) -> ClassGrants {
    if b.role.is_none() {
        return ClassGrants::default();
    }
    let mut caps = 0;
    for cap in CAPS {
        if cap
            .probes()
            .iter()
            .any(|p| model.binding_grants(b, p).is_some())
        {
            caps |= cap.bit();
        }
    }
    ClassGrants {
        caps: Caps(caps),
        names: NAMED.map(|n| names_granted(model, b, n)),
    }
}

/// Which roles are worth binding: those that grant everything, or running
/// pods as any service account of a namespace. `cluster-admin`, `admin`
/// and `edit` exist in every cluster, so a grant on every ClusterRole
/// name reaches them even when the input does not hold them.
#[derive(Default)]
struct Targets {
    admin_cluster_roles: BTreeSet<String>,
    workload_cluster_roles: BTreeSet<String>,
    /// (namespace, name) of Roles.
    workload_roles: BTreeSet<(String, String)>,
}

impl Targets {
    fn of(model: &Model) -> Targets {
        let grants = |role: usize, probes: &[Probe]| {
            model.roles[role].rules.iter().any(|r| {
                probes.iter().any(|p| {
                    p.resources.iter().any(|res| {
                        let (res, sub) = res.split_once('/').unwrap_or((res, ""));
                        p.verbs
                            .iter()
                            .any(|v| r.rule.allows_parts(v, p.group, res, sub, None))
                    })
                })
            })
        };
        let mut t = Targets::default();
        t.admin_cluster_roles.insert("cluster-admin".to_string());
        for name in ["cluster-admin", "admin", "edit"] {
            t.workload_cluster_roles.insert(name.to_string());
        }
        for (i, role) in model.roles.iter().enumerate() {
            let full = grants(i, Cap::Full.probes());
            let workload = full || grants(i, Cap::WorkloadWrite.probes());
            match &role.namespace {
                None => {
                    if full {
                        t.admin_cluster_roles.insert(role.id.name.clone());
                    }
                    if workload {
                        t.workload_cluster_roles.insert(role.id.name.clone());
                    }
                }
                Some(ns) => {
                    if workload {
                        t.workload_roles.insert((ns.clone(), role.id.name.clone()));
                    }
                }
            }
        }
        t
    }
}

/// What an identity holds in one scope (cluster-wide, or one namespace),
/// with the bindings that give it.
#[derive(Default)]
struct Held {
    /// The first binding granting each capability.
    caps: [Option<usize>; CAPS.len()],
    /// Per named permission, each binding granting it and for which names.
    names: [Vec<(usize, Names)>; NAMED.len()],
    /// Roles bound to the identity here: (a ClusterRole?, name, binding).
    bound: Vec<(bool, String, usize)>,
}

impl Held {
    fn add(&mut self, bi: usize, b: &Binding, g: &ClassGrants) {
        for cap in CAPS {
            if g.caps.has(cap) {
                self.caps[cap as usize].get_or_insert(bi);
            }
        }
        for n in NAMED {
            let names = &g.names[n as usize];
            if !names.is_none() {
                self.names[n as usize].push((bi, names.clone()));
            }
        }
        if b.role.is_some() {
            let cluster_role = b.role_ref.kind == "ClusterRole";
            self.bound.push((cluster_role, b.role_ref.name.clone(), bi));
        }
    }

    fn cap(&self, c: Cap) -> Option<usize> {
        self.caps[c as usize]
    }

    /// Every name `n` is granted for here.
    fn names(&self, n: Named) -> Names {
        let mut out = Names::None;
        for (_, names) in &self.names[n as usize] {
            out.merge(names);
        }
        out
    }

    /// The first binding granting `n` at all.
    fn first(&self, n: Named) -> Option<usize> {
        self.names[n as usize].first().map(|(b, _)| *b)
    }

    /// The first binding granting `n` on the object `name`.
    fn covering(&self, n: Named, name: &str) -> Option<usize> {
        self.names[n as usize]
            .iter()
            .find(|(_, names)| names.covers(name))
            .map(|(b, _)| *b)
    }
}

/// A node of the graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Node {
    Identity(usize),
    /// Every service account of a namespace.
    NamespaceAccounts(usize),
    /// The service accounts workloads of a namespace run as.
    RunningAccounts(usize),
    /// Service accounts of a namespace with a token Secret in the input.
    TokenAccounts(usize),
    AllAccounts,
    AllRunningAccounts,
    AllUsers,
    /// Every user and group, `system:masters` excepted.
    AllPrincipals,
    Admin,
}

/// A permission an edge uses.
#[derive(Clone, Copy, Debug)]
enum Via {
    Cap(Cap),
    Named(Named),
}

/// Why an edge exists: the binding whose grant makes it, or membership of
/// a set.
#[derive(Clone, Debug)]
enum Why {
    Grant {
        binding: usize,
        via: Via,
        /// The namespace the grant is used in (`None`: cluster-wide).
        namespace: Option<usize>,
    },
    /// `system:masters` bypasses authorization.
    Masters,
    /// Grants that only work together (bind a role + write bindings).
    Combined(Vec<(usize, Via)>),
    Member,
}

/// One step of an escalation path, explained.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Step {
    /// Who acts.
    pub actor: Subject,
    /// What they do, in words.
    pub action: String,
    /// Who they become; `None` for the last step (cluster admin).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub becomes: Option<Subject>,
    /// The bindings whose grants the step uses.
    pub bindings: Vec<Arc<ObjectRef>>,
    /// Their indices in the inventory's objects.
    #[serde(skip)]
    pub objects: Vec<usize>,
}

/// The shortest chain from an identity to cluster-admin equivalence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EscalationPath {
    pub from: Subject,
    pub steps: Vec<Step>,
}

impl EscalationPath {
    /// The inventory index of the binding the first step uses, if any.
    pub fn first_binding(&self) -> Option<usize> {
        self.steps.first().and_then(|s| s.objects.first().copied())
    }
}

/// The escalation graph of one inventory, with every identity's next step
/// towards cluster admin.
#[derive(Default)]
pub struct Graph {
    identities: Vec<Subject>,
    identity_index: HashMap<Subject, usize>,
    namespaces: Vec<String>,
    edges: HashMap<Node, Vec<(Node, Why)>>,
    /// For each node, the edge that starts its shortest path to Admin.
    next: HashMap<Node, (Node, Why)>,
    /// Each binding's grant class, and what each class grants.
    class_of: Vec<usize>,
    class_grants: Vec<ClassGrants>,
    targets: Targets,
}

/// Which service accounts exist, run, or have token Secrets, per namespace,
/// from the inventory.
#[derive(Default)]
struct Accounts {
    known: BTreeSet<(String, String)>,
    running: BTreeSet<(String, String)>,
    with_token_secret: BTreeSet<(String, String)>,
}

fn accounts(inventory: &Inventory) -> Accounts {
    let mut a = Accounts::default();
    let mut no_automount: BTreeSet<(String, String)> = BTreeSet::new();
    for o in inventory.of_kind("ServiceAccount") {
        let key = (
            o.namespace().unwrap_or("default").to_string(),
            o.name().to_string(),
        );
        if o.root
            .path(&["automountServiceAccountToken"])
            .is_some_and(|n| matches!(n.value, rampart_core::Value::Bool(false)))
        {
            no_automount.insert(key.clone());
        }
        a.known.insert(key);
    }
    for o in inventory.of_kind("Secret") {
        let is_token = o.root.path(&["type"]).and_then(|n| n.as_str())
            == Some("kubernetes.io/service-account-token");
        if let (true, Some(sa)) = (is_token, o.annotation("kubernetes.io/service-account.name")) {
            a.with_token_secret.insert((
                o.namespace().unwrap_or("default").to_string(),
                sa.to_string(),
            ));
        }
    }
    let running: Vec<(String, String)> = inventory
        .objects
        .par_iter()
        .filter_map(|o| {
            let pod = rampart_core::workload::pod_identity(&o.root, &o.id.api_version, &o.id.kind)?;
            if pod.controlled && inventory.controller_of(o).is_some() {
                return None;
            }
            let key = (
                o.namespace().unwrap_or("default").to_string(),
                pod.service_account.clone(),
            );
            let account_automount = no_automount.contains(&key).then_some(false);
            pod.mounts_token(account_automount).then_some(key)
        })
        .collect();
    a.running.extend(running);
    a
}

impl Graph {
    /// Builds the graph and the shortest paths of every identity.
    pub fn build(inventory: &Inventory, model: &Model) -> Graph {
        if model.bindings.is_empty() {
            // Nobody is granted anything: no identity can move.
            return Graph::default();
        }
        let classes = model.grant_classes();
        let class_grants: Vec<ClassGrants> = classes
            .representative
            .par_iter()
            .map(|&b| class_grants(model, &model.bindings[b]))
            .collect();
        let accounts = accounts(inventory);
        let mut g = Graph {
            class_of: classes.of_binding.clone(),
            class_grants,
            targets: Targets::of(model),
            ..Graph::default()
        };
        let mut namespaces: BTreeSet<String> = BTreeSet::new();
        for b in &model.bindings {
            if let Some(ns) = &b.namespace {
                namespaces.insert(ns.clone());
            }
            for s in &b.subjects {
                if let Subject::ServiceAccount { namespace, .. } = s {
                    namespaces.insert(namespace.clone());
                }
            }
        }
        for (ns, _) in accounts
            .known
            .iter()
            .chain(&accounts.running)
            .chain(&accounts.with_token_secret)
        {
            namespaces.insert(ns.clone());
        }
        for o in inventory.of_kind("Namespace") {
            namespaces.insert(o.name().to_string());
        }
        g.namespaces = namespaces.into_iter().collect();
        let ns_index: HashMap<String, usize> = g
            .namespaces
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), i))
            .collect();

        // Identities: every subject, every known account, and each
        // namespace's `default` account.
        let mut all: BTreeSet<Subject> = model.subjects().into_iter().collect();
        for (ns, name) in accounts
            .known
            .iter()
            .chain(&accounts.running)
            .chain(&accounts.with_token_secret)
        {
            all.insert(Subject::sa(ns, name));
        }
        for ns in &g.namespaces {
            all.insert(Subject::sa(ns, "default"));
        }
        g.identities = all.into_iter().collect();
        g.identity_index = g
            .identities
            .iter()
            .enumerate()
            .map(|(i, s)| (s.clone(), i))
            .collect();

        // Set membership edges.
        for (i, s) in g.identities.iter().enumerate() {
            let member = (Node::Identity(i), Why::Member);
            match s {
                Subject::ServiceAccount { namespace, name } => {
                    let n = ns_index[namespace];
                    let key = (namespace.clone(), name.clone());
                    g.edges
                        .entry(Node::NamespaceAccounts(n))
                        .or_default()
                        .push(member.clone());
                    if accounts.running.contains(&key) {
                        g.edges
                            .entry(Node::RunningAccounts(n))
                            .or_default()
                            .push(member.clone());
                    }
                    if accounts.with_token_secret.contains(&key) {
                        g.edges
                            .entry(Node::TokenAccounts(n))
                            .or_default()
                            .push(member);
                    }
                }
                Subject::User { .. } => {
                    g.edges
                        .entry(Node::AllUsers)
                        .or_default()
                        .push(member.clone());
                    g.edges.entry(Node::AllPrincipals).or_default().push(member);
                }
                Subject::Group { name } if name != MASTERS => {
                    g.edges.entry(Node::AllPrincipals).or_default().push(member);
                }
                Subject::Group { .. } => {}
            }
        }
        for n in 0..g.namespaces.len() {
            g.edges
                .entry(Node::AllAccounts)
                .or_default()
                .push((Node::NamespaceAccounts(n), Why::Member));
            g.edges
                .entry(Node::AllRunningAccounts)
                .or_default()
                .push((Node::RunningAccounts(n), Why::Member));
        }

        // Each identity's own edges.
        let own: Vec<Vec<(Node, Why)>> = (0..g.identities.len())
            .into_par_iter()
            .map(|i| {
                let principal = Principal::of(&g.identities[i], &[]);
                g.identity_edges(model, &principal, &ns_index)
            })
            .collect();
        for (i, e) in own.into_iter().enumerate() {
            if !e.is_empty() {
                g.edges.insert(Node::Identity(i), e);
            }
        }
        g.shortest_paths();
        g
    }

    /// The edges out of an identity acting as `principal`.
    fn identity_edges(
        &self,
        model: &Model,
        principal: &Principal,
        ns_index: &HashMap<String, usize>,
    ) -> Vec<(Node, Why)> {
        if principal.is_master() {
            return vec![(Node::Admin, Why::Masters)];
        }
        let mut cluster = Held::default();
        let mut per_ns: HashMap<usize, Held> = HashMap::default();
        for (bi, _) in model.binding_indices_of(principal) {
            let b = &model.bindings[bi];
            let grants = &self.class_grants[self.class_of[bi]];
            let slot = match &b.namespace {
                None => &mut cluster,
                Some(ns) => match ns_index.get(ns) {
                    Some(&n) => per_ns.entry(n).or_default(),
                    None => continue,
                },
            };
            slot.add(bi, b, grants);
        }
        let mut out = Vec::new();
        let grant = |binding: usize, via: Via, namespace: Option<usize>| Why::Grant {
            binding,
            via,
            namespace,
        };
        let named = |h: &Held, n: Named| h.first(n).map(|b| (b, Via::Named(n)));
        // Straight to admin.
        if let Some(b) = cluster.cap(Cap::Full) {
            out.push((Node::Admin, grant(b, Via::Cap(Cap::Full), None)));
            return out;
        }
        // Impersonating system:masters needs a user to impersonate too.
        if let Some(g) = cluster.covering(Named::ImpersonateGroups, MASTERS) {
            let as_someone = named(&cluster, Named::ImpersonateUsers)
                .or_else(|| named(&cluster, Named::ImpersonateServiceAccounts))
                .or_else(|| {
                    per_ns
                        .values()
                        .find_map(|h| named(h, Named::ImpersonateServiceAccounts))
                });
            if let Some(u) = as_someone {
                let g = (g, Via::Named(Named::ImpersonateGroups));
                out.push((Node::Admin, Why::Combined(vec![g, u])));
                return out;
            }
        }
        if let Some(w) = cluster.cap(Cap::WriteClusterRoleBindings) {
            let bind = self
                .targets
                .admin_cluster_roles
                .iter()
                .find_map(|r| cluster.covering(Named::BindClusterRoles, r));
            if let Some(bind) = bind {
                let rb = (w, Via::Cap(Cap::WriteClusterRoleBindings));
                let bind = (bind, Via::Named(Named::BindClusterRoles));
                out.push((Node::Admin, Why::Combined(vec![bind, rb])));
                return out;
            }
        }
        // Adding any permission to a ClusterRole bound to it cluster-wide.
        for (cluster_role, name, _) in &cluster.bound {
            if !*cluster_role {
                continue;
            }
            if let (Some(e), Some(w)) = (
                cluster.covering(Named::EscalateClusterRoles, name),
                cluster.covering(Named::WriteClusterRoles, name),
            ) {
                let e = (e, Via::Named(Named::EscalateClusterRoles));
                let w = (w, Via::Named(Named::WriteClusterRoles));
                out.push((Node::Admin, Why::Combined(vec![e, w])));
                return out;
            }
        }
        // A client certificate for any identity but system:masters.
        if let (Some(x), Some(y), Some(z)) = (
            cluster.cap(Cap::CreateCsr),
            cluster.cap(Cap::ApproveCsr),
            cluster.cap(Cap::SignCsr),
        ) {
            out.push((
                Node::AllPrincipals,
                Why::Combined(vec![
                    (x, Via::Cap(Cap::CreateCsr)),
                    (y, Via::Cap(Cap::ApproveCsr)),
                    (z, Via::Cap(Cap::SignCsr)),
                ]),
            ));
        }
        // Cluster-wide reach.
        for (cap, target) in [
            (Cap::WorkloadWrite, Node::AllAccounts),
            (Cap::CreateTokens, Node::AllAccounts),
            (Cap::NodesProxy, Node::AllRunningAccounts),
            (Cap::PodExec, Node::AllRunningAccounts),
            (Cap::PodModify, Node::AllRunningAccounts),
        ] {
            if let Some(b) = cluster.cap(cap) {
                out.push((target, grant(b, Via::Cap(cap), None)));
            }
        }
        if let Some(b) = cluster.cap(Cap::ReadSecrets) {
            for n in 0..self.namespaces.len() {
                out.push((
                    Node::TokenAccounts(n),
                    grant(b, Via::Cap(Cap::ReadSecrets), None),
                ));
            }
        }
        self.impersonation_edges(&cluster, None, &mut out);
        if let Some(w) = cluster.cap(Cap::WriteRoleBindings) {
            let bind = self
                .targets
                .workload_cluster_roles
                .iter()
                .find_map(|r| cluster.covering(Named::BindClusterRoles, r));
            if let Some(bind) = bind {
                let rb = (w, Via::Cap(Cap::WriteRoleBindings));
                let bind = (bind, Via::Named(Named::BindClusterRoles));
                out.push((Node::AllAccounts, Why::Combined(vec![bind, rb])));
            }
        }
        // Per namespace: its own grants, with the cluster-wide ones that
        // only take effect together with them.
        for (&n, h) in &per_ns {
            let here = Some(n);
            for (cap, target) in [
                (Cap::WorkloadWrite, Node::NamespaceAccounts(n)),
                (Cap::CreateTokens, Node::NamespaceAccounts(n)),
                (Cap::PodExec, Node::RunningAccounts(n)),
                (Cap::PodModify, Node::RunningAccounts(n)),
                (Cap::ReadSecrets, Node::TokenAccounts(n)),
            ] {
                if let Some(b) = h.cap(cap) {
                    out.push((target, grant(b, Via::Cap(cap), here)));
                }
            }
            self.impersonation_edges(h, Some(n), &mut out);
            // Binding itself a role that runs pods here.
            let ns = &self.namespaces[n];
            if let Some(w) = h
                .cap(Cap::WriteRoleBindings)
                .or(cluster.cap(Cap::WriteRoleBindings))
            {
                let rb = (w, Via::Cap(Cap::WriteRoleBindings));
                let either = |k: Named, name: &str| {
                    h.covering(k, name)
                        .or_else(|| cluster.covering(k, name))
                        .map(|b| (b, Via::Named(k)))
                };
                let bind = self
                    .targets
                    .workload_cluster_roles
                    .iter()
                    .find_map(|r| either(Named::BindClusterRoles, r))
                    .or_else(|| {
                        self.targets
                            .workload_roles
                            .iter()
                            .filter(|(rns, _)| rns == ns)
                            .find_map(|(_, r)| either(Named::BindRoles, r))
                    });
                if let Some(bind) = bind {
                    out.push((Node::NamespaceAccounts(n), Why::Combined(vec![bind, rb])));
                }
            }
            // Adding permissions to a role bound to it here.
            for (cluster_role, name, _) in &h.bound {
                let (esc, write) = if *cluster_role {
                    (Named::EscalateClusterRoles, Named::WriteClusterRoles)
                } else {
                    (Named::EscalateRoles, Named::WriteRoles)
                };
                // Edits of a ClusterRole are cluster-wide requests; of a
                // Role, requests in its namespace.
                let holder = |k: Named| {
                    let here = if *cluster_role {
                        None
                    } else {
                        h.covering(k, name)
                    };
                    here.or_else(|| cluster.covering(k, name))
                        .map(|b| (b, Via::Named(k)))
                };
                if let (Some(e), Some(w)) = (holder(esc), holder(write)) {
                    out.push((Node::NamespaceAccounts(n), Why::Combined(vec![e, w])));
                    break;
                }
            }
        }
        out
    }

    /// Edges for impersonating users and service accounts, from grants
    /// held cluster-wide (`namespace: None`) or in one namespace.
    fn impersonation_edges(&self, h: &Held, namespace: Option<usize>, out: &mut Vec<(Node, Why)>) {
        if let Some(b) = h.first(Named::ImpersonateServiceAccounts) {
            let why = Why::Grant {
                binding: b,
                via: Via::Named(Named::ImpersonateServiceAccounts),
                namespace,
            };
            match (h.names(Named::ImpersonateServiceAccounts), namespace) {
                (Names::Any, None) => out.push((Node::AllAccounts, why)),
                (Names::Any, Some(n)) => out.push((Node::NamespaceAccounts(n), why)),
                (names, _) => {
                    for (i, s) in self.identities.iter().enumerate() {
                        if let Subject::ServiceAccount {
                            namespace: ns,
                            name,
                        } = s
                        {
                            let in_scope = namespace.is_none_or(|n| self.namespaces[n] == *ns);
                            if in_scope && names.covers(name) {
                                out.push((Node::Identity(i), why.clone()));
                            }
                        }
                    }
                }
            }
        }
        if namespace.is_some() {
            return;
        }
        if let Some(b) = h.first(Named::ImpersonateUsers) {
            let why = Why::Grant {
                binding: b,
                via: Via::Named(Named::ImpersonateUsers),
                namespace: None,
            };
            match h.names(Named::ImpersonateUsers) {
                Names::Any => out.push((Node::AllUsers, why)),
                names => {
                    for (i, s) in self.identities.iter().enumerate() {
                        if let Subject::User { name } = s {
                            if names.covers(name) {
                                out.push((Node::Identity(i), why.clone()));
                            }
                        }
                    }
                }
            }
        }
    }

    /// Breadth-first search backwards from Admin: every node's first edge
    /// on a shortest path.
    fn shortest_paths(&mut self) {
        let mut reverse: HashMap<Node, Vec<(Node, usize)>> = HashMap::default();
        for (from, edges) in &self.edges {
            for (i, (to, _)) in edges.iter().enumerate() {
                reverse.entry(*to).or_default().push((*from, i));
            }
        }
        // Deterministic order: predecessors sorted by node.
        for preds in reverse.values_mut() {
            preds.sort_by_key(|(n, i)| (node_order(n), *i));
        }
        let mut queue = VecDeque::from([Node::Admin]);
        while let Some(node) = queue.pop_front() {
            let Some(preds) = reverse.get(&node) else {
                continue;
            };
            for &(from, i) in preds {
                if from == Node::Admin || self.next.contains_key(&from) {
                    continue;
                }
                let edge = self.edges[&from][i].clone();
                self.next.insert(from, edge);
                queue.push_back(from);
            }
        }
    }

    /// Every identity in the graph.
    pub fn identities(&self) -> &[Subject] {
        &self.identities
    }

    /// The shortest escalation path of `subject` to cluster admin, if it
    /// has one. A subject the input does not name (a user only in a
    /// group, say) is evaluated with `extra_groups` on the fly.
    pub fn path(
        &self,
        model: &Model,
        subject: &Subject,
        extra_groups: &[String],
    ) -> Option<EscalationPath> {
        let start = match (self.identity_index.get(subject), extra_groups.is_empty()) {
            (Some(&i), true) => self.next.get(&Node::Identity(i)).cloned()?,
            _ => {
                let principal = Principal::of(subject, extra_groups);
                let ns_index: HashMap<String, usize> = self
                    .namespaces
                    .iter()
                    .enumerate()
                    .map(|(i, n)| (n.clone(), i))
                    .collect();
                let edges = self.identity_edges(model, &principal, &ns_index);
                // The edge whose target is closest to Admin.
                edges
                    .into_iter()
                    .filter_map(|(to, why)| {
                        let d = self.distance(to)?;
                        Some((d, to, why))
                    })
                    .min_by_key(|(d, to, _)| (*d, node_order(to)))
                    .map(|(_, to, why)| (to, why))?
            }
        };
        let mut steps = Vec::new();
        let mut actor = subject.clone();
        let mut edge = start;
        // Membership edges lead through sets to the identity a step
        // becomes; collect grants until an identity or Admin is reached.
        let mut why = edge.1.clone();
        loop {
            let (to, next_why) = (edge.0, edge.1.clone());
            if !matches!(next_why, Why::Member) {
                why = next_why;
            }
            match to {
                Node::Admin => {
                    steps.push(self.step(model, &actor, &why, None));
                    break;
                }
                Node::Identity(i) => {
                    let becomes = self.identities[i].clone();
                    steps.push(self.step(model, &actor, &why, Some(&becomes)));
                    actor = becomes;
                    edge = self.next.get(&to)?.clone();
                    why = edge.1.clone();
                }
                _ => edge = self.next.get(&to)?.clone(),
            }
            if steps.len() > self.identities.len() {
                return None;
            }
        }
        Some(EscalationPath {
            from: subject.clone(),
            steps,
        })
    }

    /// Steps from `node` to Admin along the shortest path (identity hops
    /// and sets both count).
    fn distance(&self, node: Node) -> Option<usize> {
        let mut d = 0;
        let mut n = node;
        while n != Node::Admin {
            n = self.next.get(&n)?.0;
            d += 1;
            if d > self.edges.len() + 1 {
                return None;
            }
        }
        Some(d)
    }

    /// The shortest path of every identity that has one and is not an
    /// admin already (paths of two steps or more), in identity order.
    pub fn all_paths(&self, model: &Model) -> Vec<EscalationPath> {
        (0..self.identities.len())
            .into_par_iter()
            .filter_map(|i| {
                let (to, _) = self.next.get(&Node::Identity(i))?;
                if *to == Node::Admin {
                    return None;
                }
                self.path(model, &self.identities[i], &[])
            })
            .collect()
    }

    fn step(&self, model: &Model, actor: &Subject, why: &Why, becomes: Option<&Subject>) -> Step {
        let mut bindings = Vec::new();
        let mut objects = Vec::new();
        let action = match why {
            Why::Masters => "is in group system:masters, which bypasses authorization".to_string(),
            Why::Member => "is a member".to_string(),
            Why::Grant {
                binding,
                via,
                namespace,
            } => {
                let b = &model.bindings[*binding];
                bindings.push(b.id.clone());
                objects.push(b.object);
                let granted = describe(model, *binding, *via);
                let scope = match namespace {
                    Some(n) => format!("in namespace {}", self.namespaces[*n]),
                    None => Scope::of(b).to_string(),
                };
                format!("{} {scope} ({granted})", action(*via))
            }
            Why::Combined(parts) => {
                let mut described = Vec::new();
                for (binding, via) in parts {
                    let b = &model.bindings[*binding];
                    if !objects.contains(&b.object) {
                        bindings.push(b.id.clone());
                        objects.push(b.object);
                    }
                    described.push(describe(model, *binding, *via));
                }
                format!(
                    "{} ({})",
                    combined_action(parts.iter().map(|(_, v)| *v)),
                    described.join("; ")
                )
            }
        };
        Step {
            actor: actor.clone(),
            action,
            becomes: becomes.cloned(),
            bindings,
            objects,
        }
    }
}

/// `RoleBinding/ns/x → Role y rule 2: create pods`.
fn describe(model: &Model, binding: usize, via: Via) -> String {
    let b = &model.bindings[binding];
    let Some(role) = b.role else {
        return b.id.to_string();
    };
    let role = &model.roles[role];
    let found = match via {
        Via::Cap(cap) => cap
            .probes()
            .iter()
            .find_map(|p| model.binding_grants(b, p))
            .map(|g| (g.rule_index, g.to_string())),
        Via::Named(n) => {
            let (verbs, group, resource) = n.request();
            role.rules.iter().enumerate().find_map(|(i, r)| {
                let r = &r.rule;
                let verb = verbs
                    .iter()
                    .find(|v| crate::rule::verb_matches(&r.verbs, v))?;
                let matches = crate::rule::api_group_matches(&r.api_groups, group)
                    && crate::rule::resource_matches(&r.resources, resource, "");
                matches.then(|| {
                    let what = if group.is_empty() {
                        format!("{verb} {resource}")
                    } else {
                        format!("{verb} {resource}.{group}")
                    };
                    match r.resource_names.as_slice() {
                        [] => (i, what),
                        names => (i, format!("{what} named {}", names.join(", "))),
                    }
                })
            })
        }
    };
    match found {
        Some((i, what)) => format!("{} → {} rule {i}: {what}", b.id, role.id),
        None => b.id.to_string(),
    }
}

fn action(via: Via) -> &'static str {
    match via {
        Via::Cap(Cap::Full) => "holds every permission",
        Via::Cap(Cap::WorkloadWrite) => "can run pods as any service account",
        Via::Cap(Cap::PodModify) => "can change running pods (their image)",
        Via::Cap(Cap::CreateTokens) => "can mint tokens for any service account",
        Via::Cap(Cap::PodExec) => "can exec into pods",
        Via::Cap(Cap::ReadSecrets) => "can read service account token Secrets",
        Via::Cap(Cap::NodesProxy) => "can exec into any pod through the kubelet (nodes/proxy)",
        Via::Named(Named::ImpersonateUsers) => "can impersonate users",
        Via::Named(Named::ImpersonateServiceAccounts) => "can impersonate service accounts",
        _ => "holds an escalation permission",
    }
}

fn combined_action(vias: impl Iterator<Item = Via>) -> &'static str {
    let vias: Vec<Via> = vias.collect();
    let has = |n: Named| vias.iter().any(|v| matches!(v, Via::Named(x) if *x == n));
    if vias.iter().any(|v| matches!(v, Via::Cap(Cap::SignCsr))) {
        "can issue itself a client certificate for any user or group but system:masters (create, approve and sign a CSR)"
    } else if has(Named::ImpersonateGroups) {
        "can impersonate a user in group system:masters"
    } else if has(Named::BindClusterRoles)
        && vias
            .iter()
            .any(|v| matches!(v, Via::Cap(Cap::WriteClusterRoleBindings)))
    {
        "can bind itself to cluster-admin"
    } else if has(Named::EscalateClusterRoles) || has(Named::EscalateRoles) {
        "can add any permission to a role bound to it"
    } else {
        "can bind itself a role that runs pods, then run pods as any service account there"
    }
}

fn node_order(n: &Node) -> (u8, usize) {
    match *n {
        Node::Admin => (0, 0),
        Node::Identity(i) => (1, i),
        Node::NamespaceAccounts(i) => (2, i),
        Node::RunningAccounts(i) => (3, i),
        Node::TokenAccounts(i) => (4, i),
        Node::AllAccounts => (5, 0),
        Node::AllRunningAccounts => (6, 0),
        Node::AllUsers => (7, 0),
        Node::AllPrincipals => (8, 0),
    }
}
