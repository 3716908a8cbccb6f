//! A minimal YAML emitter: just enough to write Kubernetes manifests in
//! block style with flow-style fragments, quoting scalars only when a
//! YAML 1.1 reader (go-yaml v2, as kubectl uses) would otherwise read
//! something other than the intended string.

use std::fmt::{Display, Write as _};

/// Whether `s` can be written as a plain scalar and still be read back as
/// the same string. Conservative: a false "needs quotes" only costs two
/// bytes, a false "plain is fine" yields a manifest Kubernetes rejects.
pub fn plain_ok(s: &str, flow: bool) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    // Indicators that start something else than a plain scalar, plus
    // `-`, `+` and `.` which start numbers (`-1`, `+1`, `.5`, `.inf`).
    if "-?:,[]{}#&*!|>'\"%@`+.=<~ \t".contains(first) {
        return false;
    }
    if s.ends_with([':', ' ', '\t'])
        || s.contains(": ")
        || s.contains(" #")
        || s.chars().any(char::is_control)
    {
        return false;
    }
    if flow && s.contains([',', '[', ']', '{', '}', ':']) {
        return false;
    }
    // YAML 1.1 booleans and nulls (go-yaml v2 also takes `y` and `n`).
    const WORDS: &[&str] = &["y", "n", "yes", "no", "true", "false", "on", "off", "null"];
    if WORDS.iter().any(|w| s.eq_ignore_ascii_case(w)) {
        return false;
    }
    // Anything shaped like a number: decimal, hex/octal/binary, floats with
    // exponents, `1_000`, base-60 `1:30`, dates. Versions such as `1.4.2`
    // land here too, which is harmless.
    if first.is_ascii_digit()
        && s.chars()
            .all(|c| c.is_ascii_hexdigit() || "xXoObB_.:+-".contains(c))
    {
        return false;
    }
    true
}

/// `s` as a YAML double-quoted scalar.
pub fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `s` as a scalar in block context: plain when that is safe.
pub fn scalar(s: &str) -> std::borrow::Cow<'_, str> {
    if plain_ok(s, false) {
        s.into()
    } else {
        double_quoted(s).into()
    }
}

fn flow_scalar(s: &str) -> std::borrow::Cow<'_, str> {
    if plain_ok(s, true) {
        s.into()
    } else {
        double_quoted(s).into()
    }
}

/// `[a, b, c]`; `quote_all` writes every item double-quoted, as many
/// hand-written manifests do (`command: ["sh", "-c", "..."]`).
pub fn flow_seq(items: &[&str], quote_all: bool) -> String {
    let mut out = String::from("[");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        if quote_all {
            out.push_str(&double_quoted(item));
        } else {
            out.push_str(&flow_scalar(item));
        }
    }
    out.push(']');
    out
}

/// `{k: v, ...}` with string values. Keys are written plain: callers only
/// pass label keys and field names, which never need quoting.
pub fn flow_map<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> String {
    let mut out = String::from("{");
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        debug_assert!(plain_ok(k.as_ref(), true), "flow key {}", k.as_ref());
        out.push_str(k.as_ref());
        out.push_str(": ");
        out.push_str(&flow_scalar(v.as_ref()));
    }
    out.push('}');
    out
}

/// Block-style emitter. Every method takes the indentation of the line it
/// writes; [`Yaml::item`] turns the next line into a sequence entry.
#[derive(Default)]
pub struct Yaml {
    pub out: String,
    /// Set by `item(ind)`: the next line (at `ind + 2`) starts with `- `
    /// at column `ind` instead of spaces.
    dash: Option<usize>,
}

impl Yaml {
    fn start(&mut self, ind: usize) {
        match self.dash.take() {
            Some(d) => {
                debug_assert_eq!(d + 2, ind, "sequence entry content must be 2 deeper");
                self.pad(d);
                self.out.push_str("- ");
            }
            None => self.pad(ind),
        }
    }

    fn pad(&mut self, n: usize) {
        self.out.extend(std::iter::repeat_n(' ', n));
    }

    /// `key:` opening a nested block.
    pub fn key(&mut self, ind: usize, key: &str) {
        self.start(ind);
        self.out.push_str(key);
        self.out.push_str(":\n");
    }

    /// `key: value` with `value` quoted as needed.
    pub fn str(&mut self, ind: usize, key: &str, value: &str) {
        self.start(ind);
        let _ = writeln!(self.out, "{key}: {}", scalar(value));
    }

    /// `key: value` written verbatim: numbers, booleans, flow collections.
    pub fn raw(&mut self, ind: usize, key: &str, value: impl Display) {
        self.start(ind);
        let _ = writeln!(self.out, "{key}: {value}");
    }

    /// Makes the next line, written at `ind + 2`, a sequence entry whose
    /// dash sits at column `ind`.
    pub fn item(&mut self, ind: usize) {
        debug_assert!(self.dash.is_none());
        self.dash = Some(ind);
    }

    /// `- value` for a sequence of strings.
    pub fn str_item(&mut self, ind: usize, value: &str) {
        self.start(ind);
        let _ = writeln!(self.out, "- {}", scalar(value));
    }

    /// A block scalar (`|`, `|-`, `>-`) whose lines are indented at `ind + 2`.
    /// `text` must not start with a space (no indentation indicator is
    /// written) and its lines must not end with whitespace.
    pub fn block(&mut self, ind: usize, key: &str, style: &str, text: &str) {
        debug_assert!(!text.starts_with(' '));
        self.start(ind);
        let _ = writeln!(self.out, "{key}: {style}");
        for line in text.lines() {
            if !line.is_empty() {
                self.pad(ind + 2);
                self.out.push_str(line);
            }
            self.out.push('\n');
        }
    }

    /// A line written as is (comments, `---`).
    pub fn line(&mut self, text: &str) {
        debug_assert!(self.dash.is_none());
        self.out.push_str(text);
        self.out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        for s in [
            "",
            "true",
            "True",
            "yes",
            "on",
            "Off",
            "n",
            "null",
            "~",
            "1",
            "1.0",
            "0644",
            "0x1f",
            "1e3",
            "1_000",
            "1:30",
            "2024-05-01",
            "-1",
            ".5",
            ".inf",
            "*",
            "a: b",
            "a #b",
            "@x",
            "-Xmx512m",
        ] {
            assert!(!plain_ok(s, false), "{s:?} must be quoted");
        }
        for s in [
            "nginx",
            "100m",
            "512Mi",
            "v1.2.3",
            "nginx:1.25",
            "http://x:80/a",
            "10.0.0.0/8",
            "a,b",
            "25%",
        ] {
            assert!(plain_ok(s, false), "{s:?} can be plain");
        }
        assert!(!plain_ok("a,b", true));
        assert!(!plain_ok("nginx:1.25", true));
        assert_eq!(double_quoted("a\"b\\c\n"), r#""a\"b\\c\n""#);
    }
}
