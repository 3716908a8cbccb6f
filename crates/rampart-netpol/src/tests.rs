//! Every semantic point of NetworkPolicy, on small inventories: three
//! namespaces x, y, z with pods a, b, c each (the shape of the upstream e2e
//! tests), and the policy under test.

use rampart_core::inventory::Inventory;
use rampart_core::source::SourceFile;
use rampart_core::yaml::Limits;

use crate::ports::Protocol;
use crate::*;

/// Namespaces x, y, z (labelled ns=<name>), each with pods a, b, c
/// (labelled pod=<name>) serving TCP 80 (`serve-80-tcp`), TCP 81, UDP 80,
/// UDP 81 and SCTP 80.
fn cluster() -> String {
    let mut out = String::new();
    for ns in ["x", "y", "z"] {
        out.push_str(&format!(
            "apiVersion: v1\nkind: Namespace\nmetadata: {{name: \"{ns}\", labels: {{ns: \"{ns}\"}}}}\n---\n"
        ));
        for pod in ["a", "b", "c"] {
            out.push_str(&format!(
                r#"apiVersion: v1
kind: Pod
metadata: {{name: {pod}, namespace: "{ns}", labels: {{pod: {pod}}}}}
spec:
  containers:
  - name: c
    image: agnhost
    ports:
    - {{name: serve-80-tcp, containerPort: 80}}
    - {{name: serve-81-tcp, containerPort: 81, protocol: TCP}}
    - {{name: serve-80-udp, containerPort: 80, protocol: UDP}}
    - {{name: serve-81-udp, containerPort: 81, protocol: UDP}}
    - {{name: serve-80-sctp, containerPort: 80, protocol: SCTP}}
---
"#
            ));
        }
    }
    out
}

fn model(policies: &str) -> Model {
    let inv = Inventory::from_sources(
        vec![SourceFile {
            name: "t.yaml".into(),
            text: cluster() + policies,
        }],
        Vec::new(),
        Limits::default(),
    );
    assert!(inv.diagnostics.is_empty(), "{:?}", inv.diagnostics);
    Model::build(&inv)
}

fn valid(policies: &str) -> Model {
    let m = model(policies);
    assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
    m
}

fn pod(m: &Model, spec: &str) -> Endpoint {
    let (ns, name) = spec.split_once('/').unwrap();
    let i = m
        .workloads
        .iter()
        .position(|w| w.namespace == ns && w.id.name == name)
        .unwrap_or_else(|| panic!("{spec}"));
    Endpoint::Workload(i)
}

fn ip(s: &str) -> Endpoint {
    Endpoint::External(s.parse().unwrap())
}

fn tcp(m: &Model, from: &str, to: &str, port: u16) -> bool {
    m.can(pod(m, from), pod(m, to), Protocol::Tcp, port).allowed
}

/// The 9×9 TCP/80 reachability, as rows of 'X' (allowed) and '.'.
fn grid(m: &Model, port: u16, protocol: Protocol) -> Vec<String> {
    let pods: Vec<String> = ["x", "y", "z"]
        .iter()
        .flat_map(|ns| ["a", "b", "c"].iter().map(move |p| format!("{ns}/{p}")))
        .collect();
    pods.iter()
        .map(|from| {
            pods.iter()
                .map(|to| {
                    if m.can(pod(m, from), pod(m, to), protocol, port).allowed {
                        'X'
                    } else {
                        '.'
                    }
                })
                .collect()
        })
        .collect()
}

const ALL: &str = "XXXXXXXXX";

#[test]
fn without_policies_everything_is_allowed() {
    let m = valid("");
    assert!(grid(&m, 80, Protocol::Tcp).iter().all(|r| r == ALL));
    assert!(
        m.can(pod(&m, "x/a"), ip("8.8.8.8"), Protocol::Udp, 53)
            .allowed
    );
}

#[test]
fn deny_all_ingress_isolates_the_namespace_only() {
    let m = valid(
        r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: x}
spec:
  podSelector: {}
"#,
    );
    // Nothing reaches x's pods (columns 0-2); everything else is open.
    for row in grid(&m, 80, Protocol::Tcp) {
        assert_eq!(row, "...XXXXXX");
    }
    let v = m.can(pod(&m, "y/a"), pod(&m, "x/a"), Protocol::Tcp, 80);
    assert!(!v.allowed);
    assert_eq!(v.ingress.as_ref().unwrap().isolated_by[0].name, "deny");
    assert!(v.egress.as_ref().unwrap().allowed);
}

