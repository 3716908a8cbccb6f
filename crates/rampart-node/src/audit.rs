//! The API server's audit policy (`audit.k8s.io/v1` `Policy`): parsing,
//! validation and evaluation as kube-apiserver does it, and the CIS 3.2.2
//! judgements made with it.
//!
//! Evaluation follows `k8s.io/apiserver/pkg/audit/policy/checker.go`: rules
//! in order, the first rule that matches decides the level and omitted
//! stages (the policy's `omitStages` joined to the rule's); no match is
//! level `None`. A rule matches when every field it gives matches; fields
//! are exact string lists with no wildcard except in `resources` (`*`,
//! `pods/*`, `*/scale`, `pods/exec`) and `nonResourceURLs` (`*`, a
//! trailing `*`).
//!
//! Stages (rampart's decision, documented in docs/commands/node.md): a
//! request counts as *logged* when a stage it always passes through
//! survives `omitStages` — `RequestReceived` or `ResponseComplete`, and
//! for long-running requests (exec, attach, port-forward, watch) also
//! `ResponseStarted`; `Panic` alone does not count, it happens only on a
//! crash. Request and response bodies are attached after the
//! `RequestReceived` event is written, so a body-level rule *leaks* only
//! when `ResponseStarted`, `ResponseComplete` or `Panic` survives.

use rampart_core::{Node, Value};

use crate::Benchmark;
use crate::root::NodeRoot;

/// How much of a request the audit log records, least first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    #[default]
    None,
    Metadata,
    /// Metadata and the request body.
    Request,
    /// Metadata, request and response bodies.
    RequestResponse,
}

impl Level {
    fn parse(s: &str) -> Option<Level> {
        Some(match s {
            "None" => Level::None,
            "Metadata" => Level::Metadata,
            "Request" => Level::Request,
            "RequestResponse" => Level::RequestResponse,
            _ => return None,
        })
    }
}

/// A point in a request's handling at which an audit event is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    RequestReceived,
    ResponseStarted,
    ResponseComplete,
    Panic,
}

impl Stage {
    fn parse(s: &str) -> Option<Stage> {
        Some(match s {
            "RequestReceived" => Stage::RequestReceived,
            "ResponseStarted" => Stage::ResponseStarted,
            "ResponseComplete" => Stage::ResponseComplete,
            "Panic" => Stage::Panic,
            _ => return None,
        })
    }
}

/// One `resources` entry of a rule.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupResources {
    /// `""` (also when absent) is the core group.
    pub group: String,
    pub resources: Vec<String>,
    pub resource_names: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rule {
    pub level: Level,
    pub users: Vec<String>,
    pub user_groups: Vec<String>,
    pub verbs: Vec<String>,
    pub resources: Vec<GroupResources>,
    pub namespaces: Vec<String>,
    pub non_resource_urls: Vec<String>,
    /// The rule's own `omitStages` (the policy's are added when deciding).
    pub omit_stages: Vec<Stage>,
    /// Line of the rule in the policy file (0 when built in code).
    pub line: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    pub rules: Vec<Rule>,
    pub omit_stages: Vec<Stage>,
}

/// What a request is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum What<'a> {
    Resource {
        group: &'a str,
        resource: &'a str,
        subresource: &'a str,
        /// `""` for cluster-scoped resources and all-namespace lists.
        namespace: &'a str,
        /// `""` for collection requests (list, watch, create).
        name: &'a str,
    },
    NonResource {
        path: &'a str,
    },
}

/// The authorizer attributes the audit policy sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request<'a> {
    pub user: &'a str,
    pub groups: &'a [&'a str],
    pub verb: &'a str,
    pub what: What<'a>,
}

/// The policy's answer for one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Index of the deciding rule; `None` when no rule matched.
    pub rule: Option<usize>,
    pub level: Level,
    /// The policy's and the rule's omitted stages together.
    pub omit: Vec<Stage>,
}

impl Decision {
    /// Whether some event for the request is written (see the module
    /// documentation for the stages that count).
    pub fn logged(&self, long_running: bool) -> bool {
        let kept = |s| !self.omit.contains(&s);
        self.level >= Level::Metadata
            && (kept(Stage::RequestReceived)
                || kept(Stage::ResponseComplete)
                || (long_running && kept(Stage::ResponseStarted)))
    }

    /// Whether request or response bodies reach the log.
    pub fn bodies_logged(&self) -> bool {
        self.level >= Level::Request
            && [
                Stage::ResponseStarted,
                Stage::ResponseComplete,
                Stage::Panic,
            ]
            .iter()
            .any(|s| !self.omit.contains(s))
    }
}

impl Rule {
    /// `ruleMatches` of the API server.
    pub fn matches(&self, r: &Request) -> bool {
        let has = |list: &[String], v: &str| list.iter().any(|s| s == v);
        if !self.users.is_empty() && !has(&self.users, r.user) {
            return false;
        }
        if !self.user_groups.is_empty() && !r.groups.iter().any(|g| has(&self.user_groups, g)) {
            return false;
        }
        if !self.verbs.is_empty() && !has(&self.verbs, r.verb) {
            return false;
        }
        if !self.namespaces.is_empty() || !self.resources.is_empty() {
            let What::Resource {
                group,
                resource,
                subresource,
                namespace,
                name,
            } = r.what
            else {
                return false;
            };
            if !self.namespaces.is_empty() && !has(&self.namespaces, namespace) {
                return false;
            }
            return self.resources.is_empty()
                || self.resources.iter().any(|gr| {
                    gr.group == group
                        && (gr.resources.is_empty()
                            || (gr.resource_names.is_empty() || has(&gr.resource_names, name))
                                && gr
                                    .resources
                                    .iter()
                                    .any(|res| resource_matches(res, resource, subresource)))
                });
        }
        if !self.non_resource_urls.is_empty() {
            let What::NonResource { path } = r.what else {
                return false;
            };
            return self.non_resource_urls.iter().any(|spec| {
                spec == "*"
                    || spec == path
                    || (spec.ends_with('*') && path.starts_with(spec.trim_end_matches('*')))
            });
        }
        true
    }

