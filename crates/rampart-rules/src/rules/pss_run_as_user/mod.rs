use crate::support::refs;
use rampart_core::rule::{Category, PssControl, PssLevel};
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

use crate::support::pss::{Setter, setters, user_namespace};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "pss-run-as-user",
        title: "runAsUser is 0 (root)",
        severity: Severity::High,
        category: Category::PodSecurity,
        enabled_by_default: false,
        rationale: "`runAsUser: 0` runs the container as root explicitly, overriding a non-root \
`USER` in the image. The restricted level forbids the value 0 at pod level and on every \
container, init and ephemeral ones included; unset is allowed here (the `runAsNonRoot` check \
then guards the image's user). A pod-level 0 fails even when every container overrides it, as \
Pod Security Admission checks each setting. From v1.35 pods with `hostUsers: false` are \
exempt: in a user namespace, root in the pod is an unprivileged user on the node. Off by \
default: `run-as-root` judges the effective user instead, and the `pss-restricted` profile \
selects this rule.",
        remediation: r#"Use a non-zero user ID:

```yaml
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 10001
```"#,
        references: &[
            refs::PSS_RESTRICTED_RUNASUSER,
            refs::CIS_5_2_7,
            refs::NSA_POD_SECURITY_NON_ROOT,
        ],
        params: &[],
        pss: Some(PssControl {
            level: PssLevel::Restricted,
            check: "runAsUser",
            overrides: &[],
        }),
    },
    check: Check::Workload(check),
};

fn check(ctx: &Ctx, workload: &Workload, out: &mut Emitter) {
    if ctx.pss_version.at_least(35) && user_namespace(workload) {
        return;
    }
    for (setter, s) in setters(workload) {
        if s.run_as_user != Some(0) {
            continue;
        }
        let message = match setter {
            Setter::Pod => {
                "the pod sets runAsUser: 0 (root); containers that set no user inherit it".into()
            }
            Setter::Container(c) => format!("{} sets runAsUser: 0 (root)", c.describe()),
        };
        setter.report(workload, out, &["runAsUser"], message);
    }
}
