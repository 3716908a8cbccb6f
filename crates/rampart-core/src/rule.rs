//! What a rule is: metadata that documents it, and a check function.
//!
//! A rule is data. The same definition produces `rampart rules`,
//! `rampart explain`, the SARIF rule metadata and the docs pages, so the
//! documentation cannot drift from the code.

use std::borrow::Cow;

use serde::Serialize;

use crate::finding::{Finding, Fingerprint, Location, ObjectRef, Severity};
use crate::inventory::{Inventory, Object};
use crate::workload::{ContainerRef, Workload};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Security context and Pod Security Standards controls.
    PodSecurity,
    /// Host namespaces, host paths, host ports, runtime sockets.
    HostAccess,
    Images,
    Resources,
    /// Service accounts, secrets and configuration.
    Secrets,
    Storage,
    /// Services and Ingresses as written in manifests.
    Network,
    /// Isolation and reachability under NetworkPolicies (evaluated by the
    /// NetworkPolicy engine over all policies and workloads at once).
    NetworkPolicy,
    /// Namespaces, dedicated nodes, tenancy.
    Segregation,
    /// Labels, annotations, API versions.
    Metadata,
    /// Components known to be dangerous to run.
    Components,
    /// Who may do what: risky grants, escalation paths, RBAC hygiene
    /// (evaluated by the RBAC engine over all roles and bindings at once).
    Rbac,
    /// Availability and hygiene (probes, replicas, disruption budgets):
    /// not security, off unless `--profile all` or enabled in the config.
    Reliability,
    /// Kubernetes versions of the cluster: support windows, patch levels,
    /// version skew and known CVEs (judged from the versions a cluster scan
    /// records, at the time it was taken).
    Lifecycle,
    /// Custom policies (ValidatingAdmissionPolicy, Gatekeeper) given with
    /// `--policy`: not built-in rules, reported alongside them.
    Policy,
}

impl Category {
    pub const ALL: [Category; 15] = [
        Category::PodSecurity,
        Category::HostAccess,
        Category::Images,
        Category::Resources,
        Category::Secrets,
        Category::Storage,
        Category::Network,
        Category::NetworkPolicy,
        Category::Segregation,
        Category::Metadata,
        Category::Components,
        Category::Rbac,
        Category::Reliability,
        Category::Lifecycle,
        Category::Policy,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::PodSecurity => "pod-security",
            Category::HostAccess => "host-access",
            Category::Images => "images",
            Category::Resources => "resources",
            Category::Secrets => "secrets",
            Category::Storage => "storage",
            Category::Network => "network",
            Category::NetworkPolicy => "network-policy",
            Category::Segregation => "segregation",
            Category::Metadata => "metadata",
            Category::Components => "components",
            Category::Rbac => "rbac",
            Category::Reliability => "reliability",
            Category::Lifecycle => "lifecycle",
            Category::Policy => "policy",
        }
    }
}

/// The two levels of the Pod Security Standards that check anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PssLevel {
    Baseline,
    Restricted,
}

impl PssLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            PssLevel::Baseline => "baseline",
            PssLevel::Restricted => "restricted",
        }
    }
}

/// A Pod Security Admission check that a rule implements exactly.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct PssControl {
    pub level: PssLevel,
    /// PSA's check id, e.g. `hostNamespaces`, `capabilities_restricted`.
    pub check: &'static str,
    /// Baseline checks this restricted check replaces (PSA's
    /// `OverrideCheckIDs`): at the restricted level they do not run.
    pub overrides: &'static [&'static str],
}

/// A Kubernetes minor version that Pod Security checks are evaluated at
/// (`--pss-version v1.30`, or a namespace's `enforce-version` label).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PssVersion {
    /// The newest version of every check.
    #[default]
    Latest,
    /// `v1.<minor>`.
    Minor(u32),
}

impl PssVersion {
    /// Parses `latest` or `v1.N` (as PSA labels spell them; `1.N` also accepted).
    pub fn parse(s: &str) -> Option<PssVersion> {
        if s == "latest" {
            return Some(PssVersion::Latest);
        }
        let minor = s.strip_prefix('v').unwrap_or(s).strip_prefix("1.")?;
        minor.parse().ok().map(PssVersion::Minor)
    }

