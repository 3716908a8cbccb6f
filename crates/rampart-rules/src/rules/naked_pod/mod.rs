use rampart_core::rule::Category;
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "naked-pod",
        title: "Pod is not managed by a controller",
        severity: Severity::Low,
        category: Category::Reliability,
        enabled_by_default: false,
        rationale: "A Pod created directly is not recreated when its node fails, is drained or \
evicts it, and cannot be rolled out or scaled: it simply disappears. Run it from a \
Deployment, StatefulSet, DaemonSet or Job instead. Pods with a controller owner reference, \
and mirror pods of static pods (`kubernetes.io/config.mirror`), are not reported.",
        remediation: r#"Wrap the pod in a controller:

```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: tool}
spec:
  replicas: 1
  selector: {matchLabels: {app: tool}}
  template:
    metadata: {labels: {app: tool}}
    spec:
      containers:
      - {name: tool, image: registry.example.com/tool:1.0}
```"#,
        references: &[],
        params: &[],
        pss: None,
    },
    check: Check::Workload(check),
};

fn check(ctx: &Ctx, w: &Workload, out: &mut Emitter) {
    let o = ctx.object;
    // A pod with a controller (even one the input does not hold) is
    // recreated by it.
    if w.controlled
        || o.kind() != "Pod"
        || o.group() != ""
        || o.annotation("kubernetes.io/config.mirror").is_some()
    {
        return;
    }
    out.at(
        "/kind".into(),
        format!(
            "Pod {} has no controller: nothing recreates it when it goes away",
            o.name()
        ),
    );
}
