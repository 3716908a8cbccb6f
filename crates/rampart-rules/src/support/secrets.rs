//! Recognising credentials by name and by value without ever printing them.
//!
//! Three kinds of evidence, strongest first:
//! - **a known token format** ([`known_token_kind`]): provider prefixes and
//!   shapes (AWS access key ids, GitHub/GitLab/Slack/Stripe/npm/PyPI/...
//!   tokens, PEM private keys, JSON Web Tokens, URLs and connection strings
//!   with an embedded password or key);
//! - **a credential-like name** ([`looks_like_credential_name`]) holding a
//!   literal ([`is_literal_value`]): `DB_PASSWORD=hunter2`, but not
//!   `PASSWORD_FILE=/run/secrets/pw` or `REQUIRE_PASSWORD=true`;
//! - **a random-looking value** ([`looks_random`]), unless the name says it
//!   is an identifier, digest or address.
//!
//! Nothing here returns or formats a value: callers report names and the
//! kind of evidence ([`Evidence::describe`]) only.

use super::objects::is_placeholder;

/// Why a name and value look like a credential. Never carries the value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Evidence {
    /// The value has the shape of a known kind of secret, e.g.
    /// "a GitHub token".
    Known(&'static str),
    /// The name says it is a credential and the value is a literal.
    Name,
    /// The value is a long random-looking string.
    Random,
}

impl Evidence {
    /// A phrase for messages: "it looks like a GitHub token", "its name says
    /// so", "it is a long random string".
    pub fn describe(self) -> String {
        match self {
            Evidence::Known(kind) => format!("its value looks like {kind}"),
            Evidence::Name => "its name says it is a credential".to_string(),
            Evidence::Random => "its value is a long random string".to_string(),
        }
    }
}

/// The evidence that `name = value` holds a credential, if any.
pub fn credential_evidence(name: &str, value: &str) -> Option<Evidence> {
    let value = value.trim();
    if value.is_empty() || is_placeholder(value) {
        return None;
    }
    if let Some(kind) = known_token_kind(value) {
        return Some(Evidence::Known(kind));
    }
    if looks_like_credential_name(name) && is_literal_value(value) {
        return Some(Evidence::Name);
    }
    (looks_random(value) && !names_an_identifier(name)).then_some(Evidence::Random)
}

/// Whether `value` on its own looks like a credential: a known token format
/// or a random-looking string.
// Part of the module's API for values that come without a name (list
// items, annotation values), whether or not a rule uses it today.
#[allow(dead_code)]
pub fn looks_like_credential_value(value: &str) -> bool {
    let value = value.trim();
    !is_placeholder(value) && (known_token_kind(value).is_some() || looks_random(value))
}

// ---------------------------------------------------------------------------
// Names

/// Words that end a credential's name: `DB_PASSWORD`, `clientSecret`,
/// `GITHUB_TOKEN`.
const CREDENTIAL_WORDS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "pass",
    "passphrase",
    "secret",
    "token",
    "apikey",
    "apitoken",
    "credential",
    "credentials",
    "creds",
    "privatekey",
    "secretkey",
    "accesskey",
];

/// Words before a final `key` that make it a credential: `API_KEY`,
/// `SIGNING_KEY`; `CACHE_KEY` or `PUBLIC_KEY` are not.
const KEY_QUALIFIERS: &[&str] = &[
    "api",
    "access",
    "secret",
    "private",
    "signing",
    "encryption",
    "master",
    "auth",
    "client",
    "app",
    "account",
    "license",
    "session",
    "ssh",
    "tls",
    "gpg",
    "pgp",
    "hmac",
    "jwt",
    "webhook",
    "service",
    "storage",
];

/// Trailing words that describe an encoding, not a different thing:
/// `PRIVATE_KEY_B64` is still a private key.
const ENCODING_WORDS: &[&str] = &[
    "b64",
    "base64",
    "encoded",
    "hex",
    "raw",
    "value",
    "plain",
    "plaintext",
];

