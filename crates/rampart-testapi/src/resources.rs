//! The resources the server serves: the built-in table (what a v1.33
//! kube-apiserver serves for the kinds rampart reads) plus whatever
//! CustomResourceDefinitions in the fixtures add, and the discovery
//! documents built from them.

use serde_json::{Value, json};

/// Every verb a normal resource supports.
const FULL: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];
/// Namespaces have no `deletecollection`.
const NO_COLLECTION: &[&str] = &[
    "create", "delete", "get", "list", "patch", "update", "watch",
];
const STATUS: &[&str] = &["get", "patch", "update"];

/// A subresource, listed in discovery only (GET of `/status` answers the
/// object; the others are not served).
#[derive(Clone, Debug)]
pub(crate) struct Sub {
    pub name: &'static str,
    /// (group, version, kind) when it differs from the parent's.
    pub kind: Option<(&'static str, &'static str, &'static str)>,
    pub verbs: &'static [&'static str],
}

const fn status() -> Sub {
    Sub {
        name: "status",
        kind: None,
        verbs: STATUS,
    }
}

const fn scale() -> Sub {
    Sub {
        name: "scale",
        kind: Some(("autoscaling", "v1", "Scale")),
        verbs: STATUS,
    }
}

/// One served resource (one collection of objects), possibly at several
/// versions of its group.
#[derive(Clone, Debug)]
pub(crate) struct Resource {
    pub group: String,
    /// Served versions, preferred first.
    pub versions: Vec<String>,
    pub plural: String,
    pub singular: String,
    pub kind: String,
    pub namespaced: bool,
    pub verbs: &'static [&'static str],
    pub short_names: Vec<String>,
    pub categories: Vec<String>,
    pub subresources: Vec<Sub>,
}

impl Resource {
    pub fn api_version(&self, version: &str) -> String {
        if self.group.is_empty() {
            version.to_string()
        } else {
            format!("{}/{version}", self.group)
        }
    }

    pub fn preferred_api_version(&self) -> String {
        self.api_version(&self.versions[0])
    }

    pub fn serves(&self, version: &str) -> bool {
        self.versions.iter().any(|v| v == version)
    }
}

struct Builtin {
    group: &'static str,
    versions: &'static [&'static str],
    plural: &'static str,
    singular: &'static str,
    kind: &'static str,
    namespaced: bool,
    short: &'static [&'static str],
    /// In the `all` category (`kubectl get all`).
    all: bool,
    verbs: &'static [&'static str],
    subs: &'static [Sub],
}

macro_rules! r {
    ($g:literal, $v:expr, $p:literal, $s:literal, $k:literal, $ns:literal, $short:expr, $all:literal, $subs:expr) => {
        Builtin {
            group: $g,
            versions: $v,
            plural: $p,
            singular: $s,
            kind: $k,
            namespaced: $ns,
            short: $short,
            all: $all,
            verbs: FULL,
            subs: $subs,
        }
    };
}

const V1: &[&str] = &["v1"];
const POD_SUBS: &[Sub] = &[
    Sub {
        name: "attach",
        kind: Some(("", "v1", "PodAttachOptions")),
        verbs: &["create", "get"],
    },
    Sub {
        name: "binding",
        kind: Some(("", "v1", "Binding")),
        verbs: &["create"],
    },
    Sub {
        name: "ephemeralcontainers",
        kind: None,
        verbs: STATUS,
    },
    Sub {
        name: "eviction",
        kind: Some(("policy", "v1", "Eviction")),
        verbs: &["create"],
    },
    Sub {
        name: "exec",
        kind: Some(("", "v1", "PodExecOptions")),
        verbs: &["create", "get"],
    },
    Sub {
        name: "log",
        kind: None,
        verbs: &["get"],
    },
    Sub {
        name: "portforward",
        kind: Some(("", "v1", "PodPortForwardOptions")),
        verbs: &["create", "get"],
    },
    Sub {
        name: "proxy",
        kind: Some(("", "v1", "PodProxyOptions")),
        verbs: &["create", "delete", "get", "patch", "update"],
    },
    status(),
];
const SA_SUBS: &[Sub] = &[Sub {
    name: "token",
    kind: Some(("authentication.k8s.io", "v1", "TokenRequest")),
    verbs: &["create"],
}];
const STATUS_ONLY: &[Sub] = &[status()];
const SCALABLE: &[Sub] = &[scale(), status()];
const NONE: &[Sub] = &[];

