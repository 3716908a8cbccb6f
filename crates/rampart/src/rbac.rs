//! `rampart rbac`: the RBAC rules over manifests, and RBAC questions —
//! can, who-can, show, paths, graph — answered exactly as the API server's
//! authorizer would, each answer with the binding → role → rule behind it.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use rampart_core::source::SourceFile;
use rampart_core::{Category, Inventory, Level};
use rampart_rbac::{
    Decision, EscalationPath, GrantPath, Graph, Latent, Model, Permissions, Principal, Request,
    Rule, Subject,
};

use crate::cli::{
    GraphFormat, ListFormat, RbacArgs, RbacAuditArgs, RbacCanArgs, RbacCommand, RbacGraphArgs,
    RbacInputs, RbacPathsArgs, RbacRequestArgs, RbacSubjectArgs, RbacWhoCanArgs, ScanArgs,
};
use crate::exit;
use crate::scan::print_diagnostics;

pub fn run(args: RbacArgs) -> u8 {
    match args.command {
        None => audit(args.audit),
        Some(RbacCommand::Can(a)) => can(a),
        Some(RbacCommand::WhoCan(a)) => who_can(a),
        Some(RbacCommand::Show(a)) => show(a),
        Some(RbacCommand::Paths(a)) => paths(a),
        Some(RbacCommand::Graph(a)) => graph(a),
    }
}

/// The built-in Kubernetes roles and bindings, when asked for.
fn preloaded(assume_defaults: bool) -> Vec<SourceFile> {
    if assume_defaults {
        vec![rampart_rbac::defaults::source()]
    } else {
        Vec::new()
    }
}

/// `rampart rbac PATH...`: `rampart scan` with the RBAC rules only.
fn audit(a: RbacAuditArgs) -> u8 {
    let args = ScanArgs::narrowed(a.paths, a.filenames, a.cluster, a.report);
    crate::scan::run_with(
        args,
        preloaded(a.assume_defaults),
        Some(Category::Rbac),
        None,
    )
}

/// Everything a question is answered from.
struct Loaded {
    inventory: Inventory,
    model: Model,
    /// Whether the input had errors (exit 2 whatever the answer).
    errors: bool,
}

fn load(inputs: &RbacInputs) -> Result<Loaded, u8> {
    if inputs.filenames.is_empty() && !inputs.assume_defaults && !inputs.cluster.enabled() {
        eprintln!(
            "error: give the RBAC objects with -f PATH (files, directories, globs or -), --cluster, or --assume-defaults"
        );
        return Err(exit::ERROR);
    }
    let inventory = crate::live::inventory(
        &inputs.filenames,
        &inputs.cluster,
        preloaded(inputs.assume_defaults),
    )?;
    let mut diagnostics = inventory.diagnostics.clone();
    let model = Model::build(&inventory);
    diagnostics.extend(model.diagnostics.iter().cloned());
    print_diagnostics(&diagnostics);
    let errors = diagnostics.iter().any(|d| d.level == Level::Error);
    Ok(Loaded {
        inventory,
        model,
        errors,
    })
}

fn principal(subject: &str, groups: &[String]) -> Result<(Subject, Principal), u8> {
    let s = Subject::parse(subject).map_err(|e| {
        eprintln!("error: {e}");
        exit::ERROR
    })?;
    let p = Principal::of(&s, groups);
    Ok((s, p))
}

fn request(r: &RbacRequestArgs, verb: &str, resource: &str) -> Result<Request, u8> {
    let namespace = if r.all_namespaces {
        None
    } else {
        Some(r.namespace.as_deref().unwrap_or("default"))
    };
    Request::from_kubectl(verb, resource, r.subresource.as_deref(), namespace).map_err(|e| {
        eprintln!("error: {e}");
        exit::ERROR
    })
}

fn json(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default() + "\n"
}

/// One line per binding whose role is missing.
fn write_latent(out: &mut String, latent: &[Latent], indent: &str) {
    for l in latent {
        let _ = writeln!(
            out,
            "{indent}latent: {} binds {} to the missing {} {}",
            l.binding, l.subject, l.role_kind, l.role_name
        );
    }
}

fn describe(p: &GrantPath) -> String {
    let mut s = format!("{} → {} rule {}", p.binding, p.role, p.rule_index);
    if let Some(from) = &p.aggregated_from {
        let _ = write!(s, " (aggregated from {from})");
    }
    s
}

/// `rampart rbac can SUBJECT VERB RESOURCE`: prints yes or no first, as
/// `kubectl auth can-i` does; exits 0 for yes and 1 for no.
fn can(args: RbacCanArgs) -> u8 {
    let loaded = match load(&args.inputs) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let (_, principal) = match principal(&args.subject, &args.groups) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let request = match request(&args.request, &args.verb, &args.resource) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let decision: Decision = loaded.model.can(&principal, &request);
    let text = match args.output {
        ListFormat::Json => json(&decision),
        ListFormat::Text => {
            let mut out = String::from(if decision.allowed { "yes\n" } else { "no\n" });
            if let Some(group) = &decision.bypass {
                let _ = writeln!(out, "  {group} bypasses RBAC authorization entirely");
            }
            for p in &decision.because {
                let _ = writeln!(out, "  granted by {}", describe(p));
            }
            write_latent(&mut out, &decision.latent, "  ");
            out
        }
    };
    if !crate::out::emit(&text) {
        return exit::ERROR;
    }
    if loaded.errors {
        exit::ERROR
    } else if decision.allowed {
        exit::CLEAN
    } else {
        exit::FINDINGS
    }
}

