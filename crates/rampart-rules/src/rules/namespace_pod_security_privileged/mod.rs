use rampart_core::node::pointer;
use rampart_core::rule::{Category, ParamDefault, ParamSpec};
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity};

use crate::support::objects::is;
use crate::support::refs;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "namespace-pod-security-privileged",
        title: "Namespace enforces the privileged Pod Security level",
        severity: Severity::Medium,
        category: Category::PodSecurity,
        enabled_by_default: true,
        rationale: "A namespace labelled `pod-security.kubernetes.io/enforce: privileged` tells \
Pod Security Admission to admit anything there: privileged containers, host namespaces, hostPath \
mounts of the node's root. Anyone who can create pods in it (or workloads that create pods, or a \
compromised CI identity) can take over the nodes its pods land on. Only a few system namespaces \
need that level — the CNI, storage and monitoring agents that really use the host; every other \
namespace should enforce `baseline` or `restricted`. The rule reports namespaces that enforce \
`privileged` and are not in the `allowed-namespaces` parameter (default `kube-system`). Namespaces \
without the label are `namespace-pod-security-unenforced`'s to report.",
        remediation: r#"Enforce `baseline` (or `restricted`) and move the workloads that need host access into a dedicated namespace that you list in `allowed-namespaces`:

```yaml
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels:
    pod-security.kubernetes.io/enforce: baseline
    pod-security.kubernetes.io/warn: restricted
```"#,
        references: &[refs::CIS_5_2_1, refs::NSA_POD_SECURITY],
        params: &[ParamSpec {
            name: "allowed-namespaces",
            description: "Namespaces that may enforce the privileged level.",
            default: ParamDefault::List(&["kube-system"]),
        }],
        pss: None,
    },
    check: Check::Object(check),
};

use crate::support::pss::ENFORCE_LABEL as ENFORCE;

fn check(ctx: &Ctx, out: &mut Emitter) {
    let o = ctx.object;
    if !is(o, "", "Namespace") || o.label(ENFORCE) != Some("privileged") {
        return;
    }
    if ctx
        .params
        .list("allowed-namespaces")
        .iter()
        .any(|n| n == o.name())
    {
        return;
    }
    out.at(
        pointer("", &["metadata", "labels", ENFORCE]),
        format!(
            "Namespace {} enforces the privileged Pod Security level: Pod Security Admission admits privileged and host-access pods there",
            o.name()
        ),
    );
}
