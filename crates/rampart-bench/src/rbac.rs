//! `rampart-bench rbac`: how fast the RBAC engine answers on a large
//! generated cluster (see [`crate::rbac_corpus`]).
//!
//! Measured in process, with the release build of `rampart-rbac` linked
//! in: loading the inventory, [`Model::build`], and the latency of single
//! `can`, `who-can`, `show` and escalation-path queries over query sets
//! drawn (deterministically) from the model itself; then, end to end, the
//! wall time and peak RSS of the `rampart` binary auditing the corpus.

use std::collections::{BTreeMap, HashMap};
use std::ffi::OsStr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::ValueEnum;
use rampart_core::Inventory;
use rampart_core::source::Input;
use rampart_core::yaml::Limits;
use rampart_rbac::{Graph, Model, Principal, Request, ResourceAttributes, Subject};

use crate::error::Result;
use crate::rbac_corpus::{self, Params};
use crate::rng::Rng;
use crate::run::{self, Line, mb, rss};

/// The `rampart` subcommand timed end to end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum EndToEnd {
    /// `rampart rbac DIR`: the RBAC audit (risky grants, escalation paths).
    Rbac,
    /// `rampart scan DIR`: every rule, RBAC ones included.
    Scan,
}

impl EndToEnd {
    fn name(self) -> &'static str {
        match self {
            EndToEnd::Rbac => "rbac",
            EndToEnd::Scan => "scan",
        }
    }
}

pub struct Options {
    pub roles: u64,
    pub bindings: u64,
    pub runs: u32,
    pub rampart: PathBuf,
    pub work: PathBuf,
    pub command: EndToEnd,
    pub can_queries: usize,
    pub who_can_queries: usize,
    pub per_file: u64,
    pub seed: u64,
}

/// The targets: each query under 50 ms, the audit under 2 s.
const QUERY_TARGET: Duration = Duration::from_millis(50);
const AUDIT_TARGET: Duration = Duration::from_secs(2);

pub fn run(opts: &Options) -> Result<()> {
    run::check_binary(&opts.rampart)?;
    let dir = opts
        .work
        .join(format!("rbac-{}-{}", opts.roles, opts.bindings));
    let params = Params {
        roles: opts.roles,
        bindings: opts.bindings,
        per_file: opts.per_file,
        seed: opts.seed,
    };
    let started = Instant::now();
    let (stats, generated) = rbac_corpus::ensure(&dir, &params)?;
    eprintln!("{}", run::corpus_line(&dir, &stats, generated, started));

    let mut lines = Vec::new();
    let mut loads = Vec::new();
    let mut builds = Vec::new();
    let mut last = None;
    for i in 1..=opts.runs {
        // The previous run's model and inventory are freed first, so that
        // every run starts from the same heap.
        drop(last.take());
        let t = Instant::now();
        let inventory = Inventory::load(&[Input::Path(dir.clone())], Limits::default(), &|_| false);
        let load = t.elapsed();
        let t = Instant::now();
        let model = Model::build(&inventory);
        let build = t.elapsed();
        eprintln!(
            "  run {i}/{}: inventory load {}, Model::build {}",
            opts.runs,
            fmt(load),
            fmt(build)
        );
        loads.push(load);
        builds.push(build);
        last = Some((inventory, model));
    }
    let Some((inventory, model)) = last else {
        return Err("--runs must be at least 1".to_string().into());
    };
    let shape = Shape::of(&model);
    lines.push(Line::new(
        "inventory load",
        loads,
        format!(
            "{} objects, {} files, {:.1} MB",
            inventory.objects.len(),
            inventory.sources.len(),
            mb(stats.bytes)
        ),
    ));
    lines.push(Line::new(
        "`Model::build`",
        builds,
        format!(
            "{} roles ({} aggregated), {} bindings",
            model.roles.len(),
            model.roles.iter().filter(|r| r.aggregated).count(),
            model.bindings.len()
        ),
    ));

    let mut rng = Rng::new(opts.seed);
    let queries = Queries::new(&model, &shape);
    lines.push(measure_can(&model, &queries, &mut rng, opts));
    lines.extend(measure_who_can(&model, &queries, &mut rng, opts));
    lines.extend(measure_show_and_paths(
        &inventory, &model, &queries, &mut rng, opts,
    ));
    drop((inventory, model));

    let e2e = measure_binary(opts, &dir)?;

    println!(
        "RBAC corpus (seed {}): {} Roles + {} ClusterRoles ({} aggregating), {} RoleBindings + {} ClusterRoleBindings ({} to missing roles), {} distinct subjects, {} namespaces; {} objects in {} files ({:.1} MB). {} CPUs.\n",
        opts.seed,
        shape.roles,
        shape.cluster_roles,
        shape.aggregating,
        shape.role_bindings,
        shape.cluster_bindings,
        shape.dangling,
        queries.subjects.len(),
        shape.namespaces.len(),
        stats.objects,
        stats.files,
        mb(stats.bytes),
        std::thread::available_parallelism().map_or(1, |n| n.get()),
    );
    print!("{}", table(&lines, &e2e));
    Ok(())
}

