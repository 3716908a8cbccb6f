//! Sets of IP addresses: an `ipBlock`'s `cidr` minus its `except` list,
//! unions of them, and the CIDRs that cover a set exactly. IPv4 and IPv6
//! are kept apart, as Kubernetes keeps them.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use serde::Serialize;

/// An IP network as written in an `ipBlock`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cidr {
    pub v6: bool,
    /// The network address, host bits cleared, in the low bits.
    pub addr: u128,
    pub prefix: u8,
}

impl Cidr {
    fn bits(self) -> u8 {
        if self.v6 { 128 } else { 32 }
    }

    /// Parses `ADDRESS/PREFIX` as the API server does (its lenient parser:
    /// IPv4 octets may have leading zeros, read as decimal; host bits may
    /// be set and are cleared).
    pub fn parse(s: &str) -> Result<Cidr, String> {
        let bad = || format!("`{s}` is not a CIDR (ADDRESS/PREFIX, IPv4 or IPv6)");
        let (addr, prefix) = s.split_once('/').ok_or_else(bad)?;
        let prefix: u8 = if !prefix.is_empty() && prefix.bytes().all(|b| b.is_ascii_digit()) {
            prefix.parse().map_err(|_| bad())?
        } else {
            return Err(bad());
        };
        let (v6, addr) = if addr.contains(':') {
            let a: Ipv6Addr = addr.parse().map_err(|_| bad())?;
            (true, u128::from(a))
        } else {
            (
                false,
                u128::from(u32::from(parse_v4_sloppy(addr).ok_or_else(bad)?)),
            )
        };
        let bits = if v6 { 128 } else { 32 };
        if prefix > bits {
            return Err(bad());
        }
        Ok(Cidr {
            v6,
            addr: addr & mask(bits, prefix),
            prefix,
        })
    }

    pub fn first(self) -> u128 {
        self.addr
    }

    pub fn last(self) -> u128 {
        self.addr | !mask(self.bits(), self.prefix) & max(self.bits())
    }

    /// Whether `other` lies inside this network and is strictly smaller:
    /// what an `except` entry must be.
    pub fn strictly_contains(self, other: Cidr) -> bool {
        self.v6 == other.v6
            && other.prefix > self.prefix
            && other.first() >= self.first()
            && other.last() <= self.last()
    }

    /// The number of addresses, as a power of two.
    pub fn host_bits(self) -> u8 {
        self.bits() - self.prefix
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.v6 {
            write!(f, "{}/{}", Ipv6Addr::from(self.addr), self.prefix)
        } else {
            write!(f, "{}/{}", Ipv4Addr::from(self.addr as u32), self.prefix)
        }
    }
}

impl Serialize for Cidr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Dotted IPv4 with optional leading zeros in each octet, read as decimal
/// (Kubernetes' `ParseIPSloppy`).
fn parse_v4_sloppy(s: &str) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut parts = s.split('.');
    for o in &mut octets {
        let p = parts.next()?;
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *o = p.parse().ok()?;
    }
    parts.next().is_none().then(|| Ipv4Addr::from(octets))
}

fn max(bits: u8) -> u128 {
    if bits == 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    }
}

fn mask(bits: u8, prefix: u8) -> u128 {
    if prefix == 0 {
        0
    } else if prefix >= bits {
        max(bits)
    } else {
        max(bits) & !(max(bits) >> prefix)
    }
}

/// Sorted, disjoint, inclusive address ranges of one family.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
struct Ranges(Vec<(u128, u128)>);

impl Ranges {
    fn add(&mut self, lo: u128, hi: u128) {
        let mut out = Vec::with_capacity(self.0.len() + 1);
        let (mut lo, mut hi) = (lo, hi);
        let mut placed = false;
        for &(a, b) in &self.0 {
            if b.saturating_add(1) < lo {
                out.push((a, b));
            } else if hi.saturating_add(1) < a {
                if !placed {
                    out.push((lo, hi));
                    placed = true;
                }
                out.push((a, b));
            } else {
                lo = lo.min(a);
                hi = hi.max(b);
            }
        }
        if !placed {
            out.push((lo, hi));
        }
        out.sort_unstable();
        self.0 = out;
    }

