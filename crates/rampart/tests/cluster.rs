//! End-to-end tests of live-cluster mode: `scan`, `rbac` and `netpol`
//! with `--cluster`, and `snapshot`, against rampart-testapi — a local
//! HTTPS server speaking the Kubernetes API, reached by kube-rs over a
//! real socket exactly as a cluster is.

pub mod support;

use std::path::{Path, PathBuf};

use rampart_testapi::{Forbidden, Options, Running, start_blocking};
use serde_json::Value;
use support::cluster::{TOKEN, kubeconfig, rbac_refusals};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cluster")
}

fn server(tweak: impl FnOnce(&mut Options)) -> Running {
    support::cluster::server(&[fixture()], tweak)
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn rampart(args: &[&str]) -> Out {
    let (code, stdout, stderr) = support::run(args);
    Out {
        code,
        stdout,
        stderr,
    }
}

/// The findings of a JSON report, without where they were read from:
/// the same cluster live and as a snapshot must give exactly these.
fn findings(report: &str) -> Vec<Value> {
    let v: Value = serde_json::from_str(report).unwrap_or_else(|e| panic!("{e}: {report}"));
    let mut out: Vec<Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            serde_json::json!({
                "rule": f["rule"], "severity": f["severity"], "message": f["message"],
                "object": f["object"], "pointer": f["location"]["pointer"],
                "fingerprint": f["fingerprint"],
            })
        })
        .collect();
    out.sort_by_key(|v| v.to_string());
    out
}

fn rules_of(findings: &[Value]) -> Vec<String> {
    let mut r: Vec<String> = findings
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect();
    r.sort();
    r.dedup();
    r
}

