//! The NetworkPolicy corpus: a large multi-team cluster's namespaces,
//! workloads and NetworkPolicies, generated from a seed.
//!
//! The shape follows clusters that practise default-deny: about fifty
//! workloads per namespace; infrastructure namespaces (`kube-system` with
//! CoreDNS and host-network DaemonSets, `monitoring` with Prometheus and
//! node-exporter, `ingress-nginx`, `logging`, `cert-manager`); team
//! namespaces `TEAM-ENV[-REGION]` labelled with `team`/`env` (the
//! sensitive teams' production ones with `rampart.dev/sensitive: "true"`),
//! each running apps of one to four tiers (frontend, backend, worker as
//! Deployments; db and cache as StatefulSets) whose pods carry `app`/`tier`
//! labels (or their `app.kubernetes.io/name`/`component` equivalents) and
//! named container ports (`http`, `grpc`, `metrics`, `dns`, ...) over TCP
//! and UDP.
//!
//! Policies, in three layers: per namespace a default deny (both
//! directions in one policy or two, ingress only in some, none in a few
//! sandbox namespaces), DNS egress to kube-system's kube-dns
//! (TCP+UDP 53, in several spellings, some of them subtly wrong),
//! Prometheus scraping and ingress-nginx to frontends; then per app
//! tier-to-tier allows on named ports, cross-namespace allows (a
//! `namespaceSelector` and a `podSelector` in one peer, and the
//! look-alike with two peers), `ipBlock` egress to the internet except
//! the metadata address and RFC 1918, `endPort` ranges, policies without
//! `policyTypes`, `egress: []`, `matchExpressions`, stale selectors; and a
//! few invalid policies (an `ipBlock` peer with a selector, an `except`
//! outside its `cidr`) so that the error path runs. Because most
//! namespaces deny by default, the allowed matrix stays sparse.
//!
//! Objects are written Namespaces first, then namespace by namespace
//! (workloads, then policies), `--per-file` per file; the output is
//! byte-identical for given sizes and seed (nothing here iterates a hash
//! map).

use std::path::Path;

use crate::corpus::{self, Stats};
use crate::error::{Error, Result};
use crate::rng::Rng;
use crate::yaml::{Yaml, flow_map, flow_seq};

/// Bump whenever the output changes, so cached corpora are regenerated.
const FORMAT: u32 = 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Params {
    /// Deployments, StatefulSets and DaemonSets together.
    pub workloads: u64,
    /// NetworkPolicies, the invalid ones included.
    pub policies: u64,
    pub per_file: u64,
    pub seed: u64,
}

impl Params {
    fn marker(&self, stats: &Stats) -> String {
        format!(
            "rampart-bench netpol corpus\nformat={FORMAT}\nworkloads={}\npolicies={}\nper_file={}\nseed={}\nobjects={}\nfiles={}\nbytes={}\n",
            self.workloads,
            self.policies,
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
    if params.workloads == 0 {
        return Err(Error("--workloads must be at least 1".into()));
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

const TEAMS: &[&str] = &[
    "payments",
    "checkout",
    "storefront",
    "search",
    "data",
    "ml",
    "identity",
    "growth",
    "billing",
    "logistics",
    "media",
    "messaging",
    "risk",
    "support",
    "finance",
    "security",
];

/// Teams whose production namespaces are labelled sensitive.
const SENSITIVE_TEAMS: &[&str] = &["payments", "identity", "billing", "finance", "security"];

/// Environments with the weight of their namespaces' share of workloads.
const ENVS: &[(&str, u64)] = &[
    ("prod", 30),
    ("staging", 15),
    ("qa", 8),
    ("dev", 8),
    ("sandbox", 2),
];
const REGIONS: &[&str] = &["eu", "us", "ap"];

const APPS: &[&str] = &[
    "api-gateway",
    "cart",
    "catalog",
    "checkout",
    "inventory",
    "ledger",
    "notifications",
    "orders",
    "payments-api",
    "pricing",
    "recommendations",
    "reviews",
    "search",
    "shipping",
    "user-service",
    "auth",
    "billing",
    "fraud-detector",
    "loyalty",
    "media-store",
    "image-resizer",
    "reports",
    "feature-store",
    "model-server",
    "etl",
    "webhooks",
    "scheduler",
    "audit-log",
    "rate-limiter",
    "profile",
];

/// The metadata address cloud instances answer on, and RFC 1918: what
/// "the internet" egress rules leave out.
const NOT_INTERNET: &[&str] = &[
    "169.254.169.254/32",
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
];

// ----------------------------------------------------------------- model

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tier {
    Frontend,
    Backend,
    Worker,
    Db,
    Cache,
}

impl Tier {
    fn name(self) -> &'static str {
        match self {
            Tier::Frontend => "frontend",
            Tier::Backend => "backend",
            Tier::Worker => "worker",
            Tier::Db => "db",
            Tier::Cache => "cache",
        }
    }
}

/// App shapes, by weight: the tiers each app runs.
const APP_SHAPES: &[(u64, &[Tier])] = &[
    (30, &[Tier::Frontend, Tier::Backend, Tier::Db, Tier::Cache]),
    (25, &[Tier::Backend, Tier::Db]),
    (15, &[Tier::Backend, Tier::Worker, Tier::Cache]),
    (10, &[Tier::Worker]),
    (12, &[Tier::Frontend, Tier::Backend]),
    (8, &[Tier::Backend, Tier::Backend, Tier::Db]),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Deployment,
    StatefulSet,
    DaemonSet,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Deployment => "Deployment",
            Kind::StatefulSet => "StatefulSet",
            Kind::DaemonSet => "DaemonSet",
        }
    }
}

/// A named container port; `protocol: None` leaves the field out (TCP).
#[derive(Clone, Copy)]
struct PortDef {
    name: &'static str,
    number: u16,
    protocol: Option<&'static str>,
}

const fn tcp(name: &'static str, number: u16) -> PortDef {
    PortDef {
        name,
        number,
        protocol: Some("TCP"),
    }
}

const fn udp(name: &'static str, number: u16) -> PortDef {
    PortDef {
        name,
        number,
        protocol: Some("UDP"),
    }
}

struct Container {
    name: String,
    image: String,
    ports: Vec<PortDef>,
}

struct Workload {
    name: String,
    kind: Kind,
    /// The pod template's labels.
    labels: Vec<(String, String)>,
    /// The keys of `labels` the selector uses.
    selector_keys: usize,
    containers: Vec<Container>,
    host_network: bool,
}

/// Which label keys a namespace's charts use for app and tier.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    Helm,
}

impl Style {
    fn app_key(self) -> &'static str {
        match self {
            Style::Plain => "app",
            Style::Helm => "app.kubernetes.io/name",
        }
    }
    fn tier_key(self) -> &'static str {
        match self {
            Style::Plain => "tier",
            Style::Helm => "app.kubernetes.io/component",
        }
    }
}

/// A namespace's default policy.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Deny {
    /// No default deny at all.
    Open,
    /// One policy with both policyTypes.
    Both,
    /// `default-deny-ingress` and `default-deny-egress`.
    Split,
    /// Ingress only; egress stays open.
    IngressOnly,
}

