//! `rampart policy test` on Gatekeeper `gator verify` suites: policies of
//! the Gatekeeper library with their suites unchanged
//! (tests/fixtures/gator/<policy>), and rampart's own suites
//! (tests/fixtures/gator/suites) for what the library's do not exercise:
//! counts, messages, skips, `invalid`, AdmissionReview objects, inventory
//! Namespaces, scoped enforcement, and failures.

pub mod support;

use std::path::Path;

const FIXTURES: &str = "tests/fixtures/gator";

/// `rampart policy test` on the suites in `FIXTURES/dir`.
fn policy_test(dir: &str) -> (i32, String, String) {
    support::run_in(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &["policy", "test", &format!("{FIXTURES}/{dir}")],
    )
}

/// The `(mark, "test / case")` of each line, for suites in `dir`.
fn lines(out: &str) -> Vec<(String, String)> {
    out.lines()
        .filter(|l| l.starts_with("PASS ") || l.starts_with("FAIL ") || l.starts_with("SKIP "))
        .map(|l| {
            let (mark, rest) = l.split_at(4);
            let label = rest.split(": ").next().unwrap();
            let label = label.split_once("suite.yaml").map_or(label, |(_, t)| t);
            (
                mark.to_string(),
                label.trim_start_matches(" / ").trim().to_string(),
            )
        })
        .collect()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(m, l)| (m.to_string(), l.to_string()))
        .collect()
}

#[test]
fn library_suite_with_admission_reviews_passes_unchanged() {
    let (code, out, err) = policy_test("deny-networkpolicy-modifications");
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        lines(&out),
        pairs(&[
            ("PASS", "allow-user-policies / example-allow-custom-policy"),
            ("PASS", "allow-user-policies / example-deny-global-policy"),
            (
                "PASS",
                "allow-user-policies / example-allow-by-username-policy"
            ),
            (
                "PASS",
                "allow-user-policies / example-allow-by-group-policy"
            ),
        ])
    );
    assert!(
        out.contains("example-deny-global-policy: 1 violation\n"),
        "{out}"
    );
    assert!(out.ends_with("\n4 passed · 0 failed\n"), "{out}");
}

#[test]
fn library_suite_with_inventory_passes_unchanged() {
    let (code, out, err) = policy_test("uniqueingresshost");
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        lines(&out),
        pairs(&[
            ("PASS", "block-endpoint-default-role / example-allowed"),
            ("PASS", "block-endpoint-default-role / example-disallowed"),
            ("PASS", "block-endpoint-default-role / example-disallowed2"),
        ])
    );
    // The violation comes from the inventory's conflicting Ingress.
    assert!(out.contains("example-disallowed: 1 violation\n"), "{out}");
}

#[test]
fn counts_messages_skips_and_reviews() {
    let (code, out, err) = policy_test("suites/pass");
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        lines(&out),
        pairs(&[
            ("PASS", "allowed-repos / counts-and-messages"),
            ("PASS", "allowed-repos / allowed"),
            ("PASS", "allowed-repos / delete-reviews-the-old-object"),
            ("SKIP", "allowed-repos / a-skipped-case"),
            ("SKIP", "a-skipped-test"),
            ("PASS", "an-invalid-constraint"),
            ("PASS", "namespace-selector / prod-namespace-from-inventory"),
            ("PASS", "scoped-for-gator / counted"),
            ("PASS", "scoped-for-the-webhook-only / not-counted"),
        ])
    );
    // `invalid: true`: the template's schema rejects the parameters.
    assert!(
        out.contains("an-invalid-constraint: the constraint is rejected: ")
            && out.contains("spec.parameters"),
        "{out}"
    );
    assert!(
        out.ends_with("\n7 passed · 0 failed · 2 skipped\n"),
        "{out}"
    );
}

#[test]
fn failing_assertions_exit_1_and_say_why() {
    let (code, out, err) = policy_test("suites/fail");
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(
        lines(&out),
        pairs(&[
            ("PASS", "allowed-repos / passes"),
            ("FAIL", "allowed-repos / wrong-count"),
            ("FAIL", "allowed-repos / missing-object"),
            ("FAIL", "allowed-repos / no-assertions"),
            ("FAIL", "namespace-selector / namespace-not-in-inventory"),
            ("FAIL", "a-valid-constraint-said-invalid"),
        ])
    );
    let detail = |case: &str| {
        out.lines()
            .find(|l| l.contains(&format!("/ {case}: ")))
            .unwrap()
            .split_once(&format!("/ {case}: "))
            .unwrap()
            .1
            .to_string()
    };
    let wrong = detail("wrong-count");
    // The first assertion (2 in all) holds; the second names itself, the
    // count and the messages.
    assert!(
        wrong.starts_with(
            "assertions[1]: got 1 violation matching `initContainer` but want exactly 2"
        ),
        "{wrong}"
    );
    assert!(
        wrong.contains("initContainer <nginx> has an invalid image repo"),
        "{wrong}"
    );
    assert!(detail("missing-object").ends_with("nowhere.yaml: no such file"));
    assert!(detail("no-assertions").contains("at least one assertion"));
    assert!(
        detail("namespace-not-in-inventory").contains("needs the Namespace shop"),
        "{out}"
    );
    assert!(
        detail("a-valid-constraint-said-invalid").contains("the constraint loads"),
        "{out}"
    );
    assert!(out.ends_with("\n1 passed · 5 failed\n"), "{out}");
}

#[test]
fn a_test_whose_template_cannot_be_read_exits_2() {
    let (code, out, err) = policy_test("suites/broken");
    assert_eq!(code, 2, "{out}{err}");
    assert!(lines(&out).is_empty(), "{out}");
    assert!(
        err.contains("test missing-template:") && err.contains("nowhere.yaml: no such file"),
        "{err}"
    );
}

#[test]
fn a_skipped_suite_runs_nothing_and_passes() {
    let (code, out, err) = policy_test("suites/skip");
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(lines(&out), pairs(&[("SKIP", "")]));
    assert!(
        out.ends_with("\n0 passed · 0 failed · 1 skipped\n"),
        "{out}"
    );
}

#[test]
fn malformed_suites_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("suite.yaml"),
        "kind: Suite\napiVersion: test.gatekeeper.sh/v1alpha1\ntests:\n- name: t\n  templat: x.yaml\n",
    )
    .unwrap();
    let (code, _, err) = support::run(&["policy", "test", dir.path().to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("not a valid gator Suite") && err.contains("templat"),
        "{err}"
    );
}
