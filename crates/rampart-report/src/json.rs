//! The JSON report. Its shape is a contract: `docs/report.schema.json`
//! describes it, tests validate against it, and `schemaVersion` changes
//! whenever a field changes meaning or disappears.

use rayon::prelude::*;
use serde::Serialize;

use crate::Report;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Tool<'a> {
    name: &'static str,
    version: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Summary {
    objects: usize,
    files: usize,
    findings: usize,
    suppressed: usize,
    baselined: usize,
    by_severity: std::collections::BTreeMap<&'static str, usize>,
    errors: usize,
    warnings: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    id: &'a str,
    title: &'a str,
    severity: &'static str,
    category: &'static str,
    remediation: &'a str,
    references: &'a [rampart_core::rule::Reference],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Finding<'a> {
    rule: &'a str,
    severity: &'static str,
    title: &'a str,
    category: &'static str,
    message: &'a str,
    object: &'a rampart_core::ObjectRef,
    location: Location<'a>,
    fingerprint: &'a rampart_core::finding::Fingerprint,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressed: Option<&'a rampart_core::Suppression>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    file: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    pointer: &'a str,
    exact: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    missing: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    helm_source: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Diag<'a> {
    level: rampart_core::Level,
    code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pointer: Option<&'a str>,
    message: &'a str,
}

fn finding<'a>(report: &'a Report, f: &'a rampart_core::Finding) -> Finding<'a> {
    let meta = report.rule(&f.rule);
    Finding {
        rule: &f.rule,
        severity: f.severity.as_str(),
        title: meta.map_or("", |m| m.title),
        category: meta.map_or("", |m| m.category.as_str()),
        message: &f.message,
        object: &f.object,
        location: Location {
            file: &f.location.file,
            line: f.location.start.line,
            column: f.location.start.col,
            end_line: f.location.end.line,
            end_column: f.location.end.col,
            pointer: &f.location.pointer,
            exact: f.location.exact,
            missing: f.location.missing.as_deref(),
            helm_source: f.location.helm_source.as_deref(),
        },
        fingerprint: &f.fingerprint,
        suppressed: f.suppressed.as_ref(),
    }
}

/// Writes `"key":` and the value.
fn field(
    out: &mut dyn std::io::Write,
    first: bool,
    key: &str,
    value: &impl Serialize,
) -> std::io::Result<()> {
    out.write_all(if first { b"{\"" } else { b",\"" })?;
    out.write_all(key.as_bytes())?;
    out.write_all(b"\":")?;
    serde_json::to_writer(&mut *out, value)?;
    Ok(())
}

pub fn render(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let s = report.summary();
    let summary = Summary {
        objects: report.objects,
        files: report.sources.len(),
        findings: s.findings,
        suppressed: s.suppressed,
        baselined: report.baselined,
        by_severity: s
            .by_severity
            .iter()
            .map(|(k, v)| (k.as_str(), *v))
            .collect(),
        errors: s.errors,
        warnings: s.warnings,
    };
    let rules: Vec<Rule> = report
        .rules
        .iter()
        .map(|m| Rule {
            id: m.id,
            title: m.title,
            severity: m.severity.as_str(),
            category: m.category.as_str(),
            remediation: m.remediation,
            references: m.references,
        })
        .collect();
    let diagnostics: Vec<Diag> = report
        .diagnostics
        .iter()
        .map(|d| Diag {
            level: d.level,
            code: d.code,
            file: d.file.as_deref(),
            line: d.pos.map(|p| p.line),
            column: d.pos.map(|p| p.col),
            pointer: d.pointer.as_deref(),
            message: &d.message,
        })
        .collect();
    field(out, true, "schemaVersion", &SCHEMA_VERSION)?;
    field(
        out,
        false,
        "tool",
        &Tool {
            name: "rampart",
            version: report.tool_version,
        },
    )?;
    field(out, false, "summary", &summary)?;
    field(out, false, "rules", &rules)?;
    out.write_all(b",\"findings\":[")?;
    // Findings are serialised in parallel (a large scan has hundreds of
    // thousands), a bounded batch at a time so that the report never sits
    // in memory whole, and written in order.
    const CHUNK: usize = 1024;
    let batch = CHUNK * 2 * rayon::current_num_threads();
    for (b, findings) in report.findings.chunks(batch).enumerate() {
        let parts: Vec<Vec<u8>> = findings
            .par_chunks(CHUNK)
            .map(|chunk| {
                let mut buf = Vec::with_capacity(chunk.len() * 600);
                for f in chunk {
                    buf.push(b',');
                    // Serialising borrowed data into a Vec cannot fail.
                    let _ = serde_json::to_writer(&mut buf, &finding(report, f));
                }
                buf
            })
            .collect();
        for (i, part) in parts.iter().enumerate() {
            // Every part starts with a separator; the very first has none.
            let skip = usize::from(b == 0 && i == 0);
            out.write_all(&part[skip..])?;
        }
    }
    out.write_all(b"]")?;
    field(out, false, "diagnostics", &diagnostics)?;
    if let Some(c) = report.compliance {
        field(out, false, "compliance", c)?;
    }
    out.write_all(b"}\n")
}
