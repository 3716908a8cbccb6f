//! The admission decision: one request in, allow/deny with warnings and
//! audit annotations out. Pure: no I/O, no clock.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use rampart_core::config::Config;
use rampart_core::engine;
use rampart_core::finding::Fingerprint;
use rampart_core::rule::{Profile, Settings};
use rampart_core::source::SourceFile;
use rampart_core::yaml::Limits;
use rampart_core::{ActiveRule, Check, Finding, Inventory, Severity};
use rampart_policy::{Action, Engine, Evaluation, Operation, Request};
use serde_json::Value;

/// Evaluates the custom policies (ValidatingAdmissionPolicy, Gatekeeper)
/// on one request.
pub type PolicyEvaluator = Box<dyn Fn(&Request) -> Evaluation + Send + Sync>;

/// How findings and policy verdicts become admission decisions.
#[derive(Clone, Debug)]
pub struct AdmissionSettings {
    /// Built-in rule findings at or above this severity deny; below → warn.
    pub deny_at: Severity,
    /// Per-rule action overrides: rule id → Action.
    pub actions: BTreeMap<String, Action>,
    /// Requests in these namespaces are admitted without evaluation.
    pub exempt_namespaces: Vec<String>,
    /// Requests by these users (exact names) are admitted without evaluation.
    pub exempt_users: Vec<String>,
    /// Requests by members of these groups are admitted without evaluation.
    pub exempt_groups: Vec<String>,
    /// Judge objects a workload controller creates from its owner's
    /// template like any other (deny them, as Pod Security Admission
    /// does with pods), instead of auditing them.
    pub judge_controller_created: bool,
}

impl Default for AdmissionSettings {
    fn default() -> Self {
        AdmissionSettings {
            deny_at: Severity::High,
            actions: BTreeMap::new(),
            // The control plane's own workloads (static pods' mirrors,
            // kube-proxy, CoreDNS) must never be locked out by the webhook.
            exempt_namespaces: vec!["kube-system".to_string()],
            exempt_users: Vec::new(),
            exempt_groups: Vec::new(),
            judge_controller_created: false,
        }
    }
}

/// The answer to one AdmissionReview request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    /// Why the request is denied (empty when allowed).
    pub message: String,
    /// HTTP status code of the denial (200 when allowed).
    pub code: u16,
    /// Shown to the client (kubectl prints them as `Warning: ...`).
    pub warnings: Vec<String>,
    /// Recorded in the audit log; the API server prefixes each key with
    /// the webhook's name (`<webhook>/<key>`), so keys carry no `/`.
    pub audit_annotations: BTreeMap<String, String>,
    /// (rule or policy, action) pairs for metrics. Rules by id; policies
    /// as `vap.<name>` or `gatekeeper.<kind>`.
    pub hits: Vec<(String, Action)>,
    /// Policies that could not be evaluated (counted as errors).
    pub policy_errors: usize,
}

impl Decision {
    fn allow() -> Decision {
        Decision {
            allowed: true,
            code: 200,
            ..Decision::default()
        }
    }
}

/// The denial message's limit: the API server returns it to the client
/// whole, and a response the size of the object helps nobody.
const MAX_MESSAGE_CHARS: usize = 4000;
/// The API server documents that warnings "over 256 characters and large
/// numbers of warnings may be truncated" (AdmissionResponse.warnings).
const MAX_WARNING_CHARS: usize = 256;
const MAX_WARNINGS: usize = 50;
/// The API server ignores warnings past 4096 characters in all, from every
/// admission plugin together: the budget is total, with room for the
/// summary line so that it is never the one dropped.
const MAX_WARNINGS_TOTAL_CHARS: usize = 4096;
const SUMMARY_RESERVE: usize = 64;
/// One audit annotation's value limit (the API server's own
/// ValidatingAdmissionPolicy truncates at 10 kB).
const MAX_ANNOTATION_CHARS: usize = 10_000;

/// Pod subresources whose object is not a pod spec to judge, as Pod
/// Security Admission ignores them (`ignoredPodSubresources`). Every other
/// pod subresource (`ephemeralcontainers`, `resize`) carries the Pod and is
/// evaluated, so a new subresource that can change the spec fails safe.
const IGNORED_POD_SUBRESOURCES: [&str; 8] = [
    "exec",
    "attach",
    "binding",
    "eviction",
    "log",
    "portforward",
    "proxy",
    "status",
];

