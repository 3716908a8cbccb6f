//! `rampart node`: the CIS checks of rampart-node over a node root, as a
//! text or JSON report, or as SARIF or JUnit through the renderers `scan`
//! uses (each check result mapped to the common finding types).

use std::io::Write;
use std::sync::Arc;

use rampart_core::rule::{Category, Framework};
use rampart_core::{Finding, Location, ObjectRef, Pos, RuleMeta, Severity};
use rampart_node::integrity::{self, Baseline};
use rampart_node::platform::Platform;
use rampart_node::policies::RuleMap;
use rampart_node::{Assessment, CheckResult, NodeRoot, Options, Status, Target};

use crate::cli::{NodeArgs, NodeTarget, OutputFormat, PlatformArg};
use crate::exit;

pub fn run(args: NodeArgs) -> u8 {
    let root = match NodeRoot::new(&args.root) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: node root {}: {e}", args.root.display());
            return exit::ERROR;
        }
    };
    if let Some(path) = &args.record_baseline {
        return record_baseline(&root, path);
    }
    // Read before any check runs: a bad baseline is a usage error.
    let baseline = match args.baseline.as_deref().map(Baseline::load).transpose() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: --baseline: {e}");
            return exit::ERROR;
        }
    };
    let targets: Vec<Target> = args
        .targets
        .iter()
        .map(|t| match t {
            NodeTarget::Master => Target::Master,
            NodeTarget::Node => Target::Node,
            NodeTarget::Etcd => Target::Etcd,
            NodeTarget::Controlplane => Target::ControlPlane,
            NodeTarget::Policies => Target::Policies,
            NodeTarget::Host => Target::Host,
        })
        .collect();
    let options = Options {
        platform: match args.platform {
            PlatformArg::Auto => None,
            PlatformArg::SelfManaged => Some(Platform::SelfManaged),
            PlatformArg::Eks => Some(Platform::Eks),
            PlatformArg::Gke => Some(Platform::Gke),
            PlatformArg::Aks => Some(Platform::Aks),
        },
        policy_rules: cis_rules(),
        // clap admits only the names `Benchmark::parse` knows.
        benchmark: rampart_node::Benchmark::parse(&args.benchmark).unwrap_or_default(),
    };
    let mut report = rampart_node::run(&root, &targets, &options);
    if let Some(b) = &baseline {
        let r = integrity::compare(
            &root,
            &report.discovery,
            report.kubelet.as_ref(),
            b,
            &mut report.diagnostics,
        );
        report.results.push(r);
    }
    let written = match args.output {
        OutputFormat::Json => crate::out::emit_with(|w| {
            serde_json::to_writer_pretty(&mut *w, &report)?;
            writeln!(w)
        }),
        OutputFormat::Text => crate::out::emit_with(|w| text(w, &report)),
        OutputFormat::Sarif => render(&root, &report, rampart_report::Format::Sarif),
        OutputFormat::Junit => render(&root, &report, rampart_report::Format::Junit),
    };
    crate::scan::print_diagnostics(&report.diagnostics);
    if !written {
        return exit::ERROR;
    }
    let failed = report
        .results
        .iter()
        .any(|r| r.status == Status::Fail && r.assessment == Assessment::Automated);
    if failed { exit::FINDINGS } else { exit::CLEAN }
}

fn label(s: Status) -> &'static str {
    match s {
        Status::Pass => "PASS",
        Status::Fail => "FAIL",
        Status::Warn => "WARN",
        Status::NotApplicable => "N/A ",
    }
}

fn text(w: &mut dyn Write, report: &rampart_node::Report) -> std::io::Result<()> {
    writeln!(w, "CIS Kubernetes Benchmark ({})", report.benchmark)?;
    writeln!(
        w,
        "Platform: {} ({})\n",
        report.platform.platform.name(),
        report.platform.reason
    )?;
    let mut counts = [0usize; 4];
    for r in &report.results {
        counts[r.status as usize] += 1;
        let mode = match r.assessment {
            Assessment::Automated => "Automated",
            Assessment::Manual => "Manual",
        };
        writeln!(w, "[{}] {} {} ({mode})", label(r.status), r.id, r.title)?;
        for e in &r.evidence {
            writeln!(w, "       {e}")?;
        }
        if r.status == Status::Fail {
            writeln!(
                w,
                "       fix: {}",
                r.remediation.replace('\n', "\n            ")
            )?;
        }
    }
    writeln!(
        w,
        "\n{} pass · {} fail · {} warn · {} not applicable",
        counts[Status::Pass as usize],
        counts[Status::Fail as usize],
        counts[Status::Warn as usize],
        counts[Status::NotApplicable as usize]
    )
}

/// CIS control id → the rules citing it, from the rule catalog's own
/// references: the same rules `scan --framework cis` runs.
fn cis_rules() -> RuleMap {
    let mut map = RuleMap::new();
    for rule in rampart_rules::all() {
        for r in rule
            .meta
            .references
            .iter()
            .filter(|r| r.framework == Framework::Cis)
        {
            map.entry(r.id).or_default().push(rule.meta.id);
        }
    }
    map
}

