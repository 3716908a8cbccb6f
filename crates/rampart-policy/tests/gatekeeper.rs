//! Gatekeeper ConstraintTemplates from gatekeeper-library, asserted as the
//! library's own suite.yaml (run by `gator verify`) asserts them.

use rampart_core::yaml::{Limits, parse_document};
use rampart_policy::gatekeeper::GatekeeperSet;
use rampart_policy::{Action, Evaluation, Gvk, Operation, Request, UserInfo};
use serde_json::{Value, json};

fn fixture(path: &str) -> Value {
    let full = format!(
        "{}/tests/fixtures/gatekeeper/{path}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&full).unwrap();
    parse_document(&text, 1, Limits::default())
        .unwrap()
        .root
        .unwrap()
        .to_json()
}

fn load(objects: &[Value]) -> GatekeeperSet {
    let (set, errors) = GatekeeperSet::load(objects);
    assert_eq!(errors, vec![]);
    set
}

fn policy(dir: &str) -> GatekeeperSet {
    load(&[
        fixture(&format!("{dir}/template.yaml")),
        fixture(&format!("{dir}/constraint.yaml")),
    ])
}

/// A request for `object` in `namespace` (`""` for cluster-scoped
/// objects), as the API server sends it.
fn request(object: Value, namespace: &str, operation: Operation) -> Request {
    let api = object["apiVersion"].as_str().unwrap().to_string();
    let (group, version) = api.rsplit_once('/').unwrap_or(("", &api));
    let kind = object["kind"].as_str().unwrap().to_string();
    Request {
        uid: "705ab4f5-6393-11e8-b7cc-42010a800002".into(),
        kind: Gvk {
            group: group.into(),
            version: version.into(),
            name: kind.clone(),
        },
        resource: Gvk {
            group: group.into(),
            version: version.into(),
            name: format!("{}s", kind.to_lowercase()),
        },
        sub_resource: String::new(),
        name: object["metadata"]["name"].as_str().unwrap().into(),
        namespace: namespace.into(),
        operation,
        user_info: UserInfo {
            username: "alice".into(),
            ..Default::default()
        },
        object: (operation != Operation::Delete).then(|| object.clone()),
        old_object: matches!(operation, Operation::Update | Operation::Delete).then_some(object),
        namespace_object: None,
        dry_run: false,
        options: None,
    }
}

fn create(object: Value, namespace: &str) -> Request {
    request(object, namespace, Operation::Create)
}

/// `violations: N` with `message: <regex>` in a suite: how many messages
/// contain the (literal, in these suites) pattern.
fn count(ev: &Evaluation, pattern: &str) -> usize {
    ev.violations
        .iter()
        .filter(|v| v.message.contains(pattern))
        .count()
}

#[test]
fn allowedrepos_suite() {
    let set = policy("allowedrepos");
    // The suite's objects carry no namespace, which (in gator as in
    // Gatekeeper's match) no `namespaces` list disqualifies.
    let ev = |f: &str| set.evaluate(&create(fixture(&format!("allowedrepos/{f}")), ""));

    let allowed = ev("example_allowed.yaml");
    assert_eq!(allowed, Evaluation::default());

    // container-disallowed: violations yes, message `container`.
    let container = ev("example_disallowed.yaml");
    assert_eq!(container.violations.len(), 1);
    assert_eq!(count(&container, "container"), 1);
    let v = &container.violations[0];
    assert_eq!(
        v.message,
        "container <nginx> has an invalid image repo <nginx>, allowed repos are [\"openpolicyagent/\"]"
    );
    assert_eq!(v.policy, "K8sAllowedRepos");
    assert_eq!(v.binding, "repo-is-openpolicyagent");
    assert_eq!(v.actions, vec![Action::Deny]);

    // initcontainer-disallowed: 1 `initContainer`, 0 `container`.
    let init = ev("disallowed_initcontainer.yaml");
    assert_eq!(count(&init, "initContainer"), 1);
    assert_eq!(count(&init, "container"), 0);

    // both-disallowed: 2 in all, 1 of each.
    let both = ev("disallowed_both.yaml");
    assert_eq!(both.violations.len(), 2);
    assert_eq!(count(&both, "initContainer"), 1);
    assert_eq!(count(&both, "container"), 1);
    assert!(both.errors.is_empty());

    // In the constraint's namespace, and out of it.
    let in_default = set.evaluate(&create(
        fixture("allowedrepos/disallowed_both.yaml"),
        "default",
    ));
    assert_eq!(in_default.violations.len(), 2);
    let other = set.evaluate(&create(
        fixture("allowedrepos/disallowed_both.yaml"),
        "prod",
    ));
    assert_eq!(other, Evaluation::default());
}

#[test]
fn requiredlabels_suite() {
    let set = policy("requiredlabels");
    let allowed = set.evaluate(&create(fixture("requiredlabels/example_allowed.yaml"), ""));
    assert_eq!(allowed, Evaluation::default());

    let denied = set.evaluate(&create(
        fixture("requiredlabels/example_disallowed_label_value.yaml"),
        "",
    ));
    assert!(denied.errors.is_empty(), "{:?}", denied.errors);
    assert_eq!(denied.violations.len(), 1);
    let v = &denied.violations[0];
    // The constraint's own message parameter replaces the default one.
    assert_eq!(
        v.message,
        "All namespaces must have an `owner` label that points to your company username"
    );
    // enforcementAction: dryrun.
    assert_eq!(v.actions, vec![Action::Audit]);

    // A Pod is not among the constraint's kinds.
    let pod = fixture("allowedrepos/example_disallowed.yaml");
    assert_eq!(set.evaluate(&create(pod, "default")), Evaluation::default());
}

#[test]
fn requiredlabels_reports_missing_labels_with_the_default_message() {
    let template = fixture("requiredlabels/template.yaml");
    let constraint = json!({
        "apiVersion": "constraints.gatekeeper.sh/v1beta1",
        "kind": "K8sRequiredLabels",
        "metadata": {"name": "need-team"},
        "spec": {"parameters": {"labels": [{"key": "team"}, {"key": "owner"}]}}
    });
    let set = load(&[template, constraint]);
    let ev = set.evaluate(&create(fixture("requiredlabels/example_allowed.yaml"), ""));
    assert_eq!(ev.violations.len(), 1);
    assert_eq!(
        ev.violations[0].message,
        "you must provide labels: {\"team\"}"
    );
}

#[test]
fn privileged_containers_suite() {
    let set = policy("privileged-containers");
    let disallowed = fixture("privileged-containers/example_disallowed.yaml");
    // As in gator, the namespace-less objects are not excluded.
    let ev = set.evaluate(&create(disallowed.clone(), ""));
    assert_eq!(ev.violations.len(), 1);
    assert_eq!(
        ev.violations[0].message,
        "Privileged container is not allowed: nginx, securityContext: {\"privileged\": true}"
    );
    // The sample constraint is enforcementAction: dryrun.
    assert_eq!(ev.violations[0].actions, vec![Action::Audit]);
    let allowed = fixture("privileged-containers/example_allowed.yaml");
    assert_eq!(set.evaluate(&create(allowed, "")), Evaluation::default());
    assert_eq!(
        set.evaluate(&create(disallowed.clone(), "apps"))
            .violations
            .len(),
        1
    );
    // excludedNamespaces.
    assert_eq!(
        set.evaluate(&create(disallowed, "kube-system")),
        Evaluation::default()
    );
}

#[test]
fn delete_reviews_the_deleted_object_as_object() {
    let set = policy("privileged-containers");
    let pod = fixture("privileged-containers/example_disallowed.yaml");
    let ev = set.evaluate(&request(pod, "apps", Operation::Delete));
    assert_eq!(ev.violations.len(), 1);
}

fn pod_constraint(spec: Value) -> Value {
    json!({
        "apiVersion": "constraints.gatekeeper.sh/v1beta1",
        "kind": "K8sPSPPrivilegedContainer",
        "metadata": {"name": "c"},
        "spec": spec,
    })
}

fn privileged_with(constraint: Value) -> GatekeeperSet {
    load(&[fixture("privileged-containers/template.yaml"), constraint])
}

#[test]
fn enforcement_actions() {
    let pod = fixture("privileged-containers/example_disallowed.yaml");
    let actions = |spec: Value| {
        let set = privileged_with(pod_constraint(spec));
        let ev = set.evaluate(&create(pod.clone(), "apps"));
        ev.violations.first().map(|v| v.actions.clone())
    };
    assert_eq!(actions(json!({})), Some(vec![Action::Deny]));
    assert_eq!(
        actions(json!({"enforcementAction": "warn"})),
        Some(vec![Action::Warn])
    );
    assert_eq!(
        actions(json!({"enforcementAction": "dryrun"})),
        Some(vec![Action::Audit])
    );
    assert_eq!(
        actions(
            json!({"enforcementAction": "scoped", "scopedEnforcementActions": [
                {"action": "warn", "enforcementPoints": [{"name": "validation.gatekeeper.sh"}]},
                {"action": "deny", "enforcementPoints": [{"name": "audit.gatekeeper.sh"}]},
            ]})
        ),
        Some(vec![Action::Warn])
    );
    // Not enforced by the webhook at all.
    assert_eq!(
        actions(
            json!({"enforcementAction": "scoped", "scopedEnforcementActions": [
                {"action": "deny", "enforcementPoints": [{"name": "gator.gatekeeper.sh"}]},
            ]})
        ),
        None
    );
    let (_, errors) = GatekeeperSet::load(&[
        fixture("privileged-containers/template.yaml"),
        pod_constraint(json!({"enforcementAction": "block"})),
    ]);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].object, "K8sPSPPrivilegedContainer/c");
}