/// What the model holds, for the header and for picking queries.
struct Shape {
    roles: usize,
    cluster_roles: usize,
    aggregating: usize,
    role_bindings: usize,
    cluster_bindings: usize,
    dangling: usize,
    /// Namespaces with RoleBindings, busiest first (ties by name).
    namespaces: Vec<(String, usize)>,
}

impl Shape {
    fn of(model: &Model) -> Shape {
        let mut per_ns: BTreeMap<&str, usize> = BTreeMap::new();
        for b in &model.bindings {
            if let Some(ns) = &b.namespace {
                *per_ns.entry(ns).or_default() += 1;
            }
        }
        let mut namespaces: Vec<(String, usize)> = per_ns
            .into_iter()
            .map(|(n, c)| (n.to_string(), c))
            .collect();
        namespaces.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Shape {
            roles: model.roles.iter().filter(|r| !r.cluster).count(),
            cluster_roles: model.roles.iter().filter(|r| r.cluster).count(),
            aggregating: model.roles.iter().filter(|r| r.aggregated).count(),
            role_bindings: model
                .bindings
                .iter()
                .filter(|b| b.namespace.is_some())
                .count(),
            cluster_bindings: model
                .bindings
                .iter()
                .filter(|b| b.namespace.is_none())
                .count(),
            dangling: model.dangling_bindings().count(),
            namespaces,
        }
    }
}

/// Resources queries ask about: (API group, resource, subresource).
const TARGETS: &[(&str, &str, &str)] = &[
    ("", "pods", ""),
    ("", "pods", "exec"),
    ("", "pods", "log"),
    ("", "secrets", ""),
    ("", "configmaps", ""),
    ("", "services", ""),
    ("", "serviceaccounts", ""),
    ("", "serviceaccounts", "token"),
    ("apps", "deployments", ""),
    ("apps", "deployments", "scale"),
    ("apps", "statefulsets", ""),
    ("batch", "jobs", ""),
    ("batch", "cronjobs", ""),
    ("networking.k8s.io", "ingresses", ""),
    ("coordination.k8s.io", "leases", ""),
    ("monitoring.coreos.com", "servicemonitors", ""),
    ("acme.io", "widgets", ""),
    ("rbac.authorization.k8s.io", "rolebindings", ""),
    ("rbac.authorization.k8s.io", "roles", ""),
    ("", "nodes", ""),
    ("", "nodes", "proxy"),
    ("", "namespaces", ""),
    ("", "persistentvolumes", ""),
    ("rbac.authorization.k8s.io", "clusterroles", ""),
    ("rbac.authorization.k8s.io", "clusterrolebindings", ""),
    (
        "certificates.k8s.io",
        "certificatesigningrequests",
        "approval",
    ),
    ("apiextensions.k8s.io", "customresourcedefinitions", ""),
];

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

const NAMES: &[&str] = &["app-config", "db-credentials", "tls-cert", "web-0"];

/// Where a who-can query asks.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Where {
    Busy,
    Namespace,
    ClusterWide,
}

/// The populations queries are drawn from.
struct Queries {
    /// Every subject a binding names, sorted.
    subjects: Vec<Subject>,
    /// The subjects named by the most bindings (`system:authenticated`,
    /// popular groups): the most expensive principals.
    heavy: Vec<Subject>,
    groups: Vec<String>,
    /// Namespaces with bindings, busiest first.
    namespaces: Vec<String>,
}

