use rampart_core::node::push_index;
use crate::support::refs;
use rampart_core::rule::Category;
use rampart_core::{Check, Ctx, Emitter, Node, Rule, RuleMeta, Severity, Value};

use crate::support::objects::{int, is, items, map_selector, pod_index, resolve_named_port};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "ssh-port-exposed",
        title: "Service exposes SSH (port 22)",
        severity: Severity::Medium,
        category: Category::Network,
        enabled_by_default: true,
        rationale: "An SSH server in a container is a second way in that bypasses Kubernetes: \
logins are not authorised by RBAC, not recorded in the audit log like `kubectl exec`, and \
rely on long-lived keys or passwords baked into the image or mounted into the pod. Exposed \
through a Service it is a target for credential stuffing from wherever the Service is \
reachable. A Service port is reported when it listens on 22, or when its `targetPort` is 22 \
or a named port that resolves to container port 22 in a pod template the Service selects \
(matched by name and protocol among the containers, then sidecar init containers, as the \
endpoints controller does).",
        remediation: r#"Remove the SSH server and the port; use `kubectl exec` or `kubectl debug` (authorised by RBAC and audited) for interactive access:

```yaml
spec:
  ports:
  - name: http
    port: 80
    targetPort: http
```"#,
        references: &[refs::NSA_NETWORK_SEPARATION],
        params: &[],
        pss: None,
    },
    check: Check::Object(check),
};

const SSH: i64 = 22;

fn check(ctx: &Ctx, out: &mut Emitter) {
    let o = ctx.object;
    if !is(o, "", "Service") {
        return;
    }
    let Some(spec) = o.root.get("spec") else {
        return;
    };
    for (i, port) in items(spec.get("ports")).iter().enumerate() {
        let mut p = String::from("/spec/ports");
        push_index(&mut p, i);
        if int(port.get("port")) == Some(SSH) {
            p.push_str("/port");
            out.at(p, format!("Service {} listens on port 22 (SSH)", o.name()));
            continue;
        }
        let target = match port.get("targetPort").map(|t| &t.value) {
            Some(Value::Int(SSH)) => format!("targetPort {SSH}"),
            Some(Value::Str(name)) => match resolves_to_ssh(ctx, spec, port, name) {
                Some(workload) => {
                    format!("targetPort {name}, container port 22 of {workload}")
                }
                None => continue,
            },
            _ => continue,
        };
        p.push_str("/targetPort");
        out.at(p, format!("Service {} forwards to SSH: {target}", o.name()));
    }
}

/// The first selected workload (as `Kind name`) where the named port
/// resolves to 22.
fn resolves_to_ssh(ctx: &Ctx, spec: &Node, port: &Node, name: &str) -> Option<String> {
    let selector = map_selector(spec.get("selector"))?;
    let protocol = port.get("protocol").and_then(Node::as_str).unwrap_or("TCP");
    let index = pod_index(ctx.inventory);
    index
        .select(ctx.inventory, ctx.object.namespace(), &selector)
        .find(|t| {
            t.spec(ctx.inventory)
                .is_some_and(|pod| resolve_named_port(pod, name, protocol) == Some(SSH))
        })
        .map(|t| {
            let w = t.object(ctx.inventory);
            format!("{} {}", w.kind(), w.name())
        })
}