#[test]
fn match_criteria() {
    let pod = fixture("privileged-containers/example_disallowed.yaml");
    let hits = |spec: Value, req: &Request| {
        privileged_with(pod_constraint(json!({ "match": spec })))
            .evaluate(req)
            .violations
            .len()
    };
    let in_apps = create(pod.clone(), "apps");
    assert_eq!(
        hits(
            json!({"kinds": [{"apiGroups": ["*"], "kinds": ["*"]}]}),
            &in_apps
        ),
        1
    );
    assert_eq!(
        hits(
            json!({"kinds": [{"apiGroups": ["apps"], "kinds": ["Pod"]}]}),
            &in_apps
        ),
        0
    );
    assert_eq!(hits(json!({"kinds": [{"kinds": ["Pod"]}]}), &in_apps), 1);
    assert_eq!(hits(json!({"scope": "Cluster"}), &in_apps), 0);
    assert_eq!(hits(json!({"scope": "Namespaced"}), &in_apps), 1);
    assert_eq!(hits(json!({"namespaces": ["ap*"]}), &in_apps), 1);
    assert_eq!(hits(json!({"excludedNamespaces": ["*ps"]}), &in_apps), 0);
    assert_eq!(hits(json!({"name": "nginx-*"}), &in_apps), 1);
    assert_eq!(hits(json!({"name": "*-allowed"}), &in_apps), 0);
    assert_eq!(
        hits(
            json!({"labelSelector": {"matchLabels": {"app": "nginx-privileged"}}}),
            &in_apps
        ),
        1
    );
    assert_eq!(
        hits(
            json!({"labelSelector": {"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["nginx-privileged"]}]}}),
            &in_apps
        ),
        0
    );

    // namespaceSelector reads the Namespace object's labels...
    let ns_sel = json!({"namespaceSelector": {"matchLabels": {"env": "prod"}}});
    let mut with_ns = in_apps.clone();
    with_ns.namespace_object = Some(
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps", "labels": {"env": "prod"}}}),
    );
    assert_eq!(hits(ns_sel.clone(), &with_ns), 1);
    with_ns.namespace_object.as_mut().unwrap()["metadata"]["labels"]["env"] = json!("dev");
    assert_eq!(hits(ns_sel.clone(), &with_ns), 0);
    // ...and cannot be decided without it: an error, fail-open.
    let set = privileged_with(pod_constraint(json!({ "match": ns_sel })));
    let ev = set.evaluate(&in_apps);
    assert!(ev.violations.is_empty());
    assert_eq!(ev.errors.len(), 1);
    assert!(!ev.errors[0].fail_closed);
}

#[test]
fn cel_only_and_malformed_templates_are_load_errors() {
    let cel = json!({
        "apiVersion": "templates.gatekeeper.sh/v1",
        "kind": "ConstraintTemplate",
        "metadata": {"name": "k8scel"},
        "spec": {"crd": {"spec": {"names": {"kind": "K8sCel"}}},
                 "targets": [{"target": "admission.k8s.gatekeeper.sh",
                              "code": [{"engine": "K8sNativeValidation",
                                        "source": {"validations": [{"expression": "true"}]}}]}]}
    });
    let bad_rego = json!({
        "apiVersion": "templates.gatekeeper.sh/v1",
        "kind": "ConstraintTemplate",
        "metadata": {"name": "k8sbad"},
        "spec": {"crd": {"spec": {"names": {"kind": "K8sBad"}}},
                 "targets": [{"target": "admission.k8s.gatekeeper.sh",
                              "rego": "package k8sbad\nviolation[{\"msg\": msg}] {\n  msg := \n}\n"}]}
    });
    let no_violation = json!({
        "apiVersion": "templates.gatekeeper.sh/v1",
        "kind": "ConstraintTemplate",
        "metadata": {"name": "k8snoviolation"},
        "spec": {"crd": {"spec": {"names": {"kind": "K8sNoViolation"}}},
                 "targets": [{"target": "admission.k8s.gatekeeper.sh",
                              "rego": "package k8snoviolation\ndeny[msg] { msg := \"x\" }\n"}]}
    });
    let http = json!({
        "apiVersion": "templates.gatekeeper.sh/v1",
        "kind": "ConstraintTemplate",
        "metadata": {"name": "k8shttp"},
        "spec": {"crd": {"spec": {"names": {"kind": "K8sHttp"}}},
                 "targets": [{"target": "admission.k8s.gatekeeper.sh",
                              "rego": "package k8shttp\nviolation[{\"msg\": msg}] {\n  r := http.send({\"method\": \"get\", \"url\": \"http://x\"})\n  msg := r.body\n}\n"}]}
    });
    let orphan = pod_constraint(json!({}));
    let (set, errors) = GatekeeperSet::load(&[cel, bad_rego, no_violation, http, orphan]);
    assert!(set.is_empty());
    let objects: Vec<&str> = errors.iter().map(|e| e.object.as_str()).collect();
    assert_eq!(
        objects,
        [
            "ConstraintTemplate/k8scel",
            "ConstraintTemplate/k8sbad",
            "ConstraintTemplate/k8snoviolation",
            "ConstraintTemplate/k8shttp",
            "K8sPSPPrivilegedContainer/c",
        ]
    );
    assert!(
        errors[0].message.contains("ValidatingAdmissionPolicy"),
        "{}",
        errors[0].message
    );
    assert!(
        errors[1].message.starts_with("invalid Rego"),
        "{}",
        errors[1].message
    );
    assert!(
        errors[2].message.contains("violation"),
        "{}",
        errors[2].message
    );
    // http.send is not available (Gatekeeper removes it too): regorus
    // would only find out when a request reaches the call; rampart refuses
    // the template at load.
    assert_eq!(
        errors[3].message,
        "invalid Rego: undefined function http.send"
    );
}

#[test]
fn calls_are_resolved_at_load() {
    let template = |rego: &str, libs: &[&str]| {
        json!({
            "apiVersion": "templates.gatekeeper.sh/v1",
            "kind": "ConstraintTemplate",
            "metadata": {"name": "k8scalls"},
            "spec": {"crd": {"spec": {"names": {"kind": "K8sCalls"}}},
                     "targets": [{"target": "admission.k8s.gatekeeper.sh",
                                  "rego": rego, "libs": libs}]}
        })
    };
    // Builtins, OPA's deprecated builtins, the package's own functions
    // (also dotted), imports with and without alias, data paths.
    let ok = template(
        "package k8scalls\n\
         import data.lib.helpers\n\
         import data.lib.helpers as h\n\
         violation[{\"msg\": msg}] {\n\
           any([true]); all([true]); re_match(\"a\", \"a\")\n\
           count(set_diff({1}, cast_set(cast_array({1})))) == 0\n\
           helpers.twice(1) == h.twice(1)\n\
           data.lib.helpers.twice(1) == local(1)\n\
           x := [y | y := sprintf(\"%v\", [util.id(1)])]\n\
           print(x)\n\
           msg := concat(\",\", x)\n\
         }\n\
         local(n) = n * 2\n\
         util.id(n) = n\n",
        &["package lib.helpers\ntwice(n) = n * 2\n"],
    );
    let (set, errors) = GatekeeperSet::load(&[ok]);
    assert_eq!(errors, vec![]);
    assert!(!set.is_empty());

    // Unknown calls anywhere (a comprehension, a `not`, a library) are
    // listed once each.
    let bad = template(
        "package k8scalls\n\
         violation[{\"msg\": msg}] {\n\
           not crypto.nope(1)\n\
           x := [y | y := crypto.nope(2)]\n\
           msg := opa.nope().env\n\
         }\n",
        &["package lib.helpers\nf(n) = glob.nope(n)\n"],
    );
    let (_, errors) = GatekeeperSet::load(&[bad]);
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].message,
        "invalid Rego: undefined functions crypto.nope, opa.nope, glob.nope"
    );
}

#[test]
fn libs_and_runtime_errors() {
    // `limit` is a complete rule: two different values are a conflict,
    // which OPA reports as an evaluation error.
    let template = json!({
        "apiVersion": "templates.gatekeeper.sh/v1",
        "kind": "ConstraintTemplate",
        "metadata": {"name": "k8slimit"},
        "spec": {"crd": {"spec": {"names": {"kind": "K8sLimit"}}},
                 "targets": [{"target": "admission.k8s.gatekeeper.sh",
                              "rego": "package k8slimit\nimport data.lib.helpers\nviolation[{\"msg\": msg}] {\n  n := count(helpers.names)\n  n > limit\n  msg := sprintf(\"%v containers, limit %v\", [n, limit])\n}\nlimit = v { v := input.parameters.a }\nlimit = v { v := input.parameters.b }\n",
                              "libs": ["package lib.helpers\nnames[n] {\n  n := input.review.object.spec.containers[_].name\n}\n"]}]}
    });
    let constraint = |name: &str, a: i64, b: i64| {
        json!({"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sLimit",
               "metadata": {"name": name}, "spec": {"parameters": {"a": a, "b": b}}})
    };
    let set = load(&[
        template,
        constraint("same", 0, 0),
        constraint("conflict", 0, 1),
    ]);
    let pod = fixture("privileged-containers/example_allowed.yaml");
    let ev = set.evaluate(&create(pod, "apps"));
    assert_eq!(ev.violations.len(), 1, "{ev:?}");
    assert_eq!(ev.violations[0].message, "1 containers, limit 0");
    assert_eq!(ev.errors.len(), 1, "{ev:?}");
    assert_eq!(ev.errors[0].binding, "conflict");
    assert!(!ev.errors[0].fail_closed);

    // A library outside data.lib is refused.
    let (_, errors) = GatekeeperSet::load(&[template_with_lib("package helpers\nx = 1\n")]);
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].message.contains("data.lib"),
        "{}",
        errors[0].message
    );
}

