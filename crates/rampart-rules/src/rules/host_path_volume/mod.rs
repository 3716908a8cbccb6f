use rampart_core::node::{pointer, push_index};
use crate::support::refs;
use rampart_core::rule::{Category, PssControl, PssLevel};
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "host-path-volume",
        title: "Pod mounts a hostPath volume",
        severity: Severity::High,
        category: Category::HostAccess,
        enabled_by_default: true,
        rationale: "A hostPath volume exposes the node's filesystem to the pod. Paths such as \
`/`, `/etc`, `/var/lib/kubelet` or the container runtime's socket let a compromised container \
read credentials of other workloads or take over the node; even read-only mounts leak \
secrets. Pod Security Standards forbid hostPath at the baseline level.",
        remediation: r#"Use a volume type that does not reach into the node: `emptyDir` for scratch space, a `persistentVolumeClaim` for data, `configMap`/`secret`/`projected` for configuration:

```yaml
volumes:
- name: cache
  emptyDir: {}
```
Node agents that truly need the host belong in a dedicated namespace with an exemption that states why."#,
        references: &[
            refs::PSS_BASELINE_HOSTPATHVOLUMES,
            refs::CIS_5_2_11,
        ],
        params: &[],
        pss: Some(PssControl {
            level: PssLevel::Baseline,
            check: "hostPathVolumes",
            overrides: &[],
        }),
    },
    check: Check::Workload(check),
};

fn check(_: &Ctx, workload: &Workload, out: &mut Emitter) {
    for (i, volume) in workload.spec.volumes.iter().flatten().enumerate() {
        let Some(host_path) = &volume.host_path else {
            continue;
        };
        let mut p = pointer(workload.path.spec, &["volumes"]);
        push_index(&mut p, i);
        let stable = pointer(workload.path.spec, &["volumes", &volume.name, "hostPath"]);
        p.push_str("/hostPath");
        out.at_stable(
            p,
            &stable,
            format!(
                "volume \"{}\" mounts the host path {}",
                volume.name, host_path.path
            ),
        );
    }
}
