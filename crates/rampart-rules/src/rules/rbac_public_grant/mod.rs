use rampart_core::rule::Category;
use rampart_core::{Check, InventoryCtx, Reporter, Rule, RuleMeta, Severity};
use rampart_rbac::{Binding, Scope, Subject};

use crate::support::{rbac, refs};

/// The discovery roles Kubernetes binds to everyone itself, and to whom:
/// `system:public-info-viewer` (version, health) to everyone, credentials
/// or not; `system:discovery` (the API's shape) and `system:basic-user`
/// (what may I do?) to authenticated users only.
const DISCOVERY_CLUSTER_ROLES: &[(&str, &[&str])] = &[
    ("system:basic-user", &["system:authenticated"]),
    ("system:discovery", &["system:authenticated"]),
    (
        "system:public-info-viewer",
        &["system:authenticated", "system:unauthenticated"],
    ),
];

/// kubeadm's Role in `kube-public` that lets joining nodes read the
/// `cluster-info` ConfigMap before they have credentials.
const KUBEADM_CLUSTER_INFO: (&str, &str) = ("kube-public", "kubeadm:bootstrap-signer-clusterinfo");

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "rbac-public-grant",
        title: "Binding grants permissions to everyone",
        severity: Severity::High,
        category: Category::Rbac,
        enabled_by_default: true,
        rationale: "Four subjects stand for everyone: user `system:anonymous` and group \
`system:unauthenticated` are anyone who reaches the API server without credentials; group \
`system:authenticated` is every user and service account that has any credential at all (on \
GKE, any Google account in the world); group `system:serviceaccounts` is every service \
account, so any compromised pod. Whatever a binding grants them is granted to an attacker \
before any other foothold. Every binding naming one of them is reported, at that subject, \
except the discovery roles Kubernetes binds to them itself (ClusterRoles \
`system:public-info-viewer` to everyone, `system:basic-user` and `system:discovery` to \
`system:authenticated` only, and kubeadm's \
`kubeadm:bootstrap-signer-clusterinfo` Role in `kube-public`) and Kubernetes' own bindings \
(labelled `kubernetes.io/bootstrapping: rbac-defaults`). A namespace's service accounts \
(`system:serviceaccounts:NAMESPACE`) are not everyone and are not reported.",
        remediation: r#"Bind the role to the users, groups or service accounts that need it:

```yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: dashboard-viewers
  namespace: shop
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: view
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: Group
  name: shop-developers
```"#,
        references: &[refs::NSA_AUTHENTICATION_AUTHORIZATION],
        params: &[],
        pss: None,
    },
    check: Check::Inventory(check),
};

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    let model = rbac::model(ctx, out);
    for b in model.bindings.iter().filter(|b| !b.stock) {
        for (i, s) in rbac::distinct_subjects(b) {
            let Some(who) = audience(s) else {
                continue;
            };
            if is_discovery(b, s) {
                continue;
            }
            let message = format!(
                "binds {s} ({who}) to {} {}{}",
                rbac::role_name(b),
                Scope::of(b),
                rbac::strongest_risk_clause(&model, b),
            );
            rbac::report_subject(out, b, i, message);
        }
    }
}

/// Whether `b` binds `subject` to a role Kubernetes (or kubeadm) itself
/// grants that subject.
fn is_discovery(b: &Binding, subject: &Subject) -> bool {
    let name = b.role_ref.name.as_str();
    match b.role_ref.kind.as_str() {
        "ClusterRole" => DISCOVERY_CLUSTER_ROLES.iter().any(|(role, to)| {
            *role == name
                && matches!(subject, Subject::Group { name: g } if to.contains(&g.as_str()))
        }),
        // kubeadm binds it to anonymous users, so that joining nodes can
        // read the cluster-info ConfigMap.
        "Role" => {
            b.namespace.as_deref() == Some(KUBEADM_CLUSTER_INFO.0) && name == KUBEADM_CLUSTER_INFO.1
        }
        _ => false,
    }
}

/// Who a public subject is, in plain words.
fn audience(s: &Subject) -> Option<&'static str> {
    if !s.is_public() {
        return None;
    }
    Some(match s {
        Subject::Group { name } if name == "system:authenticated" => {
            "every authenticated user and service account; on GKE, any Google account"
        }
        Subject::Group { name } if name == "system:serviceaccounts" => {
            "every service account of every namespace, so any compromised pod"
        }
        _ => "anyone who can reach the API server, without credentials",
    })
}