/// Rules about manifests as files, not about objects in a cluster:
/// `secret-data-in-manifest` asks that Secrets not be committed with their
/// values, but every Secret the API server stores holds its data, so at
/// admission it would reject them all.
pub const MANIFEST_ONLY_RULES: [&str; 1] = ["secret-data-in-manifest"];

/// The users the built-in workload controllers create objects as: each
/// controller's own service account (kube-controller-manager's
/// `--use-service-account-credentials`, the default of kubeadm and the
/// managed platforms), or the controller manager's identity otherwise.
/// Only the control plane holds these credentials.
const WORKLOAD_CONTROLLERS: [&str; 8] = [
    "system:serviceaccount:kube-system:deployment-controller",
    "system:serviceaccount:kube-system:replicaset-controller",
    "system:serviceaccount:kube-system:statefulset-controller",
    "system:serviceaccount:kube-system:daemon-set-controller",
    "system:serviceaccount:kube-system:job-controller",
    "system:serviceaccount:kube-system:cronjob-controller",
    "system:serviceaccount:kube-system:replication-controller",
    "system:kube-controller-manager",
];

/// Which checks a request is decided with (the webhook path says).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checks {
    /// Built-in rules and custom policies (`/validate`).
    All,
    /// Built-in rules only (`/validate/rules`).
    Rules,
    /// Custom policies only (`/validate/policies`).
    Policies,
}

/// Turns admission requests into decisions with the built-in rules and the
/// custom policies.
pub struct Decider {
    rules: Vec<ActiveRule>,
    config: Config,
    settings: AdmissionSettings,
    policies: Option<PolicyEvaluator>,
    engine: Settings,
}

impl std::fmt::Debug for Decider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decider")
            .field("rules", &self.rules.len())
            .field("settings", &self.settings)
            .field("policies", &self.policies.is_some())
            .finish()
    }
}

/// One built-in finding, as the request sees it.
struct Hit<'a> {
    finding: &'a Finding,
    action: Action,
    /// The old object had the same finding (UPDATE).
    preexisting: bool,
    /// The object is created by a workload controller from this owner's
    /// template (`Kind/name`), which the rules judged when it was admitted.
    owner: Option<&'a str>,
}

impl Decider {
    /// `rules`: the built-in rule catalog entries to run (already filtered
    /// by config); `config`: the rampart config (exemptions, rule params);
    /// `policies`: the custom policies' evaluator.
    ///
    /// Rules that judge relations between objects ([`Check::Inventory`]:
    /// RBAC grants, NetworkPolicy isolation, cluster versions) are left
    /// out: a request carries one object, and "no binding uses this role"
    /// or "no policy isolates this pod" would be said of every object. So
    /// are [`MANIFEST_ONLY_RULES`].
    pub fn new(
        rules: Vec<ActiveRule>,
        config: Config,
        settings: AdmissionSettings,
        policies: Option<PolicyEvaluator>,
    ) -> Decider {
        let rules = rules
            .into_iter()
            .filter(|r| {
                !matches!(r.rule.check, Check::Inventory(_))
                    && !MANIFEST_ONLY_RULES.contains(&r.rule.meta.id)
            })
            .collect();
        Decider {
            rules,
            config,
            settings,
            policies,
            engine: Settings::default(),
        }
    }

    /// The run-wide settings the rules see (profile, Pod Security version,
    /// image lockfile, target version); the default profile otherwise.
    pub fn with_engine_settings(mut self, engine: Settings) -> Decider {
        self.engine = engine;
        self
    }

    /// Whether the request is exempt by namespace, user or group.
    fn exempt(&self, req: &Request) -> bool {
        let s = &self.settings;
        (!req.namespace.is_empty() && s.exempt_namespaces.contains(&req.namespace))
            || (!req.user_info.username.is_empty()
                && s.exempt_users.contains(&req.user_info.username))
            || req
                .user_info
                .groups
                .iter()
                .any(|g| s.exempt_groups.contains(g))
    }

    /// Pure: one AdmissionReview request → its response, with the
    /// built-in rules and the custom policies.
    pub fn decide(&self, req: &Request) -> Decision {
        self.decide_with(req, Checks::All)
    }

