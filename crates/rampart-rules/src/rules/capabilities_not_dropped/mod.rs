use crate::support::refs;
use rampart_core::rule::{Category, PssControl, PssLevel};
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

use crate::support::pss::{RESTRICTED_ADDABLE_CAPABILITY, windows_exempt};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "capabilities-not-dropped",
        title: "Container does not drop ALL capabilities, or adds more than NET_BIND_SERVICE",
        severity: Severity::Medium,
        category: Category::PodSecurity,
        enabled_by_default: true,
        rationale: "Container runtimes grant about fifteen capabilities by default, among them \
`NET_RAW` (forge packets, ARP and DNS spoofing on the node's network), `CHOWN`, \
`DAC_OVERRIDE`, `SETUID` and `MKNOD`: enough to turn a foothold into more. The restricted \
level requires every container, init and ephemeral ones included, to list `ALL` in \
`capabilities.drop` and to add back at most `NET_BIND_SERVICE`. Values are compared exactly, \
as Pod Security Admission does: `all` or `CAP_NET_BIND_SERVICE` do not count. Each container \
is reported once for the missing drop and once for its additions. Windows pods \
(`spec.os.name: windows`) are exempt. At the restricted level this check replaces \
`added-capabilities`.",
        remediation: r#"Drop everything and add back only the port-binding capability if the process binds ports below 1024:

```yaml
securityContext:
  capabilities:
    drop: ["ALL"]
    add: ["NET_BIND_SERVICE"]
```"#,
        references: &[
            refs::PSS_RESTRICTED_CAPABILITIES,
            refs::CIS_5_2_8,
            refs::CIS_5_2_9,
            refs::NSA_POD_SECURITY,
        ],
        params: &[],
        pss: Some(PssControl {
            level: PssLevel::Restricted,
            check: "capabilities_restricted",
            overrides: &["capabilities_baseline"],
        }),
    },
    check: Check::Workload(check),
};

fn check(_: &Ctx, workload: &Workload, out: &mut Emitter) {
    if windows_exempt(workload) {
        return;
    }
    for c in workload.containers() {
        let caps = c
            .container
            .security_context
            .as_ref()
            .and_then(|sc| sc.capabilities.as_ref());
        let drop = caps.and_then(|k| k.drop.as_ref());
        if !drop.is_some_and(|d| d.iter().any(|cap| cap == "ALL")) {
            out.container(
                &c,
                &["securityContext", "capabilities", "drop"],
                format!("{} does not drop ALL capabilities", c.describe()),
            );
        }
        let add = caps.and_then(|k| k.add.as_deref()).unwrap_or_default();
        let bad: Vec<(usize, &str)> = add
            .iter()
            .enumerate()
            .filter(|(_, cap)| *cap != RESTRICTED_ADDABLE_CAPABILITY)
            .map(|(i, cap)| (i, cap.as_str()))
            .collect();
        if let Some(&(first, _)) = bad.first() {
            let names: Vec<&str> = bad.iter().map(|&(_, n)| n).collect();
            out.at_stable(
                c.pointer(&["securityContext", "capabilities", "add", &first.to_string()]),
                &c.stable_pointer(&["securityContext", "capabilities", "add"]),
                format!(
                    "{} adds {}; only NET_BIND_SERVICE may be added",
                    c.describe(),
                    names.join(", ")
                ),
            );
        }
    }
}
