use k8s_openapi::api::core::v1::{PodSecurityContext, SecurityContext};
use crate::support::refs;
use rampart_core::rule::Category;
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "missing-security-context",
        title: "Container has no security context at all",
        severity: Severity::Low,
        category: Category::PodSecurity,
        enabled_by_default: false,
        rationale: "A container whose pod and container `securityContext` are both absent or \
empty runs with every default of its image and runtime: the image's user (often root), a \
writable root filesystem, the runtime's default capabilities, privilege escalation allowed. \
Nobody has decided anything about its privileges. The specific rules (`run-as-root`, \
`privilege-escalation`, `capabilities-not-dropped`, ...) say what is missing; this one points at \
containers that were never hardened at all. Off by default because those rules already report \
the same containers; CIS 5.6.3 asks for it as such.",
        remediation: r#"Give the pod and each container a security context:

```yaml
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 10001
    seccompProfile: {type: RuntimeDefault}
  containers:
  - name: web
    securityContext:
      allowPrivilegeEscalation: false
      readOnlyRootFilesystem: true
      capabilities: {drop: ["ALL"]}
```"#,
        references: &[
            refs::CIS_5_6_3,
            refs::NSA_POD_SECURITY,
        ],
        params: &[],
        pss: None,
    },
    check: Check::Workload(check),
};

fn check(_: &Ctx, workload: &Workload, out: &mut Emitter) {
    let pod_empty = workload
        .spec
        .security_context
        .as_ref()
        .is_none_or(|p| *p == PodSecurityContext::default());
    if !pod_empty {
        return;
    }
    for c in workload.containers() {
        let empty = c
            .container
            .security_context
            .as_ref()
            .is_none_or(|s| *s == SecurityContext::default());
        if empty {
            out.container(
                &c,
                &["securityContext"],
                format!(
                    "{} has no securityContext, and neither has the pod",
                    c.describe()
                ),
            );
        }
    }
}