#[test]
fn policy_types_default_from_egress_rules() {
    // Only egress rules, no policyTypes: defaulted to [Ingress, Egress],
    // so the pods are also isolated for ingress (with no ingress rules).
    let m = valid(
        r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: egress-only-rules, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  egress:
  - to: [{podSelector: {matchLabels: {pod: b}}}]
"#,
    );
    assert!(!tcp(&m, "x/b", "x/a", 80), "ingress isolated by default");
    assert!(tcp(&m, "x/a", "x/b", 80));
    assert!(!tcp(&m, "x/a", "x/c", 80));
    // `egress: []` does not add Egress: an ingress deny-all only.
    let m = valid(
        r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: empty-egress, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  egress: []
"#,
    );
    assert!(!tcp(&m, "x/b", "x/a", 80));
    assert!(tcp(&m, "x/a", "y/c", 80), "egress is not isolated");
    // Explicit Egress with no rules: deny all egress, ingress open.
    let m = valid(
        r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-egress, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Egress]
"#,
    );
    assert!(!tcp(&m, "x/a", "x/b", 80));
    assert!(tcp(&m, "x/b", "x/a", 80));
    assert!(
        !m.can(pod(&m, "x/a"), ip("1.1.1.1"), Protocol::Udp, 53)
            .allowed
    );
}

#[test]
fn one_peer_with_two_selectors_is_and_two_peers_are_or() {
    let and = valid(
        r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: and, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {ns: "y"}}
      podSelector: {matchLabels: {pod: b}}
"#,
    );
    assert!(tcp(&and, "y/b", "x/a", 80));
    assert!(!tcp(&and, "y/a", "x/a", 80));
    assert!(!tcp(&and, "x/b", "x/a", 80), "x/b is not in namespace y");
    let or = valid(
        r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: or, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {ns: "y"}}
    - podSelector: {matchLabels: {pod: b}}
"#,
    );
    assert!(tcp(&or, "y/a", "x/a", 80), "every pod of y");
    assert!(
        tcp(&or, "x/b", "x/a", 80),
        "pod b of the policy's namespace"
    );
    assert!(
        !tcp(&or, "z/b", "x/a", 80),
        "podSelector alone: own namespace only"
    );
}

#[test]
fn empty_selectors_and_empty_rules() {
    // namespaceSelector {} = every namespace; podSelector {} = own namespace.
    let m = valid(
        r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: all-ns, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress: [{from: [{namespaceSelector: {}}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: own-ns, namespace: "y"}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress: [{from: [{podSelector: {}}]}]
"#,
    );
    assert!(tcp(&m, "z/c", "x/a", 80));
    assert!(
        !m.can(ip("8.8.8.8"), pod(&m, "x/a"), Protocol::Tcp, 80)
            .allowed
    );
    assert!(tcp(&m, "y/c", "y/a", 80));
    assert!(!tcp(&m, "x/c", "y/a", 80));
    // An empty rule allows everyone, outside the cluster too.
    let m = valid(
        r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-all, namespace: x}
spec:
  podSelector: {}
  ingress: [{}]
"#,
    );
    assert!(grid(&m, 80, Protocol::Tcp).iter().all(|r| r == ALL));
    assert!(
        m.can(ip("203.0.113.9"), pod(&m, "x/a"), Protocol::Udp, 9)
            .allowed
    );
}

#[test]
fn namespaces_match_by_the_automatic_name_label_and_expressions() {
    let m = valid(
        r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: by-name, namespace: x}
spec:
  podSelector: {}
  ingress:
  - from:
    - namespaceSelector:
        matchExpressions:
        - {key: kubernetes.io/metadata.name, operator: NotIn, values: ["y"]}
"#,
    );
    assert!(!tcp(&m, "y/a", "x/a", 80));
    assert!(tcp(&m, "z/a", "x/a", 80));
    assert!(tcp(&m, "x/b", "x/a", 80));
    // DoesNotExist matches pods without the key; NotIn too.
    let m = valid(
        r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: exprs, namespace: x}
spec:
  podSelector: {}
  ingress:
  - from:
    - podSelector:
        matchExpressions:
        - {key: tier, operator: DoesNotExist}
        - {key: pod, operator: NotIn, values: [c]}
"#,
    );
    assert!(tcp(&m, "x/b", "x/a", 80));
    assert!(!tcp(&m, "x/c", "x/a", 80));
}

