//! The command line, in one place: what `--help` shows is defined here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "rampart",
    version,
    about = "Kubernetes security posture: find what every hardening guide warns about, exactly",
    long_about = "rampart checks Kubernetes manifests and live clusters against the security practices hardening \
guides ask for (Pod Security Standards, CIS Kubernetes Benchmark, NSA/CISA guidance), reading \
YAML exactly as kubectl and the API server do.",
    after_help = "Examples:\n  rampart scan ./k8s\n  helm template ./chart | rampart scan -\n  \
rampart scan ./k8s -o sarif --output-file results.sarif\n  rampart scan --cluster\n  rampart snapshot --cluster -o snap/\n  rampart versions --cluster\n  rampart rules\n  rampart explain privileged-container\n\n\
Exit codes: 0 no findings at/above --fail-on · 1 findings · 2 usage, config or input error"
)]
pub struct Cli {
    /// More logging on stderr (-v info, -vv debug; or set RAMPART_LOG).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Scan manifests (files, directories, globs or stdin) and report findings.
    #[command(after_help = SCAN_EXAMPLES)]
    Scan(ScanArgs),
    /// List every rule: id, severity, category, title.
    Rules(RulesArgs),
    /// Show a rule's documentation: why it matters, how to fix, references.
    Explain(ExplainArgs),
    /// RBAC: risky grants and escalation paths; can, who-can, show, paths, graph — decided as the API server decides.
    Rbac(RbacArgs),
    /// NetworkPolicy: isolation findings; who can reach whom (matrix, can), exposure outside the cluster, diff.
    Netpol(NetpolArgs),
    /// List the container images manifests use, or write an image lockfile.
    #[command(after_help = IMAGES_EXAMPLES)]
    Images(ImagesArgs),
    /// Save a read-only copy of a cluster's objects to a directory, for offline analysis.
    #[command(after_help = SNAPSHOT_EXAMPLES)]
    Snapshot(SnapshotArgs),
    /// Kubernetes versions of the control plane and every node: support window, latest patch,
    /// version skew, known CVEs, deprecated APIs in use.
    #[command(after_help = VERSIONS_EXAMPLES)]
    Versions(VersionsArgs),
    /// CIS Kubernetes Benchmark checks of this node (or a node root mounted at --root).
    #[command(after_help = NODE_EXAMPLES)]
    Node(NodeArgs),
    /// Show the release, CVE and deprecated-API data built into rampart, and how old it is.
    #[command(
        after_help = "Examples:\n  rampart data\n  rampart data -o json\n  rampart data --max-data-age 30    warn when a file is older than 30 days\n\nThe files live in crates/rampart-releases/data/ (README.md there says how to refresh them).\nExit codes: 0 fresh · 1 a file is older than --max-data-age"
    )]
    Data(DataArgs),
    /// Admission webhook: enforce the rules at `kubectl apply` time (serve), and make its TLS
    /// certificates (certs).
    #[command(after_help = ADMISSION_EXAMPLES)]
    Admission(AdmissionArgs),
    /// Custom policies (ValidatingAdmissionPolicy, Gatekeeper): run their test suites.
    #[command(after_help = POLICY_EXAMPLES)]
    Policy(PolicyArgs),
}

const POLICY_EXAMPLES: &str = "Examples:
  rampart policy test policies/                 every PolicyTest suite under policies/
  rampart policy test library/general/          Gatekeeper gator suites (suite.yaml), unchanged
  rampart scan k8s/ --policy policies/          the same policies on manifests, as findings

Suite formats: docs/commands/policy.md.
Exit codes: 0 all cases pass · 1 a case failed · 2 a suite or policy could not be read";

#[derive(Args)]
pub struct PolicyArgs {
    #[command(subcommand)]
    pub command: PolicyCommand,
}

#[derive(Subcommand)]
pub enum PolicyCommand {
    /// Run policy test suites: rampart's `PolicyTest` (objects with the outcome each must get:
    /// allow, audit, warn, deny) and Gatekeeper's gator `Suite` (violation counts and messages).
    Test {
        /// Files or directories holding suites (and, usually, the policies).
        #[arg(value_name = "PATH", required = true)]
        paths: Vec<String>,
    },
}

const ADMISSION_EXAMPLES: &str = "Examples:
  rampart admission certs --service rampart-webhook -n rampart-system -o certs/
  kubectl create secret tls rampart-webhook-tls -n rampart-system --cert certs/tls.crt --key certs/tls.key
  rampart admission serve --tls-cert certs/tls.crt --tls-key certs/tls.key --listen 0.0.0.0:8443
  rampart admission serve --tls-cert tls.crt --tls-key tls.key --config rampart.yaml --deny-at medium

deploy/webhook.yaml runs the webhook in a cluster; docs/commands/admission.md describes the
failure model, the metrics and the installation step by step.";

#[derive(Args)]
pub struct AdmissionArgs {
    #[command(subcommand)]
    pub command: AdmissionCommand,
}

#[derive(Subcommand)]
pub enum AdmissionCommand {
    /// Serve the validating webhook: AdmissionReview v1 over HTTPS on POST /validate, with
    /// /healthz, /readyz and /metrics. Runs until SIGTERM or SIGINT, then drains requests.
    #[command(after_help = ADMISSION_SERVE_EXAMPLES)]
    Serve(Box<AdmissionServeArgs>),
    /// Write a CA and a serving certificate for the webhook's Service (ca.crt, ca.key, tls.crt,
    /// tls.key) and print the caBundle for the ValidatingWebhookConfiguration.
    #[command(after_help = ADMISSION_CERTS_EXAMPLES)]
    Certs(AdmissionCertsArgs),
}