    /// No field restricts whom or what the rule applies to.
    pub fn unrestricted(&self) -> bool {
        self.users.is_empty()
            && self.user_groups.is_empty()
            && self.verbs.is_empty()
            && self.resources.is_empty()
            && self.namespaces.is_empty()
            && self.non_resource_urls.is_empty()
    }
}

/// One `resources[].resources` entry against a request: `*` (anything,
/// subresources included), `res/sub` exactly, `*/sub` (that subresource
/// of anything), `res/*` (`res` itself and all its subresources).
fn resource_matches(spec: &str, resource: &str, subresource: &str) -> bool {
    let combined_matches = if subresource.is_empty() {
        spec == resource
    } else {
        spec.strip_prefix(resource)
            .and_then(|rest| rest.strip_prefix('/'))
            == Some(subresource)
    };
    spec == "*"
        || combined_matches
        || (!subresource.is_empty() && spec.strip_prefix("*/") == Some(subresource))
        || spec.strip_suffix("/*") == Some(resource)
}

impl Policy {
    /// The level and omitted stages the API server applies to `r`.
    pub fn decide(&self, r: &Request) -> Decision {
        let found = self
            .rules
            .iter()
            .enumerate()
            .find(|(_, rule)| rule.matches(r));
        let mut omit = self.omit_stages.clone();
        match found {
            Some((i, rule)) => {
                for s in &rule.omit_stages {
                    if !omit.contains(s) {
                        omit.push(*s);
                    }
                }
                Decision {
                    rule: Some(i),
                    level: rule.level,
                    omit,
                }
            }
            None => Decision {
                rule: None,
                level: Level::None,
                omit,
            },
        }
    }

    /// `rules[i] (line n)` for evidence.
    fn rule_name(&self, d: &Decision) -> String {
        match d.rule {
            Some(i) => match self.rules[i].line {
                0 => format!("rules[{i}]"),
                line => format!("rules[{i}] (line {line})"),
            },
            None => "no rule (the default level None)".to_string(),
        }
    }
}

// ---------------------------------------------------------------------
// Parsing.

/// The policy from a parsed document, validated as the API server does
/// when it starts (a policy it rejects keeps it from starting).
pub fn parse(doc: &Node) -> Result<Policy, String> {
    let api_version = doc.get("apiVersion").and_then(Node::as_str);
    let kind = doc.get("kind").and_then(Node::as_str);
    // v1alpha1 and v1beta1 were removed in Kubernetes 1.24.
    if api_version != Some("audit.k8s.io/v1") || kind != Some("Policy") {
        return Err(format!(
            "not an audit.k8s.io/v1 Policy (apiVersion {api_version:?}, kind {kind:?})"
        ));
    }
    let omit_stages = stages(doc, "omitStages", "omitStages")?;
    let mut rules = Vec::new();
    for (i, n) in seq(doc, "rules", "rules")?.iter().enumerate() {
        rules.push(parse_rule(n, &format!("rules[{i}]"))?);
    }
    if rules.is_empty() {
        return Err(
            "the policy has no rules (the API server refuses a policy with 0 rules)".into(),
        );
    }
    Ok(Policy { rules, omit_stages })
}

fn parse_rule(n: &Node, at: &str) -> Result<Rule, String> {
    if !matches!(n.value, Value::Map(_)) {
        return Err(format!("{at} is a {}, not a mapping", n.value.type_name()));
    }
    let level = match n.get("level").map(|l| &l.value) {
        None | Some(Value::Null) => return Err(format!("{at}.level is required")),
        Some(Value::Str(s)) => Level::parse(s).ok_or_else(|| {
            format!("{at}.level {s:?} is not one of None, Metadata, Request, RequestResponse")
        })?,
        Some(v) => {
            return Err(format!(
                "{at}.level must be a string, found {}",
                v.type_name()
            ));
        }
    };
    let mut resources = Vec::new();
    for (j, g) in seq(n, "resources", &format!("{at}.resources"))?
        .iter()
        .enumerate()
    {
        let gat = format!("{at}.resources[{j}]");
        if !matches!(g.value, Value::Map(_)) {
            return Err(format!("{gat} is a {}, not a mapping", g.value.type_name()));
        }
        let gr = GroupResources {
            group: string(g, "group", &gat)?,
            resources: strings(g, "resources", &gat)?,
            resource_names: strings(g, "resourceNames", &gat)?,
        };
        if !gr.resource_names.is_empty() && gr.resources.is_empty() {
            return Err(format!(
                "{gat}: resourceNames requires at least one resource"
            ));
        }
        resources.push(gr);
    }
    let rule = Rule {
        level,
        users: strings(n, "users", at)?,
        user_groups: strings(n, "userGroups", at)?,
        verbs: strings(n, "verbs", at)?,
        resources,
        namespaces: strings(n, "namespaces", at)?,
        non_resource_urls: strings(n, "nonResourceURLs", at)?,
        omit_stages: stages(n, "omitStages", &format!("{at}.omitStages"))?,
        line: n.start.line,
    };
    for u in &rule.non_resource_urls {
        // The API server checks every character but the last for '*' (a
        // trailing '*' is the prefix wildcard); stripping that one '*'
        // is the same test without byte-slicing into a multi-byte char.
        if u != "*" && (!u.starts_with('/') || u.strip_suffix('*').unwrap_or(u).contains('*')) {
            return Err(format!(
                "{at}.nonResourceURLs: {u:?} must be \"*\" or begin with '/' and have '*' only as its last character"
            ));
        }
    }
    if !rule.non_resource_urls.is_empty()
        && (!rule.resources.is_empty() || !rule.namespaces.is_empty())
    {
        return Err(format!(
            "{at}: a rule cannot apply to both resources/namespaces and non-resource URLs"
        ));
    }
    Ok(rule)
}

