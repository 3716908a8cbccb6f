use rampart_core::rule::Category;
use rampart_core::{Check, InventoryCtx, Reporter, Rule, RuleMeta, Severity};
use rampart_releases::{Data, Line, Support};

use crate::support::cluster::{SERVER_VERSION, Scan, supported_lines};
use crate::support::refs;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "kubernetes-version-maintenance",
        title: "Control plane runs a Kubernetes release in maintenance mode",
        severity: Severity::Low,
        category: Category::Lifecycle,
        enabled_by_default: true,
        rationale: "About two months before its end of life a Kubernetes release line enters \
maintenance mode: it still gets critical and security fixes, nothing else, and then stops. A \
control plane on such a line has weeks left to be upgraded before `kubernetes-version-unsupported` \
applies. The rule reads the API server's version and the scan time from the ClusterInfo object a \
cluster scan records and judges them against the release calendar rampart embeds (`rampart \
data`), on the day of the scan, never the clock. It is a separate, low-severity rule because a \
finding's severity is its rule's: the message names the end-of-life date. Lines whose maintenance \
start the calendar does not give, lines newer than the calendar and plain manifests are not \
reported.",
        remediation: r#"Plan the upgrade to the next minor version before the end-of-life date the message names; upgrade the control plane first, then the nodes:

```yaml
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v1.36.4
```"#,
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
    if let Support::Maintenance { since, until } = data.support(version, date) {
        let line = Line::of(version);
        out.on(scan.index).at(
            SERVER_VERSION.into(),
            format!(
                "The control plane runs Kubernetes {version}: the {line} line is in maintenance mode since {since} \
                 (critical and security fixes only) and reaches end of life on {until} (scanned {date}); \
                 plan the upgrade to a newer line ({})",
                supported_lines(data, date)
            ),
        );
    }
}
