//! The webhook over real HTTPS: a server on 127.0.0.1:0 with a certificate
//! made here, and AdmissionReview payloads as the API server sends them.

pub mod common;

use std::path::Path;
use std::time::Duration;

use common::https::{Webhook, options, send};
use common::{decider, fixture, review};
use rampart_server::{AdmissionSettings, PolicyEvaluator, ServeOptions};
use serde_json::Value;

async fn start(name: &str, max_body_bytes: usize) -> Webhook {
    Webhook::start(
        name,
        ServeOptions {
            max_body_bytes,
            ..options(decider(AdmissionSettings::default(), None))
        },
    )
    .await
}

async fn start_with(name: &str, policies: PolicyEvaluator, decision_deadline: Duration) -> Webhook {
    Webhook::start(
        name,
        ServeOptions {
            decision_deadline,
            ..options(decider(AdmissionSettings::default(), Some(policies)))
        },
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_path_runs_its_checks() {
    let policies: PolicyEvaluator = Box::new(|_| rampart_policy::Evaluation {
        violations: vec![rampart_policy::Violation {
            engine: rampart_policy::Engine::Vap,
            policy: "no-pods".into(),
            binding: "no-pods".into(),
            message: "pods are not allowed here".into(),
            actions: vec![rampart_policy::Action::Deny],
            reason: "Forbidden".into(),
        }],
        ..Default::default()
    });
    let server = start_with("paths", policies, Duration::from_secs(4)).await;
    let privileged = review("u-1", "CREATE", &fixture("privileged-pod.json"), None);
    let compliant = review("u-2", "CREATE", &fixture("compliant-pod.json"), None);
    let message = |r: &Value| r["status"]["message"].as_str().unwrap_or("").to_string();

    let r = server.review_at("/validate", &privileged).await;
    assert!(message(&r).contains("privileged-container") && message(&r).contains("no-pods"));
    // The rules alone: the policy is not asked.
    let r = server.review_at("/validate/rules", &compliant).await;
    assert_eq!(r["allowed"], true, "{r}");
    let r = server.review_at("/validate/rules", &privileged).await;
    assert!(message(&r).contains("privileged-container") && !message(&r).contains("no-pods"));
    // The policies alone: the rules are not run.
    let r = server.review_at("/validate/policies", &privileged).await;
    assert_eq!(r["allowed"], false);
    assert!(message(&r).contains("no-pods") && !message(&r).contains("privileged-container"));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admission_decisions_over_https() {
    let server = start("decisions", 3 << 20).await;

    let r = server
        .review(&review(
            "u-priv",
            "CREATE",
            &fixture("privileged-pod.json"),
            None,
        ))
        .await;
    assert_eq!(r["allowed"], false);
    assert_eq!(r["status"]["code"], 403);
    assert_eq!(r["status"]["reason"], "Forbidden");
    let message = r["status"]["message"].as_str().unwrap();
    assert!(message.contains("privileged-container"), "{message}");

    let r = server
        .review(&review(
            "u-deploy",
            "CREATE",
            &fixture("privileged-deployment.json"),
            None,
        ))
        .await;
    assert_eq!(r["allowed"], false);
    let message = r["status"]["message"].as_str().unwrap();
    assert!(
        message.contains("privileged-container")
            && message.contains("/spec/template/spec/containers/0/securityContext/privileged"),
        "{message}"
    );

    let r = server
        .review(&review(
            "u-ok",
            "CREATE",
            &fixture("compliant-pod.json"),
            None,
        ))
        .await;
    assert_eq!(r["allowed"], true, "{r}");
    assert!(r.get("status").is_none());

    let r = server
        .review(&review(
            "u-latest",
            "CREATE",
            &fixture("latest-tag-pod.json"),
            None,
        ))
        .await;
    assert_eq!(r["allowed"], true, "{r}");
    let warnings: Vec<&str> = r["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert!(
        warnings
            .iter()
            .any(|w| w.starts_with("rampart: image-latest-tag: ")),
        "{warnings:?}"
    );

    let r = server
        .review(&review("u-crd", "CREATE", &fixture("widget.json"), None))
        .await;
    assert_eq!(r["allowed"], true, "{r}");

    let mut in_kube_system = fixture("privileged-pod.json");
    in_kube_system["metadata"]["namespace"] = "kube-system".into();
    let r = server
        .review(&review("u-exempt", "CREATE", &in_kube_system, None))
        .await;
    assert_eq!(r["allowed"], true, "{r}");
    assert!(r.get("warnings").is_none(), "{r}");

    let r = server
        .review(&review(
            "u-del",
            "DELETE",
            &fixture("privileged-pod.json"),
            None,
        ))
        .await;
    assert_eq!(r["allowed"], true, "{r}");

    // The `/` alias.
    let body = serde_json::to_vec(&review(
        "u-root",
        "CREATE",
        &fixture("privileged-pod.json"),
        None,
    ))
    .unwrap();
    let (status, _, body, _) = server
        .send("POST", "/", Some("application/json; charset=utf-8"), body)
        .await;
    assert_eq!(status, 200);
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["response"]["allowed"], false);

    // Metrics count what was decided.
    let (status, ct, body, _) = server.send("GET", "/metrics", None, vec![]).await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("application/openmetrics-text"), "{ct}");
    let text = String::from_utf8(body.to_vec()).unwrap();
    assert!(
        text.contains(
            r#"rampart_admission_requests_total{operation="CREATE",kind="Pod",allowed="false"} 2"#
        ),
        "{text}"
    );
    assert!(
        text.contains(r#"rampart_admission_requests_total{operation="CREATE",kind="Deployment",allowed="false"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(
            r#"rampart_admission_requests_total{operation="DELETE",kind="Pod",allowed="true"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains(r#"rampart_admission_decisions_total{source="rule",name="privileged-container",action="deny"} 3"#),
        "{text}"
    );
    assert!(
        text.contains(r#"rampart_admission_decisions_total{source="rule",name="image-latest-tag",action="warn"}"#),
        "{text}"
    );
    assert!(
        text.contains("rampart_admission_request_duration_seconds_count 8"),
        "{text}"
    );
    assert!(text.contains(r#"rampart_admission_request_duration_seconds_bucket{le="0.0001"}"#));

    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_are_refused_with_clear_statuses() {
    let server = start("errors", 64 * 1024).await;
    let valid =
        serde_json::to_vec(&review("u", "CREATE", &fixture("compliant-pod.json"), None)).unwrap();

    let (status, _, body, _) = server
        .send(
            "POST",
            "/validate",
            Some("application/json"),
            b"{not json".to_vec(),
        )
        .await;
    assert_eq!(status, 400);
    assert!(String::from_utf8_lossy(&body).contains("not an AdmissionReview"));

    let v1beta1 = br#"{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{"uid":"x"}}"#;
    let (status, _, body, _) = server
        .send(
            "POST",
            "/validate",
            Some("application/json"),
            v1beta1.to_vec(),
        )
        .await;
    assert_eq!(status, 400);
    assert!(String::from_utf8_lossy(&body).contains("admission.k8s.io/v1"));

    let (status, _, _, _) = server
        .send("POST", "/validate", Some("application/yaml"), valid.clone())
        .await;
    assert_eq!(status, 415);
    let (status, _, _, _) = server.send("POST", "/validate", None, valid.clone()).await;
    assert_eq!(status, 415);

    let mut big = fixture("compliant-pod.json");
    big["metadata"]["annotations"] = serde_json::json!({"filler": "x".repeat(100 * 1024)});
    let big = serde_json::to_vec(&review("u-big", "CREATE", &big, None)).unwrap();
    let (status, _, _, _) = server
        .send("POST", "/validate", Some("application/json"), big)
        .await;
    assert_eq!(status, 413);

    let (status, _, _, _) = server.send("GET", "/validate", None, vec![]).await;
    assert_eq!(status, 405);
    let (status, _, _, _) = server.send("GET", "/nope", None, vec![]).await;
    assert_eq!(status, 404);
    let (status, _, body, _) = server.send("GET", "/healthz", None, vec![]).await;
    assert_eq!((status, &body[..]), (200, &b"ok\n"[..]));
    let (status, _, _, _) = server.send("GET", "/readyz", None, vec![]).await;
    assert_eq!(status, 200);

    let (_, _, body, _) = server.send("GET", "/metrics", None, vec![]).await;
    let text = String::from_utf8(body.to_vec()).unwrap();
    for line in [
        r#"rampart_admission_errors_total{kind="malformed"} 2"#,
        r#"rampart_admission_errors_total{kind="content_type"} 2"#,
        r#"rampart_admission_errors_total{kind="too_large"} 1"#,
    ] {
        assert!(text.contains(line), "{line} in {text}");
    }
    server.stop().await;
}

async fn write_pair(dir: &Path, cert: &str, key: &str) {
    // Written beside and renamed into place, as kubelet's atomic writer
    // does, so the server never reads half a file.
    for (name, text) in [("tls.crt", cert), ("tls.key", key)] {
        let tmp = dir.join(format!(".{name}.tmp"));
        tokio::fs::write(&tmp, text).await.unwrap();
        tokio::fs::rename(&tmp, dir.join(name)).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renewed_certificate_is_served_to_new_connections() {
    let server = start("reload", 3 << 20).await;
    let (_, _, _, first) = server.send("GET", "/healthz", None, vec![]).await;

    // A broken pair is refused; the old certificate stays in use.
    let (cert, _, _) = server.pki.leaf("second");
    let (_, other_key, _) = server.pki.leaf("unrelated");
    write_pair(&server.dir, &cert, &other_key).await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let (status, _, _, presented) = server.send("GET", "/healthz", None, vec![]).await;
    assert_eq!(status, 200);
    assert_eq!(presented, first, "a mismatched pair must not be served");
    let (_, _, body, _) = server.send("GET", "/metrics", None, vec![]).await;
    assert!(
        String::from_utf8_lossy(&body)
            .contains(r#"rampart_admission_errors_total{kind="tls_reload"} 1"#),
        "{}",
        String::from_utf8_lossy(&body)
    );

    // A good pair is picked up without a restart.
    let (cert, key, der) = server.pki.leaf("third");
    write_pair(&server.dir, &cert, &key).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let (_, _, _, presented) = server.send("GET", "/healthz", None, vec![]).await;
        if presented == der {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the renewed certificate was not served within 20 s"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_as_the_api_server_speaks_it() {
    let server = start("h2", 3 << 20).await;
    let body = serde_json::to_vec(&review(
        "u-h2",
        "CREATE",
        &fixture("privileged-pod.json"),
        None,
    ))
    .unwrap();
    let (status, _, body, _) = send(
        server.addr,
        &server.pki.ca,
        true,
        "POST",
        "/validate",
        Some("application/json"),
        body,
    )
    .await;
    assert_eq!(status, 200);
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["response"]["uid"], "u-h2");
    assert_eq!(v["response"]["allowed"], false);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_drains_requests_in_flight() {
    let slow: PolicyEvaluator = Box::new(|_| {
        std::thread::sleep(Duration::from_millis(1500));
        rampart_policy::Evaluation::default()
    });
    let server = start_with("drain", slow, Duration::from_secs(4)).await;
    let (addr, ca) = (server.addr, server.pki.ca.clone());
    let body = serde_json::to_vec(&review(
        "u-slow",
        "CREATE",
        &fixture("compliant-pod.json"),
        None,
    ))
    .unwrap();
    let in_flight = tokio::spawn(async move {
        send(
            addr,
            &ca,
            false,
            "POST",
            "/validate",
            Some("application/json"),
            body,
        )
        .await
    });
    // The request is being decided when the shutdown comes.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started = std::time::Instant::now();
    server.stop().await;
    let (status, _, body, _) = in_flight.await.unwrap();
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["response"]["allowed"], true);
    assert!(started.elapsed() < Duration::from_secs(5));
    // No new connection is accepted.
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decision_past_its_deadline_is_denied_with_a_reason() {
    let slow: PolicyEvaluator = Box::new(|_| {
        std::thread::sleep(Duration::from_millis(1500));
        rampart_policy::Evaluation::default()
    });
    let server = start_with("deadline", slow, Duration::from_millis(200)).await;
    let body = serde_json::to_vec(&review(
        "u-late",
        "CREATE",
        &fixture("compliant-pod.json"),
        None,
    ))
    .unwrap();
    let started = std::time::Instant::now();
    let (status, _, body, _) = send(
        server.addr,
        &server.pki.ca,
        false,
        "POST",
        "/validate",
        Some("application/json"),
        body,
    )
    .await;
    assert!(started.elapsed() < Duration::from_millis(1400));
    assert_eq!(status, 200);
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["response"]["uid"], "u-late");
    assert_eq!(v["response"]["allowed"], false);
    assert_eq!(v["response"]["status"]["code"], 500);
    assert!(
        v["response"]["status"]["message"]
            .as_str()
            .unwrap()
            .contains("no decision within"),
        "{v}"
    );
    // The policies path leaves a slow request to the API server's own
    // timeout and failurePolicy: it answers when the policies have.
    let body = serde_json::to_vec(&review(
        "u-late-policies",
        "CREATE",
        &fixture("compliant-pod.json"),
        None,
    ))
    .unwrap();
    let (status, _, body, _) = send(
        server.addr,
        &server.pki.ca,
        false,
        "POST",
        "/validate/policies",
        Some("application/json"),
        body,
    )
    .await;
    assert_eq!(status, 200);
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["response"]["allowed"], true, "{v}");
    server.stop().await;
}