const ADMISSION_SERVE_EXAMPLES: &str = "Examples:
  rampart admission serve --tls-cert tls.crt --tls-key tls.key
  rampart admission serve --tls-cert tls.crt --tls-key tls.key --listen 127.0.0.1:8443 --config rampart.yaml
  rampart admission serve --tls-cert tls.crt --tls-key tls.key --deny-at critical --exempt-namespace kube-system --exempt-namespace monitoring
  rampart admission serve --tls-cert tls.crt --tls-key tls.key --policy policies/   VAP and Gatekeeper policies too
  rampart admission serve --tls-cert tls.crt --tls-key tls.key --kubeconfig ~/.kube/config   Namespace labels from a cluster
  rampart -v admission serve ...                 log every decision (uid, kind, namespace/name, allowed, duration)

Built-in rule findings at or above --deny-at are denied (kubectl shows the rule id, the message and the
field); lower ones are admitted with a warning. Annotations `ignore-check.rampart.dev/<rule>: <reason>`
on the object exempt it from a rule, as in `rampart scan`. The certificate and key files are re-read when
they change (a renewed Secret needs no restart).

Exit codes: 0 stopped by SIGTERM/SIGINT · 2 usage, configuration, TLS or listen error";

const ADMISSION_CERTS_EXAMPLES: &str = "Examples:
  rampart admission certs --service rampart-webhook -n rampart-system -o certs/
  rampart admission certs --service rampart-webhook -n rampart-system -o certs/ --days 90 --overwrite

The serving certificate (ECDSA P-256, extended key usage serverAuth) names NAME, NAME.NS, NAME.NS.svc and
NAME.NS.svc.cluster.local, and is signed by the CA written beside it. Key files are written with mode 0600
and never printed. Renew before --days pass: write new files with --overwrite, replace the Secret and the
caBundle; the webhook re-reads its files without a restart.

Exit codes: 0 written · 2 usage error, or a file exists (without --overwrite) or cannot be written";

