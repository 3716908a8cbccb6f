//! All connections at once: workload × workload reachability per port and
//! protocol, and what each workload accepts from / may reach outside the
//! cluster.
//!
//! Workloads are grouped into classes that no policy can tell apart: same
//! namespace, same values for every label key some selector looks at, same
//! container ports for every port name some rule uses. Every policy
//! treats all members of a class alike, so reachability is computed once
//! per pair of classes, with each rule's peers precomputed as a set of
//! classes.

use std::collections::BTreeSet;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::eval::Endpoint;
use crate::ipset::IpSet;
use crate::model::{Direction, Labels, Model, Peer, Rule};
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

fn relevant_keys(model: &Model) -> (BTreeSet<String>, BTreeSet<String>) {
    use rampart_core::selector::Selector;
    let mut keys = BTreeSet::new();
    let mut names = BTreeSet::new();
    let mut add = |s: &Selector| {
        if let Selector::All(reqs) = s {
            for r in reqs {
                keys.insert(r.key.clone());
            }
        }
    };
    for p in &model.policies {
        add(&p.pod_selector);
        for d in [Direction::Ingress, Direction::Egress] {
            for r in p.rules(d).into_iter().flatten() {
                for peer in &r.peers {
                    if let Peer::Pods { pods, .. } = peer {
                        add(pods);
                    }
                }
                for s in &r.ports {
                    if let Port::Named(n) = &s.port {
                        names.insert(n.clone());
                    }
                }
            }
        }
    }
    (keys, names)
}

impl<'m> Classes<'m> {
    pub fn build(model: &'m Model) -> Classes<'m> {
        let (keys, names) = relevant_keys(model);
        let mut index: FxHashMap<(String, Labels, NamedPorts), usize> = FxHashMap::default();
        let mut members: Vec<Vec<usize>> = Vec::new();
        for (i, w) in model.workloads.iter().enumerate() {
            let labels: Labels = w
                .labels
                .iter()
                .filter(|(k, _)| keys.contains(*k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let mut ports: NamedPorts = w
                .ports
                .iter()
                .filter(|(n, _, _)| names.contains(n))
                .cloned()
                .collect();
            ports.sort();
            let next = members.len();
            let c = *index
                .entry((w.namespace.clone(), labels, ports))
                .or_insert(next);
            if c == next {
                members.push(Vec::new());
            }
            members[c].push(i);
        }
        let reps: Vec<usize> = members.iter().map(|m| m[0]).collect();
        let n = reps.len();
        // Each rule of each policy, prepared once.
        let mut rules: Vec<Prepared<'m>> = Vec::new();
        let mut rule_index: FxHashMap<(usize, Direction, usize), usize> = FxHashMap::default();
        for (pi, p) in model.policies.iter().enumerate() {
            for d in [Direction::Ingress, Direction::Egress] {
                for (ri, rule) in p.rules(d).into_iter().flatten().enumerate() {
                    let peers = (!rule.peers.is_empty()).then(|| {
                        let mut b = Bits::new(n);
                        for (c, &w) in reps.iter().enumerate() {
                            if model.rule_peer_matches(rule, &p.namespace, Endpoint::Workload(w)) {
                                b.set(c);
                            }
                        }
                        b
                    });
                    let named = rule.ports.iter().any(|s| matches!(s.port, Port::Named(_)));
                    rule_index.insert((pi, d, ri), rules.len());
                    rules.push(Prepared {
                        peers,
                        rule,
                        fixed_ports: (!named).then(|| ports::allowed(&rule.ports, None)),
                    });
                }
            }
        }
        let isolation = |d: Direction| -> Vec<Option<Vec<usize>>> {
            reps.iter()
                .map(|&w| {
                    let isolating = model.isolating(&model.workloads[w], d);
                    (!isolating.is_empty()).then(|| {
                        isolating
                            .iter()
                            .flat_map(|&pi| {
                                let count = model.policies[pi].rules(d).map_or(0, <[Rule]>::len);
                                (0..count).map(move |ri| (pi, ri))
                            })
                            .map(|(pi, ri)| rule_index[&(pi, d, ri)])
                            .collect()
                    })
                })
                .collect()
        };
        Classes {
            model,
            ingress: isolation(Direction::Ingress),
            egress: isolation(Direction::Egress),
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

    /// Every allowed workload-to-workload connection, a workload to itself
    /// included (its pods talk to each other under the same policies), in
    /// (from, to) order.
    pub fn links(&self) -> Vec<Link> {
        let n = self.members.len();
        let per_source: Vec<Vec<Link>> = (0..n)
            .into_par_iter()
            .map(|s| {
                let mut out = Vec::new();
                for d in 0..n {
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
