//! Helpers for rules on pod templates beyond the Pod Security Standards:
//! effective security settings, capabilities as runtimes apply them, host
//! paths, resource defaulting (API defaults and LimitRanger), service
//! accounts, and node placement (taints, tolerations, node selection).
use rampart_core::rule::{ParamDefault, ParamSpec};

use k8s_openapi::api::core::v1::{Container, PodSpec, Toleration, Volume};
use rampart_core::node::{pointer, push_index};
use rampart_core::{ContainerKind, ContainerRef, Ctx, Emitter, Inventory, Node, Value, Workload};

use super::quantity_is_zero;

// ---------------------------------------------------------------------------
// Security context precedence

/// Where an effective pod-or-container setting comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Container,
    Pod,
    /// Neither level sets it: the image or the runtime decides.
    Unset,
}

/// The value of a setting both the pod and the container can carry: the
/// container's own wins, as the kubelet applies it.
pub fn effective<T: Copy>(container: Option<T>, pod: Option<T>) -> (Option<T>, Origin) {
    match (container, pod) {
        (Some(v), _) => (Some(v), Origin::Container),
        (None, Some(v)) => (Some(v), Origin::Pod),
        (None, None) => (None, Origin::Unset),
    }
}

/// Reports per-container verdicts on a setting that both levels carry
/// (`securityContext.<field>`): a container's own value is reported on the
/// container; containers that inherit the pod's value, or that set nothing
/// anywhere, are reported once on the pod-level field, where one fix covers
/// them all. `message` gets the containers' descriptions, joined.
pub struct PodLevelReport<'w> {
    workload: &'w Workload,
    field: &'static str,
    inherited: Vec<String>,
    unset: Vec<String>,
}

impl<'w> PodLevelReport<'w> {
    pub fn new(workload: &'w Workload, field: &'static str) -> Self {
        PodLevelReport {
            workload,
            field,
            inherited: Vec::new(),
            unset: Vec::new(),
        }
    }

    /// Records a container whose offending value comes from `origin`; for
    /// [`Origin::Container`] it is reported at once with `message`.
    pub fn add(&mut self, out: &mut Emitter, c: &ContainerRef, origin: Origin, message: String) {
        match origin {
            Origin::Container => out.container(c, &["securityContext", self.field], message),
            Origin::Pod => self.inherited.push(c.describe()),
            Origin::Unset => self.unset.push(c.describe()),
        }
    }

    /// Emits the pod-level findings: `inherited(list)` for containers that
    /// take the pod's value, `unset(list)` for those that have none.
    pub fn finish(
        self,
        out: &mut Emitter,
        inherited: impl Fn(&str) -> String,
        unset: impl Fn(&str) -> String,
    ) {
        let p = pointer(self.workload.path.spec, &["securityContext", self.field]);
        if !self.inherited.is_empty() {
            out.at(p.clone(), inherited(&self.inherited.join(", ")));
        }
        if !self.unset.is_empty() {
            out.at(p, unset(&self.unset.join(", ")));
        }
    }
}

// ---------------------------------------------------------------------------
// Capabilities

/// A capability name as container runtimes read it: case-insensitive, with
/// or without the `CAP_` prefix (`net_raw`, `CAP_NET_RAW` and `NET_RAW` are
/// one capability to containerd and CRI-O).
pub fn capability_name(name: &str) -> String {
    let upper = name.trim().to_ascii_uppercase();
    match upper.strip_prefix("CAP_") {
        Some(rest) => rest.to_string(),
        None => upper,
    }
}

/// The container's `capabilities.add` entries with their indexes.
pub fn added_capabilities(c: &Container) -> impl Iterator<Item = (usize, &str)> {
    c.security_context
        .as_ref()
        .and_then(|sc| sc.capabilities.as_ref())
        .and_then(|caps| caps.add.as_deref())
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(i, s)| (i, s.as_str()))
}

