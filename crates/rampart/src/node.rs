//! `rampart node`: the CIS checks of rampart-node over a node root, as a
//! text or JSON report.

use std::io::Write;

use rampart_node::{Assessment, NodeRoot, Status, Target};

use crate::cli::{ListFormat, NodeArgs, NodeTarget};
use crate::exit;

pub fn run(args: NodeArgs) -> u8 {
    let root = match NodeRoot::new(&args.root) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: node root {}: {e}", args.root.display());
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
            NodeTarget::Policies => Target::Policies,
        })
        .collect();
    let report = rampart_node::run(&root, &targets);
    let written = match args.output {
        ListFormat::Json => crate::out::emit_with(|w| {
            serde_json::to_writer_pretty(&mut *w, &report)?;
            writeln!(w)
        }),
        ListFormat::Text => crate::out::emit_with(|w| text(w, &report)),
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
    writeln!(w, "CIS Kubernetes Benchmark ({})\n", report.benchmark)?;
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
