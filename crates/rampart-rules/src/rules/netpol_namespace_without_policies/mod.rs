use rampart_core::rule::Category;
use rampart_core::{Check, InventoryCtx, Reporter, Rule, RuleMeta, Severity};

use crate::support::{netpol, refs};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "netpol-namespace-without-policies",
        title: "Namespace has no NetworkPolicy",
        severity: Severity::High,
        category: Category::NetworkPolicy,
        enabled_by_default: true,
        rationale: "Without any NetworkPolicy, every pod of the namespace accepts connections from \
every pod of the cluster and from any address that reaches the pod network, and may connect \
anywhere: the cloud metadata service, other tenants' databases, the internet. A single \
compromised pod, here or elsewhere, has the whole network to work with. The rule reports a \
namespace once, when the input holds at least one of its workloads not on the host network \
(those are left to netpol-host-network-workload) and none of its NetworkPolicies (policies \
the API server would reject do not count). The finding is on the Namespace object when the \
input has it, else on the namespace's first workload. Per-workload rules \
(netpol-ingress-unrestricted, netpol-egress-unrestricted, netpol-namespace-no-default-deny) \
stay quiet in such a namespace so that one cause is reported once. Only the policies of the \
scanned input are known: scan them together with the workloads.",
        remediation: r#"Start with a default deny for both directions, allowing DNS, then add the flows each workload needs:

```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  egress:
  - ports:
    - {protocol: UDP, port: 53}
    - {protocol: TCP, port: 53}
    to:
    - namespaceSelector:
        matchLabels: {kubernetes.io/metadata.name: kube-system}
      podSelector:
        matchLabels: {k8s-app: kube-dns}
```"#,
        references: &[refs::CIS_5_3_2, refs::NSA_NETWORK_SEPARATION],
        params: &[],
        pss: None,
    },
    check: Check::Inventory(check),
};

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    let a = netpol::analysis(ctx, out);
    for ns in &a.model.namespaces {
        let workloads = netpol::governed_workloads(&a, &ns.name);
        let Some(&first) = workloads.first() else {
            continue;
        };
        if a.model.policies_in(&ns.name).next().is_some() {
            continue;
        }
        let (object, pointer) = a.namespace_location(&ns.name, first);
        out.on(object).at(
            pointer.into(),
            format!(
                "namespace {} has no NetworkPolicy: its workloads ({}) accept connections from every pod and address and may connect anywhere",
                ns.name,
                netpol::list_names(
                    workloads
                        .iter()
                        .map(|&w| netpol::workload_name(&a.model.workloads[w]))
                )
            ),
        );
    }
}
