//! Per-control compliance: how the findings of a scan answer each control
//! of a framework (CIS, NSA/CISA, Pod Security Standards).
//!
//! Framework mappings live in the rules' references, never in check logic:
//! a control is as good as the rules that cite it.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::finding::Finding;
use crate::inventory::Inventory;
use crate::rule::{ActiveRule, Check, Framework};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Passed,
    Failed,
    /// Nothing in the input that the control's rules could check (for
    /// example, no pod templates at all for a pod security control).
    NotApplicable,
}

#[derive(Clone, Debug, Serialize)]
pub struct Control {
    pub id: &'static str,
    pub title: &'static str,
    pub status: Status,
    /// The rules that implement this control.
    pub rules: Vec<&'static str>,
    /// Unsuppressed findings of those rules.
    pub findings: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct Compliance {
    pub framework: Framework,
    pub controls: Vec<Control>,
}

/// Summarises `findings` per control of `framework`, over the rules that ran.
pub fn summarize(
    framework: Framework,
    rules: &[ActiveRule],
    findings: &[Finding],
    inventory: &Inventory,
) -> Compliance {
    let has_workloads = inventory
        .objects
        .iter()
        .any(|o| crate::workload::template_path(&o.id.api_version, &o.id.kind).is_some());
    let has_objects = !inventory.objects.is_empty();
    let mut per_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for f in findings.iter().filter(|f| f.suppressed.is_none()) {
        *per_rule.entry(&f.rule).or_default() += 1;
    }
    // Control id → (title, rules, findings, applicable).
    let mut controls: BTreeMap<&'static str, Control> = BTreeMap::new();
    let mut applicable: BTreeMap<&'static str, bool> = BTreeMap::new();
    for active in rules {
        let meta = &active.rule.meta;
        let rule_applies = match active.rule.check {
            Check::Workload(_) => has_workloads,
            Check::Object(_) => has_objects,
            Check::Inventory(_) => has_objects,
        };
        for r in meta.references.iter().filter(|r| r.framework == framework) {
            let c = controls.entry(r.id).or_insert_with(|| Control {
                id: r.id,
                title: r.title,
                status: Status::NotApplicable,
                rules: Vec::new(),
                findings: 0,
            });
            c.rules.push(meta.id);
            c.findings += per_rule.get(meta.id).copied().unwrap_or(0);
            *applicable.entry(r.id).or_default() |= rule_applies;
        }
    }
    let mut controls: Vec<Control> = controls.into_values().collect();
    for c in &mut controls {
        c.status = if c.findings > 0 {
            Status::Failed
        } else if applicable.get(c.id).copied().unwrap_or(false) {
            Status::Passed
        } else {
            Status::NotApplicable
        };
    }
    controls.sort_by_key(|c| natural_key(c.id));
    Compliance {
        framework,
        controls,
    }
}

/// Orders `5.2.10` after `5.2.9`: numeric parts compare as numbers.
fn natural_key(id: &str) -> Vec<(u64, String)> {
    id.split(['.', '/'])
        .map(|part| match part.parse::<u64>() {
            Ok(n) => (n, String::new()),
            Err(_) => (u64::MAX, part.to_string()),
        })
        .collect()
}
