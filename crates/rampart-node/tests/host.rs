//! Host checks over fixture roots: the SSH daemon (`host.1`–`host.3`,
//! fixtures `ssh-*`) and the integrity baseline (`host.4`).

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use rampart_node::integrity::{self, Baseline};

mod support;
use rampart_node::{CheckResult, NodeRoot, Report, Status, Target, run};

fn host_report(dir: &Path) -> Report {
    run(
        &NodeRoot::new(dir).unwrap(),
        &[Target::Host],
        &Default::default(),
    )
}

fn result<'a>(r: &'a Report, id: &str) -> &'a CheckResult {
    r.results.iter().find(|c| c.id == id).unwrap()
}

#[test]
fn hardened_sshd_passes() {
    let fx = support::build("ssh-hardened");
    let r = host_report(&fx.root);
    let ids: Vec<&str> = r.results.iter().map(|c| c.id).collect();
    assert_eq!(ids, ["host.1", "host.2", "host.3"]);
    for c in &r.results {
        assert_eq!(c.status, Status::Pass, "{}: {:?}", c.id, c.evidence);
    }
    // The drop-in is read first, so its line decides.
    assert_eq!(
        result(&r, "host.1").evidence[0],
        "PermitRootLogin no at /etc/ssh/sshd_config.d/50-hardening.conf:2"
    );
    let h3 = &result(&r, "host.3").evidence;
    assert!(
        h3.contains(&"KbdInteractiveAuthentication no at /etc/ssh/sshd_config:5".to_string()),
        "{h3:?}"
    );
}

#[test]
fn weak_sshd_fails_for_the_right_reasons() {
    let fx = support::build("ssh-weak");
    let r = host_report(&fx.root);
    let h1 = result(&r, "host.1");
    assert_eq!(h1.status, Status::Fail);
    assert_eq!(
        h1.evidence[0],
        "PermitRootLogin no at /etc/ssh/sshd_config:5"
    );
    assert!(
        h1.evidence[1].starts_with(
            "Match Address 10.0.0.0/8 (/etc/ssh/sshd_config:10) sets PermitRootLogin yes at /etc/ssh/sshd_config:11"
        ),
        "{:?}",
        h1.evidence
    );
    let h2 = result(&r, "host.2");
    assert_eq!(h2.status, Status::Fail);
    assert_eq!(
        h2.evidence,
        ["PermitEmptyPasswords YES at /etc/ssh/sshd_config:6"]
    );
    // The cloud-init drop-in comes first; the later `no` never applies.
    let h3 = result(&r, "host.3");
    assert_eq!(h3.status, Status::Fail);
    assert_eq!(
        h3.evidence[0],
        "PasswordAuthentication yes at /etc/ssh/sshd_config.d/50-cloud-init.conf:1"
    );
}

#[test]
fn no_sshd_config_is_not_applicable() {
    let dir = tempfile::tempdir().unwrap();
    let r = host_report(dir.path());
    for c in &r.results {
        assert_eq!(c.status, Status::NotApplicable, "{}", c.id);
        assert!(c.evidence[0].contains("no SSH daemon configuration"));
    }
}

/// A kubeadm-like node: a running kubelet whose executable is outside the
/// usual directories, a CNI plugin, configs and PKI.
fn kubeadm_node(dir: &Path) {
    let files: &[(&str, &str)] = &[
        ("opt/k8s/kubelet", "kubelet binary"),
        ("usr/bin/kubectl", "kubectl binary"),
        ("usr/bin/vim", "not kubernetes"),
        ("opt/cni/bin/bridge", "cni"),
        ("etc/kubernetes/kubelet.conf", "kubeconfig"),
        ("etc/kubernetes/manifests/etcd.yaml", "manifest"),
        ("etc/kubernetes/pki/ca.key", "secret key material"),
        ("etc/kubernetes/tmp/kubeadm-backup/x", "backup"),
        ("etc/kubernetes/audit.log", "log"),
        ("etc/cni/net.d/10-bridge.conflist", "{}"),
        (
            "var/lib/kubelet/config.yaml",
            "kind: KubeletConfiguration\n",
        ),
        (
            "etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
            "[Service]\n",
        ),
        (
            "proc/42/cmdline",
            "/opt/k8s/kubelet\0--config=/var/lib/kubelet/config.yaml\0--kubeconfig=/etc/kubernetes/kubelet.conf\0",
        ),
    ];
    for (p, text) in files {
        let host = dir.join(p);
        fs::create_dir_all(host.parent().unwrap()).unwrap();
        fs::write(host, text).unwrap();
    }
    std::os::unix::fs::symlink("/opt/k8s/kubelet", dir.join("proc/42/exe")).unwrap();
    // A containerized API server: its executable path is in its image's
    // mount namespace, so the host file at that path is not it.
    fs::write(dir.join("ko-app-kube-apiserver"), "host file").unwrap();
    fs::create_dir_all(dir.join("proc/77")).unwrap();
    fs::write(
        dir.join("proc/77/cmdline"),
        "kube-apiserver\0--etcd-servers=https://127.0.0.1:2379\0",
    )
    .unwrap();
    std::os::unix::fs::symlink("/ko-app-kube-apiserver", dir.join("proc/77/exe")).unwrap();
    for (pid, ns) in [(1, "4026531841"), (42, "4026531841"), (77, "4026532999")] {
        fs::create_dir_all(dir.join(format!("proc/{pid}/ns"))).unwrap();
        std::os::unix::fs::symlink(
            format!("mnt:[{ns}]"),
            dir.join(format!("proc/{pid}/ns/mnt")),
        )
        .unwrap();
    }
}

