use rampart_core::rule::Category;
use rampart_core::{Check, InventoryCtx, Reporter, Rule, RuleMeta, Severity};
use rampart_netpol::{Direction, Peer};

use crate::support::{netpol, refs};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "netpol-peer-matches-nothing",
        title: "NetworkPolicy peer matches no workload",
        severity: Severity::Low,
        category: Category::NetworkPolicy,
        enabled_by_default: true,
        rationale: "A `from` or `to` peer that matches no pod allows nothing: the traffic it was \
meant to allow is blocked (an outage) or someone widens the policy to fix it. The usual \
causes are the YAML indentation of peers (one list item with both `namespaceSelector` and \
`podSelector` means pods matching both; two items mean either), a `podSelector` without \
`namespaceSelector` (it only selects pods of the policy's own namespace), and namespace \
labels that are not set (the control plane only sets `kubernetes.io/metadata.name`). Pod and \
namespace selectors are matched exactly against the input. A peer is only reported when the \
answer is known: a `podSelector` alone when the input holds workloads of the policy's \
namespace; a `namespaceSelector` when every namespace it selects has workloads in the input, \
or, when it selects none of the input's namespaces, when the input holds the whole cluster (it \
declares the `kube-system` Namespace, as a snapshot does; otherwise the namespace may simply \
be defined elsewhere). ipBlock peers are not judged.",
        remediation: r#"Put both selectors in one peer to mean "these pods in those namespaces", and select namespaces by their automatic name label:

```yaml
ingress:
- from:
  - namespaceSelector:
      matchLabels: {kubernetes.io/metadata.name: monitoring}
    podSelector:
      matchLabels: {app: prometheus}
```"#,
        references: &[refs::NSA_NETWORK_SEPARATION],
        params: &[],
        pss: None,
    },
    check: Check::Inventory(check),
};

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    let a = netpol::analysis(ctx, out);
    for p in &a.model.policies {
        for direction in [Direction::Ingress, Direction::Egress] {
            for (ri, rule) in p.rules(direction).into_iter().flatten().enumerate() {
                for (mi, peer) in rule.peers.iter().enumerate() {
                    let Peer::Pods { namespaces, pods } = peer else {
                        continue;
                    };
                    let reached = a.peer_namespaces(namespaces.as_ref(), &p.namespace);
                    let why = if reached.is_empty() {
                        if !a.holds_whole_cluster() {
                            continue;
                        }
                        "no namespace of the input matches its namespaceSelector".to_string()
                    } else {
                        if !reached.iter().all(|ns| a.has_workloads(ns))
                            || a
                                .peer_pods(namespaces.as_ref(), pods, &p.namespace)
                                .next()
                                .is_some()
                        {
                            continue;
                        }
                        format!(
                            "no workload of namespace {} carries matching pod labels",
                            netpol::list_names(reached.iter().map(|ns| ns.to_string()))
                        )
                    };
                    out.on(p.object).at(
                        format!(
                            "{}/{}/{mi}",
                            netpol::rule_pointer(direction, ri),
                            netpol::peers_field(direction)
                        ),
                        format!(
                            "peer {mi} of {direction} rule {ri} of {} ({}) matches nothing: {why}, so it allows nothing",
                            netpol::policy_name(p),
                            netpol::describe_peer(peer),
                            direction = direction.as_str(),
                        ),
                    );
                }
            }
        }
    }
}
