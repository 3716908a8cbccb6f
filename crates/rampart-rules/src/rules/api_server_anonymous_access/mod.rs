use rampart_core::rule::Category;
use rampart_core::{Check, InventoryCtx, Reporter, Rule, RuleMeta, Severity};

use crate::support::cluster::Scan;
use crate::support::refs;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "api-server-anonymous-access",
        title: "API server answers anonymous requests",
        severity: Severity::High,
        category: Category::Rbac,
        enabled_by_default: true,
        rationale: "With `--anonymous-auth=true` (the default) kube-apiserver treats requests \
without credentials as the user `system:anonymous` in the group `system:unauthenticated`, and \
anything RBAC grants those — by mistake, by an old default, by a chart — is open to whoever can \
reach the endpoint. Attackers scan for API servers that answer anonymously and use them to \
enumerate and often take over clusters. When a cluster scan runs with `--probe-anonymous`, rampart \
sends one unauthenticated `GET /api` and records the HTTP status in the ClusterInfo object; a 200 \
means anonymous requests are authenticated and authorized for at least discovery. The rule reports \
that status. 401 (anonymous authentication off) and 403 (anonymous user authenticated but not \
authorized) pass; scans without the probe are not judged.",
        remediation: r#"Turn anonymous authentication off, or limit it to the health endpoints with an authentication configuration (Kubernetes v1.32+):

```yaml
apiVersion: apiserver.config.k8s.io/v1beta1
kind: AuthenticationConfiguration
anonymous:
  enabled: true
  conditions:
  - path: /livez
  - path: /readyz
  - path: /healthz
```

and remove RBAC bindings to `system:anonymous` and `system:unauthenticated` (`rbac-public-grant` lists them)."#,
        references: &[refs::CIS_1_2_1, refs::NSA_AUTHENTICATION_AUTHORIZATION],
        params: &[],
        pss: None,
    },
    check: Check::Inventory(check),
};

fn check(ctx: &InventoryCtx, out: &mut Reporter) {
    let Some(scan) = Scan::of(ctx.inventory) else {
        return;
    };
    let Some(probe) = &scan.info.anonymous_probe else {
        return;
    };
    if probe.status == 200 {
        out.on(scan.index).at(
            "/anonymousProbe/status".into(),
            format!(
                "The API server at {} answered an unauthenticated GET {} with 200: anonymous requests are accepted",
                scan.info.server, probe.path
            ),
        );
    }
}
