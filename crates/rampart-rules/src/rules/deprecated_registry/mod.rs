use crate::support::refs;
use rampart_core::rule::{Category, ParamDefault, ParamSpec};
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

use crate::support::images::{containers_with_images, matching_prefix, parse_image};

/// The frozen Kubernetes project registry and the GCR repository behind it;
/// registry.k8s.io serves the same paths.
const FROZEN_K8S: &[&str] = &[
    "k8s.gcr.io",
    "gcr.io/google_containers",
    "gcr.io/google-containers",
];

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "deprecated-registry",
        title: "Image comes from a deprecated registry",
        severity: Severity::Medium,
        category: Category::Images,
        enabled_by_default: true,
        rationale: "The Kubernetes project froze its old registry `k8s.gcr.io` (and the \
`gcr.io/google_containers` repository behind it) in April 2023: no new images or patched \
versions are published there, and the registry may disappear. Images pulled from it stay on \
whatever version was last copied, so security fixes never arrive, and clusters that cannot reach \
it fail to start pods. `registry.k8s.io` serves the same image paths and every newer release.

Add other registries your organisation retires to the `deprecated-registries` parameter.",
        remediation: r#"Pull the same image path from registry.k8s.io:

```yaml
containers:
  - name: metrics-server
    image: registry.k8s.io/metrics-server/metrics-server:v0.7.2  # was k8s.gcr.io/...
```"#,
        references: &[refs::NSA_IMAGES],
        params: &[ParamSpec {
            name: "deprecated-registries",
            description: "Registry hosts or host/path prefixes that must no longer be used. \
Matching stops at `/`.",
            default: ParamDefault::List(FROZEN_K8S),
        }],
        pss: None,
    },
    check: Check::Workload(check),
};

fn check(ctx: &Ctx, workload: &Workload, out: &mut Emitter) {
    let deprecated = ctx.params.list("deprecated-registries");
    for (c, image) in containers_with_images(workload) {
        let r = parse_image(image);
        let Some(prefix) = matching_prefix(&r, deprecated) else {
            continue;
        };
        let frozen = FROZEN_K8S
            .iter()
            .find(|f| prefix.trim_end_matches('/').eq_ignore_ascii_case(f));
        let message = match frozen {
            Some(f) => {
                // `image` starts with the frozen prefix as written, unless it
                // spelled the host in another case; the hint then falls back
                // to the generic advice.
                let rest = image
                    .get(..f.len())
                    .filter(|p| p.eq_ignore_ascii_case(f))
                    .map(|_| &image[f.len()..]);
                match rest {
                    Some(rest) => format!(
                        "{} pulls {image} from {f}, which is frozen and gets no fixes: use registry.k8s.io{rest}",
                        c.describe()
                    ),
                    None => format!(
                        "{} pulls {image} from {f}, which is frozen and gets no fixes: use registry.k8s.io",
                        c.describe()
                    ),
                }
            }
            None => format!(
                "{} pulls {image} from {prefix}, which is listed as deprecated",
                c.describe()
            ),
        };
        out.container(&c, &["image"], message);
    }
}

#[cfg(test)]
mod tests {
    use crate::support::images::run_rule;

    const POD: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  containers:
  - {name: a, image: "k8s.gcr.io/pause:3.9"}
  - {name: b, image: "quay.io/old/app:1"}
"#;

    #[test]
    fn suggests_the_same_path_on_registry_k8s_io() {
        let found = run_rule(&super::RULE, "", None, POD);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].1,
            "container \"a\" pulls k8s.gcr.io/pause:3.9 from k8s.gcr.io, which is frozen and gets no fixes: use registry.k8s.io/pause:3.9"
        );
    }

    #[test]
    fn own_list_replaces_the_default() {
        let config = "rules:\n  deprecated-registry:\n    params:\n      deprecated-registries: [quay.io/old]\n";
        let found = run_rule(&super::RULE, config, None, POD);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].1,
            "container \"b\" pulls quay.io/old/app:1 from quay.io/old, which is listed as deprecated"
        );
    }
}
