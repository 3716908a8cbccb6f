//! Runs rules over an inventory in parallel and applies exemptions.

use rayon::prelude::*;

use crate::IGNORE_ANNOTATION_PREFIX;
use crate::config::Config;
use crate::diag::Diagnostic;
use crate::finding::{Finding, Suppression};
use crate::inventory::{Inventory, Object};
use crate::rule::{ActiveRule, Check, Ctx, Emitter, Profile, PssLevel, PssVersion, Settings};
use crate::workload::Workload;

/// The result of running rules: findings (suppressed ones marked, not
/// dropped) and problems found along the way, such as an exemption
/// annotation without a reason.
#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Runs `rules` on every object of `inventory`. Pure: the same inventory,
/// rules, config and settings always give the same findings in the same
/// order.
pub fn run(
    inventory: &Inventory,
    rules: &[ActiveRule],
    config: &Config,
    settings: &Settings,
) -> Outcome {
    // A restricted Pod Security check replaces the baseline checks it
    // overrides, as in PSA; in every profile, so that one problem is not
    // reported twice by a check and its stricter twin.
    let overridden: Vec<&str> = rules
        .iter()
        .filter_map(|r| r.rule.meta.pss)
        .filter(|p| p.level == PssLevel::Restricted)
        .flat_map(|p| p.overrides.iter().copied())
        .collect();
    let per_object: Vec<(Vec<Finding>, Vec<Diagnostic>)> = inventory
        .objects
        .par_iter()
        .map(|object| {
            let pss = match settings.profile {
                Profile::PssNamespace => namespace_policy(inventory, object),
                _ => Some((PssLevel::Restricted, settings.pss_version)),
            };
            check_object(inventory, object, rules, config, pss, &overridden, settings)
        })
        .collect();
    // Objects are in input order (file, then position), and each object's
    // findings are sorted by position, so the whole list is in input order
    // without a global sort.
    let mut outcome = Outcome::default();
    outcome
        .findings
        .reserve(per_object.iter().map(|(f, _)| f.len()).sum());
    for (findings, diags) in per_object {
        outcome.findings.extend(findings);
        outcome.diagnostics.extend(diags);
    }
    outcome
}

/// The Pod Security level and version the namespace of `object` enforces,
/// from its Namespace's `pod-security.kubernetes.io/enforce` and
/// `enforce-version` labels. `None` is the privileged level (no checks),
/// PSA's default. As PSA does, an unparseable level is read as restricted
/// and an unparseable version as latest. Objects without a namespace are
/// taken to be in `default`, where kubectl puts them.
fn namespace_policy(inventory: &Inventory, object: &Object) -> Option<(PssLevel, PssVersion)> {
    let ns = inventory.get("Namespace", None, object.namespace().unwrap_or("default"))?;
    let level = match ns.label("pod-security.kubernetes.io/enforce")? {
        "privileged" => return None,
        "baseline" => PssLevel::Baseline,
        _ => PssLevel::Restricted,
    };
    // rampart implements the checks as of v1.25 (PSA's GA) and later; an
    // older pinned version is evaluated as v1.25.
    let version = match ns
        .label("pod-security.kubernetes.io/enforce-version")
        .and_then(PssVersion::parse)
        .unwrap_or_default()
    {
        PssVersion::Minor(m) if m < 25 => PssVersion::Minor(25),
        v => v,
    };
    Some((level, version))
}

fn check_object(
    inventory: &Inventory,
    object: &Object,
    rules: &[ActiveRule],
    config: &Config,
    pss: Option<(PssLevel, PssVersion)>,
    overridden: &[&str],
    settings: &Settings,
) -> (Vec<Finding>, Vec<Diagnostic>) {
    let mut findings = Vec::new();
    let mut diags = Vec::new();
    let workload = match object.workload() {
        Some(Ok(w)) => Some(w),
        Some(Err(e)) => {
            diags.push(object.invalid_field(&e));
            None
        }
        None => None,
    };
    for active in rules {
        // A Pod Security check runs where the level in force includes it and
        // no stricter check of that level replaces it.
        if let Some(control) = active.rule.meta.pss {
            match pss {
                Some((level, _))
                    if control.level <= level
                        && !(level == PssLevel::Restricted
                            && overridden.contains(&control.check)) => {}
                _ => continue,
            }
        }
        let ctx = Ctx {
            object,
            inventory,
            params: &active.params,
            pss_version: pss.map(|(_, v)| v).unwrap_or_default(),
            image_lock: settings.image_lock.as_deref(),
        };
        let mut emitter = Emitter {
            rule: active,
            object,
            out: Vec::new(),
        };
        match active.rule.check {
            Check::Object(f) => f(&ctx, &mut emitter),
            Check::Workload(f) => match &workload {
                Some(w) if !w.controlled => f(&ctx, w, &mut emitter),
                _ => {}
            },
        }
        if emitter.out.is_empty() {
            continue;
        }
        let suppression =
            annotation_exemption(object, workload.as_ref(), active.rule.meta.id, &mut diags);
        for mut finding in emitter.out {
            finding.suppressed = suppression
                .clone()
                .or_else(|| config.exemption_for(&finding));
            findings.push(finding);
        }
    }
    if !findings.is_empty() {
        let secret = crate::redact::secret_lines(&object.root);
        for f in &mut findings {
            f.location.quotable = secret.binary_search(&f.location.start.line).is_err();
        }
    }
    findings.sort_by(|a, b| {
        (a.location.start, &a.rule, &a.location.pointer).cmp(&(
            b.location.start,
            &b.rule,
            &b.location.pointer,
        ))
    });
    (findings, diags)
}

/// `ignore-check.rampart.dev/<rule>: "<reason>"` on the object or on its pod
/// template exempts the object from that rule. The reason is mandatory: an
/// exemption nobody can explain is reported, and not honoured.
fn annotation_exemption(
    object: &Object,
    workload: Option<&Workload>,
    rule: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<Suppression> {
    let key = format!("{IGNORE_ANNOTATION_PREFIX}{rule}");
    let template = workload.and_then(|w| {
        w.template_meta
            .annotations
            .as_ref()
            .and_then(|a| a.get(&key))
            .map(|v| (v.as_str(), w.path.template))
    });
    let (reason, base) = match (object.annotation(&key), template) {
        (Some(r), _) => (r, ""),
        (None, Some((r, base))) => (r, base),
        (None, None) => return None,
    };
    if reason.trim().is_empty() {
        let mut pointer = crate::node::pointer(base, &["metadata", "annotations"]);
        crate::node::push_token(&mut pointer, &key);
        let pos = object.root.locate(&pointer).start;
        diags.push(
            Diagnostic::warning(
                "exemption-without-reason",
                format!(
                    "{}: `{key}` has no reason; write why the exemption is safe as its value. The finding is still reported",
                    object.id
                ),
            )
            .in_file(&object.file, Some(pos))
            .at_pointer(pointer),
        );
        return None;
    }
    Some(Suppression {
        kind: "annotation",
        reason: reason.trim().to_string(),
    })
}
