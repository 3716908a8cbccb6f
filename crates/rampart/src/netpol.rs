//! `rampart netpol`: the NetworkPolicy rules over manifests, and
//! reachability questions — matrix, can, exposure, diff — answered exactly
//! as the NetworkPolicy API defines them.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::IpAddr;

use rampart_core::{Category, Level, ObjectRef};
use rampart_netpol::ipset::IpSet;
use rampart_netpol::ports::{PortSet, Protocol};
use rampart_netpol::{Classes, Endpoint, Model, Options, Side};
use serde::Serialize;

use crate::cli::{
    ClusterSource, ListFormat, MatrixFormat, NetpolArgs, NetpolCanArgs, NetpolCommand,
    NetpolDiffArgs, NetpolInputs, NetpolListArgs, NetpolMatrixArgs, NetpolOptions, ScanArgs,
};
use crate::exit;
use crate::scan::print_diagnostics;

pub fn run(args: NetpolArgs) -> u8 {
    match args.command {
        None => crate::scan::run_with(
            ScanArgs::narrowed(args.paths, args.filenames, args.cluster, args.report),
            Vec::new(),
            Some(Category::NetworkPolicy),
            None,
        ),
        Some(NetpolCommand::Matrix(a)) => matrix(a),
        Some(NetpolCommand::Can(a)) => can(a),
        Some(NetpolCommand::Exposure(a)) => exposure(a),
        Some(NetpolCommand::Diff(a)) => diff(a),
    }
}

/// The model of some manifests, and whether reading them went wrong.
struct Loaded {
    model: Model,
    errors: bool,
}

fn load(paths: &[String], cluster: &ClusterSource, options: &NetpolOptions) -> Result<Loaded, u8> {
    if paths.is_empty() && !cluster.enabled() {
        eprintln!(
            "error: give the manifests with -f PATH (files, directories, globs or -), or --cluster"
        );
        return Err(exit::ERROR);
    }
    let inventory = crate::live::inventory(paths, cluster, Vec::new())?;
    let model = Model::build_with(
        &inventory,
        Options {
            pod_ips_match_ip_blocks: !options.ignore_pod_ips,
        },
    );
    let mut diagnostics = inventory.diagnostics.clone();
    diagnostics.extend(model.diagnostics.iter().cloned());
    print_diagnostics(&diagnostics);
    Ok(Loaded {
        errors: diagnostics.iter().any(|d| d.level == Level::Error),
        model,
    })
}

fn load_inputs(i: &NetpolInputs) -> Result<Loaded, u8> {
    load(&i.filenames, &i.cluster, &i.options)
}

fn finish(written: bool, errors: bool, code: u8) -> u8 {
    if !written || errors {
        exit::ERROR
    } else {
        code
    }
}

/// One end of a connection in machine output: a workload, or one CIDR of
/// addresses outside the cluster.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(untagged)]
enum End {
    Workload {
        namespace: String,
        kind: String,
        name: String,
    },
    Addresses {
        #[serde(rename = "ipBlock")]
        ip_block: String,
    },
}

impl End {
    fn of(id: &ObjectRef, namespace: &str) -> End {
        End::Workload {
            namespace: namespace.to_string(),
            kind: id.kind.clone(),
            name: id.name.clone(),
        }
    }

