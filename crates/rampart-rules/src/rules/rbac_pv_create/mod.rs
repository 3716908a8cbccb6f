use rampart_core::rule::Category;
use rampart_core::{Check, InventoryCtx, Reporter, Rule, RuleMeta, Severity};
use rampart_rbac::risk::CREATE_PERSISTENT_VOLUMES;

use crate::support::{rbac, refs};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "rbac-pv-create",
        title: "Binding lets someone create PersistentVolumes",
        severity: Severity::High,
        category: Category::Rbac,
        enabled_by_default: true,
        rationale: "A PersistentVolume names its own backing storage, and a `hostPath` volume is any \
directory of the node that mounts it: `/`, the kubelet's credentials, the container runtime's \
socket. A pod that uses it only names a PersistentVolumeClaim, which Pod Security admission \
allows at every level, so whoever can create a PersistentVolume (and a claim bound to it, which \
`claimRef` or `volumeName` arranges) can mount the host's filesystem into a pod and take the \
node over. Reported: `create` on `persistentvolumes` in the core group. PersistentVolumes are \
cluster-scoped, so only a ClusterRoleBinding grants this; a RoleBinding to the same role grants \
nothing and is not reported. Claims are not reported: with dynamic provisioning the \
StorageClass, not the claimant, chooses the kind of volume.",
        remediation: r#"Let a provisioner create volumes from StorageClasses and give people and
workloads claims only:

```yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: claim-manager
rules:
- apiGroups: [""]
  resources: ["persistentvolumeclaims"]
  verbs: ["create", "delete", "get", "list", "watch"]
- apiGroups: [""]
  resources: ["persistentvolumes"]
  verbs: ["get", "list", "watch"]
```"#,
        references: &[refs::CIS_5_1_9, refs::NSA_AUTHENTICATION_AUTHORIZATION],
        params: &[],
        pss: None,
    },
    check: Check::Inventory(check),
};

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    rbac::report_risk(ctx, out, &CREATE_PERSISTENT_VOLUMES);
}
