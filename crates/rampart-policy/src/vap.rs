//! Kubernetes ValidatingAdmissionPolicy (`admissionregistration.k8s.io`
//! `v1` and `v1beta1`) evaluated offline, as the API server's validating
//! policy plugin does.
//!
//! A [`VapSet`] is loaded from every object of a policy directory:
//! policies, bindings, and any other object, kept as a possible param.
//! [`VapSet::evaluate`] then follows the API server's dispatcher: each
//! binding names its policy (a missing one is ignored); the policy's
//! `matchConstraints` and the binding's `matchResources` must both match
//! (resource rules with `*`, `pods/*`, `*/scale`; scope; resourceNames;
//! `excludeResourceRules` wins; namespace and object selectors;
//! `matchPolicy`, below); params are collected per `paramRef`;
//! `matchConditions`, lazily evaluated `variables`, `validations` and
//! `auditAnnotations` run once per param; failures carry the binding's
//! `validationActions`, errors the policy's `failurePolicy`.
//!
//! `auditAnnotations` are evaluated whenever the policy applies, whatever
//! the binding's `validationActions`: a string value (trimmed, non-empty,
//! cut at 10 KiB) is an [`AuditAnnotation`], a null or blank one is
//! skipped. An error rejects the request under `failurePolicy: Fail` even
//! for an `[Audit]` or `[Warn]` binding (the API server adds it to the
//! denials directly), and is dropped under `Ignore`; a value that is
//! neither a string nor null rejects under either. At load, as the API
//! server validates a policy: at most 20, keys unique, each a qualified
//! name part (≤ 63 characters) since the annotation is recorded as
//! `<policy name>/<key>`, `valueExpression` non-empty and ≤ 5 KiB; a
//! policy needs `validations` or `auditAnnotations`.
//! [`Evaluation::published_audit_annotations`] joins them as the API
//! server records them.
//!
//! `matchPolicy: Equivalent` (the default): a rule that does not match the
//! request's resource also matches when it matches an equivalent one; the
//! policy then sees that resource and its kind as `request.resource` and
//! `request.kind` (and the asked-for ones as `requestResource` and
//! `requestKind`). Without discovery, the equivalents are the same group
//! and resource in each version the rules name (assumed served), and for
//! the resources kube-apiserver serves under two groups from one storage
//! (deployments, daemonsets, replicasets, networkpolicies, ingresses,
//! events, replicationcontrollers' `scale`) every group and version that
//! served them (see `COHABITING`). `matchPolicy: Exact` matches only the
//! request's own resource.
//!
//! CEL is the `cel` crate (0.13) with the Kubernetes libraries of
//! `kube-cel` 0.8: lists (`isSorted`, `sum`, `min`, `max`, `indexOf`,
//! `lastIndexOf`, `slice`, `flatten`, `reverse`, `distinct`, `sort`,
//! `lists.range`), regex (`find`, `findAll`, `matches`), quantity
//! (`quantity`, `isQuantity`, `compareTo`, `isGreaterThan`, `isLessThan`,
//! `add`, `sub`, `asInteger`, `isInteger`, `asApproximateFloat`, `sign`),
//! url (`url`, `isURL`, `getScheme`, `getHost`, `getHostname`, `getPort`,
//! `getEscapedPath`, `getQuery`), ip and cidr (`ip`, `isIP`, `family`,
//! `isLoopback`, `isUnspecified`, `isGlobalUnicast`, `isLinkLocal*`,
//! `ip.isCanonical`, `cidr`, `isCIDR`, `containsIP`, `containsCIDR`,
//! `prefixLength`, `masked`), format (`format.named`, `format.dns1123Label`
//! … `validate`), ext strings (`charAt`, `indexOf`, `lastIndexOf`,
//! `lowerAscii`, `upperAscii`, `replace`, `split`, `join`, `substring`,
//! `trim`, `format`, `strings.quote`, `reverse`), sets (`sets.contains`,
//! `sets.equivalent`, `sets.intersects`), semver, math, base64, and
//! `optional` values (`optional.of`, `optional.none`,
//! `optional.ofNonZeroValue`, `value`, `hasValue`, `orValue`, `or`).
//!
//! Not supported, and what differs from the API server:
//! - `authorizer` (and `authorizer.requestResource`): there is no
//!   authorizer offline; an expression that uses it fails with a
//!   [`PolicyError`] under the policy's failure policy.
//! - `auditAnnotations` see `namespaceObject` as every other expression
//!   does; the API server passes their evaluator the whole Namespace
//!   (with fields `CreateNamespaceObject` leaves out, such as
//!   `managedFields`).
//! - No type checking: Kubernetes rejects a policy whose expression is not
//!   a bool, or reads an unknown field, at creation; here the first comes
//!   as an evaluation error and the second as a "no such key" error only
//!   when the expression runs.
//! - No cost budget (per-expression or per-call): expensive expressions
//!   are evaluated to the end.
//! - The cel 0.13 parser rejects the optional syntax `a.?b`, `a[?k]` and
//!   `{?k: v}`: such an expression does not compile.
//! - cel 0.13 has no two-variable comprehensions (`all(i, v, …)`,
//!   `transformList`, `transformMap`), no `cel.bind`, no `type()`/`dyn()`
//!   checks as in cel-go, no `timestamp`/`duration` time-zone variants, and
//!   no property-name escaping (`__dash__`, `__dot__`…): fields with such
//!   characters are read as `object["my-field"]`.
//! - Lists compare as lists: Kubernetes compares `x-kubernetes-list-type:
//!   set`/`map` lists without regard to order; there is no schema here.
//! - `matchPolicy: Equivalent` cannot convert: the policy sees `object`
//!   and `oldObject` in the version they were written in, not in the
//!   version of the rule that matched. Versions of a resource outside
//!   `COHABITING` are assumed served when a rule names them (there is no
//!   discovery); an equivalent subresource keeps the request's kind (a
//!   `scale` request's `autoscaling/v1` `Scale`).
//! - A param's `paramKind` is matched on its exact `apiVersion`, and its
//!   scope is taken from the loaded objects (namespaced when any object of
//!   that kind has a namespace or `paramRef.namespace` is set).
//! - When a namespaced request's Namespace object is unknown
//!   (`Request::namespace_object` is `None`), a non-empty
//!   `namespaceSelector` is a configuration error (the API server answers
//!   NotFound) and `namespaceObject` is `null`.
//! - An evaluation error under `failurePolicy: Fail` rejects only if the
//!   binding's `validationActions` include `Deny` (the API server turns it
//!   into a failed validation with those actions, so a `[Warn]` binding
//!   warns); [`PolicyError::fail_closed`] is `true` exactly then.
//!   Configuration errors (a missing param with `Deny`, an unparsable
//!   selector) reject under `Fail` whatever the actions.
//! - Quantities are kube-cel's: exact decimals on an i128 mantissa, where
//!   Kubernetes has arbitrary precision. Arithmetic or comparison whose
//!   result needs more than ~38 digits (e.g. a 36-digit `E` quantity
//!   against `1n`) panics in kube-cel; the panic is caught and reported as
//!   an evaluation error (in release builds the value wraps silently).
//!   kube-cel also trims blanks, so `isQuantity(' 1')` is true where
//!   Kubernetes says false.
//! - A Kubernetes CEL library function that panics on odd input is caught
//!   and reported as an evaluation error.

mod expr;

use std::collections::{BTreeMap, HashMap};

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use kube_cel::KubeCelExt;
use kube_cel::cel::{Context, Value};
use rampart_core::selector::Selector;
use serde::Deserialize;
use serde_json::Value as Json;

use crate::{
    Action, AuditAnnotation, Engine, Evaluation, Gvk, LoadError, Operation, PolicyError, Request,
    Violation,
};
use expr::{Compiled, VarUse, map, string, to_cel};

