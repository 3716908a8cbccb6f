//! The kubelet's effective configuration, computed the way the kubelet
//! computes it:
//!
//! 1. the config file named by `--config` (a node path, read inside the
//!    root); when the kubelet has no `--config`, or is not running, one of
//!    the well-known locations ([`DEFAULT_CONFIG_PATHS`]) is *assumed* and
//!    a diagnostic says so;
//! 2. drop-in files of `--config-dir` (`*.conf`, lexical order) override
//!    the file, field by field;
//! 3. flags given on the command line override both;
//! 4. unset fields take Kubernetes' defaults — the `kubelet.config.k8s.io/v1beta1`
//!    defaults when a config file is in use, the (older, weaker) command-line
//!    defaults when none is.
//!
//! Every value records where it came from ([`Source`]) for evidence.

use std::sync::Arc;

use rampart_core::source::SourceFile;
use rampart_core::yaml::Limits;
use rampart_core::{Diagnostic, Node, Value};
use serde::Serialize;

use crate::discover::Instance;
use crate::flags::parse_bool;
use crate::root::{NodeRoot, absolute};

/// Where distributions put the kubelet config file, tried in order when
/// the kubelet has no `--config`: kubeadm, EKS, GKE, generic.
pub const DEFAULT_CONFIG_PATHS: &[&str] = &[
    "/var/lib/kubelet/config.yaml",
    "/etc/kubernetes/kubelet/kubelet-config.json",
    "/home/kubernetes/kubelet-config.yaml",
    "/etc/kubernetes/kubelet-config.yaml",
];

/// The drop-in directory kubeadm and the kubelet documentation use
/// (Kubernetes 1.28+); read only when the kubelet names it with
/// `--config-dir`.
pub const DROP_IN_DIR: &str = "/etc/kubernetes/kubelet.conf.d";

/// Where an effective value came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Source {
    /// A command-line flag, as written (`--read-only-port=0`), and where
    /// the command line was found.
    Flag { arg: String, at: String },
    /// A field of the config file.
    File { path: String, line: u32 },
    /// Not set anywhere: Kubernetes' default; `note` names which set of
    /// defaults (`kubelet.config.k8s.io/v1beta1`, or the command line's).
    Default { note: &'static str },
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Flag { arg, at } => write!(f, "flag {arg} ({at})"),
            Source::File { path, line } => write!(f, "{path}:{line}"),
            Source::Default { note } => write!(f, "{note} default"),
        }
    }
}

/// One effective setting. `value` is `None` when neither the flag, the
/// file nor a default sets it (an empty path, say).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Setting {
    pub value: Option<String>,
    pub source: Source,
}

