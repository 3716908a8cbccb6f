//! CIS Kubernetes Benchmark section 4 (worker node) checks.
//!
//! Each check is data ([`CheckDef`]: id, title, assessment, rationale,
//! remediation) plus one small function from the node's [`Facts`] to an
//! [`Outcome`]. File checks share [`mode_at_most`] and [`owned_by_root`].
//!
//! Status policy: a component that is absent gives `NotApplicable`; a
//! check the benchmark marks *Manual* gives `Warn` (a person must decide),
//! with the observed value and rampart's judgement in the evidence; an
//! automated check that cannot be decided (file unreadable, path unknown)
//! gives `Warn` too.

use serde::Serialize;

use crate::Benchmark;
use crate::discover::{Component, Discovery, Instance};
use crate::flags::{duration_is_zero, parse_bool};
use crate::kubelet::{ConfigFileChoice, KubeletConfig, Setting, Source};
use crate::root::{FileStat, NodeRoot, absolute};

/// Whether the benchmark scores a check automatically.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Assessment {
    Automated,
    Manual,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Status {
    Pass,
    Fail,
    /// Manual check, or an automated one rampart could not decide.
    Warn,
    /// The component the check is about is not on this node.
    NotApplicable,
}

/// The result of one check.
#[derive(Clone, Debug, Serialize)]
pub struct CheckResult {
    /// CIS id (`4.2.1`).
    pub id: &'static str,
    pub title: &'static str,
    pub assessment: Assessment,
    pub status: Status,
    /// What was observed and where it came from (paths, modes, owners,
    /// flag and config values; never file contents).
    pub evidence: Vec<String>,
    pub rationale: &'static str,
    pub remediation: &'static str,
    /// The node file the verdict is about (a judged file, or where the
    /// deciding value is set), for reports that point at files (SARIF).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<FileAt>,
}

/// A file on the node, and a line in it when known.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FileAt {
    pub path: String,
    /// 1-based; 0 when the whole file is meant.
    pub line: u32,
}

impl FileAt {
    pub fn file(path: impl Into<String>) -> FileAt {
        FileAt {
            path: path.into(),
            line: 0,
        }
    }
}

/// What a check function returns: a verdict, its evidence, and the file
/// it is about when one decides it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub verdict: Verdict,
    pub evidence: Vec<String>,
    pub location: Option<FileAt>,
}

/// A check function's judgement, before the Manual → Warn policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Fail,
    Undecided,
    NotApplicable,
}

impl Outcome {
    pub(crate) fn new(verdict: Verdict, evidence: Vec<String>) -> Outcome {
        Outcome {
            verdict,
            evidence,
            location: None,
        }
    }
    /// The same outcome, about `at`.
    pub(crate) fn at(mut self, at: Option<FileAt>) -> Outcome {
        self.location = at;
        self
    }
    pub(crate) fn na(why: impl Into<String>) -> Outcome {
        Outcome::new(Verdict::NotApplicable, vec![why.into()])
    }
    pub(crate) fn undecided(why: impl Into<String>) -> Outcome {
        Outcome::new(Verdict::Undecided, vec![why.into()])
    }
    pub(crate) fn judge(ok: bool, evidence: Vec<String>) -> Outcome {
        Outcome::new(if ok { Verdict::Pass } else { Verdict::Fail }, evidence)
    }
}

/// Everything the checks read, gathered once.
pub struct Facts<'a> {
    pub root: &'a NodeRoot,
    pub discovery: &'a Discovery,
    pub kubelet: Option<&'a KubeletConfig>,
    /// The benchmark version followed, where versions differ.
    pub benchmark: Benchmark,
}

impl Facts<'_> {
    fn instance(&self, c: Component) -> Option<&Instance> {
        self.discovery.find(c)
    }
}

/// A check: data and a function.
pub struct CheckDef {
    pub id: &'static str,
    pub title: &'static str,
    pub assessment: Assessment,
    pub rationale: &'static str,
    pub remediation: &'static str,
    pub eval: fn(&Facts) -> Outcome,
}

impl CheckDef {
    /// Runs the check and applies the status policy.
    pub fn run(&self, facts: &Facts) -> CheckResult {
        let Outcome {
            verdict,
            mut evidence,
            location,
        } = (self.eval)(facts);
        let status = match (verdict, self.assessment) {
            (Verdict::NotApplicable, _) => Status::NotApplicable,
            (Verdict::Undecided, _) => Status::Warn,
            (Verdict::Pass, Assessment::Automated) => Status::Pass,
            (Verdict::Fail, Assessment::Automated) => Status::Fail,
            (v, Assessment::Manual) => {
                evidence.push(format!(
                    "manual check: rampart's reading is {}; confirm it against your policy",
                    if v == Verdict::Pass { "PASS" } else { "FAIL" }
                ));
                Status::Warn
            }
        };
        self.result(status, evidence, location)
    }

