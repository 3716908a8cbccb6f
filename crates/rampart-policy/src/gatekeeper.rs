//! OPA Gatekeeper ConstraintTemplates and their constraints, evaluated as
//! Gatekeeper's validation webhook does.
//!
//! A template's Rego (and its `libs`) is compiled once, with regorus, into
//! one policy per template whose entry point is the template's `violation`
//! rule. Each constraint of the template's kind that matches a request
//! (`spec.match`, see `gatekeeper/matching.rs`) evaluates it with
//! `input = {"review": <the AdmissionRequest>, "parameters": spec.parameters}`
//! and every `violation[{"msg": msg, ...}]` it yields becomes a
//! [`Violation`].
//!
//! A constraint's `spec.parameters` must fit the template's
//! `openAPIV3Schema` (see `gatekeeper/schema.rs`): one that does not is a
//! [`LoadError`] naming the constraint and the failing path, as the API
//! server rejects it. Fields the schema does not know are dropped, as the
//! API server stores the constraint (its default field validation only
//! warns the client): [`GatekeeperSet::load`] has no channel for warnings,
//! so this is silent.
//!
//! A call to a function that does not exist here (`http.send`, which
//! Gatekeeper forbids too, or an OPA builtin regorus lacks) makes the
//! template a load error (see `gatekeeper/functions.rs`), not an error on
//! each request that reaches the call. Gatekeeper's `external_data` loads,
//! but there are no providers to ask: a call is an evaluation error (see
//! `gatekeeper/external_data.rs`), fail-open as every error here.
//!
//! Gatekeeper's webhook is registered for CREATE and UPDATE, and for
//! DELETE only when Gatekeeper is installed with `enableDeleteOperations`;
//! it is never sent CONNECT. gator reviews whatever its suite gives.
//! [`GatekeeperSet::with_every_operation`] chooses: a set judges every
//! operation unless told not to (`rampart admission serve` does, as the
//! default installation; `rampart scan` sends only CREATE).
//!
//! Referential policies read `data.inventory`, which Gatekeeper fills with
//! the objects its `Config` syncs. Offline there is no such cache: the
//! inventory is empty unless the caller passes objects to
//! [`GatekeeperSet::load_with_inventory`].

mod deprecated;
mod external_data;
mod functions;
mod matching;
mod schema;

use std::collections::BTreeMap;

use regorus::{CompiledPolicy, Value as RegoValue};
use serde_json::{Map, Value, json};

use crate::{Action, Engine, Evaluation, LoadError, Operation, PolicyError, Request, Violation};
use matching::Match;
use schema::ParameterSchema;

/// The only target Gatekeeper's admission webhook serves.
const ADMISSION_TARGET: &str = "admission.k8s.gatekeeper.sh";
/// The enforcement point of the validation webhook, whose actions
/// `scoped` constraints list under `scopedEnforcementActions`. (`gator
/// test` is `gator.gatekeeper.sh`; rampart evaluates as the webhook does,
/// so a scan reports what the cluster would enforce.)
const WEBHOOK_ENFORCEMENT_POINT: &str = "validation.gatekeeper.sh";

/// Loaded templates and constraints.
pub struct GatekeeperSet {
    templates: Vec<Template>,
    constraints: Vec<Constraint>,
    /// Whether DELETE and CONNECT requests are judged, not only CREATE
    /// and UPDATE.
    every_operation: bool,
}

struct Template {
    /// `spec.crd.spec.names.kind`: the constraints' kind.
    kind: String,
    policy: CompiledPolicy,
    /// What its constraints' `spec.parameters` must be.
    parameters: ParameterSchema,
}

struct Constraint {
    name: String,
    /// Index into `templates`.
    template: usize,
    matcher: Match,
    /// `spec.parameters`, `None` when absent.
    parameters: Option<RegoValue>,
    /// Empty when the constraint is not enforced by the webhook (a
    /// `scoped` constraint naming other enforcement points only).
    actions: Vec<Action>,
}

impl GatekeeperSet {
    /// Loads every ConstraintTemplate and constraint among `objects`
    /// (others are ignored), with an empty `data.inventory`.
    pub fn load(objects: &[Value]) -> (GatekeeperSet, Vec<LoadError>) {
        Self::load_with_inventory(objects, &[])
    }

