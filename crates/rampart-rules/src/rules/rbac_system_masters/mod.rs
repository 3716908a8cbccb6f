use rampart_core::rule::Category;
use rampart_core::{Check, InventoryCtx, Reporter, Rule, RuleMeta, Severity};
use rampart_rbac::{Scope, Subject};

use crate::support::{rbac, refs};

const MASTERS: &str = "system:masters";

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "rbac-system-masters",
        title: "Binding names the system:masters group",
        severity: Severity::Critical,
        category: Category::Rbac,
        enabled_by_default: true,
        rationale: "Members of `system:masters` bypass authorization altogether: the API server \
allows their every request before RBAC or a webhook is consulted, and no binding, removal or \
deny can take that back short of rotating the cluster's certificate authority. A binding to \
`system:masters` therefore grants nothing a member does not already have; it is reported because \
it is a sign that someone means to use the group, and the real risk is issuing credentials in \
it (a client certificate with `O=system:masters`, an approved CSR, an authentication webhook or \
cloud IAM mapping that adds the group), which cannot be revoked until they expire. Kubernetes' \
own binding of `cluster-admin` to the group (labelled `kubernetes.io/bootstrapping: \
rbac-defaults`) is not reported.",
        remediation: r#"Delete the binding. Give administrators a group of their own bound to
`cluster-admin` (or narrower), so access can be revoked, and keep `system:masters`
credentials for break-glass use only:

```yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: platform-admins
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: Group
  name: platform-admins
```"#,
        references: &[refs::CIS_5_1_7, refs::NSA_AUTHENTICATION_AUTHORIZATION],
        params: &[],
        pss: None,
    },
    check: Check::Inventory(check),
};

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    let model = rbac::model(ctx, out);
    for b in model.bindings.iter().filter(|b| !b.stock) {
        for (i, s) in rbac::distinct_subjects(b) {
            if !matches!(s, Subject::Group { name } if name == MASTERS) {
                continue;
            }
            let message = format!(
                "binds group {MASTERS} to {} {}: its members already bypass authorization, so \
the binding grants nothing, but it suggests credentials are being issued in that group, which \
cannot be revoked",
                rbac::role_name(b),
                Scope::of(b),
            );
            rbac::report_subject(out, b, i, message);
        }
    }
}
