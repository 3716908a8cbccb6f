//! OPA's deprecated builtins, which OPA still provides to Rego v0 and
//! gatekeeper-library templates still call (`any`, `all`, `re_match`...),
//! but regorus does not implement. Each is registered on a template's
//! engine as an extension with OPA's semantics.

use anyhow::{Result, bail};
use regorus::{Engine, Value};

/// The names [`register`] adds.
pub(super) const NAMES: [&str; 6] = [
    "any",
    "all",
    "re_match",
    "set_diff",
    "cast_array",
    "cast_set",
];

/// Registers every shim on `engine`.
pub(super) fn register(engine: &mut Engine) -> Result<()> {
    engine.add_extension(
        "any".into(),
        1,
        Box::new(|a: Vec<Value>| any_all(&a[0], true)),
    )?;
    engine.add_extension(
        "all".into(),
        1,
        Box::new(|a: Vec<Value>| any_all(&a[0], false)),
    )?;
    engine.add_extension(
        "re_match".into(),
        2,
        Box::new(|a: Vec<Value>| re_match(&a[0], &a[1])),
    )?;
    engine.add_extension(
        "set_diff".into(),
        2,
        Box::new(|a: Vec<Value>| set_diff(&a[0], &a[1])),
    )?;
    engine.add_extension(
        "cast_array".into(),
        1,
        Box::new(|a: Vec<Value>| cast_array(&a[0])),
    )?;
    engine.add_extension(
        "cast_set".into(),
        1,
        Box::new(|a: Vec<Value>| cast_set(&a[0])),
    )?;
    Ok(())
}

/// `any(c)`: some element of the array or set `c` is `true`; `all(c)`:
/// every element is (true for an empty collection).
fn any_all(c: &Value, any: bool) -> Result<Value> {
    let is_true = |v: &Value| *v == Value::Bool(true);
    let result = match c {
        Value::Array(a) if any => a.iter().any(is_true),
        Value::Array(a) => a.iter().all(is_true),
        Value::Set(s) if any => s.iter().any(is_true),
        Value::Set(s) => s.iter().all(is_true),
        _ => bail!(
            "{}: operand must be an array or a set",
            if any { "any" } else { "all" }
        ),
    };
    Ok(Value::Bool(result))
}

/// `re_match(pattern, value)`: `regex.match`, an unanchored search.
fn re_match(pattern: &Value, value: &Value) -> Result<Value> {
    let (Value::String(p), Value::String(v)) = (pattern, value) else {
        bail!("re_match: operands must be strings");
    };
    let re = regex::Regex::new(p).map_err(|e| anyhow::anyhow!("re_match: {e}"))?;
    Ok(Value::Bool(re.is_match(v)))
}

/// `set_diff(a, b)`: `a - b` for sets.
fn set_diff(a: &Value, b: &Value) -> Result<Value> {
    let (Value::Set(a), Value::Set(b)) = (a, b) else {
        bail!("set_diff: operands must be sets");
    };
    let diff: std::collections::BTreeSet<Value> =
        a.iter().filter(|v| !b.contains(v)).cloned().collect();
    Ok(Value::from(diff))
}

fn cast_array(v: &Value) -> Result<Value> {
    match v {
        Value::Array(_) => Ok(v.clone()),
        Value::Set(s) => Ok(Value::from(s.iter().cloned().collect::<Vec<_>>())),
        _ => bail!("cast_array: operand must be an array or a set"),
    }
}

fn cast_set(v: &Value) -> Result<Value> {
    match v {
        Value::Set(_) => Ok(v.clone()),
        Value::Array(a) => Ok(Value::from(
            a.iter().cloned().collect::<std::collections::BTreeSet<_>>(),
        )),
        _ => bail!("cast_set: operand must be an array or a set"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_and_all_follow_opa() {
        let arr = |v: Vec<bool>| Value::from(v.into_iter().map(Value::Bool).collect::<Vec<_>>());
        assert_eq!(
            any_all(&arr(vec![false, true]), true).unwrap(),
            Value::Bool(true)
        );
        assert_eq!(any_all(&arr(vec![]), true).unwrap(), Value::Bool(false));
        assert_eq!(any_all(&arr(vec![]), false).unwrap(), Value::Bool(true));
        assert_eq!(
            any_all(&arr(vec![true, false]), false).unwrap(),
            Value::Bool(false)
        );
        assert!(any_all(&Value::from("x"), true).is_err());
    }

    #[test]
    fn re_match_is_unanchored() {
        let m = |p: &str, v: &str| re_match(&Value::from(p), &Value::from(v)).unwrap();
        assert_eq!(m("agilebank", "user.agilebank.demo"), Value::Bool(true));
        assert_eq!(m("^[a-z]+$", "User"), Value::Bool(false));
        assert!(re_match(&Value::from("("), &Value::from("x")).is_err());
    }
}
