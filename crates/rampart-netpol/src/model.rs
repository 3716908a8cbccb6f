//! The NetworkPolicy model of an inventory: namespaces with their labels,
//! workloads (the pods their templates make), and policies, defaulted and
//! validated as the API server would.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;

use k8s_openapi::api::networking::v1 as net;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use rampart_core::selector::Selector;
use rampart_core::{ContainerKind, Diagnostic, Inventory, Object, ObjectRef};
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::ipset::{Cidr, IpSet};
use crate::ports::{NamedPorts, Port, PortSpec, Protocol};

/// The label the control plane sets on every namespace to its name.
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// Objects without `metadata.namespace` land here, as with kubectl.
pub const DEFAULT_NAMESPACE: &str = "default";

pub type Labels = BTreeMap<String, String>;

#[derive(Clone, Debug)]
pub struct Namespace {
    pub name: String,
    /// Its labels, `kubernetes.io/metadata.name` included.
    pub labels: Labels,
    /// Whether a Namespace object for it is in the input (otherwise only
    /// the automatic name label is known).
    pub declared: bool,
}

/// Keeps the last of the items with the same key, in input order.
fn last_wins<T, K: std::hash::Hash + Eq>(items: &mut Vec<T>, key: impl Fn(&T) -> K) {
    let mut seen = rustc_hash::FxHashSet::default();
    let mut keep: Vec<bool> = items.iter().rev().map(|x| seen.insert(key(x))).collect();
    keep.reverse();
    let mut i = 0;
    items.retain(|_| {
        i += 1;
        keep[i - 1]
    });
}

/// A Pod's addresses, from `status.podIPs` (or the older `status.podIP`).
fn pod_ips(o: &Object) -> Vec<IpAddr> {
    let mut out: Vec<IpAddr> = o
        .root
        .path(&["status", "podIPs"])
        .and_then(rampart_core::Node::as_seq)
        .into_iter()
        .flatten()
        .filter_map(|e| e.get("ip").and_then(|n| n.as_str()))
        .filter_map(|s| s.parse().ok())
        .collect();
    if out.is_empty() {
        out.extend(
            o.root
                .path(&["status", "podIP"])
                .and_then(|n| n.as_str())
                .and_then(|s| s.parse::<IpAddr>().ok()),
        );
    }
    out
}

/// Gives each workload the addresses of its pods: a Pod's own, or those of
/// the Pods its controllers (ReplicaSet → Deployment, Job → CronJob) own.
fn attach_pod_ips(inventory: &Inventory, workloads: &mut [Workload]) {
    let by_object: FxHashMap<usize, usize> = workloads
        .iter()
        .enumerate()
        .map(|(i, w)| (w.object, i))
        .collect();
    for (index, pod) in inventory.of_kind_indexed("Pod") {
        let ips = pod_ips(pod);
        if ips.is_empty() {
            continue;
        }
        // Walk up the controllers to the workload that stands for the pod.
        let mut at = (index, pod);
        for _ in 0..4 {
            if by_object.contains_key(&at.0) {
                break;
            }
            match inventory.controller_of(at.1) {
                Some(up) => at = up,
                None => break,
            }
        }
        if let Some(&w) = by_object.get(&at.0) {
            workloads[w].ips.extend(ips);
        }
    }
}

/// A workload: the pods one object's template makes, which all carry the
/// same labels and container ports.
#[derive(Clone, Debug)]
pub struct Workload {
    /// Index in the inventory's objects.
    pub object: usize,
    pub id: Arc<ObjectRef>,
    pub namespace: String,
    /// The pods' labels (the template's).
    pub labels: Labels,
    /// Named container ports of every container.
    pub ports: NamedPorts,
    /// Pods on the host network: NetworkPolicies do not reliably apply.
    pub host_network: bool,
    /// Addresses its pods have (`status.podIPs` of the Pods in the input:
    /// a cluster snapshot has them, manifests do not).
    pub ips: Vec<IpAddr>,
}

impl Workload {
    /// The caveat on every answer about a host-network workload.
    pub fn host_network_note(&self) -> Option<String> {
        self.host_network.then(|| {
            format!(
                "{} runs on the host network: whether NetworkPolicies apply to it depends on the network plugin",
                self.id
            )
        })
    }
}