/// The built-in table. Order within a group is the apiserver's (alphabetical).
const BUILTINS: &[Builtin] = &[
    r!(
        "",
        V1,
        "configmaps",
        "configmap",
        "ConfigMap",
        true,
        &["cm"],
        false,
        NONE
    ),
    r!(
        "",
        V1,
        "endpoints",
        "endpoints",
        "Endpoints",
        true,
        &["ep"],
        false,
        NONE
    ),
    r!(
        "",
        V1,
        "limitranges",
        "limitrange",
        "LimitRange",
        true,
        &["limits"],
        false,
        NONE
    ),
    Builtin {
        verbs: NO_COLLECTION,
        ..r!(
            "",
            V1,
            "namespaces",
            "namespace",
            "Namespace",
            false,
            &["ns"],
            false,
            STATUS_ONLY
        )
    },
    r!(
        "",
        V1,
        "nodes",
        "node",
        "Node",
        false,
        &["no"],
        false,
        STATUS_ONLY
    ),
    r!(
        "",
        V1,
        "persistentvolumeclaims",
        "persistentvolumeclaim",
        "PersistentVolumeClaim",
        true,
        &["pvc"],
        false,
        STATUS_ONLY
    ),
    r!(
        "",
        V1,
        "persistentvolumes",
        "persistentvolume",
        "PersistentVolume",
        false,
        &["pv"],
        false,
        STATUS_ONLY
    ),
    r!("", V1, "pods", "pod", "Pod", true, &["po"], true, POD_SUBS),
    r!(
        "",
        V1,
        "podtemplates",
        "podtemplate",
        "PodTemplate",
        true,
        &[],
        false,
        NONE
    ),
    r!(
        "",
        V1,
        "replicationcontrollers",
        "replicationcontroller",
        "ReplicationController",
        true,
        &["rc"],
        true,
        SCALABLE
    ),
    r!(
        "",
        V1,
        "resourcequotas",
        "resourcequota",
        "ResourceQuota",
        true,
        &["quota"],
        false,
        STATUS_ONLY
    ),
    r!(
        "",
        V1,
        "secrets",
        "secret",
        "Secret",
        true,
        &[],
        false,
        NONE
    ),
    r!(
        "",
        V1,
        "serviceaccounts",
        "serviceaccount",
        "ServiceAccount",
        true,
        &["sa"],
        false,
        SA_SUBS
    ),
    r!(
        "",
        V1,
        "services",
        "service",
        "Service",
        true,
        &["svc"],
        true,
        STATUS_ONLY
    ),
    r!(
        "apps",
        V1,
        "controllerrevisions",
        "controllerrevision",
        "ControllerRevision",
        true,
        &[],
        false,
        NONE
    ),
    r!(
        "apps",
        V1,
        "daemonsets",
        "daemonset",
        "DaemonSet",
        true,
        &["ds"],
        true,
        STATUS_ONLY
    ),
    r!(
        "apps",
        V1,
        "deployments",
        "deployment",
        "Deployment",
        true,
        &["deploy"],
        true,
        SCALABLE
    ),
    r!(
        "apps",
        V1,
        "replicasets",
        "replicaset",
        "ReplicaSet",
        true,
        &["rs"],
        true,
        SCALABLE
    ),
    r!(
        "apps",
        V1,
        "statefulsets",
        "statefulset",
        "StatefulSet",
        true,
        &["sts"],
        true,
        SCALABLE
    ),
    r!(
        "batch",
        V1,
        "cronjobs",
        "cronjob",
        "CronJob",
        true,
        &["cj"],
        true,
        STATUS_ONLY
    ),
    r!(
        "batch",
        V1,
        "jobs",
        "job",
        "Job",
        true,
        &[],
        true,
        STATUS_ONLY
    ),
    r!(
        "networking.k8s.io",
        V1,
        "ingressclasses",
        "ingressclass",
        "IngressClass",
        false,
        &[],
        false,
        NONE
    ),
    r!(
        "networking.k8s.io",
        V1,
        "ingresses",
        "ingress",
        "Ingress",
        true,
        &["ing"],
        false,
        STATUS_ONLY
    ),
    r!(
        "networking.k8s.io",
        V1,
        "networkpolicies",
        "networkpolicy",
        "NetworkPolicy",
        true,
        &["netpol"],
        false,
        NONE
    ),
    r!(
        "rbac.authorization.k8s.io",
        V1,
        "clusterrolebindings",
        "clusterrolebinding",
        "ClusterRoleBinding",
        false,
        &[],
        false,
        NONE
    ),
    r!(
        "rbac.authorization.k8s.io",
        V1,
        "clusterroles",
        "clusterrole",
        "ClusterRole",
        false,
        &[],
        false,
        NONE
    ),
    r!(
        "rbac.authorization.k8s.io",
        V1,
        "rolebindings",
        "rolebinding",
        "RoleBinding",
        true,
        &[],
        false,
        NONE
    ),
    r!(
        "rbac.authorization.k8s.io",
        V1,
        "roles",
        "role",
        "Role",
        true,
        &[],
        false,
        NONE
    ),
    r!(
        "policy",
        V1,
        "poddisruptionbudgets",
        "poddisruptionbudget",
        "PodDisruptionBudget",
        true,
        &["pdb"],
        false,
        STATUS_ONLY
    ),
    r!(
        "autoscaling",
        &["v2", "v1"],
        "horizontalpodautoscalers",
        "horizontalpodautoscaler",
        "HorizontalPodAutoscaler",
        true,
        &["hpa"],
        true,
        STATUS_ONLY
    ),
    r!(
        "storage.k8s.io",
        V1,
        "storageclasses",
        "storageclass",
        "StorageClass",
        false,
        &["sc"],
        false,
        NONE
    ),
    r!(
        "admissionregistration.k8s.io",
        V1,
        "mutatingwebhookconfigurations",
        "mutatingwebhookconfiguration",
        "MutatingWebhookConfiguration",
        false,
        &[],
        false,
        NONE
    ),
    r!(
        "admissionregistration.k8s.io",
        V1,
        "validatingadmissionpolicies",
        "validatingadmissionpolicy",
        "ValidatingAdmissionPolicy",
        false,
        &[],
        false,
        STATUS_ONLY
    ),
    r!(
        "admissionregistration.k8s.io",
        V1,
        "validatingadmissionpolicybindings",
        "validatingadmissionpolicybinding",
        "ValidatingAdmissionPolicyBinding",
        false,
        &[],
        false,
        NONE
    ),
    r!(
        "admissionregistration.k8s.io",
        V1,
        "validatingwebhookconfigurations",
        "validatingwebhookconfiguration",
        "ValidatingWebhookConfiguration",
        false,
        &[],
        false,
        NONE
    ),
    r!(
        "apiextensions.k8s.io",
        V1,
        "customresourcedefinitions",
        "customresourcedefinition",
        "CustomResourceDefinition",
        false,
        &["crd", "crds"],
        false,
        STATUS_ONLY
    ),
    r!(
        "discovery.k8s.io",
        V1,
        "endpointslices",
        "endpointslice",
        "EndpointSlice",
        true,
        &[],
        false,
        NONE
    ),
    r!(
        "certificates.k8s.io",
        V1,
        "certificatesigningrequests",
        "certificatesigningrequest",
        "CertificateSigningRequest",
        false,
        &["csr"],
        false,
        &[
            Sub {
                name: "approval",
                kind: None,
                verbs: STATUS,
            },
            status()
        ]
    ),
    r!(
        "coordination.k8s.io",
        V1,
        "leases",
        "lease",
        "Lease",
        true,
        &[],
        false,
        NONE
    ),
];

