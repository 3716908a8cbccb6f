use rampart_core::rule::Category;
use rampart_core::{Check, InventoryCtx, Reporter, Rule, RuleMeta, Severity};
use rampart_rbac::risk::ADMISSION_WRITE;

use crate::support::{rbac, refs};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "rbac-admission-write",
        title: "Binding lets someone change admission control",
        severity: Severity::High,
        category: Category::Rbac,
        enabled_by_default: true,
        rationale: "Admission webhooks and admission policies are where a cluster enforces its own \
rules — image policies, exceptions to Pod Security, tenancy limits — and where objects can be \
changed on their way in. Whoever writes a MutatingWebhookConfiguration chooses which requests \
are sent to a server of their own, Secrets included, and what gets changed in them, such as a \
privileged container added to every new pod; whoever edits or deletes a validating webhook, a \
ValidatingAdmissionPolicy or its binding switches that check off for everyone. Reported: \
`create`, `update`, `patch` or `delete` on validating or mutating webhook configurations, \
admission policies or admission policy bindings in `admissionregistration.k8s.io`. These are \
cluster-scoped, so only a ClusterRoleBinding grants this; a RoleBinding to the same role is not \
reported. Not reported either: rules limited by `resourceNames`, typically an operator \
refreshing its own webhook's `caBundle`, although such a rule can still repoint that webhook.",
        remediation: r#"Install admission configuration from the cluster's deployment pipeline,
and let operators that must refresh their own webhook's certificate update that webhook only:

```yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: webhook-ca-refresher
rules:
- apiGroups: ["admissionregistration.k8s.io"]
  resources: ["validatingwebhookconfigurations"]
  resourceNames: ["metrics-operator-webhook"]
  verbs: ["get", "update", "patch"]
```"#,
        references: &[refs::CIS_5_1_12, refs::NSA_AUTHENTICATION_AUTHORIZATION],
        params: &[],
        pss: None,
    },
    check: Check::Inventory(check),
};

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    rbac::report_risk(ctx, out, &ADMISSION_WRITE);
}
