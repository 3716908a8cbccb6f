use std::collections::{HashMap, HashSet};

use rampart_core::rule::Category;
use rampart_core::{Check, Inventory, InventoryCtx, Reporter, Rule, RuleMeta, Severity};
use rampart_rbac::{Binding, DEFAULT_NAMESPACE, Scope, Subject, defaults};

use crate::support::{rbac, refs};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "rbac-dangling-binding",
        title: "Binding refers to a role or service account that does not exist",
        severity: Severity::Low,
        category: Category::Rbac,
        enabled_by_default: true,
        rationale: "A binding whose role does not exist grants nothing today, but the API server \
accepts it and keeps it: the day someone creates a role of that name, its subjects get whatever \
that role holds. Whoever can create Roles (or ClusterRoles) then decides what the subjects may \
do, and nobody reviews the grant, because the binding was written long before. Likewise a \
binding naming a ServiceAccount that does not exist hands its permissions to whoever later \
creates a ServiceAccount of that name, which anyone allowed to create ServiceAccounts in that \
namespace can do. Reported: a binding (other than Kubernetes' own, labelled \
`kubernetes.io/bootstrapping: rbac-defaults`) whose role is not in the input, unless it is a \
role every cluster has (`view`, `edit`, `admin`, `cluster-admin`, the `system:` roles, or a \
default Role such as `kube-system/extension-apiserver-authentication-reader`); and a \
ServiceAccount subject whose ServiceAccount is not in the input, but only when the input \
defines at least one ServiceAccount of that namespace (so its accounts are evidently part of \
the input) and the account is not `default`, which every namespace has. Bindings with no \
subjects are not reported.",
        remediation: r#"Create the role (or ServiceAccount) the binding refers to in the same
change as the binding, or delete the binding; a binding only makes sense next to the role it
grants:

```yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: deployer
  namespace: shop
rules:
- apiGroups: ["apps"]
  resources: ["deployments"]
  verbs: ["get", "list", "patch"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: ci-deployer
  namespace: shop
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: deployer
subjects:
- kind: ServiceAccount
  name: ci
  namespace: shop
```"#,
        references: &[refs::NSA_AUTHENTICATION_AUTHORIZATION],
        params: &[],
        pss: None,
    },
    check: Check::Inventory(check),
};

/// Whether every cluster has the role `b` refers to.
fn refers_to_default_role(b: &Binding) -> bool {
    match (b.role_ref.kind.as_str(), &b.namespace) {
        ("ClusterRole", _) => defaults::is_default_cluster_role(&b.role_ref.name),
        ("Role", Some(ns)) => defaults::is_default_role(ns, &b.role_ref.name),
        _ => false,
    }
}

/// The ServiceAccounts of the input, by namespace (core group only).
fn service_accounts(inventory: &Inventory) -> HashMap<&str, HashSet<&str>> {
    let mut out: HashMap<&str, HashSet<&str>> = HashMap::new();
    for o in inventory.of_kind("ServiceAccount").filter(|o| o.group().is_empty()) {
        let ns = o
            .namespace()
            .filter(|n| !n.is_empty())
            .unwrap_or(DEFAULT_NAMESPACE);
        out.entry(ns).or_default().insert(o.name());
    }
    out
}

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    let model = rbac::model(ctx, out);
    let accounts = service_accounts(ctx.inventory);
    for b in model.bindings.iter().filter(|b| !b.stock) {
        if b.subjects.is_empty() {
            continue;
        }
        if b.role.is_none() && !refers_to_default_role(b) {
            let subjects: Vec<&Subject> = b.subjects.iter().collect();
            let creator = if b.role_ref.kind == "Role" {
                "Roles in that namespace"
            } else {
                "ClusterRoles"
            };
            let message = format!(
                "refers to {}, which is not in the input: it grants nothing now, and grants {} \
whatever that role holds once someone creates it, so whoever can create {creator} decides what \
they get",
                rbac::role_name(b),
                rbac::list_subjects(&subjects),
            );
            out.on(b.object).at("/roleRef/name".to_string(), message);
        }
        for (i, s) in rbac::distinct_subjects(b) {
            let Subject::ServiceAccount { namespace, name } = s else {
                continue;
            };
            let Some(known) = accounts.get(namespace.as_str()) else {
                continue;
            };
            if name == "default" || known.contains(name.as_str()) {
                continue;
            }
            let message = format!(
                "binds {s}, but the input defines no ServiceAccount {name} in namespace \
{namespace} (it defines {}): the binding grants nothing now, and whoever creates that \
ServiceAccount later gets what {} grants {}",
                list_names(known),
                rbac::role_name(b),
                Scope::of(b),
            );
            rbac::report_subject(out, b, i, message);
        }
    }
}

/// `api, worker` (sorted, at most five, then a count).
fn list_names(names: &HashSet<&str>) -> String {
    const SHOWN: usize = 5;
    let mut sorted: Vec<&str> = names.iter().copied().collect();
    sorted.sort_unstable();
    let mut out: Vec<String> = sorted.iter().take(SHOWN).map(|n| n.to_string()).collect();
    if sorted.len() > SHOWN {
        out.push(format!("and {} more", sorted.len() - SHOWN));
    }
    out.join(", ")
}
