//! Escalation paths on small, complete scenarios.

use crate::tests::inventory;
use crate::*;

fn path(text: &str, subject: &str, groups: &[&str]) -> Option<EscalationPath> {
    let inv = inventory(text);
    let model = Model::build(&inv);
    assert!(model.diagnostics.is_empty(), "{:?}", model.diagnostics);
    let graph = Graph::build(&inv, &model);
    let groups: Vec<String> = groups.iter().map(|g| g.to_string()).collect();
    graph.path(&model, &Subject::parse(subject).unwrap(), &groups)
}

const ADMIN_SA: &str = r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: all}
rules: [{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ops-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: all}
subjects: [{kind: ServiceAccount, name: ops, namespace: infra}]
"#;

fn with_role(rule: &str, binding_ns: Option<&str>, subject: &str) -> String {
    let (kind, ns) = match binding_ns {
        Some(ns) => ("RoleBinding", format!("namespace: {ns}, ")),
        None => ("ClusterRoleBinding", String::new()),
    };
    format!(
        r#"{ADMIN_SA}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {{name: granted}}
rules: [{rule}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: {kind}
metadata: {{{ns}name: grant}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: granted}}
subjects: [{subject}]
"#
    )
}

fn actors(p: &EscalationPath) -> Vec<String> {
    p.steps.iter().map(|s| s.actor.to_string()).collect()
}

#[test]
fn creating_pods_where_an_admin_account_lives_is_a_path() {
    let text = with_role(
        r#"{apiGroups: [""], resources: ["pods"], verbs: ["create"]}"#,
        Some("infra"),
        "{kind: User, name: dev}",
    );
    let p = path(&text, "user:dev", &[]).expect("a path");
    assert_eq!(actors(&p), ["user:dev", "sa:infra:ops"]);
    assert_eq!(
        p.steps[0].becomes,
        Some(Subject::sa("infra", "ops")),
        "{p:#?}"
    );
    assert!(p.steps[0].action.contains("in namespace infra"), "{p:#?}");
    assert!(p.steps[0].action.contains("create pods"), "{p:#?}");
    assert!(p.steps[1].becomes.is_none());
    assert_eq!(p.steps[1].bindings[0].name, "ops-admin");
}

#[test]
fn pods_elsewhere_or_by_name_lead_nowhere() {
    // Another namespace.
    let text = with_role(
        r#"{apiGroups: [""], resources: ["pods"], verbs: ["create"]}"#,
        Some("web"),
        "{kind: User, name: dev}",
    );
    assert!(path(&text, "user:dev", &[]).is_none());
    // resourceNames never match a create.
    let text = with_role(
        r#"{apiGroups: [""], resources: ["pods"], verbs: ["create"], resourceNames: [x]}"#,
        Some("infra"),
        "{kind: User, name: dev}",
    );
    assert!(path(&text, "user:dev", &[]).is_none());
    // pods/exec without any workload in the input reaches nobody.
    let text = with_role(
        r#"{apiGroups: [""], resources: ["pods/exec"], verbs: ["create"]}"#,
        Some("infra"),
        "{kind: User, name: dev}",
    );
    assert!(path(&text, "user:dev", &[]).is_none());
}

#[test]
fn exec_reaches_the_accounts_workloads_run_as_and_mount() {
    let workload = |automount: &str| {
        format!(
            r#"
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: ops, namespace: infra}}
spec:
  selector: {{matchLabels: {{app: ops}}}}
  template:
    metadata: {{labels: {{app: ops}}}}
    spec:
      serviceAccountName: ops
      {automount}
      containers: [{{name: c, image: i}}]
"#
        )
    };
    let base = with_role(
        r#"{apiGroups: [""], resources: ["pods/exec"], verbs: ["get"]}"#,
        Some("infra"),
        "{kind: User, name: dev}",
    );
    let p = path(&(base.clone() + &workload("")), "user:dev", &[]).expect("a path");
    assert_eq!(actors(&p), ["user:dev", "sa:infra:ops"]);
    let off = workload("automountServiceAccountToken: false");
    assert!(path(&(base.clone() + &off), "user:dev", &[]).is_none());
    // Turned off on the ServiceAccount, not overridden by the pod.
    let sa = "\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: ops, namespace: infra}\nautomountServiceAccountToken: false\n";
    assert!(path(&(base.clone() + &workload("") + sa), "user:dev", &[]).is_none());
    let on = workload("automountServiceAccountToken: true");
    assert!(path(&(base + &on + sa), "user:dev", &[]).is_some());
}