impl Deny {
    fn ingress(self) -> bool {
        self != Deny::Open
    }
    fn egress(self) -> bool {
        matches!(self, Deny::Both | Deny::Split)
    }
}

struct App {
    name: String,
    tiers: Vec<Tier>,
}

struct Namespace {
    name: String,
    labels: Vec<(String, String)>,
    team: Option<&'static str>,
    env: &'static str,
    infra: bool,
    style: Style,
    deny: Deny,
    apps: Vec<App>,
    workloads: Vec<Workload>,
    policies: Vec<Pol>,
}

/// A label selector to write: `matchLabels` and `matchExpressions`
/// (key, operator, values). Empty: `{}`.
#[derive(Clone, Default)]
struct Sel {
    labels: Vec<(String, String)>,
    exprs: Vec<(String, &'static str, Vec<String>)>,
}

fn sel(pairs: &[(&str, &str)]) -> Sel {
    Sel {
        labels: pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        exprs: Vec::new(),
    }
}

fn ns_named(name: &str) -> Sel {
    sel(&[("kubernetes.io/metadata.name", name)])
}

enum PeerDef {
    /// `namespaceSelector` and/or `podSelector` in one peer.
    Pods { ns: Option<Sel>, pods: Option<Sel> },
    Block {
        cidr: &'static str,
        except: Vec<&'static str>,
    },
    /// Invalid: an `ipBlock` with a selector in the same peer.
    BlockWithSelector {
        cidr: &'static str,
        namespace: bool,
        sel: Sel,
    },
}

fn pods(s: Sel) -> PeerDef {
    PeerDef::Pods {
        ns: None,
        pods: Some(s),
    }
}

fn in_ns(ns: Sel, pods: Option<Sel>) -> PeerDef {
    PeerDef::Pods { ns: Some(ns), pods }
}

fn internet() -> PeerDef {
    PeerDef::Block {
        cidr: "0.0.0.0/0",
        except: NOT_INTERNET.to_vec(),
    }
}

#[derive(Clone, Copy)]
enum PortVal {
    Num(u16),
    Name(&'static str),
}

#[derive(Clone, Copy)]
struct PortRef {
    protocol: Option<&'static str>,
    port: Option<PortVal>,
    end: Option<u16>,
}

fn named(name: &'static str) -> PortRef {
    PortRef {
        protocol: None,
        port: Some(PortVal::Name(name)),
        end: None,
    }
}

fn num(protocol: Option<&'static str>, n: u16) -> PortRef {
    PortRef {
        protocol,
        port: Some(PortVal::Num(n)),
        end: None,
    }
}

fn range(protocol: Option<&'static str>, lo: u16, hi: u16) -> PortRef {
    PortRef {
        protocol,
        port: Some(PortVal::Num(lo)),
        end: Some(hi),
    }
}

/// One rule; `peers: None` leaves `from`/`to` out (every peer).
struct RuleDef {
    peers: Option<Vec<PeerDef>>,
    ports: Vec<PortRef>,
}

fn rule(peers: Vec<PeerDef>, ports: Vec<PortRef>) -> RuleDef {
    RuleDef {
        peers: Some(peers),
        ports,
    }
}

/// A NetworkPolicy to write. `types: None` leaves `policyTypes` out;
/// `ingress`/`egress: None` leaves the field out, `Some(vec![])` writes
/// `[]`.
struct Pol {
    name: String,
    selector: Sel,
    types: Option<&'static [&'static str]>,
    ingress: Option<Vec<RuleDef>>,
    egress: Option<Vec<RuleDef>>,
}

const INGRESS: &[&str] = &["Ingress"];
const EGRESS: &[&str] = &["Egress"];
const BOTH: &[&str] = &["Ingress", "Egress"];

fn pol(name: String, selector: Sel) -> Pol {
    Pol {
        name,
        selector,
        types: None,
        ingress: None,
        egress: None,
    }
}

/// `base`, or `base-2`, `base-3`, ... whichever `taken` says is free.
fn unique(base: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(base) {
        return base.to_string();
    }
    (2..)
        .map(|i| format!("{base}-{i}"))
        .find(|n| !taken(n))
        .unwrap_or_default()
}

#[derive(Clone, Copy)]
enum Item {
    Namespace(usize),
    Workload(usize, usize),
    Policy(usize, usize),
}

struct Generator {
    rng: Rng,
    namespaces: Vec<Namespace>,
    /// Extra indentation of sequence entries in the object being written.
    so: usize,
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
            namespaces: Vec::new(),
            so: 0,
        };
        g.plan_namespaces(usize::try_from(params.workloads / 50).unwrap_or(usize::MAX));
        g.plan_workloads(params.workloads);
        g.plan_policies(params.policies);
        g
    }

    // ------------------------------------------------------------ planning

    fn plan_namespaces(&mut self, n: usize) {
        let n = n.max(1);
        let infra: &[&str] = &[
            "kube-system",
            "monitoring",
            "ingress-nginx",
            "logging",
            "cert-manager",
        ];
        // Small corpora keep kube-system (DNS) and one team namespace.
        let k = if n >= 8 { infra.len() } else { 1 };
        for name in &infra[..k] {
            let mut labels = Vec::new();
            if *name != "kube-system" {
                labels.push(("team".to_string(), "platform".to_string()));
                labels.push(("purpose".to_string(), "infrastructure".to_string()));
            }
            self.namespaces.push(Namespace {
                name: name.to_string(),
                labels,
                team: None,
                env: "prod",
                infra: true,
                style: Style::Helm,
                deny: Deny::Open,
                apps: Vec::new(),
                workloads: Vec::new(),
                policies: Vec::new(),
            });
        }
        let mut names: Vec<(String, &'static str, &'static str, Option<&'static str>)> = Vec::new();
        'outer: for round in 0.. {
            for region in std::iter::once(None).chain(REGIONS.iter().copied().map(Some)) {
                for &(env, _) in ENVS {
                    for &team in TEAMS {
                        if names.len() + k >= n.max(k + 1) {
                            break 'outer;
                        }
                        let mut name = format!("{team}-{env}");
                        if let Some(r) = region {
                            name = format!("{name}-{r}");
                        }
                        if round > 0 {
                            name = format!("{name}-{}", round + 1);
                        }
                        names.push((name, team, env, region));
                    }
                }
            }
        }
        for (name, team, env, region) in names {
            let mut labels = Vec::new();
            if self.rng.chance(60) {
                labels.push(("kubernetes.io/metadata.name".to_string(), name.clone()));
            }
            labels.push(("team".to_string(), team.to_string()));
            labels.push(("env".to_string(), env.to_string()));
            if let Some(r) = region {
                labels.push(("region".to_string(), r.to_string()));
            }
            if env == "prod" && SENSITIVE_TEAMS.contains(&team) {
                labels.push(("rampart.dev/sensitive".to_string(), "true".to_string()));
            }
            if matches!(team, "payments" | "billing" | "checkout") {
                // YAML 1.1 reads a plain yes/no as a boolean: written quoted.
                let v = if env == "prod" { "yes" } else { "no" };
                labels.push(("pci".to_string(), v.to_string()));
            }
            if self.rng.chance(20) {
                let v = self.rng.pick(&["on", "off", "y", "n"]);
                labels.push(("backup".to_string(), v.to_string()));
            }
            if self.rng.chance(30) {
                labels.push(("istio-injection".to_string(), "enabled".to_string()));
            }
            let deny = match env {
                "sandbox" if self.rng.chance(40) => Deny::Open,
                _ => match self.rng.below(100) {
                    0..60 => Deny::Both,
                    60..92 => Deny::Split,
                    _ => Deny::IngressOnly,
                },
            };
            let style = if self.rng.chance(40) {
                Style::Helm
            } else {
                Style::Plain
            };
            self.namespaces.push(Namespace {
                name,
                labels,
                team: Some(team),
                env,
                infra: false,
                style,
                deny,
                apps: Vec::new(),
                workloads: Vec::new(),
                policies: Vec::new(),
            });
        }
    }

    fn plan_workloads(&mut self, total: u64) {
        let mut left = total;
        for ns in 0..self.namespaces.len() {
            if !self.namespaces[ns].infra {
                continue;
            }
            for w in infra_workloads(&self.namespaces[ns].name) {
                if left == 0 {
                    return;
                }
                self.namespaces[ns].workloads.push(w);
                left -= 1;
            }
        }
        let teams: Vec<(u64, usize)> = (0..self.namespaces.len())
            .filter(|&i| !self.namespaces[i].infra)
            .map(|i| {
                let n = &self.namespaces[i];
                let w = ENVS
                    .iter()
                    .find(|(e, _)| *e == n.env)
                    .map_or(10, |(_, w)| *w);
                // Busy production namespaces: a few hold much more.
                (if i % 17 == 3 { w * 3 } else { w }, i)
            })
            .collect();
        if teams.is_empty() {
            return;
        }
        while left > 0 {
            let ns = self.rng.weighted(&teams);
            let shape = self.rng.weighted(APP_SHAPES);
            let taken = self.namespaces[ns].apps.len();
            // Each app name once per namespace; later rounds get a suffix.
            let base = APPS[(taken + ns * 7) % APPS.len()];
            let name = match taken / APPS.len() {
                0 => base.to_string(),
                r => format!("{base}-{}", r + 1),
            };
            let mut tiers = Vec::new();
            for &tier in shape {
                if left == 0 {
                    break;
                }
                let w = self.team_workload(ns, &name, tier);
                self.namespaces[ns].workloads.push(w);
                tiers.push(tier);
                left -= 1;
            }
            self.namespaces[ns].apps.push(App { name, tiers });
        }
    }

    fn team_workload(&mut self, ns: usize, app: &str, tier: Tier) -> Workload {
        let style = self.namespaces[ns].style;
        let team = self.namespaces[ns].team.unwrap_or("platform");
        let base = format!("{app}-{}", tier.name());
        let name = unique(&base, |n| {
            self.namespaces[ns].workloads.iter().any(|w| w.name == n)
        });
        let suffix = name.strip_prefix(&base).unwrap_or("");
        // The second backend of an app is its admin API: same app and
        // tier labels, its own instance label.
        let mut labels = vec![
            (style.app_key().to_string(), app.to_string()),
            (style.tier_key().to_string(), tier.name().to_string()),
        ];
        if style == Style::Helm {
            labels.push((
                "app.kubernetes.io/instance".to_string(),
                format!("{app}{suffix}"),
            ));
        }
        let selector_keys = labels.len();
        labels.push(("app.kubernetes.io/part-of".to_string(), team.to_string()));
        labels.push((
            "version".to_string(),
            self.rng.pick(&["1.0", "2", "1.10", "3.2.1"]).to_string(),
        ));
        if self.rng.chance(15) {
            labels.push((
                "canary".to_string(),
                self.rng.pick(&["yes", "no"]).to_string(),
            ));
        }
        let (kind, mut ports) = match tier {
            Tier::Frontend => {
                let mut p = vec![tcp("http", 8080)];
                if self.rng.chance(30) {
                    p.push(tcp("metrics", 9090));
                }
                if self.rng.chance(5) {
                    p.push(udp("h3", 8443));
                }
                (Kind::Deployment, p)
            }
            Tier::Backend => (
                Kind::Deployment,
                vec![tcp("http", 8080), tcp("grpc", 9090), tcp("metrics", 9102)],
            ),
            Tier::Worker => {
                let mut p = vec![tcp("metrics", 9102)];
                if self.rng.chance(10) {
                    p.push(udp("statsd", 8125));
                }
                (Kind::Deployment, p)
            }
            Tier::Db => {
                let db = self
                    .rng
                    .pick(&[tcp("db", 5432), tcp("db", 3306), tcp("mongodb", 27017)]);
                (Kind::StatefulSet, vec![db, tcp("metrics", 9187)])
            }
            Tier::Cache => (
                Kind::StatefulSet,
                vec![tcp("redis", 6379), tcp("metrics", 9121)],
            ),
        };
        // Half the manifests leave the default protocol out.
        for p in &mut ports {
            if p.protocol == Some("TCP") && self.rng.chance(50) {
                p.protocol = None;
            }
        }
        let mut containers = vec![Container {
            name: tier.name().to_string(),
            image: format!(
                "ghcr.io/acme/{app}:{}",
                self.rng.pick(&["1.4.2", "2.0.1", "v3.1.0"])
            ),
            ports,
        }];
        if self.namespaces[ns]
            .labels
            .iter()
            .any(|(k, _)| k == "istio-injection")
        {
            containers.push(Container {
                name: "istio-proxy".to_string(),
                image: "docker.io/istio/proxyv2:1.22.1".to_string(),
                ports: vec![tcp("http-envoy-prom", 15090)],
            });
        }
        // A rare per-team node agent.
        let kind = if tier == Tier::Worker && self.rng.chance(3) {
            Kind::DaemonSet
        } else {
            kind
        };
        Workload {
            name,
            kind,
            labels,
            selector_keys,
            containers,
            host_network: false,
        }
    }

    fn plan_policies(&mut self, budget: u64) {
        let mut left = budget;
        // Layer 1: infrastructure and default deny; layer 2: DNS; layer 3:
        // Prometheus and ingress-nginx. Within a layer, namespace order.
        for layer in 0..3 {
            for ns in 0..self.namespaces.len() {
                for p in self.base_policies(ns, layer) {
                    if left == 0 {
                        return;
                    }
                    self.push_policy(ns, p);
                    left -= 1;
                }
            }
        }
        // Layer 4: app policies, on apps picked at random.
        let apps: Vec<(usize, usize)> = (0..self.namespaces.len())
            .flat_map(|ns| (0..self.namespaces[ns].apps.len()).map(move |a| (ns, a)))
            .collect();
        if apps.is_empty() {
            return;
        }
        let mut k = 0u64;
        while left > 0 {
            let (ns, app) = *self.rng.pick_ref(&apps);
            k += 1;
            // A few invalid ones: the 50th pick, then every 150th.
            let made = if k % 150 == 50 {
                vec![self.invalid_policy(ns, app, k)]
            } else {
                self.app_policies(ns, app)
            };
            for (ns, p) in made {
                if left == 0 {
                    return;
                }
                self.push_policy(ns, p);
                left -= 1;
            }
        }
    }

    fn push_policy(&mut self, ns: usize, mut p: Pol) {
        let n = &mut self.namespaces[ns];
        p.name = unique(&p.name, |x| n.policies.iter().any(|q| q.name == x));
        n.policies.push(p);
    }

    fn base_policies(&mut self, ns: usize, layer: u8) -> Vec<Pol> {
        let n = &self.namespaces[ns];
        let (deny, infra, name) = (n.deny, n.infra, n.name.clone());
        let has_frontend = n.apps.iter().any(|a| a.tiers.contains(&Tier::Frontend));
        let tier_key = n.style.tier_key();
        let mut out = Vec::new();
        match layer {
            0 if infra => out.extend(self.infra_policies(&name)),
            0 => match deny {
                Deny::Open => {}
                Deny::Both => out.push(Pol {
                    types: Some(BOTH),
                    ..pol("default-deny-all".into(), Sel::default())
                }),
                Deny::Split | Deny::IngressOnly => {
                    out.push(Pol {
                        types: Some(INGRESS),
                        ..pol("default-deny-ingress".into(), Sel::default())
                    });
                    if deny == Deny::Split {
                        let explicit = self.rng.chance(30);
                        out.push(Pol {
                            types: Some(EGRESS),
                            egress: explicit.then(Vec::new),
                            ..pol("default-deny-egress".into(), Sel::default())
                        });
                    }
                }
            },
            1 if deny.egress() => out.push(self.dns_policy()),
            2 if deny.ingress() => {
                if self.rng.chance(75) {
                    let prometheus = sel(&[("app.kubernetes.io/name", "prometheus")]);
                    let peers = if self.rng.chance(20) {
                        // Two peers: all of monitoring, OR Prometheus-
                        // labelled pods of this namespace.
                        vec![in_ns(ns_named("monitoring"), None), pods(prometheus)]
                    } else {
                        vec![in_ns(ns_named("monitoring"), Some(prometheus))]
                    };
                    out.push(Pol {
                        types: self.rng.chance(70).then_some(INGRESS),
                        ingress: Some(vec![rule(peers, vec![named("metrics")])]),
                        ..pol("allow-prometheus-scrape".into(), Sel::default())
                    });
                }
                if has_frontend {
                    let nginx = self
                        .rng
                        .chance(30)
                        .then(|| sel(&[("app.kubernetes.io/name", "ingress-nginx")]));
                    out.push(Pol {
                        types: Some(INGRESS),
                        ingress: Some(vec![rule(
                            vec![in_ns(ns_named("ingress-nginx"), nginx)],
                            vec![named("http")],
                        )]),
                        ..pol(
                            "allow-from-ingress-nginx".into(),
                            sel(&[(tier_key, "frontend")]),
                        )
                    });
                }
            }
            _ => {}
        }
        out
    }

    /// Egress to the cluster DNS, in the spellings found in the wild.
    fn dns_policy(&mut self) -> Pol {
        let kube_dns = || sel(&[("k8s-app", "kube-dns")]);
        let both53 = vec![num(Some("UDP"), 53), num(Some("TCP"), 53)];
        let r = match self.rng.below(100) {
            0..65 => rule(
                vec![in_ns(ns_named("kube-system"), Some(kube_dns()))],
                both53,
            ),
            // Any destination on port 53 (node-local-dns included).
            65..70 => RuleDef {
                peers: None,
                ports: both53,
            },
            // Named ports, any pod of kube-system.
            70..85 => rule(
                vec![in_ns(ns_named("kube-system"), None)],
                vec![
                    PortRef {
                        protocol: Some("UDP"),
                        ..named("dns")
                    },
                    PortRef {
                        protocol: Some("TCP"),
                        ..named("dns-tcp")
                    },
                ],
            ),
            // Two peers (kube-system OR kube-dns pods here), TCP forgotten.
            _ => rule(
                vec![in_ns(ns_named("kube-system"), None), pods(kube_dns())],
                vec![num(Some("UDP"), 53)],
            ),
        };
        Pol {
            // Without policyTypes this also isolates ingress.
            types: (!self.rng.chance(15)).then_some(EGRESS),
            egress: Some(vec![r]),
            ..pol("allow-dns".into(), Sel::default())
        }
    }

    fn infra_policies(&mut self, ns: &str) -> Vec<Pol> {
        let helm = |v: &str| sel(&[("app.kubernetes.io/name", v)]);
        match ns {
            "monitoring" => vec![
                Pol {
                    types: Some(INGRESS),
                    ..pol("default-deny-ingress".into(), Sel::default())
                },
                Pol {
                    types: Some(INGRESS),
                    ingress: Some(vec![rule(
                        vec![in_ns(ns_named("ingress-nginx"), None)],
                        vec![named("http")],
                    )]),
                    ..pol("allow-grafana-from-ingress".into(), helm("grafana"))
                },
                Pol {
                    types: Some(INGRESS),
                    ingress: Some(vec![rule(vec![pods(helm("grafana"))], vec![named("http")])]),
                    ..pol("allow-grafana-to-prometheus".into(), helm("prometheus"))
                },
            ],
            "ingress-nginx" => vec![Pol {
                types: Some(INGRESS),
                ingress: Some(vec![
                    RuleDef {
                        peers: None,
                        ports: vec![named("http"), named("https")],
                    },
                    rule(
                        vec![in_ns(ns_named("monitoring"), None)],
                        vec![named("metrics")],
                    ),
                ]),
                ..pol("allow-web".into(), helm("ingress-nginx"))
            }],
            "logging" => vec![
                Pol {
                    types: Some(INGRESS),
                    ..pol("default-deny-ingress".into(), Sel::default())
                },
                Pol {
                    types: Some(INGRESS),
                    ingress: Some(vec![rule(
                        vec![pods(helm("fluent-bit"))],
                        vec![named("http")],
                    )]),
                    ..pol("allow-fluent-bit-to-loki".into(), helm("loki"))
                },
            ],
            _ => Vec::new(),
        }
    }

    /// One or two policies about `app` of `ns` (the second in the
    /// namespace of a cross-namespace peer, or the other side of a tier
    /// allow).
    fn app_policies(&mut self, ns: usize, app: usize) -> Vec<(usize, Pol)> {
        let n = &self.namespaces[ns];
        let style = n.style;
        let (ak, tk) = (style.app_key(), style.tier_key());
        let a = &n.apps[app];
        let name = a.name.clone();
        let tiers = a.tiers.clone();
        let egress_denied = n.deny.egress();
        let tier = *self.rng.pick_ref(&tiers);
        let target = match self.rng.below(100) {
            0..60 => sel(&[(ak, &name), (tk, tier.name())]),
            60..85 => sel(&[(ak, &name)]),
            _ => sel(&[(tk, tier.name())]),
        };
        let tname = format!("{name}-{}", tier.name());
        let ports_of = |t: Tier| -> Vec<PortRef> {
            match t {
                Tier::Frontend => vec![named("http")],
                Tier::Backend => vec![named("http"), named("grpc")],
                Tier::Worker => vec![named("metrics")],
                Tier::Db => vec![num(None, 5432), num(Some("TCP"), 3306), named("mongodb")],
                Tier::Cache => vec![num(Some("TCP"), 6379)],
            }
        };
        // Who calls a tier: the tier above, within the app.
        let caller = |t: Tier| match t {
            Tier::Frontend => None,
            Tier::Backend => Some(Tier::Frontend),
            Tier::Worker | Tier::Db | Tier::Cache => Some(Tier::Backend),
        };
        let mut out = Vec::new();
        match self.rng.below(100) {
            // Tier allow: ingress from the calling tier on named ports, and
            // the caller's egress when egress is denied here.
            0..30 => {
                let from = caller(tier).unwrap_or(Tier::Backend);
                let from_sel = if self.rng.chance(50) {
                    sel(&[(ak, &name), (tk, from.name())])
                } else {
                    sel(&[(tk, from.name())])
                };
                let mut rules = vec![rule(vec![pods(from_sel.clone())], ports_of(tier))];
                if self.rng.chance(10) {
                    // A later rule that adds nothing: the app's own callers
                    // on the first of the same ports.
                    rules.push(rule(
                        vec![pods(sel(&[(ak, &name), (tk, from.name())]))],
                        ports_of(tier)[..1].to_vec(),
                    ));
                }
                out.push((
                    ns,
                    Pol {
                        types: self.rng.chance(80).then_some(INGRESS),
                        ingress: Some(rules),
                        ..pol(
                            format!("{tname}-allow-from-{}", from.name()),
                            target.clone(),
                        )
                    },
                ));
                if egress_denied && self.rng.chance(70) {
                    out.push((
                        ns,
                        Pol {
                            types: Some(EGRESS),
                            egress: Some(vec![rule(vec![pods(target)], ports_of(tier))]),
                            ..pol(
                                format!("{name}-{}-egress-to-{}", from.name(), tier.name()),
                                from_sel,
                            )
                        },
                    ));
                }
            }
            // A component policy without policyTypes: ingress from its
            // caller, egress to its stores (so both directions default on).
            30..45 => {
                let from = caller(tier).unwrap_or(Tier::Frontend);
                let mut egress = vec![rule(
                    vec![pods(sel(&[(ak, &name), (tk, "db")]))],
                    vec![num(None, 5432)],
                )];
                if self.rng.chance(50) {
                    egress.push(rule(
                        vec![pods(sel(&[(ak, &name), (tk, "cache")]))],
                        vec![named("redis")],
                    ));
                }
                out.push((
                    ns,
                    Pol {
                        ingress: Some(vec![rule(
                            vec![pods(sel(&[(tk, from.name())]))],
                            ports_of(tier),
                        )]),
                        egress: Some(egress),
                        ..pol(tname.clone(), target)
                    },
                ));
            }
            // Stores: in from the app's backends, nothing out.
            45..53 => {
                let t = if tiers.contains(&Tier::Cache) && self.rng.chance(40) {
                    Tier::Cache
                } else {
                    Tier::Db
                };
                out.push((
                    ns,
                    Pol {
                        types: Some(BOTH),
                        ingress: Some(vec![rule(
                            vec![pods(sel(&[(ak, &name), (tk, "backend")]))],
                            ports_of(t),
                        )]),
                        egress: Some(Vec::new()),
                        ..pol(
                            format!("{name}-{}-lockdown", t.name()),
                            sel(&[(ak, &name), (tk, t.name())]),
                        )
                    },
                ));
            }
            // Cross-namespace: callers of another team's namespace, the
            // namespace and pod selectors in one peer (AND) or, now and
            // then, as two peers (OR); with the callers' egress there.
            53..68 => {
                let other = self.other_namespace(ns);
                let o = &self.namespaces[other];
                let (oteam, oenv, otk, oname) = (
                    o.team.unwrap_or("platform"),
                    o.env,
                    o.style.tier_key(),
                    o.name.clone(),
                );
                let oegress = o.deny.egress();
                let sensitive_target = n_sensitive(&self.namespaces[ns]);
                let ns_sel = match self.rng.below(100) {
                    0..50 => sel(&[("team", oteam), ("env", oenv)]),
                    50..80 => ns_named(&oname),
                    // Careless: every namespace, worst into sensitive ones.
                    80..90 if sensitive_target => Sel::default(),
                    _ => Sel {
                        labels: vec![("team".to_string(), oteam.to_string())],
                        exprs: vec![(
                            "env".to_string(),
                            "In",
                            vec!["prod".to_string(), "staging".to_string()],
                        )],
                    },
                };
                let callers = sel(&[(otk, "backend")]);
                let two_peers = self.rng.chance(20);
                let peers = if two_peers {
                    vec![in_ns(ns_sel, None), pods(callers.clone())]
                } else {
                    vec![in_ns(ns_sel, Some(callers.clone()))]
                };
                out.push((
                    ns,
                    Pol {
                        types: Some(INGRESS),
                        ingress: Some(vec![rule(peers, vec![named("grpc"), named("http")])]),
                        ..pol(format!("{tname}-allow-{oteam}"), target.clone())
                    },
                ));
                if oegress && self.rng.chance(70) {
                    let here = ns_named(&self.namespaces[ns].name);
                    out.push((
                        other,
                        Pol {
                            types: Some(EGRESS),
                            egress: Some(vec![rule(
                                vec![in_ns(here, Some(target))],
                                vec![named("grpc"), named("http")],
                            )]),
                            ..pol(format!("backend-egress-to-{name}"), callers)
                        },
                    ));
                }
            }
            // The internet, but not the metadata address or private ranges.
            68..78 => out.push((
                ns,
                Pol {
                    types: Some(EGRESS),
                    egress: Some(vec![rule(vec![internet()], vec![num(Some("TCP"), 443)])]),
                    ..pol(format!("{tname}-egress-internet"), target)
                },
            )),
            // Port ranges: NodePorts of an on-premises range, or a gossip
            // range among the app's own pods.
            78..84 => {
                let p = if self.rng.chance(50) {
                    Pol {
                        types: Some(EGRESS),
                        egress: Some(vec![rule(
                            vec![PeerDef::Block {
                                cidr: "10.40.0.0/16",
                                except: vec!["10.40.255.0/24"],
                            }],
                            vec![range(Some("TCP"), 30000, 32767)],
                        )]),
                        ..pol(format!("{tname}-egress-onprem"), target)
                    }
                } else {
                    let own = sel(&[(ak, &name)]);
                    Pol {
                        types: Some(BOTH),
                        ingress: Some(vec![rule(
                            vec![pods(own.clone())],
                            vec![range(None, 7000, 7010), range(Some("UDP"), 7946, 7946)],
                        )]),
                        egress: Some(vec![rule(
                            vec![pods(own)],
                            vec![range(None, 7000, 7010), range(Some("UDP"), 7946, 7946)],
                        )]),
                        ..pol(format!("{name}-gossip"), target)
                    }
                };
                out.push((ns, p));
            }
            // Load balancer source ranges.
            84..88 => out.push((
                ns,
                Pol {
                    types: Some(INGRESS),
                    ingress: Some(vec![rule(
                        vec![
                            PeerDef::Block {
                                cidr: "203.0.113.0/24",
                                except: Vec::new(),
                            },
                            PeerDef::Block {
                                cidr: "198.51.100.0/24",
                                except: vec!["198.51.100.128/25"],
                            },
                            PeerDef::Block {
                                cidr: "2001:db8::/32",
                                except: Vec::new(),
                            },
                        ],
                        vec![named("http"), num(None, 8443)],
                    )]),
                    ..pol(format!("{tname}-allow-lb"), target)
                },
            )),
            // Everything within the app, both ways.
            88..92 => {
                let own = sel(&[(ak, &name)]);
                out.push((
                    ns,
                    Pol {
                        types: Some(BOTH),
                        ingress: Some(vec![rule(vec![pods(own.clone())], Vec::new())]),
                        egress: Some(vec![rule(vec![pods(own.clone())], Vec::new())]),
                        ..pol(format!("{name}-internal"), own)
                    },
                ));
            }
            // matchExpressions on both ends.
            92..95 => out.push((
                ns,
                Pol {
                    types: Some(INGRESS),
                    ingress: Some(vec![rule(
                        vec![pods(Sel {
                            labels: Vec::new(),
                            exprs: vec![
                                (
                                    tk.to_string(),
                                    "NotIn",
                                    vec!["db".to_string(), "cache".to_string()],
                                ),
                                ("canary".to_string(), "DoesNotExist", Vec::new()),
                            ],
                        })],
                        vec![named("http")],
                    )]),
                    ..pol(
                        format!("{name}-services"),
                        Sel {
                            labels: Vec::new(),
                            exprs: vec![
                                (ak.to_string(), "In", vec![name.clone()]),
                                (
                                    tk.to_string(),
                                    "In",
                                    vec!["backend".to_string(), "worker".to_string()],
                                ),
                            ],
                        },
                    )
                },
            )),
            // No policyTypes and `egress: []`: only ingress is isolated
            // (the empty list does not count), egress stays open.
            95..97 => out.push((
                ns,
                Pol {
                    ingress: Some(vec![rule(
                        vec![pods(sel(&[(ak, &name)]))],
                        vec![named("http")],
                    )]),
                    egress: Some(Vec::new()),
                    ..pol(format!("{tname}-ingress-only"), target)
                },
            )),
            // Every source, on the tier's ports.
            97..98 => out.push((
                ns,
                Pol {
                    types: Some(INGRESS),
                    ingress: Some(vec![RuleDef {
                        peers: Some(Vec::new()),
                        ports: Vec::new(),
                    }]),
                    ..pol(format!("{tname}-allow-all"), target)
                },
            )),
            // A stale selector: the app was renamed.
            _ => out.push((
                ns,
                Pol {
                    types: Some(INGRESS),
                    ingress: Some(vec![rule(
                        vec![pods(sel(&[(tk, "frontend")]))],
                        vec![named("http")],
                    )]),
                    ..pol(
                        format!("legacy-{name}"),
                        sel(&[(ak, &format!("legacy-{name}"))]),
                    )
                },
            )),
        }
        out
    }

    /// A namespace other than `ns`, preferring the same environment.
    fn other_namespace(&mut self, ns: usize) -> usize {
        let env = self.namespaces[ns].env;
        let candidates: Vec<usize> = (0..self.namespaces.len())
            .filter(|&i| i != ns && !self.namespaces[i].infra)
            .filter(|&i| self.namespaces[i].env == env || self.rng.chance(10))
            .collect();
        if candidates.is_empty() {
            ns
        } else {
            *self.rng.pick_ref(&candidates)
        }
    }

    /// A policy the API server rejects.
    fn invalid_policy(&mut self, ns: usize, app: usize, k: u64) -> (usize, Pol) {
        let n = &self.namespaces[ns];
        let (ak, name) = (n.style.app_key(), n.apps[app].name.clone());
        let peer = if (k / 150) % 3 == 2 {
            // `except` outside its `cidr`.
            PeerDef::Block {
                cidr: "10.0.0.0/16",
                except: vec!["10.1.0.0/24"],
            }
        } else {
            PeerDef::BlockWithSelector {
                cidr: "10.0.0.0/8",
                namespace: (k / 150) % 3 == 1,
                sel: sel(&[(ak, &name)]),
            }
        };
        (
            ns,
            Pol {
                types: Some(EGRESS),
                egress: Some(vec![rule(vec![peer], vec![num(None, 443)])]),
                ..pol(format!("{name}-egress-private"), sel(&[(ak, &name)]))
            },
        )
    }

    // ------------------------------------------------------------- writing

    /// Every object, in write order.
    fn items(&self) -> Vec<Item> {
        let mut items: Vec<Item> = (0..self.namespaces.len()).map(Item::Namespace).collect();
        for (ns, n) in self.namespaces.iter().enumerate() {
            items.extend((0..n.workloads.len()).map(|i| Item::Workload(ns, i)));
            items.extend((0..n.policies.len()).map(|i| Item::Policy(ns, i)));
        }
        items
    }

    fn item(&mut self, y: &mut Yaml, item: Item) {
        self.so = if self.rng.chance(60) { 0 } else { 2 };
        match item {
            Item::Namespace(ns) => {
                let n = &self.namespaces[ns];
                let (name, labels) = (n.name.clone(), n.labels.clone());
                y.str(0, "apiVersion", "v1");
                y.str(0, "kind", "Namespace");
                self.metadata(y, &name, None, &labels);
            }
            Item::Workload(ns, i) => self.workload(y, ns, i),
            Item::Policy(ns, i) => self.policy(y, ns, i),
        }
    }

    fn metadata(
        &mut self,
        y: &mut Yaml,
        name: &str,
        ns: Option<&str>,
        labels: &[(String, String)],
    ) {
        y.key(0, "metadata");
        y.str(2, "name", name);
        if let Some(ns) = ns {
            y.str(2, "namespace", ns);
        }
        if !labels.is_empty() {
            self.labels(y, 2, "labels", labels);
        }
    }

    /// `key:` with a string map, block or (when short) flow style.
    fn labels(&mut self, y: &mut Yaml, ind: usize, key: &str, pairs: &[(String, String)]) {
        let len: usize = pairs.iter().map(|(k, v)| k.len() + v.len() + 4).sum();
        if len < 70 && self.rng.chance(40) {
            y.raw(ind, key, flow_map(pairs));
        } else {
            y.key(ind, key);
            for (k, v) in pairs {
                y.str(ind + 2, k, v);
            }
        }
    }

    fn workload(&mut self, y: &mut Yaml, ns: usize, i: usize) {
        let namespace = self.namespaces[ns].name.clone();
        let w = &self.namespaces[ns].workloads[i];
        let (name, kind, labels, keys, host) = (
            w.name.clone(),
            w.kind,
            w.labels.clone(),
            w.selector_keys,
            w.host_network,
        );
        y.str(0, "apiVersion", "apps/v1");
        y.str(0, "kind", kind.name());
        let meta_labels: Vec<(String, String)> = labels[..keys].to_vec();
        self.metadata(y, &name, Some(&namespace), &meta_labels);
        y.key(0, "spec");
        match kind {
            Kind::Deployment => y.raw(2, "replicas", self.rng.range(1, 6)),
            Kind::StatefulSet => {
                y.str(2, "serviceName", &name);
                y.raw(2, "replicas", self.rng.pick(&[1, 3, 5]));
            }
            Kind::DaemonSet => {}
        }
        y.key(2, "selector");
        self.labels(y, 4, "matchLabels", &meta_labels);
        y.key(2, "template");
        y.key(4, "metadata");
        self.labels(y, 6, "labels", &labels);
        y.key(4, "spec");
        if host {
            y.raw(6, "hostNetwork", "true");
            y.str(6, "dnsPolicy", "ClusterFirstWithHostNet");
        }
        y.key(6, "containers");
        let c = 6 + self.so;
        let containers = std::mem::take(&mut self.namespaces[ns].workloads[i].containers);
        for ct in &containers {
            y.item(c);
            y.str(c + 2, "name", &ct.name);
            y.str(c + 2, "image", &ct.image);
            if !ct.ports.is_empty() {
                y.key(c + 2, "ports");
                let p = c + 2 + self.so;
                for port in &ct.ports {
                    if self.rng.chance(50) {
                        let mut fields = vec![
                            ("name", port.name.to_string()),
                            ("containerPort", port.number.to_string()),
                        ];
                        if let Some(proto) = port.protocol {
                            fields.push(("protocol", proto.to_string()));
                        }
                        // Numbers stay numbers in flow style: written by hand.
                        let body: Vec<String> =
                            fields.iter().map(|(k, v)| format!("{k}: {v}")).collect();
                        y.line(&format!("{}- {{{}}}", " ".repeat(p), body.join(", ")));
                    } else {
                        y.item(p);
                        y.str(p + 2, "name", port.name);
                        y.raw(p + 2, "containerPort", port.number);
                        if let Some(proto) = port.protocol {
                            y.str(p + 2, "protocol", proto);
                        }
                    }
                }
            }
            y.key(c + 2, "resources");
            y.raw(
                c + 4,
                "requests",
                flow_map(&[("cpu", "100m"), ("memory", "128Mi")]),
            );
        }
        self.namespaces[ns].workloads[i].containers = containers;
    }

    fn selector(&mut self, y: &mut Yaml, ind: usize, key: &str, s: &Sel) {
        if s.labels.is_empty() && s.exprs.is_empty() {
            y.raw(ind, key, "{}");
            return;
        }
        y.key(ind, key);
        if !s.labels.is_empty() {
            self.labels(y, ind + 2, "matchLabels", &s.labels);
        }
        if !s.exprs.is_empty() {
            y.key(ind + 2, "matchExpressions");
            let e = ind + 2 + self.so;
            for (k, op, values) in &s.exprs {
                y.item(e);
                y.str(e + 2, "key", k);
                y.str(e + 2, "operator", op);
                if !values.is_empty() {
                    let v: Vec<&str> = values.iter().map(String::as_str).collect();
                    y.raw(e + 2, "values", flow_seq(&v, self.rng.chance(30)));
                }
            }
        }
    }

    fn policy(&mut self, y: &mut Yaml, ns: usize, i: usize) {
        let namespace = self.namespaces[ns].name.clone();
        let p = std::mem::replace(
            &mut self.namespaces[ns].policies[i],
            pol(String::new(), Sel::default()),
        );
        y.str(0, "apiVersion", "networking.k8s.io/v1");
        y.str(0, "kind", "NetworkPolicy");
        self.metadata(y, &p.name, Some(&namespace), &[]);
        y.key(0, "spec");
        self.selector(y, 2, "podSelector", &p.selector);
        if let Some(types) = p.types {
            if self.rng.chance(50) {
                y.raw(2, "policyTypes", flow_seq(types, false));
            } else {
                y.key(2, "policyTypes");
                for t in types {
                    y.str_item(2 + self.so, t);
                }
            }
        }
        for (key, peers_key, rules) in
            [("ingress", "from", &p.ingress), ("egress", "to", &p.egress)]
        {
            let Some(rules) = rules else { continue };
            if rules.is_empty() {
                y.raw(2, key, "[]");
                continue;
            }
            y.key(2, key);
            let d = 2 + self.so;
            for r in rules {
                self.rule(y, d, peers_key, r);
            }
        }
        self.namespaces[ns].policies[i] = p;
    }

    /// One rule as a sequence entry whose dash is at column `d`.
    fn rule(&mut self, y: &mut Yaml, d: usize, peers_key: &str, r: &RuleDef) {
        let empty_peers = r.peers.as_ref().is_none_or(Vec::is_empty);
        if empty_peers && r.ports.is_empty() {
            y.line(&format!("{}- {{}}", " ".repeat(d)));
            return;
        }
        y.item(d);
        let i = d + 2;
        if let Some(peers) = &r.peers {
            if peers.is_empty() {
                y.raw(i, peers_key, "[]");
            } else {
                y.key(i, peers_key);
                let e = i + self.so;
                for peer in peers {
                    y.item(e);
                    match peer {
                        PeerDef::Pods { ns, pods } => {
                            if let Some(s) = ns {
                                self.selector(y, e + 2, "namespaceSelector", s);
                            }
                            if let Some(s) = pods {
                                self.selector(y, e + 2, "podSelector", s);
                            }
                        }
                        PeerDef::Block { cidr, except } => {
                            self.ip_block(y, e + 2, cidr, except);
                        }
                        PeerDef::BlockWithSelector {
                            cidr,
                            namespace,
                            sel,
                        } => {
                            self.ip_block(y, e + 2, cidr, &[]);
                            let key = if *namespace {
                                "namespaceSelector"
                            } else {
                                "podSelector"
                            };
                            self.selector(y, e + 2, key, sel);
                        }
                    }
                }
            }
        }
        if !r.ports.is_empty() {
            y.key(i, "ports");
            let e = i + self.so;
            for p in &r.ports {
                y.item(e);
                let mut first = true;
                if let Some(proto) = p.protocol {
                    y.str(e + 2, "protocol", proto);
                    first = false;
                }
                match p.port {
                    Some(PortVal::Num(n)) => y.raw(e + 2, "port", n),
                    Some(PortVal::Name(n)) => y.str(e + 2, "port", n),
                    None if first => y.str(e + 2, "protocol", "TCP"),
                    None => {}
                }
                if let Some(end) = p.end {
                    y.raw(e + 2, "endPort", end);
                }
            }
        }
    }

    fn ip_block(&mut self, y: &mut Yaml, ind: usize, cidr: &str, except: &[&str]) {
        y.key(ind, "ipBlock");
        y.str(ind + 2, "cidr", cidr);
        if !except.is_empty() {
            if self.rng.chance(40) {
                y.raw(ind + 2, "except", flow_seq(except, false));
            } else {
                y.key(ind + 2, "except");
                for e in except {
                    y.str_item(ind + 2 + self.so, e);
                }
            }
        }
    }
}

