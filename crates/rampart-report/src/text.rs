//! Text for people: findings grouped by object, each with the offending
//! line, then a one-line summary. Input problems go to stderr (the
//! binary prints them), so a report piped to a file never hides them.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use owo_colors::{OwoColorize, Style};
use rampart_core::{Finding, Severity};

use crate::Report;

struct Paint {
    on: bool,
}

impl Paint {
    fn style(&self, s: &str, style: Style) -> String {
        if self.on {
            s.style(style).to_string()
        } else {
            s.to_string()
        }
    }

    fn severity(&self, sev: Severity) -> String {
        let label = format!("{:<8}", sev.as_str().to_uppercase());
        let style = match sev {
            Severity::Critical => Style::new().bright_red().bold(),
            Severity::High => Style::new().red(),
            Severity::Medium => Style::new().yellow(),
            Severity::Low => Style::new().cyan(),
            Severity::Info => Style::new().dimmed(),
        };
        self.style(&label, style)
    }
}

pub fn render(report: &Report, color: bool) -> String {
    let p = Paint { on: color };
    let mut out = String::new();
    let shown: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .collect();
    // Group by object (and file), in order of first appearance.
    let mut groups: Vec<(&rampart_core::ObjectRef, Vec<&Finding>)> = Vec::new();
    let mut group_of: HashMap<(*const rampart_core::ObjectRef, &str), usize> = HashMap::new();
    for f in shown {
        let key = (Arc::as_ptr(&f.object), &*f.location.file);
        let i = *group_of.entry(key).or_insert_with(|| {
            groups.push((&f.object, Vec::new()));
            groups.len() - 1
        });
        groups[i].1.push(f);
    }
    let mut lines = Lines::new(report);
    for (object, findings) in &groups {
        let first = &findings[0].location;
        let mut origin = first.file.to_string();
        if let Some(h) = &first.helm_source {
            let _ = write!(origin, " (from {h})");
        }
        let _ = writeln!(
            out,
            "{} {}",
            p.style(&object.to_string(), Style::new().bold()),
            p.style(&origin, Style::new().dimmed())
        );
        for f in findings {
            // The lines that secrets rules point at may hold the secret
            // itself (an env value, a Secret's data); never quote them.
            let quote = f.location.quotable
                && report
                    .rule(&f.rule)
                    .is_none_or(|m| m.category != rampart_core::Category::Secrets);
            finding(&mut out, quote.then_some(&mut lines), f, &p);
        }
        out.push('\n');
    }
    if let Some(c) = report.compliance {
        compliance(&mut out, c, &p);
    }
    summary(&mut out, report, &p);
    out
}

fn compliance(out: &mut String, c: &rampart_core::compliance::Compliance, p: &Paint) {
    use rampart_core::compliance::Status;
    let name = match c.framework {
        rampart_core::rule::Framework::Cis => "CIS Kubernetes Benchmark",
        rampart_core::rule::Framework::NsaCisa => "NSA/CISA Kubernetes Hardening Guidance",
        rampart_core::rule::Framework::Pss => "Pod Security Standards",
    };
    let _ = writeln!(
        out,
        "{}",
        p.style(&format!("Compliance: {name}"), Style::new().bold())
    );
    let width = c.controls.iter().map(|x| x.id.len()).max().unwrap_or(0);
    let (mut passed, mut failed, mut na) = (0, 0, 0);
    for control in &c.controls {
        let status = match control.status {
            Status::Passed => {
                passed += 1;
                p.style("PASS", Style::new().green())
            }
            Status::Failed => {
                failed += 1;
                p.style("FAIL", Style::new().red().bold())
            }
            Status::NotApplicable => {
                na += 1;
                p.style("N/A ", Style::new().dimmed())
            }
        };
        let detail = if control.findings > 0 {
            format!(
                " ({} finding{})",
                control.findings,
                if control.findings == 1 { "" } else { "s" }
            )
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "  {status} {:<width$}  {}{detail}  [{}]",
            control.id,
            control.title,
            control.rules.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "  controls: {passed} pass · {failed} fail · {na} not applicable\n"
    );
}

/// Finds source lines fast: each file's line starts are indexed once.
struct Lines<'a> {
    files: HashMap<&'a str, &'a str>,
    starts: HashMap<&'a str, Vec<usize>>,
}

