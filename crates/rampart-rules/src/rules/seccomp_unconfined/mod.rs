use crate::support::refs;
use rampart_core::rule::{Category, PssControl, PssLevel};
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

use crate::support::pss::{seccomp_confines, setters};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "seccomp-unconfined",
        title: "Seccomp filtering is turned off",
        severity: Severity::High,
        category: Category::PodSecurity,
        enabled_by_default: true,
        rationale: "A seccomp profile limits which system calls a container may make; the \
runtime's default profile blocks dozens that are rarely needed and often the entry point of \
kernel exploits (`keyctl`, `unshare`, `bpf`, `userfaultfd`, ...). `seccompProfile.type: \
Unconfined` removes the filter. The baseline level accepts only `RuntimeDefault` or \
`Localhost` where a profile is set, at pod or container level; leaving it unset is allowed \
here (the restricted level, rule `seccomp-profile-missing`, requires it). A container's \
setting overrides the pod's, but a bad pod-level value fails even when every container \
overrides it, as Pod Security Admission checks both. The deprecated \
`seccomp.security.alpha.kubernetes.io` annotations are only checked by Pod Security Admission \
below v1.19, which rampart does not evaluate.",
        remediation: r#"Use the runtime's default profile, at pod level so every container inherits it:

```yaml
spec:
  securityContext:
    seccompProfile:
      type: RuntimeDefault
```"#,
        references: &[
            refs::PSS_BASELINE_SECCOMPPROFILE,
            refs::NSA_POD_SECURITY,
        ],
        params: &[],
        pss: Some(PssControl {
            level: PssLevel::Baseline,
            check: "seccompProfile_baseline",
            overrides: &[],
        }),
    },
    check: Check::Workload(check),
};

fn check(_: &Ctx, workload: &Workload, out: &mut Emitter) {
    for (setter, s) in setters(workload) {
        let Some(profile) = s.seccomp.filter(|p| !seccomp_confines(p)) else {
            continue;
        };
        setter.report(
            workload,
            out,
            &["seccompProfile", "type"],
            format!(
                "{} sets seccomp profile type \"{}\"; only RuntimeDefault or Localhost filter system calls",
                setter.describe(),
                profile.type_
            ),
        );
    }
}
