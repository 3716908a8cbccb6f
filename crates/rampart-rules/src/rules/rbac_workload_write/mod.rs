use rampart_core::rule::Category;
use rampart_core::{Check, InventoryCtx, Reporter, Rule, RuleMeta, Severity};
use rampart_rbac::risk::WORKLOAD_WRITE;

use crate::support::{rbac, refs};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "rbac-workload-write",
        title: "Binding lets someone run or change workloads",
        severity: Severity::High,
        category: Category::Rbac,
        enabled_by_default: true,
        rationale: "A pod runs as whichever service account of its namespace its author names and \
mounts any Secret, ConfigMap or claim there, so whoever can create pods holds the permissions of \
every service account in that namespace and reads all its Secrets, without `get secrets`. The \
same goes for every controller that creates pods from a template — Deployments, DaemonSets, \
StatefulSets, ReplicaSets, Jobs, CronJobs, ReplicationControllers — and for changing a running \
pod, which replaces its containers' images. Reported: `create` on `pods`, `update` or `patch` on \
`pods`, and `create`, `update` or `patch` on those controllers (in `apps`, `batch` or the core \
group), through a RoleBinding in its namespace or a ClusterRoleBinding everywhere. Not reported: \
subresources such as `deployments/scale`, `pods/eviction` or `pods/exec` (see \
rbac-pod-exec), deleting, and rules limited by `resourceNames` — although changing even one \
named Deployment's template changes the service account it runs as.",
        remediation: r#"Deploy through one pipeline identity (a GitOps controller or CI service
account) and give people read access, scaling and log access instead of write access to
workloads; enforce Pod Security admission in every namespace where someone keeps write access:

```yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: release-operator
  namespace: shop
rules:
- apiGroups: ["apps"]
  resources: ["deployments", "replicasets"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["apps"]
  resources: ["deployments/scale"]
  verbs: ["patch"]
- apiGroups: [""]
  resources: ["pods", "pods/log"]
  verbs: ["get", "list", "watch"]
```"#,
        references: &[refs::CIS_5_1_4, refs::NSA_AUTHENTICATION_AUTHORIZATION],
        params: &[],
        pss: None,
    },
    check: Check::Inventory(check),
};

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    rbac::report_risk(ctx, out, &WORKLOAD_WRITE);
}
