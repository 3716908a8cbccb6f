use rampart_core::images::parse_image;
use crate::support::refs;
use rampart_core::rule::Category;
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

use crate::support::objects::{image_path, is_repository, semver};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "ingress-nginx-retired",
        title: "Runs the retired ingress-nginx controller",
        severity: Severity::High,
        category: Category::Components,
        enabled_by_default: true,
        rationale: "The community ingress-nginx controller (`registry.k8s.io/ingress-nginx/controller`) \
was retired by Kubernetes SIG Network and the Security Response Committee: best-effort \
maintenance ended in March 2026, and no release, bug fix or security patch follows. It sits \
on the edge of the cluster, parses untrusted traffic, and by default can read every Secret \
in the cluster; its recent history includes CVE-2025-1974 (IngressNightmare, unauthenticated \
remote code execution through the admission webhook, CVSS 9.8). The message says when the \
image tag is also one of the releases affected by CVE-2025-1974 (before v1.11.5, and \
v1.12.0). Tags are compared as written: a rebuilt image with a backported fix still \
carries its old tag, so say so in an exemption. F5's NGINX Ingress Controller \
(`nginx/nginx-ingress`) is a different, maintained project and is not reported.",
        remediation: r#"Migrate to a maintained controller, preferably one implementing the Gateway API (Envoy Gateway, Istio, Cilium, NGINX Gateway Fabric, Traefik...); `ingress2gateway` converts Ingress objects:

```yaml
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: shop, namespace: shop}
spec:
  parentRefs: [{name: public, namespace: gateway}]
  hostnames: [shop.example.com]
  rules:
  - backendRefs: [{name: web, port: 80}]
```"#,
        references: &[refs::NSA_UPGRADING],
        params: &[],
        pss: None,
    },
    check: Check::Workload(check),
};

/// Repositories of the community controller, current and historical.
const REPOSITORIES: &[&str] = &[
    "ingress-nginx/controller",
    "ingress-nginx/controller-chroot",
    "kubernetes-ingress-controller/nginx-ingress-controller",
];

fn check(_: &Ctx, workload: &Workload, out: &mut Emitter) {
    for c in workload.containers() {
        let Some(image) = c.container.image.as_deref() else {
            continue;
        };
        let path = image_path(image);
        if !REPOSITORIES.iter().any(|r| is_repository(&path, r)) {
            continue;
        }
        let tag = parse_image(image).tag.unwrap_or("");
        let message = if vulnerable_to_ingress_nightmare(tag) {
            format!(
                "{} runs ingress-nginx {tag}, affected by CVE-2025-1974 (remote code execution through the admission webhook) and retired since March 2026",
                c.describe()
            )
        } else {
            format!(
                "{} runs the ingress-nginx controller, retired since March 2026: no more security fixes",
                c.describe()
            )
        };
        out.container(&c, &["image"], message);
    }
}

/// Controller versions before the CVE-2025-1974 fix: below v1.11.5, and v1.12.0.
fn vulnerable_to_ingress_nightmare(tag: &str) -> bool {
    match semver(tag) {
        Some((1, 12, 0)) => true,
        Some(v) => v < (1, 11, 5),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::vulnerable_to_ingress_nightmare as vulnerable;

    #[test]
    fn affected_versions() {
        for v in ["v1.11.4", "v1.12.0", "v1.9.6", "v0.49.3", "v1.12.0-beta.0"] {
            assert!(vulnerable(v), "{v}");
        }
        for v in ["v1.11.5", "v1.12.1", "v1.13.0", "latest", ""] {
            assert!(!vulnerable(v), "{v}");
        }
    }
}
