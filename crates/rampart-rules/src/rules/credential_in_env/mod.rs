use crate::support::refs;
use rampart_core::rule::Category;
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

use crate::support::secrets::credential_evidence;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "credential-in-env",
        title: "Credential written as a literal environment variable",
        severity: Severity::High,
        category: Category::Secrets,
        enabled_by_default: true,
        rationale: "A password, token or key written into a manifest's `env[].value` is in \
plain text in version control, in every rendered chart, in the object stored in etcd and in \
`kubectl get -o yaml` for anyone who can read the workload, which is far more people than can \
read Secrets. An environment variable counts when its value has the shape of a known \
credential (cloud and SaaS token formats, private keys, JSON Web Tokens, URLs or connection \
strings with a password), when its name says it is one (`DB_PASSWORD`, `apiKey`, \
`CLIENT_SECRET`; not `PASSWORD_FILE` or `TOKEN_TTL`) and the value is a literal rather than a \
placeholder, flag, number or path, or when the value is a long random-looking string under a \
name that is not an identifier or digest. The value itself is never shown in findings.",
        remediation: r#"Move the value into a Secret (created outside version control, or encrypted in it) and mount it as a file:

```yaml
env:
- name: DB_PASSWORD_FILE
  value: /run/secrets/db/password
volumeMounts:
- {name: db, mountPath: /run/secrets/db, readOnly: true}
```
and rotate the credential: it has been exposed."#,
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
            let Some(value) = env.value.as_deref() else {
                continue;
            };
            let Some(evidence) = credential_evidence(&env.name, value) else {
                continue;
            };
            // The finding points at the variable's name, not its value:
            // reports quote the source line they point at.
            let index = i.to_string();
            out.at_stable(
                c.pointer(&["env", &index, "name"]),
                &c.stable_pointer(&["env", &env.name, "value"]),
                format!(
                    "{} sets environment variable {} to a literal credential: {}",
                    c.describe(),
                    env.name,
                    evidence.describe()
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::support::images::run_rule;

    #[test]
    fn messages_never_contain_values() {
        let values = [
            "hunter2-but-longer",
            "ghp_0123456789abcdefghijABCDEFGHIJ012345",
            "postgres://app:s3cr3t@db/app",
            "q8Zr3Vt1Nm5Bx7Lk2Jh4Gf6Dp9Sw0Yc",
        ];
        let env: String = values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("    - {{name: SECRET_{i}, value: \"{v}\"}}\n"))
            .collect();
        let pod = format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  containers:\n  - name: a\n    image: a:1\n    env:\n{env}"
        );
        let found = run_rule(&super::RULE, "{}", None, &pod);
        assert_eq!(found.len(), values.len());
        for (_, message) in &found {
            for v in values {
                assert!(!message.contains(v), "{message}");
                assert!(!message.contains("s3cr3t"), "{message}");
            }
        }
    }
}
