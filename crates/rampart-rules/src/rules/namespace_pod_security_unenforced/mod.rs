use rampart_core::node::pointer;
use crate::support::refs;
use rampart_core::rule::{Category, ParamDefault, ParamSpec};
use rampart_core::{Check, Ctx, Emitter, Inventory, Rule, RuleMeta, Severity};

use crate::support::objects::is;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "namespace-pod-security-unenforced",
        title: "Namespace enforces no Pod Security Standard",
        severity: Severity::Low,
        category: Category::PodSecurity,
        enabled_by_default: true,
        rationale: "Pod Security Admission enforces a Pod Security Standard only in namespaces \
labelled `pod-security.kubernetes.io/enforce`; without the label (and without a cluster-wide \
default in the API server's admission configuration) it admits privileged pods, host \
namespaces and hostPath mounts from anyone allowed to create pods there. A namespace is \
reported when its manifest has no `enforce` label. An explicit `privileged` level is a \
decision and is not reported, and an unknown level is enforced as `restricted` by PSA. When \
`other-engines-count` is on (the default), namespaces are not reported if the inventory \
also holds Kyverno policies, Gatekeeper constraints or ValidatingAdmissionPolicyBindings: \
another admission mechanism is in place, which is what CIS 5.2.1 asks for.",
        remediation: r#"Label the namespace with the level it must enforce (start with `warn`/`audit` to see what would break):

```yaml
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels:
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/enforce-version: latest
    pod-security.kubernetes.io/warn: restricted
```"#,
        references: &[
            refs::CIS_5_2_1,
            refs::NSA_POD_SECURITY,
        ],
        params: &[ParamSpec {
            name: "other-engines-count",
            description: "Accept Kyverno, Gatekeeper or ValidatingAdmissionPolicy objects in the inventory as the namespace's protection.",
            default: ParamDefault::Bool(true),
        }],
        pss: None,
    },
    check: Check::Object(check),
};

use crate::support::pss::ENFORCE_LABEL as ENFORCE;

fn check(ctx: &Ctx, out: &mut Emitter) {
    let o = ctx.object;
    if !is(o, "", "Namespace") || o.label(ENFORCE).is_some() {
        return;
    }
    if ctx.params.bool("other-engines-count") && other_engine(ctx.inventory) {
        return;
    }
    out.at(
        pointer("", &["metadata", "labels", ENFORCE]),
        format!(
            "Namespace {} has no {ENFORCE} label: Pod Security Admission admits any pod there",
            o.name()
        ),
    );
}

/// Whether the inventory holds policies of another admission engine.
fn other_engine(inventory: &Inventory) -> bool {
    let of = |kind: &str, group: &str| inventory.of_kind(kind).any(|o| o.group() == group);
    of("ClusterPolicy", "kyverno.io")
        || of("Policy", "kyverno.io")
        || of(
            "ValidatingAdmissionPolicyBinding",
            "admissionregistration.k8s.io",
        )
        || of("ConstraintTemplate", "templates.gatekeeper.sh")
}
