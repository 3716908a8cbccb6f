use crate::support::refs;
use rampart_core::rule::Category;
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "run-as-root",
        title: "Container may run as root",
        severity: Severity::Medium,
        category: Category::PodSecurity,
        enabled_by_default: true,
        rationale: "A process running as UID 0 is one kernel or runtime bug away from root on \
the node, and owns every file of the image it runs in. Unless the pod guarantees a non-root \
user, the image's `USER` decides, and most public images run as root. The container's \
`securityContext` overrides the pod's: a container is safe when its effective `runAsUser` is \
non-zero, or when its effective `runAsNonRoot` is true and `runAsUser` is not 0 (the kubelet \
then refuses to start a root image). Pods with `hostUsers: false` run in a user namespace \
where root is not root on the node, and Windows pods use `runAsUserName` instead; neither is \
checked here.",
        remediation: r#"Run as a non-root user, at pod level so that every container inherits it:

```yaml
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 10001
```"#,
        references: &[
            refs::PSS_RESTRICTED_RUNASNONROOT,
            refs::PSS_RESTRICTED_RUNASUSER,
            refs::CIS_5_2_7,
            refs::NSA_POD_SECURITY_NON_ROOT,
        ],
        params: &[],
        pss: None,
    },
    check: Check::Workload(check),
};

fn check(_: &Ctx, workload: &Workload, out: &mut Emitter) {
    if workload.spec.host_users == Some(false) || workload.is_windows() {
        return;
    }
    let pod = workload.spec.security_context.as_ref();
    let pod_user = pod.and_then(|p| p.run_as_user);
    let pod_non_root = pod.and_then(|p| p.run_as_non_root);
    for c in workload.containers() {
        let sc = c.container.security_context.as_ref();
        let own_user = sc.and_then(|s| s.run_as_user);
        let user = own_user.or(pod_user);
        let non_root = sc.and_then(|s| s.run_as_non_root).or(pod_non_root);
        match user {
            Some(0) => {
                // Point at the setting that makes it root: the container's
                // own, or the pod's that it inherits.
                if own_user.is_some() {
                    out.container(
                        &c,
                        &["securityContext", "runAsUser"],
                        format!("{} runs as root (runAsUser: 0)", c.describe()),
                    );
                } else {
                    let p = format!("{}/securityContext/runAsUser", workload.path.spec);
                    let stable = c.stable_pointer(&["securityContext", "runAsUser"]);
                    out.at_stable(
                        p,
                        &stable,
                        format!(
                            "{} runs as root (runAsUser: 0 from the pod's securityContext)",
                            c.describe()
                        ),
                    );
                }
            }
            Some(_) => {}
            None if non_root == Some(true) => {}
            None => out.container(
                &c,
                &["securityContext", "runAsNonRoot"],
                format!(
                    "{} may run as root: neither runAsNonRoot: true nor a non-zero runAsUser is set, so the image decides",
                    c.describe()
                ),
            ),
        }
    }
}