#[test]
fn baseline_records_the_kubernetes_files_only() {
    let dir = tempfile::tempdir().unwrap();
    kubeadm_node(dir.path());
    let root = NodeRoot::new(dir.path()).unwrap();
    let (b, _) = integrity::record(&root, "2026-01-01T00:00:00Z".into());
    let paths: Vec<&str> = b.entries.iter().map(|e| e.path.as_str()).collect();
    for want in [
        "/opt/k8s/kubelet",
        "/usr/bin/kubectl",
        "/opt/cni/bin/bridge",
        "/etc/kubernetes/kubelet.conf",
        "/etc/kubernetes/manifests/etcd.yaml",
        "/etc/kubernetes/pki/ca.key",
        "/etc/cni/net.d/10-bridge.conflist",
        "/var/lib/kubelet/config.yaml",
        "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
    ] {
        assert!(paths.contains(&want), "{want} not in {paths:?}");
    }
    for not in [
        "/ko-app-kube-apiserver",
        "/usr/bin/vim",
        "/etc/kubernetes/tmp",
        "/etc/kubernetes/audit.log",
    ] {
        assert!(
            !paths.iter().any(|p| p.starts_with(not)),
            "{not} in {paths:?}"
        );
    }
    // Hashes only: no entry carries any file's text.
    let json = serde_json::to_string(&b).unwrap();
    assert!(!json.contains("secret key material"));
    let key = b
        .entries
        .iter()
        .find(|e| e.path == "/etc/kubernetes/pki/ca.key")
        .unwrap();
    assert_eq!(key.size, Some(19));
    assert!(key.sha256.as_deref().unwrap().starts_with("sha256:"));
}

#[test]
fn comparison_lists_every_change() {
    let dir = tempfile::tempdir().unwrap();
    kubeadm_node(dir.path());
    let root = NodeRoot::new(dir.path()).unwrap();
    let (b, _) = integrity::record(&root, "2026-01-01T00:00:00Z".into());
    let file = dir.path().join("baseline.json");
    b.write(&file).unwrap();
    let b = Baseline::load(&file).unwrap();

    let check = |root: &NodeRoot| {
        let r = run(root, &[], &Default::default());
        let mut diags = Vec::new();
        integrity::compare(root, &r.discovery, r.kubelet.as_ref(), &b, &mut diags)
    };
    let same = check(&root);
    assert_eq!(same.status, Status::Pass, "{:?}", same.evidence);

    fs::write(dir.path().join("opt/k8s/kubelet"), "trojan").unwrap();
    fs::set_permissions(
        dir.path().join("etc/kubernetes/kubelet.conf"),
        fs::Permissions::from_mode(0o666),
    )
    .unwrap();
    fs::remove_file(dir.path().join("etc/cni/net.d/10-bridge.conflist")).unwrap();
    fs::write(dir.path().join("etc/kubernetes/manifests/evil.yaml"), "x").unwrap();
    let root = NodeRoot::new(dir.path()).unwrap();
    let changed = check(&root);
    assert_eq!(changed.status, Status::Fail);
    let old_mode = b
        .entries
        .iter()
        .find(|e| e.path == "/etc/kubernetes/kubelet.conf")
        .unwrap()
        .mode
        .clone();
    // In path order; the added file's mode and owner depend on the umask
    // and user running the test.
    let ev = &changed.evidence;
    assert_eq!(ev.len(), 5, "{ev:?}");
    assert_eq!(ev[1], "removed /etc/cni/net.d/10-bridge.conflist");
    assert_eq!(
        ev[2],
        format!("changed /etc/kubernetes/kubelet.conf: mode {old_mode}→0666")
    );
    assert!(
        ev[3].starts_with("added /etc/kubernetes/manifests/evil.yaml (file 0"),
        "{ev:?}"
    );
    assert_eq!(ev[4], "changed /opt/k8s/kubelet: content (size 14→6)");
}
