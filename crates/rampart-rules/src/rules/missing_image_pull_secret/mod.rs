use rampart_core::node::pointer;
use rampart_core::rule::Category;
use rampart_core::workload::template_path;
use rampart_core::{Check, Ctx, Emitter, Inventory, Node, Object, Rule, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "missing-image-pull-secret",
        title: "Image pull secret is missing or is not a registry credential",
        severity: Severity::Low,
        category: Category::Images,
        enabled_by_default: true,
        rationale: "The kubelet reads registry credentials only from Secrets of type \
`kubernetes.io/dockerconfigjson` or `kubernetes.io/dockercfg`. An `imagePullSecrets` entry that \
names a Secret of another type, or a Secret that does not exist, is skipped without an error: \
the pull goes to the registry unauthenticated and fails (`ImagePullBackOff`), or, for an image \
already cached on the node, the pod starts without having shown any credential for it.

Manifests often leave pull secrets to another tool, so a name the input does not define is only \
reported when the input does define registry credentials for that namespace (under other names) \
and nothing in the input creates it: a Secret, a SealedSecret, or an ExternalSecret whose target \
has that name. A Secret that the input defines with the wrong type is always reported. Pod \
templates and ServiceAccounts (whose pull secrets pods inherit) are both checked.",
        remediation: r#"Name a registry credential Secret that exists in the pod's namespace:

```yaml
apiVersion: v1
kind: Secret
metadata:
  name: regcred
  namespace: shop
type: kubernetes.io/dockerconfigjson
data:
  .dockerconfigjson: ...   # kubectl create secret docker-registry regcred ...
---
spec:
  imagePullSecrets:
    - name: regcred
```"#,
        references: &[],
        params: &[],
        pss: None,
    },
    check: Check::Object(check),
};

const REGISTRY_TYPES: [&str; 2] = ["kubernetes.io/dockerconfigjson", "kubernetes.io/dockercfg"];

fn check(ctx: &Ctx, out: &mut Emitter) {
    let o = ctx.object;
    let base = if o.kind() == "ServiceAccount" && o.group().is_empty() {
        ""
    } else {
        match template_path(&o.id.api_version, o.kind()) {
            Some(p) => p.spec,
            None => return,
        }
    };
    let Some(refs) = o
        .root
        .at(base)
        .and_then(|spec| spec.get("imagePullSecrets"))
        .and_then(Node::as_seq)
    else {
        return;
    };
    if refs.is_empty() {
        return;
    }
    // As with every pod template check: only a valid template, and only on
    // the object that owns it.
    if !base.is_empty() && !matches!(o.workload(), Some(Ok(w)) if !w.controlled) {
        return;
    }
    let ns = o.namespace();
    let mut credentials_in_input: Option<bool> = None;
    for (i, item) in refs.iter().enumerate() {
        let Some(name) = item
            .get("name")
            .and_then(Node::as_str)
            .filter(|n| !n.is_empty())
        else {
            continue;
        };
        let at = pointer(base, &["imagePullSecrets", &i.to_string(), "name"]);
        // Fingerprinted by the secret's name, so reordering the list keeps it.
        let stable = pointer(base, &["imagePullSecrets", name]);
        let whose = if base.is_empty() {
            format!("ServiceAccount {}", o.name())
        } else {
            "the pod template".to_string()
        };
        if let Some(secret) = ctx.inventory.get("Secret", ns, name) {
            let kind = secret_type(secret);
            if !REGISTRY_TYPES.contains(&kind) {
                out.at_stable(
                    at,
                    &stable,
                    format!(
                        "{whose} uses Secret {name} as an image pull secret, but it has type {kind}; the kubelet reads registry credentials only from kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg Secrets"
                    ),
                );
            }
            continue;
        }
        if created_elsewhere(ctx.inventory, ns, name) {
            continue;
        }
        let managed = *credentials_in_input.get_or_insert_with(|| {
            ctx.inventory
                .of_kind("Secret")
                .any(|s| s.namespace() == ns && REGISTRY_TYPES.contains(&secret_type(s)))
        });
        if managed {
            out.at_stable(
                at,
                &stable,
                format!(
                    "{whose} names image pull secret {name}, which the input does not define, although it defines other registry credentials for {}",
                    ns.map_or_else(|| "this namespace".to_string(), |n| format!("namespace {n}"))
                ),
            );
        }
    }
}

/// A Secret's `type`; the API server defaults a missing one to `Opaque`.
fn secret_type(secret: &Object) -> &str {
    secret
        .root
        .get("type")
        .and_then(Node::as_str)
        .filter(|t| !t.is_empty())
        .unwrap_or("Opaque")
}

/// Whether a controller in the input creates Secret `name` in `ns`: a
/// SealedSecret of that name, or an ExternalSecret targeting it (its
/// target name defaults to its own name).
fn created_elsewhere(inventory: &Inventory, ns: Option<&str>, name: &str) -> bool {
    if inventory
        .get("SealedSecret", ns, name)
        .is_some_and(|s| s.group() == "bitnami.com")
    {
        return true;
    }
    inventory.of_kind("ExternalSecret").any(|e| {
        e.namespace() == ns
            && e.group() == "external-secrets.io"
            && e.root
                .path(&["spec", "target", "name"])
                .and_then(Node::as_str)
                .unwrap_or(e.name())
                == name
    })
}