/// A list field: absent or null is empty.
fn seq<'a>(n: &'a Node, key: &str, at: &str) -> Result<&'a [Node], String> {
    match n.get(key).map(|v| &v.value) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Seq(items)) => Ok(items),
        Some(v) => Err(format!("{at} must be a list, found {}", v.type_name())),
    }
}

/// A string field: absent or null is `""` (Go's zero value).
fn string(n: &Node, key: &str, at: &str) -> Result<String, String> {
    match n.get(key).map(|v| &v.value) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::Str(s)) => Ok(s.to_string()),
        Some(v) => Err(format!(
            "{at}.{key} must be a string, found {}",
            v.type_name()
        )),
    }
}

fn strings(n: &Node, key: &str, at: &str) -> Result<Vec<String>, String> {
    seq(n, key, &format!("{at}.{key}"))?
        .iter()
        .enumerate()
        .map(|(i, s)| {
            s.as_str().map(str::to_string).ok_or_else(|| {
                format!(
                    "{at}.{key}[{i}] must be a string, found {} (quote it)",
                    s.value.type_name()
                )
            })
        })
        .collect()
}

fn stages(n: &Node, key: &str, at: &str) -> Result<Vec<Stage>, String> {
    strings(n, key, at)?
        .iter()
        .map(|s| Stage::parse(s).ok_or_else(|| format!("{at}: {s:?} is not an audit stage")))
        .collect()
}

/// Reads and parses the policy file at `path` under `root`. The error
/// says why (unreadable, YAML syntax, invalid policy) without quoting the
/// file.
pub fn load(root: &NodeRoot, path: &str) -> Result<Policy, String> {
    let inv =
        crate::checks::read_objects(root, path).map_err(|e| format!("cannot read {path}: {e}"))?;
    if let Some(d) = inv.diagnostics.first() {
        return Err(unparsable(d));
    }
    match inv.objects.as_slice() {
        [one] => parse(&one.root).map_err(|e| format!("{path}: {e}")),
        [] => Err(format!("{path} holds no audit.k8s.io/v1 Policy")),
        _ => Err(format!(
            "{path} holds {} documents; the API server reads one Policy",
            inv.objects.len()
        )),
    }
}

/// Why a config file does not load, from its first diagnostic (which
/// names the file and position, never the offending text).
pub(crate) fn unparsable(d: &rampart_core::Diagnostic) -> String {
    format!("{} does not parse: {}", d.location(), d.message)
}

// ---------------------------------------------------------------------
// Judgements.

/// A concern CIS 3.2.2 asks the policy to cover.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Concern {
    /// No user's request writes a secret value or token to the log:
    /// secrets (bodies of create/update/patch from level Request, every
    /// response at RequestResponse), TokenRequest (`serviceaccounts/token`,
    /// the token is in the response) and TokenReview (the token is in
    /// the request).
    NoSecretBodies,
    /// exec, attach and port-forward into pods are logged.
    PodExecLogged,
    /// Changes to RBAC roles and bindings are logged.
    RbacChangesLogged,
    /// An arbitrary request is logged (a catch-all rule).
    CatchAll,
    /// CertificateSigningRequests (and their approval) and ServiceAccount
    /// token requests are logged; CIS v2.0.1 only.
    CsrAndTokensLogged,
}

impl Concern {
    /// What the concern asks, for a report.
    pub fn describe(self) -> &'static str {
        match self {
            Concern::NoSecretBodies => {
                "secret values and tokens are never logged (secrets, serviceaccounts/token, tokenreviews)"
            }
            Concern::PodExecLogged => "pods/exec, pods/attach and pods/portforward are logged",
            Concern::RbacChangesLogged => "changes to RBAC roles and bindings are logged",
            Concern::CatchAll => "an arbitrary request is logged (catch-all)",
            Concern::CsrAndTokensLogged => {
                "certificatesigningrequests (with /approval) and serviceaccounts/token requests are logged (cis-2.0)"
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Judgement {
    pub concern: Concern,
    pub ok: bool,
    /// Names the deciding rule (index, line) and level.
    pub evidence: Vec<String>,
}

/// A name no policy field matches: "some other user, namespace, ...".
const OTHER: &str = "<other>";
const AUTHENTICATED: &str = "system:authenticated";
const UNAUTHENTICATED: &str = "system:unauthenticated";
const VERBS: &[&str] = &[
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
];

/// A resource a judgement is about.
struct Res {
    group: &'static str,
    resource: &'static str,
    subresource: &'static str,
    namespaced: bool,
    verbs: &'static [&'static str],
    long_running: bool,
    /// Verbs whose request body carries the secret (logged from level
    /// Request); every response carries it (level RequestResponse).
    secret_in_request: &'static [&'static str],
}

impl Res {
    fn describe(&self) -> String {
        let mut s = self.resource.to_string();
        if !self.subresource.is_empty() {
            s = format!("{s}/{}", self.subresource);
        }
        match self.group {
            "" => format!("{s} (core)"),
            g => format!("{s} ({g})"),
        }
    }
}

/// A principal: user name and groups.
struct Who {
    user: String,
    groups: Vec<String>,
}

impl Who {
    fn ordinary() -> Who {
        Who {
            user: OTHER.into(),
            groups: vec![AUTHENTICATED.into()],
        }
    }

