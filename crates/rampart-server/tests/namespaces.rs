//! The webhook with a Namespace source: requests get their Namespace
//! object before they are decided, so a policy's namespaceSelector
//! decides by the namespace's labels; lookup failures leave it unknown
//! (the policy's failurePolicy applies) and are counted; `/readyz` waits
//! for the source.

pub mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use common::https::{Webhook, options};
use common::{decider, fixture, review};
use rampart_policy::set::Policies;
use rampart_server::{AdmissionSettings, NamespaceLookup, NamespaceSource, ServeOptions};
use serde_json::{Value, json};

/// Namespaces in memory; `broken` fails, `slow` never answers in time.
struct Fake {
    namespaces: HashMap<String, Value>,
    ready: AtomicBool,
    lookups: AtomicUsize,
}

impl NamespaceSource for Fake {
    fn lookup<'a>(&'a self, name: &'a str) -> NamespaceLookup<'a> {
        Box::pin(async move {
            self.lookups.fetch_add(1, Ordering::SeqCst);
            match name {
                "broken" => Err("the API server answered 403".to_string()),
                "slow" => {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    Ok(None)
                }
                _ => Ok(self.namespaces.get(name).cloned()),
            }
        })
    }

    fn ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }
}

fn namespace(name: &str, labels: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}})
}

fn fake() -> Arc<Fake> {
    Arc::new(Fake {
        namespaces: [
            ("strict", namespace("strict", json!({"owners": "required"}))),
            ("relaxed", namespace("relaxed", json!({"team": "a"}))),
        ]
        .into_iter()
        .map(|(n, v)| (n.to_string(), v))
        .collect(),
        ready: AtomicBool::new(false),
        lookups: AtomicUsize::new(0),
    })
}

/// Pods must have an `owner` label, in namespaces labelled
/// `owners: required` only.
fn policies() -> rampart_server::PolicyEvaluator {
    let objects = vec![
        json!({
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "ValidatingAdmissionPolicy",
            "metadata": {"name": "require-owner"},
            "spec": {
                "failurePolicy": "Fail",
                "matchConstraints": {"resourceRules": [{
                    "apiGroups": [""], "apiVersions": ["v1"],
                    "operations": ["CREATE", "UPDATE"], "resources": ["pods"],
                }]},
                "validations": [{
                    "expression": "has(object.metadata.labels) && 'owner' in object.metadata.labels",
                    "message": "pods here need an owner label",
                }],
            },
        }),
        json!({
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "ValidatingAdmissionPolicyBinding",
            "metadata": {"name": "require-owner"},
            "spec": {
                "policyName": "require-owner",
                "validationActions": ["Deny"],
                "matchResources": {"namespaceSelector": {"matchLabels": {"owners": "required"}}},
            },
        }),
    ];
    let (policies, errors) = Policies::load(&objects);
    assert!(errors.is_empty(), "{errors:?}");
    Box::new(move |r| policies.evaluate(r))
}

async fn start(source: Arc<Fake>, deadline: Duration) -> Webhook {
    Webhook::start(
        "namespaces",
        ServeOptions {
            decision_deadline: deadline,
            namespaces: Some(source),
            ..options(decider(AdmissionSettings::default(), Some(policies())))
        },
    )
    .await
}

/// A review creating the compliant pod (no `owner` label) in `ns`.
fn pod_in(uid: &str, ns: &str) -> Value {
    let mut pod = fixture("compliant-pod.json");
    pod["metadata"]["namespace"] = json!(ns);
    review(uid, "CREATE", &pod, None)
}

