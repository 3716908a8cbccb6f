//! `rampart scan`: inputs → inventory → rules → filters → report.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use rampart_core::baseline::Baseline;
use rampart_core::compliance;
use rampart_core::config::Config;
use rampart_core::rule::{Framework, Profile, PssLevel, Settings};
use rampart_core::source::Input;
use rampart_core::yaml::Limits;
use rampart_core::{Diagnostic, Inventory, Level, Severity, engine};
use rampart_report::{Format, Report};

use crate::cli::{ColorChoice, FailOn, FrameworkArg, OutputFormat, ScanArgs};
use crate::exit;

fn fail(d: &Diagnostic) -> u8 {
    let loc = d.location();
    if loc.is_empty() {
        eprintln!("error: {}", d.message);
    } else {
        eprintln!("error: {loc}: {}", d.message);
    }
    exit::ERROR
}

pub(crate) fn print_diagnostics(diagnostics: &[Diagnostic]) {
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut sorted: Vec<&Diagnostic> = diagnostics.iter().collect();
    sorted.sort_by_key(|d| std::cmp::Reverse(d.level));
    let mut err = std::io::stderr().lock();
    for d in sorted {
        let (label, code) = match d.level {
            Level::Error => ("error", "\x1b[1;31m"),
            Level::Warning => ("warning", "\x1b[1;33m"),
        };
        let label = if color {
            format!("{code}{label}\x1b[0m")
        } else {
            label.to_string()
        };
        let loc = d.location();
        let sep = if loc.is_empty() { "" } else { ": " };
        let _ = writeln!(err, "{label}[{}]: {loc}{sep}{}", d.code, d.message);
    }
}

fn load_config(args: &ScanArgs, inputs: &[Input]) -> Result<Config, Diagnostic> {
    if args.report.no_config {
        return Ok(Config::default());
    }
    let path = match &args.report.config {
        Some(p) => Some(p.clone()),
        None => {
            let start = inputs
                .iter()
                .find_map(|i| match i {
                    Input::Path(p) => Some(p.clone()),
                    Input::Stdin => None,
                })
                .unwrap_or_else(|| PathBuf::from("."));
            Config::discover(&start)
        }
    };
    match path {
        Some(p) => {
            tracing::info!("using config {}", p.display());
            Config::load(&p)
        }
        None => Ok(Config::default()),
    }
}

pub fn run(args: ScanArgs) -> u8 {
    run_with(args, Vec::new(), None, None)
}

/// Text a command prints above a text report (`rampart versions`' table).
pub type Header = fn(&Inventory) -> String;