    fn describe(&self) -> String {
        let user = if self.user == OTHER {
            "an unnamed user".to_string()
        } else {
            format!("user {:?}", self.user)
        };
        format!("{user} in groups {:?}", self.groups)
    }
}

/// Every name a field of the policy uses, plus [`OTHER`].
fn named(policy: &Policy, field: impl Fn(&Rule) -> Vec<&str>) -> Vec<String> {
    let mut out: Vec<String> = vec![OTHER.into()];
    for r in &policy.rules {
        for v in field(r) {
            if !out.iter().any(|o| o == v) {
                out.push(v.to_string());
            }
        }
    }
    out
}

/// Principals whose decisions cover every user: the anonymous user, and
/// each named user (or an unnamed one) with `system:authenticated`, which
/// every authenticated user has, and at most one named group. More groups
/// only make more `userGroups` rules match, so whatever rule some user's
/// request reaches first, one of these reaches it too.
fn principals(policy: &Policy) -> Vec<Who> {
    let users = named(policy, |r| r.users.iter().map(String::as_str).collect());
    let groups = named(policy, |r| {
        r.user_groups.iter().map(String::as_str).collect()
    });
    let mut out = Vec::new();
    for u in &users {
        for g in &groups {
            let mut gs = vec![AUTHENTICATED.to_string()];
            if g != OTHER && g != AUTHENTICATED {
                gs.push(g.clone());
            }
            out.push(Who {
                user: u.clone(),
                groups: gs,
            });
        }
    }
    out.push(Who {
        user: "system:anonymous".into(),
        groups: vec![UNAUTHENTICATED.into()],
    });
    out
}

/// Calls `f` with every request of `who` on `res` that the policy can
/// tell apart, until `f` returns false.
fn each_request(policy: &Policy, who: &Who, res: &Res, f: &mut dyn FnMut(&Request) -> bool) {
    let namespaces = named(policy, |r| {
        r.namespaces.iter().map(String::as_str).collect()
    });
    let names = named(policy, |r| {
        r.resources
            .iter()
            .flat_map(|g| g.resource_names.iter().map(String::as_str))
            .collect()
    });
    let groups: Vec<&str> = who.groups.iter().map(String::as_str).collect();
    for verb in res.verbs {
        // Collection requests carry no name (a subresource always names
        // its object); only list and watch span all namespaces.
        let collection = res.subresource.is_empty()
            && matches!(*verb, "list" | "watch" | "create" | "deletecollection");
        let verb_names: Vec<&str> = if collection {
            vec![""]
        } else {
            names.iter().map(String::as_str).collect()
        };
        let mut verb_namespaces: Vec<&str> = if res.namespaced {
            namespaces.iter().map(String::as_str).collect()
        } else {
            vec![""]
        };
        if res.namespaced && matches!(*verb, "list" | "watch") {
            verb_namespaces.push("");
        }
        for ns in &verb_namespaces {
            for name in &verb_names {
                let r = Request {
                    user: &who.user,
                    groups: &groups,
                    verb,
                    what: What::Resource {
                        group: res.group,
                        resource: res.resource,
                        subresource: res.subresource,
                        namespace: ns,
                        name,
                    },
                };
                if !f(&r) {
                    return;
                }
            }
        }
    }
}

fn describe_request(r: &Request) -> String {
    let shown = |v: &str| match v {
        OTHER => "any other".to_string(),
        v => format!("{v:?}"),
    };
    match r.what {
        What::Resource {
            namespace, name, ..
        } => {
            let mut s = r.verb.to_string();
            if !name.is_empty() {
                s += &format!(" of name {}", shown(name));
            }
            if !namespace.is_empty() {
                s += &format!(" in namespace {}", shown(namespace));
            }
            s
        }
        What::NonResource { path } => format!("{} {path}", r.verb),
    }
}

/// Walks every request of `whos` on `res`: the first whose decision is
/// `bad` (described), else the distinct deciding rules and levels.
fn scan(
    policy: &Policy,
    whos: &[Who],
    res: &Res,
    bad: &dyn Fn(&Request, &Decision) -> bool,
) -> Result<Vec<String>, String> {
    let mut deciders: Vec<String> = Vec::new();
    let mut found = None;
    for who in whos {
        each_request(policy, who, res, &mut |r| {
            let d = policy.decide(r);
            if bad(r, &d) {
                found = Some(format!(
                    "{} by {} gets {:?} from {}{}",
                    describe_request(r),
                    who.describe(),
                    d.level,
                    policy.rule_name(&d),
                    if d.omit.is_empty() {
                        String::new()
                    } else {
                        format!(" omitting stages {:?}", d.omit)
                    }
                ));
                return false;
            }
            let name = format!("{} at {:?}", policy.rule_name(&d), d.level);
            if !deciders.contains(&name) {
                deciders.push(name);
            }
            true
        });
        if let Some(f) = found {
            return Err(f);
        }
    }
    Ok(deciders)
}

const SENSITIVE: &[Res] = &[
    Res {
        group: "",
        resource: "secrets",
        subresource: "",
        namespaced: true,
        verbs: VERBS,
        long_running: false,
        secret_in_request: &["create", "update", "patch"],
    },
    Res {
        group: "",
        resource: "serviceaccounts",
        subresource: "token",
        namespaced: true,
        verbs: &["create"],
        long_running: false,
        // A TokenRequest's spec holds audiences and expiry; the token is
        // in the response.
        secret_in_request: &[],
    },
    Res {
        group: "authentication.k8s.io",
        resource: "tokenreviews",
        subresource: "",
        namespaced: false,
        verbs: &["create"],
        long_running: false,
        // A TokenReview's spec is the token to check.
        secret_in_request: &["create"],
    },
];

const POD_STREAMS: &[Res] = &[
    pod_stream("exec"),
    pod_stream("attach"),
    pod_stream("portforward"),
];

const fn pod_stream(sub: &'static str) -> Res {
    Res {
        group: "",
        resource: "pods",
        subresource: sub,
        namespaced: true,
        verbs: &["create", "get"],
        long_running: true,
        secret_in_request: &[],
    }
}

const RBAC_VERBS: &[&str] = &["create", "update", "patch", "delete"];
const RBAC: &[Res] = &[
    rbac("roles", true),
    rbac("rolebindings", true),
    rbac("clusterroles", false),
    rbac("clusterrolebindings", false),
];

const fn rbac(resource: &'static str, namespaced: bool) -> Res {
    Res {
        group: "rbac.authorization.k8s.io",
        resource,
        subresource: "",
        namespaced,
        verbs: RBAC_VERBS,
        long_running: false,
        secret_in_request: &[],
    }
}

/// What CIS v2.0.1 adds to 3.2.2's coverage list: certificate signing
/// requests, their approval, and ServiceAccount TokenRequests.
const CSR_AND_TOKENS: &[Res] = &[
    Res {
        group: "certificates.k8s.io",
        resource: "certificatesigningrequests",
        subresource: "",
        namespaced: false,
        verbs: &["create", "update", "patch", "delete"],
        long_running: false,
        secret_in_request: &[],
    },
    Res {
        group: "certificates.k8s.io",
        resource: "certificatesigningrequests",
        subresource: "approval",
        namespaced: false,
        verbs: &["update", "patch"],
        long_running: false,
        secret_in_request: &[],
    },
    Res {
        group: "",
        resource: "serviceaccounts",
        subresource: "token",
        namespaced: true,
        verbs: &["create"],
        long_running: false,
        secret_in_request: &[],
    },
];

/// Judges `policy` on every [`Concern`] `benchmark` asks for.
pub fn evaluate(policy: &Policy, benchmark: Benchmark) -> Vec<Judgement> {
    let mut out = vec![
        no_secret_bodies(policy),
        covered(policy, Concern::PodExecLogged, POD_STREAMS),
        covered(policy, Concern::RbacChangesLogged, RBAC),
        catch_all(policy),
    ];
    if benchmark == Benchmark::Cis2_0 {
        out.push(covered(policy, Concern::CsrAndTokensLogged, CSR_AND_TOKENS));
    }
    out
}

fn no_secret_bodies(policy: &Policy) -> Judgement {
    let whos = principals(policy);
    let mut ok = true;
    let mut evidence = Vec::new();
    for res in SENSITIVE {
        let leaks = |r: &Request, d: &Decision| {
            d.bodies_logged()
                && (d.level == Level::RequestResponse || res.secret_in_request.contains(&r.verb))
        };
        match scan(policy, &whos, res, &leaks) {
            Ok(deciders) => evidence.push(format!(
                "{}: no user's request is logged with its secret ({})",
                res.describe(),
                deciders.join(", ")
            )),
            Err(leak) => {
                ok = false;
                evidence.push(format!(
                    "{}: {leak}, which writes secret values or tokens to the audit log",
                    res.describe()
                ));
            }
        }
    }
    Judgement {
        concern: Concern::NoSecretBodies,
        ok,
        evidence,
    }
}

/// Every request of the ordinary user on `resources` is logged.
fn covered(policy: &Policy, concern: Concern, resources: &[Res]) -> Judgement {
    let whos = [Who::ordinary()];
    let mut ok = true;
    let mut evidence = Vec::new();
    for res in resources {
        match scan(policy, &whos, res, &|_, d| !d.logged(res.long_running)) {
            Ok(deciders) => evidence.push(format!(
                "{}: every request by an ordinary user is logged ({})",
                res.describe(),
                deciders.join(", ")
            )),
            Err(miss) => {
                ok = false;
                evidence.push(format!("{}: {miss}, so it is not logged", res.describe()));
            }
        }
    }
    Judgement {
        concern,
        ok,
        evidence,
    }
}

fn catch_all(policy: &Policy) -> Judgement {
    let who = Who::ordinary();
    let groups: Vec<&str> = who.groups.iter().map(String::as_str).collect();
    let probes = [
        Request {
            user: &who.user,
            groups: &groups,
            verb: OTHER,
            what: What::Resource {
                group: OTHER,
                resource: OTHER,
                subresource: "",
                namespace: OTHER,
                name: OTHER,
            },
        },
        Request {
            user: &who.user,
            groups: &groups,
            verb: "get",
            what: What::NonResource { path: "/<other>" },
        },
    ];
    let mut ok = true;
    let mut evidence = Vec::new();
    for (p, what) in probes
        .iter()
        .zip(["resource request", "non-resource request"])
    {
        let d = policy.decide(p);
        let logged = d.logged(false);
        ok &= logged;
        evidence.push(format!(
            "an ordinary user's arbitrary {what} gets {:?} from {}{}",
            d.level,
            policy.rule_name(&d),
            if logged { "" } else { ": not logged" }
        ));
    }
    match policy.rules.iter().position(Rule::unrestricted) {
        Some(i) => evidence.push(format!(
            "rules[{i}] is unrestricted (level {:?})",
            policy.rules[i].level
        )),
        None => evidence.push("no rule is unrestricted (no catch-all rule)".into()),
    }
    Judgement {
        concern: Concern::CatchAll,
        ok,
        evidence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(yaml: &str) -> Result<Policy, String> {
        let src = rampart_core::source::SourceFile {
            name: std::sync::Arc::from("policy.yaml"),
            text: yaml.to_string(),
        };
        let inv = rampart_core::Inventory::from_sources(vec![src], Vec::new(), Default::default());
        assert!(inv.diagnostics.is_empty(), "{:?}", inv.diagnostics);
        parse(&inv.objects[0].root)
    }

    fn rules(body: &str) -> Policy {
        policy(&format!(
            "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n{body}"
        ))
        .unwrap()
    }

    const AUTH: &[&str] = &[AUTHENTICATED];

    fn res<'a>(
        verb: &'a str,
        group: &'a str,
        resource: &'a str,
        subresource: &'a str,
        namespace: &'a str,
        name: &'a str,
    ) -> Request<'a> {
        Request {
            user: "alice",
            groups: AUTH,
            verb,
            what: What::Resource {
                group,
                resource,
                subresource,
                namespace,
                name,
            },
        }
    }

