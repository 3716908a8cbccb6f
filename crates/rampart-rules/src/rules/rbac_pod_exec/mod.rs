use rampart_core::rule::Category;
use rampart_core::{Check, InventoryCtx, Reporter, Rule, RuleMeta, Severity};
use rampart_rbac::risk::POD_EXEC;

use crate::support::{rbac, refs};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "rbac-pod-exec",
        title: "Binding lets someone exec into, attach to or port-forward into pods",
        severity: Severity::High,
        category: Category::Rbac,
        enabled_by_default: true,
        rationale: "Exec and attach run commands in, or take over the terminal of, a running \
container: its files, its mounted Secrets and its service account token become the caller's. \
Port-forward reaches ports the pod never exposed, past every NetworkPolicy. Over SPDY these \
requests are authorised as `create` on `pods/exec`, `pods/attach` or `pods/portforward`, but over \
WebSockets, which recent kubectl versions use by default, as `get` — so a role meant to be read-only that lists \
`pods/exec` under `get` lets its holder run commands (up to Kubernetes 1.34; from 1.35 the \
WebSocket upgrade also needs `create`, unless the `AuthorizePodWebsocketUpgradeCreatePermission` \
feature gate is off). `update` or `patch` on `pods/ephemeralcontainers` adds a container of the \
caller's choosing to a running pod. Reported: `get` or `create` on any of the three subresources \
(`*/exec` style wildcards included) and ephemeral container writes. Not reported: any verb on \
`pods` itself, which does not reach its subresources, and rules limited by `resourceNames` to \
named pods.",
        remediation: r#"Give day-to-day roles logs and read access only, and grant exec for
debugging through a separate, time-limited binding, to named pods where possible:

```yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: support-viewer
  namespace: shop
rules:
- apiGroups: [""]
  resources: ["pods", "pods/log"]
  verbs: ["get", "list", "watch"]
```"#,
        references: &[refs::NSA_AUTHENTICATION_AUTHORIZATION],
        params: &[],
        pss: None,
    },
    check: Check::Inventory(check),
};

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    rbac::report_risk(ctx, out, &POD_EXEC);
}
