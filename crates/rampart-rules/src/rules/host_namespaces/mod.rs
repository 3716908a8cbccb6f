use rampart_core::node::pointer;
use crate::support::refs;
use rampart_core::rule::{Category, PssControl, PssLevel};
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "host-namespaces",
        title: "Pod shares the node's network, PID or IPC namespace",
        severity: Severity::High,
        category: Category::HostAccess,
        enabled_by_default: true,
        rationale: "Namespaces are what separate a pod from the node. With `hostNetwork` the pod \
binds to the node's interfaces, reaches services listening on localhost (the kubelet's \
read-only port, cloud metadata proxies) and sees all node traffic; NetworkPolicies no longer \
apply to it. With `hostPID` it sees every process on the node, can read their environment and \
`/proc/<pid>/root`, and can signal or ptrace them. With `hostIPC` it shares System V shared \
memory and semaphores with every process on the node. Each field set to `true` is reported \
once.",
        remediation: r#"Remove the fields (they default to `false`):

```yaml
spec:
  hostNetwork: false
  hostPID: false
  hostIPC: false
```
Node agents that truly need a host namespace belong in a dedicated namespace with an exemption that states why."#,
        references: &[
            refs::PSS_BASELINE_HOSTNAMESPACES,
            refs::CIS_5_2_3,
            refs::CIS_5_2_4,
            refs::CIS_5_2_5,
            refs::NSA_POD_SECURITY,
        ],
        params: &[],
        pss: Some(PssControl {
            level: PssLevel::Baseline,
            check: "hostNamespaces",
            overrides: &[],
        }),
    },
    check: Check::Workload(check),
};

fn check(_: &Ctx, workload: &Workload, out: &mut Emitter) {
    let spec = &workload.spec;
    for (field, set, what) in [
        (
            "hostNetwork",
            spec.host_network,
            "the node's network namespace",
        ),
        ("hostPID", spec.host_pid, "the node's process namespace"),
        ("hostIPC", spec.host_ipc, "the node's IPC namespace"),
    ] {
        if set == Some(true) {
            out.at(
                pointer(workload.path.spec, &[field]),
                format!("the pod shares {what} ({field}: true)"),
            );
        }
    }
}