#[derive(Args)]
pub struct AdmissionServeArgs {
    /// The serving certificate (PEM; the chain if there is one).
    #[arg(long, value_name = "FILE")]
    pub tls_cert: PathBuf,
    /// The serving certificate's private key (PEM).
    #[arg(long, value_name = "FILE")]
    pub tls_key: PathBuf,
    /// Address and port to listen on.
    #[arg(long, value_name = "ADDR", default_value = "0.0.0.0:8443")]
    pub listen: std::net::SocketAddr,
    /// Configuration file: rules' severities, parameters and exemptions, as for scan, and its
    /// `admission:` section (denyAt, per-rule actions, exempt namespaces, users and groups), which
    /// the flags below override [default: none, every rule at its defaults].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// File or directory of custom policies to enforce too (repeatable): ValidatingAdmissionPolicies
    /// with their bindings and params, Gatekeeper ConstraintTemplates with their constraints.
    #[arg(long, value_name = "PATH")]
    pub policy: Vec<PathBuf>,
    /// Built-in rule findings at or above this severity deny the request; lower ones warn
    /// [default: the config's admission.denyAt, else high].
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    pub deny_at: Option<rampart_core::Severity>,
    /// Admit everything in this namespace without evaluating it (repeatable; replaces the
    /// config's admission.exemptNamespaces and the default, so name kube-system again to keep it
    /// exempt) [default: kube-system].
    #[arg(long = "exempt-namespace", value_name = "NS")]
    pub exempt_namespaces: Vec<String>,
    /// Admit every request from this user without evaluating it (repeatable; replaces the
    /// config's admission.exemptUsers).
    #[arg(long = "exempt-user", value_name = "USER")]
    pub exempt_users: Vec<String>,
    /// Admit every request from a member of this group without evaluating it (repeatable;
    /// replaces the config's admission.exemptGroups).
    #[arg(long = "exempt-group", value_name = "GROUP")]
    pub exempt_groups: Vec<String>,
    /// Run only this rule (repeatable).
    #[arg(long = "rule", value_name = "ID")]
    pub rules: Vec<String>,
    /// Do not run this rule (repeatable).
    #[arg(long = "skip-rule", value_name = "ID")]
    pub skip_rules: Vec<String>,
    /// Which set of rules to run; pss-namespace enforces each namespace's
    /// pod-security.kubernetes.io/enforce level, read from the namespace cache.
    #[arg(long, value_enum, default_value_t = ProfileArg::Default)]
    pub profile: ProfileArg,
    /// Kubernetes version to evaluate Pod Security checks at: v1.25 … or latest.
    #[arg(long, value_name = "VERSION", default_value = "latest", value_parser = parse_pss_version)]
    pub pss_version: rampart_core::rule::PssVersion,
    /// Largest request body accepted, in bytes (an UPDATE review carries the object and the old
    /// object, each up to the API server's 3 MiB).
    #[arg(long, value_name = "BYTES", default_value_t = rampart_server::DEFAULT_MAX_BODY_BYTES)]
    pub max_body_bytes: usize,
    /// How long in-flight requests may take to finish after SIGTERM, e.g. 10s.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub shutdown_grace: std::time::Duration,
    /// The kubeconfig file to read Namespaces with (turns the namespace cache on outside a
    /// cluster) [default: KUBECONFIG, then ~/.kube/config, then the in-cluster service account].
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to read Namespaces with (turns the namespace cache on outside a
    /// cluster).
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    /// Do not keep a cache of the cluster's Namespaces, even in a pod: policies with a
    /// namespaceSelector are then refused, and namespace labels are not known to the rules.
    #[arg(long, conflicts_with_all = ["kubeconfig", "context"])]
    pub no_namespace_cache: bool,
}

#[derive(Args)]
pub struct AdmissionCertsArgs {
    /// The webhook's Service name.
    #[arg(long, value_name = "NAME")]
    pub service: String,
    /// The Service's namespace.
    #[arg(short, long, value_name = "NS")]
    pub namespace: String,
    /// Directory to write ca.crt, ca.key, tls.crt and tls.key to (created if missing).
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
    /// Days the CA and the serving certificate are valid.
    #[arg(long, value_name = "N", default_value_t = 365,
          value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub days: u32,
    /// Replace files already in the directory.
    #[arg(long)]
    pub overwrite: bool,
}

fn parse_severity(s: &str) -> Result<rampart_core::Severity, String> {
    rampart_core::Severity::parse(s)
        .ok_or_else(|| format!("`{s}` is not a severity (info, low, medium, high, critical)"))
}

const VERSIONS_EXAMPLES: &str = "Examples:
  rampart versions --cluster                       the current context's cluster
  rampart versions snap/                           a snapshot (judged at the date it was taken)
  rampart versions ./manifests --target-version 1.33   API versions a planned upgrade removes
  rampart versions --cluster -o json

Runs the lifecycle rules (`rampart rules`: kubernetes-version-*, kubernetes-known-cve, ...) and
deprecated-api-version; the text report starts with a table of every component's version.
Support windows are judged at the date the cluster was read, with the data of `rampart data`.

Exit codes: as for scan (0 nothing at/above --fail-on · 1 findings · 2 usage or input error)";

/// `rampart versions`: scan's inputs and report options, lifecycle rules only.
#[derive(Args)]
pub struct VersionsArgs {
    /// A snapshot directory or manifests.
    #[command(flatten)]
    pub inputs: InputArgs,
    /// Judge API versions for this Kubernetes version [default: the cluster's, or the newest known].
    #[arg(long, value_name = "VERSION", value_parser = parse_kube_version)]
    pub target_version: Option<rampart_core::cluster::KubeVersion>,
    #[command(flatten)]
    pub cluster: ClusterScanArgs,
    #[command(flatten)]
    pub data_age: DataAge,
    #[command(flatten)]
    pub report: ReportArgs,
}

const NODE_EXAMPLES: &str = "Examples:
  rampart node                               on the node itself (reads /proc and /etc; run as root)
  rampart node --root /host                  from a privileged pod with the node's / mounted at /host
  rampart node --targets master,etcd,node -o json   a control-plane node
  rampart node --platform eks -o sarif       an EKS worker, as SARIF for code scanning
  rampart node --record-baseline node.json   record hashes of the node's Kubernetes files
  rampart node --baseline node.json          ... and later report what changed (check host.4)

Checks CIS Kubernetes Benchmark v1.12: `node` is section 4 (kubelet and kube-proxy files and
settings: the kubelet's effective configuration, from the file --config names wherever it is, flags
over it, then Kubernetes defaults); `master` is section 1 (control-plane file permissions, API server,
controller manager and scheduler flags); `etcd` is section 2; `controlplane` is section 3 (authentication
mechanisms for users, the audit policy evaluated rule by rule). Each result says where the value came
from (process, static pod manifest, file and line, or default). `policies` lists section 5, which
the cluster decides: each control names the rules `rampart scan --cluster --framework cis` checks it
with. On a managed platform (EKS, GKE, AKS; detected from the root unless --platform says) the
provider operates the control plane: `master`, `etcd` and `controlplane` checks are not
applicable. `host` (not CIS Kubernetes; worded after the CIS distribution benchmarks) checks the SSH
daemon's effective configuration (host.1-host.3).

Exit codes: 0 no automated check failed · 1 an automated check failed · 2 usage error, unreadable root
or unreadable baseline";

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum NodeTarget {
    Master,
    Node,
    Etcd,
    Controlplane,
    Policies,
    Host,
}

#[derive(Args)]
pub struct NodeArgs {
    /// The node's root filesystem.
    #[arg(long, value_name = "DIR", default_value = "/")]
    pub root: PathBuf,
    /// Benchmark version: CIS Kubernetes Benchmark v1.12, or v2.0.1 (same ids and titles; 4.1.2
    /// fails a missing kubelet service file, 3.2.2 also asks for CSR and token-request logging).
    #[arg(long, value_name = "NAME", default_value = "cis-1.12", value_parser = ["cis-1.12", "cis-2.0"])]
    pub benchmark: String,
    /// Which parts of the benchmark to run.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "node,host")]
    pub targets: Vec<NodeTarget>,
    /// Who runs the control plane: detected from the root (auto), or given.
    #[arg(long, value_enum, default_value_t = PlatformArg::Auto)]
    pub platform: PlatformArg,
    /// Report format; sarif and junit are the renderers `scan` uses.
    #[arg(short, long, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
    /// Record a file-integrity baseline of the node's Kubernetes files (SHA-256, mode, owner; never
    /// contents) to FILE, written with mode 0600, and exit without running checks.
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    pub record_baseline: Option<PathBuf>,
    /// Compare the node's Kubernetes files with a baseline from --record-baseline: check host.4
    /// fails when any was added, removed or changed.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PlatformArg {
    /// Detect from the node root (EKS, GKE, AKS markers), else self-managed.
    Auto,
    /// The cluster's owner runs the control plane (kubeadm, kops, ...): every check applies.
    SelfManaged,
    /// Amazon EKS: control plane, etcd and section 3 checks are not applicable.
    Eks,
    /// Google GKE: as eks.
    Gke,
    /// Azure AKS: as eks.
    Aks,
}

#[derive(Args)]
pub struct DataArgs {
    #[arg(short, long, value_enum, default_value_t = ListFormat::Text)]
    pub output: ListFormat,
    #[command(flatten)]
    pub age: DataAge,
}

/// How old the built-in release data may be before rampart warns.
#[derive(Args, Clone, Copy, Debug)]
pub struct DataAge {
    /// Warn when the built-in release, CVE or API data is older than this many days.
    #[arg(long = "max-data-age", value_name = "DAYS", default_value_t = DataAge::default().max_days)]
    pub max_days: i64,
}

impl Default for DataAge {
    fn default() -> Self {
        DataAge { max_days: 90 }
    }
}

const SNAPSHOT_EXAMPLES: &str = "Examples:
  rampart snapshot --cluster -o snap/                   current kubeconfig context
  rampart snapshot --context prod -n shop -o snap-shop/ one namespace (and cluster-scoped objects)
  rampart scan snap/          rampart rbac snap/          rampart netpol matrix -f snap/

The directory holds cluster.yaml (server version, served APIs, coverage gaps), cluster/<resource>.yaml
and namespaces/<ns>/<resource>.yaml: JSON documents in YAML streams, as the API server returned them
minus managedFields and status fields no analysis reads. Secrets are read as metadata only, never
their values. Analysing the directory gives the same findings as analysing the cluster.

Exit codes: 0 written · 2 usage error, or the cluster could not be read";

#[derive(Args)]
pub struct SnapshotArgs {
    #[command(flatten)]
    pub cluster: ClusterScanArgs,
    /// The directory to write (created if missing).
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
    /// Replace a snapshot already in the directory.
    #[arg(long)]
    pub overwrite: bool,
    /// No progress display on stderr.
    #[arg(short, long)]
    pub quiet: bool,
}

const IMAGES_EXAMPLES: &str = "Examples:
  rampart images ./k8s                          image, registry, repository, tag, digest, where used
  rampart images ./k8s -o json
  helm template ./chart | rampart images -
  rampart images lock ./k8s > images.lock       record each image with its digest
  rampart scan ./k8s --image-lock images.lock   report images missing from it or with other digests

Exit codes: 0 success · 2 usage or input error";

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ImagesArgs {
    #[command(subcommand)]
    pub command: Option<ImagesCommand>,
    #[command(flatten)]
    pub inputs: InputArgs,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = ListFormat::Text)]
    pub output: ListFormat,
}