/// The order groups are listed in `/apis` (the apiserver's, for the
/// groups served here); groups from CRDs follow in name order.
const GROUP_ORDER: &[&str] = &[
    "apps",
    "autoscaling",
    "batch",
    "certificates.k8s.io",
    "networking.k8s.io",
    "policy",
    "rbac.authorization.k8s.io",
    "storage.k8s.io",
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
];

pub(crate) fn builtins() -> Vec<Resource> {
    BUILTINS
        .iter()
        .map(|b| Resource {
            group: b.group.to_string(),
            versions: b.versions.iter().map(|v| v.to_string()).collect(),
            plural: b.plural.to_string(),
            singular: b.singular.to_string(),
            kind: b.kind.to_string(),
            namespaced: b.namespaced,
            verbs: b.verbs,
            short_names: b.short.iter().map(|s| s.to_string()).collect(),
            categories: if b.all { vec!["all".into()] } else { vec![] },
            subresources: b.subs.to_vec(),
        })
        .collect()
}

/// The resource a CustomResourceDefinition object serves, if it is
/// well-formed enough to serve anything.
pub(crate) fn from_crd(crd: &Value) -> Result<Resource, String> {
    let name = crd["metadata"]["name"].as_str().unwrap_or("?");
    let bad = |what: &str| format!("CustomResourceDefinition {name:?}: {what}");
    let spec = &crd["spec"];
    let group = spec["group"]
        .as_str()
        .filter(|g| !g.is_empty())
        .ok_or_else(|| bad("spec.group is missing"))?;
    let names = &spec["names"];
    let plural = names["plural"]
        .as_str()
        .ok_or_else(|| bad("spec.names.plural is missing"))?;
    let kind = names["kind"]
        .as_str()
        .ok_or_else(|| bad("spec.names.kind is missing"))?;
    let singular = names["singular"]
        .as_str()
        .map_or_else(|| kind.to_ascii_lowercase(), str::to_string);
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s.as_str().map(str::to_string))
            .collect()
    };
    let mut versions: Vec<String> = spec["versions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|v| v["served"].as_bool().unwrap_or(true))
        .filter_map(|v| v["name"].as_str().map(str::to_string))
        .collect();
    // apiextensions.k8s.io/v1beta1 CRDs could name one version only.
    if versions.is_empty()
        && let Some(v) = spec["version"].as_str()
    {
        versions.push(v.to_string());
    }
    if versions.is_empty() {
        return Err(bad("no served version in spec.versions"));
    }
    versions.sort_by_key(|v| std::cmp::Reverse(version_priority(v)));
    let has_status = spec["versions"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|v| v["subresources"]["status"].is_object())
        || spec["subresources"]["status"].is_object();
    Ok(Resource {
        group: group.to_string(),
        versions,
        plural: plural.to_string(),
        singular,
        kind: kind.to_string(),
        namespaced: spec["scope"].as_str() != Some("Cluster"),
        verbs: FULL,
        short_names: strings(&names["shortNames"]),
        categories: strings(&names["categories"]),
        subresources: if has_status { vec![status()] } else { vec![] },
    })
}

