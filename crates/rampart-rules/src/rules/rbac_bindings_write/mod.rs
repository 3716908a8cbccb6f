use rampart_core::rule::Category;
use rampart_core::{Check, InventoryCtx, Reporter, Rule, RuleMeta, Severity};
use rampart_rbac::risk::BINDINGS_WRITE;

use crate::support::{rbac, refs};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "rbac-bindings-write",
        title: "Binding lets someone create or change role bindings",
        severity: Severity::Medium,
        category: Category::Rbac,
        enabled_by_default: true,
        rationale: "Whoever writes RoleBindings or ClusterRoleBindings decides who holds which role. \
Kubernetes only lets them bind a role whose permissions they already hold (unless they also \
have `bind`, see rbac-escalate-bind), so this is not an escalation by itself; but they can pass \
everything they hold to any identity — a service account of another namespace, an outside user, \
`system:authenticated` — and those grants stay when their own access is taken away. A binding's \
`roleRef` cannot change, its `subjects` can: `update` and `patch` re-target existing bindings, \
under the same check. Reported: `create`, `update` or `patch` on `rolebindings` (in the \
binding's namespace, or everywhere) or on `clusterrolebindings` (ClusterRoleBindings only, as \
they are cluster-scoped). Not reported: reading and deleting bindings, and rules limited by \
`resourceNames`.",
        remediation: r#"Manage bindings from version control through one deploying identity,
and give people read access to them. Where a team must grant access itself, limit it to
RoleBindings in its namespace and to named roles:

```yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: access-viewer
  namespace: team-a
rules:
- apiGroups: ["rbac.authorization.k8s.io"]
  resources: ["roles", "rolebindings"]
  verbs: ["get", "list", "watch"]
```"#,
        references: &[refs::NSA_AUTHENTICATION_AUTHORIZATION],
        params: &[],
        pss: None,
    },
    check: Check::Inventory(check),
};

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    rbac::report_risk(ctx, out, &BINDINGS_WRITE);
}
