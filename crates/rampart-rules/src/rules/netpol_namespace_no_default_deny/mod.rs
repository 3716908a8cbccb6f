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
isolates it, so a pod can only talk as policies allow. The rule reports a namespace once, \
listing the directions (ingress, egress) no default deny covers, when the input holds its \
policies and at least one of its workloads not on the host network. A `{}` policy that \
isolates a direction counts, even when it allows some traffic (DNS, traffic within the \
namespace); one with a rule that allows everything (no peers, no ports) does not. Namespaces without any NetworkPolicy are left to \
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
                // A `{}` policy isolating the direction is a default deny,
                // whatever narrow allows it adds (DNS, say) — unless one
                // of its rules lets everything through.
                !policies.iter().any(|p| {
                    netpol::is_everything(&p.pod_selector)
                        && p.rules(d).is_some_and(|rules| {
                            !rules.iter().any(|r| r.peers.is_empty() && r.ports.is_empty())
                        })
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
                "namespace {} has no default-deny NetworkPolicy for {} (`podSelector: {{}}` with the direction in `policyTypes`): pods no other policy selects, including ones added later, are open for {}",
                ns.name,
                missing.join(" or "),
                missing.join(" and ")
            ),
        );
    }
}