    /// This check's result with `status`.
    pub fn result(
        &self,
        status: Status,
        evidence: Vec<String>,
        location: Option<FileAt>,
    ) -> CheckResult {
        CheckResult {
            id: self.id,
            title: self.title,
            assessment: self.assessment,
            status,
            evidence,
            rationale: self.rationale,
            remediation: self.remediation,
            location,
        }
    }
}

// ---------------------------------------------------------------------
// Generic file helpers.

/// Passes when `stat` has no permission bit outside `max` (`0o600`
/// allows 0600, 0400, 0000; setuid/setgid/sticky always fail).
pub fn mode_at_most(stat: &FileStat, max: u32) -> Outcome {
    let extra = stat.mode & !max & 0o7777;
    let mut ev = vec![format!("{} is {}", stat.path, stat.describe())];
    if extra != 0 {
        ev.push(format!(
            "permissions {:04o} go beyond {max:04o} (extra bits {extra:04o})",
            stat.mode
        ));
    }
    Outcome::judge(extra == 0, ev).at(Some(FileAt::file(&stat.path)))
}

/// Passes when the owner and group are named `root` in the node's own
/// `/etc/passwd` and `/etc/group`.
///
/// Id 0 with no entry in those files (a root without `/etc/passwd`) is
/// root too: the kernel, not the name, makes uid 0 root.
pub fn owned_by_root(stat: &FileStat) -> Outcome {
    let user_ok = stat.user == "root" || (stat.uid == 0 && stat.user == "0");
    let group_ok = stat.group == "root" || (stat.gid == 0 && stat.group == "0");
    Outcome::judge(
        user_ok && group_ok,
        vec![format!(
            "{} is owned by {}:{} (uid {}, gid {})",
            stat.path, stat.user, stat.group, stat.uid, stat.gid
        )],
    )
    .at(Some(FileAt::file(&stat.path)))
}

/// Applies `test` to every file in `paths` (all must pass); missing files
/// are noted; no existing file at all is `NotApplicable`.
pub(crate) fn files_check(
    root: &NodeRoot,
    paths: &[String],
    test: &dyn Fn(&FileStat) -> Outcome,
) -> Outcome {
    let mut evidence = Vec::new();
    let mut verdict = None;
    let mut location = None;
    for p in paths {
        match root.stat(p) {
            Ok(st) => {
                let o = test(&st);
                // The first failing file, else the first file judged.
                if location.is_none()
                    || o.verdict == Verdict::Fail && verdict != Some(Verdict::Fail)
                {
                    location = o.location;
                }
                verdict = Some(match (verdict, o.verdict) {
                    (_, Verdict::Fail) | (Some(Verdict::Fail), _) => Verdict::Fail,
                    (Some(Verdict::Undecided), _) => Verdict::Undecided,
                    (_, v) => v,
                });
                evidence.extend(o.evidence);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                evidence.push(format!("cannot stat {p}: {e}"));
                verdict = Some(verdict.unwrap_or(Verdict::Undecided));
            }
        }
    }
    match verdict {
        Some(v) => Outcome::new(v, evidence).at(location),
        None => Outcome::na(format!("not found: {}", paths.join(", "))),
    }
}

// ---------------------------------------------------------------------
// Paths the 4.1 checks look at.

/// Systemd unit files and drop-ins that configure the kubelet.
fn kubelet_service_files(root: &NodeRoot) -> Vec<String> {
    let mut out = Vec::new();
    // Every directory systemd loads units from, as discovery searches them.
    for dir in crate::discover::UNIT_DIRS {
        out.push(format!("{dir}/kubelet.service"));
        let dropins = format!("{dir}/kubelet.service.d");
        if let Ok(names) = root.read_dir(&dropins) {
            out.extend(
                names
                    .into_iter()
                    .filter(|n| n.ends_with(".conf"))
                    .map(|n| format!("{dropins}/{n}")),
            );
        }
    }
    out
}

fn need_kubelet<'a>(f: &'a Facts) -> Result<&'a KubeletConfig, Outcome> {
    f.kubelet
        .ok_or_else(|| Outcome::na("no kubelet process, static pod or kubelet config file found"))
}

fn kubelet_service(f: &Facts, test: &dyn Fn(&FileStat) -> Outcome) -> Outcome {
    if let Err(o) = need_kubelet(f) {
        return o;
    }
    files_check(f.root, &kubelet_service_files(f.root), test)
}

