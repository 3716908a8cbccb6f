use crate::support::refs;
use rampart_core::rule::{Category, ParamDefault, ParamSpec};
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

use crate::support::workloads::{Requirement, report_missing_resources};

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
(`spec.resources`), or when a LimitRange in the same namespace gives containers a default \
limit (its `default`, or its `max` when it has no `default`: the API server fills one from the \
other). A limit of zero is no limit.",
        remediation: r#"Set limits on every container (init containers too):

```yaml
resources:
  requests: {cpu: 100m, memory: 128Mi}
  limits:   {cpu: 500m, memory: 256Mi}
```
or give the namespace defaults with a LimitRange of `type: Container` and `default:`."#,
        references: &[refs::NSA_POD_SECURITY_RESOURCE_LIMITS],
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
    report_missing_resources(
        ctx,
        workload,
        out,
        ctx.params.list("resources"),
        Requirement::Limit,
    );
}
