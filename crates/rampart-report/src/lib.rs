//! rampart-report: renders findings for people (text) and machines (JSON,
//! SARIF 2.1.0, JUnit XML). Renderers are pure: a [`Report`] in, a string
//! out; the binary decides where it goes.

mod json;
mod junit;
mod ruledoc;
mod sarif;
mod text;

use std::collections::BTreeMap;

use rampart_core::source::SourceFile;
use rampart_core::{Diagnostic, Finding, Level, RuleMeta, Severity};

pub use json::SCHEMA_VERSION;
pub use ruledoc::markdown as rule_markdown;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Sarif,
    Junit,
}

/// Everything a report shows.
pub struct Report<'a> {
    pub tool_version: &'a str,
    /// All findings, suppressed ones included (marked).
    pub findings: &'a [Finding],
    pub diagnostics: &'a [Diagnostic],
    /// Metadata of the rules that ran.
    pub rules: Vec<&'a RuleMeta>,
    /// Input files, for showing offending lines.
    pub sources: &'a [SourceFile],
    pub objects: usize,
    /// Findings left out because the baseline already has them.
    pub baselined: usize,
    /// Per-control summary, when a framework was asked for.
    pub compliance: Option<&'a rampart_core::compliance::Compliance>,
}

/// Counts shown in every format's summary.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub findings: usize,
    pub suppressed: usize,
    pub by_severity: BTreeMap<Severity, usize>,
    pub errors: usize,
    pub warnings: usize,
}

impl Report<'_> {
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for f in self.findings {
            if f.suppressed.is_some() {
                s.suppressed += 1;
            } else {
                s.findings += 1;
                *s.by_severity.entry(f.severity).or_default() += 1;
            }
        }
        for d in self.diagnostics {
            match d.level {
                Level::Error => s.errors += 1,
                Level::Warning => s.warnings += 1,
            }
        }
        s
    }

    fn rule(&self, id: &str) -> Option<&RuleMeta> {
        self.rules.iter().copied().find(|r| r.id == id)
    }
}

/// Writes `report` in `format` to `out`. `color` applies to text only.
/// Reports are streamed: a scan with a million findings never holds its
/// whole report in memory as one string.
pub fn render(
    report: &Report,
    format: Format,
    color: bool,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        Format::Text => out.write_all(text::render(report, color).as_bytes()),
        Format::Json => json::render(report, out),
        Format::Sarif => sarif::render(report, out),
        Format::Junit => junit::render(report, out),
    }
}