fn dropped_capabilities(c: &Container) -> &[String] {
    c.security_context
        .as_ref()
        .and_then(|sc| sc.capabilities.as_ref())
        .and_then(|caps| caps.drop.as_deref())
        .unwrap_or_default()
}

/// Whether the container surely runs without capability `cap` (already
/// normalised with [`capability_name`]) of the runtime's default set.
///
/// Runtimes differ when the same capability is both added and dropped
/// (containerd and CRI-O drop it, Docker-based runtimes keep it), so only an
/// outcome every runtime agrees on counts: `cap` is dropped by name while not
/// added by name, or `ALL` is dropped and neither `cap` nor `ALL` is added.
pub fn surely_drops(c: &Container, cap: &str) -> bool {
    let dropped = |n: &str| {
        dropped_capabilities(c)
            .iter()
            .any(|d| capability_name(d) == n)
    };
    let added = |n: &str| added_capabilities(c).any(|(_, a)| capability_name(a) == n);
    if added(cap) {
        return false;
    }
    dropped(cap) || (dropped("ALL") && !added("ALL"))
}

// ---------------------------------------------------------------------------
// Host paths

/// A host path as the node resolves it: `//`, `.` and trailing slashes
/// removed, `..` applied (never above `/`). Relative or Windows paths keep
/// their shape apart from the same clean-up.
pub fn normalize_host_path(path: &str) -> String {
    let absolute = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else {
        joined
    }
}

/// Whether `path` is `dir` or lies below it (both normalised).
pub fn is_within(path: &str, dir: &str) -> bool {
    dir == "/" && path.starts_with('/')
        || path == dir
        || path
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// A hostPath volume of the pod template.
pub struct HostPathVolume<'a> {
    pub index: usize,
    pub volume: &'a Volume,
    /// The path as written.
    pub path: &'a str,
    /// The path normalised with [`normalize_host_path`].
    pub normalized: String,
}

impl HostPathVolume<'_> {
    /// Pointer to the volume's `hostPath.path`, and its stable form naming
    /// the volume instead of its index.
    pub fn pointers(&self, workload: &Workload) -> (String, String) {
        let mut p = pointer(workload.path.spec, &["volumes"]);
        push_index(&mut p, self.index);
        p.push_str("/hostPath/path");
        let stable = pointer(
            workload.path.spec,
            &["volumes", &self.volume.name, "hostPath", "path"],
        );
        (p, stable)
    }
}

pub fn host_path_volumes(workload: &Workload) -> impl Iterator<Item = HostPathVolume<'_>> {
    workload
        .spec
        .volumes
        .iter()
        .flatten()
        .enumerate()
        .filter_map(|(index, volume)| {
            let path = volume.host_path.as_ref()?.path.as_str();
            Some(HostPathVolume {
                index,
                volume,
                path,
                normalized: normalize_host_path(path),
            })
        })
}

/// Container runtime API endpoints. `/var/run` is a symlink to `/run` on
/// most distributions but a directory on some, and a symlink inside a
/// mounted directory resolves in the container, not on the host, so both
/// spellings are listed rather than one rewritten into the other.
pub const RUNTIME_SOCKETS: &[&str] = &[
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/var/run/containerd/containerd.sock",
    "/run/containerd/containerd.sock",
    "/run/k3s/containerd/containerd.sock",
    "/var/snap/microk8s/common/run/containerd.sock",
    "/var/run/crio/crio.sock",
    "/run/crio/crio.sock",
    "/var/run/podman/podman.sock",
    "/run/podman/podman.sock",
    "/var/run/cri-dockerd.sock",
    "/run/cri-dockerd.sock",
    "/var/run/dockershim.sock",
    "/run/dockershim.sock",
];

/// File names of runtime sockets, recognised wherever they live (rootless
/// runtimes put them under `/run/user/<uid>/`, distributions move them).
const RUNTIME_SOCKET_NAMES: &[&str] = &[
    "docker.sock",
    "containerd.sock",
    "crio.sock",
    "podman.sock",
    "cri-dockerd.sock",
    "dockershim.sock",
];

