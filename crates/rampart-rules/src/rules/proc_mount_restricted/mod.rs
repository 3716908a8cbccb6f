use crate::support::refs;
use rampart_core::rule::{Category, PssControl, PssLevel};
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

use crate::support::pss::report_proc_mounts;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "proc-mount-restricted",
        title: "Container unmasks /proc, even in a user namespace",
        severity: Severity::High,
        category: Category::PodSecurity,
        enabled_by_default: false,
        rationale: "The restricted level allows only the `Default` `procMount` (or none) in every \
pod, including pods with `hostUsers: false`, which the baseline level relaxes from v1.35 \
(rule `proc-mount`). Below v1.35 the baseline rule is already this strict, so this rule \
applies the same check at every version and replaces `proc-mount` at the restricted level. \
Off by default: `proc-mount` covers every pod outside a user namespace, and the \
`pss-restricted` profile selects this rule.",
        remediation: r#"Remove `procMount`, or set it to `Default`:

```yaml
securityContext:
  procMount: Default
```"#,
        references: &[refs::PSS_RESTRICTED_PROCMOUNT],
        params: &[],
        pss: Some(PssControl {
            level: PssLevel::Restricted,
            check: "procMount_restricted",
            overrides: &["procMount"],
        }),
    },
    check: Check::Workload(check),
};

fn check(_: &Ctx, workload: &Workload, out: &mut Emitter) {
    report_proc_mounts(workload, out);
}