/// Who a rule lets in (ingress) or out to (egress).
#[derive(Clone, Debug)]
pub enum Peer {
    /// Pods matching `pods` in namespaces matching `namespaces`; `None`
    /// for `namespaces` is the policy's own namespace.
    Pods {
        namespaces: Option<Selector>,
        pods: Selector,
    },
    /// Addresses outside the cluster: `cidr` minus `except`.
    Block {
        cidr: Cidr,
        except: Vec<Cidr>,
        set: IpSet,
    },
}

/// One ingress or egress rule.
#[derive(Clone, Debug)]
pub struct Rule {
    /// Empty: every peer, in and outside the cluster.
    pub peers: Vec<Peer>,
    /// Empty: every port and protocol.
    pub ports: Vec<PortSpec>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Ingress,
    Egress,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }
}

/// A NetworkPolicy, defaulted.
#[derive(Clone, Debug)]
pub struct Policy {
    pub object: usize,
    pub id: Arc<ObjectRef>,
    pub namespace: String,
    pub pod_selector: Selector,
    /// Rules when `Ingress` is among the (defaulted) policyTypes: the pods
    /// it selects are isolated for ingress.
    pub ingress: Option<Vec<Rule>>,
    /// Rules when `Egress` is among the policyTypes.
    pub egress: Option<Vec<Rule>>,
    /// Whether `policyTypes` was written (not defaulted).
    pub explicit_types: bool,
}

impl Policy {
    pub fn rules(&self, d: Direction) -> Option<&[Rule]> {
        match d {
            Direction::Ingress => self.ingress.as_deref(),
            Direction::Egress => self.egress.as_deref(),
        }
    }
}

/// Namespaces, workloads and valid policies of one inventory.
#[derive(Debug, Default)]
pub struct Model {
    pub namespaces: Vec<Namespace>,
    pub workloads: Vec<Workload>,
    pub policies: Vec<Policy>,
    /// Invalid policies (the API server would reject them; they are left
    /// out) and objects that do not decode.
    pub diagnostics: Vec<Diagnostic>,
    namespace_index: FxHashMap<String, usize>,
    /// Policies by namespace.
    by_namespace: FxHashMap<String, Vec<usize>>,
    /// Whether `ipBlock` peers match pods by their addresses.
    pub pod_ips_match_ip_blocks: bool,
}

/// How to evaluate what the API leaves to the network plugin.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Whether `ipBlock` peers match pods whose addresses are known (from
    /// `status.podIPs`). The API docs say ipBlocks are meant for addresses
    /// outside the cluster but leave it to the plugin; the upstream e2e
    /// tests expect pod addresses to be honoured, as Calico and Cilium do.
    pub pod_ips_match_ip_blocks: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            pod_ips_match_ip_blocks: true,
        }
    }
}

fn namespace_of(o: &Object) -> String {
    o.namespace()
        .filter(|n| !n.is_empty())
        .unwrap_or(DEFAULT_NAMESPACE)
        .to_string()
}

fn labels_of(map: Option<&BTreeMap<String, String>>) -> Labels {
    map.cloned().unwrap_or_default()
}

impl Model {
    /// Builds the model. Policies that the API server would reject are
    /// reported and left out, never half-evaluated.
    pub fn build(inventory: &Inventory) -> Model {
        Model::build_with(inventory, Options::default())
    }

