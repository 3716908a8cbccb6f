//! Shared by the webhook tests: fixtures, AdmissionReview payloads and a
//! decider with the whole rule catalog.
//!
//! Each test file declares `pub mod common;` and uses part of it: rustc
//! counts a `pub` item reachable from a test crate's root as used
//! (rust-lang/rust#74970), so the rest raises no dead-code warning, while
//! private items here are still checked.

pub mod https;

use std::path::PathBuf;

use rampart_core::config::Config;
use rampart_core::rule::Profile;
use rampart_server::{AdmissionSettings, Decider, PolicyEvaluator};
use serde_json::{Value, json};

pub fn fixture(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/webhook")
        .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// The (group, version, resource) of the kinds the tests send.
fn resource_of(api_version: &str, kind: &str) -> (String, String, String) {
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let plural = format!("{}s", kind.to_lowercase());
    (group.to_string(), version.to_string(), plural)
}

/// An AdmissionReview v1 for `operation` on `object` (the new object, or
/// the old one on DELETE).
pub fn review(uid: &str, operation: &str, object: &Value, old: Option<&Value>) -> Value {
    let api_version = object["apiVersion"].as_str().unwrap_or("v1");
    let kind = object["kind"].as_str().unwrap_or("");
    let (group, version, resource) = resource_of(api_version, kind);
    let (new, old) = match operation {
        "DELETE" => (Value::Null, object.clone()),
        _ => (object.clone(), old.cloned().unwrap_or(Value::Null)),
    };
    json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": uid,
            "kind": {"group": group, "version": version, "kind": kind},
            "resource": {"group": group, "version": version, "resource": resource},
            "requestKind": {"group": group, "version": version, "kind": kind},
            "requestResource": {"group": group, "version": version, "resource": resource},
            "name": object["metadata"]["name"],
            "namespace": object["metadata"]["namespace"],
            "operation": operation,
            "userInfo": {"username": "alice", "uid": "1", "groups": ["developers", "system:authenticated"]},
            "object": new,
            "oldObject": old,
            "dryRun": false,
            "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"}
        }
    })
}

/// A decider with every rule enabled by default, as `rampart scan` runs
/// them.
pub fn decider(settings: AdmissionSettings, policies: Option<PolicyEvaluator>) -> Decider {
    let config = Config::default();
    let rules = config
        .active_rules(rampart_rules::all(), &[], &[], Profile::Default)
        .expect("the catalog is valid");
    Decider::new(rules, config, settings, policies)
}