/// Windows named pipes of the Docker and containerd APIs.
const RUNTIME_PIPES: &[&str] = &[r"\\.\pipe\docker_engine", r"\\.\pipe\containerd-containerd"];

/// The runtime socket a host path (normalised) exposes: the socket itself,
/// a directory that contains it, or a socket file recognised by name.
pub fn exposed_runtime_socket(path: &str) -> Option<&str> {
    if let Some(pipe) = RUNTIME_PIPES.iter().find(|p| p.eq_ignore_ascii_case(path)) {
        return Some(pipe);
    }
    if let Some(socket) = RUNTIME_SOCKETS.iter().find(|s| is_within(s, path)) {
        return Some(socket);
    }
    let name = path.rsplit('/').next().unwrap_or(path);
    RUNTIME_SOCKET_NAMES.contains(&name).then_some(path)
}

/// A sensitive host path pattern: `/etc` matches `/etc` and its ancestors
/// (`/`); `/var/lib/kubelet/**` matches that directory, its ancestors and
/// everything below it.
pub fn matches_sensitive(path: &str, pattern: &str) -> bool {
    let (base, subtree) = sensitive_pattern(pattern);
    is_within(&base, path) || (subtree && is_within(path, &base))
}

/// A sensitive path pattern's directory (normalised) and whether it covers
/// everything below it.
pub fn sensitive_pattern(pattern: &str) -> (String, bool) {
    match pattern.strip_suffix("/**") {
        Some(b) => (
            normalize_host_path(if b.is_empty() { "/" } else { b }),
            true,
        ),
        None => (normalize_host_path(pattern), false),
    }
}

// ---------------------------------------------------------------------------
// Resources

/// What a container must have for a resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Requirement {
    Limit,
    Request,
}

impl Requirement {
    fn field(self) -> &'static str {
        match self {
            Requirement::Limit => "limits",
            Requirement::Request => "requests",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Requirement::Limit => "limit",
            Requirement::Request => "request",
        }
    }
}

fn quantity_node_is_nonzero(q: &Node) -> bool {
    match &q.value {
        Value::Str(s) => !quantity_is_zero(s),
        Value::Int(i) => *i != 0,
        Value::Float(f) => *f != 0.0,
        _ => false,
    }
}

/// Whether a LimitRange in `namespace` makes the LimitRanger admission
/// plugin fill in a container's missing limit or request for `resource`.
///
/// The API server defaults each `type: Container` item before storing it:
/// a missing `default` (limit) takes `max`; a missing `defaultRequest`
/// takes `default` (after that step), else `min`. LimitRanger then copies
/// `default` into missing limits and `defaultRequest` into missing
/// requests. Zero defaults are no limit and reserve nothing.
pub fn limit_range_fills(
    inventory: &Inventory,
    namespace: Option<&str>,
    resource: &str,
    requirement: Requirement,
) -> bool {
    let sources: &[&str] = match requirement {
        Requirement::Limit => &["default", "max"],
        Requirement::Request => &["defaultRequest", "default", "max", "min"],
    };
    inventory
        .of_kind("LimitRange")
        .filter(|lr| lr.namespace() == namespace)
        .filter_map(|lr| lr.root.path(&["spec", "limits"]).and_then(Node::as_seq))
        .flatten()
        .filter(|item| item.get("type").and_then(Node::as_str) == Some("Container"))
        .any(|item| {
            // The first source that names the resource decides: an explicit
            // zero `defaultRequest` is not replaced by a non-zero `default`.
            sources
                .iter()
                .find_map(|s| item.path(&[s, resource]))
                .is_some_and(quantity_node_is_nonzero)
        })
}

fn nonzero(
    map: Option<
        &std::collections::BTreeMap<
            String,
            k8s_openapi::apimachinery::pkg::api::resource::Quantity,
        >,
    >,
    resource: &str,
) -> Option<bool> {
    map.and_then(|m| m.get(resource))
        .map(|q| !quantity_is_zero(&q.0))
}