/// Kubernetes' version ordering: GA over beta over alpha, higher numbers
/// first; versions that do not look like `v1beta2` sort last by name (the
/// caller breaks ties by name).
pub(crate) fn version_priority(v: &str) -> (u8, u32, u32, std::cmp::Reverse<String>) {
    let parsed = v.strip_prefix('v').and_then(|rest| {
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        let major: u32 = rest[..digits].parse().ok()?;
        let tail = &rest[digits..];
        let (level, minor) = if tail.is_empty() {
            (3, 0)
        } else if let Some(n) = tail.strip_prefix("beta") {
            (2, n.parse().ok()?)
        } else if let Some(n) = tail.strip_prefix("alpha") {
            (1, n.parse().ok()?)
        } else {
            return None;
        };
        Some((level, major, minor))
    });
    match parsed {
        Some((level, major, minor)) => (level, major, minor, std::cmp::Reverse(String::new())),
        None => (0, 0, 0, std::cmp::Reverse(v.to_string())),
    }
}

/// The resources of one group, with the group's versions (preferred first).
pub(crate) struct Group<'a> {
    pub name: &'a str,
    pub versions: Vec<&'a str>,
}

/// Groups other than the core one, in `/apis` order.
pub(crate) fn groups(resources: &[Resource]) -> Vec<Group<'_>> {
    let mut names: Vec<&str> = Vec::new();
    for r in resources {
        if !r.group.is_empty() && !names.contains(&r.group.as_str()) {
            names.push(&r.group);
        }
    }
    let rank = |g: &str| {
        GROUP_ORDER
            .iter()
            .position(|o| *o == g)
            .unwrap_or(GROUP_ORDER.len())
    };
    names.sort_by(|a, b| rank(a).cmp(&rank(b)).then(a.cmp(b)));
    names
        .into_iter()
        .map(|name| {
            let mut versions: Vec<&str> = Vec::new();
            for r in resources.iter().filter(|r| r.group == name) {
                for v in &r.versions {
                    if !versions.contains(&v.as_str()) {
                        versions.push(v);
                    }
                }
            }
            versions.sort_by_key(|v| std::cmp::Reverse(version_priority(v)));
            Group { name, versions }
        })
        .collect()
}

