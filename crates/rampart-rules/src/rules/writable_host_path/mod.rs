use crate::support::refs;
use rampart_core::rule::Category;
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

use crate::support::workloads::host_path_volumes;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "writable-host-path",
        title: "Container mounts a hostPath volume writable",
        severity: Severity::Medium,
        category: Category::HostAccess,
        enabled_by_default: true,
        rationale: "A writable host mount lets the container change the node: plant binaries or \
cron jobs, alter kubelet or CNI configuration, or fill the node's disk. Writes to a directory \
another pod or a host service later reads (logs the kubelet follows, configuration a daemon \
loads) are a classic escape route. A volume mount is writable unless it says `readOnly: true`; \
every init, regular and ephemeral container mounting a hostPath volume is checked.",
        remediation: r#"Mount host paths read-only; where the workload must write, use a PersistentVolumeClaim or an emptyDir instead:

```yaml
volumeMounts:
- name: host-logs
  mountPath: /host/var/log
  readOnly: true
```"#,
        references: &[
            refs::CIS_5_2_11,
            refs::NSA_POD_SECURITY,
        ],
        params: &[],
        pss: None,
    },
    check: Check::Workload(check),
};

fn check(_: &Ctx, workload: &Workload, out: &mut Emitter) {
    let host_paths: Vec<_> = host_path_volumes(workload).collect();
    if host_paths.is_empty() {
        return;
    }
    for c in workload.containers() {
        for (i, m) in c.container.volume_mounts.iter().flatten().enumerate() {
            if m.read_only == Some(true) {
                continue;
            }
            let Some(v) = host_paths.iter().find(|v| v.volume.name == m.name) else {
                continue;
            };
            let index = i.to_string();
            out.at_stable(
                c.pointer(&["volumeMounts", &index, "readOnly"]),
                &c.stable_pointer(&["volumeMounts", &m.mount_path, "readOnly"]),
                format!(
                    "{} mounts host path {} writable at {}",
                    c.describe(),
                    v.path,
                    m.mount_path
                ),
            );
        }
    }
}