#[derive(Subcommand)]
pub enum ImagesCommand {
    /// Print an image lockfile (YAML) of every image the manifests use, with its digest.
    ///
    /// rampart does not contact registries: the digest is the one the manifest
    /// pins (`image@sha256:...`). Images without one are written with
    /// `digest: null` and a warning on stderr; pin them, or fill in their digests.
    Lock(InputArgs),
}

/// Manifests to read, as `rampart scan` takes them.
#[derive(Args)]
pub struct InputArgs {
    /// Files, directories or glob patterns to read; `-` reads stdin.
    #[arg(value_name = "PATH")]
    pub paths: Vec<String>,
    /// A file, directory or glob to read, as with kubectl (repeatable).
    #[arg(short = 'f', long = "filename", value_name = "PATH")]
    pub filenames: Vec<String>,
}

const SCAN_EXAMPLES: &str = "Examples:
  rampart scan ./k8s                            directories recurse into *.yaml, *.yml, *.json
  rampart scan 'deploy/**/*.yaml'               globs (quoted: rampart expands them)
  helm template ./chart | rampart scan -        stdin; findings name the chart template
  kustomize build overlays/prod | rampart scan -
  rampart scan ./k8s -o sarif > results.sarif   GitHub code scanning
  rampart scan ./k8s -o json | jq .             stable schema (docs/json-report.md)
  rampart scan ./k8s -o junit > report.xml      CI test reports
  rampart scan ./k8s --fail-on high             exit 1 only for high and critical
  rampart scan ./k8s --profile pss-restricted --pss-version v1.30   what PSA would reject
  rampart scan ./k8s --framework cis            per-control CIS compliance summary
  rampart scan ./k8s --write-baseline .rampart-baseline.json
  rampart scan ./k8s --baseline .rampart-baseline.json   only new findings
  rampart scan --cluster                        the cluster of the current kubeconfig context (read-only)
  rampart scan --context prod -n shop           one context, one namespace
  rampart scan --cluster --probe-anonymous --read-metrics   also anonymous access, deprecated API requests
  rampart scan ./k8s --target-version 1.33      API versions a planned upgrade removes

