//! Reading a live cluster for any command: the one place the binary runs
//! async code, shows collection progress and turns connection failures
//! into an exit code.

use std::io::IsTerminal;

use rampart_cluster::{Collection, Target};
use rampart_core::source::SourceFile;

use crate::cli::{ClusterScanArgs, ClusterSource};
use crate::exit;

/// Reads the cluster `args` point at.
pub(crate) fn collect(args: &ClusterScanArgs, quiet: bool) -> Result<Collection, u8> {
    let source = &args.source;
    let target = Target {
        kubeconfig: source.kubeconfig.clone(),
        context: source.context.clone(),
        namespace: args.namespace.clone(),
        request_timeout: source.request_timeout,
        probe_anonymous: args.probe_anonymous,
        read_metrics: args.read_metrics,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| {
            eprintln!("error: cannot start the async runtime: {e}");
            exit::ERROR
        })?;
    let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
        let pb = indicatif::ProgressBar::new_spinner();
        pb.set_message("connecting…");
        pb.enable_steady_tick(std::time::Duration::from_millis(120));
        pb
    });
    let started = std::time::Instant::now();
    let result = runtime.block_on(async {
        let conn = rampart_cluster::connect(&target).await?;
        if let Some(pb) = &bar {
            pb.set_message(format!("reading {} ({})…", conn.server, conn.context));
        }
        let progress = |p: rampart_cluster::Progress| {
            if let Some(pb) = &bar {
                pb.set_message(format!(
                    "read {} objects, {}/{} resources…",
                    p.objects, p.resources_done, p.resources_total
                ));
            }
        };
        rampart_cluster::collect(&conn, &progress).await
    });
    if let Some(pb) = bar {
        pb.finish_and_clear();
    }
    // Connections and their tasks end with the runtime, here, not at exit.
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    match result {
        Ok(collection) => {
            tracing::info!(
                "read {} objects from {} ({}) in {:.2?}",
                collection.objects,
                collection.info.server,
                collection.context,
                started.elapsed()
            );
            Ok(collection)
        }
        Err(e) => {
            eprintln!("error: {e}");
            Err(exit::ERROR)
        }
    }
}

/// The cluster's objects as sources for the inventory, named
/// `cluster:<context>/<snapshot path>`.
pub(crate) fn sources(args: &ClusterScanArgs, quiet: bool) -> Result<Vec<SourceFile>, u8> {
    let collection = collect(args, quiet)?;
    let origin = format!("cluster:{}", collection.context);
    Ok(collection.into_sources(&origin))
}

/// The inventory the questions of `rbac` and `netpol` subcommands are
/// answered from: `filenames`, or the cluster when one is asked for,
/// after `preloaded`.
pub(crate) fn inventory(
    filenames: &[String],
    cluster: &ClusterSource,
    mut preloaded: Vec<SourceFile>,
) -> Result<rampart_core::Inventory, u8> {
    if cluster.enabled() {
        if !filenames.is_empty() {
            eprintln!("error: give either -f PATH or --cluster, not both");
            return Err(exit::ERROR);
        }
        let args = ClusterScanArgs {
            source: cluster.clone(),
            ..Default::default()
        };
        preloaded.extend(sources(&args, false)?);
    }
    let files: Vec<rampart_core::source::Input> = filenames
        .iter()
        .map(|f| rampart_core::source::Input::parse(f))
        .collect();
    Ok(rampart_core::Inventory::load_with(
        preloaded,
        &files,
        rampart_core::yaml::Limits::default(),
        &|_| false,
    ))
}
