use crate::support::refs;
use rampart_core::rule::{Category, PssControl, PssLevel};
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "privileged-container",
        title: "Container runs privileged",
        severity: Severity::Critical,
        category: Category::PodSecurity,
        enabled_by_default: true,
        rationale: "A privileged container has every Linux capability and access to all host \
devices; it is root on the node in all but name. Anyone who controls it can load kernel \
modules, mount the host's disks and read every other pod's secrets on that node. This applies \
to init and ephemeral containers too, and `privileged: yes` or `on` count: Kubernetes reads \
YAML 1.1 booleans.",
        remediation: r#"Remove `privileged: true` and grant only the capabilities the process needs:

```yaml
securityContext:
  privileged: false
  capabilities:
    drop: ["ALL"]
    add: ["NET_BIND_SERVICE"]   # only if needed
```"#,
        references: &[
            refs::PSS_BASELINE_PRIVILEGED,
            refs::CIS_5_2_2,
            refs::NSA_POD_SECURITY,
        ],
        params: &[],
        pss: Some(PssControl {
            level: PssLevel::Baseline,
            check: "privileged",
            overrides: &[],
        }),
    },
    check: Check::Workload(check),
};

fn check(_: &Ctx, workload: &Workload, out: &mut Emitter) {
    for c in workload.containers() {
        let privileged = c
            .container
            .security_context
            .as_ref()
            .and_then(|sc| sc.privileged);
        if privileged == Some(true) {
            out.container(
                &c,
                &["securityContext", "privileged"],
                format!("{} runs privileged", c.describe()),
            );
        }
    }
}
