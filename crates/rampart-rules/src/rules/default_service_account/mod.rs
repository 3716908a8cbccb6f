use rampart_core::node::pointer;
use crate::support::refs;
use rampart_core::rule::Category;
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

use crate::support::workloads::{service_account_field, service_account_name};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "default-service-account",
        title: "Pod runs as its namespace's default service account",
        severity: Severity::Low,
        category: Category::Secrets,
        enabled_by_default: false,
        rationale: "Every namespace has a `default` ServiceAccount, and every pod that names no \
account runs as it. Any permission granted to `default`, by a chart that needed it for one \
component or by a careless binding, is then granted to every workload of the namespace, and \
audit logs cannot tell the workloads apart. Giving each workload its own ServiceAccount keeps \
permissions per workload. Off by default: harmless while `default` holds no permissions and \
tokens are not mounted (see `automount-service-account-token`); CIS 5.1.5 asks for it \
regardless.",
        remediation: r#"Create a ServiceAccount per workload and name it in the pod template:

```yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: web
  namespace: shop
automountServiceAccountToken: false
---
spec:
  template:
    spec:
      serviceAccountName: web
```"#,
        references: &[
            refs::CIS_5_1_5,
            refs::NSA_POD_SECURITY_SERVICE_ACCOUNT_TOKENS,
        ],
        params: &[],
        pss: None,
    },
    check: Check::Workload(check),
};

fn check(_: &Ctx, workload: &Workload, out: &mut Emitter) {
    if service_account_name(&workload.spec) != "default" {
        return;
    }
    let field = service_account_field(&workload.spec);
    let how = match &workload.spec.service_account_name {
        Some(n) if n == "default" => "names the default service account",
        _ => "names no service account, so it runs as default",
    };
    out.at(
        pointer(workload.path.spec, &[field]),
        format!("the pod {how}"),
    );
}
