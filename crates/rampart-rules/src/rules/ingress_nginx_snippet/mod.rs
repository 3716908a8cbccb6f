use rampart_core::node::pointer;
use crate::support::refs;
use rampart_core::rule::Category;
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity};

use crate::support::objects::{entries, is, string_entries};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "ingress-nginx-snippet",
        title: "Ingress injects raw NGINX configuration (snippet annotations)",
        severity: Severity::High,
        category: Category::Network,
        enabled_by_default: true,
        rationale: "Snippet annotations copy their text verbatim into the controller's NGINX \
configuration. Whoever can create or edit an Ingress can then run Lua or read files in the \
controller pod, including its service-account token, which in the default installation can \
read every Secret in the cluster (CVE-2021-25742; the 2025 IngressNightmare family, \
CVE-2025-1974 and CVE-2025-1097/1098/24514, abused the same configuration-injection path). \
Since ingress-nginx v1.9 snippets are refused unless the controller's ConfigMap sets \
`allow-snippet-annotations: \"true\"` (and, from v1.12, `annotations-risk-level: Critical`). \
Reported: every `nginx.ingress.kubernetes.io/*-snippet` annotation (configuration-, server-, \
auth-, stream-, modsecurity-snippet) and the F5 NGINX controller's `nginx.org/*-snippets` \
annotations on an Ingress, and a ConfigMap that turns `allow-snippet-annotations` on (any \
value Go's `strconv.ParseBool` reads as true).",
        remediation: r#"Use the dedicated annotations or a Gateway API filter instead of raw configuration, and keep snippets disabled in the controller:

```yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: ingress-nginx-controller
  namespace: ingress-nginx
data:
  allow-snippet-annotations: "false"
```"#,
        references: &[refs::NSA_NETWORK_SEPARATION],
        params: &[],
        pss: None,
    },
    check: Check::Object(check),
};

/// Values Go's `strconv.ParseBool` reads as true.
const GO_TRUE: &[&str] = &["1", "t", "T", "TRUE", "true", "True"];

fn check(ctx: &Ctx, out: &mut Emitter) {
    let o = ctx.object;
    if is(o, "", "ConfigMap") {
        let allowed = string_entries(o.root.get("data"))
            .any(|(k, v)| k == "allow-snippet-annotations" && GO_TRUE.contains(&v.trim()));
        if allowed {
            out.at(
                "/data/allow-snippet-annotations".into(),
                format!(
                    "ConfigMap {} lets every Ingress inject raw NGINX configuration (allow-snippet-annotations)",
                    o.name()
                ),
            );
        }
        return;
    }
    if o.kind() != "Ingress" || !matches!(o.group(), "networking.k8s.io" | "extensions") {
        return;
    }
    for e in entries(o.root.path(&["metadata", "annotations"])) {
        let key = &*e.key;
        let snippet = key
            .strip_prefix("nginx.ingress.kubernetes.io/")
            .is_some_and(|n| n.ends_with("-snippet"))
            || key
                .strip_prefix("nginx.org/")
                .is_some_and(|n| n.ends_with("-snippets"));
        let has_text = e.value.as_str().is_some_and(|v| !v.trim().is_empty());
        if snippet && has_text {
            out.at(
                pointer("", &["metadata", "annotations", key]),
                format!(
                    "Ingress {} injects raw NGINX configuration through {key}",
                    o.name()
                ),
            );
        }
    }
}
