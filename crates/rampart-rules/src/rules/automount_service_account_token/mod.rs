use rampart_core::node::pointer;
use crate::support::refs;
use rampart_core::rule::Category;
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Value, Workload};

use crate::support::workloads::service_account_name;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "automount-service-account-token",
        title: "Pod mounts a service account token it may not need",
        severity: Severity::Low,
        category: Category::Secrets,
        enabled_by_default: true,
        rationale: "Unless told otherwise, Kubernetes mounts a token of the pod's service \
account into every container at `/var/run/secrets/kubernetes.io/serviceaccount`. Most \
applications never call the Kubernetes API, but anyone who compromises them gets that token: \
an authenticated identity for the API server, with whatever RBAC grants the account, to probe \
the cluster from. The pod's `automountServiceAccountToken` wins; when the pod does not set it, \
the ServiceAccount's own setting applies, so a pod also passes when its ServiceAccount is in \
the scanned input with `automountServiceAccountToken: false`. Workloads that do talk to the \
API (controllers, operators) are expected to be exempted with a reason, or to mount a \
short-lived token explicitly through a projected volume.",
        remediation: r#"Switch the token off where the workload does not use the Kubernetes API, on the pod or on its ServiceAccount:

```yaml
spec:
  automountServiceAccountToken: false
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: web
automountServiceAccountToken: false
```"#,
        references: &[
            refs::CIS_5_1_6,
            refs::NSA_POD_SECURITY_SERVICE_ACCOUNT_TOKENS,
        ],
        params: &[],
        pss: None,
    },
    check: Check::Workload(check),
};

fn check(ctx: &Ctx, workload: &Workload, out: &mut Emitter) {
    let p = pointer(workload.path.spec, &["automountServiceAccountToken"]);
    let account = service_account_name(&workload.spec);
    match workload.spec.automount_service_account_token {
        Some(false) => {}
        Some(true) => out.at(
            p,
            format!("the pod mounts the token of service account {account} (automountServiceAccountToken: true)"),
        ),
        None => {
            let sa = ctx
                .inventory
                .get("ServiceAccount", ctx.object.namespace(), account);
            let sa_setting = sa.and_then(|sa| sa.root.get("automountServiceAccountToken"));
            match sa_setting.map(|n| &n.value) {
                Some(Value::Bool(false)) => {}
                Some(Value::Bool(true)) => out.at(
                    p,
                    format!(
                        "the pod mounts the token of service account {account}, whose automountServiceAccountToken is true, and does not opt out"
                    ),
                ),
                _ => out.at(
                    p,
                    format!(
                        "the pod mounts the token of service account {account}: automountServiceAccountToken is not false on the pod{}",
                        if sa.is_some() { " nor on the ServiceAccount" } else { "" }
                    ),
                ),
            }
        }
    }
}