    /// True when checks of Kubernetes 1.`minor` apply at this version.
    pub fn at_least(self, minor: u32) -> bool {
        match self {
            PssVersion::Latest => true,
            PssVersion::Minor(m) => m >= minor,
        }
    }
}

/// Which rules a scan runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Profile {
    /// Rules on by default, adjusted by the config.
    #[default]
    Default,
    /// Exactly the Pod Security Standards checks of one level.
    Pss(PssLevel),
    /// Pod Security Standards at the level each namespace's
    /// `pod-security.kubernetes.io/enforce` label sets (none: privileged).
    PssNamespace,
    /// Every rule, the reliability family included.
    All,
}

/// Run-wide settings every check can read.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    pub profile: Profile,
    /// Version to evaluate Pod Security checks at, unless a namespace label
    /// says otherwise under `Profile::PssNamespace`.
    pub pss_version: PssVersion,
    /// Known-good image digests (`rampart scan --image-lock`), read by the
    /// binary so that rules stay free of I/O.
    pub image_lock: Option<std::sync::Arc<crate::images::ImageLock>>,
    /// The Kubernetes version the input is meant for (`--target-version`),
    /// for rules that judge API versions and releases.
    pub target_version: Option<crate::cluster::KubeVersion>,
}

/// A framework a rule helps comply with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Framework {
    /// CIS Kubernetes Benchmark.
    #[serde(rename = "CIS")]
    Cis,
    /// NSA/CISA Kubernetes Hardening Guidance.
    #[serde(rename = "NSA-CISA")]
    NsaCisa,
    /// Kubernetes Pod Security Standards.
    #[serde(rename = "PSS")]
    Pss,
}

impl Framework {
    pub fn as_str(self) -> &'static str {
        match self {
            Framework::Cis => "CIS",
            Framework::NsaCisa => "NSA-CISA",
            Framework::Pss => "PSS",
        }
    }
}

#[derive(Clone, Copy, Debug, Serialize)]
pub struct Reference {
    pub framework: Framework,
    /// The control's id or section in that framework, e.g. `5.2.2`.
    pub id: &'static str,
    pub title: &'static str,
}

/// A rule parameter's default, which also fixes its type.
#[derive(Clone, Copy, Debug, Serialize)]
#[serde(untagged)]
pub enum ParamDefault {
    Bool(bool),
    Int(i64),
    Str(&'static str),
    List(&'static [&'static str]),
}

#[derive(Clone, Copy, Debug, Serialize)]
pub struct ParamSpec {
    pub name: &'static str,
    pub description: &'static str,
    pub default: ParamDefault,
}

/// Everything a user reads about a rule.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct RuleMeta {
    /// Stable, readable id, also used in annotations and config.
    pub id: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    pub category: Category,
    /// Whether the rule runs when the config does not mention it.
    pub enabled_by_default: bool,
    /// Why it matters: the attack or failure it prevents.
    pub rationale: &'static str,
    /// How to fix it, with a YAML snippet.
    pub remediation: &'static str,
    pub references: &'static [Reference],
    pub params: &'static [ParamSpec],
    /// The Pod Security Admission check this rule implements, if any.
    pub pss: Option<PssControl>,
}

/// The resolved parameters of one rule.
#[derive(Clone, Debug, PartialEq)]
pub enum ParamValue {
    Bool(bool),
    Int(i64),
    Str(String),
    List(Vec<String>),
}

impl ParamValue {
    pub fn from_default(d: ParamDefault) -> Self {
        match d {
            ParamDefault::Bool(b) => ParamValue::Bool(b),
            ParamDefault::Int(i) => ParamValue::Int(i),
            ParamDefault::Str(s) => ParamValue::Str(s.to_string()),
            ParamDefault::List(l) => ParamValue::List(l.iter().map(|s| s.to_string()).collect()),
        }
    }

