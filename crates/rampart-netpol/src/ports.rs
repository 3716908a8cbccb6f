//! Ports and protocols: what a rule's `ports` list allows on a given
//! destination pod, as sets of port ranges per protocol.

use std::fmt;

use serde::Serialize;

/// The protocols NetworkPolicy speaks about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Protocol {
    #[serde(rename = "TCP")]
    Tcp,
    #[serde(rename = "UDP")]
    Udp,
    #[serde(rename = "SCTP")]
    Sctp,
}

impl Protocol {
    pub const ALL: [Protocol; 3] = [Protocol::Tcp, Protocol::Udp, Protocol::Sctp];

    /// Parses a protocol exactly as the API accepts it (upper case).
    pub fn parse(s: &str) -> Option<Protocol> {
        match s {
            "TCP" => Some(Protocol::Tcp),
            "UDP" => Some(Protocol::Udp),
            "SCTP" => Some(Protocol::Sctp),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Sctp => "SCTP",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One entry of a rule's `ports`, defaulted (protocol TCP when absent).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PortSpec {
    pub protocol: Protocol,
    pub port: Port,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Port {
    /// No `port`: every port of the protocol.
    Any,
    /// `port`, or `port`..=`endPort`.
    Range(u16, u16),
    /// A container port name, resolved on the destination pod.
    Named(String),
}

/// Ports per protocol: sorted, disjoint, inclusive ranges.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PortSet([Vec<(u16, u16)>; 3]);

impl PortSet {
    /// Every port of every protocol.
    pub fn all() -> PortSet {
        PortSet([vec![(1, 65535)], vec![(1, 65535)], vec![(1, 65535)]])
    }

    pub fn none() -> PortSet {
        PortSet::default()
    }

    pub fn single(protocol: Protocol, port: u16) -> PortSet {
        let mut s = PortSet::none();
        s.add(protocol, port, port);
        s
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(Vec::is_empty)
    }

    pub fn is_all(&self) -> bool {
        self.0.iter().all(|r| r.as_slice() == [(1, 65535)])
    }

    pub fn add(&mut self, protocol: Protocol, lo: u16, hi: u16) {
        let ranges = &mut self.0[protocol.index()];
        ranges.push((lo.max(1), hi));
        ranges.sort_unstable();
        let mut merged: Vec<(u16, u16)> = Vec::with_capacity(ranges.len());
        for &(a, b) in ranges.iter() {
            match merged.last_mut() {
                Some(last) if a <= last.1.saturating_add(1) => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        *ranges = merged;
    }

    pub fn union_with(&mut self, other: &PortSet) {
        if self.is_all() {
            return;
        }
        for p in Protocol::ALL {
            for &(a, b) in &other.0[p.index()] {
                self.add(p, a, b);
            }
        }
    }

    pub fn intersect(&self, other: &PortSet) -> PortSet {
        let mut out = PortSet::none();
        for p in Protocol::ALL {
            let (x, y) = (&self.0[p.index()], &other.0[p.index()]);
            let (mut i, mut j) = (0, 0);
            while i < x.len() && j < y.len() {
                let (lo, hi) = (x[i].0.max(y[j].0), x[i].1.min(y[j].1));
                if lo <= hi {
                    out.0[p.index()].push((lo, hi));
                }
                if x[i].1 < y[j].1 {
                    i += 1;
                } else {
                    j += 1;
                }
            }
        }
        out
    }

    /// The ports of this set that are not in `other`.
    pub fn minus(&self, other: &PortSet) -> PortSet {
        let mut out = PortSet::none();
        for p in Protocol::ALL {
            for &(a, b) in &self.0[p.index()] {
                let mut pieces = vec![(a, b)];
                for &(c, d) in &other.0[p.index()] {
                    pieces = pieces
                        .into_iter()
                        .flat_map(|(x, y)| {
                            let mut keep = Vec::with_capacity(2);
                            if d < x || c > y {
                                keep.push((x, y));
                            } else {
                                if x < c {
                                    keep.push((x, c - 1));
                                }
                                if y > d {
                                    keep.push((d + 1, y));
                                }
                            }
                            keep
                        })
                        .collect();
                }
                for (x, y) in pieces {
                    out.add(p, x, y);
                }
            }
        }
        out
    }

    pub fn contains(&self, protocol: Protocol, port: u16) -> bool {
        self.0[protocol.index()]
            .iter()
            .any(|&(a, b)| a <= port && port <= b)
    }

    /// Whether every port of `other` is in this set.
    pub fn covers(&self, other: &PortSet) -> bool {
        &self.intersect(other) == other
    }

    /// (protocol, first, last) for every range, TCP first.
    pub fn ranges(&self) -> impl Iterator<Item = (Protocol, u16, u16)> + '_ {
        Protocol::ALL
            .into_iter()
            .flat_map(move |p| self.0[p.index()].iter().map(move |&(a, b)| (p, a, b)))
    }
}

impl fmt::Display for PortSet {
    /// `all`, `none`, or `TCP 80, TCP 8000-8080, UDP 53`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_all() {
            return f.write_str("all");
        }
        if self.is_empty() {
            return f.write_str("none");
        }
        let parts: Vec<String> = self
            .ranges()
            .map(|(p, a, b)| match (a, b) {
                (1, 65535) => format!("{p} all"),
                _ if a == b => format!("{p} {a}"),
                _ => format!("{p} {a}-{b}"),
            })
            .collect();
        f.write_str(&parts.join(", "))
    }
}

/// A pod's named container ports: name → (number, protocol).
pub type NamedPorts = Vec<(String, u16, Protocol)>;

/// What the `ports` list of a rule allows on a destination pod with
/// `named` container ports (`None` for a destination outside the cluster,
/// where named ports never match). An empty list allows every port and
/// protocol.
pub fn allowed(specs: &[PortSpec], named: Option<&NamedPorts>) -> PortSet {
    if specs.is_empty() {
        return PortSet::all();
    }
    let mut out = PortSet::none();
    for s in specs {
        match &s.port {
            Port::Any => out.add(s.protocol, 1, 65535),
            Port::Range(a, b) => out.add(s.protocol, *a, *b),
            // A named port matches the pod's container port of that name
            // only if the protocols agree.
            Port::Named(name) => {
                for (n, number, protocol) in named.into_iter().flatten() {
                    if n == name && *protocol == s.protocol {
                        out.add(s.protocol, *number, *number);
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(protocol: Protocol, port: Port) -> PortSpec {
        PortSpec { protocol, port }
    }

    #[test]
    fn sets_merge_intersect_and_print() {
        let mut s = PortSet::none();
        s.add(Protocol::Tcp, 80, 80);
        s.add(Protocol::Tcp, 81, 90);
        s.add(Protocol::Udp, 53, 53);
        assert_eq!(s.to_string(), "TCP 80-90, UDP 53");
        assert!(s.contains(Protocol::Tcp, 85));
        assert!(!s.contains(Protocol::Sctp, 85));
        let t = PortSet::single(Protocol::Tcp, 85);
        assert_eq!(s.intersect(&t), t);
        assert!(s.covers(&t));
        assert_eq!(PortSet::all().to_string(), "all");
        assert_eq!(PortSet::none().to_string(), "none");
        let mut all = PortSet::all();
        all.union_with(&s);
        assert!(all.is_all());
        assert_eq!(s.minus(&t).to_string(), "TCP 80-84, TCP 86-90, UDP 53");
        assert_eq!(PortSet::all().minus(&PortSet::all()), PortSet::none());
        assert_eq!(s.minus(&PortSet::none()), s);
    }

    #[test]
    fn named_ports_resolve_per_pod_and_protocol() {
        let web: NamedPorts = vec![
            ("http".into(), 8080, Protocol::Tcp),
            ("dns".into(), 53, Protocol::Udp),
        ];
        let other: NamedPorts = vec![("http".into(), 80, Protocol::Tcp)];
        let specs = [spec(Protocol::Tcp, Port::Named("http".into()))];
        assert_eq!(allowed(&specs, Some(&web)).to_string(), "TCP 8080");
        assert_eq!(allowed(&specs, Some(&other)).to_string(), "TCP 80");
        assert!(allowed(&specs, None).is_empty());
        // The name exists, but for UDP.
        let specs = [spec(Protocol::Tcp, Port::Named("dns".into()))];
        assert!(allowed(&specs, Some(&web)).is_empty());
        assert!(allowed(&[], None).is_all());
        let specs = [
            spec(Protocol::Sctp, Port::Any),
            spec(Protocol::Tcp, Port::Range(8000, 8080)),
        ];
        assert_eq!(allowed(&specs, None).to_string(), "TCP 8000-8080, SCTP all");
    }
}