    fn level(p: &Policy, r: &Request) -> (Option<usize>, Level) {
        let d = p.decide(r);
        (d.rule, d.level)
    }

    #[test]
    fn first_match_wins_and_no_match_is_none() {
        let p = rules(
            "- level: None\n  resources: [{group: \"\", resources: [secrets]}]\n- level: RequestResponse\n",
        );
        let secret = res("get", "", "secrets", "", "ns", "s");
        assert_eq!(level(&p, &secret), (Some(0), Level::None));
        let pod = res("get", "", "pods", "", "ns", "p");
        assert_eq!(level(&p, &pod), (Some(1), Level::RequestResponse));
        let only = rules("- level: Metadata\n  verbs: [delete]\n");
        assert_eq!(level(&only, &pod), (None, Level::None));
    }

    #[test]
    fn subresource_forms() {
        let exact = rules("- level: Metadata\n  resources: [{resources: [pods/exec]}]\n");
        assert_eq!(
            level(&exact, &res("create", "", "pods", "exec", "n", "p")).1,
            Level::Metadata
        );
        // `pods/exec` is not `pods`, and `pods` is not `pods/exec`.
        assert_eq!(
            level(&exact, &res("get", "", "pods", "", "n", "p")).1,
            Level::None
        );
        let plain = rules("- level: Metadata\n  resources: [{resources: [pods]}]\n");
        assert_eq!(
            level(&plain, &res("create", "", "pods", "exec", "n", "p")).1,
            Level::None
        );
        // `pods/*`: every subresource of pods, and pods itself.
        let all = rules("- level: Metadata\n  resources: [{resources: [pods/*]}]\n");
        assert_eq!(
            level(&all, &res("create", "", "pods", "attach", "n", "p")).1,
            Level::Metadata
        );
        assert_eq!(
            level(&all, &res("get", "", "pods", "", "n", "p")).1,
            Level::Metadata
        );
        assert_eq!(
            level(&all, &res("get", "", "podsx", "log", "n", "p")).1,
            Level::None
        );
        // `*/scale`: that subresource of anything, never a plain resource.
        let scale =
            rules("- level: Metadata\n  resources: [{group: apps, resources: [\"*/scale\"]}]\n");
        assert_eq!(
            level(
                &scale,
                &res("update", "apps", "deployments", "scale", "n", "d")
            )
            .1,
            Level::Metadata
        );
        assert_eq!(
            level(&scale, &res("update", "apps", "deployments", "", "n", "d")).1,
            Level::None
        );
        assert_eq!(
            level(
                &scale,
                &res("update", "apps", "deployments", "status", "n", "d")
            )
            .1,
            Level::None
        );
        // `*` covers subresources too.
        let star = rules("- level: Metadata\n  resources: [{resources: [\"*\"]}]\n");
        assert_eq!(
            level(&star, &res("create", "", "pods", "exec", "n", "p")).1,
            Level::Metadata
        );
    }

