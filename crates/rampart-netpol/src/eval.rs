//! One connection, decided and explained: the source's egress side and
//! the destination's ingress side, each with the policies that isolate it
//! and the rules that let the connection through.

use std::net::IpAddr;
use std::sync::Arc;

use rampart_core::ObjectRef;
use serde::Serialize;

use crate::model::{Direction, Model, Peer, Rule, Workload};
use crate::ports::{self, NamedPorts, PortSet, Protocol};

/// One end of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// A workload, by index in [`Model::workloads`].
    Workload(usize),
    /// An address outside the cluster.
    External(IpAddr),
}

/// A rule that allows a connection: policy, direction, rule index.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleRef {
    pub policy: Arc<ObjectRef>,
    pub direction: Direction,
    /// Index in the policy's `ingress` or `egress` list.
    pub rule: usize,
}

/// One side of a connection.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Side {
    /// Policies that select the workload for this direction. None: the
    /// direction is not isolated, and everything is allowed.
    pub isolated_by: Vec<Arc<ObjectRef>>,
    /// Rules that allow the connection.
    pub allowed_by: Vec<RuleRef>,
    pub allowed: bool,
}

/// The verdict on a connection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub allowed: bool,
    /// The source's egress, when the source is a workload.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub egress: Option<Side>,
    /// The destination's ingress, when the destination is a workload.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ingress: Option<Side>,
    /// Caveats: host-network pods, which policies may not govern.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Model {
    /// The policies that isolate `w` for `direction`, by index.
    pub fn isolating(&self, w: &Workload, direction: Direction) -> Vec<usize> {
        self.policies_in(&w.namespace)
            .filter(|(_, p)| p.rules(direction).is_some() && self.selects(p, w))
            .map(|(i, _)| i)
            .collect()
    }

    /// Whether `rule` (of a policy in `namespace`) lets in / out to `other`.
    pub fn rule_peer_matches(&self, rule: &Rule, namespace: &str, other: Endpoint) -> bool {
        rule.peers.is_empty()
            || rule.peers.iter().any(|p| match (p, other) {
                (Peer::Block { set, .. }, Endpoint::External(ip)) => set.contains(ip),
                (_, Endpoint::Workload(o)) => self.peer_matches(p, namespace, &self.workloads[o]),
                (Peer::Pods { .. }, Endpoint::External(_)) => false,
            })
    }

    /// The named ports of the destination, where named ports resolve
    /// (`None` outside the cluster).
    fn named_ports(&self, e: Endpoint) -> Option<&NamedPorts> {
        match e {
            Endpoint::Workload(w) => Some(&self.workloads[w].ports),
            Endpoint::External(_) => None,
        }
    }

    /// One side: `subject` (a workload) with `other` at the far end; the
    /// destination is `subject` for ingress, `other` for egress.
    fn side(
        &self,
        subject: usize,
        other: Endpoint,
        direction: Direction,
        protocol: Protocol,
        port: u16,
    ) -> Side {
        let w = &self.workloads[subject];
        let destination = match direction {
            Direction::Ingress => Endpoint::Workload(subject),
            Direction::Egress => other,
        };
        let mut side = Side::default();
        for pi in self.isolating(w, direction) {
            let p = &self.policies[pi];
            side.isolated_by.push(p.id.clone());
            for (ri, rule) in p.rules(direction).into_iter().flatten().enumerate() {
                if self.rule_peer_matches(rule, &p.namespace, other)
                    && ports::allowed(&rule.ports, self.named_ports(destination))
                        .contains(protocol, port)
                {
                    side.allowed_by.push(RuleRef {
                        policy: p.id.clone(),
                        direction,
                        rule: ri,
                    });
                }
            }
        }
        side.allowed = side.isolated_by.is_empty() || !side.allowed_by.is_empty();
        side
    }

    /// Decides whether `from` may open a connection to `to` on `port` /
    /// `protocol`: the source's egress AND the destination's ingress must
    /// allow it (sides outside the cluster are not governed here).
    pub fn can(&self, from: Endpoint, to: Endpoint, protocol: Protocol, port: u16) -> Verdict {
        let egress = match from {
            Endpoint::Workload(s) => Some(self.side(s, to, Direction::Egress, protocol, port)),
            Endpoint::External(_) => None,
        };
        let ingress = match to {
            Endpoint::Workload(d) => Some(self.side(d, from, Direction::Ingress, protocol, port)),
            Endpoint::External(_) => None,
        };
        let notes = [from, to]
            .into_iter()
            .filter_map(|e| match e {
                Endpoint::Workload(w) => self.workloads[w].host_network_note(),
                Endpoint::External(_) => None,
            })
            .collect();
        Verdict {
            allowed: egress.as_ref().is_none_or(|s| s.allowed)
                && ingress.as_ref().is_none_or(|s| s.allowed),
            egress,
            ingress,
            notes,
        }
    }

    /// The ports `direction`'s rules of the policies isolating `subject`
    /// allow to / from `other`, resolved on the destination; all ports
    /// when that direction is not isolated.
    pub fn allowed_ports(&self, subject: usize, other: Endpoint, direction: Direction) -> PortSet {
        let w = &self.workloads[subject];
        let destination = match direction {
            Direction::Ingress => Endpoint::Workload(subject),
            Direction::Egress => other,
        };
        let isolating = self.isolating(w, direction);
        if isolating.is_empty() {
            return PortSet::all();
        }
        let mut out = PortSet::none();
        for pi in isolating {
            let p = &self.policies[pi];
            for rule in p.rules(direction).into_iter().flatten() {
                if self.rule_peer_matches(rule, &p.namespace, other) {
                    out.union_with(&ports::allowed(&rule.ports, self.named_ports(destination)));
                    if out.is_all() {
                        return out;
                    }
                }
            }
        }
        out
    }
}
