//! End to end: `rampart node --record-baseline` then `--baseline` over a
//! temporary node root.

pub mod support;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use support::{run, write};

/// `rampart node --targets host --baseline FILE -o json`: exit code and
/// host.4's status and evidence.
fn compare(root: &Path, baseline: &Path) -> (i32, String, Vec<String>) {
    let (code, out, err) = run(&[
        "node",
        "--root",
        root.to_str().unwrap(),
        "--targets",
        "host",
        "--baseline",
        baseline.to_str().unwrap(),
        "-o",
        "json",
    ]);
    let v: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    let r = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "host.4")
        .unwrap();
    let evidence = r["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap().to_string())
        .collect();
    (code, r["status"].as_str().unwrap().to_string(), evidence)
}

#[test]
fn baseline_reports_exactly_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    write(
        &root,
        "etc/kubernetes/admin.conf",
        "client-key-data: SECRET",
        0o600,
    );
    write(
        &root,
        "etc/kubernetes/manifests/kube-apiserver.yaml",
        "kind: Pod",
        0o600,
    );
    write(&root, "etc/kubernetes/pki/ca.crt", "cert", 0o644);
    write(&root, "usr/local/bin/kubelet", "binary v1", 0o755);
    write(&root, "etc/cni/net.d/10-flannel.conflist", "{}", 0o644);
    let file = dir.path().join("baseline.json");

    let (code, out, err) = run(&[
        "node",
        "--root",
        root.to_str().unwrap(),
        "--record-baseline",
        file.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}{err}");
    // Every file and directory under the recorded trees: 5 files and
    // /etc/kubernetes, its manifests and pki, /etc/cni/net.d.
    assert!(err.contains("recorded 9 entries"), "{err}");
    assert_eq!(
        fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let text = fs::read_to_string(&file).unwrap();
    assert!(
        !text.contains("SECRET"),
        "file contents leaked into the baseline"
    );
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["apiVersion"], "rampart.dev/v1alpha1");
    assert_eq!(doc["kind"], "NodeBaseline");

    let (code, status, ev) = compare(&root, &file);
    assert_eq!((code, status.as_str()), (0, "Pass"), "{ev:?}");

    write(&root, "usr/local/bin/kubelet", "binary v2 (patched)", 0o755);
    fs::set_permissions(
        root.join("etc/kubernetes/pki/ca.crt"),
        fs::Permissions::from_mode(0o666),
    )
    .unwrap();
    fs::remove_file(root.join("etc/cni/net.d/10-flannel.conflist")).unwrap();
    write(
        &root,
        "etc/kubernetes/manifests/backdoor.yaml",
        "kind: Pod",
        0o600,
    );

    let (code, status, ev) = compare(&root, &file);
    assert_eq!((code, status.as_str()), (1, "Fail"), "{ev:?}");
    assert_eq!(
        ev[1..],
        [
            "removed /etc/cni/net.d/10-flannel.conflist".to_string(),
            ev[2].clone(),
            "changed /etc/kubernetes/pki/ca.crt: mode 0644→0666".to_string(),
            "changed /usr/local/bin/kubelet: content (size 9→19)".to_string(),
        ]
    );
    assert!(
        ev[2].starts_with("added /etc/kubernetes/manifests/backdoor.yaml (file 0600 "),
        "{ev:?}"
    );

    // The change shows in the text report too.
    let (code, out, _) = run(&[
        "node",
        "--root",
        root.to_str().unwrap(),
        "--targets",
        "host",
        "--baseline",
        file.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(
        out.contains("[FAIL] host.4 Node files unchanged since the recorded baseline"),
        "{out}"
    );
}

#[test]
fn bad_baselines_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    fs::create_dir_all(&root).unwrap();
    let bad = dir.path().join("bad.json");
    fs::write(
        &bad,
        "{\"apiVersion\": \"rampart.dev/v1alpha1\", \"kind\": \"NodeBaseline\"}",
    )
    .unwrap();
    let missing = dir.path().join("missing.json");
    for (file, says) in [(&bad, "is not a node baseline"), (&missing, "cannot read")] {
        let (code, out, err) = run(&[
            "node",
            "--root",
            root.to_str().unwrap(),
            "--baseline",
            file.to_str().unwrap(),
        ]);
        assert_eq!(code, 2, "{out}{err}");
        assert!(err.contains(says), "{err}");
        assert!(out.is_empty());
    }
    let (code, _, err) = run(&[
        "node",
        "--root",
        root.to_str().unwrap(),
        "--baseline",
        bad.to_str().unwrap(),
        "--record-baseline",
        missing.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
}
