use rampart_core::rule::Category;
use rampart_core::{Check, InventoryCtx, Reporter, Rule, RuleMeta, Severity};
use rampart_netpol::ports::Port;
use rampart_netpol::{Direction, Peer, Rule as PolicyRule};

use crate::support::netpol::{self, Analysis};
use crate::support::refs;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "netpol-named-port-undefined",
        title: "Named port in a NetworkPolicy rule matches no destination pod",
        severity: Severity::Medium,
        category: Category::NetworkPolicy,
        enabled_by_default: true,
        rationale: "A named port in a NetworkPolicy rule resolves on the destination pod: the \
pod the policy selects for ingress, the peer pod for egress. It matches a container port of \
that name only with the same protocol (`protocol` defaults to TCP, so `port: dns` does not \
match a UDP port named `dns`). A name no destination defines allows nothing: the traffic the \
rule was written for is blocked, and the usual fix under pressure is to widen the policy. The \
rule reports a named port that none of the destination workloads of the input defines for its \
protocol: for ingress, the workloads the policy selects; for egress, the workloads its pod \
peers select. Rules without destination workloads in the input (an egress rule without pod \
peers, or whose peers match nothing here) are not judged, nor are egress rules whose peers \
select namespaces, unless the input holds the whole cluster (declares `kube-system`): they may \
reach pods defined elsewhere, such as CoreDNS's `dns` port.",
        remediation: r#"Use the name the container port has, with its protocol:

```yaml
# Pod template
ports:
- {name: dns, containerPort: 5353, protocol: UDP}
---
# NetworkPolicy
ingress:
- ports:
  - {port: dns, protocol: UDP}
```"#,
        references: &[refs::NSA_NETWORK_SEPARATION],
        params: &[],
        pss: None,
    },
    check: Check::Inventory(check),
};

/// The workloads of the input a rule's named ports resolve on.
fn destinations(a: &Analysis, pi: usize, direction: Direction, rule: &PolicyRule) -> Vec<usize> {
    match direction {
        Direction::Ingress => a.selected(pi).to_vec(),
        Direction::Egress => {
            let p = &a.model.policies[pi];
            let mut out: Vec<usize> = rule
                .peers
                .iter()
                .flat_map(|peer| match peer {
                    Peer::Pods { namespaces, pods } => a
                        .peer_pods(namespaces.as_ref(), pods, &p.namespace)
                        .collect(),
                    Peer::Block { .. } => Vec::new(),
                })
                .collect();
            out.sort_unstable();
            out.dedup();
            out
        }
    }
}

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    let a = netpol::analysis(ctx, out);
    for (pi, p) in a.model.policies.iter().enumerate() {
        for direction in [Direction::Ingress, Direction::Egress] {
            for (ri, rule) in p.rules(direction).into_iter().flatten().enumerate() {
                if !rule
                    .ports
                    .iter()
                    .any(|s| matches!(s.port, Port::Named(_)))
                {
                    continue;
                }
                // Egress to namespaces chosen by a namespaceSelector may
                // reach pods the input does not show (CoreDNS in
                // kube-system names its ports `dns`), unless the input is
                // the whole cluster.
                let beyond_input = direction == Direction::Egress
                    && rule.peers.iter().any(
                        |peer| matches!(peer, Peer::Pods { namespaces: Some(_), .. }),
                    );
                if beyond_input && !a.holds_whole_cluster() {
                    continue;
                }
                let dest = destinations(&a, pi, direction, rule);
                if dest.is_empty() {
                    continue;
                }
                for (mi, spec) in rule.ports.iter().enumerate() {
                    let Port::Named(name) = &spec.port else {
                        continue;
                    };
                    let defines = |same_protocol: bool| {
                        dest.iter().any(|&w| {
                            a.model.workloads[w].ports.iter().any(|(n, _, protocol)| {
                                n == name && (*protocol == spec.protocol) == same_protocol
                            })
                        })
                    };
                    if defines(true) {
                        continue;
                    }
                    let hint = if defines(false) {
                        format!(
                            "; they name `{name}` only for another protocol, and a named port matches only the protocol written (`protocol` defaults to TCP)"
                        )
                    } else {
                        String::new()
                    };
                    out.on(p.object).at(
                        format!("{}/ports/{mi}", netpol::rule_pointer(direction, ri)),
                        format!(
                            "{direction} rule {ri} of {} allows port `{name}` ({}), which none of its destination pods ({}) defines{hint}: the entry allows nothing",
                            netpol::policy_name(p),
                            spec.protocol,
                            netpol::list_names(
                                dest.iter()
                                    .map(|&w| netpol::workload_name(&a.model.workloads[w]))
                            ),
                            direction = direction.as_str(),
                        ),
                    );
                }
            }
        }
    }
}
