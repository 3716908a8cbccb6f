//! CIS Kubernetes Benchmark checks over a node's root filesystem.
//!
//! ```no_run
//! use rampart_node::{NodeRoot, Target, run};
//! let root = NodeRoot::new("/host").unwrap();
//! let report = run(&root, &[Target::Node]);
//! for r in &report.results {
//!     println!("{} {:?} {}", r.id, r.status, r.title);
//! }
//! ```
//!
//! Layers, each usable on its own:
//! - [`root`]: [`NodeRoot`], the only I/O — reads, stats and owner names
//!   inside a root directory, symlinks resolved without leaving it;
//! - [`discover`]: components from `/proc/<pid>/cmdline` and static pod
//!   manifests; [`flags`]: pflag-exact command-line parsing;
//! - [`kubelet`]: the kubelet's effective configuration (config file, then
//!   flags over it, then Kubernetes defaults), each value with its source;
//! - [`checks`]: the CIS section 4 checks as data plus one function each;
//! - [`master`]: the CIS section 1 (control plane) and section 2 (etcd)
//!   checks, alike.
//!
//! Judgements use *effective* values, not only what is written: a kubelet
//! with no `rotateCertificates` in its config file fails 4.2.10 because the
//! v1beta1 default is `false` (kube-bench passes it because nothing says
//! `false`), and the evidence says the value is a default.

pub mod checks;
pub mod discover;
pub mod flags;
pub mod kubelet;
pub mod master;
pub mod root;

pub use checks::{Assessment, CheckResult, Status};
pub use discover::{Component, Discovery};
pub use kubelet::KubeletConfig;
pub use root::{FileStat, NodeRoot};

use rampart_core::Diagnostic;
use serde::Serialize;

/// The benchmark whose ids and titles the checks carry (CIS Kubernetes
/// Benchmark v1.12; v2.0.1 keeps the same ids and titles).
pub const BENCHMARK: &str = "cis-1.12";

/// Benchmark target groups, as `--targets` names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    /// Control plane (CIS section 1: files, API server, controller
    /// manager, scheduler).
    Master,
    /// Worker node (CIS section 4).
    Node,
    /// etcd (CIS section 2, from etcd's flags).
    Etcd,
    /// Policies (CIS section 5; maps to manifest rules). Not here.
    Policies,
}

impl Target {
    /// Parses a `--targets` element.
    pub fn parse(s: &str) -> Option<Target> {
        match s {
            "master" | "controlplane" => Some(Target::Master),
            "node" => Some(Target::Node),
            "etcd" => Some(Target::Etcd),
            "policies" => Some(Target::Policies),
            _ => None,
        }
    }
}

/// The outcome of a run.
#[derive(Debug, Serialize)]
pub struct Report {
    /// [`BENCHMARK`].
    pub benchmark: &'static str,
    /// One result per check, in benchmark order.
    pub results: Vec<CheckResult>,
    /// What discovery found (components and where).
    pub discovery: Discovery,
    /// The kubelet's effective configuration, when a kubelet was found.
    pub kubelet: Option<KubeletConfig>,
    /// Problems with the input: unreadable files, assumed config files,
    /// unsupported distributions, targets not implemented.
    #[serde(skip)]
    pub diagnostics: Vec<Diagnostic>,
}

/// Runs the checks of `targets` against `root`.
pub fn run(root: &NodeRoot, targets: &[Target]) -> Report {
    let mut discovery = discover::discover(root);
    let mut diagnostics = std::mem::take(&mut discovery.diagnostics);
    for u in &discovery.unsupported {
        diagnostics.push(Diagnostic::warning(
            "node-unsupported-distribution",
            format!("{u} is not modelled; its embedded components are not checked"),
        ));
    }
    let kubelet = kubelet::effective(root, discovery.find(Component::Kubelet), &mut diagnostics);
    let mut results = Vec::new();
    for t in targets {
        match t {
            Target::Node | Target::Master | Target::Etcd => {
                let facts = checks::Facts {
                    root,
                    discovery: &discovery,
                    kubelet: kubelet.as_ref(),
                };
                let defs = match t {
                    Target::Node => checks::NODE_CHECKS,
                    Target::Master => master::MASTER_CHECKS,
                    _ => master::ETCD_CHECKS,
                };
                results.extend(defs.iter().map(|c| c.run(&facts)));
            }
            other => diagnostics.push(Diagnostic::warning(
                "node-target-unimplemented",
                format!("target {other:?} is not implemented yet; no checks ran for it"),
            )),
        }
    }
    Report {
        benchmark: BENCHMARK,
        results,
        discovery,
        kubelet,
        diagnostics,
    }
}
