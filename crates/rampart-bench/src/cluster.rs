//! `rampart-bench cluster`: `rampart scan --cluster` end to end against a
//! local API server (rampart-testapi) serving a synthetic cluster over
//! HTTPS, and `rampart snapshot` of it.
//!
//! The server runs as its own process: a child forked from a process that
//! holds the served objects would report that memory as its own peak RSS.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::error::{Error, Result};
use crate::run::{self, rss};

pub struct Options {
    pub sizes: Vec<u64>,
    pub rampart: PathBuf,
    pub testapi: PathBuf,
    pub runs: u32,
}

/// A running `rampart-testapi`, killed when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `testapi` serving `size` synthetic objects over HTTPS and
/// writing its kubeconfig to `kubeconfig`; returns once it listens.
fn serve(testapi: &Path, size: u64, kubeconfig: &Path) -> Result<Server> {
    let mut child = Command::new(testapi)
        .args(["--synthetic", &size.to_string(), "--tls", "--token", TOKEN])
        .arg("--kubeconfig-out")
        .arg(kubeconfig)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| {
            Error(format!(
                "starting {}: {e}; build it with cargo build --release -p rampart-testapi",
                testapi.display()
            ))
        })?;
    // The server prints its URL once it listens.
    let mut line = String::new();
    if let Some(out) = child.stdout.take() {
        let _ = BufReader::new(out).read_line(&mut line);
    }
    let server = Server(child);
    if line.trim().is_empty() {
        return Err(Error("the test API server did not start".into()));
    }
    Ok(server)
}

const TOKEN: &str = "bench-token";

pub fn run(opts: &Options) -> Result<()> {
    run::check_binary(&opts.rampart)?;
    let mut table = String::from(
        "| objects served | command | wall (median) | best | objects/s | peak RSS (rampart) |\n\
         |---------------:|---------|--------------:|-----:|----------:|-------------------:|\n",
    );
    for &size in &opts.sizes {
        let dir =
            std::env::temp_dir().join(format!("rampart-bench-cluster-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| Error(e.to_string()))?;
        let kubeconfig = dir.join("kubeconfig");
        let server = serve(&opts.testapi, size, &kubeconfig)?;
        let snap = dir.join("snap");
        let commands: [(&str, Vec<&OsStr>); 2] = [
            (
                "scan --cluster -o json",
                vec![
                    "scan".as_ref(),
                    "--kubeconfig".as_ref(),
                    kubeconfig.as_os_str(),
                    "-o".as_ref(),
                    "json".as_ref(),
                    "--quiet".as_ref(),
                    "--no-config".as_ref(),
                ],
            ),
            (
                "snapshot --cluster",
                vec![
                    "snapshot".as_ref(),
                    "--kubeconfig".as_ref(),
                    kubeconfig.as_os_str(),
                    "-o".as_ref(),
                    snap.as_os_str(),
                    "--overwrite".as_ref(),
                    "--quiet".as_ref(),
                ],
            ),
        ];
        for (label, args) in commands {
            eprintln!("{size} objects: rampart {label}");
            let t = run::repeat(&opts.rampart, &args, opts.runs)?;
            table.push_str(&format!(
                "| {size} | `{label}` | {:.3} s | {:.3} s | {:.0} | {} |\n",
                t.median().as_secs_f64(),
                t.best().as_secs_f64(),
                size as f64 / t.median().as_secs_f64(),
                rss(t.max_rss_kib)
            ));
        }
        drop(server);
        let _ = std::fs::remove_dir_all(&dir);
    }
    print!("{table}");
    Ok(())
}
