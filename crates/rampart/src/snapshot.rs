//! `rampart snapshot`: a cluster's objects written to a directory that
//! every offline command reads back.

use std::path::Path;

use crate::cli::SnapshotArgs;
use crate::exit;

/// What a snapshot directory holds at its top level.
const LAYOUT: [&str; 3] = [rampart_cluster::INFO_FILE, "cluster", "namespaces"];

pub fn run(args: SnapshotArgs) -> u8 {
    // Checked before reading the cluster (fail fast), but the old snapshot
    // is only removed once the new one has been read: a failed read must
    // not leave the user with nothing.
    let replace = match check(&args.output, args.overwrite) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {}: {e}", args.output.display());
            return exit::ERROR;
        }
    };
    let collection = match crate::live::collect(&args.cluster, args.quiet) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if replace {
        if let Err(e) = clear(&args.output) {
            eprintln!("error: {}: {e}", args.output.display());
            return exit::ERROR;
        }
    }
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

/// Whether `dir` can take a snapshot: new or empty (false), or holding an
/// earlier snapshot that `overwrite` allows to replace (true). Anything
/// else in the directory is refused.
fn check(dir: &Path, overwrite: bool) -> Result<bool, String> {
    let entries: Vec<String> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e.to_string()),
    };
    if entries.is_empty() {
        return Ok(false);
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
    // Only a directory whose cluster.yaml rampart wrote is a snapshot; a
    // repository that happens to have `cluster/` and `namespaces/` is not.
    let ours = std::fs::read_to_string(dir.join(rampart_cluster::INFO_FILE)).is_ok_and(|t| {
        t.contains(rampart_core::cluster::API_VERSION) && t.contains(rampart_core::cluster::KIND)
    });
    if !ours {
        return Err(format!(
            "the directory holds {} but no rampart {}; give an empty or new directory",
            entries.join(", "),
            rampart_cluster::INFO_FILE
        ));
    }
    if !overwrite {
        return Err("a snapshot is already there; give --overwrite to replace it".into());
    }
    Ok(true)
}

/// Removes the snapshot in `dir` (checked by [`check`]).
fn clear(dir: &Path) -> Result<(), String> {
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
