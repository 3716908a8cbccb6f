//! A constraint's `spec.parameters` checked against its template's
//! `spec.crd.spec.validation.openAPIV3Schema`, as the API server checks a
//! constraint against the CRD Gatekeeper generates from the template.
//!
//! The structural-schema subset is covered: `type` (`object`, `array`,
//! `string`, `integer`, `number`, `boolean`), `properties`, `items`,
//! `required`, `enum`, `additionalProperties` (bool or schema),
//! `x-kubernetes-preserve-unknown-fields`, `x-kubernetes-int-or-string`,
//! `nullable`, `default`, `minimum`/`maximum` (and their `exclusive*`
//! flags), `minLength`/`maxLength`, `pattern`, `minItems`/`maxItems`,
//! `minProperties`/`maxProperties`. As the API server does before
//! validating, a null field whose schema is not `nullable` is removed (or
//! set to its `default`), and an absent field with a `default` gets it:
//! the policy sees the parameters as the cluster stores them.
//!
//! Unknown fields (not in `properties`, under a schema that neither
//! preserves unknown fields nor allows `additionalProperties`) are pruned,
//! as the API server prunes them before it stores the constraint. Only a
//! client asking for strict field validation (`kubectl apply
//! --validate=strict`) has the constraint rejected instead; the default
//! (`Warn`) stores it with a warning. A constraint in a cluster was stored,
//! so it is pruned here, silently (see `gatekeeper.rs`).
//!
//! A number is stored as Go writes the float64 it was decoded into: `2.0`
//! is stored as `2`; and for `type: integer` the API server's validator
//! accepts such a number, with no fractional part, as an integer.
//!
//! Templates `templates.gatekeeper.sh/v1beta1` and `v1alpha1` default to
//! `legacySchema: true`, which Gatekeeper turns into
//! `x-kubernetes-preserve-unknown-fields` on every object (and untyped)
//! level; `v1` defaults to `false`. A template without a schema accepts
//! any parameters.

use serde_json::{Map, Value};

/// The parameters schema of a template.
#[derive(Debug)]
pub(super) struct ParameterSchema {
    /// `None`: no schema, anything goes.
    schema: Option<Value>,
    /// `legacySchema`: unknown fields are kept everywhere.
    legacy: bool,
}

/// The most errors a message lists.
const MAX_ERRORS: usize = 5;

impl ParameterSchema {
    /// The schema of a ConstraintTemplate, checked for the keywords this
    /// validator reads.
    pub(super) fn from_template(template: &Value) -> Result<ParameterSchema, String> {
        let validation = &template["spec"]["crd"]["spec"]["validation"];
        let default_legacy = template["apiVersion"] != "templates.gatekeeper.sh/v1";
        let legacy = match &validation["legacySchema"] {
            Value::Null => default_legacy,
            Value::Bool(b) => *b,
            _ => return Err("spec.crd.spec.validation.legacySchema must be a boolean".into()),
        };
        let schema = match &validation["openAPIV3Schema"] {
            Value::Null => None,
            s @ Value::Object(_) => {
                check_schema(s, "spec.crd.spec.validation.openAPIV3Schema")?;
                Some(s.clone())
            }
            _ => return Err("spec.crd.spec.validation.openAPIV3Schema must be an object".into()),
        };
        Ok(ParameterSchema { schema, legacy })
    }

    /// `parameters` (`None` when absent) as the API server would store
    /// them, or the reasons it would reject them.
    pub(super) fn admit(&self, parameters: Option<&Value>) -> Result<Option<Value>, String> {
        let Some(schema) = &self.schema else {
            return Ok(parameters.filter(|p| !p.is_null()).cloned().map(|mut p| {
                stored_numbers(&mut p);
                p
            }));
        };
        // `parameters` is a field of `spec`: null is dropped unless the
        // schema is nullable, absent takes the schema's default.
        let mut value = match parameters {
            Some(Value::Null) if is_true(&schema["nullable"]) => Value::Null,
            None | Some(Value::Null) => match schema.get("default") {
                Some(d) => d.clone(),
                None => return Ok(None),
            },
            Some(p) => p.clone(),
        };
        let mut errors = Vec::new();
        self.validate(&mut value, schema, "spec.parameters", &mut errors);
        if errors.is_empty() {
            // Validated as decoded, then stored.
            stored_numbers(&mut value);
            return Ok(Some(value));
        }
        let more = errors.len().saturating_sub(MAX_ERRORS);
        errors.truncate(MAX_ERRORS);
        let mut message = errors.join("; ");
        if more > 0 {
            message.push_str(&format!("; and {more} more"));
        }
        Err(message)
    }

