//! Host access: the SSH daemon's effective configuration and the checks
//! `host.1`–`host.3` (worded after the CIS distribution benchmarks, which
//! the CIS Kubernetes Benchmark leaves host hardening to).
//!
//! `/etc/ssh/sshd_config` is read the way OpenSSH's sshd reads it
//! (sshd_config(5)):
//! - keywords are case-insensitive; `Keyword value`, `Keyword=value` and
//!   `Keyword = value` are the same; a word starting with `#` ends the line;
//!   double quotes group a value;
//! - for each keyword the *first* value obtained wins;
//! - `Include` takes paths relative to `/etc/ssh` or absolute, with glob(3)
//!   patterns expanded in lexical order; included files are read in place,
//!   recursively (at most 16 deep, as sshd), a missing pattern match is not
//!   an error; an `Include` inside a `Match` block makes the included lines
//!   conditional on that block, and a `Match` line inside an included file
//!   ends at the end of that file;
//! - a `Match` block lasts until the next `Match` line. For a connection
//!   that one or more blocks match, sshd takes the first value those blocks
//!   set, and the global value only when none sets it — so a block that
//!   sets a weaker value weakens every connection it matches, and is
//!   reported with its criteria;
//! - unset keywords take OpenSSH's defaults (≥ 7.0: `PermitRootLogin
//!   prohibit-password`, `PasswordAuthentication yes`,
//!   `KbdInteractiveAuthentication yes`, `PermitEmptyPasswords no`,
//!   `UsePAM no`).
//!
//! Only the configuration file is modelled: options given to sshd with
//! `-o` on its command line are not seen.

use std::collections::HashMap;

use crate::checks::{Assessment, CheckDef, Facts, Outcome, Verdict};
use crate::root::NodeRoot;

/// The daemon's main configuration file.
pub const SSHD_CONFIG: &str = "/etc/ssh/sshd_config";
/// Where relative `Include` paths are anchored (sshd's `SSHDIR`).
const SSH_DIR: &str = "/etc/ssh";
/// sshd's include depth limit (`SERVCONF_MAX_DEPTH`).
const MAX_DEPTH: usize = 16;

/// One keyword's first value in a context, and where it was set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Value {
    /// The first argument as written.
    pub value: String,
    /// `file:line`.
    pub at: String,
}

/// A `Match` block (or an included file's block nested in one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchBlock {
    /// The criteria as written; nested blocks are joined with ` and `.
    pub criteria: String,
    /// `file:line` of the `Match` line.
    pub at: String,
    values: HashMap<String, Value>,
}

/// What sshd would read, keyed by lower-case keyword.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SshdConfig {
    global: HashMap<String, Value>,
    /// In file order.
    pub blocks: Vec<MatchBlock>,
    /// Files read, in order.
    pub files: Vec<String>,
    /// Why the configuration may be incomplete (unreadable include,
    /// include depth exceeded): sshd itself would refuse to start.
    pub problems: Vec<String>,
}

/// Old keyword names sshd still accepts for the same option.
fn canonical(keyword: &str) -> String {
    let k = keyword.to_ascii_lowercase();
    match k.as_str() {
        // Renamed in OpenSSH 8.7; both set the same option.
        "challengeresponseauthentication" => "kbdinteractiveauthentication".to_string(),
        _ => k,
    }
}

impl SshdConfig {
    /// The global value of `keyword` (first set outside any `Match`).
    pub fn global(&self, keyword: &str) -> Option<&Value> {
        self.global.get(&canonical(keyword))
    }
}

impl MatchBlock {
    /// The first value of `keyword` this block sets.
    pub fn get(&self, keyword: &str) -> Option<&Value> {
        self.values.get(&canonical(keyword))
    }
}

/// Reads `/etc/ssh/sshd_config` under `root`; `Ok(None)` when it does not
/// exist.
pub fn load(root: &NodeRoot) -> std::io::Result<Option<SshdConfig>> {
    let text = match root.read_to_string(SSHD_CONFIG) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut cfg = SshdConfig::default();
    parse_into(root, SSHD_CONFIG, &text, None, 0, &mut cfg);
    Ok(Some(cfg))
}

