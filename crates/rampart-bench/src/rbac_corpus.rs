//! The RBAC corpus: a large cluster's RBAC objects, generated from a seed.
//!
//! The shape follows what `kubectl get -A -o yaml` dumps of big multi-team
//! clusters look like: a namespace per 20 roles, of very uneven size (a
//! few busy ones hold a large share), mostly namespaced Roles of 2–10
//! rules (core, apps, batch and custom groups, read-mostly verb sets, some
//! `resourceNames`, a few wildcards and risky grants), about a tenth
//! ClusterRoles (mostly read-only), among them the stock aggregated
//! `admin`/`edit`/`view` and discovery roles and some custom aggregated
//! ones (label selectors, chains), RoleBindings and 8% ClusterRoleBindings
//! naming service accounts (with and without a namespace, of the same and
//! other namespaces; cluster-wide ones mostly of infrastructure
//! namespaces), users and groups (public groups only through the stock
//! bindings and a few read-only RoleBindings); about 2% of bindings refer
//! to roles that do not exist. Then the ServiceAccounts themselves, legacy
//! token Secrets, and Deployments running as those service accounts, so
//! that workload/RBAC joins (who runs as an account that can read Secrets)
//! have work to do. Every object is one the API server accepts.
//!
//! Objects are written namespace by namespace after the cluster-scoped
//! ones, `--per-file` of them per file, and the output is byte-identical
//! for a given size and seed (nothing here iterates a hash map).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::corpus::{self, Stats};
use crate::error::{Error, Result};
use crate::rng::Rng;
use crate::yaml::{Yaml, flow_map, flow_seq};

/// Bump whenever the output changes, so cached corpora are regenerated.
const FORMAT: u32 = 1;

const RBAC_API: &str = "rbac.authorization.k8s.io/v1";
const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Params {
    /// Roles and ClusterRoles together.
    pub roles: u64,
    /// RoleBindings and ClusterRoleBindings together.
    pub bindings: u64,
    pub per_file: u64,
    pub seed: u64,
}

impl Params {
    fn marker(&self, stats: &Stats) -> String {
        format!(
            "rampart-bench rbac corpus\nformat={FORMAT}\nroles={}\nbindings={}\nper_file={}\nseed={}\nobjects={}\nfiles={}\nbytes={}\n",
            self.roles,
            self.bindings,
            self.per_file,
            self.seed,
            stats.objects,
            stats.files,
            stats.bytes
        )
    }
}

/// Generates the corpus into `dir` (see [`corpus::claim`] for which
/// directories may be written into).
pub fn write(dir: &Path, params: &Params) -> Result<Stats> {
    if params.per_file == 0 {
        return Err(Error("--per-file must be at least 1".into()));
    }
    if params.roles == 0 {
        return Err(Error("--roles must be at least 1".into()));
    }
    let mut g = Generator::new(params);
    let items = g.items();
    corpus::write_documents(dir, &mut g, &items, params.per_file, |stats| {
        params.marker(stats)
    })
}

/// The corpus in `dir` if it is complete and was made with `params` by
/// this generator version (checked against the files actually present).
pub fn cached(dir: &Path, params: &Params) -> Option<Stats> {
    corpus::cached_as(dir, |stats| params.marker(stats))
}

/// The cached corpus, or a freshly generated one; the bool says whether it
/// was generated.
pub fn ensure(dir: &Path, params: &Params) -> Result<(Stats, bool)> {
    corpus::ensure_with(cached(dir, params), || write(dir, params))
}

// ------------------------------------------------------------------ pools

/// Namespaces every cluster of this kind has; the first ten are the busy
/// ones (they get a large share of everything namespaced).
const WELL_KNOWN_NAMESPACES: &[&str] = &[
    "default",
    "kube-system",
    "monitoring",
    "payments-prod",
    "platform",
    "ci",
    "argocd",
    "checkout-prod",
    "data-prod",
    "ingress-nginx",
    "logging",
    "cert-manager",
    "istio-system",
    "kube-public",
    "external-secrets",
    "velero",
    "keda",
    "flux-system",
    "kyverno",
];

/// Where the controllers with cluster-wide grants run.
const INFRA_NAMESPACES: &[&str] = &[
    "kube-system",
    "monitoring",
    "platform",
    "ci",
    "argocd",
    "ingress-nginx",
    "logging",
    "cert-manager",
    "istio-system",
    "external-secrets",
    "velero",
    "keda",
    "flux-system",
    "kyverno",
];

const TEAMS: &[&str] = &[
    "payments",
    "checkout",
    "storefront",
    "search",
    "data",
    "analytics",
    "ml",
    "platform",
    "sre",
    "security",
    "identity",
    "growth",
    "mobile",
    "billing",
    "logistics",
    "marketing",
    "support",
    "finance",
    "infra",
    "edge",
    "media",
    "messaging",
    "risk",
    "partners",
];

const ENVS: &[&str] = &["prod", "staging", "dev", "qa", "perf", "sandbox"];
const REGIONS: &[&str] = &["eu", "us", "ap"];

const APPS: &[&str] = &[
    "payments-api",
    "checkout",
    "cart",
    "frontend",
    "auth",
    "user-service",
    "inventory",
    "search",
    "recommendations",
    "notifications",
    "billing",
    "ledger",
    "api-gateway",
    "orders",
    "shipping",
    "catalog",
    "reviews",
    "image-resizer",
    "rate-limiter",
    "audit-log",
    "report-generator",
    "fraud-detector",
    "pricing",
    "loyalty",
    "data-pipeline",
    "etl-runner",
    "feature-store",
    "model-server",
    "web",
    "admin-portal",
];

const PURPOSES: &[&str] = &[
    "reader",
    "writer",
    "deployer",
    "operator",
    "admin",
    "viewer",
    "config-reader",
    "secret-reader",
    "leader-election",
    "migrator",
    "ci",
    "debug",
    "oncall",
    "autoscaler",
    "metrics",
];

const SA_SUFFIXES: &[&str] = &[
    "",
    "-worker",
    "-migrator",
    "-deployer",
    "-sync",
    "-backup",
    "-exporter",
    "-controller",
    "-ci",
    "-job",
];

const OPERATORS: &[&str] = &[
    "cert-manager",
    "argocd",
    "prometheus-operator",
    "external-secrets",
    "strimzi",
    "istio",
    "keda",
    "velero",
    "flux",
    "kyverno",
    "ingress-nginx",
    "external-dns",
    "cluster-autoscaler",
    "karpenter",
    "crossplane",
    "tekton",
];

const FIRST_NAMES: &[&str] = &[
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory",
    "nina", "oscar", "peggy", "quentin", "rupert", "sybil", "trent", "ursula", "victor", "wendy",
    "xavier", "yasmin", "zoe", "amir", "bea", "chen", "dara", "emeka", "farah",
];

const LAST_NAMES: &[&str] = &[
    "nguyen", "smith", "garcia", "kim", "muller", "rossi", "silva", "tanaka", "kowalski", "okafor",
    "ivanova", "dubois", "jensen", "haddad", "novak", "patel", "larsen", "costa", "schmidt",
    "yilmaz", "oconnor", "santos", "berg", "fischer", "moreau", "lopez", "wang", "sato", "meyer",
    "khan",
];

