//! End-to-end tests of `rampart rbac can` and `rampart rbac who-can`.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("rampart")
        .unwrap()
        .current_dir(root())
        .args(args)
        .args(["-f", "tests/fixtures/rbac"])
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
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
    let out = Command::cargo_bin("rampart")
        .unwrap()
        .args(["rbac", "can", "user:a", "get", "pods"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
