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