/// Reports every container (init and regular; ephemeral containers cannot
/// set resources) that ends up without a non-zero `requirement` for each of
/// `resources` once Kubernetes has applied its defaults:
/// - a container's missing request takes its own limit (API defaulting);
/// - a pod-level limit or request (`spec.resources`) covers every container
///   (a pod-level request defaults to the pod-level limit);
/// - a LimitRange of the namespace fills the gap ([`limit_range_fills`]).
pub fn report_missing_resources(
    ctx: &Ctx,
    workload: &Workload,
    out: &mut Emitter,
    resources: &[String],
    requirement: Requirement,
) {
    let pod = workload.spec.resources.as_ref();
    for resource in resources {
        let pod_covers = match requirement {
            Requirement::Limit => nonzero(pod.and_then(|r| r.limits.as_ref()), resource),
            Requirement::Request => nonzero(pod.and_then(|r| r.requests.as_ref()), resource)
                .or_else(|| nonzero(pod.and_then(|r| r.limits.as_ref()), resource)),
        };
        if pod_covers == Some(true)
            || limit_range_fills(ctx.inventory, ctx.object.namespace(), resource, requirement)
        {
            continue;
        }
        for c in workload
            .containers()
            .filter(|c| c.kind != ContainerKind::Ephemeral)
        {
            let res = c.container.resources.as_ref();
            let own = nonzero(
                res.and_then(|r| match requirement {
                    Requirement::Limit => r.limits.as_ref(),
                    Requirement::Request => r.requests.as_ref(),
                }),
                resource,
            );
            let message = match (requirement, own) {
                (_, Some(true)) => continue,
                (Requirement::Limit, Some(false)) => {
                    format!("{} has a zero (unbounded) {resource} limit", c.describe())
                }
                (Requirement::Request, Some(false)) => format!(
                    "{} has a zero {resource} request, which reserves nothing",
                    c.describe()
                ),
                (Requirement::Request, None)
                    if nonzero(res.and_then(|r| r.limits.as_ref()), resource) == Some(true) =>
                {
                    continue;
                }
                (_, None) => format!("{} has no {resource} {}", c.describe(), requirement.noun()),
            };
            out.container(&c, &["resources", requirement.field(), resource], message);
        }
    }
}

/// Whether the object being checked is a Namespace and the inventory holds
/// no object of `kind` in it. Only Namespaces present in the input are
/// judged: a scan of one application's manifests says nothing about the
/// cluster's policy objects elsewhere.
pub fn namespace_lacks(ctx: &Ctx, kind: &str) -> bool {
    let ns = ctx.object;
    ns.kind() == "Namespace"
        && ns.group().is_empty()
        && !ctx
            .inventory
            .of_kind(kind)
            .any(|o| o.namespace() == Some(ns.name()))
}

// ---------------------------------------------------------------------------
// Service accounts

pub use rampart_core::workload::service_account_name;

/// The field that names the pod's service account, for pointers.
pub fn service_account_field(spec: &PodSpec) -> &'static str {
    match (&spec.service_account_name, &spec.service_account) {
        (Some(n), _) if !n.is_empty() => "serviceAccountName",
        (_, Some(n)) if !n.is_empty() => "serviceAccount",
        _ => "serviceAccountName",
    }
}

// ---------------------------------------------------------------------------
// Node placement

pub const TAINT_EFFECTS: [&str; 3] = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

/// A node taint, as written in a rule parameter: `key[=value][:effect]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Taint {
    pub key: String,
    pub value: String,
    pub effect: String,
}

