//! The roles and bindings every Kubernetes cluster has: what the
//! kube-apiserver creates at startup (its RBAC bootstrap policy). A
//! manifest-only analysis that loads them first can assume a stock
//! cluster: a binding to `edit` then grants what `edit` grants, and
//! `system:authenticated` can read `/version`.
//!
//! The data is `defaults.yaml`, embedded; its header says where it comes
//! from. Every object carries `kubernetes.io/bootstrapping: rbac-defaults`,
//! so the model marks them stock.

use std::collections::HashSet;
use std::sync::LazyLock;

use rampart_core::Inventory;
use rampart_core::source::SourceFile;
use rampart_core::yaml::Limits;

use crate::model::RBAC_GROUP;

/// The Kubernetes release whose bootstrap policy `defaults.yaml` holds.
pub const VERSION: &str = "v1.35";

const TEXT: &str = include_str!("defaults.yaml");

/// The default roles and bindings as a source file to load before the
/// inputs (see [`Inventory::load_with`]), so that an input object of the
/// same identity replaces the stock one, as `kubectl apply` would.
pub fn source() -> SourceFile {
    SourceFile {
        name: format!("<kubernetes {VERSION} default RBAC>").into(),
        text: TEXT.to_string(),
    }
}

/// The names of the default ClusterRoles and (namespace, name) of the
/// default Roles, read from the data once, with the same parser the inputs
/// go through so that the two cannot disagree.
struct Names {
    cluster_roles: HashSet<String>,
    roles: HashSet<(String, String)>,
}

static NAMES: LazyLock<Names> = LazyLock::new(|| {
    let inventory = Inventory::from_sources(vec![source()], Vec::new(), Limits::default());
    let rbac = |kind| {
        inventory
            .of_kind(kind)
            .filter(|o: &&rampart_core::Object| o.group() == RBAC_GROUP)
    };
    Names {
        cluster_roles: rbac("ClusterRole").map(|o| o.name().to_string()).collect(),
        roles: rbac("Role")
            .filter_map(|o| Some((o.namespace()?.to_string(), o.name().to_string())))
            .collect(),
    }
});

/// Whether every cluster has a ClusterRole named `name` (`view`,
/// `cluster-admin`, `system:controller:job-controller`, ...): a binding
/// to it from manifests refers to something that exists.
pub fn is_default_cluster_role(name: &str) -> bool {
    NAMES.cluster_roles.contains(name)
}

