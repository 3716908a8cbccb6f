//! Which platform runs the node: self-managed (kubeadm and alike) or a
//! managed Kubernetes service (EKS, GKE, AKS) whose provider operates the
//! control plane.
//!
//! On a managed platform the control plane and etcd run on machines the
//! customer cannot reach, so the CIS section 1, 2 and 3 checks have
//! nothing to read on a worker node: they become `NotApplicable` with evidence naming
//! the provider instead of reporting missing components. Worker checks
//! (section 4) still run — they read the kubelet's own `--config`, wherever
//! the provider puts it.
//!
//! The providers' own CIS benchmarks (CIS Amazon EKS, CIS GKE, CIS AKS)
//! renumber the worker checks as section 3 (`3.1.x` files, `3.2.x`
//! kubelet) and drop the control-plane sections. rampart keeps the
//! Kubernetes benchmark's ids; see `docs/commands/node.md` for the
//! correspondence.

use serde::Serialize;

use crate::Target;
use crate::checks::{CheckDef, CheckResult, Facts, Status};
use crate::discover::{Component, Discovery};
use crate::root::NodeRoot;

/// A platform profile, as `--platform` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Platform {
    /// The cluster's owner runs the control plane (kubeadm, kops, ...).
    SelfManaged,
    /// Amazon Elastic Kubernetes Service.
    Eks,
    /// Google Kubernetes Engine.
    Gke,
    /// Azure Kubernetes Service.
    Aks,
}

impl Platform {
    /// The name in evidence and reports (`EKS`).
    pub fn name(self) -> &'static str {
        match self {
            Platform::SelfManaged => "self-managed",
            Platform::Eks => "EKS",
            Platform::Gke => "GKE",
            Platform::Aks => "AKS",
        }
    }

    /// Whether a provider, not the cluster's owner, operates the control
    /// plane and etcd.
    pub fn is_managed(self) -> bool {
        self != Platform::SelfManaged
    }
}

/// The platform a run assumed, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlatformChoice {
    pub platform: Platform,
    /// `given by --platform`, or the markers detection found (or that it
    /// found none).
    pub reason: String,
}

impl PlatformChoice {
    /// The platform given on the command line.
    pub fn given(platform: Platform) -> PlatformChoice {
        PlatformChoice {
            platform,
            reason: "given by --platform".to_string(),
        }
    }

    /// Runs `def` of `target`, unless the provider operates what it
    /// checks: then it is `NotApplicable` without reading anything.
    pub fn run(&self, target: Target, def: &CheckDef, facts: &Facts) -> CheckResult {
        if !(self.platform.is_managed() && provider_operated(target)) {
            return def.run(facts);
        }
        def.result(
            Status::NotApplicable,
            vec![format!(
                "managed control plane ({}): the provider operates it",
                self.platform.name()
            )],
            None,
        )
    }
}

/// Targets whose components a managed provider runs off the node: the
/// control plane (section 1), etcd (section 2) and the control plane's
/// configuration (section 3: user authentication, audit policy).
fn provider_operated(target: Target) -> bool {
    matches!(target, Target::Master | Target::Etcd | Target::ControlPlane)
}

/// Markers of each managed platform: files the provider's node images
/// install, and node labels its kubelet registers with.
struct Markers {
    platform: Platform,
    /// Paths (files or directories) only this provider's images create.
    paths: &'static [&'static str],
    /// Prefixes of node labels only this provider sets.
    label_prefixes: &'static [&'static str],
}

const MARKERS: &[Markers] = &[
    // EKS-optimized AMIs (AL2: /etc/eks/bootstrap.sh; AL2023: nodeadm
    // config under /etc/eks); managed node groups label their nodes
    // eks.amazonaws.com/nodegroup, eks.amazonaws.com/capacityType.
    Markers {
        platform: Platform::Eks,
        paths: &["/etc/eks"],
        label_prefixes: &["eks.amazonaws.com/"],
    },
    // GKE node images install the kubelet, its config and kube-env
    // under /home/kubernetes; nodes carry cloud.google.com/gke-nodepool,
    // cloud.google.com/gke-os-distribution, ...
    Markers {
        platform: Platform::Gke,
        paths: &["/home/kubernetes/kube-env", "/home/kubernetes/bin"],
        label_prefixes: &["cloud.google.com/gke-"],
    },
    // AKS labels every node kubernetes.azure.com/cluster, .../role, ...,
    // passed through KUBELET_NODE_LABELS in /etc/default/kubelet. The
    // Azure agent (/var/lib/waagent) runs on every Azure VM, so it does
    // not tell AKS from a self-managed cluster on Azure: not a marker.
    Markers {
        platform: Platform::Aks,
        paths: &[],
        label_prefixes: &["kubernetes.azure.com/"],
    },
];