#[test]
fn scan_cluster_reports_on_controllers_and_bare_pods_read_only() {
    let s = server(|_| {});
    let (_d, kc) = kubeconfig(&s, TOKEN);
    let out = rampart(&["scan", "--kubeconfig", kc.to_str().unwrap(), "-o", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let f = findings(&out.stdout);
    let on = |kind: &str, name: &str| {
        f.iter()
            .filter(|x| x["object"]["kind"] == kind && x["object"]["name"] == name)
            .count()
    };
    // The Deployment carries its pods' findings; its ReplicaSet and pods none.
    assert!(on("Deployment", "web") > 0);
    assert_eq!(on("ReplicaSet", "web-7d4b9c"), 0);
    assert_eq!(on("Pod", "web-7d4b9c-a1"), 0);
    // The bare pod is reported on its own.
    assert!(
        f.iter()
            .any(|x| x["object"]["name"] == "debug" && x["rule"] == "privileged-container")
    );
    // RBAC and NetworkPolicy analyses run on the cluster's objects too.
    let rules = rules_of(&f);
    for rule in ["rbac-cluster-admin", "netpol-namespace-without-policies"] {
        assert!(
            rules.iter().any(|r| r == rule),
            "{rule} missing from {rules:?}"
        );
    }
    // Never a write, never a Secret's value.
    let requests = s.requests();
    assert!(!requests.is_empty());
    for r in &requests {
        assert_eq!(r.method, "GET", "{r:?}");
        if r.path_and_query.contains("/secrets") {
            let accept = r.accept.as_deref().unwrap_or_default();
            assert!(accept.contains("as=PartialObjectMetadata"), "{r:?}");
        }
    }
    for secret in ["c3VwZXJzZWNyZXQ", "supersecret", "hunter2"] {
        assert!(!out.stdout.contains(secret), "{secret} in the report");
        assert!(!out.stderr.contains(secret), "{secret} on stderr");
    }
}

#[test]
fn a_snapshot_gives_the_same_findings_as_the_live_cluster() {
    let s = server(|_| {});
    let (dir, kc) = kubeconfig(&s, TOKEN);
    let kc = kc.to_str().unwrap();
    let snap = dir.path().join("snap");
    let snap = snap.to_str().unwrap();
    let out = rampart(&["snapshot", "--kubeconfig", kc, "-o", snap]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("wrote "), "{}", out.stderr);
    for file in [
        "cluster.yaml",
        "cluster/nodes.yaml",
        "cluster/clusterroles.rbac.authorization.k8s.io.yaml",
        "namespaces/shop/deployments.apps.yaml",
        "namespaces/shop/pods.yaml",
        "namespaces/ci/secrets.yaml",
    ] {
        assert!(Path::new(snap).join(file).is_file(), "{file} missing");
    }
    let written =
        std::fs::read_to_string(Path::new(snap).join("namespaces/ci/secrets.yaml")).unwrap();
    assert!(!written.contains("c3VwZXJzZWNyZXQ"), "{written}");
    assert!(
        written.contains("kubernetes.io/service-account-token"),
        "{written}"
    );
    let nodes = std::fs::read_to_string(Path::new(snap).join("cluster/nodes.yaml")).unwrap();
    assert!(
        !nodes.contains("managedFields") && !nodes.contains("sizeBytes"),
        "{nodes}"
    );

    for command in [&["scan"][..], &["rbac"], &["netpol"]] {
        let live: Vec<&str> = command
            .iter()
            .copied()
            .chain(["--kubeconfig", kc, "-o", "json"])
            .collect();
        let offline: Vec<&str> = command
            .iter()
            .copied()
            .chain([snap, "-o", "json"])
            .collect();
        let (a, b) = (rampart(&live), rampart(&offline));
        assert_eq!(a.code, b.code, "{command:?}: {} / {}", a.stderr, b.stderr);
        let (fa, fb) = (findings(&a.stdout), findings(&b.stdout));
        assert!(!fa.is_empty(), "{command:?}");
        assert_eq!(fa, fb, "{command:?}");
    }
    // The question commands read the same cluster the same way.
    let live = rampart(&["netpol", "matrix", "--kubeconfig", kc, "-o", "json"]);
    let offline = rampart(&["netpol", "matrix", "-f", snap, "-o", "json"]);
    assert_eq!(live.code, 0, "{}", live.stderr);
    assert_eq!(live.stdout, offline.stdout);
    let live = rampart(&[
        "rbac",
        "who-can",
        "get",
        "secrets",
        "-n",
        "shop",
        "--kubeconfig",
        kc,
    ]);
    let offline = rampart(&[
        "rbac", "who-can", "get", "secrets", "-n", "shop", "-f", snap,
    ]);
    assert_eq!(live.stdout, offline.stdout);
    assert!(live.stdout.contains("sa:ci:deployer"), "{}", live.stdout);

    // A second snapshot into the same place needs --overwrite.
    let again = rampart(&["snapshot", "--kubeconfig", kc, "-o", snap]);
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("--overwrite"), "{}", again.stderr);
    let again = rampart(&["snapshot", "--kubeconfig", kc, "-o", snap, "--overwrite"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
}

#[test]
fn forbidden_lists_are_coverage_gaps_and_the_scan_goes_on() {
    let s = server(|o| {
        o.forbidden = vec![Forbidden {
            group: String::new(),
            resource: "secrets".into(),
            namespace: None,
        }]
    });
    let (_d, kc) = kubeconfig(&s, TOKEN);
    let out = rampart(&["scan", "--kubeconfig", kc.to_str().unwrap(), "-o", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("coverage-gap") && out.stderr.contains("grant `list` on `secrets`"),
        "{}",
        out.stderr
    );
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    let diags = report["diagnostics"].to_string();
    assert!(diags.contains("coverage-gap"), "{diags}");
    assert!(!findings(&out.stdout).is_empty());
}

#[test]
fn namespace_limits_what_is_read() {
    let s = server(|_| {});
    let (_d, kc) = kubeconfig(&s, TOKEN);
    let out = rampart(&[
        "scan",
        "--kubeconfig",
        kc.to_str().unwrap(),
        "-n",
        "payments",
        "-o",
        "json",
    ]);
    assert!(out.code <= 1, "{}", out.stderr);
    for f in findings(&out.stdout) {
        let ns = f["object"]["namespace"].as_str();
        assert!(ns.is_none() || ns == Some("payments"), "{f}");
    }
    let namespaced: Vec<_> = s
        .requests()
        .into_iter()
        .filter(|r| r.path_and_query.contains("/pods"))
        .collect();
    assert!(!namespaced.is_empty());
    assert!(
        namespaced
            .iter()
            .all(|r| r.path_and_query.contains("/namespaces/payments/"))
    );
}

#[test]
fn refused_credentials_unreachable_servers_and_silence_are_clear_errors() {
    let s = server(|_| {});
    let (_d, kc) = kubeconfig(&s, "wrong-token");
    let out = rampart(&["scan", "--kubeconfig", kc.to_str().unwrap()]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("refused the credentials"),
        "{}",
        out.stderr
    );

    // Nothing listens on the port of a server that has stopped.
    let (_d2, kc2) = kubeconfig(&s, TOKEN);
    drop(s);
    let out = rampart(&["scan", "--kubeconfig", kc2.to_str().unwrap()]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("cannot reach the API server"),
        "{}",
        out.stderr
    );

    // A server that accepts and never answers ends in a timeout, not a hang.
    let s = server(|o| o.stall = true);
    let (_d3, kc3) = kubeconfig(&s, TOKEN);
    let started = std::time::Instant::now();
    let out = rampart(&[
        "scan",
        "--kubeconfig",
        kc3.to_str().unwrap(),
        "--request-timeout",
        "2s",
    ]);
    assert_eq!(out.code, 2);
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    assert!(
        out.stderr.contains("did not answer") || out.stderr.contains("cannot reach"),
        "{}",
        out.stderr
    );

    let out = rampart(&["scan", "--kubeconfig", "/nonexistent/kubeconfig"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("kubeconfig"), "{}", out.stderr);
    let s = server(|_| {});
    let (_d4, kc4) = kubeconfig(&s, TOKEN);
    let out = rampart(&[
        "scan",
        "--kubeconfig",
        kc4.to_str().unwrap(),
        "--context",
        "nope",
    ]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("no context named `nope`"),
        "{}",
        out.stderr
    );
}

#[test]
fn files_and_cluster_are_one_or_the_other() {
    let out = rampart(&["scan", "deploy", "--cluster"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("either"), "{}", out.stderr);
    let out = rampart(&["scan", "deploy", "-n", "x"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("needs --cluster"), "{}", out.stderr);
}

#[test]
fn the_deploy_role_allows_every_request_a_cluster_scan_sends() {
    let s = server(|_| {});
    let (_d, kc) = kubeconfig(&s, TOKEN);
    let out = rampart(&[
        "scan",
        "--kubeconfig",
        kc.to_str().unwrap(),
        "--probe-anonymous",
    ]);
    assert!(out.code <= 1, "{}", out.stderr);
    let (asked, refused) = rbac_refusals(&s, "sa:rampart-system:rampart", "deploy/rbac.yaml");
    assert!(asked.len() > 20, "{asked:?}");
    // Secrets only, by design: RBAC cannot grant metadata-only reads
    // (deploy/rbac.yaml says why).
    assert!(
        refused.iter().all(|r| r.contains(" secrets ")),
        "deploy/rbac.yaml does not allow: {refused:?}"
    );
    assert!(
        !refused.is_empty(),
        "secrets are expected to stay ungranted"
    );
}

#[test]
fn rampart_s_own_manifests_pass_its_rules() {
    let out = rampart(&["scan", "deploy", "--no-config"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
}

#[test]
fn versions_tables_every_component_and_runs_the_lifecycle_rules() {
    let s = server(|o| o.anonymous_api = true);
    let (_d, kc) = kubeconfig(&s, TOKEN);
    let kc = kc.to_str().unwrap();
    let out = rampart(&["versions", "--kubeconfig", kc, "--color", "never"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    for text in [
        "control plane",
        "v1.33.2",
        "node-b kubelet",
        "v1.30.1",
        "LATEST PATCH",
    ] {
        assert!(out.stdout.contains(text), "{text} missing:\n{}", out.stdout);
    }
    assert!(
        out.stdout.contains("kubernetes-version-outdated-patch"),
        "{}",
        out.stdout
    );
    // Only lifecycle rules (and the API-version check) run here.
    assert!(
        !out.stdout.contains("privileged-container"),
        "{}",
        out.stdout
    );
    // The anonymous probe is opt-in; answered 200, it is a finding.
    let out = rampart(&[
        "scan",
        "--kubeconfig",
        kc,
        "--probe-anonymous",
        "-o",
        "json",
    ]);
    let rules = rules_of(&findings(&out.stdout));
    assert!(
        rules.iter().any(|r| r == "api-server-anonymous-access"),
        "{rules:?}"
    );
    let out = rampart(&["scan", "--kubeconfig", kc, "-o", "json"]);
    let rules = rules_of(&findings(&out.stdout));
    assert!(
        !rules.iter().any(|r| r == "api-server-anonymous-access"),
        "{rules:?}"
    );
}

#[test]
fn target_version_judges_manifests_for_a_planned_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("flow.yaml");
    std::fs::write(
        &manifest,
        "apiVersion: flowcontrol.apiserver.k8s.io/v1beta3\nkind: FlowSchema\nmetadata:\n  name: fs\nspec: {}\n",
    )
    .unwrap();
    let m = manifest.to_str().unwrap();
    let judge = |version: &str| {
        let out = rampart(&[
            "scan",
            m,
            "--no-config",
            "--rule",
            "deprecated-api-version",
            "--target-version",
            version,
            "-o",
            "json",
        ]);
        findings(&out.stdout)
            .iter()
            .map(|f| f["message"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert!(judge("1.28").is_empty(), "not yet deprecated at 1.28");
    let at_31 = judge("1.31");
    assert!(
        at_31.len() == 1 && at_31[0].contains("deprecated since"),
        "{at_31:?}"
    );
    let at_32 = judge("v1.32");
    assert!(
        at_32.len() == 1 && at_32[0].contains("no longer served"),
        "{at_32:?}"
    );
    let out = rampart(&["scan", m, "--target-version", "latest-ish"]);
    assert_eq!(out.code, 2);
}

#[test]
fn data_shows_the_built_in_data_and_its_age() {
    let out = rampart(&["data", "-o", "json"]);
    assert!(out.code <= 1, "{}", out.stderr);
    let files: Value = serde_json::from_str(&out.stdout).unwrap();
    let names: Vec<&str> = files
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["releases.yaml", "cves.yaml", "deprecated-apis.yaml"]
    );
    // Years old on any day: always a warning and exit 1.
    let out = rampart(&["data", "--max-data-age", "0"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("more than 0 days old"),
        "{}",
        out.stderr
    );
}

#[test]
fn kubeconfig_lists_skip_missing_files_as_kubectl_does() {
    let s = server(|_| {});
    let (dir, kc) = kubeconfig(&s, TOKEN);
    let missing = dir.path().join("missing.yaml");
    let list = std::env::join_paths([missing.as_path(), kc.as_path()]).unwrap();
    let out = support::command()
        .env("KUBECONFIG", &list)
        .args(["scan", "--cluster", "--context", "test", "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A file that exists but is broken is an error, not another cluster.
    let broken = dir.path().join("broken.yaml");
    std::fs::write(&broken, "clusters: [").unwrap();
    let list = std::env::join_paths([broken.as_path(), kc.as_path()]).unwrap();
    let out = support::command()
        .env("KUBECONFIG", &list)
        .args(["scan", "--cluster"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("broken.yaml"), "{stderr}");
}

#[test]
fn snapshot_never_touches_directories_it_did_not_write() {
    let s = server(|_| {});
    let (dir, kc) = kubeconfig(&s, TOKEN);
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(repo.join("cluster")).unwrap();
    std::fs::write(repo.join("cluster/important.yaml"), "kind: ConfigMap\n").unwrap();
    let out = rampart(&[
        "snapshot",
        "--kubeconfig",
        kc.to_str().unwrap(),
        "-o",
        repo.to_str().unwrap(),
        "--overwrite",
    ]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("no rampart cluster.yaml"),
        "{}",
        out.stderr
    );
    assert!(repo.join("cluster/important.yaml").is_file());
    // A failed read leaves an existing snapshot in place.
    let snap = dir.path().join("snap");
    let snap = snap.to_str().unwrap();
    assert_eq!(
        rampart(&["snapshot", "--kubeconfig", kc.to_str().unwrap(), "-o", snap]).code,
        0
    );
    let (_d2, bad) = kubeconfig(&s, "wrong-token");
    let out = rampart(&[
        "snapshot",
        "--kubeconfig",
        bad.to_str().unwrap(),
        "-o",
        snap,
        "--overwrite",
    ]);
    assert_eq!(out.code, 2);
    assert!(Path::new(snap).join("cluster.yaml").is_file());
}

#[test]
fn token_secrets_are_found_namespace_by_namespace_when_cluster_wide_reads_are_refused() {
    let s = server(|o| o.forbidden = vec!["secrets@kube-system".parse().unwrap()]);
    let (dir, kc) = kubeconfig(&s, TOKEN);
    let snap = dir.path().join("snap");
    let out = rampart(&[
        "snapshot",
        "--kubeconfig",
        kc.to_str().unwrap(),
        "-o",
        snap.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("coverage-gap"), "{}", out.stderr);
    let written = std::fs::read_to_string(snap.join("namespaces/ci/secrets.yaml")).unwrap();
    assert!(
        written.contains("kubernetes.io/service-account-token"),
        "{written}"
    );
}

#[test]
fn an_expired_continue_token_means_one_full_list_not_half_a_list() {
    let objects = rampart_testapi::synthetic(3000);
    let pods = objects.iter().filter(|o| o["kind"] == "Pod").count();
    assert!(pods > 500, "the test needs more than one page of pods");
    let s = start_blocking(Options {
        objects,
        token: Some(TOKEN.into()),
        expire_continue: true,
        ..Options::default()
    })
    .unwrap();
    let (dir, kc) = kubeconfig(&s, TOKEN);
    let snap = dir.path().join("snap");
    let out = rampart(&[
        "snapshot",
        "--kubeconfig",
        kc.to_str().unwrap(),
        "-o",
        snap.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stderr.contains("coverage-gap"), "{}", out.stderr);
    let mut written = 0;
    for entry in walk(&snap.join("namespaces")) {
        if entry.ends_with("pods.yaml") {
            written += std::fs::read_to_string(&entry)
                .unwrap()
                .matches("---\n")
                .count();
        }
    }
    assert_eq!(written, pods);
    let relisted = s
        .requests()
        .iter()
        .any(|r| r.path_and_query == "/api/v1/pods" && r.status == 200);
    assert!(relisted, "no full relist after the 410");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn a_credential_plugin_that_never_returns_times_out() {
    let s = server(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("config");
    let config = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: sso\nclusters:\n- name: c\n  cluster:\n    server: {}\n    insecure-skip-tls-verify: true\ncontexts:\n- name: sso\n  context: {{cluster: c, user: u}}\nusers:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: sleep\n      args: [\"60\"]\n      interactiveMode: Never\n",
        s.url()
    );
    std::fs::write(&kc, config).unwrap();
    let started = std::time::Instant::now();
    let out = rampart(&[
        "scan",
        "--kubeconfig",
        kc.to_str().unwrap(),
        "--request-timeout",
        "2s",
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert!(out.stderr.contains("credentials"), "{}", out.stderr);
}

#[test]
fn read_metrics_reports_deprecated_versions_clients_still_request() {
    let metrics = "# TYPE apiserver_requested_deprecated_apis gauge\n\
apiserver_requested_deprecated_apis{group=\"flowcontrol.apiserver.k8s.io\",removed_release=\"1.32\",resource=\"flowschemas\",subresource=\"\",version=\"v1beta3\"} 1\n\
apiserver_requested_deprecated_apis{group=\"\",removed_release=\"\",resource=\"endpoints\",subresource=\"\",version=\"v1\"} 1\n";
    let s = server(|o| o.metrics = Some(metrics.into()));
    let (dir, kc) = kubeconfig(&s, TOKEN);
    let kc = kc.to_str().unwrap();
    let out = rampart(&["scan", "--kubeconfig", kc, "--read-metrics", "-o", "json"]);
    let found: Vec<Value> = findings(&out.stdout)
        .into_iter()
        .filter(|f| f["rule"] == "deprecated-api-requested")
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    let message = found[0]["message"].as_str().unwrap();
    assert!(
        message.contains("flowschemas at flowcontrol.apiserver.k8s.io/v1beta3"),
        "{message}"
    );
    // Read only when asked: /metrics is not in the default role.
    s.clear_requests();
    let snap = dir.path().join("snap");
    let out = rampart(&["snapshot", "--kubeconfig", kc, "-o", snap.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        !s.requests()
            .iter()
            .any(|r| r.path_and_query.starts_with("/metrics"))
    );
    // Refused, it is a coverage gap like any other read.
    let s = server(|_| {});
    let (_d, kc) = kubeconfig(&s, TOKEN);
    let out = rampart(&[
        "scan",
        "--kubeconfig",
        kc.to_str().unwrap(),
        "--read-metrics",
    ]);
    assert!(
        out.stderr.contains("could not get /metrics"),
        "{}",
        out.stderr
    );
}
