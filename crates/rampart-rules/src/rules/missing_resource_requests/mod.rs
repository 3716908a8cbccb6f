use crate::support::refs;
use rampart_core::rule::{Category, ParamDefault, ParamSpec};
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

use crate::support::workloads::{Requirement, report_missing_resources};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "missing-resource-requests",
        title: "Container has no CPU or memory request",
        severity: Severity::Low,
        category: Category::Resources,
        enabled_by_default: true,
        rationale: "The scheduler places pods by their requests. A container without a memory \
request reserves nothing: the node can be overcommitted until the kernel's OOM killer or the \
kubelet's eviction picks victims, and pods without requests (BestEffort) go first. A ResourceQuota \
on requests cannot account for it either. A request counts when the container sets it, when it \
sets a limit only (Kubernetes then copies the limit into the request), when the pod sets a \
pod-level request or limit (`spec.resources`), or when a LimitRange in the same namespace gives \
containers a default request: its `defaultRequest`, else its `default` limit, else its `max`, \
else its `min`, the order in which the API server fills them in. A request of zero reserves \
nothing.",
        remediation: r#"Request what the container needs at steady state (init containers too):

```yaml
resources:
  requests: {cpu: 100m, memory: 128Mi}
  limits:   {memory: 256Mi}
```
or give the namespace defaults with a LimitRange of `type: Container` and `defaultRequest:`."#,
        references: &[refs::NSA_POD_SECURITY_RESOURCE_LIMITS],
        params: &[ParamSpec {
            name: "resources",
            description: "Resources every container must request.",
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
        Requirement::Request,
    );
}
