use rampart_core::node::push_index;
use crate::support::refs;
use rampart_core::rule::Category;
use rampart_core::{Check, Ctx, Emitter, Node, Rule, RuleMeta, Severity};

use crate::support::objects::items;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "ingress-without-tls",
        title: "Ingress serves a host without TLS",
        severity: Severity::Medium,
        category: Category::Network,
        enabled_by_default: true,
        rationale: "Traffic to a host that no `tls` entry covers is served in clear text: \
credentials, session cookies and data cross the network readable and modifiable by anyone on \
the path. A rule's host is covered when a `tls` entry lists the same host, or a wildcard \
(`*.example.com`) that matches it the way both Ingress and certificates match wildcards: \
exactly one DNS label, so `*.example.com` covers `shop.example.com` but neither \
`example.com` nor `a.shop.example.com`. A wildcard rule host is only covered by the same \
wildcard. A `tls` entry without `hosts` uses the controller's default certificate for every \
host, so it covers every rule, including rules without a host. An Ingress with no `tls` at \
all is reported once.",
        remediation: r#"Add a `tls` entry for every host, with a certificate Secret (cert-manager can issue it):

```yaml
spec:
  tls:
  - hosts: [shop.example.com]
    secretName: shop-tls
  rules:
  - host: shop.example.com
    http: {...}
```"#,
        references: &[refs::NSA_NETWORK_SEPARATION_ENCRYPTION],
        params: &[],
        pss: None,
    },
    check: Check::Object(check),
};

fn check(ctx: &Ctx, out: &mut Emitter) {
    let o = ctx.object;
    if o.kind() != "Ingress" || !matches!(o.group(), "networking.k8s.io" | "extensions") {
        return;
    }
    let Some(spec) = o.root.get("spec") else {
        return;
    };
    let rules = items(spec.get("rules"));
    let default_backend = spec.get("defaultBackend").or_else(|| spec.get("backend"));
    if rules.is_empty() && default_backend.is_none() {
        return;
    }
    let tls = items(spec.get("tls"));
    if tls.is_empty() {
        let hosts: Vec<&str> = rules
            .iter()
            .filter_map(|r| r.get("host").and_then(Node::as_str))
            .collect();
        let served = if hosts.is_empty() {
            "every host".to_string()
        } else {
            hosts.join(", ")
        };
        out.at(
            "/spec/tls".into(),
            format!(
                "Ingress {} has no tls section: {served} served over plain HTTP",
                o.name()
            ),
        );
        return;
    }
    let mut tls_hosts = Vec::new();
    for entry in tls {
        let hosts = items(entry.get("hosts"));
        if hosts.is_empty() {
            // The default certificate covers every host.
            return;
        }
        tls_hosts.extend(hosts.iter().filter_map(Node::as_str));
    }
    for (i, rule) in rules.iter().enumerate() {
        let mut p = String::from("/spec/rules");
        push_index(&mut p, i);
        match rule.get("host").and_then(Node::as_str).filter(|h| !h.is_empty()) {
            Some(host) if tls_hosts.iter().any(|t| covers(t, host)) => {}
            Some(host) => {
                p.push_str("/host");
                out.at(
                    p,
                    format!(
                        "Ingress {} serves {host} without TLS: no tls entry covers it",
                        o.name()
                    ),
                );
            }
            None => out.at(
                p,
                format!(
                    "Ingress {}: rule {i} matches every host, and only a tls entry without hosts covers that",
                    o.name()
                ),
            ),
        }
    }
}

/// Whether TLS host `tls` covers Ingress rule host `host`: equal, or a
/// `*.` wildcard matching exactly one leading label of a non-wildcard host.
fn covers(tls: &str, host: &str) -> bool {
    if tls.eq_ignore_ascii_case(host) {
        return true;
    }
    let Some(suffix) = tls.strip_prefix("*.") else {
        return false;
    };
    if host.starts_with('*') {
        return false;
    }
    match host.split_once('.') {
        Some((label, rest)) => !label.is_empty() && rest.eq_ignore_ascii_case(suffix),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::covers;

    #[test]
    fn host_coverage() {
        assert!(covers("shop.example.com", "shop.example.com"));
        assert!(covers("Shop.Example.com", "shop.example.com"));
        assert!(covers("*.example.com", "shop.example.com"));
        assert!(covers("*.example.com", "*.example.com"));
        assert!(!covers("*.example.com", "example.com"));
        assert!(!covers("*.example.com", "a.shop.example.com"));
        assert!(!covers("shop.example.com", "*.example.com"));
        assert!(!covers("*.shop.example.com", "*.example.com"));
        assert!(!covers("example.com", "shop.example.com"));
    }
}