impl Queries {
    fn new(model: &Model, shape: &Shape) -> Queries {
        let mut named: HashMap<&Subject, usize> = HashMap::new();
        for b in &model.bindings {
            for s in &b.subjects {
                *named.entry(s).or_default() += 1;
            }
        }
        let mut by_count: Vec<(&Subject, usize)> = named.into_iter().collect();
        by_count.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        let heavy = by_count
            .iter()
            .take(20)
            .map(|(s, _)| (*s).clone())
            .collect();
        let subjects = model.subjects();
        let groups = subjects
            .iter()
            .filter_map(|s| match s {
                Subject::Group { name } if !name.starts_with("system:") => Some(name.clone()),
                _ => None,
            })
            .collect();
        Queries {
            subjects,
            heavy,
            groups,
            namespaces: shape.namespaces.iter().map(|(n, _)| n.clone()).collect(),
        }
    }

    fn namespace(&self, rng: &mut Rng, w: Where) -> Option<String> {
        let n = self.namespaces.len();
        match w {
            _ if n == 0 => None,
            Where::Busy => Some(self.namespaces[rng.below(n.min(10) as u64) as usize].clone()),
            Where::Namespace => Some(rng.pick_ref(&self.namespaces).clone()),
            Where::ClusterWide => None,
        }
    }

    /// A principal: mostly one the bindings name, some of the heaviest,
    /// users with extra groups, and service accounts no binding names
    /// (reached through their namespace's and the global groups only).
    fn principal(&self, rng: &mut Rng) -> Principal {
        let subject = match rng.below(100) {
            0..10 if !self.heavy.is_empty() => rng.pick_ref(&self.heavy).clone(),
            10..20 if !self.namespaces.is_empty() => {
                let ns = rng.pick_ref(&self.namespaces);
                Subject::sa(ns, &format!("unnamed-{}", rng.hex(5)))
            }
            _ => rng.pick_ref(&self.subjects).clone(),
        };
        let mut extra = Vec::new();
        if matches!(subject, Subject::User { .. }) && !self.groups.is_empty() && rng.chance(30) {
            extra.push(rng.pick_ref(&self.groups).clone());
            extra.push(rng.pick_ref(&self.groups).clone());
        }
        Principal::of(&subject, &extra)
    }

    fn request(&self, rng: &mut Rng, w: Where) -> Request {
        if rng.chance(4) {
            return Request::NonResource {
                verb: "get".to_string(),
                path: rng
                    .pick(&["/metrics", "/healthz", "/api/v1", "/version"])
                    .to_string(),
            };
        }
        let (group, resource, sub) = rng.pick(TARGETS);
        let verb = match (resource, sub) {
            ("roles" | "clusterroles", _) if rng.chance(30) => rng.pick(&["escalate", "bind"]),
            ("serviceaccounts", "") if rng.chance(20) => "impersonate",
            ("pods", "exec") | ("serviceaccounts", "token") => "create",
            ("certificatesigningrequests", "approval") => "update",
            _ => rng.pick(VERBS),
        };
        let mut r = ResourceAttributes::new(verb, group, resource).subresource(sub);
        if let Some(ns) = self.namespace(rng, w) {
            r = r.namespace(&ns);
        }
        if !sub.is_empty() || (verb != "create" && rng.chance(20)) {
            r = r.name(rng.pick(NAMES));
        }
        Request::Resource(r)
    }
}

/// Runs `query` on every item `runs` times, timing each call.
fn time_each<T, R>(items: &[T], runs: u32, mut query: impl FnMut(&T) -> R) -> Vec<Duration> {
    let mut samples = Vec::with_capacity(items.len() * runs as usize);
    for _ in 0..runs {
        for item in items {
            let t = Instant::now();
            std::hint::black_box(query(item));
            samples.push(t.elapsed());
        }
    }
    samples
}

