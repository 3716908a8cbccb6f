//! Node checks over synthetic node roots (the fixture trees under
//! `tests/fixtures/<name>`, built by `support`).

use std::fs;
use std::os::unix::fs::PermissionsExt;

use rampart_node::kubelet::{ConfigFileChoice, Source};
use rampart_node::{CheckResult, NodeRoot, Report, Status, Target, run};

mod support;
use support::build;

fn report(name: &str) -> Report {
    let fx = build(name);
    let root = NodeRoot::new(&fx.root).unwrap();
    run(&root, &[Target::Node], &Default::default())
}

fn result<'a>(r: &'a Report, id: &str) -> &'a CheckResult {
    r.results
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no {id}"))
}

const AUTOMATED: &[&str] = &[
    "4.1.1", "4.1.2", "4.1.5", "4.1.6", "4.1.9", "4.1.10", "4.2.1", "4.2.2", "4.2.3", "4.2.6",
    "4.2.10", "4.3.1",
];

#[test]
fn catalog_covers_section_4() {
    let r = report("hardened-kubeadm");
    let ids: Vec<&str> = r.results.iter().map(|c| c.id).collect();
    let mut want: Vec<String> = (1..=10).map(|i| format!("4.1.{i}")).collect();
    want.extend((1..=14).map(|i| format!("4.2.{i}")));
    want.push("4.3.1".into());
    assert_eq!(ids, want);
    for c in &r.results {
        assert!(
            !c.rationale.is_empty() && !c.remediation.is_empty(),
            "{}",
            c.id
        );
        let automated = AUTOMATED.contains(&c.id);
        assert_eq!(
            c.assessment == rampart_node::Assessment::Automated,
            automated,
            "{}",
            c.id
        );
    }
}

#[test]
fn hardened_worker_passes_every_automated_check() {
    let r = report("hardened-kubeadm");
    for id in AUTOMATED {
        let c = result(&r, id);
        assert_eq!(c.status, Status::Pass, "{id}: {:?}", c.evidence);
    }
    // Manual checks warn, with rampart's reading in the evidence.
    for c in r.results.iter().filter(|c| !AUTOMATED.contains(&c.id)) {
        assert_eq!(c.status, Status::Warn, "{}: {:?}", c.id, c.evidence);
        assert!(
            c.evidence.iter().any(|e| e.contains("reading is PASS")),
            "{}: {:?}",
            c.id,
            c.evidence
        );
    }
    let k = r.kubelet.as_ref().unwrap();
    assert_eq!(
        k.config_file.as_deref(),
        Some("/var/lib/kubelet/config.yaml")
    );
    assert_eq!(k.config_file_choice, Some(ConfigFileChoice::Flag));
    // The anonymous setting comes from the file, with its line.
    assert_eq!(
        k.get("authentication.anonymous.enabled").source,
        Source::File {
            path: "/var/lib/kubelet/config.yaml".into(),
            line: 5
        }
    );
}

/// Check `id`'s evidence mentions `needle`.
fn assert_evidence(r: &Report, id: &str, needle: &str) {
    let c = result(r, id);
    assert!(
        c.evidence.iter().any(|e| e.contains(needle)),
        "{id}: {needle:?} not in {:?}",
        c.evidence
    );
}

#[test]
fn misconfigured_worker_fails_every_automated_check_for_the_right_reason() {
    let r = report("misconfigured");
    for id in AUTOMATED {
        let c = result(&r, id);
        assert_eq!(c.status, Status::Fail, "{id}: {:?}", c.evidence);
    }
    let has = |id: &str, needle: &str| assert_evidence(&r, id, needle);
    has("4.1.1", "0666");
    has("4.1.2", "owned by kube:kube");
    has("4.1.5", "/etc/kubernetes/kubelet.conf is 0666");
    has("4.1.9", "/var/lib/kubelet/config.yaml is 0666");
    has("4.1.10", "owned by kube:kube");
    has("4.2.1", "\"true\" from /var/lib/kubelet/config.yaml:5");
    has("4.2.2", "\"AlwaysAllow\"");
    has("4.2.3", "unset");
    has("4.2.6", "\"false\" from /var/lib/kubelet/config.yaml");
    has("4.2.10", "\"false\" from /var/lib/kubelet/config.yaml");
    has("4.3.1", "0.0.0.0:10249");
    // Manual checks read FAIL where the setting is bad.
    for id in [
        "4.1.3", "4.1.4", "4.2.4", "4.2.5", "4.2.12", "4.2.13", "4.2.14",
    ] {
        let c = result(&r, id);
        assert_eq!(c.status, Status::Warn, "{id}");
        assert!(
            c.evidence.iter().any(|e| e.contains("reading is FAIL")),
            "{id}: {:?}",
            c.evidence
        );
    }
}

#[test]
fn the_config_file_named_by_the_kubelet_is_the_one_judged() {
    // /var/lib/kubelet/config.yaml exists and is insecure, but the kubelet
    // runs with --config=/etc/custom/kubelet/kubelet.yaml.
    let r = report("custom-config-path");
    let k = r.kubelet.as_ref().unwrap();
    assert_eq!(
        k.config_file.as_deref(),
        Some("/etc/custom/kubelet/kubelet.yaml")
    );
    for id in AUTOMATED {
        let c = result(&r, id);
        assert_eq!(c.status, Status::Pass, "{id}: {:?}", c.evidence);
    }
    assert!(result(&r, "4.1.9").evidence[0].contains("/etc/custom/kubelet/kubelet.yaml"));
    assert!(result(&r, "4.2.1").evidence[0].contains("/etc/custom/kubelet/kubelet.yaml:5"));
}

#[test]
fn command_line_flags_override_the_config_file() {
    let r = report("flag-overrides-file");
    let k = r.kubelet.as_ref().unwrap();
    // `--config /path` (space-separated) is understood.
    assert_eq!(
        k.config_file.as_deref(),
        Some("/var/lib/kubelet/config.yaml")
    );
    let anon = k.get("authentication.anonymous.enabled");
    assert_eq!(anon.value.as_deref(), Some("true"));
    assert!(matches!(&anon.source, Source::Flag { arg, .. } if arg == "--anonymous-auth"));
    assert_eq!(result(&r, "4.2.1").status, Status::Fail);
    assert_eq!(result(&r, "4.2.2").status, Status::Fail);
    assert_eq!(result(&r, "4.2.10").status, Status::Fail);
    // The file says 10255; the last --read-only-port flag says 0.
    let port = k.get("readOnlyPort");
    assert_eq!(port.value.as_deref(), Some("0"));
    assert!(matches!(&port.source, Source::Flag { arg, .. } if arg == "--read-only-port=0"));
    assert!(
        result(&r, "4.2.4")
            .evidence
            .iter()
            .any(|e| e.contains("reading is PASS"))
    );
    // Not overridden: still from the file.
    assert!(matches!(
        k.get("authentication.x509.clientCAFile").source,
        Source::File { .. }
    ));
    assert!(
        result(&r, "4.2.7")
            .evidence
            .iter()
            .any(|e| e.contains("worker-1"))
    );
}

