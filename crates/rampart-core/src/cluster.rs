//! What rampart records about a live cluster besides its objects: the
//! server's version, the APIs it serves, and what the scanning identity
//! could not list. Collection writes it as one object of kind
//! `ClusterInfo` next to the cluster's objects, so a snapshot read back
//! offline carries the same facts and the same rules run on it.

use serde::{Deserialize, Serialize};

use crate::diag::Diagnostic;
use crate::inventory::{Inventory, Object};

pub const API_VERSION: &str = "rampart.dev/v1alpha1";
pub const KIND: &str = "ClusterInfo";

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterInfo {
    /// The API server URL rampart talked to, as the kubeconfig names it.
    #[serde(default)]
    pub server: String,
    /// The `/version` answer.
    #[serde(default)]
    pub server_version: ServerVersion,
    /// When the objects were listed (RFC 3339).
    #[serde(default)]
    pub collected_at: String,
    /// The namespace collection was limited to (`-n`), if any: cluster-wide
    /// analyses then see only part of the cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The group versions the server serves (`v1`, `apps/v1`, …).
    #[serde(default)]
    pub group_versions: Vec<String>,
    /// Resources rampart needed but could not read.
    #[serde(default)]
    pub coverage_gaps: Vec<CoverageGap>,
    /// The answer to an anonymous `GET /api` (`--probe-anonymous`); absent
    /// when the probe did not run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anonymous_probe: Option<AnonymousProbe>,
    /// Deprecated API versions clients requested since the API server
    /// started, from its `apiserver_requested_deprecated_apis` metric
    /// (`--read-metrics`); absent when the metrics were not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_deprecated_apis: Option<Vec<RequestedApi>>,
}

/// One series of `apiserver_requested_deprecated_apis`: a deprecated
/// group/version/resource some client requested.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestedApi {
    #[serde(default)]
    pub group: String,
    pub version: String,
    pub resource: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub subresource: String,
    /// The release that removes it (`1.25`); empty when none is planned.
    #[serde(default)]
    pub removed_release: String,
}

impl RequestedApi {
    /// The series of `apiserver_requested_deprecated_apis` in a Prometheus
    /// text exposition (`/metrics` of the API server). Only series with
    /// value 1 count: the API server sets 1 once a deprecated API is
    /// requested.
    pub fn from_metrics(text: &str) -> Vec<RequestedApi> {
        let mut out = Vec::new();
        for line in text.lines() {
            let Some(rest) = line.strip_prefix("apiserver_requested_deprecated_apis{") else {
                continue;
            };
            let Some((labels, value)) = rest.rsplit_once('}') else {
                continue;
            };
            if value.trim().parse::<f64>().map_or(true, |v| v == 0.0) {
                continue;
            }
            let labels = prometheus_labels(labels);
            let get = |k: &str| labels.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
            if let (Some(version), Some(resource)) = (get("version"), get("resource")) {
                out.push(RequestedApi {
                    group: get("group").unwrap_or_default(),
                    version,
                    resource,
                    subresource: get("subresource").unwrap_or_default(),
                    removed_release: get("removed_release").unwrap_or_default(),
                });
            }
        }
        out.sort_by(|a, b| {
            (&a.group, &a.version, &a.resource, &a.subresource).cmp(&(
                &b.group,
                &b.version,
                &b.resource,
                &b.subresource,
            ))
        });
        out.dedup();
        out
    }
}

/// `name="value",…` of a Prometheus series, values unescaped.
fn prometheus_labels(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        let name: String = std::iter::from_fn(|| chars.next_if(|c| *c != '=')).collect();
        if name.is_empty() || chars.next() != Some('=') || chars.next() != Some('"') {
            return out;
        }
        let mut value = String::new();
        loop {
            match chars.next() {
                None => return out,
                Some('"') => break,
                Some('\\') => match chars.next() {
                    Some('n') => value.push('\n'),
                    Some(c) => value.push(c),
                    None => return out,
                },
                Some(c) => value.push(c),
            }
        }
        out.push((name.trim().to_string(), value));
    }
}

/// The `/version` fields rampart uses; the rest of the answer is kept.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerVersion {
    #[serde(default)]
    pub major: String,
    #[serde(default)]
    pub minor: String,
    #[serde(default)]
    pub git_version: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub platform: String,
}

/// A list (or other read) the scanning identity was refused or that failed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CoverageGap {
    /// API group, `""` for core.
    #[serde(default)]
    pub group: String,
    pub resource: String,
    #[serde(default)]
    pub verb: String,
    /// The namespace of the refused request; absent for cluster-wide lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// HTTP status of the refusal (403, 404, …); 0 for transport failures.
    #[serde(default)]
    pub status: u16,
    pub reason: String,
}

