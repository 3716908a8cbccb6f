use rampart_core::node::{pointer, push_index};
use crate::support::refs;
use rampart_core::rule::Category;
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

use crate::support::workloads::{PodLevelReport, effective};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "root-group",
        title: "Pod runs with the root group (GID 0)",
        severity: Severity::Low,
        category: Category::PodSecurity,
        enabled_by_default: true,
        rationale: "GID 0 is the root group. A process in it, even with a non-root UID, can \
read and write every file the image, a volume or, after a breakout, the node leaves \
group-writable to root: on most systems that includes parts of `/etc`, device nodes and \
runtime sockets. Pod Security Standards do not check groups, so this rule does: it reports an \
effective `runAsGroup: 0` (the container's own setting wins over the pod's), `fsGroup: 0`, and \
0 among `supplementalGroups`. A group left unset is not reported here (see \
`run-as-low-id`). Pods with `hostUsers: false`, whose GID 0 is not the node's, and Windows pods \
are skipped.",
        remediation: r#"Use a dedicated non-zero group for the process and for volume ownership:

```yaml
spec:
  securityContext:
    runAsUser: 10001
    runAsGroup: 10001
    fsGroup: 10001
```"#,
        references: &[refs::NSA_POD_SECURITY_NON_ROOT],
        params: &[],
        pss: None,
    },
    check: Check::Workload(check),
};

fn check(_: &Ctx, workload: &Workload, out: &mut Emitter) {
    if workload.spec.host_users == Some(false) || workload.is_windows() {
        return;
    }
    let pod = workload.spec.security_context.as_ref();
    let mut report = PodLevelReport::new(workload, "runAsGroup");
    for c in workload.containers() {
        let own = c
            .container
            .security_context
            .as_ref()
            .and_then(|s| s.run_as_group);
        let (group, origin) = effective(own, pod.and_then(|p| p.run_as_group));
        if group == Some(0) {
            let message = format!("{} runs with the root group (runAsGroup: 0)", c.describe());
            report.add(out, &c, origin, message);
        }
    }
    report.finish(
        out,
        |list| format!("the pod's runAsGroup: 0 puts {list} in the root group"),
        |_| String::new(),
    );
    let spec = workload.path.spec;
    if pod.and_then(|p| p.fs_group) == Some(0) {
        out.at(
            pointer(spec, &["securityContext", "fsGroup"]),
            "fsGroup: 0 gives every container the root group and makes volumes root-group owned",
        );
    }
    let supplemental = pod.and_then(|p| p.supplemental_groups.as_deref());
    for (i, g) in supplemental.unwrap_or_default().iter().enumerate() {
        if *g == 0 {
            let mut p = pointer(spec, &["securityContext", "supplementalGroups"]);
            push_index(&mut p, i);
            out.at(p, "supplementalGroups includes 0, the root group");
        }
    }
}
