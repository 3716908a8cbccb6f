//! `rampart admission serve` with its namespace cache, end to end: the
//! binary reads Namespaces from rampart-testapi (a local API server) with
//! `--kubeconfig`, and a policy's namespaceSelector decides by their
//! labels; start-up failures of the cache are clear errors (exit 2).

pub mod support;

use std::path::{Path, PathBuf};

use rampart_testapi::{Forbidden, Options, Running, objects_from_paths};
use serde_json::{Value, json};
use support::cluster::{TOKEN, kubeconfig};
use support::webhook::{Webhook, serve_without_certificates};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/admission-namespaces")
}

fn policies() -> String {
    fixtures().join("policies").to_str().unwrap().to_string()
}

fn testapi(tweak: impl FnOnce(&mut Options)) -> Running {
    support::cluster::server(&[fixtures().join("cluster.yaml")], tweak)
}

/// The `response` to creating a pod (labelled `labels`) in `namespace`.
fn create_pod(hook: &Webhook, namespace: &str, labels: Value) -> Value {
    let review = json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": format!("uid-{namespace}"),
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "name": "web",
            "namespace": namespace,
            "operation": "CREATE",
            "userInfo": {"username": "alice"},
            "object": {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "web", "namespace": namespace, "labels": labels},
                "spec": {"containers": [{"name": "web", "image": "registry.example.com/web:1.0"}]},
            },
        },
    });
    hook.review(&review.to_string())["response"].clone()
}

fn message(response: &Value) -> &str {
    response["status"]["message"].as_str().unwrap_or_default()
}

#[test]
fn namespace_labels_decide_whether_a_selecting_policy_applies() {
    let api = testapi(|_| {});
    let (_dir, kubeconfig) = kubeconfig(&api, TOKEN);
    let hook = Webhook::start(&[
        "--kubeconfig",
        kubeconfig.to_str().unwrap(),
        "--policy",
        &policies(),
        // The built-in rules are not what this test is about.
        "--rule",
        "privileged-container",
    ]);

    let denied = create_pod(&hook, "strict", json!({"app": "web"}));
    assert_eq!(denied["allowed"], false, "{denied}");
    assert!(
        message(&denied).contains("pods in this namespace need an owner label"),
        "{denied}"
    );
    let allowed = create_pod(&hook, "strict", json!({"app": "web", "owner": "alice"}));
    assert_eq!(allowed["allowed"], true, "{allowed}");
    let allowed = create_pod(&hook, "relaxed", json!({"app": "web"}));
    assert_eq!(allowed["allowed"], true, "{allowed}");

    // A namespace created after the last list is read when a request
    // names it.
    let mut objects = objects_from_paths(&[fixtures().join("cluster.yaml")]).unwrap();
    objects.push(json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": "late", "labels": {"owners": "required"}},
    }));
    api.replace_objects(objects).unwrap();
    let denied = create_pod(&hook, "late", json!({"app": "web"}));
    assert_eq!(denied["allowed"], false, "{denied}");

    // Read-only, and only Namespaces.
    let requests = api.requests();
    assert!(
        requests
            .iter()
            .any(|r| r.path_and_query == "/api/v1/namespaces/late")
    );
    for r in &requests {
        assert_eq!(r.method, "GET", "{r:?}");
        assert!(r.path_and_query.starts_with("/api/v1/namespaces"), "{r:?}");
    }
}

#[test]
fn each_namespace_s_pod_security_label_sets_its_level() {
    let api = testapi(|_| {});
    let mut objects = objects_from_paths(&[fixtures().join("cluster.yaml")]).unwrap();
    objects.push(json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": "locked",
            "labels": {"pod-security.kubernetes.io/enforce": "restricted"}},
    }));
    api.replace_objects(objects).unwrap();
    let (_dir, kubeconfig) = kubeconfig(&api, TOKEN);
    let hook = Webhook::start(&[
        "--kubeconfig",
        kubeconfig.to_str().unwrap(),
        "--profile",
        "pss-namespace",
    ]);
    // The pod sets no securityContext: restricted rejects it, and a
    // namespace without the label is privileged.
    let denied = create_pod(&hook, "locked", json!({"app": "web"}));
    assert_eq!(denied["allowed"], false, "{denied}");
    assert!(message(&denied).contains("rampart: "), "{denied}");
    let allowed = create_pod(&hook, "relaxed", json!({"app": "web"}));
    assert_eq!(allowed["allowed"], true, "{allowed}");
}

#[test]
fn in_a_pod_a_cache_nothing_needs_does_not_stop_the_webhook() {
    // A pod's environment with an API server that cannot be reached (and
    // no service account token): no policy selects namespaces, so the
    // webhook serves without namespace labels instead of refusing to
    // start, which under failurePolicy Fail would stop every pod write.
    let hook = Webhook::start_with_env(
        &["--rule", "privileged-container"],
        &[
            ("KUBERNETES_SERVICE_HOST", "127.0.0.1"),
            ("KUBERNETES_SERVICE_PORT", "1"),
        ],
    );
    let allowed = create_pod(&hook, "relaxed", json!({"app": "web"}));
    assert_eq!(allowed["allowed"], true, "{allowed}");
}

#[test]
fn the_cache_must_start_or_the_webhook_does_not() {
    // The service account may not list namespaces.
    let forbidden = testapi(|o| {
        o.forbidden = vec![Forbidden {
            group: String::new(),
            resource: "namespaces".into(),
            namespace: None,
        }];
    });
    let (_kubeconfig_dir, kubeconfig) = kubeconfig(&forbidden, TOKEN);
    let kubeconfig = kubeconfig.to_str().unwrap();
    let (code, _, err) = serve_without_certificates(&["--kubeconfig", kubeconfig]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("namespace cache") && err.contains("403"),
        "{err}"
    );

    // Nobody listens any more.
    drop(forbidden);
    let (code, _, err) = serve_without_certificates(&["--kubeconfig", kubeconfig]);
    assert_eq!(code, 2);
    assert!(err.contains("namespace cache: cannot reach"), "{err}");

    let (code, _, err) =
        serve_without_certificates(&["--kubeconfig", kubeconfig, "--context", "nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("no context named `nope`"));

    // Without the cache a namespaceSelector cannot be decided: refused.
    let (code, _, err) =
        serve_without_certificates(&["--no-namespace-cache", "--policy", &policies()]);
    assert_eq!(code, 2);
    assert!(
        err.contains(
            "require-owner: namespaceSelector is not supported without the namespace cache"
        ),
        "{err}"
    );
    let (code, _, err) =
        serve_without_certificates(&["--no-namespace-cache", "--kubeconfig", kubeconfig]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot be used with"));
}
