use crate::support::refs;
use rampart_core::rule::Category;
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity};

use crate::support::objects::{entries, is, is_placeholder};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "secret-data-in-manifest",
        title: "Secret manifest carries its data",
        severity: Severity::High,
        category: Category::Secrets,
        enabled_by_default: true,
        rationale: "A Secret written out with `data` or `stringData` puts the credential wherever \
the manifest goes: the Git history, CI logs, chart packages, backups and every reviewer's \
laptop. `data` is base64, an encoding, not encryption. Anyone who can read the repository can \
use the credential, and rotating it means rewriting history. The finding names the keys that \
hold values, never the values. Keys with empty values and values that are substitution \
placeholders (`${DB_PASSWORD}`, `{{ .Values.password }}`, `<password>`) are not reported, and \
a Secret without data (for instance a `kubernetes.io/service-account-token` Secret that the \
token controller fills) passes.",
        remediation: r#"Keep the value out of the manifest: create the Secret from an external secret store (External Secrets Operator, Secrets Store CSI driver, Vault), or commit it encrypted (Sealed Secrets, SOPS). Rotate any credential that was committed.

```yaml
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: db
spec:
  secretStoreRef: {name: vault, kind: ClusterSecretStore}
  target: {name: db}
  data:
  - secretKey: password
    remoteRef: {key: shop/db, property: password}
```"#,
        references: &[
            refs::CIS_5_4_2,
            refs::NSA_NETWORK_SEPARATION_SECRETS,
        ],
        params: &[],
        pss: None,
    },
    check: Check::Object(check),
};

fn check(ctx: &Ctx, out: &mut Emitter) {
    let o = ctx.object;
    if !is(o, "", "Secret") {
        return;
    }
    for field in ["data", "stringData"] {
        let keys: Vec<&str> = entries(o.root.get(field))
            .iter()
            .filter(|e| {
                e.value
                    .as_str()
                    .is_some_and(|v| !v.trim().is_empty() && !is_placeholder(v))
            })
            .map(|e| &*e.key)
            .collect();
        if keys.is_empty() {
            continue;
        }
        let noun = if keys.len() == 1 { "key" } else { "keys" };
        out.at(
            format!("/{field}"),
            format!(
                "Secret {} holds values in `{field}` for {} {noun}: {}",
                o.name(),
                keys.len(),
                keys.join(", ")
            ),
        );
    }
}
