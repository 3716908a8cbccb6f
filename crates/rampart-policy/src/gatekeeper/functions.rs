//! Calls a template's Rego makes to functions that do not exist here,
//! found when the template is loaded.
//!
//! regorus resolves a call only when its interpreter reaches it ("could
//! not find function"), so a template calling `http.send` (which
//! Gatekeeper forbids) or an OPA builtin regorus lacks would load and then
//! fail on the requests that reach the call. Instead, every call in the
//! parsed modules is resolved as the interpreter would: a builtin, one of
//! the extensions registered on the engine, `print`, a rule of the same
//! package (its first name), an import alias, or a `data.` path. Anything
//! else can never be called.
//!
//! The builtins are regorus's table, which holds exactly those of the
//! features this crate enables (every OPA builtin family but `http`); the
//! extensions are OPA's deprecated builtins and Gatekeeper's
//! `external_data`.
//!
//! The parsed modules are regorus's `unstable` AST (pinned by the `0.14`
//! requirement).

use regorus::unstable::{BUILTINS, Expr, Literal, Module, Query, Ref, Rule, RuleHead};
use regorus::utils::get_path_string;

/// The functions called in `modules` that none of them defines and that
/// are neither builtins nor `extensions`, each once, in order of
/// appearance.
pub(super) fn unknown_functions(modules: &[Ref<Module>], extensions: &[&str]) -> Vec<String> {
    let package = |m: &Module| get_path_string(&m.package.refr, Some("data")).unwrap_or_default();
    let mut unknown: Vec<String> = Vec::new();
    for m in modules {
        let pkg = package(m);
        // Rules of every module of the same package are callable by name.
        let mut roots: Vec<String> = modules
            .iter()
            .filter(|o| package(o) == pkg)
            .flat_map(|o| o.policy.iter().filter_map(rule_root))
            .collect();
        // `import data.lib.helpers` makes `helpers.f(x)` a call into it;
        // `import data.lib.helpers as h`, `h.f(x)`.
        roots.extend(m.imports.iter().filter_map(|i| {
            match &i.r#as {
                Some(alias) => Some(alias.text().to_string()),
                None => get_path_string(&i.refr, None)
                    .ok()
                    .and_then(|p| p.rsplit('.').next().map(str::to_string)),
            }
        }));
        let mut calls = Vec::new();
        for rule in &m.policy {
            walk_rule(rule, &mut calls);
        }
        for path in calls {
            let first = path.split('.').next().unwrap_or_default();
            let known = path == "print"
                || BUILTINS.contains_key(path.as_str())
                || extensions.contains(&path.as_str())
                || first == "data"
                || roots.iter().any(|r| r == first);
            if !known && !unknown.contains(&path) {
                unknown.push(path);
            }
        }
    }
    unknown
}

/// The first name of a rule's head (`violation` for `violation[...]`,
/// `a` for `a.b.c := 1`).
fn rule_root(rule: &Ref<Rule>) -> Option<String> {
    let refr = match rule.as_ref() {
        Rule::Spec { head, .. } => match head {
            RuleHead::Compr { refr, .. }
            | RuleHead::Set { refr, .. }
            | RuleHead::Func { refr, .. } => refr,
        },
        Rule::Default { refr, .. } => refr,
    };
    let path = get_path_string(refr, None).ok()?;
    path.split('.').next().map(str::to_string)
}

fn walk_rule(rule: &Ref<Rule>, calls: &mut Vec<String>) {
    match rule.as_ref() {
        Rule::Spec { head, bodies, .. } => {
            match head {
                RuleHead::Compr { assign, .. } => {
                    if let Some(a) = assign {
                        walk_expr(&a.value, calls);
                    }
                }
                RuleHead::Set { key, .. } => {
                    if let Some(k) = key {
                        walk_expr(k, calls);
                    }
                }
                RuleHead::Func { args, assign, .. } => {
                    for a in args {
                        walk_expr(a, calls);
                    }
                    if let Some(a) = assign {
                        walk_expr(&a.value, calls);
                    }
                }
            }
            for body in bodies {
                if let Some(a) = &body.assign {
                    walk_expr(&a.value, calls);
                }
                walk_query(&body.query, calls);
            }
        }
        Rule::Default { args, value, .. } => {
            for a in args {
                walk_expr(a, calls);
            }
            walk_expr(value, calls);
        }
    }
}

fn walk_query(query: &Query, calls: &mut Vec<String>) {
    for stmt in &query.stmts {
        match &stmt.literal {
            Literal::SomeVars { .. } => {}
            Literal::SomeIn {
                key,
                value,
                collection,
                ..
            } => {
                if let Some(k) = key {
                    walk_expr(k, calls);
                }
                walk_expr(value, calls);
                walk_expr(collection, calls);
            }
            Literal::Expr { expr, .. } | Literal::NotExpr { expr, .. } => walk_expr(expr, calls),
            Literal::Every { domain, query, .. } => {
                walk_expr(domain, calls);
                walk_query(query, calls);
            }
        }
        // `with f as g` replaces a function: `g` is called instead.
        for w in &stmt.with_mods {
            walk_expr(&w.r#as, calls);
        }
    }
}

fn walk_expr(e: &Expr, calls: &mut Vec<String>) {
    match e {
        Expr::Call { fcn, params, .. } => {
            if let Ok(path) = get_path_string(fcn, None) {
                calls.push(path);
            }
            for p in params {
                walk_expr(p, calls);
            }
        }
        Expr::Array { items, .. } | Expr::Set { items, .. } => {
            for i in items {
                walk_expr(i, calls);
            }
        }
        Expr::Object { fields, .. } => {
            for (_, k, v) in fields {
                walk_expr(k, calls);
                walk_expr(v, calls);
            }
        }
        Expr::ArrayCompr { term, query, .. } | Expr::SetCompr { term, query, .. } => {
            walk_expr(term, calls);
            walk_query(query, calls);
        }
        Expr::ObjectCompr {
            key, value, query, ..
        } => {
            walk_expr(key, calls);
            walk_expr(value, calls);
            walk_query(query, calls);
        }
        Expr::UnaryExpr { expr, .. } => walk_expr(expr, calls),
        Expr::RefDot { refr, .. } => walk_expr(refr, calls),
        Expr::RefBrack { refr, index, .. } => {
            walk_expr(refr, calls);
            walk_expr(index, calls);
        }
        Expr::BinExpr { lhs, rhs, .. }
        | Expr::BoolExpr { lhs, rhs, .. }
        | Expr::ArithExpr { lhs, rhs, .. }
        | Expr::AssignExpr { lhs, rhs, .. } => {
            walk_expr(lhs, calls);
            walk_expr(rhs, calls);
        }
        Expr::Membership {
            key,
            value,
            collection,
            ..
        } => {
            if let Some(k) = key {
                walk_expr(k, calls);
            }
            walk_expr(value, calls);
            walk_expr(collection, calls);
        }
        // Scalars and variables call nothing. (`OrExpr`, behind a regorus
        // feature this crate does not enable, is not walked.)
        _ => {}
    }
}
