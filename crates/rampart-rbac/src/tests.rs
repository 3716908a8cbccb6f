//! Tests of every authorizer semantic point, on inventories built from YAML.

use rampart_core::inventory::Inventory;
use rampart_core::source::SourceFile;
use rampart_core::yaml::Limits;

use crate::*;

/// An inventory of one file holding `text`.
pub(crate) fn inventory(text: &str) -> Inventory {
    Inventory::from_sources(
        vec![SourceFile {
            name: "t.yaml".into(),
            text: text.to_string(),
        }],
        Vec::new(),
        Limits::default(),
    )
}

fn model(text: &str) -> Model {
    Model::build(&inventory(text))
}

fn req(verb: &str, target: &str, sub: Option<&str>, ns: Option<&str>) -> Request {
    Request::from_kubectl(verb, target, sub, ns).unwrap()
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
    m.can(&p, &req(verb, target, sub, ns)).allowed
}

/// A ClusterRole with one rule, bound cluster-wide to user `u`.
fn cluster_grant(rule: &str) -> Model {
    model(&format!(
        r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {{name: r}}
rules:
- {rule}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {{name: b}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: r}}
subjects: [{{kind: User, name: u, apiGroup: rbac.authorization.k8s.io}}]
"#
    ))
}

/// A Role with one rule in `ns`, bound there to user `u`.
fn role_grant(ns: &str, rule: &str) -> Model {
    model(&format!(
        r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {{name: r, namespace: {ns}}}
rules:
- {rule}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {{name: b, namespace: {ns}}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}}
subjects: [{{kind: User, name: u, apiGroup: rbac.authorization.k8s.io}}]
"#
    ))
}

// ---- verbs ----

