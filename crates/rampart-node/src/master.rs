//! CIS Kubernetes Benchmark section 1 (control plane) checks: 1.1 file
//! permissions and owners, 1.2 API server, 1.3 controller manager and 1.4
//! scheduler flags.
//!
//! Flag checks judge the *effective* value: the last occurrence of the
//! flag on the discovered command line (process first, then static pod
//! manifest), else the component's built-in default, which the evidence
//! names as such. Two components read settings from elsewhere too
//! ([`resolve`]): etcd (`ETCD_*` environment variables, `--config-file`)
//! and kube-scheduler (`--config` replaces some flags).

use rampart_core::yaml::{Limits, parse_document};
use rampart_core::{Node, Value};
use sha2::{Digest, Sha256};

use crate::checks::{Assessment, CheckDef, Facts, FileAt, Outcome, STRONG_CIPHERS, Verdict};
use crate::checks::{files_check, mode_at_most, owned_by_root, read_objects};
use crate::discover::{Component, Instance};
use crate::flags::parse_bool;
use crate::kubelet::node_value;
use crate::root::{FileStat, absolute};

const API: Component = Component::KubeApiserver;
const CM: Component = Component::KubeControllerManager;
const SCHED: Component = Component::KubeScheduler;

/// kube-apiserver's default-enabled admission plugins (Kubernetes 1.30+,
/// `DefaultOffAdmissionPlugins` complement; from knowledge of
/// `pkg/kubeapiserver/options/plugins.go`).
pub const DEFAULT_ADMISSION_PLUGINS: &[&str] = &[
    "NamespaceLifecycle",
    "LimitRanger",
    "ServiceAccount",
    "TaintNodesByCondition",
    "PodSecurity",
    "Priority",
    "DefaultTolerationSeconds",
    "DefaultStorageClass",
    "StorageObjectInUseProtection",
    "PersistentVolumeClaimResize",
    "RuntimeClass",
    "CertificateApproval",
    "CertificateSigning",
    "ClusterTrustBundleAttest",
    "CertificateSubjectRestriction",
    "DefaultIngressClass",
    "MutatingAdmissionWebhook",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionWebhook",
    "ResourceQuota",
];

/// The effective value of one flag, with where it came from.
struct Effective {
    value: Option<String>,
    from: String,
}

/// Flags that are lists (pflag `StringSlice`): every occurrence counts.
const LIST_FLAGS: &[&str] = &[
    "admission-control",
    "enable-admission-plugins",
    "disable-admission-plugins",
    "authorization-mode",
    "tls-cipher-suites",
];

fn effective(i: &Instance, name: &str, default: Option<&str>) -> Effective {
    let given = if LIST_FLAGS.contains(&name) {
        i.args.list(name)
    } else {
        i.args.last(name).cloned()
    };
    match given {
        Some(fl) => Effective {
            value: Some(fl.value.clone()),
            from: format!("{} from {}", fl.raw, i.origin),
        },
        None => defaulted(i, &format!("--{name} not set in {}", i.origin), default),
    }
}

/// The component's default for a setting found nowhere (`unset` says
/// where rampart looked).
fn defaulted(i: &Instance, unset: &str, default: Option<&str>) -> Effective {
    let bin = i.component.binary();
    Effective {
        value: default.map(str::to_string),
        from: match default {
            Some(d) => format!("{unset}; {bin} default is {d:?}"),
            None => format!("{unset}; {bin} has no default (unset)"),
        },
    }
}

/// The effective value of setting `name` (a flag name) of instance `i`,
/// wherever that component reads it from: etcd's config file or
/// environment, kube-scheduler's config file, else the command line.
/// `Err`: the place the value lives cannot be read.
fn resolve(
    f: &Facts,
    i: &Instance,
    name: &str,
    default: Option<&str>,
) -> Result<Effective, Outcome> {
    match i.component {
        Component::Etcd => etcd_effective(f, i, name, default),
        Component::KubeScheduler => scheduler_effective(f, i, name, default),
        _ => Ok(effective(i, name, default)),
    }
}

/// kube-scheduler flags that `--config` overrides, with their
/// KubeSchedulerConfiguration field: the scheduler's deprecated flags,
/// "ignored if a config file is specified in --config". Others, such as
/// `--bind-address` (secure serving, absent from the config file), are
/// honoured either way.
const SCHEDULER_CONFIG_FIELDS: &[(&str, &[&str])] = &[
    ("profiling", &["enableProfiling"]),
    ("contention-profiling", &["enableContentionProfiling"]),
    ("kubeconfig", &["clientConnection", "kubeconfig"]),
    ("kube-api-qps", &["clientConnection", "qps"]),
    ("kube-api-burst", &["clientConnection", "burst"]),
    (
        "kube-api-content-type",
        &["clientConnection", "contentType"],
    ),
];

fn scheduler_effective(
    f: &Facts,
    i: &Instance,
    name: &str,
    default: Option<&str>,
) -> Result<Effective, Outcome> {
    let field = SCHEDULER_CONFIG_FIELDS.iter().find(|(n, _)| *n == name);
    let (Some((_, keys)), Some(cfg)) =
        (field, i.args.last("config").filter(|c| !c.value.is_empty()))
    else {
        return Ok(effective(i, name, default));
    };
    let path = absolute(&cfg.value);
    let from = format!("{} from {}", cfg.raw, i.origin);
    let ignored = match i.args.last(name) {
        Some(fl) => format!("; {} is ignored because of --config", fl.raw),
        None => String::new(),
    };
    let inv = read_objects(f.root, &path).map_err(|e| {
        Outcome::undecided(format!(
            "{from}: cannot read {path} ({e}); --{name} is taken from it"
        ))
    })?;
    let Some(obj) = inv
        .objects
        .iter()
        .find(|o| o.kind() == "KubeSchedulerConfiguration")
    else {
        return Err(Outcome::undecided(format!(
            "{from}: {path} holds no KubeSchedulerConfiguration; --{name} is taken from it"
        )));
    };
    Ok(config_value(
        i,
        obj.root.path(keys),
        &keys.join("."),
        &format!("{path} ({from}){ignored}"),
        default,
    ))
}

/// A setting read from a config file node (`None`, or null: not set, so
/// the default applies).
fn config_value(
    i: &Instance,
    node: Option<&Node>,
    key: &str,
    file: &str,
    default: Option<&str>,
) -> Effective {
    match node.filter(|n| !matches!(n.value, Value::Null)) {
        Some(n) => Effective {
            value: node_value(n),
            from: format!(
                "{key} = {} at line {} of {file}",
                node_value(n).map_or("empty".to_string(), |v| format!("{v:?}")),
                n.start.line
            ),
        },
        None => defaulted(i, &format!("{key} not set in {file}"), default),
    }
}

/// etcd's config file: `--config-file`, else `ETCD_CONFIG_FILE` (etcd
/// reads that one variable before deciding to ignore the others).
fn etcd_config_file(i: &Instance) -> Option<(String, String)> {
    if let Some(fl) = i.args.last("config-file").filter(|f| !f.value.is_empty()) {
        return Some((fl.value.clone(), format!("{} from {}", fl.raw, i.origin)));
    }
    let (_, v) = i
        .env
        .iter()
        .find(|(k, v)| k == "ETCD_CONFIG_FILE" && !v.is_empty())?;
    Some((
        v.clone(),
        format!("environment ETCD_CONFIG_FILE={v:?} of {}", i.origin),
    ))
}