    /// [`Decider::decide`] with only some of the checks: a webhook
    /// configuration may send workloads to the rules (fail closed) and
    /// every kind to the policies (fail open) without evaluating a policy
    /// twice.
    pub fn decide_with(&self, req: &Request, checks: Checks) -> Decision {
        if self.exempt(req) {
            return Decision::allow();
        }
        let mut out = Outcome::default();
        if checks != Checks::Policies && rules_apply(req) {
            self.rule_verdicts(req, &mut out);
        }
        if let (Checks::All | Checks::Policies, Some(policies)) = (checks, &self.policies) {
            policy_verdicts(&policies(req), &mut out);
        }
        out.finish()
    }

    /// Runs the built-in rules on the request's object and records their
    /// verdicts.
    fn rule_verdicts(&self, req: &Request, out: &mut Outcome) {
        let Some(object) = &req.object else {
            return;
        };
        // The level is the namespace's label: without the Namespace it is
        // unknown, and Pod Security Admission then rejects the request
        // rather than judge it at no level at all.
        if self.engine.profile == Profile::PssNamespace
            && carries_pods(req)
            && !req.namespace.is_empty()
            && req.namespace_object.is_none()
        {
            out.hits.push(("pod-security-level".into(), Action::Deny));
            out.code.get_or_insert(500);
            out.denials.push(format!(
                "rampart: the Pod Security level of namespace {} is unknown (its Namespace could not be read); denied, as Pod Security Admission does",
                req.namespace
            ));
            return;
        }
        // A Pod Security profile enforces its level as Pod Security
        // Admission does on pods: every violation of the level rejects,
        // whatever its severity; an update of a pod is judged only when it
        // changes what the level is about (images, seccomp annotations,
        // containers), and then whole, with nothing grandfathered; and pods
        // a controller creates are judged like any.
        let enforce_level = matches!(self.engine.profile, Profile::Pss(_) | Profile::PssNamespace);
        let pod_update = req.operation == Operation::Update && req.kind.name == "Pod";
        if enforce_level && pod_update {
            if let Some(old) = &req.old_object {
                if !significant_pod_update(object, old) {
                    return;
                }
            }
        }
        let inventory = self.inventory(req, object);
        let run = engine::run(&inventory, &self.rules, &self.config, &self.engine);
        let findings = findings_on_request(&inventory, &run.findings);
        // An UPDATE must not be rejected for what the object already was:
        // controllers and users change labels, owners and finalizers on
        // objects admitted before a rule or the webhook existed. What is
        // new in this update is judged as usual.
        let before: HashSet<Fingerprint> = match (&req.operation, &req.old_object) {
            (Operation::Update, Some(_)) if enforce_level && pod_update => HashSet::new(),
            (Operation::Update, Some(old)) => {
                let old_inventory = self.inventory(req, old);
                let old_run = engine::run(&old_inventory, &self.rules, &self.config, &self.engine);
                findings_on_request(&old_inventory, &old_run.findings)
                    .into_iter()
                    .map(|f| f.fingerprint)
                    .collect()
            }
            _ => HashSet::new(),
        };
        let owner = if self.settings.judge_controller_created || enforce_level {
            None
        } else {
            template_owner(req)
        };
        let of_level = |rule: &str| {
            self.rules
                .iter()
                .any(|r| r.rule.meta.id == rule && r.rule.meta.pss.is_some())
        };
        let hits = findings.into_iter().map(|finding| Hit {
            finding,
            action: self
                .settings
                .actions
                .get(finding.rule.as_ref())
                .copied()
                .unwrap_or(
                    if (enforce_level && of_level(&finding.rule))
                        || finding.severity >= self.settings.deny_at
                    {
                        Action::Deny
                    } else {
                        Action::Warn
                    },
                ),
            preexisting: before.contains(&finding.fingerprint),
            owner: owner.as_deref(),
        });
        for hit in hits {
            out.rule(&hit);
        }
    }

    /// An inventory of `object` (and the namespace object, when the request
    /// carries it, for rules and profiles that read namespace labels).
    fn inventory(&self, req: &Request, object: &Value) -> Inventory {
        let mut sources = vec![SourceFile {
            name: source_name(req).into(),
            text: object_text(object, &req.namespace),
        }];
        if let Some(ns) = &req.namespace_object {
            sources.push(SourceFile {
                name: format!("admission:Namespace/{}", req.namespace).into(),
                text: object_text(ns, ""),
            });
        }
        Inventory::from_sources(sources, Vec::new(), Limits::default())
    }
}

