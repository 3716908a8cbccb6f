use rampart_core::rule::Category;
use rampart_core::{Check, InventoryCtx, Reporter, Rule, RuleMeta, Severity};
use rampart_rbac::risk::CREATE_TOKENS;

use crate::support::{rbac, refs};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "rbac-token-create",
        title: "Binding lets someone mint service account tokens",
        severity: Severity::High,
        category: Category::Rbac,
        enabled_by_default: true,
        rationale: "`create` on `serviceaccounts/token` is the TokenRequest API: it returns a new, \
signed token for the service account named in the request, valid for as long as the caller asks \
(up to the API server's maximum) and carrying every permission of that account. It needs no pod \
and no Secret, and stores nothing in the cluster that would show the token exists. Through a RoleBinding this \
reaches every service account of that namespace; through a ClusterRoleBinding every service \
account of the cluster, the controllers' accounts in `kube-system` included. Reported: `create` \
on `serviceaccounts/token` in the core group (also through `*/token` or `*`). A rule limited by \
`resourceNames` to named service accounts is not reported, although it still mints tokens for \
those accounts.",
        remediation: r#"Let workloads get their tokens from projected service account volumes
instead of asking the API for them. When something must mint tokens (a CI broker, a secrets
manager), name the service accounts it may mint for:

```yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: build-runner-token
  namespace: ci
rules:
- apiGroups: [""]
  resources: ["serviceaccounts/token"]
  resourceNames: ["build-runner"]
  verbs: ["create"]
```"#,
        references: &[refs::CIS_5_1_13, refs::NSA_AUTHENTICATION_AUTHORIZATION],
        params: &[],
        pss: None,
    },
    check: Check::Inventory(check),
};

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    rbac::report_risk(ctx, out, &CREATE_TOKENS);
}
