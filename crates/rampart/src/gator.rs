//! Gatekeeper's `gator verify` test suites (`test.gatekeeper.sh`
//! `Suite`), run by `rampart policy test` as they are written: every
//! policy of the public Gatekeeper library ships one next to its
//! `template.yaml`, so a policy repository's CI switches to rampart
//! without rewriting its tests.
//!
//! Each test loads one ConstraintTemplate and one constraint (paths
//! relative to the suite file); each case reviews one object (or an
//! `AdmissionReview`), with its `inventory` objects in `data.inventory`,
//! and checks every assertion on the constraint's results as gator does
//! (`pkg/gator/verify`): `violations` is `yes` (the default), `no` or an
//! exact count of the results whose message matches the `message`
//! regular expression (all results when there is none).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rampart_core::source::Input;
use rampart_core::yaml::Limits;
use rampart_core::{Diagnostic, Inventory, Level};
use rampart_policy::gatekeeper::{self, GatekeeperSet};
use rampart_policy::{Gvk, Operation, Request, UserInfo};
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::Value;

/// gator's enforcement point, which `scoped` constraints may name.
const GATOR_ENFORCEMENT_POINT: &str = "gator.gatekeeper.sh";
/// The one rampart-policy evaluates for (Gatekeeper's validation webhook).
const WEBHOOK_ENFORCEMENT_POINT: &str = "validation.gatekeeper.sh";

/// What became of a suite, test or case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Fail,
    /// `skip: true`.
    Skip,
}

impl Verdict {
    pub fn mark(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Skip => "SKIP",
        }
    }
}

/// One line of `rampart policy test`'s output for a gator suite.
pub struct Outcome {
    /// `<suite file> / <test> / <case>` (shorter for a skipped suite or
    /// test).
    pub label: String,
    pub verdict: Verdict,
    pub detail: String,
}

