//! Finding the Kubernetes components of a node: running processes from
//! `<root>/proc/<pid>/cmdline`, and static pods from the kubelet's static
//! pod directory (`staticPodPath`, kubeadm's `/etc/kubernetes/manifests`
//! when the kubelet names none).

use std::sync::Arc;

use rampart_core::Diagnostic;
use rampart_core::source::SourceFile;
use rampart_core::yaml::Limits;
use serde::Serialize;

use crate::flags::{Args, FlagKind};
use crate::root::{NodeRoot, absolute};

/// Where static pod manifests live on a kubeadm node; assumed when the
/// kubelet names no `staticPodPath` (or no kubelet is found).
pub const MANIFEST_DIR: &str = "/etc/kubernetes/manifests";

/// A Kubernetes component rampart knows how to check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Component {
    Kubelet,
    KubeProxy,
    KubeApiserver,
    KubeControllerManager,
    KubeScheduler,
    Etcd,
}

impl Component {
    pub const ALL: [Component; 6] = [
        Component::Kubelet,
        Component::KubeProxy,
        Component::KubeApiserver,
        Component::KubeControllerManager,
        Component::KubeScheduler,
        Component::Etcd,
    ];

    /// The binary name (`kube-apiserver`).
    pub fn binary(self) -> &'static str {
        match self {
            Component::Kubelet => "kubelet",
            Component::KubeProxy => "kube-proxy",
            Component::KubeApiserver => "kube-apiserver",
            Component::KubeControllerManager => "kube-controller-manager",
            Component::KubeScheduler => "kube-scheduler",
            Component::Etcd => "etcd",
        }
    }

    /// The component a binary name (or `hyperkube` subcommand) stands for.
    pub fn from_binary(name: &str) -> Option<Component> {
        let name = name.rsplit('/').next().unwrap_or(name);
        Component::ALL.into_iter().find(|c| c.binary() == name)
    }
}

/// Where a component's command line was found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Origin {
    /// A running process: `/proc/<pid>/cmdline`.
    Process { pid: u32 },
    /// A container of a static pod manifest.
    Manifest { path: String, container: String },
    /// No running process: the `ExecStart=` of a systemd unit (with its
    /// drop-ins and environment files applied), i.e. what would run at
    /// the next start.
    SystemdUnit { path: String },
}

impl Origin {
    /// The file holding the command line.
    pub fn file(&self) -> String {
        match self {
            Origin::Process { pid } => format!("/proc/{pid}/cmdline"),
            Origin::Manifest { path, .. } | Origin::SystemdUnit { path } => path.clone(),
        }
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Process { pid } => write!(f, "/proc/{pid}/cmdline"),
            Origin::Manifest { path, container } => write!(f, "{path} (container {container})"),
            Origin::SystemdUnit { path } => write!(f, "systemd unit {path} (not running)"),
        }
    }
}

/// One discovered component instance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Instance {
    pub component: Component,
    pub origin: Origin,
    /// argv\[0\] (or the container command's first element).
    pub program: String,
    pub args: Args,
    /// `ETCD_*` environment variables of an etcd instance (static pod
    /// `env:` values, or `/proc/<pid>/environ`): etcd reads flag `x-y`
    /// from `ETCD_X_Y` when its command line does not set it. Never
    /// serialized: evidence names only the variables a check reads.
    #[serde(skip)]
    pub env: Vec<(String, String)>,
}

/// Everything discovery found.
#[derive(Debug, Default, Serialize)]
pub struct Discovery {
    /// Running processes first (they are what is in effect), then static
    /// pod containers, each in path order.
    pub instances: Vec<Instance>,
    /// The static pod directory that was read (node path).
    pub manifest_dir: String,
    /// Why that directory: the kubelet setting it came from, or the
    /// kubeadm default.
    pub manifest_dir_from: String,
    /// Kubernetes distributions rampart does not model yet (k3s, …), with
    /// where they were seen.
    pub unsupported: Vec<String>,
    #[serde(skip)]
    pub diagnostics: Vec<Diagnostic>,
}

impl Discovery {
    /// The instance that is in effect for `component`: a running process
    /// if there is one, else a static pod manifest.
    pub fn find(&self, component: Component) -> Option<&Instance> {
        self.instances.iter().find(|i| i.component == component)
    }
}

/// Boolean flags every Kubernetes component registers (component-base and
/// klog logging flags, `--help`, `--version`).
const COMMON_BOOL_FLAGS: &[&str] = &[
    "add-dir-header",
    "alsologtostderr",
    "help",
    "log-json-split-stream",
    "log-text-split-stream",
    "logtostderr",
    "one-output",
    "skip-headers",
    "skip-log-headers",
    "version",
];

