//! `rampart rules` and `rampart explain`: the rule registry, for people.

use std::fmt::Write as _;

use rampart_core::RuleMeta;
use rampart_core::rule::ParamDefault;

use crate::cli::{DocFormat, ExplainArgs, ListFormat, RulesArgs};
use crate::exit;

pub fn rules(args: RulesArgs) -> u8 {
    let metas: Vec<&RuleMeta> = rampart_rules::all().iter().map(|r| &r.meta).collect();
    let out = match args.output {
        ListFormat::Json => serde_json::to_string_pretty(&metas).unwrap_or_default() + "\n",
        ListFormat::Text => {
            let w = metas.iter().map(|m| m.id.len()).max().unwrap_or(0);
            let mut s = format!(
                "{:<w$}  {:<8}  {:<12}  {}\n",
                "ID", "SEVERITY", "CATEGORY", "TITLE"
            );
            for m in &metas {
                let frameworks: Vec<String> = m
                    .references
                    .iter()
                    .map(|r| format!("{} {}", r.framework.as_str(), r.id))
                    .collect();
                let _ = writeln!(
                    s,
                    "{:<w$}  {:<8}  {:<12}  {}{}{}",
                    m.id,
                    m.severity.as_str(),
                    m.category.as_str(),
                    m.title.replace('`', ""),
                    if m.enabled_by_default {
                        ""
                    } else {
                        " (off by default)"
                    },
                    if frameworks.is_empty() {
                        String::new()
                    } else {
                        format!("  [{}]", frameworks.join(", "))
                    }
                );
            }
            s
        }
    };
    print!("{out}");
    exit::CLEAN
}

pub fn explain(args: ExplainArgs) -> u8 {
    let Some(rule) = rampart_rules::find(&args.rule) else {
        eprintln!("error: no rule `{}`; `rampart rules` lists them", args.rule);
        return exit::ERROR;
    };
    let m = &rule.meta;
    match args.output {
        DocFormat::Json => {
            println!("{}", serde_json::to_string_pretty(m).unwrap_or_default());
            return exit::CLEAN;
        }
        DocFormat::Markdown => {
            print!("{}", rampart_report::rule_markdown(m));
            return exit::CLEAN;
        }
        DocFormat::Text => {}
    }
    let mut s = String::new();
    let _ = writeln!(s, "{} — {}\n", m.id, m.title.replace('`', ""));
    let _ = writeln!(
        s,
        "Severity: {}   Category: {}   {}\n",
        m.severity,
        m.category.as_str(),
        if m.enabled_by_default {
            "On by default"
        } else {
            "Off by default"
        }
    );
    let _ = writeln!(s, "Why it matters\n\n{}\n", m.rationale);
    let _ = writeln!(s, "How to fix\n\n{}\n", m.remediation);
    if !m.references.is_empty() {
        let _ = writeln!(s, "References");
        for r in m.references {
            let _ = writeln!(s, "  {} {}: {}", r.framework.as_str(), r.id, r.title);
        }
        s.push('\n');
    }
    if !m.params.is_empty() {
        let _ = writeln!(
            s,
            "Parameters (set under rules.{}.params in .rampart.yaml)",
            m.id
        );
        for p in m.params {
            let default = match p.default {
                ParamDefault::Bool(b) => b.to_string(),
                ParamDefault::Int(i) => i.to_string(),
                ParamDefault::Str(v) => format!("{v:?}"),
                ParamDefault::List(l) => format!("{l:?}"),
            };
            let _ = writeln!(s, "  {} (default {default}): {}", p.name, p.description);
        }
        s.push('\n');
    }
    let _ = writeln!(
        s,
        "Exempt an object: annotate it (or its pod template) with\n  {}{}: \"<why this is safe>\"",
        rampart_core::IGNORE_ANNOTATION_PREFIX,
        m.id
    );
    print!("{s}");
    exit::CLEAN
}