/// Writes `report` with the SARIF or JUnit renderer of `scan`.
fn render(root: &NodeRoot, report: &rampart_node::Report, format: rampart_report::Format) -> bool {
    let node = Arc::new(ObjectRef {
        api_version: "v1".into(),
        kind: "Node".into(),
        namespace: None,
        // The kubelet registers the node under its hostname by default.
        name: root
            .read_to_string("/etc/hostname")
            .ok()
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "node".to_string()),
    });
    let (rules, findings) = as_findings(&report.results, &node);
    let common = rampart_report::Report {
        tool_version: env!("CARGO_PKG_VERSION"),
        findings: &findings,
        diagnostics: &report.diagnostics,
        rules: rules.iter().collect(),
        sources: &[],
        objects: 1,
        baselined: 0,
        compliance: None,
    };
    crate::out::emit_with(|w| rampart_report::render(&common, format, false, w))
}

/// The check results as the common types: one rule per check that
/// applies, one finding per check that is not a pass.
///
/// A Fail (only automated checks fail) is a `high` finding (SARIF level
/// `error`); a Warn (a manual check, or an automated one rampart could not
/// decide) is an `info` finding (SARIF level `note`, a failing JUnit test
/// case of type `info`) so a person looks at it; a Pass is a rule without
/// findings (a passing JUnit test case). NotApplicable checks are left out:
/// nothing was checked.
fn as_findings(results: &[CheckResult], node: &Arc<ObjectRef>) -> (Vec<RuleMeta>, Vec<Finding>) {
    let mut rules = Vec::new();
    let mut findings = Vec::new();
    for r in results.iter().filter(|r| r.status != Status::NotApplicable) {
        rules.push(RuleMeta {
            id: r.id,
            title: r.title,
            severity: match r.assessment {
                Assessment::Automated => Severity::High,
                Assessment::Manual => Severity::Info,
            },
            // Node and control-plane components and their configuration.
            category: Category::Components,
            enabled_by_default: true,
            rationale: r.rationale,
            remediation: r.remediation,
            references: &[],
            params: &[],
            pss: None,
        });
        let severity = match r.status {
            Status::Fail => Severity::High,
            Status::Warn => Severity::Info,
            Status::Pass | Status::NotApplicable => continue,
        };
        // A check about no one file (say, a flag's default) points at the
        // node's root, line 0: the whole node.
        let (file, line) = r
            .location
            .as_ref()
            .map_or(("/", 0), |l| (l.path.as_str(), l.line));
        let at = Pos { line, col: 1 };
        findings.push(Finding {
            rule: r.id.into(),
            severity,
            message: format!("{}: {}", r.title, r.evidence.join("; ")),
            object: node.clone(),
            location: Location {
                file: Arc::from(file),
                start: at,
                end: at,
                pointer: String::new(),
                exact: line != 0,
                missing: None,
                helm_source: None,
                // Node files can hold keys and tokens: never quote them.
                quotable: false,
            },
            fingerprint: rampart_core::rule::fingerprint(r.id, node, ""),
            suppressed: None,
        });
    }
    (rules, findings)
}

/// `--record-baseline FILE`: records the node's Kubernetes files and says
/// how many; exit 0, or 2 when the file cannot be written.
fn record_baseline(root: &NodeRoot, path: &std::path::Path) -> u8 {
    let now = jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let (baseline, diagnostics) = integrity::record(root, now);
    crate::scan::print_diagnostics(&diagnostics);
    if let Err(e) = baseline.write(path) {
        eprintln!("error: --record-baseline {}: {e}", path.display());
        return exit::ERROR;
    }
    eprintln!(
        "recorded {} entries of {} in {} (mode 0600)",
        baseline.entries.len(),
        baseline.root,
        path.display()
    );
    exit::CLEAN
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(lines: &[&str]) -> Vec<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn fail_is_high_warn_is_info_and_not_applicable_is_left_out() {
        let result = |id, status, assessment| CheckResult {
            id,
            title: "t",
            assessment,
            status,
            evidence: ev(&["/etc/kubernetes/kubelet.conf is -rw-r--r-- (0644)"]),
            rationale: "r",
            remediation: "m",
            location: Some(rampart_node::checks::FileAt::file(
                "/etc/kubernetes/kubelet.conf",
            )),
        };
        let node = Arc::new(ObjectRef {
            api_version: "v1".into(),
            kind: "Node".into(),
            namespace: None,
            name: "n".into(),
        });
        let (rules, findings) = as_findings(
            &[
                result("4.1.5", Status::Fail, Assessment::Automated),
                result("4.1.3", Status::Warn, Assessment::Manual),
                result("4.1.6", Status::Pass, Assessment::Automated),
                result("1.1.1", Status::NotApplicable, Assessment::Automated),
            ],
            &node,
        );
        let ids: Vec<&str> = rules.iter().map(|r| r.id).collect();
        assert_eq!(ids, ["4.1.5", "4.1.3", "4.1.6"]);
        let got: Vec<(&str, Severity)> = findings.iter().map(|f| (&*f.rule, f.severity)).collect();
        assert_eq!(got, [("4.1.5", Severity::High), ("4.1.3", Severity::Info)]);
        assert_eq!(&*findings[0].location.file, "/etc/kubernetes/kubelet.conf");
    }
}
