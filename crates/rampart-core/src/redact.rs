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
    // Case-insensitive substring test without allocating: this runs on
    // every string field of every object that has a finding.
    let k = key.as_bytes();
    CREDENTIAL_WORDS.iter().any(|w| {
        k.windows(w.len())
            .any(|window| window.eq_ignore_ascii_case(w.as_bytes()))
    })
}

/// The 1-based lines of this object that hold a scalar that may be a
/// secret, sorted. One walk per object, however many findings it has.
pub fn secret_lines(root: &Node) -> Vec<u32> {
    fn walk(node: &Node, sensitive: bool, out: &mut Vec<u32>) {
        match &node.value {
            Value::Map(entries) => {
                for e in entries.iter() {
                    let sensitive = sensitive
                        || matches!(&*e.key, "data" | "stringData" | "binaryData" | "value")
                        || e.key == "kubectl.kubernetes.io/last-applied-configuration"
                        || (matches!(e.value.value, Value::Str(_)) && credential_name(&e.key));
                    walk(&e.value, sensitive, out);
                }
            }
            Value::Seq(items) => items.iter().for_each(|i| walk(i, sensitive, out)),
            _ if sensitive => out.extend(node.start.line..=node.end.line),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(root, false, &mut out);
    out.sort_unstable();
    out.dedup();
    out
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
        let secret = secret_lines(&root);
        (1..=y.lines().count() as u32)
            .map(|l| secret.binary_search(&l).is_ok())
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
