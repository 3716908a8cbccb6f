//! Command lines parsed the way Go's `pflag` parses them for Kubernetes
//! components ([`Args::parse`]), and the way Go's standard `flag` package
//! parses them for etcd ([`Args::parse_go`]).
//!
//! - `--name=value` and `--name value`;
//! - boolean flags take no separate argument: `--name` means `true`,
//!   `--name=false` is the only way to set them false (`--name false`
//!   leaves `false` as a positional argument);
//! - a repeated flag: the last occurrence wins for scalars
//!   ([`Args::get`]); map flags such as `--feature-gates` merge key by key
//!   ([`Args::map`]);
//! - shorthands: `-v=2`, `-v 2`, `-v2`;
//! - `--` ends flag parsing;
//! - `_` in names is read as `-` (Kubernetes' word-separator normalization).

use serde::Serialize;

/// One flag occurrence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Flag {
    /// Normalized name without dashes (`kubeconfig`, `v`).
    pub name: String,
    pub value: String,
    /// The argv element(s) it came from, for evidence.
    pub raw: String,
}

/// What a component's flag takes, as far as rampart knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlagKind {
    /// A boolean: `--name` alone means `true`.
    Bool,
    /// A known non-boolean: `--name next` takes `next` as its value,
    /// whatever it looks like (pflag and Go's `flag` both do).
    Value,
    /// A flag rampart has no type for.
    Unknown,
}

/// A parsed command line.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Args {
    pub flags: Vec<Flag>,
    pub positional: Vec<String>,
}

impl Args {
    /// Parses `argv` (without the program name). `kind` says which long
    /// flag names are boolean or known to take a value; shorthand flags
    /// are never boolean here (Kubernetes components only define `-v` and
    /// `-h`).
    pub fn parse(argv: &[String], kind: &dyn Fn(&str) -> FlagKind) -> Args {
        let mut out = Args::default();
        let mut i = 0;
        while i < argv.len() {
            let a = &argv[i];
            i += 1;
            if a == "--" {
                out.positional.extend(argv[i..].iter().cloned());
                break;
            }
            if let Some(rest) = a.strip_prefix("--") {
                let (name, value) = match rest.split_once('=') {
                    Some((n, v)) => (normalize(n), Some(v.to_string())),
                    None => (normalize(rest), None),
                };
                // A flag rampart has no type for followed by another long
                // flag is read as a boolean: taking `--next=...` as its
                // value would hide the flag checks depend on
                // (`--logtostderr --anonymous-auth=true`). A known
                // non-boolean takes the next word whatever it is, as pflag
                // does.
                let (value, raw) =
                    flag_value(a, value, kind(&name), argv, &mut i, |n| n.starts_with("--"));
                out.flags.push(Flag { name, value, raw });
            } else if let Some(rest) = a.strip_prefix('-').filter(|r| !r.is_empty()) {
                let mut chars = rest.chars();
                let short = chars.next().unwrap_or_default().to_string();
                let tail = chars.as_str();
                let (value, raw) = if let Some(v) = tail.strip_prefix('=') {
                    (v.to_string(), a.clone())
                } else if !tail.is_empty() {
                    (tail.to_string(), a.clone())
                } else if let Some(next) = argv.get(i) {
                    i += 1;
                    (next.clone(), format!("{a} {next}"))
                } else {
                    (String::new(), a.clone())
                };
                out.flags.push(Flag {
                    name: short,
                    value,
                    raw,
                });
            } else {
                out.positional.push(a.clone());
            }
        }
        out
    }