fn template_with_lib(lib: &str) -> Value {
    json!({
        "apiVersion": "templates.gatekeeper.sh/v1",
        "kind": "ConstraintTemplate",
        "metadata": {"name": "k8sbadlib"},
        "spec": {"crd": {"spec": {"names": {"kind": "K8sBadLib"}}},
                 "targets": [{"target": "admission.k8s.gatekeeper.sh",
                              "rego": "package k8sbadlib\nviolation[{\"msg\": \"x\"}] { false }\n",
                              "libs": [lib]}]}
    })
}

#[test]
fn inventory_is_visible_to_referential_policies() {
    let template = json!({
        "apiVersion": "templates.gatekeeper.sh/v1",
        "kind": "ConstraintTemplate",
        "metadata": {"name": "k8suniquename"},
        "spec": {"crd": {"spec": {"names": {"kind": "K8sUniqueName"}}},
                 "targets": [{"target": "admission.k8s.gatekeeper.sh",
                              "rego": "package k8suniquename\nviolation[{\"msg\": msg}] {\n  other := data.inventory.namespace[ns][\"v1\"][\"Pod\"][input.review.object.metadata.name]\n  ns != input.review.namespace\n  msg := sprintf(\"name taken in %v\", [ns])\n}\n"}]}
    });
    let constraint = json!({"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sUniqueName",
                            "metadata": {"name": "unique"}});
    let pod = fixture("privileged-containers/example_allowed.yaml");
    let mut elsewhere = pod.clone();
    elsewhere["metadata"]["namespace"] = json!("team-b");
    let objects = [template, constraint];
    let (set, errors) = GatekeeperSet::load_with_inventory(&objects, &[elsewhere]);
    assert!(errors.is_empty(), "{errors:?}");
    let ev = set.evaluate(&create(pod.clone(), "team-a"));
    assert_eq!(ev.violations.len(), 1);
    assert_eq!(ev.violations[0].message, "name taken in team-b");
    // Offline without an inventory, referential policies see nothing.
    let empty = load(&objects);
    assert_eq!(
        empty.evaluate(&create(pod, "team-a")),
        Evaluation::default()
    );
}