/// Whether every cluster has a Role `name` in `namespace` (such as
/// `kube-system/extension-apiserver-authentication-reader`, which extension
/// API servers bind to).
pub fn is_default_role(namespace: &str, name: &str) -> bool {
    NAMES
        .roles
        .contains(&(namespace.to_string(), name.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Model, Principal, Request, Subject};

    fn defaults() -> (Inventory, Model) {
        let inventory = Inventory::from_sources(vec![source()], Vec::new(), Limits::default());
        let model = Model::build(&inventory);
        (inventory, model)
    }

    fn can(
        m: &Model,
        who: &str,
        verb: &str,
        target: &str,
        sub: Option<&str>,
        ns: Option<&str>,
    ) -> bool {
        let p = Principal::parse(who, &[]).unwrap();
        let r = Request::from_kubectl(verb, target, sub, ns).unwrap();
        m.can(&p, &r).allowed
    }

    #[test]
    fn loads_and_builds_without_diagnostics() {
        let (inventory, model) = defaults();
        assert!(
            inventory.diagnostics.is_empty(),
            "{:?}",
            inventory.diagnostics
        );
        assert!(model.diagnostics.is_empty(), "{:?}", model.diagnostics);
        assert!(inventory.objects.len() > 100, "{}", inventory.objects.len());
    }

    #[test]
    fn every_object_is_stock_and_every_binding_resolves() {
        let (inventory, model) = defaults();
        assert_eq!(
            model.roles.len() + model.bindings.len(),
            inventory.objects.len()
        );
        assert!(model.roles.iter().all(|r| r.stock));
        assert!(model.bindings.iter().all(|b| b.stock));
        let dangling: Vec<_> = model.dangling_bindings().map(|b| &b.id.name).collect();
        assert!(dangling.is_empty(), "{dangling:?}");
    }

    #[test]
    fn each_controller_role_is_bound_to_its_service_account() {
        let (_, model) = defaults();
        let controllers: Vec<&str> = model
            .roles
            .iter()
            .filter_map(|r| {
                r.id.name
                    .strip_prefix("system:controller:")
                    .filter(|_| r.cluster)
            })
            .collect();
        assert!(controllers.len() > 30, "{}", controllers.len());
        for c in controllers {
            let name = format!("system:controller:{c}");
            let b = model
                .bindings
                .iter()
                .find(|b| b.namespace.is_none() && b.role_ref.name == name)
                .unwrap_or_else(|| panic!("{name} is not bound"));
            assert_eq!(b.subjects, vec![Subject::sa("kube-system", c)], "{name}");
        }
    }

    #[test]
    fn default_cluster_roles_come_from_the_data() {
        for name in [
            "cluster-admin",
            "admin",
            "edit",
            "view",
            "system:aggregate-to-edit",
            "system:node",
            "system:kube-scheduler",
            "system:controller:job-controller",
            "system:certificates.k8s.io:kubelet-serving-approver",
        ] {
            assert!(is_default_cluster_role(name), "{name}");
        }
        // Namespaced Roles and bindings are not ClusterRoles.
        for name in [
            "system::leader-locking-kube-scheduler",
            "extension-apiserver-authentication-reader",
            "system:controller:token-cleaner",
            "system:cluster-trust-bundle-discovery",
            "Edit",
            "",
        ] {
            assert!(!is_default_cluster_role(name), "{name}");
        }
        assert!(is_default_role(
            "kube-system",
            "extension-apiserver-authentication-reader"
        ));
        assert!(is_default_role(
            "kube-public",
            "system:controller:bootstrap-signer"
        ));
        assert!(!is_default_role(
            "default",
            "extension-apiserver-authentication-reader"
        ));
        assert!(!is_default_role("kube-system", "view"));
    }

    #[test]
    fn aggregated_user_roles() {
        let (_, m) = defaults();
        for role in ["admin", "edit", "view"] {
            assert!(m.role(None, role).is_some_and(|r| r.aggregated), "{role}");
        }
        let grant = |role: &str| {
            format!(
                r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {{name: b-{role}, namespace: shop}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: {role}}}
subjects: [{{kind: User, name: {role}-user, apiGroup: rbac.authorization.k8s.io}}]
"#
            )
        };
        let inventory = Inventory::from_sources(
            vec![
                source(),
                SourceFile {
                    name: "b.yaml".into(),
                    text: ["admin", "edit", "view"].map(grant).join("---\n"),
                },
            ],
            Vec::new(),
            Limits::default(),
        );
        let m = Model::build(&inventory);
        let shop = Some("shop");
        // edit: runs pods, reads Secrets, execs, impersonates service accounts.
        assert!(can(&m, "user:edit-user", "create", "pods", None, shop));
        assert!(can(&m, "user:edit-user", "get", "secrets", None, shop));
        assert!(can(
            &m,
            "user:edit-user",
            "create",
            "pods",
            Some("exec"),
            shop
        ));
        assert!(can(
            &m,
            "user:edit-user",
            "impersonate",
            "serviceaccounts",
            None,
            shop
        ));
        assert!(can(
            &m,
            "user:edit-user",
            "create",
            "events.events.k8s.io",
            None,
            shop
        ));
        assert!(can(
            &m,
            "user:edit-user",
            "list",
            "deployments.apps",
            None,
            shop
        ));
        assert!(!can(
            &m,
            "user:edit-user",
            "create",
            "rolebindings.rbac.authorization.k8s.io",
            None,
            shop
        ));
        // ... only in the RoleBinding's namespace.
        assert!(!can(
            &m,
            "user:edit-user",
            "create",
            "pods",
            None,
            Some("other")
        ));
        // view: reads, but no Secrets and no writes.
        assert!(can(&m, "user:view-user", "list", "pods", None, shop));
        assert!(can(&m, "user:view-user", "get", "pods", Some("log"), shop));
        assert!(!can(&m, "user:view-user", "get", "secrets", None, shop));
        assert!(!can(&m, "user:view-user", "create", "pods", None, shop));
        assert!(!can(
            &m,
            "user:view-user",
            "get",
            "pods",
            Some("exec"),
            shop
        ));
        // admin: edit plus roles and bindings.
        assert!(can(
            &m,
            "user:admin-user",
            "create",
            "rolebindings.rbac.authorization.k8s.io",
            None,
            shop
        ));
        assert!(can(&m, "user:admin-user", "create", "pods", None, shop));
        assert!(can(&m, "user:admin-user", "get", "secrets", None, shop));
        // A RoleBinding grants no cluster-scoped resource.
        assert!(!can(&m, "user:admin-user", "list", "nodes", None, None));
    }

    #[test]
    fn discovery_and_public_info() {
        let (_, m) = defaults();
        for path in [
            "/version",
            "/api",
            "/apis/apps/v1",
            "/openapi/v3",
            "/healthz",
        ] {
            assert!(can(&m, "user:alice", "get", path, None, None), "{path}");
            assert!(can(&m, "sa:shop:web", "get", path, None, None), "{path}");
        }
        assert!(can(
            &m,
            "user:alice",
            "create",
            "selfsubjectaccessreviews.authorization.k8s.io",
            None,
            None
        ));
        assert!(!can(&m, "user:alice", "get", "/metrics", None, None));
        assert!(!can(
            &m,
            "user:alice",
            "list",
            "pods",
            None,
            Some("default")
        ));
        // Anonymous clients see health and version, not the API.
        for path in ["/healthz", "/livez", "/readyz", "/version"] {
            assert!(
                can(&m, "user:system:anonymous", "get", path, None, None),
                "{path}"
            );
        }
        assert!(!can(&m, "user:system:anonymous", "get", "/api", None, None));
        assert!(!can(
            &m,
            "user:system:anonymous",
            "get",
            "/healthz/etcd",
            None,
            None
        ));
        // Every service account reads the OIDC discovery document; users do not.
        assert!(can(
            &m,
            "sa:shop:web",
            "get",
            "/.well-known/openid-configuration",
            None,
            None
        ));
        assert!(!can(&m, "user:alice", "get", "/openid/v1/jwks", None, None));
        // The monitoring group reads metrics and the detailed health checks.
        assert!(can(
            &m,
            "group:system:monitoring",
            "get",
            "/metrics",
            None,
            None
        ));
        assert!(can(
            &m,
            "group:system:monitoring",
            "get",
            "/readyz/etcd",
            None,
            None
        ));
        assert!(can(
            &m,
            "group:system:monitoring",
            "get",
            "nodes",
            Some("metrics"),
            None
        ));
    }

    #[test]
    fn masters_bypass_and_are_cluster_admin() {
        let (_, m) = defaults();
        let p = Principal::parse("group:system:masters", &[]).unwrap();
        let d = m.can(
            &p,
            &Request::from_kubectl("delete", "nodes", None, None).unwrap(),
        );
        assert!(d.allowed);
        assert_eq!(d.bypass.as_deref(), Some("system:masters"));
        let b = model_binding(&m, "cluster-admin");
        assert_eq!(b.subjects, vec![Subject::group("system:masters")]);
    }

    fn model_binding<'a>(m: &'a Model, name: &str) -> &'a crate::Binding {
        m.bindings
            .iter()
            .find(|b| b.namespace.is_none() && b.id.name == name)
            .unwrap_or_else(|| panic!("no ClusterRoleBinding {name}"))
    }

    #[test]
    fn nodes_get_nothing_from_rbac() {
        let (_, m) = defaults();
        // The system:node binding has no subjects since v1.8: the Node
        // authorizer, not RBAC, lets kubelets work.
        assert!(model_binding(&m, "system:node").subjects.is_empty());
        let node = "user:system:node:worker-1";
        assert!(!can(&m, node, "get", "secrets", None, Some("default")));
        assert!(!can(&m, node, "list", "pods", None, None));
        assert!(!can(&m, node, "patch", "nodes", Some("status"), None));
        // Only what every authenticated user has.
        assert!(can(&m, node, "get", "/version", None, None));
    }

    #[test]
    fn component_identities() {
        let (_, m) = defaults();
        let sched = "user:system:kube-scheduler";
        assert!(can(
            &m,
            sched,
            "create",
            "pods",
            Some("binding"),
            Some("shop")
        ));
        assert!(can(&m, sched, "create", "bindings", None, Some("shop")));
        assert!(can(
            &m,
            sched,
            "patch",
            "pods",
            Some("status"),
            Some("shop")
        ));
        assert!(
            can(&m, sched, "update", "persistentvolumes", None, None),
            "system:volume-scheduler"
        );
        assert!(can(
            &m,
            sched,
            "update",
            "leases.coordination.k8s.io/kube-scheduler",
            None,
            Some("kube-system")
        ));
        assert!(!can(
            &m,
            sched,
            "update",
            "leases.coordination.k8s.io/other",
            None,
            Some("default")
        ));
        assert!(!can(&m, sched, "create", "pods", None, Some("shop")));
        assert!(!can(&m, sched, "get", "secrets", None, Some("shop")));
        // The scheduler reads the apiserver's delegated-authentication config map.
        assert!(can(
            &m,
            sched,
            "get",
            "configmaps/extension-apiserver-authentication",
            None,
            Some("kube-system")
        ));

        let kcm = "user:system:kube-controller-manager";
        assert!(can(&m, kcm, "list", "secrets", None, None));
        assert!(can(
            &m,
            kcm,
            "create",
            "serviceaccounts",
            Some("token"),
            Some("kube-system")
        ));
        assert!(!can(&m, kcm, "create", "pods", None, Some("shop")));

        let proxy = "user:system:kube-proxy";
        assert!(can(
            &m,
            proxy,
            "watch",
            "endpointslices.discovery.k8s.io",
            None,
            None
        ));
        assert!(!can(&m, proxy, "get", "secrets", None, Some("kube-system")));

        assert!(can(
            &m,
            "sa:kube-system:kube-dns",
            "list",
            "services",
            None,
            None
        ));
        // Controllers act through their own service accounts.
        assert!(can(
            &m,
            "sa:kube-system:replicaset-controller",
            "create",
            "pods",
            None,
            Some("shop")
        ));
        assert!(can(
            &m,
            "sa:kube-system:generic-garbage-collector",
            "delete",
            "secrets",
            None,
            Some("shop")
        ));
        assert!(can(
            &m,
            "sa:kube-system:clusterrole-aggregation-controller",
            "escalate",
            "clusterroles.rbac.authorization.k8s.io",
            None,
            None
        ));
        assert!(can(
            &m,
            "sa:kube-system:token-cleaner",
            "delete",
            "secrets",
            None,
            Some("kube-system")
        ));
        assert!(!can(
            &m,
            "sa:kube-system:token-cleaner",
            "delete",
            "secrets",
            None,
            Some("shop")
        ));
        assert!(can(
            &m,
            "sa:kube-system:bootstrap-signer",
            "update",
            "configmaps/cluster-info",
            None,
            Some("kube-public")
        ));
    }

    #[test]
    fn input_objects_replace_stock_ones() {
        // An input ClusterRole of the same name comes after the defaults and
        // wins, as `kubectl apply` replaces it.
        let inventory = Inventory::from_sources(
            vec![
                source(),
                SourceFile {
                    name: "view.yaml".into(),
                    text: r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: system:aggregate-to-view}
rules: [{apiGroups: [""], resources: [secrets], verbs: [get]}]
"#
                    .into(),
                },
            ],
            Vec::new(),
            Limits::default(),
        );
        let m = Model::build(&inventory);
        let view = m.role(None, "system:aggregate-to-view").unwrap();
        assert!(!view.stock);
        assert_eq!(view.rules.len(), 1);
        // It no longer carries the aggregate-to-view label, so view is empty.
        assert!(m.role(None, "view").is_some_and(|r| r.rules.is_empty()));
    }
}