/// Where etcd's config file keeps the value of flag `name`: TLS settings
/// nest under `client-transport-security` / `peer-transport-security`,
/// the rest are top-level keys named like the flag.
fn etcd_config_keys(name: &str) -> Vec<&str> {
    const TLS: &[&str] = &[
        "cert-file",
        "key-file",
        "client-cert-auth",
        "trusted-ca-file",
        "auto-tls",
    ];
    match name.strip_prefix("peer-") {
        Some(k) if TLS.contains(&k) => vec!["peer-transport-security", k],
        _ if TLS.contains(&name) => vec!["client-transport-security", name],
        _ => vec![name],
    }
}

/// The value etcd uses for flag `name`. With a config file etcd ignores
/// every other flag and every environment variable, and keys the file
/// omits take etcd's defaults; without one, the command line wins, then
/// `ETCD_<NAME>` (dashes as underscores, upper case), then the default.
fn etcd_effective(
    f: &Facts,
    i: &Instance,
    name: &str,
    default: Option<&str>,
) -> Result<Effective, Outcome> {
    if let Some((path, from)) = etcd_config_file(i) {
        let path = absolute(&path);
        let text = f.root.read_to_string(&path).map_err(|e| {
            Outcome::undecided(format!(
                "{from}: cannot read {path} ({e}); etcd takes all its settings from it"
            ))
        })?;
        let doc = parse_document(&text, 1, Limits::default()).map_err(|e| {
            Outcome::undecided(format!(
                "{from}: {path} does not parse as YAML (line {}); etcd takes all its settings from it",
                e.pos.line
            ))
        })?;
        let keys = etcd_config_keys(name);
        let node = doc.root.as_ref().and_then(|r| r.path(&keys));
        let mut e = config_value(
            i,
            node,
            &keys.join("."),
            &format!("etcd config file {path} ({from})"),
            default,
        );
        if let Some(fl) = i.args.last(name) {
            e.from.push_str(&format!(
                "; {} is ignored because of the config file",
                fl.raw
            ));
        }
        return Ok(e);
    }
    if i.args.has(name) {
        return Ok(effective(i, name, default));
    }
    let var = format!("ETCD_{}", name.to_uppercase().replace('-', "_"));
    match i.env.iter().find(|(k, _)| *k == var) {
        Some((_, v)) => Ok(Effective {
            value: Some(v.clone()),
            from: format!("environment {var}={v:?} of {} (no --{name})", i.origin),
        }),
        None => Ok(defaulted(
            i,
            &format!(
                "--{name} not set in {} nor {var} in its environment",
                i.origin
            ),
            default,
        )),
    }
}

fn need<'a>(f: &Facts<'a>, c: Component) -> Result<&'a Instance, Outcome> {
    f.discovery.find(c).ok_or_else(|| {
        Outcome::na(format!(
            "no {} process or static pod found on this node",
            c.binary()
        ))
    })
}

/// Judges the effective value of flag `name` of component `c` with `ok`
/// (`None`: cannot decide).
fn flag(
    f: &Facts,
    c: Component,
    name: &str,
    default: Option<&str>,
    ok: &dyn Fn(Option<&str>) -> Option<bool>,
) -> Outcome {
    let i = match need(f, c) {
        Ok(i) => i,
        Err(o) => return o,
    };
    let e = match resolve(f, i, name, default) {
        Ok(e) => e,
        Err(o) => return o,
    };
    let ev = vec![e.from];
    match ok(e.value.as_deref()) {
        Some(b) => Outcome::judge(b, ev),
        None => Outcome::new(Verdict::Undecided, ev),
    }
    .at(Some(FileAt::file(i.origin.file())))
}

/// Every flag in `names` must be set to a non-empty value.
fn all_set(f: &Facts, c: Component, names: &[&str]) -> Outcome {
    let i = match need(f, c) {
        Ok(i) => i,
        Err(o) => return o,
    };
    let mut ok = true;
    let mut ev = Vec::new();
    for n in names {
        let e = match resolve(f, i, n, None) {
            Ok(e) => e,
            Err(o) => return o,
        };
        ok &= e.value.as_deref().is_some_and(|v| !v.is_empty());
        ev.push(e.from);
    }
    Outcome::judge(ok, ev).at(Some(FileAt::file(i.origin.file())))
}

/// Judges the API server's authorizer chain with `ok`: the `type`s of
/// the `authorizers` of the AuthorizationConfiguration that
/// `--authorization-config` names (structured authorization), else
/// `--authorization-mode`.
fn authz(f: &Facts, ok: fn(&[&str]) -> bool) -> Outcome {
    let i = match need(f, API) {
        Ok(i) => i,
        Err(o) => return o,
    };
    let Some(cfg) = i.args.last("authorization-config") else {
        let e = effective(i, "authorization-mode", Some("AlwaysAllow"));
        return Outcome::judge(ok(&list(e.value.as_deref())), vec![e.from]);
    };
    let mut ev = vec![format!("{} from {}", cfg.raw, i.origin)];
    if let Some(mode) = i.args.list("authorization-mode") {
        ev.push(format!(
            "{} is given too: kube-apiserver rejects --authorization-mode together with --authorization-config and does not start",
            mode.raw
        ));
    }
    let path = absolute(&cfg.value);
    let inv = match read_objects(f.root, &path) {
        Ok(inv) => inv,
        Err(e) => {
            ev.push(format!(
                "cannot read {path}: {e}; the authorizers are listed there"
            ));
            return Outcome::new(Verdict::Undecided, ev);
        }
    };
    let Some(obj) = inv
        .objects
        .iter()
        .find(|o| o.kind() == "AuthorizationConfiguration")
    else {
        ev.push(format!("{path} holds no AuthorizationConfiguration"));
        return Outcome::new(Verdict::Undecided, ev);
    };
    let types: Vec<&str> = obj
        .root
        .get("authorizers")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|a| a.get("type")?.as_str())
        .collect();
    ev.push(format!(
        "authorizers in {path}, in order: {}",
        if types.is_empty() {
            "none".to_string()
        } else {
            types.join(",")
        }
    ));
    Outcome::judge(ok(&types), ev)
}

fn want_bool(want: bool) -> impl Fn(Option<&str>) -> Option<bool> {
    move |v| v.and_then(parse_bool).map(|b| b == want)
}

fn is_set(v: Option<&str>) -> Option<bool> {
    Some(v.is_some_and(|v| !v.is_empty()))
}

