//! End-to-end tests of `rampart rbac`: the audit, can, who-can, show, paths and graph.

pub mod support;

/// Runs rampart on the RBAC objects of tests/fixtures/rbac.
fn run(args: &[&str]) -> (i32, String, String) {
    run_on("tests/fixtures/rbac", args)
}

/// Runs rampart on the RBAC objects of `fixture`.
fn run_on(fixture: &str, args: &[&str]) -> (i32, String, String) {
    support::run(&[args, &["-f", fixture]].concat())
}

#[test]
fn can_answers_yes_or_no_first_with_the_granting_path() {
    let (code, out, _) = run(&[
        "rbac",
        "can",
        "sa:prod:deployer",
        "get",
        "pods",
        "-n",
        "prod",
    ]);
    assert_eq!(code, 0);
    assert!(out.starts_with("yes\n"), "{out}");
    assert!(out.contains("RoleBinding/prod/ci-reads-pods → ClusterRole/pod-reader rule 0"));
    // The subresource needs its own rule entry: pods/log is listed, pods/exec is not.
    let (code, _, _) = run(&[
        "rbac",
        "can",
        "sa:prod:deployer",
        "get",
        "pods",
        "--subresource",
        "log",
        "-n",
        "prod",
    ]);
    assert_eq!(code, 0);
    let (code, out, _) = run(&[
        "rbac",
        "can",
        "sa:prod:deployer",
        "create",
        "pods",
        "--subresource",
        "exec",
        "-n",
        "prod",
    ]);
    assert_eq!((code, out.as_str()), (1, "no\n"));
    // A ClusterRole bound by a RoleBinding grants only in that namespace.
    let (code, _, _) = run(&[
        "rbac",
        "can",
        "sa:prod:deployer",
        "get",
        "pods",
        "-n",
        "dev",
    ]);
    assert_eq!(code, 1);
    // The same service account named as a user.
    let (code, _, _) = run(&[
        "rbac",
        "can",
        "user:system:serviceaccount:prod:deployer",
        "list",
        "pods",
        "-n",
        "prod",
    ]);
    assert_eq!(code, 0);
}

#[test]
fn resource_names_and_groups() {
    let (code, _, _) = run(&[
        "rbac",
        "can",
        "user:bob",
        "--group",
        "ci",
        "get",
        "secrets/registry",
        "-n",
        "prod",
    ]);
    assert_eq!(code, 0);
    // resourceNames never grant list.
    let (code, _, _) = run(&[
        "rbac", "can", "user:bob", "--group", "ci", "list", "secrets", "-n", "prod",
    ]);
    assert_eq!(code, 1);
    let (code, _, _) = run(&[
        "rbac",
        "can",
        "user:bob",
        "get",
        "secrets/registry",
        "-n",
        "prod",
    ]);
    assert_eq!(code, 1, "without the group, nothing");
    let (code, _, _) = run(&[
        "rbac",
        "can",
        "user:root",
        "--group",
        "system:masters",
        "delete",
        "nodes",
    ]);
    assert_eq!(code, 0);
}

