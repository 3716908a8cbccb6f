use crate::support::refs;
use rampart_core::rule::Category;
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "secret-in-env",
        title: "Secret passed to a container as environment variables",
        severity: Severity::Low,
        category: Category::Secrets,
        enabled_by_default: true,
        rationale: "Environment variables leak far more easily than files: every child process \
inherits them, crash reporters and debug endpoints dump them, `kubectl describe` and process \
listings (`/proc/<pid>/environ`) show them, and they are fixed at start, so a rotated Secret \
needs a restart. A Secret mounted as a volume stays in a tmpfs file the process reads when it \
needs it, with file permissions, and is updated in place on rotation. The rule reports each \
`env[].valueFrom.secretKeyRef` and `envFrom[].secretRef`, in init, regular and ephemeral \
containers.",
        remediation: r#"Mount the Secret as files and point the application at them:

```yaml
containers:
- name: web
  env:
  - name: DB_PASSWORD_FILE
    value: /run/secrets/db/password
  volumeMounts:
  - {name: db, mountPath: /run/secrets/db, readOnly: true}
volumes:
- name: db
  secret:
    secretName: db-credentials
    defaultMode: 0400
```"#,
        references: &[
            refs::CIS_5_4_1,
            refs::NSA_NETWORK_SEPARATION_SECRETS,
        ],
        params: &[],
        pss: None,
    },
    check: Check::Workload(check),
};

fn check(_: &Ctx, workload: &Workload, out: &mut Emitter) {
    for c in workload.containers() {
        for (i, env) in c.container.env.iter().flatten().enumerate() {
            let Some(secret) = env
                .value_from
                .as_ref()
                .and_then(|v| v.secret_key_ref.as_ref())
            else {
                continue;
            };
            let index = i.to_string();
            out.at_stable(
                c.pointer(&["env", &index, "valueFrom", "secretKeyRef"]),
                &c.stable_pointer(&["env", &env.name, "valueFrom", "secretKeyRef"]),
                format!(
                    "{} reads key {} of Secret {} into environment variable {}",
                    c.describe(),
                    secret.key,
                    secret.name,
                    env.name
                ),
            );
        }
        for (i, from) in c.container.env_from.iter().flatten().enumerate() {
            let Some(secret) = from.secret_ref.as_ref() else {
                continue;
            };
            let index = i.to_string();
            out.at_stable(
                c.pointer(&["envFrom", &index, "secretRef"]),
                &c.stable_pointer(&["envFrom", &secret.name, "secretRef"]),
                format!(
                    "{} loads every key of Secret {} into environment variables",
                    c.describe(),
                    secret.name
                ),
            );
        }
    }
}
