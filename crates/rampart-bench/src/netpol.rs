//! `rampart-bench netpol`: how fast the NetworkPolicy engine answers on a
//! large generated cluster (see [`crate::netpol_corpus`]).
//!
//! Measured in process, with the release build of `rampart-netpol` linked
//! in: loading the inventory, [`Model::build`], [`Classes::build`], the
//! full matrix ([`Classes::links`]), exposure outside the cluster
//! ([`Classes::exposure`]), and the latency of single `can` verdicts
//! between workloads and between a workload and an external address —
//! each verdict checked against the matrix. End to end (run first, while
//! this process is small: see [`run`]), the wall time and peak RSS of
//! `rampart netpol matrix` and `rampart netpol` (the audit) on the corpus.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::ffi::OsStr;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rampart_core::Inventory;
use rampart_core::source::Input;
use rampart_core::yaml::Limits;
use rampart_netpol::ipset::IpSet;
use rampart_netpol::ports::{PortSet, Protocol};
use rampart_netpol::{Classes, Endpoint, Exposure, Link, Model};

use crate::error::{Context, Error, Result};
use crate::netpol_corpus::{self, Params};
use crate::rng::Rng;
use crate::run::{self, Line, mb, rss};

pub struct Options {
    pub workloads: u64,
    pub policies: u64,
    pub runs: u32,
    pub rampart: PathBuf,
    pub work: PathBuf,
    pub can_queries: usize,
    pub external_queries: usize,
    pub per_file: u64,
    pub seed: u64,
}

/// The issue's targets: the full matrix under 2 s, each `can` under 10 ms.
const MATRIX_TARGET: Duration = Duration::from_secs(2);
const QUERY_TARGET: Duration = Duration::from_millis(10);

/// `| what | best | median | p99 | max | note |`.
fn row(l: &Line) -> String {
    format!(
        "| {} | {} | {} | {} | {} | {} |\n",
        l.what,
        dur(l.samples[0]),
        dur(l.median()),
        l.p99().map_or_else(|| "–".to_string(), dur),
        dur(l.max()),
        l.note
    )
}

/// Per-run timings of the in-process pipeline.
#[derive(Default)]
struct Phases {
    load: Vec<Duration>,
    build: Vec<Duration>,
    classes: Vec<Duration>,
    links: Vec<Duration>,
    exposure: Vec<Duration>,
    /// `Model::build` + `Classes::build` + `links()`: the matrix from a
    /// loaded inventory.
    matrix: Vec<Duration>,
}

