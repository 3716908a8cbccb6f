use crate::support::refs;
use rampart_core::rule::{Category, PssControl, PssLevel};
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

use crate::support::pss::{report_proc_mounts, user_namespace};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "proc-mount",
        title: "Container unmasks /proc",
        severity: Severity::High,
        category: Category::PodSecurity,
        enabled_by_default: true,
        rationale: "The container runtime masks and makes read-only parts of `/proc` and `/sys` \
(`/proc/kcore`, `/proc/sysrq-trigger`, `/sys/firmware` and others) that leak kernel memory or \
control the node. `procMount: Unmasked` removes those masks. The baseline level allows only \
`Default` (or no value). From v1.35 it allows any value in pods with `hostUsers: false`: in a \
user namespace the unmasked entries belong to the pod's own user namespace, not the node's. \
The restricted level keeps the strict rule for every pod (rule `proc-mount-restricted`).",
        remediation: r#"Remove `procMount`, or set it to `Default`:

```yaml
securityContext:
  procMount: Default
```"#,
        references: &[refs::PSS_BASELINE_PROCMOUNT],
        params: &[],
        pss: Some(PssControl {
            level: PssLevel::Baseline,
            check: "procMount",
            overrides: &[],
        }),
    },
    check: Check::Workload(check),
};

fn check(ctx: &Ctx, workload: &Workload, out: &mut Emitter) {
    if ctx.pss_version.at_least(35) && user_namespace(workload) {
        return;
    }
    report_proc_mounts(workload, out);
}
