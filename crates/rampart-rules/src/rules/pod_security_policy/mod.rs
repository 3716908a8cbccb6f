use crate::support::refs;
use rampart_core::rule::Category;
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "pod-security-policy",
        title: "PodSecurityPolicy object (removed in Kubernetes 1.25)",
        severity: Severity::Medium,
        category: Category::Components,
        enabled_by_default: true,
        rationale: "PodSecurityPolicy was deprecated in Kubernetes 1.21 and removed in 1.25. \
A cluster from 1.25 on rejects the object, or, where it still exists from an older version, \
enforces nothing: pods that the policy was written to stop are admitted unless Pod Security \
Admission or another admission controller (Kyverno, Gatekeeper, ValidatingAdmissionPolicy) \
took over. A manifest that still carries PodSecurityPolicies suggests the cluster's pod \
security rests on a mechanism that no longer runs.",
        remediation: r#"Delete the PodSecurityPolicies and their RBAC, and enforce the Pod Security Standards per namespace with Pod Security Admission labels:

```yaml
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels:
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/enforce-version: latest
```"#,
        references: &[
            refs::CIS_5_2_1,
            refs::NSA_POD_SECURITY,
        ],
        params: &[],
        pss: None,
    },
    check: Check::Object(check),
};

fn check(ctx: &Ctx, out: &mut Emitter) {
    let o = ctx.object;
    if o.kind() != "PodSecurityPolicy" || !matches!(o.group(), "policy" | "extensions") {
        return;
    }
    out.at(
        "/kind".into(),
        format!(
            "PodSecurityPolicy {} was removed in Kubernetes 1.25 and protects nothing on current clusters",
            o.name()
        ),
    );
}