    /// Like [`load`](Self::load), with `inventory` synced into
    /// `data.inventory` as Gatekeeper's cache holds it:
    /// `cluster[apiVersion][kind][name]` for cluster-scoped objects and
    /// `namespace[namespace][apiVersion][kind][name]` for the others.
    pub fn load_with_inventory(
        objects: &[Value],
        inventory: &[Value],
    ) -> (GatekeeperSet, Vec<LoadError>) {
        let data = json!({ "inventory": inventory_tree(inventory) });
        let mut errors = Vec::new();
        let mut templates: Vec<Template> = Vec::new();
        for obj in objects.iter().filter(|o| is_template(o)) {
            match load_template(obj, &data) {
                Ok(t) if templates.iter().any(|o| o.kind == t.kind) => errors.push(LoadError {
                    object: object_name(obj),
                    message: format!("another ConstraintTemplate already defines kind {}", t.kind),
                }),
                Ok(t) => templates.push(t),
                Err(message) => errors.push(LoadError {
                    object: object_name(obj),
                    message,
                }),
            }
        }
        let mut constraints = Vec::new();
        for obj in objects.iter().filter(|o| is_constraint(o)) {
            match load_constraint(obj, &templates) {
                Ok(c) => constraints.push(c),
                Err(message) => errors.push(LoadError {
                    object: object_name(obj),
                    message,
                }),
            }
        }
        (
            GatekeeperSet {
                templates,
                constraints,
                every_operation: true,
            },
            errors,
        )
    }

    /// Whether constraints judge every operation: `true` (as loaded) to
    /// evaluate every request given, as gator does; `false` for
    /// Gatekeeper's webhook as installed by default, which is sent CREATE
    /// and UPDATE only (`enableDeleteOperations` off, never CONNECT).
    pub fn with_every_operation(mut self, enabled: bool) -> GatekeeperSet {
        self.every_operation = enabled;
        self
    }

    /// True when nothing was loaded.
    pub fn is_empty(&self) -> bool {
        self.templates.is_empty() && self.constraints.is_empty()
    }

    /// Evaluates every matching constraint on `req`, as Gatekeeper's
    /// validation webhook does. Errors (a Rego runtime error, a match that
    /// cannot be decided) are reported fail-open: Gatekeeper installs its
    /// webhook with `failurePolicy: Ignore`.
    pub fn evaluate(&self, req: &Request) -> Evaluation {
        let mut out = Evaluation::default();
        if self.constraints.is_empty()
            || (!self.every_operation
                && matches!(req.operation, Operation::Delete | Operation::Connect))
        {
            return out;
        }
        // Gatekeeper's webhook copies oldObject into object on DELETE
        // (`SetObjectOnDelete`), so policies written against
        // `input.review.object` also see what is being deleted.
        let object = match req.operation {
            Operation::Delete => req.old_object.as_ref().or(req.object.as_ref()),
            _ => req.object.as_ref(),
        };
        let review = RegoValue::from(review_json(req, object));
        for c in &self.constraints {
            if c.actions.is_empty() {
                continue;
            }
            let template = &self.templates[c.template];
            let error = |message: String| PolicyError {
                engine: Engine::Gatekeeper,
                policy: template.kind.clone(),
                binding: c.name.clone(),
                message,
                fail_closed: false,
            };
            match c.matcher.matches(req, object) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => {
                    out.errors.push(error(e));
                    continue;
                }
            }
            let input = input_value(&review, c.parameters.as_ref());
            let result = match template.policy.eval_with_input(input) {
                Ok(v) => v,
                Err(e) => {
                    out.errors
                        .push(error(format!("Rego evaluation failed: {e}")));
                    continue;
                }
            };
            match violation_messages(&result) {
                Ok(msgs) => out
                    .violations
                    .extend(msgs.into_iter().map(|message| Violation {
                        engine: Engine::Gatekeeper,
                        policy: template.kind.clone(),
                        binding: c.name.clone(),
                        message,
                        actions: c.actions.clone(),
                        reason: String::new(),
                    })),
                Err(e) => out.errors.push(error(e)),
            }
        }
        out
    }
}

