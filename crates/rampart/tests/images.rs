//! End-to-end tests of `rampart images`, `rampart images lock` and
//! `rampart scan --image-lock`.

pub mod support;

use serde_json::Value;
use support::{run_in, run_with_stdin};

const D1: &str = "sha256:0e5a2b9c1f7d3e6a8b4c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a";
const D2: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

/// Manifests with every kind of container: init, native sidecar, regular,
/// ephemeral, and a CronJob template.
fn manifests() -> String {
    format!(
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector:
    matchLabels: {{app: web}}
  template:
    metadata:
      labels: {{app: web}}
    spec:
      initContainers:
      - name: migrate
        image: registry.example.com/shop/migrate:4.2
      - name: proxy
        image: ghcr.io/acme/proxy:2.1
        restartPolicy: Always
      containers:
      - name: web
        image: nginx:1.27
      - name: api
        image: ghcr.io/acme/api:3.0@{D1}
---
apiVersion: v1
kind: Pod
metadata:
  name: debug
  namespace: shop
spec:
  containers:
  - name: app
    image: docker.io/library/nginx:1.27
  ephemeralContainers:
  - name: dbg
    image: busybox
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: report
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: report
            image: localhost:5000/report@{D2}
"#
    )
}

fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("k8s")).unwrap();
    std::fs::write(dir.path().join("k8s/app.yaml"), manifests()).unwrap();
    dir
}

#[test]
fn inventory_as_json() {
    let dir = workspace();
    let (code, out, err) = run_in(dir.path(), &["images", "k8s", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["schemaVersion"], 1);
    let images = v["images"].as_array().unwrap();
    let by_image = |image: &str| {
        images
            .iter()
            .find(|i| i["image"] == image)
            .unwrap_or_else(|| panic!("{image} not listed: {out}"))
    };
    let nginx = by_image("nginx:1.27");
    assert_eq!(nginx["registry"], "docker.io");
    assert_eq!(nginx["repository"], "library/nginx");
    assert_eq!(nginx["name"], "docker.io/library/nginx");
    assert_eq!(nginx["tag"], "1.27");
    assert_eq!(nginx["digest"], Value::Null);
    assert_eq!(nginx["pinned"], false);
    let used = &nginx["usedBy"][0];
    assert_eq!(used["object"]["kind"], "Deployment");
    assert_eq!(used["object"]["namespace"], "shop");
    assert_eq!(used["object"]["name"], "web");
    assert_eq!(used["container"], "web");
    assert_eq!(used["containerType"], "container");
    assert_eq!(used["location"]["file"], "k8s/app.yaml");
    assert_eq!(used["location"]["line"], 21);
    assert_eq!(
        used["location"]["pointer"],
        "/spec/template/spec/containers/0/image"
    );

    let api = by_image(&format!("ghcr.io/acme/api:3.0@{D1}"));
    assert_eq!(
        (&api["tag"], &api["digest"], &api["pinned"]),
        (&Value::from("3.0"), &Value::from(D1), &Value::from(true))
    );
    let types = |image: &str| by_image(image)["usedBy"][0]["containerType"].clone();
    assert_eq!(types("registry.example.com/shop/migrate:4.2"), "init");
    assert_eq!(types("ghcr.io/acme/proxy:2.1"), "sidecar");
    assert_eq!(types("busybox"), "ephemeral");
    let report = by_image(&format!("localhost:5000/report@{D2}"));
    assert_eq!(report["registry"], "localhost:5000");
    assert_eq!(report["repository"], "report");
    assert_eq!(report["tag"], Value::Null);
    assert_eq!(report["usedBy"][0]["object"]["kind"], "CronJob");
    assert!(report["usedBy"][0]["object"].get("namespace").is_none());
    assert_eq!(images.len(), 7);
}

#[test]
fn inventory_as_a_table_from_stdin() {
    let (code, out, err) = run_with_stdin(&["images", "-"], manifests());
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("IMAGE")
            && lines[0].contains("REGISTRY")
            && lines[0].ends_with("USED BY"),
        "{out}"
    );
    let line = |needle: &str| {
        *lines
            .iter()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle}:\n{out}"))
    };
    let words = |l: &str| l.split_whitespace().map(str::to_string).collect::<Vec<_>>();
    assert_eq!(
        words(line("ghcr.io/acme/api"))[..5],
        [
            "ghcr.io/acme/api:3.0",
            "ghcr.io",
            "acme/api",
            "3.0",
            "sha256:0e5a2b9c1f7d…"
        ]
    );
    assert!(line("busybox").contains("Pod/shop/debug, ephemeral container \"dbg\" (<stdin>:"));
    assert!(line("proxy").contains("sidecar \"proxy\""));
    assert!(out.ends_with("7 images in 7 containers\n"), "{out}");
}

