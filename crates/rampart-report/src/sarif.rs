//! SARIF 2.1.0 for code scanning (GitHub, GitLab, Azure DevOps). Columns
//! are Unicode code points, as rampart counts them; each result carries a
//! stable partial fingerprint so code scanning tracks it across edits.

use std::collections::BTreeMap;

use rampart_core::{Finding, Level, Severity};
use serde_sarif::sarif::{
    ArtifactLocation, Invocation, Location, LogicalLocation, Message, MultiformatMessageString,
    Notification, PhysicalLocation, PropertyBag, Region, ReportingConfiguration,
    ReportingDescriptor, Result as SResult, ResultLevel, Run, Sarif, Suppression, Tool,
    ToolComponent,
};

use crate::Report;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(sev: Severity) -> ResultLevel {
    match sev {
        Severity::Critical | Severity::High => ResultLevel::Error,
        Severity::Medium => ResultLevel::Warning,
        Severity::Low | Severity::Info => ResultLevel::Note,
    }
}

/// GitHub code scanning ranks security results by this CVSS-like score.
fn security_severity(sev: Severity) -> &'static str {
    match sev {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

/// A file name as a SARIF URI reference: relative paths stay relative (to
/// the repository root, where code scanning resolves them), absolute ones
/// become `file://` URIs.
fn uri(file: &str) -> String {
    let encoded: String = file
        .trim_start_matches("./")
        .chars()
        .flat_map(|c| match c {
            ' ' => "%20".chars().collect::<Vec<_>>(),
            '%' => "%25".chars().collect(),
            '#' => "%23".chars().collect(),
            '?' => "%3F".chars().collect(),
            '\\' => vec!['/'],
            c => vec![c],
        })
        .collect();
    if encoded.starts_with('/') {
        format!("file://{encoded}")
    } else {
        encoded
    }
}

fn text(s: &str) -> Message {
    Message::builder().text(s.to_string()).build()
}

fn multiformat(s: &str) -> MultiformatMessageString {
    MultiformatMessageString::builder()
        .text(s.to_string())
        .build()
}

fn location(f: &Finding) -> Location {
    let loc = &f.location;
    let logical = LogicalLocation::builder()
        .fully_qualified_name(f.object.to_string())
        .kind("object".to_string())
        .build();
    // Helm renders templates into a stream whose lines do not map back to
    // the template, so such results name the template without a region.
    let physical = match (&loc.helm_source, &*loc.file) {
        (Some(h), "<stdin>") => PhysicalLocation::builder()
            .artifact_location(ArtifactLocation::builder().uri(uri(h)).build())
            .build(),
        _ => PhysicalLocation::builder()
            .artifact_location(ArtifactLocation::builder().uri(uri(&loc.file)).build())
            .region(
                Region::builder()
                    .start_line(loc.start.line as i64)
                    .start_column(loc.start.col as i64)
                    .end_line(loc.end.line as i64)
                    .end_column(loc.end.col as i64)
                    .build(),
            )
            .build(),
    };
    Location::builder()
        .physical_location(physical)
        .logical_locations(vec![logical])
        .build()
}

pub fn render(report: &Report) -> String {
    let rules: Vec<ReportingDescriptor> = report
        .rules
        .iter()
        .map(|m| {
            let mut props = BTreeMap::new();
            props.insert(
                "security-severity".to_string(),
                serde_json::Value::from(security_severity(m.severity)),
            );
            props.insert(
                "references".to_string(),
                serde_json::to_value(m.references).unwrap_or_default(),
            );
            let help = format!("{}\n\n{}", m.rationale, m.remediation);
            ReportingDescriptor::builder()
                .id(m.id.to_string())
                .name(m.id.to_string())
                .short_description(multiformat(m.title))
                .full_description(multiformat(m.rationale))
                .help(
                    MultiformatMessageString::builder()
                        .text(help.clone())
                        .markdown(help)
                        .build(),
                )
                .default_configuration(
                    ReportingConfiguration::builder()
                        .level(serde_json::to_value(level(m.severity)).unwrap_or_default())
                        .build(),
                )
                .properties(
                    PropertyBag::builder()
                        .tags(vec![
                            "security".to_string(),
                            m.category.as_str().to_string(),
                        ])
                        .additional_properties(props)
                        .build(),
                )
                .build()
        })
        .collect();
    let results: Vec<SResult> = report
        .findings
        .iter()
        .map(|f| {
            let mut fp = BTreeMap::new();
            fp.insert("rampart/v1".to_string(), f.fingerprint.clone());
            let mut props = BTreeMap::new();
            props.insert(
                "severity".to_string(),
                serde_json::Value::from(f.severity.as_str()),
            );
            props.insert(
                "pointer".to_string(),
                serde_json::Value::from(f.location.pointer.clone()),
            );
            let mut r = SResult::builder()
                .rule_id(f.rule.to_string())
                .level(level(f.severity))
                .message(text(&f.message))
                .locations(vec![location(f)])
                .partial_fingerprints(fp)
                .properties(PropertyBag::builder().additional_properties(props).build())
                .build();
            r.rule_index = report
                .rules
                .iter()
                .position(|m| m.id == f.rule)
                .map(|i| i as i64);
            if let Some(s) = &f.suppressed {
                let kind = if s.kind == "annotation" {
                    "inSource"
                } else {
                    "external"
                };
                r.suppressions = Some(vec![
                    Suppression::builder()
                        .kind(serde_json::Value::from(kind))
                        .justification(s.reason.clone())
                        .build(),
                ]);
            }
            r
        })
        .collect();
    let notifications: Vec<Notification> = report
        .diagnostics
        .iter()
        .map(|d| {
            let lvl = match d.level {
                Level::Error => "error",
                Level::Warning => "warning",
            };
            let mut n = Notification::builder()
                .message(text(&format!("[{}] {}", d.code, d.message)))
                .level(serde_json::Value::from(lvl))
                .build();
            if let Some(file) = &d.file {
                let mut phys = PhysicalLocation::builder()
                    .artifact_location(ArtifactLocation::builder().uri(uri(file)).build())
                    .build();
                if let Some(pos) = d.pos {
                    phys.region = Some(
                        Region::builder()
                            .start_line(pos.line as i64)
                            .start_column(pos.col as i64)
                            .build(),
                    );
                }
                n.locations = Some(vec![Location::builder().physical_location(phys).build()]);
            }
            n
        })
        .collect();
    let failed = report.diagnostics.iter().any(|d| d.level == Level::Error);
    let mut invocation = Invocation::builder().execution_successful(!failed).build();
    if !notifications.is_empty() {
        invocation.tool_execution_notifications = Some(notifications);
    }
    let driver = ToolComponent::builder()
        .name("rampart".to_string())
        .version(report.tool_version.to_string())
        .semantic_version(report.tool_version.to_string())
        .information_uri("https://github.com/rampart-dev/rampart".to_string())
        .rules(rules)
        .build();
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .invocations(vec![invocation])
        .column_kind(serde_json::Value::from("unicodeCodePoints"))
        .build();
    let sarif = Sarif::builder()
        .schema(SCHEMA.to_string())
        .version(serde_json::Value::from("2.1.0"))
        .runs(vec![run])
        .build();
    let mut out = serde_json::to_string_pretty(&sarif).unwrap_or_default();
    out.push('\n');
    out
}
