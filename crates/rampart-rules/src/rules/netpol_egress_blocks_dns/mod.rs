use std::collections::HashMap;

use rampart_core::rule::Category;
use rampart_core::{Check, InventoryCtx, Reporter, Rule, RuleMeta, Severity};
use rampart_netpol::ports::{self, Port, Protocol};
use rampart_netpol::{Direction, Model, Peer, Rule as PolicyRule};

use crate::support::netpol;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "netpol-egress-blocks-dns",
        title: "Egress policy blocks DNS",
        severity: Severity::Medium,
        category: Category::NetworkPolicy,
        enabled_by_default: true,
        rationale: "Once a pod is isolated for egress, every connection it makes must be allowed \
by a rule, name lookups included. Without UDP 53 the pod cannot resolve names at all; without \
TCP 53, answers too large for UDP (many records, DNSSEC) fail. The resulting outage is often \
\"fixed\" by dropping the egress policy altogether. The rule reports a workload isolated for \
egress (and not on the host network) when no egress rule of the policies isolating it allows \
UDP 53 or TCP 53 to any destination; the finding names the protocols blocked. Rules with pod \
peers count as reaching the DNS pods even when those pods are not in the input; a named port \
counts when a workload of the input defines it as port 53 for its protocol, or when no \
workload of the input defines it at all.",
        remediation: r#"Allow DNS to the cluster DNS pods, over both protocols:

```yaml
egress:
- to:
  - namespaceSelector:
      matchLabels: {kubernetes.io/metadata.name: kube-system}
    podSelector:
      matchLabels: {k8s-app: kube-dns}
  ports:
  - {protocol: UDP, port: 53}
  - {protocol: TCP, port: 53}
```"#,
        references: &[],
        params: &[],
        pss: None,
    },
    check: Check::Inventory(check),
};

const DNS: [Protocol; 2] = [Protocol::Udp, Protocol::Tcp];

/// Per (port name, protocol) defined by some workload of the input:
/// whether one of them defines it as port 53.
fn named_ports(model: &Model) -> HashMap<(&str, Protocol), bool> {
    let mut out: HashMap<(&str, Protocol), bool> = HashMap::new();
    for w in &model.workloads {
        for (name, number, protocol) in &w.ports {
            *out.entry((name.as_str(), *protocol)).or_default() |= *number == 53;
        }
    }
    out
}

/// Whether `rule` may allow port 53 of each protocol of [`DNS`] to some
/// destination.
fn allows_dns(rule: &PolicyRule, named: &HashMap<(&str, Protocol), bool>) -> [bool; 2] {
    let to_pods =
        rule.peers.is_empty() || rule.peers.iter().any(|p| matches!(p, Peer::Pods { .. }));
    let to_addresses = rule.peers.is_empty()
        || rule
            .peers
            .iter()
            .any(|p| matches!(p, Peer::Block { set, .. } if !set.is_empty()));
    if !to_pods && !to_addresses {
        return [false; 2];
    }
    // Numbers and ranges, which mean the same on every destination.
    let numbered = ports::allowed(&rule.ports, None);
    DNS.map(|protocol| {
        numbered.contains(protocol, 53)
            || (to_pods
                && rule.ports.iter().any(|s| {
                    s.protocol == protocol
                        && matches!(&s.port, Port::Named(n) if named.get(&(n.as_str(), protocol)).copied().unwrap_or(true))
                }))
    })
}

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    let a = netpol::analysis(ctx, out);
    let named = named_ports(&a.model);
    // Per policy: whether its egress rules allow DNS, per protocol.
    let per_policy: Vec<[bool; 2]> = a
        .model
        .policies
        .iter()
        .map(|p| {
            p.egress.iter().flatten().fold([false; 2], |acc, r| {
                let d = allows_dns(r, &named);
                [acc[0] || d[0], acc[1] || d[1]]
            })
        })
        .collect();
    for (wi, w) in a.model.workloads.iter().enumerate() {
        if w.host_network || !a.is_isolated(wi, Direction::Egress) {
            continue;
        }
        let allowed = a
            .isolating(wi, Direction::Egress)
            .fold([false; 2], |acc, pi| {
                [acc[0] || per_policy[pi][0], acc[1] || per_policy[pi][1]]
            });
        let blocked: Vec<String> = DNS
            .iter()
            .zip(allowed)
            .filter(|(_, ok)| !ok)
            .map(|(protocol, _)| format!("{protocol} 53"))
            .collect();
        if blocked.is_empty() {
            continue;
        }
        let mut isolating: Vec<usize> = a.isolating(wi, Direction::Egress).collect();
        isolating.sort_unstable();
        let effect = match allowed {
            [false, false] => "it cannot resolve names",
            [false, true] => "lookups over UDP, which resolvers try first, fail",
            _ => "DNS answers too large for UDP fail",
        };
        out.on(w.object).at(
            "/metadata/name".into(),
            format!(
                "{} is isolated for egress by {}, and none of their egress rules allows {}: {effect}",
                netpol::workload_name(w),
                netpol::list_names(
                    isolating
                        .iter()
                        .map(|&pi| netpol::policy_name(&a.model.policies[pi]))
                ),
                blocked.join(" or ")
            ),
        );
    }
}