pub fn run(opts: &Options) -> Result<()> {
    if opts.runs == 0 {
        return Err(Error("--runs must be at least 1".into()));
    }
    let dir = opts
        .work
        .join(format!("netpol-{}-{}", opts.workloads, opts.policies));
    let params = Params {
        workloads: opts.workloads,
        policies: opts.policies,
        per_file: opts.per_file,
        seed: opts.seed,
    };
    let started = Instant::now();
    let (stats, generated) = netpol_corpus::ensure(&dir, &params)?;
    eprintln!("{}", run::corpus_line(&dir, &stats, generated, started));

    if opts.rampart.is_file() {
        // Says which build is benchmarked.
        run::check_binary(&opts.rampart)?;
    }
    let e2e = [
        EndToEnd {
            label: "`rampart netpol matrix -f DIR -o json`",
            args: vec![
                OsStr::new("netpol"),
                OsStr::new("matrix"),
                OsStr::new("-f"),
                dir.as_os_str(),
                OsStr::new("-o"),
                OsStr::new("json"),
            ],
            probe: &["netpol", "matrix", "--help"],
            target: Some(MATRIX_TARGET),
            count_output: true,
        },
        EndToEnd {
            label: "`rampart netpol DIR -o json --no-config --quiet` (audit)",
            args: vec![
                OsStr::new("netpol"),
                dir.as_os_str(),
                OsStr::new("-o"),
                OsStr::new("json"),
                OsStr::new("--no-config"),
                OsStr::new("--quiet"),
            ],
            probe: &["netpol", "--help"],
            target: None,
            count_output: false,
        },
    ];
    // End to end first: a child's peak RSS as wait4(2) reports it is at
    // least this process's at the time of the fork, so the children are
    // started while this process is still small.
    let mut rows = String::new();
    let mut failure = None;
    for e in &e2e {
        match e.measure(&opts.rampart, opts.runs) {
            Ok(row) => rows.push_str(&row),
            Err(err) => {
                rows.push_str(&format!(
                    "| {}, end to end | failed | – | – | – | see the error below |\n",
                    e.label
                ));
                failure.get_or_insert(err);
            }
        }
    }

    let mut phases = Phases::default();
    let mut inventory = None;
    let mut model = None;
    for i in 1..=opts.runs {
        // The previous run's model and inventory are freed first, so that
        // every run starts from the same heap.
        drop(model.take());
        drop(inventory.take());
        let t = Instant::now();
        let inv = Inventory::load(&[Input::Path(dir.clone())], Limits::default(), &|_| false);
        let load = t.elapsed();
        let t = Instant::now();
        let m = Model::build(&inv);
        let build = t.elapsed();
        let t = Instant::now();
        let classes = Classes::build(&m);
        let class_time = t.elapsed();
        let t = Instant::now();
        let links = classes.links();
        let link_time = t.elapsed();
        let matrix = build + class_time + link_time;
        drop(links);
        let t = Instant::now();
        let exposure = classes.exposure();
        let exposure_time = t.elapsed();
        drop(exposure);
        drop(classes);
        eprintln!(
            "  run {i}/{}: load {}, Model::build {}, Classes::build {}, links {}, exposure {}; matrix {}",
            opts.runs,
            dur(load),
            dur(build),
            dur(class_time),
            dur(link_time),
            dur(exposure_time),
            dur(matrix)
        );
        phases.load.push(load);
        phases.build.push(build);
        phases.classes.push(class_time);
        phases.links.push(link_time);
        phases.exposure.push(exposure_time);
        phases.matrix.push(matrix);
        inventory = Some(inv);
        model = Some(m);
    }
    let (Some(inventory), Some(model)) = (inventory, model) else {
        return Err(Error("--runs must be at least 1".into()));
    };
    // The answers themselves, kept for the checks below.
    let classes = Classes::build(&model);
    let links = classes.links();
    let exposure = classes.exposure();
    let shape = Shape::of(&model, &classes, &links, &exposure);
    let t = Instant::now();
    let signatures = signature_classes(&model);
    let signature_time = t.elapsed();
    let self_rss = self_peak_rss_kib();

    let mut lines = vec![
        Line::new(
            "inventory load",
            phases.load,
            format!(
                "{} objects, {} files, {:.1} MB",
                inventory.objects.len(),
                inventory.sources.len(),
                mb(stats.bytes)
            ),
        ),
        Line::new(
            "`Model::build`",
            phases.build,
            format!(
                "{} workloads, {} namespaces, {} valid policies, {} invalid",
                model.workloads.len(),
                model.namespaces.len(),
                model.policies.len(),
                shape.invalid
            ),
        ),
        Line::new(
            "`Classes::build`",
            phases.classes,
            format!(
                "{} classes ({:.1} workloads per class; largest {}); grouping by which selectors match instead of label values would give {signatures} (counted in {}, one thread)",
                shape.classes,
                model.workloads.len() as f64 / shape.classes.max(1) as f64,
                shape.largest_class,
                dur(signature_time)
            ),
        ),
        Line::new(
            "`links()`: the full matrix",
            phases.links,
            format!(
                "{} links (matrix rows; {:.2}% of the {} ordered pairs), {} of a workload to itself",
                links.len(),
                100.0 * links.len() as f64 / (shape.workloads as f64).powi(2).max(1.0),
                shape.workloads * shape.workloads,
                shape.self_links
            ),
        ),
        Line::new(
            "`exposure()`",
            phases.exposure,
            format!(
                "{} workloads reachable from outside, {} may reach outside",
                shape.exposed_in, shape.exposed_out
            ),
        ),
    ];
    let total = Line::new(
        "matrix in process: `Model::build` + `Classes::build` + `links()`",
        phases.matrix,
        String::new(),
    );
    let note = format!(
        "median {} the {} target; bench process peak RSS {}",
        if total.median() <= MATRIX_TARGET {
            "within"
        } else {
            "over"
        },
        dur(MATRIX_TARGET),
        rss(self_rss)
    );
    lines.push(Line { note, ..total });

    let mut rng = Rng::new(opts.seed);
    lines.push(measure_can(&model, &links, &mut rng, opts));
    lines.push(measure_external(&model, &exposure, &mut rng, opts));
    for l in &lines[lines.len() - 2..] {
        eprintln!(
            "  {}: median {}, max {}",
            l.what,
            dur(l.median()),
            dur(l.max())
        );
    }
    drop((links, exposure, classes));
    drop((model, inventory));

    println!(
        "NetworkPolicy corpus (seed {}): {} namespaces ({} with a default deny of ingress, {} of egress), {} workloads ({} on the host network), {} NetworkPolicies ({} invalid); {} objects in {} files ({:.1} MB). {} CPUs.\n",
        opts.seed,
        shape.namespaces,
        shape.deny_ingress,
        shape.deny_egress,
        shape.workloads,
        shape.host_network,
        shape.policies + shape.invalid,
        shape.invalid,
        stats.objects,
        stats.files,
        mb(stats.bytes),
        std::thread::available_parallelism().map_or(1, |n| n.get()),
    );
    let mut out = String::from(
        "| measurement | best | median | p99 | max | notes |\n\
         |-------------|-----:|-------:|----:|----:|-------|\n",
    );
    for l in &lines {
        out.push_str(&row(l));
    }
    out.push_str(&rows);
    print!("{out}");
    match failure {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// What the model and its answers hold, for the header and the notes.
struct Shape {
    namespaces: usize,
    deny_ingress: usize,
    deny_egress: usize,
    workloads: usize,
    host_network: usize,
    policies: usize,
    invalid: usize,
    classes: usize,
    largest_class: usize,
    self_links: usize,
    exposed_in: usize,
    exposed_out: usize,
}

impl Shape {
    fn of(
        model: &Model,
        classes: &Classes,
        links: &[Link],
        exposure: &[(usize, Exposure)],
    ) -> Shape {
        use rampart_core::selector::Selector;
        use rampart_netpol::Direction;
        // A namespace denies a direction by default when a policy of it
        // selects every pod and isolates that direction.
        let denies = |d: Direction| {
            model
                .namespaces
                .iter()
                .filter(|ns| {
                    model.policies_in(&ns.name).any(|(_, p)| {
                        matches!(&p.pod_selector, Selector::All(r) if r.is_empty())
                            && p.rules(d).is_some()
                    })
                })
                .count()
        };
        Shape {
            namespaces: model.namespaces.len(),
            deny_ingress: denies(Direction::Ingress),
            deny_egress: denies(Direction::Egress),
            workloads: model.workloads.len(),
            host_network: model.workloads.iter().filter(|w| w.host_network).count(),
            policies: model.policies.len(),
            invalid: model
                .diagnostics
                .iter()
                .filter(|d| d.code == "invalid-network-policy")
                .count(),
            classes: classes.members.len(),
            largest_class: classes.members.iter().map(Vec::len).max().unwrap_or(0),
            self_links: links.iter().filter(|l| l.from == l.to).count(),
            exposed_in: exposure
                .iter()
                .filter(|(_, e)| !e.ingress.is_empty())
                .count(),
            exposed_out: exposure
                .iter()
                .filter(|(_, e)| !e.egress.is_empty())
                .count(),
        }
    }
}

/// How many classes a partition by selector signature would have: two
/// workloads are alike when the same policies isolate them (per
/// direction), every rule's pod peers match both or neither, and their
/// container ports agree for every port name a rule uses. Coarser than
/// [`Classes`], which compares the values of every label key some
/// selector reads, and just as exact.
fn signature_classes(model: &Model) -> usize {
    use rampart_netpol::ports::Port;
    use rampart_netpol::{Direction, Peer};
    let mut peers: Vec<(&Peer, &str)> = Vec::new();
    let mut names: BTreeSet<&str> = BTreeSet::new();
    for p in &model.policies {
        for d in [Direction::Ingress, Direction::Egress] {
            for r in p.rules(d).into_iter().flatten() {
                for peer in &r.peers {
                    if matches!(peer, Peer::Pods { .. }) {
                        peers.push((peer, &p.namespace));
                    }
                }
                for s in &r.ports {
                    if let Port::Named(n) = &s.port {
                        names.insert(n);
                    }
                }
            }
        }
    }
    let mut seen = HashSet::new();
    for w in &model.workloads {
        let mut bits = vec![0u64; peers.len().div_ceil(64)];
        for (k, (peer, ns)) in peers.iter().enumerate() {
            if model.peer_matches(peer, ns, w) {
                bits[k / 64] |= 1 << (k % 64);
            }
        }
        let mut ports: Vec<_> = w
            .ports
            .iter()
            .filter(|(n, _, _)| names.contains(n.as_str()))
            .cloned()
            .collect();
        ports.sort();
        seen.insert((
            model.isolating(w, Direction::Ingress),
            model.isolating(w, Direction::Egress),
            bits,
            ports,
        ));
    }
    seen.len()
}

/// Ports queries ask about when not one of the destination's own.
const COMMON: &[(Protocol, u16)] = &[
    (Protocol::Tcp, 443),
    (Protocol::Tcp, 80),
    (Protocol::Udp, 53),
    (Protocol::Tcp, 53),
    (Protocol::Tcp, 8080),
    (Protocol::Tcp, 9090),
    (Protocol::Tcp, 5432),
    (Protocol::Tcp, 6379),
    (Protocol::Tcp, 7005),
    (Protocol::Tcp, 31000),
];

/// Addresses outside the cluster: public, the metadata address, private
/// ranges (some in the on-premises range some rules allow), documentation
/// ranges load balancers are allowed from, and IPv6.
const EXTERNAL: &[&str] = &[
    "8.8.8.8",
    "1.1.1.1",
    "52.95.110.1",
    "169.254.169.254",
    "10.12.3.4",
    "10.40.2.2",
    "10.40.255.9",
    "172.20.1.1",
    "192.168.1.10",
    "203.0.113.7",
    "198.51.100.20",
    "198.51.100.200",
    "2001:db8::1",
    "2606:4700::1111",
];

/// A port the query asks about: mostly one the destination serves.
fn query_port(model: &Model, rng: &mut Rng, to: Option<usize>) -> (Protocol, u16) {
    let named = to.map(|w| &model.workloads[w].ports);
    match rng.below(100) {
        0..60 if named.is_some_and(|p| !p.is_empty()) => {
            let (_, number, protocol) = rng.pick_ref(named.map_or(&[][..], |p| &p[..]));
            (*protocol, *number)
        }
        0..85 => rng.pick(COMMON),
        _ => (Protocol::Tcp, rng.range(1, 65535) as u16),
    }
}

/// `(from, to, protocol, port)` between workloads: half within the
/// source's namespace, a tenth to kube-system (DNS), the rest anywhere.
fn can_set(model: &Model, rng: &mut Rng, n: usize) -> Vec<(usize, usize, Protocol, u16)> {
    let mut by_ns: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, w) in model.workloads.iter().enumerate() {
        by_ns.entry(&w.namespace).or_default().push(i);
    }
    let count = model.workloads.len() as u64;
    (0..n)
        .map(|_| {
            let from = rng.below(count) as usize;
            let to = match rng.below(100) {
                0..50 => *rng.pick_ref(&by_ns[model.workloads[from].namespace.as_str()]),
                50..60 if by_ns.contains_key("kube-system") => *rng.pick_ref(&by_ns["kube-system"]),
                _ => rng.below(count) as usize,
            };
            let (protocol, port) = query_port(model, rng, Some(to));
            (from, to, protocol, port)
        })
        .collect()
}

/// `can` between workloads; every verdict is compared with the matrix.
fn measure_can(model: &Model, links: &[Link], rng: &mut Rng, opts: &Options) -> Line {
    let set = can_set(model, rng, opts.can_queries);
    let mut allowed = 0;
    let mut disagree = 0;
    for &(f, t, protocol, port) in &set {
        let v = model.can(Endpoint::Workload(f), Endpoint::Workload(t), protocol, port);
        let in_matrix = links
            .binary_search_by_key(&(f, t), |l| (l.from, l.to))
            .is_ok_and(|i| links[i].ports.contains(protocol, port));
        allowed += usize::from(v.allowed);
        disagree += usize::from(v.allowed != in_matrix);
    }
    let mut samples = Vec::with_capacity(set.len() * opts.runs as usize);
    for _ in 0..opts.runs {
        for &(f, t, protocol, port) in &set {
            let s = Instant::now();
            std::hint::black_box(model.can(
                Endpoint::Workload(f),
                Endpoint::Workload(t),
                protocol,
                port,
            ));
            samples.push(s.elapsed());
        }
    }
    let mut line = Line::new(
        format!(
            "`can` workload → workload ({} queries × {} runs)",
            set.len(),
            opts.runs
        ),
        samples,
        String::new(),
    );
    line.note = format!(
        "{allowed} allowed; {} with the matrix; half within a namespace; {} over {}",
        agreement(disagree, set.len()),
        line.over(QUERY_TARGET),
        dur(QUERY_TARGET)
    );
    line
}

/// `can` between a workload and an address outside the cluster, in both
/// directions (even queries egress, odd ones ingress); every verdict is
/// compared with [`Classes::exposure`].
fn measure_external(
    model: &Model,
    exposure: &[(usize, Exposure)],
    rng: &mut Rng,
    opts: &Options,
) -> Line {
    let count = model.workloads.len() as u64;
    let set: Vec<(Endpoint, Endpoint, Protocol, u16)> = (0..opts.external_queries)
        .map(|i| {
            let w = rng.below(count) as usize;
            let ip: IpAddr = rng
                .pick(EXTERNAL)
                .parse()
                .unwrap_or(IpAddr::from([8, 8, 8, 8]));
            if i % 2 == 0 {
                let (protocol, port) = query_port(model, rng, None);
                (
                    Endpoint::Workload(w),
                    Endpoint::External(ip),
                    protocol,
                    port,
                )
            } else {
                let (protocol, port) = query_port(model, rng, Some(w));
                (
                    Endpoint::External(ip),
                    Endpoint::Workload(w),
                    protocol,
                    port,
                )
            }
        })
        .collect();
    let mut allowed = 0;
    let mut disagree = 0;
    for &(from, to, protocol, port) in &set {
        let v = model.can(from, to, protocol, port);
        let expected = match (from, to) {
            (Endpoint::Workload(w), Endpoint::External(ip)) => {
                exposed(&exposure_of(exposure, w).egress, ip, protocol, port)
            }
            (Endpoint::External(ip), Endpoint::Workload(w)) => {
                exposed(&exposure_of(exposure, w).ingress, ip, protocol, port)
            }
            _ => v.allowed,
        };
        allowed += usize::from(v.allowed);
        disagree += usize::from(v.allowed != expected);
    }
    let mut samples = Vec::with_capacity(set.len() * opts.runs as usize);
    for _ in 0..opts.runs {
        for &(from, to, protocol, port) in &set {
            let s = Instant::now();
            std::hint::black_box(model.can(from, to, protocol, port));
            samples.push(s.elapsed());
        }
    }
    let mut line = Line::new(
        format!(
            "`can` workload ↔ external IP ({} queries × {} runs)",
            set.len(),
            opts.runs
        ),
        samples,
        String::new(),
    );
    line.note = format!(
        "{allowed} allowed; {} with `exposure()`; half egress, half ingress, IPv4 and IPv6; {} over {}",
        agreement(disagree, set.len()),
        line.over(QUERY_TARGET),
        dur(QUERY_TARGET)
    );
    line
}

fn agreement(disagree: usize, of: usize) -> String {
    if disagree == 0 {
        format!("all {of} agree")
    } else {
        format!("**{disagree} of {of} DISAGREE**")
    }
}

fn exposure_of(exposure: &[(usize, Exposure)], w: usize) -> &Exposure {
    static NONE: Exposure = Exposure {
        ingress: Vec::new(),
        egress: Vec::new(),
    };
    exposure
        .binary_search_by_key(&w, |(i, _)| *i)
        .map_or(&NONE, |i| &exposure[i].1)
}

/// Whether one of `grants` covers `ip` on `protocol`/`port`.
fn exposed(grants: &[(IpSet, PortSet)], ip: IpAddr, protocol: Protocol, port: u16) -> bool {
    grants
        .iter()
        .any(|(set, ports)| ports.contains(protocol, port) && set.contains(ip))
}

/// One `rampart` command timed end to end.
struct EndToEnd<'a> {
    label: &'static str,
    args: Vec<&'a OsStr>,
    /// Arguments that succeed only if the subcommand exists.
    probe: &'static [&'static str],
    target: Option<Duration>,
    /// Report how much it prints (counted on an untimed first run).
    count_output: bool,
}

