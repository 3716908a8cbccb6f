//! ValidatingAdmissionPolicy examples as the Kubernetes docs write them,
//! each with requests it must admit and reject.

use rampart_core::source::split_documents;
use rampart_core::yaml::{Limits, parse_document};
use rampart_policy::vap::VapSet;
use rampart_policy::{Action, Evaluation, Gvk, LoadError, Operation, Request, UserInfo};
use serde_json::{Value, json};

fn load(file: &str) -> (VapSet, Vec<LoadError>) {
    let path = format!("{}/tests/fixtures/vap/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let objects: Vec<Value> = split_documents(&text)
        .into_iter()
        .filter_map(|c| {
            parse_document(&text[c.start..c.end], c.first_line, Limits::default())
                .unwrap()
                .root
                .map(|n| n.to_json())
        })
        .collect();
    VapSet::load(&objects)
}

fn namespace(name: &str, labels: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}})
}

fn request(
    kind: (&str, &str, &str),
    resource: &str,
    op: Operation,
    ns: Option<Value>,
    object: Value,
) -> Request {
    let namespace = object["metadata"]["namespace"]
        .as_str()
        .unwrap_or("")
        .to_string();
    Request {
        uid: "705ab4f5-6393-11e8-b7cc-42010a800002".into(),
        kind: Gvk {
            group: kind.0.into(),
            version: kind.1.into(),
            name: kind.2.into(),
        },
        resource: Gvk {
            group: kind.0.into(),
            version: kind.1.into(),
            name: resource.into(),
        },
        sub_resource: String::new(),
        name: object["metadata"]["name"]
            .as_str()
            .unwrap_or("")
            .to_string(),
        namespace,
        operation: op,
        user_info: UserInfo {
            username: "alice".into(),
            ..Default::default()
        },
        object: (op != Operation::Delete).then(|| object.clone()),
        old_object: matches!(op, Operation::Update | Operation::Delete).then_some(object),
        namespace_object: ns,
        dry_run: false,
        options: None,
    }
}

fn deployment(ns: &str, replicas: i64, ns_obj: Option<Value>) -> Request {
    request(
        ("apps", "v1", "Deployment"),
        "deployments",
        Operation::Create,
        ns_obj,
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": "web", "namespace": ns},
               "spec": {"replicas": replicas}}),
    )
}

fn pod(ns: &str, op: Operation, containers: Value) -> Request {
    request(
        ("", "v1", "Pod"),
        "pods",
        op,
        Some(namespace(ns, json!({}))),
        json!({"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": "p", "namespace": ns},
               "spec": {"containers": containers}}),
    )
}

fn messages(e: &Evaluation) -> Vec<&str> {
    e.violations.iter().map(|v| v.message.as_str()).collect()
}

#[test]
fn replica_limit_with_params_and_namespace_selector() {
    let (set, errors) = load("replicas-params.yaml");
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(set.counts(), (1, 1));
    let test_ns = || Some(namespace("default", json!({"environment": "test"})));

    let denied = set.evaluate(&deployment("default", 5, test_ns()));
    assert_eq!(
        messages(&denied),
        ["failed expression: object.spec.replicas <= params.maxReplicas"]
    );
    let v = &denied.violations[0];
    assert_eq!(v.policy, "replicalimit-policy.example.com");
    assert_eq!(v.binding, "replicalimit-binding-test.example.com");
    assert_eq!(v.actions, [Action::Deny]);
    assert_eq!(v.reason, "Invalid");
    assert!(denied.errors.is_empty());

    assert_eq!(
        set.evaluate(&deployment("default", 3, test_ns())),
        Evaluation::default()
    );

    // The binding's namespaceSelector leaves other environments alone.
    let prod = Some(namespace("default", json!({"environment": "prod"})));
    assert_eq!(
        set.evaluate(&deployment("default", 5, prod)),
        Evaluation::default()
    );

    // A Namespace the evaluation cannot see: the API server answers
    // NotFound, a configuration error under failurePolicy Fail.
    let unknown = set.evaluate(&deployment("default", 5, None));
    assert!(unknown.violations.is_empty());
    assert_eq!(unknown.errors.len(), 1);
    assert!(unknown.errors[0].fail_closed);
    assert!(
        unknown.errors[0].message.contains("not found"),
        "{unknown:?}"
    );

    // Pods are not in the policy's resource rules.
    let p = pod("default", Operation::Create, json!([{"name": "c"}]));
    assert_eq!(set.evaluate(&p), Evaluation::default());
}

#[test]
fn privileged_containers_warn_and_audit() {
    let (set, errors) = load("privileged.yaml");
    assert!(errors.is_empty(), "{errors:?}");
    let privileged = json!([
        {"name": "app"},
        {"name": "debug", "securityContext": {"privileged": true}}
    ]);

    let e = set.evaluate(&pod("apps", Operation::Create, privileged.clone()));
    assert_eq!(
        messages(&e),
        ["privileged containers are not allowed: debug"]
    );
    assert_eq!(e.violations[0].actions, [Action::Warn, Action::Audit]);
    assert_eq!(e.violations[0].reason, "Forbidden");

    let fine = json!([{"name": "app", "securityContext": {"privileged": false}}]);
    assert_eq!(
        set.evaluate(&pod("apps", Operation::Update, fine)),
        Evaluation::default()
    );

    // The matchCondition excludes kube-system; DELETE is not matched.
    let ks = set.evaluate(&pod("kube-system", Operation::Create, privileged.clone()));
    assert_eq!(ks, Evaluation::default());
    let del = set.evaluate(&pod("apps", Operation::Delete, privileged));
    assert_eq!(del, Evaluation::default());
}