const GROUP: &str = "admissionregistration.k8s.io";
/// What the API server allows a messageExpression to produce.
const MAX_MESSAGE_BYTES: usize = 5 * 1024;
/// `auditAnnotations` a policy may have.
const MAX_AUDIT_ANNOTATIONS: usize = 20;
/// The longest `valueExpression` (trimmed) the API server accepts.
const MAX_VALUE_EXPRESSION_BYTES: usize = 5 * 1024;
/// Where the API server cuts an audit annotation's value.
const MAX_AUDIT_ANNOTATION_VALUE_BYTES: usize = 10 * 1024;

/// Every ValidatingAdmissionPolicy, binding and possible param of a
/// policy directory, with expressions compiled.
#[derive(Debug, Default)]
pub struct VapSet {
    policies: HashMap<String, Policy>,
    /// In the order given: the API server reports the first denial.
    bindings: Vec<Binding>,
    objects: Vec<ParamObject>,
}

#[derive(Debug)]
struct Policy {
    name: String,
    param_kind: Option<ParamKind>,
    match_constraints: Matcher,
    /// `true` for `Fail` (the default).
    fail_closed: bool,
    match_conditions: Vec<Compiled>,
    /// In order; each may read the ones before it.
    variables: Vec<(String, Compiled)>,
    validations: Vec<Validation>,
    audit_annotations: Vec<AuditAnnotationExpr>,
}

#[derive(Debug)]
struct AuditAnnotationExpr {
    key: String,
    value_expression: Compiled,
}

#[derive(Debug)]
struct Validation {
    expression: Compiled,
    message: Option<String>,
    message_expression: Option<Compiled>,
    reason: Option<String>,
}

#[derive(Debug)]
struct Binding {
    name: String,
    policy_name: String,
    param_ref: Option<ParamRef>,
    match_resources: Option<Matcher>,
    actions: Vec<Action>,
}

#[derive(Debug)]
struct ParamRef {
    name: Option<String>,
    namespace: Option<String>,
    selector: Option<Selector>,
    deny_not_found: bool,
}

#[derive(Debug, Deserialize, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
struct ParamKind {
    #[serde(default)]
    api_version: String,
    #[serde(default)]
    kind: String,
}

#[derive(Debug)]
struct ParamObject {
    api_version: String,
    kind: String,
    namespace: String,
    name: String,
    labels: BTreeMap<String, String>,
    object: Json,
}

#[derive(Debug)]
struct Matcher {
    namespace_selector: Selector,
    object_selector: Selector,
    resource_rules: Vec<Rule>,
    exclude_resource_rules: Vec<Rule>,
    /// `matchPolicy: Equivalent` (the API's default).
    equivalent: bool,
}

