use crate::support::refs;
use rampart_core::rule::Category;
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

use crate::support::objects::{image_path, is_repository};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "kubernetes-dashboard",
        title: "Kubernetes Dashboard is deployed",
        severity: Severity::Medium,
        category: Category::Components,
        enabled_by_default: true,
        rationale: "The Kubernetes Dashboard is a web console onto the cluster API. It has a \
history of being the way in: exposed dashboards bound to powerful service accounts, or \
started with `--enable-skip-login`, handed clusters to cryptominers. The project was \
archived in January 2026 and receives no further fixes; Kubernetes SIG UI points to Headlamp \
instead. A container is reported when its image is one of the Dashboard's \
(`kubernetesui/dashboard`, `kubernetesui/dashboard-api`, `-web`, `-auth`, or the older \
`kubernetes-dashboard-amd64` and similar), and the message says when it runs with \
`--enable-skip-login` or `--enable-insecure-login`.",
        remediation: r#"Remove the Dashboard; use `kubectl`, or a maintained UI such as Headlamp that signs users in with their own credentials (OIDC) and is reached through `kubectl port-forward` or an authenticated ingress:

```yaml
# kubectl delete namespace kubernetes-dashboard
```"#,
        references: &[refs::NSA_AUTHENTICATION_AUTHORIZATION],
        params: &[],
        pss: None,
    },
    check: Check::Workload(check),
};

fn is_dashboard(path: &str) -> bool {
    [
        "dashboard",
        "dashboard-api",
        "dashboard-web",
        "dashboard-auth",
    ]
    .iter()
    .any(|name| is_repository(path, &format!("kubernetesui/{name}")))
        || path
            .rsplit('/')
            .next()
            .is_some_and(|last| last.starts_with("kubernetes-dashboard"))
}

fn check(_: &Ctx, workload: &Workload, out: &mut Emitter) {
    for c in workload.containers() {
        let Some(image) = c.container.image.as_deref() else {
            continue;
        };
        if !is_dashboard(&image_path(image)) {
            continue;
        }
        let insecure: Vec<&str> = c
            .container
            .args
            .iter()
            .chain(c.container.command.iter())
            .flatten()
            .map(String::as_str)
            .filter_map(|a| {
                ["--enable-skip-login", "--enable-insecure-login"]
                    .into_iter()
                    .find(|flag| a == *flag || a.strip_prefix(flag).is_some_and(|v| v == "=true"))
            })
            .collect();
        let extra = if insecure.is_empty() {
            String::new()
        } else {
            format!(", with {}", insecure.join(" and "))
        };
        out.container(
            &c,
            &["image"],
            format!(
                "{} runs the Kubernetes Dashboard ({image}){extra}",
                c.describe()
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::is_dashboard;

    #[test]
    fn dashboard_images() {
        for p in [
            "kubernetesui/dashboard",
            "kubernetesui/dashboard-api",
            "mirror/kubernetesui/dashboard-web",
            "google_containers/kubernetes-dashboard-amd64",
            "kubernetes-dashboard",
        ] {
            assert!(is_dashboard(p), "{p}");
        }
        for p in [
            "kubernetesui/metrics-scraper",
            "grafana/grafana",
            "acme/dashboard",
        ] {
            assert!(!is_dashboard(p), "{p}");
        }
    }
}
