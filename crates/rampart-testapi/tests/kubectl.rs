//! Conformance with the real kubectl: if kubectl reads the server like a
//! cluster (TLS with the kubeconfig's CA, bearer token, discovery,
//! chunked lists, errors), the server speaks the protocol.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{TOKEN, small_cluster};
use rampart_testapi::{Forbidden, Options, Running, start_blocking};
use serde_json::Value;

/// `$RAMPART_TESTAPI_KUBECTL` (to try another release), else
/// `/usr/bin/kubectl`, else `kubectl` on PATH. Missing kubectl fails the
/// test rather than skipping it: CI must prove conformance.
fn kubectl_binary() -> PathBuf {
    if let Some(k) = std::env::var_os("RAMPART_TESTAPI_KUBECTL") {
        return PathBuf::from(k);
    }
    let usr = Path::new("/usr/bin/kubectl");
    if usr.is_file() {
        return usr.to_path_buf();
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|d| d.join("kubectl"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "kubectl not found at /usr/bin/kubectl nor on PATH: install Debian's `kubernetes-client` \
                 package (apt-get install -y kubernetes-client); these tests check the server against \
                 the real kubectl"
            )
        })
}

/// kubectl pointed at one server, with its own kubeconfig and discovery
/// cache (so no test sees another's cached discovery).
struct Kubectl {
    binary: PathBuf,
    kubeconfig: PathBuf,
    cache: PathBuf,
    _dir: tempfile::TempDir,
}

impl Kubectl {
    fn new(server: &Running, token: Option<&str>) -> Kubectl {
        let dir = tempfile::tempdir().expect("temp dir");
        let kubeconfig = dir.path().join("kubeconfig");
        server
            .write_kubeconfig(&kubeconfig, "testapi", token)
            .expect("kubeconfig");
        Kubectl {
            binary: kubectl_binary(),
            kubeconfig,
            cache: dir.path().join("cache"),
            _dir: dir,
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(&self.binary)
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .arg("--cache-dir")
            .arg(&self.cache)
            .arg("--request-timeout=30s")
            .args(args)
            .env_remove("KUBECONFIG")
            .stdin(std::process::Stdio::null())
            .output()
            .expect("kubectl runs")
    }

    /// Runs and requires success; stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "kubectl {args:?} failed: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs and requires failure; stderr.
    fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            !out.status.success(),
            "kubectl {args:?} succeeded: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }
}

fn server(opts: Options) -> Running {
    start_blocking(Options {
        token: Some(TOKEN.into()),
        tls: true,
        ..opts
    })
    .expect("server starts")
}

/// kubectl never writes: every request it made was a read.
fn only_reads(server: &Running) {
    let writes: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.method != "GET" && r.method != "HEAD")
        .collect();
    assert!(writes.is_empty(), "{writes:?}");
}

#[test]
fn version_and_api_resources() {
    let server = server(small_cluster());
    let kubectl = Kubectl::new(&server, Some(TOKEN));
    let version: Value =
        serde_json::from_str(&kubectl.ok(&["version", "-o", "json"])).expect("JSON");
    assert_eq!(version["serverVersion"]["gitVersion"], "v1.33.2");
    assert_eq!(version["serverVersion"]["minor"], "33");

    let resources = kubectl.ok(&["api-resources"]);
    let row = |name: &str| {
        resources
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("{name} not in:\n{resources}"))
            .split_whitespace()
            .collect::<Vec<_>>()
    };
    assert_eq!(
        row("deployments"),
        ["deployments", "deploy", "apps/v1", "true", "Deployment"]
    );
    assert_eq!(row("pods"), ["pods", "po", "v1", "true", "Pod"]);
    assert_eq!(
        row("clusterroles"),
        [
            "clusterroles",
            "rbac.authorization.k8s.io/v1",
            "false",
            "ClusterRole"
        ]
    );
    assert_eq!(row("horizontalpodautoscalers")[2], "autoscaling/v2");
    // Discovery (aggregated for kubectl 1.26+, per group before) all
    // answered, with the token.
    let reqs = server.requests();
    assert!(reqs.iter().any(|r| r.path_and_query.starts_with("/apis")));
    assert!(reqs.iter().all(|r| r.status == 200), "{reqs:?}");
    assert!(
        reqs.iter()
            .filter(|r| !r.path_and_query.starts_with("/version"))
            .all(|r| r.caller == rampart_testapi::Caller::Token)
    );
    only_reads(&server);
}

#[test]
fn legacy_discovery_only() {
    let server = server(Options {
        aggregated_discovery: false,
        ..small_cluster()
    });
    let kubectl = Kubectl::new(&server, Some(TOKEN));
    let resources = kubectl.ok(&["api-resources"]);
    assert!(resources.contains("networkpolicies"), "{resources}");
    let out = kubectl.ok(&["get", "deploy", "-n", "shop", "web", "-o", "name"]);
    assert_eq!(out.trim(), "deployment.apps/web");
    // Per-group documents were read, as old clients do.
    assert!(
        server
            .requests()
            .iter()
            .any(|r| r.path_and_query.starts_with("/apis/apps/v1"))
    );
}