/// Whether the built-in rules judge this request: they judge objects as
/// created or updated, never deletions or CONNECT options, and of
/// subresources only the pod's that carry its spec.
fn rules_apply(req: &Request) -> bool {
    if !matches!(req.operation, Operation::Create | Operation::Update) || req.object.is_none() {
        return false;
    }
    match req.sub_resource.as_str() {
        "" => true,
        // A controller's status or scale subresource is written by the
        // control plane and is no new workload to judge.
        sub => {
            req.resource.group.is_empty()
                && req.resource.name == "pods"
                && !IGNORED_POD_SUBRESOURCES.contains(&sub)
        }
    }
}

/// Pod Security Admission's `isSignificantPodUpdate`: whether a pod
/// update changes what the levels judge. The pod spec is mostly
/// immutable; what may change is container images, the seccomp
/// annotations, and ephemeral containers being added.
fn significant_pod_update(pod: &Value, old: &Value) -> bool {
    let annotation = |p: &Value, key: &str| {
        p.pointer("/metadata/annotations")
            .and_then(|a| a.get(key))
            .cloned()
    };
    let list = |p: &Value, field: &str| {
        p.pointer(&format!("/spec/{field}"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let container_changed = |c: &Value, o: &Value| {
        let key = format!(
            "container.seccomp.security.alpha.kubernetes.io/{}",
            c["name"].as_str().unwrap_or("")
        );
        c.get("image") != o.get("image") || annotation(pod, &key) != annotation(old, &key)
    };
    let pod_key = "seccomp.security.alpha.kubernetes.io/pod";
    if annotation(pod, pod_key) != annotation(old, pod_key) {
        return true;
    }
    for field in ["containers", "initContainers"] {
        let (new, was) = (list(pod, field), list(old, field));
        if new.len() != was.len() || new.iter().zip(&was).any(|(c, o)| container_changed(c, o)) {
            return true;
        }
    }
    let was = list(old, "ephemeralContainers");
    list(pod, "ephemeralContainers").iter().any(|c| {
        match was.iter().find(|o| o.get("name") == c.get("name")) {
            None => true,
            Some(o) => container_changed(c, o),
        }
    })
}

/// Whether the request's kind is a pod or carries a pod template (the
/// workload kinds the built-in rules judge).
pub(crate) fn carries_pods(req: &Request) -> bool {
    let api_version = match req.kind.group.as_str() {
        "" => req.kind.version.clone(),
        g => format!("{g}/{}", req.kind.version),
    };
    rampart_core::workload::template_path(&api_version, &req.kind.name).is_some()
}

/// `Kind/name` of the workload whose template a controller is creating
/// this object from: a CREATE by one of the [`WORKLOAD_CONTROLLERS`] of an
/// object whose controlling owner is a pod controller. Its findings were
/// the owner's, decided when the owner was created or updated (denied
/// then, or admitted: grandfathered on UPDATE, exempted by annotation):
/// denying the copy would only stall a rollout where nobody sees it.
fn template_owner(req: &Request) -> Option<String> {
    if req.operation != Operation::Create
        || !WORKLOAD_CONTROLLERS.contains(&req.user_info.username.as_str())
    {
        return None;
    }
    let owners = req.object.as_ref()?.pointer("/metadata/ownerReferences")?;
    owners.as_array()?.iter().find_map(|o| {
        let field = |k: &str| o.get(k).and_then(Value::as_str);
        if o.get("controller").and_then(Value::as_bool) != Some(true) {
            return None;
        }
        let (api_version, kind) = (field("apiVersion")?, field("kind")?);
        // Pods and PodTemplates carry pod specs but control nothing.
        if matches!(kind, "Pod" | "PodTemplate") {
            return None;
        }
        rampart_core::workload::template_path(api_version, kind)?;
        Some(format!("{kind}/{}", field("name").unwrap_or("")))
    })
}

/// The synthetic file name findings point at: `admission:<kind>/<ns>/<name>`.
fn source_name(req: &Request) -> String {
    let name = if req.name.is_empty() {
        // CREATE with generateName: the API server has not named it yet.
        req.object
            .as_ref()
            .and_then(|o| o.pointer("/metadata/generateName"))
            .and_then(Value::as_str)
            .unwrap_or("")
    } else {
        &req.name
    };
    if req.namespace.is_empty() {
        format!("admission:{}/{name}", req.kind.name)
    } else {
        format!("admission:{}/{}/{name}", req.kind.name, req.namespace)
    }
}

/// The object as the loader reads it: JSON is YAML, written with one field
/// per line so that findings carry useful lines. A namespaced object
/// without `metadata.namespace` gets the request's, as the API server
/// itself sets it before storing.
fn object_text(object: &Value, namespace: &str) -> String {
    let missing_namespace = !namespace.is_empty()
        && object
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty);
    let text = if missing_namespace {
        let mut object = object.clone();
        if let Some(meta) = object
            .as_object_mut()
            .map(|o| {
                o.entry("metadata")
                    .or_insert_with(|| Value::Object(Default::default()))
            })
            .and_then(Value::as_object_mut)
        {
            meta.insert("namespace".into(), Value::String(namespace.into()));
        }
        serde_json::to_string_pretty(&object)
    } else {
        serde_json::to_string_pretty(object)
    };
    // Serializing a Value cannot fail (its keys are strings).
    text.unwrap_or_default()
}

/// The unsuppressed findings on the request's object (not on the namespace
/// object beside it).
fn findings_on_request<'a>(inventory: &Inventory, findings: &'a [Finding]) -> Vec<&'a Finding> {
    let Some(target) = inventory.objects.first() else {
        return Vec::new();
    };
    findings
        .iter()
        .filter(|f| f.suppressed.is_none() && Arc::ptr_eq(&f.object, &target.id))
        .collect()
}