fn list(v: Option<&str>) -> Vec<&str> {
    v.unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

fn int_at_least(min: i64) -> impl Fn(Option<&str>) -> Option<bool> {
    move |v| match v {
        None => Some(false),
        Some(s) => s.trim().parse::<i64>().ok().map(|n| n >= min),
    }
}

fn is_loopback(v: Option<&str>) -> Option<bool> {
    Some(matches!(v, Some("127.0.0.1" | "::1" | "localhost")))
}

/// Whether admission plugin `plugin` is effectively on: the defaults, plus
/// `--enable-admission-plugins`, minus `--disable-admission-plugins`.
fn admission(f: &Facts, plugin: &str, want_on: bool) -> Outcome {
    let i = match need(f, API) {
        Ok(i) => i,
        Err(o) => return o,
    };
    let en = effective(i, "enable-admission-plugins", None);
    let dis = effective(i, "disable-admission-plugins", None);
    // The deprecated --admission-control, when given, is the whole set:
    // the default plugins are not added to it.
    let legacy = effective(i, "admission-control", None);
    let enabled = list(en.value.as_deref()).contains(&plugin)
        || list(legacy.value.as_deref()).contains(&plugin);
    let disabled = list(dis.value.as_deref()).contains(&plugin);
    let default_on = legacy.value.is_none() && DEFAULT_ADMISSION_PLUGINS.contains(&plugin);
    let on = !disabled && (enabled || default_on);
    let mut ev = vec![en.from, dis.from];
    if legacy.value.is_some() {
        ev.push(legacy.from);
    }
    ev.extend([format!(
        "{plugin} is {} ({})",
        if on { "enabled" } else { "not enabled" },
        if disabled {
            "explicitly disabled"
        } else if enabled {
            "explicitly enabled"
        } else if default_on {
            "on by default"
        } else {
            "off by default"
        }
    )]);
    Outcome::judge(on == want_on, ev)
}

fn ciphers(v: Option<&str>) -> Option<bool> {
    let suites = list(v);
    // Unset or empty (`--tls-cipher-suites=`) both leave Go's default
    // list, which includes CBC and RSA key-exchange suites.
    Some(!suites.is_empty() && suites.iter().all(|c| STRONG_CIPHERS.contains(c)))
}

/// 1.3.6: the controller manager's `RotateKubeletServerCertificate`
/// feature gate, merged over every `--feature-gates` occurrence (on by
/// default since Kubernetes 1.12).
fn check_1_3_6(f: &Facts) -> Outcome {
    let i = match need(f, CM) {
        Ok(i) => i,
        Err(o) => return o,
    };
    let gate = i
        .args
        .map("feature-gates")
        .into_iter()
        .find(|(k, _)| k == "RotateKubeletServerCertificate");
    match gate {
        Some((_, v)) => {
            let ev = vec![format!(
                "--feature-gates RotateKubeletServerCertificate={v} from {}",
                i.origin
            )];
            match parse_bool(&v) {
                Some(b) => Outcome::judge(b, ev),
                None => Outcome::new(Verdict::Undecided, ev),
            }
        }
        None => Outcome::judge(
            true,
            vec![format!(
                "RotateKubeletServerCertificate not set in {}; the gate is on by default (since 1.12)",
                i.origin
            )],
        ),
    }
}

// ---------------------------------------------------------------------
// 1.1 files.

/// The static pod manifest of `c`: where discovery found it (in the
/// kubelet's static pod directory), else `<that directory>/<binary>.yaml`
/// as kubeadm names it.
fn manifest(f: &Facts, c: Component, test: &dyn Fn(&FileStat) -> Outcome) -> Outcome {
    let found = f
        .discovery
        .instances
        .iter()
        .filter(|i| i.component == c)
        .find_map(|i| match &i.origin {
            crate::discover::Origin::Manifest { path, .. } => Some(path.clone()),
            _ => None,
        });
    let path = found.unwrap_or_else(|| format!("{}/{}.yaml", f.discovery.manifest_dir, c.binary()));
    let mut o = files_check(f.root, std::slice::from_ref(&path), test);
    o.evidence.insert(
        0,
        format!(
            "static pod directory {} ({})",
            f.discovery.manifest_dir, f.discovery.manifest_dir_from
        ),
    );
    o
}

fn files(f: &Facts, paths: &[&str], test: &dyn Fn(&FileStat) -> Outcome) -> Outcome {
    let paths: Vec<String> = paths.iter().map(|p| p.to_string()).collect();
    files_check(f.root, &paths, test)
}

/// Files under `dir` (recursively) whose names satisfy `pick`, plus the
/// directories themselves when `dirs`.
fn tree(f: &Facts, dir: &str, dirs: bool, pick: &dyn Fn(&str) -> bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_string()];
    // Resolved directories already walked: a symlink loop ends here.
    let mut seen = std::collections::HashSet::new();
    while let Some(d) = stack.pop() {
        if !f.root.resolve(&d).is_ok_and(|p| seen.insert(p)) {
            continue;
        }
        let Ok(names) = f.root.read_dir(&d) else {
            continue;
        };
        if dirs {
            out.push(d.clone());
        }
        for n in names {
            let p = format!("{d}/{n}");
            match f.root.stat(&p) {
                Ok(st) if st.is_dir => stack.push(p),
                Ok(_) if pick(&n) => out.push(p),
                _ => {}
            }
        }
    }
    out.sort();
    out
}

const PKI_DIR: &str = "/etc/kubernetes/pki";
const CNI_DIR: &str = "/etc/cni/net.d";

fn pki(
    f: &Facts,
    dirs: bool,
    pick: &dyn Fn(&str) -> bool,
    test: &dyn Fn(&FileStat) -> Outcome,
) -> Outcome {
    let paths = tree(f, PKI_DIR, dirs, pick);
    if paths.is_empty() {
        return Outcome::na(format!("no matching files under {PKI_DIR}"));
    }
    files_check(f.root, &paths, test)
}

fn cni(f: &Facts, test: &dyn Fn(&FileStat) -> Outcome) -> Outcome {
    let paths = tree(f, CNI_DIR, false, &|_| true);
    if paths.is_empty() {
        return Outcome::na(format!("no CNI configuration files under {CNI_DIR}"));
    }
    files_check(f.root, &paths, test)
}

/// etcd's data directory from its `--data-dir` (etcd's default is
/// `${name}.etcd` relative to its working directory, `default.etcd`).
fn etcd_data_dir(f: &Facts, test: &dyn Fn(&FileStat) -> Outcome) -> Outcome {
    let i = match need(f, Component::Etcd) {
        Ok(i) => i,
        Err(o) => return o,
    };
    let e = match resolve(f, i, "data-dir", None) {
        Ok(e) => e,
        Err(o) => return o,
    };
    let path = match e.value.filter(|v| !v.is_empty()) {
        Some(p) => absolute(&p),
        None => {
            return Outcome::undecided(format!(
                "{}; the data directory is relative to etcd's working directory, which rampart cannot see",
                e.from
            ));
        }
    };
    let mut o = files_check(f.root, std::slice::from_ref(&path), test);
    if o.verdict == Verdict::NotApplicable {
        o = Outcome::undecided(format!("etcd data directory {path} not found in this root"));
    }
    o.evidence.insert(0, e.from);
    o
}

/// Owner and group named `etcd`, as the benchmark asks. A node without
/// an `etcd` user (kubeadm runs etcd as root and creates none) fails too;
/// the evidence says the user must be created first.
fn owned_by_etcd<'a>(f: &'a Facts<'a>) -> impl Fn(&FileStat) -> Outcome + 'a {
    move |st: &FileStat| {
        let mut ev = vec![format!(
            "{} is owned by {}:{} (uid {}, gid {})",
            st.path, st.user, st.group, st.uid, st.gid
        )];
        if st.user == "etcd" && st.group == "etcd" {
            return Outcome::judge(true, ev);
        }
        let has_etcd_user = f
            .root
            .read_to_string("/etc/passwd")
            .is_ok_and(|t| t.lines().any(|l| l.starts_with("etcd:")));
        if !has_etcd_user {
            ev.push("no etcd user exists on this node; create it and chown the data directory to etcd:etcd".into());
        }
        Outcome::judge(false, ev)
    }
}

