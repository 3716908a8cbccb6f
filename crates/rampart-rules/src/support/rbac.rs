//! What the RBAC rules share: the model of the inventory's roles and
//! bindings (built once per scan), and the report of a binding that hands
//! a risky permission to someone.

use std::sync::Arc;

use rampart_core::{InventoryCtx, Reporter};
use rampart_rbac::risk::Risk;
use rampart_rbac::{Binding, Grant, Model, Scope, Subject};

/// The RBAC model of the scanned inventory, shared by every RBAC rule of
/// the scan. Objects that do not decode are reported (once per scan).
pub fn model(ctx: &InventoryCtx, out: &mut Reporter) -> Arc<Model> {
    let model = ctx.inventory.derived(Model::build);
    for d in &model.diagnostics {
        out.diagnostic(d.clone());
    }
    model
}

/// `ClusterRole view`, `Role prod/deployer`.
pub fn role_name(b: &Binding) -> String {
    match (&b.namespace, b.role_ref.kind.as_str()) {
        (Some(ns), "Role") => format!("Role {ns}/{}", b.role_ref.name),
        _ => format!("{} {}", b.role_ref.kind, b.role_ref.name),
    }
}

/// The subjects of `b` worth reporting: everyone but Kubernetes'
/// own components (`system:kube-scheduler`, `system:nodes`, ...).
pub fn reported_subjects(b: &Binding) -> Vec<&Subject> {
    b.subjects.iter().filter(|s| !s.is_component()).collect()
}

/// `sa:ci:deployer, user:bob` (at most five, then a count).
pub fn list_subjects(subjects: &[&Subject]) -> String {
    const SHOWN: usize = 5;
    let mut out: Vec<String> = subjects.iter().take(SHOWN).map(|s| s.to_string()).collect();
    if subjects.len() > SHOWN {
        out.push(format!("and {} more", subjects.len() - SHOWN));
    }
    out.join(", ")
}

/// `rule 2 grants `list secrets`` — with the ClusterRole an aggregated
/// rule came from.
pub fn describe_grants(model: &Model, b: &Binding, grants: &[Grant]) -> String {
    let role = b.role.map(|r| &model.roles[r]);
    let parts: Vec<String> = grants
        .iter()
        .map(|g| {
            let from = role
                .and_then(|r| r.rules.get(g.rule_index))
                .and_then(|r| r.aggregated_from.as_ref())
                .map(|f| format!(" (aggregated from ClusterRole {})", f.name))
                .unwrap_or_default();
            format!("rule {} grants `{g}`{from}", g.rule_index)
        })
        .collect();
    parts.join(" and ")
}

/// Reports every binding (except Kubernetes' own, labelled
/// `kubernetes.io/bootstrapping: rbac-defaults`) that hands `risk` to a
/// subject other than a Kubernetes component, at the binding's `roleRef`.
pub fn report_risk(ctx: &InventoryCtx, out: &mut Reporter, risk: &Risk) {
    let model = model(ctx, out);
    for b in model.bindings.iter().filter(|b| !b.stock) {
        let subjects = reported_subjects(b);
        if subjects.is_empty() {
            continue;
        }
        let Some(grants) = model.binding_risk(b, risk) else {
            continue;
        };
        let message = format!(
            "binds {} to {} {}: they can {}; {}",
            list_subjects(&subjects),
            role_name(b),
            Scope::of(b),
            risk.what,
            describe_grants(&model, b, &grants),
        );
        out.on(b.object).at("/roleRef".to_string(), message);
    }
}

/// `ClusterRoleBinding admins`, `RoleBinding shop/deployers`.
pub fn binding_name(b: &Binding) -> String {
    match &b.namespace {
        Some(ns) => format!("RoleBinding {ns}/{}", b.id.name),
        None => format!("ClusterRoleBinding {}", b.id.name),
    }
}

/// The subjects of `b` with their index in `b.subjects`, each subject once
/// (a binding may list the same one twice; one finding is enough).
pub fn distinct_subjects(b: &Binding) -> impl Iterator<Item = (usize, &Subject)> {
    b.subjects
        .iter()
        .enumerate()
        .filter(|(i, s)| !b.subjects[..*i].contains(s))
}

/// Reports on subject `i` of `b`, at `/subjects/<its index in the
/// manifest>`, fingerprinted by the subject itself so that reordering the
/// list keeps the finding's identity.
pub fn report_subject(out: &mut Reporter, b: &Binding, i: usize, message: String) {
    let (Some(subject), Some(position)) = (b.subjects.get(i), b.subject_positions.get(i)) else {
        return;
    };
    let mut stable = String::from("/subjects");
    rampart_core::node::push_token(&mut stable, &subject.to_string());
    out.on(b.object)
        .at_stable(format!("/subjects/{position}"), &stable, message);
}

/// The most severe permission of [`rampart_rbac::risk::WORKLOAD_RISKS`]
/// that `b` grants, with its grants.
pub fn strongest_risk(model: &Model, b: &Binding) -> Option<(&'static Risk, Vec<Grant>)> {
    rampart_rbac::risk::WORKLOAD_RISKS
        .iter()
        .find_map(|&risk| model.binding_risk(b, risk).map(|g| (risk, g)))
}

/// `; with it they can read Secrets… in namespace shop (rule 0 grants
/// `get secrets`)`, or nothing when `b` grants none of the risky
/// permissions.
pub fn strongest_risk_clause(model: &Model, b: &Binding) -> String {
    match strongest_risk(model, b) {
        Some((risk, grants)) => format!(
            "; with it they can {} {} ({})",
            risk.what,
            Scope::of(b),
            describe_grants(model, b, &grants)
        ),
        None => String::new(),
    }
}