/// The key of a policy in hits and audit annotations.
fn policy_key(engine: Engine, policy: &str) -> String {
    match engine {
        Engine::Vap => format!("vap.{policy}"),
        Engine::Gatekeeper => format!("gatekeeper.{policy}"),
    }
}

/// The HTTP code of a ValidatingAdmissionPolicy `reason`.
fn reason_code(reason: &str) -> u16 {
    match reason {
        "Unauthorized" => 401,
        "RequestEntityTooLarge" => 413,
        "Invalid" => 422,
        _ => 403,
    }
}

fn policy_verdicts(eval: &Evaluation, out: &mut Outcome) {
    for v in &eval.violations {
        let key = policy_key(v.engine, &v.policy);
        let who = if v.binding.is_empty() || v.binding == v.policy {
            v.policy.clone()
        } else {
            format!("{} ({})", v.policy, v.binding)
        };
        let text = format!("rampart: {who}: {}", v.message);
        for &action in &v.actions {
            out.hits.push((key.clone(), action));
            match action {
                Action::Deny => {
                    if out.code.is_none() {
                        out.code = Some(reason_code(&v.reason));
                    }
                    out.denials.push(text.clone());
                }
                Action::Warn => out.warnings.push(text.clone()),
                Action::Audit => out.audit(&key, &v.message),
            }
        }
    }
    // The API server records a ValidatingAdmissionPolicy's own
    // annotations as `<policy>/<key>`; through a webhook it prefixes
    // `<webhook>/` itself, so the policy and key are joined with a dot.
    for (key, value) in eval.published_audit_annotations() {
        out.audit(&format!("vap.{}", key.replacen('/', ".", 1)), &value);
    }
    for e in &eval.errors {
        let key = policy_key(e.engine, &e.policy);
        out.policy_errors += 1;
        if e.fail_closed {
            out.hits.push((key, Action::Deny));
            out.denials.push(format!(
                "rampart: policy {} failed: {}",
                e.policy, e.message
            ));
        } else {
            out.hits.push((key, Action::Warn));
            out.warnings.push(format!(
                "rampart: policy {} failed and was ignored (failurePolicy Ignore): {}",
                e.policy, e.message
            ));
        }
    }
}

/// Verdicts collected from rules and policies.
#[derive(Default)]
struct Outcome {
    denials: Vec<String>,
    warnings: Vec<String>,
    audit: BTreeMap<String, Vec<String>>,
    hits: Vec<(String, Action)>,
    code: Option<u16>,
    policy_errors: usize,
}