impl EndToEnd<'_> {
    /// The table row: timings, or "not available" when the binary or its
    /// subcommand is missing.
    fn measure(&self, rampart: &Path, runs: u32) -> Result<String> {
        if let Some(why) = unavailable(rampart, self.probe) {
            eprintln!("end to end: {} not available: {why}", self.label);
            return Ok(format!(
                "| {}, end to end | not available | – | – | – | {why} |\n",
                self.label
            ));
        }
        let shown: Vec<_> = self.args.iter().map(|a| a.to_string_lossy()).collect();
        eprintln!("end to end: {} {}", rampart.display(), shown.join(" "));
        let check = check_run(rampart, &self.args)?;
        let t = if check.input_errors > 0 {
            // Exit 2 is the documented answer to input errors (the
            // corpus's invalid policies); `run::repeat` takes only 0 and 1
            // for success, so a shell maps this 2, and only it, to 0. The
            // shell's wait4(2) usage includes rampart's (its waited-for
            // child); its own start-up adds about a millisecond.
            let mut args = vec![
                OsStr::new("-c"),
                OsStr::new(r#""$0" "$@"; c=$?; [ "$c" -eq 2 ] && exit 0; exit "$c""#),
                rampart.as_os_str(),
            ];
            args.extend(self.args.iter().copied());
            run::repeat(Path::new("sh"), &args, runs)?
        } else {
            run::repeat(rampart, &self.args, runs)?
        };
        let line = Line::new(
            format!("{}, end to end ({runs} runs)", self.label),
            t.walls,
            String::new(),
        );
        let mut note = format!("peak RSS {}", rss(t.max_rss_kib));
        if let Some(target) = self.target {
            note.push_str(&format!(
                "; median {} the {} target",
                if line.median() <= target {
                    "within"
                } else {
                    "over"
                },
                dur(target)
            ));
        }
        if self.count_output {
            note.push_str(&format!("; {:.1} MB of output", mb(check.stdout_bytes)));
        }
        note.push_str(&format!("; exit {}", check.exit));
        if check.input_errors > 0 {
            note.push_str(&format!(
                " ({} invalid-policy input errors reported)",
                check.input_errors
            ));
        }
        Ok(row(&Line { note, ..line }))
    }
}