#[test]
fn who_can_lists_subjects_and_latent_bindings() {
    let (code, out, err) = run(&["rbac", "who-can", "get", "pods", "-n", "prod"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("sa:prod:deployer  via RoleBinding/prod/ci-reads-pods"),
        "{out}"
    );
    assert!(out.contains("group:system:masters"));
    assert!(out.contains("latent: ClusterRoleBinding/ops-admin binds user:alice"));
    assert!(err.is_empty(), "{err}");
    let (_, out, _) = run(&["rbac", "who-can", "get", "pods", "-n", "prod", "-o", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(!v["grants"].as_array().unwrap().is_empty());
}

#[test]
fn usage_errors_exit_2() {
    let (code, _, err) = run(&["rbac", "can", "nobody", "get", "pods"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = support::run(&["rbac", "can", "user:a", "get", "pods"]);
    assert_eq!(code, 2, "{err}");
}

const CLUSTER: &str = "tests/fixtures/rbac-escalation/cluster.yaml";

#[test]
fn audit_reports_rbac_rules_only_in_every_format() {
    let (code, out, err) = run_on(CLUSTER, &["rbac", "--no-config", "-o", "json"]);
    assert_eq!(code, 1, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rules: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"rbac-escalation-path"), "{rules:?}");
    assert!(rules.iter().all(|r| r.starts_with("rbac-")), "{rules:?}");
    // The Deployment in the input is not checked by workload rules here.
    assert!(!rules.contains(&"missing-resource-limits"));
    for format in ["sarif", "junit", "text"] {
        let (code, out, _) = run_on(CLUSTER, &["rbac", "--no-config", "-o", format]);
        assert_eq!(code, 1);
        assert!(out.contains("rbac-escalation-path"), "{format}");
    }
    // `rampart scan` runs the RBAC rules too.
    let (_, out, _) = run_on(CLUSTER, &["scan", "--no-config", "-o", "json"]);
    assert!(out.contains("\"rbac-escalation-path\""));
}

#[test]
fn paths_explains_each_step_and_exits_1_when_one_exists() {
    let (code, out, _) = run_on(CLUSTER, &["rbac", "paths", "group:support"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.starts_with("group:support can become cluster admin in 3 steps:"),
        "{out}"
    );
    assert!(out.contains("→ acts as user:lead"), "{out}");
    assert!(out.contains("→ acts as sa:infra:ops"), "{out}");
    assert!(out.contains("ClusterRoleBinding/ops-admin"), "{out}");
    // A user given as a member of a group.
    let (code, out, _) = run_on(
        CLUSTER,
        &[
            "rbac",
            "paths",
            "user:carol",
            "--group",
            "dev-team",
            "-o",
            "json",
        ],
    );
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[0]["steps"].as_array().unwrap().len(), 2);
    let (code, out, _) = run_on(CLUSTER, &["rbac", "paths", "user:nobody"]);
    assert_eq!(code, 0);
    assert!(out.contains("no escalation path"));
    let (code, out, _) = run_on(CLUSTER, &["rbac", "paths", "--all"]);
    assert_eq!(code, 1);
    for who in [
        "group:dev-team",
        "sa:ci:deployer",
        "group:support",
        "user:lead",
    ] {
        assert!(
            out.contains(&format!("{who} can become cluster admin")),
            "{who}: {out}"
        );
    }
}

#[test]
fn show_lists_effective_rules_by_scope() {
    let (code, out, _) = run_on(CLUSTER, &["rbac", "show", "user:lead"]);
    assert_eq!(code, 0);
    let row = out.lines().find(|l| l.contains("pods/exec")).expect(&out);
    assert!(row.trim_start().starts_with("infra"), "{row}");
    assert!(row.contains("RoleBinding/infra/lead-exec → Role/infra/exec rule 0"));
    let (_, out, _) = run_on(CLUSTER, &["rbac", "show", "sa:infra:ops", "-o", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["rules"][0]["rule"]["verbs"][0], "*");
    assert!(v["rules"][0]["namespace"].is_null());
    let (_, out, _) = run_on(
        CLUSTER,
        &["rbac", "show", "user:root", "--group", "system:masters"],
    );
    assert!(out.contains("bypasses RBAC"), "{out}");
    let (code, _, err) = run_on(CLUSTER, &["rbac", "show", "alice"]);
    assert_eq!(code, 2);
    assert!(err.contains("user:NAME"), "{err}");
}

#[test]
fn graph_draws_subjects_bindings_and_roles() {
    let (code, out, _) = run_on(CLUSTER, &["rbac", "graph"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("digraph rbac {"), "{out}");
    assert!(out.contains("label=\"group:dev-team\""));
    assert!(out.contains("label=\"RoleBinding/infra/ci-deploys\""));
    let (code, out, _) = run_on(
        CLUSTER,
        &["rbac", "graph", "-o", "mermaid", "--subject", "user:lead"],
    );
    assert_eq!(code, 0);
    assert!(out.starts_with("flowchart LR\n"), "{out}");
    assert!(out.contains("\"user:lead\""));
    assert!(out.contains("\"Role/infra/exec\""));
    assert!(!out.contains("dev-team"), "{out}");
}