impl Outcome {
    fn rule(&mut self, hit: &Hit) {
        let f = hit.finding;
        let at = if f.location.pointer.is_empty() {
            String::new()
        } else {
            format!(" (at {})", f.location.pointer)
        };
        let text = format!("rampart: {}: {}{at}", f.rule, f.message);
        if let Some(owner) = hit.owner {
            // Warnings to a controller reach no one: the audit log is
            // where this is seen.
            self.hits.push((f.rule.to_string(), Action::Audit));
            self.audit(
                &f.rule,
                &format!("{}{at}; from the template of {owner}", f.message),
            );
            return;
        }
        match (hit.action, hit.preexisting) {
            (Action::Deny, false) => {
                self.hits.push((f.rule.to_string(), Action::Deny));
                self.code.get_or_insert(403);
                self.denials.push(text);
            }
            (Action::Deny, true) => {
                self.hits.push((f.rule.to_string(), Action::Warn));
                self.warnings
                    .push(format!("{text}; already present before this update"));
            }
            (Action::Warn, _) => {
                self.hits.push((f.rule.to_string(), Action::Warn));
                self.warnings.push(text);
            }
            (Action::Audit, _) => {
                self.hits.push((f.rule.to_string(), Action::Audit));
                self.audit(&f.rule, &format!("{}{at}", f.message));
            }
        }
    }

    fn audit(&mut self, key: &str, message: &str) {
        self.audit
            .entry(annotation_key(key))
            .or_default()
            .push(message.to_string());
    }

    fn finish(self) -> Decision {
        let allowed = self.denials.is_empty();
        let mut warnings: Vec<String> = Vec::new();
        for w in &self.warnings {
            let w = truncate(&sanitize(w), MAX_WARNING_CHARS);
            // The API server drops duplicates too; do it here so the
            // count below is honest.
            if !warnings.contains(&w) {
                warnings.push(w);
            }
        }
        let mut used = 0;
        let fits = warnings
            .iter()
            .take_while(|w| {
                used += w.chars().count();
                used + SUMMARY_RESERVE <= MAX_WARNINGS_TOTAL_CHARS
            })
            .count()
            .min(MAX_WARNINGS - 1);
        if fits < warnings.len() {
            let more = warnings.len() - fits;
            warnings.truncate(fits);
            warnings.push(format!("rampart: {more} more warnings not shown"));
        }
        Decision {
            allowed,
            message: join_limited(&self.denials, MAX_MESSAGE_CHARS),
            code: if allowed {
                200
            } else {
                self.code.unwrap_or(403)
            },
            warnings,
            audit_annotations: self
                .audit
                .into_iter()
                .map(|(k, v)| (k, truncate(&v.join("; "), MAX_ANNOTATION_CHARS)))
                .collect(),
            hits: self.hits,
            policy_errors: self.policy_errors,
        }
    }
}

/// The API server rejects warnings with control characters (they become
/// an HTTP header); a policy's message may hold line breaks.
fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max.saturating_sub(1)) {
        Some((i, _)) if s[i..].chars().nth(1).is_some() => format!("{}…", &s[..i]),
        _ => s.to_string(),
    }
}

/// `a; b; c`, stopping before `max` characters with a count of the rest.
fn join_limited(items: &[String], max: usize) -> String {
    let mut out = String::new();
    for (i, item) in items.iter().enumerate() {
        let sep = if i == 0 { "" } else { "; " };
        if out.chars().count() + sep.len() + item.chars().count() > max {
            if i == 0 {
                return truncate(item, max);
            }
            out.push_str(&format!("; and {} more", items.len() - i));
            break;
        }
        out.push_str(sep);
        out.push_str(item);
    }
    out
}

