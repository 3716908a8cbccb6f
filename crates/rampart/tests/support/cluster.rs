//! rampart-testapi — a local HTTPS server speaking the Kubernetes API,
//! reached over a real socket exactly as a cluster is — and what a test
//! learns from the requests it answered.

use std::path::PathBuf;

use rampart_testapi::{Caller, Options, Running, objects_from_paths, start_blocking};

/// The bearer token the server requires and [`kubeconfig`] carries.
pub const TOKEN: &str = "test-token";

/// A server of Kubernetes v1.33.2 with the objects of `fixtures` (files
/// or directories), requiring [`TOKEN`]; `tweak` changes the rest.
pub fn server(fixtures: &[PathBuf], tweak: impl FnOnce(&mut Options)) -> Running {
    let mut opts = Options {
        objects: objects_from_paths(fixtures).unwrap(),
        git_version: "v1.33.2".into(),
        token: Some(TOKEN.into()),
        ..Options::default()
    };
    tweak(&mut opts);
    start_blocking(opts).unwrap()
}

/// A kubeconfig for `server` (context `test`) with `token`, in a temporary
/// directory that lives as long as the returned handle.
pub fn kubeconfig(server: &Running, token: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    server.write_kubeconfig(&path, "test", Some(token)).unwrap();
    (dir, path)
}

/// An API request in `rampart rbac can` terms: (verb, resource or URL,
/// namespace).
pub type RbacRequest = (String, String, Option<String>);

/// The [`RbacRequest`] of a request's path and query.
fn rbac_request(path_and_query: &str) -> RbacRequest {
    let path = path_and_query.split('?').next().unwrap();
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (group, rest) = match parts.as_slice() {
        ["api", "v1", rest @ ..] => ("", rest),
        ["apis", g, _v, rest @ ..] => (*g, rest),
        _ => return ("get".into(), path.into(), None),
    };
    let (namespace, rest) = match rest {
        ["namespaces", ns, rest @ ..] if !rest.is_empty() => (Some(ns.to_string()), rest),
        _ => (None, rest),
    };
    let qualified = |r: &str| {
        if group.is_empty() {
            r.to_string()
        } else {
            format!("{r}.{group}")
        }
    };
    match rest {
        [] => ("get".into(), path.into(), None),
        [resource] => ("list".into(), qualified(resource), namespace),
        [resource, name] => (
            "get".into(),
            format!("{}/{name}", qualified(resource)),
            namespace,
        ),
        _ => panic!("unexpected request {path_and_query}"),
    }
}

/// The distinct requests `server` answered to callers with credentials,
/// and those of them (`verb resource namespace` each) that `rampart rbac
/// can` says `subject` may not send under the RBAC objects in `rbac_file`
/// (relative to the workspace root).
pub fn rbac_refusals(
    server: &Running,
    subject: &str,
    rbac_file: &str,
) -> (Vec<RbacRequest>, Vec<String>) {
    let mut asked: Vec<RbacRequest> = server
        .requests()
        .iter()
        .filter(|r| r.caller != Caller::Anonymous)
        .map(|r| rbac_request(&r.path_and_query))
        .collect();
    asked.sort();
    asked.dedup();
    let mut refused = Vec::new();
    for (verb, resource, namespace) in &asked {
        let mut args = vec![
            "rbac",
            "can",
            subject,
            verb.as_str(),
            resource.as_str(),
            "-f",
            rbac_file,
        ];
        match namespace {
            Some(ns) => args.extend(["-n", ns.as_str()]),
            None if !resource.starts_with('/') => args.push("-A"),
            None => {}
        }
        let (code, _, err) = super::run(&args);
        assert!(code <= 1, "{args:?}: {err}");
        if code == 1 {
            refused.push(format!("{verb} {resource} {namespace:?}"));
        }
    }
    (asked, refused)
}
