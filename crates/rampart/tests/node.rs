//! End to end: `rampart node` over a synthetic node root (the library's
//! own fixtures cover each check; this covers the command).

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use assert_cmd::Command;

fn write(root: &Path, path: &str, text: &[u8], mode: u32) {
    let p = root.join(path);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("rampart")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn node_judges_the_config_file_the_kubelet_really_uses() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // The kubelet runs with a non-default --config; the default path holds
    // a different, insecure file that must not be judged.
    write(
        root,
        "proc/123/cmdline",
        b"/usr/bin/kubelet\0--config=/etc/custom/kubelet.yaml\0--kubeconfig=/etc/kubernetes/kubelet.conf\0",
        0o444,
    );
    write(
        root,
        "etc/custom/kubelet.yaml",
        b"apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n  anonymous:\n    enabled: false\n",
        0o600,
    );
    write(
        root,
        "var/lib/kubelet/config.yaml",
        b"apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n  anonymous:\n    enabled: true\n",
        0o644,
    );
    write(
        root,
        "etc/kubernetes/kubelet.conf",
        b"apiVersion: v1\n",
        0o644,
    );
    write(
        root,
        "etc/passwd",
        b"root:x:0:0:root:/root:/bin/sh\n",
        0o644,
    );
    write(root, "etc/group", b"root:x:0:\n", 0o644);
    let (code, out, err) = run(&["node", "--root", root.to_str().unwrap(), "-o", "json"]);
    assert_eq!(code, 1, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let status = |id: &str| {
        report["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .map(|r| r["status"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(status("4.2.1"), "Pass", "{out}");
    assert_eq!(status("4.1.9"), "Pass", "{out}");
    // kubelet.conf is 0644: 4.1.5 fails, and that is why the exit code is 1.
    assert_eq!(status("4.1.5"), "Fail", "{out}");
    assert!(
        !out.contains("/var/lib/kubelet/config.yaml"),
        "the unused default file was judged"
    );

    let (code, text, _) = run(&["node", "--root", root.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(text.contains("[FAIL] 4.1.5"), "{text}");
    assert!(text.contains(" fail · "), "{text}");
}

#[test]
fn a_missing_root_is_a_usage_error() {
    let (code, _, err) = run(&["node", "--root", "/nonexistent/rampart-root"]);
    assert_eq!(code, 2);
    assert!(err.contains("node root"), "{err}");
}