/// An audit annotation key the API server accepts after prefixing it with
/// the webhook's name: the name part of a qualified name (at most 63
/// characters of `[A-Za-z0-9_.-]`, alphanumeric at both ends). A longer
/// key (policy names may have 253 characters) is cut and told apart from
/// others cut the same by a digest of the whole, so that two policies'
/// annotations never merge.
fn annotation_key(key: &str) -> String {
    const MAX: usize = 63;
    let cleaned: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let not_alnum = |c: char| !c.is_ascii_alphanumeric();
    let trimmed = cleaned.trim_matches(not_alnum);
    if trimmed.is_empty() {
        return "policy".to_string();
    }
    if trimmed.len() <= MAX {
        return trimmed.to_string();
    }
    use sha2::Digest;
    let digest = sha2::Sha256::digest(key.as_bytes());
    let tag: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    // ASCII only after cleaning: any byte index is a character boundary.
    let head = trimmed[..MAX - tag.len() - 1].trim_end_matches(not_alnum);
    format!("{head}-{tag}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotation_keys_are_qualified_name_parts() {
        assert_eq!(
            annotation_key("privileged-container"),
            "privileged-container"
        );
        assert_eq!(annotation_key("vap.my/policy"), "vap.my-policy");
        assert_eq!(annotation_key("-x-"), "x");
        assert_eq!(annotation_key(&"a".repeat(100)).len(), 63);
        assert_eq!(annotation_key("///"), "policy");
        // Long keys that share their first 63 characters stay apart.
        let long = format!("vap.{}", "p".repeat(70));
        let (a, b) = (
            annotation_key(&format!("{long}.team")),
            annotation_key(&format!("{long}.owner")),
        );
        assert_ne!(a, b);
        for k in [&a, &b] {
            assert!(k.len() <= 63 && k.starts_with("vap.ppp"), "{k}");
            assert!(k.chars().last().unwrap().is_ascii_alphanumeric(), "{k}");
        }
    }

    #[test]
    fn messages_are_limited() {
        let items: Vec<String> = (0..100).map(|i| format!("finding number {i}")).collect();
        let joined = join_limited(&items, 100);
        assert!(joined.chars().count() <= 100 + 20, "{joined}");
        assert!(joined.ends_with("more"), "{joined}");
        assert_eq!(join_limited(&["a".into(), "b".into()], 100), "a; b");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abcd", 4), "abcd");
        assert_eq!(sanitize("a\nb\tc"), "a b c");
    }

    #[test]
    fn pod_subresources_follow_pod_security_admission() {
        let mut req = Request {
            uid: "u".into(),
            kind: rampart_policy::Gvk {
                group: String::new(),
                version: "v1".into(),
                name: "Pod".into(),
            },
            resource: rampart_policy::Gvk {
                group: String::new(),
                version: "v1".into(),
                name: "pods".into(),
            },
            sub_resource: "ephemeralcontainers".into(),
            name: "p".into(),
            namespace: "ns".into(),
            operation: Operation::Update,
            user_info: Default::default(),
            object: Some(serde_json::json!({})),
            old_object: None,
            namespace_object: None,
            dry_run: false,
            options: None,
        };
        assert!(rules_apply(&req));
        req.sub_resource = "status".into();
        assert!(!rules_apply(&req));
        req.resource.name = "deployments".into();
        req.sub_resource = "scale".into();
        assert!(!rules_apply(&req));
        req.sub_resource.clear();
        req.operation = Operation::Delete;
        assert!(!rules_apply(&req));
    }

    #[test]
    fn pod_updates_are_significant_as_pod_security_admission_says() {
        let pod = serde_json::json!({
            "metadata": {"name": "p", "labels": {"a": "1"},
                "annotations": {"container.seccomp.security.alpha.kubernetes.io/c": "x"}},
            "spec": {"containers": [{"name": "c", "image": "app:1"}],
                "ephemeralContainers": [{"name": "debug", "image": "busybox"}]}
        });
        let changed = |f: &dyn Fn(&mut Value)| {
            let mut p = pod.clone();
            f(&mut p);
            significant_pod_update(&p, &pod)
        };
        assert!(!changed(&|p| p["metadata"]["labels"]["a"] = "2".into()));
        assert!(!changed(
            &|p| p["status"] = serde_json::json!({"phase": "Running"})
        ));
        assert!(changed(
            &|p| p["spec"]["containers"][0]["image"] = "app:2".into()
        ));
        assert!(changed(&|p| {
            p["metadata"]["annotations"]["container.seccomp.security.alpha.kubernetes.io/c"] =
                "y".into()
        }));
        assert!(changed(&|p| {
            p["metadata"]["annotations"]["seccomp.security.alpha.kubernetes.io/pod"] = "y".into()
        }));
        assert!(changed(&|p| {
            p["spec"]["initContainers"] = serde_json::json!([{"name": "i", "image": "x"}])
        }));
        assert!(changed(&|p| {
            p["spec"]["ephemeralContainers"]
                .as_array_mut()
                .unwrap()
                .push(serde_json::json!({"name": "debug2", "image": "busybox"}))
        }));
        assert!(changed(
            &|p| p["spec"]["ephemeralContainers"][0]["image"] = "alpine".into()
        ));
    }

    #[test]
    fn missing_namespace_is_filled_in() {
        let text = object_text(
            &serde_json::json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}),
            "team",
        );
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["metadata"]["namespace"], "team");
    }
}
