//! `rampart versions`: the lifecycle rules over a cluster (live or a
//! snapshot) or manifests, with a table of every component's version above
//! the text report.

use std::fmt::Write;

use rampart_core::Inventory;
use rampart_core::cluster::KubeVersion;
use rampart_releases::cluster::{Scan, nodes};
use rampart_releases::{Component, Data, Date, Line, Support};

use crate::cli::{ScanArgs, VersionsArgs};

pub fn run(args: VersionsArgs) -> u8 {
    let mut report = args.report;
    if report.rules.is_empty() {
        report.rules = rampart_rules::all()
            .iter()
            .filter(|r| {
                r.meta.category == rampart_core::Category::Lifecycle
                    || r.meta.id == "deprecated-api-version"
            })
            .map(|r| r.meta.id.to_string())
            .collect();
    }
    let scan = ScanArgs {
        target_version: args.target_version,
        data_age: args.data_age,
        ..ScanArgs::narrowed(
            args.inputs.paths,
            args.inputs.filenames,
            args.cluster,
            report,
        )
    };
    crate::scan::run_with(scan, Vec::new(), None, Some(table))
}

/// One row per component: control plane, then each node's kubelet and
/// kube-proxy.
fn table(inventory: &Inventory) -> String {
    let data = Data::embedded();
    let Some(scan) = Scan::of(inventory) else {
        return "No cluster facts in the input (no ClusterInfo: read a cluster with --cluster or a snapshot directory); only API versions are judged.\n\n".to_string();
    };
    let mut rows: Vec<[String; 5]> = vec![[
        "COMPONENT".into(),
        "VERSION".into(),
        "SUPPORT".into(),
        "LATEST PATCH".into(),
        "KNOWN CVES".into(),
    ]];
    let mut row =
        |name: String, components: &[Component], v: Option<KubeVersion>, os: Option<&str>| {
            let Some(v) = v else {
                rows.push([
                    name,
                    "unknown".into(),
                    String::new(),
                    String::new(),
                    String::new(),
                ]);
                return;
            };
            let support = scan
                .date
                .map_or_else(String::new, |d| describe(data.support(v, d)));
            let latest = data
                .latest_patch(Line::of(v))
                .map_or_else(String::new, |l| {
                    if l.patch <= v.patch {
                        format!("{l} (current)")
                    } else {
                        l.to_string()
                    }
                });
            let mut ids: Vec<String> = components
                .iter()
                .flat_map(|c| data.cves(*c, v, os))
                .map(|m| match m.fixed {
                    Some(_) => m.cve.id.clone(),
                    None => format!("{} (no fix)", m.cve.id),
                })
                .collect();
            ids.sort_unstable();
            ids.dedup();
            let cves = if ids.is_empty() {
                "none known".to_string()
            } else {
                ids.join(", ")
            };
            rows.push([name, v.to_string(), support, latest, cves]);
        };
    row(
        "control plane".into(),
        &Component::CONTROL_PLANE,
        scan.version,
        None,
    );
    for n in nodes(inventory) {
        row(
            format!("{} kubelet", n.object.name()),
            &[Component::Kubelet],
            n.kubelet,
            n.os,
        );
        if n.kube_proxy.is_some() {
            row(
                format!("{} kube-proxy", n.object.name()),
                &[Component::KubeProxy],
                n.kube_proxy,
                n.os,
            );
        }
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Kubernetes versions of {} (read {}; release data of {})\n",
        scan.info.server,
        scan.info.collected_at,
        data.releases_updated()
            .map_or_else(|| "unknown".to_string(), |d: Date| d.to_string())
    );
    let widths: Vec<usize> = (0..4)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    for r in &rows {
        for (i, w) in widths.iter().enumerate() {
            let _ = write!(out, "{:<w$}  ", r[i], w = w);
        }
        let _ = writeln!(out, "{}", r[4]);
    }
    out.push('\n');
    out
}

fn describe(s: Support) -> String {
    match s {
        Support::Supported { end_of_life, .. } => format!("supported until {end_of_life}"),
        Support::Maintenance { until, .. } => format!("maintenance only, until {until}"),
        Support::EndOfLife { since } => format!("END OF LIFE since {since}"),
        Support::Unknown => "newer than rampart's data".into(),
    }
}