/// The resource and kind a policy matched a request as: the request's
/// own, or (`matchPolicy: Equivalent`) an equivalent one. They are
/// `request.resource` and `request.kind` in CEL.
#[derive(Clone, Debug, PartialEq)]
struct Matched {
    resource: Gvk,
    kind: Gvk,
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Rule {
    #[serde(default)]
    resource_names: Vec<String>,
    #[serde(default)]
    operations: Vec<String>,
    #[serde(default)]
    api_groups: Vec<String>,
    #[serde(default)]
    api_versions: Vec<String>,
    #[serde(default)]
    resources: Vec<String>,
    scope: Option<String>,
}

// The wire shapes, as far as evaluation needs them.

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PolicySpecWire {
    param_kind: Option<ParamKind>,
    match_constraints: Option<MatchResourcesWire>,
    #[serde(default)]
    validations: Vec<ValidationWire>,
    failure_policy: Option<String>,
    #[serde(default)]
    match_conditions: Vec<NamedExpressionWire>,
    #[serde(default)]
    variables: Vec<NamedExpressionWire>,
    #[serde(default)]
    audit_annotations: Vec<AuditAnnotationWire>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AuditAnnotationWire {
    #[serde(default)]
    key: String,
    #[serde(default)]
    value_expression: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ValidationWire {
    expression: String,
    message: Option<String>,
    message_expression: Option<String>,
    reason: Option<String>,
}

#[derive(Deserialize)]
struct NamedExpressionWire {
    name: String,
    expression: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MatchResourcesWire {
    namespace_selector: Option<LabelSelector>,
    object_selector: Option<LabelSelector>,
    #[serde(default)]
    resource_rules: Vec<Rule>,
    #[serde(default)]
    exclude_resource_rules: Vec<Rule>,
    match_policy: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BindingSpecWire {
    #[serde(default)]
    policy_name: String,
    param_ref: Option<ParamRefWire>,
    match_resources: Option<MatchResourcesWire>,
    #[serde(default)]
    validation_actions: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ParamRefWire {
    name: Option<String>,
    namespace: Option<String>,
    selector: Option<LabelSelector>,
    parameter_not_found_action: Option<String>,
}

impl VapSet {
    /// Loads every object of a policy directory. Malformed policies and
    /// bindings are left out with a [`LoadError`]; expressions that do not
    /// compile are reported too, but their policy is kept: as in the API
    /// server, it fails each evaluation under its failure policy.
    pub fn load(objects: &[Json]) -> (VapSet, Vec<LoadError>) {
        let mut set = VapSet::default();
        let mut errors = Vec::new();
        for obj in objects {
            let api_version = str_at(obj, &["apiVersion"]);
            let kind = str_at(obj, &["kind"]);
            let name = str_at(obj, &["metadata", "name"]);
            let is_admission =
                api_version == format!("{GROUP}/v1") || api_version == format!("{GROUP}/v1beta1");
            match kind {
                "ValidatingAdmissionPolicy" if is_admission => {
                    let id = format!("ValidatingAdmissionPolicy/{name}");
                    match load_policy(name, obj) {
                        Ok((policy, compile_errors)) => {
                            errors.extend(compile_errors.into_iter().map(|message| LoadError {
                                object: id.clone(),
                                message,
                            }));
                            if set.policies.contains_key(name) {
                                errors.push(LoadError {
                                    object: id,
                                    message: "defined more than once; the last one is used".into(),
                                });
                            }
                            set.policies.insert(name.to_string(), policy);
                        }
                        Err(message) => errors.push(LoadError {
                            object: id,
                            message,
                        }),
                    }
                }
                "ValidatingAdmissionPolicyBinding" if is_admission => match load_binding(name, obj)
                {
                    Ok(b) => set.bindings.push(b),
                    Err(message) => errors.push(LoadError {
                        object: format!("ValidatingAdmissionPolicyBinding/{name}"),
                        message,
                    }),
                },
                _ => set.objects.push(ParamObject {
                    api_version: api_version.to_string(),
                    kind: kind.to_string(),
                    namespace: str_at(obj, &["metadata", "namespace"]).to_string(),
                    name: name.to_string(),
                    labels: labels_of(Some(obj)),
                    object: obj.clone(),
                }),
            }
        }
        (set, errors)
    }

    /// How many policies and bindings were loaded.
    pub fn counts(&self) -> (usize, usize) {
        (self.policies.len(), self.bindings.len())
    }

    /// Evaluates every binding whose policy exists on `req`.
    pub fn evaluate(&self, req: &Request) -> Evaluation {
        FUNCTIONS.with(|functions| self.evaluate_in(functions, req))
    }

    fn evaluate_in(&self, functions: &Context<'_>, req: &Request) -> Evaluation {
        let mut out = Evaluation::default();
        // The request variables are set once per request and matched
        // resource, and only when something matched.
        let mut roots: Vec<(Matched, Context<'_>)> = Vec::new();
        for binding in &self.bindings {
            let Some(policy) = self.policies.get(&binding.policy_name) else {
                continue;
            };
            let config_error = |out: &mut Evaluation, message: String| {
                out.errors.push(PolicyError {
                    engine: Engine::Vap,
                    policy: policy.name.clone(),
                    binding: binding.name.clone(),
                    message: format!("failed to configure binding: {message}"),
                    fail_closed: policy.fail_closed,
                })
            };
            // The policy's match decides what the request is seen as; the
            // binding's only narrows it.
            let matched = match policy.match_constraints.matches(req) {
                Ok(Some(m)) => m,
                Ok(None) => continue,
                Err(e) => {
                    config_error(&mut out, e);
                    continue;
                }
            };
            if let Some(m) = &binding.match_resources {
                match m.matches(req) {
                    Ok(Some(_)) => {}
                    Ok(None) => continue,
                    Err(e) => {
                        config_error(&mut out, e);
                        continue;
                    }
                }
            }
            let params = match self.collect_params(policy, binding, &req.namespace) {
                Ok(p) => p,
                Err(e) => {
                    config_error(&mut out, e);
                    continue;
                }
            };
            let root = match roots.iter().position(|(m, _)| *m == matched) {
                Some(i) => &roots[i].1,
                None => {
                    let ctx = root_context(functions, req, &matched);
                    roots.push((matched, ctx));
                    &roots[roots.len() - 1].1
                }
            };
            for param in params {
                let mut scope = root.new_inner_scope();
                scope.add_variable_from_value(
                    "params",
                    param.map(|p| to_cel(&p.object)).unwrap_or(Value::Null),
                );
                evaluate_one(policy, binding, &scope, &mut out);
            }
        }
        out
    }

    /// The params a binding evaluates with, as `generic.CollectParams`
    /// finds them: `[None]` when the policy or binding uses none.
    fn collect_params(
        &self,
        policy: &Policy,
        binding: &Binding,
        namespace: &str,
    ) -> Result<Vec<Option<&ParamObject>>, String> {
        let (Some(kind), Some(pref)) = (&policy.param_kind, &binding.param_ref) else {
            return Ok(vec![None]);
        };
        let of_kind = || {
            self.objects
                .iter()
                .filter(move |o| o.api_version == kind.api_version && o.kind == kind.kind)
        };
        let namespaced = pref.namespace.is_some() || of_kind().any(|o| !o.namespace.is_empty());
        let param_ns = if namespaced {
            match pref.namespace.as_deref() {
                Some(ns) => ns,
                None if namespace.is_empty() => {
                    return Err(
                        "cannot use namespaced paramRef in policy binding that matches \
                         cluster-scoped resources"
                            .into(),
                    );
                }
                None => namespace,
            }
        } else {
            ""
        };
        let in_scope = |o: &&ParamObject| o.namespace == param_ns;
        let found: Vec<&ParamObject> = match (&pref.name, &pref.selector) {
            (Some(name), _) => of_kind()
                .filter(in_scope)
                .filter(|o| &o.name == name)
                .take(1)
                .collect(),
            (None, Some(sel)) => of_kind()
                .filter(in_scope)
                .filter(|o| sel.matches(|k| o.labels.get(k).map(String::as_str)))
                .collect(),
            (None, None) => Vec::new(),
        };
        if found.is_empty() && pref.deny_not_found {
            return Err(
                "no params found for policy binding with `Deny` parameterNotFoundAction".into(),
            );
        }
        Ok(found.into_iter().map(Some).collect())
    }
}

/// One policy with one binding and one param: matchConditions, then the
/// validations, as the API server's validator does.
fn evaluate_one(policy: &Policy, binding: &Binding, scope: &Context, out: &mut Evaluation) {
    let vars = Variables::new(policy);
    let error = |out: &mut Evaluation, message: String| {
        out.errors.push(PolicyError {
            engine: Engine::Vap,
            policy: policy.name.clone(),
            binding: binding.name.clone(),
            message,
            // Kubernetes turns an error under `Fail` into a failed
            // validation that the binding's actions then apply to.
            fail_closed: policy.fail_closed && binding.actions.contains(&Action::Deny),
        })
    };

    // Any false condition skips the policy, even when another errs.
    let mut condition_errors = Vec::new();
    for cond in &policy.match_conditions {
        match vars
            .scope_for(cond, scope)
            .and_then(|ctx| cond.run_bool(&ctx))
        {
            Ok(true) => {}
            Ok(false) => return,
            Err(e) => condition_errors.push(e),
        }
    }
    if !condition_errors.is_empty() {
        error(out, condition_errors.join(", "));
        return;
    }

    for v in &policy.validations {
        let ctx = match vars.scope_for(&v.expression, scope) {
            Ok(ctx) => ctx,
            Err(e) => {
                error(out, e);
                continue;
            }
        };
        match v.expression.run_bool(&ctx) {
            Ok(true) => {}
            Ok(false) => {
                let message = failure_message(v, &vars, scope);
                out.violations.push(Violation {
                    engine: Engine::Vap,
                    policy: policy.name.clone(),
                    binding: binding.name.clone(),
                    message,
                    actions: binding.actions.clone(),
                    reason: v.reason.clone().unwrap_or_else(|| "Invalid".to_string()),
                });
            }
            Err(e) => error(out, e),
        }
    }

    // Audit annotations are published whenever the policy applies,
    // whatever the binding's validationActions.
    for a in &policy.audit_annotations {
        let value = vars
            .scope_for(&a.value_expression, scope)
            .and_then(|ctx| a.value_expression.run(&ctx));
        let value = match value {
            Ok(Value::String(v)) => v.trim().to_string(),
            Ok(Value::Null) => continue,
            Ok(other) => {
                // The API server rejects the request here under either
                // failure policy.
                out.errors.push(PolicyError {
                    engine: Engine::Vap,
                    policy: policy.name.clone(),
                    binding: binding.name.clone(),
                    message: format!(
                        "valueExpression '{}' resulted in unsupported return type: {}. \
                         Return type must be either string or null.",
                        a.value_expression.source.trim(),
                        other.type_of()
                    ),
                    fail_closed: true,
                });
                continue;
            }
            Err(e) => {
                // Under `Fail` the API server rejects the request whatever
                // the binding's actions; under `Ignore` it drops the
                // annotation.
                out.errors.push(PolicyError {
                    engine: Engine::Vap,
                    policy: policy.name.clone(),
                    binding: binding.name.clone(),
                    message: e,
                    fail_closed: policy.fail_closed,
                });
                continue;
            }
        };
        if value.is_empty() {
            continue;
        }
        out.audit_annotations.push(AuditAnnotation {
            engine: Engine::Vap,
            policy: policy.name.clone(),
            binding: binding.name.clone(),
            key: a.key.clone(),
            value: truncate(value, MAX_AUDIT_ANNOTATION_VALUE_BYTES),
        });
    }
}

/// `value` cut to at most `max` bytes. The API server cuts at the byte;
/// here the cut moves back to a character boundary, so a value is always
/// valid UTF-8.
fn truncate(mut value: String, max: usize) -> String {
    if value.len() > max {
        let mut end = max;
        while !value.is_char_boundary(end) {
            end -= 1;
        }
        value.truncate(end);
    }
    value
}

/// messageExpression if it yields a usable string, else message, else the
/// expression itself.
fn failure_message(v: &Validation, vars: &Variables, scope: &Context) -> String {
    let from_expression = v.message_expression.as_ref().and_then(|me| {
        let ctx = vars.scope_for(me, scope).ok()?;
        match me.run(&ctx) {
            Ok(Value::String(s)) => {
                let s = s.trim();
                // Kubernetes drops over-long and multi-line messages.
                (s.len() <= MAX_MESSAGE_BYTES && !s.contains('\n')).then(|| s.to_string())
            }
            _ => None,
        }
    });
    from_expression
        .filter(|m| !m.is_empty())
        .or_else(|| {
            v.message
                .as_deref()
                .map(str::trim)
                .filter(|m| !m.is_empty())
                .map(str::to_string)
        })
        .unwrap_or_else(|| format!("failed expression: {}", v.expression.source.trim()))
}

/// The policy's `variables`, each evaluated at most once per param and
/// only when an expression reads it.
struct Variables<'p> {
    policy: &'p Policy,
    done: std::cell::RefCell<HashMap<usize, Result<Value, String>>>,
}

impl<'p> Variables<'p> {
    fn new(policy: &'p Policy) -> Self {
        Variables {
            policy,
            done: Default::default(),
        }
    }

    /// A scope with `variables` holding what `c` reads. An error of a
    /// variable it reads is its error.
    fn scope_for<'a>(&self, c: &Compiled, scope: &'a Context<'a>) -> Result<Context<'a>, String> {
        let vars = self.values(&c.vars, self.policy.variables.len(), scope)?;
        let mut ctx = scope.new_inner_scope();
        ctx.add_variable_from_value("variables", vars);
        Ok(ctx)
    }

    /// The `variables` map for an expression that reads `uses`, among the
    /// first `upto` variables (a variable sees only those before it).
    fn values(&self, uses: &VarUse, upto: usize, scope: &Context) -> Result<Value, String> {
        let mut entries = Vec::new();
        for (i, (name, _)) in self.policy.variables[..upto].iter().enumerate() {
            let wanted = match uses {
                VarUse::All => true,
                VarUse::Some(set) => set.contains(name),
            };
            if wanted {
                entries.push((name.as_str(), self.value(i, scope)?));
            }
        }
        Ok(map(entries))
    }

    fn value(&self, i: usize, scope: &Context) -> Result<Value, String> {
        if let Some(r) = self.done.borrow().get(&i) {
            return r.clone();
        }
        let (name, c) = &self.policy.variables[i];
        let r = self.values(&c.vars, i, scope).and_then(|vars| {
            let mut ctx = scope.new_inner_scope();
            ctx.add_variable_from_value("variables", vars);
            c.run(&ctx)
                .map_err(|e| format!("composited variable \"{name}\" fails to evaluate: {e}"))
        });
        self.done.borrow_mut().insert(i, r.clone());
        r
    }
}

thread_local! {
    /// CEL's and Kubernetes' function libraries, registered once per
    /// thread rather than for every request: a registry of some two
    /// hundred functions costs more to build than most policies take to
    /// run. (cel's contexts are not `Sync`, so one per thread.)
    static FUNCTIONS: Context<'static> = Context::default().with_all();
}

/// A scope under `functions` with the request's variables, for a policy
/// that matched the request as `matched`.
fn root_context<'a>(functions: &'a Context<'a>, req: &Request, matched: &Matched) -> Context<'a> {
    let mut ctx = functions.new_inner_scope();
    let opt = |v: &Option<Json>| v.as_ref().map(to_cel).unwrap_or(Value::Null);
    ctx.add_variable_from_value("object", opt(&req.object));
    ctx.add_variable_from_value("oldObject", opt(&req.old_object));
    ctx.add_variable_from_value("request", request_value(req, matched));
    ctx.add_variable_from_value("namespaceObject", namespace_object(req));
    ctx
}

/// `request`, as `cel.CreateAdmissionRequest` builds it: `kind` and
/// `resource` are what the policy matched, `requestKind` and
/// `requestResource` what was asked.
fn request_value(req: &Request, matched: &Matched) -> Value {
    let kind = |k: &Gvk| {
        map([
            ("group", string(&k.group)),
            ("version", string(&k.version)),
            ("kind", string(&k.name)),
        ])
    };
    let resource = |r: &Gvk| {
        map([
            ("group", string(&r.group)),
            ("version", string(&r.version)),
            ("resource", string(&r.name)),
        ])
    };
    let strings =
        |v: &[String]| Value::List(std::sync::Arc::new(v.iter().map(|s| string(s)).collect()));
    let user = &req.user_info;
    let extra = map(user.extra.iter().map(|(k, v)| (k.as_str(), strings(v))));
    map([
        ("uid", string(&req.uid)),
        ("kind", kind(&matched.kind)),
        ("resource", resource(&matched.resource)),
        ("subResource", string(&req.sub_resource)),
        ("requestKind", kind(&req.kind)),
        ("requestResource", resource(&req.resource)),
        ("requestSubResource", string(&req.sub_resource)),
        ("name", string(&req.name)),
        ("namespace", string(&req.namespace)),
        ("operation", string(req.operation.as_str())),
        (
            "userInfo",
            map([
                ("username", string(&user.username)),
                ("uid", string(&user.uid)),
                ("groups", strings(&user.groups)),
                ("extra", extra),
            ]),
        ),
        ("dryRun", Value::Bool(req.dry_run)),
        (
            "options",
            req.options.as_ref().map(to_cel).unwrap_or(Value::Null),
        ),
    ])
}

/// `namespaceObject`: null for cluster-scoped requests and for a Namespace
/// itself (the API server unsets it there), else the Namespace with only
/// the metadata `cel.CreateNamespaceObject` copies.
fn namespace_object(req: &Request) -> Value {
    if req.namespace.is_empty() || is_namespace_kind(req) {
        return Value::Null;
    }
    let Some(ns) = &req.namespace_object else {
        return Value::Null;
    };
    let mut out = serde_json::Map::new();
    for key in ["spec", "status"] {
        if let Some(v) = ns.get(key) {
            out.insert(key.into(), v.clone());
        }
    }
    let mut meta = serde_json::Map::new();
    if let Some(m) = ns.get("metadata").and_then(Json::as_object) {
        for key in [
            "name",
            "generateName",
            "namespace",
            "uid",
            "resourceVersion",
            "generation",
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "labels",
            "annotations",
            "finalizers",
        ] {
            if let Some(v) = m.get(key) {
                meta.insert(key.into(), v.clone());
            }
        }
    }
    out.insert("metadata".into(), Json::Object(meta));
    to_cel(&Json::Object(out))
}

fn is_namespace_kind(req: &Request) -> bool {
    req.kind.group.is_empty() && req.kind.version == "v1" && req.kind.name == "Namespace"
}

fn is_namespace_resource(req: &Request) -> bool {
    req.resource.group.is_empty()
        && req.resource.version == "v1"
        && req.resource.name == "namespaces"
}

impl Matcher {
    /// `matching.Matcher.Matches`: selectors, then exclusions, then rules
    /// (none means every resource). `Some` with what the request matched
    /// as when it matches.
    fn matches(&self, req: &Request) -> Result<Option<Matched>, String> {
        let ns_match = self.namespace_matches(req);
        if let Ok(false) = ns_match {
            return Ok(None);
        }
        let object_match = [&req.object, &req.old_object]
            .into_iter()
            .flatten()
            .any(|o| {
                let labels = labels_of(Some(o));
                self.object_selector
                    .matches(|k| labels.get(k).map(String::as_str))
            });
        if !object_match && !is_everything(&self.object_selector) {
            return Ok(None);
        }
        if self
            .match_rules(&self.exclude_resource_rules, req)
            .is_some()
        {
            return Ok(None);
        }
        let matched = if self.resource_rules.is_empty() {
            Some(Matched {
                resource: req.resource.clone(),
                kind: req.kind.clone(),
            })
        } else {
            self.match_rules(&self.resource_rules, req)
        };
        match (matched, ns_match) {
            (None, _) => Ok(None),
            (Some(_), Err(e)) => Err(e),
            (Some(m), Ok(_)) => Ok(Some(m)),
        }
    }

    /// `matchesResourceRules`: the request as it is, then (Equivalent)
    /// each equivalent resource, rule by rule.
    fn match_rules(&self, rules: &[Rule], req: &Request) -> Option<Matched> {
        if rules.iter().any(|r| r.matches(req)) {
            return Some(Matched {
                resource: req.resource.clone(),
                kind: req.kind.clone(),
            });
        }
        if !self.equivalent {
            return None;
        }
        let equivalents = equivalent_resources(req, rules);
        for rule in rules {
            for eq in &equivalents {
                if rule.matches_as(req, eq) {
                    return Some(Matched {
                        resource: eq.clone(),
                        kind: equivalent_kind(req, eq),
                    });
                }
            }
        }
        None
    }

    /// `namespace.Matcher.MatchNamespaceSelector`.
    fn namespace_matches(&self, req: &Request) -> Result<bool, String> {
        if req.namespace.is_empty() && req.resource.name != "namespaces" {
            // Cluster-scoped objects other than namespaces are never
            // skipped by a namespace selector.
            return Ok(true);
        }
        if is_everything(&self.namespace_selector) {
            return Ok(true);
        }
        // A Namespace being created or updated is matched on its own
        // labels; otherwise the stored Namespace's.
        let own = is_namespace_resource(req)
            && req.sub_resource.is_empty()
            && matches!(req.operation, Operation::Create | Operation::Update);
        let labels = if own {
            labels_of(req.object.as_ref())
        } else if let Some(ns) = &req.namespace_object {
            labels_of(Some(ns))
        } else if is_namespace_resource(req) && req.old_object.is_some() {
            labels_of(req.old_object.as_ref())
        } else {
            return Err(format!("namespaces \"{}\" not found", req.namespace));
        };
        Ok(self
            .namespace_selector
            .matches(|k| labels.get(k).map(String::as_str)))
    }
}

fn is_everything(s: &Selector) -> bool {
    matches!(s, Selector::All(reqs) if reqs.is_empty())
}

impl Rule {
    /// `rules.Matcher.Matches` plus resourceNames.
    fn matches(&self, req: &Request) -> bool {
        self.matches_as(req, &req.resource)
    }

    /// Whether the rule matches `req` taken as a request for `resource`.
    fn matches_as(&self, req: &Request, resource: &Gvk) -> bool {
        let any = |items: &[String], v: &str| items.iter().any(|i| i == "*" || i == v);
        let scope = match self.scope.as_deref() {
            None | Some("*") => true,
            Some("Namespaced") => !is_namespace_resource(req) && !req.namespace.is_empty(),
            Some("Cluster") => is_namespace_resource(req) || req.namespace.is_empty(),
            Some(_) => false,
        };
        let names_resource = self.resources.iter().any(|r| {
            let (res, sub) = r.split_once('/').unwrap_or((r, ""));
            (res == "*" || res == resource.name) && (sub == "*" || sub == req.sub_resource)
        });
        scope
            && any(&self.operations, req.operation.as_str())
            && any(&self.api_groups, &resource.group)
            && any(&self.api_versions, &resource.version)
            && names_resource
            && (self.resource_names.is_empty() || self.resource_names.contains(&req.name))
    }
}

/// Resources that one API server serves under more than one group, sharing
/// one storage (kube-apiserver's "cohabitating" resources), with every
/// version each group served them in. The API server's
/// `EquivalentResourceMapper` makes all of them equivalent, as far as they
/// are served: in the clusters that run ValidatingAdmissionPolicy (1.26
/// and later) only core `v1` and `events.k8s.io/v1` events, and the `v1`
/// versions of the others, still are; the older entries only matter for
/// older manifests evaluated offline. (`policy` and `extensions`
/// podsecuritypolicies are left out: no version is served any more.)
const COHABITING: &[&[(&str, &str)]] = &[
    &[
        ("apps", "v1"),
        ("apps", "v1beta2"),
        ("apps", "v1beta1"),
        ("extensions", "v1beta1"),
    ],
    &[
        ("apps", "v1"),
        ("apps", "v1beta2"),
        ("extensions", "v1beta1"),
    ],
    &[
        ("apps", "v1"),
        ("apps", "v1beta2"),
        ("extensions", "v1beta1"),
    ],
    &[("networking.k8s.io", "v1"), ("extensions", "v1beta1")],
    &[
        ("networking.k8s.io", "v1"),
        ("networking.k8s.io", "v1beta1"),
        ("extensions", "v1beta1"),
    ],
    &[
        ("", "v1"),
        ("events.k8s.io", "v1"),
        ("events.k8s.io", "v1beta1"),
    ],
    // The extensions group served replicationcontrollers only for their
    // `scale` subresource.
    &[("", "v1"), ("extensions", "v1beta1")],
];
/// The resource of each `COHABITING` entry, in the same order.
const COHABITING_RESOURCES: [&str; 7] = [
    "deployments",
    "daemonsets",
    "replicasets",
    "networkpolicies",
    "ingresses",
    "events",
    "replicationcontrollers",
];

/// What `EquivalentResourcesFor` would answer for the request's resource,
/// without discovery: for a resource of [`COHABITING`], every group and
/// version listed there; for any other, the same group and resource in
/// each version the rules name (assumed to be served).
fn equivalent_resources(req: &Request, rules: &[Rule]) -> Vec<Gvk> {
    let r = &req.resource;
    let gvr = |group: &str, version: &str| Gvk {
        group: group.to_string(),
        version: version.to_string(),
        name: r.name.clone(),
    };
    let known = COHABITING_RESOURCES
        .iter()
        .zip(COHABITING)
        .find(|(name, versions)| {
            **name == r.name
                // extensions served replicationcontrollers only as `scale`.
                && (r.name != "replicationcontrollers" || req.sub_resource == "scale")
                && versions
                    .iter()
                    .any(|(g, v)| *g == r.group && *v == r.version)
        });
    let candidates: Vec<Gvk> = match known {
        Some((_, versions)) => versions.iter().map(|(g, v)| gvr(g, v)).collect(),
        None => rules
            .iter()
            .flat_map(|rule| &rule.api_versions)
            .filter(|v| *v != "*")
            .map(|v| gvr(&r.group, v))
            .collect(),
    };
    let mut out: Vec<Gvk> = Vec::new();
    for c in candidates {
        if c != *r && !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

/// The kind of an equivalent resource (`KindFor`): the request's kind in
/// the equivalent group and version. A subresource whose kind is of
/// another group (`deployments/scale` is `autoscaling/v1` `Scale`) keeps
/// the request's.
fn equivalent_kind(req: &Request, resource: &Gvk) -> Gvk {
    if req.kind.group == req.resource.group && req.kind.version == req.resource.version {
        Gvk {
            group: resource.group.clone(),
            version: resource.version.clone(),
            name: req.kind.name.clone(),
        }
    } else {
        req.kind.clone()
    }
}

fn load_policy(name: &str, obj: &Json) -> Result<(Policy, Vec<String>), String> {
    if name.is_empty() {
        return Err("metadata.name is missing".into());
    }
    let spec: PolicySpecWire = spec_of(obj)?;
    let Some(mc) = spec.match_constraints else {
        return Err("spec.matchConstraints is required".into());
    };
    if mc.resource_rules.is_empty() {
        return Err("spec.matchConstraints.resourceRules is required".into());
    }
    let match_constraints = load_matcher(mc, "spec.matchConstraints")?;
    let fail_closed = match spec.failure_policy.as_deref() {
        None | Some("Fail") => true,
        Some("Ignore") => false,
        Some(other) => return Err(format!("spec.failurePolicy: unknown value `{other}`")),
    };
    if let Some(pk) = &spec.param_kind
        && (pk.api_version.is_empty() || pk.kind.is_empty())
    {
        return Err("spec.paramKind needs apiVersion and kind".into());
    }
    let mut compile_errors = Vec::new();
    let mut compile = |field: String, src: &str| {
        let c = Compiled::new(src);
        if let Err(e) = &c.program {
            compile_errors.push(format!("{field}: {e}"));
        }
        c
    };
    let match_conditions = spec
        .match_conditions
        .iter()
        .map(|m| compile(format!("spec.matchConditions[{}]", m.name), &m.expression))
        .collect();
    let variables = spec
        .variables
        .iter()
        .map(|v| {
            let c = compile(format!("spec.variables[{}]", v.name), &v.expression);
            (v.name.clone(), c)
        })
        .collect();
    if spec.validations.is_empty() && spec.audit_annotations.is_empty() {
        return Err(
            "spec.validations or spec.auditAnnotations must contain at least one item".into(),
        );
    }
    if spec.audit_annotations.len() > MAX_AUDIT_ANNOTATIONS {
        return Err(format!(
            "spec.auditAnnotations: must not have more than {MAX_AUDIT_ANNOTATIONS} items"
        ));
    }
    let mut keys: Vec<&str> = Vec::new();
    for (i, a) in spec.audit_annotations.iter().enumerate() {
        let field = format!("spec.auditAnnotations[{i}]");
        // The API server checks `<policy name>/<key>` as a qualified name,
        // the name it records the annotation under.
        qualified_name_part(&a.key).map_err(|e| format!("{field}.key: `{}`: {e}", a.key))?;
        if keys.contains(&a.key.as_str()) {
            return Err(format!("{field}.key: duplicate value `{}`", a.key));
        }
        keys.push(&a.key);
        let trimmed = a.value_expression.trim();
        if trimmed.is_empty() {
            return Err(format!("{field}.valueExpression is required"));
        }
        if trimmed.len() > MAX_VALUE_EXPRESSION_BYTES {
            return Err(format!(
                "{field}.valueExpression: must not exceed {MAX_VALUE_EXPRESSION_BYTES} bytes"
            ));
        }
    }
    let validations = spec
        .validations
        .iter()
        .enumerate()
        .map(|(i, v)| Validation {
            expression: compile(format!("spec.validations[{i}].expression"), &v.expression),
            message: v.message.clone(),
            message_expression: v
                .message_expression
                .as_deref()
                .map(|m| compile(format!("spec.validations[{i}].messageExpression"), m)),
            reason: v.reason.clone(),
        })
        .collect();
    let audit_annotations = spec
        .audit_annotations
        .iter()
        .enumerate()
        .map(|(i, a)| AuditAnnotationExpr {
            key: a.key.clone(),
            value_expression: compile(
                format!("spec.auditAnnotations[{i}].valueExpression"),
                a.value_expression.trim(),
            ),
        })
        .collect();
    Ok((
        Policy {
            name: name.to_string(),
            param_kind: spec.param_kind,
            match_constraints,
            fail_closed,
            match_conditions,
            variables,
            validations,
            audit_annotations,
        },
        compile_errors,
    ))
}

/// The name part of a qualified name (`IsQualifiedName`): 1 to 63
/// characters, alphanumerics with `-`, `_` and `.` inside.
fn qualified_name_part(key: &str) -> Result<(), String> {
    if key.is_empty() {
        return Err("must be non-empty".into());
    }
    if key.len() > 63 {
        return Err("must be no more than 63 characters".into());
    }
    let alnum = |c: char| c.is_ascii_alphanumeric();
    let ok = key.starts_with(alnum)
        && key.ends_with(alnum)
        && key
            .chars()
            .all(|c| alnum(c) || matches!(c, '-' | '_' | '.'));
    if !ok {
        return Err(
            "must consist of alphanumeric characters, '-', '_' or '.', and must start \
                    and end with an alphanumeric character"
                .into(),
        );
    }
    Ok(())
}

fn load_binding(name: &str, obj: &Json) -> Result<Binding, String> {
    if name.is_empty() {
        return Err("metadata.name is missing".into());
    }
    let spec: BindingSpecWire = spec_of(obj)?;
    if spec.policy_name.is_empty() {
        return Err("spec.policyName is required".into());
    }
    if spec.validation_actions.is_empty() {
        return Err("spec.validationActions is required".into());
    }
    let mut actions = Vec::new();
    for a in &spec.validation_actions {
        let action = match a.as_str() {
            "Deny" => Action::Deny,
            "Warn" => Action::Warn,
            "Audit" => Action::Audit,
            other => return Err(format!("spec.validationActions: unknown value `{other}`")),
        };
        if actions.contains(&action) {
            return Err(format!("spec.validationActions: `{a}` given twice"));
        }
        actions.push(action);
    }
    if actions.contains(&Action::Deny) && actions.contains(&Action::Warn) {
        return Err("spec.validationActions: Deny and Warn cannot be used together".into());
    }
    let param_ref = match spec.param_ref {
        None => None,
        Some(p) => {
            if p.name.is_some() == p.selector.is_some() {
                return Err("spec.paramRef needs exactly one of name and selector".into());
            }
            let selector = match &p.selector {
                Some(s) => Some(
                    Selector::from_label_selector(Some(s))
                        .map_err(|e| format!("spec.paramRef.selector: {e}"))?,
                ),
                None => None,
            };
            let deny_not_found = match p.parameter_not_found_action.as_deref() {
                None | Some("Allow") => false,
                Some("Deny") => true,
                Some(other) => {
                    return Err(format!(
                        "spec.paramRef.parameterNotFoundAction: unknown value `{other}`"
                    ));
                }
            };
            Some(ParamRef {
                name: p.name,
                namespace: p.namespace.filter(|n| !n.is_empty()),
                selector,
                deny_not_found,
            })
        }
    };
    let match_resources = spec
        .match_resources
        .map(|m| load_matcher(m, "spec.matchResources"))
        .transpose()?;
    Ok(Binding {
        name: name.to_string(),
        policy_name: spec.policy_name,
        param_ref,
        match_resources,
        actions,
    })
}

fn load_matcher(m: MatchResourcesWire, field: &str) -> Result<Matcher, String> {
    // An absent selector is defaulted to `{}` (everything) by the API.
    let selector = |s: Option<LabelSelector>, name: &str| {
        Selector::from_label_selector(Some(&s.unwrap_or_default()))
            .map_err(|e| format!("{field}.{name}: {e}"))
    };
    let equivalent = match m.match_policy.as_deref() {
        None | Some("Equivalent") => true,
        Some("Exact") => false,
        Some(other) => return Err(format!("{field}.matchPolicy: unknown value `{other}`")),
    };
    for (list, rules) in [
        ("resourceRules", &m.resource_rules),
        ("excludeResourceRules", &m.exclude_resource_rules),
    ] {
        for (i, r) in rules.iter().enumerate() {
            if let Some(s) = &r.scope
                && !matches!(s.as_str(), "*" | "Namespaced" | "Cluster")
            {
                return Err(format!("{field}.{list}[{i}].scope: unknown value `{s}`"));
            }
        }
    }
    Ok(Matcher {
        namespace_selector: selector(m.namespace_selector, "namespaceSelector")?,
        object_selector: selector(m.object_selector, "objectSelector")?,
        resource_rules: m.resource_rules,
        exclude_resource_rules: m.exclude_resource_rules,
        equivalent,
    })
}

fn spec_of<T: serde::de::DeserializeOwned>(obj: &Json) -> Result<T, String> {
    let spec = obj.get("spec").ok_or("spec is missing")?;
    T::deserialize(spec).map_err(|e| format!("spec: {e}"))
}

fn str_at<'a>(v: &'a Json, path: &[&str]) -> &'a str {
    path.iter()
        .try_fold(v, |v, k| v.get(k))
        .and_then(Json::as_str)
        .unwrap_or("")
}

fn labels_of(obj: Option<&Json>) -> BTreeMap<String, String> {
    obj.and_then(|o| o.get("metadata"))
        .and_then(|m| m.get("labels"))
        .and_then(Json::as_object)
        .map(|l| {
            l.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Gvk, UserInfo};
    use serde_json::json;

    fn req(resource: &str, sub: &str, namespace: &str, op: Operation) -> Request {
        Request {
            uid: String::new(),
            kind: Gvk {
                group: String::new(),
                version: "v1".into(),
                name: "Pod".into(),
            },
            resource: Gvk {
                group: String::new(),
                version: "v1".into(),
                name: resource.into(),
            },
            sub_resource: sub.into(),
            name: "x".into(),
            namespace: namespace.into(),
            operation: op,
            user_info: UserInfo::default(),
            object: Some(json!({"metadata": {"name": "x", "labels": {"app": "web"}}})),
            old_object: None,
            namespace_object: Some(
                json!({"metadata": {"name": namespace, "labels": {"team": "a"}}}),
            ),
            dry_run: false,
            options: None,
        }
    }

    fn rule(resources: &[&str]) -> Rule {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect();
        Rule {
            operations: v(&["*"]),
            api_groups: v(&["*"]),
            api_versions: v(&["*"]),
            resources: v(resources),
            ..Rule::default()
        }
    }

    #[test]
    fn resource_rules_and_subresources() {
        let pod = req("pods", "", "ns", Operation::Create);
        let exec = req("pods", "exec", "ns", Operation::Connect);
        let scale = req("deployments", "scale", "ns", Operation::Update);
        assert!(rule(&["*"]).matches(&pod));
        assert!(!rule(&["*"]).matches(&exec), "`*` is no subresource");
        assert!(rule(&["pods/*"]).matches(&exec));
        // The API server's subresource `*` also matches "" (no subresource).
        assert!(rule(&["pods/*"]).matches(&pod));
        assert!(!rule(&["pods/exec"]).matches(&pod));
        assert!(rule(&["*/scale"]).matches(&scale));
        assert!(rule(&["*/*"]).matches(&exec));
        let mut named = rule(&["pods"]);
        named.resource_names = vec!["y".into()];
        assert!(!named.matches(&pod));
        let mut ops = rule(&["pods"]);
        ops.operations = vec!["UPDATE".into()];
        assert!(!ops.matches(&pod));
    }

    #[test]
    fn rule_scope() {
        let mut r = rule(&["*"]);
        r.scope = Some("Namespaced".into());
        assert!(r.matches(&req("pods", "", "ns", Operation::Create)));
        let mut ns = req("namespaces", "", "ns", Operation::Create);
        assert!(!r.matches(&ns), "a Namespace is cluster-scoped");
        r.scope = Some("Cluster".into());
        assert!(r.matches(&ns));
        ns.resource.name = "nodes".into();
        ns.namespace = String::new();
        assert!(r.matches(&ns));
        assert!(!r.matches(&req("pods", "", "ns", Operation::Create)));
    }

    fn matcher(ns_sel: Json, obj_sel: Json, exclude: Vec<Rule>) -> Matcher {
        Matcher {
            namespace_selector: Selector::from_label_selector(Some(
                &serde_json::from_value(ns_sel).unwrap(),
            ))
            .unwrap(),
            object_selector: Selector::from_label_selector(Some(
                &serde_json::from_value(obj_sel).unwrap(),
            ))
            .unwrap(),
            resource_rules: vec![rule(&["*"])],
            exclude_resource_rules: exclude,
            equivalent: true,
        }
    }

    #[test]
    fn selectors_and_exclusions() {
        let pod = req("pods", "", "ns", Operation::Create);
        let team_a = json!({"matchLabels": {"team": "a"}});
        let team_b = json!({"matchLabels": {"team": "b"}});
        assert_eq!(
            matcher(team_a.clone(), json!({}), vec![])
                .matches(&pod)
                .map(|m| m.is_some()),
            Ok(true)
        );
        assert_eq!(
            matcher(team_b.clone(), json!({}), vec![])
                .matches(&pod)
                .map(|m| m.is_some()),
            Ok(false)
        );
        let web = json!({"matchLabels": {"app": "web"}});
        let db = json!({"matchLabels": {"app": "db"}});
        assert_eq!(
            matcher(json!({}), web, vec![])
                .matches(&pod)
                .map(|m| m.is_some()),
            Ok(true)
        );
        assert_eq!(
            matcher(json!({}), db, vec![])
                .matches(&pod)
                .map(|m| m.is_some()),
            Ok(false)
        );
        // Exclusions win over rules.
        let m = matcher(json!({}), json!({}), vec![rule(&["pods"])]);
        assert_eq!(m.matches(&pod).map(|m| m.is_some()), Ok(false));

        // Cluster-scoped objects are never skipped by a namespace selector.
        let node = req("nodes", "", "", Operation::Create);
        assert_eq!(
            matcher(team_b.clone(), json!({}), vec![])
                .matches(&node)
                .map(|m| m.is_some()),
            Ok(true)
        );

        // A Namespace being created is matched on its own labels.
        let mut ns = req("namespaces", "", "new", Operation::Create);
        ns.namespace_object = None;
        ns.object = Some(json!({"metadata": {"name": "new", "labels": {"team": "b"}}}));
        assert_eq!(
            matcher(team_b.clone(), json!({}), vec![])
                .matches(&ns)
                .map(|m| m.is_some()),
            Ok(true)
        );
        assert_eq!(
            matcher(team_a, json!({}), vec![])
                .matches(&ns)
                .map(|m| m.is_some()),
            Ok(false)
        );

        // An unknown Namespace is an error, not a guess.
        let mut lost = req("pods", "", "gone", Operation::Create);
        lost.namespace_object = None;
        assert!(
            matcher(team_b, json!({}), vec![])
                .matches(&lost)
                .map(|m| m.is_some())
                .is_err()
        );
    }

    fn policy_yaml(spec: Json) -> Vec<Json> {
        vec![
            json!({"apiVersion": "admissionregistration.k8s.io/v1",
                   "kind": "ValidatingAdmissionPolicy", "metadata": {"name": "p"},
                   "spec": spec}),
            json!({"apiVersion": "admissionregistration.k8s.io/v1",
                   "kind": "ValidatingAdmissionPolicyBinding", "metadata": {"name": "b"},
                   "spec": {"policyName": "p", "validationActions": ["Deny"]}}),
        ]
    }

    /// Evaluates `validations` (expression, message) on a Pod in `ns`.
    fn run(validations: Json, variables: Json, fail: &str) -> Evaluation {
        let (set, errors) = VapSet::load(&policy_yaml(json!({
            "failurePolicy": fail,
            "matchConstraints": {"resourceRules": [{"apiGroups": [""], "apiVersions": ["v1"],
                "operations": ["*"], "resources": ["pods"]}]},
            "variables": variables,
            "validations": validations,
        })));
        assert!(errors.is_empty(), "{errors:?}");
        set.evaluate(&req("pods", "", "ns", Operation::Create))
    }

    fn check(expr: &str) -> Evaluation {
        run(json!([{"expression": expr}]), json!([]), "Fail")
    }

    #[test]
    fn kubernetes_libraries() {
        for expr in [
            "quantity('1Gi').isGreaterThan(quantity('1000Mi'))",
            "quantity('1.5k').asInteger() == 1500 && quantity('100m').isInteger() == false",
            "quantity('1e3').compareTo(quantity('1k')) == 0 && isQuantity('2Ei')",
            "!isQuantity('1.5 Gi') && quantity('500m').add(quantity('500m')).asInteger() == 1",
            "isQuantity('.5') && isQuantity('5.') && isQuantity('+1') && isQuantity('-1.5e-3')",
            "!isQuantity('1K') && !isQuantity('1ki') && !isQuantity('Gi') && !isQuantity('1Gi5')",
            "!isQuantity('1e')",
            "!isQuantity('')",
            "!isQuantity('1.2.3')",
            "quantity('1E').compareTo(quantity('1e18')) == 0 && quantity('1Ki').asInteger() == 1024",
            "quantity('1Ei').isGreaterThan(quantity('1n')) && quantity('100u').isLessThan(quantity('1m'))",
            "cidr('10.0.0.0/8').containsIP(ip('10.1.2.3')) && ip('::1').isLoopback()",
            "ip('192.168.0.1').family() == 4 && cidr('192.168.0.0/24').prefixLength() == 24",
            "url('https://example.com:8443/a%20b?x=1').getPort() == '8443' && isURL('/p')",
            "url('https://example.com/a').getHostname() == 'example.com'",
            "'a1b22'.findAll('[0-9]+') == ['1', '22'] && 'abc'.matches('^a')",
            "[1, 2, 3].isSorted() && [1, 2, 3].sum() == 6 && [3, 1].min() == 1",
            "[1, 2, 2].lastIndexOf(2) == 2 && ['a', 'b'].indexOf('b') == 1",
            "sets.contains([1, 2, 3], [2]) && sets.intersects([1], [1, 5])",
            "' Hi '.trim().lowerAscii() == 'hi' && 'a,b'.split(',').join('-') == 'a-b'",
            "'hello'.substring(1, 3) == 'el' && 'aXa'.replace('a', 'b') == 'bXb'",
            "format.dns1123Label().validate('Not_Valid').hasValue()",
            "!format.dns1123Label().validate('ok-name').hasValue()",
            "optional.of(1).orValue(2) == 1 && optional.none().orValue(2) == 2",
            "has(object.metadata.labels) && object.metadata.labels['app'] == 'web'",
            "request.operation == 'CREATE' && oldObject == null && params == null",
            "namespaceObject.metadata.labels.team == 'a'",
        ] {
            let e = check(expr);
            assert!(
                e.violations.is_empty() && e.errors.is_empty(),
                "{expr}: {e:?}"
            );
        }
    }

    #[test]
    fn hostile_quantities_are_errors_or_answers() {
        for expr in [
            "quantity('999999999999999999999999999999999999E').compareTo(quantity('1n')) == 0",
            "quantity('1e999').isGreaterThan(quantity('1n'))",
            "quantity('8E').add(quantity('8E')).asInteger() > 0",
            "quantity('1n').sub(quantity('9999999999999999999999999999E')).sign() < 0",
        ] {
            // Whatever the library answers, it must not take the process down.
            let _ = check(expr);
        }
    }

    #[test]
    fn messages() {
        let e = run(
            json!([
                {"expression": "false"},
                {"expression": "  1 == 2 ", "message": "  static  "},
                {"expression": "false", "message": "static", "messageExpression": "'from ' + 'cel'"},
                {"expression": "false", "message": "fallback", "messageExpression": "'a\\nb'"},
                {"expression": "false", "message": "fallback", "messageExpression": "object.nope"},
                {"expression": "false", "reason": "Forbidden", "messageExpression": "1"},
            ]),
            json!([]),
            "Fail",
        );
        let got: Vec<(&str, &str)> = e
            .violations
            .iter()
            .map(|v| (v.message.as_str(), v.reason.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("failed expression: false", "Invalid"),
                ("static", "Invalid"),
                ("from cel", "Invalid"),
                ("fallback", "Invalid"),
                ("fallback", "Invalid"),
                ("failed expression: false", "Forbidden"),
            ]
        );
    }

    #[test]
    fn errors_follow_failure_policy() {
        let fail = check("object.spec.missing == 1");
        assert!(fail.violations.is_empty());
        assert!(fail.errors[0].fail_closed);
        let ignore = run(
            json!([{"expression": "object.spec.missing == 1"}]),
            json!([]),
            "Ignore",
        );
        assert!(!ignore.errors[0].fail_closed);
        let not_bool = check("'yes'");
        assert!(not_bool.errors[0].message.contains("must evaluate to bool"));
        // `authorizer` is reported at load, and fails each evaluation.
        let (set, errors) = VapSet::load(&policy_yaml(json!({
            "matchConstraints": {"resourceRules": [{"apiGroups": [""], "apiVersions": ["v1"],
                "operations": ["*"], "resources": ["pods"]}]},
            "validations": [{"expression": "authorizer.group('').resource('pods').check('get').allowed()"}],
        })));
        assert!(errors[0].message.contains("authorizer"));
        let authz = set.evaluate(&req("pods", "", "ns", Operation::Create));
        assert!(authz.errors[0].message.contains("authorizer"));
        assert!(authz.errors[0].fail_closed);
    }

    #[test]
    fn variables_are_lazy_and_ordered() {
        let vars = json!([
            {"name": "broken", "expression": "object.nope.deeper"},
            {"name": "name", "expression": "object.metadata.name"},
            {"name": "upper", "expression": "variables.name.upperAscii()"},
        ]);
        // The broken variable is never read: no error.
        let e = run(
            json!([{"expression": "variables.upper == 'X'"}]),
            vars.clone(),
            "Fail",
        );
        assert_eq!(e, Evaluation::default());
        // Read, its error is the expression's.
        let e = run(
            json!([{"expression": "variables.broken == 1"}]),
            vars,
            "Fail",
        );
        assert!(
            e.errors[0]
                .message
                .contains("composited variable \"broken\""),
            "{e:?}"
        );
    }

    #[test]
    fn match_conditions() {
        let spec = |conds: Json| {
            json!({
                "matchConstraints": {"resourceRules": [{"apiGroups": [""], "apiVersions": ["v1"],
                    "operations": ["*"], "resources": ["pods"]}]},
                "matchConditions": conds,
                "validations": [{"expression": "false"}],
            })
        };
        let eval = |conds: Json| {
            let (set, errors) = VapSet::load(&policy_yaml(spec(conds)));
            assert!(errors.is_empty());
            set.evaluate(&req("pods", "", "ns", Operation::Create))
        };
        let c = |name: &str, e: &str| json!({"name": name, "expression": e});
        assert_eq!(eval(json!([c("a", "true")])).violations.len(), 1);
        assert_eq!(eval(json!([c("a", "false")])), Evaluation::default());
        // A false condition wins over an erroring one.
        assert_eq!(
            eval(json!([c("a", "object.x.y"), c("b", "false")])),
            Evaluation::default()
        );
        let e = eval(json!([c("a", "object.x.y"), c("b", "true")]));
        assert!(e.violations.is_empty() && e.errors[0].fail_closed);
    }

    #[test]
    fn warn_binding_does_not_fail_closed_on_errors() {
        let mut objs = policy_yaml(json!({
            "matchConstraints": {"resourceRules": [{"apiGroups": [""], "apiVersions": ["v1"],
                "operations": ["*"], "resources": ["pods"]}]},
            "validations": [{"expression": "object.nope"}],
        }));
        objs[1]["spec"]["validationActions"] = json!(["Warn"]);
        let (set, _) = VapSet::load(&objs);
        let e = set.evaluate(&req("pods", "", "ns", Operation::Create));
        assert!(!e.errors[0].fail_closed);
    }

    #[test]
    fn namespaced_param_for_cluster_scoped_request() {
        let mut objs = policy_yaml(json!({
            "paramKind": {"apiVersion": "v1", "kind": "ConfigMap"},
            "matchConstraints": {"resourceRules": [{"apiGroups": [""], "apiVersions": ["v1"],
                "operations": ["*"], "resources": ["nodes"]}]},
            "validations": [{"expression": "true"}],
        }));
        objs[1]["spec"]["paramRef"] = json!({"name": "cm", "parameterNotFoundAction": "Allow"});
        objs.push(json!({"apiVersion": "v1", "kind": "ConfigMap",
                         "metadata": {"name": "cm", "namespace": "a"}}));
        let (set, _) = VapSet::load(&objs);
        let e = set.evaluate(&req("nodes", "", "", Operation::Create));
        assert!(e.errors[0].message.contains("cluster-scoped"), "{e:?}");
    }

    #[test]
    fn versions_and_binding_errors() {
        let mut objs = policy_yaml(json!({
            "matchConstraints": {"resourceRules": [{"apiGroups": [""], "apiVersions": ["v1"],
                "operations": ["*"], "resources": ["pods"]}]},
            "validations": [{"expression": "false"}],
        }));
        objs[0]["apiVersion"] = json!("admissionregistration.k8s.io/v1beta1");
        let mut both = objs[1].clone();
        both["metadata"]["name"] = json!("both");
        both["spec"]["paramRef"] = json!({"name": "x", "selector": {}});
        let mut alpha = objs[1].clone();
        alpha["apiVersion"] = json!("admissionregistration.k8s.io/v1alpha1");
        objs.extend([both, alpha]);
        let (set, errors) = VapSet::load(&objs);
        assert_eq!(set.counts(), (1, 1), "v1alpha1 is not a binding here");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].object, "ValidatingAdmissionPolicyBinding/both");
        let e = set.evaluate(&req("pods", "", "ns", Operation::Create));
        assert_eq!(e.violations.len(), 1);
    }

    #[test]
    fn binding_to_missing_policy_is_ignored() {
        let mut objs = policy_yaml(json!({
            "matchConstraints": {"resourceRules": [{"apiGroups": ["*"], "apiVersions": ["*"],
                "operations": ["*"], "resources": ["*"]}]},
            "validations": [{"expression": "false"}],
        }));
        objs[1]["spec"]["policyName"] = json!("other");
        let (set, errors) = VapSet::load(&objs);
        assert!(errors.is_empty());
        assert_eq!(
            set.evaluate(&req("pods", "", "ns", Operation::Create)),
            Evaluation::default()
        );
    }
}
