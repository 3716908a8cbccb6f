use rampart_core::rule::Category;
use rampart_core::{Check, InventoryCtx, Reporter, Rule, RuleMeta, Severity};
use rampart_rbac::{Scope, Subject};

use crate::support::{rbac, refs};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "rbac-default-service-account",
        title: "Binding grants permissions to a namespace's default service account",
        severity: Severity::Medium,
        category: Category::Rbac,
        enabled_by_default: true,
        rationale: "Every pod that names no service account runs as its namespace's `default` \
ServiceAccount, so a permission granted to `default` is granted to every such pod of the \
namespace: today's workloads, whichever chart is installed there next, and any pod a user \
with `create pods` starts. A compromise of the least important of them yields the permission, \
and audit logs cannot tell which workload used it. Every binding naming a ServiceAccount \
called `default` (as a ServiceAccount subject or as user \
`system:serviceaccount:NAMESPACE:default`) is reported at that subject, except Kubernetes' own \
bindings (labelled `kubernetes.io/bootstrapping: rbac-defaults`).",
        remediation: r#"Create a ServiceAccount for the workload that needs the permission, bind
that, and name it in the workload's pod template:

```yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: reporter
  namespace: shop
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: reporter-view
  namespace: shop
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: view
subjects:
- kind: ServiceAccount
  name: reporter
  namespace: shop
```"#,
        references: &[refs::CIS_5_1_5, refs::NSA_POD_SECURITY_SERVICE_ACCOUNT_TOKENS],
        params: &[],
        pss: None,
    },
    check: Check::Inventory(check),
};

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    let model = rbac::model(ctx, out);
    for b in model.bindings.iter().filter(|b| !b.stock) {
        for (i, s) in rbac::distinct_subjects(b) {
            let Subject::ServiceAccount { namespace, name } = s else {
                continue;
            };
            if name != "default" {
                continue;
            }
            let message = format!(
                "binds {s} to {} {}: every pod of namespace {namespace} that names no service \
account gets these permissions{}",
                rbac::role_name(b),
                Scope::of(b),
                rbac::strongest_risk_clause(&model, b),
            );
            rbac::report_subject(out, b, i, message);
        }
    }
}
