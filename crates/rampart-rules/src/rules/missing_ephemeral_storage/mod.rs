use crate::support::refs;
use rampart_core::rule::Category;
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

use crate::support::workloads::{Requirement, report_missing_resources};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "missing-ephemeral-storage",
        title: "Container has no ephemeral-storage request or limit",
        severity: Severity::Low,
        category: Category::Resources,
        enabled_by_default: false,
        rationale: "Container logs, writable layers and `emptyDir` volumes live on the node's \
disk. Without an `ephemeral-storage` limit one container can fill that disk and get every pod \
on the node evicted under disk pressure; without a request the scheduler does not account for \
its use. Off by default: many clusters size node disks generously instead. Requests and limits \
are found as for CPU and memory: the container's own, a limit standing in for a missing request, \
a pod-level value, or a LimitRange default of the namespace.",
        remediation: r#"Request and limit local disk use:

```yaml
resources:
  requests: {ephemeral-storage: 256Mi}
  limits:   {ephemeral-storage: 1Gi}
```
or give the namespace defaults with a LimitRange of `type: Container`."#,
        references: &[refs::NSA_POD_SECURITY_RESOURCE_LIMITS],
        params: &[],
        pss: None,
    },
    check: Check::Workload(check),
};

fn check(ctx: &Ctx, workload: &Workload, out: &mut Emitter) {
    let resource = ["ephemeral-storage".to_string()];
    report_missing_resources(ctx, workload, out, &resource, Requirement::Request);
    report_missing_resources(ctx, workload, out, &resource, Requirement::Limit);
}
