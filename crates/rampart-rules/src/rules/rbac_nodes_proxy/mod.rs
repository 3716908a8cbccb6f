use rampart_core::rule::Category;
use rampart_core::{Check, InventoryCtx, Reporter, Rule, RuleMeta, Severity};
use rampart_rbac::risk::NODES_PROXY;

use crate::support::{rbac, refs};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "rbac-nodes-proxy",
        title: "Binding grants the kubelet API through nodes/proxy",
        severity: Severity::Critical,
        category: Category::Rbac,
        enabled_by_default: true,
        rationale: "`nodes/proxy` passes requests through the API server to a node's kubelet, whose \
API includes `/exec`, `/run`, `/attach` and `/portForward` for every pod on that node. The \
kubelet authorises by HTTP method, and a WebSocket connection starts as a GET, so `get` — \
commonly granted to monitoring agents that scrape metrics this way — is enough to run commands \
in any pod, `create` as well. Those commands skip admission control, and the API server's audit \
log shows only a proxy request to a node, not which container ran what. Reported: `get` or \
`create` on `nodes/proxy` (also through `*/proxy` or `*`). Nodes are cluster-scoped, so only a \
ClusterRoleBinding grants this; a RoleBinding to the same role grants nothing and is not \
reported. A rule limited by `resourceNames` to named nodes is not reported either, although it \
reaches every pod on those nodes.",
        remediation: r#"Scrape the kubelet's metrics through the `nodes/metrics` and
`nodes/stats` subresources (or the kubelet's port with its own authorization) instead of
`nodes/proxy`:

```yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: prometheus
rules:
- apiGroups: [""]
  resources: ["nodes", "nodes/metrics", "nodes/stats", "services", "endpoints", "pods"]
  verbs: ["get", "list", "watch"]
```"#,
        references: &[refs::CIS_5_1_10, refs::NSA_AUTHENTICATION_AUTHORIZATION],
        params: &[],
        pss: None,
    },
    check: Check::Inventory(check),
};

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    rbac::report_risk(ctx, out, &NODES_PROXY);
}