#[test]
fn reading_secrets_reaches_accounts_with_token_secrets_only() {
    let base = with_role(
        r#"{apiGroups: [""], resources: ["secrets"], verbs: ["list"]}"#,
        Some("infra"),
        "{kind: Group, name: devs}",
    );
    assert!(path(&base, "group:devs", &[]).is_none());
    let secret = r#"
---
apiVersion: v1
kind: Secret
type: kubernetes.io/service-account-token
metadata:
  name: ops-token
  namespace: infra
  annotations: {kubernetes.io/service-account.name: ops}
"#;
    let p = path(&(base.clone() + secret), "group:devs", &[]).expect("a path");
    assert_eq!(actors(&p), ["group:devs", "sa:infra:ops"]);
    // A user in the group, given with --group.
    let p = path(&(base + secret), "user:alice", &["devs"]).expect("a path");
    assert_eq!(p.from, Subject::user("alice"));
}

#[test]
fn direct_admin_primitives_are_one_step() {
    for rule in [
        r#"{apiGroups: [""], resources: ["groups", "users"], verbs: ["impersonate"]}"#,
        r#"{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}"#,
        r#"{apiGroups: [""], resources: ["*"], verbs: ["*"]}"#,
    ] {
        let text = with_role(rule, None, "{kind: User, name: dev}");
        let p = path(&text, "user:dev", &[]).unwrap_or_else(|| panic!("{rule}"));
        assert_eq!(p.steps.len(), 1, "{rule}: {p:#?}");
        assert!(p.steps[0].becomes.is_none());
    }
    // Bind on ClusterRoles alone is not enough; with create on
    // ClusterRoleBindings it is.
    let bind = r#"{apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterroles"], verbs: ["bind"]}"#;
    assert!(
        path(
            &with_role(bind, None, "{kind: User, name: dev}"),
            "user:dev",
            &[]
        )
        .is_none()
    );
    let both = format!(
        r#"{bind}, {{apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterrolebindings"], verbs: ["create"]}}"#
    );
    let p = path(
        &with_role(&both, None, "{kind: User, name: dev}"),
        "user:dev",
        &[],
    )
    .unwrap();
    assert_eq!(p.steps.len(), 1);
    assert!(
        p.steps[0].action.contains("bind itself to cluster-admin"),
        "{p:#?}"
    );
    // The CSR path (see csr_signing_reaches_users_and_groups_not_masters)
    // is not one step: certificates for system:masters are refused.
}

#[test]
fn group_grants_make_every_account_of_a_namespace_admin() {
    // Every service account of infra is admin through its group, so the
    // namespace's `default` account (which always exists) is the target.
    let text = r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: all}
rules: [{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: infra-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: all}
subjects: [{kind: Group, name: "system:serviceaccounts:infra"}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: tokens}
rules: [{apiGroups: [""], resources: ["serviceaccounts/token"], verbs: ["create"]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: ci-tokens, namespace: infra}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: tokens}
subjects: [{kind: ServiceAccount, name: ci, namespace: build}]
"#;
    let p = path(text, "sa:build:ci", &[]).expect("a path");
    assert_eq!(actors(&p), ["sa:build:ci", "sa:infra:default"]);
}

#[test]
fn namespace_self_grant_then_pods() {
    // bind on ClusterRoles through a RoleBinding is asked in the binding's
    // namespace: with create on rolebindings, dev can bind itself `all`
    // there and run pods as infra's accounts.
    let rule = r#"{apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterroles"], verbs: ["bind"]}, {apiGroups: ["rbac.authorization.k8s.io"], resources: ["rolebindings"], verbs: ["create"]}"#;
    let p = path(
        &with_role(rule, Some("infra"), "{kind: User, name: dev}"),
        "user:dev",
        &[],
    )
    .expect("a path");
    assert_eq!(actors(&p), ["user:dev", "sa:infra:ops"]);
    assert!(
        p.steps[0]
            .action
            .contains("bind itself a role that runs pods"),
        "{p:#?}"
    );
}