impl CoverageGap {
    /// What the report says about this gap: what is missing, the
    /// permission that would fill it, and why it matters.
    pub fn diagnostic(&self) -> Diagnostic {
        let resource = if self.group.is_empty() {
            self.resource.clone()
        } else {
            format!("{}.{}", self.resource, self.group)
        };
        let scope = match &self.namespace {
            Some(ns) => format!("in namespace {ns}"),
            None => "cluster-wide".to_string(),
        };
        let fix = if self.status == 403 {
            format!("; grant `{}` on `{resource}` {scope} to scan it", self.verb)
        } else {
            String::new()
        };
        Diagnostic::warning(
            "coverage-gap",
            format!(
                "could not {} {resource} {scope}: {}{fix}; rules that need {resource} did not see them",
                self.verb, self.reason
            ),
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnonymousProbe {
    /// The path probed (`/api`).
    pub path: String,
    /// HTTP status of the unauthenticated request; 0 when it failed.
    pub status: u16,
}

impl ClusterInfo {
    /// The cluster facts in `inventory`, with the index of their object,
    /// when the inventory came from a cluster or a snapshot.
    pub fn of(inventory: &Inventory) -> Option<(usize, ClusterInfo)> {
        inventory.of_kind_indexed(KIND).find_map(|(i, o)| {
            (o.id.api_version == API_VERSION)
                .then(|| crate::de::from_node::<ClusterInfo>(&o.root).ok())
                .flatten()
                .map(|c| (i, c))
        })
    }

    /// Whether `o` is a ClusterInfo object.
    pub fn is(o: &Object) -> bool {
        o.kind() == KIND && o.id.api_version == API_VERSION
    }

    /// The server's version, parsed from `gitVersion` (or major/minor).
    pub fn version(&self) -> Option<KubeVersion> {
        KubeVersion::parse(&self.server_version.git_version).or_else(|| {
            // Some providers report minor as "33+".
            let minor = self.server_version.minor.trim_end_matches('+');
            KubeVersion::parse(&format!("{}.{minor}", self.server_version.major))
        })
    }
}

/// A Kubernetes version as components report it: `v1.33.2`,
/// `v1.30.4-eks-a737599`, `1.31`, `v1.34.0-rc.1+k3s1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KubeVersion {
    pub major: u32,
    pub minor: u32,
    /// Absent when only `major.minor` was given.
    pub patch: Option<u32>,
}

impl KubeVersion {
    pub fn parse(s: &str) -> Option<KubeVersion> {
        let s = s.trim();
        let s = s.strip_prefix(['v', 'V']).unwrap_or(s);
        // Pre-release and build metadata (`-eks-…`, `+k3s1`) do not change
        // which release line a version belongs to.
        let core = s.split(['-', '+']).next()?;
        let mut parts = core.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        let patch = match parts.next() {
            Some(p) => Some(p.parse().ok()?),
            None => None,
        };
        if parts.next().is_some() {
            return None;
        }
        Some(KubeVersion {
            major,
            minor,
            patch,
        })
    }

    /// `(major, minor)`: the release line.
    pub fn line(self) -> (u32, u32) {
        (self.major, self.minor)
    }
}

impl std::fmt::Display for KubeVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.patch {
            Some(p) => write!(f, "v{}.{}.{p}", self.major, self.minor),
            None => write!(f, "v{}.{}", self.major, self.minor),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_as_components_report_them() {
        let v = |s| KubeVersion::parse(s);
        assert_eq!(
            v("v1.33.2"),
            Some(KubeVersion {
                major: 1,
                minor: 33,
                patch: Some(2)
            })
        );
        assert_eq!(v("v1.30.4-eks-a737599").unwrap().patch, Some(4));
        assert_eq!(v("v1.34.0-rc.1+k3s1").unwrap().line(), (1, 34));
        assert_eq!(v("1.31").unwrap().patch, None);
        assert_eq!(v("v1.29.3-gke.1093000").unwrap().to_string(), "v1.29.3");
        assert_eq!(v("latest"), None);
        assert_eq!(v("1"), None);
        assert_eq!(v("1.2.3.4"), None);
        assert!(v("v1.9.0") < v("v1.10.0"));
    }

    #[test]
    fn deprecated_api_series_are_read_from_metrics_text() {
        let text = r#"# HELP apiserver_requested_deprecated_apis [STABLE] Gauge of deprecated APIs that have been requested, broken out by API group, version, resource, subresource, and removed_release.
# TYPE apiserver_requested_deprecated_apis gauge
apiserver_requested_deprecated_apis{group="batch",removed_release="1.25",resource="cronjobs",subresource="",version="v1beta1"} 1
apiserver_requested_deprecated_apis{group="",removed_release="",resource="endpoints",subresource="",version="v1"} 1
apiserver_requested_deprecated_apis{group="x\"y",removed_release="1.32",resource="flowschemas",subresource="status",version="v1beta3"} 0
apiserver_request_total{code="200"} 5
"#;
        let apis = RequestedApi::from_metrics(text);
        assert_eq!(apis.len(), 2);
        assert_eq!(apis[0].resource, "endpoints");
        assert_eq!(apis[0].removed_release, "");
        assert_eq!(
            apis[1],
            RequestedApi {
                group: "batch".into(),
                version: "v1beta1".into(),
                resource: "cronjobs".into(),
                subresource: String::new(),
                removed_release: "1.25".into(),
            }
        );
        assert_eq!(
            prometheus_labels(r#"a="x\"y",b="1\\2""#),
            vec![
                ("a".to_string(), "x\"y".to_string()),
                ("b".to_string(), "1\\2".to_string())
            ]
        );
    }

    #[test]
    fn minor_with_plus_is_read_when_git_version_is_odd() {
        let info = ClusterInfo {
            server_version: ServerVersion {
                major: "1".into(),
                minor: "28+".into(),
                git_version: "custom".into(),
                platform: String::new(),
            },
            ..Default::default()
        };
        assert_eq!(info.version().unwrap().line(), (1, 28));
    }
}