#[test]
fn rego_v1_code_source() {
    let template = json!({
        "apiVersion": "templates.gatekeeper.sh/v1",
        "kind": "ConstraintTemplate",
        "metadata": {"name": "k8sv1"},
        "spec": {"crd": {"spec": {"names": {"kind": "K8sV1"}}},
                 "targets": [{"target": "admission.k8s.gatekeeper.sh",
                              "code": [{"engine": "Rego", "source": {"version": "v1",
                                "rego": "package k8sv1\nviolation contains {\"msg\": msg} if {\n  input.review.operation == \"CREATE\"\n  msg := input.review.userInfo.username\n}\n"}}]}]}
    });
    let constraint = json!({"apiVersion": "constraints.gatekeeper.sh/v1", "kind": "K8sV1",
                            "metadata": {"name": "v1"}});
    let set = load(&[template, constraint]);
    let pod = fixture("privileged-containers/example_allowed.yaml");
    let ev = set.evaluate(&create(pod, "apps"));
    assert_eq!(ev.violations.len(), 1);
    assert_eq!(ev.violations[0].message, "alice");
}

#[test]
fn set_is_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<GatekeeperSet>();
}

#[test]
fn constraint_parameters_are_validated_against_the_template_schema() {
    // The library's template is v1beta1: legacySchema, so unknown fields
    // are kept and only types are checked.
    let (set, errors) = GatekeeperSet::load(&[
        fixture("requiredlabels/template.yaml"),
        fixture("requiredlabels/constraint.yaml"),
        fixture("requiredlabels/constraint_bad_parameters.yaml"),
        fixture("requiredlabels/constraint_wrong_types.yaml"),
    ]);
    assert!(!set.is_empty(), "the valid sample constraint loads");
    let got: Vec<(&str, &str)> = errors
        .iter()
        .map(|e| (e.object.as_str(), e.message.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "K8sRequiredLabels/ns-must-have-gk",
                "spec.parameters: must be of type object, got array"
            ),
            (
                "K8sRequiredLabels/wrong-types",
                "spec.parameters.labels[1]: must be of type object, got string"
            ),
        ]
    );

    // The valid constraint is still enforced.
    let ns = fixture("requiredlabels/example_disallowed_label_value.yaml");
    let ev = set.evaluate(&request(ns, "", Operation::Create));
    assert_eq!(ev.violations.len(), 1, "{ev:?}");
}

