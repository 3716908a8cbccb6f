use rampart_core::node::{pointer, push_index};
use rampart_core::rule::Category;
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "host-aliases",
        title: "Pod overrides name resolution with hostAliases",
        severity: Severity::Low,
        category: Category::HostAccess,
        enabled_by_default: false,
        rationale: "`hostAliases` writes entries into the pod's `/etc/hosts`, which the resolver \
consults before DNS. A manifest can thereby send traffic for a well-known name (a registry, \
an identity provider, a payment API) to an address of its choosing, invisibly to DNS-based \
monitoring and NetworkPolicy reviews that reason in names. It also pins IPs that go stale. Off \
by default: it has legitimate uses in migrations and tests; turn it on where name resolution \
must stay under the cluster's DNS policy.",
        remediation: r#"Remove `hostAliases` and publish the name in DNS instead, for example with a Service:

```yaml
apiVersion: v1
kind: Service
metadata:
  name: legacy-db
spec:
  type: ExternalName
  externalName: db.internal.example.com
```"#,
        references: &[],
        params: &[],
        pss: None,
    },
    check: Check::Workload(check),
};

fn check(_: &Ctx, workload: &Workload, out: &mut Emitter) {
    for (i, alias) in workload.spec.host_aliases.iter().flatten().enumerate() {
        let names = alias.hostnames.as_deref().unwrap_or_default().join(", ");
        let mut p = pointer(workload.path.spec, &["hostAliases"]);
        push_index(&mut p, i);
        let stable = pointer(workload.path.spec, &["hostAliases", &alias.ip]);
        out.at_stable(
            p,
            &stable,
            format!("hostAliases resolves {names} to {} in /etc/hosts", alias.ip),
        );
    }
}