/// The kubelet environment file AKS writes the kubelet's flags and node
/// labels to.
const AKS_KUBELET_DEFAULTS: &str = "/etc/default/kubelet";

/// Detects the platform from `root`: a managed platform when its markers
/// (and no other platform's) are present, else self-managed. Conflicting
/// markers give self-managed with a reason that says so, and so does a
/// control plane found on the node: a provider never runs it on a node the
/// customer can read (aks-engine, a self-managed predecessor of AKS, used
/// the same `kubernetes.azure.com/` labels on its own control plane).
pub fn detect(root: &NodeRoot, discovery: &Discovery) -> PlatformChoice {
    if let Some(cp) = [Component::KubeApiserver, Component::Etcd]
        .into_iter()
        .find_map(|c| discovery.find(c))
    {
        return PlatformChoice {
            platform: Platform::SelfManaged,
            reason: format!(
                "detected: {} runs on this node ({}), so the control plane is not provider-operated",
                cp.component.binary(),
                cp.origin
            ),
        };
    }
    let labels = node_labels(discovery);
    let aks_defaults = root.read_to_string(AKS_KUBELET_DEFAULTS).ok();
    let mut found: Vec<(Platform, Vec<String>)> = Vec::new();
    for m in MARKERS {
        let mut why: Vec<String> = m
            .paths
            .iter()
            .filter(|p| root.exists(p))
            .map(|p| format!("{p} exists"))
            .collect();
        why.extend(
            labels
                .iter()
                .filter(|l| m.label_prefixes.iter().any(|p| l.starts_with(p)))
                .map(|l| format!("kubelet --node-labels has {l}")),
        );
        if m.platform == Platform::Aks
            && let Some(text) = &aks_defaults
            && m.label_prefixes.iter().any(|p| text.contains(p))
        {
            // Only the fact, never the file's contents (it holds flags).
            why.push(format!(
                "{AKS_KUBELET_DEFAULTS} names kubernetes.azure.com/ labels"
            ));
        }
        if !why.is_empty() {
            found.push((m.platform, why));
        }
    }
    match found.as_slice() {
        [] => PlatformChoice {
            platform: Platform::SelfManaged,
            reason: "detected: no EKS, GKE or AKS markers on this node".to_string(),
        },
        [(p, why)] => PlatformChoice {
            platform: *p,
            reason: format!("detected from {}", why.join("; ")),
        },
        many => PlatformChoice {
            platform: Platform::SelfManaged,
            reason: format!(
                "markers of several platforms ({}); assuming self-managed — give --platform",
                many.iter()
                    .map(|(p, why)| format!("{}: {}", p.name(), why.join(", ")))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        },
    }
}

/// The label keys of the kubelet's `--node-labels` (`key=value,...`),
/// values dropped: only keys mark a platform.
fn node_labels(discovery: &Discovery) -> Vec<String> {
    discovery
        .find(Component::Kubelet)
        .into_iter()
        .flat_map(|k| k.args.map("node-labels"))
        .map(|(k, _)| k)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect_in(dirs: &[&str]) -> PlatformChoice {
        let dir = tempfile::tempdir().unwrap();
        for d in dirs {
            std::fs::create_dir_all(dir.path().join(d)).unwrap();
        }
        let root = NodeRoot::new(dir.path()).unwrap();
        detect(&root, &Discovery::default())
    }

    #[test]
    fn one_platforms_files_decide_it() {
        let c = detect_in(&["etc/eks"]);
        assert_eq!(c.platform, Platform::Eks);
        assert_eq!(c.reason, "detected from /etc/eks exists");
        assert_eq!(detect_in(&["home/kubernetes/bin"]).platform, Platform::Gke);
        assert_eq!(detect_in(&[]).platform, Platform::SelfManaged);
        assert_eq!(
            detect_in(&["etc/eks", "home/kubernetes/bin"]).platform,
            Platform::SelfManaged
        );
    }

    #[test]
    fn only_control_plane_targets_are_provider_operated() {
        assert!(provider_operated(Target::Master));
        assert!(provider_operated(Target::Etcd));
        assert!(provider_operated(Target::ControlPlane));
        assert!(!provider_operated(Target::Node));
        assert!(!provider_operated(Target::Policies));
    }
}
