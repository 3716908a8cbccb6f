//! Runs rules over an inventory in parallel and applies exemptions.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::IGNORE_ANNOTATION_PREFIX;
use crate::config::Config;
use crate::diag::Diagnostic;
use crate::finding::{Finding, Suppression};
use crate::inventory::{Inventory, Object};
use crate::rule::{
    ActiveRule, Check, Ctx, Emitter, InventoryCtx, Profile, PssLevel, PssVersion, Reporter,
    Settings,
};
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
    let (mut relational, mut diagnostics) =
        run_inventory_checks(inventory, rules, config, settings);
    let per_object: Vec<(Vec<Finding>, Vec<Diagnostic>)> = inventory
        .objects
        .par_iter()
        .enumerate()
        .map(|(index, object)| {
            let pss = match settings.profile {
                Profile::PssNamespace => namespace_policy(inventory, object),
                _ => Some((PssLevel::Restricted, settings.pss_version)),
            };
            let run = Run {
                inventory,
                rules,
                config,
                overridden: &overridden,
                settings,
            };
            let extra = relational
                .get(&index)
                .map(Vec::as_slice)
                .unwrap_or_default();
            run.check_object(object, pss, extra)
        })
        .collect();
    relational.clear();
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
    // An input problem found by both the per-object rules and an
    // inventory-wide model (a workload that does not decode) is said once.
    let mut seen: std::collections::HashSet<(&'static str, Option<crate::node::Pos>, String)> =
        outcome
            .diagnostics
            .iter()
            .map(|d| (d.code, d.pos, d.message.clone()))
            .collect();
    diagnostics.retain(|d| seen.insert((d.code, d.pos, d.message.clone())));
    outcome.diagnostics.append(&mut diagnostics);
    outcome
}

/// Runs the inventory-wide rules (in parallel, one task per rule) and
/// returns their findings by object index, exemptions applied, and the
/// distinct input problems they met.
fn run_inventory_checks(
    inventory: &Inventory,
    rules: &[ActiveRule],
    config: &Config,
    settings: &Settings,
) -> (HashMap<usize, Vec<Finding>>, Vec<Diagnostic>) {
    /// One rule's findings by object index, and the problems it met.
    type RuleResult = (Vec<(usize, Vec<Finding>)>, Vec<Diagnostic>);
    let results: Vec<RuleResult> = rules
        .par_iter()
        .filter_map(|active| match active.rule.check {
            Check::Inventory(f) => Some((active, f)),
            _ => None,
        })
        .map(|(active, f)| {
            let ctx = InventoryCtx {
                inventory,
                params: &active.params,
                target_version: settings.target_version,
            };
            let mut reporter = Reporter::new(active, inventory);
            let started = std::time::Instant::now();
            f(&ctx, &mut reporter);
            tracing::debug!("{}: {:.2?}", active.rule.meta.id, started.elapsed());
            let mut diags = std::mem::take(&mut reporter.diagnostics);
            let findings = reporter
                .emitters
                .into_iter()
                .map(|(index, emitter)| {
                    let workload = inventory.objects[index].workload().and_then(Result::ok);
                    (index, emitter.finish(workload.as_ref(), config, &mut diags))
                })
                .collect();
            (findings, diags)
        })
        .collect();
    let mut by_object: HashMap<usize, Vec<Finding>> = HashMap::new();
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    for (findings, diags) in results {
        for (index, f) in findings {
            by_object.entry(index).or_default().extend(f);
        }
        for d in diags {
            if !diagnostics.contains(&d) {
                diagnostics.push(d);
            }
        }
    }
    (by_object, diagnostics)
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

/// What every object of one run is checked with.
struct Run<'a> {
    inventory: &'a Inventory,
    rules: &'a [ActiveRule],
    config: &'a Config,
    /// Baseline Pod Security checks a restricted check replaces.
    overridden: &'a [&'a str],
    settings: &'a Settings,
}

