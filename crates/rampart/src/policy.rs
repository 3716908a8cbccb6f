//! Custom policies (ValidatingAdmissionPolicy, Gatekeeper) offline: loaded
//! from `--policy DIR` and evaluated on every manifest object as the
//! admission request creating it, their violations reported as findings
//! like any rule's.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use rampart_core::rule::{Category, fingerprint};
use rampart_core::source::Input;
use rampart_core::yaml::Limits;
use rampart_core::{Diagnostic, Finding, Inventory, Location, ObjectRef, RuleMeta, Severity};
use rampart_policy::set::Policies;
use rampart_policy::{Action, Operation, Request, UserInfo, Violation};

/// Loads every policy object (and param object) under `paths`. Input
/// problems and policies that do not load are diagnostics; nothing stops
/// the rest from loading.
pub fn load(paths: &[String]) -> (Policies, Vec<Diagnostic>) {
    let (policies, diagnostics, _) = load_objects(paths);
    (policies, diagnostics)
}

/// [`load`], and the policies, bindings and constraints that select
/// namespaces by label (`namespaceSelector`): those need the Namespace
/// object of each request.
pub fn load_objects(paths: &[String]) -> (Policies, Vec<Diagnostic>, Vec<String>) {
    let inputs: Vec<Input> = paths.iter().map(|p| Input::parse(p)).collect();
    let inventory = Inventory::load(&inputs, Limits::default(), &|_| false);
    let mut diagnostics = inventory.diagnostics.clone();
    let objects: Vec<serde_json::Value> =
        inventory.objects.iter().map(|o| o.root.to_json()).collect();
    let selecting: Vec<String> = inventory
        .objects
        .iter()
        .zip(&objects)
        .filter(|(_, v)| {
            [
                "/spec/matchConstraints/namespaceSelector",
                "/spec/matchResources/namespaceSelector",
                "/spec/match/namespaceSelector",
            ]
            .iter()
            .any(|p| {
                v.pointer(p)
                    .is_some_and(|s| s.as_object().is_some_and(|m| !m.is_empty()))
            })
        })
        .map(|(o, _)| o.id.to_string())
        .collect();
    let (policies, errors) = Policies::load(&objects);
    diagnostics.extend(
        errors
            .into_iter()
            .map(|e| Diagnostic::error("policy-invalid", format!("{}: {}", e.object, e.message))),
    );
    (policies, diagnostics, selecting)
}

/// The admission request creating each object of `inventory`, in input
/// order, with the object's reference. Namespaced objects without a
/// namespace are created in `default`, as `kubectl apply` would; the
/// Namespace object is attached when the input holds it.
pub fn requests(inventory: &Inventory) -> Vec<(Arc<ObjectRef>, Request)> {
    let namespaces: BTreeMap<&str, serde_json::Value> = inventory
        .objects
        .iter()
        .filter(|o| o.id.api_version == "v1" && o.id.kind == "Namespace")
        .map(|o| (o.id.name.as_str(), o.root.to_json()))
        .collect();
    inventory
        .objects
        .iter()
        .map(|o| {
            let ns = o.id.namespace.as_deref().unwrap_or_default();
            let req = Request::for_manifest(
                &o.root.to_json(),
                ns,
                namespaces.get(ns),
                Operation::Create,
                UserInfo::default(),
            );
            (o.id.clone(), req)
        })
        .collect()
}

/// The policies' verdicts on `inventory` as findings (Deny high, Warn
/// medium, Audit low), the rule metadata for the report, and policy
/// errors as diagnostics.
pub fn findings(
    inventory: &Inventory,
    policies: &Policies,
) -> (Vec<Finding>, Vec<&'static RuleMeta>, Vec<Diagnostic>) {
    let mut metas: BTreeMap<String, &'static RuleMeta> = BTreeMap::new();
    let mut out = Vec::new();
    let mut diagnostics = Vec::new();
    for ((object, req), source) in requests(inventory).into_iter().zip(&inventory.objects) {
        let eval = policies.evaluate(&req);
        for v in eval.violations {
            let meta = *metas
                .entry(v.policy.clone())
                .or_insert_with(|| rule_meta(&v));
            let at = source.root.locate("");
            out.push(Finding {
                rule: meta.id.into(),
                severity: severity(&v.actions),
                message: if v.binding.is_empty() {
                    v.message.clone()
                } else {
                    format!("{} ({})", v.message, v.binding)
                },
                fingerprint: fingerprint(meta.id, &object, &v.binding),
                object: object.clone(),
                location: Location {
                    file: source.file.clone(),
                    start: at.start,
                    end: at.start,
                    pointer: String::new(),
                    exact: false,
                    missing: None,
                    helm_source: None,
                    quotable: true,
                },
                suppressed: None,
            });
        }
        for e in eval.errors {
            let level = if e.fail_closed {
                Diagnostic::error
            } else {
                Diagnostic::warning
            };
            diagnostics.push(
                level(
                    "policy-error",
                    format!(
                        "{object}: policy {} ({}) could not be evaluated: {}{}",
                        e.policy,
                        e.binding,
                        e.message,
                        if e.fail_closed {
                            "; its failure policy (Fail) would reject the request"
                        } else {
                            "; its failure policy (Ignore) would admit the request"
                        }
                    ),
                )
                .in_file(&source.file, Some(source.root.start)),
            );
        }
    }
    (out, metas.into_values().collect(), diagnostics)
}

