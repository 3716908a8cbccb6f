use rampart_core::rule::Category;
use rampart_core::{Check, InventoryCtx, Reporter, Rule, RuleMeta, Severity};

use crate::support::{netpol, refs};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "netpol-policy-selects-nothing",
        title: "NetworkPolicy selects no workload",
        severity: Severity::Low,
        category: Category::NetworkPolicy,
        enabled_by_default: true,
        rationale: "A policy whose `podSelector` matches no pod protects nothing: the workload it \
was written for stays open, usually because of a typo in a label, labels that changed, or \
the policy landing in the wrong namespace (a policy only ever selects pods of its own \
namespace). The selector is matched exactly against the pod template labels of every \
workload of the policy's namespace. To stay quiet on partial inputs, a policy is only \
reported when the input holds at least one workload in its namespace.",
        remediation: r#"Match the pod template's labels, in the workload's namespace:

```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
  namespace: shop
spec:
  podSelector:
    matchLabels: {app: web}
```"#,
        references: &[refs::NSA_NETWORK_SEPARATION],
        params: &[],
        pss: None,
    },
    check: Check::Inventory(check),
};

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    let a = netpol::analysis(ctx, out);
    for (pi, p) in a.model.policies.iter().enumerate() {
        if !a.selected(pi).is_empty() || !a.has_workloads(&p.namespace) {
            continue;
        }
        out.on(p.object).at(
            "/spec/podSelector".into(),
            format!(
                "{} selects no workload: no pod template of namespace {} carries labels matching {}, so the policy isolates and allows nothing",
                netpol::policy_name(p),
                p.namespace,
                netpol::describe_selector(&p.pod_selector)
            ),
        );
    }
}