/// Boolean flags of kube-apiserver (`cmd/kube-apiserver/app/options` and
/// the generic apiserver options it embeds).
const APISERVER_BOOL_FLAGS: &[&str] = &[
    "allow-privileged",
    "anonymous-auth",
    "audit-log-batch-throttle-enable",
    "audit-log-compress",
    "audit-log-truncate-enabled",
    "audit-webhook-batch-throttle-enable",
    "audit-webhook-truncate-enabled",
    "contention-profiling",
    "enable-aggregator-routing",
    "enable-bootstrap-token-auth",
    "enable-garbage-collector",
    "enable-logs-handler",
    "enable-priority-and-fairness",
    "encryption-provider-config-automatic-reload",
    "kubelet-https",
    "permit-address-sharing",
    "permit-port-sharing",
    "profiling",
    "service-account-extend-token-expiration",
    "service-account-lookup",
    "watch-cache",
];

/// Boolean flags of kube-controller-manager.
const CONTROLLER_MANAGER_BOOL_FLAGS: &[&str] = &[
    "allocate-node-cidrs",
    "authentication-skip-lookup",
    "authentication-tolerate-lookup-failure",
    "configure-cloud-routes",
    "contention-profiling",
    "disable-attach-detach-reconcile-sync",
    "enable-dynamic-provisioning",
    "enable-garbage-collector",
    "enable-hostpath-provisioner",
    "enable-leader-migration",
    "enable-taint-manager",
    "leader-elect",
    "permit-address-sharing",
    "permit-port-sharing",
    "profiling",
    "use-service-account-credentials",
];

/// Boolean flags of kube-scheduler.
const SCHEDULER_BOOL_FLAGS: &[&str] = &[
    "authentication-skip-lookup",
    "authentication-tolerate-lookup-failure",
    "contention-profiling",
    "leader-elect",
    "permit-address-sharing",
    "permit-port-sharing",
    "profiling",
];

/// Boolean flags of the kubelet (`--read-only-port` is a number).
const KUBELET_BOOL_FLAGS: &[&str] = &[
    "anonymous-auth",
    "authentication-token-webhook",
    "cgroups-per-qos",
    "cpu-cfs-quota",
    "enable-controller-attach-detach",
    "enable-debugging-handlers",
    "enable-server",
    "exit-on-lock-contention",
    "fail-cgroupv1",
    "fail-swap-on",
    "kernel-memcg-notification",
    "keep-terminated-pod-volumes",
    "local-storage-capacity-isolation",
    "make-iptables-util-chains",
    "protect-kernel-defaults",
    "register-node",
    "register-schedulable",
    "rotate-certificates",
    "rotate-server-certificates",
    "runonce",
    "seccomp-default",
    "serialize-image-pulls",
];

/// Boolean flags of kube-proxy.
const PROXY_BOOL_FLAGS: &[&str] = &[
    "bind-address-hard-fail",
    "cleanup",
    "init-only",
    "iptables-localhost-nodeports",
    "ipvs-strict-arp",
    "masquerade-all",
    "profiling",
];

/// Boolean flags of etcd (Go `flag` names, without dashes).
const ETCD_BOOL_FLAGS: &[&str] = &[
    "auto-tls",
    "client-cert-auth",
    "debug",
    "enable-grpc-gateway",
    "enable-pprof",
    "enable-v2",
    "experimental-enable-distributed-tracing",
    "experimental-enable-lease-checkpoint",
    "experimental-initial-corrupt-check",
    "experimental-memory-mlock",
    "experimental-peer-skip-client-san-verification",
    "force-new-cluster",
    "help",
    "peer-auto-tls",
    "peer-client-cert-auth",
    "pre-vote",
    "socket-reuse-address",
    "socket-reuse-port",
    "strict-reconfig-check",
    "unsafe-no-fsync",
    "version",
];

/// Whether `name` is a boolean flag of `component`: each binary defines
/// its own flags, and the parser decides by the flag's type in *that*
/// binary whether `--name value` takes `value`. A name missing here that
/// is really boolean would make `--name positional` read `positional` as
/// its value; these components take no positional arguments, so that
/// cannot change a flag rampart reads.
pub fn is_bool_flag(component: Component, name: &str) -> bool {
    let own = match component {
        Component::KubeApiserver => APISERVER_BOOL_FLAGS,
        Component::KubeControllerManager => CONTROLLER_MANAGER_BOOL_FLAGS,
        Component::KubeScheduler => SCHEDULER_BOOL_FLAGS,
        Component::Kubelet => KUBELET_BOOL_FLAGS,
        Component::KubeProxy => PROXY_BOOL_FLAGS,
        // etcd registers no Kubernetes logging flags.
        Component::Etcd => return ETCD_BOOL_FLAGS.contains(&name),
    };
    own.contains(&name) || COMMON_BOOL_FLAGS.contains(&name)
}