/// Parses one file's `text` in context `outer` (the `Match` block an
/// `Include` appeared in, if any).
fn parse_into(
    root: &NodeRoot,
    file: &str,
    text: &str,
    outer: Option<usize>,
    depth: usize,
    cfg: &mut SshdConfig,
) {
    cfg.files.push(file.to_string());
    let mut current = outer;
    for (i, line) in text.lines().enumerate() {
        let at = format!("{file}:{}", i + 1);
        let Some((keyword, args)) = split_line(line) else {
            continue;
        };
        match keyword.as_str() {
            "match" => {
                let own = args.join(" ");
                let criteria = match outer {
                    Some(o) => format!("{} and {own}", cfg.blocks[o].criteria),
                    None => own,
                };
                cfg.blocks.push(MatchBlock {
                    criteria,
                    at,
                    values: HashMap::new(),
                });
                current = Some(cfg.blocks.len() - 1);
            }
            "include" => {
                if depth + 1 > MAX_DEPTH {
                    cfg.problems.push(format!(
                        "{at}: includes nest deeper than {MAX_DEPTH} levels (sshd refuses this)"
                    ));
                    continue;
                }
                for pattern in &args {
                    let pattern = if pattern.starts_with('/') {
                        pattern.clone()
                    } else {
                        format!("{SSH_DIR}/{pattern}")
                    };
                    for path in glob(root, &pattern) {
                        match root.read_to_string(&path) {
                            Ok(t) => parse_into(root, &path, &t, current, depth + 1, cfg),
                            Err(e) => cfg
                                .problems
                                .push(format!("{at}: cannot read included {path}: {e}")),
                        }
                    }
                }
            }
            _ => {
                let Some(first) = args.first() else {
                    continue;
                };
                let values = match current {
                    Some(b) => &mut cfg.blocks[b].values,
                    None => &mut cfg.global,
                };
                values.entry(canonical(&keyword)).or_insert(Value {
                    value: first.clone(),
                    at,
                });
            }
        }
    }
}

/// A line's lower-case keyword and its arguments, or `None` for blank and
/// comment lines. One `=` may stand between keyword and arguments.
fn split_line(line: &str) -> Option<(String, Vec<String>)> {
    let line = line.trim_start();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let end = line
        .find(|c: char| c.is_whitespace() || c == '=')
        .unwrap_or(line.len());
    let keyword = line[..end].to_ascii_lowercase();
    let mut rest = line[end..].trim_start();
    if let Some(r) = rest.strip_prefix('=') {
        rest = r.trim_start();
    }
    if keyword.is_empty() {
        return None;
    }
    Some((keyword, split_args(rest)))
}

/// Whitespace-separated words; double quotes group (and are removed), a
/// backslash escapes the next character, a word starting with `#` ends the
/// line.
fn split_args(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        match chars.peek() {
            None | Some('#') => return out,
            _ => {}
        }
        let mut word = String::new();
        let mut quoted = false;
        while let Some(c) = chars.next() {
            match c {
                '"' => quoted = !quoted,
                '\\' => word.extend(chars.next()),
                c if c.is_whitespace() && !quoted => break,
                c => word.push(c),
            }
        }
        out.push(word);
    }
}

/// glob(3) over the node root: `*`, `?` and `[...]` in any component,
/// hidden names only for patterns starting with `.`, matches in lexical
/// order, only existing paths.
fn glob(root: &NodeRoot, pattern: &str) -> Vec<String> {
    let mut found = vec![String::new()];
    for part in pattern.split('/').filter(|p| !p.is_empty()) {
        let mut next = Vec::new();
        for dir in &found {
            if !part.contains(['*', '?', '[']) {
                next.push(format!("{dir}/{}", part.replace('\\', "")));
                continue;
            }
            let listing = root.read_dir(if dir.is_empty() { "/" } else { dir });
            for name in listing.unwrap_or_default() {
                if (part.starts_with('.') || !name.starts_with('.')) && fnmatch(part, &name) {
                    next.push(format!("{dir}/{name}"));
                }
            }
        }
        found = next;
    }
    let mut out: Vec<String> = found.into_iter().filter(|p| root.exists(p)).collect();
    out.sort();
    out
}

