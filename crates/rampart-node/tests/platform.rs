//! Platform profiles over EKS-, GKE- and AKS-like worker roots (fixtures
//! `eks-worker`, `gke-worker`, `aks-worker`), and the policies target.

use std::fs;

use rampart_node::kubelet::Source;
use rampart_node::platform::Platform;
use rampart_node::policies::RuleMap;
use rampart_node::{CheckResult, NodeRoot, Options, Report, Status, Target, run};

mod support;
use support::build;

const ALL: &[Target] = &[
    Target::Master,
    Target::Etcd,
    Target::ControlPlane,
    Target::Node,
];

fn report(root: &std::path::Path, targets: &[Target], options: &Options) -> Report {
    run(&NodeRoot::new(root).unwrap(), targets, options)
}

fn result<'a>(r: &'a Report, id: &str) -> &'a CheckResult {
    r.results
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no result {id}"))
}

fn is_control_plane(id: &str) -> bool {
    ["1.", "2.", "3."].iter().any(|p| id.starts_with(p))
}

/// Detects `platform` on fixture `name` (with `markers` in the reason),
/// makes every control-plane check not applicable and still judges the
/// kubelet from the config file it names.
fn managed(name: &str, platform: Platform, markers: &[&str], config: &str) {
    let fx = build(name);
    let r = report(&fx.root, ALL, &Options::default());
    assert_eq!(r.platform.platform, platform, "{}", r.platform.reason);
    assert!(r.platform.reason.starts_with("detected from "));
    for m in markers {
        assert!(r.platform.reason.contains(m), "{m}: {}", r.platform.reason);
    }
    let want = format!(
        "managed control plane ({}): the provider operates it",
        platform.name()
    );
    let cp: Vec<&CheckResult> = r
        .results
        .iter()
        .filter(|c| is_control_plane(c.id))
        .collect();
    assert!(cp.iter().any(|c| c.id.starts_with("1.")));
    assert!(cp.iter().any(|c| c.id.starts_with("2.")));
    for c in cp {
        assert_eq!(c.status, Status::NotApplicable, "{}", c.id);
        assert_eq!(c.evidence, std::slice::from_ref(&want), "{}", c.id);
    }
    // Worker checks run, on the kubelet's real --config.
    let k = r.kubelet.as_ref().unwrap();
    assert_eq!(k.config_file.as_deref(), Some(config));
    let anon = k.get("authentication.anonymous.enabled");
    assert!(
        matches!(&anon.source, Source::File { path, .. } if path == config),
        "{anon:?}"
    );
    assert_eq!(result(&r, "4.2.1").status, Status::Pass);
    assert_eq!(result(&r, "4.2.2").status, Status::Pass);
}

#[test]
fn eks_worker() {
    managed(
        "eks-worker",
        Platform::Eks,
        &[
            "/etc/eks exists",
            "kubelet --node-labels has eks.amazonaws.com/nodegroup",
        ],
        "/etc/kubernetes/kubelet/kubelet-config.json",
    );
}

#[test]
fn gke_worker() {
    managed(
        "gke-worker",
        Platform::Gke,
        &[
            "/home/kubernetes/bin exists",
            "cloud.google.com/gke-nodepool",
        ],
        "/home/kubernetes/kubelet-config.yaml",
    );
    // GKE's read-only port is on in this fixture: judged like anywhere.
    let fx = build("gke-worker");
    let r = report(&fx.root, &[Target::Node], &Options::default());
    let c = result(&r, "4.2.4");
    assert_eq!(c.status, Status::Warn);
    assert!(c.evidence[0].contains("10255"), "{:?}", c.evidence);
}

#[test]
fn aks_worker() {
    managed(
        "aks-worker",
        Platform::Aks,
        &[
            "kubelet --node-labels has kubernetes.azure.com/role",
            "/etc/default/kubelet names kubernetes.azure.com/ labels",
        ],
        "/etc/default/kubeletconfig.json",
    );
}

