use rampart_core::cluster::KubeVersion;
use rampart_core::rule::Category;
use rampart_core::{Check, InventoryCtx, Reporter, Rule, RuleMeta, Severity};
use rampart_releases::{Data, Line};

use crate::support::cluster::{KUBELET_VERSION, SERVER_VERSION, Scan, nodes};
use crate::support::refs;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "kubernetes-version-outdated-patch",
        title: "Control plane or kubelet behind the latest patch release of its line",
        severity: Severity::Medium,
        category: Category::Lifecycle,
        enabled_by_default: true,
        rationale: "Security fixes for a Kubernetes release line ship as patch releases (v1.35.8 \
→ v1.35.9); a cluster on an older patch of a supported line keeps vulnerabilities that are already \
fixed and published. The rule compares the API server's version (from the ClusterInfo object of a \
cluster scan) and each Node's kubelet version (`status.nodeInfo.kubeletVersion`) with the newest \
patch of the same line known to the release data rampart embeds, and names that patch and the \
date of the data (`rampart data`). A version newer than the data knows is not reported, nor is a \
line the data does not list; provider suffixes (`-eks-…`, `-gke.…`, `+k3s1`) are ignored, so a \
provider build is compared by its upstream patch number. Inventories without a ClusterInfo (plain \
manifests) are not judged. Which known CVEs the older patch carries is `kubernetes-known-cve`'s to say.",
        remediation: r#"Upgrade the control plane to the latest patch of its line, then drain and upgrade each node's kubelet (patch upgrades within a line need no order beyond control plane first). kubeadm:

```yaml
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v1.35.9
```

`kubeadm upgrade apply v1.35.9`, then `kubeadm upgrade node` and the kubelet package on every node."#,
        references: &[refs::NSA_UPGRADING],
        params: &[],
        pss: None,
    },
    check: Check::Inventory(check),
};

/// The newest patch of `v`'s line when `v` is behind it.
fn behind(data: &Data, v: KubeVersion) -> Option<KubeVersion> {
    let latest = data.latest_patch(Line::of(v))?;
    (v.patch? < latest.patch?).then_some(latest)
}

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    let Some(scan) = Scan::of(ctx.inventory) else {
        return;
    };
    let data = Data::embedded();
    let known = data
        .releases_updated()
        .map(|d| d.to_string())
        .unwrap_or_default();
    if let Some(v) = scan.version {
        if let Some(latest) = behind(data, v) {
            out.on(scan.index).at(
                SERVER_VERSION.into(),
                format!(
                    "The control plane runs Kubernetes {v}, behind {latest}, the latest {} patch release \
                     known to rampart's release data ({known})",
                    Line::of(v)
                ),
            );
        }
    }
    for node in nodes(ctx.inventory) {
        let Some(v) = node.kubelet else { continue };
        if let Some(latest) = behind(data, v) {
            out.on(node.index).at(
                KUBELET_VERSION.into(),
                format!(
                    "Node {}: kubelet {v} is behind {latest}, the latest {} patch release known to \
                     rampart's release data ({known})",
                    node.object.name(),
                    Line::of(v)
                ),
            );
        }
    }
}
