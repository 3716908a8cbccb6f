//! What rampart reads from a cluster, and what it keeps of each object.
//!
//! The list is every kind some analysis looks at (scan rules, the RBAC and
//! NetworkPolicy engines, lifecycle rules); anything else is not fetched.
//! `deploy/rbac.yaml` grants exactly these reads, and a test checks that
//! the two agree.

use serde_json::{Map, Value};

/// How a resource is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Read {
    /// Listed in full.
    List,
    /// Listed as `PartialObjectMetadata`: names, labels and annotations,
    /// never the values (Secrets).
    Metadata,
    /// Listed in one namespace with a label selector (the API server's own
    /// EndpointSlice in `default`).
    Selected {
        namespace: &'static str,
        selector: &'static str,
    },
}

#[derive(Clone, Copy, Debug)]
pub struct Wanted {
    pub group: &'static str,
    /// The plural resource name, as in RBAC rules and URLs.
    pub resource: &'static str,
    pub read: Read,
}

const fn list(group: &'static str, resource: &'static str) -> Wanted {
    Wanted {
        group,
        resource,
        read: Read::List,
    }
}

/// Everything rampart reads. Groups a cluster does not serve (Kyverno,
/// Gatekeeper, OpenShift) are skipped without a gap.
pub const WANTED: &[Wanted] = &[
    list("", "namespaces"),
    list("", "nodes"),
    list("", "pods"),
    list("", "replicationcontrollers"),
    list("", "services"),
    list("", "serviceaccounts"),
    list("", "configmaps"),
    Wanted {
        group: "",
        resource: "secrets",
        read: Read::Metadata,
    },
    list("", "persistentvolumes"),
    list("", "persistentvolumeclaims"),
    list("", "limitranges"),
    list("", "resourcequotas"),
    list("apps", "deployments"),
    list("apps", "statefulsets"),
    list("apps", "daemonsets"),
    list("apps", "replicasets"),
    list("batch", "jobs"),
    list("batch", "cronjobs"),
    list("networking.k8s.io", "networkpolicies"),
    list("networking.k8s.io", "ingresses"),
    Wanted {
        group: "discovery.k8s.io",
        resource: "endpointslices",
        read: Read::Selected {
            namespace: "default",
            selector: "kubernetes.io/service-name=kubernetes",
        },
    },
    list("rbac.authorization.k8s.io", "roles"),
    list("rbac.authorization.k8s.io", "rolebindings"),
    list("rbac.authorization.k8s.io", "clusterroles"),
    list("rbac.authorization.k8s.io", "clusterrolebindings"),
    list("policy", "poddisruptionbudgets"),
    list("policy", "podsecuritypolicies"),
    list("autoscaling", "horizontalpodautoscalers"),
    list("storage.k8s.io", "storageclasses"),
    list(
        "admissionregistration.k8s.io",
        "validatingwebhookconfigurations",
    ),
    list(
        "admissionregistration.k8s.io",
        "mutatingwebhookconfigurations",
    ),
    list(
        "admissionregistration.k8s.io",
        "validatingadmissionpolicies",
    ),
    list(
        "admissionregistration.k8s.io",
        "validatingadmissionpolicybindings",
    ),
    list("apiextensions.k8s.io", "customresourcedefinitions"),
    list("kyverno.io", "clusterpolicies"),
    list("kyverno.io", "policies"),
    list("security.openshift.io", "securitycontextconstraints"),
];

/// Every Gatekeeper constraint kind is its own resource in this group; all
/// of them are read when the group is served.
pub const GATEKEEPER_CONSTRAINTS: &str = "constraints.gatekeeper.sh";

/// The annotation `kubectl apply` stores the whole applied object in.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Which parts of `status` analyses read, by kind; every other kind's
/// status is dropped.
fn kept_status(kind: &str) -> &'static [&'static str] {
    match kind {
        // Pod addresses place pods in NetworkPolicy ipBlocks.
        "Pod" => &["phase", "podIP", "podIPs", "hostIP", "hostIPs"],
        // Component versions and addresses for the lifecycle rules.
        "Node" => &["nodeInfo", "addresses"],
        "Service" => &["loadBalancer"],
        _ => &[],
    }
}

