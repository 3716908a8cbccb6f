use crate::support::refs;
use rampart_core::rule::Category;
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity};

use crate::support::workloads::namespace_lacks;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "namespace-without-resource-quota",
        title: "Namespace has no ResourceQuota",
        severity: Severity::Low,
        category: Category::Resources,
        enabled_by_default: false,
        rationale: "A ResourceQuota caps what a whole namespace may consume: total CPU and \
memory, number of pods, Services, LoadBalancers, PersistentVolumeClaims. Without one a single \
tenant, a runaway autoscaler or a compromised CI identity can exhaust the cluster. The rule \
only judges namespaces whose Namespace object is in the scanned input, and looks for a \
ResourceQuota among the same input. Off by default, as quotas are usually managed apart from \
application manifests.",
        remediation: r#"Give the namespace a quota:

```yaml
apiVersion: v1
kind: ResourceQuota
metadata:
  name: quota
  namespace: shop
spec:
  hard:
    requests.cpu: "8"
    requests.memory: 16Gi
    limits.memory: 32Gi
    pods: "50"
```"#,
        references: &[refs::NSA_POD_SECURITY_RESOURCE_LIMITS],
        params: &[],
        pss: None,
    },
    check: Check::Object(check),
};

fn check(ctx: &Ctx, out: &mut Emitter) {
    if namespace_lacks(ctx, "ResourceQuota") {
        out.at(
            "/metadata/name".into(),
            format!("namespace {} has no ResourceQuota", ctx.object.name()),
        );
    }
}
