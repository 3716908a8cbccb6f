use std::collections::HashMap;

use rampart_core::rule::Category;
use rampart_core::{Check, InventoryCtx, Reporter, Rule, RuleMeta, Severity};
use rampart_rbac::Scope;

use crate::support::rbac;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "rbac-duplicate-grant",
        title: "Subject is bound to the same role twice",
        severity: Severity::Info,
        category: Category::Rbac,
        enabled_by_default: true,
        rationale: "When two bindings give the same subject the same role in the same scope, \
removing either one changes nothing: an access review that revokes one binding leaves the \
access in place, and whoever reads one binding does not see the whole grant. Duplicates \
usually come from two tools (a chart and a hand-applied manifest, two GitOps sources) managing \
the same access. A subject is reported on every binding after the first that names it with the \
same `roleRef` (kind and name) in the same scope (the same namespace for RoleBindings, the \
cluster for ClusterRoleBindings). Subjects are compared after normalisation, so a \
ServiceAccount subject and user `system:serviceaccount:NAMESPACE:NAME` are the same subject. \
Kubernetes' own bindings are not compared.",
        remediation: r#"Keep one binding for the grant and remove the subject from the others
(or delete them when it was their only subject):

```yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: shop-developers-edit
  namespace: shop
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: edit
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: Group
  name: shop-developers
```"#,
        references: &[],
        params: &[],
        pss: None,
    },
    check: Check::Inventory(check),
};

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    let model = rbac::model(ctx, out);
    // (scope, roleRef kind, roleRef name, subject) → the first binding.
    let mut first = HashMap::new();
    for (index, b) in model.bindings.iter().enumerate().filter(|(_, b)| !b.stock) {
        for (i, s) in rbac::distinct_subjects(b) {
            let key = (&b.namespace, &b.role_ref.kind, &b.role_ref.name, s);
            let earlier = *first.entry(key).or_insert(index);
            if earlier == index {
                continue;
            }
            let message = format!(
                "{s} is already bound to {} {} by {}; this binding adds nothing",
                rbac::role_name(b),
                Scope::of(b),
                rbac::binding_name(&model.bindings[earlier]),
            );
            rbac::report_subject(out, b, i, message);
        }
    }
}
