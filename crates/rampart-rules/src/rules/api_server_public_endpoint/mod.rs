use std::net::IpAddr;

use rampart_core::node::{Node, push_index, push_token};
use rampart_core::rule::Category;
use rampart_core::{Check, InventoryCtx, Reporter, Rule, RuleMeta, Severity};

use crate::support::cluster::{Scan, is_public, url_host};
use crate::support::objects::items;
use crate::support::refs;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "api-server-public-endpoint",
        title: "API server reachable at a public IP address",
        severity: Severity::Medium,
        category: Category::Network,
        enabled_by_default: true,
        rationale: "An API server on a public address can be reached by anyone on the internet: \
every authentication weakness, leaked kubeconfig or token, anonymous grant and API server \
vulnerability becomes remotely exploitable, and internet-wide scans find such endpoints within \
hours. Hardening guides ask for the control plane to sit on a private network, reached through a \
VPN, bastion or private endpoint, or at least behind an allow-list of source ranges. The rule \
reports public addresses in three places a cluster scan records: the host of the server URL rampart \
connected to (ClusterInfo `server`), and the API server addresses published in the `default` \
namespace — the `kubernetes` Endpoints and the EndpointSlices labelled \
`kubernetes.io/service-name: kubernetes`. An address is public unless the IANA special-purpose \
address registries mark its block as not globally reachable — private (10/8, 172.16/12, \
192.168/16, fc00::/7), loopback, link-local, shared CGNAT space (100.64/10), this network (0/8), \
IETF protocol assignments (192.0.0/24, 2001::/23, but for their anycast exceptions), documentation \
(192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32, 3fff::/20), benchmarking (198.18/15), \
reserved (240/4), local-use translation (64:ff9b:1::/48), discard-only (100::/64), SRv6 (5f00::/16), \
site-local (fec0::/10) — or it is multicast; an IPv4-mapped IPv6 address is judged as its IPv4 \
address. Host names are not resolved — rules are pure and do no I/O — so a server URL with a \
DNS name is judged only through the published endpoint addresses. A public address protected by a \
firewall or authorized-networks list is still reported: the rule cannot see it; exempt the object \
once the restriction is verified.",
        remediation: r#"Move the API server to a private endpoint (EKS: endpointPublicAccess false; GKE: private cluster with authorized networks; AKS: private cluster or authorized IP ranges) or restrict its source addresses. With kubeadm, advertise a private address:

```yaml
apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: 10.0.0.10
  bindPort: 6443
```"#,
        references: &[refs::NSA_NETWORK_SEPARATION],
        params: &[],
        pss: None,
    },
    check: Check::Inventory(check),
};

fn public_ip(s: &str) -> Option<IpAddr> {
    s.parse::<IpAddr>().ok().filter(|ip| is_public(*ip))
}

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    let inventory = ctx.inventory;
    if let Some(scan) = Scan::of(inventory) {
        if let Some(ip) = public_ip(url_host(&scan.info.server)) {
            out.on(scan.index).at(
                "/server".into(),
                format!(
                    "The API server URL {} is a public address ({ip})",
                    scan.info.server
                ),
            );
        }
    }
    for (index, o) in inventory.of_kind_indexed("Endpoints") {
        if !o.group().is_empty() || o.namespace() != Some("default") || o.name() != "kubernetes" {
            continue;
        }
        for (s, subset) in items(o.root.get("subsets")).iter().enumerate() {
            for (a, address) in items(subset.get("addresses")).iter().enumerate() {
                let Some(ip) = address.get("ip").and_then(Node::as_str).and_then(public_ip) else {
                    continue;
                };
                let mut p = String::new();
                push_token(&mut p, "subsets");
                push_index(&mut p, s);
                push_token(&mut p, "addresses");
                push_index(&mut p, a);
                push_token(&mut p, "ip");
                out.on(index).at(
                    p,
                    format!("The kubernetes Service's endpoints publish the API server at the public address {ip}"),
                );
            }
        }
    }
    for (index, o) in inventory.of_kind_indexed("EndpointSlice") {
        if o.group() != "discovery.k8s.io"
            || o.namespace() != Some("default")
            || o.label("kubernetes.io/service-name") != Some("kubernetes")
        {
            continue;
        }
        for (e, endpoint) in items(o.root.get("endpoints")).iter().enumerate() {
            for (a, address) in items(endpoint.get("addresses")).iter().enumerate() {
                let Some(ip) = address.as_str().and_then(public_ip) else {
                    continue;
                };
                let mut p = String::new();
                push_token(&mut p, "endpoints");
                push_index(&mut p, e);
                push_token(&mut p, "addresses");
                push_index(&mut p, a);
                out.on(index).at(
                    p,
                    format!(
                        "EndpointSlice {} publishes the API server at the public address {ip}",
                        o.name()
                    ),
                );
            }
        }
    }
}