#[test]
fn without_a_config_file_the_command_line_defaults_apply() {
    let fx = build("hardened-kubeadm");
    fs::remove_file(fx.root.join("var/lib/kubelet/config.yaml")).unwrap();
    fs::write(
        fx.root.join("proc/1234/cmdline"),
        b"/usr/bin/kubelet\0--kubeconfig=/etc/kubernetes/kubelet.conf\0",
    )
    .unwrap();
    let r = run(
        &NodeRoot::new(&fx.root).unwrap(),
        &[Target::Node],
        &Default::default(),
    );
    let k = r.kubelet.as_ref().unwrap();
    assert_eq!(k.config_file, None);
    assert!(matches!(
        k.get("readOnlyPort").source,
        Source::Default { .. }
    ));
    assert_eq!(k.get("readOnlyPort").value.as_deref(), Some("10255"));
    assert_eq!(result(&r, "4.2.1").status, Status::Fail);
    assert_eq!(result(&r, "4.2.2").status, Status::Fail);
    assert_eq!(result(&r, "4.1.9").status, Status::NotApplicable);
}

#[test]
fn no_kubelet_means_not_applicable() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(
        &NodeRoot::new(dir.path()).unwrap(),
        &[Target::Node],
        &Default::default(),
    );
    assert!(r.kubelet.is_none());
    assert!(r.results.iter().all(|c| c.status == Status::NotApplicable));
}

