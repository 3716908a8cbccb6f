use crate::support::refs;
use rampart_core::rule::Category;
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

use crate::support::images::{containers_with_images, effective_pull_policy, parse_image};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "image-pull-policy",
        title: "Mutable image is not pulled on every start",
        severity: Severity::Low,
        category: Category::Images,
        enabled_by_default: false,
        rationale:
            "With `imagePullPolicy: IfNotPresent` or `Never`, a node starts whatever it has \
cached under the image's tag. For a tag that has moved, replicas on different nodes run different \
code; and a pod can start a private image that another pod pulled onto the node, without \
credentials of its own, because the kubelet never asks the registry. `Always` makes the kubelet \
resolve the tag with the registry, using the pod's own pull credentials, at every container \
start (layers already present are not downloaded again).

Kubernetes defaults the policy when the manifest sets none: `Always` when the image resolves to \
the tag `latest` (written, or neither tag nor digest), `IfNotPresent` otherwise. So `web:1.8.3` \
without a policy is reported, and `web` is not. An image pinned by digest cannot change, so any \
policy is fine for it; pinning is the better fix.

Off by default: every image this rule reports is also reported by `image-not-pinned`, whose fix \
(pinning) settles both. Enable it when you keep tags and rely on pulls to pick up their updates.",
        remediation: r#"Pin the image by digest (then any pull policy is safe), or pull it on every start:

```yaml
containers:
  - name: web
    image: registry.example.com/shop/web:1.8.3
    imagePullPolicy: Always
```"#,
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
        let (policy, defaulted) = effective_pull_policy(c.container, &r);
        if policy == "Always" {
            continue;
        }
        let message = if defaulted {
            format!(
                "{} sets no imagePullPolicy, so Kubernetes defaults it to IfNotPresent for {image}: nodes reuse whatever they cached under that tag",
                c.describe()
            )
        } else {
            format!(
                "{} pulls {image} with imagePullPolicy {policy}: nodes reuse whatever they cached under that tag",
                c.describe()
            )
        };
        out.container(&c, &["imagePullPolicy"], message);
    }
}