/// Non-boolean flags rampart reads, by their names in every component
/// that defines them: `--name next` takes `next` as the value even when
/// it starts with `-` (pflag and Go's `flag` both do), so
/// `--config --tls-cipher-suites` is a config file named
/// `--tls-cipher-suites`, not two switches.
const VALUE_FLAGS: &[&str] = &[
    "admission-control",
    "audit-log-maxage",
    "audit-log-maxbackup",
    "audit-log-maxsize",
    "audit-log-path",
    "audit-policy-file",
    "audit-webhook-config-file",
    "authentication-config",
    "authentication-token-webhook-config-file",
    "authorization-config",
    "authorization-mode",
    "bind-address",
    "cert-file",
    "client-ca-file",
    "config",
    "config-dir",
    "config-file",
    "data-dir",
    "disable-admission-plugins",
    "enable-admission-plugins",
    "encryption-provider-config",
    "etcd-cafile",
    "etcd-certfile",
    "etcd-keyfile",
    "event-qps",
    "feature-gates",
    "hostname-override",
    "key-file",
    "kubeconfig",
    "kubelet-certificate-authority",
    "kubelet-client-certificate",
    "kubelet-client-key",
    "metrics-bind-address",
    "node-labels",
    "oidc-issuer-url",
    "peer-cert-file",
    "peer-key-file",
    "peer-trusted-ca-file",
    "pod-manifest-path",
    "pod-max-pids",
    "read-only-port",
    "request-timeout",
    "root-ca-file",
    "service-account-issuer",
    "service-account-key-file",
    "service-account-private-key-file",
    "streaming-connection-idle-timeout",
    "terminated-pod-gc-threshold",
    "tls-cert-file",
    "tls-cipher-suites",
    "tls-private-key-file",
    "token-auth-file",
    "trusted-ca-file",
];

/// How `component` parses flag `name`: boolean, a known value flag, or
/// unknown to rampart.
pub fn flag_kind(component: Component, name: &str) -> FlagKind {
    if is_bool_flag(component, name) {
        FlagKind::Bool
    } else if VALUE_FLAGS.contains(&name) {
        FlagKind::Value
    } else {
        FlagKind::Unknown
    }
}

/// Whether flag `name` may carry a credential inline (`--token=...`,
/// `--etcd-password`); file paths, durations and switches are not.
pub fn is_secret_flag(name: &str) -> bool {
    ["token", "password", "secret"]
        .iter()
        .any(|w| name.contains(w))
        && !Component::ALL.into_iter().any(|c| is_bool_flag(c, name))
        && ![
            "-file",
            "-dir",
            "-path",
            "-expiration",
            "-ttl",
            "-auth",
            "-issuer",
            "-lookup",
        ]
        .iter()
        .any(|s| name.ends_with(s))
}

/// Replaces the values of credential-carrying flags: discovery results end
/// up in reports, and no check needs a credential's value.
fn redact_secrets(args: &mut Args) {
    for f in args.flags.iter_mut().filter(|f| is_secret_flag(&f.name)) {
        f.value = "<redacted>".to_string();
        f.raw = format!("--{}=<redacted>", f.name);
    }
}

/// `--token=x` → `--token=<redacted>`, and the word after a credential
/// flag given as `--token x`, for every credential-carrying flag name,
/// with one or two dashes.
fn redact_argv(argv: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(argv.len());
    let mut hide_next = false;
    for a in argv {
        if hide_next {
            hide_next = false;
            if !a.starts_with('-') {
                out.push("<redacted>".to_string());
                continue;
            }
        }
        let name = a.trim_start_matches('-');
        if a.starts_with('-') && !name.is_empty() {
            let (n, has_value) = match name.split_once('=') {
                Some((n, _)) => (n, true),
                None => (name, false),
            };
            let n = n.replace('_', "-");
            if is_secret_flag(&n) {
                if has_value {
                    out.push(format!("--{n}=<redacted>"));
                    continue;
                }
                hide_next = true;
            }
        }
        out.push(a.clone());
    }
    out
}

/// Parses a component's argv (program name first) into an instance.
pub fn classify(
    argv: &[String],
    origin: Origin,
    unsupported: &mut Vec<String>,
) -> Option<Instance> {
    let program = argv.first()?;
    let base = program.rsplit('/').next().unwrap_or(program);
    let (component, rest) = match base {
        "hyperkube" => {
            let sub = argv.get(1)?;
            (Component::from_binary(sub)?, &argv[2..])
        }
        "k3s" | "k3s-server" | "k3s-agent" | "rke2" => {
            unsupported.push(format!("{base} ({origin})"));
            return None;
        }
        _ => (Component::from_binary(base)?, &argv[1..]),
    };
    // Redacted token by token before parsing as well: a mis-parsed command
    // line (a switch rampart does not know taking the next word as its
    // value) must not carry a credential into a report.
    let argv = redact_argv(rest);
    let kind = |name: &str| flag_kind(component, name);
    let mut args = match component {
        Component::Etcd => Args::parse_go(&argv, &kind),
        _ => Args::parse(&argv, &kind),
    };
    redact_secrets(&mut args);
    Some(Instance {
        component,
        origin,
        program: program.clone(),
        args,
        env: Vec::new(),
    })
}