fn is_template(obj: &Value) -> bool {
    obj["kind"] == "ConstraintTemplate"
        && obj["apiVersion"]
            .as_str()
            .is_some_and(|v| v.starts_with("templates.gatekeeper.sh/"))
}

fn is_constraint(obj: &Value) -> bool {
    obj["apiVersion"]
        .as_str()
        .is_some_and(|v| v.starts_with("constraints.gatekeeper.sh/"))
}

/// `Kind/name` (both are cluster-scoped).
fn object_name(obj: &Value) -> String {
    format!(
        "{}/{}",
        obj["kind"].as_str().unwrap_or("?"),
        obj["metadata"]["name"].as_str().unwrap_or("?")
    )
}

/// Where the Rego of a template's target is.
struct RegoSource<'a> {
    rego: &'a str,
    libs: Vec<&'a str>,
    v1: bool,
}

fn load_template(obj: &Value, data: &Value) -> Result<Template, String> {
    let kind = obj["spec"]["crd"]["spec"]["names"]["kind"]
        .as_str()
        .filter(|k| !k.is_empty())
        .ok_or("spec.crd.spec.names.kind is required")?;
    let name = obj["metadata"]["name"].as_str().unwrap_or_default();
    // Gatekeeper rejects a template whose name is not its kind lowercased.
    if name != kind.to_lowercase() {
        return Err(format!(
            "metadata.name must be the lowercase of spec.crd.spec.names.kind ({})",
            kind.to_lowercase()
        ));
    }
    let targets = obj["spec"]["targets"]
        .as_array()
        .ok_or("spec.targets is required")?;
    let [target] = targets.as_slice() else {
        return Err(format!(
            "spec.targets must have exactly one target, has {}",
            targets.len()
        ));
    };
    if target["target"] != ADMISSION_TARGET {
        return Err(format!(
            "target {} is not supported; only {ADMISSION_TARGET}",
            target["target"]
        ));
    }
    let parameters = ParameterSchema::from_template(obj)?;
    let source = rego_source(target)?;
    let policy = compile(&source, data)?;
    Ok(Template {
        kind: kind.to_string(),
        policy,
        parameters,
    })
}

/// The Rego of a target: `rego`/`libs` (Gatekeeper's v0 Rego), or a
/// `code` entry with engine `Rego`. A target with only CEL code
/// (`K8sNativeValidation`) cannot be evaluated here.
fn rego_source(target: &Value) -> Result<RegoSource<'_>, String> {
    if let Some(rego) = target["rego"].as_str() {
        return Ok(RegoSource {
            rego,
            libs: strings(&target["libs"], "libs")?,
            v1: false,
        });
    }
    let code = target["code"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    if let Some(c) = code.iter().find(|c| c["engine"] == "Rego") {
        let src = &c["source"];
        let rego = src["rego"]
            .as_str()
            .ok_or("code[Rego].source.rego is required")?;
        return Ok(RegoSource {
            rego,
            libs: strings(&src["libs"], "code[Rego].source.libs")?,
            v1: src["version"] == "v1",
        });
    }
    if code.iter().any(|c| c["engine"] == "K8sNativeValidation") {
        return Err(
            "the template is written in CEL (engine K8sNativeValidation), which rampart \
                    evaluates as a ValidatingAdmissionPolicy: write it as a \
                    ValidatingAdmissionPolicy and binding"
                .to_string(),
        );
    }
    Err("the target has no Rego (rego, or code with engine Rego)".to_string())
}

/// A list of strings, absent meaning empty.
fn strings<'a>(v: &'a Value, what: &str) -> Result<Vec<&'a str>, String> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::Array(a) => a
            .iter()
            .map(|l| l.as_str().ok_or(format!("{what} must be strings")))
            .collect(),
        _ => Err(format!("{what} must be a list of strings")),
    }
}