// ---------------------------------------------------------------------
// The catalog.

const R_MANIFEST_PERM: &str = "A static pod manifest decides how a control-plane component runs, including every security flag; if others can write it they can reconfigure or replace the component.";
const R_MANIFEST_OWN: &str = "Static pod manifests owned by a non-root user can be rewritten by that user, who then controls a control-plane component.";
const R_KUBECONFIG_PERM: &str = "This kubeconfig holds credentials with wide cluster privileges; readable or writable by others it leaks or redirects them.";
const R_KUBECONFIG_OWN: &str =
    "A privileged kubeconfig owned by a non-root user can be read or replaced by that user.";
const R_PROFILING: &str = "The profiling endpoints expose internals and cost resources; they are a debugging aid, not needed in production.";
const R_BIND: &str = "The component's secure port should answer only on loopback, so its health, metrics and debug endpoints are not reachable from the network.";

/// Control plane checks, CIS Kubernetes Benchmark section 1.
pub const MASTER_CHECKS: &[CheckDef] = &[
    CheckDef {
        id: "1.1.1",
        title: "Ensure that the API server pod specification file permissions are set to 600 or more restrictive",
        assessment: Assessment::Automated,
        rationale: R_MANIFEST_PERM,
        remediation: "chmod 600 /etc/kubernetes/manifests/kube-apiserver.yaml",
        eval: |f| manifest(f, API, &|s| mode_at_most(s, 0o600)),
    },
    CheckDef {
        id: "1.1.2",
        title: "Ensure that the API server pod specification file ownership is set to root:root",
        assessment: Assessment::Automated,
        rationale: R_MANIFEST_OWN,
        remediation: "chown root:root /etc/kubernetes/manifests/kube-apiserver.yaml",
        eval: |f| manifest(f, API, &owned_by_root),
    },
    CheckDef {
        id: "1.1.3",
        title: "Ensure that the controller manager pod specification file permissions are set to 600 or more restrictive",
        assessment: Assessment::Automated,
        rationale: R_MANIFEST_PERM,
        remediation: "chmod 600 /etc/kubernetes/manifests/kube-controller-manager.yaml",
        eval: |f| manifest(f, CM, &|s| mode_at_most(s, 0o600)),
    },
    CheckDef {
        id: "1.1.4",
        title: "Ensure that the controller manager pod specification file ownership is set to root:root",
        assessment: Assessment::Automated,
        rationale: R_MANIFEST_OWN,
        remediation: "chown root:root /etc/kubernetes/manifests/kube-controller-manager.yaml",
        eval: |f| manifest(f, CM, &owned_by_root),
    },
    CheckDef {
        id: "1.1.5",
        title: "Ensure that the scheduler pod specification file permissions are set to 600 or more restrictive",
        assessment: Assessment::Automated,
        rationale: R_MANIFEST_PERM,
        remediation: "chmod 600 /etc/kubernetes/manifests/kube-scheduler.yaml",
        eval: |f| manifest(f, SCHED, &|s| mode_at_most(s, 0o600)),
    },
    CheckDef {
        id: "1.1.6",
        title: "Ensure that the scheduler pod specification file ownership is set to root:root",
        assessment: Assessment::Automated,
        rationale: R_MANIFEST_OWN,
        remediation: "chown root:root /etc/kubernetes/manifests/kube-scheduler.yaml",
        eval: |f| manifest(f, SCHED, &owned_by_root),
    },
    CheckDef {
        id: "1.1.7",
        title: "Ensure that the etcd pod specification file permissions are set to 600 or more restrictive",
        assessment: Assessment::Automated,
        rationale: R_MANIFEST_PERM,
        remediation: "chmod 600 /etc/kubernetes/manifests/etcd.yaml",
        eval: |f| manifest(f, Component::Etcd, &|s| mode_at_most(s, 0o600)),
    },
    CheckDef {
        id: "1.1.8",
        title: "Ensure that the etcd pod specification file ownership is set to root:root",
        assessment: Assessment::Automated,
        rationale: R_MANIFEST_OWN,
        remediation: "chown root:root /etc/kubernetes/manifests/etcd.yaml",
        eval: |f| manifest(f, Component::Etcd, &owned_by_root),
    },
    CheckDef {
        id: "1.1.9",
        title: "Ensure that the Container Network Interface file permissions are set to 600 or more restrictive",
        assessment: Assessment::Manual,
        rationale: "CNI configuration decides how pods are wired to the network; writable by others it can reroute or expose pod traffic.",
        remediation: "chmod 600 the files under /etc/cni/net.d (and any other CNI config path your plugin uses).",
        eval: |f| cni(f, &|s| mode_at_most(s, 0o600)),
    },
    CheckDef {
        id: "1.1.10",
        title: "Ensure that the Container Network Interface file ownership is set to root:root",
        assessment: Assessment::Manual,
        rationale: "CNI configuration owned by a non-root user lets that user change pod networking.",
        remediation: "chown root:root the files under /etc/cni/net.d.",
        eval: |f| cni(f, &owned_by_root),
    },
    CheckDef {
        id: "1.1.11",
        title: "Ensure that the etcd data directory permissions are set to 700 or more restrictive",
        assessment: Assessment::Automated,
        rationale: "etcd's data directory holds the whole cluster state, Secrets included; only etcd should be able to read or change it.",
        remediation: "chmod 700 the directory etcd's --data-dir names (kubeadm: /var/lib/etcd).",
        eval: |f| etcd_data_dir(f, &|s| mode_at_most(s, 0o700)),
    },
    CheckDef {
        id: "1.1.12",
        title: "Ensure that the etcd data directory ownership is set to etcd:etcd",
        assessment: Assessment::Automated,
        rationale: "The data directory should belong to the account etcd runs as and to no one else, so other users cannot read or alter cluster state.",
        remediation: "chown etcd:etcd the directory etcd's --data-dir names.",
        eval: |f| etcd_data_dir(f, &owned_by_etcd(f)),
    },
    CheckDef {
        id: "1.1.13",
        title: "Ensure that the default administrative credential file permissions are set to 600",
        assessment: Assessment::Automated,
        rationale: R_KUBECONFIG_PERM,
        remediation: "chmod 600 /etc/kubernetes/admin.conf /etc/kubernetes/super-admin.conf",
        eval: |f| {
            files(
                f,
                &[
                    "/etc/kubernetes/admin.conf",
                    "/etc/kubernetes/super-admin.conf",
                ],
                &|s| mode_at_most(s, 0o600),
            )
        },
    },
    CheckDef {
        id: "1.1.14",
        title: "Ensure that the default administrative credential file ownership is set to root:root",
        assessment: Assessment::Automated,
        rationale: R_KUBECONFIG_OWN,
        remediation: "chown root:root /etc/kubernetes/admin.conf /etc/kubernetes/super-admin.conf",
        eval: |f| {
            files(
                f,
                &[
                    "/etc/kubernetes/admin.conf",
                    "/etc/kubernetes/super-admin.conf",
                ],
                &owned_by_root,
            )
        },
    },
    CheckDef {
        id: "1.1.15",
        title: "Ensure that the scheduler.conf file permissions are set to 600 or more restrictive",
        assessment: Assessment::Automated,
        rationale: R_KUBECONFIG_PERM,
        remediation: "chmod 600 /etc/kubernetes/scheduler.conf",
        eval: |f| {
            files(f, &["/etc/kubernetes/scheduler.conf"], &|s| {
                mode_at_most(s, 0o600)
            })
        },
    },
    CheckDef {
        id: "1.1.16",
        title: "Ensure that the scheduler.conf file ownership is set to root:root",
        assessment: Assessment::Automated,
        rationale: R_KUBECONFIG_OWN,
        remediation: "chown root:root /etc/kubernetes/scheduler.conf",
        eval: |f| files(f, &["/etc/kubernetes/scheduler.conf"], &owned_by_root),
    },
    CheckDef {
        id: "1.1.17",
        title: "Ensure that the controller-manager.conf file permissions are set to 600 or more restrictive",
        assessment: Assessment::Automated,
        rationale: R_KUBECONFIG_PERM,
        remediation: "chmod 600 /etc/kubernetes/controller-manager.conf",
        eval: |f| {
            files(f, &["/etc/kubernetes/controller-manager.conf"], &|s| {
                mode_at_most(s, 0o600)
            })
        },
    },
    CheckDef {
        id: "1.1.18",
        title: "Ensure that the controller-manager.conf file ownership is set to root:root",
        assessment: Assessment::Automated,
        rationale: R_KUBECONFIG_OWN,
        remediation: "chown root:root /etc/kubernetes/controller-manager.conf",
        eval: |f| {
            files(
                f,
                &["/etc/kubernetes/controller-manager.conf"],
                &owned_by_root,
            )
        },
    },
    CheckDef {
        id: "1.1.19",
        title: "Ensure that the Kubernetes PKI directory and file ownership is set to root:root",
        assessment: Assessment::Automated,
        rationale: "The PKI directory holds the cluster CAs and their keys; a non-root owner could swap or copy them and mint any identity.",
        remediation: "chown -R root:root /etc/kubernetes/pki/",
        eval: |f| pki(f, true, &|_| true, &owned_by_root),
    },
    CheckDef {
        id: "1.1.20",
        title: "Ensure that the Kubernetes PKI certificate file permissions are set to 644 or more restrictive",
        assessment: Assessment::Manual,
        rationale: "Certificates are public, but writable by others they can be replaced with ones the attacker controls.",
        remediation: "chmod 644 /etc/kubernetes/pki/*.crt (and the etcd subdirectory's).",
        eval: |f| {
            pki(f, false, &|n| n.ends_with(".crt"), &|s| {
                mode_at_most(s, 0o644)
            })
        },
    },
    CheckDef {
        id: "1.1.21",
        title: "Ensure that the Kubernetes PKI key file permissions are set to 600",
        assessment: Assessment::Manual,
        rationale: "Private keys readable by others let them impersonate the control plane or sign certificates.",
        remediation: "chmod 600 /etc/kubernetes/pki/*.key (and the etcd subdirectory's).",
        eval: |f| {
            pki(f, false, &|n| n.ends_with(".key"), &|s| {
                mode_at_most(s, 0o600)
            })
        },
    },
    CheckDef {
        id: "1.2.1",
        title: "Ensure that the --anonymous-auth argument is set to false",
        assessment: Assessment::Manual,
        rationale: "With anonymous access on, requests no authenticator claims are served as system:anonymous; RBAC then decides alone what they can see.",
        remediation: "Add --anonymous-auth=false to the kube-apiserver command (health probes may need an exception, or use the AuthenticationConfiguration anonymous endpoints list).",
        eval: |f| flag(f, API, "anonymous-auth", Some("true"), &want_bool(false)),
    },
    CheckDef {
        id: "1.2.2",
        title: "Ensure that the --token-auth-file parameter is not set",
        assessment: Automated,
        rationale: "Static token files hold long-lived cleartext credentials that cannot be revoked without restarting the API server.",
        remediation: "Remove --token-auth-file and use certificates, OIDC or service account tokens instead.",
        eval: |f| flag(f, API, "token-auth-file", None, &|v| is_set(v).map(|s| !s)),
    },
    CheckDef {
        id: "1.2.3",
        title: "Ensure that the --DenyServiceExternalIPs is set",
        assessment: Assessment::Manual,
        rationale: "Service externalIPs let a user who can create Services intercept traffic for arbitrary addresses (CVE-2020-8554); the DenyServiceExternalIPs admission plugin blocks them.",
        remediation: "Add DenyServiceExternalIPs to --enable-admission-plugins, unless the cluster really uses externalIPs.",
        eval: |f| admission(f, "DenyServiceExternalIPs", true),
    },
    CheckDef {
        id: "1.2.4",
        title: "Ensure that the --kubelet-client-certificate and --kubelet-client-key arguments are set as appropriate",
        assessment: Automated,
        rationale: "The API server should authenticate to kubelets with a client certificate so kubelets can authorize its requests.",
        remediation: "Set --kubelet-client-certificate and --kubelet-client-key to the API server's kubelet client certificate and key.",
        eval: |f| {
            all_set(
                f,
                API,
                &["kubelet-client-certificate", "kubelet-client-key"],
            )
        },
    },
    CheckDef {
        id: "1.2.5",
        title: "Ensure that the --kubelet-certificate-authority argument is set as appropriate",
        assessment: Automated,
        rationale: "Without a CA for kubelet serving certificates the API server does not verify whom it talks to on the kubelet port, opening the way to man-in-the-middle attacks.",
        remediation: "Set --kubelet-certificate-authority to the CA that signs kubelet serving certificates (and have kubelets use CA-issued serving certificates).",
        eval: |f| flag(f, API, "kubelet-certificate-authority", None, &is_set),
    },
    CheckDef {
        id: "1.2.6",
        title: "Ensure that the --authorization-mode argument is not set to AlwaysAllow",
        assessment: Automated,
        rationale: "AlwaysAllow grants every authenticated request everything; authorization must be able to say no.",
        remediation: "Set --authorization-mode to Node,RBAC (or an equivalent authorization configuration) without AlwaysAllow.",
        eval: |f| authz(f, |m| !m.contains(&"AlwaysAllow")),
    },
    CheckDef {
        id: "1.2.7",
        title: "Ensure that the --authorization-mode argument includes Node",
        assessment: Automated,
        rationale: "The Node authorizer limits each kubelet to the objects of pods bound to its own node.",
        remediation: "Include Node in --authorization-mode (for example Node,RBAC).",
        eval: |f| authz(f, |m| m.contains(&"Node")),
    },
    CheckDef {
        id: "1.2.8",
        title: "Ensure that the --authorization-mode argument includes RBAC",
        assessment: Automated,
        rationale: "RBAC gives least-privilege, auditable access control for users and service accounts.",
        remediation: "Include RBAC in --authorization-mode (for example Node,RBAC).",
        eval: |f| authz(f, |m| m.contains(&"RBAC")),
    },
    CheckDef {
        id: "1.2.9",
        title: "Ensure that the admission control plugin EventRateLimit is set",
        assessment: Assessment::Manual,
        rationale: "EventRateLimit stops a flood of events from overwhelming the API server and etcd.",
        remediation: "Add EventRateLimit to --enable-admission-plugins and give --admission-control-config-file a limits configuration.",
        eval: |f| admission(f, "EventRateLimit", true),
    },
    CheckDef {
        id: "1.2.10",
        title: "Ensure that the admission control plugin AlwaysAdmit is not set",
        assessment: Automated,
        rationale: "AlwaysAdmit accepts every request regardless of the other admission controls.",
        remediation: "Remove AlwaysAdmit from --enable-admission-plugins.",
        eval: |f| admission(f, "AlwaysAdmit", false),
    },
    CheckDef {
        id: "1.2.11",
        title: "Ensure that the admission control plugin AlwaysPullImages is set",
        assessment: Assessment::Manual,
        rationale: "AlwaysPullImages makes every pod re-check its pull credentials, so a pod cannot reuse a private image another tenant pulled onto the node.",
        remediation: "Add AlwaysPullImages to --enable-admission-plugins if the cluster is multi-tenant and registry availability allows it.",
        eval: |f| admission(f, "AlwaysPullImages", true),
    },
    CheckDef {
        id: "1.2.12",
        title: "Ensure that the admission control plugin ServiceAccount is set",
        assessment: Automated,
        rationale: "The ServiceAccount plugin gives every pod a service account and checks the ones it names exist.",
        remediation: "Do not list ServiceAccount in --disable-admission-plugins.",
        eval: |f| admission(f, "ServiceAccount", true),
    },
    CheckDef {
        id: "1.2.13",
        title: "Ensure that the admission control plugin NamespaceLifecycle is set",
        assessment: Automated,
        rationale: "NamespaceLifecycle refuses objects in namespaces that are terminating or do not exist, and protects the system namespaces from deletion.",
        remediation: "Do not list NamespaceLifecycle in --disable-admission-plugins.",
        eval: |f| admission(f, "NamespaceLifecycle", true),
    },
    CheckDef {
        id: "1.2.14",
        title: "Ensure that the admission control plugin NodeRestriction is set",
        assessment: Automated,
        rationale: "NodeRestriction keeps a kubelet from modifying Node and Pod objects other than its own, containing a compromised node.",
        remediation: "Add NodeRestriction to --enable-admission-plugins (it is not enabled by default) and use --authorization-mode=Node.",
        eval: |f| admission(f, "NodeRestriction", true),
    },
    CheckDef {
        id: "1.2.15",
        title: "Ensure that the --profiling argument is set to false",
        assessment: Automated,
        rationale: R_PROFILING,
        remediation: "Add --profiling=false to the kube-apiserver command.",
        eval: |f| flag(f, API, "profiling", Some("true"), &want_bool(false)),
    },
    CheckDef {
        id: "1.2.16",
        title: "Ensure that the --audit-log-path argument is set",
        assessment: Automated,
        rationale: "An audit log records who did what against the API, which incident response and compliance need.",
        remediation: "Set --audit-log-path (for example /var/log/apiserver/audit.log) and an --audit-policy-file.",
        eval: |f| flag(f, API, "audit-log-path", None, &is_set),
    },
    CheckDef {
        id: "1.2.17",
        title: "Ensure that the --audit-log-maxage argument is set to 30 or as appropriate",
        assessment: Automated,
        rationale: "Audit logs must be kept long enough to investigate an incident after the fact.",
        remediation: "Set --audit-log-maxage=30 (or your retention requirement).",
        eval: |f| flag(f, API, "audit-log-maxage", None, &int_at_least(30)),
    },
    CheckDef {
        id: "1.2.18",
        title: "Ensure that the --audit-log-maxbackup argument is set to 10 or as appropriate",
        assessment: Automated,
        rationale: "Keeping enough rotated audit files preserves history across rotations.",
        remediation: "Set --audit-log-maxbackup=10 (or your retention requirement).",
        eval: |f| flag(f, API, "audit-log-maxbackup", None, &int_at_least(10)),
    },
    CheckDef {
        id: "1.2.19",
        title: "Ensure that the --audit-log-maxsize argument is set to 100 or as appropriate",
        assessment: Automated,
        rationale: "A rotation size that is too small loses history quickly; 100 MB per file is a sensible floor.",
        remediation: "Set --audit-log-maxsize=100 (or your retention requirement).",
        eval: |f| flag(f, API, "audit-log-maxsize", None, &int_at_least(100)),
    },
    CheckDef {
        id: "1.2.20",
        title: "Ensure that the --request-timeout argument is set as appropriate",
        assessment: Assessment::Manual,
        rationale: "Long request timeouts let slow clients tie up API server resources; the 60s default suits most clusters.",
        remediation: "Leave --request-timeout at its 60s default or set a value that fits large list/watch workloads.",
        eval: |f| {
            flag(f, API, "request-timeout", Some("1m0s"), &|v| {
                crate::flags::duration_is_zero(v.unwrap_or("")).map(|z| !z)
            })
        },
    },
    CheckDef {
        id: "1.2.21",
        title: "Ensure that the --service-account-lookup argument is set to true",
        assessment: Automated,
        rationale: "With lookup on, tokens of deleted service accounts stop working instead of staying valid until expiry.",
        remediation: "Remove --service-account-lookup=false (the default is true).",
        eval: |f| {
            flag(
                f,
                API,
                "service-account-lookup",
                Some("true"),
                &want_bool(true),
            )
        },
    },
    CheckDef {
        id: "1.2.22",
        title: "Ensure that the --service-account-key-file argument is set as appropriate",
        assessment: Automated,
        rationale: "An explicit public key file lets service account signing keys be rotated and verified deliberately.",
        remediation: "Set --service-account-key-file to the public key matching the controller manager's --service-account-private-key-file.",
        eval: |f| flag(f, API, "service-account-key-file", None, &is_set),
    },
    CheckDef {
        id: "1.2.23",
        title: "Ensure that the --etcd-certfile and --etcd-keyfile arguments are set as appropriate",
        assessment: Automated,
        rationale: "etcd holds every Secret; the API server should authenticate to it with a client certificate over TLS.",
        remediation: "Set --etcd-certfile and --etcd-keyfile to the API server's etcd client certificate and key.",
        eval: |f| all_set(f, API, &["etcd-certfile", "etcd-keyfile"]),
    },
    CheckDef {
        id: "1.2.24",
        title: "Ensure that the --tls-cert-file and --tls-private-key-file arguments are set as appropriate",
        assessment: Automated,
        rationale: "A CA-issued serving certificate lets clients verify the API server; without it a self-signed one is generated.",
        remediation: "Set --tls-cert-file and --tls-private-key-file to the API server's serving certificate and key.",
        eval: |f| all_set(f, API, &["tls-cert-file", "tls-private-key-file"]),
    },
    CheckDef {
        id: "1.2.25",
        title: "Ensure that the --client-ca-file argument is set as appropriate",
        assessment: Automated,
        rationale: "Without a client CA the API server cannot authenticate client certificates, which kubelets and control-plane components rely on.",
        remediation: "Set --client-ca-file to the cluster CA bundle.",
        eval: |f| flag(f, API, "client-ca-file", None, &is_set),
    },
    CheckDef {
        id: "1.2.26",
        title: "Ensure that the --etcd-cafile argument is set as appropriate",
        assessment: Automated,
        rationale: "The API server must verify etcd's serving certificate against a CA, or its connection to the cluster datastore can be intercepted.",
        remediation: "Set --etcd-cafile to the etcd CA certificate.",
        eval: |f| flag(f, API, "etcd-cafile", None, &is_set),
    },
    CheckDef {
        id: "1.2.27",
        title: "Ensure that the --encryption-provider-config argument is set as appropriate",
        assessment: Assessment::Manual,
        rationale: "Without an encryption configuration Secrets are stored in etcd in plain text.",
        remediation: "Write an EncryptionConfiguration and pass it with --encryption-provider-config.",
        eval: |f| flag(f, API, "encryption-provider-config", None, &is_set),
    },
    CheckDef {
        id: "1.2.28",
        title: "Ensure that encryption providers are appropriately configured",
        assessment: Assessment::Manual,
        rationale: "An encryption configuration whose first provider is identity still writes Secrets unencrypted.",
        remediation: "Put aescbc, secretbox or kms (v2) first for secrets in the EncryptionConfiguration.",
        eval: check_1_2_28,
    },
    CheckDef {
        id: "1.2.29",
        title: "Ensure that the API Server only makes use of Strong Cryptographic Ciphers",
        assessment: Assessment::Manual,
        rationale: "Weak TLS suites (CBC, RSA key exchange, 3DES, RC4) make API traffic easier to attack; unset, Go's default list includes some.",
        remediation: "Set --tls-cipher-suites to ECDHE suites with AEAD ciphers only.",
        eval: |f| flag(f, API, "tls-cipher-suites", None, &ciphers),
    },
    CheckDef {
        id: "1.2.30",
        title: "Ensure that the --service-account-extend-token-expiration parameter is set to false",
        assessment: Automated,
        rationale: "Extended expiration makes projected service account tokens valid for a year instead of their requested lifetime.",
        remediation: "Add --service-account-extend-token-expiration=false to the kube-apiserver command.",
        eval: |f| {
            flag(
                f,
                API,
                "service-account-extend-token-expiration",
                Some("true"),
                &want_bool(false),
            )
        },
    },
    CheckDef {
        id: "1.3.1",
        title: "Ensure that the --terminated-pod-gc-threshold argument is set as appropriate",
        assessment: Assessment::Manual,
        rationale: "A lower threshold garbage-collects terminated pods sooner; the default 12500 can keep a lot of state around.",
        remediation: "Set --terminated-pod-gc-threshold on the controller manager to a value suited to the cluster (for example 10).",
        eval: |f| {
            flag(f, CM, "terminated-pod-gc-threshold", Some("12500"), &|v| {
                Some(v != Some("12500"))
            })
        },
    },
    CheckDef {
        id: "1.3.2",
        title: "Ensure that the --profiling argument is set to false",
        assessment: Automated,
        rationale: R_PROFILING,
        remediation: "Add --profiling=false to the kube-controller-manager command.",
        eval: |f| flag(f, CM, "profiling", Some("true"), &want_bool(false)),
    },
    CheckDef {
        id: "1.3.3",
        title: "Ensure that the --use-service-account-credentials argument is set to true",
        assessment: Automated,
        rationale: "Separate service accounts per controller keep each controller at least privilege instead of sharing the manager's own credentials.",
        remediation: "Add --use-service-account-credentials=true to the kube-controller-manager command.",
        eval: |f| {
            flag(
                f,
                CM,
                "use-service-account-credentials",
                Some("false"),
                &want_bool(true),
            )
        },
    },
    CheckDef {
        id: "1.3.4",
        title: "Ensure that the --service-account-private-key-file argument is set as appropriate",
        assessment: Automated,
        rationale: "An explicit signing key for service account tokens allows planned rotation and matches the API server's verification key.",
        remediation: "Set --service-account-private-key-file on the controller manager to the service account signing key.",
        eval: |f| flag(f, CM, "service-account-private-key-file", None, &is_set),
    },
    CheckDef {
        id: "1.3.5",
        title: "Ensure that the --root-ca-file argument is set as appropriate",
        assessment: Automated,
        rationale: "With a root CA file, pods receive the CA bundle to verify the API server's serving certificate.",
        remediation: "Set --root-ca-file on the controller manager to the cluster CA certificate.",
        eval: |f| flag(f, CM, "root-ca-file", None, &is_set),
    },
    CheckDef {
        id: "1.3.6",
        title: "Ensure that the RotateKubeletServerCertificate argument is set to true",
        assessment: Automated,
        rationale: "The controller manager's side of kubelet serving certificate rotation must stay enabled for kubelets to renew their serving certificates.",
        remediation: "Do not set RotateKubeletServerCertificate=false in the controller manager's --feature-gates.",
        eval: check_1_3_6,
    },
    CheckDef {
        id: "1.3.7",
        title: "Ensure that the --bind-address argument is set to 127.0.0.1",
        assessment: Automated,
        rationale: R_BIND,
        remediation: "Add --bind-address=127.0.0.1 to the kube-controller-manager command.",
        eval: |f| flag(f, CM, "bind-address", Some("0.0.0.0"), &is_loopback),
    },
    CheckDef {
        id: "1.4.1",
        title: "Ensure that the --profiling argument is set to false",
        assessment: Automated,
        rationale: R_PROFILING,
        remediation: "Add --profiling=false to the kube-scheduler command.",
        eval: |f| flag(f, SCHED, "profiling", Some("true"), &want_bool(false)),
    },
    CheckDef {
        id: "1.4.2",
        title: "Ensure that the --bind-address argument is set to 127.0.0.1",
        assessment: Automated,
        rationale: R_BIND,
        remediation: "Add --bind-address=127.0.0.1 to the kube-scheduler command.",
        eval: |f| flag(f, SCHED, "bind-address", Some("0.0.0.0"), &is_loopback),
    },
];

