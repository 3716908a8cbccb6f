//! AdmissionReview v1 on the wire (`k8s.io/api/admission/v1`): what the
//! API server sends, and the response it verifies (same `uid`, same
//! apiVersion and kind).

use std::collections::BTreeMap;

use rampart_policy::{Gvk, Operation, Request, UserInfo};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::decide::Decision;

pub const API_VERSION: &str = "admission.k8s.io/v1";
pub const KIND: &str = "AdmissionReview";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReviewIn {
    #[serde(default)]
    api_version: String,
    #[serde(default)]
    kind: String,
    /// Read once the version is known to be v1, so that another version
    /// is reported as such rather than as a missing field.
    request: Option<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RequestIn {
    uid: String,
    kind: GroupVersionKind,
    resource: GroupVersionResource,
    #[serde(default)]
    sub_resource: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    namespace: String,
    operation: Operation,
    #[serde(default)]
    user_info: UserInfoIn,
    #[serde(default)]
    object: Option<Value>,
    #[serde(default)]
    old_object: Option<Value>,
    #[serde(default)]
    dry_run: Option<bool>,
    #[serde(default)]
    options: Option<Value>,
}

#[derive(Deserialize)]
struct GroupVersionKind {
    #[serde(default)]
    group: String,
    #[serde(default)]
    version: String,
    kind: String,
}

#[derive(Deserialize)]
struct GroupVersionResource {
    #[serde(default)]
    group: String,
    #[serde(default)]
    version: String,
    resource: String,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct UserInfoIn {
    username: String,
    uid: String,
    groups: Vec<String>,
    extra: BTreeMap<String, Vec<String>>,
}

/// Reads an AdmissionReview v1 request body; the error says what is wrong
/// with it (never quoting the body: it may hold a Secret).
pub fn parse(body: &[u8]) -> Result<Request, String> {
    let review: ReviewIn = serde_json::from_slice(body).map_err(|e| {
        // serde_json's messages name the field and position, not values.
        format!("the body is not an AdmissionReview: {e}")
    })?;
    if review.api_version != API_VERSION || review.kind != KIND {
        return Err(format!(
            "expected apiVersion {API_VERSION} and kind {KIND}, got apiVersion {:?} and kind {:?} (set admissionReviewVersions: [v1] on the webhook)",
            review.api_version, review.kind
        ));
    }
    let r = review
        .request
        .filter(|r| !r.is_null())
        .ok_or_else(|| "the AdmissionReview has no `request`".to_string())?;
    let r: RequestIn = serde_json::from_value(r)
        .map_err(|e| format!("the AdmissionReview's request is not valid: {e}"))?;
    if r.uid.is_empty() {
        return Err("the AdmissionReview request has no `uid`".to_string());
    }
    // `null` and absence are the same to the API server.
    let present = |v: Option<Value>| v.filter(|v| !v.is_null());
    Ok(Request {
        uid: r.uid,
        kind: Gvk {
            group: r.kind.group,
            version: r.kind.version,
            name: r.kind.kind,
        },
        resource: Gvk {
            group: r.resource.group,
            version: r.resource.version,
            name: r.resource.resource,
        },
        sub_resource: r.sub_resource,
        name: r.name,
        namespace: r.namespace,
        operation: r.operation,
        user_info: UserInfo {
            username: r.user_info.username,
            uid: r.user_info.uid,
            groups: r.user_info.groups,
            extra: r.user_info.extra,
        },
        object: present(r.object),
        old_object: present(r.old_object),
        namespace_object: None,
        dry_run: r.dry_run.unwrap_or(false),
        options: present(r.options),
    })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReviewOut<'a> {
    api_version: &'static str,
    kind: &'static str,
    response: ResponseOut<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResponseOut<'a> {
    uid: &'a str,
    allowed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<Status<'a>>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    warnings: &'a [String],
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    audit_annotations: &'a BTreeMap<String, String>,
}

/// A `metav1.Status` for a denial.
#[derive(Serialize)]
struct Status<'a> {
    status: &'static str,
    message: &'a str,
    reason: &'static str,
    code: u16,
}

/// The `metav1.StatusReason` of a denial's code.
fn reason(code: u16) -> &'static str {
    match code {
        400 => "BadRequest",
        401 => "Unauthorized",
        413 => "RequestEntityTooLarge",
        422 => "Invalid",
        500 => "InternalError",
        _ => "Forbidden",
    }
}

/// The AdmissionReview response for `uid`.
pub fn respond(uid: &str, d: &Decision) -> Vec<u8> {
    let review = ReviewOut {
        api_version: API_VERSION,
        kind: KIND,
        response: ResponseOut {
            uid,
            allowed: d.allowed,
            status: (!d.allowed).then(|| Status {
                status: "Failure",
                message: &d.message,
                reason: reason(d.code),
                code: d.code,
            }),
            warnings: &d.warnings,
            audit_annotations: &d.audit_annotations,
        },
    };
    // Only strings, numbers and maps of strings: serialization cannot fail.
    serde_json::to_vec(&review).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_review() {
        let body = br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{
            "uid":"abc","kind":{"group":"apps","version":"v1","kind":"Deployment"},
            "resource":{"group":"apps","version":"v1","resource":"deployments"},
            "name":"web","namespace":"team","operation":"UPDATE",
            "userInfo":{"username":"alice","groups":["dev"]},
            "object":{"kind":"Deployment"},"oldObject":null,"dryRun":true}}"#;
        let r = parse(body).unwrap();
        assert_eq!(r.uid, "abc");
        assert_eq!(r.kind.name, "Deployment");
        assert_eq!(r.resource.name, "deployments");
        assert_eq!(r.operation, Operation::Update);
        assert_eq!(r.user_info.groups, ["dev"]);
        assert!(r.object.is_some() && r.old_object.is_none() && r.dry_run);
    }

    #[test]
    fn rejects_other_versions_and_garbage() {
        let v1beta1 =
            br#"{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{}}"#;
        assert!(parse(v1beta1).unwrap_err().contains("admission.k8s.io/v1"));
        assert!(parse(b"{").is_err());
        let no_request = br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#;
        assert!(parse(no_request).unwrap_err().contains("request"));
    }

    #[test]
    fn denial_carries_status() {
        let d = Decision {
            allowed: false,
            message: "no".into(),
            code: 403,
            ..Decision::default()
        };
        let v: Value = serde_json::from_slice(&respond("u1", &d)).unwrap();
        assert_eq!(v["response"]["uid"], "u1");
        assert_eq!(v["response"]["allowed"], false);
        assert_eq!(v["response"]["status"]["code"], 403);
        assert_eq!(v["response"]["status"]["reason"], "Forbidden");
        assert!(v["response"].get("warnings").is_none());
    }
}
