//! `rampart rules` and `rampart explain`: the rule registry, for people.

use std::fmt::Write as _;

use rampart_core::RuleMeta;

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
    if crate::out::emit(&out) {
        exit::CLEAN
    } else {
        exit::ERROR
    }
}

pub fn explain(args: ExplainArgs) -> u8 {
    let Some(rule) = rampart_rules::find(&args.rule) else {
        eprintln!("error: no rule `{}`; `rampart rules` lists them", args.rule);
        return exit::ERROR;
    };
    let m = &rule.meta;
    let text = match args.output {
        DocFormat::Json => serde_json::to_string_pretty(m).unwrap_or_default() + "\n",
        // The page reads well in a terminal too; one text serves both.
        DocFormat::Text | DocFormat::Markdown => rampart_report::rule_markdown(m),
    };
    if crate::out::emit(&text) {
        exit::CLEAN
    } else {
        exit::ERROR
    }
}
