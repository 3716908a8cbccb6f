use crate::support::refs;
use rampart_core::rule::Category;
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

use crate::support::workloads::{added_capabilities, capability_name, surely_drops};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "net-raw-not-dropped",
        title: "Container keeps the NET_RAW capability",
        severity: Severity::Low,
        category: Category::PodSecurity,
        enabled_by_default: false,
        rationale: "Docker, containerd and CRI-O grant `NET_RAW` by default. It lets a process \
open raw sockets and forge packets: ARP and DNS spoofing of neighbouring pods on the node's \
bridge, and many kernel network exploits need it. Few applications do (`ping` works without it \
on current kernels through `net.ipv4.ping_group_range`). The capability is gone when `drop` \
lists `NET_RAW` or `ALL` and `add` does not bring it back; when a container both adds and \
drops it, runtimes disagree on the outcome, so it counts as kept. Privileged containers are \
left to `privileged-container` (they keep every capability whatever they drop), and Windows \
pods have no Linux capabilities. Off by default: the \
restricted Pod Security check `capabilities-not-dropped` (drop `ALL`) already reports every \
container this rule would; turn this on for CIS 5.2.8 on its own.",
        remediation: r#"Drop all capabilities and add back only what the process needs:

```yaml
securityContext:
  capabilities:
    drop: ["ALL"]
```"#,
        references: &[
            refs::CIS_5_2_8,
            refs::NSA_POD_SECURITY,
        ],
        params: &[],
        pss: None,
    },
    check: Check::Workload(check),
};

fn check(_: &Ctx, workload: &Workload, out: &mut Emitter) {
    if workload.is_windows() {
        return;
    }
    for c in workload.containers() {
        let sc = c.container.security_context.as_ref();
        if sc.and_then(|s| s.privileged) == Some(true) || surely_drops(c.container, "NET_RAW") {
            continue;
        }
        let added = added_capabilities(c.container)
            .find(|(_, a)| matches!(capability_name(a).as_str(), "NET_RAW" | "ALL"));
        match added {
            Some((i, raw)) => {
                let index = i.to_string();
                out.at_stable(
                    c.pointer(&["securityContext", "capabilities", "add", &index]),
                    &c.stable_pointer(&["securityContext", "capabilities", "add", "NET_RAW"]),
                    format!("{} adds {raw}, which includes NET_RAW", c.describe()),
                )
            }
            None => out.container(
                &c,
                &["securityContext", "capabilities", "drop"],
                format!(
                    "{} does not drop NET_RAW (drop ALL or NET_RAW)",
                    c.describe()
                ),
            ),
        }
    }
}