    /// Parses `argv` (without the program name) the way Go's standard
    /// `flag` package does (etcd): `-name` and `--name` are the same flag;
    /// `-name=value`, or `-name value` for a non-boolean; a boolean takes
    /// no separate argument (`-name false` leaves `false` unparsed); names
    /// are not normalized; parsing stops at `--` or at the first argument
    /// that is not a flag, and everything from there on is positional.
    /// A name `kind` does not know that is followed by another flag is
    /// read as a switch, as [`Args::parse`] does.
    pub fn parse_go(argv: &[String], kind: &dyn Fn(&str) -> FlagKind) -> Args {
        let mut out = Args::default();
        let mut i = 0;
        while i < argv.len() {
            let a = &argv[i];
            if a == "--" {
                i += 1;
                break;
            }
            let rest = a.strip_prefix("--").or_else(|| a.strip_prefix('-'));
            // `-` alone, a non-flag, or bad syntax (`---x`, `-=x`): Go
            // stops here (etcd then refuses the leftovers).
            let Some(rest) = rest.filter(|r| !r.is_empty() && !r.starts_with(['-', '='])) else {
                break;
            };
            i += 1;
            let (name, value) = match rest.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (rest.to_string(), None),
            };
            let (value, raw) =
                flag_value(a, value, kind(&name), argv, &mut i, |n| n.starts_with('-'));
            out.flags.push(Flag { name, value, raw });
        }
        out.positional.extend(argv[i..].iter().cloned());
        out
    }

    /// The last occurrence of flag `name`.
    pub fn last(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().rev().find(|f| f.name == name)
    }

    /// The value of scalar flag `name` (last occurrence wins).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.last(name).map(|f| f.value.as_str())
    }

    /// A list flag (pflag `StringSlice`: the first occurrence replaces the
    /// default, later ones append), as one flag whose value joins every
    /// occurrence: `--x=a --x=b` is `a,b`, not `b`.
    pub fn list(&self, name: &str) -> Option<Flag> {
        let all: Vec<&Flag> = self.flags.iter().filter(|f| f.name == name).collect();
        if all.is_empty() {
            return None;
        }
        let join = |part: fn(&Flag) -> &str, sep: &str| {
            all.iter().map(|f| part(f)).collect::<Vec<_>>().join(sep)
        };
        Some(Flag {
            name: name.to_string(),
            value: join(|f| &f.value, ","),
            raw: join(|f| &f.raw, " "),
        })
    }

    /// Whether flag `name` was given at all.
    pub fn has(&self, name: &str) -> bool {
        self.last(name).is_some()
    }

    /// A `key=value,key=value` map flag, merged over all occurrences
    /// (later keys override earlier ones, as pflag's map values do).
    pub fn map(&self, name: &str) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for f in self.flags.iter().filter(|f| f.name == name) {
            for pair in f.value.split(',').filter(|p| !p.trim().is_empty()) {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                let (k, v) = (k.trim().to_string(), v.trim().to_string());
                match out.iter_mut().find(|(ek, _)| *ek == k) {
                    Some(e) => e.1 = v,
                    None => out.push((k, v)),
                }
            }
        }
        out
    }
}

/// The value and the raw text of flag `arg` (at `argv[*i - 1]`), given
/// after `=` or, for a flag that takes one, as the next word (consumed).
/// A flag of unknown type followed by a word `is_flag` calls a flag is a
/// switch. With no word left the value is empty: the component would
/// refuse to start ("flag needs an argument"), and the flag stays visible.
fn flag_value(
    arg: &str,
    given: Option<String>,
    kind: FlagKind,
    argv: &[String],
    i: &mut usize,
    is_flag: impl Fn(&str) -> bool,
) -> (String, String) {
    match (given, kind) {
        (Some(v), _) => (v, arg.to_string()),
        (None, FlagKind::Bool) => ("true".to_string(), arg.to_string()),
        (None, FlagKind::Unknown) if argv.get(*i).is_some_and(|n| is_flag(n)) => {
            ("true".to_string(), arg.to_string())
        }
        (None, _) => match argv.get(*i) {
            Some(next) => {
                *i += 1;
                (next.clone(), format!("{arg} {next}"))
            }
            None => (String::new(), arg.to_string()),
        },
    }
}

fn normalize(name: &str) -> String {
    name.replace('_', "-")
}

/// Go's `strconv.ParseBool`, which pflag uses for boolean flags.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

