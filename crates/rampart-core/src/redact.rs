//! Which source lines may hold a secret, so that no report quotes them.
//!
//! Findings point at lines, and the text report shows the offending line.
//! A line can carry more than the offending field: a flow mapping such as
//! `env: [{name: TOKEN, value: ...}]` puts a credential on the same line as
//! the container it belongs to. Rather than guess from the text, this looks
//! at the tree: a line is unsafe to quote when it holds a value of a field
//! that carries data (`data`, `stringData`, `binaryData`, env `value`), a
//! field whose name says it is a credential, or kubectl's
//! last-applied-configuration annotation (a copy of the whole object).

use crate::node::{Node, Value};

const CREDENTIAL_WORDS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "secret",
    "token",
    "apikey",
    "api_key",
    "api-key",
    "credential",
    "private",
    "auth",
    "cert",
    "key",
];

fn credential_name(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    CREDENTIAL_WORDS.iter().any(|w| k.contains(w))
}

/// True when a scalar on 1-based `line` of this object may be a secret.
pub fn line_holds_secret(root: &Node, line: u32) -> bool {
    // Only a subtree that reaches `line` can hold a value on it.
    fn walk(node: &Node, line: u32, sensitive: bool) -> bool {
        if node.end.line < line || node.start.line > line {
            return false;
        }
        match &node.value {
            Value::Map(entries) => entries.iter().any(|e| {
                let sensitive = sensitive
                    || matches!(&*e.key, "data" | "stringData" | "binaryData" | "value")
                    || e.key == "kubectl.kubernetes.io/last-applied-configuration"
                    || (matches!(e.value.value, Value::Str(_)) && credential_name(&e.key));
                walk(&e.value, line, sensitive)
            }),
            Value::Seq(items) => items.iter().any(|i| walk(i, line, sensitive)),
            _ => sensitive && node.start.line <= line && node.end.line >= line,
        }
    }
    walk(root, line, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, parse_document};

    fn lines(y: &str) -> Vec<bool> {
        let root = parse_document(y, 1, Limits::default())
            .unwrap()
            .root
            .unwrap();
        (1..=y.lines().count() as u32)
            .map(|l| line_holds_secret(&root, l))
            .collect()
    }

    #[test]
    fn value_carrying_lines() {
        let y = "kind: Pod\nspec:\n  containers:\n  - {name: a, image: a:1, env: [{name: T, value: s3cr3t}]}\n  - name: b\n    image: b:1\n    env:\n    - name: MODE\n      value: fast\n";
        assert_eq!(
            lines(y),
            [false, false, false, true, false, false, false, false, true]
        );
        let y = "kind: Secret\ndata:\n  token: abc\nmetadata:\n  name: s\n  annotations:\n    db-password: hunter2\n    team: core\n";
        assert_eq!(
            lines(y),
            [false, false, true, false, false, false, true, false]
        );
    }
}
