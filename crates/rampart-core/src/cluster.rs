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