fn group_version(group: &str, version: &str) -> String {
    if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    }
}

/// `GET /api`: the legacy `APIVersions` document.
pub(crate) fn api_versions(server_address: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
    })
}

fn group_json(g: &Group<'_>) -> Value {
    let versions: Vec<Value> = g
        .versions
        .iter()
        .map(|v| json!({"groupVersion": group_version(g.name, v), "version": v}))
        .collect();
    json!({
        "name": g.name,
        "versions": versions,
        "preferredVersion": {"groupVersion": group_version(g.name, g.versions[0]), "version": g.versions[0]},
    })
}

/// `GET /apis`: the legacy `APIGroupList`.
pub(crate) fn api_group_list(resources: &[Resource]) -> Value {
    let groups: Vec<Value> = groups(resources).iter().map(group_json).collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// `GET /apis/{group}`: one `APIGroup`.
pub(crate) fn api_group(resources: &[Resource], name: &str) -> Option<Value> {
    let groups = groups(resources);
    let g = groups.iter().find(|g| g.name == name)?;
    let mut v = group_json(g);
    if let Value::Object(m) = &mut v {
        m.insert("kind".into(), "APIGroup".into());
        m.insert("apiVersion".into(), "v1".into());
    }
    Some(v)
}

/// `GET /api/v1` or `/apis/{group}/{version}`: an `APIResourceList`, or
/// None when nothing is served at that group version.
pub(crate) fn api_resource_list(
    resources: &[Resource],
    group: &str,
    version: &str,
) -> Option<Value> {
    let mut list = Vec::new();
    for r in resources
        .iter()
        .filter(|r| r.group == group && r.serves(version))
    {
        let mut entry = json!({
            "name": r.plural,
            "singularName": r.singular,
            "namespaced": r.namespaced,
            "kind": r.kind,
            "verbs": r.verbs,
        });
        if let Value::Object(m) = &mut entry {
            if !r.short_names.is_empty() {
                m.insert("shortNames".into(), json!(r.short_names));
            }
            if !r.categories.is_empty() {
                m.insert("categories".into(), json!(r.categories));
            }
        }
        list.push(entry);
        for s in &r.subresources {
            let mut entry = json!({
                "name": format!("{}/{}", r.plural, s.name),
                "singularName": "",
                "namespaced": r.namespaced,
                "kind": s.kind.map_or(r.kind.as_str(), |k| k.2),
                "verbs": s.verbs,
            });
            if let (Some((g, v, _)), Value::Object(m)) = (s.kind, &mut entry) {
                if !g.is_empty() {
                    m.insert("group".into(), g.into());
                }
                m.insert("version".into(), v.into());
            }
            list.push(entry);
        }
    }
    if list.is_empty() {
        return None;
    }
    Some(json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version(group, version),
        "resources": list,
    }))
}

