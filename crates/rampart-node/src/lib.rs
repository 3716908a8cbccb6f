//! CIS Kubernetes Benchmark checks over a node's root filesystem.
//!
//! ```no_run
//! use rampart_node::{NodeRoot, Target, run};
//! let root = NodeRoot::new("/host").unwrap();
//! let report = run(&root, &[Target::Node], &Default::default());
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
//!   checks, alike;
//! - [`audit`]: the API server's audit policy, evaluated as the API server
//!   does, and judged on what CIS 3.2.2 asks it to cover;
//!   [`controlplane`]: the CIS section 3 checks.
//!
//! Judgements use *effective* values, not only what is written: a kubelet
//! with no `rotateCertificates` in its config file fails 4.2.10 because the
//! v1beta1 default is `false` (kube-bench passes it because nothing says
//! `false`), and the evidence says the value is a default.

pub mod audit;
pub mod checks;
pub mod controlplane;
pub mod discover;
pub mod flags;
pub mod integrity;
pub mod kubelet;
pub mod master;
pub mod platform;
pub mod policies;
pub mod root;
pub mod ssh;

pub use checks::{Assessment, CheckResult, Status};
pub use discover::{Component, Discovery};
pub use kubelet::KubeletConfig;
pub use platform::{Platform, PlatformChoice};
pub use root::{FileStat, NodeRoot};

use rampart_core::Diagnostic;
use serde::Serialize;

/// The default benchmark (CIS Kubernetes Benchmark v1.12).
pub const BENCHMARK: &str = "cis-1.12";

/// The benchmark version the checks follow, as `--benchmark` names it.
/// v2.0.1 keeps v1.12's ids and titles; it differs in two places: 4.1.2
/// no longer passes when the kubelet service file is missing, and 3.2.2
/// also asks the audit policy to log CertificateSigningRequests and
/// ServiceAccount token requests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Benchmark {
    /// CIS Kubernetes Benchmark v1.12.
    #[default]
    Cis1_12,
    /// CIS Kubernetes Benchmark v2.0.1.
    Cis2_0,
}

impl Benchmark {
    /// Parses a `--benchmark` value.
    pub fn parse(s: &str) -> Option<Benchmark> {
        match s {
            BENCHMARK => Some(Benchmark::Cis1_12),
            "cis-2.0" => Some(Benchmark::Cis2_0),
            _ => None,
        }
    }

    /// The `--benchmark` name.
    pub fn name(self) -> &'static str {
        match self {
            Benchmark::Cis1_12 => BENCHMARK,
            Benchmark::Cis2_0 => "cis-2.0",
        }
    }
}

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
    /// Control plane configuration (CIS section 3: authentication
    /// mechanisms for users, the audit policy).
    ControlPlane,
    /// Policies (CIS section 5): decided by the cluster; each result
    /// names the rampart rules that check it ([`policies`]).
    Policies,
    /// Host access outside the Kubernetes benchmark (`host.*`: the SSH
    /// daemon, [`ssh`]).
    Host,
}

impl Target {
    /// Parses a `--targets` element.
    pub fn parse(s: &str) -> Option<Target> {
        match s {
            "master" => Some(Target::Master),
            "controlplane" => Some(Target::ControlPlane),
            "node" => Some(Target::Node),
            "etcd" => Some(Target::Etcd),
            "policies" => Some(Target::Policies),
            "host" => Some(Target::Host),
            _ => None,
        }
    }
}

/// What the caller knows that the node root does not.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The platform given by `--platform`; `None` detects it from the root.
    pub platform: Option<Platform>,
    /// The benchmark version given by `--benchmark`.
    pub benchmark: Benchmark,
    /// CIS section 5 ids → the rules citing them, from the rule catalog.
    pub policy_rules: policies::RuleMap,
}

/// The outcome of a run.
#[derive(Debug, Serialize)]
pub struct Report {
    /// The benchmark followed ([`Benchmark::name`]).
    pub benchmark: &'static str,
    /// The platform the checks assumed, and why.
    pub platform: PlatformChoice,
    /// One result per check, in benchmark order.
    pub results: Vec<CheckResult>,
    /// What discovery found (components and where).
    pub discovery: Discovery,
    /// The kubelet's effective configuration, when a kubelet was found.
    pub kubelet: Option<KubeletConfig>,
    /// Problems with the input: unreadable files, assumed config files,
    /// unsupported distributions.
    #[serde(skip)]
    pub diagnostics: Vec<Diagnostic>,
}

/// Runs the checks of `targets` against `root`.
pub fn run(root: &NodeRoot, targets: &[Target], options: &Options) -> Report {
    let mut discovery = discover::discover(root);
    let platform = match options.platform {
        Some(p) => PlatformChoice::given(p),
        None => platform::detect(root, &discovery),
    };
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
            Target::Node | Target::Master | Target::Etcd | Target::ControlPlane | Target::Host => {
                let facts = checks::Facts {
                    root,
                    discovery: &discovery,
                    kubelet: kubelet.as_ref(),
                    benchmark: options.benchmark,
                };
                let defs = match t {
                    Target::Node => checks::NODE_CHECKS,
                    Target::Master => master::MASTER_CHECKS,
                    Target::ControlPlane => controlplane::CONTROLPLANE_CHECKS,
                    Target::Host => ssh::HOST_CHECKS,
                    _ => master::ETCD_CHECKS,
                };
                results.extend(defs.iter().map(|c| platform.run(*t, c, &facts)));
            }
            Target::Policies => results.extend(policies::results(&options.policy_rules)),
        }
    }
    Report {
        benchmark: options.benchmark.name(),
        platform,
        results,
        discovery,
        kubelet,
        diagnostics,
    }
}