    #[test]
    fn group_empty_and_missing_are_core() {
        for g in ["", "group: \"\", "] {
            let p = rules(&format!(
                "- level: Metadata\n  resources: [{{{g}resources: [secrets]}}]\n"
            ));
            assert_eq!(
                level(&p, &res("get", "", "secrets", "", "n", "s")).1,
                Level::Metadata
            );
            // The same resource name in another group is not core.
            assert_eq!(
                level(&p, &res("get", "example.com", "secrets", "", "n", "s")).1,
                Level::None
            );
        }
        // A group with no resources matches everything in it.
        let p = rules("- level: Metadata\n  resources: [{group: rbac.authorization.k8s.io}]\n");
        assert_eq!(
            level(
                &p,
                &res("delete", "rbac.authorization.k8s.io", "roles", "", "n", "r")
            )
            .1,
            Level::Metadata
        );
    }

    #[test]
    fn resource_names_and_namespaces() {
        let p = rules(
            "- level: None\n  resources: [{resources: [configmaps], resourceNames: [leader]}]\n- level: Metadata\n",
        );
        assert_eq!(
            level(&p, &res("update", "", "configmaps", "", "n", "leader")).0,
            Some(0)
        );
        assert_eq!(
            level(&p, &res("update", "", "configmaps", "", "n", "other")).0,
            Some(1)
        );
        // A list has no name, so resourceNames never match it.
        assert_eq!(
            level(&p, &res("list", "", "configmaps", "", "n", "")).0,
            Some(1)
        );

        let ns = rules("- level: None\n  namespaces: [\"\", kube-system]\n- level: Metadata\n");
        assert_eq!(
            level(&ns, &res("get", "", "nodes", "", "", "n1")).0,
            Some(0)
        );
        assert_eq!(
            level(&ns, &res("get", "", "pods", "", "kube-system", "p")).0,
            Some(0)
        );
        assert_eq!(
            level(&ns, &res("get", "", "pods", "", "default", "p")).0,
            Some(1)
        );
        // A namespaces rule never matches a non-resource request.
        let url = Request {
            what: What::NonResource { path: "/healthz" },
            ..res("get", "", "", "", "", "")
        };
        assert_eq!(level(&ns, &url).0, Some(1));
    }

    #[test]
    fn non_resource_urls() {
        let p =
            rules("- level: None\n  nonResourceURLs: [/healthz*, /version]\n- level: Metadata\n");
        let at = |path| Request {
            what: What::NonResource { path },
            ..res("get", "", "", "", "", "")
        };
        assert_eq!(level(&p, &at("/healthz/etcd")).0, Some(0));
        assert_eq!(level(&p, &at("/healthz")).0, Some(0));
        assert_eq!(level(&p, &at("/version")).0, Some(0));
        assert_eq!(level(&p, &at("/version/x")).0, Some(1));
        // A nonResourceURLs rule never matches a resource request.
        assert_eq!(level(&p, &res("get", "", "pods", "", "n", "p")).0, Some(1));
    }