    /// [`Model::build`] with the plugin-dependent choices made explicit.
    pub fn build_with(inventory: &Inventory, options: Options) -> Model {
        let mut m = Model {
            pod_ips_match_ip_blocks: options.pod_ips_match_ip_blocks,
            ..Model::default()
        };
        let found: Vec<Result<Workload, Diagnostic>> = inventory
            .objects
            .par_iter()
            .enumerate()
            .filter_map(|(i, o)| workload(inventory, i, o))
            .collect();
        let mut workloads = Vec::with_capacity(found.len());
        for w in found {
            match w {
                Ok(w) => workloads.push(w),
                // Its pods never run: said, and left out.
                Err(d) => m.diagnostics.push(d),
            }
        }
        attach_pod_ips(inventory, &mut workloads);
        let policies: Vec<Result<Policy, Diagnostic>> = inventory
            .of_kind_indexed("NetworkPolicy")
            .filter(|(_, o)| o.group() == "networking.k8s.io")
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|(i, o)| policy(i, o))
            .collect();
        for p in policies {
            match p {
                Ok(p) => m.policies.push(p),
                Err(d) => m.diagnostics.push(d),
            }
        }
        // The same object twice: the last one wins, as with `kubectl apply`.
        last_wins(&mut m.policies, |p| {
            (p.id.kind.clone(), p.namespace.clone(), p.id.name.clone())
        });
        last_wins(&mut workloads, |w| {
            (w.id.kind.clone(), w.namespace.clone(), w.id.name.clone())
        });
        m.workloads = workloads;
        let mut declared: BTreeMap<String, Labels> = BTreeMap::new();
        for o in inventory.of_kind("Namespace") {
            // Decoded as the API server would: a label with a value that
            // is not a string makes it reject the Namespace; `team:` with
            // no value is the empty string.
            match rampart_core::de::from_node::<k8s_openapi::api::core::v1::Namespace>(&o.root) {
                Ok(ns) => {
                    declared.insert(o.name().to_string(), labels_of(ns.metadata.labels.as_ref()));
                }
                Err(e) => m.diagnostics.push(o.invalid_field(&e)),
            }
        }
        let mut names: Vec<String> = declared.keys().cloned().collect();
        names.extend(m.workloads.iter().map(|w| w.namespace.clone()));
        names.extend(m.policies.iter().map(|p| p.namespace.clone()));
        names.sort();
        names.dedup();
        for name in names {
            let is_declared = declared.contains_key(&name);
            let mut labels = declared.remove(&name).unwrap_or_default();
            // Set by the control plane on every namespace, whatever the
            // manifest says.
            labels.insert(NAMESPACE_NAME_LABEL.to_string(), name.clone());
            m.namespace_index.insert(name.clone(), m.namespaces.len());
            m.namespaces.push(Namespace {
                name,
                labels,
                declared: is_declared,
            });
        }
        for (i, p) in m.policies.iter().enumerate() {
            m.by_namespace
                .entry(p.namespace.clone())
                .or_default()
                .push(i);
        }
        m
    }

    pub fn namespace(&self, name: &str) -> Option<&Namespace> {
        self.namespace_index.get(name).map(|&i| &self.namespaces[i])
    }

    /// The policies of `namespace`, in input order.
    pub fn policies_in(&self, namespace: &str) -> impl Iterator<Item = (usize, &Policy)> {
        self.by_namespace
            .get(namespace)
            .into_iter()
            .flatten()
            .map(|&i| (i, &self.policies[i]))
    }

    /// Whether `policy` selects `workload` (same namespace, labels match).
    pub fn selects(&self, policy: &Policy, workload: &Workload) -> bool {
        policy.namespace == workload.namespace
            && policy
                .pod_selector
                .matches(|k| workload.labels.get(k).map(String::as_str))
    }

    /// Whether `peer`, in a rule of a policy in `policy_namespace`, matches
    /// the pods of `workload`. Workloads never match `ipBlock` peers: their
    /// addresses are not known from manifests.
    pub fn peer_matches(&self, peer: &Peer, policy_namespace: &str, workload: &Workload) -> bool {
        match peer {
            Peer::Block { set, .. } => {
                self.pod_ips_match_ip_blocks && workload.ips.iter().any(|ip| set.contains(*ip))
            }
            Peer::Pods { namespaces, pods } => {
                let ns_ok = match namespaces {
                    None => workload.namespace == policy_namespace,
                    Some(sel) => self
                        .namespace(&workload.namespace)
                        .is_some_and(|ns| sel.matches(|k| ns.labels.get(k).map(String::as_str))),
                };
                ns_ok && pods.matches(|k| workload.labels.get(k).map(String::as_str))
            }
        }
    }
}

/// The workload an object's pod template makes, if it has one and no
/// controller in the input owns it (the owner stands for its pods).
fn workload(
    inventory: &Inventory,
    index: usize,
    o: &Object,
) -> Option<Result<Workload, Diagnostic>> {
    // A PodTemplate is a template only: nothing runs from it.
    if o.kind() == "PodTemplate" {
        return None;
    }
    // Decoded as the API server would: an object it rejects (a bad field
    // anywhere in the template) makes no pods, so it is left out.
    let w = match o.workload()? {
        Ok(w) => w,
        Err(e) => return Some(Err(o.invalid_field(&e))),
    };
    // A controller in the input stands for its pods; without it, the
    // object stands for itself (a snapshot of pods only, say).
    if w.controlled && inventory.controller_of(o).is_some() {
        return None;
    }
    let mut ports = NamedPorts::new();
    // Named ports resolve on the containers that serve: regular ones and
    // sidecars (init containers with `restartPolicy: Always`); ephemeral
    // containers cannot declare ports.
    let serving = w.containers().filter(|c| match c.kind {
        ContainerKind::Regular => true,
        ContainerKind::Init => c.container.restart_policy.as_deref() == Some("Always"),
        ContainerKind::Ephemeral => false,
    });
    for c in serving {
        for p in c.container.ports.iter().flatten() {
            let (Some(name), Ok(number)) = (&p.name, u16::try_from(p.container_port)) else {
                continue;
            };
            let protocol = p
                .protocol
                .as_deref()
                .map_or(Some(Protocol::Tcp), Protocol::parse);
            if let Some(protocol) = protocol {
                ports.push((name.clone(), number, protocol));
            }
        }
    }
    Some(Ok(Workload {
        object: index,
        id: o.id.clone(),
        namespace: namespace_of(o),
        labels: labels_of(w.template_meta.labels.as_ref()),
        ports,
        host_network: w.spec.host_network == Some(true),
        ips: Vec::new(),
    }))
}

