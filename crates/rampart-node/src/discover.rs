//! Finding the Kubernetes components of a node: running processes from
//! `<root>/proc/<pid>/cmdline`, and static pods from
//! `<root>/etc/kubernetes/manifests`.

use std::sync::Arc;

use rampart_core::Diagnostic;
use rampart_core::source::SourceFile;
use rampart_core::yaml::Limits;
use serde::Serialize;

use crate::flags::Args;
use crate::root::NodeRoot;

/// Where static pod manifests live on a kubeadm node.
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
}

/// Everything discovery found.
#[derive(Debug, Default, Serialize)]
pub struct Discovery {
    /// Running processes first (they are what is in effect), then static
    /// pod containers, each in path order.
    pub instances: Vec<Instance>,
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

/// Long flags that are boolean in Kubernetes components and etcd (they
/// take no separate argument). A name missing here that is really boolean
/// would make `--name positional` read `positional` as its value; these
/// components take no positional arguments, so that cannot change a flag
/// rampart reads.
const BOOL_FLAGS: &[&str] = &[
    "allow-privileged",
    "anonymous-auth",
    "authentication-token-webhook",
    "auto-tls",
    "bind-address-hard-fail",
    "cgroups-per-qos",
    "cleanup",
    "client-cert-auth",
    "contention-profiling",
    "enable-aggregator-routing",
    "enable-bootstrap-token-auth",
    "enable-controller-attach-detach",
    "enable-debugging-handlers",
    "enable-garbage-collector",
    "enable-priority-and-fairness",
    "enable-server",
    "exit-on-lock-contention",
    "experimental-initial-corrupt-check",
    "fail-swap-on",
    "help",
    "kubelet-https",
    "leader-elect",
    "make-iptables-util-chains",
    "masquerade-all",
    "peer-auto-tls",
    "peer-client-cert-auth",
    "profiling",
    "protect-kernel-defaults",
    "register-node",
    "register-schedulable",
    "rotate-certificates",
    "rotate-server-certificates",
    "seccomp-default",
    "serialize-image-pulls",
    "service-account-lookup",
    "service-account-extend-token-expiration",
    "strict-reconfig-check",
    "use-service-account-credentials",
    "version",
];

fn is_bool(name: &str) -> bool {
    BOOL_FLAGS.contains(&name)
}

/// Whether flag `name` may carry a credential inline (`--token=...`,
/// `--etcd-password`); file paths, durations and switches are not.
pub fn is_secret_flag(name: &str) -> bool {
    ["token", "password", "secret"]
        .iter()
        .any(|w| name.contains(w))
        && !is_bool(name)
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
    let mut args = Args::parse(&redact_argv(rest), &is_bool);
    redact_secrets(&mut args);
    Some(Instance {
        component,
        origin,
        program: program.clone(),
        args,
    })
}

/// Discovers components under `root`.
pub fn discover(root: &NodeRoot) -> Discovery {
    let mut d = Discovery::default();
    discover_processes(root, &mut d);
    discover_manifests(root, &mut d);
    if d.find(Component::Kubelet).is_none() {
        discover_systemd_kubelet(root, &mut d);
    }
    d
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
/// as in systemd) are expanded: `$VAR` splits into words, `${VAR}` is one.
fn discover_systemd_kubelet(root: &NodeRoot, d: &mut Discovery) {
    let Some(unit) = UNIT_DIRS
        .iter()
        .map(|dir| format!("{dir}/kubelet.service"))
        .find(|p| root.exists(p))
    else {
        return;
    };
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
    let Some(exec) = exec else {
        return;
    };
    // Prefixes such as `-` or `@` change how systemd runs the command.
    let exec = exec.trim_start_matches(['-', '@', ':', '+', '!']);
    let mut argv = Vec::new();
    for word in shell_words(exec) {
        if let Some(name) = word.strip_prefix("${").and_then(|w| w.strip_suffix('}')) {
            argv.push(get_env(&env, name).to_string());
        } else if let Some(name) = word.strip_prefix('$') {
            argv.extend(get_env(&env, name).split_whitespace().map(str::to_string));
        } else {
            argv.push(word);
        }
    }
    let origin = Origin::SystemdUnit { path: unit };
    if let Some(i) = classify(&argv, origin, &mut d.unsupported) {
        d.diagnostics.push(Diagnostic::warning(
            "kubelet-not-running",
            format!(
                "no running kubelet found; its command line is taken from {}",
                i.origin
            ),
        ));
        d.instances.push(i);
    }
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
    for pid in pids {
        // Processes come and go: an unreadable cmdline is not a problem.
        let Ok(bytes) = root.read(&format!("/proc/{pid}/cmdline")) else {
            continue;
        };
        let argv = split_cmdline(&bytes);
        if let Some(i) = classify(&argv, Origin::Process { pid }, &mut d.unsupported) {
            d.instances.push(i);
        }
    }
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
    let Ok(names) = root.read_dir(MANIFEST_DIR) else {
        return;
    };
    let mut sources = Vec::new();
    for name in names {
        if !(name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json")) {
            continue;
        }
        let path = format!("{MANIFEST_DIR}/{name}");
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
            if let Some(i) = classify(&argv, origin, &mut d.unsupported) {
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