/// 4.1.2: v1.12 passes a node without a kubelet service file (kube-bench's
/// "File not found"); v2.0.1 dropped that pass, so a kubelet with no unit
/// file fails there.
fn check_4_1_2(f: &Facts) -> Outcome {
    let o = kubelet_service(f, &owned_by_root);
    if f.benchmark == Benchmark::Cis2_0
        && f.kubelet.is_some()
        && o.verdict == Verdict::NotApplicable
    {
        let mut ev = o.evidence;
        ev.push(
            "cis-2.0 has no \"file not found\" pass: a kubelet service file is required".into(),
        );
        return Outcome::judge(false, ev);
    }
    o
}

fn proxy_kubeconfig(f: &Facts, test: &dyn Fn(&FileStat) -> Outcome) -> Outcome {
    let Some(proxy) = f.instance(Component::KubeProxy) else {
        return Outcome::na("no kube-proxy process or static pod found");
    };
    // As for 4.3.1: with --config, kube-proxy replaces its whole
    // flag-built configuration by the file's (only logging flags and
    // --hostname-override survive), so --kubeconfig is ignored and the
    // kubeconfig is the file's clientConnection.kubeconfig.
    let flag = proxy.args.last("kubeconfig");
    let mut ignored = None;
    let (path, from) = match proxy.args.get("config").filter(|p| !p.is_empty()) {
        Some(cfg) => {
            let cfg = absolute(cfg);
            ignored = flag.map(|fl| {
                format!(
                    "{} is ignored by kube-proxy because --config is given",
                    fl.raw
                )
            });
            match proxy_config_field(f.root, &cfg, &["clientConnection", "kubeconfig"]) {
                Ok(Some((p, line))) => (p, format!("{cfg}:{line}")),
                Ok(None) => {
                    return Outcome::na(format!(
                        "kube-proxy uses no kubeconfig file (no clientConnection.kubeconfig in {cfg}; it uses in-cluster credentials)"
                    ));
                }
                Err(e) => {
                    return Outcome::undecided(format!(
                        "kube-proxy ({}) reads --config={cfg}, which cannot be read from this root ({e}); check its kubeconfig by hand",
                        proxy.origin
                    ));
                }
            }
        }
        None => match flag.filter(|fl| !fl.value.is_empty()) {
            Some(fl) => (
                fl.value.clone(),
                format!("flag {} ({})", fl.raw, proxy.origin),
            ),
            None => {
                return Outcome::na(format!(
                    "kube-proxy ({}) has neither --kubeconfig nor --config",
                    proxy.origin
                ));
            }
        },
    };
    let mut o = files_check(f.root, &[absolute(&path)], test);
    o.evidence
        .insert(0, format!("kube-proxy kubeconfig {path:?} from {from}"));
    o.evidence.extend(ignored);
    o
}

fn kubelet_kubeconfig(f: &Facts, test: &dyn Fn(&FileStat) -> Outcome) -> Outcome {
    let k = match need_kubelet(f) {
        Ok(k) => k,
        Err(o) => return o,
    };
    match k.kubeconfig.as_ref().and_then(|s| s.value.clone()) {
        Some(p) => {
            let mut o = files_check(f.root, &[absolute(&p)], test);
            o.evidence.insert(
                0,
                format!(
                    "kubelet --kubeconfig from {}",
                    k.kubeconfig
                        .as_ref()
                        .map(|s| s.source.to_string())
                        .unwrap_or_default()
                ),
            );
            o
        }
        // The command line is known and names no kubeconfig: a standalone
        // kubelet reads none, so there is no file to judge.
        None if k.instance.is_some() => Outcome::na(
            "the kubelet has no --kubeconfig (standalone mode): it reads no kubeconfig file",
        ),
        // A kubelet exists (its config file was found) but its command
        // line is not visible: assume kubeadm's location rather than
        // calling the check not applicable.
        None => {
            let assumed = format!(
                "the kubelet's command line is unknown; kubeadm's {KUBEADM_KUBELET_KUBECONFIG} is assumed"
            );
            let mut o = files_check(f.root, &[KUBEADM_KUBELET_KUBECONFIG.to_string()], test);
            if o.verdict == Verdict::NotApplicable {
                o = Outcome::undecided(format!(
                    "{assumed}, and it does not exist; check the kubelet's --kubeconfig by hand"
                ));
            } else {
                o.evidence.insert(0, assumed);
            }
            o
        }
    }
}

/// Where kubeadm points the kubelet's `--kubeconfig`.
const KUBEADM_KUBELET_KUBECONFIG: &str = "/etc/kubernetes/kubelet.conf";