#[test]
fn masters_and_chains_of_two_hops() {
    let p = path(ADMIN_SA, "user:root", &["system:masters"]).expect("masters");
    assert_eq!(p.steps.len(), 1);
    // dev impersonates users; user lead can create pods in infra.
    let text = format!(
        r#"{}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {{name: pods}}
rules: [{{apiGroups: [""], resources: ["pods"], verbs: ["create"]}}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {{name: lead-pods, namespace: infra}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: pods}}
subjects: [{{kind: User, name: lead}}]
"#,
        with_role(
            r#"{apiGroups: [""], resources: ["users"], verbs: ["impersonate"]}"#,
            None,
            "{kind: User, name: dev}"
        )
    );
    let p = path(&text, "user:dev", &[]).expect("a path");
    assert_eq!(actors(&p), ["user:dev", "user:lead", "sa:infra:ops"]);
    let inv = inventory(&text);
    let model = Model::build(&inv);
    let graph = Graph::build(&inv, &model);
    let all: Vec<String> = graph
        .all_paths(&model)
        .iter()
        .map(|p| p.from.to_string())
        .collect();
    // sa:infra:ops is admin itself (one step): not listed.
    assert_eq!(all, ["user:dev", "user:lead"]);
}

/// Kubernetes asks impersonation, bind and escalate with the object's
/// name: grants limited by resourceNames count for those names.
#[test]
fn named_grants_count_for_their_names() {
    let imp = r#"{apiGroups: [""], resources: ["groups"], verbs: ["impersonate"], resourceNames: ["system:masters"]}, {apiGroups: [""], resources: ["users"], verbs: ["impersonate"], resourceNames: ["nobody"]}"#;
    let p = path(
        &with_role(imp, None, "{kind: User, name: nora}"),
        "user:nora",
        &[],
    )
    .expect("nora");
    assert_eq!(p.steps.len(), 1, "{p:#?}");
    assert!(
        p.steps[0]
            .action
            .contains("impersonate a user in group system:masters"),
        "{p:#?}"
    );
    // Groups alone: the API server refuses group impersonation without a user.
    let groups = r#"{apiGroups: [""], resources: ["groups"], verbs: ["impersonate"]}"#;
    assert!(
        path(
            &with_role(groups, None, "{kind: User, name: gina}"),
            "user:gina",
            &[]
        )
        .is_none()
    );
    // Another group than system:masters is no way in.
    let other = r#"{apiGroups: [""], resources: ["groups"], verbs: ["impersonate"], resourceNames: ["devs"]}, {apiGroups: [""], resources: ["users"], verbs: ["impersonate"]}"#;
    let p = path(
        &with_role(other, None, "{kind: User, name: ivy}"),
        "user:ivy",
        &[],
    );
    assert!(p.is_none(), "{p:#?}");
    // bind limited to cluster-admin, with create on ClusterRoleBindings.
    let bind = r#"{apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterroles"], verbs: ["bind"], resourceNames: ["cluster-admin"]}, {apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterrolebindings"], verbs: ["create"]}"#;
    let p = path(
        &with_role(bind, None, "{kind: User, name: bob}"),
        "user:bob",
        &[],
    )
    .expect("bob");
    assert!(
        p.steps[0].action.contains("bind itself to cluster-admin"),
        "{p:#?}"
    );
    // bind limited to `view`: nothing gained.
    let view = bind.replace("cluster-admin", "view");
    assert!(
        path(
            &with_role(&view, None, "{kind: User, name: bob}"),
            "user:bob",
            &[]
        )
        .is_none()
    );
    // bind + update an existing ClusterRoleBinding (subjects are editable).
    let pete = r#"{apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterroles"], verbs: ["bind"]}, {apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterrolebindings"], verbs: ["get", "update", "patch"]}"#;
    assert!(
        path(
            &with_role(pete, None, "{kind: User, name: pete}"),
            "user:pete",
            &[]
        )
        .is_some()
    );
}

