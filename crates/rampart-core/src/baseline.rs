//! Baselines: today's findings recorded so that later runs report only new
//! ones. Entries are keyed by fingerprint, which ignores line numbers.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::finding::{Finding, Fingerprint};

pub const BASELINE_VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<Entry>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Entry {
    pub fingerprint: String,
    pub rule: String,
    /// `Kind/namespace/name`, for people reading the file.
    pub object: String,
}

impl Baseline {
    pub fn of(findings: &[Finding]) -> Baseline {
        let mut entries: Vec<Entry> = findings
            .iter()
            .filter(|f| f.suppressed.is_none())
            .map(|f| Entry {
                fingerprint: f.fingerprint.to_string(),
                rule: f.rule.to_string(),
                object: f.object.to_string(),
            })
            .collect();
        entries.sort_by(|a, b| {
            (&a.object, &a.rule, &a.fingerprint).cmp(&(&b.object, &b.rule, &b.fingerprint))
        });
        entries.dedup_by(|a, b| a.fingerprint == b.fingerprint);
        Baseline {
            version: BASELINE_VERSION,
            findings: entries,
        }
    }

    pub fn parse(text: &str) -> Result<Baseline, String> {
        let b: Baseline = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if b.version != BASELINE_VERSION {
            return Err(format!(
                "baseline version {} is not supported (expected {BASELINE_VERSION})",
                b.version
            ));
        }
        Ok(b)
    }

    /// The recorded fingerprints; an entry that is not a fingerprint is an
    /// error, not silently ignored.
    pub fn fingerprints(&self) -> Result<HashSet<Fingerprint>, String> {
        self.findings
            .iter()
            .map(|e| e.fingerprint.parse())
            .collect()
    }
}
