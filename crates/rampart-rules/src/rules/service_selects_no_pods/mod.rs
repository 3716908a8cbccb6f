use crate::support::refs;
use rampart_core::rule::Category;
use rampart_core::{Check, Ctx, Emitter, Node, Rule, RuleMeta, Severity};

use crate::support::objects::{is, map_selector, pod_index, string_entries};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "service-selects-no-pods",
        title: "Service selects no pod template in the inventory",
        severity: Severity::Low,
        category: Category::Network,
        enabled_by_default: true,
        rationale: "A Service whose selector matches no pod is a name, a cluster IP and often an \
Ingress route waiting for an owner: the first pod anyone creates in the namespace with those \
labels receives the Service's traffic, which may include credentials clients send to it. \
It is usually a typo in a label or a leftover of a removed workload. The selector is \
matched exactly against the labels of every pod template (Deployments, StatefulSets, \
DaemonSets, ReplicaSets, ReplicationControllers, Jobs, CronJobs and Pods) in the Service's \
namespace. To stay quiet on partial inputs, a Service is only reported when the inventory \
holds at least one pod template in its namespace; Services without a selector (endpoints \
managed by hand) and ExternalName Services are never reported.",
        remediation: r#"Fix the selector to match the workload's template labels, or delete the Service:

```yaml
kind: Service
spec:
  selector: {app.kubernetes.io/name: web}
---
kind: Deployment
spec:
  template:
    metadata:
      labels: {app.kubernetes.io/name: web}
```"#,
        references: &[refs::NSA_NETWORK_SEPARATION],
        params: &[],
        pss: None,
    },
    check: Check::Object(check),
};

fn check(ctx: &Ctx, out: &mut Emitter) {
    let o = ctx.object;
    if !is(o, "", "Service") {
        return;
    }
    let Some(spec) = o.root.get("spec") else {
        return;
    };
    if spec.get("type").and_then(Node::as_str) == Some("ExternalName") {
        return;
    }
    let Some(selector) = map_selector(spec.get("selector")) else {
        return;
    };
    let index = pod_index(ctx.inventory);
    let namespace = o.namespace();
    if !index.has_templates(ctx.inventory, namespace)
        || index
            .select(ctx.inventory, namespace, &selector)
            .next()
            .is_some()
    {
        return;
    }
    let labels: Vec<String> = string_entries(spec.get("selector"))
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    out.at(
        "/spec/selector".into(),
        format!(
            "Service {} selects {} but no pod template in namespace {} carries these labels",
            o.name(),
            labels.join(","),
            namespace.unwrap_or("(none)")
        ),
    );
}
