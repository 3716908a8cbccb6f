use rampart_core::node::{pointer, push_index};
use crate::support::refs;
use rampart_core::rule::{Category, PssControl, PssLevel};
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

use crate::support::pss::{sysctl_allowed, sysctl_allowed_since};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "unsafe-sysctls",
        title: "Pod sets a sysctl outside the safe set",
        severity: Severity::High,
        category: Category::PodSecurity,
        enabled_by_default: true,
        rationale: "Most kernel parameters are not isolated per pod: changing them changes the \
node for every workload on it, or can exhaust kernel memory, or weaken its defences. \
Kubernetes defines a small set of namespaced sysctls that are safe to set per pod, and the \
baseline level allows only those. The set grows with the Kubernetes version the policy is \
evaluated at: the five original ones (`kernel.shm_rmid_forced`, \
`net.ipv4.ip_local_port_range`, `net.ipv4.tcp_syncookies`, `net.ipv4.ping_group_range`, \
`net.ipv4.ip_unprivileged_port_start`); `net.ipv4.ip_local_reserved_ports` from v1.27; \
`net.ipv4.tcp_keepalive_time`, `tcp_fin_timeout`, `tcp_keepalive_intvl` and \
`tcp_keepalive_probes` from v1.29; `net.ipv4.tcp_rmem` and `tcp_wmem` from v1.32; \
`net.ipv4.tcp_slow_start_after_idle` and `tcp_notsent_lowat` from v1.37. Names are compared \
exactly: the slash spelling (`net/ipv4/tcp_syncookies`) is not in the set. Each sysctl is \
reported.",
        remediation: r#"Remove the sysctl, or use one of the safe set. A workload that truly needs another one needs nodes whose kubelet allows it (`--allowed-unsafe-sysctls`) and a namespace exempted from the baseline level:

```yaml
spec:
  securityContext:
    sysctls:
    - name: net.ipv4.ip_local_port_range
      value: "32768 60999"
```"#,
        references: &[refs::PSS_BASELINE_SYSCTLS],
        params: &[],
        pss: Some(PssControl {
            level: PssLevel::Baseline,
            check: "sysctls",
            overrides: &[],
        }),
    },
    check: Check::Workload(check),
};

fn check(ctx: &Ctx, workload: &Workload, out: &mut Emitter) {
    let sysctls = workload
        .spec
        .security_context
        .as_ref()
        .and_then(|sc| sc.sysctls.as_ref());
    for (i, sysctl) in sysctls.into_iter().flatten().enumerate() {
        if sysctl_allowed(&sysctl.name, ctx.pss_version) {
            continue;
        }
        let mut p = pointer(workload.path.spec, &["securityContext", "sysctls"]);
        push_index(&mut p, i);
        p.push_str("/name");
        let stable = pointer(
            workload.path.spec,
            &["securityContext", "sysctls", &sysctl.name],
        );
        let dotted = sysctl.name.replace('/', ".");
        let why = match sysctl_allowed_since(&sysctl.name) {
            Some(minor) => format!("it is safe only from Kubernetes v1.{minor}"),
            None if dotted != sysctl.name && sysctl_allowed(&dotted, ctx.pss_version) => {
                format!("Pod Security Admission compares names exactly; write it as {dotted}")
            }
            None => "it is not in the safe set".to_string(),
        };
        out.at_stable(
            p,
            &stable,
            format!("the pod sets sysctl {}: {why}", sysctl.name),
        );
    }
}