impl<'a> Lines<'a> {
    fn new(report: &'a Report) -> Self {
        Lines {
            files: report
                .sources
                .iter()
                .map(|s| (&*s.name, s.text.as_str()))
                .collect(),
            starts: HashMap::new(),
        }
    }

    /// The text of 1-based `line` of `file`, without its line break.
    fn get(&mut self, file: &str, line: u32) -> Option<&'a str> {
        let (&name, &text) = self.files.get_key_value(file)?;
        let starts = self.starts.entry(name).or_insert_with(|| {
            std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        });
        let i = line.checked_sub(1)? as usize;
        let start = *starts.get(i)?;
        let end = starts.get(i + 1).map_or(text.len(), |e| e - 1);
        let l = text.get(start..end)?;
        Some(l.strip_suffix('\r').unwrap_or(l))
    }
}

fn finding(out: &mut String, lines: Option<&mut Lines>, f: &Finding, p: &Paint) {
    let loc = &f.location;
    let _ = writeln!(
        out,
        "  {} {}  {}",
        p.severity(f.severity),
        p.style(&f.rule, Style::new().bold()),
        p.style(
            &format!("{}:{}:{}", loc.file, loc.start.line, loc.start.col),
            Style::new().dimmed()
        ),
    );
    let _ = writeln!(out, "           {}", f.message);
    let Some(line) = lines.and_then(|l| l.get(&loc.file, loc.start.line)) else {
        return;
    };
    let num = loc.start.line.to_string();
    let gutter = " ".repeat(num.len());
    let _ = writeln!(
        out,
        "           {} {} {}",
        p.style(&num, Style::new().dimmed()),
        p.style("│", Style::new().dimmed()),
        line
    );
    let start = loc.start.col.saturating_sub(1) as usize;
    let width = line.chars().count();
    let end = if loc.end.line == loc.start.line {
        (loc.end.col.saturating_sub(1) as usize).min(width)
    } else {
        width
    };
    let marks = "^".repeat(end.saturating_sub(start).max(1));
    let hint = match &loc.missing {
        Some(m) => format!(" add `{m}` here"),
        None => String::new(),
    };
    let _ = writeln!(
        out,
        "           {gutter} {} {}{}",
        p.style("│", Style::new().dimmed()),
        " ".repeat(start),
        p.style(&format!("{marks}{hint}"), Style::new().yellow()),
    );
}

fn summary(out: &mut String, report: &Report, p: &Paint) {
    let s = report.summary();
    let mut parts = Vec::new();
    if s.findings == 0 {
        parts.push(p.style("no findings", Style::new().green().bold()));
    } else {
        let by: Vec<String> = s
            .by_severity
            .iter()
            .rev()
            .map(|(sev, n)| format!("{n} {sev}"))
            .collect();
        parts.push(p.style(
            &format!(
                "{} finding{} ({})",
                s.findings,
                if s.findings == 1 { "" } else { "s" },
                by.join(", ")
            ),
            Style::new().bold(),
        ));
    }
    if s.suppressed > 0 {
        parts.push(format!("{} suppressed", s.suppressed));
    }
    if report.baselined > 0 {
        parts.push(format!("{} in baseline", report.baselined));
    }
    if s.errors > 0 {
        parts.push(p.style(
            &format!(
                "{} input error{}",
                s.errors,
                if s.errors == 1 { "" } else { "s" }
            ),
            Style::new().red(),
        ));
    }
    if s.warnings > 0 {
        parts.push(format!(
            "{} warning{}",
            s.warnings,
            if s.warnings == 1 { "" } else { "s" }
        ));
    }
    parts.push(format!(
        "{} object{} in {} file{} scanned",
        report.objects,
        if report.objects == 1 { "" } else { "s" },
        report.sources.len(),
        if report.sources.len() == 1 { "" } else { "s" }
    ));
    let _ = writeln!(out, "{}", parts.join(" · "));
    if s.findings > 0 {
        let _ = writeln!(
            out,
            "{}",
            p.style(
                "Run `rampart explain <rule>` for why a rule matters and how to fix it.",
                Style::new().dimmed()
            )
        );
    }
}
