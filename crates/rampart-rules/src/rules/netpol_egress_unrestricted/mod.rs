use rampart_core::rule::Category;
use rampart_core::{Check, InventoryCtx, Reporter, Rule, RuleMeta, Severity};
use rampart_netpol::Direction;

use crate::support::{netpol, refs};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "netpol-egress-unrestricted",
        title: "No NetworkPolicy isolates the workload for egress",
        severity: Severity::Low,
        category: Category::NetworkPolicy,
        enabled_by_default: true,
        rationale: "A pod that no NetworkPolicy isolates for egress may open connections to every \
pod of the cluster, to the cloud metadata service (and the node credentials it hands out), \
and to the internet. Whoever runs code in it, through a vulnerability or a poisoned \
dependency, can move laterally, scan internal services and send data out. A pod is isolated \
for egress when a policy of its namespace selects it with `Egress` among its `policyTypes`. \
Without `policyTypes`, the API server adds `Egress` only when the policy has egress rules: \
`egress: []` alone does not isolate anything for egress, a common mistake in deny-all \
policies. Workloads on the host network are left to netpol-host-network-workload, and a \
namespace without any NetworkPolicy is reported once, by netpol-namespace-without-policies. \
Only the policies of the scanned input are known.",
        remediation: r#"Deny egress by default (naming `Egress` in `policyTypes`), allowing DNS, then allow what each workload needs:

```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-egress
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Egress]
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
        references: &[refs::NSA_NETWORK_SEPARATION],
        params: &[],
        pss: None,
    },
    check: Check::Inventory(check),
};

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    netpol::report_unisolated(ctx, out, Direction::Egress);
}
