//! `rampart rbac can` and `rampart rbac who-can`: RBAC questions answered
//! exactly as the API server's authorizer would, with the binding → role →
//! rule that grants each answer.

use std::fmt::Write as _;

use rampart_core::Inventory;
use rampart_core::source::Input;
use rampart_core::yaml::Limits;
use rampart_rbac::{Decision, GrantPath, Model, Principal, Request};

use crate::cli::{ListFormat, RbacCanArgs, RbacTarget, RbacWhoCanArgs};
use crate::exit;
use crate::scan::print_diagnostics;

/// Loads the RBAC objects of `-f` inputs; `None` (after printing why) when
/// nothing could be read.
fn model(target: &RbacTarget) -> Result<(Model, bool), u8> {
    if target.filenames.is_empty() {
        eprintln!("error: give the RBAC objects with -f PATH (files, directories, globs or -)");
        return Err(exit::ERROR);
    }
    let inputs: Vec<Input> = target.filenames.iter().map(|f| Input::parse(f)).collect();
    let inventory = Inventory::load(&inputs, Limits::default(), &|_| false);
    let mut diagnostics = inventory.diagnostics.clone();
    let model = Model::build(&inventory);
    diagnostics.extend(model.diagnostics.iter().cloned());
    print_diagnostics(&diagnostics);
    let errors = diagnostics
        .iter()
        .any(|d| d.level == rampart_core::Level::Error);
    Ok((model, errors))
}

fn request(target: &RbacTarget, verb: &str, resource: &str) -> Result<Request, u8> {
    let namespace = if target.all_namespaces {
        None
    } else {
        Some(target.namespace.as_deref().unwrap_or("default"))
    };
    Request::from_kubectl(verb, resource, target.subresource.as_deref(), namespace)
        .map(Request::normalized)
        .map_err(|e| {
            eprintln!("error: {e}");
            exit::ERROR
        })
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
pub fn can(args: RbacCanArgs) -> u8 {
    let (model, errors) = match model(&args.target) {
        Ok(m) => m,
        Err(code) => return code,
    };
    let principal = match Principal::parse(&args.subject, &args.groups) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::ERROR;
        }
    };
    let request = match request(&args.target, &args.verb, &args.resource) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let decision: Decision = model.can(&principal, &request);
    match args.output {
        ListFormat::Json => {
            println!(
                "{}",
                serde_json::to_string_pretty(&decision).unwrap_or_default()
            );
        }
        ListFormat::Text => {
            let mut out = String::from(if decision.allowed { "yes\n" } else { "no\n" });
            if let Some(group) = &decision.bypass {
                let _ = writeln!(out, "  {group} bypasses RBAC authorization entirely");
            }
            for p in &decision.because {
                let _ = writeln!(out, "  granted by {}", describe(p));
            }
            for l in &decision.latent {
                let _ = writeln!(
                    out,
                    "  latent: {} binds {} to the missing {} {}",
                    l.binding, l.subject, l.role_kind, l.role_name
                );
            }
            print!("{out}");
        }
    }
    if errors {
        exit::ERROR
    } else if decision.allowed {
        exit::CLEAN
    } else {
        exit::FINDINGS
    }
}

/// `rampart rbac who-can VERB RESOURCE`: every subject the request is
/// granted to, with the granting path.
pub fn who_can(args: RbacWhoCanArgs) -> u8 {
    let (model, errors) = match model(&args.target) {
        Ok(m) => m,
        Err(code) => return code,
    };
    let request = match request(&args.target, &args.verb, &args.resource) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let answer = model.who_can(&request);
    match args.output {
        ListFormat::Json => {
            println!(
                "{}",
                serde_json::to_string_pretty(&answer).unwrap_or_default()
            );
        }
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
            for l in &answer.latent {
                let _ = writeln!(
                    out,
                    "latent: {} binds {} to the missing {} {}",
                    l.binding, l.subject, l.role_kind, l.role_name
                );
            }
            print!("{out}");
        }
    }
    if errors { exit::ERROR } else { exit::CLEAN }
}
