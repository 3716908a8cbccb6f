use rampart_core::rule::Category;
use rampart_core::{Check, InventoryCtx, Reporter, Rule, RuleMeta, Severity};
use rampart_rbac::risk::IMPERSONATE;

use crate::support::{rbac, refs};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "rbac-impersonate",
        title: "Binding lets someone impersonate other identities",
        severity: Severity::Critical,
        category: Category::Rbac,
        enabled_by_default: true,
        rationale: "A client allowed to `impersonate` sends `Impersonate-User`, `Impersonate-Group` \
or `Impersonate-Uid` headers (kubectl's `--as` and `--as-group`), and the API server then \
authorises the request as that identity instead of the caller. `impersonate` on `users` and \
`groups` through a ClusterRoleBinding is cluster admin: the caller names any user and the group \
`system:masters`, which no authorizer checks (the API server accepts group impersonation only \
together with a user, so both are needed). Each impersonated name is authorised on its own, so \
a rule limited by `resourceNames` to `system:masters` is as dangerous as one on every group. \
Impersonating a service account is checked in that account's namespace, so a RoleBinding grants \
it for the service accounts of its namespace, while users and groups are cluster-scoped and a \
RoleBinding grants nothing on them. Reported: `impersonate` (or `*` verbs) on `users`, \
`serviceaccounts` or `groups` in the core group (on `groups` also when limited to \
`system:masters`), or on `uids` in `authentication.k8s.io`, each on its own. Not reported: rules \
limited by `resourceNames` to other named identities — `rampart rbac paths` follows those to \
whatever the named identities hold.",
        remediation: r#"Name the identities that may be impersonated, and never allow
impersonating groups unless the subject is an authenticating proxy you operate:

```yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: auditor-impersonator
rules:
- apiGroups: [""]
  resources: ["users"]
  resourceNames: ["readonly-auditor"]
  verbs: ["impersonate"]
```"#,
        references: &[refs::CIS_5_1_8, refs::NSA_AUTHENTICATION_AUTHORIZATION],
        params: &[],
        pss: None,
    },
    check: Check::Inventory(check),
};

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    rbac::report_risk(ctx, out, &IMPERSONATE);
}
