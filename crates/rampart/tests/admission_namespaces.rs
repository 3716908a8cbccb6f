//! `rampart admission serve` with its namespace cache, end to end: the
//! binary reads Namespaces from rampart-testapi (a local API server) with
//! `--kubeconfig`, and a policy's namespaceSelector decides by their
//! labels; start-up failures of the cache are clear errors (exit 2).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rampart_testapi::{Forbidden, Options, Running, objects_from_paths, start_blocking};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::{Value, json};

const TOKEN: &str = "webhook-token";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/admission-namespaces")
}

fn policies() -> String {
    fixtures().join("policies").to_str().unwrap().to_string()
}

/// The binary, with no kubeconfig or pod environment of the machine
/// running the tests.
fn command() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rampart"));
    c.env_remove("KUBECONFIG")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env("HOME", "/nonexistent");
    c
}

fn rampart(args: &[&str]) -> Output {
    command().args(args).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn testapi(tweak: impl FnOnce(&mut Options)) -> Running {
    let mut opts = Options {
        objects: objects_from_paths(&[fixtures().join("cluster.yaml")]).unwrap(),
        token: Some(TOKEN.into()),
        ..Options::default()
    };
    tweak(&mut opts);
    start_blocking(opts).unwrap()
}

/// `admission serve` as a child process, killed when dropped.
struct Webhook {
    child: Child,
    port: u16,
    ca: PathBuf,
}

impl Drop for Webhook {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the webhook with certificates from `admission certs` in `dir`
/// and waits until `/readyz` answers 200.
fn serve(dir: &Path, extra: &[&str]) -> Webhook {
    let out = rampart(&[
        "admission",
        "certs",
        "--service",
        "hook",
        "-n",
        "sec",
        "-o",
        dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let cert = dir.join("tls.crt");
    let key = dir.join("tls.key");
    let mut args = vec![
        "admission",
        "serve",
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
        "--listen",
        &listen,
    ];
    args.extend_from_slice(extra);
    let child = command()
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut hook = Webhook {
        child,
        port,
        ca: dir.join("ca.crt"),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok((200, _)) = https(&hook, "GET", "/readyz", None) {
            return hook;
        }
        if let Some(status) = hook.child.try_wait().unwrap() {
            panic!("the webhook exited: {status}");
        }
        assert!(Instant::now() < deadline, "the webhook never became ready");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// One HTTP/1.1 request over TLS, trusting only the generated CA.
fn https(
    hook: &Webhook,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> std::io::Result<(u16, String)> {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_file(&hook.ca).unwrap())
        .unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let name = ServerName::try_from("hook.sec.svc").unwrap();
    let conn = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    let tcp = TcpStream::connect(("127.0.0.1", hook.port))?;
    tcp.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    let body = body.unwrap_or("");
    // HTTP/1.0 semantics (close, no chunking) keep the reading simple.
    write!(
        tls,
        "{method} {path} HTTP/1.0\r\nHost: hook.sec.svc\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    tls.flush()?;
    let mut raw = Vec::new();
    match tls.read_to_end(&mut raw) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && !raw.is_empty() => {}
        Err(e) => return Err(e),
    }
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, rest) = raw
        .split_once("\r\n\r\n")
        .ok_or_else(|| std::io::Error::other(format!("no header end in {raw:?}")))?;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad status line in {head:?}")))?;
    Ok((status, rest.to_string()))
}

/// The `response` to creating a pod (labelled `labels`) in `namespace`.
fn create_pod(hook: &Webhook, namespace: &str, labels: Value) -> Value {
    let review = json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": format!("uid-{namespace}"),
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "name": "web",
            "namespace": namespace,
            "operation": "CREATE",
            "userInfo": {"username": "alice"},
            "object": {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "web", "namespace": namespace, "labels": labels},
                "spec": {"containers": [{"name": "web", "image": "registry.example.com/web:1.0"}]},
            },
        },
    });
    let (status, body) = https(hook, "POST", "/validate", Some(&review.to_string())).unwrap();
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    v["response"].clone()
}

fn message(response: &Value) -> &str {
    response["status"]["message"].as_str().unwrap_or_default()
}

#[test]
fn namespace_labels_decide_whether_a_selecting_policy_applies() {
    let api = testapi(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    api.write_kubeconfig(&kubeconfig, "test", Some(TOKEN))
        .unwrap();
    let hook = serve(
        dir.path(),
        &[
            "--kubeconfig",
            kubeconfig.to_str().unwrap(),
            "--policy",
            &policies(),
            // The built-in rules are not what this test is about.
            "--rule",
            "privileged-container",
        ],
    );

    let denied = create_pod(&hook, "strict", json!({"app": "web"}));
    assert_eq!(denied["allowed"], false, "{denied}");
    assert!(
        message(&denied).contains("pods in this namespace need an owner label"),
        "{denied}"
    );
    let allowed = create_pod(&hook, "strict", json!({"app": "web", "owner": "alice"}));
    assert_eq!(allowed["allowed"], true, "{allowed}");
    let allowed = create_pod(&hook, "relaxed", json!({"app": "web"}));
    assert_eq!(allowed["allowed"], true, "{allowed}");

    // A namespace created after the last list is read when a request
    // names it.
    let mut objects = objects_from_paths(&[fixtures().join("cluster.yaml")]).unwrap();
    objects.push(json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": "late", "labels": {"owners": "required"}},
    }));
    api.replace_objects(objects).unwrap();
    let denied = create_pod(&hook, "late", json!({"app": "web"}));
    assert_eq!(denied["allowed"], false, "{denied}");

    // Read-only, and only Namespaces.
    let requests = api.requests();
    assert!(
        requests
            .iter()
            .any(|r| r.path_and_query == "/api/v1/namespaces/late")
    );
    for r in &requests {
        assert_eq!(r.method, "GET", "{r:?}");
        assert!(r.path_and_query.starts_with("/api/v1/namespaces"), "{r:?}");
    }
}

