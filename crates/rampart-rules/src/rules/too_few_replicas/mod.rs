use rampart_core::rule::{Category, ParamDefault, ParamSpec};
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

use crate::support::objects::{autoscaled, replicas};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "too-few-replicas",
        title: "Workload runs fewer replicas than the minimum",
        severity: Severity::Low,
        category: Category::Reliability,
        enabled_by_default: false,
        rationale: "With a single replica, every node drain, eviction, crash or rollout is an \
outage, and a PodDisruptionBudget can only block the drain instead of keeping the service \
up. Deployments, StatefulSets, ReplicaSets and ReplicationControllers are reported when \
`spec.replicas` (1 when unset) is below the `min-replicas` parameter. Workloads scaled to \
zero on purpose, and workloads whose replica count a HorizontalPodAutoscaler or a KEDA \
ScaledObject in the inventory manages, are not reported.",
        remediation: r#"Run at least two replicas, spread over nodes:

```yaml
spec:
  replicas: 3
  template:
    spec:
      topologySpreadConstraints:
      - maxSkew: 1
        topologyKey: kubernetes.io/hostname
        whenUnsatisfiable: ScheduleAnyway
        labelSelector: {matchLabels: {app: web}}
```"#,
        references: &[],
        params: &[ParamSpec {
            name: "min-replicas",
            description: "Fewest replicas a workload may run.",
            default: ParamDefault::Int(2),
        }],
        pss: None,
    },
    check: Check::Workload(check),
};

fn check(ctx: &Ctx, _: &Workload, out: &mut Emitter) {
    let o = ctx.object;
    let Some(count) = replicas(o) else {
        return;
    };
    let min = ctx.params.int("min-replicas");
    if count == 0 || count >= min || autoscaled(ctx.inventory, o.namespace(), o.kind(), o.name()) {
        return;
    }
    let noun = if count == 1 { "replica" } else { "replicas" };
    out.at(
        "/spec/replicas".into(),
        format!(
            "{} {} runs {count} {noun}, fewer than {min}: a single disruption takes it down",
            o.kind(),
            o.name()
        ),
    );
}
