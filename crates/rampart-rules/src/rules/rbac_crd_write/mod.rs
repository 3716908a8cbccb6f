use rampart_core::rule::Category;
use rampart_core::{Check, InventoryCtx, Reporter, Rule, RuleMeta, Severity};
use rampart_rbac::risk::CRD_WRITE;

use crate::support::{rbac, refs};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "rbac-crd-write",
        title: "Binding lets someone create, change or delete CustomResourceDefinitions",
        severity: Severity::Medium,
        category: Category::Rbac,
        enabled_by_default: true,
        rationale: "A CustomResourceDefinition defines an API for the whole cluster, and operators \
and policy engines act on the objects it serves. Deleting one deletes every object of its kind \
in every namespace — policies, certificates, backup schedules — at once; changing its schema or \
versions changes what those controllers read; and its conversion webhook, which the writer can \
point anywhere, receives every object of the kind whenever it is converted between versions. \
Reported: `create`, `update`, `patch` or `delete` on `customresourcedefinitions` in \
`apiextensions.k8s.io`. CRDs are cluster-scoped, so only a ClusterRoleBinding grants this; a \
RoleBinding to the same role is not reported. Not reported either: reading CRDs, their `status` \
subresource, and rules limited by `resourceNames` to the CRDs an operator owns.",
        remediation: r#"Install CRDs with the cluster's deployment pipeline rather than letting
operators write them at runtime; an operator that manages its own CRDs should name them:

```yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: backup-operator
rules:
- apiGroups: ["apiextensions.k8s.io"]
  resources: ["customresourcedefinitions"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["apiextensions.k8s.io"]
  resources: ["customresourcedefinitions"]
  resourceNames: ["backups.example.com"]
  verbs: ["update", "patch"]
```"#,
        references: &[refs::NSA_AUTHENTICATION_AUTHORIZATION],
        params: &[],
        pss: None,
    },
    check: Check::Inventory(check),
};

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    rbac::report_risk(ctx, out, &CRD_WRITE);
}
