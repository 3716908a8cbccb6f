use crate::support::refs;
use rampart_core::rule::Category;
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

use crate::support::images::parse_image;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "image-latest-tag",
        title: "Image uses the `latest` tag or no tag",
        severity: Severity::Medium,
        category: Category::Images,
        enabled_by_default: true,
        rationale: "`latest` (which is also what an image without a tag means) points to \
whatever was pushed last. Two nodes can run different code under the same spec, a rollback \
does not roll back, and anyone who can push to the repository changes what runs in the \
cluster. An image pinned by digest (`@sha256:...`) is immutable and passes this rule whatever \
its tag.",
        remediation: r#"Use an explicit version tag, or better a digest:

```yaml
image: registry.example.com/shop/web:1.8.3
# or
image: registry.example.com/shop/web@sha256:4f3c...
```"#,
        references: &[refs::NSA_IMAGES],
        params: &[],
        pss: None,
    },
    check: Check::Workload(check),
};

fn check(_: &Ctx, workload: &Workload, out: &mut Emitter) {
    for c in workload.containers() {
        let Some(image) = c.container.image.as_deref().filter(|i| !i.is_empty()) else {
            continue;
        };
        let r = parse_image(image);
        if r.digest.is_some() {
            continue;
        }
        let message = match r.tag {
            None => format!("{} image {image} has no tag, which means `latest`", c.describe()),
            Some("latest") => format!("{} uses the mutable tag {image}", c.describe()),
            Some(_) => continue,
        };
        out.container(&c, &["image"], message);
    }
}