fn client_ca(f: &Facts, test: &dyn Fn(&FileStat) -> Outcome) -> Outcome {
    let k = match need_kubelet(f) {
        Ok(k) => k,
        Err(o) => return o,
    };
    let s = k.get("authentication.x509.clientCAFile");
    match &s.value {
        Some(p) => {
            let mut o = files_check(f.root, &[absolute(p)], test);
            o.evidence
                .insert(0, format!("clientCAFile {}", s.describe()));
            o
        }
        None => Outcome::undecided(format!(
            "the kubelet has no client CA file: {}",
            s.describe()
        )),
    }
}

fn kubelet_config_file(f: &Facts, test: &dyn Fn(&FileStat) -> Outcome) -> Outcome {
    let k = match need_kubelet(f) {
        Ok(k) => k,
        Err(o) => return o,
    };
    if let Some(err) = &k.config_error {
        return Outcome::undecided(err.clone());
    }
    let Some(p) = &k.config_file else {
        return Outcome::na("the kubelet uses no config file");
    };
    // Drop-ins carry the same settings as the file and are judged alike.
    let mut paths = vec![p.clone()];
    paths.extend(k.drop_in_files.iter().cloned());
    let mut o = files_check(f.root, &paths, test);
    let how = match k.config_file_choice {
        Some(ConfigFileChoice::Assumed) => {
            "assumed: found at a well-known location, not named by --config"
        }
        _ => "named by --config",
    };
    o.evidence
        .insert(0, format!("kubelet config file {p} ({how})"));
    o
}

// ---------------------------------------------------------------------
// Kubelet settings.

/// Judges one effective kubelet setting with `ok`.
fn setting(f: &Facts, key: &str, ok: &dyn Fn(Option<&str>) -> Option<bool>) -> Outcome {
    let k = match need_kubelet(f) {
        Ok(k) => k,
        Err(o) => return o,
    };
    let s = k.get(key);
    let ev = vec![format!("{key} = {}", s.describe())];
    let at = setting_at(f, k, s);
    if let (Source::Default { .. }, Some(err)) = (&s.source, &k.config_error) {
        return Outcome::new(Verdict::Undecided, vec![ev[0].clone(), err.clone()]).at(at);
    }
    match ok(s.value.as_deref()) {
        Some(b) => Outcome::judge(b, ev).at(at),
        None => Outcome::new(Verdict::Undecided, ev).at(at),
    }
}

/// Where a kubelet setting is changed: the config line that sets it, the
/// command line for a flag, else (a default) the config file it belongs
/// in, or the command line when there is none.
fn setting_at(f: &Facts, k: &KubeletConfig, s: &Setting) -> Option<FileAt> {
    let cmdline = || {
        f.instance(Component::Kubelet)
            .map(|i| FileAt::file(i.origin.file()))
    };
    match &s.source {
        Source::File { path, line } => Some(FileAt {
            path: path.clone(),
            line: *line,
        }),
        Source::Flag { .. } => cmdline(),
        Source::Default { .. } => k.config_file.as_ref().map(FileAt::file).or_else(cmdline),
    }
}

fn is_bool(want: bool) -> impl Fn(Option<&str>) -> Option<bool> {
    move |v| v.and_then(parse_bool).map(|b| b == want)
}

/// TLS cipher suites the benchmark's guidance accepts as strong.
pub(crate) const STRONG_CIPHERS: &[&str] = &[
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
];

fn check_4_2_11(f: &Facts) -> Outcome {
    let k = match need_kubelet(f) {
        Ok(k) => k,
        Err(o) => return o,
    };
    let bootstrap = k.get("serverTLSBootstrap");
    let gate = k.feature_gate("RotateKubeletServerCertificate");
    let mut ev = vec![format!("serverTLSBootstrap = {}", bootstrap.describe())];
    let gate_on = match gate {
        Some(g) => {
            ev.push(format!(
                "feature gate RotateKubeletServerCertificate = {}",
                g.describe()
            ));
            g.as_bool() != Some(false)
        }
        None => {
            ev.push(
                "feature gate RotateKubeletServerCertificate not set (enabled by default since Kubernetes 1.12)"
                    .to_string(),
            );
            true
        }
    };
    Outcome::judge(gate_on && bootstrap.as_bool() == Some(true), ev).at(setting_at(f, k, bootstrap))
}

