//! CEL plumbing for ValidatingAdmissionPolicy: compiling expressions once,
//! the variables an expression reads, JSON → CEL values, and evaluation
//! that turns every failure (including a library panic) into an error
//! string.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use kube_cel::cel::common::ast::{EntryExpr, Expr, IdedExpr};
use kube_cel::cel::objects::{Key, Map};
use kube_cel::cel::{Context, Program, Value};
use serde_json::Value as Json;

/// Which of the policy's `variables` an expression reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum VarUse {
    /// Only these, by name (`variables.x`, `variables['x']`).
    Some(BTreeSet<String>),
    /// The `variables` map as a whole (passed on, iterated): every one.
    All,
}

impl VarUse {
    fn add(&mut self, name: &str) {
        if let VarUse::Some(set) = self {
            set.insert(name.to_string());
        }
    }
}

/// One expression, compiled at load.
#[derive(Debug)]
pub(crate) struct Compiled {
    pub source: String,
    /// The program, or why there is none: a parse error, or a reference
    /// to `authorizer`, which needs the API server's authorizer and
    /// cannot be answered offline.
    pub program: Result<Program, String>,
    pub vars: VarUse,
}

impl Compiled {
    pub fn new(source: &str) -> Compiled {
        let (program, vars) = match Program::compile(source) {
            Ok(p) => {
                let refs = p.references();
                if refs.has_variable("authorizer") {
                    (
                        Err(
                            "`authorizer` is not available when policies are evaluated offline"
                                .to_string(),
                        ),
                        VarUse::Some(BTreeSet::new()),
                    )
                } else {
                    let mut vars = VarUse::Some(BTreeSet::new());
                    collect_vars(p.expression(), &mut vars);
                    (Ok(p), vars)
                }
            }
            // Kubernetes words it the same way: the expression is kept
            // and fails each evaluation with its compilation error.
            Err(e) => (
                Err(format!("compilation error: {}", one_line(&e.to_string()))),
                VarUse::Some(BTreeSet::new()),
            ),
        };
        Compiled {
            source: source.to_string(),
            program,
            vars,
        }
    }

    /// Runs the program. Errors are strings, as Kubernetes reports them
    /// in messages; a panic inside a CEL library function is caught so
    /// that hostile input cannot take down the webhook.
    pub fn run(&self, ctx: &Context) -> Result<Value, String> {
        let program = self.program.as_ref().map_err(Clone::clone)?;
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| program.execute(ctx))) {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("internal error while evaluating the expression".to_string()),
        }
    }

    /// Runs the program and requires a bool.
    pub fn run_bool(&self, ctx: &Context) -> Result<bool, String> {
        match self.run(ctx)? {
            Value::Bool(b) => Ok(b),
            // Kubernetes type-checks this at creation and rejects the
            // policy; without a type checker it surfaces here.
            other => Err(format!(
                "expression '{}' must evaluate to bool, got {}",
                self.source.trim(),
                other.type_of()
            )),
        }
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Walks the AST for uses of the `variables` identifier.
fn collect_vars(e: &IdedExpr, out: &mut VarUse) {
    match &e.expr {
        Expr::Select(sel) => {
            if matches!(&sel.operand.expr, Expr::Ident(n) if n == "variables") {
                out.add(&sel.field);
            } else {
                collect_vars(&sel.operand, out);
            }
        }
        Expr::Ident(n) if n == "variables" => *out = VarUse::All,
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => {}
        Expr::Call(call) => {
            // `variables['name']` and `variables[?'name']` read one.
            let indexed = (call.func_name == "_[_]" || call.func_name == "_[?_]")
                && call.args.len() == 2
                && matches!(&call.args[0].expr, Expr::Ident(n) if n == "variables");
            if indexed {
                match &call.args[1].expr {
                    Expr::Literal(kube_cel::cel::common::ast::LiteralValue::String(s)) => {
                        out.add(s.inner())
                    }
                    _ => *out = VarUse::All,
                }
                collect_vars(&call.args[1], out);
                return;
            }
            if let Some(t) = &call.target {
                collect_vars(t, out);
            }
            for a in &call.args {
                collect_vars(a, out);
            }
        }
        Expr::Comprehension(c) => {
            for part in [
                &c.iter_range,
                &c.accu_init,
                &c.loop_cond,
                &c.loop_step,
                &c.result,
            ] {
                collect_vars(part, out);
            }
        }
        Expr::List(l) => l.elements.iter().for_each(|x| collect_vars(x, out)),
        Expr::Map(m) => {
            for entry in &m.entries {
                if let EntryExpr::MapEntry(me) = &entry.expr {
                    collect_vars(&me.key, out);
                    collect_vars(&me.value, out);
                }
            }
        }
        Expr::Struct(s) => {
            for entry in &s.entries {
                match &entry.expr {
                    EntryExpr::StructField(f) => collect_vars(&f.value, out),
                    EntryExpr::MapEntry(me) => {
                        collect_vars(&me.key, out);
                        collect_vars(&me.value, out);
                    }
                }
            }
        }
    }
}

/// JSON as CEL sees an unstructured object: integers are `int` (a `uint`
/// only when beyond int64, which Kubernetes would reject anyway), other
/// numbers `double`.
pub(crate) fn to_cel(v: &Json) -> Value {
    match v {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::Int(i)
            } else if let Some(u) = n.as_u64() {
                Value::UInt(u)
            } else {
                Value::Float(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        Json::String(s) => Value::String(Arc::new(s.clone())),
        Json::Array(a) => Value::List(Arc::new(a.iter().map(to_cel).collect())),
        Json::Object(o) => map(o.iter().map(|(k, v)| (k.as_str(), to_cel(v)))),
    }
}

/// A CEL map with string keys.
pub(crate) fn map<'a>(entries: impl IntoIterator<Item = (&'a str, Value)>) -> Value {
    let map: HashMap<Key, Value> = entries
        .into_iter()
        .map(|(k, v)| (Key::String(Arc::new(k.to_string())), v))
        .collect();
    Value::Map(Map { map: Arc::new(map) })
}

pub(crate) fn string(s: &str) -> Value {
    Value::String(Arc::new(s.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uses(src: &str) -> VarUse {
        Compiled::new(src).vars
    }

    fn set(names: &[&str]) -> VarUse {
        VarUse::Some(names.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn finds_variables_read_by_name() {
        assert_eq!(uses("variables.a && variables['b'] > 1"), set(&["a", "b"]));
        assert_eq!(uses("object.x.all(c, c == variables.c)"), set(&["c"]));
        assert_eq!(uses("object.spec.replicas > 1"), set(&[]));
    }

    #[test]
    fn whole_map_use_means_all() {
        assert_eq!(uses("size(variables) > 0"), VarUse::All);
        assert_eq!(uses("variables[object.k]"), VarUse::All);
    }

    #[test]
    fn authorizer_is_refused() {
        let c = Compiled::new("authorizer.group('').resource('pods').check('get').allowed()");
        assert!(c.program.unwrap_err().contains("authorizer"));
    }

    #[test]
    fn parse_error_is_kept() {
        let c = Compiled::new("object.spec.(");
        assert!(c.program.unwrap_err().starts_with("compilation error: "));
    }

    #[test]
    fn json_numbers() {
        assert_eq!(to_cel(&serde_json::json!(3)), Value::Int(3));
        assert_eq!(to_cel(&serde_json::json!(1.5)), Value::Float(1.5));
    }
}
