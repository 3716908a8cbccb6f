use crate::support::refs;
use rampart_core::rule::{Category, PssControl, PssLevel};
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

use crate::support::pss::{Setter, Shortfall, pod_or_every_container, user_namespace};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "pss-run-as-non-root",
        title: "runAsNonRoot is not true for every container",
        severity: Severity::Medium,
        category: Category::PodSecurity,
        enabled_by_default: false,
        rationale: "With `runAsNonRoot: true` the kubelet refuses to start a container whose \
user would be root, whatever the image says. The restricted level requires it exactly as Pod \
Security Admission checks it: `true` at pod level (containers that set nothing inherit it) or \
on every container, init and ephemeral ones included; an explicit `false` anywhere fails, \
even at pod level when every container sets `true`. A non-zero `runAsUser` does not satisfy \
this check. From v1.35 pods with `hostUsers: false` are exempt: in a user namespace, root in \
the pod is an unprivileged user on the node. Off by default: `run-as-root` judges the \
effective user instead, and the `pss-restricted` profile selects this rule.",
        remediation: r#"Set it at pod level, and remove any `runAsNonRoot: false`:

```yaml
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 10001   # when the image has no numeric non-root USER
```"#,
        references: &[
            refs::PSS_RESTRICTED_RUNASNONROOT,
            refs::CIS_5_2_7,
            refs::NSA_POD_SECURITY_NON_ROOT,
        ],
        params: &[],
        pss: Some(PssControl {
            level: PssLevel::Restricted,
            check: "runAsNonRoot",
            overrides: &[],
        }),
    },
    check: Check::Workload(check),
};

fn check(ctx: &Ctx, workload: &Workload, out: &mut Emitter) {
    if ctx.pss_version.at_least(35) && user_namespace(workload) {
        return;
    }
    let field = ["runAsNonRoot"];
    for shortfall in pod_or_every_container(workload, |s| s.run_as_non_root, |&v| v) {
        match shortfall {
            Shortfall::Bad(Setter::Pod) => Setter::Pod.report(
                workload,
                out,
                &field,
                "the pod sets runAsNonRoot: false; set it to true (containers that set nothing inherit it)",
            ),
            Shortfall::Bad(setter) => setter.report(
                workload,
                out,
                &field,
                format!("{} sets runAsNonRoot: false", setter.describe()),
            ),
            Shortfall::Unset(c) => Setter::Container(c).report(
                workload,
                out,
                &field,
                format!(
                    "{} does not set runAsNonRoot: true, and neither does the pod",
                    c.describe()
                ),
            ),
        }
    }
}