/// Makes a listed item a self-describing object and drops what no analysis
/// reads: server bookkeeping (`managedFields`), status outside
/// [`kept_status`], and the copy of the applied object in
/// `last-applied-configuration`, which is cut to the apiVersion and kind it
/// was applied with (all that the deprecated-API check needs; the full copy
/// doubles memory and, on a Secret, would hold its values).
pub fn trim(item: &mut Value, api_version: &str, kind: &str, read: Read) {
    let Value::Object(obj) = item else {
        return;
    };
    // Metadata was asked for; should a proxy or server answer with whole
    // objects anyway, nothing but the metadata is kept (a Secret's values
    // must never reach a report or a snapshot).
    if read == Read::Metadata {
        obj.retain(|k, _| k == "metadata");
    }
    obj.insert("apiVersion".into(), Value::String(api_version.into()));
    obj.insert("kind".into(), Value::String(kind.into()));
    if let Some(Value::Object(meta)) = obj.get_mut("metadata") {
        meta.remove("managedFields");
        meta.remove("selfLink");
        if let Some(Value::Object(annotations)) = meta.get_mut("annotations") {
            if let Some(applied) = annotations.get_mut(LAST_APPLIED) {
                *applied = Value::String(applied_type(applied));
            }
        }
    }
    let keep = kept_status(kind);
    match obj.get_mut("status") {
        Some(Value::Object(status)) if !keep.is_empty() => {
            status.retain(|k, _| keep.contains(&k.as_str()));
        }
        Some(_) => {
            obj.remove("status");
        }
        None => {}
    }
}

/// The `{"apiVersion":…,"kind":…}` of a last-applied-configuration value;
/// `{}` when it is not JSON.
fn applied_type(applied: &Value) -> String {
    let parsed: Option<Map<String, Value>> = applied
        .as_str()
        .and_then(|s| serde_json::from_str::<Value>(s).ok())
        .and_then(|v| match v {
            Value::Object(m) => Some(m),
            _ => None,
        });
    let mut kept = Map::new();
    if let Some(m) = parsed {
        for key in ["apiVersion", "kind"] {
            if let Some(v @ Value::String(_)) = m.get(key) {
                kept.insert(key.into(), v.clone());
            }
        }
    }
    Value::Object(kept).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn trim_drops_bookkeeping_and_cuts_last_applied() {
        let mut pod = json!({
            "metadata": {
                "name": "web", "namespace": "shop",
                "managedFields": [{"manager": "kubectl"}],
                "annotations": {LAST_APPLIED: "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"spec\":{\"x\":1}}"}
            },
            "spec": {"containers": []},
            "status": {"podIP": "10.0.0.1", "conditions": [], "containerStatuses": []}
        });
        trim(&mut pod, "v1", "Pod", Read::List);
        assert_eq!(
            pod,
            json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {
                    "name": "web", "namespace": "shop",
                    "annotations": {LAST_APPLIED: "{\"apiVersion\":\"v1\",\"kind\":\"Pod\"}"}
                },
                "spec": {"containers": []},
                "status": {"podIP": "10.0.0.1"}
            })
        );
    }

    #[test]
    fn secret_last_applied_values_never_survive() {
        let mut secret = json!({
            "metadata": {"name": "db", "annotations": {
                LAST_APPLIED: "{\"apiVersion\":\"v1\",\"data\":{\"password\":\"aHVudGVyMg==\"},\"kind\":\"Secret\"}"
            }}
        });
        trim(&mut secret, "v1", "Secret", Read::Metadata);
        let text = secret.to_string();
        assert!(!text.contains("aHVudGVyMg"), "{text}");
        assert!(text.contains(r#"{\"apiVersion\":\"v1\",\"kind\":\"Secret\"}"#));
    }

    #[test]
    fn metadata_reads_keep_only_metadata_even_when_the_server_sends_more() {
        let mut secret = json!({"metadata": {"name": "db"}, "data": {"password": "aHVudGVyMg=="}, "type": "Opaque"});
        trim(&mut secret, "v1", "Secret", Read::Metadata);
        assert_eq!(
            secret,
            json!({"metadata": {"name": "db"}, "apiVersion": "v1", "kind": "Secret"})
        );
    }

    #[test]
    fn status_of_other_kinds_is_dropped_and_garbage_annotations_are_emptied() {
        let mut d = json!({
            "metadata": {"annotations": {LAST_APPLIED: "not json"}},
            "status": {"replicas": 3}
        });
        trim(&mut d, "apps/v1", "Deployment", Read::List);
        assert!(d.get("status").is_none());
        assert_eq!(d["metadata"]["annotations"][LAST_APPLIED], "{}");
    }
}