/// Validates and defaults one NetworkPolicy, as the API server's
/// validation (`ValidateNetworkPolicy`) and defaulting
/// (`SetDefaults_NetworkPolicy`) do.
fn policy(index: usize, o: &Object) -> Result<Policy, Diagnostic> {
    let reject = |pointer: &str, why: String| {
        let pos = o.root.locate(pointer).start;
        Diagnostic::error(
            "invalid-network-policy",
            format!(
                "NetworkPolicy \"{}\": {why}; the API server rejects this policy, so it is not evaluated",
                o.name()
            ),
        )
        .in_file(&o.file, Some(pos))
        .at_pointer(pointer.to_string())
    };
    let np: net::NetworkPolicy =
        rampart_core::de::from_node(&o.root).map_err(|e| o.invalid_field(&e))?;
    let spec = np.spec.unwrap_or_default();
    // An absent podSelector is the empty one: every pod of the namespace.
    let everything = Default::default();
    let pod_selector =
        Selector::from_label_selector(Some(spec.pod_selector.as_ref().unwrap_or(&everything)))
            .map_err(|e| reject("/spec/podSelector", e))?;
    let explicit_types = spec.policy_types.as_ref().is_some_and(|t| !t.is_empty());
    let types: Vec<String> = match &spec.policy_types {
        Some(t) if !t.is_empty() => {
            if t.len() > 2 {
                return Err(reject(
                    "/spec/policyTypes",
                    "policyTypes has more than two entries".into(),
                ));
            }
            for (i, v) in t.iter().enumerate() {
                if v != "Ingress" && v != "Egress" {
                    return Err(reject(
                        &format!("/spec/policyTypes/{i}"),
                        format!("policyTypes value `{v}` is neither Ingress nor Egress"),
                    ));
                }
            }
            t.clone()
        }
        // Defaulting: Ingress always; Egress only when egress rules exist
        // (an empty `egress: []` does not count).
        _ => {
            let mut t = vec!["Ingress".to_string()];
            if spec.egress.as_ref().is_some_and(|e| !e.is_empty()) {
                t.push("Egress".to_string());
            }
            t
        }
    };
    let mut ingress_rules = Vec::new();
    for (i, r) in spec.ingress.iter().flatten().enumerate() {
        let base = format!("/spec/ingress/{i}");
        ingress_rules.push(rule(
            r.from.as_deref().unwrap_or_default(),
            r.ports.as_deref().unwrap_or_default(),
            &base,
            "from",
            &reject,
        )?);
    }
    let mut egress_rules = Vec::new();
    for (i, r) in spec.egress.iter().flatten().enumerate() {
        let base = format!("/spec/egress/{i}");
        egress_rules.push(rule(
            r.to.as_deref().unwrap_or_default(),
            r.ports.as_deref().unwrap_or_default(),
            &base,
            "to",
            &reject,
        )?);
    }
    let has = |t: &str| types.iter().any(|x| x == t);
    Ok(Policy {
        object: index,
        id: o.id.clone(),
        namespace: namespace_of(o),
        pod_selector,
        ingress: has("Ingress").then_some(ingress_rules),
        egress: has("Egress").then_some(egress_rules),
        explicit_types,
    })
}

