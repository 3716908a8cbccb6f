//! `rampart snapshot`: a cluster's objects written to a directory that
//! every offline command reads back.

use std::path::Path;

use crate::cli::SnapshotArgs;
use crate::exit;

/// What a snapshot directory holds at its top level.
const LAYOUT: [&str; 3] = [rampart_cluster::INFO_FILE, "cluster", "namespaces"];

pub fn run(args: SnapshotArgs) -> u8 {
    if let Err(e) = prepare(&args.output, args.overwrite) {
        eprintln!("error: {}: {e}", args.output.display());
        return exit::ERROR;
    }
    let collection = match crate::live::collect(
        &args.cluster.source,
        args.cluster.namespace.clone(),
        args.cluster.probe_anonymous,
        args.quiet,
    ) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if let Err(e) = collection.write(&args.output) {
        eprintln!("error: cannot write {}: {e}", args.output.display());
        return exit::ERROR;
    }
    let gaps: Vec<_> = collection
        .info
        .coverage_gaps
        .iter()
        .map(|g| g.diagnostic())
        .collect();
    crate::scan::print_diagnostics(&gaps);
    eprintln!(
        "wrote {} objects from {} ({}, Kubernetes {}) to {}",
        collection.objects,
        collection.info.server,
        collection.context,
        collection.info.server_version.git_version,
        args.output.display()
    );
    exit::CLEAN
}

/// Makes sure `dir` can take a snapshot: new or empty, or holding an
/// earlier snapshot that `overwrite` allows to replace. Anything else in
/// the directory is left alone and refused.
fn prepare(dir: &Path, overwrite: bool) -> Result<(), String> {
    let entries: Vec<String> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e.to_string()),
    };
    if entries.is_empty() {
        return Ok(());
    }
    let foreign: Vec<&String> = entries
        .iter()
        .filter(|e| !LAYOUT.contains(&e.as_str()))
        .collect();
    if !foreign.is_empty() {
        return Err(format!(
            "the directory holds other files ({}); give an empty or new directory",
            foreign
                .iter()
                .take(3)
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !overwrite {
        return Err("a snapshot is already there; give --overwrite to replace it".into());
    }
    for name in LAYOUT {
        let path = dir.join(name);
        let removed = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else if path.exists() {
            std::fs::remove_file(&path)
        } else {
            Ok(())
        };
        removed.map_err(|e| format!("cannot remove the old {name}: {e}"))?;
    }
    Ok(())
}
