use crate::support::refs;
use rampart_core::rule::{Category, ParamDefault, ParamSpec};
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "system-namespace-workload",
        title: "Workload runs in a system namespace (kube-system, kube-public)",
        severity: Severity::Medium,
        category: Category::Segregation,
        enabled_by_default: true,
        rationale: "`kube-system` holds the cluster's own components and their highly privileged \
service accounts and Secrets; it is usually exempt from Pod Security Admission and from \
NetworkPolicies. An application placed there inherits those exemptions and shares a \
namespace with credentials that control the cluster: anyone who can manage it can reach \
them. `kube-public` is readable by every user, even unauthenticated ones. Workloads that \
truly belong there (CNI, kube-proxy, DNS, CSI node plugins) are exempted with the \
`ignore-check.rampart.dev/system-namespace-workload` annotation and a reason.",
        remediation: r#"Move the workload to its own namespace:

```yaml
metadata:
  name: web
  namespace: shop
```"#,
        references: &[
            refs::CIS_5_6_1,
            refs::NSA_NETWORK_SEPARATION_NAMESPACES,
        ],
        params: &[ParamSpec {
            name: "namespaces",
            description: "Namespaces reserved for the cluster's own components.",
            default: ParamDefault::List(&["kube-system", "kube-public", "kube-node-lease"]),
        }],
        pss: None,
    },
    check: Check::Workload(check),
};

fn check(ctx: &Ctx, _: &Workload, out: &mut Emitter) {
    let o = ctx.object;
    let Some(ns) = o.namespace() else {
        return;
    };
    if ctx.params.list("namespaces").iter().any(|n| n == ns) {
        out.at(
            "/metadata/namespace".into(),
            format!(
                "{} {} runs in the system namespace {ns}",
                o.kind(),
                o.name()
            ),
        );
    }
}