/// What one untimed run of a command printed and how it ended.
struct Checked {
    stdout_bytes: u64,
    exit: i32,
    /// `error[invalid-network-policy]` lines on stderr, when the exit code
    /// is 2 and they are its only errors.
    input_errors: usize,
}

/// Runs `rampart ARGS` once, counting its output; fails unless it exits
/// 0 or 1, or 2 for invalid policies and nothing else.
fn check_run(rampart: &Path, args: &[&OsStr]) -> Result<Checked> {
    let mut child = Command::new(rampart)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context(|| format!("starting {}", rampart.display()))?;
    let stderr = child.stderr.take();
    let reader = std::thread::spawn(move || {
        let mut buf = String::new();
        if let Some(mut pipe) = stderr {
            let _ = std::io::Read::read_to_string(&mut pipe, &mut buf);
        }
        buf
    });
    let mut out = child
        .stdout
        .take()
        .ok_or_else(|| Error("no stdout pipe".into()))?;
    let stdout_bytes = std::io::copy(&mut out, &mut std::io::sink())
        .context(|| format!("reading the output of {}", rampart.display()))?;
    let status = child
        .wait()
        .context(|| format!("waiting for {}", rampart.display()))?;
    let stderr = reader.join().unwrap_or_default();
    let exit = status.code().unwrap_or(-1);
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error")).collect();
    let input_errors = errors
        .iter()
        .filter(|l| l.starts_with("error[invalid-network-policy]"))
        .count();
    let ok = match exit {
        0 | 1 => true,
        2 => input_errors > 0 && input_errors == errors.len(),
        _ => false,
    };
    if !ok {
        let shown: Vec<_> = args.iter().map(|a| a.to_string_lossy()).collect();
        return Err(Error(format!(
            "{} {} failed with exit code {exit}; its stderr:\n{}",
            rampart.display(),
            shown.join(" "),
            stderr.trim_end()
        )));
    }
    Ok(Checked {
        stdout_bytes,
        exit,
        input_errors: if exit == 2 { input_errors } else { 0 },
    })
}

