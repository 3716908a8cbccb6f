//! All connections at once: workload × workload reachability per port and
//! protocol, and what each workload accepts from / may reach outside the
//! cluster.
//!
//! Workloads are grouped into classes that no policy can tell apart: the
//! same policies select them, the same pod peers match them, and they
//! have the same container ports for every port name some rule uses.
//! Every policy treats all members of a class alike, so reachability is
//! computed once per pair of classes, with each rule's peers precomputed
//! as a set of classes — and only for pairs that both sides' peers let
//! through.

use std::collections::BTreeSet;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::ipset::IpSet;
use crate::model::{Direction, Model, Peer, Rule};
use crate::ports::{self, NamedPorts, Port, PortSet};

/// One allowed connection between two workloads (indices in
/// [`Model::workloads`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub from: usize,
    pub to: usize,
    pub ports: PortSet,
}

/// Addresses outside the cluster a workload accepts connections from
/// (ingress) or may connect to (egress), on which ports. The address sets
/// are disjoint.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Exposure {
    pub ingress: Vec<(IpSet, PortSet)>,
    pub egress: Vec<(IpSet, PortSet)>,
}

/// A set of classes.
#[derive(Clone, Debug)]
struct Bits(Vec<u64>);

impl Bits {
    fn new(n: usize) -> Bits {
        Bits(vec![0; n.div_ceil(64)])
    }
    fn set(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }
    fn has(&self, i: usize) -> bool {
        self.0[i / 64] & (1 << (i % 64)) != 0
    }
    fn union_with(&mut self, other: &Bits) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a |= b;
        }
    }
    fn ones(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().enumerate().flat_map(|(i, &word)| {
            (0..64)
                .filter(move |b| word & (1 << b) != 0)
                .map(move |b| i * 64 + b)
        })
    }
}

/// A rule of a policy isolating some class, prepared: which classes its
/// peers match (`None`: every peer) and its ports (resolved once unless
/// they name ports).
struct Prepared<'m> {
    peers: Option<Bits>,
    rule: &'m Rule,
    fixed_ports: Option<PortSet>,
}

impl Prepared<'_> {
    fn ports_on(&self, named: Option<&NamedPorts>) -> PortSet {
        match &self.fixed_ports {
            Some(p) => p.clone(),
            None => ports::allowed(&self.rule.ports, named),
        }
    }
}

/// Classes of workloads and, per class, its prepared rules per direction
/// (`None`: that direction is not isolated).
pub struct Classes<'m> {
    model: &'m Model,
    /// Class → its workloads.
    pub members: Vec<Vec<usize>>,
    ingress: Vec<Option<Vec<usize>>>,
    egress: Vec<Option<Vec<usize>>>,
    rules: Vec<Prepared<'m>>,
}

/// Port names some rule uses: the only container ports that can matter.
fn used_port_names(model: &Model) -> BTreeSet<&str> {
    let mut names = BTreeSet::new();
    for p in &model.policies {
        for d in [Direction::Ingress, Direction::Egress] {
            for r in p.rules(d).into_iter().flatten() {
                for s in &r.ports {
                    if let Port::Named(n) = &s.port {
                        names.insert(n.as_str());
                    }
                }
            }
        }
    }
    names
}

/// What a policy can tell about a workload: whether the policy selects
/// it, or whether a rule's peer matches it (a pod peer; an ipBlock when
/// pod addresses are known and count).
enum Feature {
    Selected {
        policy: usize,
    },
    /// Index into the pod peers.
    Peer {
        peer: usize,
    },
}