/// Discovers components under `root`.
pub fn discover(root: &NodeRoot) -> Discovery {
    let mut d = Discovery::default();
    discover_processes(root, &mut d);
    // A kubelet that is not running: its systemd unit says how it would
    // start, and so which static pod directory it would read.
    let unit_kubelet = match d.find(Component::Kubelet) {
        Some(_) => None,
        None => systemd_kubelet(root, &mut d.unsupported),
    };
    let (dir, from) = static_pod_dir(root, d.find(Component::Kubelet).or(unit_kubelet.as_ref()));
    d.manifest_dir = dir;
    d.manifest_dir_from = from;
    discover_manifests(root, &mut d);
    if let Some(i) = unit_kubelet.filter(|_| d.find(Component::Kubelet).is_none()) {
        d.diagnostics.push(Diagnostic::warning(
            "kubelet-not-running",
            format!(
                "no running kubelet found; its command line is taken from {}",
                i.origin
            ),
        ));
        d.instances.push(i);
    }
    d
}

/// The kubelet's effective `staticPodPath` (config file or
/// `--pod-manifest-path`), else [`MANIFEST_DIR`], with why.
fn static_pod_dir(root: &NodeRoot, kubelet: Option<&Instance>) -> (String, String) {
    // Diagnostics about the kubelet's configuration are reported once, by
    // the caller that computes it for the checks.
    let mut repeated = Vec::new();
    let Some(config) = crate::kubelet::effective(root, kubelet, &mut repeated) else {
        return (
            MANIFEST_DIR.to_string(),
            format!("no kubelet found; the kubeadm location {MANIFEST_DIR} is assumed"),
        );
    };
    let s = config.get("staticPodPath");
    match s.value.as_deref().filter(|v| !v.is_empty()) {
        Some(v) => {
            let path = absolute(v);
            let path = match path.trim_end_matches('/') {
                "" => "/".to_string(),
                p => p.to_string(),
            };
            (path, format!("kubelet staticPodPath = {}", s.describe()))
        }
        None => (
            MANIFEST_DIR.to_string(),
            match &config.config_error {
                Some(err) => format!("{err}; the kubeadm location {MANIFEST_DIR} is assumed"),
                None => format!(
                    "the kubelet names no staticPodPath; the kubeadm location {MANIFEST_DIR} is assumed"
                ),
            },
        ),
    }
}

/// Directories systemd loads units from, highest precedence first.
pub(crate) const UNIT_DIRS: &[&str] = &[
    "/etc/systemd/system",
    "/run/systemd/system",
    "/usr/local/lib/systemd/system",
    "/lib/systemd/system",
    "/usr/lib/systemd/system",
];

/// The kubelet's command line as its systemd unit would start it: the
/// unit file (first found in [`UNIT_DIRS`]), then its `kubelet.service.d`
/// drop-ins sorted by file name (a name in a higher-precedence directory
/// hides the same name below it); `ExecStart=` with an empty value resets;
/// `Environment=` and then `EnvironmentFile=` variables (files override,
/// as in systemd) are expanded as [`expand_exec_word`] does.
fn systemd_kubelet(root: &NodeRoot, unsupported: &mut Vec<String>) -> Option<Instance> {
    let unit = UNIT_DIRS
        .iter()
        .map(|dir| format!("{dir}/kubelet.service"))
        .find(|p| root.exists(p))?;
    let mut dropins: Vec<(String, String)> = Vec::new();
    for dir in UNIT_DIRS {
        let dd = format!("{dir}/kubelet.service.d");
        for n in root.read_dir(&dd).unwrap_or_default() {
            if n.ends_with(".conf") && !dropins.iter().any(|(name, _)| *name == n) {
                dropins.push((n.clone(), format!("{dd}/{n}")));
            }
        }
    }
    dropins.sort();
    let mut exec: Option<String> = None;
    let mut env: Vec<(String, String)> = Vec::new();
    let mut env_files: Vec<String> = Vec::new();
    let files = std::iter::once(unit.clone()).chain(dropins.into_iter().map(|(_, p)| p));
    for path in files {
        let Ok(text) = root.read_to_string(&path) else {
            continue;
        };
        for line in join_continuations(&text) {
            let line = line.trim();
            if let Some(v) = line.strip_prefix("ExecStart=") {
                exec = (!v.trim().is_empty()).then(|| v.trim().to_string());
            } else if let Some(v) = line.strip_prefix("Environment=") {
                for w in shell_words(v) {
                    if let Some((k, v)) = w.split_once('=') {
                        set_env(&mut env, k, v);
                    }
                }
            } else if let Some(v) = line.strip_prefix("EnvironmentFile=") {
                let v = v.trim();
                if v.is_empty() {
                    env_files.clear();
                } else {
                    env_files.push(v.trim_start_matches('-').to_string());
                }
            }
        }
    }
    for f in &env_files {
        let Ok(text) = root.read_to_string(f) else {
            continue;
        };
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some((k, v)) = line.split_once('=') {
                let v = v.trim();
                let v = v
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .unwrap_or(v);
                set_env(&mut env, k.trim(), v);
            }
        }
    }
    let exec = exec?;
    // Prefixes such as `-` or `@` change how systemd runs the command.
    let exec = exec.trim_start_matches(['-', '@', ':', '+', '!']);
    let argv: Vec<String> = shell_words(exec)
        .iter()
        .flat_map(|w| expand_exec_word(w, &env))
        .collect();
    classify(&argv, Origin::SystemdUnit { path: unit }, unsupported)
}

