use crate::support::refs;
use rampart_core::rule::{Category, PssControl, PssLevel};
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

use crate::support::pss::{
    Setter, Shortfall, pod_or_every_container, seccomp_confines, windows_exempt,
};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "seccomp-profile-missing",
        title: "No RuntimeDefault or Localhost seccomp profile",
        severity: Severity::Medium,
        category: Category::PodSecurity,
        enabled_by_default: true,
        rationale: "Kubernetes runs containers without any seccomp filter unless a profile is \
set (the kubelet's `--seccomp-default` is off by default), leaving every system call open to \
a compromised process, including the rarely needed ones most kernel exploits use. The \
restricted level requires `seccompProfile.type` `RuntimeDefault` or `Localhost`, at pod level \
(containers that set nothing inherit it) or on every container, init and ephemeral ones \
included. A container's own setting overrides the pod's: `Unconfined` on one container fails \
even under a pod-level `RuntimeDefault`, and a pod-level `Unconfined` fails even when every \
container sets a profile. Windows pods (`spec.os.name: windows`) are exempt. At the restricted \
level this check replaces `seccomp-unconfined`.",
        remediation: r#"Set the runtime's default profile at pod level:

```yaml
spec:
  securityContext:
    seccompProfile:
      type: RuntimeDefault
```"#,
        references: &[
            refs::PSS_RESTRICTED_SECCOMPPROFILE,
            refs::CIS_5_6_2,
            refs::NSA_POD_SECURITY,
        ],
        params: &[],
        pss: Some(PssControl {
            level: PssLevel::Restricted,
            check: "seccompProfile_restricted",
            overrides: &["seccompProfile_baseline"],
        }),
    },
    check: Check::Workload(check),
};

fn check(_: &Ctx, workload: &Workload, out: &mut Emitter) {
    if windows_exempt(workload) {
        return;
    }
    let shortfalls = pod_or_every_container(workload, |s| s.seccomp, |p| seccomp_confines(p));
    for shortfall in shortfalls {
        match shortfall {
            Shortfall::Bad(setter) => {
                let ty = match setter {
                    Setter::Pod => workload
                        .spec
                        .security_context
                        .as_ref()
                        .and_then(|sc| sc.seccomp_profile.as_ref()),
                    Setter::Container(c) => c
                        .container
                        .security_context
                        .as_ref()
                        .and_then(|sc| sc.seccomp_profile.as_ref()),
                }
                .map_or("", |p| p.type_.as_str());
                setter.report(
                    workload,
                    out,
                    &["seccompProfile", "type"],
                    format!(
                        "{} sets seccomp profile type \"{ty}\"; it must be RuntimeDefault or Localhost",
                        setter.describe()
                    ),
                );
            }
            Shortfall::Unset(c) => Setter::Container(c).report(
                workload,
                out,
                &["seccompProfile"],
                format!(
                    "{} has no seccomp profile, and the pod sets none either",
                    c.describe()
                ),
            ),
        }
    }
}