#[test]
fn v1_templates_prune_unknown_parameters() {
    let mut template = fixture("requiredlabels/template.yaml");
    template["apiVersion"] = json!("templates.gatekeeper.sh/v1");
    let (_, errors) = GatekeeperSet::load(&[
        template.clone(),
        fixture("requiredlabels/constraint.yaml"),
        fixture("requiredlabels/constraint_wrong_types.yaml"),
    ]);
    // The misspelt `mesage` is dropped, as the API server stores the
    // constraint; the type error still rejects it.
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].object, "K8sRequiredLabels/wrong-types");
    assert_eq!(
        errors[0].message,
        "spec.parameters.labels[1]: must be of type object, got string"
    );
    // A constraint the cluster accepted with an unknown field loads, and
    // its policy does not see the field.
    let echo = json!({
        "apiVersion": "templates.gatekeeper.sh/v1",
        "kind": "ConstraintTemplate",
        "metadata": {"name": "k8secho"},
        "spec": {"crd": {"spec": {"names": {"kind": "K8sEcho"},
                 "validation": {"openAPIV3Schema": {"type": "object",
                     "properties": {"n": {"type": "integer"}}}}}},
                 "targets": [{"target": "admission.k8s.gatekeeper.sh",
                              "rego": "package k8secho\nviolation[{\"msg\": msg}] {\n  msg := json.marshal(input.parameters)\n}\n"}]}
    });
    let constraint = json!({"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sEcho",
                            "metadata": {"name": "echo"},
                            "spec": {"parameters": {"n": 2.0, "typo": true}}});
    let set = load(&[echo, constraint]);
    let ev = set.evaluate(&create(
        fixture("privileged-containers/example_allowed.yaml"),
        "apps",
    ));
    assert_eq!(ev.violations.len(), 1, "{ev:?}");
    // `2.0` fits `integer` and is stored as `2`.
    assert_eq!(ev.violations[0].message, r#"{"n":2}"#);
    // Without a schema, anything goes.
    template["spec"]["crd"]["spec"]["validation"] = json!({});
    load(&[
        template,
        fixture("requiredlabels/constraint_wrong_types.yaml"),
    ]);
}

