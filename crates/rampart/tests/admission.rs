//! `rampart admission`: the certificates `certs` writes, and `serve` end to
//! end through the binary over real HTTPS, as the API server calls it.

pub mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Child;
use std::time::{Duration, Instant};

use support::run;
use support::webhook::{NAMESPACE, Webhook, certs, serve_without_certificates};
use x509_parser::extensions::GeneralName;
use x509_parser::pem::parse_x509_pem;

fn fixture(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/admission")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn certs_writes_a_ca_and_a_serving_certificate_for_the_service() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("certs");
    let (code, stdout, stderr) = certs(&dir, &["--days", "30"]);
    assert_eq!(code, 0, "{stderr}");

    for (file, mode) in [
        ("ca.crt", 0o644),
        ("ca.key", 0o600),
        ("tls.crt", 0o644),
        ("tls.key", 0o600),
    ] {
        let meta = std::fs::metadata(dir.join(file)).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, mode, "{file}");
    }
    let ca_pem = std::fs::read(dir.join("ca.crt")).unwrap();
    let tls_pem = std::fs::read(dir.join("tls.crt")).unwrap();
    let (_, ca_pem_parsed) = parse_x509_pem(&ca_pem).unwrap();
    let ca = ca_pem_parsed.parse_x509().unwrap();
    let (_, tls_pem_parsed) = parse_x509_pem(&tls_pem).unwrap();
    let cert = tls_pem_parsed.parse_x509().unwrap();

    assert!(ca.is_ca());
    assert!(!cert.is_ca());
    let sans: Vec<String> = cert
        .subject_alternative_name()
        .unwrap()
        .expect("serving certificate has SANs")
        .value
        .general_names
        .iter()
        .map(|n| match n {
            GeneralName::DNSName(d) => d.to_string(),
            other => panic!("unexpected SAN {other:?}"),
        })
        .collect();
    assert_eq!(
        sans,
        [
            "rampart-webhook",
            "rampart-webhook.rampart-system",
            "rampart-webhook.rampart-system.svc",
            "rampart-webhook.rampart-system.svc.cluster.local",
        ]
    );
    let eku = cert.extended_key_usage().unwrap().expect("EKU present");
    assert!(eku.value.server_auth);
    // Signed by the CA written beside it, not self-signed.
    assert_eq!(cert.issuer(), ca.subject());
    cert.verify_signature(Some(ca.public_key())).unwrap();
    assert!(cert.verify_signature(None).is_err());
    let days =
        (cert.validity().not_after.timestamp() - cert.validity().not_before.timestamp()) / 86_400;
    assert_eq!(days, 30, "--days 30 (plus the hour of clock-skew margin)");

    // The caBundle is the CA certificate's PEM, base64-encoded.
    let bundle = stdout
        .lines()
        .find(|l| l.starts_with("LS0t"))
        .expect("caBundle line");
    let decoded = base64_decode(bundle);
    assert_eq!(decoded, ca_pem);
    assert!(
        stdout.contains(&format!(
            "kubectl create secret tls rampart-webhook-tls -n rampart-system --cert {}/tls.crt --key {}/tls.key",
            dir.display(),
            dir.display()
        )),
        "{stdout}"
    );
    // Private keys are never printed, in any form.
    let tls_key = std::fs::read_to_string(dir.join("tls.key")).unwrap();
    let ca_key = std::fs::read_to_string(dir.join("ca.key")).unwrap();
    assert!(tls_key.contains("PRIVATE KEY"));
    let all = stdout.clone() + &stderr;
    assert!(!all.contains("PRIVATE KEY"), "{all}");
    for key in [&tls_key, &ca_key] {
        let body: String = key.lines().filter(|l| !l.starts_with("-----")).collect();
        assert!(!all.contains(&body[..40]), "{all}");
    }
}

/// Decodes standard base64 (the test has no base64 dependency of its own).
fn base64_decode(s: &str) -> Vec<u8> {
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c}"),
        }
    };
    let mut out = Vec::new();
    for chunk in s.trim().as_bytes().chunks(4) {
        let data: Vec<u8> = chunk.iter().copied().filter(|&c| c != b'=').collect();
        let n = data
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &c)| acc | value(c) << (18 - 6 * i));
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..data.len()]);
    }
    out
}

