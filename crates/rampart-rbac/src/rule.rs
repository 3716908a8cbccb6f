//! One RBAC `PolicyRule` and the authorizer's matching functions
//! (`VerbMatches`, `APIGroupMatches`, `ResourceMatches`,
//! `ResourceNameMatches`, `NonResourceURLMatches`), re-implemented from
//! their documented semantics.

use serde::Serialize;

use crate::attrs::{Request, ResourceAttributes};

/// A policy rule as written in a Role or ClusterRole. Absent lists are
/// empty.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    pub verbs: Vec<String>,
    pub api_groups: Vec<String>,
    pub resources: Vec<String>,
    pub resource_names: Vec<String>,
    #[serde(rename = "nonResourceURLs")]
    pub non_resource_urls: Vec<String>,
}

impl From<k8s_openapi::api::rbac::v1::PolicyRule> for Rule {
    fn from(r: k8s_openapi::api::rbac::v1::PolicyRule) -> Self {
        Rule {
            verbs: r.verbs,
            api_groups: r.api_groups.unwrap_or_default(),
            resources: r.resources.unwrap_or_default(),
            resource_names: r.resource_names.unwrap_or_default(),
            non_resource_urls: r.non_resource_urls.unwrap_or_default(),
        }
    }
}

impl Rule {
    /// Whether this rule allows `request` (the authorizer's `RuleAllows`).
    /// Scope (which bindings a rule is reachable through) is decided by the
    /// caller; this is the per-rule test only.
    pub fn allows(&self, request: &Request) -> bool {
        match request {
            Request::Resource(r) => self.allows_resource(r),
            Request::NonResource { verb, path } => {
                verb_matches(&self.verbs, verb)
                    && non_resource_url_matches(&self.non_resource_urls, path)
            }
        }
    }

    fn allows_resource(&self, r: &ResourceAttributes) -> bool {
        self.allows_parts(
            &r.verb,
            &r.api_group,
            &r.resource,
            &r.subresource,
            r.name.as_deref(),
        )
    }

    /// [`Rule::allows`] for a resource request given by its parts, without
    /// building one: audits ask it for every binding and permission.
    pub fn allows_parts(
        &self,
        verb: &str,
        group: &str,
        resource: &str,
        subresource: &str,
        name: Option<&str>,
    ) -> bool {
        verb_matches(&self.verbs, verb)
            && api_group_matches(&self.api_groups, group)
            && resource_matches(&self.resources, resource, subresource)
            && resource_name_matches(&self.resource_names, name)
    }
}

/// `*` matches every verb, custom verbs (`bind`, `escalate`,
/// `impersonate`, `approve`, `use`, ...) included; otherwise exact.
pub fn verb_matches(verbs: &[String], verb: &str) -> bool {
    verbs.iter().any(|v| v == "*" || v == verb)
}

/// `*` matches every group; `""` is the core group only.
pub fn api_group_matches(groups: &[String], group: &str) -> bool {
    groups.iter().any(|g| g == "*" || g == group)
}

/// `*` matches every resource and every subresource; `*/sub` matches
/// subresource `sub` of any resource; everything else (`pods/*`
/// included) is compared literally with `resource` or
/// `resource/subresource`.
pub fn resource_matches(resources: &[String], resource: &str, subresource: &str) -> bool {
    resources.iter().any(|r| {
        if r == "*" {
            return true;
        }
        if subresource.is_empty() {
            return r == resource;
        }
        if let Some(sub) = r.strip_prefix("*/") {
            if sub == subresource {
                return true;
            }
        }
        r.len() == resource.len() + 1 + subresource.len()
            && r.starts_with(resource)
            && r.as_bytes()[resource.len()] == b'/'
            && r.ends_with(subresource)
    })
}

/// Empty `resourceNames` match every request; otherwise the request's name
/// must be in the list, compared literally. A request without a name
/// (`create` of a top-level resource, `deletecollection`, `list`/`watch`
/// without a `metadata.name` field selector) has the name `""`, so only a
/// list holding `""` matches it. `"*"` is a literal name, not a wildcard.
pub fn resource_name_matches(names: &[String], name: Option<&str>) -> bool {
    if names.is_empty() {
        return true;
    }
    let name = name.unwrap_or("");
    names.iter().any(|x| x == name)
}

/// `*` alone matches every path; a trailing `*` (or several) makes the
/// rest a prefix; anything else is exact.
pub fn non_resource_url_matches(urls: &[String], path: &str) -> bool {
    urls.iter().any(|u| {
        u == "*" || u == path || (u.ends_with('*') && path.starts_with(u.trim_end_matches('*')))
    })
}