Configuration: .rampart.yaml, found from the first path upward (or --config).
Exempt one object: annotate it (or its pod template) with
  ignore-check.rampart.dev/<rule-id>: \"<why this is safe>\"

Exit codes: 0 no findings at/above --fail-on · 1 findings · 2 usage, config or input error
(input errors win: a scan that could not read everything never exits 0).";

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
    Sarif,
    Junit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ProfileArg {
    /// The rules on by default, as the config adjusts them.
    Default,
    /// Exactly what Pod Security Admission checks at the baseline level.
    PssBaseline,
    /// Exactly what Pod Security Admission checks at the restricted level.
    PssRestricted,
    /// Pod Security at the level each Namespace's pod-security.kubernetes.io/enforce label sets.
    PssNamespace,
    /// Every rule, reliability checks included.
    All,
}

impl ProfileArg {
    pub fn profile(self) -> rampart_core::rule::Profile {
        use rampart_core::rule::{Profile, PssLevel};
        match self {
            ProfileArg::Default => Profile::Default,
            ProfileArg::PssBaseline => Profile::Pss(PssLevel::Baseline),
            ProfileArg::PssRestricted => Profile::Pss(PssLevel::Restricted),
            ProfileArg::PssNamespace => Profile::PssNamespace,
            ProfileArg::All => Profile::All,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FrameworkArg {
    /// CIS Kubernetes Benchmark, section 5 (policies).
    Cis,
    /// NSA/CISA Kubernetes Hardening Guidance.
    Nsa,
    /// Pod Security Standards, baseline level.
    PssBaseline,
    /// Pod Security Standards, restricted level.
    PssRestricted,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Info,
    Low,
    Medium,
    High,
    Critical,
    /// Never exit 1 for findings.
    None,
}

#[derive(Args)]
pub struct ScanArgs {
    /// Files, directories or glob patterns to scan; `-` reads stdin.
    #[arg(value_name = "PATH")]
    pub paths: Vec<String>,
    /// A file, directory or glob to scan, as with kubectl (repeatable).
    #[arg(short = 'f', long = "filename", value_name = "PATH")]
    pub filenames: Vec<String>,
    /// Which set of rules to run.
    #[arg(long, value_enum, default_value_t = ProfileArg::Default)]
    pub profile: ProfileArg,
    /// Run the rules that implement this framework and print a per-control
    /// compliance summary (passed / failed / not applicable).
    #[arg(long, value_enum, value_name = "FRAMEWORK")]
    pub framework: Option<FrameworkArg>,
    /// Kubernetes version to evaluate Pod Security checks at: v1.25 … or latest.
    #[arg(long, value_name = "VERSION", default_value = "latest", value_parser = parse_pss_version)]
    pub pss_version: rampart_core::rule::PssVersion,
    /// Image lockfile (`rampart images lock`) to check images against (rule image-not-in-lockfile).
    #[arg(long, value_name = "FILE")]
    pub image_lock: Option<PathBuf>,
    /// Judge API versions (and releases) for this Kubernetes version, e.g. 1.33 for a planned upgrade
    /// [default: the cluster's version, or the newest known].
    #[arg(long, value_name = "VERSION", value_parser = parse_kube_version)]
    pub target_version: Option<rampart_core::cluster::KubeVersion>,
    /// Custom policies to evaluate on every object, as admission would: ValidatingAdmissionPolicies
    /// with bindings and params, Gatekeeper templates with constraints (file or directory, repeatable).
    #[arg(long, value_name = "DIR")]
    pub policy: Vec<String>,
    #[command(flatten)]
    pub cluster: ClusterScanArgs,
    #[command(flatten)]
    pub data_age: DataAge,
    #[command(flatten)]
    pub report: ReportArgs,
}

impl ScanArgs {
    /// The scan a narrowed command (`rbac`, `netpol`, `versions`) runs:
    /// its inputs and report options, every other scan option at its
    /// default.
    pub fn narrowed(
        paths: Vec<String>,
        filenames: Vec<String>,
        cluster: ClusterScanArgs,
        report: ReportArgs,
    ) -> ScanArgs {
        ScanArgs {
            paths,
            filenames,
            profile: ProfileArg::Default,
            framework: None,
            pss_version: Default::default(),
            image_lock: None,
            target_version: None,
            policy: Vec::new(),
            cluster,
            data_age: Default::default(),
            report,
        }
    }
}

fn parse_kube_version(s: &str) -> Result<rampart_core::cluster::KubeVersion, String> {
    rampart_core::cluster::KubeVersion::parse(s)
        .ok_or_else(|| format!("`{s}` is not a Kubernetes version (1.33, v1.33 or v1.33.2)"))
}

/// Which live cluster to read, as kubectl chooses it.
#[derive(Args, Clone, Debug, Default)]
pub struct ClusterSource {
    /// Read the objects from the cluster of the current kubeconfig context (or the in-cluster
    /// service account) instead of files. Read-only: rampart only sends GET requests.
    #[arg(long)]
    pub cluster: bool,
    /// The kubeconfig context to use (implies --cluster).
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    /// The kubeconfig file to use (implies --cluster) [default: KUBECONFIG, then ~/.kube/config].
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Longest wait for one API request, e.g. 30s, 2m.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub request_timeout: std::time::Duration,
}

impl ClusterSource {
    /// Whether a cluster, not files, is the input.
    pub fn enabled(&self) -> bool {
        self.cluster || self.context.is_some() || self.kubeconfig.is_some()
    }
}

fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let (number, unit) = s
        .find(|c: char| !c.is_ascii_digit())
        .map_or((s, "s"), |i| s.split_at(i));
    let n: u64 = number
        .parse()
        .map_err(|_| format!("`{s}` is not a duration (30s, 2m, 1h)"))?;
    let seconds = match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => return Err(format!("`{s}` is not a duration (30s, 2m, 1h)")),
    };
    if seconds == 0 {
        return Err("the timeout must be at least 1s".into());
    }
    Ok(std::time::Duration::from_secs(seconds))
}

/// A live cluster to audit, and how much of it.
#[derive(Args, Clone, Debug, Default)]
pub struct ClusterScanArgs {
    #[command(flatten)]
    pub source: ClusterSource,
    /// Only this namespace (with --cluster); cluster-scoped objects are still read.
    #[arg(short, long, value_name = "NS", conflicts_with = "all_namespaces")]
    pub namespace: Option<String>,
    /// Every namespace (the default with --cluster).
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
    /// Also send one unauthenticated GET /api, to report an API server that answers anonymous requests.
    #[arg(long)]
    pub probe_anonymous: bool,
    /// Also read the API server's /metrics for the deprecated API versions clients still request
    /// (needs `get` on the non-resource URL /metrics).
    #[arg(long)]
    pub read_metrics: bool,
}

/// How findings are selected, filtered and reported: shared by `scan` and
/// `rbac`.
#[derive(Args)]
pub struct ReportArgs {
    /// Report format.
    #[arg(short, long, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
    /// Write the report to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,
    /// Lowest severity that makes rampart exit 1 [default: low, or failOn in the config].
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,
    /// Configuration file [default: .rampart.yaml found from the first path upward].
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Ignore any .rampart.yaml.
    #[arg(long)]
    pub no_config: bool,
    /// Run only this rule (repeatable).
    #[arg(long = "rule", value_name = "ID")]
    pub rules: Vec<String>,
    /// Do not run this rule (repeatable).
    #[arg(long = "skip-rule", value_name = "ID")]
    pub skip_rules: Vec<String>,
    /// Report only findings that are not in this baseline file.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record today's findings as a baseline; exits 0 unless the input had errors.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Colour in text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// No progress display on stderr.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Args)]
pub struct RulesArgs {
    #[arg(short, long, value_enum, default_value_t = ListFormat::Text)]
    pub output: ListFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DocFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Args)]
pub struct ExplainArgs {
    /// The rule id, as `rampart rules` lists it.
    pub rule: String,
    #[arg(short, long, value_enum, default_value_t = DocFormat::Text)]
    pub output: DocFormat,
}

fn parse_pss_version(s: &str) -> Result<rampart_core::rule::PssVersion, String> {
    match rampart_core::rule::PssVersion::parse(s) {
        Some(rampart_core::rule::PssVersion::Minor(m)) if m < 25 => Err(format!(
            "{s}: Pod Security Admission is evaluated from v1.25 (its GA) on"
        )),
        Some(v) => Ok(v),
        None => Err(format!("{s}: expected `latest` or a version like v1.30")),
    }
}

const RBAC_EXAMPLES: &str = "Examples:
  rampart rbac ./manifests                       risky grants, escalation paths, hygiene
  rampart rbac ./manifests --assume-defaults     as on a stock cluster (Kubernetes' default roles added)
  rampart rbac ./manifests -o sarif > rbac.sarif
  rampart rbac can sa:ci:deployer create pods -n prod -f ./manifests
  rampart rbac who-can get secrets -n kube-system -f ./manifests
  rampart rbac who-can create pods --subresource exec -A -f ./manifests
  rampart rbac show user:alice --group dev -f ./manifests
  rampart rbac paths group:dev-team -f ./manifests
  rampart rbac graph -f ./manifests -o dot | dot -Tsvg > rbac.svg

Subjects: user:NAME, group:NAME, sa:NAMESPACE:NAME (a user system:serviceaccount:NS:NAME is that
service account). `rampart rbac PATH` runs the rbac rules of `rampart rules` (they also run in
`rampart scan`); exit codes as for scan.";

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true, after_help = RBAC_EXAMPLES)]
pub struct RbacArgs {
    #[command(subcommand)]
    pub command: Option<RbacCommand>,
    #[command(flatten)]
    pub audit: RbacAuditArgs,
}