fn check_4_2_12(f: &Facts) -> Outcome {
    let k = match need_kubelet(f) {
        Ok(k) => k,
        Err(o) => return o,
    };
    let s = k.get("tlsCipherSuites");
    let mut ev = vec![format!("tlsCipherSuites = {}", s.describe())];
    let at = setting_at(f, k, s);
    match &s.value {
        None => {
            ev.push("no list: Go's default suites are used, which include CBC-mode suites".into());
            Outcome::judge(false, ev).at(at)
        }
        Some(list) => {
            let weak: Vec<&str> = list
                .split(',')
                .filter(|c| !STRONG_CIPHERS.contains(c))
                .collect();
            if !weak.is_empty() {
                ev.push(format!("not on the strong list: {}", weak.join(", ")));
            }
            Outcome::judge(weak.is_empty(), ev).at(at)
        }
    }
}

fn check_4_2_7(f: &Facts) -> Outcome {
    let k = match need_kubelet(f) {
        Ok(k) => k,
        Err(o) => return o,
    };
    if k.instance.is_none() {
        return Outcome::undecided(
            "the kubelet command line is unknown (no running kubelet found)",
        );
    }
    match &k.hostname_override {
        Some(s) => Outcome::judge(
            false,
            vec![format!("--hostname-override = {}", s.describe())],
        )
        .at(setting_at(f, k, s)),
        None => Outcome::judge(true, vec!["--hostname-override is not set".into()]),
    }
}

fn check_4_2_9(f: &Facts) -> Outcome {
    let k = match need_kubelet(f) {
        Ok(k) => k,
        Err(o) => return o,
    };
    let cert = k.get("tlsCertFile");
    let key = k.get("tlsPrivateKeyFile");
    let bootstrap = k.get("serverTLSBootstrap");
    let ev = vec![
        format!("tlsCertFile = {}", cert.describe()),
        format!("tlsPrivateKeyFile = {}", key.describe()),
        format!("serverTLSBootstrap = {}", bootstrap.describe()),
    ];
    let ok = (cert.value.is_some() && key.value.is_some()) || bootstrap.as_bool() == Some(true);
    // Where the deciding value lives: the certificate, else bootstrapping.
    let decided_by = if cert.value.is_some() {
        cert
    } else {
        bootstrap
    };
    Outcome::judge(ok, ev).at(setting_at(f, k, decided_by))
}

fn check_4_3_1(f: &Facts) -> Outcome {
    let Some(proxy) = f.instance(Component::KubeProxy) else {
        return Outcome::na("no kube-proxy process or static pod found");
    };
    let flag = proxy.args.last("metrics-bind-address");
    let mut evidence = Vec::new();
    // kube-proxy ignores --metrics-bind-address when --config is given.
    let cmdline = FileAt::file(proxy.origin.file());
    let (value, from, at) = match proxy.args.get("config").filter(|p| !p.is_empty()) {
        Some(cfg) => {
            let cfg = absolute(cfg);
            if let Some(flag) = flag {
                evidence.push(format!(
                    "{} is ignored by kube-proxy because --config is given",
                    flag.raw
                ));
            }
            match proxy_config_field(f.root, &cfg, &["metricsBindAddress"]) {
                Ok(Some((v, line))) => (
                    v,
                    format!("{cfg}:{line}"),
                    FileAt {
                        path: cfg.clone(),
                        line,
                    },
                ),
                Ok(None) => (
                    DEFAULT_PROXY_METRICS.to_string(),
                    format!("default (not set in {cfg})"),
                    FileAt::file(&cfg),
                ),
                Err(e) => {
                    return Outcome::undecided(format!(
                        "kube-proxy ({}) reads --config={cfg}, which cannot be read from this root ({e}); when kube-proxy runs as a DaemonSet the file comes from a ConfigMap",
                        proxy.origin
                    ));
                }
            }
        }
        None => match flag {
            Some(flag) => (
                flag.value.clone(),
                format!("flag {} ({})", flag.raw, proxy.origin),
                cmdline,
            ),
            None => (
                DEFAULT_PROXY_METRICS.to_string(),
                "default (kube-proxy flag default)".to_string(),
                cmdline,
            ),
        },
    };
    let host = value
        .rsplit_once(':')
        .map_or(value.as_str(), |(h, _)| h)
        .trim_start_matches('[')
        .trim_end_matches(']');
    // An empty address disables the metrics server.
    let ok = value.is_empty() || matches!(host, "127.0.0.1" | "localhost" | "::1");
    evidence.insert(0, format!("metricsBindAddress {value:?} from {from}"));
    Outcome::judge(ok, evidence).at(Some(at))
}

/// kube-proxy's default metrics address (flag and config file alike).
const DEFAULT_PROXY_METRICS: &str = "127.0.0.1:10249";

