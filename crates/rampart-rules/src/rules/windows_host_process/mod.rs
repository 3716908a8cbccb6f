use crate::support::refs;
use rampart_core::rule::{Category, PssControl, PssLevel};
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

use crate::support::pss::setters;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "windows-host-process",
        title: "Windows HostProcess container",
        severity: Severity::Critical,
        category: Category::HostAccess,
        enabled_by_default: true,
        rationale: "A Windows HostProcess container runs directly on the node, as a node user, \
with the node's network and filesystem: the Windows equivalent of a privileged container in \
every host namespace. `windowsOptions.hostProcess: true` at pod level applies to every \
container; at container level to that one. The baseline level forbids it at either level, \
whatever the pod's OS field says.",
        remediation: r#"Remove `hostProcess: true`; run node management through a dedicated, exempted namespace if it is truly needed:

```yaml
securityContext:
  windowsOptions:
    hostProcess: false
```"#,
        references: &[
            refs::PSS_BASELINE_WINDOWSHOSTPROCESS,
            refs::CIS_5_2_10,
        ],
        params: &[],
        pss: Some(PssControl {
            level: PssLevel::Baseline,
            check: "windowsHostProcess",
            overrides: &[],
        }),
    },
    check: Check::Workload(check),
};

fn check(_: &Ctx, workload: &Workload, out: &mut Emitter) {
    for (setter, s) in setters(workload) {
        if s.windows.and_then(|w| w.host_process) == Some(true) {
            setter.report(
                workload,
                out,
                &["windowsOptions", "hostProcess"],
                format!(
                    "{} sets hostProcess: true, which runs directly on the Windows node",
                    setter.describe()
                ),
            );
        }
    }
}
