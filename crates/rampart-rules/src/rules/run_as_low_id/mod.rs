use crate::support::refs;
use rampart_core::rule::{Category, ParamDefault, ParamSpec};
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

use crate::support::workloads::{Origin, PodLevelReport, effective};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "run-as-low-id",
        title: "Container runs with a user or group ID below the configured minimum",
        severity: Severity::Low,
        category: Category::PodSecurity,
        enabled_by_default: false,
        rationale: "Low UIDs and GIDs are the node's own: system services and distribution \
users live below 1000, and accounts created on hosts and in images commonly sit below 10000. \
A container process whose UID or GID matches a host account owns that account's files if it \
ever reaches the host filesystem (a hostPath, a runtime breakout), and one that leaves the IDs \
to the image usually runs with the image's root group. Running every workload with high, \
explicit IDs keeps it from colliding with anything on the node. The container's \
`securityContext` overrides the pod's; an ID set nowhere is reported because the image then \
decides. Pods with `hostUsers: false` are skipped (their IDs are remapped on the node), and so \
are Windows pods. Off by default: it asks for a convention many images do not follow.",
        remediation: r#"Run with explicit IDs at or above the minimum, at pod level so every container inherits them:

```yaml
spec:
  securityContext:
    runAsUser: 10001
    runAsGroup: 10001
```"#,
        references: &[refs::NSA_POD_SECURITY_NON_ROOT],
        params: &[
            ParamSpec {
                name: "min-user-id",
                description: "Lowest acceptable runAsUser.",
                default: ParamDefault::Int(10000),
            },
            ParamSpec {
                name: "min-group-id",
                description: "Lowest acceptable runAsGroup.",
                default: ParamDefault::Int(10000),
            },
        ],
        pss: None,
    },
    check: Check::Workload(check),
};

fn check(ctx: &Ctx, workload: &Workload, out: &mut Emitter) {
    if workload.spec.host_users == Some(false) || workload.is_windows() {
        return;
    }
    let pod = workload.spec.security_context.as_ref();
    let checks = [
        (
            "runAsUser",
            "user",
            ctx.params.int("min-user-id"),
            pod.and_then(|p| p.run_as_user),
        ),
        (
            "runAsGroup",
            "group",
            ctx.params.int("min-group-id"),
            pod.and_then(|p| p.run_as_group),
        ),
    ];
    for (field, what, min, pod_value) in checks {
        let mut report = PodLevelReport::new(workload, field);
        let mut pod_low = None;
        for c in workload.containers() {
            let sc = c.container.security_context.as_ref();
            let own = match field {
                "runAsUser" => sc.and_then(|s| s.run_as_user),
                _ => sc.and_then(|s| s.run_as_group),
            };
            let (value, origin) = effective(own, pod_value);
            match value {
                Some(v) if v >= min => continue,
                Some(v) if origin == Origin::Pod => pod_low = Some(v),
                _ => {}
            }
            let message = format!(
                "{} runs with {field}: {} (below the minimum {min})",
                c.describe(),
                value.map_or_else(String::new, |v| v.to_string())
            );
            report.add(out, &c, origin, message);
        }
        report.finish(
            out,
            |list| {
                format!(
                    "the pod's {field}: {} is below the minimum {min} and applies to {list}",
                    pod_low.unwrap_or_default()
                )
            },
            |list| format!("no {field} is set for {list}, so the image decides the {what} ID (minimum {min})"),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::support::images::run_rule;

    #[test]
    fn minimum_is_configurable() {
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext: {runAsUser: 1000, runAsGroup: 999}\n  containers: [{name: a, image: a:1}]\n";
        let config = "rules:\n  run-as-low-id:\n    params: {min-user-id: 1000, min-group-id: 1000}\n";
        let found = run_rule(&super::RULE, config, None, pod);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "/spec/securityContext/runAsGroup");
        assert_eq!(
            found[0].1,
            "the pod's runAsGroup: 999 is below the minimum 1000 and applies to container \"a\""
        );
    }
}
