//! What the NetworkPolicy rules share: the NetworkPolicy model of the
//! inventory and, built once per scan beside it, which workloads each
//! policy selects, which policies isolate each workload, and a label index
//! that finds the pods a peer selects without comparing every workload
//! with every policy. Also the words findings use for policies, rules,
//! selectors and ports, and the address ranges that are not the internet.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use rampart_core::rule::{ParamDefault, ParamSpec};
use rampart_core::selector::{Op, Requirement, Selector};
use rampart_core::{Inventory, InventoryCtx, Params, Reporter};
use rampart_netpol::ipset::{Cidr, IpSet};
use rampart_netpol::ports::{Port, PortSet, PortSpec};
use rampart_netpol::{Direction, Model, NAMESPACE_NAME_LABEL, Namespace, Peer, Policy, Workload};
use rayon::prelude::*;

/// The workloads of one namespace, indexed by label, and its policies
/// that select all of them.
#[derive(Default)]
struct NamespaceIndex {
    /// In input order.
    workloads: Vec<usize>,
    /// Label key → value → workloads carrying it.
    by_label: HashMap<String, HashMap<String, Vec<usize>>>,
    /// Policies with `podSelector: {}`, per direction they isolate
    /// (ingress, egress). Kept here rather than listed on every workload:
    /// a namespace may have many workloads and several such policies.
    everywhere: [Vec<usize>; 2],
}

fn slot(direction: Direction) -> usize {
    match direction {
        Direction::Ingress => 0,
        Direction::Egress => 1,
    }
}

/// The NetworkPolicy model of a scan and what several rules ask of it.
pub struct Analysis {
    pub model: Arc<Model>,
    namespaces: HashMap<String, NamespaceIndex>,
    /// Per policy (index in `model.policies`): the workloads it selects;
    /// `None` for `podSelector: {}`, every workload of its namespace.
    selected: Vec<Option<Vec<usize>>>,
    /// Per workload, per direction: the policies isolating it, besides
    /// those selecting its whole namespace.
    isolated_by: Vec<[Vec<usize>; 2]>,
    /// Namespace objects of the input by name (the last one wins, as with
    /// `kubectl apply`).
    namespace_objects: HashMap<String, usize>,
}

impl Analysis {
    fn build(inventory: &Inventory) -> Analysis {
        let model = inventory.derived(Model::build);
        let mut namespaces: HashMap<String, NamespaceIndex> = HashMap::new();
        for (i, w) in model.workloads.iter().enumerate() {
            let ns = namespaces.entry(w.namespace.clone()).or_default();
            ns.workloads.push(i);
            for (k, v) in &w.labels {
                ns.by_label
                    .entry(k.clone())
                    .or_default()
                    .entry(v.clone())
                    .or_default()
                    .push(i);
            }
        }
        let mut a = Analysis {
            namespaces,
            selected: Vec::new(),
            isolated_by: vec![Default::default(); model.workloads.len()],
            namespace_objects: inventory
                .of_kind_indexed("Namespace")
                .filter(|(_, o)| o.group().is_empty())
                .map(|(i, o)| (o.name().to_string(), i))
                .collect(),
            model: model.clone(),
        };
        a.selected = model
            .policies
            .par_iter()
            .map(|p| {
                (!is_everything(&p.pod_selector))
                    .then(|| a.pods(&p.namespace, &p.pod_selector).collect())
            })
            .collect();
        for (pi, p) in model.policies.iter().enumerate() {
            for d in [Direction::Ingress, Direction::Egress] {
                if p.rules(d).is_none() {
                    continue;
                }
                match &a.selected[pi] {
                    Some(selected) => {
                        for &w in selected {
                            a.isolated_by[w][slot(d)].push(pi);
                        }
                    }
                    None => {
                        if let Some(ns) = a.namespaces.get_mut(&p.namespace) {
                            ns.everywhere[slot(d)].push(pi);
                        }
                    }
                }
            }
        }
        a
    }

    /// The workloads of the input policy `pi` selects, in input order.
    pub fn selected(&self, pi: usize) -> &[usize] {
        match &self.selected[pi] {
            Some(s) => s,
            None => self.workloads_in(&self.model.policies[pi].namespace),
        }
    }

