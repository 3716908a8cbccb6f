use rampart_core::rule::Category;
use rampart_core::{Check, InventoryCtx, Reporter, Rule, RuleMeta, Severity};
use rampart_netpol::Direction;

use crate::support::{netpol, refs};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "netpol-namespace-no-default-deny",
        title: "Namespace has NetworkPolicies but no default deny",
        severity: Severity::Medium,
        category: Category::NetworkPolicy,
        enabled_by_default: true,
        rationale: "Policies that select workloads by label protect those workloads only. A pod \
that no policy selects — a new deployment, a debug pod, a workload whose labels were renamed — \
is open in both directions, silently. A default deny turns that around: it selects every pod \
of the namespace (`podSelector: {}`), names the direction in its (defaulted) `policyTypes` and \
has no rule for it, so a pod can only talk as other policies allow. The rule reports a \
namespace once, listing the directions (ingress, egress) no default deny covers, when the \
input holds its policies and at least one of its workloads not on the host network. A `{}` \
policy that allows something (for example traffic within the namespace) is not counted as a \
default deny. Namespaces without any NetworkPolicy are left to \
netpol-namespace-without-policies. The finding is on the Namespace object when the input has \
it, else on the namespace's first workload.",
        remediation: r#"Add a default deny for the missing directions (and allow DNS when denying egress):

```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
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
        let Some(&first) = netpol::governed_workloads(&a, &ns.name).first() else {
            continue;
        };
        let policies: Vec<_> = a.model.policies_in(&ns.name).map(|(_, p)| p).collect();
        if policies.is_empty() {
            continue;
        }
        let missing: Vec<&str> = [Direction::Ingress, Direction::Egress]
            .into_iter()
            .filter(|&d| {
                !policies.iter().any(|p| {
                    netpol::is_everything(&p.pod_selector)
                        && p.rules(d).is_some_and(<[_]>::is_empty)
                })
            })
            .map(Direction::as_str)
            .collect();
        if missing.is_empty() {
            continue;
        }
        let (object, pointer) = a.namespace_location(&ns.name, first);
        out.on(object).at(
            pointer.into(),
            format!(
                "namespace {} has no default-deny NetworkPolicy for {} (`podSelector: {{}}`, the direction in `policyTypes`, no rules for it): pods no other policy selects, including ones added later, are open for {}",
                ns.name,
                missing.join(" or "),
                missing.join(" and ")
            ),
        );
    }
}