/// `rampart rbac PATH...`: the RBAC rules only, with scan's report options.
#[derive(Args)]
pub struct RbacAuditArgs {
    /// Files, directories or glob patterns to read; `-` reads stdin.
    #[arg(value_name = "PATH")]
    pub paths: Vec<String>,
    /// A file, directory or glob to read, as with kubectl (repeatable).
    #[arg(short = 'f', long = "filename", value_name = "PATH")]
    pub filenames: Vec<String>,
    /// Add the roles and bindings every Kubernetes cluster has (cluster-admin, admin, edit,
    /// view, system:* roles and their bindings), as if the manifests were applied to a stock cluster.
    #[arg(long)]
    pub assume_defaults: bool,
    #[command(flatten)]
    pub cluster: ClusterScanArgs,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Subcommand)]
pub enum RbacCommand {
    /// Can SUBJECT do VERB on RESOURCE? Prints yes or no and the granting
    /// binding → role → rule; exits 0 for yes, 1 for no (like kubectl auth can-i).
    #[command(
        after_help = "Examples:\n  rampart rbac can sa:ci:deployer create pods -n prod -f ./manifests\n  rampart rbac can user:alice --group dev get secrets/db -n prod -f rbac.yaml\n  rampart rbac can user:bob get /healthz -f rbac.yaml\n\nSubjects: user:NAME, group:NAME, sa:NAMESPACE:NAME (a user system:serviceaccount:NS:NAME is that service account)."
    )]
    Can(RbacCanArgs),
    /// Who can do VERB on RESOURCE? Every subject, with the granting path.
    #[command(
        after_help = "Examples:\n  rampart rbac who-can get secrets -n kube-system -f ./manifests\n  rampart rbac who-can create pods --subresource exec -A -f ./manifests"
    )]
    WhoCan(RbacWhoCanArgs),
    /// What can SUBJECT do? Every rule that applies to it, where, and through which binding.
    #[command(
        after_help = "Examples:\n  rampart rbac show user:alice -f ./manifests\n  rampart rbac show user:alice --group dev-team -f ./manifests -o json\n  rampart rbac show sa:ci:deployer -f ./manifests --assume-defaults"
    )]
    Show(RbacSubjectArgs),
    /// How could SUBJECT become cluster admin? The shortest escalation chain, each step explained.
    #[command(
        after_help = "Examples:\n  rampart rbac paths group:dev-team -f ./manifests\n  rampart rbac paths sa:ci:builder -f ./manifests -o json\n  rampart rbac paths --all -f ./manifests      every subject with a path\n\nExit codes: 0 no path · 1 a path exists · 2 usage or input error"
    )]
    Paths(RbacPathsArgs),
    /// Draw subjects → bindings → roles as Graphviz DOT or Mermaid.
    #[command(
        after_help = "Examples:\n  rampart rbac graph -f ./manifests -o dot | dot -Tsvg > rbac.svg\n  rampart rbac graph -f ./manifests -o mermaid > rbac.mmd\n  rampart rbac graph -f ./manifests --subject sa:ci:deployer -o dot"
    )]
    Graph(RbacGraphArgs),
}

