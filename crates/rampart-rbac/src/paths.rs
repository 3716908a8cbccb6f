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
use crate::subject::{Principal, Subject};

/// The permissions the graph follows, one bit each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum Cap {
    Full,
    ImpersonateGroups,
    ImpersonateUsers,
    ImpersonateServiceAccounts,
    ApproveCsr,
    SignCsr,
    CreateCsr,
    BindClusterRoles,
    EscalateClusterRoles,
    WriteClusterRoles,
    CreateClusterRoleBindings,
    BindRoles,
    EscalateRoles,
    WriteRoles,
    WriteRoleBindings,
    WorkloadWrite,
    CreateTokens,
    PodExec,
    ReadSecrets,
    NodesProxy,
}

const CAPS: [Cap; 20] = [
    Cap::Full,
    Cap::ImpersonateGroups,
    Cap::ImpersonateUsers,
    Cap::ImpersonateServiceAccounts,
    Cap::ApproveCsr,
    Cap::SignCsr,
    Cap::CreateCsr,
    Cap::BindClusterRoles,
    Cap::EscalateClusterRoles,
    Cap::WriteClusterRoles,
    Cap::CreateClusterRoleBindings,
    Cap::BindRoles,
    Cap::EscalateRoles,
    Cap::WriteRoles,
    Cap::WriteRoleBindings,
    Cap::WorkloadWrite,
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
        const IMPERSONATE_GROUPS: &[Probe] = &[Probe::new(&["impersonate"], "", &["groups"])];
        const IMPERSONATE_USERS: &[Probe] = &[Probe::new(&["impersonate"], "", &["users"])];
        const IMPERSONATE_SAS: &[Probe] = &[Probe::new(&["impersonate"], "", &["serviceaccounts"])];
        const CREATE_CSR: &[Probe] = &[Probe::new(
            &["create"],
            "certificates.k8s.io",
            &["certificatesigningrequests"],
        )];
        const BIND_CLUSTER_ROLES: &[Probe] = &[Probe::new(&["bind"], RBAC, &["clusterroles"])];
        const ESCALATE_CLUSTER_ROLES: &[Probe] =
            &[Probe::new(&["escalate"], RBAC, &["clusterroles"])];
        const WRITE_CLUSTER_ROLES: &[Probe] =
            &[Probe::new(&["update", "patch"], RBAC, &["clusterroles"])];
        const CREATE_CLUSTER_ROLE_BINDINGS: &[Probe] =
            &[Probe::new(&["create"], RBAC, &["clusterrolebindings"])];
        const BIND_ROLES: &[Probe] = &[Probe::new(&["bind"], RBAC, &["clusterroles", "roles"])];
        const ESCALATE_ROLES: &[Probe] = &[Probe::new(&["escalate"], RBAC, &["roles"])];
        const WRITE_ROLES: &[Probe] = &[Probe::new(WRITE, RBAC, &["roles"])];
        const CREATE_ROLE_BINDINGS: &[Probe] = &[Probe::new(&["create"], RBAC, &["rolebindings"])];
        match self {
            Cap::Full => risk::FULL_CONTROL.probes,
            Cap::ImpersonateGroups => IMPERSONATE_GROUPS,
            Cap::ImpersonateUsers => IMPERSONATE_USERS,
            Cap::ImpersonateServiceAccounts => IMPERSONATE_SAS,
            Cap::ApproveCsr => &risk::APPROVE_CSRS.probes[..1],
            Cap::SignCsr => &risk::APPROVE_CSRS.probes[1..],
            Cap::CreateCsr => CREATE_CSR,
            Cap::BindClusterRoles => BIND_CLUSTER_ROLES,
            Cap::EscalateClusterRoles => ESCALATE_CLUSTER_ROLES,
            Cap::WriteClusterRoles => WRITE_CLUSTER_ROLES,
            Cap::CreateClusterRoleBindings => CREATE_CLUSTER_ROLE_BINDINGS,
            Cap::BindRoles => BIND_ROLES,
            Cap::EscalateRoles => ESCALATE_ROLES,
            Cap::WriteRoles => WRITE_ROLES,
            Cap::WriteRoleBindings => CREATE_ROLE_BINDINGS,
            Cap::WorkloadWrite => risk::WORKLOAD_WRITE.probes,
            Cap::CreateTokens => risk::CREATE_TOKENS.probes,
            Cap::PodExec => risk::POD_EXEC.probes,
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

fn binding_caps(model: &Model, b: &Binding) -> Caps {
    if b.role.is_none() {
        return Caps::default();
    }
    let mut out = 0;
    for cap in CAPS {
        if cap
            .probes()
            .iter()
            .any(|p| model.binding_grants(b, p).is_some())
        {
            out |= cap.bit();
        }
    }
    Caps(out)
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
    Admin,
}

/// Why an edge exists: the binding whose grant makes it, or membership of
/// a set.
#[derive(Clone, Debug)]
enum Why {
    Grant {
        binding: usize,
        cap: Cap,
        /// The namespace the grant is used in (`None`: cluster-wide).
        namespace: Option<usize>,
    },
    /// `system:masters` bypasses authorization.
    Masters,
    /// Two grants together (e.g. bind ClusterRoles + create bindings).
    Combined(Vec<(usize, Cap)>),
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
    /// Capabilities of each binding.
    caps: Vec<Caps>,
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
            if pod.controlled {
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
        let class_caps: Vec<Caps> = classes
            .representative
            .par_iter()
            .map(|&b| binding_caps(model, &model.bindings[b]))
            .collect();
        let caps: Vec<Caps> = classes.of_binding.iter().map(|&c| class_caps[c]).collect();
        let accounts = accounts(inventory);
        let mut g = Graph {
            identities: Vec::new(),
            identity_index: HashMap::default(),
            namespaces: Vec::new(),
            edges: HashMap::default(),
            next: HashMap::default(),
            caps,
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
                Subject::User { .. } => g.edges.entry(Node::AllUsers).or_default().push(member),
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
        // The first binding granting each capability, cluster-wide and
        // per namespace.
        let mut cluster: HashMap<u8, usize> = HashMap::default();
        let mut per_ns: HashMap<usize, HashMap<u8, usize>> = HashMap::default();
        for (bi, _) in model.binding_indices_of(principal) {
            let b = &model.bindings[bi];
            let caps = self.caps[bi];
            if caps == Caps::default() {
                continue;
            }
            let slot = match &b.namespace {
                None => &mut cluster,
                Some(ns) => match ns_index.get(ns) {
                    Some(&n) => per_ns.entry(n).or_default(),
                    None => continue,
                },
            };
            for cap in CAPS {
                if caps.has(cap) {
                    slot.entry(cap as u8).or_insert(bi);
                }
            }
        }
        let mut out = Vec::new();
        let c = |cap: Cap| cluster.get(&(cap as u8)).copied();
        let grant = |binding: usize, cap: Cap, namespace: Option<usize>| Why::Grant {
            binding,
            cap,
            namespace,
        };
        // Straight to admin.
        if let Some(b) = c(Cap::Full).or(c(Cap::ImpersonateGroups)) {
            let cap = if c(Cap::Full).is_some() {
                Cap::Full
            } else {
                Cap::ImpersonateGroups
            };
            out.push((Node::Admin, grant(b, cap, None)));
            return out;
        }
        let pairs = [
            (Cap::BindClusterRoles, Cap::CreateClusterRoleBindings),
            (Cap::EscalateClusterRoles, Cap::WriteClusterRoles),
        ];
        for (a, b) in pairs {
            if let (Some(x), Some(y)) = (c(a), c(b)) {
                out.push((Node::Admin, Why::Combined(vec![(x, a), (y, b)])));
                return out;
            }
        }
        if let (Some(x), Some(y), Some(z)) =
            (c(Cap::CreateCsr), c(Cap::ApproveCsr), c(Cap::SignCsr))
        {
            out.push((
                Node::Admin,
                Why::Combined(vec![
                    (x, Cap::CreateCsr),
                    (y, Cap::ApproveCsr),
                    (z, Cap::SignCsr),
                ]),
            ));
            return out;
        }
        // Cluster-wide reach.
        for (cap, target) in [
            (Cap::WorkloadWrite, Node::AllAccounts),
            (Cap::CreateTokens, Node::AllAccounts),
            (Cap::ImpersonateServiceAccounts, Node::AllAccounts),
            (Cap::NodesProxy, Node::AllRunningAccounts),
            (Cap::PodExec, Node::AllRunningAccounts),
            (Cap::ImpersonateUsers, Node::AllUsers),
        ] {
            if let Some(b) = c(cap) {
                out.push((target, grant(b, cap, None)));
            }
        }
        if let Some(b) = c(Cap::ReadSecrets) {
            for n in 0..self.namespaces.len() {
                out.push((Node::TokenAccounts(n), grant(b, Cap::ReadSecrets, None)));
            }
        }
        // Per namespace: the namespace's own grants plus the cluster-wide
        // ones that only take effect with them.
        for (&n, caps) in &per_ns {
            let has = |cap: Cap| caps.get(&(cap as u8)).copied().or(c(cap));
            let here = Some(n);
            for (cap, target) in [
                (Cap::WorkloadWrite, Node::NamespaceAccounts(n)),
                (Cap::CreateTokens, Node::NamespaceAccounts(n)),
                (Cap::ImpersonateServiceAccounts, Node::NamespaceAccounts(n)),
                (Cap::PodExec, Node::RunningAccounts(n)),
                (Cap::ReadSecrets, Node::TokenAccounts(n)),
            ] {
                if let Some(b) = caps.get(&(cap as u8)) {
                    out.push((target, grant(*b, cap, here)));
                }
            }
            // Granting itself any role of the namespace.
            for (a, b) in [
                (Cap::BindRoles, Cap::WriteRoleBindings),
                (Cap::EscalateRoles, Cap::WriteRoles),
            ] {
                if let (Some(x), Some(y)) = (has(a), has(b)) {
                    out.push((
                        Node::NamespaceAccounts(n),
                        Why::Combined(vec![(x, a), (y, b)]),
                    ));
                }
            }
        }
        out
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
                cap,
                namespace,
            } => {
                let b = &model.bindings[*binding];
                bindings.push(b.id.clone());
                objects.push(b.object);
                let granted = self.describe(model, *binding, *cap);
                let scope = match namespace {
                    Some(n) => format!("in namespace {}", self.namespaces[*n]),
                    None => Scope::of(b).to_string(),
                };
                format!("{} {scope} ({granted})", cap_action(*cap))
            }
            Why::Combined(parts) => {
                let mut described = Vec::new();
                for (binding, cap) in parts {
                    let b = &model.bindings[*binding];
                    if !objects.contains(&b.object) {
                        bindings.push(b.id.clone());
                        objects.push(b.object);
                    }
                    described.push(self.describe(model, *binding, *cap));
                }
                format!(
                    "{} ({})",
                    combined_action(parts.iter().map(|(_, c)| *c)),
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

    /// `RoleBinding/ns/x → Role y rule 2: create pods`.
    fn describe(&self, model: &Model, binding: usize, cap: Cap) -> String {
        let b = &model.bindings[binding];
        let grant = cap.probes().iter().find_map(|p| model.binding_grants(b, p));
        match (grant, b.role) {
            (Some(g), Some(r)) => format!(
                "{} → {} rule {}: {g}",
                b.id, model.roles[r].id, g.rule_index
            ),
            _ => b.id.to_string(),
        }
    }
}

fn cap_action(cap: Cap) -> &'static str {
    match cap {
        Cap::Full => "holds every permission",
        Cap::ImpersonateGroups => "can impersonate any group, system:masters included,",
        Cap::ImpersonateUsers => "can impersonate any user",
        Cap::ImpersonateServiceAccounts => "can impersonate service accounts",
        Cap::WorkloadWrite => "can run pods as any service account",
        Cap::CreateTokens => "can mint tokens for any service account",
        Cap::PodExec => "can exec into pods",
        Cap::ReadSecrets => "can read service account token Secrets",
        Cap::NodesProxy => "can exec into any pod through the kubelet (nodes/proxy)",
        _ => "holds an escalation permission",
    }
}

fn combined_action(caps: impl Iterator<Item = Cap>) -> &'static str {
    let caps: Vec<Cap> = caps.collect();
    if caps.contains(&Cap::SignCsr) {
        "can issue itself a client certificate in system:masters by creating, approving and signing a CSR"
    } else if caps.contains(&Cap::BindClusterRoles) {
        "can bind itself to cluster-admin"
    } else if caps.contains(&Cap::EscalateClusterRoles) {
        "can add any permission to ClusterRoles"
    } else {
        "can grant itself any role of the namespace, then run pods as any of its service accounts"
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
    }
}