fn pod_names(json: &str) -> Vec<String> {
    let list: Value = serde_json::from_str(json).expect("JSON");
    assert_eq!(list["kind"], "List");
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| {
            assert_eq!(p["kind"], "Pod");
            format!(
                "{}/{}",
                p["metadata"]["namespace"].as_str().unwrap_or(""),
                p["metadata"]["name"].as_str().unwrap_or("")
            )
        })
        .collect()
}

#[test]
fn get_pods_in_chunks() {
    let server = server(small_cluster());
    let kubectl = Kubectl::new(&server, Some(TOKEN));
    let all = pod_names(&kubectl.ok(&["get", "pods", "-A", "-o", "json"]));
    assert_eq!(all.len(), 5, "{all:?}");
    let lists: Vec<String> = server
        .requests()
        .into_iter()
        .filter(|r| r.path_and_query.starts_with("/api/v1/pods"))
        .map(|r| r.path_and_query)
        .collect();
    // kubectl's default --chunk-size: one page of 500.
    assert_eq!(lists.len(), 1, "{lists:?}");
    assert!(
        lists[0].contains("limit=500") && !lists[0].contains("continue"),
        "{lists:?}"
    );

    server.clear_requests();
    let chunked = pod_names(&kubectl.ok(&["get", "pods", "-A", "-o", "json", "--chunk-size=2"]));
    assert_eq!(chunked, all);
    let pages: Vec<String> = server
        .requests()
        .into_iter()
        .filter(|r| r.path_and_query.starts_with("/api/v1/pods"))
        .map(|r| r.path_and_query)
        .collect();
    assert_eq!(pages.len(), 3, "{pages:?}");
    assert!(
        pages[1..].iter().all(|p| p.contains("continue=")),
        "{pages:?}"
    );

    // The human table (no Table support here: kubectl falls back).
    let table = kubectl.ok(&["get", "pods", "-n", "shop", "--chunk-size=2"]);
    assert_eq!(table.lines().count(), 5, "{table}");
    assert!(table.contains("web-7d9f8b6c5d-tq8vn"));
    only_reads(&server);
}

#[test]
fn get_one_deployment_as_yaml() {
    let server = server(small_cluster());
    let kubectl = Kubectl::new(&server, Some(TOKEN));
    let yaml = kubectl.ok(&["get", "deploy", "-n", "shop", "web", "-o", "yaml"]);
    for line in [
        "apiVersion: apps/v1",
        "kind: Deployment",
        "  name: web",
        "  namespace: shop",
        "        image: registry.example.com/shop/web:1.4.2",
    ] {
        assert!(yaml.lines().any(|l| l == line), "{line:?} not in:\n{yaml}");
    }
    let missing = kubectl.fails(&["get", "deploy", "-n", "shop", "nope"]);
    assert!(
        missing.contains("NotFound") || missing.contains("not found"),
        "{missing}"
    );
    only_reads(&server);
}

#[test]
fn get_secrets_everywhere() {
    let server = server(small_cluster());
    let kubectl = Kubectl::new(&server, Some(TOKEN));
    let out = kubectl.ok(&["get", "secrets", "-A"]);
    assert!(out.contains("web-db") && out.contains("web-token"), "{out}");
    only_reads(&server);
}

#[test]
fn bad_token_is_unauthorized() {
    let server = server(small_cluster());
    let kubectl = Kubectl::new(&server, Some("not-the-token"));
    // kubectl words a 401 Status "Unauthorized" as "You must be logged in
    // to the server (...)": older releases add "(Unauthorized)", newer ones
    // "(the server has asked for the client to provide credentials)" — the
    // same as against a real cluster.
    let unauthorized = |err: &str| {
        err.contains("Unauthorized") || err.contains("You must be logged in to the server")
    };
    let err = kubectl.fails(&["get", "pods", "-A"]);
    assert!(unauthorized(&err), "{err}");
    // Every request was refused, and answered with the 401 Status.
    let reqs = server.requests();
    assert!(
        reqs.iter()
            .any(|r| r.caller == rampart_testapi::Caller::BadToken)
    );
    assert!(
        reqs.iter()
            .filter(|r| r.caller == rampart_testapi::Caller::BadToken)
            .all(|r| r.status == 401),
        "{reqs:?}"
    );
}

#[test]
fn forbidden_resource() {
    let server = server(Options {
        forbidden: vec!["secrets".parse::<Forbidden>().expect("forbid")],
        ..small_cluster()
    });
    let kubectl = Kubectl::new(&server, Some(TOKEN));
    let err = kubectl.fails(&["get", "secrets", "-A"]);
    assert!(err.contains("forbidden"), "{err}");
    assert!(err.contains("cannot list resource \"secrets\""), "{err}");
    // Everything else still reads.
    kubectl.ok(&["get", "configmaps", "-A"]);
}
