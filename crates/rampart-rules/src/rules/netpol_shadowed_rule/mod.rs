use rampart_core::rule::Category;
use rampart_core::selector::Selector;
use rampart_core::{Check, InventoryCtx, Reporter, Rule, RuleMeta, Severity};
use rampart_netpol::ipset::IpSet;
use rampart_netpol::ports::{self, Port, PortSet, PortSpec};
use rampart_netpol::{Direction, Namespace, Peer, Rule as PolicyRule};

use crate::support::netpol;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "netpol-shadowed-rule",
        title: "NetworkPolicy rule allows nothing another rule of the policy does not",
        severity: Severity::Info,
        category: Category::NetworkPolicy,
        enabled_by_default: true,
        rationale: "Rules of a policy add up, so a rule whose peers and ports are all included in \
another rule of the same policy and direction changes nothing. It misleads whoever reads or \
narrows the policy: removing or tightening it has no effect while the broader rule stays, \
and it often hides a mistake, such as a rule without `from` or `ports` that makes every \
other rule redundant, or a peer indented so that it means more than intended. The rule \
reports the narrower rule (of two identical rules, the later one). Inclusion is only \
reported when it follows from the text: a rule without peers includes every peer set, and \
a rule without ports every port list; pod and namespace selectors are compared by their \
requirements (more requirements select less; `In` with fewer values, `NotIn` with more); a \
peer without `namespaceSelector` (the policy's own namespace) is included in one whose \
`namespaceSelector` surely selects that namespace, and the converse holds for a selector on \
the namespace's own `kubernetes.io/metadata.name`; ipBlock addresses are compared exactly, \
across all the ipBlocks of the broader rule; a named port is included in the same name and \
protocol or in every port of the protocol. Not detected: a rule included only in the union \
of several other rules, rules of different policies, selectors equivalent only through the \
label values pods happen to carry, and named ports that resolve to numbers the other rule \
lists.",
        remediation: r#"Delete the redundant rule, or narrow the broader one if it allows more than intended:

```yaml
ingress:
- from:
  - podSelector:
      matchLabels: {app: api}
  ports:
  - {protocol: TCP, port: 8080}
```"#,
        references: &[],
        params: &[],
        pss: None,
    },
    check: Check::Inventory(check),
};

/// Every port of `protocol`'s.
fn whole_protocol(spec: &PortSpec) -> PortSet {
    let mut s = PortSet::none();
    s.add(spec.protocol, 1, 65535);
    s
}

fn ports_include(broad: &[PortSpec], narrow: &[PortSpec]) -> bool {
    if broad.is_empty() {
        return true;
    }
    // Numbers and ranges; named ports only count for themselves.
    let numbered = ports::allowed(broad, None);
    if narrow.is_empty() {
        return numbered.is_all();
    }
    narrow.iter().all(|s| match &s.port {
        Port::Named(_) => numbered.covers(&whole_protocol(s)) || broad.contains(s),
        _ => numbered.covers(&ports::allowed(std::slice::from_ref(s), None)),
    })
}

/// Whether the namespaces `broad` reaches include those `narrow` reaches
/// (`None`: the policy's own namespace `own`).
fn namespaces_include(
    broad: Option<&Selector>,
    narrow: Option<&Selector>,
    own: Option<&Namespace>,
    own_name: &str,
) -> bool {
    match (broad, narrow) {
        (None, None) => true,
        (Some(b), Some(n)) => netpol::implies(n, b),
        (Some(b), None) => own.is_some_and(|ns| netpol::surely_matches_namespace(b, ns)),
        (None, Some(n)) => netpol::only_namespace(n, own_name),
    }
}

fn peers_include(broad: &[Peer], narrow: &[Peer], own: Option<&Namespace>, own_name: &str) -> bool {
    if broad.is_empty() {
        return true;
    }
    if narrow.is_empty() {
        return false;
    }
    let mut addresses = IpSet::default();
    for p in broad {
        if let Peer::Block { set, .. } = p {
            addresses.union_with(set);
        }
    }
    narrow.iter().all(|n| match n {
        Peer::Block { set, .. } => set.minus(&addresses).is_empty(),
        Peer::Pods {
            namespaces: nn,
            pods: np,
        } => broad.iter().any(|b| match b {
            Peer::Pods {
                namespaces: bn,
                pods: bp,
            } => {
                namespaces_include(bn.as_ref(), nn.as_ref(), own, own_name)
                    && netpol::implies(np, bp)
            }
            Peer::Block { .. } => false,
        }),
    })
}

fn includes(broad: &PolicyRule, narrow: &PolicyRule, own: Option<&Namespace>, own_name: &str) -> bool {
    ports_include(&broad.ports, &narrow.ports) && peers_include(&broad.peers, &narrow.peers, own, own_name)
}

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    let a = netpol::analysis(ctx, out);
    for p in &a.model.policies {
        let own = a.model.namespace(&p.namespace);
        for direction in [Direction::Ingress, Direction::Egress] {
            let rules = p.rules(direction).unwrap_or_default();
            for (j, narrow) in rules.iter().enumerate() {
                // Of two rules that include each other, the later one is
                // the redundant one.
                let broader = rules.iter().enumerate().find(|&(i, broad)| {
                    i != j
                        && includes(broad, narrow, own, &p.namespace)
                        && (i < j || !includes(narrow, broad, own, &p.namespace))
                });
                let Some((i, broad)) = broader else {
                    continue;
                };
                let what = if broad.peers.is_empty() && broad.ports.is_empty() {
                    format!(
                        "rule {i} has no `{}` and no `ports`, so it allows everything",
                        netpol::peers_field(direction)
                    )
                } else {
                    format!("rule {i} allows the same peers, or more, on the same ports, or more")
                };
                out.on(p.object).at(
                    netpol::rule_pointer(direction, j),
                    format!(
                        "{direction} rule {j} of {} allows nothing more than {direction} rule {i}: {what}",
                        netpol::policy_name(p),
                        direction = direction.as_str(),
                    ),
                );
            }
        }
    }
}
