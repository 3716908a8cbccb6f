use rampart_core::rule::Category;
use rampart_core::{Check, InventoryCtx, Reporter, Rule, RuleMeta, Severity};
use rampart_netpol::Direction;

use crate::support::{netpol, refs};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "netpol-ingress-from-anywhere",
        title: "Ingress rule admits every source, or the internet at large",
        severity: Severity::Medium,
        category: Category::NetworkPolicy,
        enabled_by_default: true,
        rationale: "An ingress rule without `from` admits every source: every pod of every \
namespace and any address that can route to the pods (`ingress: [{}]` is exactly that: one \
empty rule allows everything). An ipBlock of `0.0.0.0/0` or `::/0` admits the internet. Either \
undoes the isolation the policy was written for: one compromised pod, or anyone outside when \
the pods are reachable through a load balancer or node port, can connect on the rule's ports. \
The rule reports an ingress rule (of a policy whose `policyTypes` include `Ingress`) that has \
no `from`, or whose ipBlocks, after `except` and leaving out private, shared, loopback, \
link-local, multicast and reserved ranges, add up to at least a /7 of public IPv4 or a /31 of \
public IPv6 (parameters `max-prefix-ipv4`, `max-prefix-ipv6`). A rule admitting every pod \
through `namespaceSelector: {}` stays inside the cluster and is not reported. Each rule is \
reported once, whatever pods the policy selects.",
        remediation: r#"Name the sources: the ingress controller's namespace, the pods that call the service, or the load balancers' addresses:

```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
  namespace: shop
spec:
  podSelector:
    matchLabels: {app: web}
  policyTypes: [Ingress]
  ingress:
  - from:
    - namespaceSelector:
        matchLabels: {kubernetes.io/metadata.name: ingress-nginx}
    ports:
    - {protocol: TCP, port: 8080}
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
        for (ri, rule) in p.ingress.iter().flatten().enumerate() {
            let source = if rule.peers.is_empty() {
                "has no `from`, so it admits every pod of every namespace and every address"
                    .to_string()
            } else if netpol::is_wide_public(&netpol::external_addresses(&rule.peers), ctx.params)
            {
                format!(
                    "admits the internet through {}",
                    netpol::public_blocks(&rule.peers)
                )
            } else {
                continue;
            };
            out.on(p.object).at(
                netpol::rule_pointer(Direction::Ingress, ri),
                format!(
                    "ingress rule {ri} of {} {source}, on {}, to the pods it selects ({})",
                    netpol::policy_name(p),
                    netpol::describe_ports(&rule.ports),
                    netpol::selected_names(&a, pi)
                ),
            );
        }
    }
}