const BOTS: &[&str] = &[
    "deploy-bot",
    "terraform",
    "jenkins",
    "github-actions",
    "gitlab-runner",
    "backstage",
];

/// Namespaced resources by group, for ordinary rules: (weight, group,
/// resources).
const GROUPS: &[(u64, &str, &[&str])] = &[
    (
        30,
        "",
        &[
            "pods",
            "pods/log",
            "services",
            "endpoints",
            "configmaps",
            "persistentvolumeclaims",
            "events",
            "serviceaccounts",
            "replicationcontrollers",
        ],
    ),
    (
        20,
        "apps",
        &[
            "deployments",
            "statefulsets",
            "daemonsets",
            "replicasets",
            "deployments/scale",
        ],
    ),
    (8, "batch", &["jobs", "cronjobs"]),
    (5, "networking.k8s.io", &["ingresses", "networkpolicies"]),
    (4, "autoscaling", &["horizontalpodautoscalers"]),
    (3, "policy", &["poddisruptionbudgets"]),
    (4, "coordination.k8s.io", &["leases"]),
    (2, "discovery.k8s.io", &["endpointslices"]),
    (
        3,
        "monitoring.coreos.com",
        &["servicemonitors", "podmonitors", "prometheusrules"],
    ),
    (
        3,
        "cert-manager.io",
        &["certificates", "issuers", "certificaterequests"],
    ),
    (3, "argoproj.io", &["applications", "rollouts", "workflows"]),
    (
        2,
        "external-secrets.io",
        &["externalsecrets", "secretstores"],
    ),
    (
        2,
        "networking.istio.io",
        &["virtualservices", "destinationrules", "gateways"],
    ),
    (2, "kafka.strimzi.io", &["kafkatopics", "kafkausers"]),
    (2, "acme.io", &["widgets", "widgets/status", "gizmos"]),
];

/// Custom groups only: what CRD operators aggregate into admin/edit/view.
const CUSTOM_GROUPS: &[(&str, &[&str])] = &[
    ("monitoring.coreos.com", &["servicemonitors", "podmonitors"]),
    ("cert-manager.io", &["certificates", "issuers"]),
    ("argoproj.io", &["applications", "rollouts"]),
    ("external-secrets.io", &["externalsecrets"]),
    ("kafka.strimzi.io", &["kafkatopics", "kafkausers"]),
    ("acme.io", &["widgets", "gizmos"]),
    ("keda.sh", &["scaledobjects", "scaledjobs"]),
    ("velero.io", &["backups", "restores"]),
];

const READ: &[&str] = &["get", "list", "watch"];
const READ_WRITE: &[&str] = &[
    "get", "list", "watch", "create", "update", "patch", "delete",
];

/// Verb sets of Roles' ordinary rules: (weight, verbs).
const VERB_SETS: &[(u64, &[&str])] = &[
    (55, READ),
    (10, READ_WRITE),
    (12, &["get"]),
    (5, &["create", "update", "patch"]),
    (5, &["update", "patch"]),
    (6, &["get", "list"]),
    (2, &["*"]),
    (1, &["create", "delete", "deletecollection"]),
    (2, ALL_VERBS),
];

/// ClusterRoles are mostly bound cluster-wide to controllers that watch
/// everything and write little.
const CLUSTER_VERB_SETS: &[(u64, &[&str])] = &[
    (70, READ),
    (6, READ_WRITE),
    (8, &["get"]),
    (4, &["create", "update", "patch"]),
    (3, &["update", "patch"]),
    (7, &["get", "list"]),
    (1, &["*"]),
    (1, ALL_VERBS),
];

const ALL_VERBS: &[&str] = &[
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
];

/// Object names that rules restrict themselves to.
const RESOURCE_NAMES: &[&str] = &[
    "app-config",
    "feature-flags",
    "leader-election-lock",
    "db-credentials",
    "tls-cert",
    "registry-auth",
    "ingress-controller-leader",
];

// ----------------------------------------------------------------- model

/// A rule to write.
#[derive(Default)]
struct RuleSpec {
    groups: Vec<&'static str>,
    resources: Vec<&'static str>,
    names: Vec<&'static str>,
    urls: Vec<&'static str>,
    verbs: Vec<&'static str>,
}