use Assessment::Automated;

/// 1.2.28: the first provider for `secrets` in the encryption config.
fn check_1_2_28(f: &Facts) -> Outcome {
    let i = match need(f, API) {
        Ok(i) => i,
        Err(o) => return o,
    };
    let e = effective(i, "encryption-provider-config", None);
    let Some(path) = e.value.clone().filter(|p| !p.is_empty()) else {
        return Outcome::judge(false, vec![e.from]);
    };
    let path = absolute(&path);
    let inv = match read_objects(f.root, &path) {
        Ok(inv) => inv,
        Err(err) => {
            return Outcome::undecided(format!("{}; cannot read {path}: {err}", e.from));
        }
    };
    // The API server encrypts a resource with the first entry of
    // `resources` that names it (or a wildcard covering it: `*.` is every
    // resource of the core group, `*.*` every resource), and writes with
    // that entry's first provider.
    let covers_secrets = |names: &Node| {
        names.as_seq().is_some_and(|l| {
            l.iter()
                .filter_map(|n| n.as_str())
                .any(|n| matches!(n, "secrets" | "*." | "*.*"))
        })
    };
    let first = inv
        .objects
        .iter()
        .filter(|o| o.kind() == "EncryptionConfiguration")
        .filter_map(|o| o.root.get("resources")?.as_seq())
        .flatten()
        .find(|entry| entry.get("resources").is_some_and(covers_secrets))
        .and_then(|entry| entry.get("providers")?.as_seq()?.first())
        .and_then(|p| match &p.value {
            Value::Map(m) => m
                .first()
                .map(|e| (e.key.to_string(), p.start.line, &e.value)),
            _ => None,
        });
    match first {
        Some((p, line, settings)) => {
            let mut ev = vec![
                e.from,
                format!("the first provider for secrets in {path} (line {line}) is {p}"),
            ];
            match p.as_str() {
                // KMS v1 is what an unset `apiVersion` means.
                "kms" if settings.get("apiVersion").and_then(Node::as_str).is_none_or(|v| v == "v1") => ev.push(
                    "kms apiVersion v1 is deprecated since Kubernetes 1.28 and disabled by default since 1.29; move to kms v2".into(),
                ),
                "aescbc" => ev.push(
                    "aescbc is accepted by the benchmark but not recommended (vulnerable to padding oracle attacks); prefer kms v2 or secretbox".into(),
                ),
                "aesgcm" => ev.push(
                    "aesgcm is not among the benchmark's providers (aescbc, kms, secretbox): the Kubernetes docs require rotating its key every 200,000 writes".into(),
                ),
                _ => {}
            }
            Outcome::judge(matches!(p.as_str(), "aescbc" | "secretbox" | "kms"), ev)
        }
        None => Outcome::judge(
            false,
            vec![
                e.from,
                format!(
                    "{path} has no resources entry covering secrets: they are stored unencrypted"
                ),
            ],
        ),
    }
}