fn rule(
    peers: &[net::NetworkPolicyPeer],
    ports: &[net::NetworkPolicyPort],
    base: &str,
    peers_field: &str,
    reject: &dyn Fn(&str, String) -> Diagnostic,
) -> Result<Rule, Diagnostic> {
    let mut out = Rule {
        peers: Vec::with_capacity(peers.len()),
        ports: Vec::with_capacity(ports.len()),
    };
    for (i, p) in peers.iter().enumerate() {
        let at = format!("{base}/{peers_field}/{i}");
        out.peers.push(peer(p, &at, reject)?);
    }
    for (i, p) in ports.iter().enumerate() {
        let at = format!("{base}/ports/{i}");
        out.ports.push(port(p, &at, reject)?);
    }
    Ok(out)
}

fn peer(
    p: &net::NetworkPolicyPeer,
    at: &str,
    reject: &dyn Fn(&str, String) -> Diagnostic,
) -> Result<Peer, Diagnostic> {
    let selectors = p.pod_selector.is_some() || p.namespace_selector.is_some();
    match &p.ip_block {
        Some(_) if selectors => Err(reject(
            at,
            "a peer with ipBlock may not also have podSelector or namespaceSelector".into(),
        )),
        Some(b) => {
            let cidr =
                Cidr::parse(&b.cidr).map_err(|e| reject(&format!("{at}/ipBlock/cidr"), e))?;
            let mut except = Vec::new();
            for (i, e) in b.except.iter().flatten().enumerate() {
                let here = format!("{at}/ipBlock/except/{i}");
                let e = Cidr::parse(e).map_err(|m| reject(&here, m))?;
                if !cidr.strictly_contains(e) {
                    return Err(reject(
                        &here,
                        format!("except `{e}` must be a strict subset of cidr `{cidr}`"),
                    ));
                }
                except.push(e);
            }
            let set = IpSet::block(cidr, &except);
            Ok(Peer::Block { cidr, except, set })
        }
        None if !selectors => Err(reject(
            at,
            "a peer must specify podSelector, namespaceSelector or ipBlock".into(),
        )),
        None => {
            let namespaces = p
                .namespace_selector
                .as_ref()
                .map(|s| Selector::from_label_selector(Some(s)))
                .transpose()
                .map_err(|e| reject(&format!("{at}/namespaceSelector"), e))?;
            // An absent podSelector next to a namespaceSelector means
            // every pod of those namespaces.
            let pods = match &p.pod_selector {
                Some(s) => Selector::from_label_selector(Some(s))
                    .map_err(|e| reject(&format!("{at}/podSelector"), e))?,
                None => Selector::All(Vec::new()),
            };
            Ok(Peer::Pods { namespaces, pods })
        }
    }
}

/// An IANA service name, as a named port must be: 1–15 lower-case letters,
/// digits and `-`, at least one letter, no `-` at either end or twice in
/// a row.
fn is_port_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 15
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && s.bytes().any(|b| b.is_ascii_lowercase())
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
}

fn port(
    p: &net::NetworkPolicyPort,
    at: &str,
    reject: &dyn Fn(&str, String) -> Diagnostic,
) -> Result<PortSpec, Diagnostic> {
    let protocol = match p.protocol.as_deref() {
        None => Protocol::Tcp,
        Some(s) => Protocol::parse(s).ok_or_else(|| {
            reject(
                &format!("{at}/protocol"),
                format!("protocol `{s}` is not TCP, UDP or SCTP"),
            )
        })?,
    };
    let number = |n: i32, field: &str| {
        u16::try_from(n).ok().filter(|&n| n >= 1).ok_or_else(|| {
            reject(
                &format!("{at}/{field}"),
                format!("{field} {n} is not between 1 and 65535"),
            )
        })
    };
    let port = match (&p.port, p.end_port) {
        (None, None) => Port::Any,
        (None, Some(_)) => {
            return Err(reject(
                &format!("{at}/endPort"),
                "endPort needs a numeric port".into(),
            ));
        }
        (Some(IntOrString::Int(n)), end) => {
            let start = number(*n, "port")?;
            let end = match end {
                Some(e) => number(e, "endPort")?,
                None => start,
            };
            if end < start {
                return Err(reject(
                    &format!("{at}/endPort"),
                    format!("endPort {end} is below port {start}"),
                ));
            }
            Port::Range(start, end)
        }
        (Some(IntOrString::String(name)), end) => {
            if end.is_some() {
                return Err(reject(
                    &format!("{at}/endPort"),
                    "endPort may not be used with a named port".into(),
                ));
            }
            if !is_port_name(name) {
                return Err(reject(
                    &format!("{at}/port"),
                    format!("`{name}` is not a valid port name"),
                ));
            }
            Port::Named(name.clone())
        }
    };
    Ok(PortSpec { protocol, port })
}
