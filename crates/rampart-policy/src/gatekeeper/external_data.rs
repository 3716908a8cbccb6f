//! Gatekeeper's `external_data` builtin, which asks a `Provider` (an HTTPS
//! service registered in the cluster) about keys. rampart evaluates
//! without providers: templates that call it load, and a call is an
//! evaluation error, which Gatekeeper's webhook handles fail-open.

use anyhow::{Result, bail};
use regorus::{Engine, Value};

/// The builtin's name, for the load-time function check.
pub(super) const NAME: &str = "external_data";

/// Registers `external_data({"provider": ..., "keys": [...]})`.
pub(super) fn register(engine: &mut Engine) -> Result<()> {
    engine.add_extension(NAME.into(), 1, Box::new(|a: Vec<Value>| call(&a[0])))
}

fn call(request: &Value) -> Result<Value> {
    // The provider's name helps find the call; keys (object data) are
    // left out of the message.
    let provider = match &request[&Value::from("provider")] {
        Value::String(p) => format!(" (provider {p})"),
        _ => String::new(),
    };
    bail!("external_data{provider}: external data providers are not supported offline")
}