fn severity(actions: &[Action]) -> Severity {
    if actions.contains(&Action::Deny) {
        Severity::High
    } else if actions.contains(&Action::Warn) {
        Severity::Medium
    } else {
        Severity::Low
    }
}

/// Report metadata for a custom policy. Reports hold rule ids as
/// `&'static str`; a policy's name is known only at run time, so each is
/// leaked once per process (one per policy, never per finding).
fn rule_meta(v: &Violation) -> &'static RuleMeta {
    let id: &'static str = Box::leak(format!("policy:{}", v.policy).into_boxed_str());
    Box::leak(Box::new(RuleMeta {
        id,
        title: id,
        severity: Severity::High,
        category: Category::Policy,
        enabled_by_default: true,
        rationale: "A custom policy given with --policy.",
        remediation: "Change the object so that the policy's message no longer applies, or exempt it in the policy's binding or constraint.",
        references: &[],
        params: &[],
        pss: None,
    }))
}

/// `--policy DIR` given to `scan`: whether every path exists.
pub fn check_paths(paths: &[String]) -> Result<(), String> {
    match paths.iter().find(|p| !Path::new(p).exists()) {
        Some(p) => Err(format!("--policy {p}: no such file or directory")),
        None => Ok(()),
    }
}

/// What admission would do with a request, given the policies' verdicts:
/// a denial or a failed fail-closed policy rejects it; otherwise warnings
/// and audit annotations are the strongest effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Allow,
    Audit,
    Warn,
    Deny,
}

impl Outcome {
    pub fn of(eval: &rampart_policy::Evaluation) -> Outcome {
        let has = |a: Action| eval.violations.iter().any(|v| v.actions.contains(&a));
        if has(Action::Deny) || eval.errors.iter().any(|e| e.fail_closed) {
            Outcome::Deny
        } else if has(Action::Warn) || !eval.errors.is_empty() {
            // A fail-open error admits the request; the webhook warns.
            Outcome::Warn
        } else if has(Action::Audit) {
            Outcome::Audit
        } else {
            Outcome::Allow
        }
    }
}

/// A `rampart.dev/v1alpha1` `PolicyTest`: policies and cases with the
/// outcome each must have (docs/commands/policy.md).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Suite {
    #[allow(dead_code)] // checked by kind before deserializing
    api_version: String,
    #[allow(dead_code)]
    kind: String,
    /// Names the suite in reports (`metadata.name`).
    #[serde(default)]
    #[allow(dead_code)] // read through the object's id
    metadata: Option<serde_json::Value>,
    /// Files or directories with the policies, relative to the suite file.
    policies: Vec<String>,
    cases: Vec<Case>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Case {
    name: String,
    #[serde(default)]
    object: Option<serde_json::Value>,
    #[serde(default)]
    old_object: Option<serde_json::Value>,
    #[serde(default)]
    operation: Option<Operation>,
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default)]
    namespace_object: Option<serde_json::Value>,
    #[serde(default)]
    user_info: Option<CaseUser>,
    expect: Outcome,
    /// Regular expressions each of which some violation message must match.
    #[serde(default)]
    messages: Vec<String>,
}

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct CaseUser {
    #[serde(default)]
    username: String,
    #[serde(default)]
    groups: Vec<String>,
}

/// One case's result.
pub struct CaseResult {
    pub suite: String,
    pub name: String,
    pub passed: bool,
    pub detail: String,
}

/// Runs every `PolicyTest` and every gator `Suite` ([`crate::gator`])
/// under `paths`. Input that is not a test suite one can run (malformed
/// suite, missing policies) is an error diagnostic.
pub fn run_tests(
    paths: &[String],
) -> (Vec<CaseResult>, Vec<crate::gator::Outcome>, Vec<Diagnostic>) {
    let inputs: Vec<Input> = paths.iter().map(|p| Input::parse(p)).collect();
    let inventory = Inventory::load(&inputs, Limits::default(), &|_| false);
    let mut diagnostics = inventory.diagnostics.clone();
    let mut results = Vec::new();
    for o in inventory
        .objects
        .iter()
        .filter(|o| o.id.api_version == "rampart.dev/v1alpha1" && o.id.kind == "PolicyTest")
    {
        let suite: Suite = match serde_json::from_value(o.root.to_json()) {
            Ok(s) => s,
            Err(e) => {
                diagnostics.push(
                    Diagnostic::error("policy-test-invalid", format!("{}: {e}", o.id))
                        .in_file(&o.file, Some(o.root.start)),
                );
                continue;
            }
        };
        let dir = Path::new(&*o.file).parent().unwrap_or(Path::new("."));
        let policy_paths: Vec<String> = suite
            .policies
            .iter()
            .map(|p| dir.join(p).to_string_lossy().into_owned())
            .collect();
        if let Err(e) = check_paths(&policy_paths) {
            diagnostics.push(
                Diagnostic::error("policy-test-invalid", format!("{}: {e}", o.id))
                    .in_file(&o.file, Some(o.root.start)),
            );
            continue;
        }
        let (policies, load_diags) = load(&policy_paths);
        diagnostics.extend(load_diags);
        for case in &suite.cases {
            results.push(run_case(&o.id.name, &policies, case));
        }
    }
    let gator = crate::gator::run_suites(&inventory, &mut diagnostics);
    (results, gator, diagnostics)
}

