use crate::support::refs;
use rampart_core::rule::Category;
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Value};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "scc-allows-privileged",
        title: "OpenShift SecurityContextConstraints allow privileged containers",
        severity: Severity::High,
        category: Category::PodSecurity,
        enabled_by_default: true,
        rationale: "On OpenShift, SecurityContextConstraints decide what pods may ask for. One \
with `allowPrivilegedContainer: true` admits privileged containers, root on the node, for \
every user and service account it is granted to (through its `users` and `groups` or an RBAC \
`use` permission). The built-in `privileged` SCC exists for the platform itself; a custom SCC \
that allows privileged containers widens that door.",
        remediation: r#"Base custom constraints on `restricted-v2` and leave privileged containers out:

```yaml
apiVersion: security.openshift.io/v1
kind: SecurityContextConstraints
metadata:
  name: app
allowPrivilegedContainer: false
allowPrivilegeEscalation: false
requiredDropCapabilities: ["ALL"]
runAsUser: {type: MustRunAsRange}
```"#,
        references: &[
            refs::CIS_5_2_2,
            refs::NSA_POD_SECURITY,
        ],
        params: &[],
        pss: None,
    },
    check: Check::Object(check),
};

fn check(ctx: &Ctx, out: &mut Emitter) {
    let o = ctx.object;
    if o.kind() != "SecurityContextConstraints" || o.group() != "security.openshift.io" {
        return;
    }
    let allowed = o
        .root
        .get("allowPrivilegedContainer")
        .is_some_and(|n| n.value == Value::Bool(true));
    if allowed {
        out.at(
            "/allowPrivilegedContainer".into(),
            format!(
                "SecurityContextConstraints {} allow privileged containers",
                o.name()
            ),
        );
    }
}