fn template(name: &str, kind: &str, rego: &str) -> Value {
    json!({
        "apiVersion": "templates.gatekeeper.sh/v1",
        "kind": "ConstraintTemplate",
        "metadata": {"name": name},
        "spec": {"crd": {"spec": {"names": {"kind": kind}}},
                 "targets": [{"target": "admission.k8s.gatekeeper.sh", "rego": rego}]}
    })
}

fn constraint(kind: &str, name: &str) -> Value {
    json!({"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": kind,
           "metadata": {"name": name}})
}

#[test]
fn opa_builtins_without_network_io_load_and_run() {
    // `walk` and `graph.*` (regorus `graph`), `json.patch`,
    // `json.match_schema`/`json.verify_schema` and `opa.runtime` are OPA
    // builtins the library's templates may call.
    let rego = "package k8sopa\n\
        violation[{\"msg\": msg}] {\n\
          paths := [p | walk(input.review.object, [p, v]); v == \"docker.io/nginx\"]\n\
          count(paths) > 0\n\
          graph.reachable({\"a\": [\"b\"], \"b\": []}, [\"a\"]) == {\"a\", \"b\"}\n\
          json.patch({\"a\": 1}, [{\"op\": \"add\", \"path\": \"/b\", \"value\": 2}]) == {\"a\": 1, \"b\": 2}\n\
          [ok, _] := json.match_schema({\"a\": 1}, {\"type\": \"object\"})\n\
          ok\n\
          [valid, _] := json.verify_schema({\"type\": \"object\"})\n\
          valid\n\
          is_object(opa.runtime())\n\
          msg := sprintf(\"image at %v\", [paths])\n\
        }\n";
    let set = load(&[
        template("k8sopa", "K8sOpa", rego),
        constraint("K8sOpa", "opa"),
    ]);
    let ev = set.evaluate(&create(
        fixture("privileged-containers/example_allowed.yaml"),
        "apps",
    ));
    assert_eq!(ev.errors, vec![]);
    assert_eq!(ev.violations.len(), 1, "{ev:?}");
    assert_eq!(
        ev.violations[0].message,
        r#"image at [["spec", "containers", 0, "image"]]"#
    );
}