#[test]
fn malformed_expression_and_objects() {
    let (set, errors) = load("malformed.yaml");
    let objects: Vec<&str> = errors.iter().map(|e| e.object.as_str()).collect();
    assert_eq!(
        objects,
        [
            "ValidatingAdmissionPolicy/broken",
            "ValidatingAdmissionPolicyBinding/no-actions",
            "ValidatingAdmissionPolicy/no-constraints",
        ]
    );
    assert!(errors[0].message.contains("spec.validations[0].expression"));
    assert!(errors[1].message.contains("validationActions"));

    // The broken policy is kept and fails closed on every matching request.
    let e = set.evaluate(&deployment("default", 1, None));
    assert!(e.violations.is_empty());
    assert_eq!(e.errors.len(), 1);
    assert_eq!(e.errors[0].binding, "broken-binding");
    assert!(e.errors[0].fail_closed);
    assert!(e.errors[0].message.starts_with("compilation error"));
}

#[test]
fn missing_params_allow_and_deny() {
    let (set, errors) = load("missing-param.yaml");
    assert!(errors.is_empty(), "{errors:?}");
    let team_a = Some(namespace("team-a", json!({})));
    let e = set.evaluate(&deployment("team-a", 5, team_a));

    // limits-allow: no param, nothing evaluated. limits-deny: rejected
    // whatever the object. limits-selector: both ConfigMaps are params,
    // each evaluated; only the smaller limit is exceeded.
    assert_eq!(e.errors.len(), 1, "{e:?}");
    assert_eq!(e.errors[0].binding, "limits-deny");
    assert!(e.errors[0].fail_closed);
    assert!(e.errors[0].message.contains("parameterNotFoundAction"));
    assert_eq!(messages(&e), ["at most 2 replicas"]);
    assert_eq!(e.violations[0].binding, "limits-selector");

    // In a namespace without ConfigMaps the selector finds none: Deny.
    let e = set.evaluate(&deployment(
        "team-b",
        1,
        Some(namespace("team-b", json!({}))),
    ));
    let bindings: Vec<&str> = e.errors.iter().map(|x| x.binding.as_str()).collect();
    assert_eq!(bindings, ["limits-deny", "limits-selector"]);
    assert!(e.violations.is_empty());
}

fn labelled_deployment(replicas: i64, strategy: bool) -> Request {
    let mut spec = json!({"replicas": replicas});
    if strategy {
        spec["strategy"] = json!({"type": "Recreate"});
    }
    request(
        ("apps", "v1", "Deployment"),
        "deployments",
        Operation::Create,
        Some(namespace("default", json!({}))),
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": "web", "namespace": "default", "labels": {"team": "shop"}},
               "spec": spec}),
    )
}

#[test]
fn audit_annotations_are_recorded_per_binding_and_param() {
    let (set, errors) = load("audit-annotations.yaml");
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        set.counts(),
        (3, 3),
        "an auditAnnotations-only policy loads"
    );

    let e = set.evaluate(&labelled_deployment(4, true));
    // Nothing denies: annotations are not validations.
    assert!(e.violations.is_empty(), "{e:?}");
    let got: Vec<(&str, &str, &str)> = e
        .audit_annotations
        .iter()
        .map(|a| (a.policy.as_str(), a.key.as_str(), a.value.as_str()))
        .collect();
    // Params are read (the strict limit of 3 is exceeded, the lax 5 is
    // not: null, skipped); a blank value is skipped; values are trimmed.
    assert_eq!(
        got,
        [
            (
                "replica-audit.example.com",
                "high-replica-count",
                "Deployment spec.replicas set to 4, over 3"
            ),
            ("replica-audit.example.com", "owner", "team shop"),
            ("replica-audit.example.com", "owner", "team shop"),
            ("broken-fail.example.com", "strategy", "Recreate"),
            ("broken-ignore.example.com", "strategy", "Recreate"),
        ]
    );
    assert!(
        e.audit_annotations
            .iter()
            .all(|a| a.engine == rampart_policy::Engine::Vap)
    );
    assert_eq!(e.audit_annotations[0].binding, "replica-audit-binding");

    // As the API server records them: `<policy>/<key>`, equal values once.
    let published = e.published_audit_annotations();
    assert_eq!(
        published["replica-audit.example.com/high-replica-count"],
        "Deployment spec.replicas set to 4, over 3"
    );
    assert_eq!(published["replica-audit.example.com/owner"], "team shop");
    assert_eq!(published.len(), 4);

    // A value that is neither a string nor null rejects the request even
    // under failurePolicy Ignore.
    assert_eq!(e.errors.len(), 1, "{e:?}");
    assert_eq!(e.errors[0].policy, "broken-ignore.example.com");
    assert!(e.errors[0].message.contains("unsupported return type"));
    assert!(e.errors[0].fail_closed);

    // Over both limits: both params publish, joined in order.
    let e = set.evaluate(&labelled_deployment(9, true));
    assert_eq!(
        e.published_audit_annotations()["replica-audit.example.com/high-replica-count"],
        "Deployment spec.replicas set to 9, over 3, Deployment spec.replicas set to 9, over 5"
    );
}

