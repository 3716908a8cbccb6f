use rampart_core::node::pointer;
use rampart_core::rule::Category;
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "deprecated-service-account-field",
        title: "Pod uses the deprecated `serviceAccount` field",
        severity: Severity::Info,
        category: Category::Secrets,
        enabled_by_default: true,
        rationale: "`spec.serviceAccount` is a deprecated alias of `serviceAccountName`. When \
both are set and differ, `serviceAccountName` decides and the other is silently misleading to \
anyone reviewing which identity, and which permissions, the pod has; tools that only read one \
of the two get it wrong.",
        remediation: r#"Use `serviceAccountName` only:

```yaml
spec:
  serviceAccountName: web
```"#,
        references: &[],
        params: &[],
        pss: None,
    },
    check: Check::Workload(check),
};

fn check(_: &Ctx, workload: &Workload, out: &mut Emitter) {
    let Some(old) = workload.spec.service_account.as_deref().filter(|s| !s.is_empty()) else {
        return;
    };
    let message = match workload.spec.service_account_name.as_deref() {
        Some(new) if !new.is_empty() && new != old => format!(
            "serviceAccount: {old} is deprecated and contradicts serviceAccountName: {new}, which wins"
        ),
        _ => format!("serviceAccount: {old} is deprecated; use serviceAccountName"),
    };
    out.at(pointer(workload.path.spec, &["serviceAccount"]), message);
}
