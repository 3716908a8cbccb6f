use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use rampart_core::de::from_node;
use rampart_core::rule::Category;
use rampart_core::selector::Selector;
use rampart_core::{Check, Ctx, Emitter, Node, Rule, RuleMeta, Severity, Value};

use crate::support::objects::{autoscaled, pod_index, replicas};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "pdb-blocks-eviction",
        title: "PodDisruptionBudget allows no voluntary disruption",
        severity: Severity::Low,
        category: Category::Reliability,
        enabled_by_default: false,
        rationale: "A PodDisruptionBudget that tolerates no disruption blocks every eviction of \
the pods it selects: node drains hang, cluster upgrades and autoscaler scale-downs stall, \
and nodes with security patches pending cannot be replaced until someone deletes the \
budget by hand. Reported: `maxUnavailable: 0` or `0%`, `minAvailable: 100%`, and an integer \
`minAvailable` at or above the replicas of a Deployment, StatefulSet, ReplicaSet or \
ReplicationController it selects (matched exactly against pod template labels in the \
namespace; workloads whose replicas an autoscaler manages are skipped).",
        remediation: r#"Allow at least one pod to be evicted at a time:

```yaml
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec:
  maxUnavailable: 1
  selector: {matchLabels: {app: web}}
```"#,
        references: &[],
        params: &[],
        pss: None,
    },
    check: Check::Object(check),
};

/// An IntOrString: an integer, or a percentage string such as `25%`.
enum Amount {
    Count(i64),
    Percent(i64),
}

fn amount(node: Option<&Node>) -> Option<Amount> {
    match &node?.value {
        Value::Int(i) => Some(Amount::Count(*i)),
        Value::Str(s) => s
            .trim()
            .strip_suffix('%')
            .and_then(|p| p.parse().ok())
            .map(Amount::Percent),
        _ => None,
    }
}

fn check(ctx: &Ctx, out: &mut Emitter) {
    let o = ctx.object;
    if o.kind() != "PodDisruptionBudget" || o.group() != "policy" {
        return;
    }
    let Some(spec) = o.root.get("spec") else {
        return;
    };
    match amount(spec.get("maxUnavailable")) {
        Some(Amount::Count(0) | Amount::Percent(0)) => {
            return out.at(
                "/spec/maxUnavailable".into(),
                format!(
                    "PodDisruptionBudget {} allows no pod to be unavailable: every eviction is refused",
                    o.name()
                ),
            );
        }
        Some(_) => return,
        None => {}
    }
    let message = match amount(spec.get("minAvailable")) {
        Some(Amount::Percent(p)) if p >= 100 => format!(
            "PodDisruptionBudget {} requires {p}% of its pods available: every eviction is refused",
            o.name()
        ),
        Some(Amount::Count(min)) if min > 0 => {
            let Some(blocked) = blocked_workload(ctx, spec, min) else {
                return;
            };
            format!(
                "PodDisruptionBudget {} requires {min} pods available, and {blocked}: every eviction is refused",
                o.name()
            )
        }
        _ => return,
    };
    out.at("/spec/minAvailable".into(), message);
}

/// A selected workload that runs no more than `min` replicas, described.
fn blocked_workload(ctx: &Ctx, spec: &Node, min: i64) -> Option<String> {
    let selector = from_node::<LabelSelector>(spec.get("selector")?).ok()?;
    let selector = Selector::from_label_selector(Some(&selector)).ok()?;
    let namespace = ctx.object.namespace();
    let index = pod_index(ctx.inventory);
    index
        .select(ctx.inventory, namespace, &selector)
        .filter(|t| !t.controlled(ctx.inventory))
        .map(|t| t.object(ctx.inventory))
        .find_map(|w| {
            let count = replicas(w)?;
            (count <= min && !autoscaled(ctx.inventory, namespace, w.kind(), w.name()))
                .then(|| format!("{} {} runs {count}", w.kind(), w.name()))
        })
}
