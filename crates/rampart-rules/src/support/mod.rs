//! Small pieces of Kubernetes semantics that several rules share.
//!
//! Each submodule belongs to one family of rules; general helpers stay here.

pub mod cluster;
pub mod images;
pub mod netpol;
pub mod objects;
pub mod pss;
pub mod rbac;
pub mod refs;
pub mod secrets;
pub mod workloads;

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
    fn zero_quantities() {
        for z in ["0", "0m", "0.0", "0Gi", "+0", "0e3", "0.000Ki"] {
            assert!(quantity_is_zero(z), "{z}");
        }
        for nz in ["1", "100m", "0.5", "1Gi", "", "Gi", "10e0"] {
            assert!(!quantity_is_zero(nz), "{nz}");
        }
    }
}
