use crate::support::refs;
use rampart_core::rule::{Category, PssControl, PssLevel};
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

use crate::support::pss::{selinux_problems, setters};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "selinux-options",
        title: "SELinux options escape the container domain",
        severity: Severity::High,
        category: Category::PodSecurity,
        enabled_by_default: true,
        rationale: "On SELinux nodes, containers run in the `container_t` domain, which keeps \
them away from the node's files and processes even when they run as root. Choosing another \
type (such as `spc_t`, the unconfined \"super privileged container\" type), or setting a \
custom SELinux `user` or `role`, lifts that confinement. The baseline level allows only the \
types `container_t`, `container_init_t`, `container_kvm_t` and, from v1.31, \
`container_engine_t`, and no `user` or `role`; the `level` (MCS categories) is free. Reported \
once per pod or container securityContext, at its first offending field.",
        remediation: r#"Remove `seLinuxOptions`, or set only the level:

```yaml
securityContext:
  seLinuxOptions:
    level: "s0:c123,c456"
```"#,
        references: &[
            refs::PSS_BASELINE_SELINUXOPTIONS,
            refs::NSA_POD_SECURITY,
        ],
        params: &[],
        pss: Some(PssControl {
            level: PssLevel::Baseline,
            check: "seLinuxOptions",
            overrides: &[],
        }),
    },
    check: Check::Workload(check),
};

fn check(ctx: &Ctx, workload: &Workload, out: &mut Emitter) {
    for (setter, s) in setters(workload) {
        let Some(opts) = s.se_linux else {
            continue;
        };
        if let Some((field, problems)) = selinux_problems(opts, ctx.pss_version) {
            setter.report(
                workload,
                out,
                &["seLinuxOptions", field],
                format!(
                    "{} sets forbidden SELinux options: {}",
                    setter.describe(),
                    problems.join("; ")
                ),
            );
        }
    }
}
