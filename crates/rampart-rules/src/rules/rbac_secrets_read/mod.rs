use rampart_core::rule::Category;
use rampart_core::{Check, InventoryCtx, Reporter, Rule, RuleMeta, Severity};
use rampart_rbac::risk::READ_SECRETS;

use crate::support::{rbac, refs};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "rbac-secrets-read",
        title: "Binding lets someone read Secrets",
        severity: Severity::High,
        category: Category::Rbac,
        enabled_by_default: true,
        rationale: "`get`, `list` and `watch` on `secrets` each return the Secrets' contents: \
database passwords, TLS keys, cloud credentials and, where legacy token Secrets exist, service \
account tokens that act with those accounts' permissions. `list` or `watch` reads every Secret \
of the namespace at once; a ClusterRoleBinding reads them in every namespace. A rule limited by \
`resourceNames` to the Secrets a workload needs is not reported.",
        remediation: r#"Grant `get` on the named Secrets the subject needs, in a Role bound in
that namespace only; or mount the Secret into the workload instead of reading it through the API:

```yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: read-db-credentials
  namespace: shop
rules:
- apiGroups: [""]
  resources: ["secrets"]
  resourceNames: ["db-credentials"]
  verbs: ["get"]
```"#,
        references: &[refs::CIS_5_1_2, refs::NSA_AUTHENTICATION_AUTHORIZATION],
        params: &[],
        pss: None,
    },
    check: Check::Inventory(check),
};

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    rbac::report_risk(ctx, out, &READ_SECRETS);
}