impl<'m> Classes<'m> {
    /// Groups workloads by everything policies can tell about them —
    /// which policies select them, which pod peers match them, and the
    /// container ports of the port names rules use — and prepares every
    /// rule's peers as a set of classes.
    pub fn build(model: &'m Model) -> Classes<'m> {
        let mut by_namespace: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
        for (i, w) in model.workloads.iter().enumerate() {
            by_namespace
                .entry(w.namespace.as_str())
                .or_default()
                .push(i);
        }
        let labels = |w: usize| {
            let l = &model.workloads[w].labels;
            move |k: &str| l.get(k).map(String::as_str)
        };
        // Every feature, then the workloads having it (in parallel: each
        // is a selector run over the workloads it can concern).
        // ipBlocks tell pods apart only by addresses, when those are known.
        let with_ips: Vec<usize> = (0..model.workloads.len())
            .filter(|&w| !model.workloads[w].ips.is_empty())
            .collect();
        let ip_blocks_tell = model.pod_ips_match_ip_blocks && !with_ips.is_empty();
        let mut features: Vec<Feature> = Vec::new();
        // (policy, direction, rule, peer) → feature; and each pod peer with
        // the namespace of its policy.
        let mut peer_feature: FxHashMap<(usize, Direction, usize, usize), usize> =
            FxHashMap::default();
        let mut peers: Vec<(&Peer, &str)> = Vec::new();
        let mut policy_feature: Vec<usize> = Vec::with_capacity(model.policies.len());
        for (pi, p) in model.policies.iter().enumerate() {
            policy_feature.push(features.len());
            features.push(Feature::Selected { policy: pi });
            for d in [Direction::Ingress, Direction::Egress] {
                for (ri, rule) in p.rules(d).into_iter().flatten().enumerate() {
                    for (k, peer) in rule.peers.iter().enumerate() {
                        let tells = match peer {
                            Peer::Pods { .. } => true,
                            Peer::Block { .. } => ip_blocks_tell,
                        };
                        if tells {
                            peer_feature.insert((pi, d, ri, k), features.len());
                            features.push(Feature::Peer { peer: peers.len() });
                            peers.push((peer, p.namespace.as_str()));
                        }
                    }
                }
            }
        }
        let none: Vec<usize> = Vec::new();
        let having: Vec<Vec<usize>> = features
            .par_iter()
            .map(|f| match f {
                Feature::Selected { policy } => {
                    let p = &model.policies[*policy];
                    by_namespace
                        .get(p.namespace.as_str())
                        .unwrap_or(&none)
                        .iter()
                        .copied()
                        .filter(|&w| p.pod_selector.matches(labels(w)))
                        .collect()
                }
                Feature::Peer { peer, .. } => {
                    let (peer, namespace) = peers[*peer];
                    let (namespaces, pods) = match peer {
                        Peer::Pods { namespaces, pods } => (namespaces, pods),
                        Peer::Block { .. } => {
                            return with_ips
                                .iter()
                                .copied()
                                .filter(|&w| {
                                    model.peer_matches(peer, namespace, &model.workloads[w])
                                })
                                .collect();
                        }
                    };
                    let in_namespaces: Vec<&str> = match namespaces {
                        None => vec![namespace],
                        Some(sel) => model
                            .namespaces
                            .iter()
                            .filter(|ns| sel.matches(|k| ns.labels.get(k).map(String::as_str)))
                            .map(|ns| ns.name.as_str())
                            .collect(),
                    };
                    in_namespaces
                        .iter()
                        .flat_map(|ns| by_namespace.get(ns).unwrap_or(&none).iter().copied())
                        .filter(|&w| pods.matches(labels(w)))
                        .collect()
                }
            })
            .collect();
        let mut signature: Vec<Vec<u32>> = vec![Vec::new(); model.workloads.len()];
        for (f, ws) in having.iter().enumerate() {
            for &w in ws {
                signature[w].push(f as u32);
            }
        }
        let used = used_port_names(model);
        let mut index: FxHashMap<(Vec<u32>, NamedPorts), usize> = FxHashMap::default();
        let mut members: Vec<Vec<usize>> = Vec::new();
        let mut class_of = vec![0; model.workloads.len()];
        for (i, (w, sig)) in model.workloads.iter().zip(signature).enumerate() {
            let mut ports: NamedPorts = w
                .ports
                .iter()
                .filter(|(n, _, _)| used.contains(n.as_str()))
                .cloned()
                .collect();
            ports.sort();
            let next = members.len();
            let c = *index.entry((sig, ports)).or_insert(next);
            if c == next {
                members.push(Vec::new());
            }
            members[c].push(i);
            class_of[i] = c;
        }
        let n = members.len();
        let class_bits = |f: usize| {
            let mut b = Bits::new(n);
            for &w in &having[f] {
                b.set(class_of[w]);
            }
            b
        };
        // Each rule of each policy, prepared once; and the rules isolating
        // each class.
        let mut rules: Vec<Prepared<'m>> = Vec::new();
        let mut ingress: Vec<Option<Vec<usize>>> = vec![None; n];
        let mut egress: Vec<Option<Vec<usize>>> = vec![None; n];
        for (pi, p) in model.policies.iter().enumerate() {
            let selected = class_bits(policy_feature[pi]);
            for d in [Direction::Ingress, Direction::Egress] {
                let Some(policy_rules) = p.rules(d) else {
                    continue;
                };
                let mut ids = Vec::with_capacity(policy_rules.len());
                for (ri, rule) in policy_rules.iter().enumerate() {
                    let peers = (!rule.peers.is_empty()).then(|| {
                        let mut b = Bits::new(n);
                        for k in 0..rule.peers.len() {
                            if let Some(&f) = peer_feature.get(&(pi, d, ri, k)) {
                                b.union_with(&class_bits(f));
                            }
                        }
                        b
                    });
                    let named = rule.ports.iter().any(|s| matches!(s.port, Port::Named(_)));
                    ids.push(rules.len());
                    rules.push(Prepared {
                        peers,
                        rule,
                        fixed_ports: (!named).then(|| ports::allowed(&rule.ports, None)),
                    });
                }
                let slot = match d {
                    Direction::Ingress => &mut ingress,
                    Direction::Egress => &mut egress,
                };
                for (c, isolated) in slot.iter_mut().enumerate() {
                    if selected.has(c) {
                        isolated.get_or_insert_with(Vec::new).extend(&ids);
                    }
                }
            }
        }
        Classes {
            model,
            ingress,
            egress,
            members,
            rules,
        }
    }

    fn named_ports(&self, class: usize) -> &NamedPorts {
        &self.model.workloads[self.members[class][0]].ports
    }

    /// Ports class `s` may open to class `d`.
    fn between(&self, s: usize, d: usize) -> PortSet {
        let dst_ports = Some(self.named_ports(d));
        let side = |rules: &Option<Vec<usize>>, other: usize| -> PortSet {
            match rules {
                None => PortSet::all(),
                Some(rules) => {
                    let mut out = PortSet::none();
                    for &r in rules {
                        let r = &self.rules[r];
                        if r.peers.as_ref().is_none_or(|b| b.has(other)) {
                            out.union_with(&r.ports_on(dst_ports));
                            if out.is_all() {
                                break;
                            }
                        }
                    }
                    out
                }
            }
        };
        let ingress = side(&self.ingress[d], s);
        if ingress.is_empty() {
            return ingress;
        }
        ingress.intersect(&side(&self.egress[s], d))
    }

    /// The classes `rules` let through (`None`: every class — the
    /// direction is not isolated, or a rule has no peers).
    fn reach(&self, rules: &Option<Vec<usize>>) -> Option<Bits> {
        let rules = rules.as_ref()?;
        let mut out = Bits::new(self.members.len());
        for &r in rules {
            out.union_with(self.rules[r].peers.as_ref()?);
        }
        Some(out)
    }

    /// Every allowed workload-to-workload connection, a workload to itself
    /// included (its pods talk to each other under the same policies), in
    /// (from, to) order. Only pairs both sides' peers allow are evaluated:
    /// with default-deny policies, a tiny share of all pairs.
    pub fn links(&self) -> Vec<Link> {
        let n = self.members.len();
        let accepts: Vec<Option<Bits>> = self.ingress.iter().map(|r| self.reach(r)).collect();
        let per_source: Vec<Vec<Link>> = (0..n)
            .into_par_iter()
            .map(|s| {
                let mut out = Vec::new();
                let targets: Vec<usize> = match self.reach(&self.egress[s]) {
                    Some(bits) => bits.ones().collect(),
                    None => (0..n).collect(),
                };
                for d in targets {
                    if accepts[d].as_ref().is_some_and(|a| !a.has(s)) {
                        continue;
                    }
                    let ports = self.between(s, d);
                    if ports.is_empty() {
                        continue;
                    }
                    for &from in &self.members[s] {
                        for &to in &self.members[d] {
                            out.push(Link {
                                from,
                                to,
                                ports: ports.clone(),
                            });
                        }
                    }
                }
                out
            })
            .collect();
        let mut links: Vec<Link> = per_source.into_iter().flatten().collect();
        links.sort_by_key(|l| (l.from, l.to));
        links
    }

    /// What class `c` accepts from / may reach outside the cluster.
    fn exposure_of(&self, c: usize) -> Exposure {
        let side = |rules: &Option<Vec<usize>>, named: Option<&NamedPorts>| {
            let Some(rules) = rules else {
                return vec![(IpSet::everything(), PortSet::all())];
            };
            rules
                .iter()
                .filter_map(|&r| {
                    let p = &self.rules[r];
                    let set = if p.rule.peers.is_empty() {
                        IpSet::everything()
                    } else {
                        let mut s = IpSet::default();
                        for peer in &p.rule.peers {
                            if let Peer::Block { set, .. } = peer {
                                s.union_with(set);
                            }
                        }
                        s
                    };
                    let ports = p.ports_on(named);
                    (!set.is_empty() && !ports.is_empty()).then_some((set, ports))
                })
                .collect()
        };
        Exposure {
            ingress: partition(side(&self.ingress[c], Some(self.named_ports(c)))),
            // Named ports never match outside the cluster.
            egress: partition(side(&self.egress[c], None)),
        }
    }

    /// Per workload, its exposure outside the cluster.
    pub fn exposure(&self) -> Vec<(usize, Exposure)> {
        let per_class: Vec<Exposure> = (0..self.members.len())
            .into_par_iter()
            .map(|c| self.exposure_of(c))
            .collect();
        let mut out: Vec<(usize, Exposure)> = self
            .members
            .iter()
            .zip(per_class)
            .flat_map(|(ws, e)| ws.iter().map(move |&w| (w, e.clone())))
            .collect();
        out.sort_by_key(|(w, _)| *w);
        out
    }
}

/// Rewrites overlapping (addresses, ports) grants as disjoint address sets,
/// each with the union of the ports granted to it; address sets with the
/// same ports merged. Canonical: the same grants always give the same
/// result, whatever rules they came from.
fn partition(grants: Vec<(IpSet, PortSet)>) -> Vec<(IpSet, PortSet)> {
    // Each elementary piece of address space (bounded by the grants'
    // edges) gets the union of the ports of the grants covering it.
    let mut pieces: Vec<(IpSet, PortSet)> = Vec::new();
    for (set, ports) in grants {
        let mut rest = set;
        let mut next = Vec::with_capacity(pieces.len() + 2);
        for (piece, p) in pieces {
            let common = piece.intersect(&rest);
            if common.is_empty() {
                next.push((piece, p));
                continue;
            }
            let only_piece = piece.minus(&common);
            if !only_piece.is_empty() {
                next.push((only_piece, p.clone()));
            }
            let mut both = p;
            both.union_with(&ports);
            next.push((common.clone(), both));
            rest = rest.minus(&common);
        }
        if !rest.is_empty() {
            next.push((rest, ports));
        }
        pieces = next;
    }
    // Merge pieces with equal ports.
    let mut merged: Vec<(IpSet, PortSet)> = Vec::new();
    for (set, ports) in pieces {
        match merged.iter_mut().find(|(_, p)| *p == ports) {
            Some((s, _)) => s.union_with(&set),
            None => merged.push((set, ports)),
        }
    }
    merged.sort_by_cached_key(|(s, _)| s.cidrs());
    merged
}
