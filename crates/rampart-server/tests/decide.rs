//! The decision alone, without HTTP: rule verdicts, updates, overrides,
//! exemptions and custom policy results.

pub mod common;

use std::collections::BTreeMap;

use common::{decider, fixture};
use rampart_policy::{
    Action, AuditAnnotation, Engine, Evaluation, Gvk, Operation, PolicyError, Request, UserInfo,
    Violation,
};
use rampart_server::{AdmissionSettings, Decision};
use serde_json::{Value, json};

fn request(operation: Operation, object: Option<Value>, old: Option<Value>) -> Request {
    let any = object
        .as_ref()
        .or(old.as_ref())
        .cloned()
        .unwrap_or_default();
    let kind = any["kind"].as_str().unwrap_or_default().to_string();
    let (group, version) = any["apiVersion"]
        .as_str()
        .unwrap_or("v1")
        .rsplit_once('/')
        .map_or((String::new(), "v1".to_string()), |(g, v)| {
            (g.to_string(), v.to_string())
        });
    Request {
        uid: "uid-1".into(),
        kind: Gvk {
            group: group.clone(),
            version: version.clone(),
            name: kind.clone(),
        },
        resource: Gvk {
            group,
            version,
            name: format!("{}s", kind.to_lowercase()),
        },
        sub_resource: String::new(),
        name: any["metadata"]["name"].as_str().unwrap_or_default().into(),
        namespace: any["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
            .into(),
        operation,
        user_info: UserInfo {
            username: "alice".into(),
            groups: vec!["developers".into()],
            ..UserInfo::default()
        },
        object,
        old_object: old,
        namespace_object: None,
        dry_run: false,
        options: None,
    }
}

fn create(name: &str) -> Request {
    request(Operation::Create, Some(fixture(name)), None)
}

fn hit(d: &Decision, name: &str, action: Action) -> bool {
    d.hits.iter().any(|(n, a)| n == name && *a == action)
}

#[test]
fn privileged_pod_is_denied_with_rule_and_field() {
    let d = decider(AdmissionSettings::default(), None).decide(&create("privileged-pod.json"));
    assert!(!d.allowed);
    assert_eq!(d.code, 403);
    assert!(
        d.message.contains(
            "rampart: privileged-container: " // the rule id
        ) && d
            .message
            .contains("(at /spec/containers/0/securityContext/privileged)"),
        "{}",
        d.message
    );
    assert!(hit(&d, "privileged-container", Action::Deny));
}

#[test]
fn severity_threshold_and_overrides() {
    // Below the threshold, the privileged container only warns.
    let lenient = AdmissionSettings {
        deny_at: rampart_core::Severity::Critical,
        actions: BTreeMap::from([("privileged-container".to_string(), Action::Warn)]),
        ..AdmissionSettings::default()
    };
    let d = decider(lenient, None).decide(&create("privileged-pod.json"));
    assert!(d.allowed, "{}", d.message);
    assert!(
        d.warnings
            .iter()
            .any(|w| w.starts_with("rampart: privileged-container: ")),
        "{:?}",
        d.warnings
    );
    // Audit: allowed, recorded under the rule's id.
    let audit = AdmissionSettings {
        actions: BTreeMap::from([("privileged-container".to_string(), Action::Audit)]),
        ..AdmissionSettings::default()
    };
    let d = decider(audit, None).decide(&create("privileged-pod.json"));
    assert!(d.allowed, "{}", d.message);
    let note = &d.audit_annotations["privileged-container"];
    assert!(
        note.contains("/spec/containers/0/securityContext/privileged"),
        "{note}"
    );
}

#[test]
fn annotation_exempts_as_in_scan() {
    let d =
        decider(AdmissionSettings::default(), None).decide(&create("exempted-privileged-pod.json"));
    assert!(d.allowed, "{}", d.message);
    assert!(!hit(&d, "privileged-container", Action::Deny));
}

#[test]
fn exempt_users_and_groups_skip_evaluation() {
    let by_user = AdmissionSettings {
        exempt_users: vec!["alice".into()],
        ..AdmissionSettings::default()
    };
    let d = decider(by_user, None).decide(&create("privileged-pod.json"));
    assert!(d.allowed && d.hits.is_empty());
    let by_group = AdmissionSettings {
        exempt_groups: vec!["developers".into()],
        ..AdmissionSettings::default()
    };
    let d = decider(by_group, None).decide(&create("privileged-pod.json"));
    assert!(d.allowed && d.hits.is_empty());
    let other_group = AdmissionSettings {
        exempt_groups: vec!["system:masters".into()],
        ..AdmissionSettings::default()
    };
    assert!(
        !decider(other_group, None)
            .decide(&create("privileged-pod.json"))
            .allowed
    );
}

#[test]
fn update_is_judged_on_what_it_changes() {
    let decider = decider(AdmissionSettings::default(), None);
    // A label added to a pod that was privileged before: not this update's
    // doing, so a warning only.
    let old = fixture("privileged-pod.json");
    let mut new = old.clone();
    new["metadata"]["labels"] = json!({"team": "a"});
    let d = decider.decide(&request(Operation::Update, Some(new), Some(old)));
    assert!(d.allowed, "{}", d.message);
    assert!(
        d.warnings
            .iter()
            .any(|w| w.contains("privileged-container") && w.contains("already present")),
        "{:?}",
        d.warnings
    );
    // Making a compliant pod privileged is denied.
    let old = fixture("compliant-pod.json");
    let mut new = old.clone();
    new["spec"]["containers"][0]["securityContext"]["privileged"] = json!(true);
    let d = decider.decide(&request(Operation::Update, Some(new), Some(old)));
    assert!(!d.allowed);
    assert!(d.message.contains("privileged-container"), "{}", d.message);
}

#[test]
fn delete_runs_only_policies() {
    let asked = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = asked.clone();
    let policies: rampart_server::PolicyEvaluator = Box::new(move |r: &Request| {
        seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        assert_eq!(r.operation, Operation::Delete);
        Evaluation::default()
    });
    let d = decider(AdmissionSettings::default(), Some(policies)).decide(&request(
        Operation::Delete,
        None,
        Some(fixture("privileged-pod.json")),
    ));
    assert!(d.allowed && d.hits.is_empty());
    assert_eq!(asked.load(std::sync::atomic::Ordering::SeqCst), 1);
}

fn violation(engine: Engine, policy: &str, actions: &[Action], reason: &str) -> Violation {
    Violation {
        engine,
        policy: policy.into(),
        binding: format!("{policy}-binding"),
        message: format!("{policy} says no"),
        actions: actions.to_vec(),
        reason: reason.into(),
    }
}

fn annotation(policy: &str, key: &str, value: &str) -> AuditAnnotation {
    AuditAnnotation {
        engine: Engine::Vap,
        policy: policy.into(),
        binding: format!("{policy}-binding"),
        key: key.into(),
        value: value.into(),
    }
}

#[test]
fn policy_verdicts_map_to_the_response() {
    let policies: rampart_server::PolicyEvaluator = Box::new(|_: &Request| Evaluation {
        violations: vec![
            violation(Engine::Vap, "require-team", &[Action::Deny], "Invalid"),
            violation(Engine::Vap, "labels", &[Action::Warn, Action::Audit], ""),
            violation(Engine::Gatekeeper, "K8sAllowedRepos", &[Action::Audit], ""),
        ],
        errors: vec![PolicyError {
            engine: Engine::Gatekeeper,
            policy: "K8sBroken".into(),
            binding: "broken".into(),
            message: "undefined function".into(),
            fail_closed: false,
        }],
        audit_annotations: vec![
            annotation("labels", "team", "none"),
            annotation("labels", "team", "none"),
            annotation("labels", "owner", "alice"),
        ],
    });
    let d =
        decider(AdmissionSettings::default(), Some(policies)).decide(&create("compliant-pod.json"));
    assert!(!d.allowed);
    // The first denial's reason sets the code: Invalid is 422.
    assert_eq!(d.code, 422);
    assert!(
        d.message
            .contains("rampart: require-team (require-team-binding): require-team says no"),
        "{}",
        d.message
    );
    assert!(d.warnings.iter().any(|w| w.contains("labels says no")));
    assert!(
        d.warnings
            .iter()
            .any(|w| w.contains("K8sBroken") && w.contains("ignored")),
        "{:?}",
        d.warnings
    );
    assert_eq!(d.audit_annotations["vap.labels"], "labels says no");
    // The policy's own annotations, one per key, equal values once.
    assert_eq!(d.audit_annotations["vap.labels.team"], "none");
    assert_eq!(d.audit_annotations["vap.labels.owner"], "alice");
    assert_eq!(
        d.audit_annotations["gatekeeper.K8sAllowedRepos"],
        "K8sAllowedRepos says no"
    );
    assert!(hit(&d, "vap.require-team", Action::Deny));
    assert!(hit(&d, "gatekeeper.K8sAllowedRepos", Action::Audit));
    assert_eq!(d.policy_errors, 1);
}

#[test]
fn failing_policy_that_fails_closed_denies() {
    let policies: rampart_server::PolicyEvaluator = Box::new(|_: &Request| Evaluation {
        violations: vec![],
        errors: vec![PolicyError {
            engine: Engine::Vap,
            policy: "strict".into(),
            binding: "strict".into(),
            message: "no such key: team".into(),
            fail_closed: true,
        }],
        audit_annotations: vec![],
    });
    let d =
        decider(AdmissionSettings::default(), Some(policies)).decide(&create("compliant-pod.json"));
    assert!(!d.allowed);
    assert!(
        d.message
            .contains("policy strict failed: no such key: team"),
        "{}",
        d.message
    );
}

#[test]
fn many_findings_keep_the_message_bounded() {
    let mut pod = fixture("privileged-pod.json");
    let container = pod["spec"]["containers"][0].clone();
    let containers: Vec<Value> = (0..200)
        .map(|i| {
            let mut c = container.clone();
            c["name"] = json!(format!("c{i}"));
            c
        })
        .collect();
    pod["spec"]["containers"] = Value::Array(containers);
    let d = decider(AdmissionSettings::default(), None).decide(&request(
        Operation::Create,
        Some(pod),
        None,
    ));
    assert!(!d.allowed);
    assert!(d.message.chars().count() <= 4100, "{}", d.message.len());
    assert!(d.message.contains("more"), "{}", d.message);
    assert!(d.warnings.len() <= 50);
    assert!(d.warnings.iter().all(|w| w.chars().count() <= 256));

    // As warnings (nothing denies below critical), they stay within the
    // API server's 4096 characters in all, the summary line included.
    let settings = AdmissionSettings {
        deny_at: rampart_core::Severity::Critical,
        ..AdmissionSettings::default()
    };
    let mut pod = fixture("privileged-pod.json");
    let container = pod["spec"]["containers"][0].clone();
    pod["spec"]["containers"] = Value::Array(
        (0..200)
            .map(|i| {
                let mut c = container.clone();
                c["name"] = json!(format!("c{i}"));
                c["securityContext"] = json!({});
                c
            })
            .collect(),
    );
    let d = decider(settings, None).decide(&request(Operation::Create, Some(pod), None));
    let total: usize = d.warnings.iter().map(|w| w.chars().count()).sum();
    assert!(total <= 4096, "{total}");
    assert!(
        d.warnings
            .last()
            .is_some_and(|w| w.contains("more warnings not shown")),
        "{:?}",
        d.warnings
    );
}

#[test]
fn secrets_are_admitted_and_never_quoted() {
    let d = decider(AdmissionSettings::default(), None).decide(&create("secret.json"));
    assert!(d.allowed, "{}", d.message);
    let everything = format!("{d:?}");
    assert!(!everything.contains("czNjcjN0"), "{everything}");
}

#[test]
fn namespace_labels_choose_the_pod_security_level() {
    use rampart_core::rule::{Profile, Settings};
    let decider = decider(AdmissionSettings::default(), None).with_engine_settings(Settings {
        profile: Profile::PssNamespace,
        ..Settings::default()
    });
    let in_namespace = |level: &str| {
        let mut req = create("privileged-pod.json");
        req.namespace_object = Some(json!({
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "name": "team-a",
                "labels": {"pod-security.kubernetes.io/enforce": level}
            }
        }));
        decider.decide(&req)
    };
    let d = in_namespace("baseline");
    assert!(!d.allowed);
    assert!(d.message.contains("privileged-container"), "{}", d.message);
    // Findings on the namespace object itself are not the request's.
    assert!(!d.message.contains("Namespace"), "{}", d.message);
    let d = in_namespace("privileged");
    assert!(
        !hit(&d, "privileged-container", Action::Deny),
        "{}",
        d.message
    );
    // The Namespace could not be read: the level is unknown and the pod
    // is rejected, as Pod Security Admission rejects it; kinds without pods
    // are unaffected.
    let unknown = create("compliant-pod.json");
    assert!(!unknown.namespace.is_empty());
    let d = decider.decide(&unknown);
    assert!(!d.allowed);
    assert!(
        d.message.contains("Pod Security level of namespace") && d.message.contains("unknown"),
        "{}",
        d.message
    );
    let config_map = request(
        Operation::Create,
        Some(json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "c", "namespace": "team-a"}})),
        None,
    );
    assert!(decider.decide(&config_map).allowed);
}