/// One `ExecStart=` word with variables expanded as systemd does
/// (`replace_env_argv`): a word that is exactly `$VAR` becomes the
/// variable's value split on whitespace (zero or more words); elsewhere
/// `${VAR}` is replaced by the exact value inside the word (`x${A}y`,
/// `--config=${CFG}`), `$$` is a literal `$`, and a `$` not followed by
/// `{` stays as written (systemd expands braceless names only as a whole
/// word). Unset variables are empty.
fn expand_exec_word(word: &str, env: &[(String, String)]) -> Vec<String> {
    if let Some(name) = word.strip_prefix('$').filter(|n| is_env_name(n)) {
        return get_env(env, name)
            .split_whitespace()
            .map(str::to_string)
            .collect();
    }
    let mut out = String::new();
    let mut rest = word;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some((name, tail)) = after.strip_prefix('{').and_then(|b| b.split_once('}')) {
            out.push_str(get_env(env, name));
            rest = tail;
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    vec![out]
}

/// A valid environment variable name (bash's character set, as systemd).
fn is_env_name(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn set_env(env: &mut Vec<(String, String)>, k: &str, v: &str) {
    match env.iter_mut().find(|(ek, _)| ek == k) {
        Some(e) => e.1 = v.to_string(),
        None => env.push((k.to_string(), v.to_string())),
    }
}

fn get_env<'a>(env: &'a [(String, String)], k: &str) -> &'a str {
    env.iter()
        .find(|(ek, _)| ek == k)
        .map_or("", |(_, v)| v.as_str())
}

