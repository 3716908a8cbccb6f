use std::borrow::Cow;

use rampart_core::node::pointer;
use crate::support::refs;
use rampart_core::rule::Category;
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity};

use crate::support::objects::{is, string_entries};
use crate::support::secrets::{credential_evidence, embedded_credentials};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "configmap-credentials",
        title: "ConfigMap holds a credential",
        severity: Severity::Medium,
        category: Category::Secrets,
        enabled_by_default: true,
        rationale: "ConfigMaps are meant for non-confidential settings: RBAC grants read access \
to them far more widely than to Secrets, they are printed by `kubectl describe`, copied into \
logs and support bundles, and never encrypted at rest. A password, token or private key kept \
in one is readable by everyone who can read configuration. A key is reported when its value \
has the shape of a known kind of secret (a private key, a cloud or SaaS token, a URL with a \
password), when its name says it is a credential (`DB_PASSWORD`, `apiKey`) and it holds a \
literal rather than a placeholder, a path or a switch, or when its value is a long random \
string. A value spanning several lines is read as a configuration file (`.properties`, \
`.env`, INI, YAML, JSON) and each credential assigned in it is reported by name and line. \
Only names and the kind of evidence are shown, never the value.",
        remediation: r#"Move the credential to a Secret (ideally synced from an external secret store) and reference it from the pod; keep only non-confidential settings in the ConfigMap:

```yaml
env:
- name: DB_PASSWORD
  valueFrom:
    secretKeyRef: {name: db, key: password}
# better still, mount the Secret as a file:
volumes:
- name: db
  secret: {secretName: db}
```"#,
        references: &[
            refs::CIS_5_4_1,
            refs::NSA_NETWORK_SEPARATION_SECRETS,
        ],
        params: &[],
        pss: None,
    },
    check: Check::Object(check),
};

fn check(ctx: &Ctx, out: &mut Emitter) {
    let o = ctx.object;
    if !is(o, "", "ConfigMap") {
        return;
    }
    for (key, value) in string_entries(o.root.get("data")) {
        let message = if let Some(evidence) = credential_evidence(key, value) {
            format!(
                "ConfigMap {} key {key} holds a credential: {}",
                o.name(),
                evidence.describe()
            )
        } else if value.contains('\n') {
            let found = embedded_credentials(&blank_public_pem(value));
            if found.is_empty() {
                continue;
            }
            let list: Vec<String> = found
                .iter()
                .map(|c| {
                    let name = if c.name.is_empty() {
                        "a value".to_string()
                    } else {
                        c.name.clone()
                    };
                    format!("{name} (line {}: {})", c.line + 1, c.evidence.describe())
                })
                .collect();
            format!(
                "ConfigMap {} file {key} assigns credentials: {}",
                o.name(),
                list.join("; ")
            )
        } else {
            continue;
        };
        out.at(pointer("", &["data", key]), message);
    }
}

/// `text` with the bodies of PEM blocks that are not private keys
/// (certificates, public keys, CA bundles) blanked out, line numbers kept:
/// their base64 is random-looking by nature and public by design.
fn blank_public_pem(text: &str) -> Cow<'_, str> {
    if !text.contains("-----BEGIN") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut public_block = false;
    for line in text.lines() {
        let l = line.trim();
        if let Some(label) = l.strip_prefix("-----BEGIN ") {
            public_block = !label.contains("PRIVATE KEY");
            out.push_str(line);
        } else if l.starts_with("-----END ") {
            public_block = false;
            out.push_str(line);
        } else if !public_block {
            out.push_str(line);
        }
        out.push('\n');
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::blank_public_pem;

    #[test]
    fn public_pem_bodies_are_blanked() {
        let text = "a=1\n-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n";
        let out = blank_public_pem(text);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[2], "");
        assert_eq!(lines[5], "MIIE");
        assert_eq!(lines.len(), text.lines().count());
    }
}
