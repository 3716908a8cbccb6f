use crate::support::workloads;
use rampart_core::node::{pointer, push_index};
use rampart_core::rule::{Category, ParamDefault, ParamSpec};
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

use crate::support::workloads::{Taint, is_blanket_toleration, is_sensitive, tolerates};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "tolerates-dedicated-taint",
        title: "Non-sensitive workload may run on dedicated nodes",
        severity: Severity::Medium,
        category: Category::Segregation,
        enabled_by_default: false,
        rationale: "Nodes dedicated to sensitive workloads are tainted so that nothing else \
lands on them. A workload that is not sensitive but tolerates that taint, or tolerates every \
taint (`operator: Exists` with no key), can be scheduled next to the sensitive pods and share \
their kernel, kubelet and disks, which is exactly what dedicating the nodes was meant to \
prevent. Toleration matching follows the scheduler exactly (empty effect matches every effect, \
empty key with `Exists` every taint, `Equal` compares values, `Lt`/`Gt` integers). Uses the same parameters as \
`sensitive-workload-placement` to tell sensitive workloads apart and to name the taint. \
DaemonSets are skipped unless `ignore-daemonsets` is false: node agents (log shippers, CNI, \
monitoring) are meant to run on every node, dedicated ones included. Off until configured.",
        remediation: r#"Tolerate only the taints the workload needs, by key:

```yaml
tolerations:
- key: node.kubernetes.io/not-ready
  operator: Exists
  effect: NoExecute
  tolerationSeconds: 300
```"#,
        references: &[],
        params: &[
            workloads::SENSITIVE_SELECTOR,
            workloads::SENSITIVE_NAMESPACES,
            workloads::DEDICATED_TAINT,
            ParamSpec {
                name: "ignore-daemonsets",
                description: "Skip DaemonSets, whose pods are meant to run on every node.",
                default: ParamDefault::Bool(true),
            },
        ],
        pss: None,
    },
    check: Check::Workload(check),
};

fn check(ctx: &Ctx, workload: &Workload, out: &mut Emitter) {
    if ctx.params.bool("ignore-daemonsets") && ctx.object.kind() == "DaemonSet" {
        return;
    }
    if is_sensitive(ctx, workload) {
        return;
    }
    let taint = Taint::parse(ctx.params.str("dedicated-taint"));
    for (i, t) in workload.spec.tolerations.iter().flatten().enumerate() {
        let message = if is_blanket_toleration(t) {
            match t.effect.as_deref().filter(|e| !e.is_empty()) {
                Some(effect) => format!(
                    "toleration {i} tolerates every taint with effect {effect} (operator Exists, no key), dedicated nodes' included"
                ),
                None => format!(
                    "toleration {i} tolerates every taint (operator Exists, no key), dedicated nodes' included"
                ),
            }
        } else if let Some(taint) = taint.as_ref().filter(|taint| tolerates(t, taint)) {
            format!("toleration {i} tolerates the dedicated nodes' taint {taint}, but the workload is not sensitive")
        } else {
            continue;
        };
        let mut p = pointer(workload.path.spec, &["tolerations"]);
        push_index(&mut p, i);
        out.at(p, message);
    }
}

#[cfg(test)]
mod tests {
    use crate::support::images::run_rule;

    const MANIFESTS: &str = r#"
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: logs, namespace: logging}
spec:
  selector: {matchLabels: {app: logs}}
  template:
    metadata: {labels: {app: logs}}
    spec:
      tolerations: [{operator: Exists}]
      containers: [{name: shipper, image: shipper:1.0}]
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: vault}
spec:
  tolerations: [{key: pool, operator: Exists, effect: NoExecute}]
  containers: [{name: db, image: db:1.0}]
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  tolerations: [{key: pool, operator: Equal, value: secure, effect: NoExecute}]
  containers: [{name: web, image: web:1.0}]
"#;

    fn objects(config: &str) -> Vec<String> {
        run_rule(&super::RULE, config, None, MANIFESTS)
            .into_iter()
            .map(|(_, m)| m)
            .collect()
    }

    #[test]
    fn parameters_select_workloads_and_taint() {
        let config = "rules:\n  tolerates-dedicated-taint:\n    params:\n      ignore-daemonsets: false\n      sensitive-namespaces: [vault]\n      dedicated-taint: pool=secure:NoExecute\n";
        let found = objects(config);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].contains("tolerates every taint"));
        assert!(found[1].contains("pool=secure:NoExecute"));
        // The default taint is another one, and DaemonSets are skipped.
        assert!(objects("{}").is_empty());
    }
}
