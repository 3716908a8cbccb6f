use std::collections::BTreeMap;

use rampart_core::cluster::KubeVersion;
use rampart_core::rule::{Category, ParamDefault, ParamSpec};
use rampart_core::{Check, Emitter, InventoryCtx, Reporter, Rule, RuleMeta, Severity};
use rampart_releases::{Component, CveMatch, Data, Line, Rating};

use crate::support::cluster::{KUBE_PROXY_VERSION, KUBELET_VERSION, SERVER_VERSION, Scan, nodes};
use crate::support::refs;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "kubernetes-known-cve",
        title: "Kubernetes component version affected by a known CVE",
        severity: Severity::High,
        category: Category::Lifecycle,
        enabled_by_default: true,
        rationale: "The Kubernetes Security Response Committee publishes every vulnerability of \
Kubernetes itself with the versions it affects and the patch releases that fix it (the official \
CVE feed). rampart embeds those of the components whose version a cluster scan records (`rampart \
data` lists them, with their date and sources): kube-apiserver, kube-controller-manager and \
kube-scheduler are judged at the API server's version from the ClusterInfo object (kubeadm and \
managed control planes run them at one version), kubelet and kube-proxy at each Node's \
`status.nodeInfo` versions, and CVEs that affect only Windows nodes only on Nodes whose \
`operatingSystem` is `windows`. One finding is reported per CVE and object, naming the CVE, what \
it allows, its CVSS score and the version to upgrade to: a patch of the same line, the first line \
with a fix when the line got none. CVEs that no version fixes — design flaws such as \
CVE-2020-8554 (Service externalIPs) or CVE-2021-25740 (Endpoints across namespaces) — affect every \
cluster whatever its version, and their mitigations are not visible in the versions: they are reported only with the `report-unfixed` parameter, with the \
announced mitigation in the message. A finding's severity is the rule's (high) for every CVE: the CVSS rating is in the message, and the \
`min-cvss-rating` parameter leaves out CVEs rated below it. Whether a cluster is exploitable often \
depends on a feature being used (in-tree volume plugins, admission plugins, Windows nodes); the \
announcement linked in the message says when. Add-ons (ingress-nginx, CSI drivers) and kubectl are \
not covered: rampart does not see their versions. Provider builds (`-eks-…`, `-gke.…`) are judged \
by their upstream patch number; providers sometimes backport fixes to older patches, which this \
cannot see. Inventories without a ClusterInfo are not judged.",
        remediation: r#"Upgrade the component to the fixed version the message names (control plane first, then each node's kubelet and kube-proxy), or apply the announced mitigation until you can. For example, for CVE-2020-8554 (no fix), refuse Service externalIPs with the DenyServiceExternalIPs admission plugin:

```yaml
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
apiServer:
  extraArgs:
  - name: enable-admission-plugins
    value: NodeRestriction,DenyServiceExternalIPs
```"#,
        references: &[refs::NSA_UPGRADING],
        params: &[
            ParamSpec {
                name: "min-cvss-rating",
                description: "Report only CVEs rated at least this: `low`, `medium`, `high` or `critical`.",
                default: ParamDefault::Str("low"),
            },
            ParamSpec {
                name: "report-unfixed",
                description: "Also report CVEs that no version fixes (such as CVE-2020-8554), which every cluster has until their mitigation is in place.",
                default: ParamDefault::Bool(false),
            },
        ],
        pss: None,
    },
    check: Check::Inventory(check),
};

fn advice(m: &CveMatch, version: KubeVersion) -> String {
    match m.fixed {
        Some(f) if m.fixed_on_line(version) => format!("fixed in {f}"),
        Some(f) => format!(
            "no fix on the {} line; first fixed in {f} (the {} line)",
            Line::of(version),
            Line::of(f)
        ),
        None => match &m.cve.mitigation {
            Some(mit) => format!("no fixed version; mitigate: {mit}"),
            None => "no fixed version".to_string(),
        },
    }
}

fn report(out: &mut Emitter, pointer: &str, what: &str, version: KubeVersion, m: &CveMatch) {
    let cve = m.cve;
    let message = format!(
        "{} ({}, CVSS {:.1} {}) affects {what}: {} {}; see {}",
        cve.id,
        cve.components
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join("/"),
        cve.cvss_score,
        cve.rating().as_str(),
        cve.summary,
        capitalize(&advice(m, version)),
        cve.url,
    );
    out.at_stable(
        pointer.to_string(),
        &format!("{pointer}#{}", cve.id),
        message,
    );
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    let Some(scan) = Scan::of(ctx.inventory) else {
        return;
    };
    let data = Data::embedded();
    let min = Rating::parse(ctx.params.str("min-cvss-rating")).unwrap_or(Rating::Low);
    let unfixed = ctx.params.bool("report-unfixed");
    let keep = |m: &CveMatch| m.cve.rating() >= min && (unfixed || m.fixed.is_some());
    if let Some(v) = scan.version {
        // One finding per CVE, whichever control plane components it names.
        let mut found: BTreeMap<&str, CveMatch> = BTreeMap::new();
        for c in Component::CONTROL_PLANE {
            for m in data.cves(c, v, None).into_iter().filter(keep) {
                found.entry(m.cve.id.as_str()).or_insert(m);
            }
        }
        let emitter = out.on(scan.index);
        for m in found.values() {
            report(
                emitter,
                SERVER_VERSION,
                &format!("the control plane at {v}"),
                v,
                m,
            );
        }
    }
    for node in nodes(ctx.inventory) {
        let name = node.object.name().to_string();
        let mut found: BTreeMap<&str, (&str, String, KubeVersion, CveMatch)> = BTreeMap::new();
        let sources = [
            (Component::Kubelet, node.kubelet, KUBELET_VERSION),
            (Component::KubeProxy, node.kube_proxy, KUBE_PROXY_VERSION),
        ];
        for (component, version, pointer) in sources {
            let Some(v) = version else { continue };
            for m in data.cves(component, v, node.os).into_iter().filter(keep) {
                found.entry(m.cve.id.as_str()).or_insert((
                    pointer,
                    format!("{} {v} on Node {name}", component.as_str()),
                    v,
                    m,
                ));
            }
        }
        let emitter = out.on(node.index);
        for (pointer, what, v, m) in found.values() {
            report(emitter, pointer, what, *v, m);
        }
    }
}
