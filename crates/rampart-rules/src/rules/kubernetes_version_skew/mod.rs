use rampart_core::cluster::KubeVersion;
use rampart_core::rule::Category;
use rampart_core::{Check, InventoryCtx, Reporter, Rule, RuleMeta, Severity};

use crate::support::cluster::{KUBE_PROXY_VERSION, KUBELET_VERSION, Scan, nodes};
use crate::support::refs;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "kubernetes-version-skew",
        title: "Node components outside the Kubernetes version skew policy",
        severity: Severity::Medium,
        category: Category::Lifecycle,
        enabled_by_default: true,
        rationale: "The Kubernetes version skew policy (https://kubernetes.io/releases/version-skew-policy/) \
bounds how far node components may drift from the API server: a kubelet must not be newer than \
kube-apiserver and may be at most three minor versions older (two when the kubelet is older than \
v1.25); kube-proxy likewise, and at most three minor versions older or newer than the kubelet \
beside it (two when kube-proxy is older than v1.25). Outside those bounds the combination is \
untested and unsupported: API fields and behaviours a component relies on may be gone, upgrades of \
the control plane are blocked (it cannot move while kubelets would fall out of the window), and \
the old nodes usually run unpatched releases. The rule compares each Node's \
`status.nodeInfo.kubeletVersion` and `kubeProxyVersion` with the API server version in the \
ClusterInfo of a cluster scan and reports the Node. Empty `kubeProxyVersion` values, which recent \
kubelets leave unset, are not judged; in highly available control planes only the API server \
rampart talked to is known. Inventories without a ClusterInfo are not judged.",
        remediation: r#"Upgrade lagging nodes one minor version at a time (drain, upgrade kubelet and kube-proxy, uncordon) until they are within the policy, before upgrading the control plane further; replace nodes newer than the control plane, or upgrade the control plane first. For kube-proxy run as a DaemonSet, its image tag follows the control plane:

```yaml
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: kube-proxy, namespace: kube-system}
spec:
  template:
    spec:
      containers:
      - name: kube-proxy
        image: registry.k8s.io/kube-proxy:v1.35.9
```"#,
        references: &[refs::NSA_UPGRADING],
        params: &[],
        pss: None,
    },
    check: Check::Inventory(check),
};

/// How many minor versions older than the API server a component of
/// version `v` may be.
fn max_older(v: KubeVersion) -> i64 {
    if (v.major, v.minor) < (1, 25) { 2 } else { 3 }
}

fn minors(v: KubeVersion) -> i64 {
    i64::from(v.major) * 1000 + i64::from(v.minor)
}

/// What is wrong with component `what` at `v` against the API server at
/// `api`, if anything.
fn against_api(what: &str, v: KubeVersion, api: KubeVersion) -> Option<String> {
    let gap = minors(api) - minors(v);
    if gap < 0 {
        Some(format!(
            "{what} {v} is newer than kube-apiserver {api}; it must not be newer than the API server"
        ))
    } else if gap > max_older(v) {
        Some(format!(
            "{what} {v} is {gap} minor versions older than kube-apiserver {api}; at most {} are supported",
            max_older(v)
        ))
    } else {
        None
    }
}

/// What is wrong with kube-proxy at `proxy` against the kubelet beside it
/// at `kubelet`, if anything: more than three minor versions apart, older
/// or newer (two when kube-proxy is older than v1.25).
fn against_kubelet(proxy: KubeVersion, kubelet: KubeVersion) -> Option<String> {
    let gap = (minors(kubelet) - minors(proxy)).abs();
    (gap > max_older(proxy)).then(|| {
        format!(
            "kube-proxy {proxy} is {gap} minor versions from the kubelet beside it ({kubelet}); at most {} are supported",
            max_older(proxy)
        )
    })
}

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    let Some(api) = Scan::of(ctx.inventory).and_then(|s| s.version) else {
        return;
    };
    for node in nodes(ctx.inventory) {
        let name = node.object.name().to_string();
        if let Some(kubelet) = node.kubelet {
            if let Some(problem) = against_api("kubelet", kubelet, api) {
                out.on(node.index)
                    .at(KUBELET_VERSION.into(), format!("Node {name}: {problem}"));
            }
        }
        let Some(proxy) = node.kube_proxy else {
            continue;
        };
        let mut problems: Vec<String> = against_api("kube-proxy", proxy, api).into_iter().collect();
        if let Some(problem) = node.kubelet.and_then(|k| against_kubelet(proxy, k)) {
            problems.push(problem);
        }
        if !problems.is_empty() {
            out.on(node.index).at(
                KUBE_PROXY_VERSION.into(),
                format!("Node {name}: {}", problems.join("; ")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> KubeVersion {
        KubeVersion::parse(s).unwrap()
    }

    #[test]
    fn skew_bounds_follow_the_policy() {
        let api = v("v1.35.2");
        assert!(against_api("kubelet", v("v1.32.0"), api).is_none());
        assert!(against_api("kubelet", v("v1.31.9"), api).is_some());
        assert!(against_api("kubelet", v("v1.36.0"), api).is_some());
        assert!(against_api("kubelet", v("v1.35.9"), api).is_none());
        // Kubelets older than 1.25 may only be two minors behind.
        let api = v("v1.26.0");
        assert!(against_api("kubelet", v("v1.24.3"), api).is_none());
        assert!(against_api("kubelet", v("v1.23.3"), api).is_some());
        let api = v("v1.27.0");
        assert!(against_api("kubelet", v("v1.24.3"), api).is_some());
        // kube-proxy: never newer than the API server.
        let api = v("v1.35.9");
        assert!(against_api("kube-proxy", v("v1.36.0"), api).is_some());
        assert!(against_api("kube-proxy", v("v1.35.9"), api).is_none());
        assert!(against_api("kube-proxy", v("v1.32.0"), api).is_none());
        assert!(against_api("kube-proxy", v("v1.31.9"), api).is_some());
    }

    #[test]
    fn kube_proxy_stays_within_three_minors_of_its_kubelet() {
        // Exactly three apart, either way: allowed; four: not.
        assert!(against_kubelet(v("v1.32.13"), v("v1.35.9")).is_none());
        assert!(against_kubelet(v("v1.35.9"), v("v1.32.13")).is_none());
        assert!(against_kubelet(v("v1.31.14"), v("v1.35.9")).is_some());
        assert!(against_kubelet(v("v1.35.9"), v("v1.31.14")).is_some());
        // kube-proxy older than v1.25: two.
        assert!(against_kubelet(v("v1.24.17"), v("v1.26.0")).is_none());
        assert!(against_kubelet(v("v1.24.17"), v("v1.27.0")).is_some());
    }
}
