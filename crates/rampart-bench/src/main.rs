//! `rampart-bench`: a deterministic Kubernetes manifest corpus generator
//! and an end-to-end benchmark of `rampart scan` on such corpora.

mod corpus;
mod error;
mod generate;
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
    about = "Generate Kubernetes manifest corpora and benchmark `rampart scan` on them"
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
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
