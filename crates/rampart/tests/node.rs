//! End to end: `rampart node` over a synthetic node root (the library's
//! own fixtures cover each check; this covers the command).

pub mod support;

use std::path::Path;

use support::{run, write};

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

// The library's fixture roots, built as its own tests build them.
#[path = "../../rampart-node/tests/support/mod.rs"]
mod node_fixtures;

/// Output with the fixture files' owner ids (which depend on who runs the
/// tests) replaced by `[uid]`/`[gid]`.
fn stable_ids(fx: &node_fixtures::Fixture, out: &str) -> String {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(fx.root.join("etc/kubernetes/kubelet.conf")).unwrap();
    let (uid, gid) = (m.uid(), m.gid());
    out.replace(&format!("uid {uid}, gid {gid}"), "uid [uid], gid [gid]")
        .replace(&format!(" {uid}:{gid}"), " [uid]:[gid]")
}

#[test]
fn sarif_of_a_node_validates_and_maps_each_status() {
    let fx = node_fixtures::build("flag-overrides-file");
    let (code, out, err) = run(&["node", "--root", fx.root.to_str().unwrap(), "-o", "sarif"]);
    assert_eq!(code, 1, "an automated check fails: {err}");
    let log: serde_json::Value = serde_json::from_str(&out).unwrap();
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif-schema-2.1.0.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&log).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "schema violations: {errors:#?}");
    let results = log["runs"][0]["results"].as_array().unwrap();
    let level = |id: &str| {
        results
            .iter()
            .find(|r| r["ruleId"] == id)
            .map(|r| r["level"].as_str().unwrap().to_string())
    };
    // A failed automated check is an error; a manual one a note; a pass
    // is no result.
    assert_eq!(level("4.2.1").as_deref(), Some("error"));
    assert_eq!(level("4.2.4").as_deref(), Some("note"));
    assert_eq!(level("4.1.5"), None);
    // A flag's value is located at the command line it was read from.
    let r = results.iter().find(|r| r["ruleId"] == "4.2.1").unwrap();
    assert_eq!(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "file:///proc/1234/cmdline"
    );
    let log: serde_json::Value = serde_json::from_str(&stable_ids(&fx, &out)).unwrap();
    insta::assert_json_snapshot!("node_flag_overrides_sarif", log, {
        ".runs[0].tool.driver.version" => "[version]",
        ".runs[0].tool.driver.semanticVersion" => "[version]",
    });
}

#[test]
fn junit_of_a_node_has_failing_and_passing_cases() {
    let fx = node_fixtures::build("flag-overrides-file");
    let (code, out, err) = run(&["node", "--root", fx.root.to_str().unwrap(), "-o", "junit"]);
    assert_eq!(code, 1, "{err}");
    assert!(out.contains(r#"<testsuite name="4.2.1""#), "{out}");
    assert!(out.contains(r#"<testcase name="no findings"/>"#), "{out}");
    insta::assert_snapshot!("node_flag_overrides_junit", stable_ids(&fx, &out));
}

#[test]
fn a_managed_platform_leaves_the_control_plane_to_the_provider() {
    let fx = node_fixtures::build("eks-worker");
    let root = fx.root.to_str().unwrap();
    let (code, out, err) = run(&["node", "--root", root, "--targets", "master,node"]);
    assert!(code == 0 || code == 1, "{err}");
    assert!(
        out.contains("Platform: EKS (detected from /etc/eks exists"),
        "{out}"
    );
    assert!(
        out.contains("[N/A ] 1.2.1 ")
            && out.contains("managed control plane (EKS): the provider operates it"),
        "{out}"
    );
    let (_, out, _) = run(&[
        "node",
        "--root",
        root,
        "--platform",
        "self-managed",
        "--targets",
        "master",
    ]);
    assert!(
        out.contains("Platform: self-managed (given by --platform)"),
        "{out}"
    );
    assert!(!out.contains("managed control plane"), "{out}");
}

#[test]
fn policies_name_the_catalog_rules_that_cover_them() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run(&[
        "node",
        "--root",
        dir.path().to_str().unwrap(),
        "--targets",
        "policies",
        "-o",
        "json",
    ]);
    assert_eq!(code, 0, "manual checks never fail the run: {err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), 34);
    let evidence = |id: &str| {
        results.iter().find(|r| r["id"] == id).unwrap()["evidence"][0]
            .as_str()
            .unwrap()
            .to_string()
    };
    // Every rule whose references cite CIS 5.2.2 is named, and only those.
    let want: Vec<&str> = rampart_rules::all()
        .iter()
        .filter(|r| {
            r.meta
                .references
                .iter()
                .any(|x| x.framework == rampart_core::Framework::Cis && x.id == "5.2.2")
        })
        .map(|r| r.meta.id)
        .collect();
    assert!(!want.is_empty());
    assert!(
        evidence("5.2.2").ends_with(&format!("through rules: {}", want.join(", "))),
        "{}",
        evidence("5.2.2")
    );
}