/// Final words of names whose values are identifiers, digests or
/// addresses: long random-looking values there are expected.
const IDENTIFIER_WORDS: &[&str] = &[
    "id",
    "ids",
    "uuid",
    "guid",
    "hash",
    "digest",
    "checksum",
    "sha",
    "sha1",
    "sha256",
    "sha512",
    "revision",
    "rev",
    "commit",
    "version",
    "image",
    "tag",
    "url",
    "uri",
    "host",
    "hostname",
    "path",
    "file",
    "dir",
    "name",
    "arn",
    "fingerprint",
    "nonce",
    "salt",
    "region",
    "zone",
];

/// The words of an identifier, lowercased: split at non-alphanumerics and
/// at camelCase boundaries (`dbPassword` → db, password; `APIKey` → api,
/// key; `AWS_SECRET_ACCESS_KEY` → aws, secret, access, key).
fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        let chars: Vec<char> = part.chars().collect();
        let mut word = String::new();
        for (i, &c) in chars.iter().enumerate() {
            let prev = i.checked_sub(1).map(|j| chars[j]);
            let next = chars.get(i + 1).copied();
            let boundary = c.is_ascii_uppercase()
                && prev.is_some_and(|p| {
                    p.is_ascii_lowercase()
                        || p.is_ascii_digit()
                        || (p.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase()))
                });
            if boundary && !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            word.push(c.to_ascii_lowercase());
        }
        if !word.is_empty() {
            out.push(word);
        }
    }
    out
}

/// The name's words without trailing encodings and numbers.
fn significant_words(name: &str) -> Vec<String> {
    let mut w = words(name);
    while w.last().is_some_and(|last| {
        ENCODING_WORDS.contains(&last.as_str()) || last.bytes().all(|b| b.is_ascii_digit())
    }) {
        w.pop();
    }
    w
}

/// Whether a variable or key name says it holds a credential: its last
/// word (ignoring encodings like `_B64` and numbers) is a credential word
/// (`password`, `secret`, `token`, `apikey`, `credentials`, ...), or it
/// ends in `key` after a qualifier such as `api`, `secret`, `private`,
/// `signing`. Names ending in something else (`PASSWORD_FILE`,
/// `TOKEN_TTL`, `SECRET_NAME`) do not hold the credential itself.
pub fn looks_like_credential_name(name: &str) -> bool {
    let w = significant_words(name);
    match w.as_slice() {
        [.., last] if CREDENTIAL_WORDS.contains(&last.as_str()) => true,
        [.., qualifier, last] if last == "key" => KEY_QUALIFIERS.contains(&qualifier.as_str()),
        _ => false,
    }
}

fn names_an_identifier(name: &str) -> bool {
    significant_words(name)
        .last()
        .is_some_and(|w| IDENTIFIER_WORDS.contains(&w.as_str()))
}

// ---------------------------------------------------------------------------
// Values

/// Whether a value under a credential-like name is the credential itself
/// rather than a setting about it. Not literals: empty or one- and
/// two-character values, placeholders (`${X}`, `{{ .x }}`, `<x>`, `$(X)`),
/// booleans and switches (`true`, `no`, `disabled`, ...), numbers, file
/// paths, URLs without a password, and masks (`*****`).
pub fn is_literal_value(value: &str) -> bool {
    let v = value.trim();
    if v.chars().count() < 3 || is_placeholder(v) {
        return false;
    }
    let lower = v.to_ascii_lowercase();
    const SWITCHES: &[&str] = &[
        "true", "false", "yes", "no", "on", "off", "enabled", "disabled", "enable", "disable",
        "none", "null", "nil", "required", "optional",
    ];
    if SWITCHES.contains(&lower.as_str()) {
        return false;
    }
    if v.parse::<f64>().is_ok() {
        return false;
    }
    let mut chars = v.chars();
    let first = chars.next();
    if chars.all(|c| Some(c) == first) {
        return false;
    }
    let path_like = (v.starts_with('/') || v.starts_with("./") || v.starts_with("~/"))
        && v.contains('/')
        && !v.contains(char::is_whitespace);
    if path_like && v[1..].contains('/') {
        return false;
    }
    if v.contains("://") && url_password(v).is_none() {
        return false;
    }
    true
}