/// The objects of a YAML or JSON config file under the root, read as
/// rampart reads any manifest (YAML 1.1 as Kubernetes reads it).
pub(crate) fn read_objects(
    root: &NodeRoot,
    path: &str,
) -> std::io::Result<rampart_core::Inventory> {
    let text = root.read_to_string(path)?;
    let src = rampart_core::source::SourceFile {
        name: std::sync::Arc::from(path),
        text,
    };
    Ok(rampart_core::Inventory::from_sources(
        vec![src],
        Vec::new(),
        Default::default(),
    ))
}

/// A string field of kube-proxy's config file, with its line.
fn proxy_config_field(
    root: &NodeRoot,
    path: &str,
    keys: &[&str],
) -> std::io::Result<Option<(String, u32)>> {
    let inv = read_objects(root, path)?;
    Ok(inv.objects.iter().find_map(|o| {
        let n = o.root.path(keys)?;
        Some((n.as_str()?.to_string(), n.start.line))
    }))
}

// ---------------------------------------------------------------------
// The catalog.

const PERM_RATIONALE_SERVICE: &str = "The kubelet's systemd unit and drop-ins decide which flags it starts with; anyone who can write them can turn off its authentication on the next restart.";
const OWN_RATIONALE_SERVICE: &str = "Only root should be able to change how the kubelet is started; a non-root owner can rewrite its flags.";
const PERM_RATIONALE_KUBECONFIG: &str = "A kubeconfig holds the credentials a component uses against the API server; readable by others it hands out those credentials, writable it can redirect the component.";
const OWN_RATIONALE_KUBECONFIG: &str = "A kubeconfig that a non-root user owns can be read or replaced by that user, exposing or redirecting the component's API credentials.";

