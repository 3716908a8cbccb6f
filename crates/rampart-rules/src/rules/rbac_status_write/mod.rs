use rampart_core::rule::Category;
use rampart_core::{Check, InventoryCtx, Reporter, Rule, RuleMeta, Severity};
use rampart_rbac::risk::STATUS_WRITE;

use crate::support::{rbac, refs};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "rbac-status-write",
        title: "Binding lets someone rewrite pod, service or node status",
        severity: Severity::Low,
        category: Category::Rbac,
        enabled_by_default: true,
        rationale: "Status is what controllers believe about an object, and several act on it \
without checking. Writing `pods/status` changes a pod's readiness and IP addresses, which \
decide what a Service's endpoints point to; writing `services/status` sets a LoadBalancer \
Service's ingress IPs, which kube-proxy then routes to that Service, capturing traffic meant \
for those addresses (CVE-2020-8554); writing `nodes/status` changes a node's conditions, \
capacity and addresses, which the scheduler and the API server's connections to the kubelet \
rely on. Reported: `update` or `patch` on `pods/status` or `services/status` (in the binding's \
namespace, or everywhere) and on `nodes/status` (ClusterRoleBindings only, as nodes are \
cluster-scoped). Not reported: writes to the objects themselves, the status of other kinds, and \
rules limited by `resourceNames`.",
        remediation: r#"Leave status to the controllers that own it (kubelets, the service and
endpoint controllers, one load-balancer controller), and give other subjects read access:

```yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: status-viewer
  namespace: shop
rules:
- apiGroups: [""]
  resources: ["pods/status", "services/status"]
  verbs: ["get", "list", "watch"]
```"#,
        references: &[refs::NSA_AUTHENTICATION_AUTHORIZATION],
        params: &[],
        pss: None,
    },
    check: Check::Inventory(check),
};

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    rbac::report_risk(ctx, out, &STATUS_WRITE);
}