    #[test]
    fn users_and_groups_are_exact() {
        let p = rules(
            "- level: RequestResponse\n  users: [mallory]\n- level: None\n  userGroups: [system:nodes]\n- level: Metadata\n",
        );
        assert_eq!(level(&p, &res("get", "", "pods", "", "n", "p")).0, Some(2));
        let mallory = Request {
            user: "mallory",
            ..res("get", "", "pods", "", "n", "p")
        };
        assert_eq!(level(&p, &mallory).0, Some(0));
        let node = Request {
            user: "system:node:a",
            groups: &[AUTHENTICATED, "system:nodes"],
            ..res("get", "", "pods", "", "n", "p")
        };
        assert_eq!(level(&p, &node).0, Some(1));
        // Verbs have no wildcard in audit rules.
        let star = rules("- level: Metadata\n  verbs: [\"*\"]\n");
        assert_eq!(
            level(&star, &res("get", "", "pods", "", "n", "p")).1,
            Level::None
        );
    }

    #[test]
    fn omit_stages_join_and_count() {
        let p = policy(
            "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n- level: RequestResponse\n  omitStages: [ResponseComplete, ResponseStarted, Panic]\n",
        )
        .unwrap();
        let d = p.decide(&res("get", "", "secrets", "", "n", "s"));
        assert_eq!(d.omit.len(), 4);
        assert!(!d.logged(true) && !d.bodies_logged());
        // RequestReceived alone still logs the request, without bodies.
        let p =
            rules("- level: Request\n  omitStages: [ResponseComplete, ResponseStarted, Panic]\n");
        let d = p.decide(&res("create", "", "secrets", "", "n", ""));
        assert!(d.logged(false) && !d.bodies_logged());
        // ResponseStarted only counts for long-running requests.
        let p = rules("- level: Metadata\n  omitStages: [RequestReceived, ResponseComplete]\n");
        let d = p.decide(&res("create", "", "pods", "exec", "n", "p"));
        assert!(d.logged(true) && !d.logged(false));
    }

    #[test]
    fn invalid_policies_are_rejected() {
        let bad = |body: &str| {
            policy(&format!(
                "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n{body}"
            ))
            .unwrap_err()
        };
        assert!(bad("- verbs: [get]\n").contains("level is required"));
        assert!(bad("- level: Everything\n").contains("not one of"));
        assert!(bad("- level: None\n  omitStages: [Done]\n").contains("not an audit stage"));
        assert!(bad("- level: None\n  nonResourceURLs: [healthz]\n").contains("begin with '/'"));
        assert!(bad("- level: None\n  nonResourceURLs: [\"/a*b\"]\n").contains("last character"));
        // Non-ASCII paths: a multi-byte last character must not be sliced.
        let ok = |body: &str| {
            policy(&format!(
                "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n{body}"
            ))
            .is_ok()
        };
        assert!(ok(
            "- level: None\n  nonResourceURLs: [\"/é\", \"/é*\", \"/\"]\n"
        ));
        assert!(bad("- level: None\n  nonResourceURLs: [\"/é*é\"]\n").contains("last character"));
        assert!(
            bad("- level: None\n  namespaces: [a]\n  nonResourceURLs: [/x]\n").contains("both")
        );
        assert!(bad("- level: None\n  resources: [{resourceNames: [a]}]\n").contains("requires"));
        assert!(bad("- level: None\n  users: [yes]\n").contains("must be a string"));
        assert!(bad("").contains("0 rules"));
        let v1beta1 =
            policy("apiVersion: audit.k8s.io/v1beta1\nkind: Policy\nrules: [{level: None}]\n");
        assert!(
            v1beta1
                .unwrap_err()
                .contains("not an audit.k8s.io/v1 Policy")
        );
    }