impl Run<'_> {
    /// Runs the per-object rules on `object` and merges in the findings the
    /// inventory-wide rules made on it (`relational`), sorted by position.
    fn check_object(
        &self,
        object: &Object,
        pss: Option<(PssLevel, PssVersion)>,
        relational: &[Finding],
    ) -> (Vec<Finding>, Vec<Diagnostic>) {
        let Run {
            inventory,
            rules,
            config,
            overridden,
            settings,
        } = *self;
        let mut findings = relational.to_vec();
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
                target_version: settings.target_version,
            };
            let mut emitter = Emitter::new(active, object);
            match active.rule.check {
                Check::Object(f) => f(&ctx, &mut emitter),
                Check::Workload(f) => match &workload {
                    // Its controller, when in the input, carries the
                    // template and the finding.
                    Some(w) if !(w.controlled && inventory.controller_of(object).is_some()) => {
                        f(&ctx, w, &mut emitter)
                    }
                    _ => {}
                },
                Check::Inventory(_) => {}
            }
            findings.extend(emitter.finish(workload.as_ref(), config, &mut diags));
        }
        // Lines that may hold a secret are never quoted, whichever analysis
        // reported on them.
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
}

impl Emitter<'_> {
    /// The findings emitted, with exemptions applied (annotation on the
    /// object or its pod template, then the config). Every analysis that
    /// reports on an object ends here, so exemptions mean the same
    /// everywhere.
    pub fn finish(
        self,
        workload: Option<&Workload>,
        config: &Config,
        diags: &mut Vec<Diagnostic>,
    ) -> Vec<Finding> {
        if self.out.is_empty() {
            return self.out;
        }
        let suppression =
            annotation_exemption(self.object, workload, self.rule.rule.meta.id, diags);
        let mut out = self.out;
        for finding in &mut out {
            finding.suppressed = suppression
                .clone()
                .or_else(|| config.exemption_for(finding));
        }
        out
    }
}

/// Exemption annotations that name no rule in `known`: a typo there would
/// silently exempt nothing, so each one is reported where it is written.
pub fn unknown_exemptions(inventory: &Inventory, known: &dyn Fn(&str) -> bool) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for object in &inventory.objects {
        let template = crate::workload::template_path(&object.id.api_version, &object.id.kind)
            .map(|t| t.template);
        for base in std::iter::once("").chain(template) {
            let pointer = crate::node::pointer(base, &["metadata", "annotations"]);
            let Some(crate::node::Value::Map(entries)) = object.root.at(&pointer).map(|n| &n.value)
            else {
                continue;
            };
            for e in entries.iter() {
                let Some(rule) = e.key.strip_prefix(IGNORE_ANNOTATION_PREFIX) else {
                    continue;
                };
                if known(rule) {
                    continue;
                }
                let mut at = pointer.clone();
                crate::node::push_token(&mut at, &e.key);
                out.push(
                    Diagnostic::warning(
                        "unknown-exemption",
                        format!(
                            "{}: `{}` names no rule, so it exempts nothing; `rampart rules` lists them",
                            object.id, e.key
                        ),
                    )
                    .in_file(&object.file, Some(e.key_pos))
                    .at_pointer(at),
                );
            }
        }
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;
    use crate::yaml::Limits;

    #[test]
    fn exemptions_naming_no_rule_are_reported_where_written() {
        let text = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations:
    ignore-check.rampart.dev/run-as-root: \"known\"
    ignore-check.rampart.dev/no-such-rule: \"typo\"
    other.example.com/x: \"not an exemption\"
spec:
  template:
    metadata:
      annotations:
        ignore-check.rampart.dev/host-pid: \"typo in the template\"
    spec:
      containers: [{name: c, image: nginx}]
";
        let inventory = Inventory::from_sources(
            vec![SourceFile {
                name: "d.yaml".into(),
                text: text.into(),
            }],
            Vec::new(),
            Limits::default(),
        );
        let diags = unknown_exemptions(&inventory, &|id| id == "run-as-root");
        let found: Vec<(&str, Option<u32>)> = diags
            .iter()
            .map(|d| (d.pointer.as_deref().unwrap_or(""), d.pos.map(|p| p.line)))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "/metadata/annotations/ignore-check.rampart.dev~1no-such-rule",
                    Some(7)
                ),
                (
                    "/spec/template/metadata/annotations/ignore-check.rampart.dev~1host-pid",
                    Some(13)
                ),
            ]
        );
        assert!(diags.iter().all(|d| d.code == "unknown-exemption"));
    }
}