/// Whether a Go duration string (`0`, `0s`, `4h0m0s`, `1m30s`) is zero;
/// `None` when it does not parse.
pub fn duration_is_zero(s: &str) -> Option<bool> {
    let s = s.trim().trim_start_matches(['+', '-']);
    if s == "0" {
        return Some(true);
    }
    if s.is_empty() {
        return None;
    }
    let mut zero = true;
    let mut rest = s;
    while !rest.is_empty() {
        let n = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if n == 0 {
            return None;
        }
        let num: f64 = rest[..n].parse().ok()?;
        rest = &rest[n..];
        let u = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        if !matches!(
            &rest[..u],
            "ns" | "us" | "µs" | "μs" | "ms" | "s" | "m" | "h"
        ) {
            return None;
        }
        rest = &rest[u..];
        if num != 0.0 {
            zero = false;
        }
    }
    Some(zero)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| s.to_string()).collect()
    }

    fn kind_of(is_bool: bool) -> FlagKind {
        if is_bool {
            FlagKind::Bool
        } else {
            FlagKind::Unknown
        }
    }

    #[test]
    fn a_known_value_flag_takes_the_next_word_even_a_flag() {
        let kind = |n: &str| match n {
            "config" | "data-dir" => FlagKind::Value,
            _ => FlagKind::Unknown,
        };
        let a = Args::parse(
            &argv(&["--config", "--tls-cipher-suites", "--logtostderr", "--v=2"]),
            &kind,
        );
        assert_eq!(a.get("config"), Some("--tls-cipher-suites"));
        assert!(!a.has("tls-cipher-suites"));
        assert_eq!(a.get("logtostderr"), Some("true"));
        let a = Args::parse_go(&argv(&["--data-dir", "-x", "--name", "-y"]), &kind);
        assert_eq!(a.get("data-dir"), Some("-x"));
        assert_eq!(a.get("name"), Some("true"));
    }

    #[test]
    fn an_unknown_switch_never_swallows_the_next_flag() {
        let a = Args::parse(
            &argv(&["--logtostderr", "--anonymous-auth=true", "--v", "2"]),
            &|_| FlagKind::Unknown,
        );
        assert_eq!(a.get("logtostderr"), Some("true"));
        assert_eq!(a.get("anonymous-auth"), Some("true"));
        assert_eq!(a.get("v"), Some("2"));
    }

    #[test]
    fn list_flags_accumulate_over_occurrences() {
        let a = Args::parse(
            &argv(&[
                "--enable-admission-plugins=NodeRestriction",
                "--enable-admission-plugins=EventRateLimit",
                "--authorization-mode=AlwaysAllow",
            ]),
            &|_| FlagKind::Unknown,
        );
        let l = a.list("enable-admission-plugins").unwrap();
        assert_eq!(l.value, "NodeRestriction,EventRateLimit");
        assert_eq!(a.get("enable-admission-plugins"), Some("EventRateLimit"));
        assert_eq!(a.list("authorization-mode").unwrap().value, "AlwaysAllow");
        assert!(a.list("nope").is_none());
    }

    #[test]
    fn pflag_forms() {
        let is_bool = |n: &str| kind_of(n == "anonymous-auth" || n == "rotate-certificates");
        let a = Args::parse(
            &argv(&[
                "--kubeconfig",
                "/etc/kubernetes/kubelet.conf",
                "--anonymous-auth",
                "--read-only-port=10255",
                "--read_only_port=0",
                "-v=2",
                "--rotate-certificates=false",
                "--feature-gates=A=true,B=false",
                "--feature-gates=B=true",
                "pos",
                "--",
                "--not-a-flag",
            ]),
            &is_bool,
        );
        assert_eq!(a.get("kubeconfig"), Some("/etc/kubernetes/kubelet.conf"));
        assert_eq!(a.get("anonymous-auth"), Some("true"));
        assert_eq!(a.get("read-only-port"), Some("0"));
        assert_eq!(a.get("v"), Some("2"));
        assert_eq!(a.get("rotate-certificates"), Some("false"));
        assert_eq!(
            a.map("feature-gates"),
            vec![("A".into(), "true".into()), ("B".into(), "true".into())]
        );
        assert_eq!(a.positional, argv(&["pos", "--not-a-flag"]));
    }

    #[test]
    fn bool_flag_does_not_eat_next_argument() {
        let a = Args::parse(&argv(&["--anonymous-auth", "false"]), &|n| {
            kind_of(n == "anonymous-auth")
        });
        assert_eq!(a.get("anonymous-auth"), Some("true"));
        assert_eq!(a.positional, argv(&["false"]));
    }

    #[test]
    fn go_flag_forms_and_stop_at_the_first_positional() {
        let is_bool = |n: &str| kind_of(n == "client-cert-auth" || n == "auto-tls");
        let a = Args::parse_go(
            &argv(&[
                "-cert-file",
                "/a.crt",
                "--key-file=/a.key",
                "-auto-tls",
                "--client-cert-auth",
                "false",
                "--peer-auto-tls=true",
            ]),
            &is_bool,
        );
        assert_eq!(a.get("cert-file"), Some("/a.crt"));
        assert_eq!(a.get("key-file"), Some("/a.key"));
        assert_eq!(a.get("auto-tls"), Some("true"));
        assert_eq!(a.get("client-cert-auth"), Some("true"));
        // `false` is a positional: parsing stops, the rest is not a flag.
        assert!(!a.has("peer-auto-tls"));
        assert_eq!(a.positional, argv(&["false", "--peer-auto-tls=true"]));
        // No `_` → `-` normalization in Go's flag package.
        let a = Args::parse_go(&argv(&["--data_dir=/x"]), &|_| FlagKind::Unknown);
        assert_eq!(a.get("data-dir"), None);
        assert_eq!(a.get("data_dir"), Some("/x"));
    }

    #[test]
    fn durations() {
        assert_eq!(duration_is_zero("0"), Some(true));
        assert_eq!(duration_is_zero("0s"), Some(true));
        assert_eq!(duration_is_zero("0h0m0s"), Some(true));
        assert_eq!(duration_is_zero("4h0m0s"), Some(false));
        assert_eq!(duration_is_zero("5m"), Some(false));
        assert_eq!(duration_is_zero("abc"), None);
    }
}
