use rampart_core::node::push_index;
use crate::support::refs;
use rampart_core::rule::Category;
use rampart_core::{Check, Ctx, Emitter, Node, Rule, RuleMeta, Severity, Value};

use crate::support::objects::{int, items};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "ingress-backend-missing",
        title: "Ingress routes to a Service or port that does not exist",
        severity: Severity::Low,
        category: Category::Network,
        enabled_by_default: true,
        rationale: "An Ingress backend naming a Service that does not exist returns errors \
today, and tomorrow publishes whatever Service someone creates under that name in the \
namespace, through the Ingress's host, TLS certificate and authentication. A backend is \
reported when the inventory has no Service of that name in the Ingress's namespace, or \
when the Service has no port with the backend's number (`port.number`, `servicePort`) or \
name (`port.name`). To stay quiet on partial inputs, an Ingress is only judged when the \
inventory holds at least one Service in its namespace. Resource backends are not judged.",
        remediation: r#"Point the backend at an existing Service and one of its ports:

```yaml
backend:
  service:
    name: web          # kind: Service, metadata.name: web
    port: {name: http} # one of the Service's spec.ports
```"#,
        references: &[refs::NSA_NETWORK_SEPARATION],
        params: &[],
        pss: None,
    },
    check: Check::Object(check),
};

/// A backend's Service name and port, in either API version's shape.
struct Backend<'a> {
    service: &'a str,
    port: Option<&'a Node>,
}

fn backend(node: &Node) -> Option<Backend<'_>> {
    if let Some(service) = node.get("service") {
        return Some(Backend {
            service: service.get("name")?.as_str()?,
            port: service
                .get("port")
                .and_then(|p| p.get("number").or_else(|| p.get("name"))),
        });
    }
    Some(Backend {
        service: node.get("serviceName")?.as_str()?,
        port: node.get("servicePort"),
    })
}

fn check(ctx: &Ctx, out: &mut Emitter) {
    let o = ctx.object;
    if o.kind() != "Ingress" || !matches!(o.group(), "networking.k8s.io" | "extensions") {
        return;
    }
    let namespace = o.namespace();
    let has_services = ctx
        .inventory
        .of_kind("Service")
        .any(|s| s.group().is_empty() && s.namespace() == namespace);
    let Some(spec) = o.root.get("spec").filter(|_| has_services) else {
        return;
    };
    let mut backends: Vec<(String, &Node)> = Vec::new();
    for field in ["defaultBackend", "backend"] {
        if let Some(b) = spec.get(field) {
            backends.push((format!("/spec/{field}"), b));
        }
    }
    for (i, rule) in items(spec.get("rules")).iter().enumerate() {
        let paths = items(rule.get("http").and_then(|h| h.get("paths")));
        for (j, path) in paths.iter().enumerate() {
            if let Some(b) = path.get("backend") {
                let mut p = String::from("/spec/rules");
                push_index(&mut p, i);
                p.push_str("/http/paths");
                push_index(&mut p, j);
                p.push_str("/backend");
                backends.push((p, b));
            }
        }
    }
    for (pointer, node) in backends {
        let Some(b) = backend(node) else {
            continue;
        };
        let Some(service) = ctx.inventory.get("Service", namespace, b.service) else {
            out.at(
                pointer,
                format!(
                    "Ingress {} routes to Service {}, which does not exist in the namespace",
                    o.name(),
                    b.service
                ),
            );
            continue;
        };
        let ports = items(service.root.path(&["spec", "ports"]));
        let (found, wanted) = match b.port.map(|p| &p.value) {
            Some(Value::Int(n)) => (
                ports.iter().any(|p| int(p.get("port")) == Some(*n)),
                n.to_string(),
            ),
            Some(Value::Str(name)) => (
                ports
                    .iter()
                    .any(|p| p.get("name").and_then(Node::as_str) == Some(name)),
                name.to_string(),
            ),
            _ => continue,
        };
        if !found {
            out.at(
                pointer,
                format!(
                    "Ingress {} routes to port {wanted} of Service {}, which has no such port",
                    o.name(),
                    b.service
                ),
            );
        }
    }
}