    /// The shape of the Kubernetes documentation's example policy.
    const DOCS_POLICY: &str = "- level: None
  users: [system:kube-proxy]
  verbs: [watch]
  resources: [{group: \"\", resources: [endpoints, services]}]
- level: None
  userGroups: [system:authenticated]
  nonResourceURLs: [/api*, /version]
- level: RequestResponse
  resources: [{group: \"\", resources: [pods]}]
- level: Metadata
  resources: [{group: \"\", resources: [pods/log, pods/status]}]
- level: None
  resources: [{group: \"\", resources: [configmaps], resourceNames: [controller-leader]}]
- level: None
  users: [system:kube-proxy]
  verbs: [watch]
  resources: [{group: \"\", resources: [endpoints]}]
- level: Metadata
  resources: [{group: \"\", resources: [secrets, configmaps]}]
- level: Request
  resources: [{group: \"\"}, {group: extensions}]
- level: Metadata
  omitStages: [RequestReceived]
";

    fn judged(p: &Policy) -> Vec<(Concern, bool)> {
        evaluate(p, Benchmark::Cis1_12)
            .into_iter()
            .map(|j| (j.concern, j.ok))
            .collect()
    }

    #[test]
    fn cis_2_0_also_asks_for_csrs_and_token_requests() {
        let p = rules(DOCS_POLICY);
        let j = evaluate(&p, Benchmark::Cis2_0);
        assert_eq!(j.len(), 5);
        assert!(j.iter().all(|j| j.ok), "{j:?}");
        // CSR approvals dropped: 1.12 does not ask, 2.0 does.
        let quiet = rules(
            "- level: None\n  resources: [{group: certificates.k8s.io, resources: [certificatesigningrequests/approval]}]\n- level: Metadata\n",
        );
        assert!(
            evaluate(&quiet, Benchmark::Cis1_12)
                .iter()
                .all(|j| j.concern != Concern::CsrAndTokensLogged)
        );
        let j = evaluate(&quiet, Benchmark::Cis2_0);
        let csr = j
            .iter()
            .find(|j| j.concern == Concern::CsrAndTokensLogged)
            .unwrap();
        assert!(!csr.ok, "{csr:?}");
        assert!(
            csr.evidence.iter().any(|e| e
                .contains("certificatesigningrequests/approval (certificates.k8s.io)")
                && e.contains("not logged")),
            "{csr:?}"
        );
        // serviceaccounts/token dropped.
        let quiet = rules(
            "- level: None\n  resources: [{group: \"\", resources: [serviceaccounts/token]}]\n- level: Metadata\n",
        );
        assert!(!evaluate(&quiet, Benchmark::Cis2_0)[4].ok);
    }

    #[test]
    fn docs_policy_meets_every_concern() {
        let p = rules(DOCS_POLICY);
        let j = evaluate(&p, Benchmark::Cis1_12);
        assert!(j.iter().all(|j| j.ok), "{j:?}");
        assert!(
            j[0].evidence[0].contains("rules[6] (line 21) at Metadata"),
            "{:?}",
            j[0].evidence
        );
        // serviceaccounts/token falls to the `group: ""` rule at Request:
        // the TokenRequest body holds no token, so that is no leak...
        assert!(
            j[0].evidence[1].contains("rules[7] (line 23) at Request"),
            "{:?}",
            j[0].evidence
        );
        // ...but RequestResponse there would write the token.
        let leaky = rules(&DOCS_POLICY.replace("- level: Request\n", "- level: RequestResponse\n"));
        let j = evaluate(&leaky, Benchmark::Cis1_12);
        assert!(
            !j[0].ok && j[0].evidence[1].contains("RequestResponse from rules[7]"),
            "{:?}",
            j[0].evidence
        );
        // pods/exec: no pods/exec rule; `group: ""` logs it at Request.
        assert!(j[1].evidence[0].contains("rules[7]"), "{:?}", j[1].evidence);
        assert!(j[3].evidence[0].contains("rules[8]"), "{:?}", j[3].evidence);
    }

    #[test]
    fn request_level_leaks_only_request_bodies_with_secrets() {
        // Secrets at Request: a get has no body, a create does.
        let p = rules("- level: Request\n  verbs: [get, list, watch]\n- level: Metadata\n");
        assert!(evaluate(&p, Benchmark::Cis1_12)[0].ok);
        let p = rules(
            "- level: Request\n  verbs: [create]\n  resources: [{resources: [secrets]}]\n- level: Metadata\n",
        );
        let j = evaluate(&p, Benchmark::Cis1_12);
        assert!(
            !j[0].ok
                && j[0].evidence[0].contains("create in namespace any other by an unnamed user"),
            "{:?}",
            j[0].evidence
        );
        // A TokenReview's request is the token.
        let p = rules(
            "- level: Request\n  resources: [{group: authentication.k8s.io}]\n- level: Metadata\n",
        );
        let j = evaluate(&p, Benchmark::Cis1_12);
        assert!(
            !j[0].ok && j[0].evidence[2].contains("rules[0]"),
            "{:?}",
            j[0].evidence
        );
    }

    #[test]
    fn leaking_catch_all_first() {
        let p = rules(
            "- level: RequestResponse\n- level: Metadata\n  resources: [{resources: [secrets]}]\n",
        );
        let j = evaluate(&p, Benchmark::Cis1_12);
        assert!(!j[0].ok);
        assert!(
            j[0].evidence[0].contains("gets RequestResponse from rules[0]"),
            "{:?}",
            j[0].evidence
        );
        assert_eq!(
            &judged(&p)[1..],
            [
                (Concern::PodExecLogged, true),
                (Concern::RbacChangesLogged, true),
                (Concern::CatchAll, true)
            ]
        );
    }

    #[test]
    fn user_restricted_leak_is_found_for_that_user_only() {
        let p = rules(
            "- level: Request\n  users: [ci-bot]\n  resources: [{resources: [secrets]}]\n- level: Metadata\n",
        );
        let j = evaluate(&p, Benchmark::Cis1_12);
        assert!(!j[0].ok);
        assert!(
            j[0].evidence[0].contains("user \"ci-bot\""),
            "{:?}",
            j[0].evidence
        );
        assert!(j[1].ok && j[2].ok && j[3].ok);
        // Same with a group, and a namespace and name restriction.
        let p = rules(
            "- level: Metadata\n  namespaces: [prod]\n- level: RequestResponse\n  userGroups: [ops]\n  resources: [{resources: [secrets], resourceNames: [db]}]\n- level: Metadata\n",
        );
        let j = evaluate(&p, Benchmark::Cis1_12);
        assert!(!j[0].ok);
        assert!(
            j[0].evidence[0].contains("of name \"db\"") && j[0].evidence[0].contains("\"ops\""),
            "{:?}",
            j[0].evidence
        );
    }

    #[test]
    fn exec_and_rbac_gaps_name_the_rule() {
        let p = rules(
            "- level: None\n  resources: [{resources: [pods/exec]}]\n- level: None\n  namespaces: [kube-system]\n  resources: [{group: rbac.authorization.k8s.io, resources: [rolebindings]}]\n- level: Metadata\n",
        );
        let j = evaluate(&p, Benchmark::Cis1_12);
        assert!(j[0].ok);
        assert!(
            !j[1].ok && j[1].evidence[0].contains("rules[0]"),
            "{:?}",
            j[1].evidence
        );
        assert!(j[1].evidence[1].starts_with("pods/attach (core): every request"));
        assert!(!j[2].ok);
        assert!(
            j[2].evidence[1].contains("in namespace \"kube-system\"")
                && j[2].evidence[1].contains("rules[1]"),
            "{:?}",
            j[2].evidence
        );
        assert!(j[3].ok);
    }

    #[test]
    fn no_catch_all() {
        let p = rules("- level: Metadata\n  resources: [{resources: [secrets]}]\n");
        let j = evaluate(&p, Benchmark::Cis1_12);
        assert!(j[0].ok && !j[1].ok && !j[2].ok && !j[3].ok);
        assert!(
            j[3].evidence
                .iter()
                .any(|e| e.contains("no rule is unrestricted"))
        );
        // A catch-all for authenticated users covers the ordinary user.
        let p = rules("- level: Metadata\n  userGroups: [system:authenticated]\n");
        assert!(evaluate(&p, Benchmark::Cis1_12)[3].ok);
    }
}
