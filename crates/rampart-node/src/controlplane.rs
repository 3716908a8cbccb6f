//! CIS Kubernetes Benchmark section 3 (control plane configuration): 3.1
//! how users authenticate, 3.2 the audit policy. Every check is Manual;
//! the evidence is what the API server's flags and files show, and
//! rampart's reading is stated in it.

use crate::audit::{self, Policy};
use crate::checks::{Assessment, CheckDef, Facts, Outcome, read_objects};
use crate::discover::{Component, Instance};
use crate::flags::parse_bool;
use crate::root::absolute;

fn api<'a>(f: &Facts<'a>) -> Result<&'a Instance, Outcome> {
    f.discovery
        .find(Component::KubeApiserver)
        .ok_or_else(|| Outcome::na("no kube-apiserver process or static pod found on this node"))
}

/// A non-empty flag value with its evidence (`--x=v from origin`).
fn set<'a>(i: &'a Instance, name: &str) -> Option<(&'a str, String)> {
    i.args
        .last(name)
        .filter(|fl| !fl.value.is_empty())
        .map(|fl| (fl.value.as_str(), format!("{} from {}", fl.raw, i.origin)))
}

// ---------------------------------------------------------------------
// 3.1: user authentication.

/// Issuers of the JWT (OIDC) authenticators the API server has, from
/// `--authentication-config` or `--oidc-issuer-url` (the API server
/// refuses both together), with evidence; `Err` when the configuration
/// file cannot be read.
fn jwt_issuers(f: &Facts, i: &Instance) -> Result<(Vec<String>, Vec<String>), Outcome> {
    let mut issuers = Vec::new();
    let mut ev = Vec::new();
    if let Some((path, from)) = set(i, "authentication-config") {
        let path = absolute(path);
        let inv = read_objects(f.root, &path)
            .map_err(|e| Outcome::undecided(format!("{from}; cannot read {path}: {e}")))?;
        if let Some(d) = inv.diagnostics.first() {
            return Err(Outcome::undecided(format!(
                "{from}; {}",
                audit::unparsable(d)
            )));
        }
        let config = inv.objects.iter().find(|o| {
            o.kind() == "AuthenticationConfiguration" && o.group() == "apiserver.config.k8s.io"
        });
        let Some(config) = config else {
            return Err(Outcome::undecided(format!(
                "{from}; {path} holds no apiserver.config.k8s.io AuthenticationConfiguration"
            )));
        };
        let jwt = config
            .root
            .get("jwt")
            .and_then(|j| j.as_seq())
            .unwrap_or(&[]);
        issuers.extend(
            jwt.iter()
                .filter_map(|a| a.path(&["issuer", "url"])?.as_str())
                .map(str::to_string),
        );
        ev.push(format!(
            "{from}: {} JWT authenticator(s) in {path}",
            jwt.len()
        ));
    }
    if let Some((url, from)) = set(i, "oidc-issuer-url") {
        issuers.push(url.to_string());
        ev.push(from);
    }
    if let Some((_, from)) = set(i, "authentication-token-webhook-config-file") {
        ev.push(format!("{from} (webhook token authentication)"));
    }
    ev.push(if issuers.is_empty() {
        "no OIDC/JWT authenticator exists for users (neither --authentication-config jwt nor --oidc-issuer-url)".to_string()
    } else {
        format!(
            "an OIDC/JWT authenticator exists for users (issuers: {})",
            issuers.join(", ")
        )
    });
    Ok((issuers, ev))
}

/// A 3.1 check: `mechanism` says whether the mechanism is on (with its
/// evidence, `None` when undecidable); the reading passes when it is off
/// or users have an OIDC/JWT authenticator to use instead.
fn user_authn(f: &Facts, mechanism: fn(&Instance) -> (Option<bool>, Vec<String>)) -> Outcome {
    let i = match api(f) {
        Ok(i) => i,
        Err(o) => return o,
    };
    let (on, mut ev) = mechanism(i);
    let (issuers, jwt_ev) = match jwt_issuers(f, i) {
        Ok(x) => x,
        Err(mut o) => {
            ev.append(&mut o.evidence);
            o.evidence = ev;
            return o;
        }
    };
    ev.extend(jwt_ev);
    match on {
        Some(on) => Outcome::judge(!on || !issuers.is_empty(), ev),
        None => Outcome::new(crate::checks::Verdict::Undecided, ev),
    }
}

fn client_certs(i: &Instance) -> (Option<bool>, Vec<String>) {
    match set(i, "client-ca-file") {
        Some((_, from)) => (
            Some(true),
            vec![format!("client certificate authentication is on: {from}")],
        ),
        None => (
            Some(false),
            vec![format!(
                "client certificate authentication is off: --client-ca-file not set in {}",
                i.origin
            )],
        ),
    }
}

fn service_account_tokens(i: &Instance) -> (Option<bool>, Vec<String>) {
    // The service account token authenticator cannot be turned off; its
    // keys default to the serving key when no --service-account-key-file.
    let mut ev =
        vec!["service account token authentication is always on in kube-apiserver".to_string()];
    ev.extend(set(i, "service-account-key-file").map(|(_, from)| from));
    ev.extend(set(i, "service-account-issuer").map(|(_, from)| from));
    (Some(true), ev)
}