#[test]
fn pod_security_profiles_enforce_on_pods_as_pod_security_admission() {
    use rampart_core::rule::{Profile, PssLevel, Settings};
    let decider = decider(AdmissionSettings::default(), None).with_engine_settings(Settings {
        profile: Profile::Pss(PssLevel::Baseline),
        ..Settings::default()
    });
    let old = fixture("privileged-pod.json");
    // An update that changes nothing the level judges is not judged.
    let mut relabelled = old.clone();
    relabelled["metadata"]["labels"] = json!({"touched": "yes"});
    let d = decider.decide(&request(
        Operation::Update,
        Some(relabelled),
        Some(old.clone()),
    ));
    assert!(d.allowed && d.warnings.is_empty(), "{d:?}");
    // One that does is judged whole: what was there is not grandfathered.
    let mut new_image = old.clone();
    new_image["spec"]["containers"][0]["image"] = json!("registry.example.com/app:2");
    let d = decider.decide(&request(Operation::Update, Some(new_image), Some(old)));
    assert!(!d.allowed, "{d:?}");
    assert!(d.message.contains("privileged-container"), "{}", d.message);
    // Pods a controller creates are judged like any.
    let owner = json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-1",
        "uid": "1", "controller": true});
    let mut req = controller_pod(
        "system:serviceaccount:kube-system:replicaset-controller",
        owner,
    );
    req.operation = Operation::Create;
    assert!(!decider.decide(&req).allowed);
}

