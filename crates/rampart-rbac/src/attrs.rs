//! Request attributes, as the API server hands them to the authorizer and
//! as `kubectl auth can-i` takes them.

use std::collections::HashSet;

use serde::Serialize;

use crate::ParseError;

/// A resource request: verb, API group, resource, subresource, name and
/// namespace. `namespace: None` is a cluster-wide request (a cluster-scoped
/// resource, or a namespaced resource across all namespaces): only
/// ClusterRoleBindings can grant it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceAttributes {
    pub verb: String,
    /// `""` is the core group.
    pub api_group: String,
    pub resource: String,
    /// `""` when the request is for the resource itself.
    pub subresource: String,
    /// The object name. Real `create` requests of top-level resources and
    /// `deletecollection` have none; `list`/`watch` carry one only with a
    /// `metadata.name` field selector.
    pub name: Option<String>,
    pub namespace: Option<String>,
}

/// What is asked: a resource request or a non-resource URL (`get /healthz`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Request {
    Resource(ResourceAttributes),
    NonResource { verb: String, path: String },
}

/// Built-in cluster-scoped resources (group, resource). A request for one
/// of these never has a namespace, so RoleBindings cannot grant it.
const CLUSTER_SCOPED: &[(&str, &str)] = &[
    ("", "nodes"),
    ("", "namespaces"),
    ("", "persistentvolumes"),
    ("", "componentstatuses"),
    ("rbac.authorization.k8s.io", "clusterroles"),
    ("rbac.authorization.k8s.io", "clusterrolebindings"),
    ("apiextensions.k8s.io", "customresourcedefinitions"),
    ("apiregistration.k8s.io", "apiservices"),
    ("storage.k8s.io", "storageclasses"),
    ("storage.k8s.io", "csidrivers"),
    ("storage.k8s.io", "csinodes"),
    ("storage.k8s.io", "volumeattachments"),
    ("storage.k8s.io", "volumeattributesclasses"),
    ("certificates.k8s.io", "certificatesigningrequests"),
    ("certificates.k8s.io", "clustertrustbundles"),
    ("certificates.k8s.io", "signers"),
    (
        "admissionregistration.k8s.io",
        "validatingwebhookconfigurations",
    ),
    (
        "admissionregistration.k8s.io",
        "mutatingwebhookconfigurations",
    ),
    (
        "admissionregistration.k8s.io",
        "validatingadmissionpolicies",
    ),
    (
        "admissionregistration.k8s.io",
        "validatingadmissionpolicybindings",
    ),
    ("admissionregistration.k8s.io", "mutatingadmissionpolicies"),
    (
        "admissionregistration.k8s.io",
        "mutatingadmissionpolicybindings",
    ),
    ("scheduling.k8s.io", "priorityclasses"),
    ("node.k8s.io", "runtimeclasses"),
    ("networking.k8s.io", "ingressclasses"),
    ("networking.k8s.io", "ipaddresses"),
    ("networking.k8s.io", "servicecidrs"),
    ("flowcontrol.apiserver.k8s.io", "flowschemas"),
    (
        "flowcontrol.apiserver.k8s.io",
        "prioritylevelconfigurations",
    ),
    ("authentication.k8s.io", "tokenreviews"),
    ("authentication.k8s.io", "selfsubjectreviews"),
    ("authorization.k8s.io", "subjectaccessreviews"),
    ("authorization.k8s.io", "selfsubjectaccessreviews"),
    ("authorization.k8s.io", "selfsubjectrulesreviews"),
    ("resource.k8s.io", "deviceclasses"),
    ("resource.k8s.io", "resourceslices"),
    ("", "users"),
    ("", "groups"),
    ("authentication.k8s.io", "uids"),
    ("authentication.k8s.io", "userextras"),
    ("metrics.k8s.io", "nodes"),
    ("storagemigration.k8s.io", "storageversionmigrations"),
    ("internal.apiserver.k8s.io", "storageversions"),
    ("policy", "podsecuritypolicies"),
];

/// [`CLUSTER_SCOPED`] as a set: audits ask this for every binding and
/// permission they probe.
static CLUSTER_SCOPED_SET: std::sync::LazyLock<HashSet<(&str, &str)>> =
    std::sync::LazyLock::new(|| CLUSTER_SCOPED.iter().copied().collect());

static CLUSTER_SCOPED_NAMES: std::sync::LazyLock<HashSet<&str>> =
    std::sync::LazyLock::new(|| CLUSTER_SCOPED.iter().map(|(_, r)| *r).collect());

