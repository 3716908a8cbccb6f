use crate::support::refs;
use rampart_core::rule::Category;
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity};

use crate::support::objects::{is, items};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "service-external-ips",
        title: "Service sets externalIPs (CVE-2020-8554)",
        severity: Severity::Medium,
        category: Category::Network,
        enabled_by_default: true,
        rationale: "kube-proxy sends traffic for a Service's `externalIPs` to that Service's pods, \
from every node and for every client in the cluster, whoever owns the address. Anyone allowed \
to create or edit Services can therefore claim an IP address they do not own (a database, a \
metadata endpoint, another tenant's load balancer) and intercept the cluster's traffic to it: \
CVE-2020-8554, which has no fix in Kubernetes itself. The mitigation is to forbid the field \
with the `DenyServiceExternalIPs` admission plugin or a policy; a manifest that needs it keeps \
that door open for everyone who can write Services.",
        remediation: r#"Drop `externalIPs`; use a LoadBalancer (or MetalLB on bare metal) to receive external traffic, and enable the `DenyServiceExternalIPs` admission plugin:

```yaml
spec:
  type: LoadBalancer
  loadBalancerSourceRanges: ["203.0.113.0/24"]
  # externalIPs: removed
```"#,
        references: &[refs::NSA_NETWORK_SEPARATION],
        params: &[],
        pss: None,
    },
    check: Check::Object(check),
};

fn check(ctx: &Ctx, out: &mut Emitter) {
    let o = ctx.object;
    if !is(o, "", "Service") {
        return;
    }
    let ips: Vec<&str> = items(o.root.path(&["spec", "externalIPs"]))
        .iter()
        .filter_map(|ip| ip.as_str())
        .collect();
    if ips.is_empty() {
        return;
    }
    out.at(
        "/spec/externalIPs".into(),
        format!(
            "Service {} claims external IP {}: kube-proxy routes traffic for it to this Service from every node",
            o.name(),
            ips.join(", ")
        ),
    );
}
