use rampart_core::rule::Category;
use rampart_core::{Check, InventoryCtx, Reporter, Rule, RuleMeta, Severity};
use rampart_netpol::Direction;

use crate::support::{netpol, refs};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "netpol-ingress-unrestricted",
        title: "No NetworkPolicy isolates the workload for ingress",
        severity: Severity::Medium,
        category: Category::NetworkPolicy,
        enabled_by_default: true,
        rationale: "A pod that no NetworkPolicy isolates for ingress accepts connections from \
every pod of every namespace, and from any address that can route to the pod network. One \
compromised pod anywhere in the cluster (a vulnerable frontend, a CI job, a tenant's workload) \
can then reach its database port, admin and debug endpoints, and metrics that leak internals. \
A pod is isolated for ingress when a policy of its own namespace selects it and has `Ingress` \
among its `policyTypes`; a policy without `policyTypes` always counts as `Ingress`, one with \
`policyTypes: [Egress]` does not. Workloads on the host network are left to \
netpol-host-network-workload, and a namespace without any NetworkPolicy is reported once, by \
netpol-namespace-without-policies, instead of once per workload. Only the policies of the \
scanned input are known: scan them together with the workloads.",
        remediation: r#"Deny ingress by default in the namespace, then allow what each workload needs:

```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-ingress
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Ingress]
---
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
        params: &[],
        pss: None,
    },
    check: Check::Inventory(check),
};

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    netpol::report_unisolated(ctx, out, Direction::Ingress);
}