#[test]
fn certs_refuses_to_replace_files_without_overwrite() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    assert_eq!(certs(dir, &[]).0, 0);
    let before = std::fs::read(dir.join("tls.key")).unwrap();

    let (code, _, stderr) = certs(dir, &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--overwrite"), "{stderr}");
    assert!(stderr.contains("tls.key"), "{stderr}");
    assert_eq!(std::fs::read(dir.join("tls.key")).unwrap(), before);

    // One file left from elsewhere is enough to refuse.
    let other = tempfile::tempdir().unwrap();
    std::fs::write(other.path().join("ca.key"), "keep me").unwrap();
    assert_eq!(certs(other.path(), &[]).0, 2);
    assert_eq!(
        std::fs::read_to_string(other.path().join("ca.key")).unwrap(),
        "keep me"
    );
    assert!(!other.path().join("tls.crt").exists());

    let (code, _, stderr) = certs(dir, &["--overwrite"]);
    assert_eq!(code, 0, "{stderr}");
    assert_ne!(std::fs::read(dir.join("tls.key")).unwrap(), before);
}

#[test]
fn certs_rejects_names_that_are_not_dns_labels() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, _, err) = run(&[
        "admission",
        "certs",
        "--service",
        "Web_Hook",
        "-n",
        NAMESPACE,
        "-o",
        tmp.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("not a DNS label"));
    assert!(!tmp.path().join("tls.key").exists());
}

fn sigterm(child: &Child) {
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

fn wait_exit(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "did not exit within {within:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn serve_denies_a_privileged_pod_admits_a_compliant_one_and_stops_on_sigterm() {
    let mut server = Webhook::start(&[]);

    let denied = server.review(&fixture("privileged-pod.json"));
    assert_eq!(denied["apiVersion"], "admission.k8s.io/v1");
    assert_eq!(denied["kind"], "AdmissionReview");
    let response = &denied["response"];
    assert_eq!(response["uid"], "705ab4f5-6393-11e8-b7cc-42010a800002");
    assert_eq!(response["allowed"], false, "{denied}");
    let message = response["status"]["message"].as_str().unwrap();
    assert!(message.contains("privileged-container"), "{message}");

    let allowed = server.review(&fixture("compliant-pod.json"));
    assert_eq!(
        allowed["response"]["uid"],
        "8c1e2a9d-0f4b-4c1e-9d55-3a7b1c2d4e5f"
    );
    assert_eq!(allowed["response"]["allowed"], true, "{allowed}");

    let (status, metrics) = server.https("GET", "/metrics", None).unwrap();
    assert_eq!(status, 200);
    assert!(
        metrics.contains("rampart_admission_requests_total"),
        "{metrics}"
    );

    sigterm(&server.child);
    let status = wait_exit(&mut server.child, Duration::from_secs(20));
    assert_eq!(status.code(), Some(0), "SIGTERM is a clean stop");
}

#[test]
fn serve_exempts_the_namespaces_it_is_told_to() {
    let server = Webhook::start(&["--exempt-namespace", "shop"]);
    let out = server.review(&fixture("privileged-pod.json"));
    assert_eq!(out["response"]["allowed"], true, "{out}");
}

#[test]
fn serve_denies_at_the_severity_it_is_given() {
    // With --deny-at critical, the compliant pod stays admitted and the
    // privileged one (critical) is still denied; a medium finding would
    // only warn.
    let server = Webhook::start(&[
        "--deny-at",
        "critical",
        "--skip-rule",
        "privileged-container",
    ]);
    let out = server.review(&fixture("privileged-pod.json"));
    let response = &out["response"];
    let message = response["status"]["message"].as_str().unwrap_or("");
    assert!(!message.contains("privileged-container"), "{out}");
    assert_eq!(response["allowed"], true, "{out}");
    let warnings = response["warnings"].as_array().expect("warnings");
    assert!(!warnings.is_empty(), "{out}");
}

#[test]
fn serve_reads_the_admission_section_of_its_config() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("rampart.yaml");
    std::fs::write(
        &config,
        "admission:\n  denyAt: critical\n  actions:\n    privileged-container: warn\n    run-as-root: audit\n",
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let server = Webhook::start(&["--config", config]);
    let out = server.review(&fixture("privileged-pod.json"));
    let response = &out["response"];
    // Critical by severity, but the config says warn for this rule.
    assert_eq!(response["allowed"], true, "{out}");
    let warnings = response["warnings"].to_string();
    assert!(warnings.contains("privileged-container"), "{out}");
    assert!(!warnings.contains("run-as-root"), "{out}");
    assert!(
        response["auditAnnotations"]["run-as-root"].is_string(),
        "{out}"
    );
    drop(server);

    // A flag wins over the config.
    let server = Webhook::start(&["--config", config, "--deny-at", "low"]);
    let out = server.review(&fixture("privileged-pod.json"));
    assert_eq!(out["response"]["allowed"], false, "{out}");
    drop(server);

    // An action for a rule that does not exist is a mistake, not a no-op.
    std::fs::write(
        dir.path().join("typo.yaml"),
        "admission:\n  actions:\n    privileged-containers: warn\n",
    )
    .unwrap();
    let typo = dir.path().join("typo.yaml");
    let (code, _, err) = run(&[
        "admission",
        "serve",
        "--tls-cert",
        "x",
        "--tls-key",
        "y",
        "--config",
        typo.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("admission.actions names unknown rule `privileged-containers`"),
        "{err}"
    );
}

#[test]
fn on_delete_policies_judge_as_their_engines_do() {
    let server = Webhook::start(&[
        "--policy",
        "tests/fixtures/policies/policies/allowedrepos-template.yaml",
        "--policy",
        "crates/rampart/tests/fixtures/admission-delete",
        "--rule",
        "privileged-container",
    ]);
    let pod = |labels: serde_json::Value| {
        serde_json::json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web", "namespace": "shop", "labels": labels},
            "spec": {"containers": [{"name": "web", "image": "docker.io/nginx:1.27"}]}})
    };
    let review = |operation: &str, object: serde_json::Value| {
        let (object, old) = if operation == "DELETE" {
            (serde_json::Value::Null, object)
        } else {
            (object, serde_json::Value::Null)
        };
        serde_json::json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {"uid": "u", "kind": {"group": "", "version": "v1", "kind": "Pod"},
                "resource": {"group": "", "version": "v1", "resource": "pods"},
                "name": "web", "namespace": "shop", "operation": operation,
                "userInfo": {"username": "alice"}, "object": object, "oldObject": old}})
        .to_string()
    };
    // The constraint is enforced on CREATE...
    let out = server.review(&review("CREATE", pod(serde_json::json!({}))));
    assert_eq!(out["response"]["allowed"], false, "{out}");
    assert!(
        out.to_string().contains("only-registry-example-com"),
        "{out}"
    );
    // ...and not asked on DELETE; the VAP whose rules name DELETE is.
    let out = server.review(&review("DELETE", pod(serde_json::json!({}))));
    assert_eq!(out["response"]["allowed"], true, "{out}");
    let out = server.review(&review(
        "DELETE",
        pod(serde_json::json!({"protected": "true"})),
    ));
    assert_eq!(out["response"]["allowed"], false, "{out}");
    assert!(
        out.to_string().contains("protected pods are not deleted"),
        "{out}"
    );
}

