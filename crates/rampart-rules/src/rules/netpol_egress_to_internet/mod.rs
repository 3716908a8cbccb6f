use rampart_core::rule::Category;
use rampart_core::{Check, InventoryCtx, Reporter, Rule, RuleMeta, Severity};
use rampart_netpol::ports;

use crate::support::{netpol, refs};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "netpol-egress-to-internet",
        title: "Egress rule allows connections to the internet at large",
        severity: Severity::Medium,
        category: Category::NetworkPolicy,
        enabled_by_default: true,
        rationale: "Egress to the whole internet is what an intruder needs to download tools, reach \
a command-and-control server and send data out; a workload normally needs a handful of \
external services. The rule reports an egress rule (of a policy whose `policyTypes` include \
`Egress`) that allows a wide part of the public address space: a rule without `to`, which \
allows every destination, or ipBlocks whose addresses, after `except` and leaving out private \
(RFC 1918), shared (100.64.0.0/10), loopback, link-local, multicast and reserved ranges and \
IPv6 unique-local, link-local and multicast ranges, add up to at least a /7 of IPv4 or a /31 of \
IPv6 (parameters `max-prefix-ipv4`, `max-prefix-ipv6`; 32 and 128 report any public \
address). A rule whose `ports` are all named ports allows nothing outside the cluster (named \
ports resolve on destination pods) and is not reported. Each rule is reported once, whatever \
pods the policy selects.",
        remediation: r#"Allow the external services the workload needs, by address and port, and route the rest through an egress proxy:

```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web-egress
  namespace: shop
spec:
  podSelector:
    matchLabels: {app: web}
  policyTypes: [Egress]
  egress:
  - to:
    - ipBlock: {cidr: 52.94.76.0/22}
    ports:
    - {protocol: TCP, port: 443}
```"#,
        references: &[refs::NSA_NETWORK_SEPARATION],
        params: &[netpol::MAX_PREFIX_IPV4, netpol::MAX_PREFIX_IPV6],
        pss: None,
    },
    check: Check::Inventory(check),
};

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    let a = netpol::analysis(ctx, out);
    for (pi, p) in a.model.policies.iter().enumerate() {
        for (ri, rule) in p.egress.iter().flatten().enumerate() {
            // Named ports never match outside the cluster.
            let external_ports = ports::allowed(&rule.ports, None);
            if external_ports.is_empty()
                || !netpol::is_wide_public(&netpol::external_addresses(&rule.peers), ctx.params)
            {
                continue;
            }
            let through = if rule.peers.is_empty() {
                "has no `to`, so it allows every address".to_string()
            } else {
                format!(
                    "allows public addresses through {}",
                    netpol::public_blocks(&rule.peers)
                )
            };
            out.on(p.object).at(
                netpol::rule_pointer(rampart_netpol::Direction::Egress, ri),
                format!(
                    "egress rule {ri} of {} {through}: the pods it selects ({}) may connect to the internet on {}",
                    netpol::policy_name(p),
                    netpol::selected_names(&a, pi),
                    netpol::describe_port_set(&external_ports)
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::support::images::run_rule;

    const POLICY: &str = r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to:
    - ipBlock: {cidr: 52.94.76.0/22}
  - to:
    - ipBlock: {cidr: "2600:1f00::/32"}
"#;

    #[test]
    fn narrower_networks_are_reported_when_configured() {
        assert!(run_rule(&super::RULE, "", None, POLICY).is_empty());
        let config = "rules:\n  netpol-egress-to-internet:\n    params:\n      max-prefix-ipv4: 22\n";
        let found = run_rule(&super::RULE, config, None, POLICY);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "/spec/egress/0");
        let config = "rules:\n  netpol-egress-to-internet:\n    params:\n      max-prefix-ipv6: 32\n";
        let found = run_rule(&super::RULE, config, None, POLICY);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "/spec/egress/1");
    }
}