fn namespace_errors(metrics: &str) -> &str {
    metrics
        .lines()
        .find(|l| l.starts_with(r#"rampart_admission_errors_total{kind="namespace"}"#))
        .unwrap_or_else(|| panic!("no namespace error counter in {metrics}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_namespace_labels_decide_whether_a_selecting_policy_applies() {
    let source = fake();
    let server = start(source.clone(), Duration::from_secs(4)).await;

    // Not ready until the source has read its namespaces.
    let (status, _, body, _) = server.send("GET", "/readyz", None, vec![]).await;
    assert_eq!(status, 503);
    assert_eq!(&body[..], b"not ready: namespace cache not yet synced\n");
    source.ready.store(true, Ordering::SeqCst);
    let (status, ..) = server.send("GET", "/readyz", None, vec![]).await;
    assert_eq!(status, 200);

    let r = server.review(&pod_in("u-strict", "strict")).await;
    assert_eq!(r["allowed"], false, "{r}");
    assert!(
        r["status"]["message"]
            .as_str()
            .unwrap()
            .contains("pods here need an owner label"),
        "{r}"
    );
    let r = server.review(&pod_in("u-relaxed", "relaxed")).await;
    assert_eq!(r["allowed"], true, "{r}");
    // With the label, allowed in the selected namespace too.
    let mut owned = fixture("compliant-pod.json");
    owned["metadata"]["namespace"] = json!("strict");
    owned["metadata"]["labels"]["owner"] = json!("alice");
    let r = server
        .review(&review("u-owned", "CREATE", &owned, None))
        .await;
    assert_eq!(r["allowed"], true, "{r}");
    assert_eq!(source.lookups.load(Ordering::SeqCst), 3);

    // Cluster-scoped objects have no namespace to look up.
    let node = json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"}});
    let mut node_review = review("u-node", "CREATE", &node, None);
    node_review["request"]["namespace"] = json!("");
    server.review(&node_review).await;
    assert_eq!(source.lookups.load(Ordering::SeqCst), 3);
    // A Namespace request carries the Namespace itself (and names it as
    // its namespace): nothing to look up.
    let ns = namespace("strict", json!({"owners": "required", "new": "label"}));
    let mut ns_review = review("u-ns", "UPDATE", &ns, Some(&ns));
    ns_review["request"]["namespace"] = json!("strict");
    server.review(&ns_review).await;
    assert_eq!(source.lookups.load(Ordering::SeqCst), 3);
    assert!(namespace_errors(&server.metrics().await).ends_with(" 0"));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_namespace_fails_the_selecting_policy_under_fail() {
    let source = fake();
    source.ready.store(true, Ordering::SeqCst);
    let server = start(source.clone(), Duration::from_secs(4)).await;
    // No such namespace: the API server answers NotFound for the
    // selector, and failurePolicy Fail rejects.
    let r = server.review(&pod_in("u-ghost", "ghost")).await;
    assert_eq!(r["allowed"], false, "{r}");
    // Not found is an answer, not a lookup failure.
    assert!(namespace_errors(&server.metrics().await).ends_with(" 0"));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lookup_failures_are_counted_and_decided_within_the_deadline() {
    let source = fake();
    source.ready.store(true, Ordering::SeqCst);
    // A quarter of the deadline for the lookup: 200 ms.
    let server = start(source.clone(), Duration::from_millis(800)).await;
    let r = server.review(&pod_in("u-broken", "broken")).await;
    assert_eq!(r["allowed"], false, "{r}");
    assert!(namespace_errors(&server.metrics().await).ends_with(" 1"));

    let started = std::time::Instant::now();
    let r = server.review(&pod_in("u-slow", "slow")).await;
    assert!(started.elapsed() < Duration::from_millis(800));
    // Decided (without the namespace), not timed out as a whole.
    assert_eq!(r["allowed"], false, "{r}");
    assert!(
        !r["status"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("no decision within"),
        "{r}"
    );
    assert!(namespace_errors(&server.metrics().await).ends_with(" 2"));
    // Other namespaces are unaffected.
    let r = server.review(&pod_in("u-relaxed", "relaxed")).await;
    assert_eq!(r["allowed"], true, "{r}");
    server.stop().await;
}