// ---------------------------------------------------------------------
// Section 2: etcd.

const ETCD: Component = Component::Etcd;

/// 2.7: etcd's trusted CA should not be the CA the API server trusts for
/// its clients, or every cluster client certificate could reach etcd.
/// The files' contents (SHA-256 of their bytes) are compared, not their
/// names: one CA copied to two paths is the same CA. Neither contents nor
/// digests reach the evidence.
fn check_2_7(f: &Facts) -> Outcome {
    let i = match need(f, ETCD) {
        Ok(i) => i,
        Err(o) => return o,
    };
    let etcd_ca = match resolve(f, i, "trusted-ca-file", None) {
        Ok(e) => e,
        Err(o) => return o,
    };
    let mut ev = vec![etcd_ca.from];
    let Some(etcd_ca) = etcd_ca.value.filter(|v| !v.is_empty()) else {
        return Outcome::judge(false, ev);
    };
    let Some(api) = f.discovery.find(API) else {
        ev.push("no kube-apiserver on this node to compare CAs with".into());
        return Outcome::new(Verdict::Undecided, ev);
    };
    let api_ca = effective(api, "client-ca-file", None);
    ev.push(api_ca.from);
    let Some(api_ca) = api_ca.value.filter(|v| !v.is_empty()) else {
        // The API server trusts no client CA, so shares none with etcd.
        return Outcome::judge(true, ev);
    };
    let (etcd_ca, api_ca) = (absolute(&etcd_ca), absolute(&api_ca));
    if etcd_ca == api_ca {
        ev.push(format!("both name {etcd_ca}: the same certificate"));
        return Outcome::judge(false, ev);
    }
    match (f.root.read(&etcd_ca), f.root.read(&api_ca)) {
        (Ok(a), Ok(b)) => {
            let same = Sha256::digest(&a) == Sha256::digest(&b);
            ev.push(format!(
                "{etcd_ca} and {api_ca}: {}",
                if same {
                    "same certificate (identical contents)"
                } else {
                    "different"
                }
            ));
            Outcome::judge(!same, ev)
        }
        (a, b) => {
            for (p, r) in [(&etcd_ca, a), (&api_ca, b)] {
                if let Err(e) = r {
                    ev.push(format!("cannot read {p}: {e}; the CAs cannot be compared"));
                }
            }
            Outcome::new(Verdict::Undecided, ev)
        }
    }
}

