//! A constraint's `spec.match`, decided as Gatekeeper's `match.Matches`
//! does for each of the request's object and old object (a request
//! matches when either does).

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use rampart_core::selector::Selector;
use serde_json::Value;

use crate::Request;

#[derive(Debug)]
pub(super) struct Match {
    /// `(apiGroups, kinds)`; empty matches every kind.
    kinds: Vec<(Vec<String>, Vec<String>)>,
    scope: Scope,
    namespaces: Vec<String>,
    excluded_namespaces: Vec<String>,
    label_selector: Option<Selector>,
    namespace_selector: Option<Selector>,
    /// `""` matches every name.
    name: String,
}

#[derive(Debug, PartialEq)]
enum Scope {
    Cluster,
    Namespaced,
    /// `*`, absent, and (as in Gatekeeper) any unrecognised value.
    All,
}

impl Match {
    pub(super) fn parse(m: &Value) -> Result<Match, String> {
        if !(m.is_null() || m.is_object()) {
            return Err("must be an object".to_string());
        }
        let strings = |v: &Value, what: &str| -> Result<Vec<String>, String> {
            match v {
                Value::Null => Ok(Vec::new()),
                Value::Array(a) => a
                    .iter()
                    .map(|s| {
                        s.as_str()
                            .map(str::to_string)
                            .ok_or(format!("{what} must be strings"))
                    })
                    .collect(),
                _ => Err(format!("{what} must be a list of strings")),
            }
        };
        let kinds = match &m["kinds"] {
            Value::Null => Vec::new(),
            Value::Array(a) => a
                .iter()
                .map(|k| {
                    Ok((
                        strings(&k["apiGroups"], "kinds[].apiGroups")?,
                        strings(&k["kinds"], "kinds[].kinds")?,
                    ))
                })
                .collect::<Result<_, String>>()?,
            _ => return Err("kinds must be a list".to_string()),
        };
        let selector = |v: &Value, what: &str| -> Result<Option<Selector>, String> {
            if v.is_null() {
                return Ok(None);
            }
            let s: LabelSelector =
                serde_json::from_value(v.clone()).map_err(|e| format!("{what}: {e}"))?;
            Selector::from_label_selector(Some(&s))
                .map(Some)
                .map_err(|e| format!("{what}: {e}"))
        };
        Ok(Match {
            kinds,
            scope: match m["scope"].as_str() {
                Some("Cluster") => Scope::Cluster,
                Some("Namespaced") => Scope::Namespaced,
                _ => Scope::All,
            },
            namespaces: strings(&m["namespaces"], "namespaces")?,
            excluded_namespaces: strings(&m["excludedNamespaces"], "excludedNamespaces")?,
            label_selector: selector(&m["labelSelector"], "labelSelector")?,
            namespace_selector: selector(&m["namespaceSelector"], "namespaceSelector")?,
            name: m["name"].as_str().unwrap_or_default().to_string(),
        })
    }

    /// Whether the constraint applies to `req`, whose object (after the
    /// webhook's DELETE substitution) is `object`. An error when the match
    /// cannot be decided: a namespaceSelector for a namespaced object
    /// whose Namespace is not known.
    pub(super) fn matches(&self, req: &Request, object: Option<&Value>) -> Result<bool, String> {
        let objects: Vec<&Value> = object.into_iter().chain(req.old_object.as_ref()).collect();
        if objects.is_empty() {
            return Err("neither object nor oldObject is set".to_string());
        }
        for obj in objects {
            if self.matches_object(req, obj)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn matches_object(&self, req: &Request, obj: &Value) -> Result<bool, String> {
        let group = &req.kind.group;
        let kind = &req.kind.name;
        let is_namespace = group.is_empty() && kind == "Namespace";
        let ns_object = req.namespace_object.as_ref();
        // The object's own namespace, or the request's when the object
        // does not carry it (it is set by the API server on create).
        let obj_namespace = obj["metadata"]["namespace"]
            .as_str()
            .filter(|n| !n.is_empty())
            .unwrap_or(&req.namespace);
        let has_namespace = !obj_namespace.is_empty() || ns_object.is_some();

        // kinds
        if !self.kinds.is_empty()
            && !self.kinds.iter().any(|(groups, kinds)| {
                (kinds.is_empty() || kinds.iter().any(|k| k == "*" || k == kind))
                    && (groups.is_empty() || groups.iter().any(|g| g == "*" || g == group))
            })
        {
            return Ok(false);
        }
        // scope
        let scope_ok = match self.scope {
            Scope::Cluster => is_namespace || !has_namespace,
            Scope::Namespaced => !is_namespace && has_namespace,
            Scope::All => true,
        };
        if !scope_ok {
            return Ok(false);
        }
        // namespaces / excludedNamespaces: a Namespace is matched by its
        // own name; other cluster-scoped objects are never disqualified.
        let namespace = if is_namespace {
            obj["metadata"]["name"].as_str().unwrap_or(&req.name)
        } else if let Some(n) = ns_object.and_then(|n| n["metadata"]["name"].as_str()) {
            n
        } else {
            obj_namespace
        };
        if !namespace.is_empty() || is_namespace {
            if !self.namespaces.is_empty()
                && !self.namespaces.iter().any(|w| wildcard(w, namespace))
            {
                return Ok(false);
            }
            if self
                .excluded_namespaces
                .iter()
                .any(|w| wildcard(w, namespace))
            {
                return Ok(false);
            }
        }
        // labelSelector, on the object's labels.
        if let Some(s) = &self.label_selector {
            let l = &obj["metadata"]["labels"];
            if !s.matches(|k| l[k].as_str()) {
                return Ok(false);
            }
        }
        // namespaceSelector, on the Namespace's labels (the object's own
        // for a Namespace); cluster-scoped objects always match.
        if let Some(s) = &self.namespace_selector {
            let source = if is_namespace {
                Some(obj)
            } else if ns_object.is_none() && obj_namespace.is_empty() {
                None
            } else {
                Some(ns_object.ok_or(format!(
                    "namespaceSelector needs the Namespace {obj_namespace}, which is not known"
                ))?)
            };
            if let Some(src) = source {
                let l = &src["metadata"]["labels"];
                if !s.matches(|k| l[k].as_str()) {
                    return Ok(false);
                }
            }
        }
        // name
        let name = obj["metadata"]["name"].as_str().unwrap_or(&req.name);
        Ok(self.name.is_empty() || wildcard(&self.name, name))
    }
}

/// Gatekeeper's `Wildcard`: a leading and/or trailing `*` globs a suffix,
/// prefix or substring; otherwise the match is exact.
fn wildcard(pattern: &str, candidate: &str) -> bool {
    match (pattern.strip_prefix('*'), pattern.strip_suffix('*')) {
        (Some(rest), Some(_)) if pattern.len() >= 2 => candidate.contains(&rest[..rest.len() - 1]),
        (Some(suffix), _) => candidate.ends_with(suffix),
        (None, Some(prefix)) => candidate.starts_with(prefix),
        (None, None) => pattern == candidate,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_are_prefix_suffix_or_substring_globs() {
        assert!(wildcard("kube-*", "kube-system"));
        assert!(!wildcard("kube-*", "my-kube-system"));
        assert!(wildcard("*-system", "gatekeeper-system"));
        assert!(!wildcard("*-system", "system-x"));
        assert!(wildcard("*ube*", "kube-public"));
        assert!(wildcard("*", "anything"));
        assert!(wildcard("default", "default"));
        assert!(!wildcard("default", "default2"));
    }
}
