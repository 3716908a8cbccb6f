//! `rampart-testapi`: serve fixture YAML (or a synthetic cluster) as a
//! Kubernetes API server until killed. Prints the URL on stdout.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use rampart_testapi::{Forbidden, Options, objects_from_paths, start, synthetic};

/// A local Kubernetes API server (read-only: discovery, lists with
/// limit/continue, GET, metadata-only answers) backed by fixture YAML, for
/// tests, benchmarks and manual kubectl checks.
#[derive(Parser, Debug)]
// `--version` sets the served version, so clap's own version flag is off.
#[command(name = "rampart-testapi", disable_version_flag = true)]
struct Args {
    /// Fixture files or directories (YAML/JSON), read as rampart reads them.
    #[arg(long, num_args = 1.., value_name = "PATH")]
    fixtures: Vec<PathBuf>,
    /// Also serve this many synthetic objects (see `synthetic()`).
    #[arg(long, value_name = "N")]
    synthetic: Option<usize>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
    /// Serve HTTPS with a fresh CA (see --kubeconfig-out); plain HTTP otherwise.
    #[arg(long)]
    tls: bool,
    /// Require this bearer token.
    #[arg(long, value_name = "T")]
    token: Option<String>,
    /// Let anonymous requests GET /api (otherwise 401 when --token is set).
    #[arg(long)]
    anonymous_api: bool,
    /// Answer 403 to reads of RESOURCE[.GROUP][@NAMESPACE] (repeatable).
    #[arg(long, value_name = "RESOURCE[.GROUP][@NAMESPACE]")]
    forbid: Vec<Forbidden>,
    /// gitVersion reported by /version.
    #[arg(long, default_value = "v1.33.2")]
    version: String,
    /// Only legacy discovery documents (no apidiscovery.k8s.io/v2).
    #[arg(long)]
    no_aggregated_discovery: bool,
    /// Write a kubeconfig for the server (with the CA and --token) here.
    #[arg(long, value_name = "FILE")]
    kubeconfig_out: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    match run(args).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rampart-testapi: {e}");
            std::process::ExitCode::from(2)
        }
    }
}

async fn run(args: Args) -> Result<(), String> {
    if args.fixtures.is_empty() && args.synthetic.is_none() {
        return Err("nothing to serve: give --fixtures PATH... and/or --synthetic N".into());
    }
    let mut objects = if args.fixtures.is_empty() {
        Vec::new()
    } else {
        objects_from_paths(&args.fixtures)?
    };
    if let Some(n) = args.synthetic {
        objects.extend(synthetic(n));
    }
    let count = objects.len();
    let server = start(Options {
        objects,
        git_version: args.version,
        token: args.token.clone(),
        anonymous_api: args.anonymous_api,
        forbidden: args.forbid,
        tls: args.tls,
        aggregated_discovery: !args.no_aggregated_discovery,
        listen: args.listen,
        ..Options::default()
    })
    .await?;
    if let Some(path) = &args.kubeconfig_out {
        server
            .write_kubeconfig(path, "rampart-testapi", args.token.as_deref())
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    println!("{}", server.url());
    let _ = std::io::stdout().flush();
    eprintln!(
        "rampart-testapi: serving {count} objects at {}",
        server.url()
    );
    // Until killed.
    std::future::pending::<()>().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn cli_is_well_formed() {
        use clap::CommandFactory;
        super::Args::command().debug_assert();
    }
}
