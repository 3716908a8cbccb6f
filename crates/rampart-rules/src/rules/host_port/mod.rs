use crate::support::refs;
use rampart_core::rule::{Category, PssControl, PssLevel};
use rampart_core::{Check, ContainerKind, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "host-port",
        title: "Container binds a port on the node (hostPort)",
        severity: Severity::Medium,
        category: Category::HostAccess,
        enabled_by_default: true,
        rationale: "A `hostPort` opens the port on the node's own addresses and forwards it to \
the pod. It bypasses Services and, with most CNI plugins, NetworkPolicies; it exposes the pod \
on every network the node is reachable from; and it ties the pod to nodes where the port is \
free, so two replicas cannot share a node. The baseline level forbids any non-zero \
`hostPort` (`0` means none). In a Pod with `hostNetwork: true` the API server sets every \
missing `hostPort` to its `containerPort` before admission, so those ports count too (pod \
templates are no longer defaulted that way since v1.28). Each port is reported.",
        remediation: r#"Remove `hostPort` and expose the pod through a Service (NodePort or LoadBalancer if it must be reachable from outside):

```yaml
ports:
- containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - port: 80
    targetPort: 8080
```"#,
        references: &[
            refs::PSS_BASELINE_HOSTPORTS,
            refs::CIS_5_2_12,
        ],
        params: &[],
        pss: Some(PssControl {
            level: PssLevel::Baseline,
            check: "hostPorts",
            overrides: &[],
        }),
    },
    check: Check::Workload(check),
};

fn check(ctx: &Ctx, workload: &Workload, out: &mut Emitter) {
    // The API server defaults a missing hostPort to the containerPort in
    // Pods (not in templates, since v1.28) with hostNetwork, before
    // admission sees them; ephemeral containers have no ports to default.
    let defaults_host_ports =
        ctx.object.kind() == "Pod" && workload.spec.host_network == Some(true);
    for c in workload.containers() {
        let defaulted = defaults_host_ports && c.kind != ContainerKind::Ephemeral;
        for (i, port) in c.container.ports.iter().flatten().enumerate() {
            let explicit = port.host_port.filter(|&p| p != 0);
            let message = match explicit {
                Some(host_port) => format!(
                    "{} binds port {host_port} on the node (container port {})",
                    c.describe(),
                    port.container_port
                ),
                None if defaulted => format!(
                    "{} binds port {} on the node: with hostNetwork the API server sets hostPort to the container port",
                    c.describe(),
                    port.container_port
                ),
                None => continue,
            };
            let index = i.to_string();
            // Ports are a list keyed by containerPort and protocol: name the
            // port that way so reordering keeps the fingerprint.
            let key = format!(
                "{}/{}",
                port.container_port,
                port.protocol.as_deref().unwrap_or("TCP")
            );
            out.at_stable(
                c.pointer(&["ports", &index, "hostPort"]),
                &c.stable_pointer(&["ports", &key, "hostPort"]),
                message,
            );
        }
    }
}