/// A pod as the ReplicaSet controller creates it from `owner`'s template.
fn controller_pod(username: &str, owner: Value) -> Request {
    let mut pod = fixture("privileged-pod.json");
    pod["metadata"]["ownerReferences"] = json!([owner]);
    let mut req = request(Operation::Create, Some(pod), None);
    req.user_info = UserInfo {
        username: username.into(),
        groups: vec!["system:serviceaccounts".into()],
        ..UserInfo::default()
    };
    req
}

#[test]
fn pods_a_controller_creates_from_a_judged_template_are_audited_not_denied() {
    let decider = decider(AdmissionSettings::default(), None);
    let owner = json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-5d8f",
        "uid": "1", "controller": true});
    let d = decider.decide(&controller_pod(
        "system:serviceaccount:kube-system:replicaset-controller",
        owner.clone(),
    ));
    assert!(d.allowed, "{}", d.message);
    assert!(
        hit(&d, "privileged-container", Action::Audit),
        "{:?}",
        d.hits
    );
    let note = &d.audit_annotations["privileged-container"];
    assert!(
        note.ends_with("from the template of ReplicaSet/web-5d8f"),
        "{note}"
    );
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);

    // Anyone else writing the same owner reference is judged as usual:
    // the reference is the requester's word, the username is not.
    let d = decider.decide(&controller_pod("alice", owner.clone()));
    assert!(!d.allowed);
    // So is a controller's object owned by something that is not a pod
    // controller (its template was never judged), or not controlling.
    let mut custom = owner.clone();
    custom["apiVersion"] = json!("argoproj.io/v1alpha1");
    custom["kind"] = json!("Rollout");
    let d = decider.decide(&controller_pod(
        "system:serviceaccount:kube-system:replicaset-controller",
        custom,
    ));
    assert!(!d.allowed);
    let mut not_controller = owner.clone();
    not_controller["controller"] = json!(false);
    let d = decider.decide(&controller_pod(
        "system:kube-controller-manager",
        not_controller,
    ));
    assert!(!d.allowed);
    // A Pod or PodTemplate carries a pod spec but controls nothing.
    for kind in ["Pod", "PodTemplate"] {
        let mut not_a_controller = owner.clone();
        not_a_controller["apiVersion"] = json!("v1");
        not_a_controller["kind"] = json!(kind);
        let d = decider.decide(&controller_pod(
            "system:kube-controller-manager",
            not_a_controller,
        ));
        assert!(!d.allowed, "{kind}");
    }

    // `controllerCreated: judge`: denied as Pod Security Admission would.
    let judging = common::decider(
        AdmissionSettings {
            judge_controller_created: true,
            ..AdmissionSettings::default()
        },
        None,
    );
    let d = judging.decide(&controller_pod(
        "system:serviceaccount:kube-system:replicaset-controller",
        owner,
    ));
    assert!(!d.allowed);
}