    /// The policies isolating workload `w` for `direction`: those
    /// selecting its whole namespace first, then the others, each group in
    /// input order.
    pub fn isolating(&self, w: usize, direction: Direction) -> impl Iterator<Item = usize> + '_ {
        let everywhere = self
            .namespaces
            .get(&self.model.workloads[w].namespace)
            .map(|n| n.everywhere[slot(direction)].as_slice())
            .unwrap_or_default();
        everywhere
            .iter()
            .chain(&self.isolated_by[w][slot(direction)])
            .copied()
    }

    /// Whether a policy isolates workload `w` for `direction`.
    pub fn is_isolated(&self, w: usize, direction: Direction) -> bool {
        self.isolating(w, direction).next().is_some()
    }

    /// The workloads of `namespace` in the input, in input order.
    pub fn workloads_in(&self, namespace: &str) -> &[usize] {
        self.namespaces
            .get(namespace)
            .map(|n| n.workloads.as_slice())
            .unwrap_or_default()
    }

    /// Whether the input has workloads in `namespace`.
    pub fn has_workloads(&self, namespace: &str) -> bool {
        !self.workloads_in(namespace).is_empty()
    }

    /// The workloads of `namespace` whose pod labels `selector` matches.
    pub fn pods<'a>(
        &'a self,
        namespace: &str,
        selector: &'a Selector,
    ) -> impl Iterator<Item = usize> + 'a {
        let index = self.namespaces.get(namespace);
        // An equality requirement narrows the candidates to the workloads
        // carrying that label.
        let candidates: &[usize] = match (index, selector.equality()) {
            (None, _) => &[],
            (Some(n), Some((k, v))) => n
                .by_label
                .get(k)
                .and_then(|values| values.get(v))
                .map(Vec::as_slice)
                .unwrap_or_default(),
            (Some(n), None) => &n.workloads,
        };
        let model = &self.model;
        candidates.iter().copied().filter(move |&w| {
            let labels = &model.workloads[w].labels;
            selector.matches(|k| labels.get(k).map(String::as_str))
        })
    }

    /// The namespaces known to the input (declared, or holding a workload
    /// or policy) that a peer of a policy in `policy_namespace` reaches
    /// into: its own without a namespaceSelector.
    pub fn peer_namespaces<'a>(
        &'a self,
        namespaces: Option<&'a Selector>,
        policy_namespace: &'a str,
    ) -> Vec<&'a str> {
        match namespaces {
            None => vec![policy_namespace],
            Some(sel) => self
                .model
                .namespaces
                .iter()
                .filter(|ns| matches_namespace(sel, ns))
                .map(|ns| ns.name.as_str())
                .collect(),
        }
    }

    /// The workloads of the input a pod peer of a policy in
    /// `policy_namespace` matches.
    pub fn peer_pods<'a>(
        &'a self,
        namespaces: Option<&'a Selector>,
        pods: &'a Selector,
        policy_namespace: &'a str,
    ) -> impl Iterator<Item = usize> + 'a {
        self.peer_namespaces(namespaces, policy_namespace)
            .into_iter()
            .flat_map(move |ns| self.pods(ns, pods))
    }

    /// Whether the input looks like a whole cluster (it declares the
    /// `kube-system` Namespace, as a snapshot does): only then is a
    /// namespaceSelector matching none of its namespaces a mistake rather
    /// than a namespace defined elsewhere (`kube-system` itself, an
    /// ingress controller's).
    pub fn holds_whole_cluster(&self) -> bool {
        self.namespace_objects.contains_key("kube-system")
    }

    /// Where a finding about `namespace` goes: its Namespace object at
    /// `/metadata/name` when the input has it, else workload `fallback`
    /// at `/metadata/namespace`. Returns (object index, pointer).
    pub fn namespace_location(&self, namespace: &str, fallback: usize) -> (usize, &'static str) {
        match self.namespace_objects.get(namespace) {
            Some(&o) => (o, "/metadata/name"),
            None => (self.model.workloads[fallback].object, "/metadata/namespace"),
        }
    }
}

/// The workloads of `namespace` in the input that are not on the host
/// network: those its NetworkPolicies are sure to govern.
pub fn governed_workloads(a: &Analysis, namespace: &str) -> Vec<usize> {
    a.workloads_in(namespace)
        .iter()
        .copied()
        .filter(|&w| !a.model.workloads[w].host_network)
        .collect()
}

/// The NetworkPolicy analysis of the scanned inventory, shared by every
/// NetworkPolicy rule of the scan. Policies the API server would reject
/// are reported (once per scan) and left out.
pub fn analysis(ctx: &InventoryCtx, out: &mut Reporter) -> Arc<Analysis> {
    let a = ctx.inventory.derived(Analysis::build);
    for d in &a.model.diagnostics {
        out.diagnostic(d.clone());
    }
    a
}