fn run_case(suite: &str, policies: &Policies, case: &Case) -> CaseResult {
    let fail = |detail: String| CaseResult {
        suite: suite.to_string(),
        name: case.name.clone(),
        passed: false,
        detail,
    };
    let operation = case.operation.unwrap_or(if case.old_object.is_some() {
        Operation::Update
    } else {
        Operation::Create
    });
    let Some(object) = case.object.as_ref().or(case.old_object.as_ref()) else {
        return fail("the case has neither object nor oldObject".into());
    };
    let namespace = case.namespace.clone().unwrap_or_else(|| {
        object
            .pointer("/metadata/namespace")
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string()
    });
    let user = case
        .user_info
        .as_ref()
        .map_or_else(UserInfo::default, |u| UserInfo {
            username: u.username.clone(),
            groups: u.groups.clone(),
            ..UserInfo::default()
        });
    let mut req = Request::for_manifest(
        object,
        &namespace,
        case.namespace_object.as_ref(),
        operation,
        user,
    );
    req.object = case
        .object
        .clone()
        .filter(|_| operation != Operation::Delete);
    req.old_object = case.old_object.clone();
    let eval = policies.evaluate(&req);
    let got = Outcome::of(&eval);
    let said: Vec<&str> = eval
        .violations
        .iter()
        .map(|v| v.message.as_str())
        .chain(eval.errors.iter().map(|e| e.message.as_str()))
        .collect();
    if got != case.expect {
        return fail(format!(
            "expected {:?}, got {:?}{}",
            case.expect,
            got,
            if said.is_empty() {
                String::new()
            } else {
                format!(": {}", said.join("; "))
            }
        ));
    }
    for m in &case.messages {
        let re = match regex::Regex::new(m) {
            Ok(r) => r,
            Err(e) => return fail(format!("messages: `{m}` is not a regular expression: {e}")),
        };
        if !said.iter().any(|s| re.is_match(s)) {
            return fail(format!(
                "no message matches `{m}` (messages: {})",
                said.join("; ")
            ));
        }
    }
    CaseResult {
        suite: suite.to_string(),
        name: case.name.clone(),
        passed: true,
        detail: format!("{got:?}").to_lowercase(),
    }
}

/// `rampart policy test PATH...`: one line per case; exit 0 when all pass,
/// 1 when a case fails, 2 when a suite or policy cannot be read.
pub fn run(args: crate::cli::PolicyArgs) -> u8 {
    let crate::cli::PolicyCommand::Test { paths } = args.command;
    let (results, gator, diagnostics) = run_tests(&paths);
    let count = |v: crate::gator::Verdict| gator.iter().filter(|g| g.verdict == v).count();
    let policy_failed = results.iter().filter(|r| !r.passed).count();
    let failed = policy_failed + count(crate::gator::Verdict::Fail);
    let passed = results.len() - policy_failed + count(crate::gator::Verdict::Pass);
    let skipped = count(crate::gator::Verdict::Skip);
    let written = crate::out::emit_with(|w| {
        for r in &results {
            let mark = if r.passed { "PASS" } else { "FAIL" };
            writeln!(w, "{mark} {} / {}: {}", r.suite, r.name, r.detail)?;
        }
        for g in &gator {
            writeln!(w, "{} {}: {}", g.verdict.mark(), g.label, g.detail)?;
        }
        if skipped == 0 {
            writeln!(w, "\n{passed} passed · {failed} failed")
        } else {
            writeln!(w, "\n{passed} passed · {failed} failed · {skipped} skipped")
        }
    });
    crate::scan::print_diagnostics(&diagnostics);
    let errors = diagnostics
        .iter()
        .any(|d| d.level == rampart_core::Level::Error);
    if !written || errors {
        crate::exit::ERROR
    } else if failed > 0 {
        crate::exit::FINDINGS
    } else if results.is_empty() && gator.is_empty() {
        eprintln!(
            "error: no PolicyTest (apiVersion rampart.dev/v1alpha1) or gator Suite (test.gatekeeper.sh) found under the given paths"
        );
        crate::exit::ERROR
    } else {
        crate::exit::CLEAN
    }
}
