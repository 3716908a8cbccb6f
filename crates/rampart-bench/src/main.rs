//! `rampart-bench`: a deterministic Kubernetes manifest corpus generator
//! and an end-to-end benchmark of `rampart scan` on such corpora.

mod cluster;
mod corpus;
mod error;
mod generate;
mod netpol;
mod netpol_corpus;
mod node;
mod rbac;
mod rbac_corpus;
mod rng;
mod run;
mod yaml;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Seed used when none is given; any fixed value works.
const DEFAULT_SEED: u64 = 20_240_611;

#[derive(Parser)]
#[command(
    name = "rampart-bench",
    about = "Generate Kubernetes manifest corpora and benchmark `rampart scan`, the RBAC engine and the NetworkPolicy engine on them"
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Write a deterministic corpus: same --objects, --per-file and --seed
    /// give byte-identical files.
    Corpus {
        /// Number of Kubernetes objects to write (List items count one each).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
        objects: u64,
        /// Directory to write into; created if missing. An existing one must
        /// be empty or a corpus written by this tool.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Objects per YAML file.
        #[arg(long, value_name = "K", default_value_t = 100,
              value_parser = clap::value_parser!(u64).range(1..))]
        per_file: u64,
        /// Seed of the generator.
        #[arg(long, value_name = "S", default_value_t = DEFAULT_SEED)]
        seed: u64,
    },
    /// Time `rampart scan DIR -o json --quiet --no-config` on corpora of
    /// several sizes and print a Markdown table.
    Run {
        /// Corpus sizes in objects, comma-separated.
        #[arg(long, value_name = "N,...", value_delimiter = ',',
              default_value = "1000,10000,100000",
              value_parser = clap::value_parser!(u64).range(1..))]
        sizes: Vec<u64>,
        /// The rampart binary to benchmark.
        #[arg(long, value_name = "PATH", default_value = "target/release/rampart")]
        rampart: PathBuf,
        /// Where corpora are cached, one directory per size.
        #[arg(long, value_name = "DIR", default_value = "target/bench-corpus")]
        work: PathBuf,
        /// Scans per size.
        #[arg(long, value_name = "R", default_value_t = 3,
              value_parser = clap::value_parser!(u32).range(1..))]
        runs: u32,
    },
    /// Write a deterministic RBAC corpus: a cluster's Roles, ClusterRoles
    /// (some aggregated), RoleBindings, ClusterRoleBindings,
    /// ServiceAccounts, token Secrets and Deployments running as those
    /// accounts. Same sizes, --per-file and --seed give byte-identical files.
    RbacCorpus {
        /// Roles and ClusterRoles together (about a tenth ClusterRoles).
        #[arg(long, value_name = "N", default_value_t = 10_000,
              value_parser = clap::value_parser!(u64).range(1..))]
        roles: u64,
        /// RoleBindings and ClusterRoleBindings together (8% cluster-wide).
        #[arg(long, value_name = "N", default_value_t = 50_000)]
        bindings: u64,
        /// Directory to write into; created if missing. An existing one must
        /// be empty or a corpus written by this tool.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Objects per YAML file.
        #[arg(long, value_name = "K", default_value_t = 100,
              value_parser = clap::value_parser!(u64).range(1..))]
        per_file: u64,
        /// Seed of the generator.
        #[arg(long, value_name = "S", default_value_t = DEFAULT_SEED)]
        seed: u64,
    },
    /// Benchmark the RBAC engine on a generated RBAC corpus (cached under
    /// WORK/rbac-ROLES-BINDINGS): inventory load, Model::build, can,
    /// who-can, show and escalation-path latencies in process, then the
    /// `rampart` binary end to end; prints a Markdown table.
    Rbac {
        /// Roles and ClusterRoles together.
        #[arg(long, value_name = "N", default_value_t = 10_000,
              value_parser = clap::value_parser!(u64).range(1..))]
        roles: u64,
        /// RoleBindings and ClusterRoleBindings together.
        #[arg(long, value_name = "N", default_value_t = 50_000)]
        bindings: u64,
        /// Repetitions of every measurement.
        #[arg(long, value_name = "R", default_value_t = 5,
              value_parser = clap::value_parser!(u32).range(1..))]
        runs: u32,
        /// The rampart binary to run end to end.
        #[arg(long, value_name = "PATH", default_value = "target/release/rampart")]
        rampart: PathBuf,
        /// The subcommand run end to end: `rampart COMMAND DIR -o json --quiet --no-config`.
        #[arg(long, value_enum, default_value_t = rbac::EndToEnd::Rbac)]
        command: rbac::EndToEnd,
        /// Where corpora are cached.
        #[arg(long, value_name = "DIR", default_value = "target/bench-corpus")]
        work: PathBuf,
        /// `can` queries per run.
        #[arg(long, value_name = "Q", default_value_t = 1000,
              value_parser = clap::value_parser!(u64).range(1..))]
        can_queries: u64,
        /// `who-can` queries per run.
        #[arg(long, value_name = "Q", default_value_t = 200,
              value_parser = clap::value_parser!(u64).range(1..))]
        who_can_queries: u64,
        /// Seed of the corpus and of the query sets.
        #[arg(long, value_name = "S", default_value_t = DEFAULT_SEED)]
        seed: u64,
    },
    /// Write a deterministic NetworkPolicy corpus: Namespaces (team/env
    /// labels, some sensitive), Deployments, StatefulSets and DaemonSets
    /// (a few on the host network) with app/tier labels and named ports,
    /// and NetworkPolicies (default deny in most namespaces, DNS, tier and
    /// cross-namespace allows, ipBlock with except, endPort, a few
    /// invalid). Same sizes, --per-file and --seed give byte-identical
    /// files.
    NetpolCorpus {
        /// Deployments, StatefulSets and DaemonSets together (about 50
        /// per namespace).
        #[arg(long, value_name = "N", default_value_t = 10_000,
              value_parser = clap::value_parser!(u64).range(1..))]
        workloads: u64,
        /// NetworkPolicies, the few invalid ones included.
        #[arg(long, value_name = "N", default_value_t = 2_000)]
        policies: u64,
        /// Directory to write into; created if missing. An existing one must
        /// be empty or a corpus written by this tool.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Objects per YAML file.
        #[arg(long, value_name = "K", default_value_t = 100,
              value_parser = clap::value_parser!(u64).range(1..))]
        per_file: u64,
        /// Seed of the generator.
        #[arg(long, value_name = "S", default_value_t = DEFAULT_SEED)]
        seed: u64,
    },
    /// Time `rampart scan --cluster` and `rampart snapshot` against a local
    /// HTTPS API server (rampart-testapi, in this process) serving a
    /// synthetic cluster of each size; prints a Markdown table.
    Cluster {
        /// Cluster sizes in objects, comma-separated.
        #[arg(long, value_name = "N,...", value_delimiter = ',',
              default_value = "10000,100000",
              value_parser = clap::value_parser!(u64).range(1..))]
        sizes: Vec<u64>,
        /// The rampart binary to benchmark.
        #[arg(long, value_name = "PATH", default_value = "target/release/rampart")]
        rampart: PathBuf,
        /// The test API server binary.
        #[arg(
            long,
            value_name = "PATH",
            default_value = "target/release/rampart-testapi"
        )]
        testapi: PathBuf,
        /// Runs per size and command.
        #[arg(long, value_name = "R", default_value_t = 3,
              value_parser = clap::value_parser!(u32).range(1..))]
        runs: u32,
    },
    /// Time `rampart node` (all targets), `--record-baseline` and
    /// `--baseline` on generated node roots (under WORK/node-SIZE) of SIZE
    /// processes and SIZE baseline files each; prints a Markdown table.
    Node {
        /// Root sizes, comma-separated.
        #[arg(long, value_name = "N,...", value_delimiter = ',',
              default_value = "1000,10000,100000",
              value_parser = clap::value_parser!(u64).range(7..))]
        sizes: Vec<u64>,
        /// The rampart binary to benchmark.
        #[arg(long, value_name = "PATH", default_value = "target/release/rampart")]
        rampart: PathBuf,
        /// Where node roots are generated.
        #[arg(long, value_name = "DIR", default_value = "target/bench-corpus")]
        work: PathBuf,
        /// Runs per size and command.
        #[arg(long, value_name = "R", default_value_t = 3,
              value_parser = clap::value_parser!(u32).range(1..))]
        runs: u32,
        /// Seed of the generator.
        #[arg(long, value_name = "S", default_value_t = DEFAULT_SEED)]
        seed: u64,
    },
    /// Benchmark the NetworkPolicy engine on a generated corpus (cached
    /// under WORK/netpol-WORKLOADS-POLICIES): inventory load, Model::build,
    /// Classes::build, the full matrix, exposure and `can` latencies in
    /// process, then `rampart netpol matrix` and `rampart netpol` end to
    /// end; prints a Markdown table.
    Netpol {
        /// Deployments, StatefulSets and DaemonSets together.
        #[arg(long, value_name = "N", default_value_t = 10_000,
              value_parser = clap::value_parser!(u64).range(1..))]
        workloads: u64,
        /// NetworkPolicies.
        #[arg(long, value_name = "N", default_value_t = 2_000)]
        policies: u64,
        /// Repetitions of every measurement.
        #[arg(long, value_name = "R", default_value_t = 5,
              value_parser = clap::value_parser!(u32).range(1..))]
        runs: u32,
        /// The rampart binary to run end to end.
        #[arg(long, value_name = "PATH", default_value = "target/release/rampart")]
        rampart: PathBuf,
        /// Where corpora are cached.
        #[arg(long, value_name = "DIR", default_value = "target/bench-corpus")]
        work: PathBuf,
        /// `can` queries between workloads per run.
        #[arg(long, value_name = "Q", default_value_t = 1000,
              value_parser = clap::value_parser!(u64).range(1..))]
        can_queries: u64,
        /// `can` queries between a workload and an external IP per run.
        #[arg(long, value_name = "Q", default_value_t = 200,
              value_parser = clap::value_parser!(u64).range(1..))]
        external_queries: u64,
        /// Seed of the corpus and of the query sets.
        #[arg(long, value_name = "S", default_value_t = DEFAULT_SEED)]
        seed: u64,
    },
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Cmd::Corpus {
            objects,
            out,
            per_file,
            seed,
        } => corpus::write(
            &out,
            &corpus::Params {
                objects,
                per_file,
                seed,
            },
        )
        .map(|s| {
            println!(
                "wrote {} objects in {} files, {} bytes ({:.1} MB, {:.0} bytes/object) to {}",
                s.objects,
                s.files,
                s.bytes,
                s.bytes as f64 / 1e6,
                s.bytes as f64 / s.objects.max(1) as f64,
                out.display()
            );
        }),
        Cmd::Run {
            sizes,
            rampart,
            work,
            runs,
        } => run::run(&run::Options {
            sizes,
            rampart,
            work,
            runs,
            per_file: 100,
            seed: DEFAULT_SEED,
        }),
        Cmd::Cluster {
            sizes,
            rampart,
            testapi,
            runs,
        } => cluster::run(&cluster::Options {
            sizes,
            rampart,
            testapi,
            runs,
        }),
        Cmd::Node {
            sizes,
            rampart,
            work,
            runs,
            seed,
        } => node::run(&node::Options {
            sizes,
            rampart,
            work,
            runs,
            seed,
        }),
        Cmd::RbacCorpus {
            roles,
            bindings,
            out,
            per_file,
            seed,
        } => rbac_corpus::write(
            &out,
            &rbac_corpus::Params {
                roles,
                bindings,
                per_file,
                seed,
            },
        )
        .map(|s| {
            println!(
                "wrote {} objects in {} files, {} bytes ({:.1} MB) to {}",
                s.objects,
                s.files,
                s.bytes,
                s.bytes as f64 / 1e6,
                out.display()
            );
        }),
        Cmd::Rbac {
            roles,
            bindings,
            runs,
            rampart,
            command,
            work,
            can_queries,
            who_can_queries,
            seed,
        } => rbac::run(&rbac::Options {
            roles,
            bindings,
            runs,
            rampart,
            work,
            command,
            can_queries: usize::try_from(can_queries).unwrap_or(usize::MAX),
            who_can_queries: usize::try_from(who_can_queries).unwrap_or(usize::MAX),
            per_file: 100,
            seed,
        }),
        Cmd::NetpolCorpus {
            workloads,
            policies,
            out,
            per_file,
            seed,
        } => netpol_corpus::write(
            &out,
            &netpol_corpus::Params {
                workloads,
                policies,
                per_file,
                seed,
            },
        )
        .map(|s| {
            println!(
                "wrote {} objects in {} files, {} bytes ({:.1} MB) to {}",
                s.objects,
                s.files,
                s.bytes,
                s.bytes as f64 / 1e6,
                out.display()
            );
        }),
        Cmd::Netpol {
            workloads,
            policies,
            runs,
            rampart,
            work,
            can_queries,
            external_queries,
            seed,
        } => netpol::run(&netpol::Options {
            workloads,
            policies,
            runs,
            rampart,
            work,
            can_queries: usize::try_from(can_queries).unwrap_or(usize::MAX),
            external_queries: usize::try_from(external_queries).unwrap_or(usize::MAX),
            per_file: 100,
            seed,
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
