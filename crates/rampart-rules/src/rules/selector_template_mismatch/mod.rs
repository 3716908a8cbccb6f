use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use rampart_core::de::from_node;
use rampart_core::rule::Category;
use rampart_core::selector::Selector;
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

use crate::support::objects::map_selector;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "selector-template-mismatch",
        title: "Workload selector does not match its pod template labels",
        severity: Severity::Low,
        category: Category::Reliability,
        enabled_by_default: false,
        rationale: "A controller manages the pods its selector matches. When the selector does \
not match the labels of its own pod template, `apps/v1` rejects the object (`selector does \
not match template labels`), older API versions accepted it and then created pods forever \
without ever counting them, and an empty selector claims every pod of the namespace. \
Checked: Deployments, ReplicaSets, StatefulSets and DaemonSets (selector required), \
ReplicationControllers that set a selector (without one it defaults to the template \
labels), and Jobs with `manualSelector: true` (otherwise Kubernetes generates the \
selector). The selector is evaluated exactly, `matchExpressions` included.",
        remediation: r#"Make the selector a subset of the template labels:

```yaml
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web, version: v2}
```"#,
        references: &[],
        params: &[],
        pss: None,
    },
    check: Check::Workload(check),
};

fn check(ctx: &Ctx, workload: &Workload, out: &mut Emitter) {
    let o = ctx.object;
    let node = o.root.path(&["spec", "selector"]);
    let selector = match (o.kind(), o.group()) {
        ("Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet", "apps" | "extensions") => node
            .and_then(|n| from_node::<LabelSelector>(n).ok())
            .and_then(|s| Selector::from_label_selector(Some(&s)).ok()),
        ("Job", "batch")
            if o.root.path(&["spec", "manualSelector"]).map(|n| &n.value)
                == Some(&rampart_core::Value::Bool(true)) =>
        {
            node.and_then(|n| from_node::<LabelSelector>(n).ok())
                .and_then(|s| Selector::from_label_selector(Some(&s)).ok())
        }
        ("ReplicationController", "") => map_selector(node),
        _ => None,
    };
    let Some(selector) = selector else {
        return;
    };
    let labels = workload.template_meta.labels.as_ref();
    let message = if selector == Selector::All(Vec::new()) {
        format!(
            "{} {} has an empty selector: it claims every pod in its namespace",
            o.kind(),
            o.name()
        )
    } else if !selector.matches(|k| labels.and_then(|l| l.get(k)).map(String::as_str)) {
        format!(
            "{} {}: the selector does not match the pod template's labels",
            o.kind(),
            o.name()
        )
    } else {
        return;
    };
    out.at("/spec/selector".into(), message);
}
