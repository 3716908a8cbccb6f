//! CIS section 3 (control plane configuration) over fixture roots: user
//! authentication mechanisms and the audit policy, evaluated rule by rule.

mod support;
use support::build;

use rampart_node::{CheckResult, NodeRoot, Report, Status, Target, run};

fn report(name: &str) -> Report {
    let fx = build(name);
    let root = NodeRoot::new(&fx.root).unwrap();
    run(&root, &[Target::ControlPlane], &Default::default())
}

fn result<'a>(r: &'a Report, id: &str) -> &'a CheckResult {
    r.results
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no {id}"))
}

/// Every section 3 check is Manual, so Warn; rampart's reading (PASS or
/// FAIL) is in the evidence, and missing when it could not decide.
fn reading(c: &CheckResult) -> Option<&'static str> {
    assert_eq!(c.status, Status::Warn, "{}: {:?}", c.id, c.evidence);
    let last = c.evidence.last()?;
    if last.contains("reading is PASS") {
        Some("PASS")
    } else if last.contains("reading is FAIL") {
        Some("FAIL")
    } else {
        None
    }
}

fn has(c: &CheckResult, needle: &str) -> bool {
    c.evidence.iter().any(|e| e.contains(needle))
}

#[test]
fn catalog_covers_section_3() {
    let r = report("hardened-controlplane");
    let ids: Vec<&str> = r.results.iter().map(|c| c.id).collect();
    assert_eq!(ids, ["3.1.1", "3.1.2", "3.1.3", "3.2.1", "3.2.2"]);
    for c in &r.results {
        assert_eq!(c.assessment, rampart_node::Assessment::Manual);
        assert!(!c.rationale.is_empty() && !c.remediation.is_empty());
    }
    assert_eq!(
        result(&r, "3.2.2").title,
        "Ensure that the audit policy covers key security concerns"
    );
}

#[test]
fn hardened_policy_meets_every_concern() {
    let r = report("hardened-controlplane");
    let c = result(&r, "3.2.1");
    assert_eq!(reading(c), Some("PASS"), "{:?}", c.evidence);
    assert!(has(c, "/etc/kubernetes/audit-policy.yaml parses (8 rules)"));
    assert!(has(
        c,
        "--audit-log-path=/var/log/kubernetes/audit.log from"
    ));
    let c = result(&r, "3.2.2");
    assert_eq!(reading(c), Some("PASS"), "{:?}", c.evidence);
    assert!(
        has(
            c,
            "  secrets (core): no user's request is logged with its secret (rules[0] (line 8) at Metadata)"
        ),
        "{:?}",
        c.evidence
    );
    assert!(
        has(
            c,
            "  pods/exec (core): every request by an ordinary user is logged (rules[6] (line 38) at Request)"
        ),
        "{:?}",
        c.evidence
    );
    assert!(!has(c, "NOT MET"));
    assert!(has(
        c,
        "[met] changes to RBAC roles and bindings are logged"
    ));

    // Client certificates and bootstrap tokens on, no OIDC for users.
    for id in ["3.1.1", "3.1.2", "3.1.3"] {
        let c = result(&r, id);
        assert_eq!(reading(c), Some("FAIL"), "{id}: {:?}", c.evidence);
        assert!(has(c, "no OIDC/JWT authenticator exists for users"));
    }
    assert!(has(
        result(&r, "3.1.1"),
        "client certificate authentication is on: --client-ca-file=/etc/kubernetes/pki/ca.crt"
    ));
    assert!(has(
        result(&r, "3.1.3"),
        "bootstrap token authentication is on: --enable-bootstrap-token-auth=true"
    ));
}