/// `rampart scan`, with `preloaded` files read before the inputs (the
/// Kubernetes default roles for `rampart rbac --assume-defaults`) and, when
/// `category` is set, only that category's rules; `header` goes above a
/// text report.
pub fn run_with(
    args: ScanArgs,
    mut preloaded: Vec<rampart_core::source::SourceFile>,
    category: Option<rampart_core::Category>,
    header: Option<Header>,
) -> u8 {
    let inputs: Vec<Input> = args
        .paths
        .iter()
        .chain(&args.filenames)
        .map(|a| Input::parse(a))
        .collect();
    let live = args.cluster.source.enabled();
    if live && !inputs.is_empty() {
        eprintln!(
            "error: give either files to scan or --cluster, not both (scan a snapshot directory to compare)"
        );
        return exit::ERROR;
    }
    if inputs.is_empty() && !live {
        eprintln!(
            "error: nothing to scan; give a file, directory or glob, `-` for stdin, or --cluster (see `rampart scan --help`)"
        );
        return exit::ERROR;
    }
    if !live && args.cluster.namespace.is_some() {
        eprintln!("error: -n/--namespace limits what is read from a cluster; it needs --cluster");
        return exit::ERROR;
    }
    let config = match load_config(&args, &inputs) {
        Ok(c) => c,
        Err(d) => return fail(&d),
    };
    // A framework selects its rules: the Pod Security levels as their
    // profiles, CIS and NSA/CISA as every rule that cites them.
    let framework = args.framework.map(|f| match f {
        FrameworkArg::Cis => Framework::Cis,
        FrameworkArg::Nsa => Framework::NsaCisa,
        FrameworkArg::PssBaseline | FrameworkArg::PssRestricted => Framework::Pss,
    });
    let profile = match (args.framework, args.profile) {
        (Some(FrameworkArg::PssBaseline), _) => Profile::Pss(PssLevel::Baseline),
        (Some(FrameworkArg::PssRestricted), _) => Profile::Pss(PssLevel::Restricted),
        (_, profile) => profile.profile(),
    };
    let mut only = args.report.rules.clone();
    if let Some(f @ (Framework::Cis | Framework::NsaCisa)) = framework {
        if only.is_empty() {
            only = rampart_rules::all()
                .iter()
                .filter(|r| r.meta.references.iter().any(|x| x.framework == f))
                .map(|r| r.meta.id.to_string())
                .collect();
        }
    }
    let image_lock = match &args.image_lock {
        Some(p) => match crate::images::read_lock(p) {
            Ok(lock) => Some(std::sync::Arc::new(lock)),
            Err(d) => return fail(&d),
        },
        None => None,
    };
    let settings = Settings {
        profile,
        pss_version: args.pss_version,
        image_lock,
        target_version: args.target_version,
    };
    let mut active = match config.active_rules(
        rampart_rules::all(),
        &only,
        &args.report.skip_rules,
        settings.profile,
    ) {
        Ok(a) => a,
        Err(d) => return fail(&d),
    };
    if let Some(c) = category {
        active.retain(|a| a.rule.meta.category == c);
    }
    let baseline = match &args.report.baseline {
        Some(p) => match std::fs::read_to_string(p)
            .map_err(|e| e.to_string())
            .and_then(|t| Baseline::parse(&t))
        {
            Ok(b) => Some(b),
            Err(e) => {
                eprintln!("error: baseline {}: {e}", p.display());
                return exit::ERROR;
            }
        },
        None => None,
    };

    if live {
        match crate::live::sources(&args.cluster, args.report.quiet) {
            Ok(sources) => preloaded.extend(sources),
            Err(code) => return code,
        }
    }
    let progress = (!args.report.quiet && std::io::stderr().is_terminal()).then(|| {
        let pb = indicatif::ProgressBar::new_spinner();
        pb.set_message("reading and checking manifests…");
        pb.enable_steady_tick(std::time::Duration::from_millis(120));
        pb
    });
    let started = std::time::Instant::now();
    let format = match args.report.output {
        OutputFormat::Text => Format::Text,
        OutputFormat::Json => Format::Json,
        OutputFormat::Sarif => Format::Sarif,
        OutputFormat::Junit => Format::Junit,
    };
    let mut inventory = Inventory::load_with(preloaded, &inputs, Limits::default(), &|p: &Path| {
        config.excludes(p)
    });
    // Only the text report quotes source lines; the trees hold everything
    // else, so the input text can go before findings take its place.
    if format != Format::Text {
        for source in &mut inventory.sources {
            source.text = String::new();
        }
    }
    tracing::info!(
        "loaded {} objects from {} files in {:.2?}",
        inventory.objects.len(),
        inventory.sources.len(),
        started.elapsed()
    );
    let checked = std::time::Instant::now();
    let mut outcome = engine::run(&inventory, &active, &config, &settings);
    tracing::info!(
        "ran {} rules: {} findings in {:.2?}",
        active.len(),
        outcome.findings.len(),
        checked.elapsed()
    );
    if let Some(pb) = progress {
        pb.finish_and_clear();
    }

    let mut diagnostics = inventory.diagnostics.clone();
    diagnostics.append(&mut outcome.diagnostics);
    let mut policy_rules = Vec::new();
    if !args.policy.is_empty() {
        if let Err(e) = crate::policy::check_paths(&args.policy) {
            eprintln!("error: {e}");
            return exit::ERROR;
        }
        let (policies, mut load_diags) = crate::policy::load(&args.policy);
        diagnostics.append(&mut load_diags);
        let (findings, metas, mut eval_diags) = crate::policy::findings(&inventory, &policies);
        diagnostics.append(&mut eval_diags);
        policy_rules = metas;
        outcome.findings.extend(findings);
        // Reports list findings in input order (file, then position).
        let file_order: std::collections::HashMap<&str, usize> = inventory
            .sources
            .iter()
            .enumerate()
            .map(|(i, s)| (&*s.name, i))
            .collect();
        outcome.findings.sort_by_key(|f| {
            (
                file_order
                    .get(&*f.location.file)
                    .copied()
                    .unwrap_or(usize::MAX),
                f.location.start.line,
                f.location.start.col,
            )
        });
    }
    diagnostics.extend(engine::unknown_exemptions(&inventory, &|id| {
        rampart_rules::find(id).is_some()
    }));
    if active
        .iter()
        .any(|a| a.rule.meta.category == rampart_core::Category::Lifecycle)
    {
        diagnostics.extend(crate::data::staleness(&inventory, args.data_age));
    }
    let input_errors = diagnostics.iter().any(|d| d.level == Level::Error);

    if let Some(path) = &args.report.write_baseline {
        let b = Baseline::of(&outcome.findings);
        let text = serde_json::to_string_pretty(&b).unwrap_or_default() + "\n";
        if let Err(e) = std::fs::write(path, text) {
            eprintln!("error: cannot write baseline {}: {e}", path.display());
            return exit::ERROR;
        }
        eprintln!(
            "wrote {} finding{} to baseline {}",
            b.findings.len(),
            if b.findings.len() == 1 { "" } else { "s" },
            path.display()
        );
    }
    // Compliance counts every finding, baselined ones too: a baseline hides
    // known problems from review, it does not make them compliant.
    let compliance =
        framework.map(|f| compliance::summarize(f, &active, &outcome.findings, &inventory));
    let mut baselined = 0;
    if let Some(b) = &baseline {
        let known = match b.fingerprints() {
            Ok(k) => k,
            Err(e) => {
                eprintln!("error: baseline: {e}");
                return exit::ERROR;
            }
        };
        let before = outcome.findings.len();
        outcome.findings.retain(|f| !known.contains(&f.fingerprint));
        baselined = before - outcome.findings.len();
    }

    let report = Report {
        tool_version: env!("CARGO_PKG_VERSION"),
        findings: &outcome.findings,
        diagnostics: &diagnostics,
        rules: active
            .iter()
            .map(|a| &a.rule.meta)
            .chain(policy_rules.iter().copied())
            .collect(),
        sources: &inventory.sources,
        objects: inventory.objects.len(),
        baselined,
        compliance: compliance.as_ref(),
    };
    let to_terminal = args.report.output_file.is_none() && std::io::stdout().is_terminal();
    let color = match args.report.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none(),
    };
    let rendering = std::time::Instant::now();
    let written = match &args.report.output_file {
        Some(p) => std::fs::File::create(p).and_then(|f| {
            let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
            write_header(&mut w, header, format, &inventory)?;
            rampart_report::render(&report, format, color, &mut w)?;
            w.flush()
        }),
        None => {
            let mut w = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
            write_header(&mut w, header, format, &inventory)
                .and_then(|()| rampart_report::render(&report, format, color, &mut w))
                .and_then(|()| w.flush())
        }
    };
    if let Err(e) = written {
        // A closed pipe (`rampart scan | head`) is the reader's choice, not an error.
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write the report: {e}");
            return exit::ERROR;
        }
    }
    tracing::info!("wrote the report in {:.2?}", rendering.elapsed());
    // Problems with the input always reach stderr, whatever the format
    // (machine formats also carry them inside the report).
    print_diagnostics(&diagnostics);

    let code = exit_code(&args, &config, &outcome.findings, input_errors);
    // The process ends right after this: freeing millions of tree nodes one
    // by one would only add to the wall time of a large scan.
    std::mem::forget(outcome);
    std::mem::forget(inventory);
    code
}