/// Shell pattern match of one path component. Every element but `*`
/// consumes exactly one character, so only the last `*` needs
/// backtracking: on a mismatch it takes one more character and matching
/// resumes after it. That is O(pattern × name), where trying every split
/// for every `*` is exponential (`*a*a*a…b` against a long name).
fn fnmatch(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni) = (0, 0);
    // The pattern index after the last `*` and the name index it resumes at.
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        let c = n[ni];
        // How many pattern characters matched `c`, if any.
        let used = match p.get(pi) {
            Some('*') => {
                pi += 1;
                star = Some((pi, ni));
                continue;
            }
            Some('?') => Some(1),
            Some('[') => match class(&p[pi + 1..], c) {
                Some((hit, len)) => hit.then_some(1 + len),
                // An unclosed `[` is an ordinary character.
                None => (c == '[').then_some(1),
            },
            Some('\\') if pi + 1 < p.len() => (c == p[pi + 1]).then_some(2),
            Some(&lit) => (c == lit).then_some(1),
            None => None,
        };
        match (used, star) {
            (Some(k), _) => {
                pi += k;
                ni += 1;
            }
            (None, Some((after, from))) => {
                star = Some((after, from + 1));
                pi = after;
                ni = from + 1;
            }
            (None, None) => return false,
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Whether `c` is in the class at the start of `p` (after `[`), and how
/// many pattern characters the class took including `]`.
fn class(p: &[char], c: char) -> Option<(bool, usize)> {
    let negate = matches!(p.first(), Some('!' | '^'));
    let mut i = usize::from(negate);
    let mut hit = false;
    let mut first = true;
    while i < p.len() {
        if p[i] == ']' && !first {
            return Some((hit != negate, i + 1));
        }
        first = false;
        let lo = p[i];
        if i + 2 < p.len() && p[i + 1] == '-' && p[i + 2] != ']' {
            hit |= lo <= c && c <= p[i + 2];
            i += 3;
        } else {
            hit |= c == lo;
            i += 1;
        }
    }
    None
}

// ---------------------------------------------------------------------
// The checks.

/// `Keyword value` for evidence, with where it came from.
fn show(keyword: &str, v: Option<&Value>, default: &str) -> String {
    match v {
        Some(v) => format!("{keyword} {} at {}", v.value, v.at),
        None => format!("{keyword} not set: OpenSSH default {default}"),
    }
}

/// A keyword whose value sshd accepts, judged by `weak`; `None` when sshd
/// would reject the value (and not start).
struct Rule {
    keyword: &'static str,
    default: &'static str,
    /// Accepted values (lower case; sshd compares case-insensitively).
    accepted: &'static [&'static str],
    weak: fn(&str) -> bool,
}

const YES_NO: &[&str] = &["yes", "no"];

fn is_yes(v: &str) -> bool {
    v == "yes"
}

impl Rule {
    /// The lower-case value in effect, or an error for one sshd rejects.
    fn value(&self, v: Option<&Value>) -> Result<String, String> {
        let raw = v.map_or(self.default, |v| v.value.as_str());
        let lower = raw.to_ascii_lowercase();
        if self.accepted.contains(&lower.as_str()) {
            Ok(lower)
        } else {
            // The value itself is not echoed: an Include may pull in any
            // file (a key, say), whose lines must not reach a report.
            Err(format!(
                "{} has an unrecognised value at {}: sshd rejects it and would not start",
                self.keyword,
                v.map_or("the OpenSSH default", |v| v.at.as_str())
            ))
        }
    }
}