/// escalate + update on the very ClusterRole bound to oneself.
#[test]
fn escalating_a_role_bound_to_oneself() {
    let text = format!(
        r#"{ADMIN_SA}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {{name: self-edit}}
rules:
- {{apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterroles"], verbs: ["escalate", "update", "patch"], resourceNames: ["self-edit"]}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {{name: eve}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: self-edit}}
subjects: [{{kind: User, name: eve}}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {{name: roles-in-ns}}
rules:
- {{apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles"], verbs: ["escalate", "create", "update", "patch"]}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {{name: dave, namespace: infra}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: roles-in-ns}}
subjects: [{{kind: User, name: dave}}]
"#
    );
    let p = path(&text, "user:eve", &[]).expect("eve");
    assert_eq!(p.steps.len(), 1);
    assert!(
        p.steps[0]
            .action
            .contains("add any permission to a role bound to it"),
        "{p:#?}"
    );
    // dave may rewrite Roles of infra, but none is bound to him.
    assert!(path(&text, "user:dave", &[]).is_none());
}

/// Cluster-wide bind + create rolebindings: bind an admin ClusterRole in
/// any namespace, so run pods anywhere.
#[test]
fn cluster_wide_bind_with_role_bindings() {
    let rule = r#"{apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterroles"], verbs: ["bind"]}, {apiGroups: ["rbac.authorization.k8s.io"], resources: ["rolebindings"], verbs: ["create"]}"#;
    let p = path(
        &with_role(rule, None, "{kind: User, name: carol}"),
        "user:carol",
        &[],
    )
    .expect("carol");
    assert_eq!(actors(&p), ["user:carol", "sa:infra:ops"]);
}

/// CSRs issue certificates for anyone but system:masters (admission
/// refuses it): a path exists only through an identity that is admin.
#[test]
fn csr_signing_reaches_users_and_groups_not_masters() {
    let csr = r#"{apiGroups: ["certificates.k8s.io"], resources: ["certificatesigningrequests"], verbs: ["create"]}, {apiGroups: ["certificates.k8s.io"], resources: ["certificatesigningrequests/approval"], verbs: ["update"]}, {apiGroups: ["certificates.k8s.io"], resources: ["signers"], verbs: ["approve"], resourceNames: ["kubernetes.io/kube-apiserver-client"]}"#;
    let text = with_role(csr, None, "{kind: User, name: alice}");
    assert!(
        path(&text, "user:alice", &[]).is_none(),
        "only a service account is admin"
    );
    let admin_user = format!(
        "{text}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {{name: root}}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: all}}\nsubjects: [{{kind: Group, name: ops}}]\n"
    );
    let p = path(&admin_user, "user:alice", &[]).expect("via group ops");
    assert_eq!(actors(&p), ["user:alice", "group:ops"]);
    assert!(p.steps[0].action.contains("client certificate"), "{p:#?}");
}

/// Port-forwarding reaches ports, not tokens; changing a pod cannot change
/// its service account.
#[test]
fn port_forward_and_pod_patches_do_not_borrow_identities() {
    let pf = r#"{apiGroups: [""], resources: ["pods/portforward"], verbs: ["create", "get"]}"#;
    let deployment = r#"
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ops, namespace: infra}
spec:
  selector: {matchLabels: {app: ops}}
  template:
    metadata: {labels: {app: ops}}
    spec:
      serviceAccountName: ops
      containers: [{name: c, image: i}]
"#;
    let text = with_role(pf, Some("infra"), "{kind: User, name: fwd}") + deployment;
    assert!(path(&text, "user:fwd", &[]).is_none());
    let patch = r#"{apiGroups: [""], resources: ["pods"], verbs: ["patch"]}"#;
    // Only the accounts pods already run as.
    assert!(
        path(
            &with_role(patch, Some("infra"), "{kind: User, name: pat}"),
            "user:pat",
            &[]
        )
        .is_none()
    );
    let p = path(
        &(with_role(patch, Some("infra"), "{kind: User, name: pat}") + deployment),
        "user:pat",
        &[],
    )
    .expect("running ops");
    assert_eq!(actors(&p), ["user:pat", "sa:infra:ops"]);
}
