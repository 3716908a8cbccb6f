use rampart_core::images::LockStatus;
use crate::support::refs;
use rampart_core::rule::{Category, ParamDefault, ParamSpec};
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

use crate::support::images::{containers_with_images, parse_image};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "image-not-in-lockfile",
        title: "Image is not in the image lockfile, or its digest differs",
        severity: Severity::Medium,
        category: Category::Images,
        enabled_by_default: true,
        rationale:
            "An image lockfile records the images a team has reviewed and the digest each is \
known-good at (`rampart images lock`). Checking manifests against it turns every new image, and \
every image whose content changed, into a visible change that someone must approve, instead of \
a line in a large diff: a dependency bump that swaps a base image, a copied manifest that pulls \
from somewhere new, or a digest edited by hand.

The rule runs only when a lockfile is given (`rampart scan --image-lock images.lock`). Spellings \
of one image are equivalent (`nginx:1.27` and `docker.io/library/nginx:1.27`). A reference \
pinned by digest must use a digest the lockfile records for that repository. A reference by tag \
must name a tag the lockfile lists; when the lockfile records a digest for that tag, the \
reference is reported too (parameter `pin-locked-tags`), because what the tag points to today \
may not be the locked image. An entry with `digest: null` accepts its tag as it is.",
        remediation: r#"Review the new or changed image; when it is known-good, record it in the lockfile
(`rampart images lock ./manifests > images.lock` rewrites it from the manifests) and pin the
manifest to the locked digest:

```yaml
# images.lock
apiVersion: rampart.dev/v1
kind: ImageLock
images:
- image: registry.example.com/shop/web:1.8.3
  digest: sha256:4f3c2b1a...
```

```yaml
containers:
  - name: web
    image: registry.example.com/shop/web:1.8.3@sha256:4f3c2b1a...
```"#,
        references: &[refs::NSA_IMAGES],
        params: &[ParamSpec {
            name: "pin-locked-tags",
            description: "Also report a reference by tag when the lockfile records a digest for \
that tag. Turn off when a deploy step substitutes the locked digests into the manifests.",
            default: ParamDefault::Bool(true),
        }],
        pss: None,
    },
    check: Check::Workload(check),
};

fn check(ctx: &Ctx, workload: &Workload, out: &mut Emitter) {
    let Some(lock) = ctx.image_lock else {
        return;
    };
    for (c, image) in containers_with_images(workload) {
        let message = match lock.status(image) {
            LockStatus::Locked => continue,
            LockStatus::Missing => format!(
                "{} runs {image}, which is not in the image lockfile",
                c.describe()
            ),
            LockStatus::OtherDigest { locked } if locked.is_empty() => format!(
                "{} pins {image}, but the image lockfile records no digest for {}",
                c.describe(),
                parse_image(image).name
            ),
            LockStatus::OtherDigest { locked } => format!(
                "{} pins {image}, but the image lockfile locks {} at {}",
                c.describe(),
                parse_image(image).name,
                locked.join(", ")
            ),
            LockStatus::Unpinned { locked } => {
                if !ctx.params.bool("pin-locked-tags") {
                    continue;
                }
                format!(
                    "{} runs {image} by tag; the image lockfile locks it at {locked}: use {image}@{locked}",
                    c.describe()
                )
            }
        };
        out.container(&c, &["image"], message);
    }
}

#[cfg(test)]
mod tests {
    use crate::support::images::run_rule;

    const D: &str = "sha256:0e5a2b9c1f7d3e6a8b4c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a";

    fn lock() -> String {
        format!(
            "apiVersion: rampart.dev/v1\nkind: ImageLock\nimages:\n- image: ghcr.io/acme/web:2.0\n  digest: {D}\n"
        )
    }

    const POD: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  containers:
  - {name: a, image: "ghcr.io/acme/web:2.0"}
  - {name: b, image: "ghcr.io/acme/web:2.1"}
"#;

    #[test]
    fn messages() {
        let found = run_rule(&super::RULE, "", Some(&lock()), POD);
        assert_eq!(
            found,
            [
                (
                    "/spec/containers/0/image".to_string(),
                    format!(
                        "container \"a\" runs ghcr.io/acme/web:2.0 by tag; the image lockfile locks it at {D}: use ghcr.io/acme/web:2.0@{D}"
                    )
                ),
                (
                    "/spec/containers/1/image".to_string(),
                    "container \"b\" runs ghcr.io/acme/web:2.1, which is not in the image lockfile"
                        .to_string()
                ),
            ]
        );
    }

    #[test]
    fn locked_tags_can_stay_unpinned() {
        let config =
            "rules:\n  image-not-in-lockfile:\n    params:\n      pin-locked-tags: false\n";
        let found = run_rule(&super::RULE, config, Some(&lock()), POD);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "/spec/containers/1/image");
    }
}