impl Setting {
    /// `value (from source)`, for evidence.
    pub fn describe(&self) -> String {
        match &self.value {
            Some(v) => format!("{v:?} from {}", self.source),
            None => format!("unset ({})", self.source),
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        self.value.as_deref().and_then(parse_bool)
    }

    pub fn as_i64(&self) -> Option<i64> {
        self.value.as_deref().and_then(|v| v.trim().parse().ok())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Bool,
    Scalar,
    List,
}

/// A KubeletConfiguration field rampart reads, with its flag and defaults.
struct Field {
    key: &'static str,
    path: &'static [&'static str],
    flag: Option<&'static str>,
    kind: Kind,
    /// Default of the v1beta1 config file (`None`: unset).
    file_default: Option<&'static str>,
    /// Default when the kubelet runs on flags alone.
    flag_default: Option<&'static str>,
}

const FIELDS: &[Field] = &[
    Field {
        key: "authentication.anonymous.enabled",
        path: &["authentication", "anonymous", "enabled"],
        flag: Some("anonymous-auth"),
        kind: Kind::Bool,
        file_default: Some("false"),
        flag_default: Some("true"),
    },
    Field {
        key: "authentication.webhook.enabled",
        path: &["authentication", "webhook", "enabled"],
        flag: Some("authentication-token-webhook"),
        kind: Kind::Bool,
        file_default: Some("true"),
        flag_default: Some("false"),
    },
    Field {
        key: "authentication.x509.clientCAFile",
        path: &["authentication", "x509", "clientCAFile"],
        flag: Some("client-ca-file"),
        kind: Kind::Scalar,
        file_default: None,
        flag_default: None,
    },
    Field {
        key: "authorization.mode",
        path: &["authorization", "mode"],
        flag: Some("authorization-mode"),
        kind: Kind::Scalar,
        file_default: Some("Webhook"),
        flag_default: Some("AlwaysAllow"),
    },
    Field {
        key: "readOnlyPort",
        path: &["readOnlyPort"],
        flag: Some("read-only-port"),
        kind: Kind::Scalar,
        file_default: Some("0"),
        flag_default: Some("10255"),
    },
    Field {
        key: "streamingConnectionIdleTimeout",
        path: &["streamingConnectionIdleTimeout"],
        flag: Some("streaming-connection-idle-timeout"),
        kind: Kind::Scalar,
        file_default: Some("4h0m0s"),
        flag_default: Some("4h0m0s"),
    },
    Field {
        key: "makeIPTablesUtilChains",
        path: &["makeIPTablesUtilChains"],
        flag: Some("make-iptables-util-chains"),
        kind: Kind::Bool,
        file_default: Some("true"),
        flag_default: Some("true"),
    },
    Field {
        key: "protectKernelDefaults",
        path: &["protectKernelDefaults"],
        flag: Some("protect-kernel-defaults"),
        kind: Kind::Bool,
        file_default: Some("false"),
        flag_default: Some("false"),
    },
    Field {
        key: "eventRecordQPS",
        path: &["eventRecordQPS"],
        flag: Some("event-qps"),
        kind: Kind::Scalar,
        file_default: Some("50"),
        flag_default: Some("50"),
    },
    Field {
        key: "tlsCertFile",
        path: &["tlsCertFile"],
        flag: Some("tls-cert-file"),
        kind: Kind::Scalar,
        file_default: None,
        flag_default: None,
    },
    Field {
        key: "tlsPrivateKeyFile",
        path: &["tlsPrivateKeyFile"],
        flag: Some("tls-private-key-file"),
        kind: Kind::Scalar,
        file_default: None,
        flag_default: None,
    },
    Field {
        key: "tlsCipherSuites",
        path: &["tlsCipherSuites"],
        flag: Some("tls-cipher-suites"),
        kind: Kind::List,
        file_default: None,
        flag_default: None,
    },
    Field {
        key: "rotateCertificates",
        path: &["rotateCertificates"],
        flag: Some("rotate-certificates"),
        kind: Kind::Bool,
        file_default: Some("false"),
        flag_default: Some("false"),
    },
    Field {
        key: "serverTLSBootstrap",
        path: &["serverTLSBootstrap"],
        flag: Some("rotate-server-certificates"),
        kind: Kind::Bool,
        file_default: Some("false"),
        flag_default: Some("false"),
    },
    Field {
        key: "podPidsLimit",
        path: &["podPidsLimit"],
        flag: Some("pod-max-pids"),
        kind: Kind::Scalar,
        file_default: Some("-1"),
        flag_default: Some("-1"),
    },
    Field {
        key: "staticPodPath",
        path: &["staticPodPath"],
        flag: Some("pod-manifest-path"),
        kind: Kind::Scalar,
        file_default: None,
        flag_default: None,
    },
    Field {
        key: "seccompDefault",
        path: &["seccompDefault"],
        flag: Some("seccomp-default"),
        kind: Kind::Bool,
        file_default: Some("false"),
        flag_default: Some("false"),
    },
];

/// Fields holding file paths, which the kubelet resolves relative to the
/// config file that sets them.
const PATH_FIELDS: &[&str] = &[
    "authentication.x509.clientCAFile",
    "tlsCertFile",
    "tlsPrivateKeyFile",
    "staticPodPath",
];

/// How the config file in use was chosen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConfigFileChoice {
    /// Named by `--config`.
    Flag,
    /// Not named by the kubelet; found at a well-known location and
    /// assumed to be the one in use.
    Assumed,
}