#[test]
fn the_cache_must_start_or_the_webhook_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.crt");
    let missing = missing.to_str().unwrap();
    let base = [
        "admission",
        "serve",
        "--tls-cert",
        missing,
        "--tls-key",
        missing,
        "--listen",
        "127.0.0.1:0",
    ];
    let kubeconfig = dir.path().join("kubeconfig");
    let kubeconfig = kubeconfig.to_str().unwrap();

    // The service account may not list namespaces.
    let forbidden = testapi(|o| {
        o.forbidden = vec![Forbidden {
            group: String::new(),
            resource: "namespaces".into(),
            namespace: None,
        }];
    });
    forbidden
        .write_kubeconfig(Path::new(kubeconfig), "test", Some(TOKEN))
        .unwrap();
    let out = rampart(&[&base[..], &["--kubeconfig", kubeconfig]].concat());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("namespace cache") && err.contains("403"),
        "{err}"
    );

    // Nobody listens any more.
    drop(forbidden);
    let out = rampart(&[&base[..], &["--kubeconfig", kubeconfig]].concat());
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("namespace cache: cannot reach"), "{err}");

    let out = rampart(
        &[
            &base[..],
            &["--kubeconfig", kubeconfig, "--context", "nope"],
        ]
        .concat(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no context named `nope`"));

    // Without the cache a namespaceSelector cannot be decided: refused.
    let out = rampart(
        &[
            &base[..],
            &["--no-namespace-cache", "--policy", &policies()],
        ]
        .concat(),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains(
            "require-owner: namespaceSelector is not supported without the namespace cache"
        ),
        "{err}"
    );
    let out = rampart(
        &[
            &base[..],
            &["--no-namespace-cache", "--kubeconfig", kubeconfig],
        ]
        .concat(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot be used with"));
}