#[test]
fn lock_records_digests_and_warns_about_unpinned_images() {
    let dir = workspace();
    let (code, lock, err) = run_in(dir.path(), &["images", "lock", "k8s"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        lock.contains("apiVersion: rampart.dev/v1\nkind: ImageLock\nimages:\n"),
        "{lock}"
    );
    assert!(
        lock.contains(&format!("- image: ghcr.io/acme/api:3.0\n  digest: {D1}\n")),
        "{lock}"
    );
    assert!(
        lock.contains(&format!("- image: localhost:5000/report\n  digest: {D2}\n")),
        "{lock}"
    );
    assert!(
        lock.contains("- image: busybox\n  digest: null\n"),
        "{lock}"
    );
    // Two spellings of one image are one entry.
    assert_eq!(lock.matches("nginx").count(), 1, "{lock}");
    let parsed = rampart_core::images::ImageLock::parse(&lock, &"images.lock".into()).unwrap();
    assert_eq!(parsed.images().len(), 6);
    assert!(
        err.contains("warning[unpinned-image]: busybox (Pod/shop/debug, ephemeral container \"dbg\") has no digest"),
        "{err}"
    );
    assert!(!err.contains("ghcr.io/acme/api"), "{err}");
    assert!(
        err.contains("locked 6 images (4 without a digest)"),
        "{err}"
    );

    // The manifests pass against their own lockfile.
    std::fs::write(dir.path().join("images.lock"), &lock).unwrap();
    let (code, out, err) = run_in(
        dir.path(),
        &[
            "scan",
            "k8s",
            "--no-config",
            "--rule",
            "image-not-in-lockfile",
            "--image-lock",
            "images.lock",
            "-o",
            "json",
        ],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["findings"], Value::Array(vec![]));
}

#[test]
fn scan_reports_drift_from_the_lockfile() {
    let dir = workspace();
    let lock = format!(
        "apiVersion: rampart.dev/v1
kind: ImageLock
images:
- image: registry.example.com/shop/migrate:4.2
  digest: null
- image: ghcr.io/acme/proxy:2.1
  digest: {D2}
- image: docker.io/library/nginx:1.27
  digest: null
- image: ghcr.io/acme/api:3.0
  digest: {D2}
- image: localhost:5000/report
  digest: {D2}
"
    );
    std::fs::write(dir.path().join("images.lock"), lock).unwrap();
    let (code, out, err) = run_in(
        dir.path(),
        &[
            "scan",
            "k8s",
            "--no-config",
            "--rule",
            "image-not-in-lockfile",
            "--image-lock",
            "images.lock",
            "-o",
            "json",
        ],
    );
    assert_eq!(code, 1, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let found: Vec<(String, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["location"]["pointer"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let pointers: Vec<&str> = found.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        pointers,
        [
            "/spec/template/spec/initContainers/1/image",
            "/spec/template/spec/containers/1/image",
            "/spec/ephemeralContainers/0/image",
        ]
    );
    assert!(
        found[0]
            .1
            .contains(&format!("use ghcr.io/acme/proxy:2.1@{D2}")),
        "{}",
        found[0].1
    );
    assert!(
        found[1].1.contains(&format!(
            "the image lockfile locks ghcr.io/acme/api at {D2}"
        )),
        "{}",
        found[1].1
    );
    assert!(
        found[2]
            .1
            .contains("busybox, which is not in the image lockfile"),
        "{}",
        found[2].1
    );

    // Without --image-lock the rule is silent.
    let (code, out, _) = run_in(
        dir.path(),
        &[
            "scan",
            "k8s",
            "--no-config",
            "--rule",
            "image-not-in-lockfile",
            "-o",
            "json",
        ],
    );
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["findings"], Value::Array(vec![]));
}

#[test]
fn bad_lockfiles_exit_2_with_their_location() {
    let dir = workspace();
    let cases = [
        (
            "apiVersion: rampart.dev/v1\nkind: ImageLock\nimages:\n- image: nginx\n  digest: sha256:abc\n",
            "images.lock:5:11: `images[0].digest`",
        ),
        (
            "apiVersion: rampart.dev/v1\nkind: ImageLock\nimages:\n- image: nginx\n  digets: null\n",
            "images.lock:5:3: `images[0]`: unknown field `digets`",
        ),
        (
            "apiVersion: v1\nkind: ConfigMap\n",
            "images.lock:1:13: not an image lockfile",
        ),
        ("images: [\n", "images.lock:2:1: not a valid image lockfile"),
        ("", "images.lock: the image lockfile is empty"),
    ];
    for (text, expected) in cases {
        std::fs::write(dir.path().join("images.lock"), text).unwrap();
        let (code, out, err) = run_in(
            dir.path(),
            &["scan", "k8s", "--no-config", "--image-lock", "images.lock"],
        );
        assert_eq!(code, 2, "{text}: {err}");
        assert!(out.is_empty(), "{out}");
        assert!(
            err.contains(expected),
            "{text}: expected {expected:?} in {err}"
        );
    }
    let (code, _, err) = run_in(
        dir.path(),
        &["scan", "k8s", "--no-config", "--image-lock", "missing.lock"],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("missing.lock: cannot read the image lockfile"),
        "{err}"
    );
}

#[test]
fn input_errors_exit_2_and_no_lockfile_is_written() {
    let dir = workspace();
    std::fs::write(dir.path().join("k8s/broken.yaml"), "kind: [\n").unwrap();
    let (code, out, err) = run_in(dir.path(), &["images", "k8s"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        out.contains("nginx:1.27"),
        "the readable rest is still listed: {out}"
    );
    assert!(err.contains("k8s/broken.yaml"), "{err}");

    let (code, out, err) = run_in(dir.path(), &["images", "lock", "k8s"]);
    assert_eq!(code, 2);
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("no lockfile written"), "{err}");

    let (code, _, err) = run_in(dir.path(), &["images"]);
    assert_eq!(code, 2);
    assert!(err.contains("nothing to read"), "{err}");
}

#[test]
fn untrusted_registry_from_the_config() {
    let dir = workspace();
    std::fs::write(
        dir.path().join(".rampart.yaml"),
        "rules:\n  untrusted-registry:\n    enabled: true\n    params:\n      allowed-registries: [ghcr.io/acme, registry.example.com, localhost:5000]\n",
    )
    .unwrap();
    let (code, out, err) = run_in(
        dir.path(),
        &["scan", "k8s", "--rule", "untrusted-registry", "-o", "json"],
    );
    assert_eq!(code, 1, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let pointers: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["location"]["pointer"].as_str().unwrap())
        .collect();
    // nginx twice (two spellings of Docker Hub) and busybox (Docker Hub).
    assert_eq!(
        pointers,
        [
            "/spec/template/spec/containers/0/image",
            "/spec/containers/0/image",
            "/spec/ephemeralContainers/0/image",
        ]
    );
}