/// The kubelet's effective configuration.
#[derive(Clone, Debug, Serialize)]
pub struct KubeletConfig {
    /// Where the kubelet's command line came from (`None`: no running
    /// kubelet or static pod was found; only a config file was).
    pub instance: Option<String>,
    /// The node path of the config file in use, if any.
    pub config_file: Option<String>,
    pub config_file_choice: Option<ConfigFileChoice>,
    /// Set when a config file the kubelet names (or that was assumed)
    /// could not be read or parsed: settings not given as flags are then
    /// unknown, and the defaults shown for them may be wrong.
    pub config_error: Option<String>,
    /// Drop-in files of `--config-dir` that were applied over the config
    /// file, in the order applied (later wins).
    pub drop_in_files: Vec<String>,
    /// Effective values by KubeletConfiguration field name
    /// (`authentication.anonymous.enabled`), in a fixed order.
    pub settings: Vec<(&'static str, Setting)>,
    /// Effective feature gates: the file's `featureGates` merged with
    /// `--feature-gates` (flag wins per gate).
    pub feature_gates: Vec<(String, Setting)>,
    /// Flag-only settings that matter to the benchmark.
    pub kubeconfig: Option<Setting>,
    pub hostname_override: Option<Setting>,
}

impl KubeletConfig {
    /// The effective setting for KubeletConfiguration field `key`.
    ///
    /// # Panics
    /// When `key` is not a field rampart models (a programming error).
    pub fn get(&self, key: &str) -> &Setting {
        self.settings
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, s)| s)
            .unwrap_or_else(|| panic!("kubelet field {key} is not modelled"))
    }

    /// The effective value of feature gate `name`, if set anywhere.
    pub fn feature_gate(&self, name: &str) -> Option<&Setting> {
        self.feature_gates
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, s)| s)
    }
}

