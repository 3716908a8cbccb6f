//! The `rampart` binary: command-line parsing and wiring only. Everything
//! it runs lives in the library crates.

mod admission;
mod cli;
mod data;
mod explain;
mod gator;
mod images;
mod live;
mod netpol;
mod node;
mod out;
mod policy;
mod rbac;
mod scan;
mod snapshot;
mod versions;

use std::process::ExitCode;

use clap::Parser;

#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit codes, as documented in `rampart --help` and docs/exit-codes.md.
pub mod exit {
    /// No finding at or above `--fail-on`, and the input was read cleanly.
    pub const CLEAN: u8 = 0;
    /// At least one finding at or above `--fail-on`.
    pub const FINDINGS: u8 = 1;
    /// Usage, configuration or input error (it wins over findings).
    pub const ERROR: u8 = 2;
}

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    init_tracing(cli.verbose);
    let code = match cli.command {
        cli::Command::Scan(args) => scan::run(args),
        cli::Command::Rules(args) => explain::rules(args),
        cli::Command::Explain(args) => explain::explain(args),
        cli::Command::Rbac(args) => rbac::run(args),
        cli::Command::Netpol(args) => netpol::run(args),
        cli::Command::Images(args) => images::run(args),
        cli::Command::Snapshot(args) => snapshot::run(args),
        cli::Command::Data(args) => data::run(args),
        cli::Command::Node(args) => node::run(args),
        cli::Command::Versions(args) => versions::run(args),
        cli::Command::Admission(args) => admission::run(args),
        cli::Command::Policy(args) => policy::run(args),
    };
    ExitCode::from(code)
}

fn init_tracing(verbose: u8) {
    use std::io::IsTerminal;
    let level = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("RAMPART_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .without_time()
        .with_target(false)
        .init();
}