#[test]
fn detection_never_quotes_the_kubelet_environment_file() {
    let fx = build("aks-worker");
    let r = report(&fx.root, &[Target::Node], &Options::default());
    assert!(!r.platform.reason.contains("KUBELET_FLAGS"));
    assert!(!r.platform.reason.contains("MC_demo"));
}

#[test]
fn a_kubeadm_node_is_self_managed_and_its_control_plane_is_checked() {
    let fx = build("hardened-kubeadm");
    let r = report(&fx.root, &[Target::Node], &Options::default());
    assert_eq!(r.platform.platform, Platform::SelfManaged);
    assert_eq!(
        r.platform.reason,
        "detected: no EKS, GKE or AKS markers on this node"
    );
    let fx = build("hardened-controlplane");
    let r = report(&fx.root, &[Target::Master], &Options::default());
    assert_eq!(r.platform.platform, Platform::SelfManaged);
    // Judged on its manifest, whatever the verdict.
    let c = result(&r, "1.2.1");
    assert_ne!(c.status, Status::NotApplicable, "{:?}", c.evidence);
}

#[test]
fn the_platform_flag_overrides_detection() {
    let fx = build("eks-worker");
    let given = |p| Options {
        platform: Some(p),
        ..Options::default()
    };
    let r = report(&fx.root, &[Target::Master], &given(Platform::SelfManaged));
    assert_eq!(r.platform.reason, "given by --platform");
    // Self-managed: the missing API server is simply not on this node.
    let c = result(&r, "1.2.1");
    assert_eq!(c.status, Status::NotApplicable);
    assert!(
        c.evidence[0].contains("no kube-apiserver"),
        "{:?}",
        c.evidence
    );

    let fx = build("hardened-controlplane");
    let r = report(&fx.root, &[Target::Master], &given(Platform::Gke));
    assert_eq!(r.platform.platform, Platform::Gke);
    assert_eq!(
        result(&r, "1.2.1").evidence,
        ["managed control plane (GKE): the provider operates it"]
    );
}

#[test]
fn a_control_plane_on_the_node_is_self_managed_whatever_the_markers() {
    let fx = build("hardened-controlplane");
    fs::create_dir_all(fx.root.join("etc/eks")).unwrap();
    let r = report(&fx.root, &[Target::Master], &Options::default());
    assert_eq!(r.platform.platform, Platform::SelfManaged);
    assert!(
        r.platform
            .reason
            .starts_with("detected: kube-apiserver runs on this node ("),
        "{}",
        r.platform.reason
    );
}

#[test]
fn the_azure_agent_alone_is_not_aks() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("var/lib/waagent")).unwrap();
    let r = report(dir.path(), &[Target::Node], &Options::default());
    assert_eq!(r.platform.platform, Platform::SelfManaged);
}

#[test]
fn markers_of_two_platforms_assume_self_managed_and_say_why() {
    let fx = build("eks-worker");
    fs::create_dir_all(fx.root.join("home/kubernetes/bin")).unwrap();
    let r = report(&fx.root, &[Target::Master], &Options::default());
    assert_eq!(r.platform.platform, Platform::SelfManaged);
    assert!(r.platform.reason.contains("EKS: "), "{}", r.platform.reason);
    assert!(r.platform.reason.contains("GKE: "), "{}", r.platform.reason);
    assert!(r.platform.reason.ends_with("give --platform"));
    assert_ne!(
        result(&r, "1.2.1").evidence[0],
        "managed control plane (EKS): the provider operates it"
    );
}

#[test]
fn policies_name_the_rules_the_caller_maps_and_need_no_node() {
    let dir = tempfile::tempdir().unwrap();
    let mut rules = RuleMap::new();
    rules.insert("5.1.3", vec!["rbac-wildcard"]);
    let r = report(
        dir.path(),
        &[Target::Policies],
        &Options {
            policy_rules: rules,
            ..Options::default()
        },
    );
    assert_eq!(r.results.len(), 34);
    assert!(r.results.iter().all(|c| c.status == Status::Warn));
    assert!(result(&r, "5.1.3").evidence[0].ends_with("through rules: rbac-wildcard"));
    assert!(result(&r, "5.4.2").evidence[0].ends_with("check by hand"));
}