/// `Suite` (gatekeeper `pkg/gator/verify/suite.go`). Unknown fields are
/// errors rather than ignored: a field rampart does not know may change
/// what the suite asserts.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Suite {
    #[serde(rename = "apiVersion")]
    _api_version: IgnoredAny,
    #[serde(rename = "kind")]
    _kind: IgnoredAny,
    #[serde(default, rename = "metadata")]
    _metadata: Option<IgnoredAny>,
    #[serde(default)]
    tests: Option<Vec<Test>>,
    #[serde(default)]
    skip: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Test {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    template: Option<String>,
    #[serde(default)]
    constraint: Option<String>,
    #[serde(default)]
    cases: Option<Vec<Case>>,
    /// The constraint must fail the template's parameter schema.
    #[serde(default)]
    invalid: Option<bool>,
    #[serde(default)]
    skip: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    object: Option<String>,
    #[serde(default)]
    inventory: Option<Vec<String>>,
    #[serde(default)]
    assertions: Option<Vec<Assertion>>,
    #[serde(default)]
    skip: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Assertion {
    /// `yes`, `no` or a count; absent means `yes`.
    #[serde(default)]
    violations: Option<Value>,
    /// A regular expression on each result's message.
    #[serde(default)]
    message: Option<String>,
}

/// Whether `api_version`/`kind` name a gator suite: gator reads any
/// version of the `test.gatekeeper.sh` group.
fn is_suite(api_version: &str, kind: &str) -> bool {
    kind == "Suite" && api_version.split('/').next() == Some("test.gatekeeper.sh")
}

/// Runs every gator `Suite` among `inventory`'s objects. Suites that cannot
/// be read, and templates or constraints that do not load, are error
/// diagnostics (their cases are not run); everything about a case is that
/// case's verdict.
pub fn run_suites(inventory: &Inventory, diagnostics: &mut Vec<Diagnostic>) -> Vec<Outcome> {
    let mut out = Vec::new();
    for o in inventory
        .objects
        .iter()
        .filter(|o| is_suite(&o.id.api_version, &o.id.kind))
    {
        let invalid = |message: String| {
            Diagnostic::error("policy-test-invalid", format!("gator Suite: {message}"))
                .in_file(&o.file, Some(o.root.start))
        };
        let suite: Suite = match serde_json::from_value(o.root.to_json()) {
            Ok(s) => s,
            Err(e) => {
                diagnostics.push(invalid(format!("not a valid gator Suite: {e}")));
                continue;
            }
        };
        // gator names suites by their file.
        let label = o.file.to_string();
        if suite.skip == Some(true) {
            out.push(skipped(label, "skip: true"));
            continue;
        }
        let dir = Path::new(&*o.file).parent().unwrap_or(Path::new("."));
        for (i, test) in suite.tests.unwrap_or_default().iter().enumerate() {
            let name = test.name.clone().unwrap_or_else(|| format!("tests[{i}]"));
            let label = format!("{label} / {name}");
            if test.skip == Some(true) {
                out.push(skipped(label, "skip: true"));
                continue;
            }
            let loaded = load_policy(dir, test);
            // `invalid: true`: the test is that the constraint does not
            // load for the template (its parameters do not fit the
            // template's schema); it has no cases.
            if test.invalid == Some(true) {
                match invalid_verdict(loaded) {
                    Ok((verdict, detail)) => out.push(Outcome {
                        label,
                        verdict,
                        detail,
                    }),
                    Err(e) => diagnostics.push(invalid(format!("test {name}: {e}"))),
                }
                continue;
            }
            let policy = match loaded {
                Ok(p) => p,
                Err(
                    LoadFailure::Schema(e) | LoadFailure::Constraint(e) | LoadFailure::Other(e),
                ) => {
                    diagnostics.push(invalid(format!("test {name}: {e}")));
                    continue;
                }
            };
            for (j, case) in test.cases.iter().flatten().enumerate() {
                let name = case.name.clone().unwrap_or_else(|| format!("cases[{j}]"));
                let label = format!("{label} / {name}");
                if case.skip == Some(true) {
                    out.push(skipped(label, "skip: true"));
                    continue;
                }
                let (verdict, detail) = match run_case(dir, &policy, case) {
                    Ok(detail) => (Verdict::Pass, detail),
                    Err(detail) => (Verdict::Fail, detail),
                };
                out.push(Outcome {
                    label,
                    verdict,
                    detail,
                });
            }
        }
    }
    out
}

fn skipped(label: String, why: &str) -> Outcome {
    Outcome {
        label,
        verdict: Verdict::Skip,
        detail: why.to_string(),
    }
}

/// A test's template and constraint, loaded (without inventory) and as
/// objects, to load again with a case's inventory.
struct Policy {
    objects: [Value; 2],
    set: GatekeeperSet,
}

/// Why a test's policy did not load.
enum LoadFailure {
    /// The constraint's parameters do not fit the template's schema
    /// (gator's `ErrSchema`: what `invalid: true` expects).
    Schema(String),
    /// The constraint was rejected for another reason (a malformed
    /// `match`, an unknown enforcement action).
    Constraint(String),
    /// Anything else: a file, the template.
    Other(String),
}

fn load_policy(dir: &Path, test: &Test) -> Result<Policy, LoadFailure> {
    let objects = read_policy(dir, test).map_err(LoadFailure::Other)?;
    let (set, errors) = GatekeeperSet::load(&objects);
    // Load errors name their object `Kind/name`.
    let (template_errors, constraint_errors): (Vec<_>, Vec<_>) = errors
        .into_iter()
        .partition(|e| e.object.starts_with("ConstraintTemplate/"));
    if !template_errors.is_empty() {
        return Err(LoadFailure::Other(load_errors(&template_errors)));
    }
    if !constraint_errors.is_empty() {
        // gator validates a constraint against its CRD's schema before
        // anything else: with a schema error, that is the rejection.
        let [template, constraint] = &objects;
        return Err(
            match gatekeeper::parameters_schema_error(template, constraint) {
                Some(e) => LoadFailure::Schema(format!("{}: {e}", constraint_errors[0].object)),
                None => LoadFailure::Constraint(load_errors(&constraint_errors)),
            },
        );
    }
    Ok(Policy { objects, set })
}

/// The verdict of an `invalid: true` test on its policy's loading, as
/// gator gives it: it passes only when the constraint fails the
/// template's schema; a constraint that loads, or that is rejected for
/// another reason, fails it. `Err`: the test cannot be run (a file, the
/// template).
fn invalid_verdict(loaded: Result<Policy, LoadFailure>) -> Result<(Verdict, String), String> {
    match loaded {
        Err(LoadFailure::Schema(e)) => {
            Ok((Verdict::Pass, format!("the constraint is rejected: {e}")))
        }
        Err(LoadFailure::Constraint(e)) => Ok((
            Verdict::Fail,
            format!(
                "invalid: true, but the constraint is rejected for a reason other than its \
                 parameters' schema: {e}"
            ),
        )),
        Ok(_) => Ok((
            Verdict::Fail,
            "invalid: true, but the constraint loads: its parameters fit the template's schema"
                .to_string(),
        )),
        Err(LoadFailure::Other(e)) => Err(e),
    }
}

/// A test's template and constraint (made gator's), checked to be such.
fn read_policy(dir: &Path, test: &Test) -> Result<[Value; 2], String> {
    let file = |field: &str, path: &Option<String>| -> Result<Value, String> {
        let path = path
            .as_deref()
            .filter(|p| !p.is_empty())
            .ok_or(format!("{field} is required"))?;
        let mut objects = read_objects(&dir.join(path))?;
        if objects.len() != 1 {
            return Err(format!(
                "{field} {path}: must hold one object, holds {}",
                objects.len()
            ));
        }
        Ok(objects.remove(0))
    };
    let template = file("template", &test.template)?;
    let constraint = file("constraint", &test.constraint)?;
    let is = |o: &Value, group: &str| {
        o["apiVersion"]
            .as_str()
            .is_some_and(|v| v.split('/').next() == Some(group))
    };
    if !(is(&template, "templates.gatekeeper.sh") && template["kind"] == "ConstraintTemplate") {
        return Err(format!(
            "template {}: not a templates.gatekeeper.sh ConstraintTemplate",
            test.template.as_deref().unwrap_or_default()
        ));
    }
    if !is(&constraint, "constraints.gatekeeper.sh") {
        return Err(format!(
            "constraint {}: not a constraints.gatekeeper.sh constraint",
            test.constraint.as_deref().unwrap_or_default()
        ));
    }
    let template_kind = &template["spec"]["crd"]["spec"]["names"]["kind"];
    if constraint["kind"] != *template_kind {
        return Err(format!(
            "constraint {}: its kind {} is not the template's ({template_kind})",
            test.constraint.as_deref().unwrap_or_default(),
            constraint["kind"]
        ));
    }
    Ok([template, for_gator(constraint)])
}

fn load_errors(errors: &[rampart_policy::LoadError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.object, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The constraint as gator enforces it. rampart-policy evaluates a
/// `scoped` constraint for the validation webhook's enforcement point;
/// gator reviews for its own (`gator.gatekeeper.sh`), so the scoped
/// actions that name gator are given to the webhook's point and those
/// naming only the webhook are dropped (`*` names both). Other
/// enforcement actions (`deny`, `warn`, `dryrun`) all count in gator.
fn for_gator(mut constraint: Value) -> Value {
    if constraint["spec"]["enforcementAction"] != "scoped" {
        return constraint;
    }
    // `get_mut`, not indexing: a malformed entry (not an object) is left
    // for the loader to report.
    if let Some(scoped) = constraint
        .pointer_mut("/spec/scopedEnforcementActions")
        .and_then(Value::as_array_mut)
    {
        for s in scoped {
            if let Some(points) = s.get_mut("enforcementPoints").and_then(Value::as_array_mut) {
                points.retain(|p| p["name"] != WEBHOOK_ENFORCEMENT_POINT);
                for p in points.iter_mut() {
                    if p["name"] == GATOR_ENFORCEMENT_POINT {
                        p["name"] = WEBHOOK_ENFORCEMENT_POINT.into();
                    }
                }
            }
        }
    }
    constraint
}

/// Every object of the file at `path` (gator reads files only).
fn read_objects(path: &Path) -> Result<Vec<Value>, String> {
    let shown = path.display();
    if !path.is_file() {
        return Err(format!("{shown}: no such file"));
    }
    let inventory = Inventory::load(
        &[Input::Path(PathBuf::from(path))],
        Limits::default(),
        &|_| false,
    );
    if let Some(d) = inventory
        .diagnostics
        .iter()
        .find(|d| d.level == Level::Error)
    {
        return Err(format!("{shown}: {}", d.message));
    }
    if inventory.objects.is_empty() {
        return Err(format!("{shown}: defines no object"));
    }
    Ok(inventory.objects.iter().map(|o| o.root.to_json()).collect())
}

/// Runs one case: `Ok` with a summary when every assertion holds, `Err`
/// with why not.
fn run_case(dir: &Path, policy: &Policy, case: &Case) -> Result<String, String> {
    let object_path = case
        .object
        .as_deref()
        .filter(|p| !p.is_empty())
        .ok_or("the case must name an object")?;
    let assertions = case.assertions.as_deref().unwrap_or_default();
    if assertions.is_empty() {
        return Err("the case must have at least one assertion".to_string());
    }
    let mut objects = read_objects(&dir.join(object_path))?;
    if objects.len() != 1 {
        return Err(format!(
            "{object_path}: must hold one object, holds {}",
            objects.len()
        ));
    }
    let object = objects.remove(0);
    let mut inventory = Vec::new();
    for p in case.inventory.iter().flatten() {
        inventory.extend(read_objects(&dir.join(p))?);
    }
    let with_inventory;
    let set = if inventory.is_empty() {
        &policy.set
    } else {
        let (set, errors) = GatekeeperSet::load_with_inventory(&policy.objects, &inventory);
        if !errors.is_empty() {
            return Err(format!("with the inventory: {}", load_errors(&errors)));
        }
        with_inventory = set;
        &with_inventory
    };
    let mut req = if object["kind"] == "AdmissionReview"
        && object["apiVersion"]
            .as_str()
            .is_some_and(|v| v.split('/').next() == Some("admission.k8s.io"))
    {
        review_request(&object).map_err(|e| format!("{object_path}: {e}"))?
    } else {
        object_request(&object)
    };
    // Gatekeeper finds the Namespace for `namespaceSelector` among the
    // synced objects, here the case's inventory.
    if !req.namespace.is_empty() {
        req.namespace_object = inventory
            .iter()
            .find(|o| {
                o["apiVersion"] == "v1"
                    && o["kind"] == "Namespace"
                    && o["metadata"]["name"] == req.namespace.as_str()
            })
            .cloned();
    }
    let eval = set.evaluate(&req);
    // gator fails a case whose review errs (a Rego runtime error, a
    // match it cannot decide).
    if !eval.errors.is_empty() {
        let errors: Vec<String> = eval.errors.iter().map(|e| e.message.clone()).collect();
        return Err(format!("the review failed: {}", errors.join("; ")));
    }
    let messages: Vec<&str> = eval.violations.iter().map(|v| v.message.as_str()).collect();
    for (i, a) in assertions.iter().enumerate() {
        check(a, &messages).map_err(|e| format!("assertions[{i}]: {e}"))?;
    }
    Ok(match messages.len() {
        1 => "1 violation".to_string(),
        n => format!("{n} violations"),
    })
}

/// What an assertion's `violations` asks for.
enum Want {
    AtLeastOne,
    None,
    Exactly(u64),
}

fn check(a: &Assertion, messages: &[&str]) -> Result<(), String> {
    let want = match &a.violations {
        None => Want::AtLeastOne,
        Some(Value::String(s)) if s == "yes" => Want::AtLeastOne,
        Some(Value::String(s)) if s == "no" => Want::None,
        // Unquoted `yes`/`no` are YAML 1.1 booleans to rampart's reader;
        // gator's reads them as the strings.
        Some(Value::Bool(true)) => Want::AtLeastOne,
        Some(Value::Bool(false)) => Want::None,
        Some(other) => match other.as_u64() {
            Some(n) => Want::Exactly(n),
            None => {
                return Err(format!(
                    "violations must be a nonnegative integer, \"yes\" or \"no\", not {other}"
                ));
            }
        },
    };
    let re = match &a.message {
        Some(m) => Some(
            regex::Regex::new(m)
                .map_err(|e| format!("message `{m}` is not a regular expression: {e}"))?,
        ),
        None => None,
    };
    let matching = messages
        .iter()
        .filter(|m| re.as_ref().is_none_or(|r| r.is_match(m)))
        .count() as u64;
    let (ok, wanted) = match want {
        Want::AtLeastOne => (matching > 0, "at least 1".to_string()),
        Want::None => (matching == 0, "none".to_string()),
        Want::Exactly(n) => (matching == n, format!("exactly {n}")),
    };
    if ok {
        return Ok(());
    }
    Err(format!(
        "got {matching} violation{}{} but want {wanted} (messages: {})",
        if matching == 1 { "" } else { "s" },
        a.message
            .as_ref()
            .map(|m| format!(" matching `{m}`"))
            .unwrap_or_default(),
        if messages.is_empty() {
            "none".to_string()
        } else {
            messages
                .iter()
                .map(|m| format!("\"{m}\""))
                .collect::<Vec<_>>()
                .join(", ")
        }
    ))
}

/// The review gator makes of a plain object: its kind, name, namespace
/// and the object, and nothing else (no resource, no user). gator leaves
/// the operation empty; rampart's requests always have one, `CREATE`.
fn object_request(object: &Value) -> Request {
    let namespace = object["metadata"]["namespace"].as_str().unwrap_or_default();
    let mut req = Request::for_manifest(
        object,
        namespace,
        None,
        Operation::Create,
        UserInfo::default(),
    );
    req.resource = Gvk::default();
    req
}

/// `AdmissionReview` (`admission.k8s.io/v1` or `v1beta1`), read strictly
/// as gator does (unknown fields are errors).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReviewIn {
    #[serde(rename = "apiVersion")]
    _api_version: IgnoredAny,
    #[serde(rename = "kind")]
    _kind: IgnoredAny,
    #[serde(default)]
    request: Option<RequestIn>,
    #[serde(default, rename = "response")]
    _response: Option<IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RequestIn {
    #[serde(default)]
    uid: Option<String>,
    #[serde(default)]
    kind: Option<KindIn>,
    #[serde(default)]
    resource: Option<ResourceIn>,
    #[serde(default)]
    sub_resource: Option<String>,
    #[serde(default, rename = "requestKind")]
    _request_kind: Option<IgnoredAny>,
    #[serde(default, rename = "requestResource")]
    _request_resource: Option<IgnoredAny>,
    #[serde(default, rename = "requestSubResource")]
    _request_sub_resource: Option<IgnoredAny>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default)]
    operation: Option<String>,
    #[serde(default)]
    user_info: Option<UserIn>,
    #[serde(default)]
    object: Option<Value>,
    #[serde(default)]
    old_object: Option<Value>,
    #[serde(default)]
    dry_run: Option<bool>,
    #[serde(default)]
    options: Option<Value>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct KindIn {
    group: Option<String>,
    version: Option<String>,
    kind: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct ResourceIn {
    group: Option<String>,
    version: Option<String>,
    resource: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct UserIn {
    username: Option<String>,
    uid: Option<String>,
    groups: Option<Vec<String>>,
    extra: Option<BTreeMap<String, Vec<String>>>,
}

/// The request of an `AdmissionReview` case, as gator reviews it.
/// Where rampart's request needs what the review leaves out: without
/// `operation` it is `CREATE` for an object, `UPDATE` for an object and
/// an oldObject, `DELETE` for an oldObject alone; without `kind` it is
/// the reviewed object's (Gatekeeper matches `kinds` on the object itself).
fn review_request(review: &Value) -> Result<Request, String> {
    let review: ReviewIn = serde_json::from_value(review.clone())
        .map_err(|e| format!("not a valid AdmissionReview: {e}"))?;
    let r = review.request.ok_or("the AdmissionReview has no request")?;
    let object = r.object.filter(|o| !o.is_null());
    let old_object = r.old_object.filter(|o| !o.is_null());
    let Some(reviewed) = object.as_ref().or(old_object.as_ref()) else {
        return Err("the AdmissionRequest has neither object nor oldObject".to_string());
    };
    let operation = match r.operation.as_deref().unwrap_or_default() {
        "CREATE" => Operation::Create,
        "UPDATE" => Operation::Update,
        "DELETE" => Operation::Delete,
        "CONNECT" => Operation::Connect,
        "" => match (&object, &old_object) {
            (Some(_), None) => Operation::Create,
            (Some(_), Some(_)) => Operation::Update,
            _ => Operation::Delete,
        },
        other => {
            return Err(format!(
                "operation {other} is not CREATE, UPDATE, DELETE or CONNECT"
            ));
        }
    };
    let kind = match r
        .kind
        .filter(|k| k.kind.as_deref().is_some_and(|k| !k.is_empty()))
    {
        Some(k) => Gvk {
            group: k.group.unwrap_or_default(),
            version: k.version.unwrap_or_default(),
            name: k.kind.unwrap_or_default(),
        },
        None => {
            let api_version = reviewed["apiVersion"].as_str().unwrap_or_default();
            let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
            Gvk {
                group: group.to_string(),
                version: version.to_string(),
                name: reviewed["kind"].as_str().unwrap_or_default().to_string(),
            }
        }
    };
    let resource = r.resource.unwrap_or_default();
    let user = r.user_info.unwrap_or_default();
    Ok(Request {
        uid: r.uid.unwrap_or_default(),
        kind,
        resource: Gvk {
            group: resource.group.unwrap_or_default(),
            version: resource.version.unwrap_or_default(),
            name: resource.resource.unwrap_or_default(),
        },
        sub_resource: r.sub_resource.unwrap_or_default(),
        name: r.name.unwrap_or_default(),
        namespace: r.namespace.unwrap_or_default(),
        operation,
        user_info: UserInfo {
            username: user.username.unwrap_or_default(),
            uid: user.uid.unwrap_or_default(),
            groups: user.groups.unwrap_or_default(),
            extra: user.extra.unwrap_or_default(),
        },
        object,
        old_object,
        namespace_object: None,
        dry_run: r.dry_run.unwrap_or(false),
        options: r.options.filter(|o| !o.is_null()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn assertion(violations: Value, message: Option<&str>) -> Assertion {
        Assertion {
            violations: (!violations.is_null()).then_some(violations),
            message: message.map(str::to_string),
        }
    }

    #[test]
    fn invalid_true_expects_a_schema_error_and_nothing_else() {
        let dir =
            std::env::temp_dir().join(format!("rampart-gator-invalid-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let template = json!({
            "apiVersion": "templates.gatekeeper.sh/v1", "kind": "ConstraintTemplate",
            "metadata": {"name": "k8sn"},
            "spec": {"crd": {"spec": {"names": {"kind": "K8sN"}, "validation": {"openAPIV3Schema":
                        {"type": "object", "properties": {"n": {"type": "integer"}}}}}},
                     "targets": [{"target": "admission.k8s.gatekeeper.sh",
                                  "rego": "package k8sn\nviolation[{\"msg\": \"x\"}] { false }\n"}]}
        });
        std::fs::write(dir.join("template.yaml"), template.to_string()).unwrap();
        let verdict = |file: &str, spec: Value| {
            let constraint = json!({"apiVersion": "constraints.gatekeeper.sh/v1beta1",
                                    "kind": "K8sN", "metadata": {"name": "c"}, "spec": spec});
            std::fs::write(dir.join(file), constraint.to_string()).unwrap();
            let test = Test {
                name: None,
                template: Some("template.yaml".into()),
                constraint: Some(file.into()),
                cases: None,
                invalid: Some(true),
                skip: None,
            };
            invalid_verdict(load_policy(&dir, &test)).unwrap()
        };
        let (v, detail) = verdict("schema.yaml", json!({"parameters": {"n": "one"}}));
        assert_eq!(v, Verdict::Pass, "{detail}");
        assert!(
            detail.contains("K8sN/c: spec.parameters.n: must be of type integer"),
            "{detail}"
        );
        // A malformed match is not what `invalid: true` expects.
        let (v, detail) = verdict("match.yaml", json!({"match": {"kinds": "Pod"}}));
        assert_eq!(v, Verdict::Fail, "{detail}");
        assert!(
            detail.contains("spec.match: kinds must be a list"),
            "{detail}"
        );
        // Both: the schema error is the rejection.
        let (v, _) = verdict(
            "both.yaml",
            json!({"match": {"kinds": "Pod"}, "parameters": {"n": "one"}}),
        );
        assert_eq!(v, Verdict::Pass);
        // Unknown fields are pruned, as the API server stores the
        // constraint: it loads.
        let (v, detail) = verdict("unknown.yaml", json!({"parameters": {"n": 1, "m": 2}}));
        assert_eq!(v, Verdict::Fail);
        assert!(detail.contains("the constraint loads"), "{detail}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn assertions_count_matching_messages_as_gator_does() {
        let msgs = ["container <a> is bad", "initContainer <b> is bad"];
        for (violations, message, ok) in [
            (Value::Null, None, true),
            (json!("yes"), None, true),
            (json!(true), Some("^init"), true),
            (json!("no"), Some("sidecar"), true),
            (json!(false), None, false),
            (json!(2), None, true),
            (json!(1), Some("initContainer"), true),
            // Case-sensitive: `container` is not in `initContainer`.
            (json!(1), Some("container"), true),
            (json!(2), Some("ontainer"), true),
            (json!(0), Some("bad"), false),
        ] {
            let a = assertion(violations.clone(), message);
            assert_eq!(
                check(&a, &msgs).is_ok(),
                ok,
                "{violations} {message:?}: {:?}",
                check(&a, &msgs)
            );
        }
        assert_eq!(
            check(&assertion(json!(0), None), &[]).map_err(|_| ()),
            Ok(())
        );
        let e = check(&assertion(json!(3), Some("x")), &msgs).unwrap_err();
        assert!(
            e.contains("got 0 violations matching `x` but want exactly 3"),
            "{e}"
        );
        for bad in [json!(-1), json!("maybe"), json!(1.5)] {
            assert!(check(&assertion(bad, None), &msgs).is_err());
        }
        assert!(check(&assertion(Value::Null, Some("(")), &msgs).is_err());
    }

    #[test]
    fn scoped_constraints_are_enforced_for_gator() {
        let c = |points: Value| {
            json!({"spec": {"enforcementAction": "scoped", "scopedEnforcementActions": [
                {"action": "warn", "enforcementPoints": points}]}})
        };
        let names = |v: Value| {
            v["spec"]["scopedEnforcementActions"][0]["enforcementPoints"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["name"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(for_gator(c(json!([{"name": GATOR_ENFORCEMENT_POINT}])))),
            [WEBHOOK_ENFORCEMENT_POINT]
        );
        assert!(names(for_gator(c(json!([{"name": WEBHOOK_ENFORCEMENT_POINT}])))).is_empty());
        assert_eq!(names(for_gator(c(json!([{"name": "*"}])))), ["*"]);
        for unchanged in [
            json!({"spec": {"enforcementAction": "deny"}}),
            json!({"spec": {"enforcementAction": "scoped", "scopedEnforcementActions": ["x", 1]}}),
            json!({"spec": {"enforcementAction": "scoped", "scopedEnforcementActions": "x"}}),
        ] {
            assert_eq!(for_gator(unchanged.clone()), unchanged);
        }
    }

    #[test]
    fn admission_reviews_become_requests() {
        let r = review_request(&json!({
            "apiVersion": "admission.k8s.io/v1beta1", "kind": "AdmissionReview",
            "request": {"operation": "UPDATE", "userInfo": {"username": "system:foo"},
                        "object": {"kind": "Pod", "metadata": {"name": "p"}}}
        }))
        .unwrap();
        assert_eq!(r.operation, Operation::Update);
        assert_eq!(r.kind.name, "Pod");
        assert_eq!(r.user_info.username, "system:foo");
        let r = review_request(&json!({
            "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {"oldObject": {"apiVersion": "apps/v1", "kind": "Deployment"}, "object": null}
        }))
        .unwrap();
        assert_eq!(r.operation, Operation::Delete);
        assert_eq!(
            (r.kind.group.as_str(), r.kind.name.as_str()),
            ("apps", "Deployment")
        );
        assert!(r.object.is_none());
        for bad in [
            json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview"}),
            json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {}}),
            json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
                   "request": {"object": {}, "bogus": 1}}),
            json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
                   "request": {"object": {}, "operation": "PATCH"}}),
        ] {
            assert!(review_request(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn suites_are_recognized_by_group_and_kind() {
        assert!(is_suite("test.gatekeeper.sh/v1alpha1", "Suite"));
        assert!(is_suite("test.gatekeeper.sh/v1", "Suite"));
        assert!(!is_suite("rampart.dev/v1alpha1", "Suite"));
        assert!(!is_suite("test.gatekeeper.sh/v1alpha1", "PolicyTest"));
    }
}