/// Whether `group`/`resource` is a built-in cluster-scoped resource.
pub fn is_cluster_scoped(group: &str, resource: &str) -> bool {
    CLUSTER_SCOPED_SET.contains(&(group, resource))
}

/// Whether `resource` is a built-in cluster-scoped resource in some API
/// group (for rules with `apiGroups: ["*"]`).
pub fn is_cluster_scoped_in_any_group(resource: &str) -> bool {
    CLUSTER_SCOPED_NAMES.contains(resource)
}

/// `v1`, `v2beta1`, `v1alpha3`: a Kubernetes API version.
fn is_version(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('v') else {
        return false;
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return false;
    }
    let tail = &rest[digits..];
    tail.is_empty()
        || ["alpha", "beta"].iter().any(|stage| {
            tail.strip_prefix(stage)
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        })
}

impl ResourceAttributes {
    /// A request for `verb` on `resource` in `api_group`.
    pub fn new(verb: &str, api_group: &str, resource: &str) -> Self {
        ResourceAttributes {
            verb: verb.to_string(),
            api_group: api_group.to_string(),
            resource: resource.to_string(),
            ..Default::default()
        }
    }

    pub fn subresource(mut self, sub: &str) -> Self {
        self.subresource = sub.to_string();
        self
    }

    pub fn name(mut self, name: &str) -> Self {
        self.name = Some(name.to_string());
        self
    }

    pub fn namespace(mut self, ns: &str) -> Self {
        self.namespace = Some(ns.to_string());
        self
    }

    /// Parses a resource the way `kubectl auth can-i` takes it:
    /// `pods`, `deployments.apps`, `deployments.v1.apps`, `pods/NAME`,
    /// `foos.example.com/NAME`. The name is everything after the first `/`
    /// (signer names hold one: `signers.certificates.k8s.io/kubernetes.io/*`);
    /// the resource is lower-cased, and a version between resource and
    /// group (`v1`, `v2beta1`) is dropped, as kubectl's resource mapping
    /// does. The subresource comes separately (`--subresource`). Resource
    /// names are taken as given (plural); no discovery is done.
    pub fn from_kubectl(
        verb: &str,
        resource: &str,
        subresource: Option<&str>,
        namespace: Option<&str>,
    ) -> Result<Self, ParseError> {
        if verb.is_empty() {
            return Err(ParseError::Request("the verb is empty".into()));
        }
        let (resource, name) = match resource.split_once('/') {
            Some((r, n)) if !n.is_empty() => (r, Some(n)),
            Some(_) => {
                return Err(ParseError::Request(format!(
                    "`{resource}`: expected RESOURCE[.GROUP][/NAME]"
                )));
            }
            None => (resource, None),
        };
        let lowered = resource.to_ascii_lowercase();
        let (resource, group) = lowered.split_once('.').unwrap_or((&lowered, ""));
        let group = match group.split_once('.') {
            Some((version, rest)) if is_version(version) => rest,
            _ => group,
        };
        if resource.is_empty() {
            return Err(ParseError::Request("the resource is empty".into()));
        }
        Ok(ResourceAttributes {
            verb: verb.to_string(),
            api_group: group.to_string(),
            resource: resource.to_string(),
            subresource: subresource.unwrap_or_default().to_string(),
            name: name.map(str::to_string),
            namespace: namespace.filter(|n| !n.is_empty()).map(str::to_string),
        })
    }
}

impl Request {
    /// Parses `kubectl auth can-i` arguments: `VERB /non/resource/url` or
    /// `VERB RESOURCE[.GROUP][/NAME]` with an optional subresource and
    /// namespace (`None` for cluster-wide or all namespaces).
    pub fn from_kubectl(
        verb: &str,
        target: &str,
        subresource: Option<&str>,
        namespace: Option<&str>,
    ) -> Result<Self, ParseError> {
        if target.starts_with('/') {
            if verb.is_empty() {
                return Err(ParseError::Request("the verb is empty".into()));
            }
            return Ok(Request::NonResource {
                verb: verb.to_string(),
                path: target.to_string(),
            });
        }
        ResourceAttributes::from_kubectl(verb, target, subresource, namespace)
            .map(Request::Resource)
    }

    /// The namespace the authorizer sees (`None` for cluster-wide and
    /// non-resource requests).
    pub fn namespace(&self) -> Option<&str> {
        match self {
            Request::Resource(r) => r.namespace.as_deref().filter(|n| !n.is_empty()),
            Request::NonResource { .. } => None,
        }
    }
}

impl From<ResourceAttributes> for Request {
    fn from(r: ResourceAttributes) -> Self {
        Request::Resource(r)
    }
}