/// The password of a `scheme://user:password@host` URL, if it has a real
/// one (not empty, not a placeholder).
fn url_password(v: &str) -> Option<&str> {
    let (_, rest) = v.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let (userinfo, _) = authority.rsplit_once('@')?;
    let (_, password) = userinfo.split_once(':')?;
    (!password.is_empty()
        && !is_placeholder(password)
        && !password.starts_with("$(")
        && !password.starts_with("${"))
    .then_some(password)
}

fn all_in(s: &str, allowed: impl Fn(char) -> bool) -> bool {
    !s.is_empty() && s.chars().all(allowed)
}

fn token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

fn base64url_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '='
}

/// Prefixed provider tokens: (prefix, minimum length of the rest, what
/// it is). The rest must be made of token characters.
const TOKEN_PREFIXES: &[(&str, usize, &str)] = &[
    ("github_pat_", 40, "a GitHub token"),
    ("ghp_", 30, "a GitHub token"),
    ("gho_", 30, "a GitHub token"),
    ("ghu_", 30, "a GitHub token"),
    ("ghs_", 30, "a GitHub token"),
    ("ghr_", 30, "a GitHub token"),
    ("glpat-", 20, "a GitLab token"),
    ("glrt-", 20, "a GitLab token"),
    ("xoxb-", 20, "a Slack token"),
    ("xoxp-", 20, "a Slack token"),
    ("xoxa-", 20, "a Slack token"),
    ("xoxr-", 20, "a Slack token"),
    ("xoxs-", 20, "a Slack token"),
    ("xapp-", 20, "a Slack token"),
    ("sk_live_", 16, "a Stripe secret key"),
    ("rk_live_", 16, "a Stripe secret key"),
    ("sk_test_", 16, "a Stripe secret key"),
    ("sk-ant-", 32, "an AI provider API key"),
    ("sk-proj-", 32, "an AI provider API key"),
    ("sk-", 40, "an AI provider API key"),
    ("npm_", 36, "an npm token"),
    ("pypi-", 50, "a PyPI token"),
    ("hf_", 30, "a Hugging Face token"),
    ("dop_v1_", 40, "a DigitalOcean token"),
    ("doo_v1_", 40, "a DigitalOcean token"),
    ("shpat_", 32, "a Shopify token"),
    ("shpss_", 32, "a Shopify token"),
    ("AIza", 35, "a Google API key"),
    ("ya29.", 30, "a Google OAuth token"),
];

/// The kind of secret `value` is by its shape, if it is a known one.
pub fn known_token_kind(value: &str) -> Option<&'static str> {
    let v = value.trim();
    if v.contains("-----BEGIN") && v.contains("PRIVATE KEY") {
        return Some("a private key");
    }
    for (prefix, min, kind) in TOKEN_PREFIXES {
        let matches = v
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.len() >= *min && all_in(rest, |c| token_char(c) || c == '.'));
        if matches {
            return Some(kind);
        }
    }
    // AWS access key ids: a four-letter type prefix and 16 more characters.
    if v.len() == 20
        && ["AKIA", "ASIA", "ABIA", "ACCA"]
            .iter()
            .any(|p| v.starts_with(p))
        && all_in(&v[4..], |c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        return Some("an AWS access key ID");
    }
    let sendgrid = v
        .strip_prefix("SG.")
        .and_then(|rest| rest.split_once('.'))
        .is_some_and(|(a, b)| {
            a.len() >= 16 && b.len() >= 30 && all_in(a, token_char) && all_in(b, token_char)
        });
    if sendgrid {
        return Some("a SendGrid API key");
    }
    if v.starts_with("eyJ") && v.len() >= 30 {
        let parts: Vec<&str> = v.split('.').collect();
        if parts.len() == 3 && parts[..2].iter().all(|p| all_in(p, base64url_char)) {
            return Some("a JSON Web Token");
        }
    }
    if v.contains("hooks.slack.com/services/") {
        return Some("a Slack webhook URL");
    }
    if v.contains("://") && url_password(v).is_some() {
        return Some("a URL with an embedded password");
    }
    let has_secret_field = v.split(';').any(|field| {
        field.split_once('=').is_some_and(|(k, val)| {
            let k = k.trim().to_ascii_lowercase();
            let val = val.trim();
            ["accountkey", "sharedaccesskey", "password", "pwd"].contains(&k.as_str())
                && !val.is_empty()
                && !is_placeholder(val)
        })
    });
    if v.contains(';') && has_secret_field {
        return Some("a connection string with a password or key");
    }
    None
}

