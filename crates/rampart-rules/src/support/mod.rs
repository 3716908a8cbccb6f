//! Small pieces of Kubernetes semantics that several rules share.
//!
//! Each submodule belongs to one family of rules; general helpers stay here.

pub mod images;
pub mod objects;
pub mod pss;
pub mod secrets;
pub mod workloads;

/// A container image reference split as the container runtime reads it:
/// `[registry[:port]/]path[:tag][@digest]`.
#[derive(Debug, PartialEq, Eq)]
pub struct ImageRef<'a> {
    pub name: &'a str,
    pub tag: Option<&'a str>,
    pub digest: Option<&'a str>,
}

pub fn parse_image(image: &str) -> ImageRef<'_> {
    let (rest, digest) = match image.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (image, None),
    };
    // A ':' after the last '/' separates the tag; one before it belongs to
    // a registry port (`registry:5000/app`).
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    match rest[last_slash..].rfind(':') {
        Some(i) => ImageRef {
            name: &rest[..last_slash + i],
            tag: Some(&rest[last_slash + i + 1..]),
            digest,
        },
        None => ImageRef {
            name: rest,
            tag: None,
            digest,
        },
    }
}

/// True when a resource quantity is zero (`0`, `0m`, `0.0Gi`, `+0e3`): the
/// kubelet treats a zero limit as no limit at all.
pub fn quantity_is_zero(q: &str) -> bool {
    let q = q.trim();
    let q = q.strip_prefix(['+', '-']).unwrap_or(q);
    let number_end = q
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(q.len());
    let number = &q[..number_end];
    number.chars().any(|c| c.is_ascii_digit()) && number.chars().all(|c| c == '0' || c == '.')
}

/// Kinds of the built-in API that are cluster-scoped (have no namespace).
const CLUSTER_SCOPED: &[&str] = &[
    "APIService",
    "CertificateSigningRequest",
    "ClusterRole",
    "ClusterRoleBinding",
    "ClusterTrustBundle",
    "ComponentStatus",
    "CSIDriver",
    "CSINode",
    "CustomResourceDefinition",
    "DeviceClass",
    "FlowSchema",
    "IngressClass",
    "IPAddress",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding",
    "MutatingWebhookConfiguration",
    "Namespace",
    "Node",
    "PersistentVolume",
    "PodSecurityPolicy",
    "PriorityClass",
    "PriorityLevelConfiguration",
    "RuntimeClass",
    "ServiceCIDR",
    "StorageClass",
    "StorageVersionMigration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "ValidatingWebhookConfiguration",
    "VolumeAttachment",
    "VolumeAttributesClass",
];

/// Whether objects of `kind` live in a namespace. Custom resources are
/// looked up in the CustomResourceDefinitions of the inventory; kinds
/// known nowhere count as namespaced, the common case.
pub fn is_namespaced(inventory: &rampart_core::Inventory, group: &str, kind: &str) -> bool {
    let builtin_group = !group.contains('.') || group.ends_with(".k8s.io");
    if builtin_group && CLUSTER_SCOPED.contains(&kind) {
        return false;
    }
    for crd in inventory.of_kind("CustomResourceDefinition") {
        let spec = crd.root.get("spec");
        let names_kind = spec
            .and_then(|s| s.path(&["names", "kind"]))
            .and_then(|n| n.as_str());
        let crd_group = spec.and_then(|s| s.get("group")).and_then(|n| n.as_str());
        if names_kind == Some(kind) && crd_group == Some(group) {
            return spec.and_then(|s| s.get("scope")).and_then(|n| n.as_str()) != Some("Cluster");
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_references() {
        let r = parse_image("nginx");
        assert_eq!((r.name, r.tag, r.digest), ("nginx", None, None));
        let r = parse_image("registry:5000/team/app");
        assert_eq!((r.name, r.tag), ("registry:5000/team/app", None));
        let r = parse_image("registry:5000/team/app:1.2");
        assert_eq!((r.name, r.tag), ("registry:5000/team/app", Some("1.2")));
        let r = parse_image("app:latest@sha256:abc");
        assert_eq!(
            (r.name, r.tag, r.digest),
            ("app", Some("latest"), Some("sha256:abc"))
        );
        let r = parse_image("ghcr.io/o/app@sha256:abc");
        assert_eq!(
            (r.name, r.tag, r.digest),
            ("ghcr.io/o/app", None, Some("sha256:abc"))
        );
    }

    #[test]
    fn zero_quantities() {
        for z in ["0", "0m", "0.0", "0Gi", "+0", "0e3", "0.000Ki"] {
            assert!(quantity_is_zero(z), "{z}");
        }
        for nz in ["1", "100m", "0.5", "1Gi", "", "Gi", "10e0"] {
            assert!(!quantity_is_zero(nz), "{nz}");
        }
    }
}
