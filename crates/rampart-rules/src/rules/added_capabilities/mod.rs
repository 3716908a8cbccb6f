use crate::support::refs;
use rampart_core::rule::{Category, PssControl, PssLevel};
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

use crate::support::pss::BASELINE_CAPABILITIES;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "added-capabilities",
        title: "Container adds capabilities beyond the baseline set",
        severity: Severity::High,
        category: Category::PodSecurity,
        enabled_by_default: true,
        rationale: "Linux capabilities split root's power into pieces; a container runtime grants \
a small default set. Adding `SYS_ADMIN`, `NET_ADMIN`, `SYS_PTRACE`, `SYS_MODULE`, `NET_RAW`, \
`BPF` or `ALL` hands the container powers that reach beyond it: mounting filesystems, \
reconfiguring the node's network, spoofing packets, tracing other processes or loading kernel \
code. The baseline level allows adding only capabilities of the runtime's default set except \
`NET_RAW` (AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, \
SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT). Names are compared exactly, as Pod Security \
Admission does: `CAP_SYS_ADMIN` or `sys_admin` are not in the list either. Reported once per \
container, at its first capability outside the set.",
        remediation: r#"Drop every capability and add back only what the process needs from the baseline set:

```yaml
securityContext:
  capabilities:
    drop: ["ALL"]
    add: ["NET_BIND_SERVICE"]   # only if it binds ports below 1024
```"#,
        references: &[
            refs::PSS_BASELINE_CAPABILITIES,
            refs::CIS_5_2_9,
            refs::NSA_POD_SECURITY,
        ],
        params: &[],
        pss: Some(PssControl {
            level: PssLevel::Baseline,
            check: "capabilities_baseline",
            overrides: &[],
        }),
    },
    check: Check::Workload(check),
};

fn check(_: &Ctx, workload: &Workload, out: &mut Emitter) {
    for c in workload.containers() {
        let Some(add) = c
            .container
            .security_context
            .as_ref()
            .and_then(|sc| sc.capabilities.as_ref())
            .and_then(|caps| caps.add.as_ref())
        else {
            continue;
        };
        let bad: Vec<(usize, &str)> = add
            .iter()
            .enumerate()
            .filter(|(_, cap)| !BASELINE_CAPABILITIES.contains(&cap.as_str()))
            .map(|(i, cap)| (i, cap.as_str()))
            .collect();
        let Some(&(first, _)) = bad.first() else {
            continue;
        };
        let names: Vec<&str> = bad.iter().map(|&(_, n)| n).collect();
        // The pointer names the first offender; the fingerprint names the
        // list, so removing one capability does not make the rest look new.
        out.at_stable(
            c.pointer(&["securityContext", "capabilities", "add", &first.to_string()]),
            &c.stable_pointer(&["securityContext", "capabilities", "add"]),
            format!(
                "{} adds {} outside the baseline set",
                c.describe(),
                names.join(", ")
            ),
        );
    }
}