/// Judges one keyword globally and in every `Match` block that sets it.
fn judge_keyword(f: &Facts, rule: &Rule) -> Outcome {
    let cfg = match load(f.root) {
        Ok(Some(c)) => c,
        Ok(None) => return Outcome::na("no SSH daemon configuration (no /etc/ssh/sshd_config)"),
        Err(e) => return Outcome::undecided(format!("cannot read {SSHD_CONFIG}: {e}")),
    };
    let mut weak = false;
    let mut invalid = Vec::new();
    let mut evidence = Vec::new();
    let global = cfg.global(rule.keyword);
    match rule.value(global) {
        Ok(v) => {
            weak |= (rule.weak)(&v);
            evidence.push(show(rule.keyword, global, rule.default));
        }
        Err(e) => invalid.push(e),
    }
    for b in &cfg.blocks {
        let Some(v) = b.get(rule.keyword) else {
            continue;
        };
        match rule.value(Some(v)) {
            Ok(val) if (rule.weak)(&val) => {
                weak = true;
                evidence.push(format!(
                    "Match {} ({}) sets {} {} at {}: connections matching it get the weaker value",
                    b.criteria, b.at, rule.keyword, v.value, v.at
                ));
            }
            Ok(_) => evidence.push(format!(
                "Match {} ({}) sets {} {} at {}",
                b.criteria, b.at, rule.keyword, v.value, v.at
            )),
            Err(e) => invalid.push(e),
        }
    }
    finish(weak, evidence, invalid, &cfg)
}

/// Fail on a weak value; otherwise undecided when the configuration is
/// invalid or incomplete; otherwise pass.
fn finish(
    weak: bool,
    mut evidence: Vec<String>,
    invalid: Vec<String>,
    cfg: &SshdConfig,
) -> Outcome {
    let undecided = !invalid.is_empty() || !cfg.problems.is_empty();
    evidence.extend(invalid);
    evidence.extend(cfg.problems.iter().cloned());
    if weak || !undecided {
        Outcome::judge(!weak, evidence)
    } else {
        Outcome::new(Verdict::Undecided, evidence)
    }
}

const PERMIT_ROOT_LOGIN: Rule = Rule {
    keyword: "PermitRootLogin",
    default: "prohibit-password",
    accepted: &[
        "yes",
        "prohibit-password",
        "without-password",
        "forced-commands-only",
        "no",
    ],
    // Anything but `no` lets root in by some method.
    weak: |v| v != "no",
};

const PERMIT_EMPTY_PASSWORDS: Rule = Rule {
    keyword: "PermitEmptyPasswords",
    default: "no",
    accepted: YES_NO,
    weak: is_yes,
};

const PASSWORD_AUTHENTICATION: Rule = Rule {
    keyword: "PasswordAuthentication",
    default: "yes",
    accepted: YES_NO,
    weak: is_yes,
};

const KBD_INTERACTIVE: Rule = Rule {
    keyword: "KbdInteractiveAuthentication",
    default: "yes",
    accepted: YES_NO,
    weak: is_yes,
};

const USE_PAM: Rule = Rule {
    keyword: "UsePAM",
    default: "no",
    accepted: YES_NO,
    weak: is_yes,
};

fn host_1(f: &Facts) -> Outcome {
    judge_keyword(f, &PERMIT_ROOT_LOGIN)
}

fn host_2(f: &Facts) -> Outcome {
    judge_keyword(f, &PERMIT_EMPTY_PASSWORDS)
}