#[test]
fn ports_protocols_ranges_and_named_ports() {
    let m = valid(
        r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: ports, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
  - ports:
    - {port: serve-81-tcp}
    - {protocol: UDP, port: 80}
    - {protocol: SCTP}
    - {port: 8000, endPort: 8080}
"#,
    );
    let to_a = |proto, port| m.can(pod(&m, "y/b"), pod(&m, "x/a"), proto, port).allowed;
    assert!(to_a(Protocol::Tcp, 81));
    assert!(!to_a(Protocol::Tcp, 80));
    assert!(to_a(Protocol::Udp, 80));
    assert!(!to_a(Protocol::Udp, 81));
    assert!(to_a(Protocol::Sctp, 80));
    assert!(to_a(Protocol::Sctp, 9999));
    assert!(to_a(Protocol::Tcp, 8000) && to_a(Protocol::Tcp, 8080));
    assert!(!to_a(Protocol::Tcp, 8081));
    // A named port whose protocol does not match the container's.
    let m = valid(
        r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: wrong-protocol, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress: [{ports: [{port: serve-80-udp}]}]
"#,
    );
    assert!(
        !m.can(pod(&m, "y/b"), pod(&m, "x/a"), Protocol::Udp, 80)
            .allowed
    );
    assert!(
        !m.can(pod(&m, "y/b"), pod(&m, "x/a"), Protocol::Tcp, 80)
            .allowed
    );
    // An SCTP-only rule does not open TCP, and still isolates for TCP.
    let m = valid(
        r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: sctp, namespace: x}
spec:
  podSelector: {}
  ingress: [{ports: [{protocol: SCTP, port: 80}]}]
"#,
    );
    assert!(!tcp(&m, "y/a", "x/a", 80));
    assert!(
        m.can(pod(&m, "y/a"), pod(&m, "x/a"), Protocol::Sctp, 80)
            .allowed
    );
}