/// Whether `sel` matches namespace `ns` as the input knows it.
pub fn matches_namespace(sel: &Selector, ns: &Namespace) -> bool {
    sel.matches(|k| ns.labels.get(k).map(String::as_str))
}

/// Whether `sel` matches a namespace the input does not show, which
/// carries no label but its name: `{}`, `NotIn` and `DoesNotExist`
/// selectors do.
pub fn matches_unlisted_namespace(sel: &Selector) -> bool {
    // No namespace is named with a NUL, so `In` on the name never matches.
    sel.matches(|k| (k == NAMESPACE_NAME_LABEL).then_some("\0"))
}

/// Whether `sel` is the empty selector, which matches everything.
pub fn is_everything(sel: &Selector) -> bool {
    matches!(sel, Selector::All(reqs) if reqs.is_empty())
}

/// The selector as `kubectl` prints one: `app=web,tier in (a,b),!legacy`;
/// `{}` for the empty selector.
pub fn describe_selector(sel: &Selector) -> String {
    match sel {
        Selector::Nothing => "(nothing)".into(),
        Selector::All(reqs) if reqs.is_empty() => "{}".into(),
        Selector::All(reqs) => reqs
            .iter()
            .map(|r| match r.op {
                Op::In if r.values.len() == 1 => format!("{}={}", r.key, r.values[0]),
                Op::In => format!("{} in ({})", r.key, r.values.join(",")),
                Op::NotIn => format!("{} notin ({})", r.key, r.values.join(",")),
                Op::Exists => r.key.clone(),
                Op::DoesNotExist => format!("!{}", r.key),
            })
            .collect::<Vec<_>>()
            .join(","),
    }
}

