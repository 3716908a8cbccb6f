use rampart_core::rule::Category;
use rampart_core::{Check, InventoryCtx, Reporter, Rule, RuleMeta, Severity};
use rampart_releases::{Data, Line, Support};

use crate::support::cluster::{SERVER_VERSION, Scan, supported_lines};
use crate::support::refs;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "kubernetes-version-unsupported",
        title: "Control plane runs a Kubernetes release past its end of life",
        severity: Severity::High,
        category: Category::Lifecycle,
        enabled_by_default: true,
        rationale: "Kubernetes patches only its three newest release lines, each for about \
fourteen months. Once a line reaches end of life, vulnerabilities found in it are no longer \
fixed: the official CVE announcements list fixed versions only for supported lines. The rule \
reads the API server's version and the time of the scan from the ClusterInfo object a cluster \
scan records (`rampart scan --cluster`, or a snapshot of one) and reports the control plane \
when, on the day of the scan, its line is past the end-of-life date of the Kubernetes release \
calendar that rampart embeds (`rampart data` shows its date and sources), which goes back to \
v1.2; older lines are reported as past end of life before v1.2's. The scan's date is \
used, never the clock, so a snapshot is judged the same whenever it is read. A line newer than \
the embedded calendar is not reported; plain manifests, which carry no ClusterInfo, are never \
reported. Lines in maintenance mode are reported by `kubernetes-version-maintenance`. Managed \
offerings (EKS, GKE, AKS) sell extended support for some lines; upstream fixes still stop.",
        remediation: r#"Upgrade the control plane one minor version at a time to a supported line, then the nodes (kubelets may lag the API server by up to three minor versions, so nodes can follow). With kubeadm:

```yaml
# kubeadm ClusterConfiguration for the next minor version
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v1.35.9
```

then `kubeadm upgrade apply v1.35.9` on the first control plane node. Managed clusters: upgrade the control plane version in the provider's console or API."#,
        references: &[refs::NSA_UPGRADING],
        params: &[],
        pss: None,
    },
    check: Check::Inventory(check),
};

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    let Some(scan) = Scan::of(ctx.inventory) else {
        return;
    };
    let (Some(version), Some(date)) = (scan.version, scan.date) else {
        return;
    };
    let data = Data::embedded();
    if let Support::EndOfLife { since } = data.support(version, date) {
        let line = Line::of(version);
        // A line older than the calendar: `since` is the end of life of
        // the oldest line listed, which this one reached no later than.
        let when = if data.release(line).is_some() {
            format!("on {since}")
        } else {
            format!("before {since}")
        };
        out.on(scan.index).at(
            SERVER_VERSION.into(),
            format!(
                "The control plane runs Kubernetes {version}: the {line} line reached end of life {when} \
                 and gets no security fixes (scanned {date}); upgrade to a supported line ({})",
                supported_lines(data, date)
            ),
        );
    }
}
