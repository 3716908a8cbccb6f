//! What a cluster read says about versions: the `ClusterInfo` object
//! (server version, when it was read) and the versions each Node reports
//! in `status.nodeInfo`. Shared by the lifecycle rules and `rampart
//! versions`.

use rampart_core::cluster::{ClusterInfo, KubeVersion};
use rampart_core::node::Node;
use rampart_core::{Inventory, Object};

use crate::{Data, Date};

/// JSON pointer of the API server's version in a ClusterInfo object.
pub const SERVER_VERSION: &str = "/serverVersion/gitVersion";

/// The scanned cluster: its ClusterInfo object's index, the facts, the API
/// server's version and the day of the scan.
pub struct Scan {
    pub index: usize,
    pub info: ClusterInfo,
    pub version: Option<KubeVersion>,
    pub date: Option<Date>,
}

impl Scan {
    pub fn of(inventory: &Inventory) -> Option<Scan> {
        let (index, info) = ClusterInfo::of(inventory)?;
        let version = info.version();
        let date = Date::of_timestamp(&info.collected_at);
        Some(Scan {
            index,
            info,
            version,
            date,
        })
    }
}

/// The lines supported (or in maintenance) on `date`, newest first.
pub fn supported_lines(data: &Data, date: Date) -> String {
    let lines: Vec<String> = data
        .releases()
        .iter()
        .filter(|r| r.released.is_none_or(|d| d <= date) && date < r.end_of_life)
        .map(|r| r.line.to_string())
        .collect();
    if lines.is_empty() {
        "see https://kubernetes.io/releases/".to_string()
    } else {
        lines.join(", ")
    }
}

/// One Node's reported versions.
pub struct NodeVersions<'a> {
    pub index: usize,
    pub object: &'a Object,
    pub kubelet: Option<KubeVersion>,
    /// `None` when the field is empty: kubelets stopped filling
    /// `kubeProxyVersion` (KEP-4004), so its absence says nothing.
    pub kube_proxy: Option<KubeVersion>,
    /// `status.nodeInfo.operatingSystem`, else the `kubernetes.io/os` label.
    pub os: Option<&'a str>,
}

pub const KUBELET_VERSION: &str = "/status/nodeInfo/kubeletVersion";
pub const KUBE_PROXY_VERSION: &str = "/status/nodeInfo/kubeProxyVersion";

/// Every Node of the inventory with what it reports.
pub fn nodes(inventory: &Inventory) -> impl Iterator<Item = NodeVersions<'_>> {
    inventory
        .of_kind_indexed("Node")
        .filter(|(_, o)| o.group().is_empty())
        .map(|(index, object)| {
            let info = object.root.path(&["status", "nodeInfo"]);
            let field = |f: &str| info.and_then(|i| i.get(f)).and_then(Node::as_str);
            let version = |f: &str| {
                field(f)
                    .and_then(KubeVersion::parse)
                    // v0.0.0 is what some kubelets write for "unknown".
                    .filter(|v| (v.major, v.minor) != (0, 0))
            };
            NodeVersions {
                index,
                object,
                kubelet: version("kubeletVersion"),
                kube_proxy: version("kubeProxyVersion"),
                os: field("operatingSystem")
                    .filter(|s| !s.is_empty())
                    .or_else(|| object.label("kubernetes.io/os")),
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn supported_lines_are_those_released_and_not_past_end_of_life() {
        let data = Data::embedded();
        let on = |s: &str| supported_lines(data, Date::parse(s).unwrap());
        assert_eq!(on("2026-11-24"), "1.37, 1.36, 1.35");
        // 1.34's end-of-life day: past it.
        assert_eq!(on("2026-10-27"), "1.37, 1.36, 1.35");
        assert_eq!(on("2026-10-26"), "1.37, 1.36, 1.35, 1.34");
        // Old snapshots: lines not yet released are not offered.
        assert_eq!(on("2020-07-01"), "1.18, 1.17, 1.16");
        assert_eq!(on("2016-12-01"), "1.4");
        assert_eq!(on("2015-01-01"), "see https://kubernetes.io/releases/");
    }
}
