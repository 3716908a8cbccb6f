use rampart_core::node::pointer;
use crate::support::refs;
use rampart_core::rule::{Category, PssControl, PssLevel};
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

use crate::support::pss::{
    APPARMOR_ANNOTATION_PREFIX, apparmor_annotation_allowed, apparmor_type_allowed, setters,
};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "apparmor-profile",
        title: "AppArmor confinement is turned off",
        severity: Severity::High,
        category: Category::PodSecurity,
        enabled_by_default: true,
        rationale: "On nodes with AppArmor, the container runtime confines every container with \
its default profile, which blocks writes to `/proc` and `/sys` entries, mounts and other \
operations that container escapes rely on. Setting the profile to `Unconfined` removes that \
layer. Pod Security Admission accepts only `RuntimeDefault` or `Localhost` in \
`securityContext.appArmorProfile.type` (pod or container), and, in the deprecated \
`container.apparmor.security.beta.kubernetes.io/<container>` annotations of the pod template, \
only an empty value, `runtime/default` or `localhost/<profile>`. Both are checked at every \
version.",
        remediation: r#"Leave the profile unset (the runtime default applies) or set it explicitly:

```yaml
spec:
  securityContext:
    appArmorProfile:
      type: RuntimeDefault
```
Replace `container.apparmor.security.beta.kubernetes.io/*: unconfined` annotations with the field."#,
        references: &[
            refs::PSS_BASELINE_APPARMORPROFILE,
            refs::NSA_POD_SECURITY,
        ],
        params: &[],
        pss: Some(PssControl {
            level: PssLevel::Baseline,
            check: "appArmorProfile",
            overrides: &[],
        }),
    },
    check: Check::Workload(check),
};

fn check(_: &Ctx, workload: &Workload, out: &mut Emitter) {
    for (setter, s) in setters(workload) {
        let Some(profile) = s.app_armor else {
            continue;
        };
        if !apparmor_type_allowed(profile) {
            setter.report(
                workload,
                out,
                &["appArmorProfile", "type"],
                format!(
                    "{} sets AppArmor profile type \"{}\"; only RuntimeDefault or Localhost confine",
                    setter.describe(),
                    profile.type_
                ),
            );
        }
    }
    for (key, value) in workload.template_meta.annotations.iter().flatten() {
        if key.starts_with(APPARMOR_ANNOTATION_PREFIX) && !apparmor_annotation_allowed(value) {
            out.at(
                pointer(workload.path.template, &["metadata", "annotations", key]),
                format!(
                    "annotation {key} sets AppArmor profile \"{value}\"; only runtime/default or localhost/<profile> confine"
                ),
            );
        }
    }
}