#[test]
fn audit_annotation_errors_follow_failure_policy() {
    let (set, _) = load("audit-annotations.yaml");
    // No spec.strategy: the expression fails.
    let e = set.evaluate(&labelled_deployment(1, false));
    let errors: Vec<(&str, bool)> = e
        .errors
        .iter()
        .map(|x| (x.policy.as_str(), x.fail_closed))
        .collect();
    assert_eq!(
        errors,
        [
            // Fail rejects although the binding's actions are [Audit].
            ("broken-fail.example.com", true),
            // Ignore drops the annotation.
            ("broken-ignore.example.com", false),
            ("broken-ignore.example.com", true),
        ],
        "{e:?}"
    );
    assert!(e.errors[0].message.contains("strategy"), "{e:?}");
    assert!(e.audit_annotations.iter().all(|a| a.key != "strategy"));
}

#[test]
fn malformed_audit_annotations_do_not_load() {
    let (set, errors) = load("audit-annotations-malformed.yaml");
    assert_eq!(set.counts(), (0, 0));
    let got: Vec<(&str, &str)> = errors
        .iter()
        .map(|e| (e.object.as_str(), e.message.as_str()))
        .collect();
    assert_eq!(got.len(), 5, "{got:?}");
    assert_eq!(got[0].0, "ValidatingAdmissionPolicy/slash-key");
    assert!(got[0].1.contains("auditAnnotations[0].key"), "{got:?}");
    assert_eq!(got[1].0, "ValidatingAdmissionPolicy/duplicate-key");
    assert!(got[1].1.contains("auditAnnotations[1].key: duplicate"));
    assert_eq!(got[2].0, "ValidatingAdmissionPolicy/long-key");
    assert!(got[2].1.contains("63 characters"));
    assert_eq!(got[3].0, "ValidatingAdmissionPolicy/empty-value");
    assert!(got[3].1.contains("valueExpression is required"));
    assert_eq!(got[4].0, "ValidatingAdmissionPolicy/nothing-to-do");
    assert!(got[4].1.contains("validations or spec.auditAnnotations"));
}

fn resource_request(group: &str, version: &str, kind: &str, resource: &str) -> Request {
    let api_version = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    request(
        (group, version, kind),
        resource,
        Operation::Create,
        Some(namespace("default", json!({}))),
        json!({"apiVersion": api_version, "kind": kind,
               "metadata": {"name": "x", "namespace": "default"}}),
    )
}

#[test]
fn match_policy_equivalent() {
    let (set, errors) = load("equivalent.yaml");
    assert!(errors.is_empty(), "{errors:?}");
    let policies = |e: &Evaluation| -> Vec<String> {
        e.violations
            .iter()
            .map(|v| format!("{}: {}", v.policy, v.message))
            .collect()
    };

    // The same resource asked for: every policy but the exclusion's.
    let e = set.evaluate(&resource_request("apps", "v1", "Deployment", "deployments"));
    assert_eq!(
        policies(&e),
        [
            "equivalent: apps/v1 Deployment as apps/v1 deployments for apps/v1",
            "exact: failed expression: false",
        ]
    );

    // Another version, and the historical extensions group: equivalent
    // only; the exclusion applies to them too.
    for (group, version) in [("apps", "v1beta2"), ("extensions", "v1beta1")] {
        let e = set.evaluate(&resource_request(
            group,
            version,
            "Deployment",
            "deployments",
        ));
        assert_eq!(
            policies(&e),
            [format!(
                "equivalent: apps/v1 Deployment as apps/v1 deployments for {group}/{version}"
            )],
        );
    }

    // Core events are events.k8s.io events.
    let e = set.evaluate(&resource_request("", "v1", "Event", "events"));
    assert_eq!(
        policies(&e),
        [
            "equivalent: events.k8s.io/v1 Event as events.k8s.io/v1 events for /v1",
            "all-but-deployments: failed expression: false",
        ]
    );

    // A custom resource in another version of its group.
    let e = set.evaluate(&resource_request(
        "stable.example.com",
        "v2",
        "CronTab",
        "crontabs",
    ));
    assert_eq!(
        policies(&e)[0],
        "equivalent: stable.example.com/v1 CronTab as stable.example.com/v1 crontabs for stable.example.com/v2"
    );

    // Another group with the same resource name is not equivalent.
    let e = set.evaluate(&resource_request(
        "other.example.com",
        "v1",
        "CronTab",
        "crontabs",
    ));
    assert_eq!(
        policies(&e),
        ["all-but-deployments: failed expression: false"]
    );
}