#[test]
fn star_verb_matches_standard_and_custom_verbs() {
    let m = cluster_grant(r#"{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}"#);
    for verb in [
        "get",
        "create",
        "deletecollection",
        "bind",
        "escalate",
        "impersonate",
        "approve",
        "use",
        "frobnicate",
    ] {
        assert!(can(&m, "user:u", verb, "pods", None, None), "{verb}");
    }
}

#[test]
fn exact_verb_only() {
    let m = cluster_grant(r#"{apiGroups: [""], resources: ["pods"], verbs: ["get", "list"]}"#);
    assert!(can(&m, "user:u", "get", "pods", None, None));
    assert!(can(&m, "user:u", "list", "pods", None, Some("x")));
    assert!(!can(&m, "user:u", "watch", "pods", None, None));
    assert!(!can(&m, "user:u", "GET", "pods", None, None));
}

// ---- apiGroups ----

#[test]
fn empty_api_group_is_core_only() {
    let m = cluster_grant(r#"{apiGroups: [""], resources: ["*"], verbs: ["get"]}"#);
    assert!(can(&m, "user:u", "get", "pods", None, None));
    assert!(!can(&m, "user:u", "get", "deployments.apps", None, None));
}

#[test]
fn star_api_group_matches_any() {
    let m = cluster_grant(r#"{apiGroups: ["*"], resources: ["deployments"], verbs: ["get"]}"#);
    assert!(can(&m, "user:u", "get", "deployments.apps", None, None));
    assert!(can(
        &m,
        "user:u",
        "get",
        "deployments.extensions",
        None,
        None
    ));
    assert!(can(&m, "user:u", "get", "deployments", None, None));
}

#[test]
fn named_api_group_is_exact() {
    let m = cluster_grant(r#"{apiGroups: ["apps"], resources: ["deployments"], verbs: ["get"]}"#);
    assert!(can(&m, "user:u", "get", "deployments.apps", None, None));
    assert!(!can(&m, "user:u", "get", "deployments", None, None));
    assert!(!can(
        &m,
        "user:u",
        "get",
        "deployments.extensions",
        None,
        None
    ));
}

#[test]
fn rule_without_api_groups_matches_no_resource() {
    let m = cluster_grant(r#"{resources: ["pods"], verbs: ["get"]}"#);
    assert!(!can(&m, "user:u", "get", "pods", None, None));
}

// ---- resources ----

#[test]
fn star_resource_matches_resources_and_subresources() {
    let m = cluster_grant(r#"{apiGroups: [""], resources: ["*"], verbs: ["create"]}"#);
    assert!(can(&m, "user:u", "create", "pods", None, Some("a")));
    assert!(can(
        &m,
        "user:u",
        "create",
        "pods/p",
        Some("exec"),
        Some("a")
    ));
    assert!(can(
        &m,
        "user:u",
        "create",
        "serviceaccounts/s",
        Some("token"),
        Some("a")
    ));
}

#[test]
fn resource_does_not_grant_its_subresources() {
    let m = cluster_grant(r#"{apiGroups: [""], resources: ["pods"], verbs: ["*"]}"#);
    assert!(can(&m, "user:u", "create", "pods", None, Some("a")));
    for sub in [
        "exec",
        "log",
        "status",
        "attach",
        "portforward",
        "ephemeralcontainers",
    ] {
        assert!(
            !can(&m, "user:u", "get", "pods/p", Some(sub), Some("a")),
            "{sub}"
        );
    }
}

#[test]
fn exact_subresource_rule() {
    let m = cluster_grant(r#"{apiGroups: [""], resources: ["pods/exec"], verbs: ["create"]}"#);
    assert!(can(
        &m,
        "user:u",
        "create",
        "pods/p",
        Some("exec"),
        Some("a")
    ));
    assert!(!can(
        &m,
        "user:u",
        "create",
        "pods/p",
        Some("attach"),
        Some("a")
    ));
    assert!(!can(&m, "user:u", "create", "pods", None, Some("a")));
    assert!(!can(&m, "user:u", "create", "nodes/n", Some("exec"), None));
}

#[test]
fn star_slash_subresource_matches_that_subresource_of_any_resource() {
    let m = cluster_grant(r#"{apiGroups: ["*"], resources: ["*/scale"], verbs: ["update"]}"#);
    assert!(can(
        &m,
        "user:u",
        "update",
        "deployments.apps/d",
        Some("scale"),
        Some("a")
    ));
    assert!(can(
        &m,
        "user:u",
        "update",
        "replicationcontrollers/r",
        Some("scale"),
        Some("a")
    ));
    assert!(can(
        &m,
        "user:u",
        "update",
        "statefulsets.apps/s",
        Some("scale"),
        Some("a")
    ));
    assert!(!can(
        &m,
        "user:u",
        "update",
        "deployments.apps/d",
        None,
        Some("a")
    ));
    assert!(!can(
        &m,
        "user:u",
        "update",
        "deployments.apps/d",
        Some("status"),
        Some("a")
    ));
}

#[test]
fn pods_slash_star_is_literal() {
    let m = cluster_grant(r#"{apiGroups: [""], resources: ["pods/*"], verbs: ["*"]}"#);
    assert!(!can(
        &m,
        "user:u",
        "create",
        "pods/p",
        Some("exec"),
        Some("a")
    ));
    assert!(!can(&m, "user:u", "get", "pods/p", Some("log"), Some("a")));
    assert!(!can(&m, "user:u", "get", "pods", None, Some("a")));
    // Only a subresource literally named `*` would match.
    assert!(can(&m, "user:u", "get", "pods/p", Some("*"), Some("a")));
}

#[test]
fn resource_matching_is_not_prefix_matching() {
    assert!(!resource_matches(&["pod".into()], "pods", ""));
    assert!(!resource_matches(&["pods/exe".into()], "pods", "exec"));
    assert!(!resource_matches(&["podsx/exec".into()], "pods", "exec"));
    assert!(resource_matches(&["pods/exec".into()], "pods", "exec"));
}

// ---- resourceNames ----

#[test]
fn resource_names_restrict_to_listed_names() {
    let m = cluster_grant(
        r#"{apiGroups: [""], resources: ["configmaps"], resourceNames: ["cm1"], verbs: ["get", "update", "delete"]}"#,
    );
    assert!(can(&m, "user:u", "get", "configmaps/cm1", None, Some("a")));
    assert!(can(
        &m,
        "user:u",
        "update",
        "configmaps/cm1",
        None,
        Some("a")
    ));
    assert!(!can(&m, "user:u", "get", "configmaps/cm2", None, Some("a")));
    assert!(!can(&m, "user:u", "get", "configmaps", None, Some("a")));
}

#[test]
fn resource_names_never_grant_nameless_create_or_deletecollection() {
    let m = cluster_grant(
        r#"{apiGroups: [""], resources: ["configmaps"], resourceNames: ["cm1"], verbs: ["create", "deletecollection"]}"#,
    );
    assert!(!can(&m, "user:u", "create", "configmaps", None, Some("a")));
    assert!(!can(
        &m,
        "user:u",
        "deletecollection",
        "configmaps",
        None,
        Some("a")
    ));
}

#[test]
fn resource_names_allow_create_on_named_subresource() {
    let m = cluster_grant(
        r#"{apiGroups: [""], resources: ["pods/exec"], resourceNames: ["web"], verbs: ["create"]}"#,
    );
    assert!(can(
        &m,
        "user:u",
        "create",
        "pods/web",
        Some("exec"),
        Some("a")
    ));
    assert!(!can(
        &m,
        "user:u",
        "create",
        "pods/db",
        Some("exec"),
        Some("a")
    ));
}

#[test]
fn resource_names_list_and_watch_only_with_a_name() {
    let m = cluster_grant(
        r#"{apiGroups: [""], resources: ["secrets"], resourceNames: ["s1"], verbs: ["list", "watch"]}"#,
    );
    assert!(!can(&m, "user:u", "list", "secrets", None, Some("a")));
    assert!(!can(&m, "user:u", "watch", "secrets", None, Some("a")));
    // With fieldSelector=metadata.name=s1 the request carries the name.
    assert!(can(&m, "user:u", "list", "secrets/s1", None, Some("a")));
    assert!(can(&m, "user:u", "watch", "secrets/s1", None, Some("a")));
}

#[test]
fn resource_name_star_is_literal() {
    let m = cluster_grant(
        r#"{apiGroups: [""], resources: ["secrets"], resourceNames: ["*"], verbs: ["get"]}"#,
    );
    assert!(!can(&m, "user:u", "get", "secrets/s1", None, Some("a")));
    assert!(can(&m, "user:u", "get", "secrets/*", None, Some("a")));
}

/// A custom resource the input's CRD declares cluster-scoped is asked
/// for without a namespace, so RoleBindings never grant it.
#[test]
fn cluster_scoped_custom_resources_are_out_of_role_bindings_reach() {
    let m = model(
        r#"
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Cluster
  names: {plural: widgets, kind: Widget}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: r}
rules: [{apiGroups: [example.com], resources: [widgets, gadgets], verbs: [list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: b, namespace: team}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: r}
subjects: [{kind: User, name: u}]
"#,
    );
    assert!(!can(
        &m,
        "user:u",
        "list",
        "widgets.example.com",
        None,
        Some("team")
    ));
    assert!(can(
        &m,
        "user:u",
        "list",
        "gadgets.example.com",
        None,
        Some("team")
    ));
}

/// A nameless request has the name `""`: a list holding `""` (an empty
/// Helm value, say) grants list, nameless create and deletecollection.
#[test]
fn resource_name_empty_string_matches_nameless_requests() {
    let m = cluster_grant(
        r#"{apiGroups: [""], resources: ["secrets"], resourceNames: [""], verbs: ["list", "create", "get"]}"#,
    );
    assert!(can(&m, "user:u", "list", "secrets", None, Some("a")));
    assert!(can(&m, "user:u", "create", "secrets", None, Some("a")));
    assert!(!can(&m, "user:u", "get", "secrets/s1", None, Some("a")));
}

// ---- nonResourceURLs ----

#[test]
fn non_resource_urls_exact_star_and_prefix() {
    let m = cluster_grant(r#"{nonResourceURLs: ["/healthz", "/logs/*"], verbs: ["get"]}"#);
    assert!(can(&m, "user:u", "get", "/healthz", None, None));
    assert!(!can(&m, "user:u", "get", "/healthz/etcd", None, None));
    assert!(can(&m, "user:u", "get", "/logs/", None, None));
    assert!(can(
        &m,
        "user:u",
        "get",
        "/logs/kube-apiserver.log",
        None,
        None
    ));
    assert!(!can(&m, "user:u", "get", "/logs", None, None));
    assert!(!can(&m, "user:u", "post", "/healthz", None, None));
    // Every trailing `*` is dropped before the prefix test.
    let stars = cluster_grant(r#"{nonResourceURLs: ["/logs**"], verbs: ["get"]}"#);
    assert!(can(&stars, "user:u", "get", "/logs/x", None, None));
    assert!(can(&stars, "user:u", "get", "/logsmore", None, None));
    let all = cluster_grant(r#"{nonResourceURLs: ["*"], verbs: ["get"]}"#);
    assert!(can(&all, "user:u", "get", "/metrics", None, None));
    assert!(can(&all, "user:u", "get", "/", None, None));
}

#[test]
fn non_resource_rule_grants_no_resources_and_vice_versa() {
    let m = cluster_grant(r#"{nonResourceURLs: ["*"], verbs: ["*"]}"#);
    assert!(!can(&m, "user:u", "get", "pods", None, None));
    let r = cluster_grant(r#"{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}"#);
    assert!(!can(&r, "user:u", "get", "/healthz", None, None));
}

#[test]
fn non_resource_urls_not_granted_through_role_binding() {
    let m = model(
        r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: r}
rules: [{nonResourceURLs: ["*"], verbs: ["get"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: b, namespace: a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: r}
subjects: [{kind: User, name: u}]
"#,
    );
    assert!(!can(&m, "user:u", "get", "/healthz", None, None));
    assert!(!can(&m, "user:u", "get", "/healthz", None, Some("a")));
}

// ---- scope ----

#[test]
fn role_binding_grants_in_its_namespace_only() {
    let m = role_grant(
        "a",
        r#"{apiGroups: [""], resources: ["pods"], verbs: ["get"]}"#,
    );
    assert!(can(&m, "user:u", "get", "pods", None, Some("a")));
    assert!(!can(&m, "user:u", "get", "pods", None, Some("b")));
    // Across all namespaces is a cluster-wide request.
    assert!(!can(&m, "user:u", "get", "pods", None, None));
}

#[test]
fn role_binding_to_role_in_other_namespace_does_not_resolve() {
    let m = model(
        r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: r, namespace: b}
rules: [{apiGroups: [""], resources: ["pods"], verbs: ["get"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: rb, namespace: a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}
subjects: [{kind: User, name: u}]
"#,
    );
    assert!(!can(&m, "user:u", "get", "pods", None, Some("a")));
    assert!(!can(&m, "user:u", "get", "pods", None, Some("b")));
    assert_eq!(m.dangling_bindings().count(), 1);
}

const CLUSTER_ROLE_IN_NS: &str = r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: r}
rules:
- {apiGroups: [""], resources: ["pods", "nodes", "namespaces", "persistentvolumes"], verbs: ["get", "list", "create"]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: b, namespace: a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: r}
subjects: [{kind: User, name: u}]
"#;

#[test]
fn cluster_role_via_role_binding_grants_namespaced_resources_in_binding_namespace() {
    let m = model(CLUSTER_ROLE_IN_NS);
    assert!(can(&m, "user:u", "get", "pods", None, Some("a")));
    assert!(!can(&m, "user:u", "get", "pods", None, Some("b")));
    assert!(!can(&m, "user:u", "list", "pods", None, None));
}

#[test]
fn cluster_role_via_role_binding_does_not_grant_cluster_scoped_resources() {
    let m = model(CLUSTER_ROLE_IN_NS);
    assert!(!can(&m, "user:u", "get", "nodes", None, None));
    // Even when asked "in" the namespace: nodes have no namespace.
    assert!(!can(&m, "user:u", "get", "nodes", None, Some("a")));
    assert!(!can(
        &m,
        "user:u",
        "create",
        "persistentvolumes",
        None,
        Some("a")
    ));
    assert!(!can(&m, "user:u", "list", "namespaces", None, Some("a")));
    // One namespace object is in that namespace, as the API server sees it.
    assert!(can(&m, "user:u", "get", "namespaces/a", None, None));
    assert!(!can(&m, "user:u", "get", "namespaces/b", None, None));
}

#[test]
fn cluster_role_binding_grants_everything_everywhere() {
    let m = cluster_grant(r#"{apiGroups: [""], resources: ["pods", "nodes"], verbs: ["get"]}"#);
    assert!(can(&m, "user:u", "get", "pods", None, Some("a")));
    assert!(can(&m, "user:u", "get", "pods", None, Some("zzz")));
    assert!(can(&m, "user:u", "get", "pods", None, None));
    assert!(can(&m, "user:u", "get", "nodes", None, None));
}

#[test]
fn role_binding_may_bind_subjects_from_other_namespaces() {
    let m = model(
        r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: r, namespace: a}
rules: [{apiGroups: [""], resources: ["secrets"], verbs: ["get"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: b, namespace: a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}
subjects: [{kind: ServiceAccount, name: bot, namespace: other}]
"#,
    );
    assert!(can(&m, "sa:other:bot", "get", "secrets", None, Some("a")));
    assert!(!can(&m, "sa:a:bot", "get", "secrets", None, Some("a")));
    assert!(!can(
        &m,
        "sa:other:bot",
        "get",
        "secrets",
        None,
        Some("other")
    ));
}

// ---- missing roles ----

#[test]
fn binding_to_missing_role_is_latent_and_reported() {
    let m = model(
        r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: b}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ghost}
subjects: [{kind: User, name: u}]
"#,
    );
    let d = m.can(
        &Principal::parse("user:u", &[]).unwrap(),
        &req("get", "pods", None, None),
    );
    assert!(!d.allowed);
    assert_eq!(d.latent.len(), 1);
    assert_eq!(d.latent[0].role_name, "ghost");
    assert_eq!(m.dangling_bindings().count(), 1);
    let w = m.who_can(&req("get", "pods", None, None));
    assert!(w.grants.is_empty());
    assert_eq!(w.latent.len(), 1);
}

// ---- subjects ----

const SA_BINDINGS: &str = r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: r, namespace: a}
rules: [{apiGroups: [""], resources: ["pods"], verbs: ["get"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: b, namespace: a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}
subjects: [{kind: ServiceAccount, name: bot}]
"#;

#[test]
fn sa_subject_without_namespace_takes_role_binding_namespace() {
    let m = model(SA_BINDINGS);
    assert!(can(&m, "sa:a:bot", "get", "pods", None, Some("a")));
    assert!(!can(&m, "sa:b:bot", "get", "pods", None, Some("a")));
    assert_eq!(m.bindings[0].subjects, vec![Subject::sa("a", "bot")]);
}

#[test]
fn sa_subject_without_namespace_in_cluster_role_binding_matches_nothing() {
    let m = model(
        r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: r}
rules: [{apiGroups: [""], resources: ["pods"], verbs: ["get"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: b}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: r}
subjects: [{kind: ServiceAccount, name: bot}]
"#,
    );
    assert!(!can(&m, "sa:default:bot", "get", "pods", None, None));
    assert!(m.bindings[0].subjects.is_empty());
    assert!(
        m.diagnostics
            .iter()
            .any(|d| d.code == "rbac-invalid-subject")
    );
}

#[test]
fn sa_username_is_the_same_service_account() {
    let m = model(SA_BINDINGS);
    assert!(can(
        &m,
        "user:system:serviceaccount:a:bot",
        "get",
        "pods",
        None,
        Some("a")
    ));
    assert_eq!(
        Subject::parse("user:system:serviceaccount:a:bot").unwrap(),
        Subject::sa("a", "bot")
    );
    // A User subject with the SA user name matches the SA.
    let m = role_grant(
        "a",
        r#"{apiGroups: [""], resources: ["pods"], verbs: ["get"]}"#,
    );
    assert!(!can(&m, "sa:a:u", "get", "pods", None, Some("a")));
    let m = model(
        r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: r}
rules: [{apiGroups: [""], resources: ["pods"], verbs: ["get"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: b}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: r}
subjects: [{kind: User, name: "system:serviceaccount:ci:deployer"}]
"#,
    );
    assert!(can(&m, "sa:ci:deployer", "get", "pods", None, None));
}

fn group_binding(group: &str) -> Model {
    model(&format!(
        r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {{name: r}}
rules: [{{apiGroups: [""], resources: ["pods"], verbs: ["get"]}}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {{name: b}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: r}}
subjects: [{{kind: Group, name: "{group}", apiGroup: rbac.authorization.k8s.io}}]
"#
    ))
}

#[test]
fn service_accounts_have_implicit_groups() {
    let all = group_binding("system:serviceaccounts");
    assert!(can(&all, "sa:x:y", "get", "pods", None, None));
    assert!(!can(&all, "user:alice", "get", "pods", None, None));
    let ns = group_binding("system:serviceaccounts:x");
    assert!(can(&ns, "sa:x:y", "get", "pods", None, None));
    assert!(!can(&ns, "sa:z:y", "get", "pods", None, None));
    let authd = group_binding("system:authenticated");
    assert!(can(&authd, "sa:x:y", "get", "pods", None, None));
    assert!(can(&authd, "user:alice", "get", "pods", None, None));
    assert!(can(&authd, "group:dev", "get", "pods", None, None));
    assert!(!can(
        &authd,
        "user:system:anonymous",
        "get",
        "pods",
        None,
        None
    ));
}

#[test]
fn anonymous_is_unauthenticated() {
    let m = group_binding("system:unauthenticated");
    assert!(can(&m, "user:system:anonymous", "get", "pods", None, None));
    assert!(!can(&m, "user:alice", "get", "pods", None, None));
}

#[test]
fn node_users_are_in_system_nodes() {
    let m = group_binding("system:nodes");
    assert!(can(&m, "user:system:node:n1", "get", "pods", None, None));
    assert!(!can(&m, "user:alice", "get", "pods", None, None));
}

#[test]
fn extra_groups_apply() {
    let m = group_binding("dev");
    let p = Principal::parse("user:alice", &["dev".to_string()]).unwrap();
    assert!(m.can(&p, &req("get", "pods", None, None)).allowed);
    assert!(!can(&m, "user:alice", "get", "pods", None, None));
    assert!(can(&m, "group:dev", "get", "pods", None, None));
}

#[test]
fn user_and_group_names_are_exact() {
    let m = cluster_grant(r#"{apiGroups: [""], resources: ["pods"], verbs: ["get"]}"#);
    assert!(!can(&m, "user:U", "get", "pods", None, None));
    assert!(!can(&m, "group:u", "get", "pods", None, None));
}

#[test]
fn system_masters_bypasses_rbac() {
    let m = model("");
    let p = Principal::parse("user:root", &["system:masters".to_string()]).unwrap();
    let d = m.can(
        &p,
        &req(
            "escalate",
            "clusterroles.rbac.authorization.k8s.io",
            None,
            None,
        ),
    );
    assert!(d.allowed);
    assert_eq!(d.bypass.as_deref(), Some("system:masters"));
    assert!(can(
        &m,
        "group:system:masters",
        "get",
        "/anything",
        None,
        None
    ));
    let w = m.who_can(&req("get", "secrets", None, None));
    assert_eq!(w.bypass, vec![Subject::group("system:masters")]);
}

#[test]
fn subject_parser() {
    assert_eq!(
        Subject::parse("user:alice").unwrap(),
        Subject::user("alice")
    );
    assert_eq!(
        Subject::parse("group:system:authenticated").unwrap(),
        Subject::group("system:authenticated")
    );
    assert_eq!(
        Subject::parse("sa:ci:deployer").unwrap(),
        Subject::sa("ci", "deployer")
    );
    for bad in [
        "alice", "user:", "sa:ci", "sa::x", "sa:ci:", "sa:a:b:c", "robot:x",
    ] {
        assert!(Subject::parse(bad).is_err(), "{bad}");
    }
    let p = Principal::parse("sa:ci:deployer", &[]).unwrap();
    assert_eq!(p.user.as_deref(), Some("system:serviceaccount:ci:deployer"));
    assert_eq!(
        p.groups,
        vec![
            "system:serviceaccounts",
            "system:serviceaccounts:ci",
            "system:authenticated",
        ]
    );
    // --group works like kubectl's --as-group: the given groups replace a
    // user's own, system:authenticated is added unless already decided.
    let groups = |spec: &str, extra: &[&str]| {
        let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        Principal::parse(spec, &extra).unwrap().groups
    };
    assert_eq!(
        groups("sa:ci:deployer", &["extra"]),
        ["extra", "system:authenticated"]
    );
    assert_eq!(groups("user:node", &["x"]), ["x", "system:authenticated"]);
    assert_eq!(
        groups("user:system:node:n1", &[]),
        ["system:nodes", "system:authenticated"]
    );
    assert_eq!(
        groups("user:u", &["system:unauthenticated"]),
        ["system:unauthenticated"]
    );
    assert_eq!(
        groups("user:system:anonymous", &[]),
        ["system:unauthenticated"]
    );
    assert_eq!(
        groups("group:system:unauthenticated", &[]),
        ["system:unauthenticated"]
    );
    assert_eq!(Subject::sa("ci", "deployer").to_string(), "sa:ci:deployer");
}

#[test]
fn request_parser() {
    let r =
        ResourceAttributes::from_kubectl("get", "deployments.apps/web", Some("scale"), Some("p"))
            .unwrap();
    assert_eq!(r.api_group, "apps");
    assert_eq!(r.resource, "deployments");
    assert_eq!(r.subresource, "scale");
    assert_eq!(r.name.as_deref(), Some("web"));
    assert_eq!(r.namespace.as_deref(), Some("p"));
    let r = ResourceAttributes::from_kubectl("get", "foos.stable.example.com", None, None).unwrap();
    assert_eq!(r.api_group, "stable.example.com");
    assert!(matches!(
        Request::from_kubectl("get", "/healthz", None, None).unwrap(),
        Request::NonResource { .. }
    ));
    assert!(Request::from_kubectl("", "pods", None, None).is_err());
    assert!(Request::from_kubectl("get", "pods/", None, None).is_err());
    // The name is everything after the first `/`, as kubectl splits it.
    let r = ResourceAttributes::from_kubectl(
        "approve",
        "signers.certificates.k8s.io/kubernetes.io/kube-apiserver-client",
        None,
        None,
    )
    .unwrap();
    assert_eq!(r.resource, "signers");
    assert_eq!(
        r.name.as_deref(),
        Some("kubernetes.io/kube-apiserver-client")
    );
    // Versions between resource and group are dropped; case is folded.
    for (arg, group) in [
        ("deployments.v1.apps", "apps"),
        ("hpa.v2beta2.autoscaling", "autoscaling"),
        ("Pods", ""),
        ("foos.stable.example.com", "stable.example.com"),
        ("foos.v1alpha1.example.com", "example.com"),
    ] {
        let r = ResourceAttributes::from_kubectl("get", arg, None, None).unwrap();
        assert_eq!(r.api_group, group, "{arg}");
        assert_eq!(r.resource, r.resource.to_lowercase(), "{arg}");
    }
}

// ---- aggregation ----

const AGGREGATION: &str = r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: monitoring}
aggregationRule:
  clusterRoleSelectors:
  - matchLabels: {rbac.example.com/aggregate-to-monitoring: "true"}
rules:
- {apiGroups: [""], resources: ["secrets"], verbs: ["get"]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: monitoring-endpoints
  labels: {rbac.example.com/aggregate-to-monitoring: "true"}
rules:
- {apiGroups: [""], resources: ["services", "endpoints", "pods"], verbs: ["get", "list", "watch"]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: monitoring-other
  labels: {rbac.example.com/aggregate-to-monitoring: "false"}
rules:
- {apiGroups: [""], resources: ["configmaps"], verbs: ["get"]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: b}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: monitoring}
subjects: [{kind: Group, name: mon}]
"#;

#[test]
fn aggregated_cluster_role_is_union_of_selected_roles() {
    let m = model(AGGREGATION);
    assert!(can(&m, "group:mon", "list", "endpoints", None, None));
    assert!(!can(&m, "group:mon", "get", "configmaps", None, None));
    let d = m.can(
        &Principal::parse("group:mon", &[]).unwrap(),
        &req("watch", "pods", None, Some("x")),
    );
    assert!(d.allowed);
    assert_eq!(d.because[0].role.name, "monitoring");
    assert_eq!(
        d.because[0]
            .aggregated_from
            .as_ref()
            .map(|r| r.name.as_str()),
        Some("monitoring-endpoints")
    );
    assert!(m.role(None, "monitoring").unwrap().aggregated);
}

#[test]
fn aggregation_replaces_the_aggregating_roles_own_rules() {
    let m = model(AGGREGATION);
    assert!(!can(&m, "group:mon", "get", "secrets", None, None));
}

#[test]
fn aggregation_with_match_expressions_and_chains() {
    let m = model(
        r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: top}
aggregationRule:
  clusterRoleSelectors:
  - matchExpressions: [{key: tier, operator: In, values: [mid]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: mid, labels: {tier: mid}}
aggregationRule:
  clusterRoleSelectors:
  - matchExpressions: [{key: leaf, operator: Exists}]
rules: [{apiGroups: [""], resources: ["secrets"], verbs: ["*"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: leaf1, labels: {leaf: "1"}}
rules: [{apiGroups: ["apps"], resources: ["deployments"], verbs: ["get"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: leaf2, labels: {leaf: "2"}}
rules:
- {apiGroups: ["apps"], resources: ["deployments"], verbs: ["get"]}
- {apiGroups: [""], resources: ["pods"], verbs: ["delete"]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: b}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: top}
subjects: [{kind: User, name: u}]
"#,
    );
    assert!(can(&m, "user:u", "get", "deployments.apps", None, None));
    assert!(can(&m, "user:u", "delete", "pods/p", None, Some("a")));
    assert!(!can(&m, "user:u", "get", "secrets", None, None));
    // Duplicate rules are dropped.
    assert_eq!(m.role(None, "top").unwrap().rules.len(), 2);
    assert_eq!(m.role(None, "mid").unwrap().rules.len(), 2);
}

#[test]
fn aggregation_cycle_terminates() {
    let m = model(
        r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: a, labels: {x: "1"}}
aggregationRule: {clusterRoleSelectors: [{matchLabels: {x: "2"}}]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: b, labels: {x: "2"}}
aggregationRule: {clusterRoleSelectors: [{matchLabels: {x: "1"}}]}
"#,
    );
    assert!(m.role(None, "a").unwrap().rules.is_empty());
}

#[test]
fn aggregation_empty_selector_selects_every_other_cluster_role() {
    let m = model(
        r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: all}
aggregationRule: {clusterRoleSelectors: [{}]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: x}
rules: [{apiGroups: [""], resources: ["pods"], verbs: ["get"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: y, namespace: n}
rules: [{apiGroups: [""], resources: ["secrets"], verbs: ["get"]}]
"#,
    );
    let rules = &m.role(None, "all").unwrap().rules;
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0].rule.resources, vec!["pods"]);
}

#[test]
fn invalid_aggregation_selector_is_reported() {
    let m = model(
        r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: a}
aggregationRule:
  clusterRoleSelectors: [{matchExpressions: [{key: k, operator: Bogus}]}]
"#,
    );
    assert!(
        m.diagnostics
            .iter()
            .any(|d| d.code == "rbac-invalid-selector")
    );
}

// ---- decoding, explanations, who-can ----

#[test]
fn undecodable_objects_are_skipped_with_a_diagnostic() {
    let m = model(
        r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: bad}
rules: [{apiGroups: [""], resources: ["pods"], verbs: "get"}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: b}
roleRef: "nope"
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: ok}
"#,
    );
    assert_eq!(m.roles.len(), 1);
    assert!(m.bindings.is_empty());
    assert_eq!(
        m.diagnostics
            .iter()
            .filter(|d| d.code == "invalid-field")
            .count(),
        2
    );
}

#[test]
fn non_rbac_kinds_with_the_same_name_are_ignored() {
    let m = model(
        r#"
apiVersion: example.com/v1
kind: ClusterRole
metadata: {name: x}
rules: [{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]
"#,
    );
    assert!(m.roles.is_empty());
}

#[test]
fn cluster_role_binding_to_a_role_is_rejected() {
    let m = model(
        r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: r, namespace: default}
rules: [{apiGroups: [""], resources: ["pods"], verbs: ["get"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: b}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}
subjects: [{kind: User, name: u}]
"#,
    );
    assert!(!can(&m, "user:u", "get", "pods", None, Some("default")));
    assert!(
        m.diagnostics
            .iter()
            .any(|d| d.code == "rbac-invalid-roleref")
    );
}

#[test]
fn decision_explains_binding_role_and_rule() {
    let m = model(
        r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: deployer, namespace: prod}
rules:
- {apiGroups: [""], resources: ["configmaps"], verbs: ["get"]}
- {apiGroups: [""], resources: ["pods"], verbs: ["create", "delete"]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: ci, namespace: prod}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: deployer}
subjects:
- {kind: ServiceAccount, name: deployer, namespace: ci}
"#,
    );
    let d = m.can(
        &Principal::parse("sa:ci:deployer", &[]).unwrap(),
        &req("create", "pods", None, Some("prod")),
    );
    assert!(d.allowed);
    assert_eq!(d.because.len(), 1);
    let g = &d.because[0];
    assert_eq!(g.binding.name, "ci");
    assert_eq!(g.binding.kind, "RoleBinding");
    assert_eq!(g.role.name, "deployer");
    assert_eq!(g.rule_index, 1);
    assert_eq!(g.subject, Subject::sa("ci", "deployer"));
}

#[test]
fn who_can_lists_every_subject_with_its_path() {
    let m = model(
        r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader}
rules: [{apiGroups: [""], resources: ["secrets"], verbs: ["get"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: cluster-readers}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: reader}
subjects: [{kind: Group, name: auditors}, {kind: User, name: alice}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: ns-readers, namespace: kube-system}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: reader}
subjects: [{kind: ServiceAccount, name: bot}, {kind: Group, name: "system:serviceaccounts:kube-system"}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: elsewhere, namespace: other}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: reader}
subjects: [{kind: User, name: bob}]
"#,
    );
    let w = m.who_can(&req("get", "secrets", None, Some("kube-system")));
    let subjects: Vec<Subject> = w.grants.iter().map(|(s, _)| s.clone()).collect();
    assert_eq!(
        subjects,
        vec![
            Subject::group("auditors"),
            Subject::user("alice"),
            Subject::sa("kube-system", "bot"),
            Subject::group("system:serviceaccounts:kube-system"),
        ]
    );
    assert_eq!(w.grants[2].1.binding.name, "ns-readers");
    assert_eq!(w.grants[2].1.role.name, "reader");
    assert!(w.subjects().contains(&Subject::group("system:masters")));
    // Cluster-wide: only the ClusterRoleBinding applies.
    let w = m.who_can(&req("get", "secrets", None, None));
    assert_eq!(w.grants.len(), 2);
}

#[test]
fn who_can_and_can_agree() {
    let m = model(AGGREGATION);
    let r = req("get", "services", None, Some("x"));
    let w = m.who_can(&r);
    for (s, _) in &w.grants {
        assert!(m.can(&Principal::of(s, &[]), &r).allowed, "{s}");
    }
    assert_eq!(w.grants.len(), 1);
}

#[test]
fn last_copy_of_an_object_wins() {
    let m = model(
        r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: r}
rules: [{apiGroups: [""], resources: ["pods"], verbs: ["get"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: r}
rules: [{apiGroups: [""], resources: ["secrets"], verbs: ["get"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: b}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: r}
subjects: [{kind: User, name: u}]
"#,
    );
    assert_eq!(m.roles.len(), 1);
    assert!(can(&m, "user:u", "get", "secrets", None, None));
    assert!(!can(&m, "user:u", "get", "pods", None, None));
}

#[test]
fn many_bindings_are_indexed_by_subject() {
    let mut text = String::from(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\nrules: [{apiGroups: [\"\"], resources: [\"pods\"], verbs: [\"get\"]}]\n",
    );
    for i in 0..5000 {
        text.push_str(&format!(
            "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {{name: b{i}, namespace: ns{i}}}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: r}}\nsubjects: [{{kind: User, name: u{i}}}]\n"
        ));
    }
    let m = model(&text);
    assert_eq!(m.bindings.len(), 5000);
    for i in (0..5000).step_by(50) {
        assert!(can(
            &m,
            &format!("user:u{i}"),
            "get",
            "pods",
            None,
            Some(&format!("ns{i}"))
        ));
        assert!(!can(
            &m,
            &format!("user:u{i}"),
            "get",
            "pods",
            None,
            Some("ns0x")
        ));
    }
}