#[test]
fn catch_all_before_secrets_leaks_them() {
    let r = report("audit-leaking");
    assert_eq!(reading(result(&r, "3.2.1")), Some("PASS"));
    let c = result(&r, "3.2.2");
    assert_eq!(reading(c), Some("FAIL"), "{:?}", c.evidence);
    assert!(
        has(
            c,
            "  secrets (core): get of name any other in namespace any other by an unnamed user in groups [\"system:authenticated\"] gets RequestResponse from rules[0] (line 5)"
        ),
        "{:?}",
        c.evidence
    );
    assert!(has(
        c,
        "[NOT MET] secret values and tokens are never logged"
    ));
    // The same catch-all logs exec, RBAC changes and everything else.
    assert!(has(c, "  pods/exec (core): every request"));
    assert!(has(
        c,
        "  clusterrolebindings (rbac.authorization.k8s.io): every request"
    ));
    assert!(has(
        c,
        "  an ordinary user's arbitrary resource request gets RequestResponse from rules[0] (line 5)"
    ));
}

#[test]
fn user_restricted_rule_leaks_for_that_user_only() {
    let r = report("audit-user-leak");
    let c = result(&r, "3.2.1");
    assert_eq!(reading(c), Some("PASS"), "{:?}", c.evidence);
    assert!(has(
        c,
        "--audit-webhook-config-file=/etc/kubernetes/audit/webhook.kubeconfig from"
    ));
    let c = result(&r, "3.2.2");
    assert_eq!(reading(c), Some("FAIL"));
    assert!(
        has(
            c,
            "by user \"ci-bot\" in groups [\"system:authenticated\"] gets Request from rules[0] (line 6)"
        ),
        "{:?}",
        c.evidence
    );
    // Other users reach the Metadata rule: tokens and reviews are fine.
    assert!(has(
        c,
        "  tokenreviews (authentication.k8s.io): no user's request"
    ));
    assert!(
        has(
            c,
            "  pods/exec (core): create of name any other in namespace \"kube-system\" by an unnamed user"
        ),
        "{:?}",
        c.evidence
    );
    assert!(
        has(c, "gets None from rules[2] (line 16)"),
        "{:?}",
        c.evidence
    );

    // An OIDC issuer for users.
    for id in ["3.1.1", "3.1.2", "3.1.3"] {
        let c = result(&r, id);
        assert_eq!(reading(c), Some("PASS"), "{id}: {:?}", c.evidence);
        assert!(has(
            c,
            "an OIDC/JWT authenticator exists for users (issuers: https://login.example.com)"
        ));
        assert!(has(
            c,
            "1 JWT authenticator(s) in /etc/kubernetes/authentication.yaml"
        ));
    }
}

#[test]
fn malformed_policy_is_undecided() {
    let r = report("audit-malformed");
    for id in ["3.2.1", "3.2.2"] {
        let c = result(&r, id);
        assert_eq!(reading(c), None, "{id}: {:?}", c.evidence);
        assert!(
            has(c, "/etc/kubernetes/audit-policy.yaml:6:3 does not parse: "),
            "{id}: {:?}",
            c.evidence
        );
        // The file's contents are never quoted.
        assert!(!has(c, "secrets"));
    }
    // An --authentication-config that is not there: 3.1 cannot decide.
    let c = result(&r, "3.1.1");
    assert_eq!(reading(c), None);
    assert!(has(c, "cannot read /etc/kubernetes/missing-authn.yaml"));
    assert!(has(c, "client certificate authentication is on"));
}

#[test]
fn no_policy_flag_fails_from_the_process() {
    // The running API server (a process) wins over its manifest.
    let r = report("misconfigured-controlplane");
    for id in ["3.2.1", "3.2.2"] {
        let c = result(&r, id);
        assert_eq!(reading(c), Some("FAIL"), "{id}: {:?}", c.evidence);
        assert!(has(
            c,
            "--audit-policy-file not set in /proc/3000/cmdline: the API server writes no audit events"
        ));
    }
    assert!(has(result(&r, "3.2.1"), "no audit backend"));
}

#[test]
fn no_api_server_is_not_applicable() {
    let r = report("hardened-kubeadm");
    assert_eq!(r.results.len(), 5);
    for c in &r.results {
        assert_eq!(c.status, Status::NotApplicable, "{}", c.id);
    }
}