impl Taint {
    /// Parses `key[=value][:effect]`; the effect defaults to `NoSchedule`,
    /// the usual effect of a dedicated-node taint (`kubectl taint nodes n
    /// dedicated=db:NoSchedule`). `None` for an empty key or an unknown
    /// effect.
    pub fn parse(s: &str) -> Option<Taint> {
        let s = s.trim();
        let (kv, effect) = match s.rsplit_once(':') {
            Some((kv, e)) => (kv, e),
            None => (s, "NoSchedule"),
        };
        if !TAINT_EFFECTS.contains(&effect) {
            return None;
        }
        let (key, value) = kv.split_once('=').unwrap_or((kv, ""));
        (!key.is_empty()).then(|| Taint {
            key: key.to_string(),
            value: value.to_string(),
            effect: effect.to_string(),
        })
    }
}

impl std::fmt::Display for Taint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.value.is_empty() {
            write!(f, "{}:{}", self.key, self.effect)
        } else {
            write!(f, "{}={}:{}", self.key, self.value, self.effect)
        }
    }
}

/// A decimal integer as Kubernetes' `IsDecimalInteger` accepts it: an
/// optional `-`, no `+`, no leading zeros.
fn decimal_integer(s: &str) -> Option<i64> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let valid = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'));
    if valid { s.parse().ok() } else { None }
}

/// Whether `t` tolerates `taint`, exactly as the scheduler decides
/// (`Toleration.ToleratesTaint`): an empty effect matches every effect, an
/// empty key every key; `Exists` matches any value, `Equal` (or no
/// operator) the same value, and `Lt`/`Gt` compare decimal integers (the
/// taint's value below / above the toleration's; evaluated as with the
/// `TaintTolerationComparisonOperators` feature on). Any other operator
/// tolerates nothing.
pub fn tolerates(t: &Toleration, taint: &Taint) -> bool {
    let effect = t.effect.as_deref().unwrap_or("");
    if !effect.is_empty() && effect != taint.effect {
        return false;
    }
    let key = t.key.as_deref().unwrap_or("");
    if !key.is_empty() && key != taint.key {
        return false;
    }
    let value = t.value.as_deref().unwrap_or("");
    match t.operator.as_deref().unwrap_or("") {
        "" | "Equal" => value == taint.value,
        "Exists" => true,
        op @ ("Lt" | "Gt") => match (decimal_integer(value), decimal_integer(&taint.value)) {
            (Some(tol), Some(node)) => {
                if op == "Lt" {
                    node < tol
                } else {
                    node > tol
                }
            }
            _ => false,
        },
        _ => false,
    }
}

/// A toleration that tolerates every taint key: no key with `Exists`.
pub fn is_blanket_toleration(t: &Toleration) -> bool {
    t.key.as_deref().unwrap_or("").is_empty() && t.operator.as_deref() == Some("Exists")
}

/// A node label requirement from a rule parameter: `key=value`, or `key`
/// alone for "has the label, any value".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeLabel {
    pub key: String,
    pub value: Option<String>,
}

impl NodeLabel {
    pub fn parse(s: &str) -> Option<NodeLabel> {
        let s = s.trim();
        let (key, value) = match s.split_once('=') {
            Some((k, v)) => (k, Some(v.to_string())),
            None => (s, None),
        };
        (!key.is_empty()).then(|| NodeLabel {
            key: key.to_string(),
            value,
        })
    }

    fn accepts(&self, value: &str) -> bool {
        self.value.as_deref().is_none_or(|v| v == value)
    }
}

impl std::fmt::Display for NodeLabel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.value {
            Some(v) => write!(f, "{}={v}", self.key),
            None => f.write_str(&self.key),
        }
    }
}