    fn validate(&self, v: &mut Value, s: &Value, path: &str, errors: &mut Vec<String>) {
        if v.is_null() {
            // Reached only where nulls are not pruned (list items, the
            // parameters themselves when nullable).
            if !is_true(&s["nullable"])
                && let Some(t) = s["type"].as_str()
            {
                errors.push(format!("{path}: must be of type {t}, got null"));
            }
            return;
        }
        if is_true(&s["x-kubernetes-int-or-string"]) {
            if !(v.is_string() || is_integer(v)) {
                errors.push(format!(
                    "{path}: must be an integer or a string, got {}",
                    type_name(v)
                ));
                return;
            }
        } else if let Some(t) = s["type"].as_str()
            && !has_type(v, t)
        {
            errors.push(format!("{path}: must be of type {t}, got {}", type_name(v)));
            return;
        }
        if let Some(allowed) = s["enum"].as_array()
            && !allowed.contains(v)
        {
            let list: Vec<String> = allowed.iter().map(Value::to_string).collect();
            errors.push(format!(
                "{path}: unsupported value {v}: supported values: {}",
                list.join(", ")
            ));
        }
        match v {
            Value::String(text) => string_bounds(text, s, path, errors),
            Value::Number(n) => {
                if let Some(x) = n.as_f64() {
                    number_bounds(x, s, path, errors);
                }
            }
            Value::Array(items) => {
                count_bounds(
                    items.len(),
                    s,
                    "minItems",
                    "maxItems",
                    "items",
                    path,
                    errors,
                );
                if let Some(item) = s.get("items").filter(|i| i.is_object()) {
                    for (i, x) in items.iter_mut().enumerate() {
                        self.validate(x, item, &format!("{path}[{i}]"), errors);
                    }
                }
            }
            Value::Object(fields) => self.validate_object(fields, s, path, errors),
            Value::Bool(_) | Value::Null => {}
        }
    }

    fn validate_object(
        &self,
        fields: &mut Map<String, Value>,
        s: &Value,
        path: &str,
        errors: &mut Vec<String>,
    ) {
        let properties = s["properties"].as_object();
        let additional = &s["additionalProperties"];
        // A schema that says nothing about fields (no type, no
        // properties) constrains none of them.
        let untyped = s["type"].is_null() && properties.is_none() && additional.is_null();
        let keeps_unknown = self.legacy
            || untyped
            || is_true(&s["x-kubernetes-preserve-unknown-fields"])
            || is_true(additional);
        // The API server prunes unknown fields first: they are neither
        // defaulted, counted nor validated.
        if !keeps_unknown && !additional.is_object() {
            fields.retain(|key, _| properties.is_some_and(|p| p.contains_key(key)));
        }
        // The schema a field is read with: its property, else
        // additionalProperties when it is a schema.
        let schema_of = |key: &str| -> Option<&Value> {
            properties
                .and_then(|p| p.get(key))
                .or(Some(additional).filter(|a| a.is_object()))
        };
        // Nulls are pruned or defaulted, absent fields defaulted.
        let keys: Vec<String> = fields.keys().cloned().collect();
        for key in &keys {
            if fields[key].is_null()
                && let Some(fs) = schema_of(key)
                && !is_true(&fs["nullable"])
            {
                match fs.get("default") {
                    Some(d) => fields[key] = d.clone(),
                    None => {
                        fields.remove(key);
                    }
                }
            }
        }
        if let Some(props) = properties {
            for (key, fs) in props {
                if !fields.contains_key(key)
                    && let Some(d) = fs.get("default")
                {
                    fields.insert(key.clone(), d.clone());
                }
            }
        }
        count_bounds(
            fields.len(),
            s,
            "minProperties",
            "maxProperties",
            "properties",
            path,
            errors,
        );
        if let Some(required) = s["required"].as_array() {
            for r in required.iter().filter_map(Value::as_str) {
                if !fields.contains_key(r) {
                    errors.push(format!("{path}.{r}: Required value"));
                }
            }
        }
        // Fields neither in `properties` nor under an
        // `additionalProperties` schema are the kept unknown ones.
        for (key, x) in fields.iter_mut() {
            if let Some(fs) = properties.and_then(|p| p.get(key)) {
                self.validate(x, fs, &format!("{path}.{key}"), errors);
            } else if additional.is_object() {
                self.validate(x, additional, &format!("{path}[{key}]"), errors);
            }
        }
    }
}

