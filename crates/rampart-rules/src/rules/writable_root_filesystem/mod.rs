use crate::support::refs;
use rampart_core::rule::Category;
use rampart_core::{Check, ContainerKind, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "writable-root-filesystem",
        title: "Container root filesystem is writable",
        severity: Severity::Low,
        category: Category::PodSecurity,
        enabled_by_default: true,
        rationale: "With a writable root filesystem an attacker who gets code execution can \
drop tools, replace binaries or libraries of the image, and persist across process restarts \
inside the container. `readOnlyRootFilesystem: true` makes the image immutable at run time; \
the application then writes only where a volume is mounted. The setting exists only at \
container level, so every init and regular container needs it. Ephemeral debug containers are \
not checked (they exist to be interactive), nor are Windows pods, where the field is not \
supported.",
        remediation: r#"Make the root filesystem read-only and mount writable scratch space where the process needs it:

```yaml
containers:
- name: web
  securityContext:
    readOnlyRootFilesystem: true
  volumeMounts:
  - {name: tmp, mountPath: /tmp}
volumes:
- name: tmp
  emptyDir: {}
```"#,
        references: &[refs::NSA_POD_SECURITY_IMMUTABLE_FILESYSTEM],
        params: &[],
        pss: None,
    },
    check: Check::Workload(check),
};

fn check(_: &Ctx, workload: &Workload, out: &mut Emitter) {
    if workload.is_windows() {
        return;
    }
    for c in workload
        .containers()
        .filter(|c| c.kind != ContainerKind::Ephemeral)
    {
        let read_only = c
            .container
            .security_context
            .as_ref()
            .and_then(|sc| sc.read_only_root_filesystem);
        let problem = match read_only {
            Some(true) => continue,
            Some(false) => "sets readOnlyRootFilesystem: false",
            None => "does not set readOnlyRootFilesystem: true",
        };
        out.container(
            &c,
            &["securityContext", "readOnlyRootFilesystem"],
            format!("{} {problem}, so its root filesystem is writable", c.describe()),
        );
    }
}