/// Whether the scheduler can only place the pod on nodes carrying `label`:
/// its `nodeSelector` requires the label, or every term of its required
/// node affinity does (terms are alternatives). A term requires the label
/// through an `In` expression whose values all satisfy it, or through
/// `Exists` when any value will do. A `nodeName` bypasses the scheduler
/// and pins nothing by label.
pub fn requires_node_label(spec: &PodSpec, label: &NodeLabel) -> bool {
    if spec
        .node_selector
        .as_ref()
        .and_then(|s| s.get(&label.key))
        .is_some_and(|v| label.accepts(v))
    {
        return true;
    }
    let Some(terms) = spec
        .affinity
        .as_ref()
        .and_then(|a| a.node_affinity.as_ref())
        .and_then(|n| {
            n.required_during_scheduling_ignored_during_execution
                .as_ref()
        })
        .map(|s| &s.node_selector_terms)
        .filter(|t| !t.is_empty())
    else {
        return false;
    };
    terms.iter().all(|term| {
        term.match_expressions.iter().flatten().any(|e| {
            e.key == label.key
                && match e.operator.as_str() {
                    "In" => {
                        let values = e.values.as_deref().unwrap_or_default();
                        !values.is_empty() && values.iter().all(|v| label.accepts(v))
                    }
                    "Exists" => label.value.is_none(),
                    _ => false,
                }
        })
    })
}

/// A label requirement `key=value` or `key` matched against labels.
fn label_matches(labels: Option<&std::collections::BTreeMap<String, String>>, spec: &str) -> bool {
    let Some(req) = NodeLabel::parse(spec) else {
        return false;
    };
    labels
        .and_then(|l| l.get(&req.key))
        .is_some_and(|v| req.accepts(v))
}

/// Whether a workload is "sensitive" under the shared parameters of the
/// segregation rules: its namespace is listed in `sensitive-namespaces`, or
/// its pod template's labels or its own labels match any entry of
/// `sensitive-selector` (`key=value`, or `key` for any value).
pub fn is_sensitive(ctx: &Ctx, workload: &Workload) -> bool {
    let ns = ctx.object.namespace().unwrap_or("default");
    if ctx
        .params
        .list("sensitive-namespaces")
        .iter()
        .any(|n| n == ns)
    {
        return true;
    }
    let template = workload.template_meta.labels.as_ref();
    ctx.params.list("sensitive-selector").iter().any(|s| {
        label_matches(template, s)
            || NodeLabel::parse(s)
                .is_some_and(|req| ctx.object.label(&req.key).is_some_and(|v| req.accepts(v)))
    })
}

// The parameters both segregation rules take, defined once so that one
// configuration describes the dedicated nodes for both.
pub const SENSITIVE_SELECTOR: ParamSpec = ParamSpec {
    name: "sensitive-selector",
    description: "Labels (`key=value` or `key`) of which any one marks a workload as sensitive.",
    default: ParamDefault::List(&["rampart.dev/sensitive=true"]),
};

pub const SENSITIVE_NAMESPACES: ParamSpec = ParamSpec {
    name: "sensitive-namespaces",
    description: "Namespaces whose every workload is sensitive.",
    default: ParamDefault::List(&[]),
};