#[test]
fn named_egress_ports_resolve_on_the_destination() {
    let m = valid(
        r#"
apiVersion: v1
kind: Pod
metadata: {name: d, namespace: "y", labels: {pod: d}}
spec:
  containers:
  - name: c
    image: i
    ports: [{name: serve-80-tcp, containerPort: 8080}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: named-egress, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  policyTypes: [Egress]
  egress: [{ports: [{port: serve-80-tcp}]}]
"#,
    );
    assert!(tcp(&m, "x/a", "y/b", 80));
    assert!(!tcp(&m, "x/a", "y/d", 80));
    assert!(tcp(&m, "x/a", "y/d", 8080));
    // Named ports never match outside the cluster.
    assert!(
        !m.can(pod(&m, "x/a"), ip("1.2.3.4"), Protocol::Tcp, 80)
            .allowed
    );
}

#[test]
fn both_sides_must_allow() {
    let m = valid(
        r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: server-allows, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress: [{from: [{namespaceSelector: {}}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: client-denies, namespace: "y"}
spec:
  podSelector: {matchLabels: {pod: b}}
  policyTypes: [Egress]
"#,
    );
    let v = m.can(pod(&m, "y/b"), pod(&m, "x/a"), Protocol::Tcp, 80);
    assert!(!v.allowed);
    assert!(v.ingress.as_ref().unwrap().allowed);
    assert_eq!(v.ingress.as_ref().unwrap().allowed_by[0].rule, 0);
    assert!(!v.egress.as_ref().unwrap().allowed);
    assert!(tcp(&m, "y/a", "x/a", 80));
}

#[test]
fn policies_add_up() {
    let m = valid(
        r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: from-b, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress: [{from: [{podSelector: {matchLabels: {pod: b}}}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: from-c, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress: [{from: [{podSelector: {matchLabels: {pod: c}}}], ports: [{port: 81}]}]
"#,
    );
    assert!(tcp(&m, "x/b", "x/a", 80));
    assert!(!tcp(&m, "x/c", "x/a", 80));
    assert!(tcp(&m, "x/c", "x/a", 81));
    let v = m.can(pod(&m, "x/b"), pod(&m, "x/a"), Protocol::Tcp, 81);
    assert_eq!(v.ingress.unwrap().isolated_by.len(), 2);
}

#[test]
fn ip_blocks_with_except() {
    let m = valid(
        r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: egress-cidr, namespace: x}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [169.254.169.254/32, 10.0.0.0/8]}}]
  - to: [{ipBlock: {cidr: 10.1.0.0/16}}]
"#,
    );
    let out = |to: &str| m.can(pod(&m, "x/a"), ip(to), Protocol::Tcp, 443).allowed;
    assert!(out("8.8.8.8"));
    assert!(!out("169.254.169.254"));
    assert!(!out("10.2.0.1"));
    assert!(
        out("10.1.0.1"),
        "an except of one block, allowed by another"
    );
    assert!(
        !m.can(pod(&m, "x/a"), ip("2001:db8::1"), Protocol::Tcp, 443)
            .allowed
    );
    // Pods never match ipBlocks, even 0.0.0.0/0.
    assert!(!tcp(&m, "x/a", "y/a", 80));
}

#[test]
fn invalid_policies_are_reported_and_left_out() {
    let cases = [
        ("{from: [{}]}", "must specify"),
        (
            "{from: [{ipBlock: {cidr: 10.0.0.0/8}, podSelector: {}}]}",
            "ipBlock may not also",
        ),
        (
            "{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [11.0.0.0/16]}}]}",
            "strict subset",
        ),
        (
            "{from: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.0.0.0/8]}}]}",
            "strict subset",
        ),
        ("{from: [{ipBlock: {cidr: 10.0.0.0}}]}", "not a CIDR"),
        ("{ports: [{protocol: ICMP}]}", "not TCP, UDP or SCTP"),
        ("{ports: [{port: 0}]}", "between 1 and 65535"),
        ("{ports: [{port: 90, endPort: 80}]}", "below port"),
        ("{ports: [{port: http, endPort: 80}]}", "named port"),
        ("{ports: [{endPort: 80}]}", "numeric port"),
        ("{ports: [{port: Http}]}", "not a valid port name"),
        ("{ports: [{port: \"80\"}]}", "not a valid port name"),
        (
            "{from: [{podSelector: {matchExpressions: [{key: a, operator: In}]}}]}",
            "needs at least one value",
        ),
    ];
    for (rule, why) in cases {
        let m = model(&format!(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: bad, namespace: x}}\nspec:\n  podSelector: {{}}\n  ingress: [{rule}]\n"
        ));
        assert!(m.policies.is_empty(), "{rule}");
        assert_eq!(m.diagnostics.len(), 1, "{rule}");
        assert!(
            m.diagnostics[0].message.contains(why),
            "{rule}: {}",
            m.diagnostics[0].message
        );
        // Left out: x is not isolated.
        assert!(tcp(&m, "y/a", "x/a", 80), "{rule}");
    }
    let m = model(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: bad, namespace: x}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Bogus]\n",
    );
    assert!(m.diagnostics[0].message.contains("Bogus"));
}

#[test]
fn host_network_pods_come_with_a_note() {
    let m = valid(
        r#"
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: z}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      hostNetwork: true
      containers: [{name: c, image: i}]
"#,
    );
    let v = m.can(pod(&m, "z/agent"), pod(&m, "x/a"), Protocol::Tcp, 80);
    assert!(v.allowed);
    assert!(v.notes[0].contains("host network"));
}

/// Policy sets exercising every feature at once, for cross-checks.
const MIXED: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: a2, namespace: x}
spec:
  selector: {matchLabels: {pod: a}}
  template:
    metadata: {labels: {pod: a, team: blue}}
    spec:
      containers:
      - name: c
        image: i
        ports: [{name: serve-80-tcp, containerPort: 80}, {name: serve-81-tcp, containerPort: 81}, {name: metrics, containerPort: 9090}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: x}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: a-from-y-b, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {ns: "y"}}
      podSelector: {matchLabels: {pod: b}}
    ports: [{port: serve-81-tcp}, {protocol: UDP, port: 80}]
  - from: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]
    ports: [{port: 443}]
  egress:
  - to: [{namespaceSelector: {}}]
    ports: [{protocol: UDP, port: 53}, {port: serve-80-tcp}]
  - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [169.254.169.254/32]}}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: z-egress, namespace: z}