/// The media type of aggregated discovery, as the apiserver labels it.
pub(crate) const AGGREGATED_V2: &str =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/// `GET /api` or `/apis` asking for aggregated discovery
/// (`apidiscovery.k8s.io/v2` `APIGroupDiscoveryList`): every group, version
/// and resource in one document. `core` picks the core group (`/api`)
/// instead of the named groups (`/apis`).
pub(crate) fn aggregated(resources: &[Resource], core: bool) -> Value {
    let groups: Vec<Group<'_>> = if core {
        vec![Group {
            name: "",
            versions: vec!["v1"],
        }]
    } else {
        groups(resources)
    };
    let items: Vec<Value> = groups
        .iter()
        .map(|g| {
            let versions: Vec<Value> = g
                .versions
                .iter()
                .map(|v| {
                    let rs: Vec<Value> = resources
                        .iter()
                        .filter(|r| r.group == g.name && r.serves(v))
                        .map(|r| aggregated_resource(r, v))
                        .collect();
                    json!({"version": v, "resources": rs, "freshness": "Current"})
                })
                .collect();
            let mut metadata = json!({"creationTimestamp": null});
            if !g.name.is_empty() {
                metadata["name"] = g.name.into();
            }
            json!({"metadata": metadata, "versions": versions})
        })
        .collect();
    json!({
        "kind": "APIGroupDiscoveryList",
        "apiVersion": "apidiscovery.k8s.io/v2",
        "metadata": {},
        "items": items,
    })
}

fn aggregated_resource(r: &Resource, version: &str) -> Value {
    let subs: Vec<Value> = r
        .subresources
        .iter()
        .map(|s| {
            let (g, v, k) = s
                .kind
                .unwrap_or((r.group.as_str(), version, r.kind.as_str()));
            let mut kind = json!({"group": g, "version": v, "kind": k});
            if g.is_empty() {
                // The apiserver omits an empty group.
                if let Value::Object(m) = &mut kind {
                    m.remove("group");
                }
            }
            json!({"subresource": s.name, "responseKind": kind, "verbs": s.verbs})
        })
        .collect();
    let mut kind = json!({"group": r.group, "version": version, "kind": r.kind});
    if r.group.is_empty()
        && let Value::Object(m) = &mut kind
    {
        m.remove("group");
    }
    let mut out = json!({
        "resource": r.plural,
        "responseKind": kind,
        "scope": if r.namespaced { "Namespaced" } else { "Cluster" },
        "singularResource": r.singular,
        "verbs": r.verbs,
    });
    if let Value::Object(m) = &mut out {
        if !r.short_names.is_empty() {
            m.insert("shortNames".into(), json!(r.short_names));
        }
        if !r.categories.is_empty() {
            m.insert("categories".into(), json!(r.categories));
        }
        if !subs.is_empty() {
            m.insert("subresources".into(), Value::Array(subs));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_sort_like_kubernetes() {
        let mut v = vec!["v1beta1", "foo", "v2", "v1", "v1alpha1", "v2beta1", "bar"];
        v.sort_by_key(|x| std::cmp::Reverse(version_priority(x)));
        assert_eq!(
            v,
            ["v2", "v1", "v2beta1", "v1beta1", "v1alpha1", "bar", "foo"]
        );
    }

    #[test]
    fn autoscaling_prefers_v2_and_serves_v1() {
        let rs = builtins();
        let gs = groups(&rs);
        let a = gs
            .iter()
            .find(|g| g.name == "autoscaling")
            .map(|g| g.versions.clone());
        assert_eq!(a, Some(vec!["v2", "v1"]));
        assert!(api_resource_list(&rs, "autoscaling", "v1").is_some());
        assert!(api_resource_list(&rs, "apps", "v1beta1").is_none());
    }

    #[test]
    fn crd_resource() {
        let crd = json!({"metadata": {"name": "widgets.example.com"}, "spec": {
            "group": "example.com", "scope": "Cluster",
            "names": {"plural": "widgets", "kind": "Widget", "shortNames": ["wd"]},
            "versions": [{"name": "v1alpha1", "served": true}, {"name": "v1", "served": true,
                "subresources": {"status": {}}}, {"name": "v0", "served": false}]}});
        let r = from_crd(&crd).unwrap();
        assert_eq!(r.versions, ["v1", "v1alpha1"]);
        assert!(!r.namespaced);
        assert_eq!(r.singular, "widget");
        assert_eq!(r.subresources.len(), 1);
        assert!(from_crd(&json!({"spec": {}})).is_err());
    }
}