/// Computes the kubelet's effective configuration from its discovered
/// command line (`None` when no kubelet was found: then a config file at a
/// well-known location is evaluated on its own, if there is one).
pub fn effective(
    root: &NodeRoot,
    kubelet: Option<&Instance>,
    diags: &mut Vec<Diagnostic>,
) -> Option<KubeletConfig> {
    let args = kubelet.map(|k| &k.args);
    let at = kubelet.map(|k| k.origin.to_string()).unwrap_or_default();
    let flag_path = args.and_then(|a| a.get("config")).filter(|p| !p.is_empty());
    let well_known = DEFAULT_CONFIG_PATHS.iter().find(|p| root.exists(p));
    let (config_file, choice) = match (flag_path, kubelet, well_known) {
        (Some(p), _, _) => (Some(absolute(p)), Some(ConfigFileChoice::Flag)),
        // A kubelet without --config reads no file: its command-line
        // defaults apply (anonymous auth on, AlwaysAllow, port 10255),
        // whatever lies at a well-known path.
        (None, Some(_), Some(p)) => {
            diags.push(Diagnostic::warning(
                "kubelet-config-unused",
                format!(
                    "the kubelet ({at}) has no --config, so it does not read {p}; its command-line defaults are judged"
                ),
            ));
            (None, None)
        }
        // No kubelet command line at all (a copied filesystem): the file at
        // the well-known path is the best evidence there is.
        (None, None, Some(p)) => {
            diags.push(Diagnostic::warning(
                "kubelet-config-assumed",
                format!(
                    "no running kubelet found; evaluating the kubelet config file at the well-known location {p}"
                ),
            ));
            (Some(p.to_string()), Some(ConfigFileChoice::Assumed))
        }
        (None, _, None) => (None, None),
    };
    if kubelet.is_none() && config_file.is_none() {
        return None;
    }
    let main_file = config_file
        .as_deref()
        .and_then(|p| load_config_file(root, p, diags));
    let config_loaded = main_file.is_some();
    let config_error = match (&config_file, config_loaded) {
        (Some(p), false) => Some(format!(
            "the kubelet config file {p} could not be read or holds no KubeletConfiguration"
        )),
        _ => None,
    };
    let using_file = config_loaded;
    // Layers in precedence order, lowest first: the config file, then the
    // drop-ins of --config-dir in lexical order (`*.conf` only).
    let mut layers: Vec<(String, Node)> = main_file.into_iter().collect();
    let mut drop_ins = Vec::new();
    match args.and_then(|a| a.get("config-dir")).filter(|d| !d.is_empty()) {
        Some(dir) => {
            let dir = absolute(dir);
            match root.read_dir(&dir) {
                Ok(names) => {
                    for n in names.iter().filter(|n| n.ends_with(".conf")) {
                        let path = format!("{}/{n}", dir.trim_end_matches('/'));
                        if let Some(layer) = load_config_file(root, &path, diags) {
                            drop_ins.push(path);
                            layers.push(layer);
                        }
                    }
                }
                Err(e) => diags.push(Diagnostic::error(
                    "kubelet-config-unreadable",
                    format!("cannot read the kubelet drop-in directory {dir}: {e}; settings made there are not seen"),
                )),
            }
        }
        None if root.exists(DROP_IN_DIR) => diags.push(Diagnostic::warning(
            "kubelet-drop-in-unused",
            format!("{DROP_IN_DIR} exists but the kubelet has no --config-dir, so the kubelet does not read it; it is not evaluated"),
        )),
        None => {}
    }
    let using_file = using_file || !layers.is_empty();

    let mut settings = Vec::new();
    for f in FIELDS {
        let from_flag = f.flag.and_then(|name| {
            // List flags (pflag StringSlice) accumulate over occurrences.
            let flag = match f.kind {
                Kind::List => args?.list(name)?,
                _ => args?.last(name)?.clone(),
            };
            // An explicit empty flag (`--client-ca-file=`) still overrides
            // the config file, with the empty value: the setting is unset,
            // not set to "" (and never the path "/"). A boolean flag cannot
            // be empty (pflag refuses it), so its text is kept as written.
            let value = normalize_flag(f.kind, &flag.value);
            Some(Setting {
                value: (matches!(f.kind, Kind::Bool) || !value.is_empty()).then_some(value),
                source: Source::Flag {
                    arg: flag.raw.clone(),
                    at: at.clone(),
                },
            })
        });
        let from_file = || {
            layers.iter().rev().find_map(|(path, node)| {
                // An explicit null is unset: the default applies.
                let n = node
                    .path(f.path)
                    .filter(|n| !matches!(n.value, rampart_core::Value::Null))?;
                Some(Setting {
                    value: node_value(n),
                    source: Source::File {
                        path: path.clone(),
                        line: n.start.line,
                    },
                })
            })
        };
        let setting = from_flag.or_else(from_file).unwrap_or_else(|| {
            if using_file {
                Setting {
                    value: f.file_default.map(str::to_string),
                    source: Source::Default {
                        note: "kubelet.config.k8s.io/v1beta1",
                    },
                }
            } else {
                Setting {
                    value: f.flag_default.map(str::to_string),
                    source: Source::Default {
                        note: "kubelet command-line (no config file)",
                    },
                }
            }
        });
        settings.push((f.key, setting));
    }

    let mut feature_gates: Vec<(String, Setting)> = Vec::new();
    for (path, node) in &layers {
        let Some(Value::Map(entries)) = node.get("featureGates").map(|n| &n.value) else {
            continue;
        };
        for e in entries.iter() {
            let s = Setting {
                value: node_value(&e.value),
                source: Source::File {
                    path: path.clone(),
                    line: e.key_pos.line,
                },
            };
            match feature_gates
                .iter_mut()
                .find(|(k, _)| k.as_str() == &*e.key)
            {
                Some(g) => g.1 = s,
                None => feature_gates.push((e.key.to_string(), s)),
            }
        }
    }
    if let Some(a) = args {
        for (k, v) in a.map("feature-gates") {
            let s = Setting {
                value: Some(normalize_flag(Kind::Bool, &v)),
                source: Source::Flag {
                    arg: format!("--feature-gates={k}={v}"),
                    at: at.clone(),
                },
            };
            match feature_gates.iter_mut().find(|(ek, _)| *ek == k) {
                Some(e) => e.1 = s,
                None => feature_gates.push((k, s)),
            }
        }
    }

    // The kubelet resolves relative paths in a config file against the
    // directory of that file (flags: against its working directory, `/`).
    for (key, setting) in settings.iter_mut() {
        if !PATH_FIELDS.contains(key) {
            continue;
        }
        if let (Some(v), Source::File { path, .. }) = (&mut setting.value, &setting.source)
            && !v.starts_with('/')
        {
            let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
            *v = format!("{dir}/{v}");
        }
    }

    let flag_only = |name: &str| {
        let flag = args?.last(name)?;
        Some(Setting {
            // `--kubeconfig=` is the kubelet's "no kubeconfig".
            value: Some(flag.value.clone()).filter(|v| !v.is_empty()),
            source: Source::Flag {
                arg: flag.raw.clone(),
                at: at.clone(),
            },
        })
    };
    Some(KubeletConfig {
        instance: kubelet.map(|k| k.origin.to_string()),
        config_file: if config_loaded { config_file } else { None },
        config_file_choice: if config_loaded { choice } else { None },
        config_error,
        drop_in_files: drop_ins,
        settings,
        feature_gates,
        kubeconfig: flag_only("kubeconfig"),
        hostname_override: flag_only("hostname-override"),
    })
}

