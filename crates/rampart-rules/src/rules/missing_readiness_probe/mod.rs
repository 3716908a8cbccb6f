use rampart_core::rule::Category;
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

use crate::support::objects::{pod_index, report_missing_probe};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "missing-readiness-probe",
        title: "Container behind a Service has no readiness probe",
        severity: Severity::Low,
        category: Category::Reliability,
        enabled_by_default: false,
        rationale: "A Service sends traffic to a pod as soon as its containers have started \
unless a readiness probe says otherwise: during start-up, warm-up and overload, requests \
land on a pod that cannot serve them, and a rollout can replace working pods with broken \
ones. Readiness only matters for pods that receive traffic, so a workload is reported only \
when a Service in the inventory selects its pod template (exact selector matching in the \
same namespace), for every regular container of a continuously running pod.",
        remediation: r#"Add a readiness check that fails while the container cannot serve:

```yaml
readinessProbe:
  httpGet: {path: /ready, port: http}
  periodSeconds: 5
```"#,
        references: &[],
        params: &[],
        pss: None,
    },
    check: Check::Workload(check),
};

fn check(ctx: &Ctx, workload: &Workload, out: &mut Emitter) {
    // A pod without labels is selected by no Service.
    let Some(labels) = workload.template_meta.labels.as_ref() else {
        return;
    };
    let index = pod_index(ctx.inventory);
    let service = index
        .services_selecting(ctx.inventory, ctx.object.namespace(), labels)
        .next()
        .map(|s| s.name().to_string());
    let Some(service) = service else {
        return;
    };
    report_missing_probe(
        workload,
        out,
        "readinessProbe",
        &format!("Service {service} sends it traffic before it is ready"),
    );
}
