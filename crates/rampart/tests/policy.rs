//! `rampart scan --policy` and `rampart policy test` end to end, on the
//! policies in tests/fixtures/policies (a ValidatingAdmissionPolicy with a
//! params ConfigMap and a namespaceSelector, and a Gatekeeper library
//! template with a warn constraint).

pub mod support;

use support::run;

/// The fixture manifests scanned with the fixture policies and one rule.
fn scan_with_policies(format: &str) -> (i32, String, String) {
    run(&[
        "scan",
        "tests/fixtures/policies/manifests",
        "--policy",
        "tests/fixtures/policies/policies",
        "--rule",
        "image-not-pinned",
        "-o",
        format,
        "--no-config",
    ])
}

#[test]
fn scan_reports_custom_policy_violations_as_findings() {
    let (code, out, err) = scan_with_policies("json");
    assert_eq!(code, 1, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let got: Vec<(String, String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"].as_str().unwrap().starts_with("policy:"))
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
                f["object"]["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("policy:max-replicas".into(), "high".into(), "web".into()),
            (
                "policy:K8sAllowedRepos".into(),
                "medium".into(),
                "debug".into()
            ),
        ],
        "{out}"
    );
    let messages: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["message"].as_str())
        .collect();
    assert!(
        messages.iter().any(|m| m.contains("replicas 10 exceed 5")),
        "{messages:?}"
    );
}

#[test]
fn sarif_of_a_policy_scan_names_the_policy_rules() {
    let (code, out, err) = scan_with_policies("sarif");
    assert_eq!(code, 1, "{err}");
    let log: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rules: Vec<&str> = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert!(rules.contains(&"policy:max-replicas"), "{rules:?}");
    assert!(rules.contains(&"policy:K8sAllowedRepos"), "{rules:?}");
}

#[test]
fn policy_test_runs_suites_and_fails_on_a_wrong_expectation() {
    let (code, out, err) = run(&["policy", "test", "tests/fixtures/policies/policies"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out.matches("PASS ").count(), 3, "{out}");

    // The same suite with one expectation turned around fails, and says why.
    let dir = tempfile::tempdir().unwrap();
    let src = support::root().join("tests/fixtures/policies/policies");
    for e in std::fs::read_dir(&src).unwrap() {
        let e = e.unwrap();
        let text = std::fs::read_to_string(e.path()).unwrap();
        let text = if e.file_name() == "suite.yaml" {
            text.replacen("expect: allow", "expect: deny", 1)
        } else {
            text
        };
        std::fs::write(dir.path().join(e.file_name()), text).unwrap();
    }
    let (code, out, _) = run(&["policy", "test", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("FAIL shop-policies / the same deployment in a dev namespace is allowed: expected Deny, got Allow"),
        "{out}"
    );
}

#[test]
fn a_malformed_policy_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.yaml"),
        "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: bad}\nspec:\n  matchConstraints: {resourceRules: [{apiGroups: [\"\"], apiVersions: [v1], operations: [CREATE], resources: [pods]}]}\n  validations: [{expression: \"object.spec.(\"}]\n",
    )
    .unwrap();
    let (code, _, err) = run(&[
        "scan",
        "tests/fixtures/policies/manifests",
        "--policy",
        dir.path().to_str().unwrap(),
        "--no-config",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("bad"), "{err}");
    let (code, _, err) = run(&["scan", "examples", "--policy", "/no/such/dir"]);
    assert_eq!(code, 2, "{err}");
}