    fn text(&self) -> String {
        match self {
            End::Workload {
                namespace,
                kind,
                name,
            } => format!("{kind}/{namespace}/{name}"),
            End::Addresses { ip_block } => ip_block.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
struct PortRange {
    protocol: Protocol,
    port: u16,
    #[serde(rename = "endPort", skip_serializing_if = "Option::is_none")]
    end_port: Option<u16>,
}

/// `"all"`, or every protocol + range.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
enum Ports {
    All(&'static str),
    Some(Vec<PortRange>),
}

impl Ports {
    fn of(p: &PortSet) -> Ports {
        if p.is_all() {
            return Ports::All("all");
        }
        Ports::Some(
            p.ranges()
                .map(|(protocol, a, b)| PortRange {
                    protocol,
                    port: a,
                    end_port: (b != a).then_some(b),
                })
                .collect(),
        )
    }
}

/// One allowed connection, as machine formats write it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
struct Row {
    from: End,
    to: End,
    #[serde(skip)]
    port_set: PortSet,
    ports: Ports,
}

impl Row {
    fn new(from: End, to: End, ports: PortSet) -> Row {
        Row {
            from,
            to,
            ports: Ports::of(&ports),
            port_set: ports,
        }
    }
}

/// An end before it is written out: addresses stay one set, so that people
/// read `0.0.0.0/0 except 169.254.169.254/32`.
enum Peer {
    Workload(usize),
    Addresses(IpSet),
}

/// One allowed connection, addresses grouped.
struct Connection {
    from: Peer,
    to: Peer,
    ports: PortSet,
}

/// Every allowed connection: workload to workload, then from and to
/// addresses outside the cluster, each workload's in input order.
fn connections(model: &Model, namespace: Option<&str>) -> Vec<Connection> {
    let classes = Classes::build(model);
    let keep = |w: usize| namespace.is_none_or(|ns| model.workloads[w].namespace == ns);
    let mut out: Vec<Connection> = classes
        .links()
        .into_iter()
        .filter(|l| keep(l.from) || keep(l.to))
        .map(|l| Connection {
            from: Peer::Workload(l.from),
            to: Peer::Workload(l.to),
            ports: l.ports,
        })
        .collect();
    for (w, e) in classes.exposure() {
        if !keep(w) {
            continue;
        }
        for (set, ports) in e.ingress {
            out.push(Connection {
                from: Peer::Addresses(set),
                to: Peer::Workload(w),
                ports,
            });
        }
        for (set, ports) in e.egress {
            out.push(Connection {
                from: Peer::Workload(w),
                to: Peer::Addresses(set),
                ports,
            });
        }
    }
    out
}

/// The name people read for a peer.
fn peer_text(model: &Model, p: &Peer) -> String {
    match p {
        Peer::Workload(w) => model.workloads[*w].id.to_string(),
        Peer::Addresses(set) => set.describe(),
    }
}

/// Machine rows: one per CIDR of an address set, so that another tool's
/// connection list compares line by line.
fn rows<'a>(model: &'a Model, connections: &'a [Connection]) -> impl Iterator<Item = Row> + 'a {
    let ends = move |p: &Peer| -> Vec<End> {
        match p {
            Peer::Workload(w) => {
                let w = &model.workloads[*w];
                vec![End::of(&w.id, &w.namespace)]
            }
            Peer::Addresses(set) => set
                .cidrs()
                .into_iter()
                .map(|c| End::Addresses {
                    ip_block: c.to_string(),
                })
                .collect(),
        }
    };
    connections.iter().flat_map(move |c| {
        let tos = ends(&c.to);
        ends(&c.from).into_iter().flat_map(move |from| {
            let ports = c.ports.clone();
            tos.clone()
                .into_iter()
                .map(move |to| Row::new(from.clone(), to, ports.clone()))
        })
    })
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Caveats on the answers: workloads on the host network, which policies
/// may not govern.
fn host_network_notes(model: &Model) -> Vec<String> {
    model
        .workloads
        .iter()
        .filter_map(rampart_netpol::Workload::host_network_note)
        .collect()
}

/// Writes the matrix in `format`. Machine formats stream row by row: a
/// large matrix is never held as one string.
fn write_matrix(
    model: &Model,
    connections: &[Connection],
    format: MatrixFormat,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let workloads = model.workloads.len();
    let people = || -> Vec<(String, String, String)> {
        connections
            .iter()
            .map(|c| {
                (
                    peer_text(model, &c.from),
                    peer_text(model, &c.to),
                    c.ports.to_string(),
                )
            })
            .collect()
    };
    match format {
        MatrixFormat::Json => {
            write!(
                w,
                "{{\"schemaVersion\":1,\"workloads\":{workloads},\"notes\":"
            )?;
            serde_json::to_writer(&mut *w, &host_network_notes(model))?;
            w.write_all(b",\"connections\":[")?;
            for (i, r) in rows(model, connections).enumerate() {
                if i > 0 {
                    w.write_all(b",")?;
                }
                serde_json::to_writer(&mut *w, &r)?;
            }
            w.write_all(b"]}\n")
        }
        MatrixFormat::Csv => {
            w.write_all(b"from,to,ports\n")?;
            for r in rows(model, connections) {
                writeln!(
                    w,
                    "{},{},{}",
                    csv_field(&r.from.text()),
                    csv_field(&r.to.text()),
                    csv_field(&r.port_set.to_string().replace(", ", ";"))
                )?;
            }
            Ok(())
        }
        MatrixFormat::Table => {
            let people = people();
            if workloads == 0 {
                w.write_all(b"no workloads in the input (objects with pod templates)\n")?;
            } else if people.is_empty() {
                w.write_all(b"no connection is allowed\n")?;
            }
            let width = people
                .iter()
                .map(|r| r.0.chars().count())
                .max()
                .unwrap_or(0);
            let width_to = people
                .iter()
                .map(|r| r.1.chars().count())
                .max()
                .unwrap_or(0);
            for (from, to, ports) in &people {
                writeln!(w, "{from:width$}  →  {to:width_to$}  {ports}")?;
            }
            for note in host_network_notes(model) {
                writeln!(w, "note: {note}")?;
            }
            Ok(())
        }
        MatrixFormat::Dot => {
            let quote = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
            w.write_all(
                b"digraph reachability {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n",
            )?;
            for (from, to, ports) in people() {
                writeln!(
                    w,
                    "  {} -> {} [label={}];",
                    quote(&from),
                    quote(&to),
                    quote(&ports)
                )?;
            }
            w.write_all(b"}\n")
        }
        MatrixFormat::Html => {
            let people = people();
            w.write_all(
                b"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>rampart netpol matrix</title>\n\
<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}th{background:#eee}</style>\n\
</head><body>\n<h1>Allowed connections</h1>\n",
            )?;
            writeln!(
                w,
                "<p>{} connections between {workloads} workloads and addresses outside the cluster.</p>",
                people.len()
            )?;
            w.write_all(b"<table>\n<tr><th>from</th><th>to</th><th>ports</th></tr>\n")?;
            for (from, to, ports) in &people {
                writeln!(
                    w,
                    "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                    escape_html(from),
                    escape_html(to),
                    escape_html(ports)
                )?;
            }
            w.write_all(b"</table>\n</body></html>\n")
        }
    }
}

/// `rampart netpol matrix`.
fn matrix(args: NetpolMatrixArgs) -> u8 {
    let loaded = match load_inputs(&args.inputs) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let connections = connections(&loaded.model, args.namespace.as_deref());
    let written =
        crate::out::emit_with(|w| write_matrix(&loaded.model, &connections, args.output, w));
    finish(written, loaded.errors, exit::CLEAN)
}

/// Finds a workload by `NAMESPACE/NAME` or `NAMESPACE/KIND/NAME`, or reads
/// an IP address.
fn endpoint(model: &Model, spec: &str) -> Result<Endpoint, String> {
    let unbracketed = spec
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .unwrap_or(spec);
    if let Ok(ip) = unbracketed.parse::<IpAddr>() {
        // A pod address a snapshot knows is that pod's workload.
        return Ok(
            match model.workloads.iter().position(|w| w.ips.contains(&ip)) {
                Some(w) => Endpoint::Workload(w),
                None => Endpoint::External(ip),
            },
        );
    }
    let parts: Vec<&str> = spec.split('/').collect();
    let (ns, kind, name) = match parts.as_slice() {
        [ns, name] => (*ns, None, *name),
        [ns, kind, name] => (*ns, Some(*kind), *name),
        _ => {
            return Err(format!(
                "`{spec}` is neither NAMESPACE/NAME, NAMESPACE/KIND/NAME nor an IP address"
            ));
        }
    };
    let found: Vec<usize> = model
        .workloads
        .iter()
        .enumerate()
        .filter(|(_, w)| {
            w.namespace == ns
                && w.id.name == name
                && kind.is_none_or(|k| w.id.kind.eq_ignore_ascii_case(k))
        })
        .map(|(i, _)| i)
        .collect();
    match found.as_slice() {
        [one] => Ok(Endpoint::Workload(*one)),
        [] => Err(format!("no workload `{spec}` in the input")),
        many => Err(format!(
            "`{spec}` is ambiguous: {}; write NAMESPACE/KIND/NAME",
            many.iter()
                .map(|&i| model.workloads[i].id.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// Splits `TARGET:PORT[/PROTOCOL]` (IPv6 addresses in brackets).
fn target(spec: &str) -> Result<(&str, u16, Protocol), String> {
    let bad = || format!("`{spec}`: expected TARGET:PORT[/PROTOCOL], e.g. prod/api:8080/TCP");
    let (rest, protocol) = match spec.rsplit_once('/') {
        Some((r, p)) if Protocol::parse(&p.to_ascii_uppercase()).is_some() => (
            r,
            Protocol::parse(&p.to_ascii_uppercase()).unwrap_or(Protocol::Tcp),
        ),
        _ => (spec, Protocol::Tcp),
    };
    let (host, port) = rest.rsplit_once(':').ok_or_else(bad)?;
    let port: u16 = port.parse().ok().filter(|&p| p > 0).ok_or_else(bad)?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    Ok((host, port, protocol))
}

fn side_text(model_side: &Side, what: &str, out: &mut String) {
    if model_side.isolated_by.is_empty() {
        let _ = writeln!(out, "  {what}: allowed (no policy isolates it)");
        return;
    }
    let isolating: Vec<String> = model_side
        .isolated_by
        .iter()
        .map(ToString::to_string)
        .collect();
    if model_side.allowed {
        for r in &model_side.allowed_by {
            let _ = writeln!(
                out,
                "  {what}: allowed by {} {} rule {}",
                r.policy,
                r.direction.as_str(),
                r.rule
            );
        }
    } else {
        let _ = writeln!(
            out,
            "  {what}: denied: isolated by {}, and no rule there allows it",
            isolating.join(", ")
        );
    }
}

/// `rampart netpol can FROM TO:PORT[/PROTOCOL]`: exits 0 for yes, 1 for no.
fn can(args: NetpolCanArgs) -> u8 {
    let loaded = match load_inputs(&args.inputs) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let m = &loaded.model;
    let parsed = target(&args.to).and_then(|(host, port, protocol)| {
        Ok((endpoint(m, &args.from)?, endpoint(m, host)?, port, protocol))
    });
    let (from, to, port, protocol) = match parsed {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::ERROR;
        }
    };
    let verdict = m.can(from, to, protocol, port);
    let name = |e: Endpoint| match e {
        Endpoint::Workload(w) => m.workloads[w].id.to_string(),
        Endpoint::External(ip) => ip.to_string(),
    };
    let text = match args.output {
        ListFormat::Json => serde_json::to_string_pretty(&verdict).unwrap_or_default() + "\n",
        ListFormat::Text => {
            let mut out = String::from(if verdict.allowed { "yes\n" } else { "no\n" });
            if let Some(s) = &verdict.egress {
                side_text(s, &format!("egress of {}", name(from)), &mut out);
            }
            if let Some(s) = &verdict.ingress {
                side_text(
                    s,
                    &format!("ingress of {} on {protocol} {port}", name(to)),
                    &mut out,
                );
            }
            for n in &verdict.notes {
                let _ = writeln!(out, "  note: {n}");
            }
            out
        }
    };
    let code = if verdict.allowed {
        exit::CLEAN
    } else {
        exit::FINDINGS
    };
    finish(crate::out::emit(&text), loaded.errors, code)
}

/// `rampart netpol exposure`.
fn exposure(args: NetpolListArgs) -> u8 {
    let loaded = match load_inputs(&args.inputs) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let m = &loaded.model;
    let all = Classes::build(m).exposure();
    let text = match args.output {
        ListFormat::Json => {
            #[derive(Serialize)]
            struct Grant {
                addresses: Vec<String>,
                ports: Ports,
            }
            #[derive(Serialize)]
            struct Item {
                workload: End,
                ingress: Vec<Grant>,
                egress: Vec<Grant>,
            }
            let grants = |g: &[(IpSet, PortSet)]| -> Vec<Grant> {
                g.iter()
                    .map(|(set, p)| Grant {
                        addresses: set.cidrs().iter().map(ToString::to_string).collect(),
                        ports: Ports::of(p),
                    })
                    .collect()
            };
            let items: Vec<Item> = all
                .iter()
                .map(|(w, e)| Item {
                    workload: End::of(&m.workloads[*w].id, &m.workloads[*w].namespace),
                    ingress: grants(&e.ingress),
                    egress: grants(&e.egress),
                })
                .collect();
            serde_json::to_string_pretty(&items).unwrap_or_default() + "\n"
        }
        ListFormat::Text => {
            let mut out = String::new();
            for (w, e) in &all {
                let _ = writeln!(out, "{}", m.workloads[*w].id);
                for (label, g) in [("accepts from", &e.ingress), ("may reach", &e.egress)] {
                    if g.is_empty() {
                        let _ = writeln!(out, "  {label} outside the cluster: nothing");
                    }
                    for (set, ports) in g {
                        let _ = writeln!(out, "  {label} {}: {ports}", set.describe());
                    }
                }
            }
            out
        }
    };
    finish(crate::out::emit(&text), loaded.errors, exit::CLEAN)
}

/// A workload named across two inputs (indices differ between them).
type Key = (String, String, String);

fn key(model: &Model, w: usize) -> Key {
    let w = &model.workloads[w];
    (w.namespace.clone(), w.id.kind.clone(), w.id.name.clone())
}

fn key_end(k: &Key) -> End {
    End::Workload {
        namespace: k.0.clone(),
        kind: k.1.clone(),
        name: k.2.clone(),
    }
}

/// What changed for one pair of ends, as rows.
struct Change {
    from: End,
    to: End,
    /// For people: the addresses' description when one end is a set.
    from_text: String,
    to_text: String,
    ports: PortSet,
}

/// Per workload and direction, the (disjoint) address grants outside the
/// cluster.
type Outside = BTreeMap<(Key, bool), Vec<(IpSet, PortSet)>>;

fn outside(model: &Model) -> (BTreeMap<(Key, Key), PortSet>, Outside) {
    let classes = Classes::build(model);
    let links = classes
        .links()
        .into_iter()
        .map(|l| ((key(model, l.from), key(model, l.to)), l.ports))
        .collect();
    let mut out = Outside::new();
    for (w, e) in classes.exposure() {
        out.insert((key(model, w), true), e.ingress);
        out.insert((key(model, w), false), e.egress);
    }
    (links, out)
}

/// Address grants in `a` beyond those in `b`: (addresses, ports) pairs.
fn grants_minus(a: &[(IpSet, PortSet)], b: &[(IpSet, PortSet)]) -> Vec<(IpSet, PortSet)> {
    let mut out = Vec::new();
    for (set, ports) in a {
        let mut rest = set.clone();
        for (other, other_ports) in b {
            let common = rest.intersect(other);
            if common.is_empty() {
                continue;
            }
            let more = ports.minus(other_ports);
            if !more.is_empty() {
                out.push((common.clone(), more));
            }
            rest = rest.minus(&common);
        }
        if !rest.is_empty() {
            out.push((rest, ports.clone()));
        }
    }
    out
}

/// `rampart netpol diff OLD NEW`: exits 1 when connections change.
fn diff(args: NetpolDiffArgs) -> u8 {
    let (old, new) = match (
        load(
            std::slice::from_ref(&args.old),
            &ClusterSource::default(),
            &args.options,
        ),
        load(
            std::slice::from_ref(&args.new),
            &ClusterSource::default(),
            &args.options,
        ),
    ) {
        (Ok(o), Ok(n)) => (o, n),
        (Err(c), _) | (_, Err(c)) => return c,
    };
    let (links_before, out_before) = outside(&old.model);
    let (links_after, out_after) = outside(&new.model);
    let none = PortSet::none();
    let mut opened: Vec<Change> = Vec::new();
    let mut closed: Vec<Change> = Vec::new();
    let pairs: std::collections::BTreeSet<&(Key, Key)> =
        links_before.keys().chain(links_after.keys()).collect();
    for k in pairs {
        let b = links_before.get(k).unwrap_or(&none);
        let a = links_after.get(k).unwrap_or(&none);
        for (ports, list) in [(a.minus(b), &mut opened), (b.minus(a), &mut closed)] {
            if !ports.is_empty() {
                list.push(Change {
                    from: key_end(&k.0),
                    to: key_end(&k.1),
                    from_text: key_end(&k.0).text(),
                    to_text: key_end(&k.1).text(),
                    ports,
                });
            }
        }
    }
    let empty = Vec::new();
    let sides: std::collections::BTreeSet<&(Key, bool)> =
        out_before.keys().chain(out_after.keys()).collect();
    for k in sides {
        let b = out_before.get(k).unwrap_or(&empty);
        let a = out_after.get(k).unwrap_or(&empty);
        for (grants, list) in [
            (grants_minus(a, b), &mut opened),
            (grants_minus(b, a), &mut closed),
        ] {
            for (set, ports) in grants {
                let workload = key_end(&k.0);
                let (workload_text, set_text) = (workload.text(), set.describe());
                // Machine rows: one per CIDR; people read the set once.
                for c in set.cidrs() {
                    let cidr = End::Addresses {
                        ip_block: c.to_string(),
                    };
                    let ingress = k.1;
                    list.push(Change {
                        from: if ingress {
                            cidr.clone()
                        } else {
                            workload.clone()
                        },
                        to: if ingress { workload.clone() } else { cidr },
                        from_text: if ingress {
                            set_text.clone()
                        } else {
                            workload_text.clone()
                        },
                        to_text: if ingress {
                            workload_text.clone()
                        } else {
                            set_text.clone()
                        },
                        ports: ports.clone(),
                    });
                }
            }
        }
    }
    let text = match args.output {
        ListFormat::Json => {
            #[derive(Serialize)]
            struct Diff {
                opened: Vec<Row>,
                closed: Vec<Row>,
            }
            let rows = |c: &[Change]| -> Vec<Row> {
                c.iter()
                    .map(|c| Row::new(c.from.clone(), c.to.clone(), c.ports.clone()))
                    .collect()
            };
            serde_json::to_string_pretty(&Diff {
                opened: rows(&opened),
                closed: rows(&closed),
            })
            .unwrap_or_default()
                + "\n"
        }
        ListFormat::Text => {
            let mut out = String::new();
            if opened.is_empty() && closed.is_empty() {
                out.push_str("no connection opened or closed\n");
            }
            for (sign, changes) in [("+", &opened), ("-", &closed)] {
                let mut seen = std::collections::BTreeSet::new();
                for c in changes.iter() {
                    // Address sets were split into CIDRs for machines;
                    // people read each set once.
                    let line = format!("{sign} {}  →  {}  {}", c.from_text, c.to_text, c.ports);
                    if seen.insert(line.clone()) {
                        out.push_str(&line);
                        out.push('\n');
                    }
                }
            }
            out
        }
    };
    let code = if opened.is_empty() && closed.is_empty() {
        exit::CLEAN
    } else {
        exit::FINDINGS
    };
    finish(crate::out::emit(&text), old.errors || new.errors, code)
}