/// Shannon entropy of `s` in bits per character.
pub fn shannon_entropy(s: &str) -> f64 {
    let mut counts = std::collections::HashMap::new();
    let mut n = 0usize;
    for c in s.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    counts
        .values()
        .map(|&k| {
            let p = k as f64 / n as f64;
            -p * p.log2()
        })
        .sum()
}

/// Minimum length for a value to be judged random by its shape alone.
pub const RANDOM_MIN_LEN: usize = 20;

/// Whether `value` looks like a random secret (an API key, a generated
/// password, a base64 blob). All of these must hold; on random base62 or
/// base64 strings they hold ~88% of the time at 20 characters, ~96% at 32
/// and over 99% from 64 on, while names, hosts, versions, camelCase
/// identifiers and digests fail at least one:
/// - at least [`RANDOM_MIN_LEN`] characters, no whitespace, only base64 /
///   base64url / token characters (`A-Z a-z 0-9 + / = _ - .`);
/// - upper-case letters, lower-case letters and digits all present, and
///   not a hexadecimal string or a UUID (digests, commit ids);
/// - Shannon entropy ≥ min(0.8 · log2(length), 4.5) bits per character;
/// - the character class (upper, lower, digit, other) changes between at
///   least 40% of neighbouring characters (words change class once per
///   word);
/// - fewer than 35% of the letters are vowels (English words have ~40%,
///   random letters ~19%).
pub fn looks_random(value: &str) -> bool {
    let v = value.trim();
    let n = v.chars().count();
    if !(RANDOM_MIN_LEN..=4096).contains(&n)
        || !all_in(v, |c| c.is_ascii_alphanumeric() || "+/=_-.".contains(c))
    {
        return false;
    }
    let has = |f: fn(&char) -> bool| v.chars().any(|c| f(&c));
    if !(has(char::is_ascii_uppercase)
        && has(char::is_ascii_lowercase)
        && has(char::is_ascii_digit))
    {
        return false;
    }
    if all_in(v, |c| c.is_ascii_hexdigit() || c == '-') {
        return false;
    }
    let threshold = (0.8 * (n as f64).log2()).min(4.5);
    if shannon_entropy(v) < threshold {
        return false;
    }
    let class = |c: char| {
        if c.is_ascii_uppercase() {
            0
        } else if c.is_ascii_lowercase() {
            1
        } else if c.is_ascii_digit() {
            2
        } else {
            3
        }
    };
    let chars: Vec<char> = v.chars().collect();
    let changes = chars
        .windows(2)
        .filter(|w| class(w[0]) != class(w[1]))
        .count();
    if (changes as f64) < 0.4 * (n - 1) as f64 {
        return false;
    }
    let letters = chars.iter().filter(|c| c.is_ascii_alphabetic()).count();
    let vowels = chars.iter().filter(|c| "aeiouAEIOU".contains(**c)).count();
    (vowels as f64) < 0.35 * letters as f64
}

// ---------------------------------------------------------------------------
// Embedded configuration files

/// A credential found in a line of an embedded configuration file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmbeddedCredential {
    /// 0-based line within the text.
    pub line: usize,
    /// The name the credential is assigned to (`db.password`).
    pub name: String,
    pub evidence: Evidence,
}