fn rule(groups: &[&'static str], resources: &[&'static str], verbs: &[&'static str]) -> RuleSpec {
    RuleSpec {
        groups: groups.to_vec(),
        resources: resources.to_vec(),
        verbs: verbs.to_vec(),
        ..RuleSpec::default()
    }
}

/// The Kubernetes default ClusterRoles written into the corpus (abridged
/// rules), so that bindings to `admin`, `edit` and `view` resolve through
/// the same aggregation chain as on a real cluster.
#[derive(Clone, Copy)]
enum Stock {
    ClusterAdmin,
    Admin,
    Edit,
    View,
    AggregateToAdmin,
    AggregateToEdit,
    AggregateToView,
    Discovery,
    BasicUser,
    PublicInfoViewer,
}

const STOCK: [(Stock, &str); 10] = [
    (Stock::ClusterAdmin, "cluster-admin"),
    (Stock::Admin, "admin"),
    (Stock::Edit, "edit"),
    (Stock::View, "view"),
    (Stock::AggregateToAdmin, "system:aggregate-to-admin"),
    (Stock::AggregateToEdit, "system:aggregate-to-edit"),
    (Stock::AggregateToView, "system:aggregate-to-view"),
    (Stock::Discovery, "system:discovery"),
    (Stock::BasicUser, "system:basic-user"),
    (Stock::PublicInfoViewer, "system:public-info-viewer"),
];

/// The stock ClusterRoleBindings: (name = role, group). The public groups
/// are bound to these harmless roles on every cluster.
const STOCK_BINDINGS: [(&str, &str); 4] = [
    ("cluster-admin", "system:masters"),
    ("system:discovery", "system:authenticated"),
    ("system:basic-user", "system:authenticated"),
    ("system:public-info-viewer", "system:unauthenticated"),
];

fn aggregate_to(to: &str) -> String {
    format!("rbac.authorization.k8s.io/aggregate-to-{to}")
}

enum ClusterRoleKind {
    Stock(Stock),
    /// A custom aggregated role: its selectors pick the roles labelled
    /// `key: "true"`; `style` varies how the selector is written.
    Aggregating {
        key: String,
        style: u64,
    },
    /// Ordinary rules; `crd` roles hold custom-group rules only (what
    /// operators aggregate into admin/edit/view).
    Plain {
        crd: bool,
    },
}

struct ClusterRole {
    name: String,
    labels: Vec<(String, String)>,
    kind: ClusterRoleKind,
}

/// Hands out names unique within one scope: `base`, then `base-2`, ...
#[derive(Default)]
struct Names {
    used: HashSet<String>,
    next: HashMap<String, u32>,
}

impl Names {
    fn unique(&mut self, base: &str) -> String {
        if self.used.insert(base.to_string()) {
            return base.to_string();
        }
        let n = self.next.entry(base.to_string()).or_insert(1);
        loop {
            *n += 1;
            let name = format!("{base}-{n}");
            if self.used.insert(name.clone()) {
                return name;
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Item {
    Namespace(usize),
    ClusterRole(usize),
    /// Index in [`STOCK_BINDINGS`].
    StockBinding(usize),
    ClusterRoleBinding,
    /// (namespace, index in its accounts).
    ServiceAccount(usize, usize),
    TokenSecret(usize),
    /// (namespace, index in its roles).
    Role(usize, usize),
    RoleBinding(usize),
    Deployment(usize),
}

/// A binding subject to write.
enum SubjectSpec {
    /// `namespace: None` leaves the field out.
    ServiceAccount {
        namespace: Option<String>,
        name: String,
    },
    User(String),
    Group(String),
}

struct Generator {
    rng: Rng,
    roles: u64,
    bindings: u64,
    namespaces: Vec<String>,
    /// Indices of the [`INFRA_NAMESPACES`] among `namespaces`.
    infra: Vec<usize>,
    /// Per namespace: ServiceAccount names, `default` first.
    accounts: Vec<Vec<String>>,
    /// Per namespace: Role names.
    ns_roles: Vec<Vec<String>>,
    cluster_roles: Vec<ClusterRole>,
    /// Indices of the custom (non-stock) ClusterRoles.
    custom_cluster_roles: Vec<usize>,
    users: Vec<String>,
    groups: Vec<String>,
    role_bindings: Vec<u64>,
    deployments: Vec<u64>,
    token_secrets: Vec<u64>,
    cluster_bindings: u64,
    /// Extra indentation of sequence entries in the object being written.
    so: usize,
    /// Names taken in the namespace being written.
    ns_names: NamespaceNames,
    crb_names: Names,
}

/// The names of one namespace's RoleBindings, Deployments and Secrets.
#[derive(Default)]
struct NamespaceNames {
    namespace: Option<usize>,
    bindings: Names,
    deployments: Names,
    secrets: Names,
}

impl corpus::Documents for Generator {
    type Item = Item;

    fn leading_separator(&mut self) -> bool {
        self.rng.chance(40)
    }

    fn write(&mut self, y: &mut Yaml, item: Item) {
        self.item(y, item);
    }
}

impl Generator {
    fn new(params: &Params) -> Generator {
        let mut g = Generator {
            rng: Rng::new(params.seed),
            roles: params.roles,
            bindings: params.bindings,
            namespaces: Vec::new(),
            infra: Vec::new(),
            accounts: Vec::new(),
            ns_roles: Vec::new(),
            cluster_roles: Vec::new(),
            custom_cluster_roles: Vec::new(),
            users: Vec::new(),
            groups: Vec::new(),
            role_bindings: Vec::new(),
            deployments: Vec::new(),
            token_secrets: Vec::new(),
            cluster_bindings: 0,
            so: 0,
            ns_names: NamespaceNames::default(),
            crb_names: Names::default(),
        };
        g.plan();
        g
    }

    /// Decides every name and how many objects of each kind go where.
    fn plan(&mut self) {
        let roles = self.roles as usize;
        let n_ns = (roles / 20).max(1);
        self.namespaces = namespace_names(n_ns);
        self.infra = (0..n_ns)
            .filter(|&i| INFRA_NAMESPACES.contains(&self.namespaces[i].as_str()))
            .collect();
        self.accounts = vec![vec!["default".to_string()]; n_ns];
        self.ns_roles = vec![Vec::new(); n_ns];
        self.role_bindings = vec![0; n_ns];
        self.deployments = vec![0; n_ns];
        self.token_secrets = vec![0; n_ns];

        let mut account_names: Vec<Names> = (0..n_ns)
            .map(|_| {
                let mut n = Names::default();
                n.unique("default");
                n
            })
            .collect();
        for _ in 0..roles.saturating_sub(n_ns) {
            let ns = self.namespace();
            let base = format!("{}{}", self.rng.pick(APPS), self.rng.pick(SA_SUFFIXES));
            let name = account_names[ns].unique(&base);
            self.accounts[ns].push(name);
        }

        let n_cluster = (roles / 10).max(STOCK.len()).min(roles);
        self.plan_cluster_roles(n_cluster);
        let mut role_names: Vec<Names> = (0..n_ns).map(|_| Names::default()).collect();
        for _ in 0..roles - n_cluster {
            let ns = self.namespace();
            let base = format!("{}-{}", self.rng.pick(APPS), self.rng.pick(PURPOSES));
            let name = role_names[ns].unique(&base);
            self.ns_roles[ns].push(name);
        }

        self.cluster_bindings = self.bindings * 8 / 100;
        for _ in 0..self.bindings - self.cluster_bindings {
            let ns = self.namespace();
            self.role_bindings[ns] += 1;
        }
        for _ in 0..roles / 3 {
            let ns = self.namespace();
            self.deployments[ns] += 1;
        }
        for _ in 0..roles / 20 {
            let ns = self.namespace();
            self.token_secrets[ns] += 1;
        }

        let mut users = Names::default();
        for b in BOTS {
            users.unique(b);
            self.users.push(b.to_string());
        }
        let mut k = 0;
        while self.users.len() < (roles / 5).max(BOTS.len() + 1) {
            let first = FIRST_NAMES[k % FIRST_NAMES.len()];
            let last = LAST_NAMES[(k / FIRST_NAMES.len()) % LAST_NAMES.len()];
            let round = k / (FIRST_NAMES.len() * LAST_NAMES.len());
            let name = if round == 0 {
                format!("{first}.{last}@acme.com")
            } else {
                format!("{first}.{last}{}@acme.com", round + 1)
            };
            self.users.push(users.unique(&name));
            k += 1;
        }
        let mut groups = Names::default();
        let patterns = ["acme:team-", "acme:", "oidc:"];
        let suffixes = ["", "-admins", "-oncall"];
        let mut k = 0;
        while self.groups.len() < (roles / 50).max(4) {
            let team = TEAMS[k % TEAMS.len()];
            let p = (k / TEAMS.len()) % patterns.len();
            let base = format!("{}{team}{}", patterns[p], suffixes[p]);
            self.groups.push(groups.unique(&base));
            k += 1;
        }
    }

    fn plan_cluster_roles(&mut self, n: usize) {
        let mut names = Names::default();
        for &(stock, name) in STOCK.iter().take(n) {
            names.unique(name);
            let mut labels = vec![(
                "kubernetes.io/bootstrapping".to_string(),
                "rbac-defaults".to_string(),
            )];
            let to = match stock {
                Stock::Edit | Stock::AggregateToAdmin => &["admin"][..],
                Stock::View => &["edit"],
                Stock::AggregateToEdit => &["edit"],
                Stock::AggregateToView => &["view"],
                Stock::ClusterAdmin
                | Stock::Admin
                | Stock::Discovery
                | Stock::BasicUser
                | Stock::PublicInfoViewer => &[],
            };
            for t in to {
                labels.push((aggregate_to(t), "true".to_string()));
            }
            self.cluster_roles.push(ClusterRole {
                name: name.to_string(),
                labels,
                kind: ClusterRoleKind::Stock(stock),
            });
        }
        let custom = n.saturating_sub(STOCK.len());
        let aggregating = if custom >= 20 {
            (custom / 100).max(2)
        } else {
            0
        };
        let mut keys: Vec<String> = Vec::new();
        for i in 0..aggregating {
            let short = format!(
                "{}-{}",
                TEAMS[i % TEAMS.len()],
                self.rng.pick(&["reader", "operator", "auditor", "oncall"])
            );
            let name = names.unique(&format!("acme:{short}"));
            let key = format!(
                "rbac.acme.io/aggregate-to-{}",
                name.trim_start_matches("acme:")
            );
            let mut labels = vec![(
                "app.kubernetes.io/managed-by".to_string(),
                "platform-rbac".to_string(),
            )];
            // Chains: an aggregated role that is itself aggregated further.
            if !keys.is_empty() && self.rng.chance(30) {
                labels.push((self.rng.pick_ref(&keys).clone(), "true".to_string()));
            }
            self.custom_cluster_roles.push(self.cluster_roles.len());
            self.cluster_roles.push(ClusterRole {
                name,
                labels,
                kind: ClusterRoleKind::Aggregating {
                    key: key.clone(),
                    style: self.rng.below(3),
                },
            });
            keys.push(key);
        }
        for _ in 0..custom - aggregating {
            let mut labels = Vec::new();
            let mut crd = false;
            let base = match self.rng.below(10) {
                0..3 => {
                    let op = self.rng.pick(OPERATORS);
                    format!(
                        "{op}-{}",
                        self.rng
                            .pick(&["manager-role", "controller", "webhook", "view", "edit"])
                    )
                }
                3..6 => format!(
                    "acme:{}:{}",
                    self.rng.pick(TEAMS),
                    self.rng
                        .pick(&["reader", "deployer", "operator", "auditor", "ci"])
                ),
                _ => format!("{}-{}", self.rng.pick(APPS), self.rng.pick(PURPOSES)),
            };
            let name = names.unique(&base);
            if self.rng.chance(60) {
                labels.push((
                    "app.kubernetes.io/managed-by".to_string(),
                    self.rng.pick(&["Helm", "argocd", "kustomize"]).to_string(),
                ));
            }
            if self.rng.chance(5) {
                crd = true;
                let to = self
                    .rng
                    .weighted(&[(50, "view"), (30, "edit"), (20, "admin")]);
                labels.push((aggregate_to(to), "true".to_string()));
            }
            if !keys.is_empty() && self.rng.chance(10) {
                labels.push((self.rng.pick_ref(&keys).clone(), "true".to_string()));
            }
            if self.rng.chance(3) {
                labels.push(("rbac.acme.io/audit".to_string(), "enabled".to_string()));
            }
            self.custom_cluster_roles.push(self.cluster_roles.len());
            self.cluster_roles.push(ClusterRole {
                name,
                labels,
                kind: ClusterRoleKind::Plain { crd },
            });
        }
    }

    /// A namespace index, skewed: about a third of the picks go to the
    /// busiest twentieth of the namespaces (the well-known ones first).
    fn namespace(&mut self) -> usize {
        let n = self.namespaces.len() as u64;
        (if self.rng.chance(30) {
            self.rng.below(n.div_ceil(20))
        } else {
            self.rng.below(n)
        }) as usize
    }

    /// An index below `n`, with a few popular entries.
    fn skewed(&mut self, n: usize) -> usize {
        let n = n as u64;
        (if self.rng.chance(30) {
            self.rng.below(n.div_ceil(20))
        } else {
            self.rng.below(n)
        }) as usize
    }

    /// Every object, in write order: cluster-scoped first, then namespace
    /// by namespace.
    fn items(&mut self) -> Vec<Item> {
        let mut items: Vec<Item> = (0..self.namespaces.len()).map(Item::Namespace).collect();
        items.extend((0..self.cluster_roles.len()).map(Item::ClusterRole));
        let stock = STOCK_BINDINGS.len().min(self.cluster_bindings as usize);
        items.extend((0..stock).map(Item::StockBinding));
        items.extend((stock as u64..self.cluster_bindings).map(|_| Item::ClusterRoleBinding));
        for ns in 0..self.namespaces.len() {
            items.extend((0..self.accounts[ns].len()).map(|i| Item::ServiceAccount(ns, i)));
            items.extend((0..self.token_secrets[ns]).map(|_| Item::TokenSecret(ns)));
            items.extend((0..self.ns_roles[ns].len()).map(|i| Item::Role(ns, i)));
            items.extend((0..self.role_bindings[ns]).map(|_| Item::RoleBinding(ns)));
            items.extend((0..self.deployments[ns]).map(|_| Item::Deployment(ns)));
        }
        items
    }

    fn item(&mut self, y: &mut Yaml, item: Item) {
        self.so = if self.rng.chance(60) { 0 } else { 2 };
        match item {
            Item::Namespace(ns) => self.namespace_object(y, ns),
            Item::ClusterRole(i) => self.cluster_role(y, i),
            Item::StockBinding(i) => self.stock_binding(y, i),
            Item::ClusterRoleBinding => self.binding(y, None),
            Item::ServiceAccount(ns, i) => self.service_account(y, ns, i),
            Item::TokenSecret(ns) => self.token_secret(y, ns),
            Item::Role(ns, i) => self.role(y, ns, i),
            Item::RoleBinding(ns) => self.binding(y, Some(ns)),
            Item::Deployment(ns) => self.deployment(y, ns),
        }
    }

    /// The names taken in `ns`; objects are written namespace by
    /// namespace, so one set at a time is enough.
    fn names_in(&mut self, ns: usize) -> &mut NamespaceNames {
        if self.ns_names.namespace != Some(ns) {
            self.ns_names = NamespaceNames {
                namespace: Some(ns),
                ..NamespaceNames::default()
            };
        }
        &mut self.ns_names
    }

    // --------------------------------------------------------------- pieces

    fn metadata(
        &mut self,
        y: &mut Yaml,
        name: &str,
        ns: Option<&str>,
        labels: &[(String, String)],
        annotations: &[(String, String)],
    ) {
        y.key(0, "metadata");
        y.str(2, "name", name);
        if let Some(ns) = ns {
            y.str(2, "namespace", ns);
        }
        for (key, pairs) in [("labels", labels), ("annotations", annotations)] {
            if pairs.is_empty() {
                continue;
            }
            let len: usize = pairs.iter().map(|(k, v)| k.len() + v.len() + 4).sum();
            if len < 70 && self.rng.chance(30) {
                y.raw(2, key, flow_map(pairs));
            } else {
                y.key(2, key);
                for (k, v) in pairs {
                    y.str(4, k, v);
                }
            }
        }
    }

    fn list(&mut self, y: &mut Yaml, ind: usize, key: &str, items: &[&str], flow: bool) {
        if flow {
            let quote_all = self.rng.chance(30);
            y.raw(ind, key, flow_seq(items, quote_all));
        } else {
            y.key(ind, key);
            let e = ind + self.so;
            for item in items {
                y.str_item(e, item);
            }
        }
    }

    fn write_rules(&mut self, y: &mut Yaml, rules: &[RuleSpec]) {
        if rules.is_empty() {
            y.raw(0, "rules", "[]");
            return;
        }
        y.key(0, "rules");
        let d = self.so;
        for r in rules {
            let flow = self.rng.chance(60);
            y.item(d);
            let i = d + 2;
            let fields: [(&str, &[&str]); 5] = [
                ("apiGroups", &r.groups),
                ("resources", &r.resources),
                ("resourceNames", &r.names),
                ("nonResourceURLs", &r.urls),
                ("verbs", &r.verbs),
            ];
            for (key, items) in fields {
                if !items.is_empty() {
                    self.list(y, i, key, items, flow);
                }
            }
        }
    }

    /// An ordinary rule about namespaced resources, now and then a risky
    /// or wildcard one; `cluster`: for a ClusterRole, whose rules are
    /// mostly read-only and more rarely risky.
    fn namespaced_rule(&mut self, cluster: bool) -> RuleSpec {
        let risky = if cluster { 35 } else { 65 };
        match self.rng.below(1000) {
            0..3 => rule(&["*"], &["*"], &["*"]),
            3..15 => match self.rng.below(4) {
                0 => rule(&[""], &["*"], &["get", "list", "watch"]),
                1 => rule(&["apps"], &["*"], &["*"]),
                2 => rule(&["acme.io"], &["*"], &["*"]),
                _ => rule(&["*"], &["deployments", "replicasets"], READ),
            },
            r if r < risky => self.risky_rule(),
            _ => {
                let (group, resources) = self.rng.weighted(
                    &GROUPS
                        .iter()
                        .map(|&(w, g, r)| (w, (g, r)))
                        .collect::<Vec<_>>(),
                );
                let k = self.rng.range(1, 3.min(resources.len() as u64)) as usize;
                let picked: Vec<&'static str> = self
                    .sample(resources.len(), k)
                    .into_iter()
                    .map(|i| resources[i])
                    .collect();
                let verbs = self.rng.weighted(if cluster {
                    CLUSTER_VERB_SETS
                } else {
                    VERB_SETS
                });
                let mut r = rule(&[group], &picked, verbs);
                if group == "apps" && self.rng.chance(5) {
                    r.groups.push("extensions");
                }
                if self.rng.chance(8) && !r.verbs.contains(&"create") {
                    r.names = vec![self.rng.pick(RESOURCE_NAMES)];
                }
                r
            }
        }
    }

    fn risky_rule(&mut self) -> RuleSpec {
        let choice = self.rng.weighted(&[
            (25, 0u8),
            (20, 1),
            (10, 2),
            (12, 3),
            (8, 4),
            (5, 5),
            (4, 6),
            (3, 7),
            (2, 8),
            (5, 9),
            (6, 10),
        ]);
        match choice {
            0 => rule(&[""], &["secrets"], READ),
            1 => RuleSpec {
                names: vec![
                    self.rng
                        .pick(&["db-credentials", "tls-cert", "registry-auth"]),
                ],
                ..rule(&[""], &["secrets"], &["get"])
            },
            2 => rule(&[""], &["pods/exec", "pods/attach"], &["create", "get"]),
            3 => rule(
                &[""],
                &["pods"],
                &["create", "delete", "get", "list", "watch"],
            ),
            4 => rule(
                &["apps"],
                &["deployments", "statefulsets", "daemonsets"],
                &["create", "update", "patch"],
            ),
            5 => rule(&["batch"], &["jobs", "cronjobs"], &["create"]),
            6 => rule(&[""], &["serviceaccounts/token"], &["create"]),
            7 => rule(&[""], &["serviceaccounts"], &["impersonate"]),
            8 => rule(&[RBAC_GROUP], &["roles"], &["escalate", "bind"]),
            9 => rule(
                &[RBAC_GROUP],
                &["rolebindings", "roles"],
                &["create", "update", "patch", "get", "list"],
            ),
            _ => rule(&[""], &["pods/portforward"], &["create"]),
        }
    }

    /// A rule about cluster-scoped resources or non-resource URLs.
    fn cluster_rule(&mut self) -> RuleSpec {
        let urls = |u: &[&'static str]| RuleSpec {
            urls: u.to_vec(),
            verbs: vec!["get"],
            ..RuleSpec::default()
        };
        match self.rng.weighted(&[
            (20, 0u8),
            (8, 1),
            (5, 2),
            (10, 3),
            (5, 4),
            (3, 5),
            (8, 6),
            (3, 7),
            (10, 8),
            (6, 9),
            (5, 10),
            (4, 11),
            (2, 12),
            (2, 13),
            (2, 14),
            (1, 15),
            (2, 16),
            (1, 17),
            (3, 18),
        ]) {
            0 => rule(&[""], &["nodes", "namespaces"], READ),
            1 => rule(&[""], &["persistentvolumes"], READ),
            2 => rule(&[""], &["persistentvolumes"], &["create", "delete"]),
            3 => rule(&["storage.k8s.io"], &["storageclasses", "csinodes"], READ),
            4 => rule(&[""], &["nodes/metrics", "nodes/stats"], &["get"]),
            5 => rule(&[""], &["nodes/proxy"], &["get"]),
            6 => rule(
                &["apiextensions.k8s.io"],
                &["customresourcedefinitions"],
                READ,
            ),
            7 => rule(
                &["apiextensions.k8s.io"],
                &["customresourcedefinitions"],
                &["create", "update", "patch"],
            ),
            8 => urls(&["/metrics"]),
            9 => urls(&["/healthz", "/livez", "/readyz"]),
            10 => urls(&["/version", "/api", "/api/*", "/apis", "/apis/*"]),
            11 => rule(
                &["admissionregistration.k8s.io"],
                &[
                    "mutatingwebhookconfigurations",
                    "validatingwebhookconfigurations",
                ],
                &["get", "list", "watch", "update", "patch"],
            ),
            12 => rule(
                &["certificates.k8s.io"],
                &["certificatesigningrequests"],
                &["create", "get", "list", "watch"],
            ),
            13 => rule(
                &["certificates.k8s.io"],
                &["certificatesigningrequests/approval"],
                &["update"],
            ),
            14 => RuleSpec {
                names: vec!["kubernetes.io/kube-apiserver-client"],
                ..rule(&["certificates.k8s.io"], &["signers"], &["approve", "sign"])
            },
            15 => rule(&[""], &["users", "groups"], &["impersonate"]),
            16 => rule(
                &[RBAC_GROUP],
                &["clusterrolebindings"],
                &["create", "get", "list"],
            ),
            17 => rule(&[RBAC_GROUP], &["clusterroles"], &["escalate", "bind"]),
            _ => rule(
                &["authentication.k8s.io", "authorization.k8s.io"],
                &["tokenreviews", "subjectaccessreviews"],
                &["create"],
            ),
        }
    }

    /// Rules in a role: 2 to 10, small roles the most common (4 on
    /// average).
    fn rule_count(&mut self) -> u64 {
        let spread = self.rng.range(1, 9);
        2 + self.rng.below(spread)
    }

    /// `k` distinct indices below `n`, in random order.
    fn sample(&mut self, n: usize, k: usize) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..n).collect();
        let k = k.min(n);
        for i in 0..k {
            let j = i + self.rng.below((n - i) as u64) as usize;
            idx.swap(i, j);
        }
        idx.truncate(k);
        idx
    }

    // -------------------------------------------------------------- objects

    fn namespace_object(&mut self, y: &mut Yaml, ns: usize) {
        let name = self.namespaces[ns].clone();
        y.str(0, "apiVersion", "v1");
        y.str(0, "kind", "Namespace");
        let mut labels = vec![("kubernetes.io/metadata.name".to_string(), name.clone())];
        if let Some(team) = TEAMS.iter().find(|t| name.starts_with(*t)) {
            labels.push(("team".to_string(), team.to_string()));
        }
        self.metadata(y, &name, None, &labels, &[]);
    }

    fn cluster_role(&mut self, y: &mut Yaml, i: usize) {
        let name = self.cluster_roles[i].name.clone();
        let labels = self.cluster_roles[i].labels.clone();
        y.str(0, "apiVersion", RBAC_API);
        y.str(0, "kind", "ClusterRole");
        let stock = matches!(self.cluster_roles[i].kind, ClusterRoleKind::Stock(_));
        let annotations = if stock {
            vec![(
                "rbac.authorization.kubernetes.io/autoupdate".to_string(),
                "true".to_string(),
            )]
        } else {
            Vec::new()
        };
        self.metadata(y, &name, None, &labels, &annotations);
        match &self.cluster_roles[i].kind {
            ClusterRoleKind::Stock(s) => {
                let s = *s;
                self.stock_role(y, s);
            }
            ClusterRoleKind::Aggregating { key, style } => {
                let (key, style) = (key.clone(), *style);
                y.key(0, "aggregationRule");
                y.key(2, "clusterRoleSelectors");
                let d = 2 + self.so;
                y.item(d);
                if style == 1 {
                    y.key(d + 2, "matchExpressions");
                    let e = d + 2 + self.so;
                    y.item(e);
                    y.str(e + 2, "key", &key);
                    y.str(e + 2, "operator", "In");
                    y.raw(e + 2, "values", flow_seq(&["true"], false));
                } else {
                    y.key(d + 2, "matchLabels");
                    y.str(d + 4, &key, "true");
                }
                if style == 2 {
                    y.item(d);
                    y.key(d + 2, "matchExpressions");
                    let e = d + 2 + self.so;
                    y.item(e);
                    y.str(e + 2, "key", "rbac.acme.io/audit");
                    y.str(e + 2, "operator", "Exists");
                }
                if self.rng.chance(50) {
                    y.raw(0, "rules", "[]");
                }
            }
            ClusterRoleKind::Plain { crd: true } => {
                let n = self.rng.range(1, 3) as usize;
                let mut rules = Vec::new();
                for g in self.sample(CUSTOM_GROUPS.len(), n) {
                    let (group, resources) = CUSTOM_GROUPS[g];
                    let verbs = self.rng.pick(&[READ, READ_WRITE]);
                    rules.push(rule(&[group], resources, verbs));
                }
                self.write_rules(y, &rules);
            }
            ClusterRoleKind::Plain { crd: false } => {
                let n = self.rule_count();
                let rules: Vec<RuleSpec> = (0..n)
                    .map(|_| {
                        if self.rng.chance(30) {
                            self.cluster_rule()
                        } else {
                            self.namespaced_rule(true)
                        }
                    })
                    .collect();
                self.write_rules(y, &rules);
            }
        }
    }

    fn stock_role(&mut self, y: &mut Yaml, s: Stock) {
        let selector = |to: &str| {
            let mut y = Yaml::default();
            y.key(0, "aggregationRule");
            y.key(2, "clusterRoleSelectors");
            y.item(2);
            y.key(4, "matchLabels");
            y.str(6, &aggregate_to(to), "true");
            y.out
        };
        let rules = match s {
            Stock::ClusterAdmin => vec![
                rule(&["*"], &["*"], &["*"]),
                RuleSpec {
                    urls: vec!["*"],
                    verbs: vec!["*"],
                    ..RuleSpec::default()
                },
            ],
            Stock::Admin | Stock::Edit | Stock::View => {
                let to = match s {
                    Stock::Admin => "admin",
                    Stock::Edit => "edit",
                    _ => "view",
                };
                y.out.push_str(&selector(to));
                y.raw(0, "rules", "[]");
                return;
            }
            Stock::AggregateToAdmin => vec![
                rule(
                    &[RBAC_GROUP],
                    &["rolebindings", "roles"],
                    &[
                        "create",
                        "delete",
                        "deletecollection",
                        "get",
                        "list",
                        "patch",
                        "update",
                        "watch",
                    ],
                ),
                rule(
                    &["authorization.k8s.io"],
                    &["localsubjectaccessreviews"],
                    &["create"],
                ),
            ],
            Stock::AggregateToEdit => vec![
                rule(
                    &[""],
                    &["pods/attach", "pods/exec", "pods/portforward", "pods/proxy"],
                    &["create", "delete", "deletecollection", "patch", "update"],
                ),
                rule(&[""], &["serviceaccounts"], &["impersonate"]),
                rule(
                    &[""],
                    &[
                        "configmaps",
                        "events",
                        "persistentvolumeclaims",
                        "pods",
                        "secrets",
                        "services",
                        "serviceaccounts",
                    ],
                    &["create", "delete", "deletecollection", "patch", "update"],
                ),
                rule(
                    &["apps"],
                    &["daemonsets", "deployments", "replicasets", "statefulsets"],
                    &["create", "delete", "deletecollection", "patch", "update"],
                ),
                rule(
                    &["batch"],
                    &["cronjobs", "jobs"],
                    &["create", "delete", "deletecollection", "patch", "update"],
                ),
                rule(&[""], &["secrets"], READ),
                rule(&[""], &["serviceaccounts/token"], &["create"]),
            ],
            Stock::Discovery => vec![RuleSpec {
                urls: vec![
                    "/api",
                    "/api/*",
                    "/apis",
                    "/apis/*",
                    "/healthz",
                    "/livez",
                    "/openapi",
                    "/openapi/*",
                    "/readyz",
                    "/version",
                    "/version/",
                ],
                verbs: vec!["get"],
                ..RuleSpec::default()
            }],
            Stock::BasicUser => vec![rule(
                &["authorization.k8s.io"],
                &["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
                &["create"],
            )],
            Stock::PublicInfoViewer => vec![RuleSpec {
                urls: vec!["/healthz", "/livez", "/readyz", "/version", "/version/"],
                verbs: vec!["get"],
                ..RuleSpec::default()
            }],
            Stock::AggregateToView => vec![
                rule(
                    &[""],
                    &[
                        "configmaps",
                        "endpoints",
                        "persistentvolumeclaims",
                        "pods",
                        "replicationcontrollers",
                        "serviceaccounts",
                        "services",
                    ],
                    READ,
                ),
                rule(
                    &[""],
                    &["events", "limitranges", "pods/log", "pods/status"],
                    READ,
                ),
                rule(&[""], &["namespaces"], READ),
                rule(
                    &["apps"],
                    &[
                        "daemonsets",
                        "deployments",
                        "deployments/scale",
                        "replicasets",
                        "statefulsets",
                    ],
                    READ,
                ),
                rule(&["batch"], &["cronjobs", "jobs"], READ),
                rule(
                    &["networking.k8s.io"],
                    &["ingresses", "networkpolicies"],
                    READ,
                ),
            ],
        };
        self.write_rules(y, &rules);
    }

    fn role(&mut self, y: &mut Yaml, ns: usize, i: usize) {
        let name = self.ns_roles[ns][i].clone();
        let namespace = self.namespaces[ns].clone();
        y.str(0, "apiVersion", RBAC_API);
        y.str(0, "kind", "Role");
        let app = name.split('-').next().unwrap_or(&name).to_string();
        let labels = if self.rng.chance(50) {
            vec![("app.kubernetes.io/name".to_string(), app)]
        } else {
            Vec::new()
        };
        self.metadata(y, &name, Some(&namespace), &labels, &[]);
        let n = self.rule_count();
        let rules: Vec<RuleSpec> = (0..n).map(|_| self.namespaced_rule(false)).collect();
        self.write_rules(y, &rules);
    }

    /// A service account of namespace `ns`: mostly one that exists (often
    /// `default`), sometimes one the corpus never defines.
    fn account(&mut self, ns: usize) -> String {
        if self.rng.chance(5) {
            return format!("{}-legacy", self.rng.pick(APPS));
        }
        let n = self.accounts[ns].len();
        if n > 1 && self.rng.chance(85) {
            let i = 1 + self.skewed(n - 1);
            self.accounts[ns][i].clone()
        } else {
            "default".to_string()
        }
    }

    fn subject(&mut self, ns: Option<usize>) -> SubjectSpec {
        let other = self.namespace();
        // A ClusterRoleBinding's service accounts are mostly controllers of
        // the infrastructure namespaces.
        let home = match ns {
            Some(ns) => ns,
            None if !self.infra.is_empty() && self.rng.chance(80) => {
                *self.rng.pick_ref(&self.infra)
            }
            None => other,
        };
        let sa = |namespace: Option<&str>, name: String| SubjectSpec::ServiceAccount {
            namespace: namespace.map(str::to_string),
            name,
        };
        // Per ten thousand subjects: (SA with namespace, SA without,
        // SA of another namespace, SA as a user name, user, group,
        // system:serviceaccounts:NS); the rest names a public group.
        // ClusterRoleBindings name mostly controllers' service accounts and
        // admin groups, service accounts always with their namespace (the
        // API server requires it there). Public groups are bound by a few
        // RoleBindings only (on a real cluster, by the stock discovery
        // bindings).
        let cuts: [u64; 7] = match ns {
            Some(_) => [4500, 5300, 6300, 6500, 8300, 9500, 9998],
            None => [5000, 5000, 5000, 5100, 6500, 9800, 10_000],
        };
        let r = self.rng.below(10_000);
        if r < cuts[0] {
            let name = self.account(home);
            sa(Some(&self.namespaces[home]), name)
        } else if r < cuts[1] {
            let name = self.account(home);
            sa(None, name)
        } else if r < cuts[2] {
            let name = self.account(other);
            sa(Some(&self.namespaces[other]), name)
        } else if r < cuts[3] {
            let name = self.account(home);
            SubjectSpec::User(format!(
                "system:serviceaccount:{}:{name}",
                self.namespaces[home]
            ))
        } else if r < cuts[4] {
            let i = self.skewed(self.users.len());
            SubjectSpec::User(self.users[i].clone())
        } else if r < cuts[5] {
            let i = self.skewed(self.groups.len());
            SubjectSpec::Group(self.groups[i].clone())
        } else if r < cuts[6] {
            SubjectSpec::Group(format!("system:serviceaccounts:{}", self.namespaces[home]))
        } else {
            SubjectSpec::Group(
                self.rng
                    .pick(&["system:authenticated", "system:serviceaccounts"])
                    .to_string(),
            )
        }
    }

    /// (kind, name) of the role a binding refers to; `ns` is the
    /// RoleBinding's namespace (`None` for a ClusterRoleBinding).
    fn role_ref(&mut self, ns: Option<usize>) -> (&'static str, String) {
        if self.rng.chance(2) {
            // A role that does not exist (deleted, or not applied yet).
            return match ns {
                Some(_) if self.rng.chance(60) => (
                    "Role",
                    format!("{}-{}-old", self.rng.pick(APPS), self.rng.pick(PURPOSES)),
                ),
                _ => (
                    "ClusterRole",
                    format!("acme:deprecated-{}", self.rng.pick(PURPOSES)),
                ),
            };
        }
        // RoleBindings favour a few popular ClusterRoles; cluster-wide
        // bindings are spread evenly (each controller has its own role).
        let custom = |g: &mut Generator, popular: bool| {
            let n = g.custom_cluster_roles.len();
            if n == 0 {
                return "view".to_string();
            }
            let i = if popular {
                g.skewed(n)
            } else {
                g.rng.below(n as u64) as usize
            };
            g.cluster_roles[g.custom_cluster_roles[i]].name.clone()
        };
        match ns {
            Some(ns) => {
                let roles = self.ns_roles[ns].len();
                match self.rng.below(100) {
                    0..70 if roles > 0 => {
                        let i = self.rng.below(roles as u64) as usize;
                        ("Role", self.ns_roles[ns][i].clone())
                    }
                    0..82 => (
                        "ClusterRole",
                        self.rng
                            .weighted(&[(50, "view"), (35, "edit"), (15, "admin")])
                            .to_string(),
                    ),
                    _ => ("ClusterRole", custom(self, true)),
                }
            }
            None => match self.rng.below(1000) {
                0..5 => ("ClusterRole", "cluster-admin".to_string()),
                5..15 => ("ClusterRole", "view".to_string()),
                15..20 => ("ClusterRole", self.rng.pick(&["edit", "admin"]).to_string()),
                _ => ("ClusterRole", custom(self, false)),
            },
        }
    }

    fn binding(&mut self, y: &mut Yaml, ns: Option<usize>) {
        let (mut kind, mut role_name) = self.role_ref(ns);
        let n = self.rng.weighted(&[(75, 1), (18, 2), (7, 3)]);
        let subjects: Vec<SubjectSpec> = (0..n).map(|_| self.subject(ns)).collect();
        // Public groups get read access only: one write grant to everyone
        // would give every identity the same escalation path and drown
        // the rest of the graph.
        if subjects.iter().any(|s| {
            matches!(s, SubjectSpec::Group(g)
                if g == "system:authenticated" || g == "system:serviceaccounts")
        }) {
            (kind, role_name) = ("ClusterRole", "view".to_string());
        }
        let base = format!(
            "{}-{}",
            role_name.replace(':', "-"),
            self.rng.pick(&["binding", "rb", "access", "users"])
        );
        let (name, namespace) = match ns {
            Some(ns) => (
                self.names_in(ns).bindings.unique(&base),
                Some(self.namespaces[ns].clone()),
            ),
            None => (self.crb_names.unique(&base), None),
        };
        y.str(0, "apiVersion", RBAC_API);
        y.str(
            0,
            "kind",
            if ns.is_some() {
                "RoleBinding"
            } else {
                "ClusterRoleBinding"
            },
        );
        self.metadata(y, &name, namespace.as_deref(), &[], &[]);
        y.key(0, "roleRef");
        y.str(2, "apiGroup", RBAC_GROUP);
        y.str(2, "kind", kind);
        y.str(2, "name", &role_name);
        y.key(0, "subjects");
        let d = self.so;
        for s in subjects {
            y.item(d);
            match s {
                SubjectSpec::ServiceAccount { namespace, name } => {
                    y.str(d + 2, "kind", "ServiceAccount");
                    y.str(d + 2, "name", &name);
                    if let Some(ns) = namespace {
                        y.str(d + 2, "namespace", &ns);
                    }
                }
                SubjectSpec::User(name) => {
                    y.str(d + 2, "kind", "User");
                    y.str(d + 2, "apiGroup", RBAC_GROUP);
                    y.str(d + 2, "name", &name);
                }
                SubjectSpec::Group(name) => {
                    y.str(d + 2, "kind", "Group");
                    y.str(d + 2, "apiGroup", RBAC_GROUP);
                    y.str(d + 2, "name", &name);
                }
            }
        }
    }

    fn stock_binding(&mut self, y: &mut Yaml, i: usize) {
        let (role, group) = STOCK_BINDINGS[i];
        self.crb_names.unique(role);
        y.str(0, "apiVersion", RBAC_API);
        y.str(0, "kind", "ClusterRoleBinding");
        let labels = vec![(
            "kubernetes.io/bootstrapping".to_string(),
            "rbac-defaults".to_string(),
        )];
        let annotations = vec![(
            "rbac.authorization.kubernetes.io/autoupdate".to_string(),
            "true".to_string(),
        )];
        self.metadata(y, role, None, &labels, &annotations);
        y.key(0, "roleRef");
        y.str(2, "apiGroup", RBAC_GROUP);
        y.str(2, "kind", "ClusterRole");
        y.str(2, "name", role);
        y.key(0, "subjects");
        let d = self.so;
        y.item(d);
        y.str(d + 2, "apiGroup", RBAC_GROUP);
        y.str(d + 2, "kind", "Group");
        y.str(d + 2, "name", group);
    }

    fn service_account(&mut self, y: &mut Yaml, ns: usize, i: usize) {
        let name = self.accounts[ns][i].clone();
        let namespace = self.namespaces[ns].clone();
        y.str(0, "apiVersion", "v1");
        y.str(0, "kind", "ServiceAccount");
        let annotations = if i > 0 && self.rng.chance(20) {
            vec![(
                "eks.amazonaws.com/role-arn".to_string(),
                format!("arn:aws:iam::123456789012:role/{namespace}-{name}"),
            )]
        } else {
            Vec::new()
        };
        self.metadata(y, &name, Some(&namespace), &[], &annotations);
        if self.rng.chance(10) {
            y.raw(0, "automountServiceAccountToken", "false");
        }
    }

    /// A legacy service-account token Secret, as written before
    /// Kubernetes 1.24 (the token controller fills in the data).
    fn token_secret(&mut self, y: &mut Yaml, ns: usize) {
        let account = self.account(ns);
        let namespace = self.namespaces[ns].clone();
        let base = format!("{account}-token");
        let name = self.names_in(ns).secrets.unique(&base);
        y.str(0, "apiVersion", "v1");
        y.str(0, "kind", "Secret");
        let annotations = vec![("kubernetes.io/service-account.name".to_string(), account)];
        self.metadata(y, &name, Some(&namespace), &[], &annotations);
        y.str(0, "type", "kubernetes.io/service-account-token");
    }

    fn deployment(&mut self, y: &mut Yaml, ns: usize) {
        let app = self.rng.pick(APPS);
        let namespace = self.namespaces[ns].clone();
        let name = self.names_in(ns).deployments.unique(app);
        let account = match self.rng.below(100) {
            0..15 => None,
            _ => Some(self.account(ns)),
        };
        y.str(0, "apiVersion", "apps/v1");
        y.str(0, "kind", "Deployment");
        let labels = vec![("app".to_string(), name.clone())];
        self.metadata(y, &name, Some(&namespace), &labels, &[]);
        y.key(0, "spec");
        y.raw(2, "replicas", self.rng.range(1, 4));
        y.key(2, "selector");
        y.raw(4, "matchLabels", flow_map(&labels));
        y.key(2, "template");
        y.key(4, "metadata");
        y.raw(6, "labels", flow_map(&labels));
        y.key(4, "spec");
        if let Some(a) = account {
            y.str(6, "serviceAccountName", &a);
        }
        if self.rng.chance(10) {
            y.raw(6, "automountServiceAccountToken", "false");
        }
        y.key(6, "containers");
        let c = 6 + self.so;
        y.item(c);
        y.str(c + 2, "name", app);
        y.str(
            c + 2,
            "image",
            &format!(
                "ghcr.io/acme/{app}:{}",
                self.rng.pick(&["1.4.2", "2.0.1", "v3.1.0"])
            ),
        );
        y.key(c + 2, "resources");
        y.raw(
            c + 4,
            "requests",
            flow_map(&[("cpu", "100m"), ("memory", "128Mi")]),
        );
        y.raw(c + 4, "limits", flow_map(&[("memory", "256Mi")]));
        y.key(c + 2, "securityContext");
        y.raw(c + 4, "runAsNonRoot", "true");
        y.raw(c + 4, "allowPrivilegeEscalation", "false");
    }
}

/// `n` distinct namespace names: the well-known ones, then team ×
/// environment, then team × environment × region, then numbered.
fn namespace_names(n: usize) -> Vec<String> {
    let mut names = Names::default();
    let mut out: Vec<String> = Vec::with_capacity(n);
    let mut push = |name: String, out: &mut Vec<String>| {
        if out.len() < n && names.used.insert(name.clone()) {
            out.push(name);
        }
    };
    for ns in WELL_KNOWN_NAMESPACES {
        push(ns.to_string(), &mut out);
    }
    for env in ENVS {
        for team in TEAMS {
            push(format!("{team}-{env}"), &mut out);
        }
    }
    for region in REGIONS {
        for env in ENVS {
            for team in TEAMS {
                push(format!("{team}-{env}-{region}"), &mut out);
            }
        }
    }
    let mut k = 2;
    while out.len() < n {
        for team in TEAMS {
            push(format!("{team}-{k}"), &mut out);
        }
        k += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::test_dirs::{TempDir, read_all};

    const PARAMS: Params = Params {
        roles: 400,
        bindings: 2000,
        per_file: 100,
        seed: 5,
    };

    #[test]
    fn same_seed_same_bytes() {
        let a = TempDir::new("det-a");
        let b = TempDir::new("det-b");
        let sa = write(&a.0, &PARAMS).expect("write corpus a");
        let sb = write(&b.0, &PARAMS).expect("write corpus b");
        assert_eq!(sa, sb);
        assert_eq!(read_all(&a.0), read_all(&b.0));
        assert_eq!(cached(&a.0, &PARAMS), Some(sa));
        assert_eq!(cached(&a.0, &Params { seed: 6, ..PARAMS }), None);
        let text: String = read_all(&a.0)
            .into_iter()
            .map(|(_, t)| String::from_utf8(t).expect("utf-8"))
            .collect();
        // Every object writes `apiVersion` first, so `kind` follows a newline.
        let count = |kind: &str| text.matches(&format!("\nkind: {kind}\n")).count();
        assert_eq!(count("Role") + count("ClusterRole"), 400);
        assert_eq!(count("RoleBinding") + count("ClusterRoleBinding"), 2000);
        assert_eq!(count("ClusterRoleBinding"), 160);
        assert!(text.contains("aggregationRule"));
        assert!(text.contains("kind: Deployment"));
    }

    #[test]
    fn namespace_names_are_distinct() {
        for n in [1, 19, 500, 2000] {
            let names = namespace_names(n);
            assert_eq!(names.len(), n);
            let set: HashSet<_> = names.iter().collect();
            assert_eq!(set.len(), n);
        }
    }
}