/// `rampart rbac who-can VERB RESOURCE`: every subject the request is
/// granted to, with the granting path.
fn who_can(args: RbacWhoCanArgs) -> u8 {
    let loaded = match load(&args.inputs) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let request = match request(&args.request, &args.verb, &args.resource) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let answer = loaded.model.who_can(&request);
    let text = match args.output {
        ListFormat::Json => json(&answer),
        ListFormat::Text => {
            let mut out = String::new();
            for s in &answer.bypass {
                let _ = writeln!(out, "{s}  (bypasses RBAC)");
            }
            for (s, p) in &answer.grants {
                let _ = writeln!(out, "{s}  via {}", describe(p));
            }
            if answer.bypass.is_empty() && answer.grants.is_empty() {
                out.push_str("nobody\n");
            }
            write_latent(&mut out, &answer.latent, "");
            out
        }
    };
    if !crate::out::emit(&text) {
        return exit::ERROR;
    }
    if loaded.errors {
        exit::ERROR
    } else {
        exit::CLEAN
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        return "-".to_string();
    }
    // An empty name is a real entry (it matches nameless requests).
    let shown: Vec<&str> = items
        .iter()
        .map(|i| if i.is_empty() { "\"\"" } else { i.as_str() })
        .collect();
    shown.join(",")
}

/// `pods`, `deployments.apps`, `*.*`: resources qualified by group.
fn resources(rule: &Rule) -> String {
    if !rule.non_resource_urls.is_empty() {
        return rule.non_resource_urls.join(",");
    }
    let mut out = Vec::new();
    for g in &rule.api_groups {
        for r in &rule.resources {
            out.push(if g.is_empty() {
                r.clone()
            } else {
                match r.split_once('/') {
                    Some((base, sub)) => format!("{base}.{g}/{sub}"),
                    None => format!("{r}.{g}"),
                }
            });
        }
    }
    list(&out)
}

fn permissions_table(p: &Permissions) -> String {
    let mut table = comfy_table::Table::new();
    table
        .load_preset(comfy_table::presets::NOTHING)
        .set_header(["SCOPE", "VERBS", "RESOURCES", "NAMES", "VIA"]);
    for r in &p.rules {
        let mut via = format!("{} → {} rule {}", r.binding, r.role, r.rule_index);
        if let Some(from) = &r.aggregated_from {
            let _ = write!(via, " (from {from})");
        }
        if !matches!(
            &r.subject,
            Subject::User { .. } | Subject::ServiceAccount { .. }
        ) {
            let _ = write!(via, " as {}", r.subject);
        }
        table.add_row([
            r.namespace.clone().unwrap_or_else(|| "cluster".to_string()),
            list(&r.rule.verbs),
            resources(&r.rule),
            list(&r.rule.resource_names),
            via,
        ]);
    }
    table.to_string()
}

/// `rampart rbac show SUBJECT`: every rule that applies to the subject.
fn show(args: RbacSubjectArgs) -> u8 {
    let loaded = match load(&args.inputs) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let (subject, principal) = match principal(&args.subject, &args.groups) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let permissions = loaded.model.show(&principal);
    let text = match args.output {
        ListFormat::Json => json(&permissions),
        ListFormat::Text => {
            let mut out = String::new();
            if let Some(group) = &permissions.bypass {
                let _ = writeln!(
                    out,
                    "{subject} is in {group}, which bypasses RBAC: it may do anything.\n"
                );
            }
            if permissions.rules.is_empty() {
                let _ = writeln!(
                    out,
                    "{subject} has no RBAC permissions in the input (groups: {}).",
                    principal.groups.join(", ")
                );
            } else {
                let _ = writeln!(out, "{}", permissions_table(&permissions));
            }
            write_latent(&mut out, &permissions.latent, "");
            out
        }
    };
    if !crate::out::emit(&text) {
        return exit::ERROR;
    }
    if loaded.errors {
        exit::ERROR
    } else {
        exit::CLEAN
    }
}

fn path_text(p: &EscalationPath) -> String {
    let n = p.steps.len();
    let mut out = format!(
        "{} can become cluster admin in {n} step{}:\n",
        p.from,
        if n == 1 { "" } else { "s" }
    );
    for (i, s) in p.steps.iter().enumerate() {
        let _ = writeln!(out, "  {}. {} {}", i + 1, s.actor, s.action);
        match &s.becomes {
            Some(b) => {
                let _ = writeln!(out, "     → acts as {b}");
            }
            None => out.push_str("     → cluster admin\n"),
        }
    }
    out
}

