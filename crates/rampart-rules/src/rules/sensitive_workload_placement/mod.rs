use crate::support::workloads;
use rampart_core::node::pointer;
use rampart_core::rule::{Category, ParamDefault, ParamSpec};
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

use crate::support::workloads::{NodeLabel, Taint, is_sensitive, requires_node_label, tolerates};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "sensitive-workload-placement",
        title: "Sensitive workload is not pinned to dedicated nodes",
        severity: Severity::Medium,
        category: Category::Segregation,
        enabled_by_default: false,
        rationale: "Containers on one node share its kernel, kubelet and disks: a container \
escape, a kernel bug or a noisy neighbour in any pod there reaches every other pod on the \
node. Workloads that handle sensitive data (payment, keys, personal data) are therefore run on \
nodes dedicated to them: the nodes carry a taint that keeps other pods away and a label the \
sensitive pods select. A sensitive workload must both require the label (through \
`nodeSelector`, or through required node affinity in which every alternative term requires \
it) and tolerate the taint, or it may land on shared nodes or fail to schedule. Toleration \
matching follows the scheduler exactly: an empty effect matches every effect, an empty key \
with `Exists` every taint, `Equal` compares values, `Lt`/`Gt` compare integers. Configure which workloads are sensitive \
(`sensitive-selector`: labels of the pod template or of the workload, `key=value` or `key`, any \
one matching; `sensitive-namespaces`), the taint of the dedicated nodes (`dedicated-taint`, \
`key=value:effect`, effect `NoSchedule` when omitted; empty to skip the toleration check) and \
their label (`dedicated-node-label`, `key=value` or `key`; empty to skip the placement check). \
Off until configured; the defaults describe a `dedicated=sensitive` convention.",
        remediation: r#"Select the dedicated nodes and tolerate their taint:

```yaml
spec:
  template:
    spec:
      nodeSelector:
        dedicated: sensitive
      tolerations:
      - key: dedicated
        operator: Equal
        value: sensitive
        effect: NoSchedule
```"#,
        references: &[],
        params: &[
            workloads::SENSITIVE_SELECTOR,
            workloads::SENSITIVE_NAMESPACES,
            workloads::DEDICATED_TAINT,
            ParamSpec {
                name: "dedicated-node-label",
                description: "Label of the dedicated nodes, `key=value` or `key`.",
                default: ParamDefault::Str("dedicated=sensitive"),
            },
        ],
        pss: None,
    },
    check: Check::Workload(check),
};

fn check(ctx: &Ctx, workload: &Workload, out: &mut Emitter) {
    if !is_sensitive(ctx, workload) {
        return;
    }
    let spec = &workload.spec;
    if let Some(label) = NodeLabel::parse(ctx.params.str("dedicated-node-label")) {
        if !requires_node_label(spec, &label) {
            out.at(
                pointer(workload.path.spec, &["nodeSelector"]),
                format!(
                    "sensitive workload is not pinned to the dedicated nodes: neither its nodeSelector nor its required node affinity requires {label}"
                ),
            );
        }
    }
    if let Some(taint) = Taint::parse(ctx.params.str("dedicated-taint")) {
        if !spec.tolerations.iter().flatten().any(|t| tolerates(t, &taint)) {
            out.at(
                pointer(workload.path.spec, &["tolerations"]),
                format!(
                    "sensitive workload does not tolerate the dedicated nodes' taint {taint}, so it cannot run on them"
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::support::images::run_rule;

    const MANIFESTS: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: vault}
spec:
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchExpressions: [{key: pool, operator: Exists}]
  containers: [{name: db, image: db:1.0}]
---
apiVersion: v1
kind: Pod
metadata: {name: cache, namespace: vault}
spec:
  nodeSelector: {pool: general}
  containers: [{name: cache, image: cache:1.0}]
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {tier: secure}}
spec:
  nodeName: node-1
  containers: [{name: web, image: web:1.0}]
"#;

    #[test]
    fn namespaces_key_only_labels_and_no_taint() {
        let config = "rules:\n  sensitive-workload-placement:\n    params:\n      sensitive-selector: [tier]\n      sensitive-namespaces: [vault]\n      dedicated-node-label: pool\n      dedicated-taint: \"\"\n";
        let found: Vec<String> = run_rule(&super::RULE, config, None, MANIFESTS)
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        // `cache` requires the key with any value; only `web`, placed by
        // nodeName, is not pinned by label.
        assert_eq!(found, ["/spec/nodeSelector"], "{found:?}");
    }

    #[test]
    fn value_labels_need_matching_values() {
        let config = "rules:\n  sensitive-workload-placement:\n    params:\n      sensitive-namespaces: [vault]\n      dedicated-node-label: pool=secure\n      dedicated-taint: \"\"\n";
        assert_eq!(run_rule(&super::RULE, config, None, MANIFESTS).len(), 2);
    }
}