#[test]
fn external_data_loads_and_fails_open_when_called() {
    let rego = "package k8sexternal\n\
        violation[{\"msg\": msg}] {\n\
          input.review.object.kind == \"Pod\"\n\
          images := [c.image | c := input.review.object.spec.containers[_]]\n\
          response := external_data({\"provider\": \"my-provider\", \"keys\": images})\n\
          count(response.errors) > 0\n\
          msg := sprintf(\"invalid images: %v\", [response.errors])\n\
        }\n";
    let set = load(&[
        template("k8sexternal", "K8sExternal", rego),
        constraint("K8sExternal", "ext"),
    ]);
    let pod = fixture("privileged-containers/example_allowed.yaml");
    let ev = set.evaluate(&create(pod, "apps"));
    assert_eq!(ev.violations, vec![]);
    assert_eq!(ev.errors.len(), 1, "{ev:?}");
    let e = &ev.errors[0];
    assert_eq!(
        (e.policy.as_str(), e.binding.as_str()),
        ("K8sExternal", "ext")
    );
    assert!(
        e.message
            .contains("external data providers are not supported offline"),
        "{}",
        e.message
    );
    assert!(!e.fail_closed);
    // Not reached, no error.
    let ns = fixture("requiredlabels/example_allowed.yaml");
    assert_eq!(set.evaluate(&create(ns, "")), Evaluation::default());
}

#[test]
fn delete_and_connect_are_judged_only_when_every_operation_is() {
    let pod = fixture("privileged-containers/example_disallowed.yaml");
    let webhook = policy("privileged-containers").with_every_operation(false);
    for op in [Operation::Delete, Operation::Connect] {
        assert_eq!(
            webhook.evaluate(&request(pod.clone(), "apps", op)),
            Evaluation::default(),
            "{op:?}"
        );
    }
    // Other operations are judged as before.
    for op in [Operation::Create, Operation::Update] {
        let ev = webhook.evaluate(&request(pod.clone(), "apps", op));
        assert_eq!(ev.violations.len(), 1, "{op:?}");
    }
    // Enabled (the default: gator evaluates what its suite gives).
    let all = policy("privileged-containers").with_every_operation(true);
    let ev = all.evaluate(&request(pod, "apps", Operation::Delete));
    assert_eq!(ev.violations.len(), 1);
}
