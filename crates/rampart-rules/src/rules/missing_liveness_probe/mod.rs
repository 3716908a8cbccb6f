use rampart_core::rule::Category;
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

use crate::support::objects::report_missing_probe;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "missing-liveness-probe",
        title: "Container has no liveness probe",
        severity: Severity::Low,
        category: Category::Reliability,
        enabled_by_default: false,
        rationale: "Without a liveness probe the kubelet restarts a container only when its \
process exits. A process that deadlocks, leaks into a stuck state or stops serving while \
staying alive keeps its pod Running and Ready until someone notices. Reported for every \
regular container of a pod that runs continuously (restart policy `Always`, the default): \
pods of Jobs and CronJobs, or with `restartPolicy: Never`/`OnFailure`, run to completion and \
are skipped, as are init and ephemeral containers. A liveness probe should check the \
process itself, not its dependencies, or an outage downstream restarts every pod.",
        remediation: r#"Add a cheap liveness check of the process itself:

```yaml
livenessProbe:
  httpGet: {path: /healthz, port: http}
  periodSeconds: 10
  failureThreshold: 3
```"#,
        references: &[],
        params: &[],
        pss: None,
    },
    check: Check::Workload(check),
};

fn check(_: &Ctx, workload: &Workload, out: &mut Emitter) {
    report_missing_probe(
        workload,
        out,
        "livenessProbe",
        "a hung process is never restarted",
    );
}
