use rampart_core::node::pointer;
use rampart_core::rule::Category;
use rampart_core::workload::template_path;
use rampart_core::{Check, InventoryCtx, Reporter, Rule, RuleMeta, Severity};
use rampart_netpol::Direction;

use crate::support::{netpol, refs};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "netpol-host-network-workload",
        title: "Host-network workload in a namespace with NetworkPolicies",
        severity: Severity::Low,
        category: Category::NetworkPolicy,
        enabled_by_default: true,
        rationale: "A pod on the host network uses the node's network namespace and addresses. \
What NetworkPolicies do with it is left to the network plugin: most plugins ignore such pods \
when matching `podSelector` and `namespaceSelector` and see their traffic as the node's, \
which is always allowed to reach the node's pods. Policies of its namespace, including a \
default deny, may then not restrict it at all, and peers that select it by label may not let \
its traffic in. The rule reports workloads with `hostNetwork: true` in namespaces that have \
NetworkPolicies in the input, where someone expects policies to apply; the message names the \
policies that select it.",
        remediation: r#"Run the workload off the host network where it does not need it, and restrict the node-level traffic it needs with host firewall rules instead:

```yaml
spec:
  template:
    spec:
      hostNetwork: false
```"#,
        references: &[refs::NSA_NETWORK_SEPARATION],
        params: &[],
        pss: None,
    },
    check: Check::Inventory(check),
};

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    let a = netpol::analysis(ctx, out);
    for (wi, w) in a.model.workloads.iter().enumerate() {
        if !w.host_network || a.model.policies_in(&w.namespace).next().is_none() {
            continue;
        }
        let Some(path) = template_path(&w.id.api_version, &w.id.kind) else {
            continue;
        };
        let mut selecting: Vec<usize> = [Direction::Ingress, Direction::Egress]
            .iter()
            .flat_map(|&d| a.isolating(wi, d))
            .collect();
        selecting.sort_unstable();
        selecting.dedup();
        let policies = if selecting.is_empty() {
            format!("the NetworkPolicies of namespace {}", w.namespace)
        } else {
            netpol::list_names(
                selecting
                    .iter()
                    .map(|&pi| netpol::policy_name(&a.model.policies[pi])),
            )
        };
        out.on(w.object).at(
            pointer(path.spec, &["hostNetwork"]),
            format!(
                "{} runs on the host network: whether it is governed by {policies} is up to the network plugin, and most treat its traffic as the node's",
                netpol::workload_name(w)
            ),
        );
    }
}
