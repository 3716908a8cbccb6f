use rampart_core::rule::Category;
use rampart_core::{Check, InventoryCtx, Reporter, Rule, RuleMeta, Severity};
use rampart_rbac::risk::FULL_CONTROL;

use crate::support::{rbac, refs};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "rbac-cluster-admin",
        title: "Binding grants full control (cluster-admin or equivalent)",
        severity: Severity::Critical,
        category: Category::Rbac,
        enabled_by_default: true,
        rationale: "A rule with `*` verbs on `*` resources in the core API group, or in every group \
as the stock `cluster-admin` ClusterRole has it, allows every request there, the special verbs \
included. `impersonate` on users and groups lets its holder act as the group `system:masters`, \
which no authorizer checks, so even the core group alone amounts to every permission; in every \
group `escalate` and `bind` also let it grant anything to anyone. Bound by a ClusterRoleBinding \
that is the whole cluster. Bound by a RoleBinding it is full control of what lives in that \
namespace — its Secrets, pods and service accounts — but of no cluster-scoped resource, users and \
groups included; the message names the namespace. Only `*` counts: a rule \
listing every verb by name, or `*` in named API groups only, is left to the narrower rules, as \
are rules limited by `resourceNames`. Kubernetes' own binding of `cluster-admin` to \
`system:masters` and bindings whose subjects are all Kubernetes components are not reported.",
        remediation: r#"Give people and automation the narrowest role that does the job, in
the namespaces where they work: the stock `admin` or `edit` ClusterRole bound by a RoleBinding
instead of `cluster-admin`, or a dedicated role. Keep cluster-wide full control for a break-glass
identity that is bound only while it is needed:

```yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: shop-maintainers
  namespace: shop
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: edit
subjects:
- kind: Group
  name: shop-maintainers
```"#,
        references: &[refs::CIS_5_1_1, refs::NSA_AUTHENTICATION_AUTHORIZATION],
        params: &[],
        pss: None,
    },
    check: Check::Inventory(check),
};

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    rbac::report_risk(ctx, out, &FULL_CONTROL);
}
