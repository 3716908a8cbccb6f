use crate::support::refs;
use rampart_core::rule::Category;
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity};

use crate::support::workloads::namespace_lacks;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "namespace-without-limit-range",
        title: "Namespace has no LimitRange",
        severity: Severity::Low,
        category: Category::Resources,
        enabled_by_default: false,
        rationale: "A LimitRange gives every container of a namespace default requests and \
limits and caps what one container may ask for, so a workload shipped without resources \
cannot starve its neighbours. The rule only judges namespaces whose Namespace object is in the \
scanned input, and looks for a LimitRange among the same input: scanning one application's \
manifests without the cluster's policy objects would otherwise report every namespace. Off by \
default for the same reason.",
        remediation: r#"Give the namespace container defaults and bounds:

```yaml
apiVersion: v1
kind: LimitRange
metadata:
  name: defaults
  namespace: shop
spec:
  limits:
  - type: Container
    defaultRequest: {cpu: 100m, memory: 128Mi}
    default: {cpu: 500m, memory: 512Mi}
    max: {cpu: "2", memory: 2Gi}
```"#,
        references: &[refs::NSA_POD_SECURITY_RESOURCE_LIMITS],
        params: &[],
        pss: None,
    },
    check: Check::Object(check),
};

fn check(ctx: &Ctx, out: &mut Emitter) {
    if namespace_lacks(ctx, "LimitRange") {
        out.at(
            "/metadata/name".into(),
            format!("namespace {} has no LimitRange", ctx.object.name()),
        );
    }
}