/// etcd checks, CIS Kubernetes Benchmark section 2, from etcd's flags,
/// `ETCD_*` environment variables or config file (see [`etcd_effective`]).
pub const ETCD_CHECKS: &[CheckDef] = &[
    CheckDef {
        id: "2.1",
        title: "Ensure that the --cert-file and --key-file arguments are set as appropriate",
        assessment: Automated,
        rationale: "etcd holds the whole cluster state, Secrets included; its client traffic must be encrypted with a real serving certificate.",
        remediation: "Set --cert-file and --key-file on etcd to its serving certificate and key.",
        eval: |f| all_set(f, ETCD, &["cert-file", "key-file"]),
    },
    CheckDef {
        id: "2.2",
        title: "Ensure that the --client-cert-auth argument is set to true",
        assessment: Automated,
        rationale: "Without client certificate authentication anyone who can reach etcd's client port can read and write cluster state.",
        remediation: "Add --client-cert-auth=true to the etcd command.",
        eval: |f| flag(f, ETCD, "client-cert-auth", Some("false"), &want_bool(true)),
    },
    CheckDef {
        id: "2.3",
        title: "Ensure that the --auto-tls argument is not set to true",
        assessment: Automated,
        rationale: "Auto TLS uses self-signed certificates that clients cannot verify.",
        remediation: "Remove --auto-tls or set it to false.",
        eval: |f| flag(f, ETCD, "auto-tls", Some("false"), &want_bool(false)),
    },
    CheckDef {
        id: "2.4",
        title: "Ensure that the --peer-cert-file and --peer-key-file arguments are set as appropriate",
        assessment: Automated,
        rationale: "Replication traffic between etcd members carries the same data as client traffic and must be encrypted too.",
        remediation: "Set --peer-cert-file and --peer-key-file on every etcd member (not needed for a single-member cluster).",
        eval: |f| all_set(f, ETCD, &["peer-cert-file", "peer-key-file"]),
    },
    CheckDef {
        id: "2.5",
        title: "Ensure that the --peer-client-cert-auth argument is set to true",
        assessment: Automated,
        rationale: "Members should only accept peers that present a certificate from the peer CA.",
        remediation: "Add --peer-client-cert-auth=true to the etcd command.",
        eval: |f| {
            flag(
                f,
                ETCD,
                "peer-client-cert-auth",
                Some("false"),
                &want_bool(true),
            )
        },
    },
    CheckDef {
        id: "2.6",
        title: "Ensure that the --peer-auto-tls argument is not set to true",
        assessment: Automated,
        rationale: "Self-signed peer certificates let anything join the member mesh without a trusted identity.",
        remediation: "Remove --peer-auto-tls or set it to false.",
        eval: |f| flag(f, ETCD, "peer-auto-tls", Some("false"), &want_bool(false)),
    },
    CheckDef {
        id: "2.7",
        title: "Ensure that a unique Certificate Authority is used for etcd",
        assessment: Assessment::Manual,
        rationale: "If etcd trusts the cluster's main CA, every certificate that CA issued (kubelets, users) can authenticate to etcd.",
        remediation: "Give etcd its own CA (--trusted-ca-file) distinct from the API server's --client-ca-file.",
        eval: check_2_7,
    },
];
