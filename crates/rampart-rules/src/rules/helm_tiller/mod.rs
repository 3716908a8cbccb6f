use crate::support::refs;
use rampart_core::rule::Category;
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

use crate::support::objects::{image_path, is_repository};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "helm-tiller",
        title: "Tiller (Helm v2) is deployed",
        severity: Severity::High,
        category: Category::Components,
        enabled_by_default: true,
        rationale: "Tiller, the in-cluster half of Helm v2, installs whatever chart it is sent, \
usually with a cluster-admin service account, and by default listens on gRPC port 44134 \
without authentication. Any pod that can reach it can deploy privileged workloads and take \
over the cluster. Helm v2 reached end of life in November 2020; Helm v3 has no server-side \
component. A container is reported when its image repository is `tiller` \
(`gcr.io/kubernetes-helm/tiller`, `ghcr.io/helm/tiller` or a mirror).",
        remediation: r#"Migrate releases to Helm v3 (`helm 2to3`) and delete Tiller, its Service and its service account binding:

```yaml
# nothing to deploy: Helm v3 runs entirely client-side
# kubectl -n kube-system delete deployment tiller-deploy
# kubectl -n kube-system delete service tiller-deploy
```"#,
        references: &[refs::NSA_UPGRADING],
        params: &[],
        pss: None,
    },
    check: Check::Workload(check),
};

fn check(_: &Ctx, workload: &Workload, out: &mut Emitter) {
    for c in workload.containers() {
        let Some(image) = c.container.image.as_deref() else {
            continue;
        };
        if is_repository(&image_path(image), "tiller") {
            out.container(
                &c,
                &["image"],
                format!("{} runs Tiller ({image}), the Helm v2 server", c.describe()),
            );
        }
    }
}
