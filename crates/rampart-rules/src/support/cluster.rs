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
/// says: not in a block the IANA special-purpose address registries mark
/// as not globally reachable, nor multicast. IPv4: this network (0/8),
/// private (RFC 1918), shared CGNAT space (100.64/10), loopback,
/// link-local, IETF protocol assignments (192.0.0/24, except the globally
/// reachable anycast 192.0.0.9 and 192.0.0.10), documentation (192.0.2/24,
/// 198.51.100/24, 203.0.113/24), benchmarking (198.18/15), reserved
/// (240/4, broadcast included) and multicast. IPv6: unspecified, loopback,
/// local-use IPv4/IPv6 translation (64:ff9b:1::/48), discard-only
/// (100::/64), IETF protocol assignments (2001::/23, except the globally
/// reachable 2001:1::1, 2001:1::2, 2001:3::/32, 2001:4:112::/48 and
/// 2001:20::/27), documentation (2001:db8::/32, 3fff::/20), SRv6 SIDs
/// (5f00::/16), unique local (fc00::/7), deprecated site-local
/// (fec0::/10), link-local (fe80::/10) and multicast. An IPv4-mapped IPv6
/// address is judged as its IPv4 address.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, d] = v4.octets();
            !(a == 0
                || v4.is_private()
                || (a == 100 && (64..128).contains(&b))
                || v4.is_loopback()
                || v4.is_link_local()
                || ((a, b, c) == (192, 0, 0) && d != 9 && d != 10)
                || (a, b, c) == (192, 0, 2)
                || (a == 198 && (b == 18 || b == 19))
                || (a, b, c) == (198, 51, 100)
                || (a, b, c) == (203, 0, 113)
                || v4.is_multicast()
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let s = v6.segments();
            let ietf_global = v6 == std::net::Ipv6Addr::new(0x2001, 1, 0, 0, 0, 0, 0, 1)
                || v6 == std::net::Ipv6Addr::new(0x2001, 1, 0, 0, 0, 0, 0, 2)
                || s[1] == 3
                || (s[1], s[2]) == (4, 0x112)
                || (0x20..0x40).contains(&s[1]);
            !(v6.is_unspecified()
                || v6.is_loopback()
                || (s[0], s[1], s[2]) == (0x64, 0xff9b, 1)
                || (s[0], s[1], s[2], s[3]) == (0x100, 0, 0, 0)
                || (s[0] == 0x2001 && s[1] < 0x200 && !ietf_global)
                || (s[0], s[1]) == (0x2001, 0xdb8)
                || (s[0] & 0xfff0) == 0x3ff0
                || s[0] == 0x5f00
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfec0
                || (s[0] & 0xffc0) == 0xfe80
                || v6.is_multicast())
        }
    }
}

/// The host of a server URL (`https://198.51.100.7:6443` → `198.51.100.7`,
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
        for p in [
            "8.8.8.8",
            "1.1.1.1",
            "100.128.0.1",
            "100.63.255.255",
            "192.0.0.9",
            "192.0.0.10",
            "192.0.3.1",
            "198.17.255.255",
            "198.20.0.1",
            "203.0.114.1",
            "223.255.255.255",
            "2606:4700::1111",
            "2001:4860:4860::8888",
            "2001:1::1",
            "2001:3::1",
            "2001:4:112::1",
            "2001:20::1",
            "2001:200::1",
            "64:ff9b::808:808",
            "::ffff:8.8.8.8",
        ] {
            assert!(public(p), "{p}");
        }
        for p in [
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "127.0.0.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.255",
            "192.0.0.8",
            "192.0.0.170",
            "192.0.2.1",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.20",
            "203.0.113.7",
            "224.0.0.1",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "64:ff9b:1::a00:1",
            "100::1",
            "2001::1",
            "2001:2::1",
            "2001:db8::1",
            "3fff::1",
            "5f00::1",
            "fd00::1",
            "fec0::1",
            "fe80::1",
            "ff02::1",
            "::ffff:10.0.0.1",
            "::ffff:203.0.113.7",
        ] {
            assert!(!public(p), "{p}");
        }
    }

    #[test]
    fn hosts_of_server_urls() {
        assert_eq!(url_host("https://198.51.100.7:6443"), "198.51.100.7");
        assert_eq!(url_host("https://[2001:db8::1]:443/"), "2001:db8::1");
        assert_eq!(url_host("https://api.example.com"), "api.example.com");
        assert_eq!(url_host("10.0.0.1:6443"), "10.0.0.1");
        assert_eq!(url_host("https://user@10.0.0.1:6443/path"), "10.0.0.1");
    }
}