fn compile(source: &RegoSource<'_>, data: &Value) -> Result<CompiledPolicy, String> {
    let mut engine = regorus::Engine::new();
    // Templates are written in Rego v0 unless a `code` source says v1.
    engine.set_rego_v0(!source.v1);
    // As in OPA, which Gatekeeper runs without strict builtin errors, a
    // failing builtin (a bad regex) makes its expression undefined
    // instead of failing the whole evaluation.
    engine.set_strict_builtin_errors(false);
    deprecated::register(&mut engine).map_err(|e| format!("builtins: {e}"))?;
    external_data::register(&mut engine).map_err(|e| format!("builtins: {e}"))?;
    let package = engine
        .add_policy("template.rego".to_string(), source.rego.to_string())
        .map_err(|e| format!("invalid Rego: {e}"))?;
    for (i, lib) in source.libs.iter().enumerate() {
        let lib_package = engine
            .add_policy(format!("libs[{i}].rego"), lib.to_string())
            .map_err(|e| format!("invalid Rego in libs[{i}]: {e}"))?;
        // Gatekeeper only lets templates import libraries under data.lib.
        if !lib_package.starts_with("data.lib.") {
            return Err(format!(
                "libs[{i}]: package {lib_package} must be under data.lib"
            ));
        }
    }
    let extensions: Vec<&str> = deprecated::NAMES
        .into_iter()
        .chain([external_data::NAME])
        .collect();
    let unknown = functions::unknown_functions(engine.get_modules(), &extensions);
    if !unknown.is_empty() {
        return Err(format!(
            "invalid Rego: undefined function{} {}",
            if unknown.len() > 1 { "s" } else { "" },
            unknown.join(", ")
        ));
    }
    let has_violation = engine
        .has_declared_rule_rooted_at("template.rego", "violation")
        .map_err(|e| format!("invalid Rego: {e}"))?;
    if !has_violation {
        return Err("invalid Rego: the template must define a `violation` rule".to_string());
    }
    engine
        .add_data(RegoValue::from(data.clone()))
        .map_err(|e| format!("inventory: {e}"))?;
    let entry: regorus::Rc<str> = format!("{package}.violation").into();
    engine
        .compile_with_entrypoint(&entry)
        .map_err(|e| format!("invalid Rego: {e}"))
}

/// Why `constraint`'s `spec.parameters` do not fit `template`'s schema, as
/// the API server would reject them (what gator calls a schema error);
/// `None` when they fit, or when the template's schema itself is
/// malformed (the template's own load error).
pub fn parameters_schema_error(template: &Value, constraint: &Value) -> Option<String> {
    ParameterSchema::from_template(template)
        .ok()?
        .admit(constraint["spec"].get("parameters"))
        .err()
}

fn load_constraint(obj: &Value, templates: &[Template]) -> Result<Constraint, String> {
    let kind = obj["kind"].as_str().unwrap_or_default();
    let template = templates
        .iter()
        .position(|t| t.kind == kind)
        .ok_or(format!("no ConstraintTemplate defines kind {kind}"))?;
    let name = obj["metadata"]["name"]
        .as_str()
        .filter(|n| !n.is_empty())
        .ok_or("metadata.name is required")?;
    let spec = &obj["spec"];
    let matcher = Match::parse(&spec["match"]).map_err(|e| format!("spec.match: {e}"))?;
    // The API server rejects a constraint whose parameters do not fit the
    // template's schema; the policy sees them as stored (defaults set,
    // unknown fields dropped).
    let parameters = templates[template]
        .parameters
        .admit(spec.get("parameters"))?
        .map(RegoValue::from);
    Ok(Constraint {
        name: name.to_string(),
        template,
        matcher,
        parameters,
        actions: webhook_actions(spec)?,
    })
}

