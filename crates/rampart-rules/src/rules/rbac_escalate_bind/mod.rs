use rampart_core::rule::Category;
use rampart_core::{Check, InventoryCtx, Reporter, Rule, RuleMeta, Severity};
use rampart_rbac::risk::ESCALATE_OR_BIND;

use crate::support::{rbac, refs};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "rbac-escalate-bind",
        title: "Binding grants escalate or bind on roles",
        severity: Severity::Critical,
        category: Category::Rbac,
        enabled_by_default: true,
        rationale: "Kubernetes keeps RBAC from being its own escalation path: writing a role \
requires already holding every permission in it, and writing a binding requires holding every \
permission of the role it references. `escalate` on `roles` or `clusterroles` lifts the first \
check and `bind` lifts the second, so either one, together with writing roles or bindings \
(which the stock `admin` role grants in a namespace), gives its holder any permission in its \
scope — `bind` on every ClusterRole through a ClusterRoleBinding means binding `cluster-admin` \
to oneself. Reported: `escalate` or `bind` (or `*` verbs) on `roles` or `clusterroles` in \
`rbac.authorization.k8s.io`, whether or not the same binding also grants the writes; `bind` also \
when limited by `resourceNames` to `cluster-admin` or `admin`, since Kubernetes checks `bind` \
with the name of the role being bound. Not reported: other rules limited by `resourceNames`, \
such as `bind` on the ClusterRoles `view` and `edit` only, which is how Kubernetes intends \
binding rights to be delegated (`rampart rbac paths` still follows them).",
        remediation: r#"Delegate binding rights by naming the roles that may be bound, and drop
`escalate` unless the subject is a controller that must write roles it does not hold:

```yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: access-delegator
  namespace: team-a
rules:
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["rolebindings"]
  verbs: ["create", "update", "patch", "delete"]
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["clusterroles"]
  resourceNames: ["view", "edit"]
  verbs: ["bind"]
```"#,
        references: &[refs::CIS_5_1_8, refs::NSA_AUTHENTICATION_AUTHORIZATION],
        params: &[],
        pss: None,
    },
    check: Check::Inventory(check),
};

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    rbac::report_risk(ctx, out, &ESCALATE_OR_BIND);
}