/// Why `rampart PROBE...` cannot run (the binary or the subcommand is
/// missing), or `None` if it can.
fn unavailable(rampart: &Path, probe: &[&str]) -> Option<String> {
    if !rampart.is_file() {
        return Some(format!(
            "no rampart binary at {} (cargo build --release -p rampart)",
            rampart.display()
        ));
    }
    match Command::new(rampart)
        .args(probe)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
    {
        Ok(s) if s.success() => None,
        Ok(_) => Some(format!(
            "`{} {}` fails: this build has no such subcommand",
            rampart.display(),
            probe.join(" ")
        )),
        Err(e) => Some(format!("cannot run {}: {e}", rampart.display())),
    }
}

/// This process's peak RSS in KiB, where the OS reports it.
#[cfg(unix)]
fn self_peak_rss_kib() -> Option<u64> {
    // SAFETY: `rusage` is plain old data, for which all zeroes is valid,
    // and the pointer is valid for the call.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return None;
    }
    let max_rss = usage.ru_maxrss.max(0) as u64;
    Some(if cfg!(target_os = "macos") {
        max_rss / 1024
    } else {
        max_rss
    })
}

#[cfg(not(unix))]
fn self_peak_rss_kib() -> Option<u64> {
    None
}

/// `12.3 µs`, `4.56 ms`, `1.234 s`.
fn dur(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 1e-3 {
        format!("{:.1} µs", s * 1e6)
    } else if s < 1.0 {
        format!("{:.2} ms", s * 1e3)
    } else {
        format!("{s:.3} s")
    }
}
