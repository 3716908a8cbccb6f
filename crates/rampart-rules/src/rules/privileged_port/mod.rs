use crate::support::refs;
use rampart_core::rule::Category;
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "privileged-port",
        title: "Container listens on a privileged port (below 1024)",
        severity: Severity::Low,
        category: Category::PodSecurity,
        enabled_by_default: false,
        rationale: "Binding a port below 1024 traditionally needs root or the \
`NET_BIND_SERVICE` capability, so a container declaring one usually runs as root or keeps a \
capability it would not otherwise need. The pod's port is only what the process listens on: \
a Service can expose port 80 while forwarding to 8080, so nothing is lost by moving the \
container to an unprivileged port. Off by default: containerd 2 lets unprivileged processes \
bind low ports inside the pod's network namespace (`net.ipv4.ip_unprivileged_port_start=0`), \
and pods can set that sysctl themselves, which removes most of the risk. Windows pods are \
skipped.",
        remediation: r#"Listen on an unprivileged port and map it in the Service:

```yaml
containers:
- name: web
  ports:
  - containerPort: 8080
---
kind: Service
spec:
  ports:
  - port: 80
    targetPort: 8080
```"#,
        references: &[refs::NSA_POD_SECURITY_NON_ROOT],
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
        for (i, port) in c.container.ports.iter().flatten().enumerate() {
            if !(1..1024).contains(&port.container_port) {
                continue;
            }
            let index = i.to_string();
            let number = port.container_port.to_string();
            out.at_stable(
                c.pointer(&["ports", &index, "containerPort"]),
                &c.stable_pointer(&["ports", &number, "containerPort"]),
                format!("{} listens on privileged port {number}", c.describe()),
            );
        }
    }
}