/// Where the RBAC objects come from.
#[derive(Args)]
pub struct RbacInputs {
    /// Files, directories or globs holding the RBAC objects (repeatable; `-` for stdin).
    #[arg(short = 'f', long = "filename", value_name = "PATH")]
    pub filenames: Vec<String>,
    /// Add the roles and bindings every Kubernetes cluster has (see `rampart rbac --help`).
    #[arg(long)]
    pub assume_defaults: bool,
    #[command(flatten)]
    pub cluster: ClusterSource,
}

/// The namespace and subresource of a request, as kubectl auth can-i takes them.
#[derive(Args)]
pub struct RbacRequestArgs {
    /// Namespace of the request [default: default].
    #[arg(short, long, conflicts_with = "all_namespaces")]
    pub namespace: Option<String>,
    /// Ask about all namespaces (a cluster-wide request).
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
    /// Subresource, e.g. exec, log, scale.
    #[arg(long)]
    pub subresource: Option<String>,
}

#[derive(Args)]
pub struct RbacCanArgs {
    /// user:NAME, group:NAME or sa:NAMESPACE:NAME.
    pub subject: String,
    /// get, list, create, … (any verb; `*` rules match custom verbs too).
    pub verb: String,
    /// RESOURCE[.GROUP][/NAME] as kubectl auth can-i takes it, or a non-resource URL (/healthz).
    pub resource: String,
    /// A group the user belongs to (repeatable), like kubectl's --as-group.
    #[arg(long = "group", value_name = "GROUP")]
    pub groups: Vec<String>,
    #[command(flatten)]
    pub request: RbacRequestArgs,
    #[command(flatten)]
    pub inputs: RbacInputs,
    #[arg(short, long, value_enum, default_value_t = ListFormat::Text)]
    pub output: ListFormat,
}

#[derive(Args)]
pub struct RbacWhoCanArgs {
    pub verb: String,
    /// RESOURCE[.GROUP][/NAME], or a non-resource URL.
    pub resource: String,
    #[command(flatten)]
    pub request: RbacRequestArgs,
    #[command(flatten)]
    pub inputs: RbacInputs,
    #[arg(short, long, value_enum, default_value_t = ListFormat::Text)]
    pub output: ListFormat,
}

#[derive(Args)]
pub struct RbacSubjectArgs {
    /// user:NAME, group:NAME or sa:NAMESPACE:NAME.
    pub subject: String,
    /// A group the user belongs to (repeatable), like kubectl's --as-group.
    #[arg(long = "group", value_name = "GROUP")]
    pub groups: Vec<String>,
    #[command(flatten)]
    pub inputs: RbacInputs,
    #[arg(short, long, value_enum, default_value_t = ListFormat::Text)]
    pub output: ListFormat,
}

#[derive(Args)]
pub struct RbacPathsArgs {
    /// user:NAME, group:NAME or sa:NAMESPACE:NAME.
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub subject: Option<String>,
    /// Every subject of the input that has a path (two steps or more).
    #[arg(long)]
    pub all: bool,
    /// A group the user belongs to (repeatable), like kubectl's --as-group.
    #[arg(long = "group", value_name = "GROUP")]
    pub groups: Vec<String>,
    #[command(flatten)]
    pub inputs: RbacInputs,
    #[arg(short, long, value_enum, default_value_t = ListFormat::Text)]
    pub output: ListFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Graphviz DOT.
    Dot,
    /// Mermaid flowchart.
    Mermaid,
}

