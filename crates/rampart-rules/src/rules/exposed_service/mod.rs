use crate::support::refs;
use rampart_core::rule::Category;
use rampart_core::{Check, Ctx, Emitter, Object, Rule, RuleMeta, Severity};

use crate::support::objects::{int, is, items};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "exposed-service",
        title: "Service is reachable from outside the cluster (NodePort or LoadBalancer)",
        severity: Severity::Medium,
        category: Category::Network,
        enabled_by_default: true,
        rationale: "A `NodePort` Service opens its port on every node's address, and a \
`LoadBalancer` Service asks the cloud for a load balancer in front of those node ports \
(unless `allocateLoadBalancerNodePorts: false`). Either one bypasses the Ingress or gateway \
where TLS, authentication and rate limits usually live, and a public load balancer without \
source ranges is reachable from the whole internet. Expose applications through one \
controlled entry point and keep Services `ClusterIP`.\n\n\
Every NodePort and LoadBalancer Service is reported, so that each exposure is a decision. \
The message says when a LoadBalancer is lower risk: restricted by \
`loadBalancerSourceRanges` (or the older `service.beta.kubernetes.io/load-balancer-source-ranges` \
annotation) to ranges other than `0.0.0.0/0` or `::/0`, or internal to the cloud network by \
the provider's annotation (AWS `aws-load-balancer-internal` / `aws-load-balancer-scheme: \
internal`, GCP `load-balancer-type: Internal`, Azure, Oracle and OpenStack \
`*-internal*` annotations).",
        remediation: r#"Keep the Service internal and expose it through the Ingress or Gateway; if it must be a load balancer, restrict who can reach it:

```yaml
spec:
  type: ClusterIP
# or, when a load balancer is required:
spec:
  type: LoadBalancer
  loadBalancerSourceRanges: ["203.0.113.0/24"]
  allocateLoadBalancerNodePorts: false
```"#,
        references: &[refs::NSA_NETWORK_SEPARATION],
        params: &[],
        pss: None,
    },
    check: Check::Object(check),
};

/// Provider annotations that make a LoadBalancer internal to the cloud
/// network, with the values that mean internal (compared ignoring case).
const INTERNAL_ANNOTATIONS: &[(&str, &[&str])] = &[
    (
        "service.beta.kubernetes.io/aws-load-balancer-internal",
        &["true", "0.0.0.0/0"],
    ),
    (
        "service.beta.kubernetes.io/aws-load-balancer-scheme",
        &["internal"],
    ),
    ("networking.gke.io/load-balancer-type", &["internal"]),
    ("cloud.google.com/load-balancer-type", &["internal"]),
    (
        "service.beta.kubernetes.io/azure-load-balancer-internal",
        &["true"],
    ),
    (
        "service.beta.kubernetes.io/oci-load-balancer-internal",
        &["true"],
    ),
    (
        "service.beta.kubernetes.io/openstack-internal-load-balancer",
        &["true"],
    ),
];

const SOURCE_RANGES_ANNOTATION: &str = "service.beta.kubernetes.io/load-balancer-source-ranges";

fn check(ctx: &Ctx, out: &mut Emitter) {
    let o = ctx.object;
    if !is(o, "", "Service") {
        return;
    }
    let spec = o.root.get("spec");
    let ty = spec.and_then(|s| s.get("type")).and_then(|t| t.as_str());
    let message = match ty {
        Some("NodePort") => {
            let ports: Vec<String> = items(spec.and_then(|s| s.get("ports")))
                .iter()
                .filter_map(|p| int(p.get("nodePort")))
                .map(|p| p.to_string())
                .collect();
            let which = if ports.is_empty() {
                "ports from the node-port range".to_string()
            } else {
                format!("port {}", ports.join(", "))
            };
            format!(
                "Service {} is of type NodePort: {which} open on every node's address",
                o.name()
            )
        }
        Some("LoadBalancer") => match (internal(o), source_ranges(o)) {
            (Some(annotation), _) => format!(
                "Service {} is of type LoadBalancer, internal to the cloud network ({annotation}); lower risk, but its node ports are open on every node",
                o.name()
            ),
            (None, Some(ranges)) => format!(
                "Service {} is of type LoadBalancer restricted to {}; lower risk than an open load balancer",
                o.name(),
                ranges.join(", ")
            ),
            (None, None) => format!(
                "Service {} is of type LoadBalancer without source ranges: reachable from any address",
                o.name()
            ),
        },
        _ => return,
    };
    out.at("/spec/type".into(), message);
}

/// The annotation that makes the load balancer internal, if any.
fn internal(o: &Object) -> Option<&'static str> {
    INTERNAL_ANNOTATIONS.iter().find_map(|(key, values)| {
        let v = o.annotation(key)?.trim();
        values
            .iter()
            .any(|x| x.eq_ignore_ascii_case(v))
            .then_some(*key)
    })
}

/// The source ranges restricting the load balancer, when they restrict
/// anything: the field wins over the annotation, as in the service
/// controller; a range of everything (`0.0.0.0/0`, `::/0`) restricts nothing.
fn source_ranges(o: &Object) -> Option<Vec<&str>> {
    let field: Vec<&str> = items(o.root.path(&["spec", "loadBalancerSourceRanges"]))
        .iter()
        .filter_map(|r| r.as_str())
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .collect();
    let ranges = if field.is_empty() {
        o.annotation(SOURCE_RANGES_ANNOTATION)
            .map(|a| {
                a.split(',')
                    .map(str::trim)
                    .filter(|r| !r.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    } else {
        field
    };
    let open = ranges
        .iter()
        .any(|r| matches!(r.split_once('/').map(|(_, bits)| bits.trim()), Some("0")));
    (!ranges.is_empty() && !open).then_some(ranges)
}
