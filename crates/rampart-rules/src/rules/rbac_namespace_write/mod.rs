use rampart_core::rule::Category;
use rampart_core::{Check, InventoryCtx, Reporter, Rule, RuleMeta, Severity};
use rampart_rbac::risk::NAMESPACE_WRITE;

use crate::support::{rbac, refs};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "rbac-namespace-write",
        title: "Binding lets someone change namespaces",
        severity: Severity::Medium,
        category: Category::Rbac,
        enabled_by_default: true,
        rationale: "A namespace's labels set its Pod Security level \
(`pod-security.kubernetes.io/enforce`): whoever can change them can set it to `privileged` and \
then run privileged pods there, if they can create pods. The same labels are what NetworkPolicy \
and admission webhook `namespaceSelector`s match, so relabelling a namespace can let in traffic \
that was shut out or move it out of a webhook's reach. Reported: `update` or `patch` on \
`namespaces` in the core group. Through a RoleBinding this concerns the binding's own namespace: \
the API server checks a request for the Namespace X as a request in namespace X, so a RoleBinding \
in X to a role that may patch namespaces lets its subjects relabel X — also when the rule names \
X in `resourceNames`. Through a ClusterRoleBinding, rules limited by `resourceNames` are not \
reported. Creating namespaces and writing their `status` or `finalize` subresources are not \
reported.",
        remediation: r#"Let the platform team's pipeline own namespace objects and their
labels, and give teams read access to their namespace:

```yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: namespace-viewer
rules:
- apiGroups: [""]
  resources: ["namespaces"]
  verbs: ["get", "list", "watch"]
```"#,
        references: &[refs::NSA_AUTHENTICATION_AUTHORIZATION],
        params: &[],
        pss: None,
    },
    check: Check::Inventory(check),
};

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    rbac::report_risk(ctx, out, &NAMESPACE_WRITE);
}