/// A password gets in through `PasswordAuthentication`, and through
/// keyboard-interactive authentication when sshd hands it to PAM (whose
/// usual stack asks for the password). `UsePAM` is global only.
fn host_3(f: &Facts) -> Outcome {
    let password = judge_keyword(f, &PASSWORD_AUTHENTICATION);
    if password.verdict == Verdict::NotApplicable {
        return password;
    }
    let cfg = match load(f.root) {
        Ok(Some(c)) => c,
        _ => return password,
    };
    let pam = cfg.global(USE_PAM.keyword);
    let mut evidence = password.evidence;
    let mut weak = password.verdict == Verdict::Fail;
    let mut invalid = Vec::new();
    match USE_PAM.value(pam) {
        Ok(v) if v == "yes" => {
            evidence.push(format!(
                "{}: keyboard-interactive authentication goes through PAM, which asks for the password",
                show(USE_PAM.keyword, pam, USE_PAM.default)
            ));
            let kbd = judge_keyword(f, &KBD_INTERACTIVE);
            weak |= kbd.verdict == Verdict::Fail;
            evidence.extend(kbd.evidence);
        }
        Ok(_) => evidence.push(format!(
            "{}: keyboard-interactive authentication cannot ask for a password",
            show(USE_PAM.keyword, pam, USE_PAM.default)
        )),
        Err(e) => invalid.push(e),
    }
    if password.verdict == Verdict::Undecided {
        invalid.push("PasswordAuthentication could not be decided".to_string());
    }
    // Both keywords' evaluations list the configuration's problems.
    let mut seen = std::collections::HashSet::new();
    evidence.retain(|e| seen.insert(e.clone()));
    finish(weak, evidence, invalid, &SshdConfig::default())
}