fn normalize_flag(kind: Kind, v: &str) -> String {
    match kind {
        Kind::Bool => parse_bool(v).map_or_else(|| v.to_string(), |b| b.to_string()),
        Kind::List => v
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(","),
        Kind::Scalar => v.to_string(),
    }
}

/// A config-file value as a string (`None` for null and empty strings).
pub(crate) fn node_value(n: &Node) -> Option<String> {
    match &n.value {
        Value::Null => None,
        Value::Bool(b) => Some(b.to_string()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(f) => Some(f.to_string()),
        Value::Str(s) if s.is_empty() => None,
        Value::Str(s) => Some(s.to_string()),
        Value::Seq(items) => Some(
            items
                .iter()
                .filter_map(node_value)
                .collect::<Vec<_>>()
                .join(","),
        ),
        Value::Map(_) => None,
    }
}

/// Reads and parses the kubelet config file through rampart-core's loader.
fn load_config_file(
    root: &NodeRoot,
    path: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<(String, Node)> {
    let text = match root.read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            diags.push(Diagnostic::error(
                "kubelet-config-unreadable",
                format!("cannot read the kubelet config file {path}: {e}; its settings are not known, defaults are shown instead"),
            ));
            return None;
        }
    };
    let source = SourceFile {
        name: Arc::from(path),
        text,
    };
    let inv = rampart_core::Inventory::from_sources(vec![source], Vec::new(), Limits::default());
    diags.extend(inv.diagnostics.iter().cloned());
    let obj = inv
        .objects
        .iter()
        .find(|o| o.kind() == "KubeletConfiguration");
    match obj {
        Some(o) => {
            if o.id.api_version != "kubelet.config.k8s.io/v1beta1" {
                diags.push(Diagnostic::warning(
                    "kubelet-config-version",
                    format!(
                        "{path} is {}; rampart models kubelet.config.k8s.io/v1beta1 defaults",
                        o.id.api_version
                    ),
                ));
            }
            Some((path.to_string(), o.root.clone()))
        }
        None => {
            diags.push(Diagnostic::error(
                "kubelet-config-invalid",
                format!("{path} holds no KubeletConfiguration object; its settings are not known"),
            ));
            None
        }
    }
}
