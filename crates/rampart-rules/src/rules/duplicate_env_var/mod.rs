use rampart_core::rule::Category;
use rampart_core::{Check, Ctx, Emitter, Rule, RuleMeta, Severity, Workload};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "duplicate-env-var",
        title: "Container defines the same environment variable twice",
        severity: Severity::Low,
        category: Category::Secrets,
        enabled_by_default: true,
        rationale: "When `env` lists a name twice, the last entry silently wins. A reviewer who \
reads the first one (a safe setting, a reference to a Secret) does not see the later one that \
overrides it, and a merge of two patches or chart layers can turn a setting off without \
anyone noticing. The rule reports every repeated name after its first definition, in init, \
regular and ephemeral containers. Names that `env` sets over keys loaded through `envFrom` \
are the intended way to override and are not reported.",
        remediation: r#"Keep one entry per name:

```yaml
env:
- name: TLS_VERIFY
  value: "true"
```"#,
        references: &[],
        params: &[],
        pss: None,
    },
    check: Check::Workload(check),
};

fn check(_: &Ctx, workload: &Workload, out: &mut Emitter) {
    for c in workload.containers() {
        let env = c.container.env.as_deref().unwrap_or_default();
        for (i, e) in env.iter().enumerate() {
            let Some(first) = env[..i].iter().position(|earlier| earlier.name == e.name) else {
                continue;
            };
            let index = i.to_string();
            out.at_stable(
                c.pointer(&["env", &index, "name"]),
                &c.stable_pointer(&["env", &e.name, &index]),
                format!(
                    "{} defines environment variable {} again (first at env[{first}]); this later entry wins",
                    c.describe(),
                    e.name
                ),
            );
        }
    }
}
