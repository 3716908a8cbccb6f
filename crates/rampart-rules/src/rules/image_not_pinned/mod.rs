use crate::support::refs;
use rampart_core::rule::Category;
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

use crate::support::images::{containers_with_images, parse_image};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "image-not-pinned",
        title: "Image is not pinned by digest",
        severity: Severity::Low,
        category: Category::Images,
        enabled_by_default: true,
        rationale: "A tag is a movable pointer: whoever can push to the repository can point \
`web:1.8.3` at different content, and nodes that pull later run it, while the manifest, its \
review and its audit trail stay unchanged. A digest (`@sha256:...`) names the content itself: \
the runtime verifies what it pulls against it, so the image cannot change without a change to \
the manifest. Pinning also makes rollbacks exact and keeps every replica on the same bits.

A reference with both a tag and a digest (`web:1.8.3@sha256:...`) is pinned: the runtime pulls \
by digest and the tag is only a note for readers. A malformed digest does not pin anything; the \
kubelet refuses to pull such a reference.",
        remediation: r#"Pin the image by digest, keeping the tag for readers if you like:

```yaml
containers:
  - name: web
    image: registry.example.com/shop/web:1.8.3@sha256:4f3c2b1a...
```

`crane digest registry.example.com/shop/web:1.8.3` or
`docker buildx imagetools inspect` print the digest of a tag. Tools such as Renovate keep
pinned digests up to date."#,
        references: &[refs::NSA_IMAGES],
        params: &[],
        pss: None,
    },
    check: Check::Workload(check),
};

fn check(_: &Ctx, workload: &Workload, out: &mut Emitter) {
    for (c, image) in containers_with_images(workload) {
        let r = parse_image(image);
        if r.is_pinned() {
            continue;
        }
        let message = if r.digest.is_some() {
            format!(
                "{} names {image} with a malformed digest (expected sha256: and 64 lower-case hex digits); the kubelet will not pull it",
                c.describe()
            )
        } else if r.tag.is_none() {
            format!(
                "{} runs {image} without a tag or digest, so it pulls whatever `latest` points to",
                c.describe()
            )
        } else {
            format!(
                "{} runs {image} by tag, not by digest: the tag can be moved to other content",
                c.describe()
            )
        };
        out.container(&c, &["image"], message);
    }
}
