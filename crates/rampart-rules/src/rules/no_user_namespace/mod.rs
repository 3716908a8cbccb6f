use rampart_core::node::pointer;
use crate::support::refs;
use rampart_core::rule::Category;
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "no-user-namespace",
        title: "Pod does not run in its own user namespace (`hostUsers` not false)",
        severity: Severity::Info,
        category: Category::PodSecurity,
        enabled_by_default: false,
        rationale: "With `hostUsers: false` the pod gets its own user namespace: UID 0 inside \
maps to an unprivileged, pod-specific UID range on the node, and capabilities only apply to \
the pod's own resources. A process that escapes the container is then nobody on the node, \
which defuses most container breakouts. Without it, root in the container is root on the \
node. Pods that share the node's network, PID or IPC namespace cannot use a user namespace and \
are left to `host-namespaces`; Windows pods have none. Off by default: user namespaces need \
Kubernetes 1.30+ (on by default from 1.33), Linux 6.3+ and a runtime that supports them.",
        remediation: r#"Run the pod in a user namespace:

```yaml
spec:
  hostUsers: false
```"#,
        references: &[refs::NSA_POD_SECURITY_NON_ROOT],
        params: &[],
        pss: None,
    },
    check: Check::Workload(check),
};

fn check(_: &Ctx, workload: &Workload, out: &mut Emitter) {
    let spec = &workload.spec;
    let host_namespace = [spec.host_network, spec.host_pid, spec.host_ipc]
        .into_iter()
        .any(|h| h == Some(true));
    if spec.host_users == Some(false) || host_namespace || workload.is_windows() {
        return;
    }
    let how = if spec.host_users == Some(true) {
        "sets hostUsers: true"
    } else {
        "does not set hostUsers: false"
    };
    out.at(
        pointer(workload.path.spec, &["hostUsers"]),
        format!("the pod {how}, so its UIDs are the node's"),
    );
}
