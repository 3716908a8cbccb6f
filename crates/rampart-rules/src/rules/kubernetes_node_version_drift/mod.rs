use rampart_core::cluster::KubeVersion;
use rampart_core::rule::Category;
use rampart_core::{Check, InventoryCtx, Reporter, Rule, RuleMeta, Severity};

use crate::support::cluster::{KUBELET_VERSION, nodes};
use crate::support::refs;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "kubernetes-node-version-drift",
        title: "Node runs an older kubelet than other nodes of the cluster",
        severity: Severity::Low,
        category: Category::Lifecycle,
        enabled_by_default: true,
        rationale: "After a patch or minor upgrade every node should run the same kubelet. Nodes \
left behind — a node pool missed by the rollout, a node that failed to drain, a hand-built \
machine — keep the vulnerabilities the upgrade fixed, and a fleet of mixed versions hides them: \
the cluster looks upgraded because most of it is. The rule compares the kubelet versions the Nodes \
report (`status.nodeInfo.kubeletVersion`, patch level included) and reports each Node below the \
newest version present, naming it. It is the check that an upgrade reached every node. Provider \
suffixes (`-eks-…`) are ignored; nodes whose version does not parse are left out. Supported skew \
against the control plane is `kubernetes-version-skew`'s concern.",
        remediation: r#"Upgrade the nodes left behind to the version the others run: drain each (`kubectl drain NODE --ignore-daemonsets`), upgrade the kubelet (or replace the node from an up-to-date image or node pool), and uncordon it. For managed node groups, roll the group to the current version, for instance with Cluster API:

```yaml
apiVersion: cluster.x-k8s.io/v1beta1
kind: MachineDeployment
spec:
  template:
    spec:
      version: v1.35.9
```"#,
        references: &[refs::NSA_UPGRADING],
        params: &[],
        pss: None,
    },
    check: Check::Inventory(check),
};

fn key(v: KubeVersion) -> (u32, u32, u32) {
    (v.major, v.minor, v.patch.unwrap_or(0))
}

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    let versioned: Vec<_> = nodes(ctx.inventory)
        .filter_map(|n| n.kubelet.map(|v| (n, v)))
        .collect();
    let Some(newest) = versioned.iter().map(|(_, v)| *v).max_by_key(|v| key(*v)) else {
        return;
    };
    let up_to_date = versioned
        .iter()
        .filter(|(_, v)| key(*v) == key(newest))
        .count();
    for (node, v) in &versioned {
        if key(*v) < key(newest) {
            out.on(node.index).at(
                KUBELET_VERSION.into(),
                format!(
                    "Node {} runs kubelet {v}, older than {newest} which {up_to_date} of the {} nodes run",
                    node.object.name(),
                    versioned.len()
                ),
            );
        }
    }
}
