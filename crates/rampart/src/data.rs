//! `rampart data`, and the warning every cluster scan gives when the
//! built-in release data is older than the cluster it judges.

use rampart_core::Diagnostic;
use rampart_core::cluster::ClusterInfo;
use rampart_releases::{Data, Date};

use crate::cli::{DataAge, DataArgs, ListFormat};
use crate::exit;

fn today() -> Option<Date> {
    Date::parse(&jiff::Zoned::now().date().to_string())
}

pub fn run(args: DataArgs) -> u8 {
    let data = Data::embedded();
    let summary = data.summary();
    let written = match args.output {
        ListFormat::Json => crate::out::emit_with(|w| {
            serde_json::to_writer_pretty(&mut *w, &summary)?;
            writeln!(w)
        }),
        ListFormat::Text => crate::out::emit_with(|w| {
            for f in &summary {
                writeln!(
                    w,
                    "{:<22} updated {:<10}  {} entries",
                    f.name, f.updated, f.entries
                )?;
                for s in &f.sources {
                    writeln!(w, "  {s}")?;
                }
            }
            writeln!(
                w,
                "\nRules judge clusters with this data: releases and CVEs newer than these dates are unknown to this build."
            )
        }),
    };
    if !written {
        return exit::ERROR;
    }
    match today() {
        Some(t) if data.stale(args.age.max_days, t) => {
            eprintln!(
                "warning: some of rampart's built-in data is more than {} days old; upgrade rampart or refresh crates/rampart-releases/data",
                args.age.max_days
            );
            exit::FINDINGS
        }
        _ => exit::CLEAN,
    }
}

/// A warning when the inventory is a cluster read more than `age` days
/// after the newest built-in data: releases and CVEs published since are
/// not judged.
pub fn staleness(inventory: &rampart_core::Inventory, age: DataAge) -> Option<Diagnostic> {
    let (_, info) = ClusterInfo::of(inventory)?;
    let read = Date::of_timestamp(&info.collected_at)?;
    let data = Data::embedded();
    if !data.stale(age.max_days, read) {
        return None;
    }
    let dates: Vec<String> = data
        .summary()
        .into_iter()
        .map(|f| format!("{} {}", f.name, f.updated))
        .collect();
    Some(Diagnostic::warning(
        "stale-data",
        format!(
            "rampart's release and CVE data ({}) is more than {} days older than this cluster read ({}): newer releases and CVEs are not judged; upgrade rampart (see `rampart data`)",
            dates.join(", "),
            age.max_days,
            info.collected_at
        ),
    ))
}