/// `rampart rbac paths SUBJECT`: the shortest chain to cluster admin.
/// Exits 1 when there is one, like a finding.
fn paths(args: RbacPathsArgs) -> u8 {
    let loaded = match load(&args.inputs) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let graph = Graph::build(&loaded.inventory, &loaded.model);
    let found: Vec<EscalationPath> = match &args.subject {
        None => graph.all_paths(&loaded.model),
        Some(spec) => {
            let (subject, _) = match principal(spec, &args.groups) {
                Ok(p) => p,
                Err(code) => return code,
            };
            graph
                .path(&loaded.model, &subject, &args.groups)
                .into_iter()
                .collect()
        }
    };
    let text = match args.output {
        ListFormat::Json => json(&found),
        ListFormat::Text => {
            if found.is_empty() {
                match &args.subject {
                    Some(s) => format!("no escalation path from {s} to cluster admin\n"),
                    None => "no subject has an escalation path to cluster admin\n".to_string(),
                }
            } else {
                let texts: Vec<String> = found.iter().map(path_text).collect();
                texts.join("\n")
            }
        }
    };
    if !crate::out::emit(&text) {
        return exit::ERROR;
    }
    if loaded.errors {
        exit::ERROR
    } else if found.is_empty() {
        exit::CLEAN
    } else {
        exit::FINDINGS
    }
}

/// Graph nodes: subjects, bindings and roles, each drawn once.
#[derive(Default)]
struct Drawing {
    /// label → (id, kind)
    nodes: BTreeMap<String, (usize, &'static str)>,
    edges: Vec<(usize, usize)>,
}

impl Drawing {
    fn node(&mut self, label: String, kind: &'static str) -> usize {
        let next = self.nodes.len();
        self.nodes.entry(label).or_insert((next, kind)).0
    }

    fn edge(&mut self, from: usize, to: usize) {
        if !self.edges.contains(&(from, to)) {
            self.edges.push((from, to));
        }
    }

    fn ordered(&self) -> Vec<(&String, usize, &'static str)> {
        let mut v: Vec<_> = self
            .nodes
            .iter()
            .map(|(label, &(id, kind))| (label, id, kind))
            .collect();
        v.sort_by_key(|(_, id, _)| *id);
        v
    }

    fn dot(&self) -> String {
        let quote = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
        let mut out =
            String::from("digraph rbac {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n");
        for (label, id, kind) in self.ordered() {
            let shape = match kind {
                "subject" => "ellipse",
                "binding" => "box, style=rounded",
                "missing" => "box, style=dashed",
                _ => "box",
            };
            let _ = writeln!(out, "  n{id} [label={}, shape={shape}];", quote(label));
        }
        for (a, b) in &self.edges {
            let _ = writeln!(out, "  n{a} -> n{b};");
        }
        out.push_str("}\n");
        out
    }

    fn mermaid(&self) -> String {
        // Mermaid labels are quoted; a quote inside is written as #quot;.
        let quote = |s: &str| format!("\"{}\"", s.replace('"', "#quot;"));
        let mut out = String::from("flowchart LR\n");
        for (label, id, kind) in self.ordered() {
            let (open, close) = match kind {
                "subject" => ("([", "])"),
                "binding" => ("(", ")"),
                "missing" => ("[/", "/]"),
                _ => ("[", "]"),
            };
            let _ = writeln!(out, "  n{id}{open}{}{close}", quote(label));
        }
        for (a, b) in &self.edges {
            let _ = writeln!(out, "  n{a} --> n{b}");
        }
        out
    }
}

/// `rampart rbac graph`: subjects → bindings → roles.
fn graph(args: RbacGraphArgs) -> u8 {
    let loaded = match load(&args.inputs) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let model = &loaded.model;
    let only = match &args.subject {
        Some(spec) => match Subject::parse(spec) {
            Ok(s) => Some(s),
            Err(e) => {
                eprintln!("error: {e}");
                return exit::ERROR;
            }
        },
        None => None,
    };
    let mut d = Drawing::default();
    for b in &model.bindings {
        if let Some(s) = &only {
            if !b.subjects.contains(s) {
                continue;
            }
        }
        let binding = d.node(b.id.to_string(), "binding");
        for s in &b.subjects {
            if only.as_ref().is_none_or(|o| o == s) {
                let subject = d.node(s.to_string(), "subject");
                d.edge(subject, binding);
            }
        }
        let role = match b.role {
            Some(r) => d.node(model.roles[r].id.to_string(), "role"),
            None => d.node(
                format!("{} {} (missing)", b.role_ref.kind, b.role_ref.name),
                "missing",
            ),
        };
        d.edge(binding, role);
    }
    let text = match args.output {
        GraphFormat::Dot => d.dot(),
        GraphFormat::Mermaid => d.mermaid(),
    };
    if !crate::out::emit(&text) {
        return exit::ERROR;
    }
    if loaded.errors {
        exit::ERROR
    } else {
        exit::CLEAN
    }
}