/// A peer as written: `podSelector app=web`, `namespaceSelector team=a`,
/// `namespaceSelector team=a and podSelector app=web`, `ipBlock
/// 0.0.0.0/0 except 10.0.0.0/8`.
pub fn describe_peer(peer: &Peer) -> String {
    match peer {
        Peer::Pods {
            namespaces: None,
            pods,
        } => format!("podSelector {}", describe_selector(pods)),
        Peer::Pods {
            namespaces: Some(ns),
            pods,
        } if is_everything(pods) => format!("namespaceSelector {}", describe_selector(ns)),
        Peer::Pods {
            namespaces: Some(ns),
            pods,
        } => format!(
            "namespaceSelector {} and podSelector {}",
            describe_selector(ns),
            describe_selector(pods)
        ),
        Peer::Block { cidr, except, .. } if except.is_empty() => format!("ipBlock {cidr}"),
        Peer::Block { cidr, except, .. } => format!(
            "ipBlock {cidr} except {}",
            except
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A rule's `ports` as written: `TCP 443, UDP 53, TCP http`; `every port`
/// for an empty list.
pub fn describe_ports(specs: &[PortSpec]) -> String {
    if specs.is_empty() {
        return "every port".into();
    }
    specs
        .iter()
        .map(|s| match &s.port {
            Port::Any => format!("every {} port", s.protocol),
            Port::Range(a, b) if a == b => format!("{} {a}", s.protocol),
            Port::Range(a, b) => format!("{} {a}-{b}", s.protocol),
            Port::Named(n) => format!("{} {n}", s.protocol),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Ports as a set allows them: `TCP 443, UDP 53`; `every port`.
pub fn describe_port_set(ports: &PortSet) -> String {
    if ports.is_all() {
        "every port".into()
    } else {
        ports.to_string()
    }
}

/// `Deployment shop/web`, with the namespace it lands in when the
/// manifest sets none.
pub fn workload_name(w: &Workload) -> String {
    format!("{} {}/{}", w.id.kind, w.namespace, w.id.name)
}

/// `NetworkPolicy shop/allow-web`.
pub fn policy_name(p: &Policy) -> String {
    format!("NetworkPolicy {}/{}", p.namespace, p.id.name)
}

/// `/spec/ingress/2`.
pub fn rule_pointer(direction: Direction, rule: usize) -> String {
    format!("/spec/{}/{rule}", direction.as_str())
}

/// The field of a rule that lists its peers.
pub fn peers_field(direction: Direction) -> &'static str {
    match direction {
        Direction::Ingress => "from",
        Direction::Egress => "to",
    }
}

/// At most five names, then how many more (the rest are never made).
pub fn list_names<I>(names: I) -> String
where
    I: IntoIterator<Item = String>,
    I::IntoIter: ExactSizeIterator,
{
    const SHOWN: usize = 5;
    let names = names.into_iter();
    let total = names.len();
    let mut out: Vec<String> = names.take(SHOWN).collect();
    if total > SHOWN {
        out.push(format!("{} more", total - SHOWN));
    }
    out.join(", ")
}

/// The workloads of the input policy `pi` selects, named, or a note that
/// it selects none of them.
pub fn selected_names(a: &Analysis, pi: usize) -> String {
    let selected = a.selected(pi);
    if selected.is_empty() {
        "none in the input".into()
    } else {
        list_names(
            selected
                .iter()
                .map(|&w| workload_name(&a.model.workloads[w])),
        )
    }
}

// ---------------------------------------------------------------------------
// Isolation

/// Reports every workload no policy isolates for `direction`, at its
/// `/metadata/name`, with what is left open. Host-network workloads
/// (which policies may not govern; netpol-host-network-workload reports
/// them) and namespaces without any policy (netpol-namespace-without-policies
/// reports them once) are left out.
pub fn report_unisolated(ctx: &InventoryCtx, out: &mut Reporter, direction: Direction) {
    let a = analysis(ctx, out);
    let other = match direction {
        Direction::Ingress => Direction::Egress,
        Direction::Egress => Direction::Ingress,
    };
    for (wi, w) in a.model.workloads.iter().enumerate() {
        if w.host_network
            || a.is_isolated(wi, direction)
            || a.model.policies_in(&w.namespace).next().is_none()
        {
            continue;
        }
        let open = match direction {
            Direction::Ingress => {
                "every pod of the cluster, and every address that can route to it, may connect to any of its ports"
            }
            Direction::Egress => {
                "it may connect to every pod of the cluster, to the node and cloud metadata services, and to the internet"
            }
        };
        // Policies that select it for the other direction only: say why
        // they do not isolate this one.
        let mut others: Vec<usize> = a.isolating(wi, other).collect();
        others.sort_unstable();
        let others: Vec<&Policy> = others.iter().map(|&pi| &a.model.policies[pi]).collect();
        let why = if others.is_empty() {
            String::new()
        } else {
            let defaulted =
                direction == Direction::Egress && others.iter().any(|p| !p.explicit_types);
            format!(
                " ({} {} it for {} only{})",
                list_names(others.iter().map(|p| policy_name(p))),
                if others.len() == 1 {
                    "selects"
                } else {
                    "select"
                },
                other.as_str(),
                if defaulted {
                    "; without `policyTypes`, a policy isolates for egress only when it has egress rules"
                } else {
                    ""
                }
            )
        };
        out.on(w.object).at(
            "/metadata/name".into(),
            format!(
                "no NetworkPolicy isolates {} for {}: {open}{why}",
                workload_name(w),
                direction.as_str()
            ),
        );
    }
}

// ---------------------------------------------------------------------------
// Addresses

/// Address ranges that are not the public internet: private (RFC 1918),
/// shared (carrier-grade NAT), loopback, link-local, "this network",
/// multicast and reserved IPv4 space; unspecified, loopback, unique local,
/// link-local and multicast IPv6 space.
const NON_PUBLIC: &[&str] = &[
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "224.0.0.0/4",
    "240.0.0.0/4",
    // `::` and `::1`, as one /127: `Cidr::parse` mishandles IPv6 /128.
    "::/127",
    "fc00::/7",
    "fe80::/10",
    "ff00::/8",
];

fn non_public() -> &'static IpSet {
    static SET: OnceLock<IpSet> = OnceLock::new();
    SET.get_or_init(|| {
        let mut s = IpSet::default();
        for c in NON_PUBLIC {
            if let Ok(c) = Cidr::parse(c) {
                s.union_with(&IpSet::block(c, &[]));
            }
        }
        s
    })
}

/// The public internet addresses of `set`.
pub fn public_part(set: &IpSet) -> IpSet {
    set.minus(non_public())
}

pub const MAX_PREFIX_IPV4: ParamSpec = ParamSpec {
    name: "max-prefix-ipv4",
    description: "Report a rule whose public IPv4 addresses add up to at least a network of this prefix length (7: a /7, 33 million addresses; 32: any public address).",
    default: ParamDefault::Int(7),
};

pub const MAX_PREFIX_IPV6: ParamSpec = ParamSpec {
    name: "max-prefix-ipv6",
    description: "Report a rule whose public IPv6 addresses add up to at least a network of this prefix length (128: any public address).",
    default: ParamDefault::Int(31),
};

/// Whether the public addresses of `set` add up to at least one network
/// of the prefix lengths the rule's `max-prefix-ipv4` / `max-prefix-ipv6`
/// parameters give: the internet at large rather than a few chosen
/// services.
pub fn is_wide_public(set: &IpSet, params: &Params) -> bool {
    let public = public_part(set);
    if public.is_empty() {
        return false;
    }
    let threshold = |name: &str, bits: u8| -> u8 {
        // Host bits of the smallest network that counts as wide.
        let prefix = params.int(name).clamp(0, i64::from(bits)) as u8;
        bits - prefix
    };
    let (v4, v6) = (
        threshold(MAX_PREFIX_IPV4.name, 32),
        threshold(MAX_PREFIX_IPV6.name, 128),
    );
    // Addresses per family as a sum of powers of two, compared with the
    // threshold's power of two.
    let mut total = [0u128; 2];
    for c in public.cidrs() {
        let n = if c.host_bits() >= 128 {
            u128::MAX
        } else {
            1u128 << c.host_bits()
        };
        let t = &mut total[usize::from(c.v6)];
        *t = t.saturating_add(n);
    }
    let at_least = |total: u128, host_bits: u8| {
        (host_bits < 128 && total >= 1u128 << host_bits) || total == u128::MAX
    };
    at_least(total[0], v4) || at_least(total[1], v6)
}

/// The external addresses a rule's peers reach: everything without peers,
/// else the union of its ipBlocks.
pub fn external_addresses(peers: &[Peer]) -> IpSet {
    if peers.is_empty() {
        return IpSet::everything();
    }
    let mut s = IpSet::default();
    for p in peers {
        if let Peer::Block { set, .. } = p {
            s.union_with(set);
        }
    }
    s
}

/// The ipBlock peers of `peers` that reach public addresses, as written.
pub fn public_blocks(peers: &[Peer]) -> String {
    peers
        .iter()
        .filter(|p| matches!(p, Peer::Block { set, .. } if !public_part(set).is_empty()))
        .map(describe_peer)
        .collect::<Vec<_>>()
        .join(", ")
}

// ---------------------------------------------------------------------------
// Selector implication

/// Whether every label set `narrow` matches is matched by `broad`, decided
/// from their requirements: each requirement of `broad` must follow from
/// one of `narrow` (`In` a subset of the values, `NotIn` a superset, `In`
/// implies `Exists`). Selectors equivalent only through the values a key
/// happens to take are not recognised.
pub fn implies(narrow: &Selector, broad: &Selector) -> bool {
    let (Selector::All(n), Selector::All(b)) = (narrow, broad) else {
        return matches!(narrow, Selector::Nothing);
    };
    b.iter()
        .all(|req| n.iter().any(|have| requirement_implies(have, req)))
}

fn requirement_implies(have: &Requirement, want: &Requirement) -> bool {
    if have.key != want.key {
        return false;
    }
    let subset = |a: &[String], b: &[String]| a.iter().all(|v| b.contains(v));
    match (&have.op, &want.op) {
        (Op::In, Op::In) => subset(&have.values, &want.values),
        (Op::NotIn, Op::NotIn) => subset(&want.values, &have.values),
        (Op::In, Op::Exists) | (Op::Exists, Op::Exists) => true,
        (Op::DoesNotExist, Op::DoesNotExist) | (Op::DoesNotExist, Op::NotIn) => true,
        // `In` values none of which are excluded.
        (Op::In, Op::NotIn) => have.values.iter().all(|v| !want.values.contains(v)),
        _ => false,
    }
}

/// Whether `sel` matches namespace `ns` whatever labels the input does not
/// show it to carry: it matches the known labels with `In` and `Exists`
/// requirements only, which more labels cannot undo.
pub fn surely_matches_namespace(sel: &Selector, ns: &Namespace) -> bool {
    let Selector::All(reqs) = sel else {
        return false;
    };
    reqs.iter().all(|r| matches!(r.op, Op::In | Op::Exists)) && matches_namespace(sel, ns)
}

/// Whether `sel` can only match the namespace named `name`: it requires
/// `kubernetes.io/metadata.name` to be that name.
pub fn only_namespace(sel: &Selector, name: &str) -> bool {
    let Selector::All(reqs) = sel else {
        return true;
    };
    reqs.iter().any(|r| {
        r.key == NAMESPACE_NAME_LABEL && r.op == Op::In && r.values.iter().all(|v| v == name)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, LabelSelectorRequirement};

    fn sel(labels: &[(&str, &str)], exprs: &[(&str, &str, &[&str])]) -> Selector {
        Selector::from_label_selector(Some(&LabelSelector {
            match_labels: Some(
                labels
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ),
            match_expressions: Some(
                exprs
                    .iter()
                    .map(|(k, op, values)| LabelSelectorRequirement {
                        key: k.to_string(),
                        operator: op.to_string(),
                        values: (!values.is_empty())
                            .then(|| values.iter().map(|v| v.to_string()).collect()),
                    })
                    .collect(),
            ),
        }))
        .unwrap()
    }

    fn set(cidrs: &[&str]) -> IpSet {
        let mut s = IpSet::default();
        for c in cidrs {
            s.union_with(&IpSet::block(Cidr::parse(c).unwrap(), &[]));
        }
        s
    }

    #[test]
    fn selectors_print_as_kubectl_does() {
        assert_eq!(describe_selector(&sel(&[], &[])), "{}");
        assert_eq!(
            describe_selector(&sel(
                &[("app", "web")],
                &[("tier", "In", &["a", "b"]), ("legacy", "DoesNotExist", &[])]
            )),
            "app=web,tier in (a,b),!legacy"
        );
    }

    #[test]
    fn implication_from_requirements() {
        let web = sel(&[("app", "web"), ("tier", "front")], &[]);
        assert!(implies(&web, &sel(&[("app", "web")], &[])));
        assert!(implies(&web, &sel(&[], &[])));
        assert!(!implies(&sel(&[("app", "web")], &[]), &web));
        assert!(implies(
            &web,
            &sel(
                &[],
                &[("app", "In", &["web", "api"]), ("tier", "Exists", &[])]
            )
        ));
        assert!(implies(&web, &sel(&[], &[("app", "NotIn", &["db"])])));
        assert!(!implies(&web, &sel(&[], &[("app", "NotIn", &["web"])])));
        assert!(implies(
            &sel(&[], &[("app", "NotIn", &["a", "b"])]),
            &sel(&[], &[("app", "NotIn", &["a"])])
        ));
    }

    #[test]
    fn unlisted_namespaces() {
        assert!(matches_unlisted_namespace(&sel(&[], &[])));
        assert!(matches_unlisted_namespace(&sel(
            &[],
            &[(NAMESPACE_NAME_LABEL, "NotIn", &["kube-system"])]
        )));
        assert!(!matches_unlisted_namespace(&sel(&[("team", "a")], &[])));
        assert!(!matches_unlisted_namespace(&sel(
            &[(NAMESPACE_NAME_LABEL, "shop")],
            &[]
        )));
        assert!(only_namespace(
            &sel(&[(NAMESPACE_NAME_LABEL, "shop")], &[]),
            "shop"
        ));
        assert!(!only_namespace(&sel(&[], &[]), "shop"));
    }

    #[test]
    fn wide_public_addresses() {
        let params = {
            let mut p = Params::default();
            p.set(MAX_PREFIX_IPV4.name, rampart_core::rule::ParamValue::Int(7));
            p.set(
                MAX_PREFIX_IPV6.name,
                rampart_core::rule::ParamValue::Int(31),
            );
            p
        };
        assert!(is_wide_public(&IpSet::everything(), &params));
        assert!(is_wide_public(&set(&["0.0.0.0/0"]), &params));
        assert!(is_wide_public(&set(&["::/0"]), &params));
        assert!(is_wide_public(&set(&["0.0.0.0/1"]), &params));
        assert!(!is_wide_public(
            &set(&["10.0.0.0/8", "172.16.0.0/12"]),
            &params
        ));
        assert!(!is_wide_public(&set(&["52.0.0.0/8"]), &params));
        assert!(!is_wide_public(&set(&["fc00::/7", "fe80::/10"]), &params));
        assert!(is_wide_public(&set(&["2000::/3"]), &params));
        // Private space does not count towards the width.
        assert!(!is_wide_public(&set(&["10.0.0.0/7"]), &params));
        assert!(is_wide_public(&set(&["10.0.0.0/7", "12.0.0.0/8"]), &params));
        let mut any = params.clone();
        any.set(
            MAX_PREFIX_IPV4.name,
            rampart_core::rule::ParamValue::Int(32),
        );
        assert!(is_wide_public(&set(&["52.1.2.3/32"]), &any));
        assert!(!is_wide_public(&set(&["10.1.2.3/32"]), &any));
    }
}