fn n_sensitive(n: &Namespace) -> bool {
    n.labels.iter().any(|(k, _)| k == "rampart.dev/sensitive")
}

/// The workloads every such cluster runs in its infrastructure
/// namespaces, some on the host network.
fn infra_workloads(ns: &str) -> Vec<Workload> {
    let w = |name: &str,
             kind: Kind,
             labels: &[(&str, &str)],
             ports: Vec<PortDef>,
             host_network: bool| Workload {
        name: name.to_string(),
        kind,
        labels: labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        selector_keys: labels.len(),
        containers: vec![Container {
            name: name.to_string(),
            image: format!("registry.k8s.io/{name}:v1.30.2"),
            ports,
        }],
        host_network,
    };
    use Kind::{DaemonSet, Deployment, StatefulSet};
    match ns {
        "kube-system" => vec![
            w(
                "coredns",
                Deployment,
                &[("k8s-app", "kube-dns")],
                vec![udp("dns", 53), tcp("dns-tcp", 53), tcp("metrics", 9153)],
                false,
            ),
            w(
                "node-local-dns",
                DaemonSet,
                &[("k8s-app", "node-local-dns")],
                vec![udp("dns", 53), tcp("dns-tcp", 53), tcp("metrics", 9253)],
                true,
            ),
            w(
                "kube-proxy",
                DaemonSet,
                &[("k8s-app", "kube-proxy")],
                vec![tcp("metrics", 10249)],
                true,
            ),
            w(
                "metrics-server",
                Deployment,
                &[("k8s-app", "metrics-server")],
                vec![tcp("https", 10250)],
                false,
            ),
            w(
                "cilium",
                DaemonSet,
                &[("k8s-app", "cilium")],
                vec![tcp("metrics", 9962)],
                true,
            ),
        ],
        "monitoring" => vec![
            w(
                "prometheus",
                StatefulSet,
                &[("app.kubernetes.io/name", "prometheus")],
                vec![tcp("http", 9090)],
                false,
            ),
            w(
                "alertmanager",
                StatefulSet,
                &[("app.kubernetes.io/name", "alertmanager")],
                vec![tcp("http", 9093)],
                false,
            ),
            w(
                "grafana",
                Deployment,
                &[("app.kubernetes.io/name", "grafana")],
                vec![tcp("http", 3000)],
                false,
            ),
            w(
                "node-exporter",
                DaemonSet,
                &[("app.kubernetes.io/name", "node-exporter")],
                vec![tcp("metrics", 9100)],
                true,
            ),
            w(
                "kube-state-metrics",
                Deployment,
                &[("app.kubernetes.io/name", "kube-state-metrics")],
                vec![tcp("http", 8080), tcp("metrics", 8081)],
                false,
            ),
        ],
        "ingress-nginx" => vec![w(
            "ingress-nginx-controller",
            Deployment,
            &[("app.kubernetes.io/name", "ingress-nginx")],
            vec![tcp("http", 80), tcp("https", 443), tcp("metrics", 10254)],
            false,
        )],
        "logging" => vec![
            w(
                "fluent-bit",
                DaemonSet,
                &[("app.kubernetes.io/name", "fluent-bit")],
                vec![tcp("metrics", 2020)],
                false,
            ),
            w(
                "loki",
                StatefulSet,
                &[("app.kubernetes.io/name", "loki")],
                vec![tcp("http", 3100), tcp("grpc", 9095)],
                false,
            ),
        ],
        "cert-manager" => vec![
            w(
                "cert-manager",
                Deployment,
                &[("app.kubernetes.io/name", "cert-manager")],
                vec![tcp("metrics", 9402)],
                false,
            ),
            w(
                "cert-manager-webhook",
                Deployment,
                &[("app.kubernetes.io/name", "webhook")],
                vec![tcp("https", 10250)],
                false,
            ),
        ],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::test_dirs::{TempDir, read_all};
    use rampart_core::Inventory;
    use rampart_core::source::SourceFile;
    use rampart_core::yaml::Limits;

    const PARAMS: Params = Params {
        workloads: 1500,
        policies: 400,
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
    }

    /// The corpus parses, has exactly the workloads and policies asked
    /// for, and the engine sees them: every policy valid but the few
    /// planted invalid ones.
    #[test]
    fn engine_reads_the_corpus() {
        let mut g = Generator::new(&PARAMS);
        let mut text = String::new();
        for item in g.items() {
            let mut y = Yaml::default();
            y.line("---");
            g.item(&mut y, item);
            text.push_str(&y.out);
        }
        let count = |kind: &str| text.matches(&format!("\nkind: {kind}\n")).count();
        assert_eq!(
            count("Deployment") + count("StatefulSet") + count("DaemonSet"),
            1500
        );
        assert_eq!(count("NetworkPolicy"), 400);
        assert_eq!(count("Namespace"), 30);
        for needle in [
            "endPort: ",
            "169.254.169.254/32",
            "egress: []",
            "hostNetwork: true",
            "operator: DoesNotExist",
            "rampart.dev/sensitive: \"true\"",
            "protocol: UDP",
        ] {
            assert!(text.contains(needle), "{needle}");
        }
        let inv = Inventory::from_sources(
            vec![SourceFile {
                name: "corpus.yaml".into(),
                text,
            }],
            Vec::new(),
            Limits::default(),
        );
        assert!(inv.diagnostics.is_empty(), "{:?}", inv.diagnostics);
        let m = rampart_netpol::Model::build(&inv);
        assert_eq!(m.workloads.len(), 1500);
        assert_eq!(m.namespaces.len(), 30);
        let invalid = m
            .diagnostics
            .iter()
            .filter(|d| d.code == "invalid-network-policy")
            .count();
        assert_eq!(m.diagnostics.len(), invalid, "{:?}", m.diagnostics);
        assert!(invalid >= 1, "an invalid policy must be planted");
        assert_eq!(m.policies.len() + invalid, 400);
        assert!(m.workloads.iter().any(|w| w.host_network));
        assert!(m.policies.iter().any(|p| !p.explicit_types));
        // Sparse: most pairs are denied.
        let classes = rampart_netpol::Classes::build(&m);
        let links = classes.links().len();
        assert!(links > 1500 && links < 1500 * 1500 / 10, "{links} links");
    }

    /// Values YAML 1.1 would read as booleans or numbers are quoted.
    #[test]
    fn ambiguous_values_are_quoted() {
        let mut g = Generator::new(&PARAMS);
        let mut text = String::new();
        for item in g.items() {
            let mut y = Yaml::default();
            g.item(&mut y, item);
            text.push_str(&y.out);
        }
        let mut seen = 0;
        for line in text.lines() {
            let body = line.trim_start().trim_start_matches("- ");
            let pairs: Vec<(&str, &str)> = match body.split_once(": ") {
                Some((_, v)) if v.starts_with('{') => v
                    .trim_matches(['{', '}'])
                    .split(", ")
                    .filter_map(|p| p.split_once(": "))
                    .collect(),
                Some(kv) => vec![kv],
                None => Vec::new(),
            };
            for (k, v) in pairs {
                if [
                    "pci",
                    "backup",
                    "canary",
                    "version",
                    "rampart.dev/sensitive",
                ]
                .contains(&k)
                {
                    seen += 1;
                    assert!(v.starts_with('"'), "{k}: {v} must be quoted: {line}");
                }
            }
        }
        assert!(seen > 100, "only {seen} ambiguous values checked");
    }
}