spec:
  podSelector: {matchExpressions: [{key: pod, operator: NotIn, values: [c]}]}
  policyTypes: [Egress]
  egress:
  - to: [{podSelector: {}}, {namespaceSelector: {matchLabels: {ns: x}}}]
    ports: [{port: 80, endPort: 81}, {protocol: SCTP}]
"#;

#[test]
fn the_matrix_agrees_with_single_verdicts() {
    let m = valid(MIXED);
    let classes = Classes::build(&m);
    // x/a2 is x/a to every policy: `team` and `metrics` are never looked
    // at; pods no policy tells apart share a class too.
    let index = |ns: &str, name: &str| {
        m.workloads
            .iter()
            .position(|w| w.namespace == ns && w.id.name == name)
            .unwrap()
    };
    let class = |w: usize| classes.members.iter().position(|c| c.contains(&w)).unwrap();
    assert_eq!(class(index("x", "a")), class(index("x", "a2")));
    assert_ne!(class(index("x", "a")), class(index("x", "b")));
    assert!(classes.members.len() < m.workloads.len() - 1);
    let links = classes.links();
    let probes = [
        (Protocol::Tcp, 80),
        (Protocol::Tcp, 81),
        (Protocol::Tcp, 443),
        (Protocol::Udp, 53),
        (Protocol::Udp, 80),
        (Protocol::Sctp, 80),
        (Protocol::Sctp, 7),
    ];
    for from in 0..m.workloads.len() {
        for to in 0..m.workloads.len() {
            let link = links.iter().find(|l| l.from == from && l.to == to);
            for (proto, port) in probes {
                let single = m
                    .can(
                        Endpoint::Workload(from),
                        Endpoint::Workload(to),
                        proto,
                        port,
                    )
                    .allowed;
                let matrix = link.is_some_and(|l| l.ports.contains(proto, port));
                assert_eq!(
                    single, matrix,
                    "{} -> {} {proto}/{port}",
                    m.workloads[from].id, m.workloads[to].id
                );
            }
        }
    }
    // Outside the cluster, the same.
    let exposure = classes.exposure();
    let addresses = [
        "10.2.3.4",
        "10.1.0.1",
        "169.254.169.254",
        "8.8.8.8",
        "2001:db8::1",
    ];
    for (w, e) in &exposure {
        for a in addresses {
            let addr: std::net::IpAddr = a.parse().unwrap();
            for (proto, port) in probes {
                let inbound = m
                    .can(
                        Endpoint::External(addr),
                        Endpoint::Workload(*w),
                        proto,
                        port,
                    )
                    .allowed;
                let listed = e
                    .ingress
                    .iter()
                    .any(|(set, ports)| ports.contains(proto, port) && set.contains(addr));
                assert_eq!(
                    inbound, listed,
                    "{a} -> {} {proto}/{port}",
                    m.workloads[*w].id
                );
                let outbound = m
                    .can(
                        Endpoint::Workload(*w),
                        Endpoint::External(addr),
                        proto,
                        port,
                    )
                    .allowed;
                let listed = e
                    .egress
                    .iter()
                    .any(|(set, ports)| ports.contains(proto, port) && set.contains(addr));
                assert_eq!(
                    outbound, listed,
                    "{} -> {a} {proto}/{port}",
                    m.workloads[*w].id
                );
            }
        }
    }
    // x/a's ingress from outside: 10/8 minus 10.1/16, on TCP 443 only.
    let xa = m
        .workloads
        .iter()
        .position(|w| w.namespace == "x" && w.id.name == "a")
        .unwrap();
    let e = &exposure.iter().find(|(w, _)| *w == xa).unwrap().1;
    let shown: Vec<String> = e
        .ingress
        .iter()
        .map(|(set, p)| format!("{} {p}", set.describe()))
        .collect();
    assert_eq!(shown, ["10.0.0.0/8 except 10.1.0.0/16 TCP 443"]);
    assert_eq!(e.ingress[0].0.cidrs().len(), 8);
}

