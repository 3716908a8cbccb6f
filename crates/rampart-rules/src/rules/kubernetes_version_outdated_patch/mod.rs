use rampart_core::cluster::KubeVersion;
use rampart_core::rule::Category;
use rampart_core::{Check, InventoryCtx, Reporter, Rule, RuleMeta, Severity};
use rampart_releases::{Data, Date, KnownPatch, Line};

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
patch of the same line that was out on the day of the scan (the ClusterInfo's `collectedAt`) as \
far as the release data rampart embeds knows (`rampart data`), and names that patch. A snapshot is \
judged as of its own day, never the clock: a patch released after the scan is not held against it, \
and a scan older than every patch the data dates for its line (or without a readable \
`collectedAt`) is not judged. A version newer than the data knows is not reported, nor is a line \
the data does not list; provider suffixes (`-eks-…`, `-gke.…`, `+k3s1`) are ignored, so a \
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

/// The newest patch of `v`'s line out on `on` when `v` is behind it.
fn behind(data: &Data, v: KubeVersion, on: Date) -> Option<KnownPatch> {
    let newest = data.newest_patch_on(Line::of(v), on)?;
    (v.patch? < newest.version.patch?).then_some(newest)
}

/// `v1.35.9 (released 2026-09-15)`, or the bare version when the data has
/// no release date for it.
fn describe(p: KnownPatch) -> String {
    match p.released {
        Some(d) => format!("{} (released {d})", p.version),
        None => p.version.to_string(),
    }
}

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    let Some(scan) = Scan::of(ctx.inventory) else {
        return;
    };
    let Some(date) = scan.date else {
        return;
    };
    let data = Data::embedded();
    let known = data
        .releases_updated()
        .map(|d| d.to_string())
        .unwrap_or_default();
    if let Some(v) = scan.version {
        if let Some(newest) = behind(data, v, date) {
            out.on(scan.index).at(
                SERVER_VERSION.into(),
                format!(
                    "The control plane runs Kubernetes {v}, behind {}, the newest {} patch release out \
                     on the day of the scan ({date}) that rampart's release data ({known}) knows of",
                    describe(newest),
                    Line::of(v)
                ),
            );
        }
    }
    for node in nodes(ctx.inventory) {
        let Some(v) = node.kubelet else { continue };
        if let Some(newest) = behind(data, v, date) {
            out.on(node.index).at(
                KUBELET_VERSION.into(),
                format!(
                    "Node {}: kubelet {v} is behind {}, the newest {} patch release out on the day \
                     of the scan ({date}) that rampart's release data ({known}) knows of",
                    node.object.name(),
                    describe(newest),
                    Line::of(v)
                ),
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

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn judged_against_the_patches_out_on_the_day_of_the_scan() {
        let data = Data::embedded();
        let at = |version: &str, day: &str| behind(data, v(version), d(day)).map(describe);
        // After the latest patch came out: behind it.
        assert_eq!(
            at("v1.35.3", "2026-11-24").as_deref(),
            Some("v1.35.9 (released 2026-09-15)")
        );
        // The day before it came out: only behind the patches out then.
        assert_eq!(at("v1.35.8", "2026-09-14"), None);
        assert_eq!(
            at("v1.35.7", "2026-09-14").as_deref(),
            Some("v1.35.8 (released 2026-08-11)")
        );
        // Before every patch the data dates for the line: not judged.
        assert_eq!(at("v1.35.0", "2026-01-01"), None);
        assert_eq!(at("v1.29.3", "2025-01-01"), None);
        // A latest patch without a date counts from the data's date.
        assert_eq!(at("v1.34.10", "2026-09-01"), None);
        assert_eq!(at("v1.34.10", "2026-09-15").as_deref(), Some("v1.34.11"));
        // Newer than the data knows, or current: nothing to say.
        assert_eq!(at("v1.35.10", "2026-11-24"), None);
        assert_eq!(at("v1.35.9-eks-3025e55", "2026-11-24"), None);
    }
}