fn measure_can(model: &Model, q: &Queries, rng: &mut Rng, opts: &Options) -> Line {
    let set: Vec<(Principal, Request)> = (0..opts.can_queries)
        .map(|_| {
            let p = q.principal(rng);
            let w = match rng.below(100) {
                0..15 => Where::Busy,
                15..30 => Where::ClusterWide,
                _ => Where::Namespace,
            };
            let mut req = q.request(rng, w);
            // Service accounts mostly ask about their own namespace.
            if let (Some(user), Request::Resource(r)) = (&p.user, &mut req) {
                if let Some((ns, _)) = rampart_rbac::split_sa_username(user) {
                    if r.namespace.is_some() && rng.chance(60) {
                        r.namespace = Some(ns.to_string());
                    }
                }
            }
            (p, req)
        })
        .collect();
    let allowed = set.iter().filter(|(p, r)| model.can(p, r).allowed).count();
    let grants: usize = set.iter().map(|(p, r)| model.can(p, r).because.len()).sum();
    let samples = time_each(&set, opts.runs, |(p, r)| model.can(p, r));
    let line = Line::new(
        format!("`can` ({} queries × {} runs)", set.len(), opts.runs),
        samples,
        format!(
            "{allowed} allowed, {grants} grant paths in all; 15% cluster-wide, 15% in the 10 busiest namespaces"
        ),
    );
    eprintln!(
        "  can: median {}, max {}",
        fmt(line.median()),
        fmt(line.max())
    );
    line
}

fn measure_who_can(model: &Model, q: &Queries, rng: &mut Rng, opts: &Options) -> Vec<Line> {
    let set: Vec<(Where, Request)> = (0..opts.who_can_queries)
        .map(|_| {
            let w = match rng.below(100) {
                0..40 => Where::Busy,
                40..75 => Where::Namespace,
                _ => Where::ClusterWide,
            };
            (w, q.request(rng, w))
        })
        .collect();
    let mut lines = Vec::new();
    for (label, filter) in [
        ("all", None),
        ("10 busiest namespaces", Some(Where::Busy)),
        ("other namespaces", Some(Where::Namespace)),
        ("cluster-wide (`-A`)", Some(Where::ClusterWide)),
    ] {
        let subset: Vec<&Request> = set
            .iter()
            .filter(|(w, _)| filter.is_none_or(|f| f == *w))
            .map(|(_, r)| r)
            .collect();
        if subset.is_empty() {
            continue;
        }
        let grants: Vec<usize> = subset
            .iter()
            .map(|r| model.who_can(r).grants.len())
            .collect();
        let samples = time_each(&subset, opts.runs, |r| model.who_can(r));
        let line = Line::new(
            format!(
                "`who-can`, {label} ({} queries × {} runs)",
                subset.len(),
                opts.runs
            ),
            samples,
            format!(
                "{} grants per answer on average, {} at most",
                grants.iter().sum::<usize>() / grants.len(),
                grants.iter().max().copied().unwrap_or(0)
            ),
        );
        eprintln!(
            "  who-can {label}: median {}, max {}",
            fmt(line.median()),
            fmt(line.max())
        );
        lines.push(line);
    }
    lines
}