/// Pods of a cluster snapshot carry their addresses; ipBlocks then match
/// the workloads owning them (through ReplicaSet to Deployment), unless
/// told not to.
#[test]
fn ip_blocks_match_known_pod_addresses() {
    let text = cluster()
        + r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: "z"}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: i}]}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: web-5d9f
  namespace: "z"
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: u1, controller: true}]
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: i}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-5d9f-abcde
  namespace: "z"
  labels: {app: web}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-5d9f, uid: u2, controller: true}]
spec: {containers: [{name: c, image: i}]}
status:
  podIP: 10.244.1.7
  podIPs: [{ip: 10.244.1.7}, {ip: "fd00::7"}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: from-cidr, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress: [{from: [{ipBlock: {cidr: 10.244.1.0/24}}]}]
"#;
    let inv = Inventory::from_sources(
        vec![SourceFile {
            name: "t.yaml".into(),
            text,
        }],
        Vec::new(),
        Limits::default(),
    );
    let m = Model::build(&inv);
    assert!(m.diagnostics.is_empty(), "{:?}", m.diagnostics);
    let web = pod(&m, "z/web");
    assert_eq!(
        m.workloads
            .iter()
            .filter(|w| w.id.name.starts_with("web"))
            .count(),
        1
    );
    assert!(m.can(web, pod(&m, "x/a"), Protocol::Tcp, 80).allowed);
    assert!(
        !m.can(pod(&m, "z/a"), pod(&m, "x/a"), Protocol::Tcp, 80)
            .allowed
    );
    let classes = Classes::build(&m);
    let links = classes.links();
    let (Endpoint::Workload(w), Endpoint::Workload(a)) = (web, pod(&m, "x/a")) else {
        unreachable!()
    };
    assert!(links.iter().any(|l| l.from == w && l.to == a));
    let off = Model::build_with(
        &inv,
        Options {
            pod_ips_match_ip_blocks: false,
        },
    );
    assert!(!off.can(web, pod(&off, "x/a"), Protocol::Tcp, 80).allowed);
}

/// A pod whose controller is not in the input stands for itself; the same
/// policy twice counts once, the last copy.
#[test]
fn orphaned_pods_count_and_the_last_copy_wins() {
    let m = valid(
        r#"
apiVersion: v1
kind: Pod
metadata:
  name: web-7d4b9c-abcde
  namespace: "z"
  labels: {app: web}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-7d4b9c, uid: "1", controller: true}]
spec: {containers: [{name: c, image: nginx}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress: [{}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: x}
spec:
  podSelector: {matchLabels: {pod: a}}
  ingress: []
"#,
    );
    let web = pod(&m, "z/web-7d4b9c-abcde");
    assert!(!m.can(web, pod(&m, "x/a"), Protocol::Tcp, 80).allowed);
    assert_eq!(m.policies.len(), 1);
}

/// Namespace labels as the API server stores them: `team:` with no value is
/// `""`; a Namespace with a non-string label value is rejected (reported,
/// and its labels unknown).
#[test]
fn namespace_labels_decode_like_the_api_server() {
    let m = model(
        r#"
apiVersion: v1
kind: Namespace
metadata: {name: tools, labels: {team: }}
---
apiVersion: v1
kind: Namespace
metadata: {name: bad, labels: {enabled: yes}}
---
apiVersion: v1
kind: Pod
metadata: {name: t, namespace: tools, labels: {pod: t}}
spec: {containers: [{name: c, image: i}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: from-teams, namespace: x}
spec:
  podSelector: {}
  ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: team, operator: Exists}]}}]}]
"#,
    );
    assert_eq!(m.diagnostics.len(), 1, "{:?}", m.diagnostics);
    assert!(m.diagnostics[0].message.contains("bad"));
    assert!(
        m.namespace("tools")
            .unwrap()
            .labels
            .get("team")
            .is_some_and(String::is_empty)
    );
    assert!(tcp(&m, "tools/t", "x/a", 80));
    assert!(!tcp(&m, "y/a", "x/a", 80));
}