    /// Converts a configured value to the type of `default`.
    pub fn from_json(default: ParamDefault, v: &serde_json::Value) -> Result<Self, String> {
        use serde_json::Value as J;
        match (default, v) {
            (ParamDefault::Bool(_), J::Bool(b)) => Ok(ParamValue::Bool(*b)),
            (ParamDefault::Int(_), J::Number(n)) if n.is_i64() => {
                Ok(ParamValue::Int(n.as_i64().unwrap_or_default()))
            }
            (ParamDefault::Str(_), J::String(s)) => Ok(ParamValue::Str(s.clone())),
            (ParamDefault::List(_), J::Array(items)) => items
                .iter()
                .map(|i| i.as_str().map(str::to_string).ok_or(()))
                .collect::<Result<Vec<_>, _>>()
                .map(ParamValue::List)
                .map_err(|()| "expected a list of strings".to_string()),
            (ParamDefault::Bool(_), _) => Err("expected true or false".into()),
            (ParamDefault::Int(_), _) => Err("expected an integer".into()),
            (ParamDefault::Str(_), _) => Err("expected a string".into()),
            (ParamDefault::List(_), _) => Err("expected a list of strings".into()),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Params(Vec<(&'static str, ParamValue)>);

impl Params {
    pub fn defaults(meta: &RuleMeta) -> Self {
        Params(
            meta.params
                .iter()
                .map(|p| (p.name, ParamValue::from_default(p.default)))
                .collect(),
        )
    }

    pub fn set(&mut self, name: &'static str, value: ParamValue) {
        match self.0.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.0.push((name, value)),
        }
    }

    fn get(&self, name: &str) -> Option<&ParamValue> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    pub fn bool(&self, name: &str) -> bool {
        matches!(self.get(name), Some(ParamValue::Bool(true)))
    }

    pub fn int(&self, name: &str) -> i64 {
        match self.get(name) {
            Some(ParamValue::Int(i)) => *i,
            _ => 0,
        }
    }

    pub fn str(&self, name: &str) -> &str {
        match self.get(name) {
            Some(ParamValue::Str(s)) => s,
            _ => "",
        }
    }

    pub fn list(&self, name: &str) -> &[String] {
        match self.get(name) {
            Some(ParamValue::List(l)) => l,
            _ => &[],
        }
    }
}

/// What a check sees: one object, the whole inventory for cross-object
/// questions, and the rule's parameters.
pub struct Ctx<'a> {
    pub object: &'a Object,
    pub inventory: &'a Inventory,
    pub params: &'a Params,
    /// The version Pod Security checks are evaluated at for this object.
    pub pss_version: PssVersion,
    /// The image lockfile of this run, if one was given.
    pub image_lock: Option<&'a crate::images::ImageLock>,
    /// `--target-version`, when given.
    pub target_version: Option<crate::cluster::KubeVersion>,
}

#[derive(Clone, Copy)]
pub enum Check {
    /// Runs on every object.
    Object(fn(&Ctx, &mut Emitter)),
    /// Runs on every object that carries a pod template, except objects a
    /// controller owns (their owner is checked instead).
    Workload(fn(&Ctx, &Workload, &mut Emitter)),
    /// Runs once over the whole inventory, for checks about relations
    /// between objects (RBAC grants, NetworkPolicy isolation). It may
    /// report on any object.
    Inventory(fn(&InventoryCtx, &mut Reporter)),
}

/// What an inventory-wide check sees.
pub struct InventoryCtx<'a> {
    pub inventory: &'a Inventory,
    pub params: &'a Params,
    /// `--target-version`, when given.
    pub target_version: Option<crate::cluster::KubeVersion>,
}

/// Collects the findings of one inventory-wide rule, on any objects.
pub struct Reporter<'a> {
    pub(crate) rule: &'a ActiveRule,
    pub(crate) inventory: &'a Inventory,
    /// Object index → its emitter.
    pub(crate) emitters: std::collections::BTreeMap<usize, Emitter<'a>>,
    pub(crate) diagnostics: Vec<crate::Diagnostic>,
}

impl<'a> Reporter<'a> {
    pub fn new(rule: &'a ActiveRule, inventory: &'a Inventory) -> Self {
        Reporter {
            rule,
            inventory,
            emitters: Default::default(),
            diagnostics: Vec::new(),
        }
    }