fn is_true(v: &Value) -> bool {
    v.as_bool() == Some(true)
}

/// The largest magnitude at which the API server's validator (go-openapi
/// `IsFloat64AJSONInteger`) takes a float for an integer: 2^53 - 1.
const MAX_INTEGER_FLOAT: f64 = 9_007_199_254_740_991.0;

/// An integer for `type: integer`: written as one, or a float with no
/// fractional part (`1.0`) within ±(2^53 - 1), as the API server's
/// validator accepts it. (go-openapi also tolerates a relative error of
/// 1e-9, for floats a hair away from an integer, which is not followed.)
fn is_integer(v: &Value) -> bool {
    v.is_i64()
        || v.is_u64()
        || v.as_f64()
            .is_some_and(|f| f.fract() == 0.0 && f.abs() <= MAX_INTEGER_FLOAT)
}

/// Floats with no fractional part as the API server stores them: Go
/// writes such a float64 without a fraction (`2.0` as `2`), read back as
/// an integer when it fits an int64.
fn stored_numbers(v: &mut Value) {
    match v {
        Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64()
                && f.fract() == 0.0
                && (-(2f64.powi(63))..2f64.powi(63)).contains(&f)
            {
                // Exact: the float is integral and within i64's range.
                *v = Value::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(stored_numbers),
        Value::Object(fields) => fields.values_mut().for_each(stored_numbers),
        _ => {}
    }
}

fn has_type(v: &Value, t: &str) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "integer" => is_integer(v),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        _ => true,
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        // As decoded: `1.0` is a number that `type: integer` accepts.
        Value::Number(n) if !n.is_f64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn string_bounds(text: &str, s: &Value, path: &str, errors: &mut Vec<String>) {
    // Lengths are in characters, as Go's validator counts runes.
    let len = text.chars().count() as u64;
    if let Some(min) = s["minLength"].as_u64()
        && len < min
    {
        errors.push(format!(
            "{path}: should be at least {min} chars long, is {len}"
        ));
    }
    if let Some(max) = s["maxLength"].as_u64()
        && len > max
    {
        errors.push(format!(
            "{path}: should be at most {max} chars long, is {len}"
        ));
    }
    if let Some(p) = s["pattern"].as_str()
        // Checked at load; a pattern that does not compile never gets here.
        && let Ok(re) = regex::Regex::new(p)
        && !re.is_match(text)
    {
        errors.push(format!("{path}: should match '{p}'"));
    }
}

fn number_bounds(x: f64, s: &Value, path: &str, errors: &mut Vec<String>) {
    if let Some(min) = s["minimum"].as_f64() {
        let exclusive = is_true(&s["exclusiveMinimum"]);
        if x < min || (exclusive && x == min) {
            let op = if exclusive {
                "greater than"
            } else {
                "greater than or equal to"
            };
            errors.push(format!("{path}: should be {op} {}", s["minimum"]));
        }
    }
    if let Some(max) = s["maximum"].as_f64() {
        let exclusive = is_true(&s["exclusiveMaximum"]);
        if x > max || (exclusive && x == max) {
            let op = if exclusive {
                "less than"
            } else {
                "less than or equal to"
            };
            errors.push(format!("{path}: should be {op} {}", s["maximum"]));
        }
    }
}

fn count_bounds(
    n: usize,
    s: &Value,
    min_key: &str,
    max_key: &str,
    what: &str,
    path: &str,
    errors: &mut Vec<String>,
) {
    let n = n as u64;
    if let Some(min) = s[min_key].as_u64()
        && n < min
    {
        errors.push(format!(
            "{path}: should have at least {min} {what}, has {n}"
        ));
    }
    if let Some(max) = s[max_key].as_u64()
        && n > max
    {
        errors.push(format!("{path}: should have at most {max} {what}, has {n}"));
    }
}

/// Checks the keywords the validator reads, so that a malformed schema is
/// the template's load error and not a silent pass.
fn check_schema(s: &Value, path: &str) -> Result<(), String> {
    let Some(obj) = s.as_object() else {
        return Err(format!("{path}: must be an object"));
    };
    if let Some(t) = obj.get("type") {
        match t.as_str() {
            Some("object" | "array" | "string" | "integer" | "number" | "boolean") => {}
            _ => {
                return Err(format!(
                    "{path}.type: {t} is not one of object, array, string, integer, number, boolean"
                ));
            }
        }
    }
    for key in [
        "nullable",
        "x-kubernetes-preserve-unknown-fields",
        "x-kubernetes-int-or-string",
        "exclusiveMinimum",
        "exclusiveMaximum",
    ] {
        if let Some(v) = obj.get(key)
            && !v.is_boolean()
        {
            return Err(format!("{path}.{key}: must be a boolean"));
        }
    }
    for key in ["minimum", "maximum"] {
        if let Some(v) = obj.get(key)
            && !v.is_number()
        {
            return Err(format!("{path}.{key}: must be a number"));
        }
    }
    for key in [
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "minProperties",
        "maxProperties",
    ] {
        if let Some(v) = obj.get(key)
            && v.as_u64().is_none()
        {
            return Err(format!("{path}.{key}: must be a non-negative integer"));
        }
    }
    if let Some(p) = obj.get("pattern") {
        let p = p
            .as_str()
            .ok_or(format!("{path}.pattern: must be a string"))?;
        regex::Regex::new(p)
            .map_err(|e| format!("{path}.pattern: invalid regular expression: {e}"))?;
    }
    if let Some(e) = obj.get("enum")
        && !e.is_array()
    {
        return Err(format!("{path}.enum: must be a list"));
    }
    if let Some(r) = obj.get("required")
        && !r.as_array().is_some_and(|r| r.iter().all(Value::is_string))
    {
        return Err(format!("{path}.required: must be a list of strings"));
    }
    if let Some(props) = obj.get("properties") {
        let props = props
            .as_object()
            .ok_or(format!("{path}.properties: must be an object"))?;
        for (k, p) in props {
            check_schema(p, &format!("{path}.properties.{k}"))?;
        }
    }
    match obj.get("items") {
        None => {}
        Some(i @ Value::Object(_)) => check_schema(i, &format!("{path}.items"))?,
        // Gatekeeper refuses several item schemas.
        Some(_) => return Err(format!("{path}.items: must be one schema")),
    }
    match obj.get("additionalProperties") {
        None | Some(Value::Bool(_)) => {}
        Some(a @ Value::Object(_)) => check_schema(a, &format!("{path}.additionalProperties"))?,
        Some(_) => {
            return Err(format!(
                "{path}.additionalProperties: must be a boolean or a schema"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema(api_version: &str, validation: Value) -> ParameterSchema {
        ParameterSchema::from_template(&json!({
            "apiVersion": api_version,
            "spec": {"crd": {"spec": {"validation": validation}}}
        }))
        .unwrap()
    }

    fn v1(s: Value) -> ParameterSchema {
        schema("templates.gatekeeper.sh/v1", json!({"openAPIV3Schema": s}))
    }

    fn err(s: &ParameterSchema, p: Value) -> String {
        s.admit(Some(&p)).unwrap_err()
    }

    #[test]
    fn types_and_integers() {
        let s = v1(json!({"type": "object", "properties": {
            "n": {"type": "integer"}, "x": {"type": "number"}, "b": {"type": "boolean"},
            "s": {"type": "string"}, "l": {"type": "array", "items": {"type": "string"}},
            "q": {"x-kubernetes-int-or-string": true}
        }}));
        let ok = json!({"n": 1, "x": 1.5, "b": true, "s": "a", "l": ["a"], "q": "10%"});
        assert_eq!(s.admit(Some(&ok)).unwrap(), Some(ok));
        assert!(s.admit(Some(&json!({"x": 2, "q": 3}))).is_ok());
        // A number without a fractional part is an integer, stored as one.
        assert_eq!(
            s.admit(Some(&json!({"n": 1.0, "q": -3.0, "x": 2.0})))
                .unwrap(),
            Some(json!({"n": 1, "q": -3, "x": 2}))
        );
        assert_eq!(
            err(&s, json!({"n": 1.5})),
            "spec.parameters.n: must be of type integer, got number"
        );
        assert!(err(&s, json!({"q": 0.5})).contains("integer or a string"));
        assert_eq!(
            err(&s, json!({"s": 1.0})),
            "spec.parameters.s: must be of type string, got number"
        );
        // Beyond 2^53 - 1 a float is not taken for an integer.
        assert!(err(&s, json!({"n": 9007199254740992.0})).contains("type integer"));
        assert!(s.admit(Some(&json!({"n": 9007199254740991.0}))).is_ok());
        assert_eq!(
            err(&s, json!({"l": ["a", 1]})),
            "spec.parameters.l[1]: must be of type string, got integer"
        );
        assert!(err(&s, json!({"q": true})).contains("integer or a string"));
        assert_eq!(
            err(&s, json!([{"n": 1}])),
            "spec.parameters: must be of type object, got array"
        );
    }

    #[test]
    fn unknown_fields_required_and_additional_properties() {
        let s = v1(json!({"type": "object", "required": ["a"], "properties": {
            "a": {"type": "string"},
            "open": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            "any": {"type": "object", "additionalProperties": true}
        }}));
        assert!(
            s.admit(Some(
                &json!({"a": "x", "open": {"z": 1}, "labels": {"k": "v"}, "any": {"z": [1]}})
            ))
            .is_ok()
        );
        assert_eq!(
            err(&s, json!({"typo": 1})),
            "spec.parameters.a: Required value"
        );
        // Unknown fields are pruned at every level, as the API server
        // stores the object; preserved and additional ones are kept.
        assert_eq!(
            s.admit(Some(&json!({"a": "x", "typo": 1, "open": {"z": 1},
                                 "labels": {"k": "v"}, "any": {"z": [1]}})))
                .unwrap(),
            Some(json!({"a": "x", "open": {"z": 1}, "labels": {"k": "v"}, "any": {"z": [1]}}))
        );
        let nested = v1(json!({"type": "object", "properties": {
            "l": {"type": "array", "items": {"type": "object", "properties": {
                "k": {"type": "string"}}}}
        }}));
        assert_eq!(
            nested
                .admit(Some(&json!({"l": [{"k": "a", "x": 1}, {"y": null}]})))
                .unwrap(),
            Some(json!({"l": [{"k": "a"}, {}]}))
        );
        assert_eq!(
            err(&s, json!({"a": "x", "labels": {"k": 1}})),
            "spec.parameters.labels[k]: must be of type string, got integer"
        );
    }

    #[test]
    fn bounds_enum_and_pattern() {
        let s = v1(json!({"type": "object", "properties": {
            "n": {"type": "integer", "minimum": 1, "maximum": 10, "exclusiveMaximum": true},
            "s": {"type": "string", "minLength": 2, "maxLength": 3, "pattern": "^[a-z]+$"},
            "l": {"type": "array", "minItems": 1, "maxItems": 2},
            "e": {"type": "string", "enum": ["Deny", "Warn"]}
        }}));
        // Lengths count characters, not bytes.
        let chars = v1(json!({"type": "string", "maxLength": 3}));
        assert!(chars.admit(Some(&json!("ééé"))).is_ok());
        assert!(chars.admit(Some(&json!("éééé"))).is_err());
        assert!(
            s.admit(Some(&json!({"n": 9, "s": "abc", "l": [1], "e": "Warn"})))
                .is_ok()
        );
        for (p, want) in [
            (json!({"n": 0}), "greater than or equal to 1"),
            (json!({"n": 10}), "less than 10"),
            (json!({"s": "a"}), "at least 2 chars"),
            (json!({"s": "abcd"}), "at most 3 chars"),
            (json!({"s": "AB"}), "should match '^[a-z]+$'"),
            (json!({"l": []}), "at least 1 items"),
            (json!({"l": [1, 2, 3]}), "at most 2 items"),
            (json!({"e": "deny"}), "supported values: \"Deny\", \"Warn\""),
        ] {
            let e = err(&s, p.clone());
            assert!(e.contains(want), "{p}: {e}");
        }
    }

    #[test]
    fn nulls_and_defaults() {
        let s = v1(json!({"type": "object", "properties": {
            "a": {"type": "string"},
            "b": {"type": "string", "nullable": true},
            "c": {"type": "string", "default": "dflt"},
            "l": {"type": "array", "items": {"type": "string"}}
        }}));
        assert_eq!(
            s.admit(Some(&json!({"a": null, "b": null}))).unwrap(),
            Some(json!({"b": null, "c": "dflt"}))
        );
        assert_eq!(
            err(&s, json!({"l": [null]})),
            "spec.parameters.l[0]: must be of type string, got null"
        );
        assert_eq!(s.admit(None).unwrap(), None);
        assert_eq!(s.admit(Some(&Value::Null)).unwrap(), None);
    }

    #[test]
    fn legacy_and_missing_schemas_keep_unknown_fields() {
        let strict = json!({"type": "object", "properties": {"a": {"type": "string"}}});
        let beta = schema(
            "templates.gatekeeper.sh/v1beta1",
            json!({"openAPIV3Schema": strict.clone()}),
        );
        assert!(beta.admit(Some(&json!({"a": "x", "b": {"c": 1}}))).is_ok());
        // Types are still checked.
        assert!(beta.admit(Some(&json!({"a": 1}))).is_err());
        let explicit = schema(
            "templates.gatekeeper.sh/v1",
            json!({"legacySchema": true, "openAPIV3Schema": strict.clone()}),
        );
        assert_eq!(
            explicit.admit(Some(&json!({"b": 1}))).unwrap(),
            Some(json!({"b": 1}))
        );
        assert_eq!(
            v1(strict).admit(Some(&json!({"b": 1}))).unwrap(),
            Some(json!({}))
        );
        let none = schema("templates.gatekeeper.sh/v1", Value::Null);
        assert_eq!(
            none.admit(Some(&json!(["anything"]))).unwrap(),
            Some(json!(["anything"]))
        );
        // A schema without type or properties says nothing.
        let loose = v1(json!({"description": "no parameters"}));
        assert!(loose.admit(Some(&json!({"x": 1}))).is_ok());
    }

    #[test]
    fn malformed_schemas_are_template_errors() {
        for (bad, want) in [
            (json!({"type": "map"}), "openAPIV3Schema.type"),
            (
                json!({"properties": {"a": {"pattern": "("}}}),
                "properties.a.pattern",
            ),
            (
                json!({"items": [{"type": "string"}]}),
                "items: must be one schema",
            ),
            (json!({"minLength": -1}), "minLength"),
            (json!({"required": "a"}), "required"),
        ] {
            let e = ParameterSchema::from_template(&json!({
                "apiVersion": "templates.gatekeeper.sh/v1",
                "spec": {"crd": {"spec": {"validation": {"openAPIV3Schema": bad}}}}
            }))
            .unwrap_err();
            assert!(e.contains(want), "{e}");
        }
    }
}
