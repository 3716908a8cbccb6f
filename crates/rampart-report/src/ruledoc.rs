//! A rule's documentation page, rendered from its metadata: the same text
//! serves `rampart explain -o markdown` and the committed docs/rules pages.

use std::fmt::Write as _;

use rampart_core::RuleMeta;
use rampart_core::rule::ParamDefault;

pub fn markdown(m: &RuleMeta) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# `{}`: {}\n", m.id, m.title);
    let _ = writeln!(
        s,
        "| severity | category | default |\n|---|---|---|\n| {} | {} | {} |\n",
        m.severity,
        m.category.as_str(),
        if m.enabled_by_default { "on" } else { "off" }
    );
    let _ = writeln!(s, "## Why it matters\n\n{}\n", m.rationale);
    let _ = writeln!(s, "## How to fix\n\n{}\n", m.remediation);
    if !m.references.is_empty() {
        let _ = writeln!(s, "## References\n");
        for r in m.references {
            let _ = writeln!(s, "- {} {}: {}", r.framework.as_str(), r.id, r.title);
        }
        s.push('\n');
    }
    if !m.params.is_empty() {
        let _ = writeln!(
            s,
            "## Parameters\n\nSet under `rules.{}.params` in `.rampart.yaml`.\n\n| name | default | meaning |\n|---|---|---|",
            m.id
        );
        for p in m.params {
            let default = match p.default {
                ParamDefault::Bool(b) => b.to_string(),
                ParamDefault::Int(i) => i.to_string(),
                ParamDefault::Str(v) => format!("`{v}`"),
                ParamDefault::List(l) => format!("`{l:?}`"),
            };
            let _ = writeln!(s, "| `{}` | {default} | {} |", p.name, p.description);
        }
        s.push('\n');
    }
    let _ = writeln!(
        s,
        "## Exemptions\n\nAnnotate the object, or its pod template, with a reason:\n\n```yaml\nmetadata:\n  annotations:\n    {}{}: \"<why this is safe>\"\n```",
        rampart_core::IGNORE_ANNOTATION_PREFIX,
        m.id
    );
    s
}