/// Unit file lines with `\` continuations joined and comments dropped.
fn join_continuations(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in text.lines() {
        if cur.is_empty()
            && (line.trim_start().starts_with('#') || line.trim_start().starts_with(';'))
        {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(l) => {
                cur.push_str(l);
                cur.push(' ');
            }
            None => {
                cur.push_str(line);
                out.push(std::mem::take(&mut cur));
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Splits on whitespace, honouring double and single quotes (systemd's
/// word splitting, without escapes beyond `\"`).
fn shell_words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            (None, c) => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    out
}

fn discover_processes(root: &NodeRoot, d: &mut Discovery) {
    let Ok(entries) = root.read_dir("/proc") else {
        return;
    };
    let mut pids: Vec<u32> = entries.iter().filter_map(|e| e.parse().ok()).collect();
    pids.sort_unstable();
    let mut found: Vec<(Instance, Option<String>)> = Vec::new();
    for pid in pids {
        // Processes come and go: an unreadable cmdline is not a problem.
        let Ok(bytes) = root.read(&format!("/proc/{pid}/cmdline")) else {
            continue;
        };
        let argv = split_cmdline(&bytes);
        if let Some(mut i) = classify(&argv, Origin::Process { pid }, &mut d.unsupported) {
            if i.component == Component::Etcd
                && let Ok(environ) = root.read(&format!("/proc/{pid}/environ"))
            {
                // Go's getenv takes the first of duplicate names: fed in
                // reverse, that one is set last.
                let vars: Vec<(String, String)> = split_cmdline(&environ)
                    .iter()
                    .filter_map(|kv| kv.split_once('='))
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect();
                i.env = etcd_env(vars.into_iter().rev());
            }
            let ns = root.read_link(&format!("/proc/{pid}/ns/pid")).ok();
            found.push((i, ns));
        }
    }
    // A component running in the host's PID namespace is the node's own;
    // the same binary inside a container (a kind node, a test cluster,
    // rampart's own pod) is not. Host-namespace processes go first (a
    // stable sort keeps pid order otherwise); when a namespace cannot be
    // read, the order stays as found.
    if let Ok(host) = root.read_link("/proc/1/ns/pid") {
        found.sort_by_key(|(_, ns)| ns.as_ref().is_some_and(|ns| *ns != host));
    }
    d.instances.extend(found.into_iter().map(|(i, _)| i));
}

/// The `ETCD_*` variables of an environment; of duplicate names the
/// last given wins (callers order the input so that holds).
fn etcd_env(vars: impl Iterator<Item = (String, String)>) -> Vec<(String, String)> {
    let mut env = Vec::new();
    for (k, v) in vars.filter(|(k, _)| k.starts_with("ETCD_")) {
        set_env(&mut env, &k, &v);
    }
    env
}

/// NUL-separated argv, as the kernel exposes it.
pub fn split_cmdline(bytes: &[u8]) -> Vec<String> {
    let bytes = bytes.strip_suffix(&[0]).unwrap_or(bytes);
    if bytes.is_empty() {
        return Vec::new();
    }
    bytes
        .split(|b| *b == 0)
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect()
}

fn discover_manifests(root: &NodeRoot, d: &mut Discovery) {
    let dir = d.manifest_dir.clone();
    // `staticPodPath` may name a single manifest file instead of a
    // directory.
    let paths: Vec<String> = match root.stat(&dir) {
        Ok(st) if !st.is_dir => vec![dir],
        _ => {
            let Ok(names) = root.read_dir(&dir) else {
                return;
            };
            // The kubelet reads every file of the directory whatever its
            // extension, except hidden ones; it does not descend into
            // subdirectories.
            let base = dir.trim_end_matches('/');
            names
                .iter()
                .filter(|n| !n.starts_with('.'))
                .map(|n| format!("{base}/{n}"))
                .filter(|p| !root.stat(p).is_ok_and(|st| st.is_dir))
                .collect()
        }
    };
    let mut sources = Vec::new();
    for path in paths {
        match root.read_to_string(&path) {
            Ok(text) => sources.push(SourceFile {
                name: Arc::from(path.as_str()),
                text,
            }),
            Err(e) => d.diagnostics.push(Diagnostic::warning(
                "node-unreadable",
                format!("cannot read static pod manifest {path}: {e}"),
            )),
        }
    }
    let inv = rampart_core::Inventory::from_sources(sources, Vec::new(), Limits::default());
    d.diagnostics.extend(inv.diagnostics.iter().cloned());
    for obj in inv.objects.iter().filter(|o| o.kind() == "Pod") {
        let Some(containers) = obj
            .root
            .path(&["spec", "containers"])
            .and_then(|n| n.as_seq())
        else {
            continue;
        };
        for c in containers {
            let name = c.get("name").and_then(|n| n.as_str()).unwrap_or("");
            let strings = |key: &str| -> Vec<String> {
                c.get(key)
                    .and_then(|n| n.as_seq())
                    .map(|s| {
                        s.iter()
                            .filter_map(|n| n.as_str())
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default()
            };
            let mut argv = strings("command");
            if argv.is_empty() {
                // No command: the image's entrypoint runs; the container
                // name is the best hint kubeadm-style manifests give.
                argv.push(name.to_string());
            }
            argv.extend(strings("args"));
            let origin = Origin::Manifest {
                path: obj.file.to_string(),
                container: name.to_string(),
            };
            if let Some(mut i) = classify(&argv, origin, &mut d.unsupported) {
                if i.component == Component::Etcd {
                    // `valueFrom` values are not known from the manifest;
                    // of duplicate names the kubelet keeps the last.
                    i.env = etcd_env(
                        c.get("env")
                            .and_then(|n| n.as_seq())
                            .into_iter()
                            .flatten()
                            .filter_map(|e| {
                                let name = e.get("name")?.as_str()?;
                                let value = e.get("value")?.as_str()?;
                                Some((name.to_string(), value.to_string()))
                            }),
                    );
                }
                d.instances.push(i);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmdline_and_hyperkube() {
        let argv = split_cmdline(b"/usr/bin/hyperkube\0kubelet\0--config=/x\0");
        let mut un = Vec::new();
        let i = classify(&argv, Origin::Process { pid: 1 }, &mut un).unwrap();
        assert_eq!(i.component, Component::Kubelet);
        assert_eq!(i.args.get("config"), Some("/x"));
        let with_token = split_cmdline(b"kubelet\0--token=abc\0--token-auth-file=/x\0");
        let i = classify(&with_token, Origin::Process { pid: 3 }, &mut un).unwrap();
        assert_eq!(i.args.get("token"), Some("<redacted>"));
        assert_eq!(i.args.get("token-auth-file"), Some("/x"));
        // A switch rampart does not know takes the next word as its value;
        // the credential after it is still hidden, as is `--token x`.
        let swallowed = split_cmdline(
            b"kube-apiserver\0--some-new-switch\0--etcd-password=hunter2\0--token\0abc\0",
        );
        let i = classify(&swallowed, Origin::Process { pid: 4 }, &mut un).unwrap();
        let text = serde_json::to_string(&i.args).unwrap();
        assert!(!text.contains("hunter2") && !text.contains("abc"), "{text}");
        let k3s = split_cmdline(b"/usr/local/bin/k3s\0server\0");
        assert!(classify(&k3s, Origin::Process { pid: 2 }, &mut un).is_none());
        assert_eq!(un.len(), 1);
    }

    fn parse(line: &str) -> Instance {
        let argv: Vec<String> = line.split(' ').map(str::to_string).collect();
        classify(&argv, Origin::Process { pid: 9 }, &mut Vec::new()).unwrap()
    }

    #[test]
    fn a_known_value_flag_takes_a_dash_word_as_its_value() {
        let k = parse("kubelet --config --tls-cipher-suites --anonymous-auth --v 2");
        assert_eq!(k.args.get("config"), Some("--tls-cipher-suites"));
        assert!(!k.args.has("tls-cipher-suites"));
        assert_eq!(k.args.get("anonymous-auth"), Some("true"));
        assert_eq!(flag_kind(Component::KubeProxy, "profiling"), FlagKind::Bool);
        assert_eq!(flag_kind(Component::Kubelet, "config"), FlagKind::Value);
        assert_eq!(flag_kind(Component::Kubelet, "made-up"), FlagKind::Unknown);
    }

    #[test]
    fn boolean_flags_are_per_component() {
        assert!(is_bool_flag(Component::KubeApiserver, "allow-privileged"));
        assert!(!is_bool_flag(Component::Kubelet, "allow-privileged"));
        assert!(is_bool_flag(
            Component::KubeControllerManager,
            "use-service-account-credentials"
        ));
        assert!(!is_bool_flag(
            Component::KubeScheduler,
            "use-service-account-credentials"
        ));
        assert!(!is_bool_flag(Component::Kubelet, "read-only-port"));
        assert!(is_bool_flag(Component::Etcd, "client-cert-auth"));
        assert!(!is_bool_flag(Component::KubeApiserver, "client-cert-auth"));
        // A controller-manager switch takes no separate value: pflag leaves
        // `false` as a positional (and the flag true).
        let cm = parse("kube-controller-manager --enable-hostpath-provisioner false");
        assert_eq!(cm.args.get("enable-hostpath-provisioner"), Some("true"));
        assert_eq!(cm.args.positional, ["false"]);
        let kubelet = parse("kubelet --read-only-port 0");
        assert_eq!(kubelet.args.get("read-only-port"), Some("0"));
    }

    #[test]
    fn etcd_is_parsed_with_go_flag_rules() {
        // One dash is a long flag for Go's flag package (pflag would read
        // `-c` with the value `lient-cert-auth`).
        let e = parse(
            "etcd -client-cert-auth -data-dir /var/lib/etcd --auto-tls false --peer-auto-tls",
        );
        assert_eq!(e.args.get("client-cert-auth"), Some("true"));
        assert_eq!(e.args.get("data-dir"), Some("/var/lib/etcd"));
        assert_eq!(e.args.get("auto-tls"), Some("true"));
        // Parsing stopped at `false`.
        assert!(!e.args.has("peer-auto-tls"));
        assert_eq!(e.args.positional, ["false", "--peer-auto-tls"]);
    }

    #[test]
    fn host_pid_namespace_processes_come_first() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        let proc = |pid: u32, cmdline: &str, ns: Option<&str>| {
            let d = r.join(format!("proc/{pid}"));
            std::fs::create_dir_all(d.join("ns")).unwrap();
            std::fs::write(d.join("cmdline"), cmdline.replace(' ', "\0")).unwrap();
            if let Some(ns) = ns {
                std::os::unix::fs::symlink(ns, d.join("ns/pid")).unwrap();
            }
        };
        proc(1, "/sbin/init", Some("pid:[100]"));
        // A kind node's kubelet, in its own namespace, has the lower pid.
        proc(50, "kubelet --read-only-port=10255", Some("pid:[200]"));
        proc(60, "kubelet --read-only-port=0", Some("pid:[100]"));
        let root = NodeRoot::new(r).unwrap();
        let d = discover(&root);
        assert_eq!(
            d.find(Component::Kubelet).unwrap().origin,
            Origin::Process { pid: 60 }
        );
        // Namespaces unreadable: pid order, as before.
        std::fs::remove_file(r.join("proc/1/ns/pid")).unwrap();
        let d = discover(&root);
        assert_eq!(
            d.find(Component::Kubelet).unwrap().origin,
            Origin::Process { pid: 50 }
        );
    }

    #[test]
    fn etcd_environment_from_proc_first_duplicate_wins() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        std::fs::create_dir_all(r.join("proc/7")).unwrap();
        std::fs::write(r.join("proc/7/cmdline"), b"etcd\0--name=a\0").unwrap();
        std::fs::write(
            r.join("proc/7/environ"),
            b"PATH=/bin\0ETCD_AUTO_TLS=true\0ETCD_AUTO_TLS=false\0",
        )
        .unwrap();
        let d = discover(&NodeRoot::new(r).unwrap());
        let e = d.find(Component::Etcd).unwrap();
        assert_eq!(e.env, [("ETCD_AUTO_TLS".to_string(), "true".to_string())]);
        assert!(!serde_json::to_string(e).unwrap().contains("ETCD_AUTO_TLS"));
    }

    #[test]
    fn static_pods_come_from_the_kubelets_static_pod_path_whatever_the_extension() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        std::fs::create_dir_all(r.join("proc/7")).unwrap();
        std::fs::write(
            r.join("proc/7/cmdline"),
            b"kubelet\0--pod-manifest-path=/srv/pods\0",
        )
        .unwrap();
        std::fs::create_dir_all(r.join("srv/pods/sub")).unwrap();
        std::fs::create_dir_all(r.join("etc/kubernetes/manifests")).unwrap();
        let pod = |bin: &str| {
            format!(
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers:\n  - name: c\n    command: [{bin}]\n"
            )
        };
        std::fs::write(r.join("srv/pods/apiserver.manifest"), pod("kube-apiserver")).unwrap();
        std::fs::write(r.join("srv/pods/.scheduler.yaml"), pod("kube-scheduler")).unwrap();
        std::fs::write(
            r.join("srv/pods/sub/cm.yaml"),
            pod("kube-controller-manager"),
        )
        .unwrap();
        // Not the kubelet's directory: not read.
        std::fs::write(r.join("etc/kubernetes/manifests/etcd.yaml"), pod("etcd")).unwrap();
        let d = discover(&NodeRoot::new(r).unwrap());
        let found: Vec<Component> = d.instances.iter().map(|i| i.component).collect();
        assert_eq!(found, [Component::Kubelet, Component::KubeApiserver]);
        assert_eq!(d.manifest_dir, "/srv/pods");
        assert!(
            d.manifest_dir_from
                .contains("--pod-manifest-path=/srv/pods"),
            "{}",
            d.manifest_dir_from
        );
        // A single file is read as the one manifest.
        std::fs::write(
            r.join("proc/7/cmdline"),
            b"kubelet\0--pod-manifest-path=/srv/pods/sub/cm.yaml\0",
        )
        .unwrap();
        let d = discover(&NodeRoot::new(r).unwrap());
        let found: Vec<Component> = d.instances.iter().map(|i| i.component).collect();
        assert_eq!(
            found,
            [Component::Kubelet, Component::KubeControllerManager]
        );
    }
}

#[cfg(test)]
mod systemd_tests {
    use super::*;

    #[test]
    fn words_and_quotes() {
        assert_eq!(
            shell_words(r#"KUBELET_A="--x=1 --y=2" B=c"#),
            vec!["KUBELET_A=--x=1 --y=2".to_string(), "B=c".to_string()]
        );
    }

    #[test]
    fn exec_start_variables_expand_as_systemd_does() {
        let env: Vec<(String, String)> = [
            ("CFG", "/etc/k c.yaml"),
            ("ARGS", "--a=1  --b=2"),
            ("A", "v"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let words = |w: &str| expand_exec_word(w, &env);
        assert_eq!(words("--config=${CFG}"), ["--config=/etc/k c.yaml"]);
        assert_eq!(words("x${A}y"), ["xvy"]);
        assert_eq!(words("${ARGS}"), ["--a=1  --b=2"]);
        assert_eq!(words("$ARGS"), ["--a=1", "--b=2"]);
        assert!(words("$UNSET").is_empty());
        assert_eq!(words("${UNSET}"), [""]);
        // Braceless names are expanded only as a whole word.
        assert_eq!(words("x$A"), ["x$A"]);
        assert_eq!(words("$${A}"), ["${A}"]);
    }

    #[test]
    fn kubeadm_unit_expands_to_the_kubelet_command_line() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        std::fs::create_dir_all(r.join("lib/systemd/system")).unwrap();
        std::fs::create_dir_all(r.join("etc/systemd/system/kubelet.service.d")).unwrap();
        std::fs::create_dir_all(r.join("var/lib/kubelet")).unwrap();
        std::fs::write(
            r.join("lib/systemd/system/kubelet.service"),
            "[Service]\nExecStart=/usr/bin/kubelet\n",
        )
        .unwrap();
        std::fs::write(
            r.join("etc/systemd/system/kubelet.service.d/10-kubeadm.conf"),
            "[Service]\nEnvironment=\"KUBELET_KUBECONFIG_ARGS=--kubeconfig=/etc/kubernetes/kubelet.conf\"\nEnvironment=\"KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml\"\nEnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env\nExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS \\\n  $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS\n",
        )
        .unwrap();
        std::fs::write(
            r.join("var/lib/kubelet/kubeadm-flags.env"),
            "KUBELET_KUBEADM_ARGS=\"--node-ip=10.0.0.5 --read-only-port=0\"\n",
        )
        .unwrap();
        let root = NodeRoot::new(r).unwrap();
        let d = discover(&root);
        let k = d.find(Component::Kubelet).unwrap();
        assert_eq!(k.args.get("config"), Some("/var/lib/kubelet/config.yaml"));
        assert_eq!(
            k.args.get("kubeconfig"),
            Some("/etc/kubernetes/kubelet.conf")
        );
        assert_eq!(k.args.get("read-only-port"), Some("0"));
        assert!(matches!(k.origin, Origin::SystemdUnit { .. }));
    }
}
