//! `labelSelector` and `fieldSelector` query parameters, in the string
//! syntax the apiserver parses (`k8s.io/apimachinery/pkg/labels` and
//! `.../fields`). rampart asks for secrets by `type` this way, so these
//! filter rather than being ignored.

#[derive(Debug, PartialEq)]
pub(crate) enum Label {
    Eq(String, String),
    NotEq(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

/// Splits at commas outside parentheses.
fn terms(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out.into_iter()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect()
}

fn key(k: &str, whole: &str) -> Result<String, String> {
    let k = k.trim();
    if k.is_empty() || k.contains(char::is_whitespace) {
        return Err(format!(
            "unable to parse requirement: invalid label key {whole:?}"
        ));
    }
    Ok(k.to_string())
}

pub(crate) fn parse_labels(s: &str) -> Result<Vec<Label>, String> {
    terms(s)
        .into_iter()
        .map(|t| {
            if let Some(k) = t.strip_prefix('!') {
                return Ok(Label::NotExists(key(k, t)?));
            }
            if let (Some(open), true) = (t.find('('), t.ends_with(')')) {
                let head = t[..open].trim();
                let values: Vec<String> = t[open + 1..t.len() - 1]
                    .split(',')
                    .map(|v| v.trim().to_string())
                    .filter(|v| !v.is_empty())
                    .collect();
                if let Some(k) = head.strip_suffix("notin") {
                    return Ok(Label::NotIn(key(k, t)?, values));
                }
                if let Some(k) = head.strip_suffix("in") {
                    return Ok(Label::In(key(k, t)?, values));
                }
                return Err(format!("unable to parse requirement: {t:?}"));
            }
            if let Some((k, v)) = t.split_once("!=") {
                return Ok(Label::NotEq(key(k, t)?, v.trim().to_string()));
            }
            if let Some((k, v)) = t.split_once("==").or_else(|| t.split_once('=')) {
                return Ok(Label::Eq(key(k, t)?, v.trim().to_string()));
            }
            Ok(Label::Exists(key(t, t)?))
        })
        .collect()
}

pub(crate) fn labels_match(selector: &[Label], labels: &[(String, String)]) -> bool {
    let get = |k: &str| labels.iter().find(|(lk, _)| lk == k).map(|(_, v)| v);
    selector.iter().all(|r| match r {
        Label::Eq(k, v) => get(k) == Some(v),
        Label::NotEq(k, v) => get(k) != Some(v),
        Label::In(k, vs) => get(k).is_some_and(|v| vs.contains(v)),
        Label::NotIn(k, vs) => get(k).is_none_or(|v| !vs.contains(v)),
        Label::Exists(k) => get(k).is_some(),
        Label::NotExists(k) => get(k).is_none(),
    })
}

/// One `field=value` or `field!=value` term.
#[derive(Debug, PartialEq)]
pub(crate) struct Field {
    pub field: String,
    pub equal: bool,
    pub value: String,
}

pub(crate) fn parse_fields(s: &str) -> Result<Vec<Field>, String> {
    terms(s)
        .into_iter()
        .map(|t| {
            let (field, equal, value) = if let Some((f, v)) = t.split_once("!=") {
                (f, false, v)
            } else if let Some((f, v)) = t.split_once("==").or_else(|| t.split_once('=')) {
                (f, true, v)
            } else {
                return Err(format!("invalid selector: '{t}'; can't understand '{t}'"));
            };
            Ok(Field {
                field: field.trim().to_string(),
                equal,
                value: value.trim().to_string(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn label_selectors() {
        let s = parse_labels("app=web, tier in (a, b),!canary,env!=prod,team").unwrap();
        assert_eq!(s.len(), 5);
        assert!(labels_match(
            &s,
            &l(&[("app", "web"), ("tier", "b"), ("team", "x")])
        ));
        assert!(!labels_match(
            &s,
            &l(&[("app", "web"), ("tier", "c"), ("team", "x")])
        ));
        assert!(!labels_match(
            &s,
            &l(&[("app", "web"), ("tier", "a"), ("team", "x"), ("canary", "")])
        ));
        let s = parse_labels("tier notin (a)").unwrap();
        assert_eq!(s, [Label::NotIn("tier".into(), vec!["a".into()])]);
        assert!(labels_match(&s, &[]));
        assert!(parse_labels("").unwrap().is_empty());
        assert!(parse_labels("a b").is_err());
    }

    #[test]
    fn field_selectors() {
        let f = parse_fields("type=kubernetes.io/service-account-token,metadata.name!=x").unwrap();
        assert_eq!(f.len(), 2);
        assert!(f[0].equal && !f[1].equal);
        assert_eq!(f[0].value, "kubernetes.io/service-account-token");
        assert!(parse_fields("nonsense").is_err());
    }
}
