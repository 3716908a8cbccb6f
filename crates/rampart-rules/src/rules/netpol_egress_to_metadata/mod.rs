use std::net::IpAddr;

use rampart_core::rule::Category;
use rampart_core::{Check, InventoryCtx, Reporter, Rule, RuleMeta, Severity};
use rampart_netpol::ports;
use rampart_netpol::{Direction, Peer};

use crate::support::{netpol, refs};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "netpol-egress-to-metadata",
        title: "Egress rule allows the cloud metadata service",
        severity: Severity::High,
        category: Category::NetworkPolicy,
        enabled_by_default: true,
        rationale: "The cloud instance metadata service (169.254.169.254 on AWS, GCP, Azure and \
others; fd00:ec2::254 over IPv6 on AWS) hands the node's cloud credentials, and often its \
bootstrap secrets, to any process that can reach it. A pod that reaches it (through a \
server-side request forgery, or code an attacker runs in it) acts in the cloud account with \
the node's role. An egress policy is the place to cut that path; the rule reports an egress \
rule (of a policy whose `policyTypes` include `Egress`) that allows one of these addresses on \
any port: a rule without `to`, or an ipBlock containing the address after `except`. Rules \
whose ports are all named ports are not reported: named ports resolve on destination pods and \
never match an address outside the cluster. Each rule is reported once, whatever pods the \
policy selects. Workloads no egress policy isolates reach the service too; \
netpol-egress-unrestricted reports them.",
        remediation: r#"Cut the metadata addresses out of wide ipBlocks (pods that need cloud credentials should get them through workload identity instead):

```yaml
egress:
- to:
  - ipBlock:
      cidr: 0.0.0.0/0
      except: [169.254.169.254/32, 10.0.0.0/8]
```"#,
        references: &[refs::NSA_NETWORK_SEPARATION],
        params: &[],
        pss: None,
    },
    check: Check::Inventory(check),
};

/// Where the metadata service answers.
const METADATA: [IpAddr; 2] = [
    IpAddr::V4(std::net::Ipv4Addr::new(169, 254, 169, 254)),
    IpAddr::V6(std::net::Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254)),
];

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    let a = netpol::analysis(ctx, out);
    for (pi, p) in a.model.policies.iter().enumerate() {
        for (ri, rule) in p.egress.iter().flatten().enumerate() {
            // Named ports never match outside the cluster.
            let external_ports = ports::allowed(&rule.ports, None);
            if external_ports.is_empty() {
                continue;
            }
            let addresses = netpol::external_addresses(&rule.peers);
            let reached: Vec<String> = METADATA
                .iter()
                .filter(|ip| addresses.contains(**ip))
                .map(ToString::to_string)
                .collect();
            if reached.is_empty() {
                continue;
            }
            let through = if rule.peers.is_empty() {
                "has no `to`, so it allows every address".to_string()
            } else {
                let blocks: Vec<String> = rule
                    .peers
                    .iter()
                    .filter(|peer| {
                        matches!(peer, Peer::Block { set, .. } if METADATA.iter().any(|ip| set.contains(*ip)))
                    })
                    .map(netpol::describe_peer)
                    .collect();
                format!("allows {}", blocks.join(", "))
            };
            out.on(p.object).at(
                netpol::rule_pointer(Direction::Egress, ri),
                format!(
                    "egress rule {ri} of {} {through}: the pods it selects ({}) reach the cloud metadata service at {} on {}",
                    netpol::policy_name(p),
                    netpol::selected_names(&a, pi),
                    reached.join(" and "),
                    netpol::describe_port_set(&external_ports)
                ),
            );
        }
    }
}
