use crate::support::refs;
use rampart_core::rule::{Category, ParamDefault, ParamSpec};
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

use crate::support::workloads::{added_capabilities, capability_name};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "dangerous-capabilities",
        title: "Container adds a dangerous Linux capability",
        severity: Severity::High,
        category: Category::PodSecurity,
        enabled_by_default: false,
        rationale: "Some capabilities are each close to root on the node: `SYS_ADMIN` mounts \
filesystems and reaches most privileged kernel interfaces, `SYS_MODULE` loads kernel modules, \
`SYS_PTRACE` reads and alters other processes' memory, `NET_ADMIN` reconfigures the pod's \
network and firewall, `BPF`/`PERFMON` load programs into the kernel, `SYS_RAWIO` and \
`DAC_READ_SEARCH` bypass device and file protections, `ALL` grants every one of them. Pod \
Security Standards' baseline level rejects any capability outside a short default list; this \
rule singles out, from a list you control, the ones that are node escapes in all but name. \
Capability names are matched the way runtimes read them: case-insensitively and with or \
without the `CAP_` prefix. Off by default because \
`added-capabilities` (Pod Security baseline) already reports every one of these; turn it on when \
that rule is off or exempted for node agents, to keep the worst capabilities visible.",
        remediation: r#"Remove the capability; if a narrower one does the job, add only that, after dropping all:

```yaml
securityContext:
  capabilities:
    drop: ["ALL"]
    add: ["NET_BIND_SERVICE"]
```"#,
        references: &[
            refs::CIS_5_2_9,
            refs::NSA_POD_SECURITY,
        ],
        params: &[ParamSpec {
            name: "capabilities",
            description: "Capabilities that must never be added (names without `CAP_`).",
            default: ParamDefault::List(&[
                "ALL",
                "SYS_ADMIN",
                "SYS_MODULE",
                "SYS_PTRACE",
                "SYS_RAWIO",
                "SYS_BOOT",
                "SYS_TIME",
                "NET_ADMIN",
                "BPF",
                "PERFMON",
                "DAC_READ_SEARCH",
                "MAC_ADMIN",
                "MAC_OVERRIDE",
            ]),
        }],
        pss: None,
    },
    check: Check::Workload(check),
};

fn why(cap: &str) -> &'static str {
    match cap {
        "ALL" => "every capability",
        "SYS_ADMIN" => "mounts and most of root's kernel interfaces",
        "SYS_MODULE" => "loading kernel modules",
        "SYS_PTRACE" => "tracing and altering other processes",
        "SYS_RAWIO" => "raw I/O ports and devices",
        "SYS_BOOT" => "rebooting the node",
        "SYS_TIME" => "setting the node's clock",
        "NET_ADMIN" => "network and firewall administration",
        "BPF" | "PERFMON" => "loading programs into the kernel",
        "DAC_READ_SEARCH" => "reading any file, bypassing permissions",
        "MAC_ADMIN" | "MAC_OVERRIDE" => "overriding mandatory access control",
        _ => "a capability this cluster forbids",
    }
}

fn check(ctx: &Ctx, workload: &Workload, out: &mut Emitter) {
    if workload.is_windows() {
        return;
    }
    let forbidden: Vec<String> = ctx
        .params
        .list("capabilities")
        .iter()
        .map(|c| capability_name(c))
        .collect();
    for c in workload.containers() {
        for (i, raw) in added_capabilities(c.container) {
            let cap = capability_name(raw);
            if !forbidden.contains(&cap) {
                continue;
            }
            let index = i.to_string();
            out.at_stable(
                c.pointer(&["securityContext", "capabilities", "add", &index]),
                &c.stable_pointer(&["securityContext", "capabilities", "add", &cap]),
                format!("{} adds capability {raw} ({})", c.describe(), why(&cap)),
            );
        }
    }
}