#[test]
fn static_pod_manifests_are_discovered() {
    let fx = build("hardened-kubeadm");
    let m = fx.root.join("etc/kubernetes/manifests");
    fs::create_dir_all(&m).unwrap();
    fs::write(
        m.join("kube-apiserver.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-apiserver\n  namespace: kube-system\nspec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n    - --anonymous-auth=false\n    - --authorization-mode=Node,RBAC\n    args: [\"--profiling=false\"]\n",
    )
    .unwrap();
    let r = run(
        &NodeRoot::new(&fx.root).unwrap(),
        &[Target::Node],
        &Default::default(),
    );
    let api = r
        .discovery
        .find(rampart_node::Component::KubeApiserver)
        .unwrap();
    assert_eq!(api.args.get("authorization-mode"), Some("Node,RBAC"));
    assert_eq!(api.args.get("profiling"), Some("false"));
    assert!(api.origin.to_string().contains("kube-apiserver.yaml"));
}

#[test]
fn drop_in_files_override_the_config_file_and_flags_override_both() {
    let fx = build("hardened-kubeadm");
    let d = fx.root.join("etc/kubernetes/kubelet.conf.d");
    fs::create_dir_all(&d).unwrap();
    let cfg = |body: &str| {
        format!("apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n{body}")
    };
    fs::write(
        d.join("10-a.conf"),
        cfg("readOnlyPort: 10255\nseccompDefault: false\n"),
    )
    .unwrap();
    fs::write(d.join("20-b.conf"), cfg("seccompDefault: true\n")).unwrap();
    fs::write(d.join("30-ignored.yaml"), cfg("readOnlyPort: 1\n")).unwrap();
    for n in ["10-a.conf", "20-b.conf"] {
        fs::set_permissions(d.join(n), fs::Permissions::from_mode(0o600)).unwrap();
    }
    fs::write(
        fx.root.join("proc/1234/cmdline"),
        b"/usr/bin/kubelet\0--kubeconfig=/etc/kubernetes/kubelet.conf\0--config=/var/lib/kubelet/config.yaml\0--config-dir=/etc/kubernetes/kubelet.conf.d\0--event-qps=7\0",
    )
    .unwrap();
    let r = run(
        &NodeRoot::new(&fx.root).unwrap(),
        &[Target::Node],
        &Default::default(),
    );
    let k = r.kubelet.as_ref().unwrap();
    assert_eq!(k.drop_in_files.len(), 2);
    let port = k.get("readOnlyPort");
    assert_eq!(port.value.as_deref(), Some("10255"));
    assert!(matches!(&port.source, Source::File { path, line: 3 } if path.ends_with("10-a.conf")));
    let sec = k.get("seccompDefault");
    assert_eq!(sec.value.as_deref(), Some("true"));
    assert!(matches!(&sec.source, Source::File { path, .. } if path.ends_with("20-b.conf")));
    assert_eq!(k.get("eventRecordQPS").value.as_deref(), Some("7"));
    assert!(matches!(
        k.get("eventRecordQPS").source,
        Source::Flag { .. }
    ));
    // 4.1.9 judges the drop-ins too.
    assert_eq!(result(&r, "4.1.9").status, Status::Pass);
    assert!(
        result(&r, "4.1.9")
            .evidence
            .iter()
            .any(|e| e.contains("20-b.conf"))
    );
}

#[test]
fn kube_proxy_ignores_metrics_flag_when_config_is_given() {
    let fx = build("hardened-kubeadm");
    fs::write(
        fx.root.join("proc/2000/cmdline"),
        b"kube-proxy\0--config=/var/lib/kube-proxy/config.conf\0--metrics-bind-address=0.0.0.0:10249\0",
    )
    .unwrap();
    let r = run(
        &NodeRoot::new(&fx.root).unwrap(),
        &[Target::Node],
        &Default::default(),
    );
    let c = result(&r, "4.3.1");
    assert_eq!(c.status, Status::Pass, "{:?}", c.evidence);
    assert!(c.evidence.iter().any(|e| e.contains("ignored")));
    // The kubeconfig comes from the config file's clientConnection.
    assert!(evidence_has(
        &r,
        "4.1.3",
        "\"/var/lib/kube-proxy/kubeconfig.conf\" from /var/lib/kube-proxy/config.conf:"
    ));
}

#[test]
fn kube_proxy_ignores_kubeconfig_flag_when_config_is_given() {
    let fx = build("hardened-kubeadm");
    fs::write(
        fx.root.join("proc/2000/cmdline"),
        b"kube-proxy\0--kubeconfig=/etc/other.conf\0--config=/var/lib/kube-proxy/config.conf\0",
    )
    .unwrap();
    let r = run_on(&fx.root, &[Target::Node]);
    let c = result(&r, "4.1.3");
    assert!(
        c.evidence[0].contains(
            "\"/var/lib/kube-proxy/kubeconfig.conf\" from /var/lib/kube-proxy/config.conf:"
        ),
        "{:?}",
        c.evidence
    );
    assert!(evidence_has(
        &r,
        "4.1.3",
        "--kubeconfig=/etc/other.conf is ignored"
    ));
    assert!(evidence_has(&r, "4.1.4", "is ignored"));
    // Without clientConnection.kubeconfig kube-proxy uses in-cluster
    // credentials: no file to judge, whatever --kubeconfig says.
    edit(
        &fx.root,
        "var/lib/kube-proxy/config.conf",
        "clientConnection:\n  kubeconfig: /var/lib/kube-proxy/kubeconfig.conf\n",
        "",
    );
    let r = run_on(&fx.root, &[Target::Node]);
    assert_eq!(result(&r, "4.1.3").status, Status::NotApplicable);
}

#[test]
fn a_kubelet_without_config_is_judged_on_its_flag_defaults_not_a_file_it_never_reads() {
    // kubeadm's hardened config.yaml is on disk, but this kubelet was
    // started without --config: it runs with anonymous auth on and
    // AlwaysAllow, the command-line defaults.
    let fx = build("hardened-kubeadm");
    fs::write(
        fx.root.join("proc/1234/cmdline"),
        b"/usr/bin/kubelet\0--kubeconfig=/etc/kubernetes/kubelet.conf\0",
    )
    .unwrap();
    let r = run(
        &NodeRoot::new(&fx.root).unwrap(),
        &[Target::Node],
        &Default::default(),
    );
    let k = r.kubelet.as_ref().unwrap();
    assert_eq!(k.config_file_choice, None);
    assert!(
        r.diagnostics
            .iter()
            .any(|d| d.code == "kubelet-config-unused")
    );
    assert_eq!(
        result(&r, "4.2.1").status,
        Status::Fail,
        "{:?}",
        result(&r, "4.2.1")
    );
    assert_eq!(
        result(&r, "4.2.2").status,
        Status::Fail,
        "{:?}",
        result(&r, "4.2.2")
    );
}

#[test]
fn with_no_kubelet_command_line_the_well_known_file_is_assumed_and_flagged() {
    // A copied filesystem: no processes, no systemd unit naming the kubelet.
    let fx = build("hardened-kubeadm");
    fs::remove_dir_all(fx.root.join("proc")).unwrap();
    for unit_dir in [
        "etc/systemd",
        "lib/systemd",
        "usr/lib/systemd",
        "run/systemd",
    ] {
        let _ = fs::remove_dir_all(fx.root.join(unit_dir));
    }
    let r = run(
        &NodeRoot::new(&fx.root).unwrap(),
        &[Target::Node],
        &Default::default(),
    );
    let k = r
        .kubelet
        .as_ref()
        .expect("the well-known config file is evaluated");
    assert_eq!(k.config_file_choice, Some(ConfigFileChoice::Assumed));
    assert!(
        r.diagnostics
            .iter()
            .any(|d| d.code == "kubelet-config-assumed")
    );
    assert!(result(&r, "4.1.9").evidence[0].contains("assumed"));
    // The kubelet exists, so its kubeconfig checks apply: kubeadm's
    // location is assumed, and said so.
    for id in ["4.1.5", "4.1.6"] {
        let c = result(&r, id);
        assert_eq!(c.status, Status::Pass, "{id}: {:?}", c.evidence);
        assert!(c.evidence[0].contains("/etc/kubernetes/kubelet.conf is assumed"));
    }
    fs::remove_file(fx.root.join("etc/kubernetes/kubelet.conf")).unwrap();
    let r = run_on(&fx.root, &[Target::Node]);
    let c = result(&r, "4.1.5");
    assert_eq!(c.status, Status::Warn, "{:?}", c.evidence);
    assert!(evidence_has(&r, "4.1.5", "does not exist"));
}

#[test]
fn relative_paths_in_the_config_file_resolve_against_its_directory() {
    let fx = build("custom-config-path");
    let p = fx.root.join("etc/custom/kubelet/kubelet.yaml");
    let text = fs::read_to_string(&p).unwrap().replace(
        "clientCAFile: /etc/kubernetes/pki/ca.crt",
        "clientCAFile: pki/ca.crt",
    );
    fs::write(&p, text).unwrap();
    fs::create_dir_all(fx.root.join("etc/custom/kubelet/pki")).unwrap();
    let ca = fx.root.join("etc/custom/kubelet/pki/ca.crt");
    fs::write(&ca, "placeholder").unwrap();
    fs::set_permissions(&ca, fs::Permissions::from_mode(0o666)).unwrap();
    let r = run(
        &NodeRoot::new(&fx.root).unwrap(),
        &[Target::Node],
        &Default::default(),
    );
    let k = r.kubelet.as_ref().unwrap();
    assert_eq!(
        k.get("authentication.x509.clientCAFile").value.as_deref(),
        Some("/etc/custom/kubelet/pki/ca.crt")
    );
    let c = result(&r, "4.1.7");
    assert!(
        c.evidence.iter().any(|e| e.contains("reading is FAIL")),
        "{:?}",
        c.evidence
    );
}

#[test]
fn reports_carry_paths_and_modes_never_file_contents() {
    let fx = build("hardened-kubeadm");
    let pki = fx.root.join("var/lib/kubelet/pki");
    fs::create_dir_all(&pki).unwrap();
    fs::write(
        pki.join("kubelet.key"),
        "-----BEGIN PRIVATE KEY-----\nSECRETMARK\n",
    )
    .unwrap();
    fs::write(
        pki.join("kubelet.crt"),
        "-----BEGIN CERTIFICATE-----\nCERTMARK\n",
    )
    .unwrap();
    let cfg = fx.root.join("var/lib/kubelet/config.yaml");
    let mut text = fs::read_to_string(&cfg).unwrap();
    text.push_str("tlsCertFile: /var/lib/kubelet/pki/kubelet.crt\ntlsPrivateKeyFile: /var/lib/kubelet/pki/kubelet.key\n");
    fs::write(&cfg, text).unwrap();
    fs::write(
        fx.root.join("proc/1234/cmdline"),
        b"kubelet\0--config=/var/lib/kubelet/config.yaml\0--kubeconfig=/etc/kubernetes/kubelet.conf\0--token=TOKENMARK\0",
    )
    .unwrap();
    let r = run(
        &NodeRoot::new(&fx.root).unwrap(),
        &[Target::Node],
        &Default::default(),
    );
    let json = serde_json::to_string(&r).unwrap();
    assert!(json.contains("/var/lib/kubelet/pki/kubelet.key"));
    for mark in ["SECRETMARK", "CERTMARK", "TOKENMARK", "BEGIN"] {
        assert!(!json.contains(mark), "{mark} leaked");
    }
    assert!(json.contains("\"benchmark\":\"cis-1.12\""));
}

#[test]
fn an_unreadable_config_file_makes_file_settings_undecided() {
    let fx = build("custom-config-path");
    fs::remove_file(fx.root.join("etc/custom/kubelet/kubelet.yaml")).unwrap();
    let r = run(
        &NodeRoot::new(&fx.root).unwrap(),
        &[Target::Node],
        &Default::default(),
    );
    assert!(
        r.diagnostics
            .iter()
            .any(|d| d.code == "kubelet-config-unreadable")
    );
    // Not silently judged on defaults, nor on the file at the default path.
    for id in ["4.1.9", "4.1.10", "4.2.1", "4.2.2", "4.2.3", "4.2.6"] {
        assert_eq!(result(&r, id).status, Status::Warn, "{id}");
    }
}

// ---------------------------------------------------------------------
// Control plane (CIS section 1).

fn master_report(name: &str) -> Report {
    let fx = build(name);
    let root = NodeRoot::new(&fx.root).unwrap();
    run(&root, &[Target::Master], &Default::default())
}

/// Section 1 checks the benchmark scores automatically (1.1.12 fails on
/// a kubeadm node, which has no `etcd` user).
const MASTER_AUTOMATED: &[&str] = &[
    "1.1.1", "1.1.2", "1.1.3", "1.1.4", "1.1.5", "1.1.6", "1.1.7", "1.1.8", "1.1.11", "1.1.12",
    "1.1.13", "1.1.14", "1.1.15", "1.1.16", "1.1.17", "1.1.18", "1.1.19", "1.2.2", "1.2.4",
    "1.2.5", "1.2.6", "1.2.7", "1.2.8", "1.2.10", "1.2.12", "1.2.13", "1.2.14", "1.2.15", "1.2.16",
    "1.2.17", "1.2.18", "1.2.19", "1.2.21", "1.2.22", "1.2.23", "1.2.24", "1.2.25", "1.2.26",
    "1.2.30", "1.3.2", "1.3.3", "1.3.4", "1.3.5", "1.3.6", "1.3.7", "1.4.1", "1.4.2",
];

#[test]
fn catalog_covers_section_1() {
    let r = master_report("hardened-controlplane");
    let ids: Vec<&str> = r.results.iter().map(|c| c.id).collect();
    let mut want: Vec<String> = (1..=21).map(|i| format!("1.1.{i}")).collect();
    want.extend((1..=30).map(|i| format!("1.2.{i}")));
    want.extend((1..=7).map(|i| format!("1.3.{i}")));
    want.extend((1..=2).map(|i| format!("1.4.{i}")));
    assert_eq!(ids, want);
    for c in &r.results {
        assert!(!c.rationale.is_empty() && !c.remediation.is_empty());
        assert_eq!(
            c.assessment == rampart_node::Assessment::Automated,
            MASTER_AUTOMATED.contains(&c.id),
            "{}",
            c.id
        );
    }
    assert!(
        !r.diagnostics
            .iter()
            .any(|d| format!("{d:?}").contains("node-target-unimplemented"))
    );
}

#[test]
fn hardened_control_plane_passes_every_automated_check() {
    let r = master_report("hardened-controlplane");
    for id in MASTER_AUTOMATED.iter().filter(|id| **id != "1.1.12") {
        let c = result(&r, id);
        assert_eq!(c.status, Status::Pass, "{id}: {:?}", c.evidence);
    }
    // No etcd user on a kubeadm node: the benchmark wants etcd:etcd.
    let c = result(&r, "1.1.12");
    assert_eq!(c.status, Status::Fail, "{:?}", c.evidence);
    assert!(
        c.evidence.iter().any(|e| e.contains("no etcd user exists")),
        "{:?}",
        c.evidence
    );
    // Manual checks warn with rampart's reading.
    for c in r
        .results
        .iter()
        .filter(|c| !MASTER_AUTOMATED.contains(&c.id))
    {
        assert_eq!(c.status, Status::Warn, "{}: {:?}", c.id, c.evidence);
        assert!(
            c.evidence.iter().any(|e| e.contains("reading is PASS")),
            "{}: {:?}",
            c.id,
            c.evidence
        );
    }
    let c = result(&r, "1.2.1");
    assert!(
        c.evidence[0]
            .contains("--anonymous-auth=false from /etc/kubernetes/manifests/kube-apiserver.yaml"),
        "{:?}",
        c.evidence
    );
    let c = result(&r, "1.1.11");
    assert!(
        c.evidence[0].contains("--data-dir=/var/lib/etcd"),
        "{:?}",
        c.evidence
    );
}

#[test]
fn misconfigured_control_plane_fails_every_automated_check_for_the_right_reason() {
    let r = master_report("misconfigured-controlplane");
    for id in MASTER_AUTOMATED {
        let c = result(&r, id);
        assert_eq!(c.status, Status::Fail, "{id}: {:?}", c.evidence);
    }
    let has = |id: &str, needle: &str| assert_evidence(&r, id, needle);
    has("1.1.1", "kube-apiserver.yaml is 0644");
    has("1.1.2", "owned by kube:kube");
    has("1.1.11", "/var/lib/etcd is 0755");
    has("1.1.13", "/etc/kubernetes/admin.conf is 0644");
    // The running process wins over the (better) static pod manifest.
    has(
        "1.2.6",
        "--authorization-mode=AlwaysAllow from /proc/3000/cmdline",
    );
    has("1.2.2", "--token-auth-file=/etc/kubernetes/tokens.csv");
    has("1.2.10", "AlwaysAdmit is enabled (explicitly enabled)");
    has(
        "1.2.12",
        "ServiceAccount is not enabled (explicitly disabled)",
    );
    has("1.2.14", "NodeRestriction is not enabled (off by default)");
    has("1.2.15", "kube-apiserver default is \"true\"");
    has("1.2.17", "--audit-log-maxage=7");
    has("1.2.21", "--service-account-lookup=false");
    has("1.2.30", "kube-apiserver default is \"true\"");
    has("1.3.3", "kube-controller-manager default is \"false\"");
    has("1.3.6", "RotateKubeletServerCertificate=false");
    has("1.3.7", "kube-controller-manager default is \"0.0.0.0\"");
    has("1.4.2", "--bind-address=0.0.0.0");
    // Manual checks still warn, with a FAIL reading where it applies.
    for id in ["1.2.1", "1.2.29", "1.1.21"] {
        let c = result(&r, id);
        assert_eq!(c.status, Status::Warn, "{id}");
        assert!(
            c.evidence.iter().any(|e| e.contains("reading is FAIL")),
            "{id}: {:?}",
            c.evidence
        );
    }
}

#[test]
fn worker_node_has_no_control_plane() {
    let r = master_report("hardened-kubeadm");
    for id in ["1.2.1", "1.2.6", "1.3.2", "1.4.1", "1.1.1", "1.1.11"] {
        assert_eq!(result(&r, id).status, Status::NotApplicable, "{id}");
    }
}

#[test]
fn etcd_section_2_from_flags() {
    let fx = build("hardened-controlplane");
    let root = NodeRoot::new(&fx.root).unwrap();
    let r = run(&root, &[Target::Etcd], &Default::default());
    let ids: Vec<&str> = r.results.iter().map(|c| c.id).collect();
    assert_eq!(ids, ["2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7"]);
    for c in &r.results[..6] {
        assert_eq!(c.status, Status::Pass, "{}: {:?}", c.id, c.evidence);
    }
    assert_eq!(r.results[6].status, Status::Warn);
    assert!(
        r.results[6]
            .evidence
            .iter()
            .any(|e| e.contains("reading is PASS"))
    );

    let fx = build("misconfigured-controlplane");
    let root = NodeRoot::new(&fx.root).unwrap();
    let r = run(&root, &[Target::Etcd], &Default::default());
    for c in &r.results[..6] {
        assert_eq!(c.status, Status::Fail, "{}: {:?}", c.id, c.evidence);
    }
    assert!(
        result(&r, "2.2").evidence[0].contains("etcd default is \"false\""),
        "{:?}",
        result(&r, "2.2").evidence
    );
    assert!(result(&r, "2.6").evidence[0].contains("--peer-auto-tls from"));

    let r = {
        let fx = build("hardened-kubeadm");
        let root = NodeRoot::new(&fx.root).unwrap();
        run(&root, &[Target::Etcd], &Default::default())
    };
    assert!(r.results.iter().all(|c| c.status == Status::NotApplicable));
}

#[test]
fn control_plane_reports_carry_no_file_contents_and_respect_structured_authz() {
    let fx = build("hardened-controlplane");
    let root = NodeRoot::new(&fx.root).unwrap();
    let r = run(&root, &[Target::Master, Target::Etcd], &Default::default());
    let json = serde_json::to_string(&r).unwrap();
    assert!(json.contains("/etc/kubernetes/encryption.yaml"));
    // The encryption key in the fixture's EncryptionConfiguration.
    assert!(!json.contains("c3ludGhldGlj"));
    assert!(
        json.contains(
            "the first provider for secrets in /etc/kubernetes/encryption.yaml (line 7) is aescbc"
        ),
        "{json}"
    );
    // The entry that covers secrets decides, not the first in the file.
    let enc = fx.root.join("etc/kubernetes/encryption.yaml");
    fs::write(
        &enc,
        "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [configmaps]\n  providers:\n  - aescbc:\n      keys: []\n- resources: [secrets]\n  providers:\n  - identity: {}\n  - aescbc:\n      keys: []\n",
    )
    .unwrap();
    let r2 = run(&root, &[Target::Master], &Default::default());
    let c = result(&r2, "1.2.28");
    assert!(
        c.evidence.iter().any(|e| e.contains("is identity"))
            && c.evidence.iter().any(|e| e.contains("reading is FAIL")),
        "{c:?}"
    );

    let m = fx.root.join("etc/kubernetes/manifests/kube-apiserver.yaml");
    let text = fs::read_to_string(&m).unwrap().replace(
        "--authorization-mode=Node,RBAC",
        "--authorization-config=/etc/kubernetes/authz.yaml",
    );
    fs::write(&m, text).unwrap();
    let r = run(
        &NodeRoot::new(&fx.root).unwrap(),
        &[Target::Master],
        &Default::default(),
    );
    for id in ["1.2.6", "1.2.7", "1.2.8"] {
        let c = result(&r, id);
        assert_eq!(c.status, Status::Warn, "{id}: {:?}", c.evidence);
        assert!(c.evidence[0].contains("--authorization-config=/etc/kubernetes/authz.yaml"));
    }
}

#[test]
fn a_symlink_loop_under_pki_ends() {
    let fx = build("hardened-controlplane");
    std::os::unix::fs::symlink(
        "/etc/kubernetes/pki",
        fx.root.join("etc/kubernetes/pki/etcd/loop"),
    )
    .unwrap();
    let r = run(
        &NodeRoot::new(&fx.root).unwrap(),
        &[Target::Master],
        &Default::default(),
    );
    assert_eq!(result(&r, "1.1.19").status, Status::Pass);
}

// ---------------------------------------------------------------------
// Where components really read their settings from.

fn run_on(root: &std::path::Path, targets: &[Target]) -> Report {
    run(&NodeRoot::new(root).unwrap(), targets, &Default::default())
}

fn evidence_has(r: &Report, id: &str, needle: &str) -> bool {
    result(r, id).evidence.iter().any(|e| e.contains(needle))
}

/// Replaces `from` with `to` in the fixture file `path` (relative to the
/// root), which must contain it.
fn edit(root: &std::path::Path, path: &str, from: &str, to: &str) {
    let p = root.join(path);
    let text = fs::read_to_string(&p).unwrap();
    assert!(text.contains(from), "{path} lacks {from:?}");
    fs::write(&p, text.replace(from, to)).unwrap();
}

const ETCD_MANIFEST: &str = "etc/kubernetes/manifests/etcd.yaml";

#[test]
fn etcd_reads_its_environment_when_the_flag_is_absent() {
    let fx = build("hardened-controlplane");
    edit(
        &fx.root,
        ETCD_MANIFEST,
        "    - --client-cert-auth=true\n",
        "",
    );
    edit(
        &fx.root,
        ETCD_MANIFEST,
        "    command:\n",
        "    env:\n    - name: ETCD_CLIENT_CERT_AUTH\n      value: \"true\"\n    - name: ETCD_PEER_AUTO_TLS\n      value: \"true\"\n    command:\n",
    );
    let r = run_on(&fx.root, &[Target::Etcd]);
    assert_eq!(
        result(&r, "2.2").status,
        Status::Pass,
        "{:?}",
        result(&r, "2.2")
    );
    assert!(evidence_has(
        &r,
        "2.2",
        "environment ETCD_CLIENT_CERT_AUTH=\"true\""
    ));
    assert_eq!(result(&r, "2.6").status, Status::Fail);
    // The flag wins over the variable.
    edit(
        &fx.root,
        ETCD_MANIFEST,
        "    - --data-dir=/var/lib/etcd\n",
        "    - --data-dir=/var/lib/etcd\n    - --peer-auto-tls=false\n",
    );
    let r = run_on(&fx.root, &[Target::Etcd]);
    assert_eq!(
        result(&r, "2.6").status,
        Status::Pass,
        "{:?}",
        result(&r, "2.6")
    );
}

#[test]
fn an_etcd_config_file_replaces_flags_and_environment() {
    let fx = build("hardened-controlplane");
    // A running etcd (pid 4000) with a config file and flags it ignores.
    let p = fx.root.join("proc/4000");
    fs::create_dir_all(&p).unwrap();
    fs::write(
        p.join("cmdline"),
        b"etcd\0--config-file=/etc/etcd/etcd.yaml\0--auto-tls=true\0",
    )
    .unwrap();
    fs::write(p.join("environ"), b"ETCD_CLIENT_CERT_AUTH=false\0").unwrap();
    fs::create_dir_all(fx.root.join("etc/etcd")).unwrap();
    fs::write(
        fx.root.join("etc/etcd/etcd.yaml"),
        "data-dir: /var/lib/etcd\nclient-transport-security:\n  cert-file: /etc/etcd/server.crt\n  key-file: /etc/etcd/server.key\n  client-cert-auth: true\n  trusted-ca-file: /etc/kubernetes/pki/etcd/ca.crt\npeer-transport-security:\n  client-cert-auth: false\n",
    )
    .unwrap();
    let r = run_on(&fx.root, &[Target::Etcd, Target::Master]);
    for id in ["2.1", "2.2", "2.3"] {
        assert_eq!(
            result(&r, id).status,
            Status::Pass,
            "{id}: {:?}",
            result(&r, id)
        );
    }
    assert!(evidence_has(
        &r,
        "2.2",
        "client-transport-security.client-cert-auth = \"true\" at line 5 of etcd config file /etc/etcd/etcd.yaml"
    ));
    assert!(evidence_has(
        &r,
        "2.3",
        "--auto-tls=true is ignored because of the config file"
    ));
    // Peer TLS: no files, client auth off.
    assert_eq!(result(&r, "2.4").status, Status::Fail);
    assert_eq!(result(&r, "2.5").status, Status::Fail);
    assert!(evidence_has(&r, "1.1.11", "data-dir = \"/var/lib/etcd\""));

    // An unreadable config file: nothing can be decided.
    fs::remove_file(fx.root.join("etc/etcd/etcd.yaml")).unwrap();
    let r = run_on(&fx.root, &[Target::Etcd]);
    assert_eq!(result(&r, "2.2").status, Status::Warn);
    assert!(evidence_has(&r, "2.2", "cannot read /etc/etcd/etcd.yaml"));
}

#[test]
fn scheduler_config_file_overrides_the_profiling_flag() {
    let fx = build("hardened-controlplane");
    edit(
        &fx.root,
        "etc/kubernetes/manifests/kube-scheduler.yaml",
        "    - --profiling=false\n",
        "    - --profiling=false\n    - --config=/etc/kubernetes/scheduler-config.yaml\n",
    );
    let cfg = fx.root.join("etc/kubernetes/scheduler-config.yaml");
    fs::write(
        &cfg,
        "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nclientConnection:\n  kubeconfig: /etc/kubernetes/scheduler.conf\n",
    )
    .unwrap();
    let r = run_on(&fx.root, &[Target::Master]);
    assert_eq!(
        result(&r, "1.4.1").status,
        Status::Fail,
        "{:?}",
        result(&r, "1.4.1")
    );
    assert!(evidence_has(
        &r,
        "1.4.1",
        "enableProfiling not set in /etc/kubernetes/scheduler-config.yaml"
    ));
    assert!(evidence_has(
        &r,
        "1.4.1",
        "kube-scheduler default is \"true\""
    ));
    assert!(evidence_has(
        &r,
        "1.4.1",
        "--profiling=false is ignored because of --config"
    ));
    // --bind-address is honoured with --config.
    assert_eq!(result(&r, "1.4.2").status, Status::Pass);
    fs::write(
        &cfg,
        "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nenableProfiling: false\n",
    )
    .unwrap();
    let r = run_on(&fx.root, &[Target::Master]);
    assert_eq!(
        result(&r, "1.4.1").status,
        Status::Pass,
        "{:?}",
        result(&r, "1.4.1")
    );
}

#[test]
fn manifest_checks_follow_the_kubelets_static_pod_path() {
    let fx = build("hardened-controlplane");
    let (old, new) = (
        fx.root.join("etc/kubernetes/manifests"),
        fx.root.join("etc/kubernetes/pods"),
    );
    fs::rename(&old, &new).unwrap();
    fs::rename(
        new.join("kube-apiserver.yaml"),
        new.join("kube-apiserver.manifest"),
    )
    .unwrap();
    // An editor's backup, hidden: the kubelet ignores it.
    fs::write(
        new.join(".kube-scheduler.yaml.swp"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: s\nspec:\n  containers:\n  - name: s\n    command: [kube-scheduler, --profiling=true]\n",
    )
    .unwrap();
    edit(
        &fx.root,
        "var/lib/kubelet/config.yaml",
        "staticPodPath: /etc/kubernetes/manifests",
        "staticPodPath: /etc/kubernetes/pods",
    );
    let r = run_on(&fx.root, &[Target::Master]);
    assert_eq!(
        result(&r, "1.1.1").status,
        Status::Pass,
        "{:?}",
        result(&r, "1.1.1")
    );
    assert!(evidence_has(
        &r,
        "1.1.1",
        "/etc/kubernetes/pods/kube-apiserver.manifest is 0600"
    ));
    assert!(evidence_has(
        &r,
        "1.1.1",
        "static pod directory /etc/kubernetes/pods (kubelet staticPodPath"
    ));
    assert_eq!(result(&r, "1.2.1").status, Status::Warn);
    assert!(evidence_has(&r, "1.2.1", "kube-apiserver.manifest"));
    assert_eq!(result(&r, "1.4.1").status, Status::Pass);
    assert_eq!(r.discovery.manifest_dir, "/etc/kubernetes/pods");
}

#[test]
fn a_control_plane_process_in_the_host_pid_namespace_wins_over_a_containers() {
    let fx = build("hardened-controlplane");
    let proc = |pid: u32, cmdline: &[u8], ns: &str| {
        let d = fx.root.join(format!("proc/{pid}/ns"));
        fs::create_dir_all(&d).unwrap();
        if !cmdline.is_empty() {
            fs::write(fx.root.join(format!("proc/{pid}/cmdline")), cmdline).unwrap();
        }
        std::os::unix::fs::symlink(ns, d.join("pid")).unwrap();
    };
    proc(1, b"", "pid:[4026531836]");
    // A kind node's API server (lower pid) and the host's own.
    proc(
        100,
        b"kube-apiserver\0--anonymous-auth=true\0",
        "pid:[4026532999]",
    );
    proc(
        200,
        b"kube-apiserver\0--anonymous-auth=false\0",
        "pid:[4026531836]",
    );
    let r = run_on(&fx.root, &[Target::Master]);
    assert!(
        evidence_has(&r, "1.2.1", "--anonymous-auth=false from /proc/200/cmdline"),
        "{:?}",
        result(&r, "1.2.1")
    );
}

#[test]
fn etcd_ca_unique_by_content_not_path() {
    let fx = build("hardened-controlplane");
    let r = run_on(&fx.root, &[Target::Etcd]);
    assert!(evidence_has(&r, "2.7", "reading is PASS"));
    assert!(evidence_has(&r, "2.7", "different"));
    // The cluster CA copied under etcd's directory is the same CA.
    fs::copy(
        fx.root.join("etc/kubernetes/pki/ca.crt"),
        fx.root.join("etc/kubernetes/pki/etcd/ca.crt"),
    )
    .unwrap();
    let r = run_on(&fx.root, &[Target::Etcd]);
    let c = result(&r, "2.7");
    assert!(evidence_has(&r, "2.7", "reading is FAIL"), "{c:?}");
    assert!(evidence_has(&r, "2.7", "same certificate"), "{c:?}");
    assert!(!format!("{c:?}").contains("synthetic"));
    // Unreadable: undecided, not a guess from the paths.
    fs::remove_file(fx.root.join("etc/kubernetes/pki/etcd/ca.crt")).unwrap();
    let r = run_on(&fx.root, &[Target::Etcd]);
    assert!(evidence_has(&r, "2.7", "cannot be compared"));
    assert!(!evidence_has(&r, "2.7", "reading is"));
}

#[test]
fn structured_authorization_is_judged_from_its_file() {
    let fx = build("hardened-controlplane");
    let m = "etc/kubernetes/manifests/kube-apiserver.yaml";
    edit(
        &fx.root,
        m,
        "--authorization-mode=Node,RBAC",
        "--authorization-config=/etc/kubernetes/authz.yaml",
    );
    let authz = fx.root.join("etc/kubernetes/authz.yaml");
    fs::write(
        &authz,
        "apiVersion: apiserver.config.k8s.io/v1\nkind: AuthorizationConfiguration\nauthorizers:\n- type: Node\n  name: node\n- type: RBAC\n  name: rbac\n",
    )
    .unwrap();
    let r = run_on(&fx.root, &[Target::Master]);
    for id in ["1.2.6", "1.2.7", "1.2.8"] {
        assert_eq!(
            result(&r, id).status,
            Status::Pass,
            "{id}: {:?}",
            result(&r, id)
        );
    }
    assert!(evidence_has(
        &r,
        "1.2.7",
        "authorizers in /etc/kubernetes/authz.yaml, in order: Node,RBAC"
    ));
    fs::write(
        &authz,
        "apiVersion: apiserver.config.k8s.io/v1\nkind: AuthorizationConfiguration\nauthorizers:\n- type: AlwaysAllow\n  name: all\n",
    )
    .unwrap();
    let r = run_on(&fx.root, &[Target::Master]);
    for id in ["1.2.6", "1.2.7", "1.2.8"] {
        assert_eq!(result(&r, id).status, Status::Fail, "{id}");
    }
    // Both flags: kube-apiserver refuses to start, and the evidence says so.
    edit(
        &fx.root,
        m,
        "--authorization-config=/etc/kubernetes/authz.yaml",
        "--authorization-config=/etc/kubernetes/authz.yaml\n    - --authorization-mode=Node,RBAC",
    );
    let r = run_on(&fx.root, &[Target::Master]);
    assert!(evidence_has(&r, "1.2.6", "does not start"));
}

#[test]
fn encryption_provider_notes() {
    let fx = build("hardened-controlplane");
    let r = run_on(&fx.root, &[Target::Master]);
    assert!(evidence_has(
        &r,
        "1.2.28",
        "aescbc is accepted by the benchmark but not recommended"
    ));
    let enc = fx.root.join("etc/kubernetes/encryption.yaml");
    let cfg = |kms: &str| {
        format!(
            "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: ['*.apps']\n  providers:\n  - identity: {{}}\n- resources: ['*.']\n  providers:\n  - kms:\n      {kms}name: vault\n      endpoint: unix:///run/kms.sock\n  - identity: {{}}\n"
        )
    };
    fs::write(&enc, cfg("")).unwrap();
    let r = run_on(&fx.root, &[Target::Master]);
    let c = result(&r, "1.2.28");
    assert!(evidence_has(&r, "1.2.28", "is kms"), "{c:?}");
    assert!(
        evidence_has(&r, "1.2.28", "kms apiVersion v1 is deprecated"),
        "{c:?}"
    );
    assert!(evidence_has(&r, "1.2.28", "reading is PASS"));
    fs::write(&enc, cfg("apiVersion: v2\n      ")).unwrap();
    let r = run_on(&fx.root, &[Target::Master]);
    assert!(!evidence_has(&r, "1.2.28", "deprecated"));
    assert!(evidence_has(&r, "1.2.28", "reading is PASS"));
    // aesgcm is not one of the benchmark's providers.
    let text = fs::read_to_string(&enc).unwrap().replace(
        "  - kms:\n      apiVersion: v2\n      name: vault\n      endpoint: unix:///run/kms.sock\n",
        "  - aesgcm:\n      keys: []\n",
    );
    assert!(text.contains("aesgcm"));
    fs::write(&enc, text).unwrap();
    let r = run_on(&fx.root, &[Target::Master]);
    assert!(evidence_has(&r, "1.2.28", "is aesgcm"));
    assert!(evidence_has(&r, "1.2.28", "200,000 writes"));
    assert!(evidence_has(&r, "1.2.28", "reading is FAIL"));
}

#[test]
fn an_empty_cipher_suite_flag_means_gos_defaults() {
    let fx = build("hardened-controlplane");
    let r = run_on(&fx.root, &[Target::Master]);
    assert!(evidence_has(&r, "1.2.29", "reading is PASS"));
    edit(
        &fx.root,
        "etc/kubernetes/manifests/kube-apiserver.yaml",
        "--tls-cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "--tls-cipher-suites=",
    );
    let r = run_on(&fx.root, &[Target::Master]);
    assert!(
        evidence_has(&r, "1.2.29", "reading is FAIL"),
        "{:?}",
        result(&r, "1.2.29")
    );
}

// ---------------------------------------------------------------------
// Review fixes.

#[test]
fn an_explicitly_empty_kubelet_flag_unsets_the_file_value() {
    // The kubelet applies explicit flags over its config file, so
    // `--client-ca-file=` clears the file's clientCAFile.
    let fx = build("hardened-kubeadm");
    fs::write(
        fx.root.join("proc/1234/cmdline"),
        b"/usr/bin/kubelet\0--config=/var/lib/kubelet/config.yaml\0--kubeconfig=\0--client-ca-file=\0--tls-cert-file=\0--tls-private-key-file=/k\0--rotate-server-certificates=false\0",
    )
    .unwrap();
    let r = run_on(&fx.root, &[Target::Node]);
    let k = r.kubelet.as_ref().unwrap();
    let ca = k.get("authentication.x509.clientCAFile");
    assert_eq!(ca.value, None);
    assert!(matches!(&ca.source, Source::Flag { arg, .. } if arg == "--client-ca-file="));
    assert_eq!(k.kubeconfig.as_ref().unwrap().value, None);
    assert_eq!(result(&r, "4.2.3").status, Status::Fail);
    // 4.2.9 is manual: a WARN with rampart's reading.
    assert!(
        evidence_has(&r, "4.2.9", "reading is FAIL"),
        "{:?}",
        result(&r, "4.2.9")
    );
    for id in ["4.1.5", "4.1.6", "4.1.7", "4.1.8"] {
        let c = result(&r, id);
        assert_ne!(c.status, Status::Pass, "{id}: {:?}", c.evidence);
        assert!(
            !c.evidence
                .iter()
                .any(|e| e.contains("\"/\"") || e.starts_with("/ ")),
            "{id} judged the root directory: {:?}",
            c.evidence
        );
    }
}

#[test]
fn etcd_data_dir_owned_by_an_etcd_user_passes_1_1_12() {
    use std::os::unix::fs::MetadataExt;
    let fx = build("hardened-controlplane");
    // Name the data directory's owner `etcd` in the fixture's user and
    // group databases (works as root and as non-root).
    let meta = fs::metadata(fx.root.join("var/lib/etcd")).unwrap();
    let (uid, gid) = (meta.uid(), meta.gid());
    fs::write(
        fx.root.join("etc/passwd"),
        format!("etcd:x:{uid}:{gid}::/:/bin/false\n"),
    )
    .unwrap();
    fs::write(fx.root.join("etc/group"), format!("etcd:x:{gid}:\n")).unwrap();
    let r = run_on(&fx.root, &[Target::Master]);
    let c = result(&r, "1.1.12");
    assert_eq!(c.status, Status::Pass, "{:?}", c.evidence);
    // An etcd user exists but does not own the directory: plain FAIL.
    fs::write(
        fx.root.join("etc/passwd"),
        format!("etcd:x:{}:{}::/:/bin/false\n", uid + 1, gid + 1),
    )
    .unwrap();
    let r = run_on(&fx.root, &[Target::Master]);
    let c = result(&r, "1.1.12");
    assert_eq!(c.status, Status::Fail, "{:?}", c.evidence);
    assert!(!c.evidence.iter().any(|e| e.contains("no etcd user")));
}

#[test]
fn cis_2_0_fails_a_missing_kubelet_service_file_where_1_12_does_not_apply_it() {
    let fx = build("hardened-kubeadm");
    for unit_dir in ["etc/systemd", "lib/systemd"] {
        fs::remove_dir_all(fx.root.join(unit_dir)).unwrap();
    }
    let root = NodeRoot::new(&fx.root).unwrap();
    let r = run(&root, &[Target::Node], &Default::default());
    assert_eq!(r.benchmark, "cis-1.12");
    assert_eq!(result(&r, "4.1.1").status, Status::NotApplicable);
    assert_eq!(result(&r, "4.1.2").status, Status::NotApplicable);
    let options = rampart_node::Options {
        benchmark: rampart_node::Benchmark::Cis2_0,
        ..Default::default()
    };
    let r = run(&root, &[Target::Node], &options);
    assert_eq!(r.benchmark, "cis-2.0");
    assert_eq!(result(&r, "4.1.1").status, Status::NotApplicable);
    let c = result(&r, "4.1.2");
    assert_eq!(c.status, Status::Fail, "{:?}", c.evidence);
    assert!(evidence_has(&r, "4.1.2", "cis-2.0"));
    // No kubelet at all: still not applicable.
    let empty = tempfile::tempdir().unwrap();
    let r = run(
        &NodeRoot::new(empty.path()).unwrap(),
        &[Target::Node],
        &options,
    );
    assert_eq!(result(&r, "4.1.2").status, Status::NotApplicable);
}