    fn remove(&mut self, lo: u128, hi: u128) {
        let mut out = Vec::with_capacity(self.0.len() + 1);
        for &(a, b) in &self.0 {
            if b < lo || a > hi {
                out.push((a, b));
                continue;
            }
            if a < lo {
                out.push((a, lo - 1));
            }
            if b > hi {
                out.push((hi + 1, b));
            }
        }
        self.0 = out;
    }

    fn contains(&self, x: u128) -> bool {
        self.0.iter().any(|&(a, b)| a <= x && x <= b)
    }

    fn intersect(&self, other: &Ranges) -> Ranges {
        let mut out = Vec::new();
        let (mut i, mut j) = (0, 0);
        while i < self.0.len() && j < other.0.len() {
            let (a, b) = self.0[i];
            let (c, d) = other.0[j];
            let (lo, hi) = (a.max(c), b.min(d));
            if lo <= hi {
                out.push((lo, hi));
            }
            if b < d {
                i += 1;
            } else {
                j += 1;
            }
        }
        Ranges(out)
    }

    /// The fewest CIDRs whose union is exactly this set.
    fn cidrs(&self, v6: bool) -> Vec<Cidr> {
        let bits: u8 = if v6 { 128 } else { 32 };
        let mut out = Vec::new();
        for &(mut lo, hi) in &self.0 {
            loop {
                // The largest aligned block starting at `lo` that ends
                // within `hi`.
                let mut size_bits = if lo == 0 {
                    bits
                } else {
                    lo.trailing_zeros().min(bits as u32) as u8
                };
                while size_bits > 0 && lo + (max(size_bits)) > hi {
                    size_bits -= 1;
                }
                out.push(Cidr {
                    v6,
                    addr: lo,
                    prefix: bits - size_bits,
                });
                let end = lo + max(size_bits);
                if end >= hi {
                    break;
                }
                lo = end + 1;
            }
        }
        out
    }
}

/// A set of IP addresses, IPv4 and IPv6.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct IpSet {
    v4: Ranges,
    v6: Ranges,
}

impl IpSet {
    /// Every address of both families (what an empty peer list allows
    /// beyond the cluster).
    pub fn everything() -> IpSet {
        IpSet {
            v4: Ranges(vec![(0, max(32))]),
            v6: Ranges(vec![(0, u128::MAX)]),
        }
    }

    /// `cidr` minus every `except`.
    pub fn block(cidr: Cidr, except: &[Cidr]) -> IpSet {
        let mut s = IpSet::default();
        s.family_mut(cidr.v6).add(cidr.first(), cidr.last());
        for e in except {
            s.family_mut(e.v6).remove(e.first(), e.last());
        }
        s
    }

    fn family_mut(&mut self, v6: bool) -> &mut Ranges {
        if v6 { &mut self.v6 } else { &mut self.v4 }
    }

    pub fn is_empty(&self) -> bool {
        self.v4.0.is_empty() && self.v6.0.is_empty()
    }

    pub fn union_with(&mut self, other: &IpSet) {
        for &(a, b) in &other.v4.0 {
            self.v4.add(a, b);
        }
        for &(a, b) in &other.v6.0 {
            self.v6.add(a, b);
        }
    }

    pub fn intersect(&self, other: &IpSet) -> IpSet {
        IpSet {
            v4: self.v4.intersect(&other.v4),
            v6: self.v6.intersect(&other.v6),
        }
    }

