use crate::support::refs;
use rampart_core::rule::{Category, ParamDefault, ParamSpec};
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

use crate::support::images::{containers_with_images, matching_prefix, parse_image};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "untrusted-registry",
        title: "Image comes from a registry that is not trusted",
        severity: Severity::High,
        category: Category::Images,
        enabled_by_default: false,
        rationale:
            "Whoever controls the registry an image is pulled from controls the code that runs \
in the cluster. Public registries accept images from anyone, names are easy to typosquat, and an \
account takeover upstream ships straight into every pod that pulls the tag. Hardening guides ask \
that images come only from registries the organisation trusts, usually its own, where images are \
scanned and signed before they are admitted.

The check reads image names as the container runtime does: an image without a registry host \
(`nginx`, `bitnami/redis`) is pulled from Docker Hub (`docker.io/library/nginx`), so it is \
untrusted unless Docker Hub, or the part of it in question, is listed. A first path component \
counts as a registry host only if it contains `.` or `:`, is `localhost` or has upper-case \
letters. (CRI-O can be configured to search other registries for short names, which is one more \
reason to write the registry out.) Prefixes match whole path components: `registry.example.com` does not allow \
`registry.example.com.evil.io`, and `ghcr.io/acme` does not allow `ghcr.io/acme-evil`. A host \
written `*.example.com` allows every host below `example.com`; on a shared service such as \
`*.azurecr.io` that means every customer's registry, so prefer your own registry's full name.

The rule is off by default because only you can say which registries you trust: enable it and \
list them in `allowed-registries`. Enabled with an empty list, it reports every image.",
        remediation: r#"Pull images from a registry you trust, and list it in the configuration:

```yaml
# .rampart.yaml
rules:
  untrusted-registry:
    enabled: true
    params:
      allowed-registries:
        - registry.example.com        # a whole registry
        - ghcr.io/acme                # one organisation on a shared registry
        - docker.io/library           # Docker Hub's official images only
```

```yaml
containers:
  - name: web
    image: registry.example.com/shop/web:1.8.3
```"#,
        references: &[
            refs::NSA_IMAGES,
        ],
        params: &[ParamSpec {
            name: "allowed-registries",
            description: "Registry hosts (`registry.example.com`, `localhost:5000`) or host/path \
prefixes (`ghcr.io/acme`, `docker.io/library`) that images may come from. Matching stops at `/`. \
`*.example.com` stands for every host below example.com (careful: `*.azurecr.io` trusts every \
tenant of that service). Images without a registry host are Docker Hub's (`docker.io`).",
            default: ParamDefault::List(&[]),
        }],
        pss: None,
    },
    check: Check::Workload(check),
};

fn check(ctx: &Ctx, workload: &Workload, out: &mut Emitter) {
    let allowed = ctx.params.list("allowed-registries");
    for (c, image) in containers_with_images(workload) {
        let r = parse_image(image);
        if matching_prefix(&r, allowed).is_some() {
            continue;
        }
        let message = if allowed.is_empty() {
            format!(
                "{} pulls {image} from {}; no registry is trusted yet: list the ones you trust in allowed-registries",
                c.describe(),
                r.registry()
            )
        } else {
            format!(
                "{} pulls {image} ({}) from {}, which allowed-registries does not list",
                c.describe(),
                r.canonical_name(),
                r.registry()
            )
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
  - {name: a, image: nginx:1.27}
  - {name: b, image: registry.example.com/shop/web:1.0}
  - {name: c, image: registry.example.com.evil.io/shop/web:1.0}
  - {name: d, image: ghcr.io/acme/web:2}
  - {name: e, image: ghcr.io/acme-evil/web:2}
  - {name: f, image: REGISTRY.EXAMPLE.COM/shop/web:1.0}
  - {name: g, image: bitnami/redis:7}
"#;

    fn flagged(allowed: &str) -> Vec<String> {
        let config = format!(
            "rules:\n  untrusted-registry:\n    params:\n      allowed-registries: {allowed}\n"
        );
        run_rule(&super::RULE, &config, None, POD)
            .into_iter()
            .map(|(p, _)| p.trim_start_matches("/spec/containers/").to_string())
            .collect()
    }

    #[test]
    fn allowlist_matches_whole_components() {
        assert_eq!(
            flagged("[registry.example.com, ghcr.io/acme/]"),
            ["0/image", "2/image", "4/image", "6/image"]
        );
        // Unqualified images are Docker Hub's; `docker.io/library` allows
        // only the official ones.
        assert_eq!(
            flagged("[docker.io/library]"),
            [
                "1/image", "2/image", "3/image", "4/image", "5/image", "6/image"
            ]
        );
        assert_eq!(
            flagged("[index.docker.io]"),
            ["1/image", "2/image", "3/image", "4/image", "5/image"]
        );
        assert_eq!(flagged("[]").len(), 7);
    }

    #[test]
    fn messages_name_the_registry() {
        let config =
            "rules:\n  untrusted-registry:\n    params:\n      allowed-registries: [ghcr.io]\n";
        let found = run_rule(&super::RULE, config, None, POD);
        assert_eq!(
            found[0].1,
            "container \"a\" pulls nginx:1.27 (docker.io/library/nginx) from docker.io, which allowed-registries does not list"
        );
        let found = run_rule(&super::RULE, "", None, POD);
        assert!(
            found[0].1.contains("no registry is trusted yet"),
            "{}",
            found[0].1
        );
    }
}
