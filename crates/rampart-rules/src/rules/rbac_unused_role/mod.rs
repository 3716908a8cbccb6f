use std::collections::HashSet;

use k8s_openapi::api::rbac::v1 as rbac_api;
use rampart_core::rule::Category;
use rampart_core::selector::Selector;
use rampart_core::{Check, Inventory, InventoryCtx, Reporter, Rule, RuleMeta, Severity};
use rampart_rbac::{Model, Role, defaults};

use crate::support::{rbac, refs};

/// The label prefix that offers a ClusterRole to aggregated ClusterRoles
/// (`rbac.authorization.k8s.io/aggregate-to-edit: "true"`).
const AGGREGATE_TO: &str = "rbac.authorization.k8s.io/aggregate-to-";

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "rbac-unused-role",
        title: "Role is bound by nothing",
        severity: Severity::Info,
        category: Category::Rbac,
        enabled_by_default: true,
        rationale: "A Role or ClusterRole that no binding refers to grants nothing, but it is not \
harmless clutter: permissions written for a purpose that no longer exists stay in the cluster, \
unreviewed, and the next binding someone writes to reuse it hands out whatever it has grown to \
hold, rather than what the new subject needs. Removing unused roles keeps the RBAC policy \
reviewable. Reported: a Role that no RoleBinding of its namespace refers to (roleRef kind Role \
and its name), and a ClusterRole that no binding refers to (roleRef kind ClusterRole and its \
name), among the input's objects. Not reported: Kubernetes' own roles (labelled \
`kubernetes.io/bootstrapping: rbac-defaults`) and input roles that replace one of them (same \
name); a ClusterRole whose labels an aggregated ClusterRole of the input selects, since its \
rules are granted through that role; and a ClusterRole labelled \
`rbac.authorization.k8s.io/aggregate-to-<name>: \"true\"`, which is meant for aggregation \
(into `admin`, `edit` or `view` of any cluster, or into a role installed separately).",
        remediation: r#"Delete the role, or bind it to the subjects that need it; a ClusterRole
meant to extend the default roles carries the aggregation label:

```yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: crontabs-edit
  labels:
    rbac.authorization.k8s.io/aggregate-to-edit: "true"
rules:
- apiGroups: ["stable.example.com"]
  resources: ["crontabs"]
  verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
```"#,
        references: &[refs::NSA_AUTHENTICATION_AUTHORIZATION],
        params: &[],
        pss: None,
    },
    check: Check::Inventory(check),
};

/// The label selectors of the input's aggregated ClusterRoles, each with the
/// index of its role in `model.roles`. A selector that does not parse is
/// left out (the model reports it).
fn aggregation_selectors(inventory: &Inventory, model: &Model) -> Vec<(usize, Selector)> {
    let mut out = Vec::new();
    for (i, r) in model.roles.iter().enumerate().filter(|(_, r)| r.aggregated) {
        let Some(o) = inventory.objects.get(r.object) else {
            continue;
        };
        let Ok(cr) = rampart_core::de::from_node::<rbac_api::ClusterRole>(&o.root) else {
            continue;
        };
        let selectors = cr
            .aggregation_rule
            .and_then(|a| a.cluster_role_selectors)
            .unwrap_or_default();
        for s in &selectors {
            if let Ok(sel) = Selector::from_label_selector(Some(s)) {
                out.push((i, sel));
            }
        }
    }
    out
}

/// Whether `role` (index `i`) is offered for aggregation by its labels, or
/// picked by an aggregated ClusterRole other than itself.
fn aggregated_elsewhere(
    inventory: &Inventory,
    i: usize,
    role: &Role,
    selectors: &[(usize, Selector)],
) -> bool {
    let labels = inventory
        .objects
        .get(role.object)
        .and_then(|o| rampart_core::de::from_node::<rbac_api::ClusterRole>(&o.root).ok())
        .and_then(|cr| cr.metadata.labels)
        .unwrap_or_default();
    let offered = labels
        .iter()
        .any(|(k, v)| k.starts_with(AGGREGATE_TO) && v == "true");
    offered
        || selectors
            .iter()
            .any(|(a, sel)| *a != i && sel.matches(|k| labels.get(k).map(String::as_str)))
}

/// `its 3 rules`; for a role with none, what it may come to hold.
fn what_it_holds(r: &Role) -> String {
    match r.rules.len() {
        0 => "whatever rules it comes to hold".to_string(),
        1 => "its rule".to_string(),
        n => format!("its {n} rules"),
    }
}

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    let model = rbac::model(ctx, out);
    let bound: HashSet<usize> = model.bindings.iter().filter_map(|b| b.role).collect();
    let selectors = aggregation_selectors(ctx.inventory, &model);
    for (i, r) in model.roles.iter().enumerate() {
        if r.stock || bound.contains(&i) {
            continue;
        }
        let message = match &r.namespace {
            Some(ns) => {
                if defaults::is_default_role(ns, &r.id.name) {
                    continue;
                }
                format!(
                    "Role {ns}/{} is referred to by no RoleBinding of namespace {ns}: it grants \
nothing now, and a binding written later to reuse it hands out {}",
                    r.id.name,
                    what_it_holds(r)
                )
            }
            None => {
                if defaults::is_default_cluster_role(&r.id.name)
                    || aggregated_elsewhere(ctx.inventory, i, r, &selectors)
                {
                    continue;
                }
                format!(
                    "ClusterRole {} is referred to by no binding and aggregated into no \
ClusterRole: it grants nothing now, and a binding written later to reuse it hands out {}",
                    r.id.name,
                    what_it_holds(r)
                )
            }
        };
        out.on(r.object).at("/metadata/name".to_string(), message);
    }
}