    /// The addresses of this set that are not in `other`.
    pub fn minus(&self, other: &IpSet) -> IpSet {
        let mut out = self.clone();
        for &(a, b) in &other.v4.0 {
            out.v4.remove(a, b);
        }
        for &(a, b) in &other.v6.0 {
            out.v6.remove(a, b);
        }
        out
    }

    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        match ip {
            std::net::IpAddr::V4(a) => self.v4.contains(u128::from(u32::from(a))),
            std::net::IpAddr::V6(a) => self.v6.contains(u128::from(a)),
        }
    }

    /// Whether every address of `cidr` is in the set.
    pub fn covers(&self, cidr: Cidr) -> bool {
        let r = if cidr.v6 { &self.v6 } else { &self.v4 };
        r.0.iter()
            .any(|&(a, b)| a <= cidr.first() && cidr.last() <= b)
    }

    /// The set for people: per family, either its CIDRs, or — when
    /// shorter — the smallest CIDR around it and what it leaves out
    /// (`0.0.0.0/0 except 169.254.169.254/32`).
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        for (v6, ranges) in [(false, &self.v4), (true, &self.v6)] {
            let (Some(&(lo, _)), Some(&(_, hi))) = (ranges.0.first(), ranges.0.last()) else {
                continue;
            };
            let cover = ranges.cidrs(v6);
            let bits: u8 = if v6 { 128 } else { 32 };
            // The smallest CIDR holding lo..=hi: their common prefix.
            let common = if lo == hi {
                bits
            } else {
                ((lo ^ hi).leading_zeros() - (128 - bits as u32)) as u8
            };
            let around = Cidr {
                v6,
                addr: lo & mask(bits, common),
                prefix: common,
            };
            let mut outside = Ranges(vec![(around.first(), around.last())]);
            for &(a, b) in &ranges.0 {
                outside.remove(a, b);
            }
            let holes = outside.cidrs(v6);
            let text = |cs: &[Cidr]| {
                cs.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            if !holes.is_empty() && holes.len() < cover.len() {
                parts.push(format!("{around} except {}", text(&holes)));
            } else {
                parts.push(text(&cover));
            }
        }
        parts.join(", ")
    }

    /// The fewest CIDRs that make up the set exactly, IPv4 first.
    pub fn cidrs(&self) -> Vec<Cidr> {
        let mut out = self.v4.cidrs(false);
        out.extend(self.v6.cidrs(true));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Cidr {
        Cidr::parse(s).unwrap()
    }

    fn show(s: &IpSet) -> Vec<String> {
        s.cidrs().iter().map(ToString::to_string).collect()
    }

    #[test]
    fn parses_like_the_api_server() {
        assert_eq!(c("10.1.2.3/8").to_string(), "10.0.0.0/8");
        assert_eq!(c("010.001.0.0/16").to_string(), "10.1.0.0/16");
        assert_eq!(c("0.0.0.0/0").to_string(), "0.0.0.0/0");
        assert_eq!(c("2001:db8::1/32").to_string(), "2001:db8::/32");
        assert_eq!(c("::/0").to_string(), "::/0");
        // Full-length prefixes: a single address.
        assert_eq!(c("fd00:ec2::254/128").to_string(), "fd00:ec2::254/128");
        assert_eq!(c("169.254.169.254/32").to_string(), "169.254.169.254/32");
        let one = IpSet::block(c("fd00:ec2::254/128"), &[]);
        assert!(one.contains("fd00:ec2::254".parse().unwrap()));
        assert!(!one.contains("fd00:ec2::255".parse().unwrap()));
        let all_but = IpSet::block(c("::/0"), &[c("fd00:ec2::254/128")]);
        assert!(!all_but.contains("fd00:ec2::254".parse().unwrap()));
        assert!(all_but.contains("2001:db8::1".parse().unwrap()));
        for bad in [
            "10.0.0.0",
            "10.0.0.0/33",
            "10.0.0/8",
            "1.2.3.256/32",
            "::/129",
            "a/8",
            "10.0.0.0/-1",
            "10.0.0.0/",
        ] {
            assert!(Cidr::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn except_must_be_a_strict_subset() {
        assert!(c("10.0.0.0/8").strictly_contains(c("10.1.0.0/16")));
        assert!(!c("10.0.0.0/8").strictly_contains(c("10.0.0.0/8")));
        assert!(!c("10.0.0.0/8").strictly_contains(c("11.0.0.0/16")));
        assert!(!c("10.0.0.0/8").strictly_contains(c("0.0.0.0/0")));
        assert!(!c("10.0.0.0/8").strictly_contains(c("::/64")));
    }

    #[test]
    fn blocks_subtract_and_cover_exactly() {
        let b = IpSet::block(c("10.0.0.0/8"), &[c("10.0.0.0/9")]);
        assert_eq!(show(&b), ["10.128.0.0/9"]);
        let b = IpSet::block(c("0.0.0.0/0"), &[c("169.254.169.254/32")]);
        assert!(!b.contains("169.254.169.254".parse().unwrap()));
        assert!(b.contains("169.254.169.253".parse().unwrap()));
        assert!(b.contains("8.8.8.8".parse().unwrap()));
        assert_eq!(b.cidrs().len(), 32);
        let mut u = IpSet::block(c("10.0.0.0/9"), &[]);
        u.union_with(&IpSet::block(c("10.128.0.0/9"), &[]));
        assert_eq!(show(&u), ["10.0.0.0/8"]);
        assert!(u.covers(c("10.3.0.0/16")));
        assert!(!u.covers(c("0.0.0.0/0")));
        assert_eq!(show(&IpSet::everything()), ["0.0.0.0/0", "::/0"]);
        let i = IpSet::everything().intersect(&IpSet::block(c("192.168.1.0/24"), &[]));
        assert_eq!(show(&i), ["192.168.1.0/24"]);
        assert_eq!(b.describe(), "0.0.0.0/0 except 169.254.169.254/32");
        assert_eq!(IpSet::everything().describe(), "0.0.0.0/0, ::/0");
        let two = IpSet::block(c("10.0.0.0/8"), &[c("10.1.0.0/16"), c("10.9.0.0/16")]);
        assert_eq!(two.describe(), "10.0.0.0/8 except 10.1.0.0/16, 10.9.0.0/16");
        let v6 = IpSet::block(c("2001:db8::/32"), &[c("2001:db8::/33")]);
        assert_eq!(show(&v6), ["2001:db8:8000::/33"]);
    }

    use proptest::prelude::*;

    fn v4(prefix: u8, addr: u32) -> Cidr {
        Cidr::parse(&format!("{}/{prefix}", Ipv4Addr::from(addr))).unwrap()
    }

    fn v6(prefix: u8, addr: u128) -> Cidr {
        Cidr::parse(&format!("{}/{prefix}", Ipv6Addr::from(addr))).unwrap()
    }

    proptest! {
        /// Sets built from blocks with excepts, united, intersected and
        /// subtracted, agree with a direct membership test on random
        /// addresses; their CIDR covers hold exactly the same addresses.
        #[test]
        fn set_algebra_agrees_with_membership(
            blocks in prop::collection::vec((0u8..=32, any::<u32>(), 0u8..=32, any::<u32>(), 0u8..=128, any::<u128>()), 1..5),
            probes in prop::collection::vec(any::<u32>(), 32),
            probes6 in prop::collection::vec(any::<u128>(), 16),
        ) {
            let mut union = IpSet::default();
            let mut members: Vec<(Cidr, Vec<Cidr>)> = Vec::new();
            for (p, a, ep, ea, p6, a6) in blocks {
                let cidr = v4(p, a);
                // An except inside the block when a longer prefix fits.
                let net = if p == 0 { 0 } else { u32::MAX << (32 - p) };
                let except: Vec<Cidr> = if ep > p {
                    let e = v4(ep, (a & net) | (ea & !net));
                    prop_assert!(cidr.strictly_contains(e));
                    vec![e]
                } else {
                    Vec::new()
                };
                union.union_with(&IpSet::block(cidr, &except));
                members.push((cidr, except));
                let c6 = v6(p6, a6);
                union.union_with(&IpSet::block(c6, &[]));
                members.push((c6, Vec::new()));
            }
            let member = |ip: std::net::IpAddr| {
                members.iter().any(|(c, ex)| {
                    IpSet::block(*c, &[]).contains(ip) && !ex.iter().any(|e| IpSet::block(*e, &[]).contains(ip))
                })
            };
            let mut rebuilt = IpSet::default();
            for c in union.cidrs() {
                rebuilt.union_with(&IpSet::block(c, &[]));
            }
            prop_assert_eq!(&rebuilt, &union);
            let _ = union.describe();
            let half = IpSet::block(v4(1, 0), &[]);
            for x in probes {
                let ip = std::net::IpAddr::V4(Ipv4Addr::from(x));
                prop_assert_eq!(union.contains(ip), member(ip));
                prop_assert_eq!(union.intersect(&half).contains(ip), member(ip) && x < 1 << 31);
                prop_assert_eq!(union.minus(&half).contains(ip), member(ip) && x >= 1 << 31);
            }
            for x in probes6 {
                let ip = std::net::IpAddr::V6(Ipv6Addr::from(x));
                prop_assert_eq!(union.contains(ip), member(ip));
            }
        }
    }
}