/// Worker node checks, CIS Kubernetes Benchmark section 4.
pub const NODE_CHECKS: &[CheckDef] = &[
    CheckDef {
        id: "4.1.1",
        title: "Ensure that the kubelet service file permissions are set to 600 or more restrictive",
        assessment: Assessment::Automated,
        rationale: PERM_RATIONALE_SERVICE,
        remediation: "chmod 600 each kubelet unit file and drop-in (for example /etc/systemd/system/kubelet.service.d/10-kubeadm.conf).",
        eval: |f| kubelet_service(f, &|s| mode_at_most(s, 0o600)),
    },
    CheckDef {
        id: "4.1.2",
        title: "Ensure that the kubelet service file ownership is set to root:root",
        assessment: Assessment::Automated,
        rationale: OWN_RATIONALE_SERVICE,
        remediation: "chown root:root each kubelet unit file and drop-in.",
        eval: check_4_1_2,
    },
    CheckDef {
        id: "4.1.3",
        title: "If proxy kubeconfig file exists ensure permissions are set to 600 or more restrictive",
        assessment: Assessment::Manual,
        rationale: PERM_RATIONALE_KUBECONFIG,
        remediation: "chmod 600 the file kube-proxy's --kubeconfig names.",
        eval: |f| proxy_kubeconfig(f, &|s| mode_at_most(s, 0o600)),
    },
    CheckDef {
        id: "4.1.4",
        title: "If proxy kubeconfig file exists ensure ownership is set to root:root",
        assessment: Assessment::Manual,
        rationale: OWN_RATIONALE_KUBECONFIG,
        remediation: "chown root:root the file kube-proxy's --kubeconfig names.",
        eval: |f| proxy_kubeconfig(f, &owned_by_root),
    },
    CheckDef {
        id: "4.1.5",
        title: "Ensure that the --kubeconfig kubelet.conf file permissions are set to 600 or more restrictive",
        assessment: Assessment::Automated,
        rationale: PERM_RATIONALE_KUBECONFIG,
        remediation: "chmod 600 the file the kubelet's --kubeconfig names (kubeadm: /etc/kubernetes/kubelet.conf).",
        eval: |f| kubelet_kubeconfig(f, &|s| mode_at_most(s, 0o600)),
    },
    CheckDef {
        id: "4.1.6",
        title: "Ensure that the --kubeconfig kubelet.conf file ownership is set to root:root",
        assessment: Assessment::Automated,
        rationale: OWN_RATIONALE_KUBECONFIG,
        remediation: "chown root:root the file the kubelet's --kubeconfig names.",
        eval: |f| kubelet_kubeconfig(f, &owned_by_root),
    },
    CheckDef {
        id: "4.1.7",
        title: "Ensure that the certificate authorities file permissions are set to 644 or more restrictive",
        assessment: Assessment::Manual,
        rationale: "The client CA bundle decides which client certificates the kubelet trusts; whoever can write it can add a CA and mint credentials the kubelet accepts.",
        remediation: "chmod 644 (or stricter) the kubelet's clientCAFile.",
        eval: |f| client_ca(f, &|s| mode_at_most(s, 0o644)),
    },
    CheckDef {
        id: "4.1.8",
        title: "Ensure that the client certificate authorities file ownership is set to root:root",
        assessment: Assessment::Manual,
        rationale: "A client CA bundle owned by a non-root user can be replaced by that user, who then decides whom the kubelet trusts.",
        remediation: "chown root:root the kubelet's clientCAFile.",
        eval: |f| client_ca(f, &owned_by_root),
    },
    CheckDef {
        id: "4.1.9",
        title: "If the kubelet config.yaml configuration file is being used validate permissions set to 600 or more restrictive",
        assessment: Assessment::Automated,
        rationale: "The kubelet config file carries its authentication, authorization and TLS settings; writable by others, they can be weakened.",
        remediation: "chmod 600 the file the kubelet's --config names.",
        eval: |f| kubelet_config_file(f, &|s| mode_at_most(s, 0o600)),
    },
    CheckDef {
        id: "4.1.10",
        title: "If the kubelet config.yaml configuration file is being used validate file ownership is set to root:root",
        assessment: Assessment::Automated,
        rationale: "A kubelet config file owned by a non-root user lets that user change the kubelet's security settings.",
        remediation: "chown root:root the file the kubelet's --config names.",
        eval: |f| kubelet_config_file(f, &owned_by_root),
    },
    CheckDef {
        id: "4.2.1",
        title: "Ensure that the --anonymous-auth argument is set to false",
        assessment: Assessment::Automated,
        rationale: "With anonymous access on, requests no authenticator rejects reach the kubelet API as system:anonymous; only authenticated callers should get that far.",
        remediation: "Set authentication.anonymous.enabled: false in the kubelet config file (or --anonymous-auth=false) and restart the kubelet.",
        eval: |f| setting(f, "authentication.anonymous.enabled", &is_bool(false)),
    },
    CheckDef {
        id: "4.2.2",
        title: "Ensure that the --authorization-mode argument is not set to AlwaysAllow",
        assessment: Assessment::Automated,
        rationale: "AlwaysAllow lets every authenticated (or anonymous) caller run commands in pods through the kubelet API; Webhook asks the API server instead.",
        remediation: "Set authorization.mode: Webhook in the kubelet config file (or --authorization-mode=Webhook) and restart the kubelet.",
        eval: |f| setting(f, "authorization.mode", &|v| v.map(|m| m != "AlwaysAllow")),
    },
    CheckDef {
        id: "4.2.3",
        title: "Ensure that the --client-ca-file argument is set as appropriate",
        assessment: Assessment::Automated,
        rationale: "Without a client CA the kubelet cannot verify client certificates, so the API server's connections to it are not authenticated by certificate.",
        remediation: "Set authentication.x509.clientCAFile to the cluster CA bundle (or --client-ca-file) and restart the kubelet.",
        eval: |f| {
            setting(f, "authentication.x509.clientCAFile", &|v| {
                Some(v.is_some())
            })
        },
    },
    CheckDef {
        id: "4.2.4",
        title: "Verify that if defined, the --read-only-port argument is set to 0",
        assessment: Assessment::Manual,
        rationale: "The read-only port serves pod and node data with no authentication or authorization at all.",
        remediation: "Set readOnlyPort: 0 in the kubelet config file (or --read-only-port=0) and restart the kubelet.",
        eval: |f| setting(f, "readOnlyPort", &|v| v.map(|p| p.trim() == "0")),
    },
    CheckDef {
        id: "4.2.5",
        title: "Ensure that the --streaming-connection-idle-timeout argument is not set to 0",
        assessment: Assessment::Manual,
        rationale: "A zero timeout keeps idle exec/attach/port-forward streams open forever, inviting resource exhaustion.",
        remediation: "Set streamingConnectionIdleTimeout to a non-zero duration such as 5m (or --streaming-connection-idle-timeout=5m).",
        eval: |f| {
            setting(f, "streamingConnectionIdleTimeout", &|v| {
                v.and_then(duration_is_zero).map(|z| !z)
            })
        },
    },
    CheckDef {
        id: "4.2.6",
        title: "Ensure that the --make-iptables-util-chains argument is set to true",
        assessment: Assessment::Automated,
        rationale: "When the kubelet manages its iptables utility chains, pod networking rules stay consistent with the kubelet's view instead of drifting.",
        remediation: "Set makeIPTablesUtilChains: true (or remove --make-iptables-util-chains=false) and restart the kubelet.",
        eval: |f| setting(f, "makeIPTablesUtilChains", &is_bool(true)),
    },
    CheckDef {
        id: "4.2.7",
        title: "Ensure that the --hostname-override argument is not set",
        assessment: Assessment::Manual,
        rationale: "An overridden hostname can break the match between the node name and its serving certificate, weakening TLS verification between API server and kubelet.",
        remediation: "Remove --hostname-override from the kubelet's command line (some cloud providers need it; document the exception).",
        eval: check_4_2_7,
    },
    CheckDef {
        id: "4.2.8",
        title: "Ensure that the eventRecordQPS argument is set to a level which ensures appropriate event capture",
        assessment: Assessment::Manual,
        rationale: "Too low an event rate drops security-relevant events; 0 means no limit, which can flood the API server. The right level is site-specific.",
        remediation: "Set eventRecordQPS in the kubelet config file (or --event-qps) to a level that fits your event volume.",
        eval: |f| {
            setting(f, "eventRecordQPS", &|v| {
                v.and_then(|q| q.trim().parse::<i64>().ok()).map(|q| q >= 0)
            })
        },
    },
    CheckDef {
        id: "4.2.9",
        title: "Ensure that the --tls-cert-file and --tls-private-key-file arguments are set as appropriate",
        assessment: Assessment::Manual,
        rationale: "Without a CA-issued serving certificate the kubelet serves a self-signed one, and its clients cannot verify whom they talk to.",
        remediation: "Set tlsCertFile and tlsPrivateKeyFile (or --tls-cert-file/--tls-private-key-file), or enable serverTLSBootstrap.",
        eval: check_4_2_9,
    },
    CheckDef {
        id: "4.2.10",
        title: "Ensure that the --rotate-certificates argument is not set to false",
        assessment: Assessment::Automated,
        rationale: "Client certificate rotation renews the kubelet's API credentials before they expire, avoiding outages and long-lived credentials.",
        remediation: "Set rotateCertificates: true in the kubelet config file (or --rotate-certificates) and restart the kubelet.",
        eval: |f| setting(f, "rotateCertificates", &is_bool(true)),
    },
    CheckDef {
        id: "4.2.11",
        title: "Verify that the RotateKubeletServerCertificate argument is set to true",
        assessment: Assessment::Manual,
        rationale: "Rotating the serving certificate keeps the kubelet's TLS identity short-lived and CA-issued.",
        remediation: "Set serverTLSBootstrap: true and leave the RotateKubeletServerCertificate feature gate enabled; approve the kubelet serving CSRs.",
        eval: check_4_2_11,
    },
    CheckDef {
        id: "4.2.12",
        title: "Ensure that the Kubelet only makes use of Strong Cryptographic Ciphers",
        assessment: Assessment::Manual,
        rationale: "Weak TLS suites (CBC, RSA key exchange, 3DES, RC4) make kubelet traffic easier to attack.",
        remediation: "Set tlsCipherSuites to AEAD suites with ECDHE key exchange only (or --tls-cipher-suites).",
        eval: check_4_2_12,
    },
    CheckDef {
        id: "4.2.13",
        title: "Ensure that a limit is set on pod PIDs",
        assessment: Assessment::Manual,
        rationale: "Without a PID limit one pod can fork until the node runs out of process ids, starving every other workload.",
        remediation: "Set podPidsLimit to a positive value suited to the node (or --pod-max-pids).",
        eval: |f| {
            setting(f, "podPidsLimit", &|v| {
                v.and_then(|q| q.trim().parse::<i64>().ok()).map(|q| q > 0)
            })
        },
    },
    CheckDef {
        id: "4.2.14",
        title: "Ensure that the --seccomp-default parameter is set to true",
        assessment: Assessment::Manual,
        rationale: "With seccompDefault, containers that set no seccomp profile get the runtime's default profile instead of running unconfined.",
        remediation: "Set seccompDefault: true in the kubelet config file (or --seccomp-default) and restart the kubelet.",
        eval: |f| setting(f, "seccompDefault", &is_bool(true)),
    },
    CheckDef {
        id: "4.3.1",
        title: "Ensure that the kube-proxy metrics service is bound to localhost",
        assessment: Assessment::Automated,
        rationale: "kube-proxy's metrics endpoint is unauthenticated; bound to all interfaces it leaks cluster networking details to anyone who can reach the node.",
        remediation: "Set metricsBindAddress: 127.0.0.1:10249 in kube-proxy's config (or --metrics-bind-address=127.0.0.1:10249).",
        eval: check_4_3_1,
    },
];
