use rampart_core::rule::{Category, Framework, ParamDefault, ParamSpec, Reference};
use rampart_core::{Check, ContainerKind, Ctx, Emitter, Inventory, Rule, RuleMeta, Severity, Workload};

use crate::support::quantity_is_zero;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "missing-resource-limits",
        title: "Container has no CPU or memory limit",
        severity: Severity::Medium,
        category: Category::Resources,
        enabled_by_default: true,
        rationale: "Without a memory limit one container can exhaust its node's memory and get \
other pods evicted or OOM-killed; without a CPU limit it can starve its neighbours. Limits \
bound the blast radius of a bug, a leak or a compromised container mining cryptocurrency. A \
limit counts when the container sets it, when the pod sets a pod-level limit \
(`spec.resources`), or when a LimitRange in the same namespace gives containers a default. A \
limit of zero is no limit.",
        remediation: r#"Set limits on every container (init containers too):

```yaml
resources:
  requests: {cpu: 100m, memory: 128Mi}
  limits:   {cpu: 500m, memory: 256Mi}
```
or give the namespace defaults with a LimitRange of `type: Container` and `default:`."#,
        references: &[Reference {
            framework: Framework::NsaCisa,
            id: "pod-security/resource-limits",
            title: "Use resource policies (LimitRange, ResourceQuota, limits) to limit denial of service",
        }],
        params: &[ParamSpec {
            name: "resources",
            description: "Resources every container must limit.",
            default: ParamDefault::List(&["cpu", "memory"]),
        }],
        pss: None,
    },
    check: Check::Workload(check),
};

fn check(ctx: &Ctx, workload: &Workload, out: &mut Emitter) {
    let required = ctx.params.list("resources");
    let pod_limits = workload
        .spec
        .resources
        .as_ref()
        .and_then(|r| r.limits.as_ref());
    for resource in required {
        let limited_by_pod = pod_limits
            .and_then(|l| l.get(resource))
            .is_some_and(|q| !quantity_is_zero(&q.0));
        if limited_by_pod
            || limit_range_default(ctx.inventory, ctx.object.namespace(), resource)
        {
            continue;
        }
        // Ephemeral containers may not set resources at all.
        for c in workload.containers().filter(|c| c.kind != ContainerKind::Ephemeral) {
            let limit = c
                .container
                .resources
                .as_ref()
                .and_then(|r| r.limits.as_ref())
                .and_then(|l| l.get(resource));
            let problem = match limit {
                None => "no",
                Some(q) if quantity_is_zero(&q.0) => "a zero (unbounded)",
                Some(_) => continue,
            };
            out.container(
                &c,
                &["resources", "limits", resource],
                format!("{} has {problem} {resource} limit", c.describe()),
            );
        }
    }
}

/// Whether a LimitRange in `namespace` gives containers a default limit for
/// `resource` (the LimitRanger admission plugin then fills it in).
fn limit_range_default(inventory: &Inventory, namespace: Option<&str>, resource: &str) -> bool {
    inventory
        .of_kind("LimitRange")
        .filter(|lr| lr.namespace() == namespace)
        .filter_map(|lr| lr.root.path(&["spec", "limits"]).and_then(|l| l.as_seq()))
        .flatten()
        .filter(|item| item.get("type").and_then(|t| t.as_str()) == Some("Container"))
        .any(|item| {
            item.path(&["default", resource]).is_some_and(|q| match &q.value {
                rampart_core::Value::Str(s) => !quantity_is_zero(s),
                rampart_core::Value::Int(i) => *i != 0,
                rampart_core::Value::Float(f) => *f != 0.0,
                _ => false,
            })
        })
}
