use rampart_core::rule::Category;
use rampart_core::{Check, InventoryCtx, Reporter, Rule, RuleMeta, Severity};
use rampart_rbac::Rule as PolicyRule;

use crate::support::{rbac, refs};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "rbac-wildcard",
        title: "Role uses `*` in verbs, resources or API groups",
        severity: Severity::Medium,
        category: Category::Rbac,
        enabled_by_default: true,
        rationale: "A `*` grants more than anyone wrote down, and grows with the cluster. `*` \
verbs include `escalate`, `bind` and `impersonate`, which let the holder grant itself anything; \
`*` resources include every subresource (`pods/exec`, `nodes/proxy`, `serviceaccounts/token`) and \
Secrets; `*` API groups take in every CustomResourceDefinition installed later, so a role \
written for today's cluster quietly covers tomorrow's operators. Every rule of a Role or \
ClusterRole with `*` in `verbs`, `resources` or `apiGroups` is reported once, whether or not \
anything binds it: an unbound role is one binding away from being used. Not reported: \
Kubernetes' own roles (labelled `kubernetes.io/bootstrapping: rbac-defaults`), aggregated \
ClusterRoles (the aggregation controller replaces their rules; the ClusterRoles they aggregate \
are checked instead), `*/scale`-style resources (one subresource of every resource), `*` in \
`resourceNames` (a literal name) and `nonResourceURLs`.",
        remediation: r#"List the verbs, resources and API groups the subject needs:

```yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: deployer
  namespace: shop
rules:
- apiGroups: ["apps"]
  resources: ["deployments"]
  verbs: ["get", "list", "watch", "update", "patch"]
```"#,
        references: &[refs::CIS_5_1_3, refs::NSA_AUTHENTICATION_AUTHORIZATION],
        params: &[],
        pss: None,
    },
    check: Check::Inventory(check),
};

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    let model = rbac::model(ctx, out);
    for role in model.roles.iter().filter(|r| !r.stock && !r.aggregated) {
        // Not aggregated: the effective rules are the manifest's, in order.
        for (i, r) in role.rules.iter().enumerate() {
            let fields = wildcard_fields(&r.rule);
            let Some(first) = fields.first() else {
                continue;
            };
            let parts: Vec<String> = fields
                .iter()
                .map(|f| format!("`*` {f} ({})", covers(f, &r.rule)))
                .collect();
            out.on(role.object).at(
                format!("/rules/{i}/{first}"),
                format!("rule {i} uses {}", join_and(&parts)),
            );
        }
    }
}

/// The fields of `rule` holding `*`, in report order.
fn wildcard_fields(rule: &PolicyRule) -> Vec<&'static str> {
    let star = |l: &[String]| l.iter().any(|v| v == "*");
    [
        ("verbs", star(&rule.verbs)),
        ("resources", star(&rule.resources)),
        ("apiGroups", star(&rule.api_groups)),
    ]
    .into_iter()
    .filter(|(_, s)| *s)
    .map(|(f, _)| f)
    .collect()
}

fn covers(field: &str, rule: &PolicyRule) -> String {
    match field {
        // A rule for non-resource URLs only has HTTP verbs to give.
        "verbs" if rule.resources.is_empty() && !rule.non_resource_urls.is_empty() => format!(
            "every HTTP verb on {}",
            rule.non_resource_urls.join(", ")
        ),
        "verbs" => "every verb, escalate, bind and impersonate included".to_string(),
        "resources" => {
            "every resource and every subresource, secrets, pods/exec and nodes/proxy included"
                .to_string()
        }
        _ => "every API group, those of CustomResourceDefinitions installed later included"
            .to_string(),
    }
}

/// `a`, `a and b`, `a, b and c`.
fn join_and(parts: &[String]) -> String {
    match parts.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => parts.join(""),
    }
}