pub const DEDICATED_TAINT: ParamSpec = ParamSpec {
    name: "dedicated-taint",
    description: "Taint of the dedicated nodes, `key[=value][:effect]`.",
    default: ParamDefault::Str("dedicated=sensitive:NoSchedule"),
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_paths_normalise() {
        for (raw, want) in [
            ("/var/run/", "/var/run"),
            ("//var//run", "/var/run"),
            ("/var/./lib/../run", "/var/run"),
            ("/../..", "/"),
            ("/", "/"),
            ("", ""),
            ("relative/x/", "relative/x"),
        ] {
            assert_eq!(normalize_host_path(raw), want, "{raw}");
        }
    }

    #[test]
    fn within() {
        assert!(is_within("/var/run/docker.sock", "/var/run"));
        assert!(is_within("/var/run", "/var/run"));
        assert!(is_within("/anything", "/"));
        assert!(!is_within("/var/running", "/var/run"));
        assert!(!is_within("/var", "/var/run"));
    }

    #[test]
    fn runtime_sockets() {
        for p in [
            "/var/run/docker.sock",
            "/var/run",
            "/var",
            "/",
            "/run",
            "/run/containerd",
            "/run/user/1000/podman/podman.sock",
            r"\\.\PIPE\docker_engine",
        ] {
            assert!(exposed_runtime_socket(p).is_some(), "{p}");
        }
        for p in [
            "/var/lib",
            "/run/lock",
            "/var/run/secrets",
            "/etc",
            "/var/run/docker",
        ] {
            assert_eq!(exposed_runtime_socket(p), None, "{p}");
        }
    }

    #[test]
    fn sensitive_patterns() {
        assert!(matches_sensitive("/", "/etc"));
        assert!(matches_sensitive("/etc", "/etc"));
        assert!(!matches_sensitive("/etc/ssl/certs", "/etc"));
        assert!(matches_sensitive(
            "/var/lib/kubelet/pods",
            "/var/lib/kubelet/**"
        ));
        assert!(matches_sensitive("/var/lib", "/var/lib/kubelet/**"));
        assert!(!matches_sensitive("/var/lib/mysql", "/var/lib/kubelet/**"));
        assert!(matches_sensitive("/etc", "/etc/"));
    }

    #[test]
    fn capability_names() {
        assert_eq!(capability_name("cap_sys_admin"), "SYS_ADMIN");
        assert_eq!(capability_name("NET_RAW"), "NET_RAW");
        assert_eq!(capability_name("all"), "ALL");
    }

    fn tol(key: &str, op: &str, value: &str, effect: &str) -> Toleration {
        let s = |v: &str| (!v.is_empty()).then(|| v.to_string());
        Toleration {
            key: s(key),
            operator: s(op),
            value: s(value),
            effect: s(effect),
            toleration_seconds: None,
        }
    }

    #[test]
    fn toleration_matching() {
        let taint = Taint::parse("dedicated=db:NoSchedule").unwrap();
        assert!(tolerates(
            &tol("dedicated", "Equal", "db", "NoSchedule"),
            &taint
        ));
        assert!(tolerates(&tol("dedicated", "", "db", ""), &taint));
        assert!(tolerates(&tol("dedicated", "Exists", "", ""), &taint));
        assert!(tolerates(&tol("", "Exists", "", ""), &taint));
        assert!(tolerates(&tol("", "Exists", "", "NoSchedule"), &taint));
        assert!(!tolerates(&tol("", "Exists", "", "NoExecute"), &taint));
        assert!(!tolerates(&tol("dedicated", "Equal", "web", ""), &taint));
        assert!(!tolerates(&tol("other", "Exists", "", ""), &taint));
        assert!(!tolerates(
            &tol("dedicated", "Equal", "db", "PreferNoSchedule"),
            &taint
        ));
        assert!(!tolerates(&tol("dedicated", "Matches", "db", ""), &taint));
        let numeric = Taint::parse("tier=5:NoSchedule").unwrap();
        assert!(tolerates(&tol("tier", "Lt", "7", ""), &numeric));
        assert!(!tolerates(&tol("tier", "Lt", "5", ""), &numeric));
        assert!(tolerates(&tol("tier", "Gt", "4", ""), &numeric));
        assert!(!tolerates(&tol("tier", "Gt", "04", ""), &numeric));
    }

    #[test]
    fn taint_parameters() {
        assert_eq!(
            Taint::parse("dedicated"),
            Some(Taint {
                key: "dedicated".into(),
                value: String::new(),
                effect: "NoSchedule".into()
            })
        );
        assert_eq!(
            Taint::parse("a=b:NoExecute").map(|t| t.to_string()),
            Some("a=b:NoExecute".into())
        );
        assert_eq!(Taint::parse("a=b:Sometimes"), None);
        assert_eq!(Taint::parse("=b"), None);
    }

    #[test]
    fn decimal_integers() {
        assert_eq!(decimal_integer("0"), Some(0));
        assert_eq!(decimal_integer("-12"), Some(-12));
        assert_eq!(decimal_integer("012"), None);
        assert_eq!(decimal_integer("+1"), None);
        assert_eq!(decimal_integer(""), None);
    }
}