/// Credentials assigned in configuration text such as a `.properties`,
/// `.env`, INI, YAML or JSON file kept in a ConfigMap: lines of the forms
/// `name=value`, `export NAME=value`, `name: value`, `"name": "value"`.
/// Comments (`#`, `;`, `//`) are skipped. A value with no name (a PEM
/// block, a bare token) is reported under the name `""`.
pub fn embedded_credentials(text: &str) -> Vec<EmbeddedCredential> {
    let mut out = Vec::new();
    for (line, raw) in text.lines().enumerate() {
        let l = raw.trim().trim_end_matches(',');
        if l.is_empty() || l.starts_with('#') || l.starts_with(';') || l.starts_with("//") {
            continue;
        }
        let l = l.strip_prefix("export ").unwrap_or(l);
        let split = match (l.find('='), l.find(':')) {
            (Some(e), Some(c)) => Some(e.min(c)),
            (Some(i), None) | (None, Some(i)) => Some(i),
            (None, None) => None,
        };
        let unquote = |s: &str| {
            let s = s.trim();
            s.strip_prefix('"')
                .and_then(|s| s.strip_suffix('"'))
                .or_else(|| s.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))
                .unwrap_or(s)
                .to_string()
        };
        let (name, value) = match split {
            // `://` belongs to a URL value, not an assignment.
            Some(i) if !l[i..].starts_with("://") => (unquote(&l[..i]), unquote(&l[i + 1..])),
            _ => (String::new(), unquote(l)),
        };
        let name_ok = name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
        let evidence = if name_ok {
            credential_evidence(&name, &value)
        } else {
            known_token_kind(l).map(Evidence::Known)
        };
        if let Some(evidence) = evidence {
            out.push(EmbeddedCredential {
                line,
                name: if name_ok { name } else { String::new() },
                evidence,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_names() {
        for n in [
            "DB_PASSWORD",
            "password",
            "dbPassword",
            "clientSecret",
            "GITHUB_TOKEN",
            "API_KEY",
            "apiKey",
            "APIKey",
            "APIKEY",
            "AWS_SECRET_ACCESS_KEY",
            "DJANGO_SECRET_KEY",
            "PRIVATE_KEY_B64",
            "REDIS_PASS",
            "SMTP_PASSWORD_2",
            "spring.datasource.password",
            "NEXTAUTH_SECRET",
            "SSH_KEY",
        ] {
            assert!(looks_like_credential_name(n), "{n}");
        }
        for n in [
            "PASSWORD_FILE",
            "TOKEN_TTL",
            "SECRET_NAME",
            "PASSWORD_MIN_LENGTH",
            "CACHE_KEY",
            "PUBLIC_KEY",
            "KEY",
            "AWS_ACCESS_KEY_ID",
            "BYPASS",
            "COMPASS",
            "PASSWORDLESS",
            "TOKEN_URL",
            "",
        ] {
            assert!(!looks_like_credential_name(n), "{n}");
        }
    }

    #[test]
    fn literal_values() {
        for v in ["hunter2", "changeme", "p@ss w0rd", "postgres://u:pw@db/x"] {
            assert!(is_literal_value(v), "{v}");
        }
        for v in [
            "",
            "x",
            "true",
            "No",
            "disabled",
            "8",
            "3.5",
            "/run/secrets/db",
            "./pw.txt",
            "${DB_PASSWORD}",
            "$(DB_PASSWORD)",
            "{{ .Values.pw }}",
            "<password>",
            "*****",
            "https://vault.example.com/v1/token",
        ] {
            assert!(!is_literal_value(v), "{v}");
        }
    }

    #[test]
    fn known_tokens() {
        let cases = [
            ("AKIAIOSFODNN7EXAMPLE", "an AWS access key ID"),
            ("ghp_0123456789abcdefghijABCDEFGHIJ012345", "a GitHub token"),
            ("glpat-abcdefghij0123456789", "a GitLab token"),
            ("xoxb-123456789012-abcdefghijkl", "a Slack token"),
            ("sk_live_abcdefghijklmnop1234", "a Stripe secret key"),
            (
                "AIzaSyA-abcdefghijklmnopqrstuvwxyz01234",
                "a Google API key",
            ),
            ("-----BEGIN RSA PRIVATE KEY-----\nMIIE...", "a private key"),
            (
                "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl",
                "a JSON Web Token",
            ),
            (
                "postgres://app:s3cr3t@db:5432/app",
                "a URL with an embedded password",
            ),
            (
                "DefaultEndpointsProtocol=https;AccountName=x;AccountKey=abc==;",
                "a connection string with a password or key",
            ),
        ];
        for (v, kind) in cases {
            assert_eq!(known_token_kind(v), Some(kind), "{v}");
        }
        for v in [
            "postgres://app@db:5432/app",
            "postgres://app:$(DB_PASSWORD)@db/app",
            "https://example.com",
            "sk-short",
            "ghp_short",
            "Server=db;Database=app;Password=;",
        ] {
            assert_eq!(known_token_kind(v), None, "{v}");
        }
    }

    #[test]
    fn random_values() {
        for v in [
            "Kx9Ab2Tz7QwErTy5UiOp3Lk",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "aGVsbG8gd29ybGQgY29uZmln",
            "q8Zr3Vt1Nm5Bx7Lk2Jh4Gf6Dp9Sw0Yc",
        ] {
            assert!(looks_random(v), "{v}");
        }
        for v in [
            "MyApplicationServiceName2",
            "ThisIsAVeryLongVariableName1",
            "Kubernetes1Production2Cluster",
            "eu-west-1.compute.internal",
            "0123456789abcdef0123456789abcdef01234567",
            "550e8400-e29b-41d4-a716-446655440000",
            "registry.example.com/team/app:1.2.3",
            "short1A",
            "Hunter2Hunter2Hunter2Hunter2",
            "v1.2.3-rc.1+build.20240101",
        ] {
            assert!(!looks_random(v), "{v}");
        }
    }

    #[test]
    fn evidence() {
        assert_eq!(
            credential_evidence("DB_PASSWORD", "hunter2"),
            Some(Evidence::Name)
        );
        assert_eq!(credential_evidence("DB_PASSWORD", "${PW}"), None);
        assert_eq!(credential_evidence("REQUIRE_PASSWORD", "true"), None);
        assert_eq!(
            credential_evidence("SOMETHING", "AKIAIOSFODNN7EXAMPLE"),
            Some(Evidence::Known("an AWS access key ID"))
        );
        assert_eq!(
            credential_evidence("UPSTREAM", "Kx9Ab2Tz7QwErTy5UiOp3Lk"),
            Some(Evidence::Random)
        );
        assert_eq!(
            credential_evidence("BUILD_ID", "Kx9Ab2Tz7QwErTy5UiOp3Lk"),
            None
        );
        assert_eq!(credential_evidence("LOG_LEVEL", "debug"), None);
    }

    #[test]
    fn values_alone() {
        assert!(looks_like_credential_value("AKIAIOSFODNN7EXAMPLE"));
        assert!(looks_like_credential_value(
            "q8Zr3Vt1Nm5Bx7Lk2Jh4Gf6Dp9Sw0Yc"
        ));
        assert!(!looks_like_credential_value("hunter2"));
        assert!(!looks_like_credential_value("${TOKEN}"));
    }

    #[test]
    fn entropy() {
        assert_eq!(shannon_entropy(""), 0.0);
        assert_eq!(shannon_entropy("aaaa"), 0.0);
        assert!((shannon_entropy("ab") - 1.0).abs() < 1e-9);
    }

    #[test]
    fn embedded() {
        let text = "# comment\nspring.datasource.password=hunter2\nlog.level=debug\nurl: postgres://u:pw@db/x\n  \"apiKey\": \"abc123xyz\",\nexport TOKEN=$(TOKEN)\n";
        let found = embedded_credentials(text);
        let names: Vec<(usize, &str)> = found.iter().map(|c| (c.line, c.name.as_str())).collect();
        assert_eq!(
            names,
            vec![(1, "spring.datasource.password"), (3, "url"), (4, "apiKey")]
        );
    }
}
