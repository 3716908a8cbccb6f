use crate::support::refs;
use rampart_core::rule::{Category, PssControl, PssLevel};
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

use crate::support::pss::windows_exempt;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "privilege-escalation",
        title: "Container may gain privileges (allowPrivilegeEscalation not false)",
        severity: Severity::Medium,
        category: Category::PodSecurity,
        enabled_by_default: true,
        rationale: "Unless `allowPrivilegeEscalation` is `false`, the kernel lets a process gain \
more privileges than its parent: a setuid-root binary in the image (`su`, `sudo`, `ping` in \
older images) or file capabilities turn an unprivileged foothold into root inside the \
container. Setting it to `false` sets the `no_new_privs` flag, which blocks that for the whole \
process tree. The restricted level requires the field to be explicitly `false` on every \
container, init and ephemeral ones included: unset means allowed. Windows pods \
(`spec.os.name: windows`) are exempt, as the flag does not exist there.",
        remediation: r#"Set it on every container (it has no pod-level equivalent):

```yaml
securityContext:
  allowPrivilegeEscalation: false
```"#,
        references: &[
            refs::PSS_RESTRICTED_ALLOWPRIVILEGEESCALATION,
            refs::CIS_5_2_6,
            refs::NSA_POD_SECURITY,
        ],
        params: &[],
        pss: Some(PssControl {
            level: PssLevel::Restricted,
            check: "allowPrivilegeEscalation",
            overrides: &[],
        }),
    },
    check: Check::Workload(check),
};

fn check(_: &Ctx, workload: &Workload, out: &mut Emitter) {
    if windows_exempt(workload) {
        return;
    }
    for c in workload.containers() {
        let value = c
            .container
            .security_context
            .as_ref()
            .and_then(|sc| sc.allow_privilege_escalation);
        let message = match value {
            Some(false) => continue,
            Some(true) => format!("{} sets allowPrivilegeEscalation: true", c.describe()),
            None => format!(
                "{} does not set allowPrivilegeEscalation: false, so setuid binaries can gain privileges",
                c.describe()
            ),
        };
        out.container(
            &c,
            &["securityContext", "allowPrivilegeEscalation"],
            message,
        );
    }
}