/// `show` and escalation paths ([`Model::show`], [`Graph`]): the APIs
/// behind `rampart rbac show` and `rampart rbac paths`.
fn measure_show_and_paths(
    inventory: &Inventory,
    model: &Model,
    q: &Queries,
    rng: &mut Rng,
    opts: &Options,
) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut principals: Vec<Principal> = q.heavy.iter().map(|s| Principal::of(s, &[])).collect();
    while principals.len() < 200 {
        principals.push(q.principal(rng));
    }
    let rules: Vec<usize> = principals
        .iter()
        .map(|p| model.show(p).rules.len())
        .collect();
    let samples = time_each(&principals, opts.runs, |p| model.show(p));
    lines.push(Line::new(
        format!(
            "`show` ({} principals × {} runs)",
            principals.len(),
            opts.runs
        ),
        samples,
        format!(
            "incl. the {} most-bound subjects; {} rules per answer on average, {} at most",
            q.heavy.len(),
            rules.iter().sum::<usize>() / rules.len(),
            rules.iter().max().copied().unwrap_or(0)
        ),
    ));

    let mut builds = Vec::new();
    let mut graph = None;
    for _ in 0..opts.runs {
        drop(graph.take());
        let t = Instant::now();
        let g = Graph::build(inventory, model);
        builds.push(t.elapsed());
        graph = Some(g);
    }
    let Some(graph) = graph else { return lines };
    lines.push(Line::new(
        format!("escalation graph: `Graph::build` ({} runs)", opts.runs),
        builds,
        format!("{} identities", graph.identities().len()),
    ));

    let mut all = Vec::new();
    let mut found = 0;
    for _ in 0..opts.runs {
        let t = Instant::now();
        let paths = graph.all_paths(model);
        all.push(t.elapsed());
        found = paths.len();
    }
    lines.push(Line::new(
        format!("escalation paths: `all_paths` ({} runs)", opts.runs),
        all,
        format!("{found} identities with a path of two steps or more"),
    ));

    // `rampart rbac paths SUBJECT`: named identities, the heaviest ones,
    // and users known only through groups (evaluated on the fly).
    let mut subjects: Vec<(Subject, Vec<String>)> =
        q.heavy.iter().map(|s| (s.clone(), Vec::new())).collect();
    while subjects.len() < 180 {
        subjects.push((rng.pick_ref(&q.subjects).clone(), Vec::new()));
    }
    while subjects.len() < 200 && !q.groups.is_empty() {
        let extra = vec![
            rng.pick_ref(&q.groups).clone(),
            rng.pick_ref(&q.groups).clone(),
        ];
        subjects.push((
            Subject::user(&format!("new-hire-{}@acme.com", rng.hex(4))),
            extra,
        ));
    }
    let with_path = subjects
        .iter()
        .filter(|(s, g)| graph.path(model, s, g).is_some())
        .count();
    let samples = time_each(&subjects, opts.runs, |(s, g)| graph.path(model, s, g));
    lines.push(Line::new(
        format!(
            "`paths SUBJECT` on the built graph ({} subjects × {} runs)",
            subjects.len(),
            opts.runs
        ),
        samples,
        format!("{with_path} with a path; 20 are users known only through their groups"),
    ));
    for l in &lines {
        eprintln!(
            "  {}: median {}, max {}",
            l.what,
            fmt(l.median()),
            fmt(l.max())
        );
    }
    lines
}

/// End-to-end runs of the binary on the corpus.
struct EndToEndResult {
    line: Line,
    max_rss_kib: Option<u64>,
}

fn measure_binary(opts: &Options, dir: &std::path::Path) -> Result<EndToEndResult> {
    let args = [
        OsStr::new(opts.command.name()),
        dir.as_os_str(),
        OsStr::new("-o"),
        OsStr::new("json"),
        OsStr::new("--quiet"),
        OsStr::new("--no-config"),
    ];
    eprintln!(
        "end to end: {} {} {} -o json --quiet --no-config",
        opts.rampart.display(),
        opts.command.name(),
        dir.display()
    );
    let t = run::repeat(&opts.rampart, &args, opts.runs)?;
    Ok(EndToEndResult {
        line: Line::new(
            format!(
                "`rampart {} DIR -o json --quiet --no-config`, end to end ({} runs)",
                opts.command.name(),
                opts.runs
            ),
            t.walls,
            String::new(),
        ),
        max_rss_kib: t.max_rss_kib,
    })
}

fn table(lines: &[Line], e2e: &EndToEndResult) -> String {
    let mut out = String::from(
        "| measurement | median | p99 | max | notes |\n\
         |-------------|-------:|----:|----:|-------|\n",
    );
    let row = |out: &mut String, l: &Line, note: &str| {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            l.what,
            fmt(l.median()),
            l.p99().map_or_else(|| "–".to_string(), fmt),
            fmt(l.max()),
            note
        ));
    };
    for l in lines {
        let query = l.what.starts_with("`can`")
            || l.what.starts_with("`who-can`")
            || l.what.starts_with("`show`")
            || l.what.starts_with("`paths");
        let note = if query {
            format!(
                "{}; {} over {}",
                l.note,
                l.over(QUERY_TARGET),
                fmt(QUERY_TARGET)
            )
        } else {
            l.note.clone()
        };
        row(&mut out, l, &note);
    }
    let note = format!(
        "peak RSS {}; median {} the {} target",
        rss(e2e.max_rss_kib),
        if e2e.line.median() <= AUDIT_TARGET {
            "within"
        } else {
            "over"
        },
        fmt(AUDIT_TARGET)
    );
    row(&mut out, &e2e.line, &note);
    out
}

/// `12.3 µs`, `4.56 ms`, `1.234 s`.
fn fmt(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 1e-3 {
        format!("{:.1} µs", s * 1e6)
    } else if s < 1.0 {
        format!("{:.2} ms", s * 1e3)
    } else {
        format!("{s:.3} s")
    }
}
