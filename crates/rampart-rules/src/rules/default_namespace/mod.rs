use crate::support::refs;
use rampart_core::rule::{Category, ParamDefault, ParamSpec};
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity};

use crate::support::is_namespaced;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "default-namespace",
        title: "Object is in the `default` namespace",
        severity: Severity::Low,
        category: Category::Segregation,
        enabled_by_default: true,
        rationale: "The `default` namespace is where everything lands that nobody placed: \
NetworkPolicies, RBAC, quotas and Pod Security labels are rarely scoped to it, so workloads \
there share one blast radius with whatever else was dropped in. Namespaces are the unit of \
isolation in Kubernetes; give each application its own. Objects without a namespace are \
placed by whoever applies them (`kubectl -n`, `helm -n`), so they are only reported when the \
`flag-missing-namespace` parameter is on.",
        remediation: r#"Set an explicit namespace for the application:

```yaml
metadata:
  name: web
  namespace: shop
```"#,
        references: &[
            refs::CIS_5_6_4,
            refs::NSA_NETWORK_SEPARATION_NAMESPACES,
        ],
        params: &[ParamSpec {
            name: "flag-missing-namespace",
            description: "Also report namespaced objects that set no namespace.",
            default: ParamDefault::Bool(false),
        }],
        pss: None,
    },
    check: Check::Object(check),
};

fn check(ctx: &Ctx, out: &mut Emitter) {
    let o = ctx.object;
    match o.namespace() {
        Some("default") => out.at(
            "/metadata/namespace".into(),
            format!("{} {} is in the default namespace", o.kind(), o.name()),
        ),
        None if ctx.params.bool("flag-missing-namespace")
            && is_namespaced(ctx.inventory, o.group(), o.kind()) =>
        {
            out.at(
                "/metadata/namespace".into(),
                format!(
                    "{} {} sets no namespace, so it lands in the applier's current one (often default)",
                    o.kind(), o.name()
                ),
            )
        }
        _ => {}
    }
}