/// The actions the validation webhook takes for a violation, from
/// `spec.enforcementAction` (`deny` when absent).
fn webhook_actions(spec: &Value) -> Result<Vec<Action>, String> {
    let action = spec["enforcementAction"].as_str().unwrap_or("deny");
    if action != "scoped" {
        return Ok(vec![parse_action(action)?]);
    }
    let scoped = spec["scopedEnforcementActions"]
        .as_array()
        .ok_or("enforcementAction scoped needs spec.scopedEnforcementActions")?;
    let mut actions = Vec::new();
    for s in scoped {
        let points = s["enforcementPoints"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        // `*` names every enforcement point.
        if points
            .iter()
            .any(|p| p["name"] == WEBHOOK_ENFORCEMENT_POINT || p["name"] == "*")
        {
            let a = parse_action(s["action"].as_str().unwrap_or_default())?;
            if !actions.contains(&a) {
                actions.push(a);
            }
        }
    }
    actions.sort();
    Ok(actions)
}

fn parse_action(action: &str) -> Result<Action, String> {
    // Gatekeeper compares enforcement actions case-insensitively.
    match action.to_ascii_lowercase().as_str() {
        "deny" => Ok(Action::Deny),
        "warn" => Ok(Action::Warn),
        "dryrun" => Ok(Action::Audit),
        other => Err(format!(
            "enforcementAction `{other}` is not one of deny, warn, dryrun, scoped"
        )),
    }
}

/// `input.review`: the AdmissionRequest as Gatekeeper's webhook passes it,
/// with the fields Go's JSON encoding omits when empty left out.
fn review_json(req: &Request, object: Option<&Value>) -> Value {
    let mut review = Map::new();
    review.insert("uid".into(), req.uid.clone().into());
    review.insert(
        "kind".into(),
        json!({"group": req.kind.group, "version": req.kind.version, "kind": req.kind.name}),
    );
    review.insert(
        "resource".into(),
        json!({"group": req.resource.group, "version": req.resource.version,
               "resource": req.resource.name}),
    );
    for (key, value) in [
        ("subResource", &req.sub_resource),
        ("name", &req.name),
        ("namespace", &req.namespace),
    ] {
        if !value.is_empty() {
            review.insert(key.into(), value.clone().into());
        }
    }
    review.insert("operation".into(), req.operation.as_str().into());
    let u = &req.user_info;
    let mut user = Map::new();
    if !u.username.is_empty() {
        user.insert("username".into(), u.username.clone().into());
    }
    if !u.uid.is_empty() {
        user.insert("uid".into(), u.uid.clone().into());
    }
    if !u.groups.is_empty() {
        user.insert("groups".into(), json!(u.groups));
    }
    if !u.extra.is_empty() {
        user.insert("extra".into(), json!(u.extra));
    }
    review.insert("userInfo".into(), Value::Object(user));
    if let Some(o) = object {
        review.insert("object".into(), o.clone());
    }
    if let Some(o) = &req.old_object {
        review.insert("oldObject".into(), o.clone());
    }
    review.insert("dryRun".into(), req.dry_run.into());
    if let Some(o) = &req.options {
        review.insert("options".into(), o.clone());
    }
    Value::Object(review)
}

fn input_value(review: &RegoValue, parameters: Option<&RegoValue>) -> RegoValue {
    let mut input = BTreeMap::new();
    input.insert(RegoValue::from("review"), review.clone());
    if let Some(p) = parameters {
        input.insert(RegoValue::from("parameters"), p.clone());
    }
    RegoValue::from(input)
}

/// The `msg` of every element of the `violation` set. An undefined
/// `violation` means none. Gatekeeper requires `msg` to be a string.
fn violation_messages(result: &RegoValue) -> Result<Vec<String>, String> {
    let set = match result {
        RegoValue::Undefined => return Ok(Vec::new()),
        RegoValue::Set(s) => s,
        _ => return Err("`violation` must be a set of objects".to_string()),
    };
    set.iter()
        .map(|v| match &v[&RegoValue::from("msg")] {
            RegoValue::String(s) => Ok(s.to_string()),
            _ => Err("a `violation` has no string `msg`".to_string()),
        })
        .collect()
}

/// Gatekeeper's `data.inventory` layout.
fn inventory_tree(objects: &[Value]) -> Value {
    let mut tree = json!({"cluster": {}, "namespace": {}});
    for o in objects {
        let (Some(api), Some(kind), Some(name)) = (
            o["apiVersion"].as_str(),
            o["kind"].as_str(),
            o["metadata"]["name"].as_str(),
        ) else {
            continue;
        };
        let slot = match o["metadata"]["namespace"]
            .as_str()
            .filter(|n| !n.is_empty())
        {
            Some(ns) => &mut tree["namespace"][ns],
            None => &mut tree["cluster"],
        };
        slot[api][kind][name] = o.clone();
    }
    tree
}