/// The host checks, in order.
pub const HOST_CHECKS: &[CheckDef] = &[
    CheckDef {
        id: "host.1",
        title: "Ensure SSH root login is disabled",
        assessment: Assessment::Automated,
        rationale: "Logging in as root directly leaves no trace of which administrator did it; administrators should log in as themselves and escalate with sudo. Any value but `no` (including the default `prohibit-password`) lets root in with a key.",
        remediation: "Set `PermitRootLogin no` in /etc/ssh/sshd_config before any Include or Match that sets it, remove weaker values from Match blocks, and reload sshd.",
        eval: host_1,
    },
    CheckDef {
        id: "host.2",
        title: "Ensure SSH PermitEmptyPasswords is disabled",
        assessment: Assessment::Automated,
        rationale: "Accounts with an empty password must not be reachable over the network.",
        remediation: "Set `PermitEmptyPasswords no` in /etc/ssh/sshd_config (or remove it: `no` is the default), remove `yes` from Match blocks, and reload sshd.",
        eval: host_2,
    },
    CheckDef {
        id: "host.3",
        title: "Ensure SSH password authentication is disabled",
        assessment: Assessment::Automated,
        rationale: "Passwords can be guessed and phished; nodes should accept keys or certificates only. With `UsePAM yes`, keyboard-interactive authentication asks for the password through PAM, so it must be off too.",
        remediation: "Set `PasswordAuthentication no` and, with `UsePAM yes`, `KbdInteractiveAuthentication no` in /etc/ssh/sshd_config before any Include or Match that sets them, remove `yes` from Match blocks, and reload sshd.",
        eval: host_3,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::Discovery;
    use std::fs;

    fn node(files: &[(&str, &str)]) -> (tempfile::TempDir, NodeRoot) {
        let dir = tempfile::tempdir().unwrap();
        for (p, text) in files {
            let host = dir.path().join(p.trim_start_matches('/'));
            fs::create_dir_all(host.parent().unwrap()).unwrap();
            fs::write(host, text).unwrap();
        }
        let root = NodeRoot::new(dir.path()).unwrap();
        (dir, root)
    }

    fn run(files: &[(&str, &str)], eval: fn(&Facts) -> Outcome) -> Outcome {
        let (_d, root) = node(files);
        let discovery = Discovery::default();
        eval(&Facts {
            root: &root,
            discovery: &discovery,
            kubelet: None,
            benchmark: Default::default(),
        })
    }

    fn cfg(files: &[(&str, &str)]) -> SshdConfig {
        let (_d, root) = node(files);
        load(&root).unwrap().unwrap()
    }

    #[test]
    fn first_value_wins_and_keywords_ignore_case() {
        let c = cfg(&[(
            SSHD_CONFIG,
            "# comment\n\npermitrootlogin no\nPermitRootLogin yes\nPASSWORDAUTHENTICATION=no\n",
        )]);
        let v = c.global("PermitRootLogin").unwrap();
        assert_eq!(v.value, "no");
        assert_eq!(v.at, "/etc/ssh/sshd_config:3");
        assert_eq!(c.global("PasswordAuthentication").unwrap().value, "no");
    }

    #[test]
    fn equals_quotes_and_trailing_comments() {
        assert_eq!(
            split_line("  PermitRootLogin = \"no\"  # really"),
            Some(("permitrootlogin".to_string(), vec!["no".to_string()]))
        );
        assert_eq!(
            split_line("UsePAM=yes"),
            Some(("usepam".to_string(), vec!["yes".to_string()]))
        );
        assert_eq!(split_line("   # PermitRootLogin yes"), None);
    }

    #[test]
    fn includes_are_read_in_place_in_lexical_order_relative_to_etc_ssh() {
        let c = cfg(&[
            (
                SSHD_CONFIG,
                "Include sshd_config.d/*.conf\nPermitRootLogin yes\n",
            ),
            (
                "/etc/ssh/sshd_config.d/20-b.conf",
                "PermitRootLogin forced-commands-only\nUsePAM yes\n",
            ),
            (
                "/etc/ssh/sshd_config.d/10-a.conf",
                "Include /etc/ssh/extra/x\n",
            ),
            ("/etc/ssh/sshd_config.d/.hidden.conf", "UsePAM no\n"),
            (
                "/etc/ssh/sshd_config.d/30-c.txt",
                "PasswordAuthentication no\n",
            ),
            ("/etc/ssh/extra/x", "PermitRootLogin no\n"),
        ]);
        assert_eq!(
            c.files,
            [
                SSHD_CONFIG,
                "/etc/ssh/sshd_config.d/10-a.conf",
                "/etc/ssh/extra/x",
                "/etc/ssh/sshd_config.d/20-b.conf"
            ]
        );
        let v = c.global("PermitRootLogin").unwrap();
        assert_eq!(
            (v.value.as_str(), v.at.as_str()),
            ("no", "/etc/ssh/extra/x:1")
        );
        assert_eq!(c.global("UsePAM").unwrap().value, "yes");
        assert!(c.global("PasswordAuthentication").is_none());
    }

    #[test]
    fn match_blocks_and_includes_inside_them() {
        let c = cfg(&[
            (
                SSHD_CONFIG,
                "PermitRootLogin no\nMatch User admin\n  Include admin.conf\n  PermitRootLogin no\nMatch Address 10.0.0.0/8\n  PasswordAuthentication yes\n",
            ),
            (
                "/etc/ssh/admin.conf",
                "PermitRootLogin yes\nMatch Group wheel\nPermitEmptyPasswords yes\n",
            ),
        ]);
        assert_eq!(c.global("PermitRootLogin").unwrap().value, "no");
        let crit: Vec<&str> = c.blocks.iter().map(|b| b.criteria.as_str()).collect();
        assert_eq!(
            crit,
            [
                "User admin",
                "User admin and Group wheel",
                "Address 10.0.0.0/8"
            ]
        );
        // The included line comes first in the admin block, so it wins there.
        assert_eq!(c.blocks[0].get("PermitRootLogin").unwrap().value, "yes");
        assert_eq!(
            c.blocks[1].get("PermitEmptyPasswords").unwrap().value,
            "yes"
        );
        assert!(c.global("PermitEmptyPasswords").is_none());
    }

    #[test]
    fn defaults_apply_when_unset() {
        let empty = [(SSHD_CONFIG, "# nothing\n")];
        let o = run(&empty, host_1);
        assert_eq!(o.verdict, Verdict::Fail, "{o:?}");
        assert!(o.evidence[0].contains("default prohibit-password"));
        assert_eq!(run(&empty, host_2).verdict, Verdict::Pass);
        assert_eq!(run(&empty, host_3).verdict, Verdict::Fail);
        assert_eq!(run(&[], host_1).verdict, Verdict::NotApplicable);
    }

    #[test]
    fn weaker_match_block_fails_with_its_criteria() {
        let o = run(
            &[(
                SSHD_CONFIG,
                "PermitRootLogin no\nMatch Address 192.168.0.0/16 User ops\n    PermitRootLogin without-password\n",
            )],
            host_1,
        );
        assert_eq!(o.verdict, Verdict::Fail);
        assert!(
            o.evidence[1].starts_with(
                "Match Address 192.168.0.0/16 User ops (/etc/ssh/sshd_config:2) sets PermitRootLogin without-password at /etc/ssh/sshd_config:3"
            ),
            "{o:?}"
        );
        let ok = run(&[(SSHD_CONFIG, "PermitRootLogin No\n")], host_1);
        assert_eq!(ok.verdict, Verdict::Pass, "{ok:?}");
    }

    #[test]
    fn keyboard_interactive_counts_only_with_pam() {
        let base = "PasswordAuthentication no\n";
        assert_eq!(run(&[(SSHD_CONFIG, base)], host_3).verdict, Verdict::Pass);
        let pam = format!("{base}UsePAM yes\n");
        let o = run(&[(SSHD_CONFIG, &pam)], host_3);
        assert_eq!(o.verdict, Verdict::Fail, "{o:?}");
        let old_name =
            format!("{pam}ChallengeResponseAuthentication no\nKbdInteractiveAuthentication yes\n");
        assert_eq!(
            run(&[(SSHD_CONFIG, &old_name)], host_3).verdict,
            Verdict::Pass
        );
        let in_match = format!(
            "{pam}KbdInteractiveAuthentication no\nMatch User x\nKbdInteractiveAuthentication yes\n"
        );
        assert_eq!(
            run(&[(SSHD_CONFIG, &in_match)], host_3).verdict,
            Verdict::Fail
        );
    }

    #[test]
    fn rejected_values_and_unreadable_includes_are_undecided() {
        let o = run(&[(SSHD_CONFIG, "PermitRootLogin maybe\n")], host_1);
        assert_eq!(o.verdict, Verdict::Undecided, "{o:?}");
        let looped = run(
            &[(
                SSHD_CONFIG,
                "PermitEmptyPasswords no\nInclude sshd_config\n",
            )],
            host_2,
        );
        assert_eq!(looped.verdict, Verdict::Undecided, "{looped:?}");
        assert!(looped.evidence.iter().any(|e| e.contains("deeper than 16")));
    }

    #[test]
    fn glob_patterns() {
        assert!(fnmatch("*.conf", "a.conf"));
        assert!(!fnmatch("*.conf", "a.conf.bak"));
        assert!(fnmatch("[0-9]?-x", "1a-x"));
        assert!(!fnmatch("[!0-9]*", "1a"));
        assert!(fnmatch("a[", "a["));
        assert!(fnmatch("*a*b", "xaxxb"));
        assert!(!fnmatch("*a*b", "xaxxbx"));
        assert!(fnmatch("a*", "a") && fnmatch("*", "") && !fnmatch("?", ""));
        assert!(fnmatch("\\*x", "*x") && !fnmatch("\\*x", "ax"));
        assert!(fnmatch("é*[é]", "éaé"));
        // 12 stars against 60 characters with no final `b`: exponential
        // when every split of every `*` is tried, immediate here.
        let name = "a".repeat(60);
        assert!(!fnmatch("*a*a*a*a*a*a*a*a*a*a*a*b", &name));
        assert!(fnmatch("*a*a*a*a*a*a*a*a*a*a*a*a", &name));
    }

    #[test]
    fn a_rejected_value_is_not_echoed() {
        // An Include glob that matches a key file: its lines parse as
        // keywords with odd values, which must not reach the evidence.
        let o = run(
            &[
                (SSHD_CONFIG, "Include /etc/ssh/keys/*\n"),
                (
                    "/etc/ssh/keys/host_key",
                    "PermitRootLogin SECRETKEYMATERIAL\n",
                ),
            ],
            host_1,
        );
        let all = o.evidence.join("\n");
        assert!(!all.contains("SECRETKEYMATERIAL"), "{all}");
        assert!(
            all.contains("PermitRootLogin has an unrecognised value at /etc/ssh/keys/host_key:1"),
            "{all}"
        );
    }
}
