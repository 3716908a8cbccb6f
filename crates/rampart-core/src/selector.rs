//! Kubernetes label selectors, matched exactly as
//! `metav1.LabelSelectorAsSelector` and `labels.Selector` do.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    pub key: String,
    pub op: Op,
    pub values: Vec<String>,
}

/// A parsed selector. `Nothing` is what a null selector means where
/// Kubernetes treats absence as "select nothing"; an empty selector (`{}`)
/// selects everything.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selector {
    Nothing,
    /// All requirements must hold; none means everything.
    All(Vec<Requirement>),
}

impl Selector {
    /// Converts a `LabelSelector` field. `None` (the field absent or null)
    /// selects nothing, `Some({})` everything. Invalid selectors (an
    /// unknown operator, `In`/`NotIn` without values, `Exists`/
    /// `DoesNotExist` with values) are errors, as the API server rejects
    /// them.
    pub fn from_label_selector(selector: Option<&LabelSelector>) -> Result<Selector, String> {
        let Some(s) = selector else {
            return Ok(Selector::Nothing);
        };
        let mut reqs = Vec::new();
        for (k, v) in s.match_labels.iter().flatten() {
            reqs.push(Requirement {
                key: k.clone(),
                op: Op::In,
                values: vec![v.clone()],
            });
        }
        for e in s.match_expressions.iter().flatten() {
            let values = e.values.clone().unwrap_or_default();
            let op = match e.operator.as_str() {
                "In" => Op::In,
                "NotIn" => Op::NotIn,
                "Exists" => Op::Exists,
                "DoesNotExist" => Op::DoesNotExist,
                other => return Err(format!("`{other}` is not a valid selector operator")),
            };
            match op {
                Op::In | Op::NotIn if values.is_empty() => {
                    return Err(format!(
                        "operator {} for key `{}` needs at least one value",
                        e.operator, e.key
                    ));
                }
                Op::Exists | Op::DoesNotExist if !values.is_empty() => {
                    return Err(format!(
                        "operator {} for key `{}` takes no values",
                        e.operator, e.key
                    ));
                }
                _ => {}
            }
            reqs.push(Requirement {
                key: e.key.clone(),
                op,
                values,
            });
        }
        Ok(Selector::All(reqs))
    }

    pub fn matches<'a>(&self, label: impl Fn(&str) -> Option<&'a str>) -> bool {
        match self {
            Selector::Nothing => false,
            Selector::All(reqs) => reqs.iter().all(|r| {
                let value = label(&r.key);
                match r.op {
                    Op::In => value.is_some_and(|v| r.values.iter().any(|x| x == v)),
                    // NotIn also matches objects without the key.
                    Op::NotIn => value.is_none_or(|v| !r.values.iter().any(|x| x == v)),
                    Op::Exists => value.is_some(),
                    Op::DoesNotExist => value.is_none(),
                }
            }),
        }
    }

    /// An equality requirement (`key = value`) an index can look up, if any.
    pub fn equality(&self) -> Option<(&str, &str)> {
        match self {
            Selector::All(reqs) => reqs
                .iter()
                .find(|r| r.op == Op::In && r.values.len() == 1)
                .map(|r| (r.key.as_str(), r.values[0].as_str())),
            Selector::Nothing => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelectorRequirement;
    use std::collections::BTreeMap;

    fn labels(pairs: &[(&'static str, &'static str)]) -> impl Fn(&str) -> Option<&'static str> {
        let map: BTreeMap<&str, &str> = pairs.iter().copied().collect();
        move |k| map.get(k).copied()
    }

    fn expr(key: &str, op: &str, values: &[&str]) -> LabelSelectorRequirement {
        LabelSelectorRequirement {
            key: key.into(),
            operator: op.into(),
            values: (!values.is_empty()).then(|| values.iter().map(|s| s.to_string()).collect()),
        }
    }

    #[test]
    fn null_selects_nothing_and_empty_selects_everything() {
        assert!(
            !Selector::from_label_selector(None)
                .unwrap()
                .matches(labels(&[]))
        );
        let empty = LabelSelector::default();
        let all = Selector::from_label_selector(Some(&empty)).unwrap();
        assert!(all.matches(labels(&[])));
        assert!(all.matches(labels(&[("a", "b")])));
    }

    #[test]
    fn operators() {
        let s = LabelSelector {
            match_labels: Some(BTreeMap::from([("app".to_string(), "web".to_string())])),
            match_expressions: Some(vec![
                expr("tier", "NotIn", &["db"]),
                expr("team", "Exists", &[]),
                expr("legacy", "DoesNotExist", &[]),
                expr("env", "In", &["prod", "stage"]),
            ]),
        };
        let s = Selector::from_label_selector(Some(&s)).unwrap();
        assert!(s.matches(labels(&[("app", "web"), ("team", "x"), ("env", "prod")])));
        // NotIn matches when the key is absent, fails when the value is listed.
        assert!(!s.matches(labels(&[
            ("app", "web"),
            ("team", "x"),
            ("env", "prod"),
            ("tier", "db")
        ])));
        assert!(!s.matches(labels(&[("app", "web"), ("env", "prod")])));
        assert!(!s.matches(labels(&[
            ("app", "web"),
            ("team", "x"),
            ("env", "prod"),
            ("legacy", "")
        ])));
        assert!(!s.matches(labels(&[("app", "web"), ("team", "x"), ("env", "dev")])));
        assert_eq!(s.equality(), Some(("app", "web")));
    }

    #[test]
    fn invalid_selectors_are_errors() {
        for (op, values) in [
            ("In", &[][..]),
            ("NotIn", &[][..]),
            ("Exists", &["x"][..]),
            ("Equals", &["x"][..]),
        ] {
            let s = LabelSelector {
                match_expressions: Some(vec![expr("k", op, values)]),
                ..Default::default()
            };
            assert!(Selector::from_label_selector(Some(&s)).is_err(), "{op}");
        }
    }
}
