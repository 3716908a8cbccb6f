//! Discovers every rule's fixtures and checks them: each `fail*.yaml` must
//! trigger its rule (at exactly the pointers its `# rampart-expect:` lines
//! list, each in the document the line is written in, when it lists any),
//! each `pass*.yaml` must not. A rule without
//! both kinds of fixture fails the suite.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rampart_core::config::Config;
use rampart_core::images::ImageLock;
use rampart_core::rule::{Profile, PssVersion, Settings};
use rampart_core::source::Input;
use rampart_core::yaml::Limits;
use rampart_core::{Inventory, Level, engine};

fn rule_dir(id: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src/rules")
        .join(id.replace('-', "_"))
}

/// The index of the YAML document of `text` that holds 1-based `line`.
fn document_of(chunks: &[rampart_core::source::Chunk], line: u32) -> usize {
    chunks
        .iter()
        .rposition(|c| c.first_line <= line)
        .unwrap_or(0)
}

/// Findings of `rule` on `file`, as (document index, pointer), with the
/// Kubernetes default roles and bindings loaded first when `with_defaults`
/// (a finding on one of those is listed as document `usize::MAX`). A
/// fixture can pin the Pod Security version its rule is evaluated at with
/// a `# rampart-pss-version: v1.30` line, and give an image lockfile with
/// `# rampart-image-lock: FILE`.
fn findings(
    rule: &'static rampart_core::Rule,
    file: &Path,
    with_defaults: bool,
) -> Vec<(usize, String)> {
    let text = std::fs::read_to_string(file).unwrap();
    let pss_version = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("# rampart-pss-version:"))
        .map(|v| PssVersion::parse(v.trim()).expect("a version like v1.30 or latest"))
        .unwrap_or_default();
    let preloaded = if with_defaults {
        vec![rampart_rbac::defaults::source()]
    } else {
        Vec::new()
    };
    let inventory = Inventory::load_with(
        preloaded,
        &[Input::Path(file.to_path_buf())],
        Limits::default(),
        &|_| false,
    );
    let errors: Vec<_> = inventory
        .diagnostics
        .iter()
        .filter(|d| d.level == Level::Error)
        .collect();
    assert!(
        errors.is_empty(),
        "{}: fixture does not load: {errors:?}",
        file.display()
    );
    let config = Config::default();
    let active = config
        .active_rules(&[rule], &[rule.meta.id.to_string()], &[], Profile::Default)
        .expect("rule activates");
    // `# rampart-image-lock: images.lock` scans with that lockfile (beside
    // the fixture), as `rampart scan --image-lock` does.
    let image_lock = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("# rampart-image-lock:"))
        .map(|name| {
            let path = file.with_file_name(name.trim());
            let lock = std::fs::read_to_string(&path).unwrap();
            let name: std::sync::Arc<str> = path.to_string_lossy().into();
            std::sync::Arc::new(ImageLock::parse(&lock, &name).expect("a valid lockfile"))
        });
    let settings = Settings {
        pss_version,
        image_lock,
        ..Settings::default()
    };
    let outcome = engine::run(&inventory, &active, &config, &settings);
    let chunks = rampart_core::source::split_documents(&text);
    outcome
        .findings
        .into_iter()
        .map(|f| {
            (
                document_of(&chunks, f.location.start.line),
                f.location.pointer,
            )
        })
        .collect()
}

#[test]
fn every_rule_has_passing_and_failing_fixtures() {
    let mut problems = Vec::new();
    for rule in rampart_rules::all() {
        let id = rule.meta.id;
        let dir = rule_dir(id);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            problems.push(format!("{id}: no directory {}", dir.display()));
            continue;
        };
        let mut fixtures: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        fixtures.sort();
        let (mut fails, mut passes) = (0, 0);
        for f in &fixtures {
            let name = f.file_name().unwrap().to_string_lossy().to_string();
            let text = std::fs::read_to_string(f).unwrap();
            let got = findings(rule, f, false);
            // `# rampart-also-with-defaults`: the verdicts must not change
            // when the input is applied to a stock cluster.
            if text.contains("# rampart-also-with-defaults") {
                let with: BTreeSet<_> = findings(rule, f, true).into_iter().collect();
                let without: BTreeSet<_> = got.iter().cloned().collect();
                if with != without {
                    problems.push(format!(
                        "{id}: {name}: with the Kubernetes defaults loaded, findings at {with:?}; without, at {without:?}"
                    ));
                }
            }
            if name.starts_with("fail") {
                fails += 1;
                // Each expectation belongs to the document it is written in.
                let chunks = rampart_core::source::split_documents(&text);
                let expected: BTreeSet<(usize, String)> = text
                    .lines()
                    .enumerate()
                    .filter_map(|(i, l)| {
                        let p = l.trim().strip_prefix("# rampart-expect:")?;
                        Some((document_of(&chunks, i as u32 + 1), p.trim().to_string()))
                    })
                    .collect();
                let got_set: BTreeSet<(usize, String)> = got.iter().cloned().collect();
                if got.is_empty() {
                    problems.push(format!("{id}: {name} must fail but passes"));
                } else if !expected.is_empty() && expected != got_set {
                    problems.push(format!(
                        "{id}: {name}: expected findings at {expected:?}, got {got_set:?}"
                    ));
                }
            } else if name.starts_with("pass") {
                passes += 1;
                if !got.is_empty() {
                    problems.push(format!("{id}: {name} must pass but fails at {got:?}"));
                }
            } else {
                problems.push(format!("{id}: {name} is neither fail*.yaml nor pass*.yaml"));
            }
        }
        if fails == 0 || passes == 0 {
            problems.push(format!(
                "{id}: needs at least one fail*.yaml and one pass*.yaml fixture in {}",
                dir.display()
            ));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

/// Kubernetes' own roles and bindings are what every cluster has: no rule
/// may report them.
#[test]
fn kubernetes_defaults_alone_trigger_no_rule() {
    let inventory = Inventory::from_sources(
        vec![rampart_rbac::defaults::source()],
        Vec::new(),
        Limits::default(),
    );
    let config = Config::default();
    let all = rampart_rules::all();
    let ids: Vec<String> = all.iter().map(|r| r.meta.id.to_string()).collect();
    let active = config
        .active_rules(all, &ids, &[], Profile::All)
        .expect("rules activate");
    let outcome = engine::run(&inventory, &active, &config, &Settings::default());
    let found: Vec<String> = outcome
        .findings
        .iter()
        .map(|f| format!("{} on {}", f.rule, f.object))
        .collect();
    assert!(found.is_empty(), "{found:#?}");
    assert!(outcome.diagnostics.is_empty(), "{:?}", outcome.diagnostics);
}

#[test]
fn rule_metadata_is_complete_and_ids_unique() {
    let mut ids = BTreeSet::new();
    for rule in rampart_rules::all() {
        let m = &rule.meta;
        assert!(ids.insert(m.id), "duplicate rule id {}", m.id);
        assert!(
            m.id.bytes().all(|b| b.is_ascii_lowercase() || b == b'-') && m.id.len() <= 63,
            "{}: ids are lowercase words joined by '-', usable in annotation keys",
            m.id
        );
        assert!(!m.title.is_empty() && !m.rationale.is_empty(), "{}", m.id);
        assert!(
            m.remediation.contains("```yaml"),
            "{}: remediation needs a YAML snippet",
            m.id
        );
    }
}
