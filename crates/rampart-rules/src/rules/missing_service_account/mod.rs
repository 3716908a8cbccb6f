use rampart_core::node::pointer;
use crate::support::refs;
use rampart_core::rule::Category;
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

use crate::support::workloads::{service_account_field, service_account_name};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "missing-service-account",
        title: "Pod names a ServiceAccount that the manifests do not define",
        severity: Severity::Low,
        category: Category::Secrets,
        enabled_by_default: true,
        rationale: "A pod whose ServiceAccount does not exist is rejected at admission, or, if \
the account is created later by someone else, runs with whatever permissions that someone \
bound to it. Usually it is a typo or a renamed account, and the workload silently never \
starts. The rule only speaks when it can know: the scanned input must define at least one \
ServiceAccount in the pod's namespace (so manifests that leave accounts to another tool are \
not reported), and `default`, which Kubernetes creates in every namespace, always exists.",
        remediation: r#"Fix the name, or add the ServiceAccount to the manifests:

```yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: web
  namespace: shop
automountServiceAccountToken: false
```"#,
        references: &[refs::NSA_POD_SECURITY_SERVICE_ACCOUNT_TOKENS],
        params: &[],
        pss: None,
    },
    check: Check::Workload(check),
};

fn check(ctx: &Ctx, workload: &Workload, out: &mut Emitter) {
    let account = service_account_name(&workload.spec);
    let ns = ctx.object.namespace();
    if account == "default" || ctx.inventory.get("ServiceAccount", ns, account).is_some() {
        return;
    }
    let known_here = ctx
        .inventory
        .of_kind("ServiceAccount")
        .any(|sa| sa.namespace() == ns);
    if known_here {
        out.at(
            pointer(workload.path.spec, &[service_account_field(&workload.spec)]),
            format!(
                "service account {account} is not defined in namespace {}, which defines others",
                ns.unwrap_or("(none)")
            ),
        );
    }
}