fn bootstrap_tokens(i: &Instance) -> (Option<bool>, Vec<String>) {
    match i.args.last("enable-bootstrap-token-auth") {
        Some(fl) => {
            let from = format!("{} from {}", fl.raw, i.origin);
            match parse_bool(&fl.value) {
                Some(b) => (
                    Some(b),
                    vec![format!(
                        "bootstrap token authentication is {}: {from}",
                        if b { "on" } else { "off" }
                    )],
                ),
                None => (None, vec![format!("{from}: not a boolean")]),
            }
        }
        None => (
            Some(false),
            vec![format!(
                "bootstrap token authentication is off: --enable-bootstrap-token-auth not set in {} (default false)",
                i.origin
            )],
        ),
    }
}

// ---------------------------------------------------------------------
// 3.2: the audit policy.

/// The audit policy the API server loads, with evidence; `Ok(None)` when
/// no `--audit-policy-file` is given (the API server then audits nothing).
fn audit_policy(f: &Facts, i: &Instance) -> Result<(Option<Policy>, Vec<String>), Outcome> {
    let Some((path, from)) = set(i, "audit-policy-file") else {
        return Ok((
            None,
            vec![format!(
                "--audit-policy-file not set in {}: the API server writes no audit events",
                i.origin
            )],
        ));
    };
    let path = absolute(path);
    match audit::load(f.root, &path) {
        Ok(p) => {
            let ev = vec![format!("{from}: {path} parses ({} rules)", p.rules.len())];
            Ok((Some(p), ev))
        }
        Err(e) => Err(Outcome::undecided(format!(
            "{from}: {e}; the API server does not start with a policy it cannot load"
        ))),
    }
}

/// 3.2.1: a policy that loads and a backend that writes its events.
fn check_3_2_1(f: &Facts) -> Outcome {
    let i = match api(f) {
        Ok(i) => i,
        Err(o) => return o,
    };
    let (policy, mut ev) = match audit_policy(f, i) {
        Ok(x) => x,
        Err(o) => return o,
    };
    let backends: Vec<String> = ["audit-log-path", "audit-webhook-config-file"]
        .iter()
        .filter_map(|n| set(i, n).map(|(_, from)| from))
        .collect();
    if backends.is_empty() {
        ev.push(format!(
            "no audit backend: neither --audit-log-path nor --audit-webhook-config-file is set in {}, so no audit event is written",
            i.origin
        ));
    }
    let ok = policy.is_some() && !backends.is_empty();
    ev.extend(backends);
    Outcome::judge(ok, ev)
}

/// 3.2.2: the policy judged on each concern of [`audit::evaluate`].
fn check_3_2_2(f: &Facts) -> Outcome {
    let i = match api(f) {
        Ok(i) => i,
        Err(o) => return o,
    };
    let (policy, mut ev) = match audit_policy(f, i) {
        Ok(x) => x,
        Err(o) => return o,
    };
    let Some(policy) = policy else {
        return Outcome::judge(false, ev);
    };
    let mut ok = true;
    for j in audit::evaluate(&policy, f.benchmark) {
        ok &= j.ok;
        let mark = if j.ok { "met" } else { "NOT MET" };
        ev.push(format!("[{mark}] {}", j.concern.describe()));
        ev.extend(j.evidence.into_iter().map(|e| format!("  {e}")));
    }
    Outcome::judge(ok, ev)
}

// ---------------------------------------------------------------------
// The catalog.

use Assessment::Manual;

const R_USERS: &str = "Users should authenticate through an identity provider (OIDC/JWT) that supports revocation, groups and central offboarding; this mechanism offers none of that for people.";

/// Control plane configuration checks, CIS Kubernetes Benchmark section 3.
pub const CONTROLPLANE_CHECKS: &[CheckDef] = &[
    CheckDef {
        id: "3.1.1",
        title: "Client certificate authentication should not be used for users",
        assessment: Manual,
        rationale: "Client certificates cannot be revoked and their group memberships are fixed at issue time; a leaked user certificate stays valid until it expires.",
        remediation: "Give users an OIDC/JWT authenticator (--authentication-config with jwt issuers, or --oidc-issuer-url) and issue client certificates only to components.",
        eval: |f| user_authn(f, client_certs),
    },
    CheckDef {
        id: "3.1.2",
        title: "Service account token authentication should not be used for users",
        assessment: Manual,
        rationale: R_USERS,
        remediation: "Give users an OIDC/JWT authenticator and keep service account tokens for workloads.",
        eval: |f| user_authn(f, service_account_tokens),
    },
    CheckDef {
        id: "3.1.3",
        title: "Bootstrap token authentication should not be used for users",
        assessment: Manual,
        rationale: R_USERS,
        remediation: "Use bootstrap tokens only to join nodes (or set --enable-bootstrap-token-auth=false) and give users an OIDC/JWT authenticator.",
        eval: |f| user_authn(f, bootstrap_tokens),
    },
    CheckDef {
        id: "3.2.1",
        title: "Ensure that a minimal audit policy is created",
        assessment: Manual,
        rationale: "Without an audit policy and a backend the API server records nothing about who did what, which incident response needs.",
        remediation: "Write an audit.k8s.io/v1 Policy, pass it with --audit-policy-file and set --audit-log-path (or --audit-webhook-config-file).",
        eval: check_3_2_1,
    },
    CheckDef {
        id: "3.2.2",
        title: "Ensure that the audit policy covers key security concerns",
        assessment: Manual,
        rationale: "The policy decides what is recorded: exec into pods and RBAC changes must be, while secret values and tokens must never be written to the log.",
        remediation: "Log secrets, configmaps, serviceaccounts/token and tokenreviews at Metadata only; pods/exec, pods/attach, pods/portforward and RBAC changes at Metadata or above; end with a catch-all Metadata rule.",
        eval: check_3_2_2,
    },
];