#[derive(Args)]
pub struct RbacGraphArgs {
    /// Only the bindings naming this subject (user:NAME, group:NAME, sa:NS:NAME), with their roles.
    #[arg(long)]
    pub subject: Option<String>,
    #[command(flatten)]
    pub inputs: RbacInputs,
    #[arg(short, long, value_enum, default_value_t = GraphFormat::Dot)]
    pub output: GraphFormat,
}

const NETPOL_EXAMPLES: &str = "Examples:
  rampart netpol ./manifests                     unisolated workloads, missing default-deny, open egress, lint
  rampart netpol matrix -f ./manifests           workload x workload reachability per port and protocol
  rampart netpol matrix -f ./manifests -o json   rows {from, to, ports}, for comparison with other tools
  rampart netpol matrix -f ./manifests -o html > reach.html
  rampart netpol can prod/frontend prod/api:8080/TCP -f ./manifests
  rampart netpol can prod/api 8.8.8.8:53/UDP -f ./manifests
  rampart netpol exposure -f ./manifests         what each workload accepts from / may reach outside the cluster
  rampart netpol diff old/ new/                  connections a change opens or closes

Workloads are the objects with pod templates (Deployments, StatefulSets, DaemonSets, Jobs, CronJobs, Pods, ...);
their pods' IP addresses are not known from manifests, so ipBlocks only match addresses outside the cluster.
`rampart netpol PATH` runs the network-policy rules of `rampart rules` (they also run in `rampart scan`).";

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true, after_help = NETPOL_EXAMPLES)]
pub struct NetpolArgs {
    #[command(subcommand)]
    pub command: Option<NetpolCommand>,
    /// Files, directories or glob patterns to read; `-` reads stdin.
    #[arg(value_name = "PATH")]
    pub paths: Vec<String>,
    /// A file, directory or glob to read, as with kubectl (repeatable).
    #[arg(short = 'f', long = "filename", value_name = "PATH")]
    pub filenames: Vec<String>,
    #[command(flatten)]
    pub cluster: ClusterScanArgs,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Subcommand)]
pub enum NetpolCommand {
    /// Every allowed connection between workloads (and from / to outside the cluster), per port and protocol.
    Matrix(NetpolMatrixArgs),
    /// May FROM connect to TO? yes or no, and the policy and rule on each side; exits 0 for yes, 1 for no.
    #[command(
        after_help = "Endpoints: NAMESPACE/NAME or NAMESPACE/KIND/NAME for a workload, or an IP address.\nThe destination carries :PORT[/PROTOCOL] (TCP by default): prod/api:8080, 10.0.0.1:53/UDP, [2001:db8::1]:443."
    )]
    Can(NetpolCanArgs),
    /// What each workload accepts from outside the cluster and may reach outside it.
    Exposure(NetpolListArgs),
    /// Connections a change opens or closes, between two sets of manifests.
    Diff(NetpolDiffArgs),
}

#[derive(Args)]
pub struct NetpolInputs {
    /// Files, directories or globs holding the manifests (repeatable; `-` for stdin).
    #[arg(short = 'f', long = "filename", value_name = "PATH")]
    pub filenames: Vec<String>,
    #[command(flatten)]
    pub cluster: ClusterSource,
    #[command(flatten)]
    pub options: NetpolOptions,
}

/// What the API leaves to the network plugin.
#[derive(Args)]
pub struct NetpolOptions {
    /// Never match pods against ipBlocks, even where their addresses are known
    /// (status.podIPs in a cluster snapshot); by default they match, as upstream e2e tests expect.
    #[arg(long)]
    pub ignore_pod_ips: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MatrixFormat {
    Table,
    Json,
    Csv,
    /// Graphviz DOT.
    Dot,
    /// A self-contained HTML page.
    Html,
}

#[derive(Args)]
pub struct NetpolMatrixArgs {
    #[command(flatten)]
    pub inputs: NetpolInputs,
    /// Only connections from or to workloads of this namespace.
    #[arg(short, long)]
    pub namespace: Option<String>,
    #[arg(short, long, value_enum, default_value_t = MatrixFormat::Table)]
    pub output: MatrixFormat,
}

#[derive(Args)]
pub struct NetpolCanArgs {
    /// NAMESPACE/NAME, NAMESPACE/KIND/NAME or an IP address.
    pub from: String,
    /// The destination with its port: NAMESPACE/NAME:PORT[/PROTOCOL] or IP:PORT[/PROTOCOL].
    pub to: String,
    #[command(flatten)]
    pub inputs: NetpolInputs,
    #[arg(short, long, value_enum, default_value_t = ListFormat::Text)]
    pub output: ListFormat,
}

#[derive(Args)]
pub struct NetpolListArgs {
    #[command(flatten)]
    pub inputs: NetpolInputs,
    #[arg(short, long, value_enum, default_value_t = ListFormat::Text)]
    pub output: ListFormat,
}

#[derive(Args)]
pub struct NetpolDiffArgs {
    /// The manifests before the change (file, directory or glob).
    pub old: String,
    /// The manifests after the change.
    pub new: String,
    #[command(flatten)]
    pub options: NetpolOptions,
    #[arg(short, long, value_enum, default_value_t = ListFormat::Text)]
    pub output: ListFormat,
}
