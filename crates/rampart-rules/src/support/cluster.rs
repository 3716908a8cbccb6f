//! What the lifecycle rules read from a cluster scan: the `ClusterInfo`
//! object (server version, scan time, anonymous probe) and the versions
//! each Node reports in `status.nodeInfo`.
//!
//! Rules stay pure: the date a version is judged at is the scan's
//! `collectedAt`, never the clock, and an inventory without a ClusterInfo
//! (plain manifests) gives them nothing to judge.

use std::net::IpAddr;

pub use rampart_releases::cluster::*;

/// Whether `ip` is reachable from the internet as far as its address
/// says: not private (RFC 1918, IPv6 unique local), loopback, link-local,
/// shared address space (CGNAT, 100.64.0.0/10), unspecified, multicast or
/// broadcast.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || (a == 100 && (64..128).contains(&b)))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80)
        }
    }
}

/// The host of a server URL (`https://203.0.113.7:6443` → `203.0.113.7`,
/// `https://[2001:db8::1]:443` → `2001:db8::1`).
pub fn url_host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if let Some(v6) = authority.strip_prefix('[') {
        return v6.split(']').next().unwrap_or("");
    }
    match authority.rsplit_once(':') {
        // One colon: host:port. More: a bare IPv6 address.
        Some((host, _)) if !host.contains(':') => host,
        _ => authority,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_addresses() {
        let public = |s: &str| is_public(s.parse().unwrap());
        for p in ["203.0.113.7", "8.8.8.8", "2001:4860::8888", "100.128.0.1"] {
            assert!(public(p), "{p}");
        }
        for p in [
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "127.0.0.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.255",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!public(p), "{p}");
        }
    }

    #[test]
    fn hosts_of_server_urls() {
        assert_eq!(url_host("https://203.0.113.7:6443"), "203.0.113.7");
        assert_eq!(url_host("https://[2001:db8::1]:443/"), "2001:db8::1");
        assert_eq!(url_host("https://api.example.com"), "api.example.com");
        assert_eq!(url_host("10.0.0.1:6443"), "10.0.0.1");
        assert_eq!(url_host("https://user@10.0.0.1:6443/path"), "10.0.0.1");
    }
}
