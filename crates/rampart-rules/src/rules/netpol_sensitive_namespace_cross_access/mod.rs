use rampart_core::rule::Category;
use rampart_core::{Check, InventoryCtx, Reporter, Rule, RuleMeta, Severity};
use rampart_netpol::{Direction, Namespace, Peer};

use crate::support::netpol::{self, Analysis};
use crate::support::{refs, workloads};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "netpol-sensitive-namespace-cross-access",
        title: "Sensitive namespace admits connections from other namespaces",
        severity: Severity::High,
        category: Category::NetworkPolicy,
        enabled_by_default: true,
        rationale: "A namespace that holds secrets, payments or personal data should only be \
reachable from the few namespaces that need it: any other namespace is one compromised or \
malicious workload away from its pods. A namespace is sensitive when its Namespace object is \
labelled `rampart.dev/sensitive: \"true\"` or it is listed in `sensitive-namespaces` (empty \
by default: system namespaces such as kube-system must accept cross-namespace traffic, for \
DNS for example). The rule reports, in sensitive namespaces, workloads not on the host \
network that no policy isolates for ingress (every namespace may connect), and the ingress \
rules that admit other namespaces: a rule without `from` (at the rule), and a peer whose \
`namespaceSelector` selects another namespace of the input or a namespace the input does not \
show (`{}`, `NotIn`, `DoesNotExist`) (at the peer). Rules of a policy that selects none of \
the namespace's workloads in the input are not reported. ipBlock peers are left to \
netpol-ingress-from-anywhere: whether they match pod addresses depends on the network \
plugin.",
        remediation: r#"Admit only the namespace's own pods and the namespaces that need access, by name:

```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: vault
  namespace: vault
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress:
  - from:
    - podSelector: {}
    - namespaceSelector:
        matchLabels: {kubernetes.io/metadata.name: payments}
      podSelector:
        matchLabels: {app: checkout}
```"#,
        references: &[refs::NSA_NETWORK_SEPARATION_NAMESPACES],
        params: &[workloads::SENSITIVE_NAMESPACES],
        pss: None,
    },
    check: Check::Inventory(check),
};

/// The label that marks a Namespace as sensitive.
const SENSITIVE_LABEL: &str = "rampart.dev/sensitive";

fn is_sensitive(ctx: &InventoryCtx, ns: &Namespace) -> bool {
    ns.labels.get(SENSITIVE_LABEL).is_some_and(|v| v == "true")
        || ctx
            .params
            .list(workloads::SENSITIVE_NAMESPACES.name)
            .contains(&ns.name)
}

/// The other namespaces a peer's namespaceSelector admits, as words;
/// `None` when it admits none.
fn other_namespaces(a: &Analysis, sel: &rampart_core::selector::Selector, own: &str) -> Option<String> {
    let mut names: Vec<String> = a
        .model
        .namespaces
        .iter()
        .filter(|ns| ns.name != own && netpol::matches_namespace(sel, ns))
        .map(|ns| ns.name.clone())
        .collect();
    if netpol::matches_unlisted_namespace(sel) {
        names.push("namespaces not in the input".into());
    }
    (!names.is_empty()).then(|| netpol::list_names(names))
}

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    let a = netpol::analysis(ctx, out);
    for ns in a.model.namespaces.iter().filter(|ns| is_sensitive(ctx, ns)) {
        for w in netpol::governed_workloads(&a, &ns.name) {
            if !a.is_isolated(w, Direction::Ingress) {
                let w = &a.model.workloads[w];
                out.on(w.object).at(
                    "/metadata/name".into(),
                    format!(
                        "{} is in sensitive namespace {} and no NetworkPolicy isolates it for ingress: pods of every namespace may connect to it",
                        netpol::workload_name(w),
                        ns.name
                    ),
                );
            }
        }
        let known = a.has_workloads(&ns.name);
        for (pi, p) in a.model.policies_in(&ns.name) {
            if known && a.selected(pi).is_empty() {
                continue;
            }
            for (ri, rule) in p.ingress.iter().flatten().enumerate() {
                let at_rule = netpol::rule_pointer(Direction::Ingress, ri);
                let intro = format!(
                    "ingress rule {ri} of {} (sensitive namespace {}, selecting {})",
                    netpol::policy_name(p),
                    ns.name,
                    netpol::selected_names(&a, pi)
                );
                if rule.peers.is_empty() {
                    out.on(p.object).at(
                        at_rule,
                        format!("{intro} has no `from`: pods of every namespace may connect"),
                    );
                    continue;
                }
                for (mi, peer) in rule.peers.iter().enumerate() {
                    let Peer::Pods {
                        namespaces: Some(sel),
                        ..
                    } = peer
                    else {
                        continue;
                    };
                    if let Some(others) = other_namespaces(&a, sel, &ns.name) {
                        out.on(p.object).at(
                            format!("{at_rule}/from/{mi}"),
                            format!(
                                "{intro} admits pods of other namespaces ({others}) through peer {mi} ({})",
                                netpol::describe_peer(peer)
                            ),
                        );
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::support::images::run_rule;

    const INPUT: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: server, namespace: payments, labels: {app: server}}
spec:
  containers: [{name: c, image: busybox:1.36}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: server, namespace: payments}
spec:
  podSelector: {}
  ingress:
  - from:
    - namespaceSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: NotIn, values: [shop]}]}
"#;

    #[test]
    fn namespaces_listed_in_the_parameter_are_sensitive() {
        assert!(run_rule(&super::RULE, "", None, INPUT).is_empty());
        let config = "rules:\n  netpol-sensitive-namespace-cross-access:\n    params:\n      sensitive-namespaces: [payments]\n";
        let found = run_rule(&super::RULE, config, None, INPUT);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "/spec/ingress/0/from/0");
        assert!(found[0].1.contains("namespaces not in the input"), "{}", found[0].1);
    }
}
