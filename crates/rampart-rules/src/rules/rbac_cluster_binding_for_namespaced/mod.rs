use std::collections::HashMap;

use rampart_core::rule::Category;
use rampart_core::{Check, InventoryCtx, Reporter, Rule, RuleMeta, Severity};
use rampart_rbac::{Model, Role, is_cluster_scoped_in_any_group};

use crate::support::rbac;

/// Resources shown in a finding; the rest are counted.
const SHOWN: usize = 5;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "rbac-cluster-binding-for-namespaced",
        title: "ClusterRoleBinding grants only namespaced resources",
        severity: Severity::Info,
        category: Category::Rbac,
        enabled_by_default: false,
        rationale: "A ClusterRoleBinding grants its role's namespaced resources in every \
namespace, `kube-system` and namespaces created later included. When the role names no \
cluster-scoped resource, the subject usually needs it in a few namespaces, and RoleBindings \
there (which may refer to the same ClusterRole) grant exactly that. Reported, at `roleRef`, for \
ClusterRoleBindings whose role's rules name only namespaced resources: no built-in \
cluster-scoped resource, no `*` or `*/subresource`, no `nonResourceURLs`. A custom resource \
counts as cluster-scoped when the input's CustomResourceDefinition says `scope: Cluster`, or, \
without one, when its name follows the convention for cluster-scoped kinds (`clusterissuers`, \
`gatewayclasses`); a resource named like a built-in cluster-scoped one (`nodes` of \
`metrics.k8s.io`) counts as cluster-scoped too. Off by \
default: controllers that watch every namespace legitimately need this; enable it to review \
human and CI access. Kubernetes' own bindings, bindings without subjects and bindings whose \
role is not in the input are not reported.",
        remediation: r#"Bind the ClusterRole in each namespace that needs it:

```yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: support-pod-reader
  namespace: shop
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: pod-reader
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: Group
  name: support
```"#,
        references: &[],
        params: &[],
        pss: None,
    },
    check: Check::Inventory(check),
};

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    let model = rbac::model(ctx, out);
    let mut memo: HashMap<usize, Option<Vec<String>>> = HashMap::new();
    for b in &model.bindings {
        if b.stock || b.namespace.is_some() || b.subjects.is_empty() {
            continue;
        }
        let Some(role) = b.role else {
            continue;
        };
        let only = memo
            .entry(role)
            .or_insert_with(|| only_namespaced(&model, &model.roles[role]));
        let Some(resources) = only else {
            continue;
        };
        let mut shown = resources
            .iter()
            .take(SHOWN)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if resources.len() > SHOWN {
            shown.push_str(&format!(" and {} more", resources.len() - SHOWN));
        }
        out.on(b.object).at(
            "/roleRef".to_string(),
            format!(
                "{} grants only namespaced resources ({shown}), here in every namespace; \
RoleBindings in the namespaces that need them would grant them there only",
                rbac::role_name(b),
            ),
        );
    }
}

/// The resources `role` names (`pods`, `deployments.apps`), when every
/// one is namespaced; `None` when one may be cluster-scoped, a rule names
/// a non-resource URL, or no rule names a resource.
fn only_namespaced(model: &Model, role: &Role) -> Option<Vec<String>> {
    let mut names = Vec::new();
    for r in &role.rules {
        let r = &r.rule;
        if !r.non_resource_urls.is_empty() {
            return None;
        }
        for resource in &r.resources {
            let base = resource.split_once('/').map_or(resource.as_str(), |(b, _)| b);
            if base == "*" {
                return None;
            }
            for group in &r.api_groups {
                if may_be_cluster_scoped(model, group, base) {
                    return None;
                }
                let name = show(group, resource);
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
    }
    (!names.is_empty()).then_some(names)
}

/// `pods`, `deployments.apps`, `orders.example.com/status`,
/// `deployments of any API group`.
fn show(group: &str, resource: &str) -> String {
    let (r, sub) = match resource.split_once('/') {
        Some((r, s)) => (r, format!("/{s}")),
        None => (resource, String::new()),
    };
    match group {
        "" => resource.to_string(),
        "*" => format!("{resource} of any API group"),
        g => format!("{r}.{g}{sub}"),
    }
}

/// Conservative: a resource whose name is that of a built-in cluster-scoped
/// resource in any group (`nodes` of `metrics.k8s.io` is cluster-scoped
/// too) counts as cluster-scoped.
fn may_be_cluster_scoped(model: &Model, group: &str, resource: &str) -> bool {
    if model.is_cluster_scoped(group, resource) || is_cluster_scoped_in_any_group(resource) {
        return true;
    }
    let group = (group != "*").then_some(group);
    model.custom_scope(group, resource).unwrap_or_else(|| {
        // Custom cluster-scoped kinds are named so by convention
        // (`ClusterIssuer`, `GatewayClass`, `VolumeSnapshotClass`).
        resource.starts_with("cluster") || resource.ends_with("classes")
    })
}