    /// The emitter for findings on object `index` (in `inventory.objects`).
    pub fn on(&mut self, index: usize) -> &mut Emitter<'a> {
        let (rule, inventory) = (self.rule, self.inventory);
        self.emitters
            .entry(index)
            .or_insert_with(|| Emitter::new(rule, &inventory.objects[index]))
    }

    /// A problem with the input found while checking (an object that does
    /// not decode). The engine reports each distinct one once, however
    /// many rules find it.
    pub fn diagnostic(&mut self, d: crate::Diagnostic) {
        self.diagnostics.push(d);
    }
}

pub struct Rule {
    pub meta: RuleMeta,
    pub check: Check,
}

/// A rule as configured for one run.
#[derive(Clone, Debug)]
pub struct ActiveRule {
    pub rule: &'static Rule,
    pub severity: Severity,
    pub params: Params,
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.meta.id)
    }
}

/// Collects the findings of one rule on one object.
pub struct Emitter<'a> {
    pub(crate) rule: &'a ActiveRule,
    pub(crate) object: &'a Object,
    pub(crate) out: Vec<Finding>,
}

impl<'a> Emitter<'a> {
    /// An emitter for findings of `rule` on `object`; end with
    /// [`Emitter::finish`] to apply exemptions.
    pub fn new(rule: &'a ActiveRule, object: &'a Object) -> Self {
        Emitter {
            rule,
            object,
            out: Vec::new(),
        }
    }

    /// Reports a finding at `pointer` (a JSON pointer into the object).
    pub fn at(&mut self, pointer: String, message: impl Into<String>) {
        let stable = pointer.clone();
        self.at_stable(pointer, &stable, message);
    }

    /// Reports a finding on a container's field (`fields` below the
    /// container); its fingerprint names the container, not its index.
    pub fn container(&mut self, c: &ContainerRef, fields: &[&str], message: impl Into<String>) {
        self.at_stable(c.pointer(fields), &c.stable_pointer(fields), message);
    }

    /// Reports a finding at `pointer`, fingerprinted by `stable`: the same
    /// field named so that it survives reordering of lists (list items by
    /// name instead of index).
    pub fn at_stable(&mut self, pointer: String, stable: &str, message: impl Into<String>) {
        let message = message.into();
        let o = self.object;
        let located = o.root.locate(&pointer);
        let object = o.id.clone();
        let fingerprint = fingerprint(self.rule.rule.meta.id, &object, stable);
        self.out.push(Finding {
            rule: Cow::Borrowed(self.rule.rule.meta.id),
            severity: self.rule.severity,
            message,
            object,
            location: Location {
                file: o.file.clone(),
                start: located.start,
                end: located.end,
                exact: located.exact,
                missing: (!located.exact).then(|| {
                    let tail: Vec<&str> = pointer.split('/').skip(1 + located.found).collect();
                    crate::inventory::dotted(&format!("/{}", tail.join("/")))
                }),
                helm_source: o.helm_source.clone(),
                // Decided per object by the engine, once all its findings are in.
                quotable: true,
                pointer,
            },
            fingerprint,
            suppressed: None,
        });
    }
}

/// A finding's identity across edits: rule, API group (not version, so a
/// v1beta1 → v1 migration keeps it), kind, namespace, name and field.
pub fn fingerprint(rule: &str, object: &ObjectRef, stable_pointer: &str) -> Fingerprint {
    use sha2::{Digest, Sha256};
    let group = object.api_version.rsplit_once('/').map_or("", |(g, _)| g);
    let mut h = Sha256::new();
    for part in [
        rule,
        group,
        &object.kind,
        object.namespace.as_deref().unwrap_or(""),
        &object.name,
        stable_pointer,
    ] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    let digest = h.finalize();
    let mut out = [0u8; 16];
    out.copy_from_slice(&digest[..16]);
    Fingerprint(out)
}