#[test]
fn serve_enforces_custom_policies_from_policy_dirs() {
    let policies = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/admission/policies");
    let server = Webhook::start(&["--policy", policies.to_str().unwrap()]);
    // The compliant pod passes every built-in rule but has no team label.
    let out = server.review(&fixture("compliant-pod.json"));
    let response = &out["response"];
    assert_eq!(response["allowed"], false, "{out}");
    let message = response["status"]["message"].as_str().unwrap();
    assert!(
        message.contains("pods must carry a team label"),
        "{message}"
    );
}

#[test]
fn serve_refuses_bad_input_before_listening() {
    let tmp = tempfile::tempdir().unwrap();

    // Policies that cannot be read stop the server: it never enforces
    // less than it was asked to.
    let (code, _, err) = serve_without_certificates(&["--policy", "no-such-policies/"]);
    assert_eq!(code, 2);
    assert!(err.contains("no-such-policies"), "{err}");

    // A namespaceSelector cannot be decided without the Namespace object,
    // and without a kubeconfig outside a pod the webhook keeps no cache of
    // them: refused, not a denial of every matching request.
    let selecting =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/policies/policies");
    let (code, _, err) = serve_without_certificates(&["--policy", selecting.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("max-replicas-prod: namespaceSelector is not supported"),
        "{err}"
    );

    // Per-namespace Pod Security levels are labels of the Namespaces.
    let (code, _, err) = serve_without_certificates(&["--profile", "pss-namespace"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("pss-namespace") && err.contains("needs the namespace cache"),
        "{err}"
    );

    let (code, _, err) = serve_without_certificates(&["--skip-rule", "no-such-rule"]);
    assert_eq!(code, 2);
    assert!(err.contains("no-such-rule"));

    let config = tmp.path().join("rampart.yaml");
    std::fs::write(
        &config,
        "rules:\n  privileged-container:\n    severity: urgent\n",
    )
    .unwrap();
    let (code, _, err) = serve_without_certificates(&["--config", config.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("rampart.yaml"), "{err}");

    // No TLS material: exit 2 with the file named, never a running server
    // that fails every handshake.
    let (code, _, err) = serve_without_certificates(&[]);
    assert_eq!(code, 2);
    assert!(err.contains("missing.crt"), "{err}");
}

#[test]
fn serve_help_shows_examples() {
    let (_, help, _) = run(&["admission", "serve", "--help"]);
    assert!(help.contains("Examples:"), "{help}");
    assert!(help.contains("--deny-at"), "{help}");
    assert!(help.contains("--exempt-namespace"), "{help}");
}
