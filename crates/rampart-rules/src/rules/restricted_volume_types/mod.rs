use rampart_core::node::{pointer, push_index, push_token};
use crate::support::refs;
use rampart_core::rule::{Category, PssControl, PssLevel};
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

use crate::support::pss::{RESTRICTED_VOLUME_SOURCES, volume_sources};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "restricted-volume-types",
        title: "Volume type outside the restricted set",
        severity: Severity::Medium,
        category: Category::Storage,
        enabled_by_default: false,
        rationale: "The restricted level allows only volume types that are defined by \
Kubernetes objects the namespace controls or that are ephemeral: `configMap`, `csi`, \
`downwardAPI`, `emptyDir`, `ephemeral`, `image`, `persistentVolumeClaim`, `projected` and \
`secret`. Every other type mounts storage named directly in the pod: a path on the node \
(`hostPath`), a network share (`nfs`, `iscsi`, `cephfs`, `rbd`, ...) reachable with the node's \
credentials, a cloud disk by ID, or a `gitRepo` cloned by the kubelet as root. Such volumes \
bypass PersistentVolume access control and let a pod author reach data outside the namespace. \
A volume with no source at all is defaulted to `emptyDir` by the API server and passes. At the \
restricted level this check replaces `host-path-volume`. Off by default: `host-path-volume` \
covers the most dangerous type, and the `pss-restricted` profile selects this rule.",
        remediation: r#"Mount network or cloud storage through a PersistentVolumeClaim, so an administrator-defined PersistentVolume or StorageClass decides what is reachable:

```yaml
volumes:
- name: data
  persistentVolumeClaim:
    claimName: data
```"#,
        references: &[refs::PSS_RESTRICTED_VOLUMES],
        params: &[],
        pss: Some(PssControl {
            level: PssLevel::Restricted,
            check: "restrictedVolumes",
            overrides: &["hostPathVolumes"],
        }),
    },
    check: Check::Workload(check),
};

fn check(_: &Ctx, workload: &Workload, out: &mut Emitter) {
    for (i, volume) in workload.spec.volumes.iter().flatten().enumerate() {
        for source in volume_sources(volume) {
            if RESTRICTED_VOLUME_SOURCES.contains(&source) {
                continue;
            }
            let mut p = pointer(workload.path.spec, &["volumes"]);
            push_index(&mut p, i);
            push_token(&mut p, source);
            let stable = pointer(workload.path.spec, &["volumes", &volume.name, source]);
            out.at_stable(
                p,
                &stable,
                format!(
                    "volume \"{}\" is of type {source}, outside the restricted set",
                    volume.name
                ),
            );
        }
    }
}
