use rampart_core::node::pointer;
use crate::support::refs;
use rampart_core::rule::Category;
use rampart_core::{Check, ContainerRef, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

use crate::support::workloads::effective;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "no-linux-hardening",
        title: "Container has no Linux hardening (seccomp, AppArmor, SELinux or dropped capabilities)",
        severity: Severity::Low,
        category: Category::PodSecurity,
        enabled_by_default: false,
        rationale: "seccomp filters the system calls a process can make, AppArmor and SELinux \
confine what it can touch, and dropping capabilities removes privileges it does not need. \
Each one shrinks the kernel attack surface a container escape starts from. A container with \
none of them configured relies entirely on node defaults, which vary by distribution and \
kubelet flags. A container counts as hardened when, with container settings winning over the \
pod's, it has a `RuntimeDefault` or `Localhost` seccomp profile, a `RuntimeDefault` or \
`Localhost` AppArmor profile (field or `container.apparmor.security.beta.kubernetes.io/` \
annotation), SELinux options, or drops at least one capability. Privileged containers (left to \
`privileged-container`) and Windows pods are skipped. Off by default: `seccomp-profile-missing` \
already reports containers without seccomp.",
        remediation: r#"Enable the runtime's default seccomp profile for the whole pod, and drop capabilities:

```yaml
spec:
  securityContext:
    seccompProfile: {type: RuntimeDefault}
  containers:
  - name: web
    securityContext:
      capabilities: {drop: ["ALL"]}
```"#,
        references: &[
            refs::CIS_5_6_2,
            refs::NSA_POD_SECURITY_HARDENING,
        ],
        params: &[],
        pss: None,
    },
    check: Check::Workload(check),
};

fn confining(profile_type: Option<&str>) -> bool {
    matches!(profile_type, Some("RuntimeDefault" | "Localhost"))
}

fn hardened(workload: &Workload, c: &ContainerRef) -> bool {
    let pod = workload.spec.security_context.as_ref();
    let sc = c.container.security_context.as_ref();
    let (seccomp, _) = effective(
        sc.and_then(|s| s.seccomp_profile.as_ref())
            .map(|p| p.type_.as_str()),
        pod.and_then(|p| p.seccomp_profile.as_ref())
            .map(|p| p.type_.as_str()),
    );
    let (apparmor, _) = effective(
        sc.and_then(|s| s.app_armor_profile.as_ref())
            .map(|p| p.type_.as_str()),
        pod.and_then(|p| p.app_armor_profile.as_ref())
            .map(|p| p.type_.as_str()),
    );
    let annotation = workload
        .template_meta
        .annotations
        .as_ref()
        .and_then(|a| {
            a.get(&format!(
                "container.apparmor.security.beta.kubernetes.io/{}",
                c.container.name
            ))
        })
        .is_some_and(|v| v == "runtime/default" || v.starts_with("localhost/"));
    let selinux = sc.and_then(|s| s.se_linux_options.as_ref()).is_some()
        || pod.and_then(|p| p.se_linux_options.as_ref()).is_some();
    let drops = sc
        .and_then(|s| s.capabilities.as_ref())
        .and_then(|caps| caps.drop.as_ref())
        .is_some_and(|d| !d.is_empty());
    confining(seccomp) || confining(apparmor) || annotation || selinux || drops
}

fn check(_: &Ctx, workload: &Workload, out: &mut Emitter) {
    if workload.is_windows() {
        return;
    }
    let bare: Vec<ContainerRef> = workload
        .containers()
        .filter(|c| {
            c.container
                .security_context
                .as_ref()
                .and_then(|s| s.privileged)
                != Some(true)
        })
        .filter(|c| !hardened(workload, c))
        .collect();
    if bare.is_empty() {
        return;
    }
    if bare.len() == workload.containers().count() {
        // Nothing in the pod is hardened: one pod-level fix covers all.
        let names: Vec<String> = bare.iter().map(ContainerRef::describe).collect();
        out.at(
            pointer(workload.path.spec, &["securityContext", "seccompProfile"]),
            format!(
                "no container is hardened by seccomp, AppArmor, SELinux or dropped capabilities ({})",
                names.join(", ")
            ),
        );
        return;
    }
    for c in bare {
        out.container(
            &c,
            &["securityContext", "seccompProfile"],
            format!(
                "{} has no seccomp or AppArmor profile, no SELinux options and drops no capability",
                c.describe()
            ),
        );
    }
}