fn write_header(
    w: &mut dyn Write,
    header: Option<Header>,
    format: Format,
    inventory: &Inventory,
) -> std::io::Result<()> {
    match header {
        Some(h) if format == Format::Text => w.write_all(h(inventory).as_bytes()),
        _ => Ok(()),
    }
}

fn exit_code(
    args: &ScanArgs,
    config: &Config,
    findings: &[rampart_core::Finding],
    input_errors: bool,
) -> u8 {
    if input_errors {
        return exit::ERROR;
    }
    if args.report.write_baseline.is_some() {
        return exit::CLEAN;
    }
    let threshold = match args.report.fail_on {
        Some(FailOn::None) => None,
        Some(FailOn::Info) => Some(Severity::Info),
        Some(FailOn::Low) => Some(Severity::Low),
        Some(FailOn::Medium) => Some(Severity::Medium),
        Some(FailOn::High) => Some(Severity::High),
        Some(FailOn::Critical) => Some(Severity::Critical),
        None => Some(config.fail_on.unwrap_or(Severity::Low)),
    };
    let failing = threshold.is_some_and(|t| {
        findings
            .iter()
            .any(|f| f.suppressed.is_none() && f.severity >= t)
    });
    if failing { exit::FINDINGS } else { exit::CLEAN }
}
